"""Chapter 25's conditional GAN: a pitch- (and family-) conditioned generator, a projection
discriminator with spectral norm, minibatch standard deviation and random time shifts
(training and the EMA of the generator: :mod:`.training`).

Layout is NCHW: spectrograms ``(B, C, F, T)`` in [-1, 1]: one channel (chapter 25's
log-mel, ``F = T``) or two (chapter 26's log magnitude and instantaneous frequency of a
linear STFT, e.g. 512 bins x 64 frames); ``size`` is ``F = T`` or an ``(F, T)`` tuple.
Labels are integer indices: ``pitch`` in ``0..n_pitches-1`` (position in the training
pitches), ``family`` in ``0..n_families-1`` (``n_families=0`` conditions on pitch only).
Neither network uses BatchNorm, so a step on a batch split over processes
(DistributedDataParallel) equals a step on the whole batch: the generator normalises each
pixel's feature vector on its own (pixel norm, as in GANSynth/ProGAN) and the condition
sets a per-channel gain and bias (FiLM); the discriminator's minibatch-std layer works on contiguous groups of
``mbstd_group`` clips, which stay inside one process's batch.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ..tricks import apply_spectral_norm

__all__ = [
    "CondDiscriminator",
    "CondGenerator",
    "minibatch_std",
    "time_shift",
    "z_code",
    "z_velocity",
]

LEAKY = 0.2
_STEPS = {32: 3, 64: 4, 128: 5}  # spectrogram size (the smaller side) -> x2 steps from 4


def _label_vector(
    pitch: Tensor, family: Tensor | None, e_pitch: nn.Embedding, e_family: nn.Embedding | None
) -> Tensor:
    """``(B, dim)``: the pitch embedding, plus the family embedding for a family-conditioned
    model (which then needs ``family`` labels)."""
    e = e_pitch(pitch)
    if e_family is None:
        return e
    if family is None:
        raise ValueError("this model is conditioned on family: pass family labels too")
    return e + e_family(family)


def _sizes(size: int | tuple[int, int]) -> int:
    """The number of x2 steps between the first feature map (4 x 4 for a square
    spectrogram) and ``size``; ValueError otherwise (:func:`_plan`)."""
    return _plan(size)[0]


def _plan(size: int | tuple[int, int]) -> tuple[int, tuple[int, int], tuple[int, int]]:
    """``(steps, first map (f0, t0), shape (F, T))`` of a spectrogram ``size``.

    ``size``: ``F = T`` (one of :data:`_STEPS`) or an ``(F, T)`` tuple of powers of two
    whose smaller side is one of them. The smaller side starts at 4, the other at 4 x
    (its ratio to the smaller), and ``_STEPS[smaller side]`` x2 steps follow: (256, 64)
    starts at 16 x 4 and takes 4 steps, like 64 x 64 from 4 x 4.
    """
    allowed = ", ".join(map(str, _STEPS))
    if isinstance(size, int | np.integer) and not isinstance(size, bool):
        steps = _STEPS.get(int(size))
        if steps is None:
            raise ValueError(f"size must be one of {allowed}, got {size}")
        return steps, (4, 4), (int(size), int(size))
    f = t = 0
    if isinstance(size, tuple | list) and len(size) == 2:
        f, t = (int(v) for v in size)
    small = min(f, t)
    if small not in _STEPS or any(v & (v - 1) for v in (f, t)):  # v & (v - 1): not a power of 2
        raise ValueError(
            f"size must be one of {allowed} (square) or an (F, T) tuple of powers of two "
            f"whose smaller side is one of {allowed}, e.g. (256, 64); got {size!r}"
        )
    return _STEPS[small], (4 * f // small, 4 * t // small), (f, t)


class _Condition(nn.Module):
    """Embeds ``(pitch, family)`` labels into one ``(B, dim)`` vector: the sum of the two
    embeddings."""

    def __init__(self, n_pitches: int, n_families: int, dim: int) -> None:
        super().__init__()
        self.pitch = nn.Embedding(n_pitches, dim)
        self.family = nn.Embedding(n_families, dim) if n_families > 0 else None

    def forward(self, pitch: Tensor, family: Tensor | None = None) -> Tensor:
        return _label_vector(pitch, family, self.pitch, self.family)


class _FiLMBlock(nn.Module):
    """ConvTranspose x2 -> LeakyReLU -> pixel norm -> condition's gain and bias."""

    def __init__(self, cin: int, cout: int, cond_dim: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(cin, cout, 4, 2, 1)
        self.film = nn.Linear(cond_dim, 2 * cout)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        x = F.leaky_relu(self.up(x), LEAKY)
        x = x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)  # pixel norm
        gain, bias = self.film(c)[:, :, None, None].chunk(2, dim=1)
        return x * (1 + gain) + bias


