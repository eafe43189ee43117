"""Progressive growing (Karras et al. 2018) for 1-channel spectrograms, small enough for CPU.

Stage ``s`` works at resolution ``resolutions[s]`` (each twice the previous). When a new
stage is added, its block is faded in: the generator outputs

    alpha * to_rgb[s](block[s](h)) + (1 - alpha) * upsample(to_rgb[s-1](h))

where ``h`` are the previous stage's features ("rgb" = the 1 spectrogram channel, via a
1x1 convolution). The discriminator mirrors this with ``from_rgb`` and average pooling.
Use :class:`gan_tutorial.tricks.ProgressiveSchedule` to get ``(stage, alpha)`` per step.

Simplifications versus the paper: no equalised learning rate, pixel norm or minibatch
standard deviation; the output is linear (no tanh) so that the fade-in is an exact blend.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ["ProgressiveDiscriminator", "ProgressiveGenerator"]


def _check(resolutions: Sequence[int], channels: Sequence[int]) -> tuple[tuple, tuple]:
    res, ch = tuple(int(r) for r in resolutions), tuple(int(c) for c in channels)
    if not res:
        raise ValueError("resolutions must not be empty")
    if any(b != 2 * a for a, b in itertools.pairwise(res)):
        raise ValueError(f"each resolution must double the previous one, got {res}")
    if len(ch) != len(res):
        raise ValueError(f"need one channel count per resolution: {len(ch)} vs {len(res)}")
    return res, ch


def _conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.2))


class ProgressiveGenerator(nn.Module):
    """``z (B, latent_dim) -> spectrogram (B, 1, R_s, R_s)`` at stage ``s``."""

    def __init__(
        self,
        latent_dim: int = 64,
        resolutions: Sequence[int] = (8, 16, 32, 64),
        channels: Sequence[int] = (64, 32, 16, 8),
    ) -> None:
        super().__init__()
        self.resolutions, self.channels = _check(resolutions, channels)
        self.latent_dim = latent_dim
        r0, c0 = self.resolutions[0], self.channels[0]
        self.base = nn.Sequential(
            nn.Linear(latent_dim, c0 * r0 * r0),
            nn.LeakyReLU(0.2),
            nn.Unflatten(1, (c0, r0, r0)),
            _conv(c0, c0),
        )
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.Upsample(scale_factor=2, mode="nearest"), _conv(cin, cout), _conv(cout, cout)
            )
            for cin, cout in zip(self.channels, self.channels[1:], strict=False)
        )
        self.to_rgb = nn.ModuleList(nn.Conv2d(c, 1, 1) for c in self.channels)

    @property
    def n_stages(self) -> int:
        return len(self.resolutions)

    def forward(self, z: Tensor, stage: int | None = None, alpha: float = 1.0) -> Tensor:
        """``z``: ``(B, latent_dim)``; ``stage`` defaults to the last; ``alpha`` in [0, 1]."""
        stage = self.n_stages - 1 if stage is None else stage
        if not 0 <= stage < self.n_stages:
            raise ValueError(f"stage must be in [0, {self.n_stages - 1}], got {stage}")
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be in [0, 1], got {alpha}")
        h = self.base(z)
        prev = h
        for s in range(1, stage + 1):
            prev = h
            h = self.blocks[s - 1](h)
        new = self.to_rgb[stage](h)
        if stage == 0 or alpha >= 1.0:
            return new
        old = F.interpolate(self.to_rgb[stage - 1](prev), scale_factor=2, mode="nearest")
        return alpha * new + (1.0 - alpha) * old


class ProgressiveDiscriminator(nn.Module):
    """``spectrogram (B, 1, R_s, R_s) -> score (B,)`` at stage ``s`` (mirror of the generator)."""

    def __init__(
        self,
        resolutions: Sequence[int] = (8, 16, 32, 64),
        channels: Sequence[int] = (64, 32, 16, 8),
    ) -> None:
        super().__init__()
        self.resolutions, self.channels = _check(resolutions, channels)
        r0, c0 = self.resolutions[0], self.channels[0]
        self.from_rgb = nn.ModuleList(
            nn.Sequential(nn.Conv2d(1, c, 1), nn.LeakyReLU(0.2)) for c in self.channels
        )
        # blocks[s-1]: resolution R_s, channels C_s -> resolution R_{s-1}, channels C_{s-1}
        self.blocks = nn.ModuleList(
            nn.Sequential(_conv(cin, cin), _conv(cin, cout), nn.AvgPool2d(2))
            for cout, cin in zip(self.channels, self.channels[1:], strict=False)
        )
        self.head = nn.Sequential(_conv(c0, c0), nn.Flatten(), nn.Linear(c0 * r0 * r0, 1))

    @property
    def n_stages(self) -> int:
        return len(self.resolutions)

    def forward(self, x: Tensor, stage: int | None = None, alpha: float = 1.0) -> Tensor:
        """``x``: ``(B, 1, R_s, R_s)`` with ``R_s = resolutions[stage]``; returns ``(B,)``."""
        stage = self.n_stages - 1 if stage is None else stage
        if not 0 <= stage < self.n_stages:
            raise ValueError(f"stage must be in [0, {self.n_stages - 1}], got {stage}")
        r = self.resolutions[stage]
        if x.dim() != 4 or x.shape[1] != 1 or x.shape[-2:] != (r, r):
            raise ValueError(f"stage {stage} expects (B, 1, {r}, {r}), got {tuple(x.shape)}")
        h = self.from_rgb[stage](x)
        if stage > 0:
            h = self.blocks[stage - 1](h)
            if alpha < 1.0:
                old = self.from_rgb[stage - 1](F.avg_pool2d(x, 2))
                h = alpha * h + (1.0 - alpha) * old
            for s in range(stage - 1, 0, -1):
                h = self.blocks[s - 1](h)
        return self.head(h).squeeze(1)
