"""Listening-test analysis: mean opinion scores with confidence intervals
(:func:`summarise_ratings`) and agreement between raters (:func:`rater_agreement`).
Rows come from :func:`gan_tutorial.metrics.ratings.load_ratings`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from .ratings import CRITERIA, SOURCES

__all__ = ["rater_agreement", "summarise_ratings"]


def _mean_ci(values: Sequence[float], confidence: float = 0.95) -> dict[str, float]:
    """Mean, t-distribution CI half-width and n; NaN where undefined (n < 1 or n < 2)."""
    v = np.asarray(values, dtype=np.float64)
    n = int(v.size)
    mean = float(v.mean()) if n else math.nan
    if n < 2:
        return {"mean": mean, "ci95": math.nan, "n": n}
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * v.std(ddof=1) / math.sqrt(n)
    return {"mean": mean, "ci95": float(half), "n": n}


def summarise_ratings(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Summarise listening-test rows (from :func:`load_ratings`).

    Returns ``{criterion: {source: {"mean", "ci95", "n"}}}`` for criterion in
    realism/diversity/clarity and source in real/generated (``ci95``: half-width of the
    95 % t-interval of the mean rating, NaN for n < 2), plus
    ``"identification_accuracy"``: share of rows whose guess equals the true source (0.5 is
    chance: listeners cannot tell), ``"identification_accuracy_by_source"`` and
    ``"n_ratings"`` / ``"n_raters"``.
    """
    if len(rows) == 0:
        raise ValueError("no ratings to summarise; rate some clips or check the CSV paths.")
    out: dict[str, Any] = {}
    for criterion in CRITERIA:
        out[criterion] = {
            source: _mean_ci([float(r[criterion]) for r in rows if r["source"] == source])
            for source in SOURCES
        }
    correct = [r["guess"] == r["source"] for r in rows]
    out["identification_accuracy"] = float(np.mean(correct))
    out["identification_accuracy_by_source"] = {
        s: (
            float(np.mean([r["guess"] == s for r in rows if r["source"] == s]))
            if any(r["source"] == s for r in rows)
            else math.nan
        )
        for s in SOURCES
    }
    out["n_ratings"] = len(rows)
    out["n_raters"] = len({r["rater_id"] for r in rows})
    return out


def rater_agreement(rows: Sequence[dict[str, Any]], criterion: str | None = "realism") -> float:
    """Krippendorff's alpha (interval metric) between raters, in (-inf, 1].

    Units are clips (``clip_id``); with ``criterion=None`` every (clip, criterion) pair is
    a unit. Only units rated by at least 2 raters count. 1 = perfect agreement, 0 = no
    better than chance, negative = systematic disagreement. If a rater rated a clip twice,
    both ratings count. Returns NaN when no unit has 2 ratings or all values are equal
    (no variation: alpha is undefined).
    """
    criteria = CRITERIA if criterion is None else (criterion,)
    for c in criteria:
        if c not in CRITERIA:
            raise ValueError(f"criterion must be one of {CRITERIA} or None, got {c!r}.")
    units: dict[tuple[str, str], list[float]] = {}
    for r in rows:
        for c in criteria:
            units.setdefault((str(r["clip_id"]), c), []).append(float(r[c]))
    pairable = [np.asarray(v) for v in units.values() if len(v) >= 2]
    if not pairable:
        return math.nan
    values = np.concatenate(pairable)
    n = values.size
    # observed disagreement: within-unit squared differences over ordered pairs / (m_u - 1)
    d_obs = sum(float(np.sum((v[:, None] - v[None, :]) ** 2)) / (v.size - 1) for v in pairable) / n
    # expected disagreement: all ordered pairs of pairable values
    d_exp = 2.0 * n * float(np.sum((values - values.mean()) ** 2)) / (n * (n - 1))
    if d_exp == 0:
        return math.nan
    return float(1.0 - d_obs / d_exp)
