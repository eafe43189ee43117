"""The spectral stack: features, STFT, Griffin-Lim (pinv and mel matching), the vocoder."""

from __future__ import annotations

import numpy as np
import pytest

from gan_tutorial import audio, spectral
from gan_tutorial.spectral import LOG_EPS, SpecConfig


def harmonic_note(cfg: SpecConfig, hz: float = 220.0) -> np.ndarray:
    """(1, n_samples) a decaying tone with 6 harmonics."""
    t = np.arange(cfg.n_samples) / cfg.sr
    y = sum(0.3 / k * np.sin(2 * np.pi * hz * k * t) for k in range(1, 7)) * np.exp(-3 * t)
    return y.astype(np.float32)[None]


def log_mel_error(y: np.ndarray, spec: np.ndarray, cfg: SpecConfig) -> float:
    """Mean |log-mel of the audio - the spectrogram it came from|."""
    return float(np.abs(spectral.log_spectrogram(y, cfg) - spec).mean())


def test_matches_librosa():
    """Filterbank, centre frequencies, STFT, log-mel and pinv Griffin-Lim against librosa."""
    librosa = pytest.importorskip("librosa")
    cfg = SpecConfig.for_size(64)
    mel = librosa.filters.mel(
        sr=cfg.sr, n_fft=cfg.n_fft, n_mels=cfg.n_mels, fmin=cfg.fmin, fmax=cfg.fmax
    )
    np.testing.assert_allclose(spectral.mel_filterbank(cfg), mel, atol=1e-7)
    edges = librosa.mel_frequencies(cfg.n_mels + 2, fmin=cfg.fmin, fmax=cfg.fmax)
    np.testing.assert_allclose(cfg.frequencies(), edges[1:-1], rtol=1e-6)

    rng = np.random.default_rng(0)  # a note with a noisy attack, as real notes have
    y = harmonic_note(cfg) + rng.normal(0, 0.02, cfg.n_samples).astype(np.float32) * np.exp(
        -np.arange(cfg.n_samples) / 800
    ).astype(np.float32)
    ref = librosa.stft(y, n_fft=cfg.n_fft, hop_length=cfg.hop, center=True, pad_mode="constant")
    np.testing.assert_allclose(spectral.stft(y, cfg), ref, atol=1e-5)
    mag = np.abs(ref[..., : cfg.n_frames])
    np.testing.assert_allclose(spectral.stft_magnitude(y, cfg), mag, atol=1e-5)
    log_mel = np.log(mel @ mag + LOG_EPS)
    np.testing.assert_allclose(spectral.log_spectrogram(y, cfg), log_mel, atol=1e-3)

    # pinv Griffin-Lim is librosa's fast Griffin-Lim of the pseudo-inverse's magnitude,
    # from the same random phases
    spec = spectral.log_spectrogram(y, cfg)
    lin = np.maximum(np.linalg.pinv(mel) @ (np.exp(spec) - LOG_EPS), 0.0)
    lin = np.concatenate([lin, lin[..., -1:]], axis=-1)  # the centred STFT's extra frame
    ours = spectral.griffin_lim(spec, cfg, n_iter=8, seed=3, match="pinv")
    theirs = librosa.griffinlim(
        lin,
        n_iter=8,
        hop_length=cfg.hop,
        n_fft=cfg.n_fft,
        length=cfg.n_samples,
        momentum=0.99,
        init="random",
        random_state=np.random.default_rng(3),
    )
    np.testing.assert_allclose(ours, theirs, atol=1e-4 * np.abs(theirs).max())


@pytest.mark.parametrize("kind", ["mel", "stft"])
@pytest.mark.parametrize("size", spectral.SIZES)
def test_every_size_is_square_and_its_stft_inverts(size, kind):
    cfg = SpecConfig.for_size(size, kind)
    y = np.concatenate([harmonic_note(cfg), 0.5 * harmonic_note(cfg, 330.0)])
    assert spectral.log_spectrogram(y, cfg).shape == (2, size, size) == (2, *cfg.shape)
    assert cfg.hop <= cfg.n_fft // 2  # frames overlap by half or more
    np.testing.assert_allclose(spectral.istft(spectral.stft(y, cfg), cfg), y, atol=1e-6)


def test_for_size_and_bad_configs_are_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"one of \(32, 64, 128, 256\)"):
        SpecConfig.for_size(48)
    with pytest.raises(ValueError, match="no inverse"):
        SpecConfig(n_fft=128, hop=256)
    with pytest.raises(ValueError, match="kind"):
        SpecConfig(kind="cqt")
    with pytest.raises(ValueError, match="stft_bins"):
        SpecConfig(n_fft=128, hop=64, kind="stft", stft_bins=100)


def test_stft_spectrogram_round_trips_through_griffin_lim():
    cfg = SpecConfig.for_size(64, kind="stft")  # the lowest 64 bins: 0-2 kHz
    y = harmonic_note(cfg)  # harmonics up to 1.3 kHz
    spec = spectral.log_spectrogram(y, cfg)
    back = spectral.griffin_lim(spec, cfg, n_iter=64)
    assert spectral.spectral_convergence(y, back, cfg) < 0.1
    # an STFT spectrogram's magnitude is exact: mel matching is plain Griffin-Lim there
    np.testing.assert_array_equal(
        spectral.griffin_lim(spec, cfg, n_iter=3, match="mel"),
        spectral.griffin_lim(spec, cfg, n_iter=3, match="pinv"),
    )


