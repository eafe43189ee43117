"""Chapters 25 and 26's training data: labelled spectrograms as tensors.

:func:`prepare_data` turns an ``NSynthLite`` split into :class:`CGANData` of log-mel
spectrograms (chapter 25, one channel); :func:`prepare_if_data` into two channels, the
log magnitude and the instantaneous frequency of a linear STFT (chapter 26, GANSynth-style,
:mod:`gan_tutorial.phase`); :func:`synthetic_data` makes a tiny random set for tests and
smoke runs of the command line.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ...spectral import N_SAMPLES, SpecConfig, SpecNormalizer, spectrogram_arrays
from .model import z_code, z_velocity

__all__ = [
    "IF_SPEC",
    "REPRESENTATIONS",
    "CGANData",
    "instrument_targets",
    "on_device",
    "prepare_data",
    "prepare_if_data",
    "synthetic_data",
    "velocity_targets",
]

# what the channels of CGANData.x hold: "mel" one log spectrogram (chapter 25's log-mel, or
# a log-STFT magnitude), "if" log magnitude and instantaneous frequency (chapter 26)
REPRESENTATIONS = {"mel": 1, "if": 2}  # representation -> channels

# chapter 26's STFT: what notebook 26's rule picks from measurements in every profile (the
# most overlap, then the finest frequency resolution, among those whose round trip is near
# lossless and whose image fits its budget): 512 bins x 64 frames of 16 ms
IF_SPEC = SpecConfig(n_fft=1024, hop=256, kind="stft", stft_bins=512)


@dataclass
class CGANData:
    """Training spectrograms and labels. ``x``: ``(N, C, F, T)`` float32 in [-1, 1]:
    ``C = 1`` for ``representation="mel"``, ``C = 2`` (log magnitude normalised by
    ``normalizer``, instantaneous frequency as it is) for ``"if"``."""

    x: Tensor
    pitch: Tensor  # (N,) int64 index into ``pitches``
    family: Tensor  # (N,) int64 index into ``family_names``
    pitches: list[int]  # MIDI pitch of each pitch index
    family_names: list[str]
    normalizer: SpecNormalizer
    spec_config: SpecConfig
    representation: str = "mel"
    instrument: Tensor | None = None  # (N,) int64 index into ``instrument_names``
    instrument_names: list[str] = field(default_factory=list)
    velocity: Tensor | None = None  # (N,) int64 index into ``velocities``
    velocities: list[int] = field(default_factory=list)  # MIDI velocity of each index

    def __post_init__(self) -> None:
        want = REPRESENTATIONS.get(self.representation)
        if want is None:
            raise ValueError(
                f"representation must be one of {', '.join(REPRESENTATIONS)}, "
                f"got {self.representation!r}"
            )
        if self.x.ndim != 4 or self.x.shape[1] != want:
            raise ValueError(
                f"x must be (N, {want}, F, T) for representation {self.representation!r}, "
                f"got {tuple(self.x.shape)}"
            )

    @property
    def channels(self) -> int:
        return int(self.x.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        """``(F, T)`` of one channel."""
        return int(self.x.shape[2]), int(self.x.shape[3])

    def __len__(self) -> int:
        return len(self.x)

    @property
    def n_instruments(self) -> int:
        return len(self.instrument_names) if self.instrument is not None else 0

    @property
    def n_velocities(self) -> int:
        return len(self.velocities) if self.velocity is not None else 0

    @functools.cached_property
    def instrument_table(self) -> tuple[Tensor, Tensor]:
        """``(table (n_families, K), counts (n_families,))``: ``table[f, k]`` is family
        ``f``'s ``k``-th instrument (indices in ``instrument_names`` order; -1 pads the
        families with fewer than ``K``), ``counts[f]`` how many it has."""
        if self.instrument is None:
            raise ValueError("this data has no instrument labels")
        per = [
            sorted(set(self.instrument[self.family == f].tolist()))
            for f in range(len(self.family_names))
        ]
        table = torch.full((len(per), max(map(len, per))), -1, dtype=torch.long)
        for f, insts in enumerate(per):
            table[f, : len(insts)] = torch.tensor(insts, dtype=torch.long)
        return table, torch.tensor([len(i) for i in per], dtype=torch.long)

    def describe(self) -> dict[str, Any]:
        """JSON-able labels, spectrogram settings and normaliser: what a checkpoint needs
        to turn its generator's output into labelled audio."""
        n = self.normalizer
        return {
            "pitches": list(self.pitches),
            "families": list(self.family_names),
            "spec_config": self.spec_config.as_dict(),
            "representation": self.representation,
            "instruments": list(self.instrument_names),
            "velocities": list(self.velocities),
            "normalizer": {"mean": n.mean.tolist(), "std": n.std.tolist(), "clip_std": n.clip_std},
        }


def on_device(data: CGANData, device: torch.device | str) -> CGANData:
    """``data`` with its clips and labels on ``device`` (the same object if already there):
    batches are then gathered where the models are, with no copy of the clips per step."""
    if data.x.device == torch.device(device):
        return data
    inst = None if data.instrument is None else data.instrument.to(device)
    vel = None if data.velocity is None else data.velocity.to(device)
    return replace(
        data,
        x=data.x.to(device),
        pitch=data.pitch.to(device),
        family=data.family.to(device),
        instrument=inst,
        velocity=vel,
    )


