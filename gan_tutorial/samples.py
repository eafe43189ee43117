"""The sample-file format: what the chapter-22 notebooks write and chapter 24 evaluates.

One generated set is ``<name>.npz`` plus, when audio is given, a folder ``<name>/`` next to
it holding ``<name>_000.wav``, ``<name>_001.wav``, ... for listening. The ``.npz`` holds

==========  ======================  ===================================================
key         dtype / shape           meaning
==========  ======================  ===================================================
``format``  0-d str                 ``"gan_tutorial.samples/1"``
``specs``   float32 ``(N, F, T)``   **log** spectrograms: natural log of magnitude, the
                                    scale of :func:`gan_tutorial.audio.spectrogram`
``audio``   float32 ``(N, S)``      waveforms in [-1, 1] at ``sr`` Hz (absent if none)
``sr``      0-d int64               sample rate in Hz
``meta``    0-d str                 JSON: framework, profile, seed, step, spec_config...
==========  ======================  ===================================================

Why log spectrograms rather than the [-1, 1] network outputs: the normalised values only
mean something together with the :class:`~gan_tutorial.audio.SpecNormalizer` of the run
that made them; log magnitudes can be compared, plotted, inverted and fed to any
evaluator without it. Pass ``normalizer=`` to :func:`save_samples` to have the network
outputs un-normalised for you. Storing the audio as well saves every evaluator a
Griffin-Lim inversion. Everything loads with ``np.load(..., allow_pickle=False)``.

The metadata names what made ``audio`` from the spectrograms: ``griffin_lim_iterations``
and ``griffin_lim_match`` (:func:`gan_tutorial.spectral.vocoder_meta`), or, for clips
that never went through Griffin-Lim, ``vocoder`` in words (chapter 26's GANSynth-style
model: ``"inverse STFT from magnitude and instantaneous frequency"``, with
``"representation": "if"``; its ``specs`` are the log magnitudes of its linear STFT).
"""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .audio import SR, SpecNormalizer, save_wav
from .errors import FileProblem
from .io import atomic_write_bytes, peak_normalize

__all__ = ["FORMAT", "SampleSet", "load_samples", "sample_paths", "save_samples"]

FORMAT = "gan_tutorial.samples/1"
_REQUIRED = ("format", "specs", "sr", "meta")


def sample_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """``(npz file, WAV folder)`` for ``path`` given with or without the ``.npz`` suffix."""
    p = Path(path)
    npz = p if p.suffix == ".npz" else p.with_name(p.name + ".npz")
    return npz, npz.with_suffix("")


@dataclass
class SampleSet:
    """A loaded sample file. ``specs``: (N, F, T) log spectrograms; ``audio``: (N, S) or None."""

    specs: np.ndarray
    audio: np.ndarray | None
    sr: int
    meta: dict[str, Any]
    path: Path | None = None
    wav_paths: list[Path] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.specs)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"meta value {obj!r} ({type(obj).__name__}) is not JSON-serialisable")


