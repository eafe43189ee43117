"""Fréchet Inception Distance and friends: distances between feature distributions.

:func:`frechet_distance`, :func:`fid_from_features`, :func:`fid_vs_n`,
:func:`fid_infinity`, :func:`kernel_inception_distance` and :func:`inception_score`.
Features are ``(N, d)`` arrays from one feature extractor."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import special

from ..seeding import RngLike, as_generator
from ._checks import _features, _pair

__all__ = [
    "fid_from_features",
    "fid_infinity",
    "fid_vs_n",
    "frechet_distance",
    "inception_score",
    "kernel_inception_distance",
]


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
    gen = as_generator(rng)
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
    _slope, intercept = np.polyfit(1.0 / n, y, 1)
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
    gen = as_generator(rng)
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
