"""The settings of a chapter-25 run, per profile, and chapter 26's changes for its
two-channel IF model (:func:`settings_for`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from ...config import by_profile

__all__ = ["IF_CHANGES", "CGANSettings", "settings_for"]


@dataclass(frozen=True)
class CGANSettings:
    """Every choice of a chapter-25 run. The ablation switches one trick off at a time."""

    steps: int = 3000
    batch_size: int = 32  # per process
    latent_dim: int = 64
    base_g: int = 16
    base_d: int = 16
    condition_family: bool = True  # condition on instrument family as well as pitch
    loss: str = "hinge"
    spectral_norm: bool = True
    lr_g: float = 3e-4  # G 1.5x faster than D: better than equal rates in notebook 25's log
    lr_d: float = 2e-4  # D 4x faster than G measured worse here: docs/cgan_tuning.md
    betas: tuple[float, float] = (0.0, 0.99)
    ema_decay: float = 0.995  # 0 = sample from the raw generator
    mbstd_group: int = 4  # 0 = no minibatch-std layer
    mode_seeking: float = 0.0  # weight of the mode-seeking term (Mao et al. 2019), 0 = off
    # weight of the instrument head's cross-entropy (0 = no head): D learns real clips'
    # instruments, G makes the one that z asks for (model.z_code), so z chooses the timbre
    instrument_weight: float = 1.0
    # weight of an auxiliary pitch classifier's cross-entropy (GANSynth's), 0 = none
    pitch_weight: float = 1.0
    # weight of a velocity head's cross-entropy (0 = none): as the instrument head, so that
    # z chooses how hard the note is played (model.z_velocity); weight 1 cost pitch accuracy
    # over three seeds, 0.3 did not (docs/cgan_tuning.md)
    velocity_weight: float = 0.3
    max_shift: int = 4  # random time shifts of real and fake, in frames (0 = none)
    time_limit_s: float = 0.0  # time guard: seconds of training per call (fit's max_seconds)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_PROFILE_SETTINGS = {
    "quick": CGANSettings(steps=40, batch_size=16, base_g=8, base_d=8, time_limit_s=60),
    # the guard ends training early on a slower or busy machine, so that notebook 25 still
    # ends in about the time its header gives; batch 16 trains all 11,000 steps in about
    # 370-425 s on a quiet 2-core machine (batch 32 reached about 5,900 in 450 s), and the
    # steps after 8,000 brought FID under 1.5x its floor on three seeds (docs/cgan_tuning.md)
    "laptop": CGANSettings(steps=11000, batch_size=16, time_limit_s=450),
    "gpu": CGANSettings(
        steps=30000, batch_size=64, base_g=48, base_d=48, latent_dim=128, ema_decay=0.999
    ),
}


# chapter 26's changes for the two-channel IF model (notebook 26 explains them): no velocity
# head (its clips spread their loudness as real notes do, and the head cost pitch accuracy),
# and on a laptop half the batch at four times the learning rates, since a step costs several
# of chapter 25's and the budget is minutes, not steps (docs/cgan_tuning.md)
IF_CHANGES: dict[str, dict[str, Any]] = {
    "quick": {"velocity_weight": 0.0},
    "laptop": {"velocity_weight": 0.0, "batch_size": 8, "lr_g": 1.2e-3, "lr_d": 8e-4},
    "gpu": {"velocity_weight": 0.0},
}


def settings_for(
    profile_name: str | None, representation: str = "mel", **overrides: Any
) -> CGANSettings:
    """The settings of a profile (``quick``/``laptop``/``gpu``; ``None``: the active one)
    for a ``representation``: ``"mel"`` (chapter 25's) or ``"if"`` (with
    :data:`IF_CHANGES`), with overrides."""
    settings = by_profile(_PROFILE_SETTINGS, profile_name)
    if representation == "if":
        settings = replace(settings, **by_profile(IF_CHANGES, profile_name))
    elif representation != "mel":
        raise ValueError(f"representation must be 'mel' or 'if', got {representation!r}")
    return replace(settings, **overrides)
