"""PyTorch models for chapter 22: the fixed DCGAN pair, an LSTM generator and the source sketch.

Layout is NCHW: spectrogram batches are ``(B, 1, F, T)``, frequency on the first image
axis and time on the second, values in [-1, 1]. These are twins of
:mod:`gan_tutorial.keras.models`: same layer names, same output shapes (Keras's NHWC
transposed) and same trainable parameter counts (see :func:`layer_summary`); both are
built from :func:`gan_tutorial.models.channel_plan`.

Padding: a kernel-4, stride-2 ``ConvTranspose2d`` with ``padding=1`` gives
``(n - 1) * 2 - 2 + 4 = 2n`` (exact doubling, like Keras ``padding='same'``), and a
kernel-4 stride-2 ``Conv2d`` with ``padding=1`` gives ``n / 2``.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

import torch
from torch import Tensor, nn

from ..models import (
    BN_EPS,
    BN_MOMENTUM,
    DCGAN_INIT_STD,
    DEFAULT_BASE,
    DEFAULT_LSTM_HIDDEN,
    KERNEL,
    LEAKY_SLOPE,
    SOURCE_DENSE,
    SOURCE_SIZE,
    channel_plan,
    lstm_layer_names,
)
from .training import latent_dim

__all__ = [
    "Discriminator",
    "Generator",
    "LSTMGenerator",
    "SourceDiscriminator",
    "SourceGenerator",
    "dcgan_init_",
    "layer_summary",
    "param_counts",
]


def dcgan_init_(module: nn.Module) -> nn.Module:
    """DCGAN init in place: conv/linear weights ~ N(0, 0.02), biases 0, BatchNorm gamma ~
    N(1, 0.02), beta 0. LSTMs are left alone. Returns ``module``."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            nn.init.normal_(m.weight, 0.0, DCGAN_INIT_STD)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, DCGAN_INIT_STD)
            nn.init.zeros_(m.bias)
    return module


def _bn(kind: type[nn.Module], n: int) -> nn.Module:
    return kind(n, eps=BN_EPS, momentum=BN_MOMENTUM)


class Generator(nn.Sequential):
    """DCGAN generator: ``z (B, latent_dim) -> spectrogram (B, 1, size, size)`` in [-1, 1].

    Linear(4*4*C) -> BatchNorm1d -> LeakyReLU(0.2) -> Unflatten to (C, 4, 4), then
    [ConvTranspose2d(kernel 4, stride 2, padding 1) -> BatchNorm2d -> LeakyReLU] until
    ``size/2``, then ConvTranspose2d(C, 1) -> tanh. No bias before BatchNorm. About 0.70M
    parameters at ``size=64`` with the default ``base_channels=24``.
    """

    def __init__(
        self, latent_dim: int = 100, size: int = 64, base_channels: int = DEFAULT_BASE
    ) -> None:
        plan = channel_plan(size, base_channels)
        g, names = plan.g_channels, iter(plan.g_layer_names)
        layers: list[tuple[str, nn.Module]] = [
            (next(names), nn.Linear(latent_dim, 4 * 4 * g[0], bias=False)),
            (next(names), _bn(nn.BatchNorm1d, 4 * 4 * g[0])),
            (next(names), nn.LeakyReLU(LEAKY_SLOPE)),
            (next(names), nn.Unflatten(1, (g[0], 4, 4))),
        ]
        for cin, cout in itertools.pairwise(g):
            layers += [
                (next(names), nn.ConvTranspose2d(cin, cout, KERNEL, 2, 1, bias=False)),
                (next(names), _bn(nn.BatchNorm2d, cout)),
                (next(names), nn.LeakyReLU(LEAKY_SLOPE)),
            ]
        layers += [
            (next(names), nn.ConvTranspose2d(g[-1], 1, KERNEL, 2, 1)),
            (next(names), nn.Tanh()),
        ]
        super().__init__(OrderedDict(layers))
        self.latent_dim, self.size = latent_dim, size
        dcgan_init_(self)


class Discriminator(nn.Sequential):
    """DCGAN discriminator: ``spectrogram (B, 1, size, size) -> logit (B, 1)``.

    [Conv2d(kernel 4, stride 2, padding 1) -> LeakyReLU(0.2)] down to 4x4, Flatten,
    Linear(1). No BatchNorm (so it can be a WGAN-GP critic too). The output is a logit:
    use ``F.binary_cross_entropy_with_logits`` (see the Keras twin's docstring for why
    that beats a sigmoid output followed by ``BCELoss``).
    """

    def __init__(self, size: int = 64, base_channels: int = DEFAULT_BASE) -> None:
        plan = channel_plan(size, base_channels)
        names = iter(plan.d_layer_names)
        layers: list[tuple[str, nn.Module]] = []
        cin = 1
        for c in plan.d_channels:
            layers += [
                (next(names), nn.Conv2d(cin, c, KERNEL, 2, 1)),
                (next(names), nn.LeakyReLU(LEAKY_SLOPE)),
            ]
            cin = c
        layers += [
            (next(names), nn.Flatten()),
            (next(names), nn.Linear(cin * 4 * 4, 1)),
        ]
        super().__init__(OrderedDict(layers))
        self.size = size
        dcgan_init_(self)


