"""Shared fixtures. Plots render off-screen; the quick dataset comes from the data cache."""

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import shutil
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def nsynth_quick():
    """The 'quick' nsynth_lite set (360 FluidSynth notes), from the course's data cache.

    Rendered there once (``data/cache`` or ``$GAN_TUTORIAL_DATA``), so the notebooks that
    ``make test`` runs next load it instead of rendering it again; the loader checks its
    checksums. Tests that corrupt or rebuild a cache use :func:`nsynth_quick_copy`.
    """
    from gan_tutorial.data.builtin import nsynth_lite
    from gan_tutorial.synth import fluidsynth_available

    if not fluidsynth_available():
        pytest.skip("needs the FluidSynth system library")
    return nsynth_lite("quick", progress=False)


@pytest.fixture
def nsynth_quick_copy(nsynth_quick, tmp_path: Path) -> Path:
    """A cache folder holding a private copy of the quick set, free to corrupt."""
    folder = Path(nsynth_quick.manifest["folder"])
    shutil.copytree(folder, tmp_path / "cache" / folder.name)
    return tmp_path / "cache"


class _BandEvaluator:
    """Duck-typed evaluator for a ``Judge``: 6 spectral-band energies as features, and 25
    pitch classes (MIDI 48-72) that it cannot tell apart."""

    pitch_low = 48

    def features(self, audio, sr):
        spec = np.abs(np.fft.rfft(audio, axis=1))
        return np.stack([b.mean(axis=1) for b in np.array_split(spec, 6, axis=1)], axis=1)

    def probs(self, audio, sr):
        return np.full((len(audio), 25), 1 / 25)


@pytest.fixture
def band_evaluator() -> _BandEvaluator:
    """A cheap stand-in for chapter 24's judge network (no weights, no torch)."""
    return _BandEvaluator()
