"""Pitch metrics (chapter 22 and GANSynth): from classifier probabilities
(:func:`pitch_accuracy`, :func:`pitch_entropy`), from heard pitches
(:func:`pitch_accuracy_by_group`) or straight from audio (:func:`dominant_frequency`,
:func:`pitch_match_share`, :func:`distinct_pitches`, :func:`pitch_summary`,
:func:`format_pitch_table`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from ..tables import text_table
from ._checks import _audio, _features

__all__ = [
    "distinct_pitches",
    "dominant_frequency",
    "format_pitch_table",
    "hz_to_midi",
    "pitch_accuracy",
    "pitch_accuracy_by_group",
    "pitch_entropy",
    "pitch_match_share",
    "pitch_summary",
]


def pitch_accuracy(probs: Any, true_pitch_idx: Any) -> float:
    """Share of clips whose most likely pitch class (argmax of ``(N, n_pitches)`` ``probs``)
    equals ``true_pitch_idx`` (``(N,)`` ints), in [0, 1]."""
    p = _features(probs, "probs")
    t = np.asarray(true_pitch_idx).ravel()
    if t.shape[0] != p.shape[0]:
        raise ValueError(
            f"true_pitch_idx has {t.shape[0]} entries but probs has {p.shape[0]} rows; "
            "pass one true pitch index per clip."
        )
    if not np.issubdtype(t.dtype, np.integer) or t.min() < 0 or t.max() >= p.shape[1]:
        raise ValueError(
            f"true_pitch_idx must be integers in [0, {p.shape[1] - 1}] (column indices of "
            "probs), not MIDI numbers; subtract the lowest pitch first."
        )
    return float(np.mean(np.argmax(p, axis=1) == t))


def pitch_accuracy_by_group(asked: Any, heard: Any, group: Any, n_groups: int) -> np.ndarray:
    """Share of clips whose heard pitch equals the asked one, per group: ``asked``,
    ``heard`` (MIDI) and ``group`` (ints in ``[0, n_groups)``) are ``(N,)``; returns
    ``(n_groups,)``, NaN for a group without clips. Where a vocoder or a generator loses
    pitch, e.g. per instrument family."""
    a, h, g = (np.asarray(v).ravel() for v in (asked, heard, group))
    if not len(a) == len(h) == len(g):
        raise ValueError(
            f"asked, heard and group need one entry per clip: {len(a)}, {len(h)}, {len(g)}"
        )
    if len(g) and not np.issubdtype(g.dtype, np.integer):
        raise ValueError(f"group must hold integer group indices, not {g.dtype}")
    if len(g) and (g.min() < 0 or g.max() >= n_groups):
        raise ValueError(f"group indices must lie in [0, {n_groups - 1}]")
    hits = np.bincount(g, weights=(a == h).astype(float), minlength=n_groups)
    counts = np.bincount(g, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, hits / counts, np.nan)


def pitch_entropy(probs: Any) -> float:
    """Entropy in nats of the histogram of predicted pitch classes (argmax per row).

    ``probs``: ``(N, n_pitches)``. 0 when every clip gets the same pitch, ``ln(n_pitches)``
    when predictions are spread evenly (GANSynth uses it as a diversity measure).
    """
    p = _features(probs, "probs")
    counts = np.bincount(np.argmax(p, axis=1), minlength=p.shape[1])
    return float(stats.entropy(counts / counts.sum()))


def hz_to_midi(f: Any) -> Any:
    """MIDI note number ``69 + 12 log2(f / 440)`` of frequency ``f`` in Hz (float, not rounded).

    Scalar in, float out; array in, array out. Non-positive or NaN frequencies give NaN.
    """
    arr = np.asarray(f, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        midi = np.where(arr > 0, 69.0 + 12.0 * np.log2(np.where(arr > 0, arr, 1.0) / 440.0), np.nan)
    return float(midi) if midi.ndim == 0 else midi


def dominant_frequency(audio: Any, sr: int, min_hz: float = 30.0) -> np.ndarray:
    """Frequency in Hz of the strongest spectral peak of each clip of a ``(N, T)`` batch.

    Hann-windowed FFT (zero-padded to at least 2T), bins below ``min_hz`` ignored, peak
    refined by parabolic interpolation of the log magnitude. Returns ``(N,)`` Hz; NaN for
    silent clips.

    Caveat: "dominant" is the strongest partial, NOT the fundamental f0. A tone whose
    2nd harmonic is louder than its fundamental reads one octave (12 semitones) high.
    """
    x = _audio(audio, sr)
    n_fft = int(2 ** math.ceil(math.log2(max(2 * x.shape[1], 2))))
    spec = np.abs(np.fft.rfft(x * np.hanning(x.shape[1])[None, :], n=n_fft, axis=1))
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    valid = freqs >= min_hz
    if valid.sum() < 3:
        raise ValueError(f"sr={sr} Hz leaves no frequency bins above min_hz={min_hz} Hz.")
    spec[:, ~valid] = 0.0
    peak = np.argmax(spec, axis=1)
    out = np.full(x.shape[0], np.nan)
    rows = np.arange(x.shape[0])
    loud = spec[rows, peak] > 0
    # parabolic interpolation on log magnitude around the peak (edges: no refinement)
    inner = loud & (peak > 0) & (peak < spec.shape[1] - 1) & valid[np.maximum(peak - 1, 0)]
    offset = np.zeros(x.shape[0])
    if inner.any():
        i, pk = rows[inner], peak[inner]
        tiny = 1e-300
        a = np.log(spec[i, pk - 1] + tiny)
        b = np.log(spec[i, pk] + tiny)
        c = np.log(spec[i, pk + 1] + tiny)
        denom = a - 2.0 * b + c
        offset[inner] = np.where(denom < 0, 0.5 * (a - c) / np.where(denom < 0, denom, 1.0), 0.0)
    out[loud] = (peak[loud] + offset[loud]) * sr / n_fft
    return out


def pitch_match_share(
    audio: Any, sr: int, reference_pitches: Any, tolerance_semitones: float = 1.0
) -> float:
    """Share of clips whose dominant frequency lies within ``tolerance_semitones`` of ANY
    MIDI pitch in ``reference_pitches`` (e.g. the pitches in the training set).

    ``audio``: ``(N, T)``. Silent clips never match. See :func:`dominant_frequency` for the
    octave caveat.
    """
    ref = np.asarray(reference_pitches, dtype=np.float64).ravel()
    if ref.size == 0 or not np.all(np.isfinite(ref)):
        raise ValueError("reference_pitches must be a non-empty list of MIDI note numbers.")
    if tolerance_semitones < 0:
        raise ValueError(f"tolerance_semitones must be >= 0, got {tolerance_semitones}.")
    midi = np.asarray(hz_to_midi(dominant_frequency(audio, sr)))
    with np.errstate(invalid="ignore"):
        gap = np.min(np.abs(midi[:, None] - ref[None, :]), axis=1)
        match = gap <= tolerance_semitones  # NaN (silence) compares False
    return float(np.mean(match))


def distinct_pitches(audio: Any, sr: int) -> int:
    """Number of distinct rounded MIDI pitches among the clips' dominant frequencies.

    ``audio``: ``(N, T)``; silent clips are not counted. A mode-collapsed generator gives 1.
    """
    midi = np.asarray(hz_to_midi(dominant_frequency(audio, sr)))
    midi = midi[np.isfinite(midi)]
    return int(np.unique(np.round(midi)).size)


def pitch_summary(audio: Any, sr: int, reference_pitches: Any) -> dict[str, float]:
    """Chapter 22's pitch check of one set of clips ``(N, T)``.

    ``within_semitone`` / ``within_25_cents``: share of clips whose dominant frequency is
    that close to a reference MIDI pitch; ``distinct_pitches``: see :func:`distinct_pitches`.
    """
    return {
        "within_semitone": pitch_match_share(audio, sr, reference_pitches, 1.0),
        "within_25_cents": pitch_match_share(audio, sr, reference_pitches, 0.25),
        "distinct_pitches": distinct_pitches(audio, sr),
    }


def format_pitch_table(rows: Mapping[str, Mapping[str, float]]) -> str:
    """``{set name: pitch_summary(...)}`` as an aligned text table (shares in percent)."""
    header = ("clips", "within 1 semitone", "within 25 cents", "distinct pitches")
    body = [
        (
            name,
            f"{r['within_semitone']:.1%}",
            f"{r['within_25_cents']:.1%}",
            f"{r['distinct_pitches']:d}",
        )
        for name, r in rows.items()
    ]
    return text_table(header, body)
