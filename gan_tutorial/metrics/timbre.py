"""Timbre diagnostics for a conditional audio GAN: what the label does not decide.

When a generator is conditioned on (pitch, family), its noise ``z`` should choose the
instrument within the family and the performance (velocity). Three readable checks, each
comparing generated clips against real clips measured the same way:

* :func:`instrument_coverage` / :func:`coverage_ratio`: how many instruments per family
  the generator plays (an *effective number*: 1 = always the same one).
* :func:`within_label_diversity` / :func:`diversity_ratio`: how different clips that share
  one label are (0 = the generator is a lookup table indexed by the label).
* :func:`memorisation`: how close generated clips sit to their nearest *training* clip,
  against held-out real clips (a ratio well below 1 = copying).

All take arrays: ``(N, d)`` embeddings from a judge network, ``(N, K)`` instrument
probabilities from its instrument head, and ``(N,)`` or ``(N, m)`` integer labels. Distances
are Euclidean, in embedding units. numpy and scipy only.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
from scipy.spatial.distance import cdist, pdist

from ._checks import _features

__all__ = [
    "coverage_ratio",
    "diversity_ratio",
    "effective_number",
    "instrument_coverage",
    "label_diversity",
    "matched_coverage",
    "memorisation",
    "nearest_distances",
    "within_label_diversity",
]


def effective_number(counts: Any) -> float:
    """``exp(entropy)`` of a histogram or probability vector ``(K,)``: the number of equally
    likely categories with the same entropy. 1.0 for one category, K for a uniform spread."""
    c = np.asarray(counts, dtype=np.float64)
    if c.ndim != 1 or c.size == 0 or np.any(c < 0) or not np.all(np.isfinite(c)):
        raise ValueError(f"counts must be a non-empty 1-D array of counts >= 0, got {c!r}.")
    if c.sum() == 0:
        raise ValueError("counts are all zero: there is nothing to count.")
    p = c[c > 0] / c.sum()
    return float(np.exp(-np.sum(p * np.log(p))))


def _labels(labels: Any, n: int, name: str = "labels") -> list[Hashable]:
    """``(N,)`` or ``(N, m)`` labels as a list of N hashable keys (ints or tuples of ints)."""
    arr = np.asarray(labels)
    if arr.ndim not in (1, 2) or arr.shape[0] != n:
        raise ValueError(
            f"{name} must have shape ({n},) or ({n}, m), one row per clip, got {arr.shape}."
        )
    if arr.ndim == 1:
        return [k.item() for k in arr]
    return [tuple(row.tolist()) for row in arr]


def instrument_coverage(probs: Any, families: Any) -> dict[Hashable, float]:
    """Effective number of instruments played in each family, ``{family: number}``.

    ``probs``: ``(N, K)`` instrument probabilities from the judge's head (rows sum to 1);
    ``families``: ``(N,)`` the family each clip was generated (or recorded) as.

    Each clip is counted as its most probable instrument (argmax), and the family's number
    is :func:`effective_number` of that histogram. Why argmax and not the entropy of the
    mean probabilities: a generator that collapses onto the family's *average* timbre makes
    clips the head is unsure about, and their mean probabilities look spread over many
    instruments although every clip sounds the same. Argmax counts that blur as one
    instrument. The plug-in entropy grows with the number of clips, so compare generated
    and real families at equal clip counts (at least a few clips per instrument).
    """
    p = _features(probs, "probs")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("probs rows must be probabilities summing to 1 (apply softmax first).")
    fams = _labels(families, p.shape[0], "families")
    picked = np.argmax(p, axis=1)
    out: dict[Hashable, float] = {}
    for fam in sorted(set(fams), key=repr):
        mask = np.array([f == fam for f in fams])
        out[fam] = effective_number(np.bincount(picked[mask], minlength=p.shape[1]))
    return out


def coverage_ratio(generated: Mapping[Hashable, float], real: Mapping[Hashable, float]) -> float:
    """Mean over families of ``generated[f] / real[f]`` for two :func:`instrument_coverage`
    results. About 1 when the generator spreads over instruments as the data do; 1/K-ish
    when it plays one instrument per family. Per family: ``{f: generated[f] / real[f]}``."""
    if set(generated) != set(real) or not real:
        raise ValueError(
            f"generated and real must cover the same families, got {sorted(generated, key=repr)} "
            f"and {sorted(real, key=repr)}."
        )
    return float(np.mean([generated[f] / real[f] for f in real]))


def matched_coverage(
    gen_probs: Any,
    gen_families: Any,
    real_probs: Any,
    real_families: Any,
    repeats: int = 20,
    rng: int = 0,
) -> tuple[dict[Hashable, float], dict[Hashable, float]]:
    """:func:`instrument_coverage` of both sets at equal clip counts per family.

    The plug-in effective number grows with the number of clips, so for each family of
    ``real_families`` both sides are scored on ``m = min(n_gen, n_real)`` of that family's
    clips: the mean over ``repeats`` seeded draws without replacement. A family the
    generator never plays scores 0 on its side. Returns ``(generated, real)`` dicts
    ``{family: effective number}`` for :func:`coverage_ratio`.
    """
    gp, rp = _features(gen_probs, "gen_probs"), _features(real_probs, "real_probs")
    gf = np.array(_labels(gen_families, gp.shape[0], "gen_families"), dtype=object)
    rf = np.array(_labels(real_families, rp.shape[0], "real_families"), dtype=object)
    gen_pick, real_pick = np.argmax(gp, axis=1), np.argmax(rp, axis=1)
    k = max(gp.shape[1], rp.shape[1])
    g = np.random.default_rng(rng)
    out_gen: dict[Hashable, float] = {}
    out_real: dict[Hashable, float] = {}
    for fam in sorted(set(rf.tolist()), key=repr):
        gi, ri = np.flatnonzero(gf == fam), np.flatnonzero(rf == fam)
        m = min(len(gi), len(ri))
        if m == 0:
            out_gen[fam], out_real[fam] = (
                0.0,
                effective_number(np.bincount(real_pick[ri], minlength=k)),
            )
            continue
        vals = [
            [effective_number(np.bincount(pick[g.choice(idx, m, replace=False)], minlength=k))
             for pick, idx in ((gen_pick, gi), (real_pick, ri))]
            for _ in range(repeats)
        ]  # fmt: skip
        out_gen[fam], out_real[fam] = (float(v) for v in np.mean(vals, axis=0))
    return out_gen, out_real


def label_diversity(embeddings: Any, labels: Any) -> dict[Hashable, float]:
    """Mean pairwise embedding distance among the clips of each label, ``{label: distance}``.

    ``embeddings``: ``(N, d)``; ``labels``: ``(N,)`` or ``(N, m)`` integers, e.g. columns
    (pitch, family). A label with a single clip has no pairs: its value is NaN.
    """
    x = _features(embeddings, "embeddings")
    keys = _labels(labels, x.shape[0])
    groups: dict[Hashable, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    return {
        key: float(np.mean(pdist(x[idx]))) if len(idx) >= 2 else float("nan")
        for key, idx in groups.items()
    }


def within_label_diversity(embeddings: Any, labels: Any) -> float:
    """:func:`label_diversity` averaged over the labels that have at least 2 clips.
    Raises if no label has 2 clips (draw several clips per label, e.g. 16 for each of 20)."""
    values = [v for v in label_diversity(embeddings, labels).values() if not np.isnan(v)]
    if not values:
        raise ValueError("no label has 2 or more clips, so there are no pairs to compare.")
    return float(np.mean(values))


def diversity_ratio(
    gen_embeddings: Any, gen_labels: Any, real_embeddings: Any, real_labels: Any
) -> float:
    """Within-label diversity of generated clips over that of real clips, on the labels both
    sets have at least 2 clips of: ``mean_gen / mean_real``. About 1 when z varies the
    clips as much as the data vary; 0 when every clip of a label is the same."""
    gen = label_diversity(gen_embeddings, gen_labels)
    real = label_diversity(real_embeddings, real_labels)
    shared = [k for k in real if k in gen and not np.isnan(gen[k]) and not np.isnan(real[k])]
    if not shared:
        raise ValueError(
            "no label has 2 or more clips in both the generated and the real set; generate "
            "clips for the labels that the real set repeats."
        )
    real_mean = float(np.mean([real[k] for k in shared]))
    if real_mean == 0:
        raise ValueError("the real clips of every shared label are identical; no scale to compare.")
    return float(np.mean([gen[k] for k in shared])) / real_mean


def nearest_distances(queries: Any, refs: Any) -> np.ndarray:
    """Distance from each row of ``(N, d)`` ``queries`` to its nearest row of ``(M, d)``
    ``refs``, ``(N,)`` in embedding units."""
    q = _features(queries, "queries")
    r = _features(refs, "refs")
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"queries {q.shape} and refs {r.shape} need the same dimension d.")
    out = np.empty(q.shape[0])
    chunk = max(1, int(4e6 // r.shape[0]))
    for start in range(0, q.shape[0], chunk):
        out[start : start + chunk] = cdist(q[start : start + chunk], r).min(axis=1)
    return out


def memorisation(
    generated: Any, train: Any, heldout: Any, threshold: float = 0.9
) -> dict[str, Any]:
    """Do generated clips sit closer to the training clips than new real clips do?

    ``generated``, ``train``, ``heldout``: ``(N_gen, d)``, ``(N_train, d)``, ``(N_held, d)``
    embeddings; ``heldout`` are real clips the generator never saw. A generator that learned
    the distribution lands as far from its nearest training clip as a held-out real clip
    does, so ``ratio = median(gen_distances) / median(heldout_distances)`` is about 1.
    A generator that copies lands on training clips: ratio well below 1.

    Returns a dict: ``ratio`` (float), ``memorised`` (bool, ``ratio < threshold``),
    ``gen_distances`` ``(N_gen,)`` and ``heldout_distances`` ``(N_held,)``: look at the
    smallest ``gen_distances`` to find the copied clips. Medians, so a few copies among
    many new clips do not flag the set; the per-clip distances show them.
    """
    gen_d = nearest_distances(generated, train)
    held_d = nearest_distances(heldout, train)
    held_median = float(np.median(held_d))
    if held_median == 0:
        raise ValueError(
            "half or more of the held-out clips also occur in the training set: "
            "hold out clips that the generator was not trained on."
        )
    ratio = float(np.median(gen_d)) / held_median
    return {
        "ratio": ratio,
        "memorised": ratio < threshold,
        "gen_distances": gen_d,
        "heldout_distances": held_d,
    }
