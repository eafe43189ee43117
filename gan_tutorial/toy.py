"""The 2-D "ring of Gaussians" toy problem used to see mode collapse (numpy only).

Real data: ``n_modes`` isotropic Gaussians (std ``std``) whose centres sit evenly on a
circle of radius ``radius``. Metrics follow Srivastava et al. (2017, VEEGAN) and
Metz et al. (2017, Unrolled GANs):

* a sample is **high quality** (HQ) if it lies within ``3 * std`` of its nearest centre
  (for real data that is 1 - exp(-4.5) ≈ 98.9 % of samples in 2-D);
* a mode is **covered** if it received at least ``cover_fraction`` (default 10 %) of its
  fair share of HQ samples, i.e. ``count >= max(1, cover_fraction * n / n_modes)``. With
  8 modes and 2000 samples that is >= 25 samples, 1.25 % of the batch (a fair share is 250).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .seeding import as_generator

__all__ = ["mode_centers", "mode_metrics", "plot_toy", "ring_of_gaussians"]


def mode_centers(n_modes: int = 8, radius: float = 2.0) -> np.ndarray:
    """Centres of the ring, shape ``(n_modes, 2)`` float32, the first one at angle 0."""
    if n_modes < 1:
        raise ValueError(f"n_modes must be >= 1, got {n_modes}")
    angles = 2.0 * np.pi * np.arange(n_modes) / n_modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype(np.float32)


def ring_of_gaussians(
    n: int,
    n_modes: int = 8,
    radius: float = 2.0,
    std: float = 0.02,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """``n`` samples from the ring mixture (uniform over modes), shape ``(n, 2)`` float32.

    ``rng`` is a ``numpy.random.Generator`` (advanced in place), a seed, or ``None``
    (seed 0; see :mod:`gan_tutorial.seeding`).
    """
    g = as_generator(rng)
    centers = mode_centers(n_modes, radius)
    idx = g.integers(0, n_modes, size=n)
    return (centers[idx] + std * g.standard_normal((n, 2))).astype(np.float32)


def mode_metrics(
    samples: np.ndarray,
    n_modes: int = 8,
    radius: float = 2.0,
    std: float = 0.02,
    cover_fraction: float = 0.1,
) -> dict[str, Any]:
    """Mode coverage and sample quality of ``samples`` (shape ``(n, 2)``).

    Returns a dict with ``modes_covered`` (int), ``high_quality_share`` (float in [0, 1];
    share of *all* samples that are HQ), ``per_mode_counts`` (``(n_modes,)`` int array of
    HQ samples per mode), ``threshold`` (HQ count a mode needs to count as covered) and
    ``non_finite`` (samples that were NaN/inf; they count as low quality).
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"samples must have shape (n, 2), got {x.shape}")
    n = x.shape[0]
    finite = np.all(np.isfinite(x), axis=1)
    centers = mode_centers(n_modes, radius).astype(np.float64)
    counts = np.zeros(n_modes, dtype=np.int64)
    if finite.any():
        xf = x[finite]
        d = np.linalg.norm(xf[:, None, :] - centers[None, :, :], axis=2)  # (n_finite, n_modes)
        nearest = d.argmin(axis=1)
        hq = d[np.arange(len(xf)), nearest] <= 3.0 * std
        counts = np.bincount(nearest[hq], minlength=n_modes).astype(np.int64)
    threshold = max(1, math.ceil(cover_fraction * n / n_modes))
    return {
        "modes_covered": int((counts >= threshold).sum()),
        "high_quality_share": float(counts.sum() / n) if n else 0.0,
        "per_mode_counts": counts,
        "threshold": threshold,
        "non_finite": int((~finite).sum()),
    }


def plot_toy(
    samples: np.ndarray,
    real: np.ndarray | None = None,
    ax: Any = None,
    title: str = "",
    n_modes: int = 8,
    radius: float = 2.0,
) -> Any:
    """Scatter generated ``samples`` (``(n, 2)``) over optional ``real`` ones; returns the axes.

    Mode centres are marked with crosses; axes are labelled in the toy's arbitrary units.
    """
    import matplotlib.pyplot as plt  # lazy: keeps the module import light

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    if real is not None:
        ax.scatter(real[:, 0], real[:, 1], s=4, c="lightgray", label="real", alpha=0.6)
    ax.scatter(samples[:, 0], samples[:, 1], s=4, c="tab:blue", label="generated", alpha=0.6)
    c = mode_centers(n_modes, radius)
    ax.scatter(c[:, 0], c[:, 1], marker="x", c="tab:red", s=40, label="mode centre")
    lim = 1.5 * radius
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("x (arbitrary units)")
    ax.set_ylabel("y (arbitrary units)")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper right", fontsize="x-small", markerscale=2)
    return ax
