"""Chapter 25's training data: labelled spectrograms as tensors.

:func:`prepare_data` turns an ``NSynthLite`` split into :class:`CGANData`;
:func:`synthetic_data` makes a tiny random set for tests and smoke runs of the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ...spectral import SpecConfig, SpecNormalizer, spectrogram_arrays

__all__ = ["CGANData", "prepare_data", "synthetic_data"]


@dataclass
class CGANData:
    """Training spectrograms and labels. ``x``: ``(N, 1, F, T)`` float32 in [-1, 1]."""

    x: Tensor
    pitch: Tensor  # (N,) int64 index into ``pitches``
    family: Tensor  # (N,) int64 index into ``family_names``
    pitches: list[int]  # MIDI pitch of each pitch index
    family_names: list[str]
    normalizer: SpecNormalizer
    spec_config: SpecConfig

    def __len__(self) -> int:
        return len(self.x)

    def describe(self) -> dict[str, Any]:
        """JSON-able labels, spectrogram settings and normaliser: what a checkpoint needs
        to turn its generator's output into labelled audio."""
        n = self.normalizer
        return {
            "pitches": list(self.pitches),
            "families": list(self.family_names),
            "spec_config": self.spec_config.as_dict(),
            "normalizer": {"mean": n.mean.tolist(), "std": n.std.tolist(), "clip_std": n.clip_std},
        }


def prepare_data(notes: Any, spec_config: SpecConfig) -> CGANData:
    """Spectrograms of an ``NSynthLite`` split (:func:`gan_tutorial.spectral.spectrogram_arrays`).

    Labels become indices into the pitches and families present in ``notes``.
    """
    x, norm = spectrogram_arrays(notes.audio, spec_config)
    pitches = sorted(int(p) for p in np.unique(notes.pitch))
    families = sorted(int(f) for f in np.unique(notes.family))  # only those present
    p_index = {p: i for i, p in enumerate(pitches)}
    f_index = {f: i for i, f in enumerate(families)}
    return CGANData(
        x=torch.from_numpy(x[:, None]).float(),
        pitch=torch.tensor([p_index[int(p)] for p in notes.pitch], dtype=torch.long),
        family=torch.tensor([f_index[int(f)] for f in notes.family], dtype=torch.long),
        pitches=pitches,
        family_names=[str(notes.family_names[f]) for f in families],
        normalizer=norm,
        spec_config=spec_config,
    )


def synthetic_data(n: int = 32, size: int = 32, n_pitches: int = 4, seed: int = 0) -> CGANData:
    """``n`` random labelled ``size`` x ``size`` spectrograms (``n_pitches`` pitches, 2
    families): tests and smoke runs, no dataset needed."""
    g = torch.Generator().manual_seed(seed)
    return CGANData(
        x=torch.rand(n, 1, size, size, generator=g) * 2 - 1,
        pitch=torch.arange(n) % n_pitches,
        family=(torch.arange(n) // n_pitches) % 2,
        pitches=list(range(60, 60 + n_pitches)),
        family_names=["a", "b"],
        normalizer=SpecNormalizer(np.zeros(size, np.float32), np.ones(size, np.float32)),
        spec_config=SpecConfig.for_size(size),
    )
