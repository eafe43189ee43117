"""Keys and scales: Krumhansl-Schmuckler key finding on pitch-class histograms (numpy only).

Pitch classes are 0..11 with C = 0. A key is ``(tonic pitch class, "major" | "minor")``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "KS_MAJOR",
    "KS_MINOR",
    "MAJOR_SCALE",
    "MINOR_SCALE",
    "PC_NAMES",
    "estimate_key",
    "key_name",
    "scale",
]

# Krumhansl-Kessler key profiles (Krumhansl 1990), tonic first.
KS_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KS_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
# natural minor plus melodic minor's raised 6th (9) and the leading tone (11): a rising
# line to the tonic (A minor: E F# G# A) uses both
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 9, 10, 11)
PC_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def estimate_key(hist: np.ndarray) -> tuple[int, str]:
    """Krumhansl-Schmuckler: the (tonic pitch class, ``"major"``/``"minor"``) whose rotated
    profile correlates best with a ``(12,)`` pitch-class histogram (ties: first wins)."""
    h = np.asarray(hist, dtype=float)
    best, best_r = (0, "major"), -np.inf
    if h.std() == 0:
        return best
    for mode, prof in (("major", KS_MAJOR), ("minor", KS_MINOR)):
        for tonic in range(12):
            r = np.corrcoef(h, np.roll(prof, tonic))[0, 1]
            if r > best_r + 1e-12:
                best, best_r = (tonic, mode), r
    return best


def key_name(key: tuple[int, str]) -> str:
    """``(9, 'minor') -> 'A minor'``."""
    return f"{PC_NAMES[key[0]]} {key[1]}"


def scale(key: tuple[int, str]) -> list[int]:
    """The pitch classes of a key's scale: major, or minor with both the raised 6th and
    7th (:data:`MINOR_SCALE`)."""
    tonic, mode = key
    return [(tonic + d) % 12 for d in (MAJOR_SCALE if mode == "major" else MINOR_SCALE)]
