"""Music measures for multi-track piano rolls, after MuseGAN's (Dong et al., 2018).

Every per-phrase measure takes one ``(tracks, steps, pitches)`` 0/1 roll (tracks in
soprano, alto, tenor, bass order; pitch index ``k`` is MIDI ``low + k``) and returns a
float (NaN where undefined, e.g. the in-key share of an empty phrase). :func:`evaluate`
applies them all to ``(N, tracks, steps, pitches)`` sets; :func:`compare` sets them side
by side with chapter 24's histogram distances (JS divergence, Bhattacharyya distance).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .rolls import BAR_STEPS, LOW, VOICES, _runs

__all__ = [
    "KS_MAJOR",
    "KS_MINOR",
    "MEASURES",
    "compare",
    "distinct_share",
    "empty_bar_share",
    "empty_step_share",
    "estimate_key",
    "evaluate",
    "in_key_share",
    "key_name",
    "mean_leap",
    "mean_pairwise_distance",
    "nearest_distance",
    "parallel_fifths_octaves",
    "pitch_class_histogram",
    "polyphony",
    "qualified_note_share",
    "self_similarity",
    "tonal_distance",
    "used_pitch_classes",
    "voice_range",
]

# Krumhansl-Kessler key profiles (Krumhansl 1990), tonic first.
KS_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KS_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10, 11)  # natural minor plus the leading tone
_PC_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def _check(roll: np.ndarray) -> np.ndarray:
    r = np.asarray(roll) > 0
    if r.ndim != 3:
        raise ValueError(f"expected one (tracks, steps, pitches) roll, got shape {r.shape}")
    return r


def _chroma(on: np.ndarray, low: int) -> np.ndarray:
    """Fold the last (pitch) axis of a boolean array into 12 pitch-class counts."""
    idx = (low + np.arange(on.shape[-1])) % 12
    out = np.zeros((*on.shape[:-1], 12))
    for pc in range(12):
        out[..., pc] = on[..., idx == pc].sum(axis=-1)
    return out


def empty_bar_share(roll: np.ndarray) -> float:
    """Share of (track, bar) pairs without any note."""
    r = _check(roll)
    bars = r.reshape(r.shape[0], -1, BAR_STEPS, r.shape[2])
    return float((~bars.any(axis=(2, 3))).mean())


def empty_step_share(roll: np.ndarray) -> float:
    """Share of (track, step) cells in which the track is silent."""
    return float((~_check(roll).any(axis=2)).mean())


def used_pitch_classes(roll: np.ndarray, low: int = LOW) -> float:
    """Mean number of distinct pitch classes per non-empty bar, all tracks together."""
    r = _check(roll)
    bars = np.asarray(
        r.reshape(r.shape[0], -1, BAR_STEPS, r.shape[2]).any(axis=(0, 2))
    )  # (bars, pitches)
    counts = (_chroma(bars, low) > 0).sum(axis=1)
    used = bars.any(axis=1)
    return float(counts[used].mean()) if used.any() else float("nan")


def qualified_note_share(roll: np.ndarray, min_steps: int = 2) -> float:
    """Share of notes lasting at least ``min_steps`` steps (2 = an eighth note here: on a
    sixteenth grid every note lasts at least a sixteenth)."""
    r = _check(roll)
    lengths = [
        b - a for t, k in zip(*np.nonzero(r.any(axis=1)), strict=True) for a, b in _runs(r[t, :, k])
    ]
    return float(np.mean(np.array(lengths) >= min_steps)) if lengths else float("nan")


def polyphony(roll: np.ndarray) -> float:
    """Mean number of distinct pitches sounding per step, all tracks together (a
    four-voice chorale gives close to 4; fewer at rests and unisons)."""
    return float(_check(roll).any(axis=0).sum(axis=1).mean())


def pitch_class_histogram(roll: np.ndarray, low: int = LOW) -> np.ndarray:
    """``(12,)`` duration-weighted pitch-class counts (steps sounding), all tracks."""
    return _chroma(_check(roll), low).sum(axis=(0, 1))


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
    return f"{_PC_NAMES[key[0]]} {key[1]}"


def in_key_share(roll: np.ndarray, low: int = LOW) -> float:
    """Share of sounding note-steps whose pitch class is in the Krumhansl-Schmuckler key
    (major scale; minor = natural minor plus the leading tone)."""
    h = pitch_class_histogram(roll, low)
    if h.sum() == 0:
        return float("nan")
    tonic, mode = estimate_key(h)
    scale = [(tonic + d) % 12 for d in (_MAJOR_SCALE if mode == "major" else _MINOR_SCALE)]
    return float(h[scale].sum() / h.sum())


def voice_range(roll: np.ndarray, track: int, low: int = LOW) -> float:
    """Highest minus lowest pitch of one track, in semitones (NaN if it is silent)."""
    used = np.flatnonzero(_check(roll)[track].any(axis=0))
    return float(used[-1] - used[0]) if len(used) else float("nan")


def _line(r: np.ndarray) -> np.ndarray:
    """``(tracks, steps)`` highest sounding pitch index per track and step, -1 when silent."""
    top = r.shape[2] - 1 - np.argmax(r[:, :, ::-1], axis=2)
    return np.where(r.any(axis=2), top, -1)


def parallel_fifths_octaves(roll: np.ndarray) -> float:
    """Number of parallel perfect fifths and octaves (unisons included) between any two
    tracks: both voices move in the same direction at the same step, from one perfect
    fifth (or octave) to another. Each track's line is its highest sounding pitch."""
    line = _line(_check(roll))
    count = 0
    for i in range(len(line)):
        for j in range(i + 1, len(line)):
            a, b = line[i], line[j]
            a0, a1, b0, b1 = a[:-1], a[1:], b[:-1], b[1:]
            sounding = (a0 >= 0) & (a1 >= 0) & (b0 >= 0) & (b1 >= 0)
            same_dir = (a1 - a0) * (b1 - b0) > 0
            iv0, iv1 = (a0 - b0) % 12, (a1 - b1) % 12
            perfect = (iv0 == iv1) & ((iv0 == 0) | (iv0 == 7))
            count += int((sounding & same_dir & perfect).sum())
    return float(count)


