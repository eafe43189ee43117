"""GANSynth's IF representation (gan_tutorial.phase) and the MFCC-statistics distance."""

from __future__ import annotations

import numpy as np
import pytest

from gan_tutorial import phase, spectral
from gan_tutorial.metrics import mfcc_frechet, mfcc_frechet_to, mfcc_stats
from gan_tutorial.spectral import SpecConfig

CFG = SpecConfig(n_fft=512, hop=256, kind="stft", stft_bins=256)  # 256 x 64
T = np.arange(CFG.n_samples) / CFG.sr


def rel_error(got: np.ndarray, want: np.ndarray) -> float:
    return float(np.linalg.norm(got - want) / np.linalg.norm(want))


@pytest.fixture(scope="module")
def notes(nsynth_quick):
    """Five real notes at middle C (keyboard, mallet, organ, guitar, bass) and their MIDI."""
    idx = [int(np.flatnonzero((nsynth_quick.family == f) & (nsynth_quick.pitch == 60))[0])
           for f in range(5)]  # fmt: skip
    return nsynth_quick.audio[idx], nsynth_quick.pitch[idx]


def random_phase(audio: np.ndarray, cfg: SpecConfig = CFG, seed: int = 0) -> np.ndarray:
    """The same STFT magnitudes with uniformly random phase."""
    x = spectral.stft(audio, cfg)
    rng = np.random.default_rng(seed)
    return spectral.istft(np.abs(x) * np.exp(2j * np.pi * rng.random(x.shape)), cfg)


# --------------------------------------------------------------------------- phase maths
def test_unwrap_equals_numpy_at_the_pi_boundary():
    crossing = np.array([2.9, 3.1, -3.1, -2.9, 3.0, -3.0])  # +pi -> -pi and back
    np.testing.assert_allclose(phase.unwrap(crossing), np.unwrap(crossing), atol=1e-12)
    assert np.all(np.diff(phase.unwrap(crossing)[:4]) > 0)  # keeps rising through +pi
    ramp = 0.9 * np.pi * np.arange(40)  # every step 0.9 pi: wraps every 2 or 3 steps
    np.testing.assert_allclose(phase.unwrap(phase.wrap(ramp)), ramp, atol=1e-9)
    exact = np.array([0.0, np.pi, 0.0, -np.pi])  # differences of exactly +-pi
    np.testing.assert_allclose(phase.unwrap(exact), np.unwrap(exact), atol=1e-12)
    p = np.random.default_rng(1).uniform(-9, 9, size=(4, 30))
    for axis in (0, -1):
        np.testing.assert_allclose(phase.unwrap(p, axis), np.unwrap(p, axis=axis), atol=1e-12)
    w = phase.wrap(np.array([-np.pi, np.pi, 3 * np.pi, -7.0]))
    assert np.all((w >= -np.pi) & (w < np.pi))


def test_if_round_trip_gives_the_phase_modulo_2pi():
    p = np.random.default_rng(2).uniform(-np.pi, np.pi, size=(5, 64))
    if_ = phase.instantaneous_frequency(p)
    assert if_.shape == p.shape
    assert np.all(np.abs(if_) <= 1.0)
    np.testing.assert_allclose(if_[:, 0], p[:, 0] / np.pi)  # first frame: the phase itself
    np.testing.assert_allclose(phase.wrap(phase.phase_from_if(if_) - p + 1e-9), 1e-9, atol=1e-9)
    back = phase.phase_from_if(phase.instantaneous_frequency(p.T, axis=0), axis=0)
    np.testing.assert_allclose(np.cos(back), np.cos(p.T), atol=1e-9)


def test_expected_if_is_what_a_pure_tone_shows():
    for hz, want in ((470.0, -0.96), (1000.0, 0.0), (440.0, 0.08)):
        assert phase.expected_if(hz, CFG) == pytest.approx(want, abs=1e-9)
        f = phase.if_features((0.5 * np.sin(2 * np.pi * hz * T)).astype(np.float32), CFG)
        b = round(hz * CFG.n_fft / CFG.sr)
        got = f[1, b - 1 : b + 2, 2:]  # the tone's bin and its neighbours, whole frames
        np.testing.assert_allclose(phase.wrap(np.pi * (got - want)), 0.0, atol=2e-3)
    np.testing.assert_allclose(
        phase.expected_if(np.array([470.0, 1000.0]), CFG), [-0.96, 0], atol=1e-9
    )


