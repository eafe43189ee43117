"""The judge network: its front end, sizes, heads and where its packaged weights live."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from ...spectral import SpecConfig

__all__ = [
    "CHANNELS",
    "EMBED_DIM",
    "FRONT_END",
    "N_CLASSES",
    "N_FAMILIES",
    "PITCH_HIGH",
    "PITCH_LOW",
    "JudgeNet",
    "companions",
    "default_weights_path",
]

PITCH_LOW = 36  # C2
PITCH_HIGH = 84  # C6 (inclusive)
N_CLASSES = PITCH_HIGH - PITCH_LOW + 1  # 49 pitch classes
N_FAMILIES = 10  # gan_tutorial.data.FAMILY_NAMES
EMBED_DIM = 128
CHANNELS = (8, 16, 32, 64)
# Not the GANs' representation (64 mel bands, n_fft 1024): a vocoder that matches the GAN's
# mel bands cannot match these by construction. 128 bands x 32 frames of 32 ms (hop 512:
# half the frames of hop 256 halve the training time on one core).
FRONT_END = SpecConfig(n_fft=2048, hop=512, n_mels=128)
DATA_PROFILE = "gpu"  # every program any profile uses x MIDI 36..84 x 3 velocities
RETRAIN = "retrain with: python -m gan_tutorial.torch.classifier --train"
WEIGHTS_NAME = "judge.pt"


def default_weights_path() -> Path:
    """``gan_tutorial/weights/judge.pt`` (the packaged weights)."""
    return Path(__file__).resolve().parents[2] / "weights" / WEIGHTS_NAME


def companions(weights: Path) -> tuple[Path, Path]:
    """(normaliser .npz, metadata .json) paths stored next to ``weights``."""
    return (
        weights.with_name(weights.stem + "_normalizer.npz"),
        weights.with_suffix(".json"),
    )


class JudgeNet(nn.Module):
    """Conv-BN-ReLU-maxpool blocks -> 128-d embedding -> pitch, family and instrument logits.

    Input: (B, 1, n_bins, frames) normalised log-mel in [-1, 1], frequency first. The last
    feature map is flattened whole, frequency *and* time: pitch is where the harmonics
    sit, and an instrument is also its envelope (attack, decay, release), so neither axis
    is averaged away. The embedding (before any ReLU) is what FID, KID and precision/recall
    compare; each head is ReLU -> dropout -> linear on it.
    """

    def __init__(
        self,
        n_instruments: int,
        n_pitches: int = N_CLASSES,
        n_families: int = N_FAMILIES,
        channels: tuple[int, ...] = CHANNELS,
        embed_dim: int = EMBED_DIM,
        input_shape: tuple[int, int] = FRONT_END.shape,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        self.n_classes = n_pitches
        self.n_families = n_families
        self.n_instruments = n_instruments
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
        f_out, t_out = (n // 2 ** len(channels) for n in input_shape)
        if min(f_out, t_out) < 1:
            raise ValueError(f"{len(channels)} pooling blocks are too many for {input_shape}.")
        self.embedding = nn.Linear(c_in * f_out * t_out, embed_dim)  # penultimate (FID)

        def head(n: int) -> nn.Sequential:
            return nn.Sequential(nn.ReLU(), nn.Dropout(dropout), nn.Linear(embed_dim, n))

        self.pitch_head = head(n_pitches)
        self.family_head = head(n_families)
        self.instrument_head = head(n_instruments)

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, F, T) -> (B, embed_dim) embedding."""
        return self.embedding(self.features(x).flatten(1))

    def heads(self, e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Embedding -> (pitch, family, instrument) logits."""
        return self.pitch_head(e), self.family_head(e), self.instrument_head(e)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, F, T) -> (B, n_pitches) pitch logits; class k is MIDI pitch PITCH_LOW + k."""
        return self.pitch_head(self.embed(x))
