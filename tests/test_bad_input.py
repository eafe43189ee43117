"""Every kind of bad input: each raises a ValueError subclass whose message names the file
and says what is wrong, or - inside a folder scan - is skipped and listed in ONE warning.

No FluidSynth needed: audio is synthesised with numpy, MIDI written with pretty_midi."""

from __future__ import annotations

import csv
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from gan_tutorial.audio import load_audio, save_wav
from gan_tutorial.data import (
    SkippedFilesWarning,
    load_lakh,
    load_lakh_midi,
    load_maestro,
    load_maestro_audio,
    load_nsynth,
    load_nsynth_arrays,
    scan_audio_folder,
)
from gan_tutorial.errors import AudioFileError, DatasetLayoutError, MidiFileError

SR = 16000
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64))


# --------------------------------------------------------------------------- helpers
def sine(freq: float = 440.0, seconds: float = 0.5, sr: int = SR, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def midi_bytes(n_notes: int = 8) -> bytes:
    import pretty_midi

    pm = pretty_midi.PrettyMIDI()
    inst = pretty_midi.Instrument(program=0)
    for i in range(n_notes):
        inst.notes.append(pretty_midi.Note(100, 60 + i, i * 0.5, i * 0.5 + 0.4))
    pm.instruments.append(inst)
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def raises_naming(exc_type, path: Path, *words: str):
    """Context manager: ``exc_type`` whose message contains ``str(path)`` and ``words``."""

    class _Check:
        def __enter__(self):
            self._cm = pytest.raises(exc_type)
            self.info = self._cm.__enter__()
            return self.info

        def __exit__(self, *exc):
            handled = self._cm.__exit__(*exc)
            msg = str(self.info.value)
            assert isinstance(self.info.value, ValueError)
            assert str(path) in msg, msg
            for w in words:
                assert w.lower() in msg.lower(), f"{w!r} not in {msg!r}"
            assert "Fix:" in msg, msg
            return handled

    return _Check()


def one_warning(record) -> str:
    """The text of the single SkippedFilesWarning among the recorded warnings."""
    ours = [w for w in record if issubclass(w.category, SkippedFilesWarning)]
    assert len(ours) == 1, [str(w.message) for w in ours]
    return str(ours[0].message)


# --------------------------------------------------------------------------- load_audio
def test_missing_audio_file(tmp_path):
    p = tmp_path / "nope.wav"
    with raises_naming(AudioFileError, p, "does not exist"):
        load_audio(p)


def test_corrupt_audio_random_bytes(tmp_path):
    p = tmp_path / "noise.wav"
    p.write_bytes(np.random.default_rng(0).bytes(4000))
    with raises_naming(AudioFileError, p, "not a readable audio file"):
        load_audio(p)


def test_empty_audio_file(tmp_path):
    p = tmp_path / "empty.wav"
    p.write_bytes(b"")
    with raises_naming(AudioFileError, p, "empty"):
        load_audio(p)


@pytest.mark.parametrize("keep", [30, 44 + 1000, -1])
def test_truncated_wav(tmp_path, keep):
    p = save_wav(tmp_path / "cut.wav", sine())
    data = p.read_bytes()
    p.write_bytes(data[:keep])
    with raises_naming(AudioFileError, p, "truncated"):
        load_audio(p)


def test_truncated_flac(tmp_path):
    p = tmp_path / "cut.flac"
    sf.write(p, sine(seconds=2.0), SR, format="FLAC")
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with raises_naming(AudioFileError, p, "not a readable audio file"):
        load_audio(p)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.wav", b"These are my notes, not audio.\n" * 20),
        ("picture.flac", PNG_HEADER),
        ("picture.ogg", PNG_HEADER),
        ("fake_riff.wav", b"RIFF\x24\x00\x00\x00WAVEjunk" + b"\x00" * 40),
    ],
)
def test_not_audio_with_audio_extension(tmp_path, name, content):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(AudioFileError) as info:
        load_audio(p)
    msg = str(info.value)
    assert str(p) in msg
    assert "Fix:" in msg
    assert "not a readable audio file" in msg or "truncated" in msg


def test_silent_audio(tmp_path):
    p = save_wav(tmp_path / "silence.wav", np.zeros(SR, np.float32))
    with raises_naming(AudioFileError, p, "silent", "allow_silent=True"):
        load_audio(p)
    y = load_audio(p, allow_silent=True)
    assert y.shape == (SR,)
    assert not y.any()


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_audio(tmp_path, bad):
    y = sine()
    y[100:110] = bad
    p = tmp_path / "nan.wav"
    sf.write(p, y, SR, subtype="FLOAT")
    with raises_naming(AudioFileError, p, "NaN or infinite"):
        load_audio(p)


