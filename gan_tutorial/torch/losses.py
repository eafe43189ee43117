"""GAN losses and the WGAN-GP gradient penalty in PyTorch.

Same formulas as the numpy references in :mod:`gan_tutorial.losses` (tested to agree).
Scores/logits are tensors of shape ``(B,)`` or ``(B, 1)``; every loss returns a scalar.

Kinds: ``"bce"`` (non-saturating generator), ``"bce-saturating"`` (generator only),
``"lsgan"``, ``"hinge"``, ``"wgan"`` (aliases ``"wgan-clip"``, ``"wgan-gp"``: the clip or
the penalty is applied separately, see :func:`gradient_penalty` and
:func:`gan_tutorial.torch.tricks.weight_clip_`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = ["KINDS", "d_loss", "g_loss", "gradient_penalty", "gradient_penalty_source"]

KINDS: tuple[str, ...] = ("bce", "lsgan", "hinge", "wgan", "wgan-clip", "wgan-gp")
_ALIASES = {"wgan-clip": "wgan", "wgan-gp": "wgan"}

Target = float | Tensor


def _kind(kind: str) -> str:
    k = _ALIASES.get(kind, kind)
    if k not in ("bce", "lsgan", "hinge", "wgan", "bce-saturating"):
        raise ValueError(f"unknown loss kind {kind!r}; use one of {', '.join(KINDS)}")
    return k


def _target(t: Target, like: Tensor) -> Tensor:
    t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
    return t.reshape(like.shape) if t.numel() == like.numel() and t.dim() else t.expand_as(like)


def d_loss(
    kind: str,
    real_scores: Tensor,
    fake_scores: Tensor,
    real_target: Target = 1.0,
    fake_target: Target = 0.0,
) -> Tensor:
    """Discriminator/critic loss (to minimise). Targets only matter for bce and lsgan.

    Targets may be floats or per-sample tensors of shape ``(B,)`` (label smoothing).
    """
    k = _kind(kind)
    r, f = real_scores, fake_scores
    if k == "bce":
        return F.binary_cross_entropy_with_logits(
            r, _target(real_target, r)
        ) + F.binary_cross_entropy_with_logits(f, _target(fake_target, f))
    if k == "lsgan":
        return (
            0.5 * ((r - _target(real_target, r)) ** 2).mean()
            + 0.5 * ((f - _target(fake_target, f)) ** 2).mean()
        )
    if k == "hinge":
        return F.relu(1.0 - r).mean() + F.relu(1.0 + f).mean()
    if k == "wgan":
        return f.mean() - r.mean()
    raise ValueError(f"{kind!r} is a generator-only loss")


def g_loss(kind: str, fake_scores: Tensor) -> Tensor:
    """Generator loss (to minimise) from the discriminator's scores on fakes."""
    k = _kind(kind)
    f = fake_scores
    if k == "bce":
        return F.softplus(-f).mean()  # -log sigmoid(f), non-saturating
    if k == "bce-saturating":
        return -F.softplus(f).mean()  # log(1 - sigmoid(f))
    if k == "lsgan":
        return 0.5 * ((f - 1.0) ** 2).mean()
    return -f.mean()  # hinge and wgan


def _interpolate(real: Tensor, fake: Tensor, alpha: Tensor | float | None) -> Tensor:
    if real.shape != fake.shape:
        raise ValueError(f"real {tuple(real.shape)} and fake {tuple(fake.shape)} differ in shape")
    b = real.shape[0]
    bshape = (b,) + (1,) * (real.dim() - 1)
    if alpha is None:
        alpha = torch.rand(bshape, dtype=real.dtype, device=real.device)
    else:
        alpha = torch.as_tensor(alpha, dtype=real.dtype, device=real.device)
        if alpha.dim() == 1 and alpha.numel() == b:
            alpha = alpha.reshape(bshape)
    x_hat = alpha * real.detach() + (1.0 - alpha) * fake.detach()
    return x_hat.requires_grad_(True)


def _critic_grad(critic: Callable[[Tensor], Tensor], x_hat: Tensor) -> Tensor:
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(
        outputs=scores.sum(), inputs=x_hat, create_graph=True, retain_graph=True
    )
    return grad


def gradient_penalty(
    critic: Callable[[Tensor], Tensor],
    real: Tensor,
    fake: Tensor,
    weight: float = 10.0,
    alpha: Tensor | float | None = None,
) -> Tensor:
    """WGAN-GP penalty ``weight * mean_i (||∇_x̂ D(x̂_i)||_2 - 1)^2`` (Gulrajani et al. 2017).

    ``x̂_i = α_i x_i + (1 - α_i) x̃_i`` with ``α_i ~ U(0, 1)`` of shape ``(B, 1, ..., 1)``
    (or the given ``alpha``: a float, ``(B,)`` or broadcastable tensor). The norm is taken
    **per sample** over all non-batch dimensions. ``real``/``fake``: ``(B, ...)``. Built with
    ``create_graph=True`` so that ``backward()`` on it trains the critic. Summing the scores
    before differentiating is valid because sample i's score depends only on x̂_i (so do not
    use BatchNorm in the critic).
    """
    grad = _critic_grad(critic, _interpolate(real, fake, alpha))
    norms = grad.flatten(start_dim=1).norm(2, dim=1)  # (B,)
    return weight * ((norms - 1.0) ** 2).mean()


def gradient_penalty_source(
    critic: Callable[[Tensor], Tensor],
    real: Tensor,
    fake: Tensor,
    weight: float = 10.0,
    alpha: Tensor | float | None = None,
) -> Tensor:
    """The chapter source's **buggy** penalty, kept for comparison only.

    ``((gradients.norm(2) - 1) ** 2).mean()`` takes ONE norm over the whole batch, so for a
    linear critic ``D(x) = <w, x>`` it equals ``weight * (sqrt(B) ||w|| - 1)^2``: it grows
    with the batch size and pushes ``||w||`` towards ``1/sqrt(B)`` instead of 1.
    """
    grad = _critic_grad(critic, _interpolate(real, fake, alpha))
    return weight * ((grad.norm(2) - 1.0) ** 2).mean()
