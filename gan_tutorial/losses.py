"""Reference GAN losses in plain numpy, for hand-checking and for teaching the formulas.

Every function takes the discriminator's raw outputs (``logits`` for the BCE losses,
``scores`` for the others) as arrays of shape ``(B,)`` (any shape works; everything is
averaged) and returns a Python ``float``. The PyTorch versions in
:mod:`gan_tutorial.torch.losses` compute the same numbers and are tested against these.

Conventions (all losses are *minimised*):

===========  ==============================================  ============================
name         discriminator / critic loss                      generator loss
===========  ==============================================  ============================
bce          BCE(D(x), t_r) + BCE(D(G(z)), t_f)              -log sigmoid(D(G(z)))  (NS)
lsgan        ½ mean (D(x)-t_r)² + ½ mean (D(G(z))-t_f)²      ½ mean (D(G(z))-1)²
hinge        mean relu(1-D(x)) + mean relu(1+D(G(z)))        -mean D(G(z))
wgan         mean D(G(z)) - mean D(x)                        -mean D(G(z))
wgan-gp      wgan + λ · mean_i (‖∇D(x̂_i)‖₂ - 1)²             -mean D(G(z))
===========  ==============================================  ============================

``BCE(l, t) = -[t log σ(l) + (1-t) log(1-σ(l))] = softplus(l) - t·l``, computed with
``np.logaddexp(0, l)`` so that huge logits do not overflow. The two BCE terms are *summed*
(not averaged), as in most PyTorch training loops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "LOSSES",
    "LossPair",
    "bce_d_loss",
    "bce_g_loss_nonsaturating",
    "bce_g_loss_saturating",
    "bce_with_logits",
    "hinge_d_loss",
    "hinge_g_loss",
    "lsgan_d_loss",
    "lsgan_g_loss",
    "softplus",
    "wgan_d_loss",
    "wgan_g_loss",
]


def _arr(x: ArrayLike) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def softplus(x: ArrayLike) -> np.ndarray:
    """``log(1 + exp(x))`` without overflow (``np.logaddexp(0, x)``); same shape as ``x``."""
    return np.logaddexp(0.0, _arr(x))


def bce_with_logits(logits: ArrayLike, targets: ArrayLike) -> float:
    """Mean binary cross-entropy of ``sigmoid(logits)`` against ``targets`` (broadcast)."""
    logits = _arr(logits)
    return float(np.mean(softplus(logits) - _arr(targets) * logits))


def bce_d_loss(
    real_logits: ArrayLike,
    fake_logits: ArrayLike,
    real_target: ArrayLike = 1.0,
    fake_target: ArrayLike = 0.0,
) -> float:
    """Discriminator BCE: ``BCE(real, real_target) + BCE(fake, fake_target)``.

    Targets are scalars or arrays broadcastable to the logits, e.g. the output of
    :func:`gan_tutorial.tricks.label_targets` (one-sided smoothing: ``real_target=0.9``).
    """
    return bce_with_logits(real_logits, real_target) + bce_with_logits(fake_logits, fake_target)


def bce_g_loss_nonsaturating(fake_logits: ArrayLike) -> float:
    """Non-saturating generator loss ``-mean log sigmoid(D(G(z)))`` = ``mean softplus(-l)``.

    Its gradient is large exactly when the discriminator confidently rejects the fakes,
    which is why Goodfellow et al. (2014) recommend it over the saturating form.
    """
    return float(np.mean(softplus(-_arr(fake_logits))))


def bce_g_loss_saturating(fake_logits: ArrayLike) -> float:
    """Original minimax generator loss ``mean log(1 - sigmoid(D(G(z))))`` = ``-mean softplus(l)``.

    Saturates (gradient -> 0) when ``D(G(z)) -> 0``, i.e. early in training. Kept for teaching.
    """
    return float(-np.mean(softplus(_arr(fake_logits))))


def lsgan_d_loss(
    real_scores: ArrayLike,
    fake_scores: ArrayLike,
    real_target: ArrayLike = 1.0,
    fake_target: ArrayLike = 0.0,
) -> float:
    """Least-squares discriminator loss (Mao et al. 2017, a=0, b=1):
    ``½ mean (D(x) - b)² + ½ mean (D(G(z)) - a)²``."""
    r, f = _arr(real_scores), _arr(fake_scores)
    return float(
        0.5 * np.mean((r - _arr(real_target)) ** 2) + 0.5 * np.mean((f - _arr(fake_target)) ** 2)
    )


def lsgan_g_loss(fake_scores: ArrayLike, target: float = 1.0) -> float:
    """Least-squares generator loss ``½ mean (D(G(z)) - c)²`` with ``c = 1``."""
    return float(0.5 * np.mean((_arr(fake_scores) - target) ** 2))


def hinge_d_loss(real_scores: ArrayLike, fake_scores: ArrayLike) -> float:
    """Hinge discriminator loss ``mean relu(1 - D(x)) + mean relu(1 + D(G(z)))``."""
    r, f = _arr(real_scores), _arr(fake_scores)
    return float(np.mean(np.maximum(0.0, 1.0 - r)) + np.mean(np.maximum(0.0, 1.0 + f)))


def hinge_g_loss(fake_scores: ArrayLike) -> float:
    """Hinge generator loss ``-mean D(G(z))``."""
    return float(-np.mean(_arr(fake_scores)))


def wgan_d_loss(real_scores: ArrayLike, fake_scores: ArrayLike) -> float:
    """Wasserstein critic loss ``mean D(G(z)) - mean D(x)`` (minus the W1 estimate)."""
    return float(np.mean(_arr(fake_scores)) - np.mean(_arr(real_scores)))


def wgan_g_loss(fake_scores: ArrayLike) -> float:
    """Wasserstein generator loss ``-mean D(G(z))``."""
    return float(-np.mean(_arr(fake_scores)))


class LossPair(NamedTuple):
    """A discriminator loss, a generator loss and a one-line description."""

    d: Callable[..., float]
    g: Callable[..., float]
    description: str


LOSSES: dict[str, LossPair] = {
    "bce": LossPair(
        bce_d_loss, bce_g_loss_nonsaturating, "binary cross-entropy, non-saturating generator"
    ),
    "lsgan": LossPair(lsgan_d_loss, lsgan_g_loss, "least squares (Mao et al. 2017)"),
    "hinge": LossPair(hinge_d_loss, hinge_g_loss, "hinge (Miyato et al. 2018, BigGAN)"),
    "wgan": LossPair(
        wgan_d_loss, wgan_g_loss, "Wasserstein with weight clipping (Arjovsky et al. 2017)"
    ),
    "wgan-gp": LossPair(
        wgan_d_loss,
        wgan_g_loss,
        "Wasserstein + gradient penalty (Gulrajani et al. 2017); the penalty needs autograd, "
        "see gan_tutorial.torch.losses.gradient_penalty",
    ),
}
"""Registry name -> :class:`LossPair`. ``wgan-gp`` shares the WGAN losses; its penalty is
added by the framework code because it needs gradients of the critic."""
