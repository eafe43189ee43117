"""The real-dataset loaders on tiny trees built in the exact MAESTRO, Lakh and NSynth
layouts from the course's rendered notes (FluidSynth) and real chorale MIDI (music21)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from gan_tutorial.audio import save_wav
from gan_tutorial.data import (
    LakhRecord,
    MaestroRecord,
    NSynthRecord,
    SkippedFilesWarning,
    load_lakh,
    load_lakh_midi,
    load_maestro,
    load_maestro_audio,
    load_nsynth,
    load_nsynth_arrays,
    score_to_midi,
)

Q16 = 1.0 / 32768  # 16-bit quantisation step: what save_wav + load_audio may change
NOTE_N = 16384
HOLD = 0.75  # seconds a rendered note is held (NoteRenderer's default)
NOTE_SEC = NOTE_N / 16000

# NSynth's own instrument-family numbering (the rendered set uses the same names).
NSYNTH_FAMILIES = (
    "bass",
    "brass",
    "flute",
    "guitar",
    "keyboard",
    "mallet",
    "organ",
    "reed",
    "string",
    "synth_lead",
    "vocal",
)


# --------------------------------------------------------------------------- helpers
@pytest.fixture(scope="session")
def rendered(nsynth_quick):
    """The 'quick' nsynth_lite notes, rendered once per test session (tests/conftest.py)."""
    return nsynth_quick


def notes_midi(notes: list[tuple[int, int, int]]):
    """A PrettyMIDI with one note per (program, pitch, velocity), 1.024 s apart, held 0.75 s,
    exactly as the rendered clips were played; one instrument per program."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI()
    insts: dict[int, pretty_midi.Instrument] = {}
    for k, (prog, pitch, vel) in enumerate(notes):
        if prog not in insts:
            insts[prog] = pretty_midi.Instrument(program=int(prog))
            pm.instruments.append(insts[prog])
        insts[prog].notes.append(
            pretty_midi.Note(int(vel), int(pitch), k * NOTE_SEC, k * NOTE_SEC + HOLD)
        )
    return pm


def midi_bytes(pm) -> bytes:
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def assert_notes(pm, notes: list[tuple[int, int, int]]) -> None:
    """``pm`` holds exactly ``notes`` (program, pitch, velocity) at the times notes_midi used."""
    got = sorted(
        ((i.program, n) for i in pm.instruments for n in i.notes), key=lambda t: t[1].start
    )
    assert [(prog, n.pitch, n.velocity) for prog, n in got] == notes
    for k, (_, n) in enumerate(got):
        assert n.start == pytest.approx(k * NOTE_SEC, abs=5e-3)
        assert n.end == pytest.approx(k * NOTE_SEC + HOLD, abs=5e-3)


# --------------------------------------------------------------------------- MAESTRO
# (year, split, composer, title, note indices into the rendered set)
MAESTRO_ROWS = [
    (2017, "train", "Johann Sebastian Bach", "Prelude and Fugue in C Major, BWV 846", [0, 4, 8]),
    (2017, "validation", "Ludwig van Beethoven", 'Sonata No. 8 "Pathétique"', [1, 5]),
    (2017, "test", "Frédéric Chopin", "Nocturne Op. 9 No. 2", [2, 6, 10]),
    (2018, "train", "Alban Berg", "Sonata Op. 1", [3, 7]),
    (2018, "train", "Franz Schubert", "Impromptu Op. 90 No. 3", [12, 16]),
    (2018, "test", "Claude Debussy", "Clair de lune", [14, 18, 22]),
]
COLUMNS = [
    "canonical_composer",
    "canonical_title",
    "split",
    "year",
    "midi_filename",
    "audio_filename",
    "duration",
]


