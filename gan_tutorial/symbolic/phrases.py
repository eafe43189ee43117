"""Four-voice chorale phrases: music21's Bach chorales cut into 4-bar rolls, cached.

:func:`chorale_phrases` parses the chorales in 4/4 with exactly four parts (soprano,
alto, tenor, bass), transposes each so that its key signature has no sharps or flats
(see :func:`tonic_shift`), and cuts every window of 4 consecutive full bars into a
``(4, 64, 48)`` roll (:mod:`.rolls`).

The transposition normalises the **key signature, not the key**. A major chorale with its
usual signature lands in C major and a minor one in A minor; but a minor chorale written
with a Dorian signature (one flat fewer, as Baroque sources often do) lands in D minor,
modal chorales end elsewhere (Phrygian ones on E), and modulations stay. When the shifted
notes would leave C2..B5, the chorale moves by an octave less or more, so a shift can
reach 17 semitones (in music21's corpus the shifts run from -7 to 8).
Splits are by chorale. :func:`midi_phrases` cuts any 4/4 MIDI file (Lakh, MAESTRO) the
same way. The cache and manifest follow :mod:`gan_tutorial.data.builtin`.
"""

from __future__ import annotations

import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..data.builtin import _ArrayDataset, _key, _load, _save, _split_labels, cache_root
from .rolls import BAR_STEPS, HIGH, LOW, PHRASE_BARS, STEPS_PER_QUARTER, NoteList, notes_to_roll

__all__ = [
    "PHRASES_VERSION",
    "ChoralePhrases",
    "chorale_notes",
    "chorale_phrases",
    "cut_phrases",
    "midi_phrases",
    "tonic_shift",
]

PHRASES_VERSION = 1


@dataclass
class ChoralePhrases(_ArrayDataset):
    """``roll``: ``(N, 4, 64, 48)`` uint8 phrases; ``bwv``, ``start_bar`` (index of the
    phrase's first full bar), ``shift`` (semitones transposed: the key signature's
    :func:`tonic_shift`, an octave away if needed to fit the range), ``cut`` (True for the
    non-overlapping windows 0, 4, 8, ... bars) and ``split`` are ``(N,)``."""

    roll: np.ndarray
    bwv: np.ndarray
    start_bar: np.ndarray
    shift: np.ndarray
    cut: np.ndarray
    split: np.ndarray
    manifest: dict = field(default_factory=dict)


def tonic_shift(sharps: int) -> int:
    """Semitones (in -6..5) that move a key signature of ``sharps`` (negative = flats) to
    none: the signature's major tonic to C, its relative minor to A (a chorale's own key
    may be another mode of that signature; see the module docstring)."""
    s = -((7 * int(sharps)) % 12)
    return s + 12 if s < -6 else s


def chorale_notes(score) -> tuple[NoteList, int]:
    """A music21 4/4 chorale's notes and full bars (quarters), and its key signature.

    Raises ``ValueError`` naming the reason for scores this pipeline skips.
    """
    from music21 import key, meter, stream

    parts = list(score.parts)
    if len(parts) != 4:
        raise ValueError(f"has {len(parts)} parts, not 4")
    sigs = {ts.ratioString for ts in score.recurse().getElementsByClass(meter.TimeSignature)}
    if sigs != {"4/4"}:
        raise ValueError(f"metre {'/'.join(sorted(sigs)) or 'none'}, not 4/4")
    ks = score.recurse().getElementsByClass(key.KeySignature).first()
    sharps = int(ks.sharps) if ks is not None else 0
    rows = []
    for t, part in enumerate(parts):
        for n in part.flatten().notes:
            start = float(n.offset)
            end = start + float(n.quarterLength)
            if end <= start:  # grace notes
                continue
            rows += [(t, p.midi, start, end) for p in n.pitches]
    # a bar printed as two partial measures (3 + 1 beats at a phrase's fermata) counts as one
    bars, start, filled = [], 0.0, 0.0
    for m in parts[0].getElementsByClass(stream.Measure):
        length = float(m.duration.quarterLength)
        if abs(length - 4.0) < 1e-6:
            bars.append(float(m.offset))
            filled = 0.0
            continue
        if filled == 0.0:
            start = float(m.offset)
        filled += length
        if abs(filled - 4.0) < 1e-6:
            bars.append(start)
        if filled >= 4.0 - 1e-6:
            filled = 0.0
    return NoteList(np.array(rows, dtype=float).reshape(-1, 4), np.array(bars), 4), sharps


def cut_phrases(nl: NoteList, hop_bars: int = 1, shift: int = 0) -> list[tuple[int, np.ndarray]]:
    """Every window of ``PHRASE_BARS`` consecutive full bars (``hop_bars`` apart) as
    ``[(start_bar, roll)]``; windows with a note outside the pitch range are left out."""
    bars = np.asarray(nl.bars, dtype=float)
    notes = nl.notes.copy()
    notes[:, 1] += shift
    out = []
    for i in range(0, len(bars) - PHRASE_BARS + 1, hop_bars):
        win = bars[i : i + PHRASE_BARS]
        if not np.allclose(np.diff(win), 4.0):  # a gap: a partial bar or a metre change
            continue
        start = int(np.rint(win[0] * STEPS_PER_QUARTER))
        if abs(win[0] * STEPS_PER_QUARTER - start) > 1e-6:
            continue
        roll = notes_to_roll(notes, start, nl.n_tracks, PHRASE_BARS * BAR_STEPS)
        if roll is not None:
            out.append((i, roll))
    return out