class _Repeat(nn.Module):
    """``(B, D) -> (B, steps, D)``, like Keras ``RepeatVector``."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps = steps

    def forward(self, z: Tensor) -> Tensor:
        return z.unsqueeze(1).expand(-1, self.steps, -1)


class _LSTM(nn.Module):
    """``nn.LSTM`` (batch first) returning only the output sequence ``(B, T, hidden)``.

    Initialised like Keras: Glorot-uniform input weights, orthogonal recurrent weights,
    zero bias with forget-gate bias 1. PyTorch has two bias vectors (``b_ih + b_hh``) that
    only ever appear as their sum; Keras has one. ``b_hh`` is zeroed and frozen, and
    :func:`layer_summary` does not count it, so both frameworks have the same trainable
    parameters.
    """

    def __init__(self, input_size: int, hidden: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden, batch_first=True)
        h = hidden
        w_ih, w_hh, b_ih, b_hh = (  # (4h, in), (4h, h), (4h,), (4h,)
            self.lstm.get_parameter(n)
            for n in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
        )
        with torch.no_grad():
            nn.init.xavier_uniform_(w_ih)  # Keras glorot on the (in, 4h) kernel: same bound
            nn.init.orthogonal_(w_hh)  # = Keras orthogonal on the (h, 4h) recurrent kernel
            b_ih.zero_()
            b_ih[h : 2 * h] = 1.0  # gate order i, f, g, o: forget bias 1
            b_hh.zero_()
        b_hh.requires_grad_(False)

    def forward(self, x: Tensor) -> Tensor:
        return self.lstm(x)[0]


class _Permute(nn.Module):
    """``(B, T, F) -> (B, F, T)``."""

    def forward(self, x: Tensor) -> Tensor:
        return x.transpose(1, 2)


class LSTMGenerator(nn.Sequential):
    """LSTM generator: ``z (B, latent_dim) -> spectrogram (B, 1, size, size)`` in [-1, 1].

    z repeated over ``size`` frames -> LSTM(hidden) -> per-frame Linear(size) + tanh
    (``(B, T, F)``) -> transpose to ``(B, F, T)`` -> add the channel axis.
    """

    def __init__(
        self, latent_dim: int = 100, size: int = 64, hidden: int = DEFAULT_LSTM_HIDDEN
    ) -> None:
        names = iter(lstm_layer_names())
        to_bins = nn.Sequential(nn.Linear(hidden, size), nn.Tanh())
        dcgan_init_(to_bins)
        super().__init__(
            OrderedDict(
                [
                    (next(names), _Repeat(size)),
                    (next(names), _LSTM(latent_dim, hidden)),
                    (next(names), to_bins),
                    (next(names), _Permute()),
                    (next(names), nn.Unflatten(1, (1, size))),
                ]
            )
        )
        self.latent_dim, self.size, self.hidden = latent_dim, size, hidden


class SourceGenerator(nn.Sequential):
    """The chapter-22 source's generator in PyTorch: outputs ``(B, 1, 4, 4)``.

    Linear(128) -> LeakyReLU -> (8, 4, 4) -> ConvTranspose2d(64, 3, padding 1) ->
    LeakyReLU -> ConvTranspose2d(1, 3, padding 1) -> tanh; stride 1 keeps it 4x4.
    Negative slope 0.2 = Keras 3's default ``LeakyReLU()``.
    """

    def __init__(self, latent_dim: int = 100) -> None:
        super().__init__(
            nn.Linear(latent_dim, SOURCE_DENSE),
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.Unflatten(1, (8, 4, 4)),
            nn.ConvTranspose2d(8, 64, 3, padding=1),
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.ConvTranspose2d(64, 1, 3, padding=1),
            nn.Tanh(),
        )
        self.latent_dim = latent_dim


class SourceDiscriminator(nn.Sequential):
    """The source's discriminator: ``(B, 1, 64, 64) -> sigmoid probability (B, 1)``.

    Given the source generator's 4x4 output, its Linear layer gets 64*2*2 features instead
    of 64*32*32 and raises a ``RuntimeError`` (shape mismatch).
    """

    def __init__(self) -> None:
        half = SOURCE_SIZE // 2
        super().__init__(
            nn.Conv2d(1, 64, 3, stride=2, padding=1),
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.Flatten(),
            nn.Linear(64 * half * half, 1),
            nn.Sigmoid(),
        )


def _trainable(module: nn.Module) -> int:
    n = 0
    for name, p in module.named_parameters():
        if not p.requires_grad or name.rsplit(".", 1)[-1].startswith("bias_hh_l"):
            continue  # frozen, or PyTorch's redundant second LSTM bias (see _LSTM)
        n += p.numel()
    return n


def _example_input(model: nn.Module) -> Tensor:
    if hasattr(model, "latent_dim"):
        return torch.zeros(2, latent_dim(model))
    size = getattr(model, "size", SOURCE_SIZE)
    return torch.zeros(2, 1, size, size)


@torch.no_grad()
def layer_summary(
    model: nn.Module, example: Tensor | None = None
) -> list[tuple[str, tuple[int, ...], int]]:
    """``[(layer name, output shape without batch, trainable parameters), ...]`` (NCHW).

    Runs ``example`` (default: zeros of batch 2) through the model's top-level children in
    eval mode. Counts match :func:`gan_tutorial.keras.models.layer_summary` with
    ``nchw=True``; BatchNorm running statistics are buffers and not counted here.
    """
    x = _example_input(model) if example is None else example
    was_training = model.training
    model.eval()
    rows = []
    try:
        for name, child in model.named_children():
            x = child(x)
            rows.append((name, tuple(x.shape[1:]), _trainable(child)))
    finally:
        model.train(was_training)
    return rows


def param_counts(model: nn.Module) -> dict[str, int]:
    """``{'trainable': ..., 'non_trainable': ...}`` counted like Keras.

    Trainable: parameters with ``requires_grad`` (PyTorch's redundant LSTM ``b_hh``
    excluded). Non-trainable: floating-point buffers, i.e. BatchNorm running mean and
    variance (Keras's moving statistics); the integer ``num_batches_tracked`` is skipped.
    """
    buffers = sum(b.numel() for b in model.buffers() if b.is_floating_point())
    return {"trainable": _trainable(model), "non_trainable": int(buffers)}