def _maestro_tree(folder: Path, rendered, version: str, files: tuple[str, ...]) -> dict:
    """Write a MAESTRO folder; returns {audio_filename: (audio, notes)} of what was written."""
    folder.mkdir(parents=True)
    rows, truth = [], {}
    for n, (year, split, composer, title, idx) in enumerate(MAESTRO_ROWS):
        stem = f"{year}/MIDI-Unprocessed_{n:02d}_R1_{year}_01-03_ORIG_MID--AUDIO_{n:02d}_R1"
        notes = [
            (int(rendered.program[i]), int(rendered.pitch[i]), int(rendered.velocity[i]))
            for i in idx
        ]
        y = np.concatenate([rendered.audio[i] for i in idx])
        save_wav(folder / f"{stem}.wav", y)
        notes_midi(notes).write(str(folder / f"{stem}.midi"))
        rows.append(
            {
                "canonical_composer": composer,
                "canonical_title": title,
                "split": split,
                "year": year,
                "midi_filename": f"{stem}.midi",
                "audio_filename": f"{stem}.wav",
                "duration": len(y) / 16000,
            }
        )
        truth[f"{stem}.wav"] = (y, notes)
    name = f"maestro-v{version}"
    if "csv" in files:
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS)
            w.writeheader()
            w.writerows(rows)
    if "json" in files:
        if version == "2.0.0":  # a list of records
            data: object = rows
        else:  # v3.0.0: column-oriented, {column: {"0": value, ...}}
            data = {c: {str(i): r[c] for i, r in enumerate(rows)} for c in COLUMNS}
        (folder / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return truth


MAESTRO_VARIANTS = {
    "v2-csv+json": ("2.0.0", ("csv", "json")),
    "v3-csv+json": ("3.0.0", ("csv", "json")),
    "v3-json-only": ("3.0.0", ("json",)),
    "v2-json-only": ("2.0.0", ("json",)),
}


@pytest.fixture(scope="session")
def maestro(rendered, tmp_path_factory):
    """{variant: (folder, truth)} for every MAESTRO variant."""
    base = tmp_path_factory.mktemp("maestro")
    out = {}
    for key, (version, files) in MAESTRO_VARIANTS.items():
        folder = base / key / f"maestro-v{version}"
        out[key] = (folder, _maestro_tree(folder, rendered, version, files))
    return out


@pytest.mark.parametrize("variant", list(MAESTRO_VARIANTS))
def test_maestro_records(maestro, variant):
    folder, _ = maestro[variant]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkippedFilesWarning)
        recs = load_maestro(folder)
    assert len(recs) == len(MAESTRO_ROWS)
    assert all(isinstance(r, MaestroRecord) for r in recs)
    assert {r.version for r in recs} == {MAESTRO_VARIANTS[variant][0]}
    for rec, (year, split, composer, title, idx) in zip(recs, MAESTRO_ROWS, strict=True):
        assert rec.audio_path.is_absolute()
        assert rec.audio_path.is_file()
        assert rec.midi_path.is_file()
        assert rec.midi_path.suffix == ".midi"
        assert rec.audio_path.parent == folder.resolve() / str(year)
        assert rec.midi_path.with_suffix(".wav") == rec.audio_path
        assert (rec.split, rec.composer, rec.title, rec.year) == (split, composer, title, year)
        assert rec.duration == pytest.approx(len(idx) * NOTE_SEC)
    assert sorted({r.year for r in recs}) == [2017, 2018]


def test_maestro_splits_and_parent_root(maestro):
    folder, _ = maestro["v3-csv+json"]
    counts = {s: len(load_maestro(folder, split=s)) for s in ("train", "validation", "test")}
    assert counts == {"train": 3, "validation": 1, "test": 2}
    assert load_maestro(folder, "valid") == load_maestro(folder, "validation")
    assert all(r.split == "test" for r in load_maestro(folder, "test"))
    # root may be the folder that contains maestro-v3.0.0/
    assert load_maestro(folder.parent) == load_maestro(folder)
    with pytest.raises(ValueError, match="validation"):
        load_maestro(folder, split="dev")


def test_maestro_prefers_csv(maestro, tmp_path):
    folder, _ = maestro["v3-csv+json"]
    copy = tmp_path / "maestro-v3.0.0"
    shutil.copytree(folder, copy)
    (copy / "maestro-v3.0.0.json").write_text("{ this is not json")
    recs = load_maestro(copy)
    assert [r.title for r in recs] == [row[3] for row in MAESTRO_ROWS]


def test_maestro_audio_and_midi_round_trip(maestro):
    folder, truth = maestro["v2-csv+json"]
    for rec in load_maestro(folder):
        y, notes = truth[str(rec.audio_path.relative_to(folder.resolve()))]
        got = load_maestro_audio(rec)
        assert got.dtype == np.float32
        assert got.shape == y.shape
        np.testing.assert_allclose(got, y, atol=Q16)
        assert len(got) / 16000 == pytest.approx(rec.duration)
        # a crop decodes only the requested span
        part = load_maestro_audio(rec, offset=NOTE_SEC, duration=0.5)
        np.testing.assert_allclose(part, y[NOTE_N : NOTE_N + 8000], atol=Q16)
        assert_notes(load_lakh_midi(rec.midi_path), notes)