def save_samples(
    path: str | os.PathLike,
    specs: np.ndarray,
    audio: np.ndarray | None = None,
    sr: int = SR,
    meta: dict[str, Any] | None = None,
    *,
    normalizer: SpecNormalizer | None = None,
    normalize_wav: bool = True,
) -> Path:
    """Write a sample set; returns the ``.npz`` path.

    ``specs``: (N, F, T) log spectrograms, or the generator's [-1, 1] outputs together
    with the run's ``normalizer`` (they are un-normalised before saving). ``(N, 1, F, T)``
    and ``(N, F, T, 1)`` are accepted and squeezed. ``audio``: (N, S) float waveforms or
    None. ``meta``: JSON-able dict (numpy scalars, ``SpecConfig`` and paths are
    converted); suggested keys: framework, model, profile, seed, step, spec_config.
    WAVs (16-bit) are peak-normalised to 0.9 for listening when ``normalize_wav``; the
    ``.npz`` keeps the audio unchanged. Every file is written atomically; the ``.npz`` is
    written last, and stale WAVs from an earlier, larger set are removed.
    """
    npz_path, folder = sample_paths(path)
    x = np.asarray(specs, dtype=np.float32)
    if x.ndim == 4 and 1 in (x.shape[1], x.shape[-1]):
        x = x[:, 0] if x.shape[1] == 1 else x[..., 0]
    if x.ndim != 3:
        raise ValueError(f"specs must be (N, F, T), got shape {np.shape(specs)}.")
    if normalizer is not None:
        x = normalizer.inverse(x)
    if not np.all(np.isfinite(x)):
        raise ValueError("specs contain NaN or inf; refusing to save them (did training diverge?).")
    arrays: dict[str, Any] = {
        "format": np.array(FORMAT),
        "specs": x,
        "sr": np.array(int(sr)),
    }
    if audio is not None:
        y = np.asarray(audio, dtype=np.float32)
        if y.ndim != 2 or len(y) != len(x):
            raise ValueError(f"audio must be (N, samples) with N={len(x)}, got shape {y.shape}.")
        if not np.all(np.isfinite(y)):
            raise ValueError("audio contains NaN or inf; refusing to save it.")
        # Griffin-Lim from an untrained or diverging generator can exceed full scale; such
        # clips are scaled down to a peak of 1 (counted in meta) so the file keeps its
        # documented [-1, 1] range.
        over = np.max(np.abs(y), axis=1) > 1.0
        if over.any():
            y = y.copy()
            y[over] = peak_normalize(y[over], 1.0)
        arrays["audio"] = y
    meta = dict(meta or {})
    meta.setdefault("n", len(x))
    meta["spec_scale"] = "log"
    if audio is not None:
        meta["clips_rescaled_to_full_scale"] = int(over.sum())
    arrays["meta"] = np.array(json.dumps(meta, default=_json_default, sort_keys=True))

    if audio is not None:
        stem = npz_path.stem
        for i, clip in enumerate(arrays["audio"]):
            save_wav(
                folder / f"{stem}_{i:03d}.wav", peak_normalize(clip) if normalize_wav else clip, sr
            )
        pattern = re.compile(rf"{re.escape(stem)}_(\d+)\.wav")
        for old in folder.glob(f"{stem}_*.wav"):
            m = pattern.fullmatch(old.name)
            if m and int(m.group(1)) >= len(x):
                old.unlink()
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write_bytes(npz_path, buf.getvalue())
    return npz_path


def _problem(path: Path, problem: str) -> FileProblem:
    return FileProblem(
        path,
        problem,
        "point at a .npz written by gan_tutorial.samples.save_samples (regenerate it with "
        "the chapter-22 notebook if needed).",
    )


def load_samples(path: str | os.PathLike) -> SampleSet:
    """Read a sample set written by :func:`save_samples` (``.npz`` suffix optional).

    Raises :class:`~gan_tutorial.errors.FileProblem` naming the file if it is missing,
    not an ``.npz``, lacks a key, or has inconsistent shapes.
    """
    npz_path, folder = sample_paths(path)
    if not npz_path.is_file():
        raise FileProblem(
            npz_path, "sample file does not exist.", "check the path, or generate samples first."
        )
    try:
        with np.load(npz_path, allow_pickle=False) as z:
            if not hasattr(z, "files"):
                raise _problem(npz_path, "is a single .npy array, not a sample .npz file.")
            missing = [k for k in _REQUIRED if k not in z.files]
            if missing:
                raise _problem(
                    npz_path, f"is not a sample file: missing key(s) {', '.join(missing)}."
                )
            data = {k: z[k] for k in z.files}
    except FileProblem:
        raise
    except Exception as exc:  # BadZipFile, ValueError (pickled/garbage), OSError, EOFError
        raise _problem(
            npz_path, f"is not a readable .npz file ({type(exc).__name__}: {exc})."
        ) from exc
    if str(data["format"]) != FORMAT:
        raise _problem(npz_path, f"has format {str(data['format'])!r}, expected {FORMAT!r}.")
    try:
        meta = json.loads(str(data["meta"]))
    except ValueError as exc:
        raise _problem(npz_path, f"has unreadable metadata ({exc}).") from exc
    specs = data["specs"].astype(np.float32, copy=False)
    audio = data.get("audio")
    if specs.ndim != 3 or (audio is not None and (audio.ndim != 2 or len(audio) != len(specs))):
        raise _problem(
            npz_path,
            f"has inconsistent shapes: specs {specs.shape}, "
            f"audio {None if audio is None else audio.shape}.",
        )
    wavs = sorted(folder.glob(f"{npz_path.stem}_*.wav")) if audio is not None else []
    return SampleSet(
        specs=specs,
        audio=None if audio is None else audio.astype(np.float32, copy=False),
        sr=int(data["sr"]),
        meta=meta,
        path=npz_path,
        wav_paths=wavs,
    )
