"""Shared fixtures. Plots render off-screen; built data goes to a per-session temp folder."""

import os

import matplotlib

matplotlib.use("Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def nsynth_quick_cache(tmp_path_factory) -> Path:
    """A cache folder holding the 'quick' nsynth_lite set, rendered once per session.

    Tests that corrupt or rebuild a cache copy this folder instead of rendering again.
    """
    from gan_tutorial.data.builtin import nsynth_lite
    from gan_tutorial.synth import fluidsynth_available

    if not fluidsynth_available():
        pytest.skip("needs the FluidSynth system library")
    root = tmp_path_factory.mktemp("nsynth_quick")
    nsynth_lite("quick", cache_dir=root, progress=False)
    return root


@pytest.fixture(scope="session")
def nsynth_quick(nsynth_quick_cache: Path):
    """The 'quick' nsynth_lite set (about 310 FluidSynth notes), rendered once per session."""
    from gan_tutorial.data.builtin import nsynth_lite

    return nsynth_lite("quick", cache_dir=nsynth_quick_cache, progress=False)


@pytest.fixture
def nsynth_quick_copy(nsynth_quick_cache: Path, tmp_path: Path) -> Path:
    """A private copy of the session's nsynth_lite cache folder, free to corrupt."""
    dest = tmp_path / "cache"
    shutil.copytree(nsynth_quick_cache, dest)
    return dest
