"""Framework-free training plumbing: NaN guard, loss history, live loss plot, checkpoint cadence.

Used by :mod:`gan_tutorial.torch.training` and :mod:`gan_tutorial.keras.training`, and
meant to be called from hand-written training loops in the notebooks too. Step numbers
count *completed* optimisation steps: after the first step, ``step == 1``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .errors import TrainingDiverged

# Lazy imports: IPython and matplotlib only when a live plot draws in a notebook, so that
# scripts and the training command line never load them.

__all__ = ["LivePlot", "LossHistory", "check_finite", "every"]

_PRETTY = {
    "d": "discriminator",
    "d_loss": "discriminator",
    "disc": "discriminator",
    "g": "generator",
    "g_loss": "generator",
    "gen": "generator",
    "critic": "critic",
    "c": "critic",
    "c_loss": "critic",
    "gp": "gradient-penalty",
}


def _pretty(name: str) -> str:
    return _PRETTY.get(name, name)


def check_finite(step: int, /, *, checkpoint: str | None = None, **losses: Any) -> dict[str, float]:
    """Return ``{name: float(loss)}``, or raise :class:`TrainingDiverged` if any is NaN/inf.

    ``losses`` may be Python floats, numpy scalars, or scalar torch/TF tensors. Names
    ``d``/``d_loss`` and ``g``/``g_loss`` are spelled out as discriminator/generator in
    the message. ``checkpoint`` describes the last good checkpoint (e.g. its path and
    step) so the message can say where to resume from. Call it *before* saving anything.
    """
    values = {name: float(v) for name, v in losses.items()}
    bad = [(n, v) for n, v in values.items() if not math.isfinite(v)]
    if bad:
        what = "; ".join(
            f"{_pretty(n)} loss is {'NaN' if math.isnan(v) else str(v)}" for n, v in bad
        )
        where = (
            f"last good checkpoint is {checkpoint}"
            if checkpoint
            else "no checkpoint was saved in this run"
        )
        raise TrainingDiverged(
            f"step {step}: {what} — training stopped; {where}. "
            "Fix: lower the learning rate (e.g. halve it), check the data for NaN/inf "
            "(real batches must be finite and in [-1, 1]), use a logit output with "
            "from_logits/BCEWithLogits losses, or try gradient clipping or spectral norm; "
            "then resume from the checkpoint."
        )
    return values


def every(step: int, n: int | None) -> bool:
    """True when ``n > 0`` and ``step`` (completed steps, >= 1) is a multiple of ``n``."""
    return n is not None and n > 0 and step > 0 and step % n == 0


class LossHistory:
    """Per-step losses: ``append(step, d=..., g=...)``; then ``as_arrays()`` / ``smoothed()``.

    Every name is stored for every step (a loss missing at a step is stored as NaN).
    ``state_dict()`` / ``load_state_dict()`` use plain lists, safe for
    ``torch.load(weights_only=True)`` and JSON.
    """

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.losses: dict[str, list[float]] = {}

    def __len__(self) -> int:
        return len(self.steps)

    def append(self, step: int, **losses: float) -> None:
        n = len(self.steps)
        for name in losses:
            if name not in self.losses:
                self.losses[name] = [math.nan] * n
        self.steps.append(int(step))
        for name, series in self.losses.items():
            series.append(float(losses.get(name, math.nan)))

    def last(self) -> dict[str, float]:
        """The most recent value of each loss (empty dict before the first step)."""
        return {k: v[-1] for k, v in self.losses.items()} if self.steps else {}

    def as_arrays(self) -> dict[str, np.ndarray]:
        """``{'step': int64 (n,), name: float64 (n,), ...}``."""
        out = {"step": np.asarray(self.steps, dtype=np.int64)}
        out.update({k: np.asarray(v, dtype=np.float64) for k, v in self.losses.items()})
        return out

    def smoothed(self, window: int = 50) -> dict[str, np.ndarray]:
        """Trailing moving average over ``window`` steps (shorter at the start); same keys."""
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        arrays = self.as_arrays()
        out = {"step": arrays.pop("step")}
        for name, v in arrays.items():
            c = np.concatenate([[0.0], np.cumsum(v)])
            idx = np.arange(1, len(v) + 1)
            lo = np.maximum(idx - window, 0)
            out[name] = (c[idx] - c[lo]) / (idx - lo)
        return out

    def truncate(self, step: int) -> None:
        """Drop entries after ``step`` (used when resuming from an older checkpoint)."""
        keep = sum(1 for s in self.steps if s <= step)
        self.steps = self.steps[:keep]
        self.losses = {k: v[:keep] for k, v in self.losses.items()}

    def state_dict(self) -> dict[str, Any]:
        return {"steps": list(self.steps), "losses": {k: list(v) for k, v in self.losses.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.steps = [int(s) for s in state["steps"]]
        self.losses = {str(k): [float(x) for x in v] for k, v in state["losses"].items()}


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class LivePlot:
    """Loss curves that redraw in place in a notebook (one output area, updated).

    ``plot.update(history)`` draws raw losses faintly and their moving average boldly,
    x axis 'step', y axis 'loss'. Outside a Jupyter kernel (scripts, tests) it does
    nothing, unless ``force=True`` (then it still draws, to ``.figure``, without
    displaying).
    """

    def __init__(
        self,
        title: str = "GAN losses",
        window: int = 25,
        names: Iterable[str] | None = None,
        force: bool = False,
    ) -> None:
        self.title, self.window = title, window
        self.names = list(names) if names is not None else None
        self.enabled = force or _in_ipython()
        self._display = None
        self.figure: Any = None  # matplotlib Figure once drawn

    def _draw(self, history: LossHistory):
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7, 3.2))
        ax = fig.add_subplot()
        raw, smooth = history.as_arrays(), history.smoothed(self.window)
        names = self.names or [k for k in raw if k != "step"]
        for i, name in enumerate(names):
            if name not in raw:
                continue
            color = f"C{i}"
            ax.plot(raw["step"], raw[name], color=color, alpha=0.25, linewidth=0.8)
            ax.plot(smooth["step"], smooth[name], color=color, label=_pretty(name))
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.set_title(self.title)
        if names:
            ax.legend(loc="upper right")
        ax.grid(alpha=0.3)
        fig.tight_layout()
        return fig

    def update(self, history: LossHistory) -> None:
        """Redraw from ``history`` (no-op when disabled or the history is empty)."""
        if not self.enabled or len(history) == 0:
            return
        self.figure = self._draw(history)
        if not _in_ipython():
            return
        from IPython.display import Image, display

        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=90)
        img = Image(data=buf.getvalue(), format="png")
        if self._display is None:
            self._display = display(img, display_id=True)
        else:
            self._display.update(img)