class CondGenerator(nn.Module):
    """``(z (B, latent_dim), pitch (B,), family (B,)) -> (B, channels, F, T)`` in [-1, 1].

    The condition embedding is concatenated to z for the first (dense) layer, and sets
    a gain and bias after every upsampling block. Channels halve from ``base * 8`` at 4x4
    to ``base`` at ``size / 2``. ``size``: ``F = T`` or ``(F, T)`` (:func:`_plan`: a
    rectangular map starts at ``(4 F / T, 4)`` for ``F >= T``). Every output channel goes
    through tanh (log magnitude and instantaneous frequency both live in [-1, 1]).
    ``shape`` is ``(F, T)``.
    """

    def __init__(
        self,
        n_pitches: int,
        n_families: int = 0,
        latent_dim: int = 128,
        size: int | tuple[int, int] = 64,
        base: int = 24,
        cond_dim: int = 64,
        channels: int = 1,
    ) -> None:
        super().__init__()
        steps, (f0, t0), shape = _plan(size)
        chans = [base * 2 ** (steps - 1 - i) for i in range(steps)]  # e.g. 192, 96, 48, 24
        self.latent_dim, self.size, self.shape = latent_dim, size, shape
        self.channels = channels
        self.n_pitches, self.n_families = n_pitches, n_families
        self.cond = _Condition(n_pitches, n_families, cond_dim)
        self.fc = nn.Linear(latent_dim + cond_dim, f0 * t0 * chans[0])
        self.blocks = nn.ModuleList(_FiLMBlock(a, b, cond_dim) for a, b in pairwise(chans))
        self.out = nn.ConvTranspose2d(chans[-1], channels, 4, 2, 1)
        self.c0, self.start = chans[0], (f0, t0)

    def forward(self, z: Tensor, pitch: Tensor, family: Tensor | None = None) -> Tensor:
        c = self.cond(pitch, family)
        h = F.leaky_relu(self.fc(torch.cat([z, c], dim=1)), LEAKY)
        x = h.view(-1, self.c0, *self.start)
        x = x * torch.rsqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-8)
        for block in self.blocks:
            x = block(x, c)
        return torch.tanh(self.out(x))


