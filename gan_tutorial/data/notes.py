"""``nsynth_lite``: single General MIDI notes, NSynth-style (16384 samples at 16 kHz).

Several instruments (GM programs) per family, chosen by measurement
(:data:`gan_tutorial.config.FAMILY_PROGRAMS`, ``docs/nsynth_programs.md``): each clip is
labelled with its pitch, family, instrument, program and velocity, so the family names a
group of timbres and something other than the labels (the instrument, the velocity) is
left for a generator's latent to choose, as in NSynth.

Two splits: ``"note"`` (the default: a seeded 80/10/10 draw over the clips, every
instrument in every split) and ``"instrument"`` (NSynth's way: unseen instruments in valid
and test).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import N_SAMPLES, SR
from ..config import DEFAULT_FAMILY_PROGRAM, GM_FAMILY_BLOCKS, Profile
from ..config import profile as active_profile
from ..io import peak_normalize
from .cache import SPLITS, _ArrayDataset, _key, _split_labels, cache_root, load_or_build

__all__ = [
    "DATA_VERSION",
    "FAMILY_NAMES",
    "GM_FAMILIES",
    "SPLIT_KINDS",
    "NSynthLite",
    "family_of",
    "instrument_split",
    "nsynth_lite",
    "program_name",
]

DATA_VERSION = 2  # 2: several programs per family, the instrument label
SPLIT_KINDS = ("note", "instrument")
FAMILY_NAMES: tuple[str, ...] = tuple(GM_FAMILY_BLOCKS)
# The General MIDI program standing for each family in data version 1 (still each family's
# first program): program -> family name.
GM_FAMILIES: dict[int, str] = {p: f for f, p in DEFAULT_FAMILY_PROGRAM.items()}
_BLOCK_FAMILY = {b: i for i, b in enumerate(GM_FAMILY_BLOCKS.values())}


def family_of(program: int) -> int:
    """Index into :data:`FAMILY_NAMES` of a 0-based GM program (its block of 8)."""
    block = int(program) // 8
    if block not in _BLOCK_FAMILY:
        raise ValueError(
            f"GM program {program} is in none of the families {FAMILY_NAMES}. Fix: use "
            f"programs 8*b..8*b+7 for b in {sorted(_BLOCK_FAMILY)}."
        )
    return _BLOCK_FAMILY[block]


def program_name(program: int) -> str:
    """The General MIDI name of a 0-based program, e.g. 0 -> 'Acoustic Grand Piano'."""
    import pretty_midi

    return str(pretty_midi.program_to_instrument_name(int(program)))


@dataclass
class NSynthLite(_ArrayDataset):
    """Single notes. ``audio``: (N, 16384) float32 at ``sr`` Hz; labels are (N,) int arrays.

    ``instrument`` indexes ``instrument_names`` (one per program rendered, in the order of
    the profile's ``nsynth_programs``); ``program`` is the same instrument's GM program.
    Built without ``instrument`` (tests), each distinct program becomes one instrument.
    """

    audio: np.ndarray
    pitch: np.ndarray  # MIDI note number
    family: np.ndarray  # index into family_names
    program: np.ndarray  # General MIDI program, 0-based
    velocity: np.ndarray  # MIDI velocity 1..127
    split: np.ndarray  # "train" / "valid" / "test"
    instrument: np.ndarray = None  # type: ignore[assignment]  # set in __post_init__
    sr: int = SR
    family_names: tuple[str, ...] = FAMILY_NAMES
    instrument_names: tuple[str, ...] = ()
    manifest: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.instrument is None:
            programs, self.instrument = np.unique(self.program, return_inverse=True)
            self.instrument_names = tuple(program_name(p) for p in programs)

    @property
    def pitches(self) -> np.ndarray:
        """The distinct MIDI pitches present, sorted."""
        return np.unique(self.pitch)

    @property
    def instrument_programs(self) -> np.ndarray:
        """(len(instrument_names),) GM program of each instrument index (-1 if absent)."""
        out = np.full(len(self.instrument_names), -1, dtype=np.int64)
        out[self.instrument] = self.program
        return out


def instrument_split(
    family: np.ndarray, instrument: np.ndarray, first: set[int], seed: int = 0
) -> np.ndarray:
    """NSynth-style split: in each family with at least 3 instruments, one instrument
    (drawn with ``seed``, never one of ``first``, the families' default instruments) is held
    out, its clips split half and half (seeded) between ``valid`` and ``test``; every other
    clip is ``train``. Returns (N,) ``"train"``/``"valid"``/``"test"``."""
    rng = np.random.default_rng(seed)
    split = np.full(len(family), "train", dtype="<U5")
    for f in np.unique(family):
        insts = np.unique(instrument[family == f])
        if len(insts) < 3:
            continue
        held = int(rng.choice([i for i in insts if int(i) not in first]))
        idx = np.flatnonzero(instrument == held)
        order = rng.permutation(idx)
        split[order[: len(order) // 2]] = "valid"
        split[order[len(order) // 2 :]] = "test"
    return split


def nsynth_lite(
    prof: Profile | str | None = None,
    *,
    seed: int = 0,
    split: str = "note",
    cache_dir: str | os.PathLike | None = None,
    rebuild: bool = False,
    silence_peak: float = 1e-3,
    progress: bool = True,
) -> NSynthLite:
    """Build (first call) or load the NSynth-style note dataset for a profile.

    Programs x pitches x velocities come from the profile; each note is held 0.75 s
    and released, 16384 samples at 16 kHz. Renders whose peak is below
    ``silence_peak`` are dropped and counted in the manifest (``dropped_silent``).
    One global gain scales the loudest note to 0.9, so velocity and each instrument's
    level stay audible.

    ``split="note"`` (default): a seeded 80/10/10 draw over the clips, so every instrument
    and label is in training. ``split="instrument"``: unseen instruments in valid and test
    (:func:`instrument_split`; needs a family with at least 3 instruments: ``laptop`` or
    ``gpu``). Both come from the same cached renders; ``manifest["split"]`` names the kind.
    """
    if split not in SPLIT_KINDS:
        raise ValueError(f"split={split!r} is not a split kind. Fix: use one of {SPLIT_KINDS}.")
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
    ds = NSynthLite(
        **arrays, instrument_names=tuple(manifest["instrument_names"]), manifest=manifest
    )
    manifest["split"] = split
    if split == "instrument":
        first = {i for i, p in enumerate(params["programs"]) if p in GM_FAMILIES}
        ds.split = instrument_split(ds.family, ds.instrument, first, seed)
        if not np.isin(["valid", "test"], ds.split).all():
            raise ValueError(
                f"profile {prof.name!r}: no family has 3 or more instruments, so none can be "
                "held out. Fix: use the 'laptop' or 'gpu' profile, or split='note'."
            )
        manifest["counts_by_split"] = {s: int((ds.split == s).sum()) for s in SPLITS}
        manifest["held_out_instruments"] = sorted(
            {ds.instrument_names[i] for i in ds.instrument[ds.split != "train"]}
        )
    return ds


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
    inst_index = {p: i for i, p in enumerate(params["programs"])}
    rng = np.random.default_rng(params["seed"])
    arrays = {
        "audio": audio,
        "pitch": lab[:, 1],
        "family": np.array([family_of(p) for p in lab[:, 0]], dtype=np.int64),
        "instrument": np.array([inst_index[p] for p in lab[:, 0]], dtype=np.int64),
        "program": lab[:, 0],
        "velocity": lab[:, 2],
        "split": _split_labels(len(audio), rng),
    }
    manifest = {
        **params,
        "instrument_names": [program_name(p) for p in params["programs"]],
        "count": len(audio),
        "counts_by_split": {s: int((arrays["split"] == s).sum()) for s in SPLITS},
        "dropped_silent": len(dropped),
        "dropped": dropped,
        "build_seconds": round(time.time() - t0, 2),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "bytes": int(sum(a.nbytes for a in arrays.values())),
    }
    return arrays, manifest