def midi_phrases(
    pm, n_tracks: int = 4, *, merge: bool = False, hop_bars: int = PHRASE_BARS
) -> np.ndarray:
    """``(n, tracks, 64, 48)`` phrases of a 4/4 ``pretty_midi.PrettyMIDI`` (see
    :func:`.rolls.midi_to_notes`): the Lakh/MAESTRO route to the same rolls."""
    from .rolls import midi_to_notes

    nl = midi_to_notes(pm, n_tracks, merge=merge)
    rolls = [r for _, r in cut_phrases(nl, hop_bars)]
    shape = (0, nl.n_tracks, PHRASE_BARS * BAR_STEPS, 48)
    return np.stack(rolls) if rolls else np.zeros(shape, dtype=np.uint8)


def chorale_phrases(
    limit: int | None = None,
    *,
    seed: int = 0,
    hop_bars: int = 1,
    cache_dir: str | os.PathLike | None = None,
    rebuild: bool = False,
    names: list[str] | None = None,
    progress: bool = True,
) -> ChoralePhrases:
    """Build (first call) or load the chorale phrases.

    ``limit`` chorales of music21's 371 (in a seeded shuffle; None = all) are parsed;
    those not in 4/4 or without exactly four parts are skipped and counted in the
    manifest (``skipped``), as are chorales that fail to parse. ``hop_bars=1`` keeps
    every 4-bar window (overlapping: more training data); ``cut`` marks the
    non-overlapping ones, which are what the held-out comparisons use.
    """
    params = {
        "name": "chorale_phrases",
        "version": PHRASES_VERSION,
        "seed": seed,
        "limit": limit,
        "hop_bars": hop_bars,
        "names": names,
        "steps_per_quarter": STEPS_PER_QUARTER,
    }
    folder = Path(cache_dir or cache_root()) / f"chorale_phrases-{_key(params)}"
    cached = None if rebuild else _load(folder)
    if cached is None:
        arrays, manifest = _build(params, progress)
        _save(folder, arrays, manifest)
        cached = _load(folder)
        assert cached is not None
    arrays, manifest = cached
    manifest["folder"] = str(folder)
    if manifest.get("failed"):
        warnings.warn(
            "chorales that failed to parse: "
            + "; ".join(f"{k} ({v})" for k, v in manifest["failed"].items()),
            stacklevel=2,
        )
    return ChoralePhrases(**arrays, manifest=manifest)


def _build(params: dict, progress: bool) -> tuple[dict[str, np.ndarray], dict]:
    from music21 import corpus
    from tqdm.auto import tqdm

    from ..data.builtin import chosen_chorales

    t0 = time.time()
    rng = np.random.default_rng(params["seed"])
    names = chosen_chorales(params["names"], params["limit"], rng)
    out: dict[str, list] = {k: [] for k in ("roll", "bwv", "start_bar", "shift", "cut")}
    kept, skipped, failed = [], {}, {}
    for name in tqdm(names, desc="parsing chorales", disable=not progress):
        try:
            score = corpus.parse(name)
        except Exception as exc:  # music21 raises many types on bad scores
            failed[name] = f"{type(exc).__name__}: {exc}"[:200]
            continue
        try:
            nl, sharps = chorale_notes(score)
        except ValueError as exc:
            skipped[name] = str(exc)
            continue
        shift = tonic_shift(sharps)
        lo, hi = nl.notes[:, 1].min(), nl.notes[:, 1].max()
        if not (lo + shift >= LOW and hi + shift <= HIGH):  # try the same key an octave away
            shift += 12 if lo + shift < LOW else -12
        phrases = cut_phrases(nl, params["hop_bars"], shift)
        if not phrases:
            skipped[name] = "no 4 consecutive full bars in range"
            continue
        kept.append(name)
        first = phrases[0][0]
        for i, roll in phrases:
            out["roll"].append(roll)
            out["bwv"].append(name.split("/")[-1])
            out["start_bar"].append(i)
            out["shift"].append(shift)
            out["cut"].append((i - first) % PHRASE_BARS == 0)
    if not kept:
        raise RuntimeError(f"no chorale gave a phrase; skipped: {skipped}; failed: {failed}")
    split_of = dict(zip(kept, _split_labels(len(kept), rng), strict=True))
    bwv = np.array(out["bwv"], dtype="<U20")
    arrays = {
        "roll": np.stack(out["roll"]).astype(np.uint8),
        "bwv": bwv,
        "start_bar": np.array(out["start_bar"], dtype=np.int64),
        "shift": np.array(out["shift"], dtype=np.int64),
        "cut": np.array(out["cut"], dtype=bool),
        "split": np.array([split_of["bach/" + b] for b in bwv], dtype="<U5"),
    }
    manifest = {
        **params,
        "count": len(bwv),
        "chorales": len(kept),
        "counts_by_split": {
            s: int((arrays["split"] == s).sum()) for s in ("train", "valid", "test")
        },
        "skipped_count": len(skipped),
        "skipped": skipped,
        "failed": failed,
        "build_seconds": round(time.time() - t0, 2),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "bytes": int(sum(a.nbytes for a in arrays.values())),
    }
    return arrays, manifest
