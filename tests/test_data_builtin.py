"""The built-in datasets: real renders, determinism, manifest, caching, splits, skips."""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from gan_tutorial import config, data
from gan_tutorial.audio import SpecConfig
from gan_tutorial.synth import fluidsynth_available

pytestmark = pytest.mark.skipif(not fluidsynth_available(), reason="FluidSynth library missing")


@pytest.fixture
def quick(nsynth_quick):
    return nsynth_quick


def test_nsynth_lite_has_the_profile_grid(quick):
    p = config.profile("quick")
    grid = len(p.nsynth_programs) * len(p.nsynth_pitches) * len(p.nsynth_velocities)
    m = quick.manifest
    assert m["count"] + m["dropped_silent"] == grid == len(quick) + len(m["dropped"])
    assert quick.audio.shape == (len(quick), 16384)
    assert quick.audio.dtype == np.float32
    assert set(np.unique(quick.pitch)) <= set(p.nsynth_pitches)
    assert len(np.unique(quick.family)) == len(data.FAMILY_NAMES) == 10
    assert len(np.unique(quick.instrument)) == len(p.nsynth_programs) == 20
    assert set(np.unique(quick.velocity)) == set(p.nsynth_velocities)
    assert set(m["counts_by_split"]) == {"train", "valid", "test"}
    assert sum(m["counts_by_split"].values()) == len(quick)


def test_no_clip_is_near_silent_and_velocity_is_audible(quick):
    peaks = np.abs(quick.audio).max(axis=1)
    assert peaks.min() >= 1e-3
    assert peaks.max() <= 0.9 + 1e-6
    loud = peaks[quick.velocity == quick.velocity.max()].mean()
    soft = peaks[quick.velocity == quick.velocity.min()].mean()
    assert loud > 1.3 * soft  # one global gain keeps dynamics


def test_rendered_pitch_matches_the_label(quick):
    """A violin note's strongest partial is its fundamental: check it against the label."""
    strings = quick.subset(quick.program == 40)  # the violin (strings also hold the timpani)
    assert len(strings) > 10
    spec = np.abs(np.fft.rfft(strings.audio * np.hanning(16384), axis=1))
    peak_hz = np.argmax(spec, axis=1) * 16000 / 16384
    midi = 69 + 12 * np.log2(peak_hz / 440.0)
    assert np.mean(np.abs(midi - strings.pitch) < 0.5) > 0.9


def test_the_split_is_a_seeded_draw_over_the_clips(quick):
    """The split is drawn from the seed alone: another seed gives another split of the
    same clips (no second render needed to see it)."""
    from gan_tutorial.data.builtin import _split_labels

    assert np.array_equal(quick.split, _split_labels(len(quick), np.random.default_rng(0)))
    other = _split_labels(len(quick), np.random.default_rng(1))
    assert not np.array_equal(other, quick.split)
    for split in (quick.split, other):
        counts = {s: int((split == s).sum()) for s in ("train", "valid", "test")}
        assert counts == quick.manifest["counts_by_split"]  # same 80/10/10 sizes
    assert set(_split_labels(3, np.random.default_rng(0))) == {"train", "valid", "test"}


