"""The Lakh MIDI Dataset (lmd_full / lmd_matched): records and MIDI parsing.

None of these datasets ships with the course (see ``data/README.md`` for the download
commands). Each loader reads the dataset's own metadata, returns a list of small frozen
records with absolute paths, and follows one policy for bad input (see
:mod:`gan_tutorial.data.folders`).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DatasetLayoutError, MidiFileError
from .folders import _existing_dir, _problem, _warn_skipped

if TYPE_CHECKING:
    import pretty_midi

__all__ = ["LakhRecord", "load_lakh", "load_lakh_midi"]


LAKH_DOWNLOAD = (
    "download and extract it: wget http://hog.ee.columbia.edu/craffel/lmd/lmd_full.tar.gz "
    "&& tar xzf lmd_full.tar.gz (or lmd_matched.tar.gz); then pass the lmd_full or "
    "lmd_matched folder, or the folder containing them. See data/README.md."
)
_MIDI_EXTS = (".mid", ".midi")


@dataclass(frozen=True)
class LakhRecord:
    """One Lakh MIDI file. ``msd_id`` is the Million Song Dataset track (lmd_matched)."""

    path: Path
    md5: str
    msd_id: str | None
    subset: str  # "full" or "matched"


def _lakh_subsets(root: Path) -> list[tuple[str, Path]]:
    if root.name in ("lmd_full", "lmd_matched"):
        return [(root.name[4:], root)]
    found = [(n[4:], root / n) for n in ("lmd_full", "lmd_matched") if (root / n).is_dir()]
    if not found:
        raise DatasetLayoutError(
            root,
            "is not a Lakh MIDI folder: expected it to be named lmd_full or lmd_matched, "
            "or to contain such a folder.",
            LAKH_DOWNLOAD,
        )
    return found


def _is_midi(p: Path) -> bool:
    return p.is_file() and p.suffix.lower() in _MIDI_EXTS


def load_lakh(
    root: str | os.PathLike,
    *,
    subset: str | None = None,
    validate: bool = False,
    check_md5: bool = False,
) -> list[LakhRecord]:
    """Records of ``lmd_full/<h>/<md5>.mid`` and/or
    ``lmd_matched/<A>/<B>/<C>/<TR...>/<md5>.mid`` files, sorted by path.

    ``subset`` (``"full"`` / ``"matched"``) picks one when ``root`` holds both.
    ``validate=True`` parses every file and ``check_md5=True`` compares each file's md5
    with its name; failing files are skipped with one warning listing them all.
    """
    root = _existing_dir(root, "Lakh MIDI", LAKH_DOWNLOAD)
    subsets = _lakh_subsets(root)
    if subset is not None:
        if subset not in ("full", "matched"):
            raise ValueError(f"unknown Lakh subset {subset!r}. Fix: use 'full' or 'matched'.")
        subsets = [(s, p) for s, p in subsets if s == subset]
        if not subsets:
            raise DatasetLayoutError(root, f"has no lmd_{subset} folder.", LAKH_DOWNLOAD)
    records: list[LakhRecord] = []
    for name, folder in subsets:
        if name == "full":  # lmd_full/<first hex char>/<md5>.mid
            files = sorted(p for p in folder.glob("*/*") if _is_midi(p))
            records += [LakhRecord(p, p.stem, None, "full") for p in files]
        else:  # lmd_matched/A/B/C/TRABCxxx/<md5>.mid
            files = sorted(p for p in folder.glob("*/*/*/*/*") if _is_midi(p))
            records += [LakhRecord(p, p.stem, p.parent.name, "matched") for p in files]
    if not records:
        raise DatasetLayoutError(
            root,
            "contains no MIDI files in the Lakh layout (lmd_full/<h>/<md5>.mid or "
            "lmd_matched/<A>/<B>/<C>/<MSD id>/<md5>.mid).",
            LAKH_DOWNLOAD,
        )
    if not (validate or check_md5):
        return records
    kept, skipped = [], {}
    for rec in records:
        try:
            if check_md5:
                digest = hashlib.md5(rec.path.read_bytes()).hexdigest()
                if digest != rec.md5.lower():
                    skipped[rec.path] = f"md5 of the file is {digest}, not its name"
                    continue
            if validate:
                load_lakh_midi(rec)
        except (MidiFileError, OSError) as exc:
            skipped[rec.path] = _problem(exc)
            continue
        kept.append(rec)
    if not kept:
        raise DatasetLayoutError(
            root,
            f"none of its {len(records)} MIDI files is usable; first: "
            f"{next(iter(skipped))} ({next(iter(skipped.values()))}).",
            LAKH_DOWNLOAD,
        )
    _warn_skipped(skipped, f"skipped {len(skipped)} of {len(records)} MIDI files", root)
    return kept


def load_lakh_midi(record: LakhRecord | str | os.PathLike) -> pretty_midi.PrettyMIDI:
    """Parse a MIDI file as ``pretty_midi.PrettyMIDI``; :class:`MidiFileError` if it can't."""
    import pretty_midi

    path = Path(record.path if isinstance(record, LakhRecord) else record)
    fix = "skip this file (load_lakh(..., validate=True) does), or re-download it."
    if not path.is_file():
        raise MidiFileError(
            path,
            "file does not exist." if not path.exists() else "is a folder, not a MIDI file.",
            "check the path.",
        )
    if path.stat().st_size == 0:
        raise MidiFileError(path, "file is empty (0 bytes).", fix)
    try:
        with warnings.catch_warnings():  # pretty_midi's note on meta events in other tracks
            warnings.filterwarnings("ignore", message="Tempo, Key or Time", category=RuntimeWarning)
            return pretty_midi.PrettyMIDI(str(path))
    except EOFError as exc:
        detail = f"EOFError: {exc}" if str(exc) else "EOFError"
        raise MidiFileError(
            path, f"ends in the middle of a MIDI chunk (truncated; {detail}).", fix
        ) from exc
    except Exception as exc:  # mido/pretty_midi raise OSError, KeyError, IndexError, ...
        raise MidiFileError(
            path, f"does not parse as a MIDI file ({type(exc).__name__}: {exc}).", fix
        ) from exc
