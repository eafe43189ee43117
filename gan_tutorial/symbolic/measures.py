"""Music measures for multi-track piano rolls, after MuseGAN's (Dong et al., 2018).

Every per-phrase measure takes one ``(tracks, steps, pitches)`` 0/1 roll (tracks in
soprano, alto, tenor, bass order; pitch index ``k`` is MIDI ``low + k``) and returns a
float (NaN where undefined, e.g. the in-key share of an empty phrase). :func:`evaluate`
applies them all to ``(N, tracks, steps, pitches)`` sets; :func:`compare` sets them side
by side with chapter 24's histogram distances (JS divergence, Bhattacharyya distance).

The measures that hear four-part writing live in :mod:`.voicing` (stepwise motion, voice
order, spacing, parallels, bar joins) and :mod:`.harmony` (chords, cadences); key finding
in :mod:`.keys`. All are re-exported here and listed in :data:`MEASURES`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .harmony import (
    cadence_count,
    cadences,
    chord_labels,
    chord_share,
    chord_vocabulary,
    chords,
    last_bar_cadence,
)
from .keys import KS_MAJOR, KS_MINOR, MINOR_SCALE, estimate_key, key_name, scale
from .rolls import BAR_STEPS, LOW, VOICES, _runs, as_roll, chroma, voice_lines
from .voicing import (
    crossing_share,
    melodic_intervals,
    parallel_fifths_octaves,
    smooth_join_share,
    spacing_share,
    stepwise_share,
    stepwise_shares,
    voice_order_share,
)

__all__ = [
    "KS_MAJOR",
    "KS_MINOR",
    "MEASURES",
    "MINOR_SCALE",
    "cadence_count",
    "cadences",
    "chord_labels",
    "chord_share",
    "chord_vocabulary",
    "chords",
    "compare",
    "crossing_share",
    "distinct_share",
    "empty_bar_share",
    "empty_step_share",
    "estimate_key",
    "evaluate",
    "in_key_share",
    "key_name",
    "last_bar_cadence",
    "mean_leap",
    "mean_measures",
    "mean_pairwise_distance",
    "melodic_intervals",
    "nearest_distance",
    "parallel_fifths_octaves",
    "pitch_class_histogram",
    "polyphony",
    "qualified_note_share",
    "scale",
    "self_similarity",
    "smooth_join_share",
    "spacing_share",
    "stepwise_share",
    "stepwise_shares",
    "tonal_distance",
    "used_pitch_classes",
    "voice_order_share",
    "voice_range",
]


def empty_bar_share(roll: np.ndarray) -> float:
    """Share of (track, bar) pairs without any note."""
    r = as_roll(roll)
    bars = r.reshape(r.shape[0], -1, BAR_STEPS, r.shape[2])
    return float((~bars.any(axis=(2, 3))).mean())


def empty_step_share(roll: np.ndarray) -> float:
    """Share of (track, step) cells in which the track is silent."""
    return float((~as_roll(roll).any(axis=2)).mean())


def used_pitch_classes(roll: np.ndarray, low: int = LOW) -> float:
    """Mean number of distinct pitch classes per non-empty bar, all tracks together."""
    r = as_roll(roll)
    bars = np.asarray(
        r.reshape(r.shape[0], -1, BAR_STEPS, r.shape[2]).any(axis=(0, 2))
    )  # (bars, pitches)
    counts = (chroma(bars, low) > 0).sum(axis=1)
    used = bars.any(axis=1)
    return float(counts[used].mean()) if used.any() else float("nan")


def qualified_note_share(roll: np.ndarray, min_steps: int = 2) -> float:
    """Share of notes lasting at least ``min_steps`` steps (2 = an eighth note here: on a
    sixteenth grid every note lasts at least a sixteenth)."""
    r = as_roll(roll)
    lengths = [
        b - a for t, k in zip(*np.nonzero(r.any(axis=1)), strict=True) for a, b in _runs(r[t, :, k])
    ]
    return float(np.mean(np.array(lengths) >= min_steps)) if lengths else float("nan")


def polyphony(roll: np.ndarray) -> float:
    """Mean number of distinct pitches sounding per step, all tracks together (a
    four-voice chorale gives close to 4; fewer at rests and unisons)."""
    return float(as_roll(roll).any(axis=0).sum(axis=1).mean())


def pitch_class_histogram(roll: np.ndarray, low: int = LOW) -> np.ndarray:
    """``(12,)`` duration-weighted pitch-class counts (steps sounding), all tracks."""
    return chroma(as_roll(roll), low).sum(axis=(0, 1))


def in_key_share(roll: np.ndarray, low: int = LOW) -> float:
    """Share of sounding note-steps whose pitch class is in the Krumhansl-Schmuckler key
    (major scale; minor = natural minor plus the raised 6th and 7th of melodic minor)."""
    h = pitch_class_histogram(roll, low)
    if h.sum() == 0:
        return float("nan")
    return float(h[scale(estimate_key(h))].sum() / h.sum())


def voice_range(roll: np.ndarray, track: int, low: int = LOW) -> float:
    """Highest minus lowest pitch of one track, in semitones (NaN if it is silent)."""
    used = np.flatnonzero(as_roll(roll)[track].any(axis=0))
    return float(used[-1] - used[0]) if len(used) else float("nan")


def mean_leap(roll: np.ndarray) -> float:
    """Mean size of the melodic intervals, in semitones: from each note of a voice to its
    next different pitch (each voice's line is its highest sounding pitch; rests skipped).
    Chorale voices move mostly by step (1-2 semitones)."""
    leaps = np.abs(np.concatenate([melodic_intervals(v) for v in voice_lines(roll)]))
    return float(leaps.mean()) if len(leaps) else float("nan")


def _tonal_centroid(pcs: np.ndarray) -> np.ndarray:
    """Harte et al. (2006) 6-D tonal centroid of ``(..., 12)`` chroma (zeros if empty)."""
    lam = np.arange(12)
    phi = np.stack(
        [
            np.sin(lam * 7 * np.pi / 6),
            np.cos(lam * 7 * np.pi / 6),
            np.sin(lam * 3 * np.pi / 2),
            np.cos(lam * 3 * np.pi / 2),
            0.5 * np.sin(lam * 2 * np.pi / 3),
            0.5 * np.cos(lam * 2 * np.pi / 3),
        ]
    )
    norm = pcs.sum(axis=-1, keepdims=True)
    return (pcs / np.where(norm > 0, norm, 1)) @ phi.T


def tonal_distance(roll: np.ndarray, low: int = LOW) -> float:
    """Mean distance between the tonal centroids of every two tracks, bar by bar
    (MuseGAN's harmonicity measure). Empty bars are skipped.

    Smaller means the two voices' pitch-class content over a bar lies closer on the
    circle of fifths and the circles of thirds. It is a tonal-closeness measure, not a
    consonance measure: it compares what two voices play over a whole bar, not what
    sounds together (two voices playing the same notes at different times are at 0), and
    for two held notes a perfect fourth is as close as a fifth (1.74) and closer than a
    major third (1.94)."""
    r = as_roll(roll)
    bars = chroma(r.reshape(r.shape[0], -1, BAR_STEPS, r.shape[2]), low).sum(axis=2)
    tc = _tonal_centroid(bars)  # (tracks, bars, 6)
    used = bars.sum(axis=2) > 0
    parts = [
        np.linalg.norm(tc[i] - tc[j], axis=1)[used[i] & used[j]]
        for i in range(len(r))
        for j in range(i + 1, len(r))
    ]
    d = np.concatenate(parts) if parts else np.zeros(0)
    return float(d.mean()) if len(d) else float("nan")


def self_similarity(roll: np.ndarray, low: int = LOW) -> np.ndarray:
    """``(bars, bars)`` cosine similarity of the bars' pitch-class-by-step patterns
    (all tracks together): 1 on the diagonal, high where a bar repeats another."""
    r = as_roll(roll)
    bars = chroma(r.any(axis=0).reshape(-1, BAR_STEPS, r.shape[2]), low).reshape(-1, BAR_STEPS * 12)
    n = np.linalg.norm(bars, axis=1, keepdims=True)
    unit = bars / np.where(n > 0, n, 1)
    return unit @ unit.T


def _flat(rolls: np.ndarray) -> np.ndarray:
    return (np.asarray(rolls) > 0).reshape(len(rolls), -1).astype(np.float32)


def distinct_share(rolls: np.ndarray) -> float:
    """Share of distinct rolls in a set ``(N, tracks, steps, pitches)``."""
    flat = (np.asarray(rolls) > 0).reshape(len(rolls), -1)
    return float(len(np.unique(flat, axis=0)) / len(flat))


def _jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    inter = a @ b.T
    union = a.sum(1)[:, None] + b.sum(1)[None, :] - inter
    return 1.0 - np.divide(inter, union, out=np.ones_like(inter), where=union > 0)


def mean_pairwise_distance(rolls: np.ndarray) -> float:
    """Mean Jaccard distance (1 - shared on-cells / all on-cells) over every pair of rolls
    in a set: 0 when all are identical, near 1 when they share no notes."""
    f = _flat(rolls)
    d = _jaccard(f, f)
    n = len(f)
    return float(d[~np.eye(n, dtype=bool)].mean()) if n > 1 else float("nan")


def nearest_distance(rolls: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """``(N,)`` Jaccard distance from each roll to its nearest roll in ``reference``
    (0 = an exact copy, e.g. of a training phrase)."""
    return _jaccard(_flat(rolls), _flat(reference)).min(axis=1)


MEASURES: dict[str, tuple[str, object]] = {
    "empty_bar": ("empty-bar share", empty_bar_share),
    "empty_step": ("empty-step share", empty_step_share),
    "upc": ("pitch classes per bar", used_pitch_classes),
    "qualified": ("qualified-note share (>= 1/8)", qualified_note_share),
    "polyphony": ("polyphony (pitches sounding)", polyphony),
    "in_key": ("in-key share (K-S key)", in_key_share),
    **{
        f"range_{v[0]}": (f"{v} range (semitones)", lambda r, t=t: voice_range(r, t))
        for t, v in enumerate(VOICES)
    },
    "leap": ("melodic leap (semitones)", mean_leap),
    "parallels": ("parallel 5ths/8ves per phrase", parallel_fifths_octaves),
    "tonal_distance": ("tonal-centroid distance of voices", tonal_distance),
    "stepwise": ("stepwise share, upper voices", stepwise_share),
    "stepwise_bass": ("stepwise share, bass", lambda r: stepwise_shares(r)[-1]),
    "voice_order": ("voice order (S>=A>=T>=B)", voice_order_share),
    "crossing": ("voice-crossing share", crossing_share),
    "spacing": ("spacing (S-A, A-T <= 8ve)", spacing_share),
    "chord_share": ("chord share (triads, 7ths)", chord_share),
    "chord_vocab": ("distinct chords per phrase", chord_vocabulary),
    "cadences": ("V-I cadences per phrase", cadence_count),
    "last_cadence": ("V-I cadence in the last bar", last_bar_cadence),
    "smooth_joins": ("smooth joins at bar lines", smooth_join_share),
}
"""``{key: (table label, per-phrase function)}``: every measure :func:`evaluate` computes."""


def evaluate(rolls: np.ndarray) -> dict[str, np.ndarray]:
    """Every per-phrase measure of ``MEASURES`` on ``(N, tracks, steps, pitches)`` rolls:
    ``{key: (N,) float array}`` (NaN where a measure is undefined for a phrase)."""
    rolls = np.asarray(rolls)
    if rolls.ndim != 4:
        raise ValueError(f"expected (N, tracks, steps, pitches) rolls, got shape {rolls.shape}")
    return {k: np.array([fn(r) for r in rolls]) for k, (_, fn) in MEASURES.items()}  # type: ignore[operator]


def mean_measures(per_phrase: Mapping[str, np.ndarray]) -> dict[str, float]:
    """``{key: mean over phrases}`` of :func:`evaluate`'s output, NaN phrases left out
    (NaN where a measure is undefined for every phrase)."""
    return {
        k: float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
        for k, v in per_phrase.items()
    }


def compare(
    sets: Mapping[str, np.ndarray], reference: str = "real", bins: int = 20
) -> dict[str, dict[str, float]]:
    """Mean of every measure for each named set of rolls, plus set-level diversity, and
    each measure's JS divergence and Bhattacharyya distance to ``reference``'s histogram.

    Returns ``{set: {measure key: mean, ..., "distinct": share, "pairwise": distance,
    "js:<key>": ..., "bd:<key>": ...}}``.
    """
    from .. import metrics

    per = {name: evaluate(r) for name, r in sets.items()}
    ref = per[reference]
    out: dict[str, dict[str, float]] = {}
    for name, m in per.items():
        row = mean_measures(m)
        row["distinct"] = distinct_share(sets[name])
        row["pairwise"] = mean_pairwise_distance(sets[name])
        for k, v in m.items():
            a, b = ref[k][np.isfinite(ref[k])], v[np.isfinite(v)]
            if len(a) and len(b):
                p, q, _ = metrics.shared_histograms(a, b, bins=bins)
                row[f"js:{k}"] = metrics.js_divergence(p, q)
                row[f"bd:{k}"] = metrics.bhattacharyya_distance(p, q)
            else:
                row[f"js:{k}"] = row[f"bd:{k}"] = float("nan")
        out[name] = row
    return out