def test_folder_instead_of_file(tmp_path):
    with raises_naming(AudioFileError, tmp_path, "folder"):
        load_audio(tmp_path)


# --------------------------------------------------------------------------- good but unusual audio
def test_resample_44k_stereo_to_16k_mono(tmp_path):
    sr_in, seconds, freq = 44100, 1.5, 440.0
    t = np.arange(int(sr_in * seconds)) / sr_in
    left = 0.5 * np.sin(2 * np.pi * freq * t)
    stereo = np.stack([left, 0.8 * left], axis=1)  # in phase: the mono mean is 0.45 * sine
    p = tmp_path / "stereo44k.wav"
    sf.write(p, stereo, sr_in, subtype="PCM_16")
    y = load_audio(p, sr=SR)
    assert y.ndim == 1
    assert y.dtype == np.float32
    assert abs(len(y) - int(seconds * SR)) <= 1
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    peak_hz = np.argmax(spec) * SR / len(y)
    assert abs(peak_hz - freq) < 2.0
    assert np.max(np.abs(y[1000:-1000])) == pytest.approx(0.45, abs=0.01)


def test_24bit_flac(tmp_path):
    y = sine(freq=1000.0, amp=0.9)
    p = tmp_path / "hires.flac"
    sf.write(p, y, SR, format="FLAC", subtype="PCM_24")
    assert sf.info(p).subtype == "PCM_24"
    got = load_audio(p)
    np.testing.assert_allclose(got, y, atol=2.0**-22)


# --------------------------------------------------------------------------- MIDI
def test_midi_garbage_bytes(tmp_path):
    p = tmp_path / "garbage.mid"
    p.write_bytes(np.random.default_rng(1).bytes(600))
    with raises_naming(MidiFileError, p, "does not parse"):
        load_lakh_midi(p)


@pytest.mark.parametrize("frac", [0.1, 0.5, 0.97])
def test_midi_truncated(tmp_path, frac):
    data = midi_bytes()
    p = tmp_path / "cut.mid"
    p.write_bytes(data[: int(len(data) * frac)])
    with raises_naming(MidiFileError, p, "truncated"):
        load_lakh_midi(p)


def test_midi_empty_and_missing(tmp_path):
    p = tmp_path / "empty.mid"
    p.write_bytes(b"")
    with raises_naming(MidiFileError, p, "empty"):
        load_lakh_midi(p)
    q = tmp_path / "missing.mid"
    with raises_naming(MidiFileError, q, "does not exist"):
        load_lakh_midi(q)


def test_midi_text_file(tmp_path):
    p = tmp_path / "readme.mid"
    p.write_text("not a MIDI file")
    with raises_naming(MidiFileError, p, "does not parse", "MThd"):
        load_lakh_midi(p)


# --------------------------------------------------------------------------- MAESTRO
MAESTRO_COLUMNS = [
    "canonical_composer",
    "canonical_title",
    "split",
    "year",
    "midi_filename",
    "audio_filename",
    "duration",
]


def _maestro_rows(folder: Path, n: int = 3, write: bool = True) -> list[dict]:
    rows = []
    for i in range(n):
        stem = f"2018/MIDI-Unprocessed_{i:02d}_R1_2018"
        if write:
            save_wav(folder / f"{stem}.wav", sine(220.0 * (i + 1)))
            (folder / f"{stem}.midi").write_bytes(midi_bytes())
        rows.append(
            {
                "canonical_composer": "Alban Berg",
                "canonical_title": f"Piece {i}",
                "split": ("train", "validation", "test")[i % 3],
                "year": 2018,
                "midi_filename": f"{stem}.midi",
                "audio_filename": f"{stem}.wav",
                "duration": 0.5,
            }
        )
    return rows


def _write_meta(folder: Path, rows: list[dict], kind: str) -> Path:
    columns = [c for c in MAESTRO_COLUMNS if any(c in r for r in rows)]
    if kind == "csv":
        p = folder / "maestro-v3.0.0.csv"
        with open(p, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=columns)
            w.writeheader()
            w.writerows(rows)
    elif kind == "json-v2":
        p = folder / "maestro-v2.0.0.json"
        p.write_text(json.dumps(rows))
    else:
        p = folder / "maestro-v3.0.0.json"
        p.write_text(json.dumps({c: {str(i): r[c] for i, r in enumerate(rows)} for c in columns}))
    return p


@pytest.mark.parametrize("kind", ["csv", "json-v2", "json-v3"])
def test_maestro_metadata_lacks_column(tmp_path, kind):
    rows = _maestro_rows(tmp_path)
    for r in rows:
        del r["duration"], r["audio_filename"]
    meta = _write_meta(tmp_path, rows, kind)
    with raises_naming(DatasetLayoutError, meta, "duration", "audio_filename", "column"):
        load_maestro(tmp_path)


