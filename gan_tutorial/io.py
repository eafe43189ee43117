"""Small file and byte helpers shared by the whole package (numpy and the standard library).

* :func:`atomic_write_bytes`: write a file via a temporary file and ``os.replace``
  (checkpoints, sample sets, caches: never half a file);
* :func:`npz_bytes`: ``np.savez`` into memory;
* :func:`wav_bytes`: 16-bit PCM mono WAV bytes (the one WAV encoder: ``audio.save_wav``,
  the notebook players and the widgets all use it);
* :func:`peak_normalize`: scale clips to a common peak.
"""

from __future__ import annotations

import io
import os
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["PCM16_SCALE", "atomic_write_bytes", "npz_bytes", "peak_normalize", "umask", "wav_bytes"]

PCM16_SCALE = 32768  # float 1.0 -> 32768 (clipped to 32767), libsndfile's convention


def umask() -> int:
    """The process's current file-creation mask (read without changing it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file and ``os.replace``: never half a file.

    Creates missing folders; the file gets the usual ``0o666 & ~umask`` permissions.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def npz_bytes(**arrays: Any) -> bytes:
    """The bytes of an uncompressed ``.npz`` file holding ``arrays``."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def peak_normalize(y: Any, peak: float = 0.9, *, axis: int | None = -1) -> np.ndarray:
    """Scale ``y`` so its absolute peak is ``peak``; silent input stays silent.

    ``axis=-1`` (default) scales each clip of a ``(..., T)`` batch on its own;
    ``axis=None`` applies one gain to the whole array. Returns float32, same shape.
    """
    y = np.asarray(y, dtype=np.float32)
    m = np.max(np.abs(y), axis=axis, keepdims=True)
    return (y * (peak / np.maximum(m, 1e-8))).astype(np.float32)


def wav_bytes(y: Any, sr: int, *, normalize: bool = False) -> bytes:
    """16-bit PCM mono WAV file contents of a ``(T,)`` float clip in [-1, 1] at ``sr`` Hz.

    Values outside [-1, 1] are clipped; ``normalize=True`` first scales the peak to 0.9
    (:func:`peak_normalize`; so loudness does not give away the source in a listening
    test). Samples are scaled by :data:`PCM16_SCALE`, as ``soundfile`` reads them back.
    """
    x = np.asarray(y, dtype=np.float32).squeeze()
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"audio must be one mono clip of shape (T,), got {np.shape(y)}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("audio contains NaN or infinite samples; refusing to write it.")
    if not isinstance(sr, int | np.integer) or sr <= 0:
        raise ValueError(f"sr must be a positive integer sample rate in Hz, got {sr!r}.")
    if normalize:
        x = peak_normalize(x)
    pcm = np.clip(np.round(x.astype(np.float64) * PCM16_SCALE), -32768, 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(int(sr))
        wf.writeframes(pcm.tobytes())
    return buf.getvalue()
