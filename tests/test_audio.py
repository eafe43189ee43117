"""gan_tutorial.audio: files, playback and the spectral names notebooks reach through it."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from gan_tutorial import audio

SR = audio.SR


def harmonic_note(f0: float, n: int = audio.N_SAMPLES, sr: int = SR) -> np.ndarray:
    t = np.arange(n) / sr
    y = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
    return (0.5 * y * np.exp(-2 * t)).astype(np.float32)


def test_spec_config_sizes_are_square():
    for size in (64, 128):
        cfg = audio.SpecConfig.for_size(size)
        spec = audio.logmel(harmonic_note(220.0), cfg)
        assert spec.shape == (size, size) == cfg.shape
        assert spec.dtype == np.float32
    stft = audio.SpecConfig.for_size(64, kind="stft")
    assert audio.spectrogram(harmonic_note(220.0), stft).shape == (64, 64)


def test_features_are_batched_along_leading_axes():
    cfg = audio.SpecConfig.for_size(64)
    batch = np.stack([harmonic_note(220.0), harmonic_note(330.0)])
    specs = audio.logmel(batch, cfg)
    assert specs.shape == (2, 64, 64)
    np.testing.assert_allclose(specs[1], audio.logmel(batch[1], cfg), atol=1e-5)


def test_mel_peak_follows_the_pitch():
    cfg = audio.SpecConfig.for_size(128)
    freqs = cfg.frequencies()
    for f0 in (220.0, 440.0, 880.0, 1760.0):
        s = audio.logmel(
            np.sin(2 * np.pi * f0 * np.arange(audio.N_SAMPLES) / SR).astype(np.float32), cfg
        )
        peak = freqs[np.argmax(s.mean(axis=1))]
        assert abs(np.log2(peak / f0)) < 0.15, (f0, peak)


@pytest.mark.parametrize(("match", "feature_bound"), [("pinv", 0.25), ("mel", 0.12)])
def test_round_trip_error_is_bounded(match, feature_bound):
    cfg = audio.SpecConfig.for_size(64)
    y = harmonic_note(261.6)
    back = audio.spectrogram_to_audio(audio.logmel(y, cfg), cfg, match=match, n_iter=32)
    assert back.shape == y.shape
    assert np.all(np.isfinite(back))
    # phase reconstruction alone loses little (less when matching the mel bands
    # themselves); mel smearing of harmonics loses more
    assert audio.feature_convergence(y, back, cfg) < feature_bound
    assert audio.spectral_convergence(y, back, cfg) < 0.7
    # and a wrong answer (noise of the same level) is far worse
    noise = np.random.default_rng(0).normal(0, y.std(), y.shape).astype(np.float32)
    assert audio.spectral_convergence(y, noise, cfg) > 0.9


def test_stft_round_trip_is_nearly_exact():
    cfg = audio.SpecConfig(n_fft=512, hop=128, kind="stft")
    y = harmonic_note(200.0)
    back = audio.spectrogram_to_audio(audio.spectrogram(y, cfg), cfg, n_iter=64)
    assert audio.spectral_convergence(y, back, cfg) < 0.2


def test_normalizer_inverse_and_range(tmp_path):
    rng = np.random.default_rng(0)
    specs = rng.normal(-4, 2, size=(20, 64, 64)).astype(np.float32) + np.linspace(0, 5, 64)[:, None]
    norm = audio.SpecNormalizer.fit(specs)
    x = norm.transform(specs)
    assert x.min() >= -1
    assert x.max() <= 1
    inside = np.abs(x) < 1  # values not clipped come back exactly
    np.testing.assert_allclose(norm.inverse(x)[inside], specs[inside], rtol=1e-5, atol=1e-4)
    # per-bin statistics: each bin is centred
    assert np.abs(x.mean(axis=(0, 2))).max() < 0.05
    loaded = audio.SpecNormalizer.load(norm.save(tmp_path / "norm.npz"))
    np.testing.assert_array_equal(loaded.transform(specs), x)


def test_normalizer_load_names_a_bad_file(tmp_path):
    bad = tmp_path / "norm.npz"
    bad.write_bytes(b"not an npz")
    with pytest.raises(ValueError, match=r"norm\.npz"):
        audio.SpecNormalizer.load(bad)


def test_fix_length_crops_and_pads():
    y = np.arange(10, dtype=np.float32)
    assert audio.fix_length(y, 4).tolist() == [0, 1, 2, 3]
    assert audio.fix_length(y, 4, where="center").tolist() == [3, 4, 5, 6]
    padded = audio.fix_length(y, 14)
    assert padded.shape == (14,)
    assert padded[10:].tolist() == [0, 0, 0, 0]
    assert audio.fix_length(np.ones((3, 5)), 8).shape == (3, 8)


def test_save_wav_round_trip_and_atomicity(tmp_path):
    y = harmonic_note(440.0)
    path = audio.save_wav(tmp_path / "sub" / "a.wav", y)
    back = audio.load_audio(path)
    np.testing.assert_allclose(back, y, atol=2 / 32768)
    assert sf.info(str(path)).subtype == "PCM_16"
    assert [p.name for p in path.parent.iterdir()] == ["a.wav"]  # no temp files left
    with pytest.raises(ValueError, match="NaN"):
        audio.save_wav(tmp_path / "nan.wav", np.full(10, np.nan, np.float32))
    assert not (tmp_path / "nan.wav").exists()


def test_play_returns_an_inline_player():
    player = audio.play(harmonic_note(440.0))
    assert player.data[:4] == b"RIFF"
    silent = audio.play(np.zeros(100, np.float32))  # must not raise on silence
    assert silent.data[:4] == b"RIFF"
    box = audio.play_many(np.stack([harmonic_note(220.0), harmonic_note(330.0)]), labels=["a", "b"])
    assert len(box.children) == 2


def test_atomic_write_keeps_the_old_file_when_the_rename_fails(tmp_path, monkeypatch):
    import os

    from gan_tutorial.io import atomic_write_bytes

    target = tmp_path / "ckpt.bin"
    atomic_write_bytes(target, b"good")

    def fail(src, dst):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="simulated"):
        atomic_write_bytes(target, b"half")
    monkeypatch.undo()
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.bin"]
