"""The course's built-in datasets, rendered offline from real music on first use.

* :func:`nsynth_lite` - single General MIDI notes (NSynth-style, 16384 samples at 16 kHz)
  labelled with pitch, instrument family and velocity;
* :func:`chorales` - the Bach chorales of music21's corpus rendered to audio clips,
  with their piano rolls.

Both are built deterministically from a seed into ``data/cache/`` (or
``$GAN_TUTORIAL_DATA``) with a manifest: counts, sample rate, sha256 of every array,
build time. Arrays are saved and loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import N_SAMPLES, SR
from ..config import Profile
from ..config import profile as active_profile
from ..io import atomic_write_bytes, npz_bytes, peak_normalize

__all__ = [
    "CHORALE_PROGRAMS",
    "DATA_VERSION",
    "FAMILY_NAMES",
    "GM_FAMILIES",
    "ROLL_LOW",
    "ROLL_PITCHES",
    "SPLITS",
    "Chorales",
    "NSynthLite",
    "cache_root",
    "chorale_names",
    "chorales",
    "chosen_chorales",
    "load_or_build",
    "nsynth_lite",
    "score_to_midi",
]

DATA_VERSION = 1
SPLITS = ("train", "valid", "test")

# General MIDI programs (0-based) standing for NSynth's instrument families.
GM_FAMILIES: dict[int, str] = {
    0: "keyboard",  # Acoustic Grand Piano
    11: "mallet",  # Vibraphone
    19: "organ",  # Church Organ
    24: "guitar",  # Acoustic Guitar (nylon)
    33: "bass",  # Electric Bass (finger)
    40: "string",  # Violin
    56: "brass",  # Trumpet
    65: "reed",  # Alto Sax
    73: "flute",  # Flute
    80: "synth_lead",  # Lead 1 (square)
}
FAMILY_NAMES: tuple[str, ...] = tuple(GM_FAMILIES.values())


def cache_root() -> Path:
    """Where built datasets live: ``$GAN_TUTORIAL_DATA`` or ``<repo>/data/cache``."""
    env = os.environ.get("GAN_TUTORIAL_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data" / "cache"


def _sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def _key(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]


def _save(folder: Path, arrays: dict[str, np.ndarray], manifest: dict) -> None:
    atomic_write_bytes(folder / "arrays.npz", npz_bytes(**arrays))
    manifest["sha256"] = {k: _sha256(v) for k, v in arrays.items()}
    atomic_write_bytes(folder / "manifest.json", json.dumps(manifest, indent=2).encode())


def _load(folder: Path) -> tuple[dict[str, Any], dict] | None:
    arrays_path, manifest_path = folder / "arrays.npz", folder / "manifest.json"
    if not (arrays_path.exists() and manifest_path.exists()):
        return None
    try:
        manifest = json.loads(manifest_path.read_text())
        with np.load(arrays_path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as exc:  # OSError, ValueError, zipfile.BadZipFile, ...
        warnings.warn(f"{folder}: cached dataset unreadable ({exc}); rebuilding it.", stacklevel=3)
        return None
    bad = [k for k, v in arrays.items() if manifest.get("sha256", {}).get(k) != _sha256(v)]
    if bad:
        warnings.warn(f"{folder}: checksum mismatch for {bad}; rebuilding it.", stacklevel=3)
        return None
    return arrays, manifest


def load_or_build(
    folder: Path,
    build: Callable[[], tuple[dict[str, np.ndarray], dict]],
    *,
    rebuild: bool = False,
) -> tuple[dict[str, Any], dict]:
    """``(arrays, manifest)`` from the cache ``folder``, or from ``build()`` (then saved
    atomically and read back, so a fresh build and a cache hit return the same thing).
    A damaged cache is rebuilt with a warning. ``manifest["folder"]`` names the folder."""
    cached = None if rebuild else _load(folder)
    if cached is None:
        arrays, manifest = build()
        _save(folder, arrays, manifest)
        cached = _load(folder)
        assert cached is not None
    arrays, manifest = cached
    manifest["folder"] = str(folder)
    return arrays, manifest


def _split_labels(n: int, rng: np.random.Generator, fractions=(0.8, 0.1, 0.1)) -> np.ndarray:
    order = rng.permutation(n)
    n_valid = round(fractions[1] * n)
    n_test = n - round(fractions[0] * n) - n_valid
    if n >= 3:  # every split gets at least one item
        n_valid, n_test = max(n_valid, 1), max(n_test, 1)
    n_train = n - n_valid - n_test
    split = np.empty(n, dtype="<U5")
    split[order[:n_train]] = "train"
    split[order[n_train : n_train + n_valid]] = "valid"
    split[order[n_train + n_valid :]] = "test"
    return split


class _ArrayDataset:
    """Shared behaviour: subsetting by split or mask, length, manifest access."""

    manifest: dict
    split: np.ndarray

    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)  # type: ignore[arg-type]  # subclasses are dataclasses
            if isinstance(getattr(self, f.name), np.ndarray)
        }

    def __len__(self) -> int:
        return len(self.split)

    def subset(self, split_or_mask: str | np.ndarray):
        """A copy restricted to one split (``"train"``, ``"valid"``, ``"test"``) or a mask."""
        if isinstance(split_or_mask, str):
            if split_or_mask not in SPLITS:
                raise ValueError(f"unknown split {split_or_mask!r}. Fix: use one of {SPLITS}.")
            mask = self.split == split_or_mask
        else:
            mask = np.asarray(split_or_mask)
        kw = {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]
        for k, v in self._arrays().items():
            kw[k] = v[mask]
        return type(self)(**kw)


@dataclass
class NSynthLite(_ArrayDataset):
    """Single notes. ``audio``: (N, 16384) float32 at ``sr`` Hz; labels are (N,) int arrays."""

    audio: np.ndarray
    pitch: np.ndarray  # MIDI note number
    family: np.ndarray  # index into family_names
    program: np.ndarray  # General MIDI program, 0-based
    velocity: np.ndarray  # MIDI velocity 1..127
    split: np.ndarray  # "train" / "valid" / "test"
    sr: int = SR
    family_names: tuple[str, ...] = FAMILY_NAMES
    manifest: dict = field(default_factory=dict)

    @property
    def pitches(self) -> np.ndarray:
        """The distinct MIDI pitches present, sorted."""
        return np.unique(self.pitch)


def nsynth_lite(
    prof: Profile | str | None = None,
    *,
    seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
    rebuild: bool = False,
    silence_peak: float = 1e-3,
    progress: bool = True,
) -> NSynthLite:
    """Build (first call) or load the NSynth-style note dataset for a profile.

    Programs x pitches x velocities come from the profile; each note is held 0.75 s
    and released, 16384 samples at 16 kHz. Renders whose peak is below
    ``silence_peak`` are dropped and counted in the manifest (``dropped_silent``).
    One global gain scales the loudest note to 0.9, so velocity stays audible.
    """
    prof = prof if isinstance(prof, Profile) else active_profile(prof)
    params: dict[str, Any] = {
        "name": "nsynth_lite",
        "version": DATA_VERSION,
        "seed": seed,
        "sr": SR,
        "n_samples": N_SAMPLES,
        "programs": list(prof.nsynth_programs),
        "pitches": list(prof.nsynth_pitches),
        "velocities": list(prof.nsynth_velocities),
        "silence_peak": silence_peak,
    }
    arrays, manifest = load_or_build(
        Path(cache_dir or cache_root()) / f"nsynth_lite-{_key(params)}",
        lambda: _build_nsynth(params, progress),
        rebuild=rebuild,
    )
    return NSynthLite(**arrays, manifest=manifest)


def _build_nsynth(params: dict, progress: bool) -> tuple[dict[str, Any], dict]:
    from tqdm.auto import tqdm

    from ..synth import NoteRenderer

    t0 = time.time()
    combos = [
        (prog, pitch, vel)
        for prog in params["programs"]
        for pitch in params["pitches"]
        for vel in params["velocities"]
    ]
    clips, kept, dropped = [], [], []
    with NoteRenderer(sr=params["sr"]) as r:
        for prog, pitch, vel in tqdm(combos, desc="rendering nsynth_lite", disable=not progress):
            y = r.note(prog, pitch, vel, n_samples=params["n_samples"])
            if np.max(np.abs(y)) < params["silence_peak"] * 0.25:  # before the global gain
                dropped.append(f"program {prog} pitch {pitch} velocity {vel}")
                continue
            clips.append(y)
            kept.append((prog, pitch, vel))
    audio = np.stack(clips)
    audio = peak_normalize(audio, 0.9, axis=None)  # one gain for the whole set
    # the gain changed levels: drop what is still near-silent after it
    loud = np.max(np.abs(audio), axis=1) >= params["silence_peak"]
    dropped += [
        f"program {p} pitch {q} velocity {v}"
        for (p, q, v), ok in zip(kept, loud, strict=True)
        if not ok
    ]
    audio = audio[loud].astype(np.float32)
    lab = np.array([k for k, ok in zip(kept, loud, strict=True) if ok], dtype=np.int64)
    family_index = {p: i for i, p in enumerate(GM_FAMILIES)}
    rng = np.random.default_rng(params["seed"])
    arrays = {
        "audio": audio,
        "pitch": lab[:, 1],
        "family": np.array([family_index[p] for p in lab[:, 0]], dtype=np.int64),
        "program": lab[:, 0],
        "velocity": lab[:, 2],
        "split": _split_labels(len(audio), rng),
    }
    manifest = {
        **params,
        "count": len(audio),
        "counts_by_split": {s: int((arrays["split"] == s).sum()) for s in SPLITS},
        "dropped_silent": len(dropped),
        "dropped": dropped,
        "build_seconds": round(time.time() - t0, 2),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "bytes": int(sum(a.nbytes for a in arrays.values())),
    }
    return arrays, manifest


# --------------------------------------------------------------------------- chorales
@dataclass
class Chorales(_ArrayDataset):
    """Bach chorale clips. ``audio``: (N, clip_seconds*sr) float32; ``roll``: (N, 64, steps)
    piano rolls (pitches ``ROLL_LOW``..``ROLL_LOW+63``, ``roll_fs`` steps per second, 0/1)."""

    audio: np.ndarray
    roll: np.ndarray
    bwv: np.ndarray  # e.g. "bwv26.6"
    key: np.ndarray  # e.g. "b minor"
    program: np.ndarray  # General MIDI program the clip was rendered with
    start: np.ndarray  # clip start in seconds within the chorale
    split: np.ndarray
    sr: int = SR
    roll_fs: int = 16
    manifest: dict = field(default_factory=dict)


ROLL_LOW = 36
ROLL_PITCHES = 64
CHORALE_PROGRAMS = {0: "piano", 19: "organ"}


def chorale_names() -> list[str]:
    """The 371 Riemenschneider chorales in music21's corpus, as corpus names."""
    from music21 import corpus

    return list(corpus.chorales.Iterator(returnType="filename"))