def test_maestro_audio_resamples(maestro):
    folder, _ = maestro["v3-csv+json"]
    rec = load_maestro(folder)[0]
    y = load_maestro_audio(rec, sr=8000, offset=1.0, duration=1.0)
    assert y.shape == (8000,)


# --------------------------------------------------------------------------- Lakh MIDI
MSD_IDS = ("TRAAAGR128F425B14B", "TRBCDEF128F4234567")


@pytest.fixture(scope="session")
def lakh(rendered, tmp_path_factory):
    """lmd_full and lmd_matched trees named by the md5 of each file's bytes."""
    from music21 import corpus

    root = tmp_path_factory.mktemp("lakh")
    pieces: dict[str, tuple[bytes, list | None]] = {}
    chorale = midi_bytes(score_to_midi(corpus.parse("bach/bwv269")))
    pieces[hashlib.md5(chorale).hexdigest()] = (chorale, None)
    for idx in ([0, 1, 2], [30, 45, 60, 75], [100, 101]):
        notes = [
            (int(rendered.program[i]), int(rendered.pitch[i]), int(rendered.velocity[i]))
            for i in idx
        ]
        data = midi_bytes(notes_midi(notes))
        pieces[hashlib.md5(data).hexdigest()] = (data, notes)
    md5s = list(pieces)
    for md5 in md5s[:3]:
        p = root / "lmd_full" / md5[0] / f"{md5}.mid"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(pieces[md5][0])
    # lmd_matched: one MIDI may match several MSD tracks; the chorale matches both ids
    matched = [(MSD_IDS[0], md5s[0]), (MSD_IDS[1], md5s[0]), (MSD_IDS[1], md5s[3])]
    for tid, md5 in matched:
        p = root / "lmd_matched" / tid[2] / tid[3] / tid[4] / tid / f"{md5}.mid"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(pieces[md5][0])
    return root, pieces, matched


def test_lakh_full(lakh):
    root, pieces, _ = lakh
    recs = load_lakh(root / "lmd_full")
    assert len(recs) == 3
    assert all(isinstance(r, LakhRecord) for r in recs)
    for r in recs:
        assert r.subset == "full"
        assert r.msd_id is None
        assert r.path.parent.name == r.md5[0]
        assert r.path.name == f"{r.md5}.mid"
        assert hashlib.md5(r.path.read_bytes()).hexdigest() == r.md5
    assert {r.md5 for r in recs} == set(list(pieces)[:3])


def test_lakh_matched(lakh):
    root, _pieces, matched = lakh
    recs = load_lakh(root / "lmd_matched")
    assert sorted((r.msd_id, r.md5) for r in recs) == sorted(matched)
    for r in recs:
        assert r.subset == "matched"
        a, b, c, tid = r.path.parts[-5:-1]
        assert tid == r.msd_id
        assert (a, b, c) == tuple(r.msd_id[2:5])
    assert {r.path.parts[-5:-2] for r in recs} == {("A", "A", "A"), ("B", "C", "D")}


def test_lakh_parent_root_subset_and_checks(lakh):
    root, _, _ = lakh
    both = load_lakh(root)
    assert len(both) == 6
    assert {r.subset for r in both} == {"full", "matched"}
    assert load_lakh(root, subset="matched") == load_lakh(root / "lmd_matched")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkippedFilesWarning)
        assert load_lakh(root, validate=True, check_md5=True) == both


def test_lakh_midi_parses_back(lakh):
    from music21 import corpus

    root, pieces, _ = lakh
    reference = score_to_midi(corpus.parse("bach/bwv269"))
    for rec in load_lakh(root):
        pm = load_lakh_midi(rec)
        _, notes = pieces[rec.md5]
        if notes is None:  # the chorale: four voices, same notes as music21 wrote
            assert len(pm.instruments) == len(reference.instruments) == 4
            for a, b in zip(pm.instruments, reference.instruments, strict=True):
                assert [n.pitch for n in a.notes] == [n.pitch for n in b.notes]
            assert pm.get_end_time() == pytest.approx(reference.get_end_time())
        else:
            assert_notes(pm, notes)


