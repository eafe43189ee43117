"""Symbolic music: four-voice chorale phrases as multi-track piano rolls (numpy only).

* :mod:`.rolls` - the roll format, roll <-> MIDI, transposition, decoding probabilities;
* :mod:`.phrases` - music21's chorales (and any 4/4 MIDI file) cut into 4-bar phrases;
* :mod:`.measures` - every music measure (in-key share, polyphony, ...) and the tables;
  the four-part-writing ones come from :mod:`.voicing` (stepwise motion, voice order,
  spacing, parallels) and :mod:`.harmony` (chords, cadences), keys from :mod:`.keys`;
* :mod:`.baselines` - random in-key notes, voice- and bar-shuffled real phrases;
* :mod:`.judge` - targets, and which measures tell a set from real phrases;
* :mod:`.listen` - FluidSynth rendering, MIDI/WAV files and piano-roll plots;
* :mod:`.config` - sizes per profile.

The GAN that writes the phrases is in :mod:`gan_tutorial.torch.musegan`.
"""

from . import baselines, harmony, judge, keys, listen, measures, voicing
from .config import SymbolicConfig, symbolic_config
from .phrases import ChoralePhrases, chorale_phrases, cut_phrases, midi_phrases, tonic_shift
from .rolls import (
    BAR_STEPS,
    DECODE_METHODS,
    HIGH,
    LOW,
    N_PITCHES,
    PHRASE_BARS,
    PHRASE_STEPS,
    STEPS_PER_QUARTER,
    VOICES,
    decode,
    midi_bytes,
    midi_to_notes,
    note_name,
    roll_from_notes,
    roll_notes,
    roll_to_midi,
    transpose,
    voice_lines,
)

__all__ = [
    "BAR_STEPS",
    "DECODE_METHODS",
    "HIGH",
    "LOW",
    "N_PITCHES",
    "PHRASE_BARS",
    "PHRASE_STEPS",
    "STEPS_PER_QUARTER",
    "VOICES",
    "ChoralePhrases",
    "SymbolicConfig",
    "baselines",
    "chorale_phrases",
    "cut_phrases",
    "decode",
    "harmony",
    "judge",
    "keys",
    "listen",
    "measures",
    "midi_bytes",
    "midi_phrases",
    "midi_to_notes",
    "note_name",
    "roll_from_notes",
    "roll_notes",
    "roll_to_midi",
    "symbolic_config",
    "tonic_shift",
    "transpose",
    "voice_lines",
    "voicing",
]