def chosen_chorales(names: list[str] | None, limit: int, rng: np.random.Generator) -> list[str]:
    """``names`` if given, else ``limit`` chorale names drawn with ``rng`` (no repeats)."""
    if names is not None:
        return list(names)
    every = chorale_names()
    return [every[i] for i in rng.permutation(len(every))][:limit]


def chorales(
    prof: Profile | str | None = None,
    *,
    seed: int = 0,
    cache_dir: str | os.PathLike | None = None,
    rebuild: bool = False,
    programs: tuple[int, ...] = tuple(CHORALE_PROGRAMS),
    names: list[str] | None = None,
    progress: bool = True,
) -> Chorales:
    """Build (first call) or load rendered Bach chorale clips for a profile.

    The first ``prof.chorales_limit`` chorales (in a seeded shuffle) are parsed with
    music21, rendered with FluidSynth once per program in ``programs`` and cut into
    non-overlapping clips of ``prof.clip_seconds``. Splits are by chorale, so no
    chorale is in two splits. Chorales that fail to parse are skipped and listed in
    the manifest (``skipped``) and in one warning. ``names`` (corpus names such as
    ``"bach/bwv269"``) picks chorales explicitly instead.
    """
    prof = prof if isinstance(prof, Profile) else active_profile(prof)
    params: dict[str, Any] = {
        "name": "chorales",
        "version": DATA_VERSION,
        "seed": seed,
        "sr": SR,
        "limit": prof.chorales_limit,
        "clip_seconds": prof.clip_seconds,
        "programs": list(programs),
        "roll_fs": 16,
        "names": names,
    }
    arrays, manifest = load_or_build(
        Path(cache_dir or cache_root()) / f"chorales-{_key(params)}",
        lambda: _build_chorales(params, progress),
        rebuild=rebuild,
    )
    if manifest.get("skipped"):
        warnings.warn(
            "skipped chorales that failed to parse: "
            + "; ".join(f"{k} ({v})" for k, v in manifest["skipped"].items()),
            stacklevel=2,
        )
    return Chorales(**arrays, roll_fs=params["roll_fs"], manifest=manifest)


