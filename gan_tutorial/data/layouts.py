"""Loaders for the real download layouts of MAESTRO, the Lakh MIDI Dataset and NSynth.

None of these datasets ships with the course (see ``data/README.md`` for the download
commands). Each loader reads the dataset's own metadata, returns a list of small frozen
records with absolute paths, and follows one policy for bad input:

* a folder or metadata file that is missing or malformed raises
  :class:`~gan_tutorial.errors.DatasetLayoutError` naming the file, the problem and the fix;
* individual files that are missing or unreadable are skipped, and ONE
  :class:`SkippedFilesWarning` lists every skipped file with its reason;
* if nothing usable remains, :class:`~gan_tutorial.errors.DatasetLayoutError` is raised.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..audio import SR, _check_wav_header, fix_length, load_audio, resample
from ..errors import AudioFileError, DatasetLayoutError, FileProblem, MidiFileError

if TYPE_CHECKING:
    import pretty_midi

__all__ = [
    "AUDIO_EXTS",
    "LakhRecord",
    "MaestroRecord",
    "NSynthRecord",
    "SkippedFilesWarning",
    "load_lakh",
    "load_lakh_midi",
    "load_maestro",
    "load_maestro_audio",
    "load_nsynth",
    "load_nsynth_arrays",
    "scan_audio_folder",
]

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


# =========================================================================== MAESTRO
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
    folders = [root] + sorted((d for d in root.glob("maestro-v*") if d.is_dir()), reverse=True)
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
    if offset < 0 or (duration is not None and duration <= 0):
        raise ValueError(f"need offset >= 0 and duration > 0, got {offset=} {duration=}.")
    if offset == 0:
        return load_audio(path, sr, duration=duration, allow_silent=allow_silent)
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception:  # missing, empty, corrupt, not audio: load_audio says which
        return load_audio(path, sr, duration=duration, allow_silent=allow_silent)
    _check_wav_header(path)
    start = int(round(offset * info.samplerate))
    if start >= info.frames:
        raise AudioFileError(
            path,
            f"offset {offset} s is past the end of the recording ({info.duration:.2f} s).",
            "use an offset below the record's duration.",
        )
    frames = -1 if duration is None else max(1, int(round(duration * info.samplerate)))
    try:
        y, file_sr = sf.read(str(path), start=start, frames=frames, dtype="float32", always_2d=True)
    except Exception as exc:
        raise AudioFileError(
            path,
            f"not a readable audio file ({type(exc).__name__}: {exc}).",
            "re-download the file.",
        ) from exc
    y = y.mean(axis=1)
    if not np.all(np.isfinite(y)):
        raise AudioFileError(path, "contains NaN or infinite samples.", "re-download the file.")
    if file_sr != sr:
        y = resample(y, file_sr, sr)
    if not allow_silent and float(np.max(np.abs(y), initial=0.0)) < 1e-4:
        raise AudioFileError(
            path,
            f"is silent from {offset} s for {duration} s (peak below -80 dBFS).",
            "pick another offset, or pass allow_silent=True.",
        )
    return y.astype(np.float32, copy=False)


# =========================================================================== Lakh MIDI
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


# =========================================================================== NSynth
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


# =========================================================================== any folder
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
