"""Coverage metrics: :func:`precision_recall` (k-NN manifolds, Kynkäänniemi et al. 2019)
and :func:`ndb` (number of statistically different bins, Richardson & Weiss 2018)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats
from scipy.spatial.distance import cdist

from ..seeding import RngLike, as_generator
from ._checks import _pair

__all__ = ["knn_radii", "ndb", "precision_recall"]


def _inside_any_ball(
    queries: np.ndarray, refs: np.ndarray, radii: np.ndarray, chunk: int
) -> np.ndarray:
    """For each query row: is it within ``radii[j]`` of some ``refs[j]``? ``(n_queries,)`` bool."""
    inside = np.zeros(queries.shape[0], dtype=bool)
    for start in range(0, queries.shape[0], chunk):
        dist = cdist(queries[start : start + chunk], refs)  # exact: identical rows give 0
        inside[start : start + chunk] = np.any(dist <= radii[None, :], axis=1)
    return inside


def knn_radii(x: Any, k: int = 3, chunk: int | None = None) -> np.ndarray:
    """Distance from each row of ``(N, d)`` features ``x`` to its k-th nearest other row,
    ``(N,)``: the radius of each sample's ball in :func:`precision_recall`."""
    x = np.asarray(x, dtype=np.float64)
    chunk = chunk or max(1, int(4e6 // max(1, x.shape[0])))
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
    r_radii = knn_radii(r, int(k), chunk)
    f_radii = knn_radii(f, int(k), chunk)
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
    centroids = _kmeans(r, int(n_bins), as_generator(rng))
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
