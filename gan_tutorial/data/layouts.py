"""Loaders for the real download layouts of MAESTRO, the Lakh MIDI Dataset and NSynth.

One module per layout (:mod:`.maestro`, :mod:`.lakh`, :mod:`.nsynth`) and the shared
bad-input policy in :mod:`.folders`; this module gathers their public names.
"""

from .folders import AUDIO_EXTS, SkippedFilesWarning, scan_audio_folder
from .lakh import LakhRecord, load_lakh, load_lakh_midi
from .maestro import MaestroRecord, load_maestro, load_maestro_audio
from .nsynth import NSynthRecord, load_nsynth, load_nsynth_arrays

__all__ = [
    "AUDIO_EXTS",
    "LakhRecord",
    "MaestroRecord",
    "NSynthRecord",
    "SkippedFilesWarning",
    "load_lakh",
    "load_lakh_midi",
    "load_maestro",
    "load_maestro_audio",
    "load_nsynth",
    "load_nsynth_arrays",
    "scan_audio_folder",
]