def mean_leap(roll: np.ndarray) -> float:
    """Mean size of the melodic intervals, in semitones: from each note of a voice to its
    next different pitch (each voice's line is its highest sounding pitch; rests skipped).
    Chorale voices move mostly by step (1-2 semitones)."""
    line = _line(_check(roll))
    parts: list[np.ndarray] = []
    for v in line:
        p = v[v >= 0]
        d = np.abs(np.diff(p))
        parts.append(d[d > 0])
    leaps = np.concatenate(parts) if parts else np.zeros(0)
    return float(leaps.mean()) if len(leaps) else float("nan")


def _tonal_centroid(chroma: np.ndarray) -> np.ndarray:
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
    norm = chroma.sum(axis=-1, keepdims=True)
    return (chroma / np.where(norm > 0, norm, 1)) @ phi.T


def tonal_distance(roll: np.ndarray, low: int = LOW) -> float:
    """Mean distance between the tonal centroids of every two tracks, bar by bar
    (MuseGAN's harmonicity measure; smaller = more consonant). Empty bars are skipped."""
    r = _check(roll)
    bars = _chroma(r.reshape(r.shape[0], -1, BAR_STEPS, r.shape[2]), low).sum(axis=2)
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
    r = _check(roll)
    bars = _chroma(r.any(axis=0).reshape(-1, BAR_STEPS, r.shape[2]), low).reshape(
        -1, BAR_STEPS * 12
    )
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
    "tonal_distance": ("tonal distance between voices", tonal_distance),
}


def evaluate(rolls: np.ndarray) -> dict[str, np.ndarray]:
    """Every per-phrase measure of ``MEASURES`` on ``(N, tracks, steps, pitches)`` rolls:
    ``{key: (N,) float array}`` (NaN where a measure is undefined for a phrase)."""
    rolls = np.asarray(rolls)
    if rolls.ndim != 4:
        raise ValueError(f"expected (N, tracks, steps, pitches) rolls, got shape {rolls.shape}")
    return {k: np.array([fn(r) for r in rolls]) for k, (_, fn) in MEASURES.items()}  # type: ignore[operator]


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
        row = {
            k: float(np.nanmean(v)) if np.isfinite(v).any() else float("nan") for k, v in m.items()
        }
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
