"""Histogram distances between feature distributions of real and generated clips.

:func:`bhattacharyya_distance` and :func:`js_divergence` compare probability histograms;
:func:`audio_features` and :func:`shared_histograms` build them from audio."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import special

from ._checks import _audio

__all__ = [
    "audio_features",
    "bhattacharyya_coefficient",
    "bhattacharyya_distance",
    "histogram",
    "js_divergence",
    "shared_histograms",
]


def histogram(
    x: Any, bins: int | Sequence[float] | np.ndarray, range: tuple[float, float]
) -> np.ndarray:
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
