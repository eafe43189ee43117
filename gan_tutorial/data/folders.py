"""What every real-dataset loader shares, and a scan of any audio folder.

Policy for bad input, followed by :mod:`.maestro`, :mod:`.lakh` and :mod:`.nsynth`:

* a folder or metadata file that is missing or malformed raises
  :class:`~gan_tutorial.errors.DatasetLayoutError` naming the file, the problem and the fix;
* individual files that are missing or unreadable are skipped, and ONE
  :class:`SkippedFilesWarning` lists every skipped file with its reason;
* if nothing usable remains, :class:`~gan_tutorial.errors.DatasetLayoutError` is raised.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from pathlib import Path

from ..audio import SR, load_audio
from ..errors import DatasetLayoutError, FileProblem

__all__ = ["AUDIO_EXTS", "SkippedFilesWarning", "scan_audio_folder"]

AUDIO_EXTS: tuple[str, ...] = (".wav", ".flac", ".mp3", ".ogg")


class SkippedFilesWarning(UserWarning):
    """Some files of a dataset were skipped; the message lists each with its reason."""


def _warn_skipped(
    skipped: dict[Path, str], summary: str, where: str | os.PathLike, stacklevel: int = 3
) -> None:
    """Emit ONE warning listing every skipped file and why."""
    if not skipped:
        return
    lines = "\n".join(f"  {p}: {why}" for p, why in skipped.items())
    warnings.warn(
        f"{where}: {summary}; skipped files:\n{lines}\n"
        "Fix: re-download or remove these files; the others were loaded.",
        SkippedFilesWarning,
        stacklevel=stacklevel,
    )


def _problem(exc: Exception) -> str:
    """The reason part of an exception, without the file name our errors prefix."""
    if isinstance(exc, FileProblem):
        return exc.problem
    return f"{type(exc).__name__}: {exc}"


def _existing_dir(root: str | os.PathLike, what: str, fix: str) -> Path:
    p = Path(root).expanduser().resolve()
    if not p.exists():
        raise DatasetLayoutError(p, f"folder does not exist ({what} root).", fix)
    if not p.is_dir():
        raise DatasetLayoutError(p, f"is a file, not a folder ({what} root).", fix)
    return p


def scan_audio_folder(
    root: str | os.PathLike,
    exts: Iterable[str] = AUDIO_EXTS,
    *,
    recursive: bool = True,
    allow_silent: bool = False,
) -> tuple[list[Path], dict[Path, str]]:
    """Try :func:`load_audio` on every audio file under ``root``.

    Returns ``(ok, skipped)``: the readable files (sorted) and ``{path: reason}`` for the
    rest (empty, corrupt, truncated, not audio, NaN, silent), which ONE warning lists.
    """
    import soundfile as sf

    root = _existing_dir(root, "audio", "check the path.")
    wanted = {e.lower() if e.startswith(".") else f".{e.lower()}" for e in exts}
    pattern = "**/*" if recursive else "*"
    files = sorted(p for p in root.glob(pattern) if p.is_file() and p.suffix.lower() in wanted)
    ok: list[Path] = []
    skipped: dict[Path, str] = {}
    for p in files:
        try:
            native = sf.info(str(p)).samplerate  # check at the file's own rate: no resampling
        except Exception:
            native = SR  # unreadable: load_audio below says why
        try:
            load_audio(p, native, allow_silent=allow_silent)
        except Exception as exc:
            skipped[p] = _problem(exc)
            continue
        ok.append(p)
    _warn_skipped(skipped, f"skipped {len(skipped)} of {len(files)} audio files", root)
    return ok, skipped
