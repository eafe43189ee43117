"""NSynth split folders (examples.json + audio/<note_str>.wav): records and arrays.

None of these datasets ships with the course (see ``data/README.md`` for the download
commands). Each loader reads the dataset's own metadata, returns a list of small frozen
records with absolute paths, and follows one policy for bad input (see
:mod:`gan_tutorial.data.folders`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audio import SR, fix_length, load_audio
from ..errors import AudioFileError, DatasetLayoutError
from .folders import _existing_dir, _warn_skipped

__all__ = ["NSYNTH_KEYS", "NSynthRecord", "load_nsynth", "load_nsynth_arrays"]


NSYNTH_DOWNLOAD = (
    "download and extract a split: wget http://download.magenta.tensorflow.org/datasets/"
    "nsynth/nsynth-test.jsonwav.tar.gz && tar xzf nsynth-test.jsonwav.tar.gz; then pass "
    "the nsynth-test folder. See data/README.md."
)
NSYNTH_KEYS = (
    "pitch",
    "velocity",
    "instrument_family",
    "instrument_family_str",
    "instrument_source_str",
    "sample_rate",
)


@dataclass(frozen=True)
class NSynthRecord:
    """One NSynth note: a 4 s, 16 kHz mono WAV and its labels."""

    audio_path: Path
    note_str: str
    pitch: int
    velocity: int
    instrument_family: int
    instrument_family_str: str
    instrument_source_str: str
    sample_rate: int
    instrument_str: str = ""
    qualities_str: tuple[str, ...] = ()


def _nsynth_folder(root: Path, split: str | None) -> Path:
    if (root / "examples.json").exists():
        return root
    if split is not None and (root / f"nsynth-{split}").is_dir():
        return root / f"nsynth-{split}"
    subs = sorted(d for d in root.glob("nsynth-*") if (d / "examples.json").is_file())
    if len(subs) == 1 and split is None:
        return subs[0]
    if subs:
        names = ", ".join(d.name for d in subs)
        raise DatasetLayoutError(
            root,
            f"holds several NSynth splits ({names}); which one?",
            "pass the split folder, or split='train' / 'valid' / 'test'.",
        )
    raise DatasetLayoutError(
        root / "examples.json",
        "file does not exist: an NSynth split folder holds examples.json and audio/.",
        NSYNTH_DOWNLOAD,
    )


def load_nsynth(
    root: str | os.PathLike,
    *,
    split: str | None = None,
    families: Iterable[str] | None = None,
    sources: Iterable[str] | None = None,
    pitch_range: tuple[int, int] | None = None,
) -> list[NSynthRecord]:
    """Records of an NSynth split folder (``examples.json`` + ``audio/<note_str>.wav``).

    ``root`` is e.g. ``nsynth-test/`` (or its parent with ``split="test"``). Optional
    filters: instrument ``families`` (e.g. ``{"keyboard"}``), ``sources``
    (``"acoustic"``, ``"electronic"``, ``"synthetic"``) and an inclusive ``pitch_range``.
    Notes whose WAV is missing are skipped with one warning. Sorted by ``note_str``.
    """
    folder = _nsynth_folder(_existing_dir(root, "NSynth", NSYNTH_DOWNLOAD), split)
    meta = folder / "examples.json"
    bad = "re-download the split; examples.json is damaged."
    try:
        examples = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetLayoutError(meta, f"cannot be read as JSON ({exc}).", bad) from exc
    if not isinstance(examples, dict) or not all(isinstance(v, dict) for v in examples.values()):
        raise DatasetLayoutError(meta, "is not a dict from note_str to a dict of labels.", bad)
    lacking: dict[str, list[str]] = {}
    for key, ex in examples.items():
        for k in NSYNTH_KEYS:
            if k not in ex:
                lacking.setdefault(k, []).append(key)
    if lacking:
        desc = "; ".join(
            f"key {k!r} missing in {len(v)} entries (e.g. {v[0]!r})" for k, v in lacking.items()
        )
        raise DatasetLayoutError(meta, f"entries lack required keys: {desc}.", bad)
    fam = set(families) if families is not None else None
    src = set(sources) if sources is not None else None
    records, skipped = [], {}
    for key in sorted(examples):
        ex = examples[key]
        note_str = str(ex.get("note_str", key))
        try:
            rec = NSynthRecord(
                audio_path=folder / "audio" / f"{note_str}.wav",
                note_str=note_str,
                pitch=int(ex["pitch"]),
                velocity=int(ex["velocity"]),
                instrument_family=int(ex["instrument_family"]),
                instrument_family_str=str(ex["instrument_family_str"]),
                instrument_source_str=str(ex["instrument_source_str"]),
                sample_rate=int(ex["sample_rate"]),
                instrument_str=str(ex.get("instrument_str", "")),
                qualities_str=tuple(ex.get("qualities_str", ())),
            )
        except (TypeError, ValueError) as exc:
            raise DatasetLayoutError(
                meta, f"entry {key!r} has a malformed value ({exc}).", bad
            ) from exc
        if fam is not None and rec.instrument_family_str not in fam:
            continue
        if src is not None and rec.instrument_source_str not in src:
            continue
        if pitch_range is not None and not pitch_range[0] <= rec.pitch <= pitch_range[1]:
            continue
        if not rec.audio_path.is_file():
            skipped[rec.audio_path] = "WAV listed in examples.json is missing"
            continue
        records.append(rec)
    if not records:
        raise DatasetLayoutError(
            meta,
            f"no usable notes: {len(skipped)} listed WAV files are missing from "
            f"{folder / 'audio'} and the filters left nothing else."
            if skipped
            else "no notes match (examples.json is empty or the filters exclude all).",
            NSYNTH_DOWNLOAD if skipped else "loosen families/sources/pitch_range.",
        )
    _warn_skipped(skipped, f"skipped {len(skipped)} of {len(records) + len(skipped)} notes", meta)
    return records


def load_nsynth_arrays(
    records: Sequence[NSynthRecord], n_samples: int = 16384, sr: int = SR
) -> tuple[np.ndarray, np.ndarray]:
    """Audio ``(N, n_samples)`` float32 (cropped/padded from the onset) and pitch ``(N,)``.

    Unreadable, silent or corrupt files are skipped with one warning listing each.
    """
    clips, pitches, skipped = [], [], {}
    for rec in records:
        try:
            y = load_audio(rec.audio_path, sr)
        except AudioFileError as exc:
            skipped[rec.audio_path] = exc.problem
            continue
        clips.append(fix_length(y, n_samples))
        pitches.append(rec.pitch)
    if records and not clips:
        raise DatasetLayoutError(
            records[0].audio_path.parent,
            f"none of the {len(records)} NSynth WAV files could be read; first: "
            f"{next(iter(skipped))} ({next(iter(skipped.values()))}).",
            NSYNTH_DOWNLOAD,
        )
    where = records[0].audio_path.parent if records else "NSynth"
    _warn_skipped(skipped, f"skipped {len(skipped)} of {len(records)} notes", where)
    audio = np.stack(clips).astype(np.float32) if clips else np.zeros((0, n_samples), np.float32)
    return audio, np.asarray(pitches, dtype=np.int64)
