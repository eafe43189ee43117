"""MAESTRO (piano audio + aligned MIDI): metadata, records and audio spans.

None of these datasets ships with the course (see ``data/README.md`` for the download
commands). Each loader reads the dataset's own metadata, returns a list of small frozen
records with absolute paths, and follows one policy for bad input (see
:mod:`gan_tutorial.data.folders`).
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import SR, load_audio
from ..errors import DatasetLayoutError
from .folders import _existing_dir, _warn_skipped

__all__ = [
    "MAESTRO_COLUMNS",
    "MAESTRO_SPLITS",
    "MaestroRecord",
    "load_maestro",
    "load_maestro_audio",
]


MAESTRO_COLUMNS = (
    "canonical_composer",
    "canonical_title",
    "split",
    "year",
    "midi_filename",
    "audio_filename",
    "duration",
)
MAESTRO_SPLITS = ("train", "validation", "test")
_MAESTRO_META = re.compile(r"^maestro-v(\d+)\.(\d+)\.(\d+)\.(csv|json)$")
MAESTRO_DOWNLOAD = (
    "download and unzip it: wget https://storage.googleapis.com/magenta/datasets/maestro/"
    "v3.0.0/maestro-v3.0.0.zip && unzip maestro-v3.0.0.zip (MIDI only: "
    "maestro-v3.0.0-midi.zip); then pass the maestro-v3.0.0 folder. See data/README.md."
)


@dataclass(frozen=True)
class MaestroRecord:
    """One MAESTRO performance: a piano recording and its aligned MIDI."""

    audio_path: Path
    midi_path: Path
    split: str  # "train" / "validation" / "test"
    duration: float  # seconds
    composer: str
    title: str
    year: int
    version: str = ""  # e.g. "3.0.0"


def _find_maestro_meta(root: Path) -> Path:
    """The metadata file in ``root`` (or in a ``maestro-v*`` subfolder); CSV preferred."""
    folders = [root, *sorted((d for d in root.glob("maestro-v*") if d.is_dir()), reverse=True)]
    for folder in folders:
        found = []
        for f in folder.iterdir():
            m = _MAESTRO_META.match(f.name)
            if m and f.is_file():
                version = tuple(int(x) for x in m.groups()[:3])
                found.append((version, m.group(4) == "csv", f))
        if found:
            return max(found)[2]  # newest version, then CSV over JSON
    raise DatasetLayoutError(
        root,
        "no MAESTRO metadata file found. Expected one of maestro-v3.0.0.csv, "
        "maestro-v3.0.0.json, maestro-v2.0.0.csv or maestro-v2.0.0.json in this folder "
        "(or in a maestro-v3.0.0/ subfolder).",
        MAESTRO_DOWNLOAD,
    )


def _read_maestro_rows(meta: Path) -> list[dict]:
    """Rows of a MAESTRO CSV, list-JSON (v2.0.0) or column-JSON (v3.0.0) as dicts."""
    bad = "re-download the dataset; the metadata file is damaged."
    if meta.suffix == ".csv":
        try:
            with open(meta, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                columns = list(reader.fieldnames or [])
                rows = list(reader)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise DatasetLayoutError(meta, f"cannot be read as CSV ({exc}).", bad) from exc
        _check_columns(meta, columns)
        return rows
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetLayoutError(meta, f"cannot be read as JSON ({exc}).", bad) from exc
    if isinstance(data, list):  # v2.0.0: a list of records
        if not all(isinstance(r, dict) for r in data):
            raise DatasetLayoutError(meta, "is a JSON list but not a list of objects.", bad)
        missing = {c for r in data for c in MAESTRO_COLUMNS if c not in r}
        _check_columns(meta, [c for c in MAESTRO_COLUMNS if c not in missing])
        return data
    if isinstance(data, dict) and all(isinstance(v, dict) for v in data.values()):
        _check_columns(meta, list(data))  # v3.0.0: {column: {"0": value, ...}}
        index = sorted(
            set().union(*(data[c].keys() for c in MAESTRO_COLUMNS)),
            key=lambda k: int(k) if str(k).isdigit() else str(k),
        )
        holes = [c for c in MAESTRO_COLUMNS if len(data[c]) != len(index)]
        if holes:
            raise DatasetLayoutError(meta, f"columns {holes} lack values for some rows.", bad)
        return [{c: data[c][i] for c in MAESTRO_COLUMNS} for i in index]
    raise DatasetLayoutError(
        meta,
        "is neither a list of records (v2.0.0) nor a dict of columns (v3.0.0).",
        bad,
    )


def _check_columns(meta: Path, columns: Sequence[str]) -> None:
    missing = [c for c in MAESTRO_COLUMNS if c not in columns]
    if missing:
        raise DatasetLayoutError(
            meta,
            f"metadata lacks required column(s) {', '.join(missing)} "
            f"(it has: {', '.join(columns) or 'none'}).",
            "re-download the dataset; the loader needs the columns "
            + ", ".join(MAESTRO_COLUMNS)
            + ".",
        )


def _normalise_split(split: str | None) -> str | None:
    if split is None:
        return None
    s = {"valid": "validation", "val": "validation"}.get(split, split)
    if s not in MAESTRO_SPLITS:
        raise ValueError(f"unknown MAESTRO split {split!r}. Fix: use one of {MAESTRO_SPLITS}.")
    return s


def load_maestro(
    root: str | os.PathLike,
    split: str | None = None,
    *,
    need_audio: bool = True,
    need_midi: bool = True,
) -> list[MaestroRecord]:
    """Records of a MAESTRO v2.0.0 / v3.0.0 folder, optionally of one ``split``.

    ``root`` is the unzipped ``maestro-v3.0.0`` folder or the folder containing it.
    The CSV is read when present, else the JSON. Rows whose audio or MIDI file is
    missing are skipped with one warning; pass ``need_audio=False`` for the MIDI-only
    download. ``split``: ``"train"``, ``"validation"`` (or ``"valid"``) or ``"test"``.
    """
    split = _normalise_split(split)
    root = _existing_dir(root, "MAESTRO", MAESTRO_DOWNLOAD)
    meta = _find_maestro_meta(root)
    base = meta.parent
    version = ".".join(_MAESTRO_META.match(meta.name).groups()[:3])  # type: ignore[union-attr]
    records: list[MaestroRecord] = []
    skipped: dict[Path, str] = {}
    bad_rows = 0
    for i, row in enumerate(_read_maestro_rows(meta)):
        try:
            rec = MaestroRecord(
                audio_path=(base / str(row["audio_filename"])).resolve(),
                midi_path=(base / str(row["midi_filename"])).resolve(),
                split=str(row["split"]),
                duration=float(row["duration"]),
                composer=str(row["canonical_composer"]),
                title=str(row["canonical_title"]),
                year=int(row["year"]),
                version=version,
            )
        except (TypeError, ValueError) as exc:
            raise DatasetLayoutError(
                meta,
                f"row {i} has a malformed value ({exc}).",
                "re-download the dataset; the metadata file is damaged.",
            ) from exc
        if split is not None and rec.split != split:
            continue
        problems = []
        if need_audio and not rec.audio_path.is_file():
            problems.append((rec.audio_path, "audio file listed in the metadata is missing"))
        if need_midi and not rec.midi_path.is_file():
            problems.append((rec.midi_path, "MIDI file listed in the metadata is missing"))
        if problems:
            skipped.update(problems)
            bad_rows += 1
            continue
        records.append(rec)
    if not records:
        what = f"split {split!r} of " if split else ""
        if skipped:
            listed = "; ".join(f"{p} ({why})" for p, why in list(skipped.items())[:5])
            more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
            raise DatasetLayoutError(
                meta,
                f"none of the files listed in {what}this metadata exist under {base}: "
                f"{listed}{more}.",
                "unzip the audio/MIDI next to the metadata file (year folders such as "
                f"2018/), or pass need_audio=False for the MIDI-only download. {MAESTRO_DOWNLOAD}",
            )
        raise DatasetLayoutError(
            meta,
            f"{what}this metadata lists no performances.",
            "check the split name; MAESTRO uses 'validation'.",
        )
    _warn_skipped(skipped, f"skipped {bad_rows} of {bad_rows + len(records)} performances", meta)
    return records


def load_maestro_audio(
    record: MaestroRecord | str | os.PathLike,
    sr: int = SR,
    offset: float = 0.0,
    duration: float | None = None,
    *,
    allow_silent: bool = False,
) -> np.ndarray:
    """Mono float32 audio of a MAESTRO performance at ``sr`` Hz, from ``offset`` seconds
    for ``duration`` seconds (to the end when ``None``). Only that span is decoded."""
    path = Path(record.audio_path if isinstance(record, MaestroRecord) else record)
    return load_audio(path, sr, offset=offset, duration=duration, allow_silent=allow_silent)
