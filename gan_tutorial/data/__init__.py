"""Datasets: the built-in rendered sets and loaders for the real MAESTRO, Lakh MIDI
and NSynth folder layouts. Everything here is framework-free (numpy arrays);
``gan_tutorial.torch.data`` and ``gan_tutorial.keras.data`` adapt them."""

from ..spectral import spectrogram_arrays
from .builtin import (
    FAMILY_NAMES,
    GM_FAMILIES,
    SPLIT_KINDS,
    SPLITS,
    Chorales,
    NSynthLite,
    cache_root,
    chorale_names,
    chorales,
    family_of,
    nsynth_lite,
    program_name,
    score_to_midi,
)
from .layouts import (
    LakhRecord,
    MaestroRecord,
    NSynthRecord,
    SkippedFilesWarning,
    load_lakh,
    load_lakh_midi,
    load_maestro,
    load_maestro_audio,
    load_nsynth,
    load_nsynth_arrays,
    scan_audio_folder,
)

__all__ = [
    "FAMILY_NAMES",
    "GM_FAMILIES",
    "SPLITS",
    "SPLIT_KINDS",
    "Chorales",
    "LakhRecord",
    "MaestroRecord",
    "NSynthLite",
    "NSynthRecord",
    "SkippedFilesWarning",
    "cache_root",
    "chorale_names",
    "chorales",
    "family_of",
    "load_lakh",
    "load_lakh_midi",
    "load_maestro",
    "load_maestro_audio",
    "load_nsynth",
    "load_nsynth_arrays",
    "nsynth_lite",
    "program_name",
    "scan_audio_folder",
    "score_to_midi",
    "spectrogram_arrays",
]
