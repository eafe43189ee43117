"""Sizes of the symbolic-music notebook (22c) for each ``GAN_TUTORIAL_PROFILE``.

Kept here rather than in :class:`gan_tutorial.config.Profile` so that the audio profiles
stay as they are; the table follows the same pattern (read with
:func:`gan_tutorial.config.by_profile`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..config import by_profile

__all__ = ["SymbolicConfig", "symbolic_config"]


@dataclass(frozen=True)
class SymbolicConfig:
    """Data and training sizes for one profile (times for 2 CPU cores)."""

    name: str
    chorales_limit: int | None  # chorales parsed (None = all 371)
    steps: int  # generator steps
    batch_size: int
    n_critic: int  # critic steps per generator step
    gp_samples: int | None  # phrases per critic batch that the gradient penalty uses (None: all)
    sample_every: int
    checkpoint_every: int
    max_train_seconds: float  # time guard: seconds of training per call (torch.training.fit)
    n_generate: int  # phrases written as MIDI for evaluation
    ema_decay: float  # the generator's average that the notebook samples (musegan.make_state)

    def as_dict(self) -> dict:
        return asdict(self)


_CONFIGS = {
    "quick": SymbolicConfig("quick", 24, 10, 16, 2, 8, 5, 5, 30.0, 64, 0.995),
    "laptop": SymbolicConfig("laptop", None, 1200, 32, 2, 8, 300, 300, 480.0, 128, 0.995),
    "gpu": SymbolicConfig("gpu", None, 20000, 64, 5, None, 1000, 1000, 3600.0, 512, 0.999),
}


def symbolic_config(name: str | None = None) -> SymbolicConfig:
    """The :class:`SymbolicConfig` of the active (or named) profile."""
    return by_profile(_CONFIGS, name)
