"""Evaluation metrics for generated audio: framework-free (numpy and scipy only).

Four families, in the order chapter 24 introduces them:

* **Histogram distances** between feature distributions of real and generated clips:
  :func:`bhattacharyya_distance` and :func:`js_divergence`, with :func:`audio_features`
  and :func:`shared_histograms` to build the histograms.
* **Fréchet Inception Distance** and friends: :func:`frechet_distance`,
  :func:`fid_from_features`, :func:`fid_vs_n`, :func:`fid_infinity`,
  :func:`kernel_inception_distance`, :func:`inception_score`.
* **Coverage metrics**: :func:`precision_recall` (k-NN manifolds) and :func:`ndb`
  (number of statistically different bins).
* **Pitch metrics** (chapter 22 and GANSynth): :func:`dominant_frequency`,
  :func:`pitch_match_share`, :func:`distinct_pitches`, :func:`pitch_accuracy`,
  :func:`pitch_entropy`.
* **Listening tests**: :func:`load_ratings`, :func:`summarise_ratings` and
  :func:`rater_agreement` read the CSV files written by ``widgets.ListeningTest``.

Every function takes feature arrays as ``(N, d)`` (N samples, d features) and audio as
``(N, T)`` float arrays in [-1, 1] at sample rate ``sr`` in Hz.
"""

from __future__ import annotations

import csv
import math
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import special, stats
from scipy.spatial.distance import cdist

from gan_tutorial.errors import FileProblem

__all__ = [
    "CRITERIA",
    "RATING_COLUMNS",
    "SOURCES",
    "aggregate_ratings",
    "audio_features",
    "bhattacharyya_coefficient",
    "bhattacharyya_distance",
    "distinct_pitches",
    "format_pitch_table",
    "pitch_summary",
    "dominant_frequency",
    "fid_from_features",
    "fid_infinity",
    "fid_vs_n",
    "frechet_distance",
    "histogram",
    "hz_to_midi",
    "inception_score",
    "js_divergence",
    "kernel_inception_distance",
    "load_ratings",
    "ndb",
    "pitch_accuracy",
    "pitch_entropy",
    "pitch_match_share",
    "precision_recall",
    "rater_agreement",
    "shared_histograms",
    "summarise_ratings",
]

RngLike = np.random.Generator | int | None


# --------------------------------------------------------------------------- helpers


def _rng(rng: RngLike) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a Generator, an int seed or None (seed 0)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, int | np.integer):
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}. "
        "Pass e.g. rng=np.random.default_rng(0)."
    )


def _features(x: Any, name: str, min_rows: int = 1) -> np.ndarray:
    """Validate a ``(N, d)`` finite feature array and return it as float64."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (N, d) (N samples, d features), "
            f"got shape {arr.shape}. Reshape with {name}.reshape(len({name}), -1)."
        )
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows (samples), got {arr.shape[0]}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; remove or fix those samples.")
    return arr


def _pair(real: Any, fake: Any, min_rows: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Validate two feature arrays with the same feature dimension."""
    r = _features(real, "real", min_rows)
    f = _features(fake, "fake", min_rows)
    if r.shape[1] != f.shape[1]:
        raise ValueError(
            f"real and fake must have the same feature dimension d, got real {r.shape} and "
            f"fake {f.shape}. Extract both with the same feature extractor."
        )
    return r, f


def _audio(audio: Any, sr: int) -> np.ndarray:
    """Validate a ``(N, T)`` finite audio batch and a positive sample rate."""
    arr = np.asarray(audio, dtype=np.float64)
    if arr.ndim == 1:
        raise ValueError(
            f"audio must be a batch of shape (N, T), got a 1-D array of length {arr.shape[0]}. "
            "For one clip pass audio[None]."
        )
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"audio must have shape (N, T) with N, T > 0, got {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError("audio contains NaN or infinite samples; check the generator output.")
    if not isinstance(sr, int | np.integer) or sr <= 0:
        raise ValueError(f"sr must be a positive integer sample rate in Hz, got {sr!r}.")
    return arr


# --------------------------------------------------------------------------- histograms


def histogram(x: Any, bins: int | Sequence[float], range: tuple[float, float]) -> np.ndarray:  # noqa: A002
    """Probability histogram of all values of ``x`` (any shape) over ``range``.

    Returns ``(bins,)`` probabilities that sum to 1. Values outside ``range`` are dropped
    (as in ``np.histogram``); if ``bins`` is a sequence of edges, ``range`` is ignored.
    """
    arr = np.asarray(x, dtype=np.float64).ravel()
    if not np.all(np.isfinite(arr)):
        raise ValueError("histogram input contains NaN or infinite values; filter them first.")
    lo, hi = float(range[0]), float(range[1])
    if not hi > lo:
        raise ValueError(f"range must be (low, high) with high > low, got {range}.")
    counts, _ = np.histogram(arr, bins=bins, range=(lo, hi))
    total = counts.sum()
    if total == 0:
        raise ValueError(
            f"no values fall inside range {range}; widen the range or check the input."
        )
    return counts / total