def score_to_midi(score):
    """A music21 score as ``pretty_midi.PrettyMIDI`` (via an in-memory MIDI file)."""
    import io

    import pretty_midi
    from music21 import midi as m21midi

    mf = m21midi.translate.music21ObjectToMidiFile(score)
    return pretty_midi.PrettyMIDI(io.BytesIO(mf.writestr()))


def _build_chorales(params: dict, progress: bool) -> tuple[dict[str, Any], dict]:
    from music21 import corpus
    from tqdm.auto import tqdm

    from ..synth import render_midi

    t0 = time.time()
    rng = np.random.default_rng(params["seed"])
    names = chosen_chorales(params["names"], params["limit"], rng)
    sr, clip_n = params["sr"], int(params["clip_seconds"] * params["sr"])
    steps = int(params["clip_seconds"] * params["roll_fs"])
    out: dict[str, list] = {
        k: [] for k in ("audio", "roll", "bwv", "key", "program", "start", "split")
    }
    split_of = dict(zip(names, _split_labels(len(names), rng), strict=True))
    skipped: dict[str, str] = {}
    for name in tqdm(names, desc="rendering chorales", disable=not progress):
        try:
            score = corpus.parse(name)
            key = str(score.analyze("key"))
            pm = score_to_midi(score)
        except Exception as exc:  # music21 raises many types on bad scores
            skipped[name] = f"{type(exc).__name__}: {exc}"[:200]
            continue
        roll_full = pm.get_piano_roll(fs=params["roll_fs"])[ROLL_LOW : ROLL_LOW + ROLL_PITCHES] > 0
        for prog in params["programs"]:
            for inst in pm.instruments:
                inst.program = prog
                inst.is_drum = False
            y = render_midi(pm, sr)
            for k in range(len(y) // clip_n):
                out["audio"].append(y[k * clip_n : (k + 1) * clip_n])
                roll = np.zeros((ROLL_PITCHES, steps), dtype=np.uint8)
                seg = roll_full[:, k * steps : (k + 1) * steps]
                roll[:, : seg.shape[1]] = seg
                out["roll"].append(roll)
                out["bwv"].append(name.split("/")[-1])
                out["key"].append(key)
                out["program"].append(prog)
                out["start"].append(k * params["clip_seconds"])
                out["split"].append(split_of[name])
    if not out["audio"]:
        raise RuntimeError(f"no chorale could be rendered; failures: {skipped}")
    audio = np.stack(out["audio"]).astype(np.float32)
    # drop near-silent clips (rests at the end of a chorale)
    loud = np.max(np.abs(audio), axis=1) >= 1e-3
    arrays = {
        "audio": audio[loud],
        "roll": np.stack(out["roll"])[loud],
        "bwv": np.array(out["bwv"], dtype="<U16")[loud],
        "key": np.array(out["key"], dtype="<U16")[loud],
        "program": np.array(out["program"], dtype=np.int64)[loud],
        "start": np.array(out["start"], dtype=np.float32)[loud],
        "split": np.array(out["split"], dtype="<U5")[loud],
    }
    manifest = {
        **params,
        "count": int(loud.sum()),
        "chorales": len(names) - len(skipped),
        "counts_by_split": {s: int((arrays["split"] == s).sum()) for s in SPLITS},
        "dropped_silent": int((~loud).sum()),
        "skipped": skipped,
        "build_seconds": round(time.time() - t0, 2),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "bytes": int(sum(a.nbytes for a in arrays.values())),
    }
    return arrays, manifest
