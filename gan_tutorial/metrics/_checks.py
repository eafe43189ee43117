"""Input checks shared by the metrics: feature arrays ``(N, d)`` and audio ``(N, T)``."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__: list[str] = []


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