# --------------------------------------------------------------------------- NSynth
NSYNTH_IDX = [0, 3, 7, 40, 41, 80, 120, 160, 200, 240, 280, 300]


def _note_fields(rendered, i: int, note_id: int) -> dict:
    fam = str(rendered.family_names[rendered.family[i]])
    prog, pitch, vel = int(rendered.program[i]), int(rendered.pitch[i]), int(rendered.velocity[i])
    instrument_str = f"{fam}_synthetic_{prog:03d}"
    return {
        "note": note_id,
        "note_str": f"{instrument_str}-{pitch:03d}-{vel:03d}",
        "instrument": prog,
        "instrument_str": instrument_str,
        "pitch": pitch,
        "velocity": vel,
        "sample_rate": 16000,
        "qualities": [0] * 10,
        "qualities_str": [],
        "instrument_family": NSYNTH_FAMILIES.index(fam),
        "instrument_family_str": fam,
        "instrument_source": 2,
        "instrument_source_str": "synthetic",
    }


@pytest.fixture(scope="session")
def nsynth(rendered, tmp_path_factory):
    """nsynth-test/ with examples.json and 4 s WAVs (the rendered note, zero-padded)."""
    folder = tmp_path_factory.mktemp("nsynth") / "nsynth-test"
    examples = {}
    for k, i in enumerate(NSYNTH_IDX):
        ex = _note_fields(rendered, i, note_id=1000 + k)
        examples[ex["note_str"]] = ex
        four_seconds = np.pad(rendered.audio[i], (0, 64000 - NOTE_N))
        save_wav(folder / "audio" / f"{ex['note_str']}.wav", four_seconds)
    (folder / "examples.json").write_text(json.dumps(examples, indent=2))
    return folder, examples


def test_nsynth_records(nsynth, rendered):
    folder, examples = nsynth
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkippedFilesWarning)
        recs = load_nsynth(folder)
    assert len(recs) == len(NSYNTH_IDX)
    assert all(isinstance(r, NSynthRecord) for r in recs)
    assert [r.note_str for r in recs] == sorted(examples)
    for r in recs:
        ex = examples[r.note_str]
        assert r.audio_path == folder / "audio" / f"{r.note_str}.wav"
        assert r.audio_path.is_file()
        assert (r.pitch, r.velocity, r.instrument_family, r.instrument_family_str) == (
            ex["pitch"],
            ex["velocity"],
            ex["instrument_family"],
            ex["instrument_family_str"],
        )
        assert r.instrument_source_str == "synthetic"
        assert r.sample_rate == 16000
        assert r.instrument_str == ex["instrument_str"]
    assert {r.pitch for r in recs} == {int(rendered.pitch[i]) for i in NSYNTH_IDX}
    # the parent of the split folder works too
    assert load_nsynth(folder.parent) == recs
    assert load_nsynth(folder.parent, split="test") == recs


def test_nsynth_filters(nsynth):
    folder, examples = nsynth
    keys = load_nsynth(folder, families={"keyboard"})
    assert keys
    assert {r.instrument_family_str for r in keys} == {"keyboard"}
    assert len(keys) == sum(e["instrument_family_str"] == "keyboard" for e in examples.values())
    low = load_nsynth(folder, pitch_range=(48, 55))
    assert low
    assert all(48 <= r.pitch <= 55 for r in low)
    assert load_nsynth(folder, sources={"synthetic"}) == load_nsynth(folder)


def test_nsynth_arrays_equal_written_audio(nsynth, rendered):
    folder, _ = nsynth
    recs = load_nsynth(folder)
    audio, pitch = load_nsynth_arrays(recs)
    assert audio.shape == (len(recs), NOTE_N)
    assert audio.dtype == np.float32
    by_str = {_note_fields(rendered, i, 0)["note_str"]: i for i in NSYNTH_IDX}
    for row, r in zip(audio, recs, strict=True):
        np.testing.assert_allclose(row, rendered.audio[by_str[r.note_str]], atol=Q16)
    np.testing.assert_array_equal(pitch, [r.pitch for r in recs])
    long, _ = load_nsynth_arrays(recs[:2], n_samples=64000)
    assert long.shape == (2, 64000)
    assert np.all(long[:, NOTE_N:] == 0)
    half, _ = load_nsynth_arrays(recs[:2], n_samples=8000, sr=8000)
    assert half.shape == (2, 8000)
