"""Voice-leading measures of four-part writing (numpy only).

Each takes one ``(tracks, steps, pitches)`` 0/1 roll with tracks in soprano, alto, tenor,
bass order and returns a float (NaN where undefined). A track's *line* is its pitch at
each step (:func:`.rolls.voice_lines`: the highest if it sounds several, -1 when silent).
Intervals are in semitones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .rolls import BAR_STEPS, LOW, voice_lines

__all__ = [
    "UPPER",
    "crossing_share",
    "melodic_intervals",
    "parallel_fifths_octaves",
    "smooth_join_share",
    "spacing_share",
    "stepwise_share",
    "stepwise_shares",
    "voice_order_share",
]

UPPER = (0, 1, 2)  # soprano, alto, tenor


def melodic_intervals(line: np.ndarray) -> np.ndarray:
    """Signed intervals from each note of a line to its next different pitch (rests are
    skipped: the line continues after them; a repeated or held pitch is no interval)."""
    p = np.asarray(line)
    d = np.diff(p[p >= 0])
    return d[d != 0]


def stepwise_shares(roll: np.ndarray, max_step: int = 2, low: int = LOW) -> np.ndarray:
    """``(tracks,)`` share of each voice's melodic intervals of at most ``max_step``
    semitones (2 = a whole step); NaN for a voice with no interval."""
    out = []
    for line in voice_lines(roll, low):
        d = np.abs(melodic_intervals(line))
        out.append(float((d <= max_step).mean()) if len(d) else float("nan"))
    return np.array(out)


def stepwise_share(
    roll: np.ndarray, tracks: Sequence[int] = UPPER, max_step: int = 2, low: int = LOW
) -> float:
    """Share of the melodic intervals of ``tracks`` (pooled; default the upper three
    voices) of at most ``max_step`` semitones. Bach's upper voices move mostly by step."""
    lines = voice_lines(roll, low)
    d = np.abs(np.concatenate([melodic_intervals(lines[t]) for t in tracks]))
    return float((d <= max_step).mean()) if len(d) else float("nan")


def voice_order_share(roll: np.ndarray, low: int = LOW) -> float:
    """Share of the steps at which every track sounds where the tracks are in order,
    highest first (S >= A >= T >= B; a unison is in order). NaN if no such step."""
    lines = voice_lines(roll, low)
    full = np.all(lines >= 0, axis=0)
    ordered = np.all(np.diff(lines, axis=0) <= 0, axis=0)
    return float(ordered[full].mean()) if full.any() else float("nan")


def crossing_share(roll: np.ndarray, low: int = LOW) -> float:
    """Share of (adjacent voice pair, step) cells, both voices sounding, in which the
    lower voice is above the upper one (a voice crossing). NaN if no pair sounds."""
    lines = voice_lines(roll, low)
    both = (lines[:-1] >= 0) & (lines[1:] >= 0)
    crossed = lines[1:] > lines[:-1]
    return float(crossed[both].mean()) if both.any() else float("nan")


def spacing_share(
    roll: np.ndarray, tracks: Sequence[int] = UPPER, max_gap: int = 12, low: int = LOW
) -> float:
    """Share of the steps at which ``tracks`` all sound where each two adjacent ones (S-A,
    A-T by default) are at most ``max_gap`` semitones apart (an octave: the spacing rule
    of four-part writing; the bass may lie further below). NaN if no such step."""
    lines = voice_lines(roll, low)[list(tracks)]
    full = np.all(lines >= 0, axis=0)
    close = np.all(np.abs(np.diff(lines, axis=0)) <= max_gap, axis=0)
    return float(close[full].mean()) if full.any() else float("nan")


def parallel_fifths_octaves(roll: np.ndarray, low: int = LOW) -> float:
    """Number of parallel perfect fifths and octaves (unisons and compound intervals
    included) between any two tracks: both move in the same direction at the same step,
    from a perfect fifth (or octave) to the same interval. Intervals are taken between
    the two voices' actual pitches whichever is higher, so parallels across a voice
    crossing count too."""
    lines = voice_lines(roll, low)
    count = 0
    for i in range(len(lines)):
        for j in range(i + 1, len(lines)):
            a0, a1, b0, b1 = lines[i, :-1], lines[i, 1:], lines[j, :-1], lines[j, 1:]
            sounding = (a0 >= 0) & (a1 >= 0) & (b0 >= 0) & (b1 >= 0)
            same_dir = (a1 - a0) * (b1 - b0) > 0
            iv0, iv1 = np.abs(a0 - b0) % 12, np.abs(a1 - b1) % 12
            perfect = (iv0 == iv1) & ((iv0 == 0) | (iv0 == 7))
            count += int((sounding & same_dir & perfect).sum())
    return float(count)


def smooth_join_share(roll: np.ndarray, max_step: int = 2, low: int = LOW) -> float:
    """Share of the (voice, bar line) joins, the voice sounding on both sides, where it
    holds, repeats or moves by at most ``max_step`` semitones from the last step of a bar
    to the first of the next. A time-structure measure: bars taken from different
    phrases join by leaps. NaN if no voice sounds across a bar line."""
    lines = voice_lines(roll, low)
    cut = np.arange(BAR_STEPS, lines.shape[1], BAR_STEPS)
    before, after = lines[:, cut - 1], lines[:, cut]
    both = (before >= 0) & (after >= 0)
    return float((np.abs(after - before) <= max_step)[both].mean()) if both.any() else float("nan")