def test_maestro_metadata_missing(tmp_path):
    (tmp_path / "2018").mkdir()
    with raises_naming(
        DatasetLayoutError, tmp_path.resolve(), "maestro-v3.0.0.csv", "maestro-v2.0.0.json", "wget"
    ):
        load_maestro(tmp_path)


def test_maestro_root_missing(tmp_path):
    p = tmp_path / "maestro-v3.0.0"
    with raises_naming(DatasetLayoutError, p.resolve(), "does not exist"):
        load_maestro(p)


def test_maestro_metadata_not_json(tmp_path):
    p = tmp_path / "maestro-v3.0.0.json"
    p.write_text('{"canonical_composer": {"0": "Berg"')
    with raises_naming(DatasetLayoutError, p.resolve(), "JSON"):
        load_maestro(tmp_path)


def test_maestro_metadata_names_missing_files(tmp_path):
    rows = _maestro_rows(tmp_path, n=4)
    gone_audio = (tmp_path / rows[1]["audio_filename"]).resolve()
    gone_midi = (tmp_path / rows[2]["midi_filename"]).resolve()
    gone_audio.unlink()
    gone_midi.unlink()
    _write_meta(tmp_path, rows, "csv")
    with pytest.warns(SkippedFilesWarning) as record:
        recs = load_maestro(tmp_path)
    msg = one_warning(record)
    assert str(gone_audio) in msg
    assert str(gone_midi) in msg
    assert "audio file listed in the metadata is missing" in msg
    assert "MIDI file listed in the metadata is missing" in msg
    assert "2 of 4" in msg
    assert [r.title for r in recs] == ["Piece 0", "Piece 3"]
    # the MIDI-only download: audio is not required
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        recs = load_maestro(tmp_path, need_audio=False)
    assert str(gone_audio) not in one_warning(record)
    assert len(recs) == 3


def test_maestro_all_files_missing(tmp_path):
    rows = _maestro_rows(tmp_path, n=3, write=False)
    meta = _write_meta(tmp_path, rows, "json-v3")
    with raises_naming(
        DatasetLayoutError,
        meta.resolve(),
        "none of the files",
        rows[0]["audio_filename"].split("/")[-1],
    ):
        load_maestro(tmp_path)


def test_maestro_audio_bad_offset_and_corrupt(tmp_path):
    rows = _maestro_rows(tmp_path, n=1)
    _write_meta(tmp_path, rows, "csv")
    rec = load_maestro(tmp_path)[0]
    with raises_naming(AudioFileError, rec.audio_path, "past the end"):
        load_maestro_audio(rec, offset=10.0)
    rec.audio_path.write_bytes(b"garbage" * 100)
    with raises_naming(AudioFileError, rec.audio_path, "not a readable audio file"):
        load_maestro_audio(rec, offset=0.1)


