"""Tests for gan_tutorial.metrics: each checks a property that a wrong formula would break."""

from __future__ import annotations

import contextlib
import csv
import math
import time
import warnings

import numpy as np
import pytest
import scipy.linalg
from scipy.spatial.distance import jensenshannon

from gan_tutorial import metrics as M

SR = 16000


def tone(freqs_amps: list[tuple[float, float]], n: int = 4096, sr: int = SR) -> np.ndarray:
    """A (n,) sum of sines: [(frequency Hz, amplitude), ...]."""
    t = np.arange(n) / sr
    return sum(a * np.sin(2 * np.pi * f * t) for f, a in freqs_amps)


def midi_hz(m: float) -> float:
    return 440.0 * 2 ** ((m - 69) / 12)


def one_blas_thread():
    """Pin BLAS to one thread: on a busy 2-core machine, BLAS threads fight and stall."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # only slower and noisier without it
        return contextlib.nullcontext()
    return threadpool_limits(1)


@pytest.fixture(autouse=True, scope="module")
def _single_blas_thread():
    with one_blas_thread():
        yield


def random_psd(rng: np.random.Generator, d: int, n: int | None = None) -> np.ndarray:
    a = rng.standard_normal((n or 2 * d, d))
    return a.T @ a / a.shape[0]


# --------------------------------------------------------------------------- histograms


def test_histogram_is_a_probability_vector() -> None:
    p = M.histogram([0.1, 0.2, 0.7, 5.0], bins=2, range=(0.0, 1.0))  # 5.0 is out of range
    np.testing.assert_allclose(p, [2 / 3, 1 / 3])
    with pytest.raises(ValueError, match="range"):
        M.histogram([1.0], bins=3, range=(1.0, 1.0))


def test_shared_histograms_use_common_edges() -> None:
    rng = np.random.default_rng(0)
    real, fake = rng.normal(0, 1, 500), rng.normal(3, 1, 400)
    p, q, edges = M.shared_histograms(real, fake, bins=30)
    assert p.shape == q.shape == (30,)
    assert edges.shape == (31,)
    assert math.isclose(p.sum(), 1.0)
    assert math.isclose(q.sum(), 1.0)
    assert edges[0] == min(real.min(), fake.min())
    assert edges[-1] == max(real.max(), fake.max())
    # the shifted fake puts more mass in the upper half of the shared range
    assert q[15:].sum() > p[15:].sum()


def test_identical_histograms_have_zero_distance() -> None:
    p = np.array([1.0, 2.0, 3.0, 4.0])
    assert M.bhattacharyya_distance(p, p) == pytest.approx(0.0, abs=1e-12)
    assert M.bhattacharyya_coefficient(p, 2 * p) == pytest.approx(1.0)  # normalised first
    assert M.js_divergence(p, p) == pytest.approx(0.0, abs=1e-12)


def test_disjoint_histograms_hit_the_maximum() -> None:
    p, q = [1, 1, 0, 0], [0, 0, 2, 5]
    assert M.bhattacharyya_distance(p, q) == math.inf
    assert M.js_divergence(p, q, base=2) == pytest.approx(1.0)
    assert M.js_divergence(p, q, base=math.e) == pytest.approx(math.log(2))


def test_distances_are_symmetric_and_match_hand_computation() -> None:
    p, q = [0.5, 0.5], [0.9, 0.1]
    # Bhattacharyya by hand: sqrt(.45) + sqrt(.05) = 0.670820 + 0.223607 = 0.894427
    bc = math.sqrt(0.45) + math.sqrt(0.05)
    assert M.bhattacharyya_coefficient(p, q) == pytest.approx(bc)
    assert M.bhattacharyya_distance(p, q) == pytest.approx(-math.log(bc))
    # JS by hand, base 2: m = (0.7, 0.3)
    kl_pm = 0.5 * math.log2(0.5 / 0.7) + 0.5 * math.log2(0.5 / 0.3)
    kl_qm = 0.9 * math.log2(0.9 / 0.7) + 0.1 * math.log2(0.1 / 0.3)
    assert M.js_divergence(p, q) == pytest.approx(0.5 * (kl_pm + kl_qm))
    assert M.js_divergence(p, q) == pytest.approx(M.js_divergence(q, p))
    assert M.bhattacharyya_distance(p, q) == pytest.approx(M.bhattacharyya_distance(q, p))


def test_js_divergence_is_the_square_of_scipys_js_distance() -> None:
    # scipy's jensenshannon returns the DISTANCE, sqrt of the divergence
    rng = np.random.default_rng(1)
    for _ in range(5):
        p, q = rng.random(12), rng.random(12)
        assert M.js_divergence(p, q, base=2) == pytest.approx(jensenshannon(p, q, base=2) ** 2)


def test_histogram_distance_input_errors() -> None:
    with pytest.raises(ValueError, match="same number of bins"):
        M.js_divergence([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="non-negative"):
        M.bhattacharyya_distance([1, -1], [1, 1])
    with pytest.raises(ValueError, match="sums to 0"):
        M.js_divergence([0, 0], [1, 1])


def test_audio_features_measure_what_they_say() -> None:
    low = tone([(220.0, 0.5)], n=8192)
    high = tone([(2000.0, 0.05)], n=8192)
    feats = M.audio_features(np.stack([low, high]), SR)
    assert set(feats) == {"centroid_hz", "rms_db", "log_mel"}
    c = feats["centroid_hz"]
    assert c.shape == (2,)
    assert abs(c[0] - 220) < 5
    assert abs(c[1] - 2000) < 5
    # RMS of a sine of amplitude a is a/sqrt(2): 20 log10(0.5/sqrt 2) = -9.03 dB
    np.testing.assert_allclose(
        feats["rms_db"], 20 * np.log10([0.5 / 2**0.5, 0.05 / 2**0.5]), atol=0.1
    )
    assert feats["log_mel"].ndim == 1
    assert np.all(np.isfinite(feats["log_mel"]))
    with pytest.raises(ValueError, match=r"\(N, T\)"):
        M.audio_features(low, SR)


# --------------------------------------------------------------------------- FID


def test_frechet_equal_covariances_is_squared_mean_distance() -> None:
    rng = np.random.default_rng(0)
    s = random_psd(rng, 16)
    mu1, mu2 = rng.standard_normal(16), rng.standard_normal(16)
    assert M.frechet_distance(mu1, s, mu2, s) == pytest.approx(np.sum((mu1 - mu2) ** 2), rel=1e-9)


def test_frechet_diagonal_closed_form() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.uniform(0.1, 4, 10), rng.uniform(0.1, 4, 10)
    mu1, mu2 = rng.standard_normal(10), rng.standard_normal(10)
    expected = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2) + np.sum((mu1 - mu2) ** 2)
    got = M.frechet_distance(mu1, np.diag(a), mu2, np.diag(b))
    assert got == pytest.approx(expected, rel=1e-10)


def _fid_sqrtm(mu1, s1, mu2, s2) -> float:
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    return float(
        np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean).real
    )


def _best_time(fn, repeats: int = 3) -> tuple[float, float]:
    best, value = math.inf, math.nan
    for _ in range(repeats):
        t0 = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - t0)
    return best, value


def test_frechet_matches_sqrtm_reference_and_is_faster() -> None:
    rng = np.random.default_rng(2)
    d = 512
    s1, s2 = random_psd(rng, d), random_psd(rng, d)
    mu1, mu2 = rng.standard_normal(d) * 0.1, rng.standard_normal(d) * 0.1
    with one_blas_thread():
        t_ours, ours = _best_time(lambda: M.frechet_distance(mu1, s1, mu2, s2), repeats=3)
        t_ref, ref = _best_time(lambda: _fid_sqrtm(mu1, s1, mu2, s2), repeats=1)
    assert ours == pytest.approx(ref, rel=1e-6)
    assert t_ours < t_ref, f"ours {t_ours:.3f}s vs sqrtm {t_ref:.3f}s"


def test_frechet_identical_inputs_are_zero_never_negative() -> None:
    rng = np.random.default_rng(3)
    for n in (50, 2000):  # n < d: singular covariance, the round-off-prone case
        x = rng.standard_normal((n, 128)) * rng.uniform(0.01, 10, 128)
        mu, s = x.mean(0), np.cov(x, rowvar=False)
        fd = M.frechet_distance(mu, s, mu, s)
        assert 0.0 <= fd <= 1e-6 * np.trace(s)


def test_frechet_shape_errors() -> None:
    with pytest.raises(ValueError, match="same length"):
        M.frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match=r"\(3, 3\) covariance"):
        M.frechet_distance(np.zeros(3), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match="symmetric"):
        M.frechet_distance(np.zeros(2), np.array([[1.0, 1.0], [0.0, 1.0]]), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="negative eigenvalue"):
        M.frechet_distance(np.zeros(2), np.diag([1.0, -1.0]), np.zeros(2), np.eye(2))


def test_fid_from_features_finds_a_shift_and_validates() -> None:
    rng = np.random.default_rng(4)
    real = rng.standard_normal((2000, 4))
    same = rng.standard_normal((2000, 4))
    shifted = same + np.array([2.0, 0, 0, 0])
    assert M.fid_from_features(real, same) < 0.05
    # closed form for the shift: ||dmu||^2 = 4 (covariances equal in expectation)
    assert M.fid_from_features(real, shifted) == pytest.approx(4.0, abs=0.3)
    with pytest.raises(ValueError, match="at least 2"):
        M.fid_from_features(real, real[:1])
    with pytest.raises(ValueError, match="feature dimension"):
        M.fid_from_features(real, real[:, :3])
    with pytest.warns(UserWarning, match="singular"):
        M.fid_from_features(real[:3], same)


def test_fid_infinity_extrapolates_a_known_line() -> None:
    ns = np.array([100, 200, 400, 800])
    assert M.fid_infinity(ns, 3.0 + 50.0 / ns) == pytest.approx(3.0)
    with pytest.raises(ValueError, match="distinct"):
        M.fid_infinity([100, 100], [1.0, 2.0])


def test_fid_vs_n_decreases_with_n_and_extrapolates_below_all() -> None:
    rng = np.random.default_rng(5)
    real = rng.standard_normal((3000, 8))
    fake = rng.standard_normal((3000, 8)) + 0.3
    ns, fids = M.fid_vs_n(real, fake, [50, 100, 200, 400, 800], rng=rng)
    assert list(ns) == [50, 100, 200, 400, 800]
    assert fids[0] > fids[-1]  # FID is biased upward at small n
    fid_inf = M.fid_infinity(ns, fids)
    assert fid_inf < fids.min()
    assert fid_inf == pytest.approx(8 * 0.3**2, abs=0.12)  # true FID: ||dmu||^2 = 0.72
    with pytest.raises(ValueError, match="between 2 and"):
        M.fid_vs_n(real, fake[:10], [5, 20])


# --------------------------------------------------------------------------- IS


def test_inception_score_extremes() -> None:
    k = 7
    one_hot = np.tile(np.eye(k), (10, 1))  # each of the 10 splits sees every class once
    mean, std = M.inception_score(one_hot, splits=10)
    assert mean == pytest.approx(k)
    assert std == pytest.approx(0.0, abs=1e-12)
    same = np.tile(np.array([0.7, 0.2, 0.1]), (40, 1))
    assert M.inception_score(same, splits=4)[0] == pytest.approx(1.0)
    uniform = np.full((40, 5), 0.2)  # unsure predictions score 1 too
    assert M.inception_score(uniform, splits=2)[0] == pytest.approx(1.0)


def test_inception_score_validates_probabilities() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        M.inception_score(np.ones((10, 3)), splits=2)
    with pytest.raises(ValueError, match="splits"):
        M.inception_score(np.eye(3), splits=10)


# --------------------------------------------------------------------------- KID


def test_kid_is_unbiased_mmd2() -> None:
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal((30, 5)), rng.standard_normal((30, 5)) + 0.5
    # subset_size = n and one subset: the full-sample unbiased MMD^2, computed by loops here
    mean, _ = M.kernel_inception_distance(x, y, subsets=1, subset_size=30, rng=0)

    def k(a, b):
        return (a @ b / 5 + 1) ** 3

    m = 30
    kxx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    kyy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    kxy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / m**2
    assert mean == pytest.approx(kxx + kyy - 2 * kxy, rel=1e-10)


def test_kid_near_zero_for_same_distribution_positive_for_shift() -> None:
    rng = np.random.default_rng(7)
    values = []
    for _ in range(30):
        a, b = rng.standard_normal((200, 8)), rng.standard_normal((200, 8))
        values.append(M.kernel_inception_distance(a, b, subsets=5, subset_size=100, rng=rng)[0])
    values = np.array(values)
    # unbiased: the mean over independent draws is within 3 standard errors of 0
    assert abs(values.mean()) < 3 * values.std(ddof=1) / np.sqrt(len(values))
    a, b = rng.standard_normal((200, 8)), rng.standard_normal((200, 8)) + 0.5
    shifted, _ = M.kernel_inception_distance(a, b, subsets=5, subset_size=100, rng=rng)
    assert shifted > 3 * np.abs(values).max()


# --------------------------------------------------------------------------- precision/recall


def test_precision_recall_identical_collapsed_disjoint() -> None:
    rng = np.random.default_rng(8)
    real = rng.standard_normal((300, 6))
    assert M.precision_recall(real, real.copy()) == (1.0, 1.0)
    collapsed = np.repeat(real[:1], 300, axis=0)
    precision, recall = M.precision_recall(real, collapsed)
    assert precision == 1.0
    assert recall < 0.05
    far = rng.standard_normal((300, 6)) + 100.0
    assert M.precision_recall(real, far) == (0.0, 0.0)


def test_precision_recall_half_coverage() -> None:
    rng = np.random.default_rng(9)
    left = rng.standard_normal((200, 2)) + np.array([-20, 0])
    right = rng.standard_normal((200, 2)) + np.array([20, 0])
    real = np.vstack([left, right])
    fake = rng.standard_normal((400, 2)) + np.array([-20, 0])  # covers only the left mode
    precision, recall = M.precision_recall(real, fake)
    assert precision > 0.9
    assert 0.4 < recall < 0.6
    with pytest.raises(ValueError, match="more than k"):
        M.precision_recall(real[:3], fake, k=3)


# --------------------------------------------------------------------------- NDB


def test_ndb_same_distribution_few_bins_collapsed_many() -> None:
    rng = np.random.default_rng(10)
    centers = rng.standard_normal((10, 4)) * 5
    real = centers[rng.integers(10, size=2000)] + rng.standard_normal((2000, 4))
    same = centers[rng.integers(10, size=2000)] + rng.standard_normal((2000, 4))
    res = M.ndb(real, same, n_bins=20, alpha=0.05, rng=0)
    assert res["ndb"] <= 0.05 * 20 + 3
    assert res["ndb_over_k"] == res["ndb"] / 20
    assert res["bin_proportions_real"].sum() == pytest.approx(1.0)
    assert res["significant"].shape == (20,)
    assert res["significant"].sum() == res["ndb"]
    collapsed = centers[0] + rng.standard_normal((2000, 4))  # only one of the ten modes
    res_c = M.ndb(real, collapsed, n_bins=20, alpha=0.05, rng=0)
    assert res_c["ndb"] >= 12


# --------------------------------------------------------------------------- pitch


def test_hz_to_midi_known_values() -> None:
    assert M.hz_to_midi(440.0) == pytest.approx(69.0)
    np.testing.assert_allclose(M.hz_to_midi(np.array([261.6256, 880.0])), [60.0, 81.0], atol=1e-4)
    assert math.isnan(M.hz_to_midi(0.0))


def test_dominant_frequency_of_sines_is_accurate() -> None:
    freqs = [midi_hz(m) for m in (45, 57, 69, 76.3)]
    audio = np.stack([tone([(f, 0.5)]) for f in freqs] + [np.zeros(4096)])
    est = M.dominant_frequency(audio, SR)
    bin_hz = SR / 8192  # the padded FFT's bin spacing; interpolation must do better
    np.testing.assert_allclose(est[:4], freqs, atol=0.1 * bin_hz)
    assert math.isnan(est[4])  # silence has no dominant frequency
    assert M.hz_to_midi(M.dominant_frequency(tone([(440.0, 0.3)])[None], SR)[0]) == pytest.approx(
        69.0, abs=0.02
    )


def test_dominant_frequency_ignores_rumble_below_30_hz() -> None:
    clip = tone([(15.0, 1.0), (330.0, 0.2)], n=16000)
    assert M.dominant_frequency(clip[None], SR)[0] == pytest.approx(330.0, abs=1.0)


def test_octave_caveat_dominant_is_strongest_partial() -> None:
    f0 = midi_hz(57)  # A3
    clip = tone([(f0, 0.2), (2 * f0, 0.6), (3 * f0, 0.1)])
    midi = M.hz_to_midi(M.dominant_frequency(clip[None], SR))[0]
    assert midi == pytest.approx(69.0, abs=0.05)  # reads one octave above the fundamental


def test_pitch_match_share_and_distinct_pitches() -> None:
    pitches = [60, 62, 64, 60, 60]
    audio = np.stack([tone([(midi_hz(m), 0.5)]) for m in pitches] + [np.zeros(4096)])
    assert M.distinct_pitches(audio, SR) == 3  # silence not counted
    assert M.pitch_match_share(audio, SR, [60, 64]) == pytest.approx(4 / 6)
    # 60 and 62 lie 1 semitone from 61 (tolerance 1.1 leaves room for estimation error)
    assert M.pitch_match_share(audio, SR, [61], tolerance_semitones=1.1) == pytest.approx(4 / 6)
    assert M.pitch_match_share(audio, SR, [61], tolerance_semitones=0.5) == 0.0
    detuned = tone([(midi_hz(60.7), 0.5)])[None]
    assert M.pitch_match_share(detuned, SR, [60], tolerance_semitones=0.5) == 0.0
    assert M.pitch_match_share(detuned, SR, [60], tolerance_semitones=1.0) == 1.0


def test_pitch_accuracy_and_entropy() -> None:
    probs = np.eye(4)[[0, 1, 2, 3, 0, 1, 2, 3]] * 0.7 + 0.075
    assert M.pitch_accuracy(probs, np.array([0, 1, 2, 3, 0, 1, 2, 0])) == pytest.approx(7 / 8)
    assert M.pitch_entropy(probs) == pytest.approx(math.log(4))
    assert M.pitch_entropy(np.tile(probs[:1], (8, 1))) == pytest.approx(0.0)
    half = np.eye(4)[[0, 0, 1, 1]]
    assert M.pitch_entropy(half) == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match="column indices"):
        M.pitch_accuracy(probs, np.full(8, 60))


def test_pitch_accuracy_by_group_counts_each_group_alone() -> None:
    asked = np.array([60, 61, 62, 63, 64, 65])
    heard = np.array([60, 61, 50, 63, 52, 53])  # group 0: 2 of 2 right; group 2: 1 of 4
    group = np.array([0, 0, 2, 2, 2, 2])
    acc = M.pitch_accuracy_by_group(asked, heard, group, n_groups=3)
    np.testing.assert_allclose(acc[[0, 2]], [1.0, 0.25])
    assert np.isnan(acc[1])  # no clips: not a perfect (or a zero) score
    # the clip-weighted mean of the groups is the overall accuracy
    counts = np.bincount(group, minlength=3)
    assert np.nansum(acc * counts) / counts.sum() == pytest.approx(np.mean(asked == heard))
    with pytest.raises(ValueError, match="one entry per clip"):
        M.pitch_accuracy_by_group(asked, heard[:5], group, 3)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        M.pitch_accuracy_by_group(asked, heard, group, 2)
    with pytest.raises(ValueError, match="integer group indices"):
        M.pitch_accuracy_by_group(asked, heard, group.astype(float), 3)


# --------------------------------------------------------------------------- ratings


def _write(path, rows, columns=M.RATING_COLUMNS) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def _row(rater, clip, source, r, d, c, guess):
    return {
        "rater_id": rater,
        "clip_id": clip,
        "source": source,
        "realism": r,
        "diversity": d,
        "clarity": c,
        "guess": guess,
        "timestamp": "2024-01-01T00:00:00+00:00",
    }


def test_load_and_summarise_ratings(tmp_path) -> None:
    a = [
        _row("a", "0", "real", 5, 4, 5, "real"),
        _row("a", "1", "generated", 2, 3, 1, "generated"),
        _row("a", "2", "generated", 4, 3, 3, "real"),
    ]
    b = [
        _row("b", "0", "real", 3, 4, 5, "generated"),
        _row("b", "1", "generated", 2, 5, 3, "generated"),
    ]
    _write(tmp_path / "a.csv", a)
    _write(tmp_path / "b.csv", b)
    rows = M.load_ratings([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert len(rows) == 5
    assert all(isinstance(r["realism"], int) for r in rows)
    s = M.summarise_ratings(rows)
    assert s["realism"]["real"]["mean"] == pytest.approx(4.0)
    assert s["realism"]["real"]["n"] == 2
    assert s["realism"]["generated"]["mean"] == pytest.approx(8 / 3)
    # t-interval by hand: n=2, sd=sqrt(2), t_0.975,1 = 12.7062
    assert s["realism"]["real"]["ci95"] == pytest.approx(
        12.7062 * math.sqrt(2) / math.sqrt(2), rel=1e-4
    )
    assert s["clarity"]["real"]["ci95"] == pytest.approx(0.0)  # both rated 5
    assert s["identification_accuracy"] == pytest.approx(3 / 5)
    assert s["identification_accuracy_by_source"] == {
        "real": 0.5,
        "generated": pytest.approx(2 / 3),
    }
    assert s["n_raters"] == 2
    assert s["n_ratings"] == 5


def test_load_ratings_errors_name_the_file(tmp_path) -> None:
    bad = tmp_path / "missing_col.csv"
    _write(
        bad,
        [_row("a", "0", "real", 5, 4, 5, "real")],
        columns=[c for c in M.RATING_COLUMNS if c != "clarity"],
    )
    with pytest.raises(ValueError, match=r"missing_col\.csv.*clarity"):
        M.load_ratings([bad])
    out_of_range = tmp_path / "range.csv"
    _write(out_of_range, [_row("a", "0", "real", 6, 4, 5, "real")])
    with pytest.raises(ValueError, match=r"range\.csv: line 2: realism"):
        M.load_ratings([out_of_range])
    with pytest.raises(ValueError, match="not found"):
        M.load_ratings([tmp_path / "nope.csv"])


def test_rater_agreement_krippendorff_alpha() -> None:
    # perfect agreement with variation across clips
    rows = [
        _row(r, str(c), "real", v, v, v, "real") for r in "abc" for c, v in enumerate([1, 3, 5, 2])
    ]
    assert M.rater_agreement(rows) == pytest.approx(1.0)
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", 4 observers x 12
    # units with missing values: interval alpha = 0.849 (published value)
    data = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    rows = [
        _row(r, str(u), "real", v, v, v, "real")
        for r, vals in data.items()
        for u, v in enumerate(vals)
        if v is not None
    ]
    assert M.rater_agreement(rows) == pytest.approx(0.849, abs=5e-4)
    # independent random raters: alpha near 0
    rng = np.random.default_rng(11)
    rows = [
        _row(r, str(c), "real", int(rng.integers(1, 6)), 3, 3, "real")
        for r in "abcd"
        for c in range(200)
    ]
    assert abs(M.rater_agreement(rows)) < 0.1
    # nobody rated the same clip twice: undefined
    assert math.isnan(M.rater_agreement([_row("a", "0", "real", 1, 1, 1, "real")]))
    with pytest.raises(ValueError, match="criterion"):
        M.rater_agreement(rows, criterion="loudness")


def test_fid_of_well_conditioned_features_warns_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        M.fid_from_features(
            np.random.default_rng(0).standard_normal((50, 3)),
            np.random.default_rng(1).standard_normal((50, 3)),
        )


def test_pitch_summary_and_table():
    sr = 16000
    t = np.arange(sr) / sr
    a4 = np.sin(2 * np.pi * 440.0 * t)
    detuned = np.sin(2 * np.pi * 440.0 * 2 ** (0.6 / 12) * t)  # 60 cents sharp
    clips = np.stack([a4, a4, detuned]).astype(np.float32)
    s = M.pitch_summary(clips, sr, [69])
    assert s["within_semitone"] == 1.0
    assert abs(s["within_25_cents"] - 2 / 3) < 1e-9
    assert s["distinct_pitches"] == 2  # 69 and 69.6 round to different pitches
    table = M.format_pitch_table({"tones": s})
    assert "tones" in table
    assert "66.7%" in table
    assert "100.0%" in table


def test_knn_radii_are_the_kth_nearest_other_row() -> None:
    x = np.random.default_rng(0).standard_normal((40, 3))
    d = np.linalg.norm(x[:, None] - x[None], axis=2)
    expected = np.sort(d, axis=1)[:, 3]  # column 0 is the row itself
    np.testing.assert_allclose(M.knn_radii(x, k=3), expected)
    np.testing.assert_allclose(M.knn_radii(x, k=3, chunk=7), expected)  # chunked the same