# --------------------------------------------------------------------------- features
def test_chirp_round_trip_is_exact_but_for_the_last_half_window():
    hz = 200 + 2800 * T / T[-1]  # a linear chirp, 200 -> 3000 Hz
    y = (0.5 * np.sin(2 * np.pi * np.cumsum(hz) / CFG.sr)).astype(np.float32)
    f = phase.if_features(y, CFG)
    assert f.shape == (2, 256, 64)
    assert f.dtype == np.float32
    assert np.abs(f[1]).max() <= 1.0
    back = phase.if_to_audio(f, CFG)
    assert back.shape == y.shape
    assert back.dtype == np.float32
    # measured 5.8e-6; the last n_fft // 2 samples need the dropped extra frame, which
    # if_to_audio continues from the last one (right for steady partials, not for a chirp)
    assert rel_error(back[: -CFG.n_fft // 2], y[: -CFG.n_fft // 2]) < 1e-4


def test_real_note_round_trip(notes):
    audio, _ = notes
    f = phase.if_features(audio, CFG)
    assert f.shape == (5, 2, 256, 64)
    back = phase.if_to_audio(f, CFG)
    assert back.shape == audio.shape
    end = -CFG.n_fft // 2
    assert rel_error(back[:, :end], audio[:, :end]) < 1e-3  # measured 5e-5 (all 360: < 4.2e-4)
    assert rel_error(back, audio) < 2e-2  # the steady continuation is close for real notes
    np.testing.assert_allclose(phase.if_features(audio[0], CFG), f[0])  # one clip, no batch


def test_if_arrays_round_trip_with_the_normaliser(notes):
    audio, _ = notes
    x, norm = phase.if_arrays(audio, CFG)
    assert x.shape == (5, 2, 256, 64)
    assert x.dtype == np.float32
    assert x.min() >= -1.0
    assert x.max() <= 1.0
    feats = phase.if_features(audio, CFG)
    np.testing.assert_array_equal(x[:, 1], feats[:, 1])  # IF untouched
    again, same = phase.if_arrays(audio, CFG, normalizer=norm, batch=2)
    assert same is norm
    np.testing.assert_allclose(again, x, atol=1e-6)
    # the normaliser clips at 3 std: the inverse gives the clipped log magnitude back
    clipped = feats.copy()
    clipped[:, 0] = norm.inverse(norm.transform(feats[:, 0]))
    back = phase.arrays_to_audio(x, norm, CFG)
    np.testing.assert_allclose(back, phase.if_to_audio(clipped, CFG), atol=1e-4)
    wild = x.copy()
    wild[:, 1] *= 3  # a generator's IF beyond [-1, 1] is clipped, not wrapped
    clipped[:, 1] = np.clip(3 * feats[:, 1], -1, 1)
    np.testing.assert_allclose(
        phase.arrays_to_audio(wild, norm, CFG), phase.if_to_audio(clipped, CFG), atol=1e-4
    )


def test_if_mel_is_lossier_than_the_linear_round_trip(notes):
    audio, _ = notes
    f = phase.if_features(audio, CFG)
    linear = rel_error(phase.if_to_audio(f, CFG), audio)
    errors = {}
    for n_mels in (64, 128):
        mel = phase.to_if_mel(f, CFG, n_mels)
        assert mel.shape == (5, 2, n_mels, 64)
        assert np.abs(mel[:, 1]).max() <= 1.0
        back = phase.from_if_mel(mel, CFG)
        assert back.shape == f.shape
        errors[n_mels] = rel_error(phase.if_to_audio(back, CFG), audio)
    assert linear < errors[128] < errors[64]  # fewer bands, more lost


def test_bad_inputs_raise_with_the_fix():
    mel_cfg = SpecConfig()
    y = np.zeros((2, CFG.n_samples), np.float32)
    with pytest.raises(ValueError, match='kind="stft"'):
        phase.if_features(y, mel_cfg)
    with pytest.raises(ValueError, match=r"\(\.\.\., 2, 256, 64\)"):
        phase.if_to_audio(np.zeros((256, 64)), CFG)
    with pytest.raises(ValueError, match="if_features"):
        phase.if_to_audio(np.zeros((1, 2, 128, 64)), CFG)
    with pytest.raises(ValueError, match=r"\(N, n_samples\)"):
        phase.if_arrays(y[0], CFG)
    with pytest.raises(ValueError, match="to_if_mel"):
        phase.from_if_mel(np.zeros((1, 2, 64, 32)), CFG)
    with pytest.raises(ValueError, match="one MIDI pitch each"):
        phase.harmonic_coherence(y, [60], CFG)
    with pytest.raises(ValueError, match="n_samples"):
        phase.if_features(np.float32(0.0), CFG)


# --------------------------------------------------------------------------- coherence
def test_harmonic_coherence_tells_real_phase_from_guessed_phase(notes):
    audio, midi = notes
    real = phase.harmonic_coherence(audio, midi, CFG)
    mel = SpecConfig()
    gl = phase.harmonic_coherence(
        spectral.griffin_lim(spectral.log_spectrogram(audio, mel), mel, **spectral.VOCODER),
        midi,
        CFG,
    )
    rand = phase.harmonic_coherence(random_phase(audio), midi, CFG)
    # measured: real 0.985-0.996, Griffin-Lim 0.79-0.88, random 0.21-0.27 (all 360 quick
    # notes: real mean 0.95, Griffin-Lim 0.72, random 0.26; Griffin-Lim < real on every one)
    assert np.all(real > 0.95)
    assert np.all((gl > 0.6) & (gl < 0.93))
    assert np.all(gl < real - 0.05)
    assert np.all(rand < 0.35)


def test_harmonic_coherence_of_synthetic_tones():
    f0 = 220.0
    tone = sum(0.3 / k * np.sin(2 * np.pi * f0 * k * T + k) for k in range(1, 9)) * np.exp(-2 * T)
    detuned = sum(0.3 / k * np.sin(2 * np.pi * 1.01 * f0 * k * T) for k in range(1, 9))
    y = np.stack([tone, detuned, np.zeros_like(T)]).astype(np.float32)
    got = phase.harmonic_coherence(y, [57, 57, 57], CFG)
    assert got[0] > 0.99  # measured 0.9996
    assert got[1] > 0.99  # 1% sharp: a constant deviation per hop, still steady (0.9986)
    assert np.isnan(got[2])  # silence: no partial to judge
    assert phase.harmonic_coherence(random_phase(y[:1]), [57], CFG)[0] < 0.3  # measured 0.21


# --------------------------------------------------------------------------- MFCC distance
def test_mfcc_stats_match_librosa_clip_by_clip(notes):
    """librosa.feature.mfcc's defaults, one clip at a time (its batch floor is the batch's peak)."""
    librosa = pytest.importorskip("librosa")
    audio, _ = notes
    want = []
    for y in audio:
        m = librosa.feature.mfcc(y=y, sr=16000, n_mfcc=20)  # (20, frames)
        want.append(np.concatenate([m.mean(axis=1), m.std(axis=1)]))
    got = mfcc_stats(audio)
    assert got.shape == (5, 40)
    np.testing.assert_allclose(got, np.stack(want), rtol=1e-4, atol=1e-3)
    assert mfcc_stats(audio[None]).shape == (1, 5, 40)


def test_mfcc_frechet(nsynth_quick):
    order = np.random.default_rng(0).permutation(len(nsynth_quick.audio))
    a, b = nsynth_quick.audio[order[:80]], nsynth_quick.audio[order[80:160]]
    assert mfcc_frechet(a, a) == pytest.approx(0.0, abs=1e-6)
    floor = mfcc_frechet(a, b)  # other real notes: the floor (measured 1,367 at 80 notes)
    quieter = mfcc_frechet(a, 0.25 * b)  # 12 dB down: every c0 shifts (measured 23,885)
    assert quieter > 3 * floor
    assert mfcc_frechet(0.25 * b, a) == pytest.approx(quieter, rel=1e-6)
    with pytest.raises(ValueError, match=r"\(N, n_samples\)"):
        mfcc_frechet(a[0], b)


def test_mfcc_frechet_to_a_reference_described_once(nsynth_quick):
    order = np.random.default_rng(1).permutation(len(nsynth_quick.audio))
    a, b = nsynth_quick.audio[order[:80]], nsynth_quick.audio[order[80:160]]
    ref = mfcc_stats(a)
    assert mfcc_frechet_to(ref, b) == pytest.approx(mfcc_frechet(a, b), rel=1e-9)
    assert mfcc_frechet_to(ref, 0.25 * b) > 3 * mfcc_frechet_to(ref, b)  # level is seen
    with pytest.raises(ValueError, match=r"\(N, n_samples\)"):
        mfcc_frechet_to(ref, b[0])