def test_the_real_cache_is_reused(nsynth_quick_copy, quick):
    ds = data.nsynth_lite("quick", cache_dir=nsynth_quick_copy, progress=False)
    assert ds.manifest["sha256"] == quick.manifest["sha256"]
    manifest = json.loads(
        (nsynth_quick_copy / ds.manifest["folder"].split("/")[-1] / "manifest.json").read_text()
    )
    assert manifest["sha256"]["audio"] == ds.manifest["sha256"]["audio"]
    assert manifest["build_seconds"] >= 0
    assert manifest["sr"] == 16000


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "drop the manifest"])
def test_a_damaged_cache_is_rebuilt_identically(tmp_path, damage):
    from gan_tutorial.data.builtin import load_or_build

    builds = []

    def build():
        builds.append(1)
        rng = np.random.default_rng(0)  # a seeded build: a rebuild gives the same arrays
        return {"audio": rng.standard_normal((50, 64)).astype(np.float32)}, {"sr": 16000}

    folder = tmp_path / "set"
    first, _ = load_or_build(folder, build)
    again, _ = load_or_build(folder, build)
    assert np.array_equal(again["audio"], first["audio"])
    assert len(builds) == 1  # the second call read the cache
    raw = bytearray((folder / "arrays.npz").read_bytes())
    if damage == "flip a byte":
        raw[len(raw) // 2] ^= 0xFF
        (folder / "arrays.npz").write_bytes(bytes(raw))
    elif damage == "truncate":
        (folder / "arrays.npz").write_bytes(bytes(raw[: len(raw) // 2]))
    else:
        (folder / "manifest.json").unlink()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rebuilt, manifest = load_or_build(folder, build)
    assert len(builds) == 2
    if damage != "drop the manifest":  # a missing file is simply built, without a warning
        assert any("rebuilding" in str(w.message) for w in caught)
    assert np.array_equal(rebuilt["audio"], first["audio"])
    assert manifest["folder"] == str(folder)


def test_subset_and_spectrogram_arrays(quick):
    train = quick.subset("train")
    assert set(train.split) == {"train"}
    assert len(train) == quick.manifest["counts_by_split"]["train"]
    with pytest.raises(ValueError, match="unknown split"):
        quick.subset("training")
    cfg = SpecConfig.for_size(64)
    x, norm = data.spectrogram_arrays(train.audio[:40], cfg)
    assert x.shape == (40, 64, 64)
    assert x.min() >= -1
    assert x.max() <= 1
    y, _ = data.spectrogram_arrays(quick.subset("test").audio[:5], cfg, norm)
    assert y.shape == (5, 64, 64)


def test_chorales_render_with_rolls_and_skip_the_unparsable(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ch = data.chorales(
            "quick",
            cache_dir=tmp_path,
            names=["bach/bwv277", "bach/bwv269", "bach/bwv347"],
            progress=False,
        )
    assert "bach/bwv277" in ch.manifest["skipped"]
    assert any("bwv277" in str(w.message) for w in caught)
    assert set(ch.bwv) == {"bwv269", "bwv347"}
    assert set(ch.program) == {0, 19}
    n = int(config.profile("quick").clip_seconds * 16000)
    assert ch.audio.shape[1] == n
    assert ch.roll.shape[1:] == (
        64,
        int(config.profile("quick").clip_seconds * 16),
    )
    assert ch.roll.any(axis=(1, 2)).mean() > 0.9  # clips have notes
    assert all(k.endswith(("major", "minor")) for k in ch.key)
    # splits are by chorale: a chorale's clips all share one split
    for bwv in set(ch.bwv):
        assert len(set(ch.split[ch.bwv == bwv])) == 1


def test_every_clip_is_labelled_with_its_instrument(quick):
    """instrument, program and family agree with each other and with the profile's list."""
    import pretty_midi

    programs = config.profile("quick").nsynth_programs
    assert quick.instrument_names == tuple(
        pretty_midi.program_to_instrument_name(p) for p in programs
    )
    np.testing.assert_array_equal(np.asarray(programs)[quick.instrument], quick.program)
    np.testing.assert_array_equal([data.family_of(p) for p in quick.program], quick.family)
    np.testing.assert_array_equal(quick.instrument_programs, programs)
    for f, name in enumerate(data.FAMILY_NAMES):  # two instruments per family, the first
        progs = set(quick.program[quick.family == f])  # the one data version 1 had
        assert len(progs) == 2
        assert config.DEFAULT_FAMILY_PROGRAM[name] in progs
    train = quick.subset("train")  # subsets keep the labels and their names
    assert train.instrument_names == quick.instrument_names
    assert len(train.instrument) == len(train)


def test_instruments_in_a_family_sound_different(quick):
    """Two instruments of one family at the same pitch and velocity are different audio."""
    for f in range(len(data.FAMILY_NAMES)):
        a, b = sorted(set(quick.instrument[quick.family == f]))
        same = (quick.pitch == 60) & (quick.velocity == 110)
        ya = quick.audio[same & (quick.instrument == a)]
        yb = quick.audio[same & (quick.instrument == b)]
        if len(ya) and len(yb):
            assert abs(np.corrcoef(ya[0], yb[0])[0, 1]) < 0.9


def test_family_programs_follow_the_measured_table():
    for name, progs in config.FAMILY_PROGRAMS.items():
        assert progs[0] == config.DEFAULT_FAMILY_PROGRAM[name]
        assert len(set(progs)) == len(progs) >= 4
        assert {data.family_of(p) for p in progs} == {data.FAMILY_NAMES.index(name)}
    for prof, k in (("quick", 2), ("laptop", 4)):
        assert config.profile(prof).nsynth_programs == config.family_programs(k)
        assert len(config.family_programs(k)) == 10 * k
    assert set(config.profile("gpu").nsynth_programs) == {
        p for progs in config.FAMILY_PROGRAMS.values() for p in progs
    }
    with pytest.raises(ValueError, match="none of the families"):
        data.family_of(50)  # GM's ensemble block is not one of the families


def test_instrument_split_holds_out_one_instrument_per_large_family():
    from gan_tutorial.data.notes import instrument_split

    # family 0: instruments 0..3 (0 is the default); family 1: 4, 5 (too few to hold out)
    instrument = np.repeat(np.arange(6), 10)
    family = np.where(instrument < 4, 0, 1)
    split = instrument_split(family, instrument, first={0, 4}, seed=0)
    held = set(instrument[split != "train"])
    assert len(held) == 1
    assert held <= {1, 2, 3}  # never the default instrument
    (h,) = held
    assert set(split[instrument == h]) == {"valid", "test"}  # all of it, none in train
    assert (split[instrument != h] == "train").all()  # family 1 stays in train
    np.testing.assert_array_equal(split, instrument_split(family, instrument, {0, 4}, seed=0))
    seeds = {
        int(instrument[instrument_split(family, instrument, {0, 4}, seed=s) != "train"][0])
        for s in range(10)
    }
    assert len(seeds) > 1  # the seed chooses which instrument


def test_instrument_split_end_to_end(tmp_path):
    import dataclasses

    tiny = dataclasses.replace(
        config.profile("quick"),
        nsynth_programs=(0, 5, 4, 33, 39),  # keyboard: 3 instruments, bass: 2
        nsynth_pitches=(60, 64),
        nsynth_velocities=(80, 110),
    )
    notes = data.nsynth_lite(tiny, cache_dir=tmp_path, progress=False)
    assert notes.manifest["split"] == "note"
    by_inst = data.nsynth_lite(tiny, cache_dir=tmp_path, split="instrument", progress=False)
    np.testing.assert_array_equal(by_inst.audio, notes.audio)  # the same cached renders
    held = by_inst.manifest["held_out_instruments"]
    assert len(held) == 1
    assert held[0] in ("Electric Piano 1", "Electric Piano 2")
    train = by_inst.subset("train")
    seen = {train.instrument_names[i] for i in train.instrument}
    assert held[0] not in seen
    counts = by_inst.manifest["counts_by_split"]
    assert counts["valid"] + counts["test"] == 4
    with pytest.raises(ValueError, match="Fix: use one of"):
        data.nsynth_lite(tiny, cache_dir=tmp_path, split="program", progress=False)


def test_instrument_split_needs_three_instruments(quick, nsynth_quick_copy):
    with pytest.raises(ValueError, match="'laptop' or 'gpu'"):
        data.nsynth_lite("quick", cache_dir=nsynth_quick_copy, split="instrument", progress=False)


def _build_in_another_process(folder: str, log: str) -> None:
    from gan_tutorial.data.cache import load_or_build

    def build():
        with open(log, "a") as fh:
            fh.write("built\n")
        time.sleep(0.5)  # long enough for the other process to find the cache missing
        return {"x": np.arange(10, dtype=np.float32)}, {"sr": 16000}

    load_or_build(Path(folder), build)


@pytest.mark.skipif(sys.platform == "win32", reason="the build lock is POSIX flock")
def test_processes_that_need_the_same_dataset_build_it_once(tmp_path):
    """The test streams of `make test` and two notebooks may ask for a missing set at once."""
    ctx = multiprocessing.get_context("fork")
    log = tmp_path / "builds.log"
    procs = [ctx.Process(target=_build_in_another_process, args=(str(tmp_path / "set"), str(log)))
             for _ in range(2)]  # fmt: skip
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0, 0]
    assert log.read_text().count("built") == 1


def test_data_readme_states_each_profiles_grid():
    """data/README.md says how many programs, pitches and velocities `quick` and `laptop`
    render; a change of a profile's grid must change that sentence too."""
    import re

    text = (Path(__file__).resolve().parents[1] / "data" / "README.md").read_text()
    said = re.search(
        r"`quick` renders (\d+) programs x (\d+) pitches x (\d+) velocities, and "
        r"`laptop` renders (\d+) x (\d+) x (\d+)",
        text.replace("\n", " "),
    )
    assert said, "data/README.md no longer states the profiles' grids"
    for k, name in enumerate(("quick", "laptop")):
        p = config.profile(name)
        grid = (len(p.nsynth_programs), len(p.nsynth_pitches), len(p.nsynth_velocities))
        assert tuple(int(g) for g in said.groups()[3 * k : 3 * k + 3]) == grid, name