def shared_histograms(
    real: Any, fake: Any, bins: int = 50
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Histograms of ``real`` and ``fake`` values (any shapes) over their common range.

    Returns ``(p, q, edges)``: two ``(bins,)`` probability vectors and ``(bins + 1,)`` edges
    spanning ``[min(real, fake), max(real, fake)]``, so the two histograms are comparable.
    """
    r = np.asarray(real, dtype=np.float64).ravel()
    f = np.asarray(fake, dtype=np.float64).ravel()
    if r.size == 0 or f.size == 0:
        raise ValueError("real and fake must each contain at least one value.")
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(f))):
        raise ValueError("real or fake contains NaN or infinite values; filter them first.")
    if not isinstance(bins, int | np.integer) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}.")
    lo = min(r.min(), f.min())
    hi = max(r.max(), f.max())
    if hi == lo:  # every value identical: put them all in the middle of a unit-wide range
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, int(bins) + 1)
    p = histogram(r, edges, (lo, hi))
    q = histogram(f, edges, (lo, hi))
    return p, q, edges


def _prob_pair(p: Any, q: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validate two non-negative vectors of the same shape and normalise each to sum 1."""
    pa = np.asarray(p, dtype=np.float64).ravel()
    qa = np.asarray(q, dtype=np.float64).ravel()
    if pa.shape != qa.shape:
        raise ValueError(
            f"p and q must have the same number of bins, got {pa.size} and {qa.size}. "
            "Build both with shared_histograms() so they use the same edges."
        )
    for name, a in (("p", pa), ("q", qa)):
        if not np.all(np.isfinite(a)) or np.any(a < 0):
            raise ValueError(f"{name} must contain finite, non-negative counts or probabilities.")
        if a.sum() <= 0:
            raise ValueError(f"{name} sums to 0; an empty histogram cannot be compared.")
    return pa / pa.sum(), qa / qa.sum()


def bhattacharyya_coefficient(p: Any, q: Any) -> float:
    """Bhattacharyya coefficient ``sum_i sqrt(p_i q_i)`` after normalising p and q to sum 1.

    1 for identical histograms, 0 for histograms with disjoint support.
    """
    pn, qn = _prob_pair(p, q)
    return float(min(np.sum(np.sqrt(pn * qn)), 1.0))  # min: round-off may give 1 + 1e-16


def bhattacharyya_distance(p: Any, q: Any) -> float:
    """Bhattacharyya distance ``-ln(sum_i sqrt(p_i q_i))`` between two histograms.

    ``p`` and ``q`` are ``(bins,)`` counts or probabilities (normalised here). Identical
    histograms give 0. Histograms with disjoint support give ``+inf``: the distance is
    unbounded, and ``inf`` is "its maximum" (compare :func:`js_divergence`, bounded by 1).
    """
    bc = bhattacharyya_coefficient(p, q)
    if bc <= 0.0:
        return math.inf
    return float(max(-math.log(bc), 0.0))


def js_divergence(p: Any, q: Any, base: float = 2) -> float:
    """Jensen-Shannon DIVERGENCE ``(KL(p||m) + KL(q||m)) / 2`` with ``m = (p + q) / 2``.

    ``p`` and ``q`` are ``(bins,)`` counts or probabilities (normalised here). In base 2 the
    result lies in [0, 1]: 0 for identical histograms, 1 for disjoint support.

    Note: ``scipy.spatial.distance.jensenshannon`` returns the Jensen-Shannon DISTANCE,
    the square root of this divergence: ``js_divergence(p, q) == jensenshannon(p, q,
    base=2) ** 2``.
    """
    if base <= 0 or base == 1:
        raise ValueError(f"base must be positive and not 1, got {base}. Use 2 (bits) or e.")
    pn, qn = _prob_pair(p, q)
    m = 0.5 * (pn + qn)
    div = 0.5 * (special.rel_entr(pn, m).sum() + special.rel_entr(qn, m).sum())
    return float(max(div / math.log(base), 0.0))


def audio_features(
    audio: Any, sr: int, n_fft: int = 1024, hop_length: int = 512, n_mels: int = 64
) -> dict[str, np.ndarray]:
    """Per-clip features of a ``(N, T)`` audio batch, for the histogram comparisons.

    Returns a dict with

    * ``"centroid_hz"``: ``(N,)`` spectral centroid in Hz of each clip's mean magnitude
      spectrum (equal to the frame centroids averaged with weights = frame magnitude, so
      silent frames do not pull it to 0),
    * ``"rms_db"``: ``(N,)`` RMS level of each clip in dB re full scale (floor -120 dB),
    * ``"log_mel"``: flat ``(N * n_mels * frames,)`` array of log-mel power values in dB.

    One STFT is shared by all three (``n_fft`` is reduced for clips shorter than it).
    """
    import librosa  # local import: librosa is slow to import and only needed here

    x = _audio(audio, sr)
    n_fft = int(min(n_fft, 2 ** int(np.floor(np.log2(x.shape[1]))))) if x.shape[1] > 1 else 1
    if n_fft < 16:
        raise ValueError(f"clips are too short ({x.shape[1]} samples); need at least 16.")
    hop_length = min(hop_length, n_fft)
    spec = np.abs(librosa.stft(x, n_fft=n_fft, hop_length=hop_length, center=False))
    freqs = librosa.fft_frequencies(sr=sr, n_fft=n_fft)
    mean_spec = spec.mean(axis=2)  # (N, F)
    total = mean_spec.sum(axis=1)
    centroid = np.where(total > 0, mean_spec @ freqs / np.where(total > 0, total, 1.0), 0.0)
    rms = np.sqrt(np.mean(x**2, axis=1))
    rms_db = 20.0 * np.log10(np.maximum(rms, 1e-6))
    mel = librosa.feature.melspectrogram(
        S=spec**2, sr=sr, n_fft=n_fft, n_mels=min(n_mels, n_fft // 2 + 1)
    )
    log_mel = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=None)
    return {"centroid_hz": centroid, "rms_db": rms_db, "log_mel": log_mel.ravel()}


# --------------------------------------------------------------------------- FID family


def _sym_psd(s: np.ndarray, name: str) -> np.ndarray:
    """Symmetrise a covariance matrix and check it is PSD up to round-off."""
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    scale = max(float(np.max(np.abs(s))), 1e-300)
    if np.max(np.abs(s - s.T)) > 1e-6 * scale:
        raise ValueError(f"{name} is not symmetric; pass a covariance matrix (np.cov output).")
    return 0.5 * (s + s.T)


def frechet_distance(mu1: Any, sigma1: Any, mu2: Any, sigma2: Any) -> float:
    """Fréchet distance between Gaussians N(mu1, sigma1) and N(mu2, sigma2).

    ``mu``: ``(d,)`` means; ``sigma``: ``(d, d)`` covariance matrices (symmetric PSD).
    ``||mu1 - mu2||^2 + tr(s1) + tr(s2) - 2 tr(sqrt(s1 s2))``, in squared feature units.

    The trace of the matrix square root is computed stably without ``scipy.linalg.sqrtm``:
    s1 s2 is similar to the symmetric PSD matrix ``sqrt(s1) s2 sqrt(s1)``, so
    ``tr(sqrt(s1 s2))`` is the sum of the square roots of that matrix's eigenvalues
    (two ``eigh`` calls; eigenvalues below 0 from round-off are clipped). A tiny negative
    total from round-off is returned as 0.0; the result is never meaningfully negative.
    """
    m1 = np.atleast_1d(np.asarray(mu1, dtype=np.float64))
    m2 = np.atleast_1d(np.asarray(mu2, dtype=np.float64))
    s1 = np.atleast_2d(np.asarray(sigma1, dtype=np.float64))
    s2 = np.atleast_2d(np.asarray(sigma2, dtype=np.float64))
    if m1.ndim != 1 or m1.shape != m2.shape:
        raise ValueError(
            f"mu1 and mu2 must be 1-D vectors of the same length d, got {m1.shape} and {m2.shape}."
        )
    d = m1.shape[0]
    for name, s in (("sigma1", s1), ("sigma2", s2)):
        if s.shape != (d, d):
            raise ValueError(
                f"{name} must be a ({d}, {d}) covariance matrix to match mu of length {d}, "
                f"got {s.shape}."
            )
    if not (np.all(np.isfinite(m1)) and np.all(np.isfinite(m2))):
        raise ValueError("mu1 or mu2 contains NaN or infinite values.")
    s1 = _sym_psd(s1, "sigma1")
    s2 = _sym_psd(s2, "sigma2")

    w1, v1 = np.linalg.eigh(s1)
    if w1.min() < -1e-6 * max(float(np.abs(w1).max()), 1e-300):
        raise ValueError("sigma1 has a clearly negative eigenvalue; it is not a covariance.")
    sqrt_s1 = (v1 * np.sqrt(np.clip(w1, 0.0, None))) @ v1.T
    m = sqrt_s1 @ s2 @ sqrt_s1
    eig = np.linalg.eigvalsh(0.5 * (m + m.T))
    top = max(float(np.abs(eig).max()), 1e-300)
    if eig.min() < -1e-6 * top:
        raise ValueError("sigma2 has a clearly negative eigenvalue; it is not a covariance.")
    # eigenvalues at round-off level are noise: their square roots would add a spurious
    # sqrt(eps)-sized amount per dimension, so they are set to 0 (as pinv's rcond does).
    eig = np.where(eig > d * np.finfo(np.float64).eps * top, eig, 0.0)
    tr_covmean = float(np.sum(np.sqrt(eig)))

    diff = m1 - m2
    tr1, tr2 = float(np.trace(s1)), float(np.trace(s2))
    if min(tr1, tr2) < -1e-12 * max(abs(tr1), abs(tr2), 1e-300):
        raise ValueError("a covariance matrix has negative trace; it is not a covariance.")
    fd = float(diff @ diff) + tr1 + tr2 - 2.0 * tr_covmean
    scale = float(diff @ diff) + abs(tr1) + abs(tr2)
    if fd < 0.0:
        if fd < -1e-6 * max(scale, 1e-300):
            raise ValueError(
                f"Fréchet distance came out clearly negative ({fd:.3g}); sigma1 or sigma2 is "
                "probably not positive semi-definite. Compute them with np.cov."
            )
        return 0.0
    return fd


def _mean_cov(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``(d,)`` and unbiased covariance ``(d, d)`` of ``(N, d)`` features."""
    return x.mean(axis=0), np.atleast_2d(np.cov(x, rowvar=False))


def _warn_singular(n: int, d: int, name: str) -> None:
    if n <= d:
        warnings.warn(
            f"{name} has N={n} samples for d={d} features (N <= d): its covariance is "
            "singular and FID is strongly biased upward. Use more samples than features, "
            "or compare FIDs only at equal N (see fid_infinity).",
            UserWarning,
            stacklevel=3,
        )


def fid_from_features(real: Any, fake: Any) -> float:
    """FID between ``(N_real, d)`` and ``(N_fake, d)`` feature arrays.

    Fits a Gaussian (mean, unbiased covariance) to each set and calls
    :func:`frechet_distance`. Raises ``ValueError`` if either set has fewer than 2 samples
    (no covariance). Warns (``UserWarning``) when N <= d for either set: the covariance is
    then singular and FID is biased upward, so compare FIDs only at equal N.
    """
    r, f = _pair(real, fake)
    for name, a in (("real", r), ("fake", f)):
        if a.shape[0] < 2:
            raise ValueError(
                f"{name} has {a.shape[0]} sample(s); FID needs at least 2 per set to estimate a "
                "covariance (and preferably many more than the feature dimension)."
            )
        _warn_singular(a.shape[0], a.shape[1], name)
    mu_r, s_r = _mean_cov(r)
    mu_f, s_f = _mean_cov(f)
    return frechet_distance(mu_r, s_r, mu_f, s_f)


def fid_vs_n(
    real: Any, fake: Any, ns: Sequence[int], rng: RngLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """FID of random fake subsets of each size in ``ns`` against the full real set.

    As in Chong & Forsyth (2020): the real statistics use all ``(N_real, d)`` real
    features; for each ``n`` a subset of ``n`` fake rows is drawn without replacement.
    Returns ``(ns, fids)`` as two ``(len(ns),)`` arrays for :func:`fid_infinity`.
    """
    r, f = _pair(real, fake, min_rows=2)
    ns_arr = np.asarray(ns, dtype=int).ravel()
    if ns_arr.size == 0:
        raise ValueError("ns is empty; pass sizes such as [50, 100, 200].")
    if ns_arr.min() < 2 or ns_arr.max() > f.shape[0]:
        raise ValueError(
            f"every n in ns must be between 2 and the number of fake samples ({f.shape[0]}), "
            f"got {ns_arr.tolist()}."
        )
    gen = _rng(rng)
    _warn_singular(r.shape[0], r.shape[1], "real")
    mu_r, s_r = _mean_cov(r)
    fids = np.empty(ns_arr.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # warn once below instead of per n
        for i, n in enumerate(ns_arr):
            sub = f[gen.choice(f.shape[0], size=int(n), replace=False)]
            mu_f, s_f = _mean_cov(sub)
            fids[i] = frechet_distance(mu_r, s_r, mu_f, s_f)
    _warn_singular(int(ns_arr.min()), f.shape[1], "the smallest fake subset")
    return ns_arr, fids


def fid_infinity(ns: Any, fids: Any) -> float:
    """FID_inf (Chong & Forsyth 2020): fit ``FID = a + b / n`` and return ``a`` (1/n = 0).

    ``ns``: ``(k,)`` sample sizes, ``fids``: ``(k,)`` FIDs measured at those sizes (see
    :func:`fid_vs_n`); needs at least 2 distinct sizes.
    """
    n = np.asarray(ns, dtype=np.float64).ravel()
    y = np.asarray(fids, dtype=np.float64).ravel()
    if n.shape != y.shape:
        raise ValueError(f"ns and fids must have the same length, got {n.size} and {y.size}.")
    if np.any(n <= 0) or not np.all(np.isfinite(y)):
        raise ValueError("ns must be positive and fids finite.")
    if np.unique(n).size < 2:
        raise ValueError("fid_infinity needs FIDs at 2 or more distinct sample sizes.")
    slope, intercept = np.polyfit(1.0 / n, y, 1)
    return float(intercept)


def inception_score(probs: Any, splits: int = 10) -> tuple[float, float]:
    """Inception Score of ``(N, n_classes)`` class probabilities p(y|x) (rows sum to 1).

    The N rows are cut into ``splits`` consecutive parts; per part,
    ``IS = exp(mean_x KL(p(y|x) || p(y)))`` with p(y) the part's mean prediction. Returns
    ``(mean, std)`` over the parts. Ranges from 1 (all predictions identical) to
    n_classes (confident and uniformly spread over classes).
    """
    p = _features(probs, "probs")
    if np.any(p < 0):
        raise ValueError("probs must be non-negative probabilities (apply softmax first).")
    row_sums = p.sum(axis=1)
    if np.any(np.abs(row_sums - 1.0) > 1e-3):
        bad = int(np.argmax(np.abs(row_sums - 1.0)))
        raise ValueError(
            f"each row of probs must sum to 1, but row {bad} sums to {row_sums[bad]:.4g}. "
            "Pass softmax probabilities, not logits."
        )
    if not isinstance(splits, int | np.integer) or not 1 <= splits <= p.shape[0]:
        raise ValueError(f"splits must be an integer in [1, N={p.shape[0]}], got {splits!r}.")
    scores = []
    for part in np.array_split(p, int(splits)):
        py = part.mean(axis=0, keepdims=True)
        kl = special.rel_entr(part, py).sum(axis=1)
        scores.append(math.exp(float(kl.mean())))
    return float(np.mean(scores)), float(np.std(scores))


def kernel_inception_distance(
    real: Any,
    fake: Any,
    subsets: int = 100,
    subset_size: int = 1000,
    degree: int = 3,
    gamma: float | None = None,
    coef0: float = 1,
    rng: RngLike = None,
) -> tuple[float, float]:
    """Kernel Inception Distance (Bińkowski et al. 2018) of ``(N, d)`` feature arrays.

    Unbiased MMD^2 with the polynomial kernel ``k(x, y) = (gamma x.y + coef0) ** degree``
    (``gamma`` defaults to 1/d), averaged over ``subsets`` random subsets of
    ``subset_size`` rows from each set (clipped to min(N_real, N_fake)). Returns
    ``(mean, std)`` over subsets. Unlike FID it is unbiased: its expectation is 0 when both
    sets come from one distribution, so small values may be slightly negative.
    """
    r, f = _pair(real, fake, min_rows=2)
    if not isinstance(subsets, int | np.integer) or subsets < 1:
        raise ValueError(f"subsets must be a positive integer, got {subsets!r}.")
    m = int(min(subset_size, r.shape[0], f.shape[0]))
    if m < 2:
        raise ValueError(f"subset_size must be at least 2, got {subset_size}.")
    d = r.shape[1]
    g = 1.0 / d if gamma is None else float(gamma)
    gen = _rng(rng)
    values = np.empty(int(subsets))
    for i in range(int(subsets)):
        x = r[gen.choice(r.shape[0], m, replace=False)]
        y = f[gen.choice(f.shape[0], m, replace=False)]
        kxx = (g * (x @ x.T) + coef0) ** degree
        kyy = (g * (y @ y.T) + coef0) ** degree
        kxy = (g * (x @ y.T) + coef0) ** degree
        sxx = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
        syy = (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        values[i] = sxx + syy - 2.0 * kxy.mean()
    return float(values.mean()), float(values.std())


# --------------------------------------------------------------------------- coverage


def _inside_any_ball(
    queries: np.ndarray, refs: np.ndarray, radii: np.ndarray, chunk: int
) -> np.ndarray:
    """For each query row: is it within ``radii[j]`` of some ``refs[j]``? ``(n_queries,)`` bool."""
    inside = np.zeros(queries.shape[0], dtype=bool)
    for start in range(0, queries.shape[0], chunk):
        dist = cdist(queries[start : start + chunk], refs)  # exact: identical rows give 0
        inside[start : start + chunk] = np.any(dist <= radii[None, :], axis=1)
    return inside


def _knn_radii(x: np.ndarray, k: int, chunk: int) -> np.ndarray:
    """Distance from each row of ``x`` to its k-th nearest other row, ``(N,)``."""
    radii = np.empty(x.shape[0])
    for start in range(0, x.shape[0], chunk):
        dist = cdist(x[start : start + chunk], x)
        # column k of the sorted row: column 0 is the point itself (distance 0)
        radii[start : start + chunk] = np.partition(dist, k, axis=1)[:, k]
    return radii


def precision_recall(real: Any, fake: Any, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of ``(N, d)`` features.

    Each real sample gets a ball whose radius is the distance to its k-th nearest real
    neighbour; precision = share of fake samples inside at least one real ball ("the fakes
    look real"). Recall is symmetric: share of real samples inside at least one fake ball
    ("the fakes cover the real data"). Both lie in [0, 1]. Distances are exact Euclidean
    (``scipy.spatial.distance.cdist`` in chunks; O(N^2 d) time).
    """
    r, f = _pair(real, fake)
    if not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}.")
    if k >= min(r.shape[0], f.shape[0]):
        raise ValueError(
            f"k={k} needs more than k samples in each set, got N_real={r.shape[0]}, "
            f"N_fake={f.shape[0]}. Use a smaller k or more samples."
        )
    chunk = max(1, int(4e6 // max(r.shape[0], f.shape[0])))
    r_radii = _knn_radii(r, int(k), chunk)
    f_radii = _knn_radii(f, int(k), chunk)
    precision = float(_inside_any_ball(f, r, r_radii, chunk).mean())
    recall = float(_inside_any_ball(r, f, f_radii, chunk).mean())
    return precision, recall


def _kmeans(x: np.ndarray, k: int, gen: np.random.Generator, iters: int = 50) -> np.ndarray:
    """Small k-means with k-means++ initialisation; returns ``(k, d)`` centroids."""
    n = x.shape[0]
    centroids = np.empty((k, x.shape[1]))
    centroids[0] = x[gen.integers(n)]
    d2 = np.sum((x - centroids[0]) ** 2, axis=1)
    for j in range(1, k):
        total = d2.sum()
        idx = gen.choice(n, p=d2 / total) if total > 0 else gen.integers(n)
        centroids[j] = x[idx]
        d2 = np.minimum(d2, np.sum((x - centroids[j]) ** 2, axis=1))
    labels = np.full(n, -1)
    for _ in range(iters):
        new = _assign(x, centroids)
        if np.array_equal(new, labels):
            break
        labels = new
        for j in range(k):
            members = x[labels == j]
            if len(members):
                centroids[j] = members.mean(axis=0)
    return centroids


def _assign(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest centroid for each row of ``x``, ``(N,)`` int."""
    d2 = (
        np.sum(x**2, axis=1)[:, None]
        - 2.0 * x @ centroids.T
        + np.sum(centroids**2, axis=1)[None, :]
    )
    return np.argmin(d2, axis=1)


def ndb(
    real: Any, fake: Any, n_bins: int = 20, alpha: float = 0.05, rng: RngLike = None
) -> dict[str, Any]:
    """Number of statistically Different Bins (Richardson & Weiss 2018).

    k-means with ``n_bins`` clusters on the ``(N_real, d)`` real features defines the bins;
    both sets are assigned to their nearest centroid and each bin's share of real vs fake
    samples is compared with a two-sided two-proportion z-test at level ``alpha``.

    Returns a dict: ``ndb`` (int, number of significant bins), ``ndb_over_k`` (ndb / n_bins;
    about ``alpha`` when both sets share one distribution), ``bin_proportions_real`` and
    ``bin_proportions_fake`` (``(n_bins,)``), ``significant`` (``(n_bins,)`` bool),
    ``p_values`` (``(n_bins,)``) and ``centroids`` (``(n_bins, d)``).
    """
    r, f = _pair(real, fake)
    if not isinstance(n_bins, int | np.integer) or not 2 <= n_bins <= r.shape[0]:
        raise ValueError(
            f"n_bins must be an integer between 2 and N_real={r.shape[0]}, got {n_bins!r}."
        )
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be a significance level in (0, 1), got {alpha}.")
    centroids = _kmeans(r, int(n_bins), _rng(rng))
    n_r, n_f = r.shape[0], f.shape[0]
    c_r = np.bincount(_assign(r, centroids), minlength=n_bins)
    c_f = np.bincount(_assign(f, centroids), minlength=n_bins)
    p_r, p_f = c_r / n_r, c_f / n_f
    pooled = (c_r + c_f) / (n_r + n_f)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n_r + 1.0 / n_f))
    z = np.divide(p_r - p_f, se, out=np.zeros(n_bins), where=se > 0)
    p_values = 2.0 * stats.norm.sf(np.abs(z))
    significant = (p_values < alpha) & (se > 0)
    count = int(significant.sum())
    return {
        "ndb": count,
        "ndb_over_k": count / int(n_bins),
        "bin_proportions_real": p_r,
        "bin_proportions_fake": p_f,
        "significant": significant,
        "p_values": p_values,
        "centroids": centroids,
    }


# --------------------------------------------------------------------------- pitch


def pitch_accuracy(probs: Any, true_pitch_idx: Any) -> float:
    """Share of clips whose most likely pitch class (argmax of ``(N, n_pitches)`` ``probs``)
    equals ``true_pitch_idx`` (``(N,)`` ints), in [0, 1]."""
    p = _features(probs, "probs")
    t = np.asarray(true_pitch_idx).ravel()
    if t.shape[0] != p.shape[0]:
        raise ValueError(
            f"true_pitch_idx has {t.shape[0]} entries but probs has {p.shape[0]} rows; "
            "pass one true pitch index per clip."
        )
    if not np.issubdtype(t.dtype, np.integer) or t.min() < 0 or t.max() >= p.shape[1]:
        raise ValueError(
            f"true_pitch_idx must be integers in [0, {p.shape[1] - 1}] (column indices of "
            "probs), not MIDI numbers; subtract the lowest pitch first."
        )
    return float(np.mean(np.argmax(p, axis=1) == t))


def pitch_entropy(probs: Any) -> float:
    """Entropy in nats of the histogram of predicted pitch classes (argmax per row).

    ``probs``: ``(N, n_pitches)``. 0 when every clip gets the same pitch, ``ln(n_pitches)``
    when predictions are spread evenly (GANSynth uses it as a diversity measure).
    """
    p = _features(probs, "probs")
    counts = np.bincount(np.argmax(p, axis=1), minlength=p.shape[1])
    return float(stats.entropy(counts / counts.sum()))


def hz_to_midi(f: Any) -> Any:
    """MIDI note number ``69 + 12 log2(f / 440)`` of frequency ``f`` in Hz (float, not rounded).

    Scalar in, float out; array in, array out. Non-positive or NaN frequencies give NaN.
    """
    arr = np.asarray(f, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        midi = np.where(arr > 0, 69.0 + 12.0 * np.log2(np.where(arr > 0, arr, 1.0) / 440.0), np.nan)
    return float(midi) if midi.ndim == 0 else midi


def dominant_frequency(audio: Any, sr: int, min_hz: float = 30.0) -> np.ndarray:
    """Frequency in Hz of the strongest spectral peak of each clip of a ``(N, T)`` batch.

    Hann-windowed FFT (zero-padded to at least 2T), bins below ``min_hz`` ignored, peak
    refined by parabolic interpolation of the log magnitude. Returns ``(N,)`` Hz; NaN for
    silent clips.

    Caveat: "dominant" is the strongest partial, NOT the fundamental f0. A tone whose
    2nd harmonic is louder than its fundamental reads one octave (12 semitones) high.
    """
    x = _audio(audio, sr)
    n_fft = int(2 ** math.ceil(math.log2(max(2 * x.shape[1], 2))))
    spec = np.abs(np.fft.rfft(x * np.hanning(x.shape[1])[None, :], n=n_fft, axis=1))
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    valid = freqs >= min_hz
    if valid.sum() < 3:
        raise ValueError(f"sr={sr} Hz leaves no frequency bins above min_hz={min_hz} Hz.")
    spec[:, ~valid] = 0.0
    peak = np.argmax(spec, axis=1)
    out = np.full(x.shape[0], np.nan)
    rows = np.arange(x.shape[0])
    loud = spec[rows, peak] > 0
    # parabolic interpolation on log magnitude around the peak (edges: no refinement)
    inner = loud & (peak > 0) & (peak < spec.shape[1] - 1) & valid[np.maximum(peak - 1, 0)]
    offset = np.zeros(x.shape[0])
    if inner.any():
        i, pk = rows[inner], peak[inner]
        tiny = 1e-300
        a = np.log(spec[i, pk - 1] + tiny)
        b = np.log(spec[i, pk] + tiny)
        c = np.log(spec[i, pk + 1] + tiny)
        denom = a - 2.0 * b + c
        offset[inner] = np.where(denom < 0, 0.5 * (a - c) / np.where(denom < 0, denom, 1.0), 0.0)
    out[loud] = (peak[loud] + offset[loud]) * sr / n_fft
    return out


def pitch_match_share(
    audio: Any, sr: int, reference_pitches: Any, tolerance_semitones: float = 1.0
) -> float:
    """Share of clips whose dominant frequency lies within ``tolerance_semitones`` of ANY
    MIDI pitch in ``reference_pitches`` (e.g. the pitches in the training set).

    ``audio``: ``(N, T)``. Silent clips never match. See :func:`dominant_frequency` for the
    octave caveat.
    """
    ref = np.asarray(reference_pitches, dtype=np.float64).ravel()
    if ref.size == 0 or not np.all(np.isfinite(ref)):
        raise ValueError("reference_pitches must be a non-empty list of MIDI note numbers.")
    if tolerance_semitones < 0:
        raise ValueError(f"tolerance_semitones must be >= 0, got {tolerance_semitones}.")
    midi = np.asarray(hz_to_midi(dominant_frequency(audio, sr)))
    with np.errstate(invalid="ignore"):
        gap = np.min(np.abs(midi[:, None] - ref[None, :]), axis=1)
        match = gap <= tolerance_semitones  # NaN (silence) compares False
    return float(np.mean(match))


def distinct_pitches(audio: Any, sr: int) -> int:
    """Number of distinct rounded MIDI pitches among the clips' dominant frequencies.

    ``audio``: ``(N, T)``; silent clips are not counted. A mode-collapsed generator gives 1.
    """
    midi = np.asarray(hz_to_midi(dominant_frequency(audio, sr)))
    midi = midi[np.isfinite(midi)]
    return int(np.unique(np.round(midi)).size)


def pitch_summary(audio: Any, sr: int, reference_pitches: Any) -> dict[str, float]:
    """Chapter 22's pitch check of one set of clips ``(N, T)``.

    ``within_semitone`` / ``within_25_cents``: share of clips whose dominant frequency is
    that close to a reference MIDI pitch; ``distinct_pitches``: see :func:`distinct_pitches`.
    """
    return {
        "within_semitone": pitch_match_share(audio, sr, reference_pitches, 1.0),
        "within_25_cents": pitch_match_share(audio, sr, reference_pitches, 0.25),
        "distinct_pitches": distinct_pitches(audio, sr),
    }


def format_pitch_table(rows: Mapping[str, Mapping[str, float]]) -> str:
    """``{set name: pitch_summary(...)}`` as an aligned text table (shares in percent)."""
    lines = [
        f"{'clips':22s} {'within 1 semitone':>18s} {'within 25 cents':>16s} {'distinct pitches':>17s}"
    ]
    for name, r in rows.items():
        lines.append(
            f"{name:22s} {r['within_semitone']:18.1%} {r['within_25_cents']:16.1%} "
            f"{r['distinct_pitches']:17d}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- listening tests

CRITERIA: tuple[str, ...] = ("realism", "diversity", "clarity")
SOURCES: tuple[str, ...] = ("real", "generated")
RATING_COLUMNS: tuple[str, ...] = (
    "rater_id",
    "clip_id",
    "source",
    "realism",
    "diversity",
    "clarity",
    "guess",
    "timestamp",
)
_REQUIRED_COLUMNS = RATING_COLUMNS[:-1]  # timestamp is informative only


def load_ratings(paths: Iterable[str | os.PathLike]) -> list[dict[str, Any]]:
    """Merge the rating CSV files of several raters into one list of row dicts.

    Each file needs the columns ``rater_id, clip_id, source, realism, diversity, clarity,
    guess`` (``timestamp`` optional), as written by ``widgets.ListeningTest``. Ratings are
    returned as ints in 1..5; ``source`` and ``guess`` as "real"/"generated". Raises
    :class:`gan_tutorial.errors.FileProblem` (a ``ValueError``) naming the file and line
    for a missing file, a missing column or a bad value.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    rows: list[dict[str, Any]] = []
    for path in paths:
        if not os.path.isfile(path):
            raise FileProblem(path, "file not found.", "check the path of the ratings CSV.")
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in _REQUIRED_COLUMNS if c not in header]
            if missing:
                raise FileProblem(
                    path,
                    f"missing column(s) {', '.join(missing)} (found {', '.join(header) or 'none'}).",
                    f"the header must be {','.join(RATING_COLUMNS)}.",
                )
            for line, raw in enumerate(reader, start=2):
                rows.append(_parse_rating_row(raw, path, line))
    return rows


def _parse_rating_row(raw: dict[str, str], path: Any, line: int) -> dict[str, Any]:
    """Convert one CSV row's strings to typed values; errors name the file and line."""
    row: dict[str, Any] = {
        "rater_id": (raw.get("rater_id") or "").strip(),
        "clip_id": (raw.get("clip_id") or "").strip(),
        "timestamp": (raw.get("timestamp") or "").strip(),
    }
    for key in ("source", "guess"):
        value = (raw.get(key) or "").strip().lower()
        if value not in SOURCES:
            raise FileProblem(
                path, f"line {line}: {key}={value!r} is not 'real' or 'generated'.", ""
            )
        row[key] = value
    for key in CRITERIA:
        text = (raw.get(key) or "").strip()
        try:
            value = int(float(text))
        except ValueError:
            value = -1
        if not 1 <= value <= 5 or float(text or "nan") != value:
            raise FileProblem(path, f"line {line}: {key}={text!r} is not an integer 1..5.", "")
        row[key] = value
    if not row["rater_id"] or not row["clip_id"]:
        raise FileProblem(path, f"line {line}: empty rater_id or clip_id.", "")
    return row


def _mean_ci(values: Sequence[float], confidence: float = 0.95) -> dict[str, float]:
    """Mean, t-distribution CI half-width and n; NaN where undefined (n < 1 or n < 2)."""
    v = np.asarray(values, dtype=np.float64)
    n = int(v.size)
    mean = float(v.mean()) if n else math.nan
    if n < 2:
        return {"mean": mean, "ci95": math.nan, "n": n}
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * v.std(ddof=1) / math.sqrt(n)
    return {"mean": mean, "ci95": float(half), "n": n}


def summarise_ratings(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Summarise listening-test rows (from :func:`load_ratings`).

    Returns ``{criterion: {source: {"mean", "ci95", "n"}}}`` for criterion in
    realism/diversity/clarity and source in real/generated (``ci95``: half-width of the
    95 % t-interval of the mean rating, NaN for n < 2), plus
    ``"identification_accuracy"``: share of rows whose guess equals the true source (0.5 is
    chance: listeners cannot tell), ``"identification_accuracy_by_source"`` and
    ``"n_ratings"`` / ``"n_raters"``.
    """
    if len(rows) == 0:
        raise ValueError("no ratings to summarise; rate some clips or check the CSV paths.")
    out: dict[str, Any] = {}
    for criterion in CRITERIA:
        out[criterion] = {
            source: _mean_ci([float(r[criterion]) for r in rows if r["source"] == source])
            for source in SOURCES
        }
    correct = [r["guess"] == r["source"] for r in rows]
    out["identification_accuracy"] = float(np.mean(correct))
    out["identification_accuracy_by_source"] = {
        s: (
            float(np.mean([r["guess"] == s for r in rows if r["source"] == s]))
            if any(r["source"] == s for r in rows)
            else math.nan
        )
        for s in SOURCES
    }
    out["n_ratings"] = len(rows)
    out["n_raters"] = len({r["rater_id"] for r in rows})
    return out


aggregate_ratings = summarise_ratings  # alias: the name used in chapter 24's text


def rater_agreement(rows: Sequence[dict[str, Any]], criterion: str | None = "realism") -> float:
    """Krippendorff's alpha (interval metric) between raters, in (-inf, 1].

    Units are clips (``clip_id``); with ``criterion=None`` every (clip, criterion) pair is
    a unit. Only units rated by at least 2 raters count. 1 = perfect agreement, 0 = no
    better than chance, negative = systematic disagreement. If a rater rated a clip twice,
    both ratings count. Returns NaN when no unit has 2 ratings or all values are equal
    (no variation: alpha is undefined).
    """
    criteria = CRITERIA if criterion is None else (criterion,)
    for c in criteria:
        if c not in CRITERIA:
            raise ValueError(f"criterion must be one of {CRITERIA} or None, got {c!r}.")
    units: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        for c in criteria:
            units.setdefault((str(r["clip_id"]), c), []).append(float(r[c]))
    pairable = [np.asarray(v) for v in units.values() if len(v) >= 2]
    if not pairable:
        return math.nan
    values = np.concatenate(pairable)
    n = values.size
    # observed disagreement: within-unit squared differences over ordered pairs / (m_u - 1)
    d_obs = sum(float(np.sum((v[:, None] - v[None, :]) ** 2)) / (v.size - 1) for v in pairable) / n
    # expected disagreement: all ordered pairs of pairable values
    d_exp = 2.0 * n * float(np.sum((values - values.mean()) ** 2)) / (n * (n - 1))
    if d_exp == 0:
        return math.nan
    return float(1.0 - d_obs / d_exp)
