"""Where the notebooks write: one folder per profile and notebook, never shared.

``notebooks/outputs/<profile>/<notebook>/`` holds a notebook's checkpoints, sample
files, WAVs and figures. A laptop-profile run (minutes of training) therefore never
meets a quick-profile run, and a notebook that reads another notebook's samples finds
the ones of its own profile. ``$GAN_TUTORIAL_OUTPUTS`` moves the whole tree: the tests
and the site build point it at ``build/`` so that they never touch a learner's work.
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import profile as active_profile

__all__ = ["OUTPUTS_ENV", "output_dir", "outputs_root"]

OUTPUTS_ENV = "GAN_TUTORIAL_OUTPUTS"


def outputs_root(profile: str | None = None) -> Path:
    """``$GAN_TUTORIAL_OUTPUTS`` (or ``<repo>/notebooks/outputs``) / the profile's name.

    ``profile`` defaults to the active one (:func:`gan_tutorial.config.profile`).
    """
    base = (
        os.environ.get(OUTPUTS_ENV) or Path(__file__).resolve().parents[1] / "notebooks" / "outputs"
    )
    return Path(base) / active_profile(profile).name


def output_dir(notebook: str, profile: str | None = None) -> Path:
    """The folder of one notebook's outputs in one profile, created if missing.

    ``notebook`` is the notebook's file name without ``.ipynb``, e.g.
    ``"25_conditional_audio_gan"``.
    """
    if not notebook or Path(notebook).name != notebook:
        raise ValueError(
            f"notebook must be a plain name like '25_conditional_audio_gan', got {notebook!r}."
        )
    path = outputs_root(profile) / notebook
    path.mkdir(parents=True, exist_ok=True)
    return path
