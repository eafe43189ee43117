"""Framework-free stability tricks from chapter 23: label smoothing, the optimal
discriminator, the ``n_critic`` schedule, fade-in / progressive-growing schedules and
learning-rate presets (TTUR).

Notes on the chapter's source text:

* **Learning rates.** The source suggests G 1e-3 / D 1e-4, i.e. a *faster generator*.
  The two time-scale update rule (TTUR, Heusel et al. 2017) does the opposite: the
  discriminator learns faster (e.g. G 1e-4 / D 4e-4), so the generator always faces a
  near-optimal discriminator. :data:`TTUR` lists both so the notebook can compare them.
* **Label smoothing.** The source smooths both sides (real 0.9, fake 0.1). Salimans et al.
  (2016) recommend *one-sided* smoothing (real 0.9, fake 0): with a fake target > 0 the
  optimal discriminator is ``D*(x) = (0.9 p_data + 0.1 p_g) / (p_data + p_g)``
  (:func:`optimal_discriminator`), which is > 0 where ``p_data = 0`` and so rewards the
  generator for staying wherever it already puts mass.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "SMOOTHING_MODES",
    "TTUR",
    "ProgressiveSchedule",
    "critic_schedule",
    "fade_in_alpha",
    "label_targets",
    "n_critic_steps",
    "optimal_discriminator",
]

Smoothing = Literal["none", "one-sided", "two-sided"]
SMOOTHING_MODES: tuple[str, ...] = ("none", "one-sided", "two-sided")

TTUR: dict[str, tuple[float, float]] = {
    "source (G 1e-3, D 1e-4)": (1e-3, 1e-4),
    "equal (2e-4)": (2e-4, 2e-4),
    "TTUR (G 1e-4, D 4e-4)": (1e-4, 4e-4),
}
"""Learning-rate presets ``name -> (lr_g, lr_d)``."""


def label_targets(
    batch: int, smoothing: Smoothing = "none", real: float = 0.9, fake: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """Discriminator targets for one batch: ``(real_t, fake_t)``, each ``(batch,)`` float32.

    ``"none"`` -> (1, 0); ``"one-sided"`` -> (``real``, 0) (recommended);
    ``"two-sided"`` -> (``real``, ``fake``) (what the source text does).
    """
    if batch < 0:
        raise ValueError(f"batch must be >= 0, got {batch}")
    if smoothing == "none":
        r, f = 1.0, 0.0
    elif smoothing == "one-sided":
        r, f = real, 0.0
    elif smoothing == "two-sided":
        r, f = real, fake
    else:
        raise ValueError(f"smoothing={smoothing!r}; use one of {', '.join(SMOOTHING_MODES)}")
    return np.full(batch, r, dtype=np.float32), np.full(batch, f, dtype=np.float32)


def optimal_discriminator(
    p_data: ArrayLike, p_g: ArrayLike, real_target: float = 1.0, fake_target: float = 0.0
) -> np.ndarray:
    """Pointwise optimum of the BCE discriminator for fixed densities.

    ``D*(x) = (t_r p_data(x) + t_f p_g(x)) / (p_data(x) + p_g(x))``; with ``t_r=1, t_f=0``
    this is Goodfellow et al.'s ``p_data / (p_data + p_g)``. Same shape as the (broadcast)
    inputs; NaN where both densities are 0 (D* is undefined there).
    """
    pd, pg = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    if np.any(pd < 0) or np.any(pg < 0):
        raise ValueError("densities must be >= 0")
    with np.errstate(invalid="ignore", divide="ignore"):
        return (real_target * pd + fake_target * pg) / (pd + pg)


def critic_schedule(n_critic: int = 5, total: int | None = None) -> Iterator[str]:
    """Yield ``"D"`` ``n_critic`` times then ``"G"`` once, repeating.

    ``total`` limits the number of yielded updates (``None``: forever).
    Example: ``list(critic_schedule(2, 7)) == ['D', 'D', 'G', 'D', 'D', 'G', 'D']``.
    """
    if n_critic < 1:
        raise ValueError(f"n_critic must be >= 1, got {n_critic}")
    i = 0
    while total is None or i < total:
        yield "G" if i % (n_critic + 1) == n_critic else "D"
        i += 1


def n_critic_steps(step_budget: int, n_critic: int = 5) -> tuple[int, int]:
    """``(d_steps, g_steps)`` spent by :func:`critic_schedule` in ``step_budget`` updates."""
    if step_budget < 0:
        raise ValueError(f"step_budget must be >= 0, got {step_budget}")
    if n_critic < 1:
        raise ValueError(f"n_critic must be >= 1, got {n_critic}")
    g = step_budget // (n_critic + 1)
    return step_budget - g, g


def fade_in_alpha(step: int, fade_steps: int) -> float:
    """Linear fade-in weight ``clip(step / fade_steps, 0, 1)``; 1.0 when ``fade_steps <= 0``."""
    if fade_steps <= 0:
        return 1.0
    return float(min(1.0, max(0.0, step / fade_steps)))


@dataclass(frozen=True)
class ProgressiveSchedule:
    """Which resolution to train and with which fade-in ``alpha`` at a given step.

    Every stage lasts ``steps_per_stage`` steps. Stages after the first begin with a
    fade-in over ``fade_fraction * steps_per_stage`` steps (alpha 0 -> 1), then train the
    new resolution with alpha 1. The first stage has no fade-in. After the last stage the
    schedule stays at the final resolution with alpha 1.
    """

    resolutions: tuple[int, ...] = (8, 16, 32, 64)
    steps_per_stage: int = 1000
    fade_fraction: float = 0.5

    def __post_init__(self) -> None:
        if not self.resolutions:
            raise ValueError("resolutions must not be empty")
        if self.steps_per_stage < 1:
            raise ValueError(f"steps_per_stage must be >= 1, got {self.steps_per_stage}")
        if not 0.0 <= self.fade_fraction <= 1.0:
            raise ValueError(f"fade_fraction must be in [0, 1], got {self.fade_fraction}")

    @property
    def total_steps(self) -> int:
        """Steps until the last stage is finished."""
        return len(self.resolutions) * self.steps_per_stage

    @property
    def fade_steps(self) -> int:
        return math.floor(self.fade_fraction * self.steps_per_stage)

    def index(self, step: int) -> tuple[int, float]:
        """``(stage_index, alpha)`` at ``step`` — what ``Progressive*.forward`` takes."""
        if step < 0:
            raise ValueError(f"step must be >= 0, got {step}")
        s = min(step // self.steps_per_stage, len(self.resolutions) - 1)
        if s == 0:
            return 0, 1.0
        return s, fade_in_alpha(step - s * self.steps_per_stage, self.fade_steps)

    def stage(self, step: int) -> tuple[int, float]:
        """``(resolution, alpha)`` at ``step``."""
        s, alpha = self.index(step)
        return self.resolutions[s], alpha