def minibatch_std(x: Tensor, group: int = 4) -> Tensor:
    """Append one channel: the mean std over each group of ``group`` consecutive clips.

    ``x`` ``(B, C, H, W)`` -> ``(B, C + 1, H, W)``. A collapsed generator makes
    near-identical clips, whose small std the discriminator can see (Karras et al.
    2018). Groups are contiguous, so splitting a batch over processes at a multiple of
    ``group`` changes nothing. ``B`` not divisible by ``group`` uses one group of ``B``.
    """
    b, c, h, w = x.shape
    g = group if b % group == 0 else b
    y = x.view(b // g, g, c, h, w)
    dev = y - y.mean(dim=1, keepdim=True)  # written out: Tensor.var over dim 1 is 10x slower on CPU
    s = torch.sqrt(dev.square().mean(dim=1) + 1e-8).mean(dim=(1, 2, 3))  # (B // g,)
    s = s.repeat_interleave(g).view(b, 1, 1, 1).expand(b, 1, h, w)
    return torch.cat([x, s], dim=1)


class CondDiscriminator(nn.Module):
    """Projection discriminator (Miyato & Koyama 2018) with spectral norm, no BatchNorm.

    ``(x (B, channels, F, T), pitch (B,), family (B,)) -> logits (B, 1)``, ``size``
    ``F = T`` or ``(F, T)`` as for :class:`CondGenerator`:
    ``h = features(x)`` (B, C), ``logit = w·h + b + <embed(pitch) + embed(family), h>``.
    The inner product rewards a sample whose features match its label's direction, so
    the label changes the logit. ``mbstd_group=0`` switches minibatch std off.
    """

    def __init__(
        self,
        n_pitches: int,
        n_families: int = 0,
        size: int | tuple[int, int] = 64,
        base: int = 24,
        mbstd_group: int = 4,
        spectral: bool = True,
        channels: int = 1,
        n_instruments: int = 0,
        pitch_head: bool = False,
        n_velocities: int = 0,
    ) -> None:
        super().__init__()
        steps, _, self.shape = _plan(size)
        self.size, self.channels = size, channels
        chans = [channels] + [base * 2**i for i in range(steps)]  # 1, 24, 48, 96, 192
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 4, 2, 1) for a, b in pairwise(chans))
        self.mbstd_group = mbstd_group
        top = chans[-1]
        self.final = nn.Conv2d(top + (1 if mbstd_group else 0), top, 3, 1, 1)
        self.linear = nn.Linear(top, 1)
        self.embed_pitch = nn.Embedding(n_pitches, top)
        self.embed_family = nn.Embedding(n_families, top) if n_families > 0 else None
        for emb in (self.embed_pitch, self.embed_family):
            if emb is not None:
                nn.init.normal_(emb.weight, 0.0, 0.02)
        # auxiliary classifiers on the same features (AC-GAN, Odena et al. 2017; GANSynth's
        # D has one for pitch), trained on real clips' labels: instrument, pitch, velocity
        self.n_instruments, self.n_velocities = n_instruments, n_velocities
        self.instrument = nn.Linear(top, n_instruments) if n_instruments > 0 else None
        self.pitch_head = nn.Linear(top, n_pitches) if pitch_head else None
        self.velocity = nn.Linear(top, n_velocities) if n_velocities > 0 else None
        if spectral:
            apply_spectral_norm(self)

    def features(self, x: Tensor) -> Tensor:
        """``(B, channels, F, T) -> (B, C)``: the last feature map (4 x 4 for a square
        input, ``(4 F / T, 4)`` for a rectangular one) summed over positions."""
        for conv in self.convs:
            x = F.leaky_relu(conv(x), LEAKY)
        if self.mbstd_group:
            x = minibatch_std(x, self.mbstd_group)
        h = F.leaky_relu(self.final(x), LEAKY)
        return h.sum(dim=(2, 3))

    def forward(
        self, x: Tensor, pitch: Tensor, family: Tensor | None = None, heads: bool = False
    ) -> Tensor | tuple[Tensor, dict[str, Tensor]]:
        """Logits ``(B, 1)``; with ``heads=True`` also the auxiliary heads' logits from the
        same features (one pass): ``{"instrument": (B, n_instruments), "pitch": (B,
        n_pitches), "velocity": (B, n_velocities)}``, those the model has."""
        h = self.features(x)
        proj = _label_vector(pitch, family, self.embed_pitch, self.embed_family)
        logits = self.linear(h) + (proj * h).sum(dim=1, keepdim=True)
        if not heads:
            return logits
        aux = {"instrument": self.instrument, "pitch": self.pitch_head, "velocity": self.velocity}
        return logits, {k: head(h) for k, head in aux.items() if head is not None}


def time_shift(x: Tensor, shifts: Tensor) -> Tensor:
    """Shift each spectrogram ``(B, C, F, T)`` (all its channels alike) by ``shifts[i]``
    frames (edge frames repeat).

    Differentiable (a gather), applied to real and fake alike before the discriminator
    (a DiffAugment-style translation, Zhao et al. 2020): D cannot memorise exact onset
    positions and G gets gradients through the shift.
    """
    t = x.shape[-1]
    idx = (torch.arange(t, device=x.device)[None, :] - shifts.to(x.device)[:, None]).clamp(0, t - 1)
    return torch.gather(x, -1, idx[:, None, None, :].expand_as(x))


def z_code(z: Tensor, n_codes: Tensor) -> Tensor:
    """Which of ``n_codes[i]`` instruments noise ``z[i]`` asks for: the index of the largest
    of its first ``n_codes[i]`` coordinates, ``(B,)`` int64.

    ``z`` ``(B, latent_dim)`` standard normal, ``n_codes`` ``(B,)`` (the instruments of each
    clip's family). Every code is equally likely, z stays plain Gaussian noise (no extra
    input), and a fixed z asks for the same instrument at every pitch.
    """
    k = int(n_codes.max())
    if k > z.shape[1]:
        raise ValueError(f"latent_dim {z.shape[1]} is smaller than the {k} instruments of a family")
    head = z[:, :k].masked_fill(
        torch.arange(k, device=z.device)[None] >= n_codes[:, None], -torch.inf
    )
    return head.argmax(dim=1)


def z_velocity(z: Tensor, n: int) -> Tensor:
    """Which of ``n`` velocities noise ``z`` ``(B, latent_dim)`` asks for: the index of the
    largest of its *last* ``n`` coordinates, ``(B,)`` int64. Every velocity is equally
    likely, and the coordinates differ from :func:`z_code`'s first ones as long as
    ``latent_dim`` holds both."""
    if n > z.shape[1]:
        raise ValueError(f"latent_dim {z.shape[1]} is smaller than the {n} velocities")
    return z[:, z.shape[1] - n :].argmax(dim=1)
