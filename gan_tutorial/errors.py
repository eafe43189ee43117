"""Exceptions that name the offending file and say how to fix it."""

from __future__ import annotations

import os

__all__ = [
    "AudioFileError",
    "DatasetLayoutError",
    "FileProblem",
    "FluidSynthMissing",
    "GanTutorialError",
    "MidiFileError",
    "TrainingDiverged",
]


class GanTutorialError(ValueError):
    """Base class. A ``ValueError`` so callers may catch it generically."""


class FileProblem(GanTutorialError):
    """A file could not be used. The message names the file, the problem and the fix."""

    def __init__(self, path: str | os.PathLike, problem: str, fix: str = "") -> None:
        self.path = os.fspath(path)
        self.problem = problem
        self.fix = fix
        msg = f"{self.path}: {problem}"
        if fix:
            msg += f" Fix: {fix}"
        super().__init__(msg)


class AudioFileError(FileProblem):
    """An audio file is empty, corrupt, truncated, silent, non-finite or not audio."""


class MidiFileError(FileProblem):
    """A MIDI file does not parse."""


class DatasetLayoutError(FileProblem):
    """A dataset folder does not have the layout a loader expects."""


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; training was stopped so nothing is overwritten."""


class FluidSynthMissing(RuntimeError):
    """pyfluidsynth is installed but cannot find the FluidSynth C library."""
