"""Baselines that each keep some of real music and destroy the rest (numpy, seeded).

A measure is worth what it can fail: each baseline below should fail the measures of what
it destroys and pass those of what it keeps.

* :func:`random_in_key` - random white-key notes in each voice's range: keeps the key
  (the phrases are normalised to no sharps or flats), ranges and note lengths; destroys
  melody, harmony and voice leading;
* :func:`shuffle_voices` - each voice from a different real phrase: keeps every melody;
  destroys harmony (and the spacing and order between voices);
* :func:`shuffle_bars` - each bar from a different real phrase: keeps each bar's
  harmony and voice leading; destroys the phrase's coherence across bar lines.

Rolls are ``(N, tracks, steps, pitches)`` 0/1 uint8 arrays (:mod:`.rolls`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .keys import MAJOR_SCALE
from .rolls import BAR_STEPS, LOW, N_PITCHES, PHRASE_STEPS

__all__ = ["random_in_key", "shuffle_bars", "shuffle_voices", "voice_ranges"]


def voice_ranges(rolls: np.ndarray, q: float = 0.05, low: int = LOW) -> list[tuple[int, int]]:
    """Each track's range as ``(lowest, highest)`` MIDI pitch: the ``q`` and ``1 - q``
    quantiles of its sounding note-steps over ``(N, tracks, steps, pitches)`` rolls
    (``q=0``: the extremes)."""
    on = np.asarray(rolls) > 0
    out = []
    for t in range(on.shape[1]):
        counts = on[:, t].sum(axis=(0, 1))
        if not counts.any():
            raise ValueError(f"track {t} never sounds in these rolls")
        cdf = np.cumsum(counts) / counts.sum()
        lo = int(np.searchsorted(cdf, q, side="right"))
        hi = int(np.searchsorted(cdf, 1 - q, side="left"))
        out.append((low + lo, low + min(hi, len(counts) - 1)))
    return out


def random_in_key(
    n: int,
    ranges: Sequence[tuple[int, int]],
    *,
    seed: int = 0,
    durations: Sequence[int] = (2, 4, 8),
    pitch_classes: Sequence[int] = MAJOR_SCALE,
    steps: int = PHRASE_STEPS,
    low: int = LOW,
    n_pitches: int = N_PITCHES,
) -> np.ndarray:
    """``(n, len(ranges), steps, n_pitches)`` rolls of random notes: each voice plays one
    note at a time, each lasting a duration drawn from ``durations`` (steps; 2, 4, 8 =
    eighth, quarter, half note) at a pitch drawn uniformly from ``pitch_classes`` (default
    the white keys) within its ``(lowest, highest)`` MIDI range. Two equal neighbours join
    into one longer note."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, len(ranges), steps, n_pitches), dtype=np.uint8)
    pcs = {int(p) % 12 for p in pitch_classes}
    for v, (lo, hi) in enumerate(ranges):
        choices = np.array([p - low for p in range(lo, hi + 1) if p % 12 in pcs])
        if not len(choices) or choices[0] < 0 or choices[-1] >= n_pitches:
            raise ValueError(f"voice {v}: range {lo}..{hi} has no allowed pitch inside the roll")
        for i in range(n):
            t = 0
            while t < steps:
                d = int(rng.choice(durations))
                out[i, v, t : t + d, rng.choice(choices)] = 1
                t += d
    return out


def _sources(n: int, parts: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, parts)`` source phrase of each part of each output: ``perm[(i + k) % n]``, so
    the parts of one output come from ``parts`` different phrases (when ``n >= parts``)
    and every part of every phrase is used exactly once."""
    perm = rng.permutation(n)
    return perm[(np.arange(n)[:, None] + np.arange(parts)[None, :]) % n]


def shuffle_voices(rolls: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """Rolls whose voices each come from a different phrase of ``rolls``, in their own
    voice slot (the soprano stays a soprano). Pass non-overlapping phrases (e.g. the
    held-out ``cut`` windows), or two voices may come from overlapping windows."""
    rolls = np.asarray(rolls)
    src = _sources(len(rolls), rolls.shape[1], np.random.default_rng(seed))
    return np.stack([rolls[src[:, v], v] for v in range(rolls.shape[1])], axis=1)


def shuffle_bars(rolls: np.ndarray, *, seed: int = 0, bar_steps: int = BAR_STEPS) -> np.ndarray:
    """Rolls whose bars (all voices of one bar together) each come from a different phrase
    of ``rolls``, at their own position (bar 1 stays bar 1)."""
    rolls = np.asarray(rolls)
    n, _, steps, _ = rolls.shape
    bars = steps // bar_steps
    src = _sources(n, bars, np.random.default_rng(seed))
    parts = [rolls[src[:, b], :, b * bar_steps : (b + 1) * bar_steps] for b in range(bars)]
    return np.concatenate(parts, axis=2)
