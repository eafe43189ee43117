"""Audio files: load, resample, WAV and playback (numpy + soundfile; librosa to resample).

Audio is a float32 array in [-1, 1], shape ``(T,)`` or ``(N, T)``, at ``sr`` Hz.
Spectrograms, their inversion (the course's vocoder) and normalisation live in
:mod:`gan_tutorial.spectral`; the names notebooks reach through ``audio.`` are
re-exported here (``audio.spectrogram`` is :func:`~gan_tutorial.spectral.log_spectrogram`,
``audio.spectrogram_to_audio`` is :func:`~gan_tutorial.spectral.griffin_lim`).
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from .errors import AudioFileError
from .io import atomic_write_bytes, peak_normalize, wav_bytes
from .spectral import (
    N_SAMPLES,
    SR,
    SpecConfig,
    SpecNormalizer,
    feature_convergence,
    fix_length,
    logmel,
    spectral_convergence,
)
from .spectral import griffin_lim as spectrogram_to_audio
from .spectral import log_spectrogram as spectrogram

__all__ = [
    "N_SAMPLES",
    "SILENCE_PEAK",
    "SR",
    "SpecConfig",
    "SpecNormalizer",
    "feature_convergence",
    "fix_length",
    "load_audio",
    "logmel",
    "peak_normalize",
    "play",
    "play_many",
    "resample",
    "save_wav",
    "spectral_convergence",
    "spectrogram",
    "spectrogram_to_audio",
]

SILENCE_PEAK = 1e-4  # -80 dBFS


# --------------------------------------------------------------------------- loading
def _check_wav_header(path: Path) -> None:
    """Catch truncated WAV files, which libsndfile would read short without complaint."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return  # not RIFF/WAVE: let soundfile decide (it may be another format)
        size = path.stat().st_size
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise AudioFileError(
                    path,
                    "WAV file ends before its data chunk (truncated).",
                    "re-download or re-export the file.",
                )
            cid, clen = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"data":
                if clen != 0xFFFFFFFF and f.tell() + clen > size:  # 0xFFFFFFFF: streamed WAV
                    got = size - f.tell()
                    raise AudioFileError(
                        path,
                        f"WAV data chunk declares {clen} bytes but only {got} are present "
                        "(truncated).",
                        "re-download or re-export the file.",
                    )
                return
            f.seek(clen + (clen & 1), os.SEEK_CUR)


def load_audio(
    path: str | os.PathLike,
    sr: int = SR,
    *,
    offset: float = 0.0,
    duration: float | None = None,
    allow_silent: bool = False,
) -> np.ndarray:
    """Load any sample rate and channel count as mono float32 at ``sr`` Hz.

    Reads ``duration`` seconds (to the end when ``None``) from ``offset`` seconds; only
    that span is decoded. Returns a 1-D array. Raises :class:`AudioFileError` (a
    ``ValueError``) naming the file when it is missing, empty, truncated, not audio,
    non-finite, silent (peak below -80 dBFS; pass ``allow_silent=True`` to accept
    silence) or shorter than ``offset``.
    """
    import soundfile as sf

    if offset < 0 or (duration is not None and duration <= 0):
        raise ValueError(f"need offset >= 0 and duration > 0, got {offset=} {duration=}.")
    p = Path(path)
    if not p.exists():
        raise AudioFileError(p, "file does not exist.", "check the path and the dataset root.")
    if p.is_dir():
        raise AudioFileError(p, "is a folder, not an audio file.", "point at a .wav/.flac file.")
    if p.stat().st_size == 0:
        raise AudioFileError(p, "file is empty (0 bytes).", "re-download or re-export the file.")
    _check_wav_header(p)
    try:
        start, frames = 0, -1
        if offset or duration is not None:
            info = sf.info(str(p))
            start = round(offset * info.samplerate)
            if duration is not None:
                frames = max(1, round(duration * info.samplerate))
            if offset and start >= info.frames:
                raise AudioFileError(
                    p,
                    f"offset {offset} s is past the end of the recording ({info.duration:.2f} s).",
                    "use an offset below the file's duration.",
                )
        y, file_sr = sf.read(str(p), start=start, frames=frames, dtype="float32", always_2d=True)
    except AudioFileError:
        raise
    except Exception as exc:  # soundfile raises LibsndfileError / RuntimeError
        raise AudioFileError(
            p,
            f"not a readable audio file ({type(exc).__name__}: {exc}).",
            "the file is corrupt or not audio despite its extension; re-download it "
            "or convert it to WAV/FLAC.",
        ) from exc
    if y.shape[0] == 0:
        raise AudioFileError(p, "contains no samples.", "re-export the file with audio in it.")
    y = y.mean(axis=1)
    if not np.all(np.isfinite(y)):
        raise AudioFileError(
            p, "contains NaN or infinite samples.", "re-export it; check the tool that wrote it."
        )
    if file_sr != sr:
        y = resample(y, file_sr, sr)
    if not allow_silent and float(np.max(np.abs(y))) < SILENCE_PEAK:
        span = f" from {offset} s for {duration} s" if offset or duration is not None else ""
        raise AudioFileError(
            p,
            f"is silent{span} (peak below -80 dBFS).",
            "drop it from the dataset, pick another offset, or pass allow_silent=True.",
        )
    return y.astype(np.float32, copy=False)


def resample(y: np.ndarray, orig_sr: int, target_sr: int) -> np.ndarray:
    """Resample ``(..., T)`` along the last axis to ``ceil(T * target_sr / orig_sr)`` samples.

    soxr's high-quality filter, as ``librosa.resample(res_type="soxr_hq")`` uses, called
    directly: librosa's first call compiles numba code for half a minute.
    """
    import soxr  # light, but only loading files at another rate needs it

    if orig_sr == target_sr:
        return y
    y = np.asarray(y)
    n = int(np.ceil(y.shape[-1] * target_sr / orig_sr))
    flat = y.reshape(-1, y.shape[-1]).T  # (T, channels): soxr resamples each column
    out = np.asarray(soxr.resample(flat, orig_sr, target_sr, quality="HQ")).T
    return fix_length(out, n).reshape(*y.shape[:-1], n).astype(y.dtype, copy=False)


# --------------------------------------------------------------------------- files and playback
def save_wav(path: str | os.PathLike, y: np.ndarray, sr: int = SR) -> Path:
    """Write a mono clip as 16-bit WAV (atomically, creating folders). Returns the path."""
    return atomic_write_bytes(path, wav_bytes(y, sr))


def play(y: np.ndarray, sr: int = SR, *, normalize: bool = True):
    """An inline player for a notebook (``IPython.display.Audio``)."""
    from IPython.display import Audio

    y = np.asarray(y, dtype=np.float32)
    if normalize and np.max(np.abs(y)) < 1e-8:
        normalize = False  # IPython refuses to normalise all-zero audio
    return Audio(y, rate=sr, normalize=normalize)


def play_many(clips: np.ndarray, sr: int = SR, labels: list[str] | None = None):
    """A row of labelled players as an ipywidgets box (one per clip)."""
    import ipywidgets as w

    items = []
    for i, y in enumerate(clips):
        label = labels[i] if labels else f"clip {i}"
        player = w.Audio(
            value=wav_bytes(y, sr, normalize=True),
            format="wav",
            autoplay=False,
            loop=False,
        )
        player.layout.width = "220px"
        items.append(w.VBox([w.Label(label), player]))
    return w.HBox(items, layout=w.Layout(flex_flow="row wrap"))
