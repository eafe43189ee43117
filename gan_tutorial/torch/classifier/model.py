"""The pitch classifier's network, its sizes and where its packaged weights live."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

__all__ = [
    "CHANNELS",
    "EMBED_DIM",
    "N_CLASSES",
    "PITCH_HIGH",
    "PITCH_LOW",
    "SPEC_SIZE",
    "PitchClassifier",
    "companions",
    "default_weights_path",
]

PITCH_LOW = 36  # C2
PITCH_HIGH = 84  # C6 (inclusive)
N_CLASSES = PITCH_HIGH - PITCH_LOW + 1  # 49
EMBED_DIM = 128
CHANNELS = (16, 32, 64, 64)
SPEC_SIZE = 64
DATA_PROFILE = "gpu"  # programs x pitches 36..84 x 5 velocities: the classifier's own data
RETRAIN = "retrain with: python -m gan_tutorial.torch.classifier --train"
WEIGHTS_NAME = "pitch_classifier.pt"


def default_weights_path() -> Path:
    """``gan_tutorial/weights/pitch_classifier.pt`` (the packaged weights)."""
    return Path(__file__).resolve().parents[2] / "weights" / WEIGHTS_NAME


def companions(weights: Path) -> tuple[Path, Path]:
    """(normaliser .npz, metadata .json) paths stored next to ``weights``."""
    return (
        weights.with_name(weights.stem + "_normalizer.npz"),
        weights.with_suffix(".json"),
    )


class PitchClassifier(nn.Module):
    """Conv-BN-ReLU-maxpool blocks -> mean over time -> 128-d embedding -> 49 logits.

    Input: (B, 1, n_bins, frames) normalised log-mel in [-1, 1], frequency first.
    Pitch is *where* the harmonics sit on the frequency axis, so the pooling at the end
    averages over time only and keeps the (coarse) frequency axis; a fully global
    average pool would throw away the absolute frequency that the label depends on.
    """

    def __init__(
        self,
        n_classes: int = N_CLASSES,
        channels: tuple[int, ...] = CHANNELS,
        embed_dim: int = EMBED_DIM,
        n_bins: int = SPEC_SIZE,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        self.n_classes = n_classes
        layers: list[nn.Module] = []
        c_in = 1
        for c in channels:
            layers += [
                nn.Conv2d(c_in, c, 3, padding=1, bias=False),
                nn.BatchNorm2d(c),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            c_in = c
        self.features = nn.Sequential(*layers)
        f_out = n_bins // 2 ** len(channels)
        if f_out < 1:
            raise ValueError(f"{len(channels)} pooling blocks are too many for {n_bins} bins.")
        self.embedding = nn.Linear(c_in * f_out, embed_dim)  # the penultimate layer (FID)
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(dropout), nn.Linear(embed_dim, n_classes))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, F, T) -> (B, embed_dim) embedding (before the ReLU)."""
        h = self.features(x).mean(dim=3)  # (B, C, F') - average over time
        return self.embedding(h.flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, F, T) -> (B, n_classes) logits; class k is MIDI pitch PITCH_LOW + k."""
        return self.head(self.embed(x))
