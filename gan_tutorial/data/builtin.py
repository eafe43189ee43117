"""The course's built-in datasets, rendered offline from real music on first use.

* :func:`nsynth_lite` (:mod:`.notes`) - single General MIDI notes (NSynth-style, 16384
  samples at 16 kHz) labelled with pitch, instrument family, instrument and velocity;
* :func:`chorales` - the Bach chorales of music21's corpus rendered to audio clips,
  with their piano rolls.

Both are built deterministically from a seed into ``data/cache/`` (or
``$GAN_TUTORIAL_DATA``) with a manifest: counts, sample rate, sha256 of every array,
build time (:mod:`.cache`). Arrays are saved and loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import SR
from ..config import Profile
from ..config import profile as active_profile
from .cache import (  # noqa: F401  # _load, _save: gan_tutorial.symbolic.phrases
    SPLITS,
    _ArrayDataset,
    _key,
    _load,
    _save,
    _split_labels,
    cache_root,
    load_or_build,
)
from .notes import (
    DATA_VERSION,
    FAMILY_NAMES,
    GM_FAMILIES,
    SPLIT_KINDS,
    NSynthLite,
    family_of,
    instrument_split,
    nsynth_lite,
    program_name,
)

__all__ = [
    "CHORALES_VERSION",
    "CHORALE_PROGRAMS",
    "DATA_VERSION",
    "FAMILY_NAMES",
    "GM_FAMILIES",
    "ROLL_LOW",
    "ROLL_PITCHES",
    "SPLITS",
    "SPLIT_KINDS",
    "Chorales",
    "NSynthLite",
    "cache_root",
    "chorale_names",
    "chorales",
    "chosen_chorales",
    "family_of",
    "instrument_split",
    "load_or_build",
    "nsynth_lite",
    "program_name",
    "score_to_midi",
]

CHORALES_VERSION = 1  # nsynth_lite's is DATA_VERSION (.notes)


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
        "version": CHORALES_VERSION,
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