# --------------------------------------------------------------------------- folder scans
def test_scan_audio_folder_warns_once(tmp_path):
    good = [save_wav(tmp_path / "a.wav", sine()), tmp_path / "sub" / "b.flac"]
    good[1].parent.mkdir()
    sf.write(good[1], sine(330.0), 44100, format="FLAC", subtype="PCM_24")
    bad = {
        tmp_path / "empty.wav": "empty",
        tmp_path / "noise.wav": "not a readable audio file",
        tmp_path / "sub" / "text.ogg": "not a readable audio file",
        tmp_path / "silent.wav": "silent",
        tmp_path / "cut.wav": "truncated",
    }
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "noise.wav").write_bytes(np.random.default_rng(2).bytes(3000))
    (tmp_path / "sub" / "text.ogg").write_text("hello")
    save_wav(tmp_path / "silent.wav", np.zeros(4000, np.float32))
    data = save_wav(tmp_path / "cut.wav", sine()).read_bytes()
    (tmp_path / "cut.wav").write_bytes(data[: len(data) // 2])
    (tmp_path / "notes.txt").write_text("ignored: not an audio extension")
    with pytest.warns(SkippedFilesWarning) as record:
        ok, skipped = scan_audio_folder(tmp_path)
    msg = one_warning(record)
    assert ok == sorted(good)
    assert set(skipped) == set(bad)
    for p, why in bad.items():
        assert str(p) in msg
        assert why in skipped[p]
        assert why in msg
    assert "5 of 7" in msg


def test_scan_audio_folder_clean_and_missing(tmp_path):
    save_wav(tmp_path / "a.wav", sine())
    with warnings.catch_warnings():
        warnings.simplefilter("error", SkippedFilesWarning)
        ok, skipped = scan_audio_folder(tmp_path)
    assert ok == [tmp_path / "a.wav"]
    assert skipped == {}
    with raises_naming(DatasetLayoutError, tmp_path / "nope", "does not exist"):
        scan_audio_folder(tmp_path / "nope")


def test_lakh_validate_skips_bad_files_with_one_warning(tmp_path):
    import hashlib

    full = tmp_path / "lmd_full"
    good = midi_bytes()
    md5 = hashlib.md5(good).hexdigest()
    (full / md5[0]).mkdir(parents=True)
    (full / md5[0] / f"{md5}.mid").write_bytes(good)
    bad = {
        full / "0" / "0123456789abcdef0123456789abcdef.mid": np.random.default_rng(3).bytes(200),
        full / "f" / "fedcba9876543210fedcba9876543210.mid": good[: len(good) // 2],
        full / "a" / "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.mid": b"",
    }
    for p, data in bad.items():
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(data)
    assert len(load_lakh(full)) == 4  # no parsing without validate
    with pytest.warns(SkippedFilesWarning) as record:
        recs = load_lakh(tmp_path, validate=True)
    msg = one_warning(record)
    assert [r.md5 for r in recs] == [md5]
    for p in bad:
        assert str(p.resolve()) in msg
    assert "truncated" in msg
    assert "empty" in msg
    assert "does not parse" in msg
    # check_md5 catches a file whose name is not its md5
    with pytest.warns(SkippedFilesWarning) as record:
        load_lakh(tmp_path, check_md5=True)
    assert "md5" in one_warning(record)


def test_lakh_not_a_lakh_folder(tmp_path):
    with raises_naming(DatasetLayoutError, tmp_path.resolve(), "lmd_full", "wget"):
        load_lakh(tmp_path)
    (tmp_path / "lmd_full" / "0").mkdir(parents=True)
    with raises_naming(DatasetLayoutError, tmp_path.resolve(), "no MIDI files"):
        load_lakh(tmp_path / "lmd_full")


def _nsynth_example(note_str: str, pitch: int) -> dict:
    return {
        "note": 1,
        "note_str": note_str,
        "instrument": 3,
        "instrument_str": note_str[:-8],
        "pitch": pitch,
        "velocity": 100,
        "sample_rate": 16000,
        "qualities": [0] * 10,
        "qualities_str": [],
        "instrument_family": 4,
        "instrument_family_str": "keyboard",
        "instrument_source": 0,
        "instrument_source_str": "acoustic",
    }


def test_nsynth_missing_examples_json(tmp_path):
    folder = tmp_path / "nsynth-test"
    (folder / "audio").mkdir(parents=True)
    with raises_naming(
        DatasetLayoutError,
        folder.resolve() / "examples.json",
        "does not exist",
        "nsynth-test.jsonwav.tar.gz",
    ):
        load_nsynth(folder)


def test_nsynth_entries_lack_keys(tmp_path):
    ex = _nsynth_example("keyboard_acoustic_003-060-100", 60)
    del ex["pitch"]
    (tmp_path / "examples.json").write_text(json.dumps({ex["note_str"]: ex}))
    with raises_naming(
        DatasetLayoutError,
        tmp_path.resolve() / "examples.json",
        "'pitch'",
        "keyboard_acoustic_003-060-100",
    ):
        load_nsynth(tmp_path)


def test_nsynth_missing_and_unreadable_wavs(tmp_path):
    names = [f"keyboard_acoustic_003-{p:03d}-100" for p in (60, 62, 64, 65, 67)]
    (tmp_path / "examples.json").write_text(
        json.dumps({n: _nsynth_example(n, 60 + i) for i, n in enumerate(names)})
    )
    audio = tmp_path / "audio"
    for i, n in enumerate(names[:4]):
        save_wav(audio / f"{n}.wav", sine(261.6 * 2 ** (i / 12), seconds=1.0))
    (audio / f"{names[2]}.wav").write_bytes(b"not a wav")
    save_wav(audio / f"{names[3]}.wav", np.zeros(SR, np.float32))
    with pytest.warns(SkippedFilesWarning) as record:
        recs = load_nsynth(tmp_path)
    msg = one_warning(record)
    assert str(audio / f"{names[4]}.wav") in msg
    assert "missing" in msg
    assert len(recs) == 4
    with pytest.warns(SkippedFilesWarning) as record:
        x, pitch = load_nsynth_arrays(recs)
    msg = one_warning(record)
    assert x.shape == (2, 16384)
    assert list(pitch) == [60, 61]
    assert str(audio / f"{names[2]}.wav") in msg
    assert "not a readable audio file" in msg
    assert str(audio / f"{names[3]}.wav") in msg
    assert "silent" in msg
    for n in names[:2]:
        assert n not in msg
    # nothing readable at all: an error, not an empty array
    with raises_naming(DatasetLayoutError, audio, "none of the 2"):
        load_nsynth_arrays(recs[2:])
