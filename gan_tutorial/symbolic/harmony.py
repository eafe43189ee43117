"""Harmony measures of four-part writing: chords per step and authentic cadences (numpy only).

A step's *sonority* is the set of pitch classes that sound at it, all tracks together; its
*bass* is the lowest sounding pitch. A sonority is a **chord** when it is exactly one
triad (major, minor, diminished, augmented) or seventh chord (dominant, major, minor,
half-diminished, diminished), or one of the incomplete forms four-part writing uses: a
triad without its fifth (root and third) and a seventh chord without its fifth. Each
per-phrase measure takes one ``(tracks, steps, pitches)`` roll and returns a float.
"""

from __future__ import annotations

import numpy as np

from .keys import PC_NAMES
from .rolls import BAR_STEPS, LOW, STEPS_PER_QUARTER, as_roll, chroma, voice_lines

__all__ = [
    "QUALITIES",
    "cadence_count",
    "cadences",
    "chord_labels",
    "chord_share",
    "chord_vocabulary",
    "chords",
    "last_bar_cadence",
]

# quality -> (complete intervals above the root, incomplete form or ()); "" = major
QUALITIES: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "": ((0, 4, 7), (0, 4)),
    "m": ((0, 3, 7), (0, 3)),
    "dim": ((0, 3, 6), ()),
    "aug": ((0, 4, 8), ()),
    "7": ((0, 4, 7, 10), (0, 4, 10)),
    "maj7": ((0, 4, 7, 11), (0, 4, 11)),
    "m7": ((0, 3, 7, 10), (0, 3, 10)),
    "m7b5": ((0, 3, 6, 10), ()),
    "dim7": ((0, 3, 6, 9), ()),
}
_NAMES = tuple(QUALITIES)
_TONIC = (_NAMES.index(""), _NAMES.index("m"))  # a cadence arrives on a major or minor triad
_DOMINANT = (_NAMES.index(""), _NAMES.index("7"))  # from a major triad or dominant seventh


def _mask(pcs: tuple[int, ...]) -> int:
    return sum(1 << (p % 12) for p in set(pcs))


def _table() -> dict[int, list[tuple[int, int]]]:
    """Pitch-class bit mask -> every (root, quality index) it spells; complete forms are
    listed before incomplete ones, so a set that is both reads as the complete chord."""
    table: dict[int, list[tuple[int, int]]] = {}
    for form in (0, 1):
        for q, name in enumerate(_NAMES):
            ivs = QUALITIES[name][form]
            for root in range(12) if ivs else ():
                m = _mask(tuple(root + i for i in ivs))
                if form == 0 or m not in table:
                    table.setdefault(m, []).append((root, q))
    return table


_CHORDS = _table()


def chords(roll: np.ndarray, low: int = LOW) -> tuple[np.ndarray, np.ndarray]:
    """``(root, quality)``, each ``(steps,)`` int: the chord each step's sonority spells
    (root pitch class, index into :data:`QUALITIES`), ``-1`` for both where it spells none.
    A symmetric chord (augmented, diminished seventh) takes the bass as its root when the
    bass is one of its possible roots."""
    r = as_roll(roll)
    masks = (chroma(np.any(r, axis=0), low) > 0) @ (1 << np.arange(12))
    bass = _bass(r, low)
    root = np.full(r.shape[1], -1)
    quality = np.full(r.shape[1], -1)
    for s, m in enumerate(masks.tolist()):
        found = _CHORDS.get(m)
        if found:
            root[s], quality[s] = next(((a, q) for a, q in found if a == bass[s]), found[0])
    return root, quality


def _bass(r: np.ndarray, low: int) -> np.ndarray:
    """``(steps,)`` pitch class of the lowest sounding pitch, -1 where nothing sounds."""
    on = np.any(r, axis=0)
    return np.where(np.any(on, axis=1), (low + np.argmax(on, axis=1)) % 12, -1)


def chord_labels(roll: np.ndarray, low: int = LOW) -> list[str]:
    """Each step's chord as a name (``"C"``, ``"Am"``, ``"G7"``, ``"Bdim"``), ``""`` for
    none."""
    root, quality = chords(roll, low)
    return [
        f"{PC_NAMES[a]}{_NAMES[q]}" if q >= 0 else "" for a, q in zip(root, quality, strict=True)
    ]


def chord_share(roll: np.ndarray, min_voices: int = 3, low: int = LOW) -> float:
    """Share of the steps with at least ``min_voices`` tracks sounding whose sonority is
    a chord (see the module docstring). NaN if no step has that many voices."""
    full = (voice_lines(roll, low) >= 0).sum(axis=0) >= min_voices
    _, quality = chords(roll, low)
    return float((quality[full] >= 0).mean()) if full.any() else float("nan")


def chord_vocabulary(roll: np.ndarray, low: int = LOW) -> float:
    """Number of distinct chords (root and quality; an incomplete form counts as its
    chord) that the phrase's steps spell."""
    root, quality = chords(roll, low)
    return float(len({(a, q) for a, q in zip(root, quality, strict=True) if q >= 0}))


def cadences(
    roll: np.ndarray, max_gap: int = STEPS_PER_QUARTER, low: int = LOW
) -> list[tuple[int, str]]:
    """Authentic cadences in root position, as ``[(arrival step, chord name)]``.

    A cadence arrives at step ``s`` when: the chord there is a major or minor triad (its
    fifth may be missing) whose root is in the bass; ``s`` is on a beat and the chord
    holds for at least a beat; and the previous chord (skipping at most ``max_gap``
    steps that spell no chord: suspensions, passing notes) is its dominant, a major
    triad or dominant seventh a fifth higher, also with its root in the bass (V-I or
    V7-I, in whatever key the phrase is in at that point).
    """
    root, quality = chords(roll, low)
    bass = _bass(as_roll(roll), low)
    beat = STEPS_PER_QUARTER
    out = []
    for s in range(beat, len(root) - beat + 1, beat):
        if quality[s] not in _TONIC or bass[s] != root[s]:
            continue
        held = (root[s : s + beat] == root[s]) & (quality[s : s + beat] == quality[s])
        before = np.flatnonzero(quality[max(0, s - max_gap - 1) : s] >= 0)
        if not held.all() or not len(before):
            continue
        t = max(0, s - max_gap - 1) + before[-1]
        if quality[t] in _DOMINANT and root[t] == (root[s] + 7) % 12 and bass[t] == root[t]:
            out.append((s, f"{PC_NAMES[root[s]]}{_NAMES[quality[s]]}"))
    return out


def cadence_count(roll: np.ndarray, low: int = LOW) -> float:
    """Number of root-position authentic cadences (:func:`cadences`) in the phrase."""
    return float(len(cadences(roll, low=low)))


def last_bar_cadence(roll: np.ndarray, low: int = LOW) -> float:
    """1.0 if a cadence (:func:`cadences`) arrives in the phrase's last bar, else 0.0.

    The chorale windows are cut at bar lines, not at the chorale's own phrase ends (its
    fermatas), so this is a phrase-end measure only where a window ends a phrase; Bach's
    phrases end on a V-I cadence, mostly arriving on beat 3."""
    steps = as_roll(roll).shape[1]
    return float(any(s >= steps - BAR_STEPS for s, _ in cadences(roll, low=low)))