def test_mel_matching_gives_the_mel_spectrogram_back():
    cfg = SpecConfig.for_size(64)
    ref = spectral.log_spectrogram(harmonic_note(cfg), cfg)
    pinv = log_mel_error(spectral.griffin_lim(ref, cfg, n_iter=32, match="pinv"), ref, cfg)
    few, many = (
        log_mel_error(spectral.griffin_lim(ref, cfg, n_iter=n, match="mel"), ref, cfg)
        for n in (4, 50)
    )
    assert many < few  # the rounds move towards the target
    assert many < 0.5 * pinv  # and land far nearer than the pseudo-inverse's target does
    with pytest.raises(ValueError, match="match"):
        spectral.griffin_lim(ref, cfg, match="linear")
    with pytest.raises(ValueError, match=r"\(\.\.\., 64, 64\)"):
        spectral.griffin_lim(ref[..., :32], cfg)


def test_griffin_lim_is_seeded_and_keeps_leading_axes():
    cfg = SpecConfig.for_size(32)
    ref = spectral.log_spectrogram(harmonic_note(cfg), cfg)[0]  # (F, frames)
    a = spectral.griffin_lim(ref, cfg, n_iter=5, seed=1)
    assert a.shape == (cfg.n_samples,)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, spectral.griffin_lim(ref, cfg, n_iter=5, seed=1))
    assert not np.array_equal(a, spectral.griffin_lim(ref, cfg, n_iter=5, seed=2))
    batch = np.stack([ref, ref - 1.0])[None]  # (1, 2, F, frames)
    out = spectral.griffin_lim(batch, cfg, n_iter=5, seed=1)
    assert out.shape == (1, 2, cfg.n_samples)
    # the first clip's phases are the first drawn, whatever the batch (up to rounding)
    np.testing.assert_allclose(out[0, 0], a, atol=1e-5)


def test_audio_with_the_target_mel_is_a_fixed_point_of_mel_matching():
    cfg = SpecConfig.for_size(64)
    seen = (spectral.mel_filterbank(cfg).sum(0) > 0)[:, None]
    y = spectral.istft(spectral.stft(harmonic_note(cfg), cfg) * seen, cfg)  # no DC bin
    mel = np.exp(spectral.log_spectrogram(y, cfg)) - LOG_EPS
    inner = slice(cfg.n_fft, -cfg.n_fft)  # not the click of the tone's abrupt start
    tol = 1e-3 * float(np.abs(y).max())
    out = spectral._match_mel(y, mel, cfg, rounds=1)
    np.testing.assert_allclose(out[:, inner], y[:, inner], rtol=0, atol=tol)  # gains about 1
    quarter = spectral._match_mel(y, mel / 4, cfg, rounds=1)  # a quarter of the magnitude
    np.testing.assert_allclose(quarter[:, inner], y[:, inner] / 4, rtol=0, atol=tol)


def test_mel_matching_beats_pinv_on_real_notes(nsynth_quick):
    """On FluidSynth notes (the session's quick NSynth-lite set, rendered once)."""
    cfg = SpecConfig.for_size(64)
    spec = spectral.log_spectrogram(nsynth_quick.audio[:24], cfg)  # 0.33x at the last check
    pinv = log_mel_error(spectral.griffin_lim(spec, cfg, n_iter=32, match="pinv"), spec, cfg)
    mel = log_mel_error(spectral.griffin_lim(spec, cfg), spec, cfg)  # the course's vocoder
    assert mel < 0.5 * pinv


def test_one_vocoder_everywhere():
    cfg = SpecConfig.for_size(32)
    spec = spectral.log_spectrogram(harmonic_note(cfg), cfg)
    assert dict(spectral.VOCODER) == {"match": "mel", "n_iter": 50}
    np.testing.assert_array_equal(
        audio.spectrogram_to_audio(spec, cfg), spectral.griffin_lim(spec, cfg, **spectral.VOCODER)
    )
    assert spectral.vocoder_meta() == {"griffin_lim_iterations": 50, "griffin_lim_match": "mel"}
    assert audio.spectrogram is spectral.log_spectrogram


def test_sample_audio_vocodes_with_the_files_vocoder_or_the_courses(tmp_path):
    from gan_tutorial.evaluation import sample_audio
    from gan_tutorial.samples import load_samples, save_samples

    cfg = SpecConfig.for_size(32)
    specs = spectral.log_spectrogram(np.concatenate([harmonic_note(cfg, 220.0)] * 2), cfg)
    plain = load_samples(save_samples(tmp_path / "a", specs, meta={"spec_config": cfg}))
    np.testing.assert_array_equal(sample_audio(plain), spectral.griffin_lim(specs, cfg))
    named = {"spec_config": cfg, **spectral.vocoder_meta(n_iter=3, match="pinv")}
    old = load_samples(save_samples(tmp_path / "b", specs, meta=named))
    np.testing.assert_array_equal(
        sample_audio(old, n=1), spectral.griffin_lim(specs[:1], cfg, n_iter=3, match="pinv")
    )


def test_features_keep_leading_axes_and_the_normaliser_inverts():
    cfg = SpecConfig.for_size(32)
    y = np.concatenate([harmonic_note(cfg, hz) for hz in (220.0, 330.0, 440.0, 550.0)])
    specs = spectral.log_spectrogram(y.reshape(2, 2, -1), cfg)
    assert specs.shape == (2, 2, *cfg.shape)
    assert specs.dtype == np.float32
    np.testing.assert_array_equal(specs[1, 0], spectral.log_spectrogram(y[2], cfg))
    x, norm = spectral.spectrogram_arrays(y, cfg, batch=3)
    assert x.shape == (4, *cfg.shape)
    assert np.abs(x).max() <= 1
    inside = np.abs(x) < 1
    flat = specs.reshape(4, *cfg.shape)
    np.testing.assert_allclose(norm.inverse(x)[inside], flat[inside], rtol=1e-5, atol=1e-4)
