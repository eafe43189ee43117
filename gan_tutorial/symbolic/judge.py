"""Which measures tell a set of phrases from real ones: targets and a separation test.

* :data:`TARGETS` - the course's pass/fail targets for generated phrases, each a rule on
  the set's mean against real's mean (the four earlier ones and three of four-part
  writing, issue 23);
* :func:`separation` - for every per-phrase measure, whether it tells a set's phrases
  from real ones (:func:`auc`). A baseline that passes a measure shows what the measure
  cannot hear.

Numpy only; the inputs are :func:`.measures.compare` tables and :func:`.measures.evaluate`
values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = [
    "NEW_TARGETS",
    "OLD_TARGETS",
    "TARGETS",
    "Target",
    "Verdict",
    "auc",
    "check_targets",
    "separation",
    "separation_table",
]


@dataclass(frozen=True)
class Target:
    """A pass/fail rule on one row of a :func:`.measures.compare` table.

    ``kind``: ``"ratio_at_least"`` (value >= bound x real), ``"ratio_at_most"`` (value <=
    bound x real), ``"within"`` (abs(value - real) <= bound) or ``"at_least"`` (value >=
    bound, real not used)."""

    key: str
    kind: str
    bound: float
    text: str

    def passes(self, value: float, real: float) -> bool:
        if not np.isfinite(value):
            return False
        if self.kind == "ratio_at_least":
            return bool(value >= self.bound * real)
        if self.kind == "ratio_at_most":
            return bool(value <= self.bound * real)
        if self.kind == "within":
            return bool(abs(value - real) <= self.bound)
        if self.kind == "at_least":
            return bool(value >= self.bound)
        raise ValueError(f"unknown target kind {self.kind!r}")


OLD_TARGETS = (
    Target("in_key", "within", 0.10, "in-key share within 10 points of real"),
    Target("polyphony", "within", 0.5, "mean polyphony within 0.5 voices of real"),
    Target("empty_step", "ratio_at_most", 2.0, "empty-step share at most twice real"),
    Target("distinct", "at_least", 0.95, ">= 95% of phrases distinct"),
)
NEW_TARGETS = (
    Target("stepwise", "ratio_at_least", 0.8, "stepwise share of upper voices >= 0.8 x real"),
    Target("voice_order", "ratio_at_least", 0.9, "voice order >= 0.9 x real"),
    Target("chord_share", "ratio_at_least", 0.7, "chord share >= 0.7 x real"),
)
TARGETS = OLD_TARGETS + NEW_TARGETS


def check_targets(
    table: Mapping[str, Mapping[str, float]],
    targets: tuple[Target, ...] = TARGETS,
    reference: str = "real",
) -> dict[str, dict[str, bool]]:
    """``{set: {target text: passed}}`` for every set of a :func:`.measures.compare` table
    (the reference set included: it passes its own ratio and ``within`` targets)."""
    ref = table[reference]
    return {
        name: {t.text: t.passes(row[t.key], ref[t.key]) for t in targets}
        for name, row in table.items()
    }


class Verdict(NamedTuple):
    """One measure on one set: its ``mean``, the ``ratio`` of that mean to real's, the
    ``auc`` (chance that a random phrase of the set scores above a random real phrase,
    ties counting half: 0.5 = the measure cannot tell them apart) and whether the
    measure ``separates`` the set from real (``auc`` at least ``margin`` from 0.5)."""

    mean: float
    ratio: float
    auc: float
    separates: bool


def auc(values: np.ndarray, real: np.ndarray) -> float:
    """Chance that a value of ``values`` exceeds one of ``real`` (ties count half; NaNs
    dropped): the Mann-Whitney statistic divided by the number of pairs."""
    a = np.asarray(values, dtype=float)
    r = np.asarray(real, dtype=float)
    a, r = a[np.isfinite(a)], r[np.isfinite(r)]
    if not len(a) or not len(r):
        return float("nan")
    return float((a[:, None] > r[None, :]).mean() + 0.5 * (a[:, None] == r[None, :]).mean())


def separation(
    values: Mapping[str, Mapping[str, np.ndarray]], reference: str = "real", margin: float = 0.25
) -> dict[str, dict[str, Verdict]]:
    """For each set and per-phrase measure (``values``: ``{set: evaluate(rolls)}``), a
    :class:`Verdict`. A measure **separates** a set from real when its :func:`auc` is at
    most ``0.5 - margin`` or at least ``0.5 + margin`` (default: it ranks a random phrase
    of the set and a random real phrase the right way round at least 3 times in 4).
    Unlike a ratio of means, this works for measures whose real value is near 0 (empty
    steps, parallels) and for counts with many ties (cadences).
    """
    ref = values[reference]
    out: dict[str, dict[str, Verdict]] = {}
    for name, per in values.items():
        row = {}
        for key, v in per.items():
            v = np.asarray(v, dtype=float)
            mean = float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
            real_mean = float(np.nanmean(ref[key])) if np.isfinite(ref[key]).any() else 0.0
            ratio = mean / real_mean if real_mean != 0 else float("nan")
            a = auc(v, ref[key])
            row[key] = Verdict(mean, ratio, a, bool(abs(a - 0.5) >= margin))
        out[name] = row
    return out


def separation_table(
    verdicts: Mapping[str, Mapping[str, Verdict]], labels: Mapping[str, str] | None = None
) -> str:
    """A text table: one row per measure, each set's mean, with ``*`` where the measure
    separates that set from real; a last row counts the separating measures per set."""
    names = list(verdicts)
    keys = list(verdicts[names[0]])
    labels = labels or {}
    lines = [f"{'measure':36s}" + "".join(f"{n:>16s}" for n in names)]
    for k in keys:
        cells = [
            f"{verdicts[n][k].mean:8.3f}{' *' if verdicts[n][k].separates else '  '}".rjust(16)
            for n in names
        ]
        lines.append(f"{labels.get(k, k):36s}" + "".join(cells))
    counts = [sum(v.separates for v in verdicts[n].values()) for n in names]
    lines.append(f"{'measures that separate it (*)':36s}" + "".join(f"{c:>16d}" for c in counts))
    return "\n".join(lines)
