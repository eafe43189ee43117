"""Run profiles: one environment variable scales every notebook.

``GAN_TUTORIAL_PROFILE`` is ``quick`` (CI: shapes and plumbing), ``laptop`` (default: a
recognisable result on 2 CPU cores) or ``gpu`` (larger data and longer runs). The measured
run times of each notebook are in ``docs/run_times.toml``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TypeVar

__all__ = [
    "DEFAULT_FAMILY_PROGRAM",
    "ENV_VAR",
    "FAMILY_PROGRAMS",
    "GM_FAMILY_BLOCKS",
    "PROFILES",
    "Profile",
    "by_profile",
    "family_programs",
    "profile",
]

ENV_VAR = "GAN_TUTORIAL_PROFILE"
PROFILES = ("quick", "laptop", "gpu")


@dataclass(frozen=True)
class Profile:
    """Sizes for one profile. Times are for 2 CPU cores unless the name says gpu."""

    name: str
    # data
    nsynth_programs: tuple[int, ...]  # General MIDI programs (0-based) rendered
    nsynth_pitches: tuple[int, ...]  # MIDI pitches rendered
    nsynth_velocities: tuple[int, ...]
    chorales_limit: int  # how many Bach chorales to parse and render
    clip_seconds: float  # length of a chorale clip
    spec_size: int  # spectrogram height = width (64 or 128)
    # chapter 22
    gan_steps: int
    batch_size: int
    sample_every: int
    checkpoint_every: int
    lstm_steps: int
    # chapter 23
    toy_steps: int
    toy_seeds: int
    audio_ablation_steps: int
    progressive_steps_per_stage: int
    # chapter 24
    classifier_epochs: int
    eval_samples: int
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:  # what every notebook prints at the top
        return (
            f"profile={self.name} (set {ENV_VAR}=quick|laptop|gpu to change): "
            f"gan_steps={self.gan_steps}, batch_size={self.batch_size}, "
            f"spec_size={self.spec_size}, toy_steps={self.toy_steps}x{self.toy_seeds} seeds"
        )


# NSynth's instrument families as General MIDI blocks: programs 8 * block .. 8 * block + 7.
GM_FAMILY_BLOCKS: dict[str, int] = {
    "keyboard": 0,  # pianos, electric pianos, harpsichord, clavinet
    "mallet": 1,  # chromatic percussion
    "organ": 2,
    "guitar": 3,
    "bass": 4,
    "string": 5,
    "brass": 7,
    "reed": 8,
    "flute": 9,  # pipe
    "synth_lead": 10,
}
# The one program per family that the data used until data version 2 (each family's first).
DEFAULT_FAMILY_PROGRAM: dict[str, int] = {
    "keyboard": 0,  # Acoustic Grand Piano
    "mallet": 11,  # Vibraphone
    "organ": 19,  # Church Organ
    "guitar": 24,  # Acoustic Guitar (nylon)
    "bass": 33,  # Electric Bass (finger)
    "string": 40,  # Violin
    "brass": 56,  # Trumpet
    "reed": 65,  # Alto Sax
    "flute": 73,  # Flute
    "synth_lead": 80,  # Lead 1 (square)
}
# Each family's programs that pass docs/measure_nsynth_programs.py's checks (audible at MIDI
# 36..84, pitch following the label, no duplicate), ordered from the default program on by
# farthest-point MFCC distance: the first k of each are the k most distinct timbres. 71 of
# the 80; docs/nsynth_programs.md has the measurements.
FAMILY_PROGRAMS: dict[str, tuple[int, ...]] = {
    "keyboard": (0, 5, 4, 6, 3, 7, 2, 1),
    "mallet": (11, 13, 15, 12),
    "organ": (19, 22, 17, 16, 23, 18, 20, 21),
    "guitar": (24, 30, 27, 26, 28, 25, 29),
    "bass": (33, 39, 32, 38, 36, 35, 37, 34),
    "string": (40, 47, 46, 44, 45, 43, 42, 41),
    "brass": (56, 58, 59, 63, 57, 61, 60, 62),
    "reed": (65, 70, 71, 68, 66, 69, 64),
    "flute": (73, 76, 74, 72, 79, 75),
    "synth_lead": (80, 83, 84, 85, 87, 81, 82),
}


def family_programs(per_family: int | None = None) -> tuple[int, ...]:
    """The first ``per_family`` programs of each family (``None``: all), family by family."""
    return tuple(p for progs in FAMILY_PROGRAMS.values() for p in progs[:per_family])


_PROFILES: dict[str, Profile] = {
    "quick": Profile(
        name="quick",
        nsynth_programs=family_programs(2),  # 20 instruments
        nsynth_pitches=tuple(range(48, 73, 3)),  # C3..C5 in minor thirds: 9 pitches, 2 octaves
        nsynth_velocities=(50, 110),
        chorales_limit=6,
        clip_seconds=4.0,
        spec_size=64,
        gan_steps=20,
        batch_size=16,
        sample_every=10,
        checkpoint_every=10,
        lstm_steps=10,
        toy_steps=60,
        toy_seeds=1,
        audio_ablation_steps=10,
        progressive_steps_per_stage=8,
        classifier_epochs=2,
        eval_samples=64,
    ),
    "laptop": Profile(
        name="laptop",
        nsynth_programs=family_programs(4),  # 40 instruments
        nsynth_pitches=tuple(range(48, 73)),  # C3..C5 chromatic: 25 pitches
        nsynth_velocities=(50, 80, 110),
        chorales_limit=40,
        clip_seconds=4.0,
        spec_size=64,
        gan_steps=1500,
        batch_size=32,
        sample_every=250,
        checkpoint_every=250,
        lstm_steps=600,
        toy_steps=2000,
        toy_seeds=3,
        audio_ablation_steps=500,
        progressive_steps_per_stage=100,
        classifier_epochs=8,
        eval_samples=400,
    ),
    "gpu": Profile(
        name="gpu",
        nsynth_programs=family_programs(),  # all 71 that pass the checks
        nsynth_pitches=tuple(range(36, 85)),  # C2..C6
        nsynth_velocities=(40, 80, 120),
        chorales_limit=370,
        clip_seconds=4.0,
        spec_size=128,
        gan_steps=20000,
        batch_size=64,
        sample_every=1000,
        checkpoint_every=1000,
        lstm_steps=5000,
        toy_steps=5000,
        toy_seeds=5,
        audio_ablation_steps=5000,
        progressive_steps_per_stage=2000,
        classifier_epochs=20,
        eval_samples=2000,
    ),
}


T = TypeVar("T")


def by_profile(table: Mapping[str, T], name: str | None = None) -> T:
    """``table``'s entry for profile ``name`` (``None``: ``$GAN_TUTORIAL_PROFILE``, else
    ``laptop``).

    Every per-profile size table follows one pattern: a frozen dataclass, a dict
    ``{profile name: instance}`` and a function that reads it through here (:func:`profile`,
    :func:`gan_tutorial.symbolic.symbolic_config`,
    :func:`gan_tutorial.torch.cgan.settings.settings_for`), so an unknown name gets the same
    error everywhere.
    """
    chosen = (name or os.environ.get(ENV_VAR) or "laptop").strip().lower()
    if chosen not in table:
        raise ValueError(
            f"{ENV_VAR}={chosen!r} is not a profile. Fix: use one of {', '.join(PROFILES)}."
        )
    return table[chosen]


def profile(name: str | None = None) -> Profile:
    """Return the active :class:`Profile` (``name`` overrides the environment variable)."""
    return by_profile(_PROFILES, name)