def instrument_targets(
    data: CGANData, idx: Tensor, fake_idx: Tensor, z: Tensor
) -> dict[str, Tensor]:
    """The instrument head's targets of one step: ``real_instrument`` ``(B,)``, the real
    clips' (``idx``), for D; ``fake_instrument`` ``(B,)``, for G, the one that each ``z``
    asks for (:func:`.model.z_code`) among the instruments of its fake label's family
    (the family of clip ``fake_idx``). On the data's device."""
    assert data.instrument is not None
    table, counts = data.instrument_table
    fam = data.family[fake_idx.to(data.family.device)].cpu()
    fake = table[fam, z_code(z.cpu(), counts[fam])]
    dev = data.x.device
    return {"real_instrument": data.instrument[idx.to(dev)], "fake_instrument": fake.to(dev)}


def velocity_targets(data: CGANData, idx: Tensor, z: Tensor) -> dict[str, Tensor]:
    """The velocity head's targets of one step: ``real_velocity`` ``(B,)``, the real
    clips' (``idx``), for D; ``fake_velocity`` ``(B,)``, for G, the one that each ``z``
    asks for (:func:`.model.z_velocity`). Every label of the data holds every velocity
    equally often, so z draws them uniformly. On the data's device."""
    assert data.velocity is not None
    dev = data.x.device
    fake = z_velocity(z.cpu(), data.n_velocities)
    return {"real_velocity": data.velocity[idx.to(dev)], "fake_velocity": fake.to(dev)}


def prepare_data(notes: Any, spec_config: SpecConfig) -> CGANData:
    """Spectrograms of an ``NSynthLite`` split (:func:`gan_tutorial.spectral.spectrogram_arrays`).

    Labels become indices into the pitches and families present in ``notes``.
    """
    x, norm = spectrogram_arrays(notes.audio, spec_config)
    return _labelled(notes, torch.from_numpy(x[:, None]).float(), norm, spec_config, "mel")


def prepare_if_data(notes: Any, spec_config: SpecConfig) -> CGANData:
    """Chapter 26's two channels of an ``NSynthLite`` split: log magnitude (normalised per
    bin) and instantaneous frequency of the linear STFT ``spec_config`` (``kind="stft"``),
    :func:`gan_tutorial.phase.if_arrays`. Labels as :func:`prepare_data`'s."""
    from ... import phase  # chapter 26 only

    x, norm = phase.if_arrays(notes.audio, spec_config)
    return _labelled(notes, torch.from_numpy(np.asarray(x)).float(), norm, spec_config, "if")


def _labelled(
    notes: Any, x: Tensor, norm: SpecNormalizer, spec_config: SpecConfig, representation: str
) -> CGANData:
    """``x`` with the labels of ``notes``: indices into the pitches, families, instruments
    and velocities present."""
    pitches, pitch = _indexed(notes.pitch)
    families, family = _indexed(notes.family)  # only those present
    insts, instrument = _indexed(notes.instrument)
    vels, velocity = _indexed(notes.velocity)
    return CGANData(
        x=x,
        pitch=pitch,
        family=family,
        pitches=pitches,
        family_names=[str(notes.family_names[f]) for f in families],
        normalizer=norm,
        spec_config=spec_config,
        representation=representation,
        instrument=instrument,
        instrument_names=[str(notes.instrument_names[k]) for k in insts],
        velocity=velocity,
        velocities=vels,
    )


def _indexed(values: Any) -> tuple[list[int], Tensor]:
    """``(the distinct values, sorted; each value's index into them (N,) int64)``."""
    distinct, index = np.unique(np.asarray(values), return_inverse=True)
    return [int(v) for v in distinct], torch.from_numpy(index.reshape(-1).astype(np.int64))


def synthetic_data(
    n: int = 32,
    size: int | tuple[int, int] = 32,
    n_pitches: int = 4,
    seed: int = 0,
    representation: str = "mel",
) -> CGANData:
    """``n`` random labelled spectrograms (``n_pitches`` pitches, 2 families): tests and
    smoke runs, no dataset needed. ``size``: ``F = T`` or ``(F, T)``; ``representation``
    ``"if"`` gives two channels and a linear-STFT config with ``F`` bins and ``T`` frames."""
    f, t = (size, size) if isinstance(size, int) else size
    channels = REPRESENTATIONS[representation]
    if representation == "if":
        hop = N_SAMPLES // t
        cfg = SpecConfig(n_fft=max(2 * hop, 2 * f), hop=hop, kind="stft", stft_bins=f)
    else:
        cfg = SpecConfig.for_size(f) if f == t else SpecConfig(hop=N_SAMPLES // t, n_mels=f)
    g = torch.Generator().manual_seed(seed)
    return CGANData(
        x=torch.rand(n, channels, f, t, generator=g) * 2 - 1,
        pitch=torch.arange(n) % n_pitches,
        family=(torch.arange(n) // n_pitches) % 2,
        pitches=list(range(60, 60 + n_pitches)),
        family_names=["a", "b"],
        normalizer=SpecNormalizer(np.zeros(f, np.float32), np.ones(f, np.float32)),
        spec_config=cfg,
        representation=representation,
    )
