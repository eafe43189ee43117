"""gan_tutorial.evaluation: the rows of chapter 24's evaluation table."""

from __future__ import annotations

import csv
import math
import warnings

import numpy as np
import pytest

from gan_tutorial import evaluation as E
from gan_tutorial.audio import SpecConfig, spectrogram
from gan_tutorial.samples import load_samples, save_samples

SR = 16000


class FakeEvaluator:
    """Duck-typed evaluator: 4 spectral-band energies as features, 3-class softmax."""

    def features(self, audio, sr):
        spec = np.abs(np.fft.rfft(audio, axis=1))
        return np.stack([b.mean(axis=1) for b in np.array_split(spec, 4, axis=1)], axis=1)

    def probs(self, audio, sr):
        z = self.features(audio, sr)[:, :3]
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def sines(freqs, n=4096):
    t = np.arange(n) / SR
    return np.stack([0.5 * np.sin(2 * np.pi * f * t) for f in freqs]).astype(np.float32)


def gaussian_set(n, d=8, shift=0.0, k=5, seed=0):
    """An Embedded set: Gaussian features, confident probs spread over k classes."""
    rng = np.random.default_rng(seed)
    probs = np.full((n, k), 0.01 / (k - 1))
    probs[np.arange(n), rng.integers(0, k, n)] = 0.99
    return E.Embedded(
        features=rng.standard_normal((n, d)) + shift,
        probs=probs,
        centroid_hz=rng.normal(1000 + 500 * shift, 100, n),
    )


def test_embed_uses_the_evaluator_and_measures_centroid():
    audio = sines([440.0, 880.0, 1760.0])
    e = E.embed(FakeEvaluator(), audio, SR)
    assert e.features.shape == (3, 4)
    assert e.probs.shape == (3, 3)
    assert len(e) == 3
    np.testing.assert_allclose(e.probs.sum(axis=1), 1.0)
    assert np.all(np.diff(e.centroid_hz) > 0)  # higher tone, higher centroid
    assert abs(e.centroid_hz[0] - 440.0) < 60.0
    with pytest.raises(ValueError, match="non-empty"):
        E.embed(FakeEvaluator(), audio[0], SR)


def test_embedded_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="one row per clip"):
        E.Embedded(np.zeros((3, 2)), np.full((2, 2), 0.5), np.zeros(3))


def test_row_ranks_a_shifted_set_worse_than_a_matching_one():
    real = gaussian_set(400, seed=0)
    same = E.evaluation_row("same", gaussian_set(200, seed=1), real, is_part_size=50)
    off = E.evaluation_row("shifted", gaussian_set(200, shift=2.0, seed=2), real, is_part_size=50)
    assert same["n"] == 200
    assert same["is_splits"] == 4
    assert same["fid"] < off["fid"]
    assert same["kid_mean"] < off["kid_mean"]
    assert abs(same["kid_mean"]) < 0.1 < off["kid_mean"]
    assert same["precision"] > off["precision"]
    assert same["recall"] > off["recall"]
    assert same["js_centroid"] < off["js_centroid"]
    assert same["bhattacharyya_centroid"] < off["bhattacharyya_centroid"]
    assert same["ndb_over_k"] <= off["ndb_over_k"]
    assert 4.0 < same["is_mean"] <= 5.0  # 5 confident, balanced classes
    assert math.isclose(same["pitch_entropy"], math.log(5), rel_tol=0.05)
    assert same["flags"] == []
    assert off["flags"] == []


def test_few_samples_flag_fid_instead_of_warning_and_keep_going():
    real = gaussian_set(300, d=16)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        row = E.evaluation_row(
            "tiny", gaussian_set(10, d=16, seed=3), real, flags=["other_profile"]
        )
        with_warnings = [w for w in caught if issubclass(w.category, UserWarning)]
    assert not with_warnings
    assert row["flags"] == ["other_profile", "fid_few_samples"]
    assert np.isfinite(row["fid"])
    assert row["is_splits"] == 1
    two = E.evaluation_row("two", gaussian_set(3, d=16, seed=4), real, k=3)
    assert math.isnan(two["precision"])
    assert math.isnan(two["recall"])
    with pytest.raises(ValueError, match="at least 2 clips"):
        E.evaluation_row("one", gaussian_set(1, d=16), real)


def test_table_text_markdown_and_csv(tmp_path):
    real = gaussian_set(300)
    rows = [
        E.evaluation_row("real held-out", gaussian_set(100, seed=5), real),
        E.evaluation_row("tiny GAN", gaussian_set(6, seed=6), real, flags=["other_profile"]),
    ]
    text = E.format_table(rows)
    lines = text.splitlines()
    assert lines[0].startswith("set")
    assert "FID" in lines[0]
    assert "Bhattacharyya" in lines[0]
    assert len({len(line) for line in lines[:4]}) == 1  # header, rule and rows aligned
    assert "tiny GAN †" in text
    assert "*" in lines[3]
    assert "*" not in lines[2]
    assert "(1 part)" in lines[2]
    assert "(1 part)" in lines[3]
    split_row = E.evaluation_row("split", gaussian_set(100, seed=7), real, is_part_size=25)
    assert "(1 part)" not in E.format_table([split_row])  # IS from 4 parts: mean ± std
    assert any(line.startswith("* FID") for line in lines)
    assert any(line.startswith("† samples") for line in lines)
    md = E.format_table(rows, markdown=True)
    md_lines = md.splitlines()
    assert md_lines[0].startswith("| set | n | FID |")
    assert md_lines[1].startswith("|---|")
    assert sum(line.startswith("| ") for line in md_lines) == 3  # header + 2 rows
    assert "\\*" in md_lines[3]
    assert "\\* FID" in md

    c, m = E.write_table(rows, tmp_path / "t" / "table.csv", tmp_path / "t" / "table.md")
    assert m.read_text() == md
    with open(c, newline="") as fh:
        got = list(csv.DictReader(fh))
    assert [g["name"] for g in got] == ["real held-out", "tiny GAN"]
    assert float(got[0]["fid"]) == pytest.approx(rows[0]["fid"])
    assert got[1]["fid_few_samples"] == "1"
    assert got[1]["other_profile"] == "1"
    assert got[0]["fid_few_samples"] == "0"
    with pytest.raises(ValueError, match="no rows"):
        E.format_table([])


def test_sample_audio_uses_stored_audio_or_griffin_lim(tmp_path):
    cfg = SpecConfig.for_size(32)
    audio = sines([440.0, 660.0, 880.0], n=cfg.n_samples)
    specs = spectrogram(audio, cfg)
    with_audio = load_samples(save_samples(tmp_path / "a", specs, audio, SR))
    np.testing.assert_array_equal(E.sample_audio(with_audio, n=2), audio[:2])
    no_audio = load_samples(save_samples(tmp_path / "b", specs, meta={"spec_config": cfg}))
    y = E.sample_audio(no_audio, n=2, n_iter=4)
    assert y.shape == (2, cfg.n_samples)
    assert np.all(np.isfinite(y))
    assert np.abs(y).max() > 0
    bare = load_samples(save_samples(tmp_path / "c", specs))
    with pytest.raises(ValueError, match="spec_config"):
        E.sample_audio(bare)
