"""The sample-file format shared by the chapter-22 notebooks and the chapter-24 evaluation."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from gan_tutorial.audio import SpecConfig, SpecNormalizer
from gan_tutorial.errors import FileProblem
from gan_tutorial.samples import load_samples, sample_paths, save_samples


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    specs = rng.normal(-4, 2, (3, 64, 64)).astype(np.float32)
    audio = rng.uniform(-0.5, 0.5, (3, 16384)).astype(np.float32)
    return specs, audio


def test_round_trip(tmp_path, arrays) -> None:
    specs, audio = arrays
    meta = {
        "framework": "torch",
        "model": "dcgan",
        "profile": "quick",
        "seed": np.int64(3),
        "step": 30,
        "spec_config": SpecConfig.for_size(64),
    }
    path = save_samples(tmp_path / "out" / "dcgan_torch", specs, audio, 16000, meta)
    assert path == tmp_path / "out" / "dcgan_torch.npz"
    s = load_samples(tmp_path / "out" / "dcgan_torch")  # suffix optional
    np.testing.assert_array_equal(s.specs, specs)
    np.testing.assert_array_equal(s.audio, audio)
    assert s.sr == 16000
    assert len(s) == 3
    assert s.meta["seed"] == 3
    assert s.meta["spec_config"] == SpecConfig.for_size(64).as_dict()
    assert s.meta["spec_scale"] == "log"
    assert s.meta["framework"] == "torch"
    assert [p.name for p in s.wav_paths] == [f"dcgan_torch_{i:03d}.wav" for i in range(3)]
    for p in s.wav_paths:
        y, sr = sf.read(p)
        assert sr == 16000
        assert len(y) == 16384
        assert 0.85 < np.abs(y).max() < 0.95
    with np.load(path, allow_pickle=False) as z:  # readable without this package
        assert json.loads(str(z["meta"]))["step"] == 30


def test_normalizer_and_shapes(tmp_path, arrays) -> None:
    specs, _ = arrays
    norm = SpecNormalizer.fit(specs)
    outputs = norm.transform(specs)[:, None]  # what a torch generator gives: (N, 1, F, T)
    save_samples(tmp_path / "g.npz", outputs, normalizer=norm)
    s = load_samples(tmp_path / "g.npz")
    assert s.audio is None
    assert s.wav_paths == []
    np.testing.assert_allclose(s.specs, norm.inverse(norm.transform(specs)), atol=1e-5)


def test_stale_wavs_are_removed(tmp_path, arrays) -> None:
    specs, audio = arrays
    save_samples(tmp_path / "s", specs, audio)
    save_samples(tmp_path / "s", specs[:1], audio[:1])
    assert [p.name for p in load_samples(tmp_path / "s").wav_paths] == ["s_000.wav"]


def test_bad_inputs_and_files(tmp_path, arrays) -> None:
    specs, audio = arrays
    with pytest.raises(ValueError, match="NaN"):
        save_samples(tmp_path / "x", np.full_like(specs, np.nan))
    with pytest.raises(ValueError, match="audio must be"):
        save_samples(tmp_path / "x", specs, audio[:2])

    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip file")
    with pytest.raises(FileProblem, match=r"garbage\.npz"):
        load_samples(garbage)
    other = tmp_path / "other.npz"
    np.savez(other, specs=specs)
    with pytest.raises(FileProblem, match=r"other.npz.*missing key"):
        load_samples(other)
    with pytest.raises(FileProblem, match="does not exist"):
        load_samples(tmp_path / "missing")
    assert sample_paths(tmp_path / "a.npz") == (tmp_path / "a.npz", tmp_path / "a")


def test_audio_over_full_scale_is_rescaled_and_counted(tmp_path):
    from gan_tutorial.samples import load_samples, save_samples

    specs = np.zeros((2, 4, 4), np.float32)
    audio = np.stack([np.linspace(-0.5, 0.5, 100), np.linspace(-8, 8, 100)]).astype(np.float32)
    path = save_samples(tmp_path / "s", specs, audio, 16000, {"seed": 0})
    got = load_samples(path)
    np.testing.assert_allclose(got.audio[0], audio[0])  # in range: untouched
    assert np.max(np.abs(got.audio[1])) == 1.0
    assert got.meta["clips_rescaled_to_full_scale"] == 1
    assert (path.stat().st_mode & 0o777) == (0o666 & ~_umask())


def _umask() -> int:
    import os

    m = os.umask(0)
    os.umask(m)
    return m
