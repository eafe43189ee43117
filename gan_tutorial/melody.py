"""Melodies from single generated notes (GANSynth's demo): a chorale's soprano line, note
lengths, and stringing note clips together. Numpy only.

Piano rolls are ``(P, steps)`` 0/1 arrays, row ``i`` = MIDI pitch ``low + i``, ``fs`` steps
per second (the layout of :class:`gan_tutorial.data.Chorales`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["concatenate_notes", "fit_to_pitches", "soprano_line"]


def soprano_line(
    roll: np.ndarray, low: int, fs: float, max_notes: int = 16
) -> list[tuple[int, float]]:
    """The top voice of a piano roll as ``[(midi pitch, duration in s), ...]``.

    At each step the highest sounding pitch is the soprano; consecutive steps with the
    same top pitch form one note (a repeated note is merged: a simplification). Silent
    steps are dropped. At most ``max_notes`` notes.
    """
    roll = np.asarray(roll)
    if roll.ndim != 2:
        raise ValueError(f"roll must be (pitches, steps), got shape {roll.shape}")
    notes: list[tuple[int, float]] = []
    current, length = -1, 0
    for step in range(roll.shape[1]):
        on = np.flatnonzero(roll[:, step])
        top = int(low + on.max()) if len(on) else -1
        if top == current:
            length += 1
            continue
        if current >= 0:
            notes.append((current, length / fs))
        current, length = top, 1
    if current >= 0:
        notes.append((current, length / fs))
    return notes[:max_notes]


def fit_to_pitches(pitches: list[int], allowed: list[int]) -> list[int]:
    """Move a melody by whole octaves into the range of ``allowed`` pitches, then snap each
    note to the nearest allowed pitch (needed when ``allowed`` is not chromatic)."""
    allowed_arr = np.asarray(sorted(allowed))
    lo, hi = allowed_arr[0], allowed_arr[-1]
    p = np.asarray(pitches, dtype=np.int64)
    centre = (lo + hi) / 2
    p = p + 12 * int(np.round((centre - np.median(p)) / 12))
    p = np.where(p < lo, p + 12 * np.ceil((lo - p) / 12), p)
    p = np.where(p > hi, p - 12 * np.ceil((p - hi) / 12), p)
    return [allowed_arr[np.argmin(np.abs(allowed_arr - q))].item() for q in p]


def concatenate_notes(
    clips: np.ndarray, durations_s: list[float], sr: int, fade_s: float = 0.03
) -> np.ndarray:
    """String note clips ``(n, T)`` into one melody: clip ``i`` is cut to ``durations_s[i]``
    seconds (at most its length) with a short linear fade-out against clicks."""
    out = []
    fade = max(1, int(fade_s * sr))
    for clip, dur in zip(np.asarray(clips, dtype=np.float32), durations_s, strict=True):
        n = max(fade, min(len(clip), round(dur * sr)))
        note = clip[:n].copy()
        note[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        out.append(note)
    return np.concatenate(out) if out else np.zeros(0, np.float32)
