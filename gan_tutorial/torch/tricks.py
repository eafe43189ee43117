"""PyTorch stability tricks: weight clipping, spectral norm, EMA of the generator,
``requires_grad`` toggling, optimiser construction and the mode-seeking term."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

__all__ = [
    "EMA",
    "apply_spectral_norm",
    "make_optimizers",
    "mode_seeking_term",
    "set_requires_grad",
    "weight_clip_",
]

_SN_TYPES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d)


@torch.no_grad()
def weight_clip_(module: nn.Module, c: float = 0.01) -> nn.Module:
    """Clamp every parameter of ``module`` to ``[-c, c]`` in place (WGAN, Arjovsky et al.)."""
    if c <= 0:
        raise ValueError(f"clip value must be > 0, got {c}")
    for p in module.parameters():
        p.clamp_(-c, c)
    return module


def apply_spectral_norm(module: nn.Module, n_power_iterations: int = 1) -> nn.Module:
    """Wrap every Linear/Conv layer of ``module`` (in place) with spectral normalisation.

    Uses ``torch.nn.utils.parametrizations.spectral_norm``: the weight is divided by a
    power-iteration estimate of its largest singular value, refined on every forward pass
    in train mode (Miyato et al. 2018). Layers already parametrised are left alone.
    """
    for m in list(module.modules()):
        if isinstance(m, _SN_TYPES) and not parametrize.is_parametrized(m, "weight"):
            spectral_norm(m, n_power_iterations=n_power_iterations)
    return module


def set_requires_grad(modules: nn.Module | Iterable[nn.Module], flag: bool) -> None:
    """Set ``requires_grad`` on all parameters (freeze D while stepping G, and back)."""
    if isinstance(modules, nn.Module):
        modules = [modules]
    for m in modules:
        for p in m.parameters():
            p.requires_grad_(flag)


def make_optimizers(
    G: nn.Module,
    D: nn.Module,
    lr_g: float = 2e-4,
    lr_d: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    """Adam optimisers ``(opt_g, opt_d)``; ``betas=(0.5, 0.999)`` as in DCGAN.

    TTUR (Heusel et al. 2017) means two time scales: D and G learn at their own rates
    (often ``lr_d > lr_g``, e.g. 4e-4 / 1e-4); see
    :data:`gan_tutorial.tricks.TTUR`. Both use Adam's fused kernel (``fused=True``: one
    kernel for all parameters, on CPUs as on GPUs): the same update as the per-parameter
    loop up to rounding, about 3x faster on a CPU for chapter 25's models.
    """
    return (
        torch.optim.Adam(G.parameters(), lr=lr_g, betas=betas, fused=True),
        torch.optim.Adam(D.parameters(), lr=lr_d, betas=betas, fused=True),
    )


class EMA:
    """Exponential moving average of a model's weights (what a GAN samples from).

    ``ema = d * ema + (1 - d) * current`` for every floating-point parameter; buffers (e.g.
    BatchNorm running statistics) are copied. ``d`` is ``decay``, or with ``warmup=True``
    ``min(decay, (1 + t) / (10 + t))`` after ``t`` updates: early on the average follows the
    fast-changing generator closely, later it averages over about ``1 / (1 - decay)`` steps.
    ``.module`` is a deep copy kept in eval mode with ``requires_grad=False``; sample from it
    for smoother results.
    """

    def __init__(self, model: nn.Module, decay: float = 0.999, warmup: bool = False) -> None:
        if not 0.0 <= decay <= 1.0:
            raise ValueError(f"decay must be in [0, 1], got {decay}")
        self.decay, self.warmup = decay, warmup
        self.num_updates = 0
        self.module = copy.deepcopy(model).eval()
        set_requires_grad(self.module, False)

    def current_decay(self) -> float:
        """The ``d`` of the next :meth:`update`."""
        t = self.num_updates
        return min(self.decay, (1.0 + t) / (10.0 + t)) if self.warmup else self.decay

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Move the averaged weights one step towards ``model``'s current weights."""
        d = self.current_decay()
        pairs = list(zip(self.module.parameters(), model.parameters(), strict=True))
        floats = [(e, p.detach()) for e, p in pairs if e.dtype.is_floating_point]
        if floats:  # one foreach call (one kernel launch per few tensors on a GPU)
            ema_w, cur_w = zip(*floats, strict=True)
            torch._foreach_lerp_(list(ema_w), list(cur_w), 1.0 - d)
        for e, p in pairs:
            if not e.dtype.is_floating_point:
                e.copy_(p)
        for eb, b in zip(self.module.buffers(), model.buffers(), strict=True):
            eb.copy_(b)
        self.num_updates += 1

    @torch.no_grad()
    def copy_to(self, model: nn.Module) -> nn.Module:
        """Overwrite ``model``'s parameters and buffers with the averaged ones; returns it."""
        for e, p in zip(self.module.parameters(), model.parameters(), strict=True):
            p.copy_(e)
        for eb, b in zip(self.module.buffers(), model.buffers(), strict=True):
            b.copy_(eb)
        return model

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the averaged model (in eval mode)."""
        return self.module(*args, **kwargs)

    def state_dict(self) -> dict[str, Any]:
        """The averaged weights and the update count (plain tensors and numbers)."""
        return {"module": self.module.state_dict(), "num_updates": self.num_updates}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.module.load_state_dict(state["module"])
        self.num_updates = int(state["num_updates"])


def mode_seeking_term(fake: Tensor, z: Tensor, eps: float = 1e-5) -> Tensor:
    """Mode seeking (Mao et al. 2019, MSGAN): ``1 / (mean_pairs(d_x / d_z) + eps)`` over
    consecutive pairs ``(0, 1), (2, 3), ...`` of one batch (same condition, two z), with
    ``d_x = mean|G(z1) - G(z2)|`` and ``d_z = mean|z1 - z2|`` per pair. (MSGAN's code
    divides batch means instead: ``mean(d_x) / mean(d_z)``.)

    Small when two noise vectors give clearly different clips: adding it to G's loss
    stops a conditional generator from ignoring z.
    """
    dx = (fake[0::2] - fake[1::2]).abs().flatten(1).mean(dim=1)
    dz = (z[0::2] - z[1::2]).abs().mean(dim=1)
    return 1.0 / ((dx / dz).mean() + eps)
