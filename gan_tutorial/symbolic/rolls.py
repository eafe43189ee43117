"""Multi-track piano rolls on a beat grid, and their conversion to and from MIDI.

A phrase roll is a ``(tracks, steps, pitches)`` array of 0/1 (uint8): track 0 is the
soprano, 1 the alto, 2 the tenor, 3 the bass; ``STEPS_PER_QUARTER = 4`` steps per quarter
note (one step = a sixteenth); pitch index ``k`` is MIDI note ``LOW + k``. A roll says
which pitches sound at each step, not where notes start, so a repeated note becomes one
longer note (MuseGAN's representation has the same limitation).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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
    "NoteList",
    "as_roll",
    "chroma",
    "decode",
    "midi_bytes",
    "midi_to_notes",
    "note_name",
    "notes_to_roll",
    "roll_from_notes",
    "roll_notes",
    "roll_to_midi",
    "transpose",
    "voice_lines",
]

STEPS_PER_QUARTER = 4
BAR_STEPS = 4 * STEPS_PER_QUARTER  # one bar of 4/4
PHRASE_BARS = 4
PHRASE_STEPS = PHRASE_BARS * BAR_STEPS  # 64
LOW = 36  # C2
N_PITCHES = 48  # C2..B5, four octaves
HIGH = LOW + N_PITCHES - 1
VOICES = ("soprano", "alto", "tenor", "bass")
_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def note_name(midi: int) -> str:
    """``60 -> 'C4'`` (scientific pitch notation, sharps/flats as in a C major score)."""
    return f"{_NAMES[int(midi) % 12]}{int(midi) // 12 - 1}"


@dataclass
class NoteList:
    """Notes in quarter-note units. ``notes``: ``(n, 4)`` float array of (track, pitch,
    start, end); ``bars``: ``(m,)`` start of each full 4/4 bar, in quarters."""

    notes: np.ndarray
    bars: np.ndarray
    n_tracks: int


def _runs(on: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, end), ...]`` of the runs of True in a 1-D boolean array (end exclusive)."""
    d = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def roll_notes(roll: np.ndarray, low: int = LOW) -> list[tuple[int, int, int, int]]:
    """The notes of a ``(tracks, steps, pitches)`` roll: ``[(track, midi, start, end)]`` in
    steps (end exclusive), one note per run of consecutive on-steps of one pitch."""
    roll = np.asarray(roll) > 0
    if roll.ndim != 3:
        raise ValueError(f"expected a (tracks, steps, pitches) roll, got shape {roll.shape}")
    out = []
    for t, k in zip(*np.nonzero(roll.any(axis=1)), strict=True):
        out += [(int(t), low + int(k), a, b) for a, b in _runs(roll[t, :, k])]
    return out


def roll_from_notes(
    notes: Sequence[tuple[int, int, int, int]],
    n_tracks: int = len(VOICES),
    steps: int = PHRASE_STEPS,
    low: int = LOW,
    n_pitches: int = N_PITCHES,
) -> np.ndarray:
    """The ``(n_tracks, steps, n_pitches)`` uint8 roll of ``[(track, midi, start, end)]``
    notes in steps (end exclusive): the inverse of :func:`roll_notes`, for hand-made
    rolls. ``ValueError`` for a note outside the roll."""
    roll = np.zeros((n_tracks, steps, n_pitches), dtype=np.uint8)
    for track, midi, start, end in notes:
        if not (
            0 <= track < n_tracks and 0 <= midi - low < n_pitches and 0 <= start < end <= steps
        ):
            raise ValueError(f"note {(track, midi, start, end)} lies outside the roll")
        roll[track, start:end, midi - low] = 1
    return roll


def notes_to_roll(
    notes: np.ndarray,
    start_step: int,
    n_tracks: int,
    steps: int = PHRASE_STEPS,
    low: int = LOW,
    n_pitches: int = N_PITCHES,
) -> np.ndarray | None:
    """The ``(n_tracks, steps, n_pitches)`` roll of ``notes`` (a :class:`NoteList`'s array)
    from grid step ``start_step``; None if a note in the window lies outside the pitch range."""
    roll = np.zeros((n_tracks, steps, n_pitches), dtype=np.uint8)
    if len(notes) == 0:
        return roll
    a = np.rint(notes[:, 2] * STEPS_PER_QUARTER).astype(int) - start_step
    b = np.rint(notes[:, 3] * STEPS_PER_QUARTER).astype(int) - start_step
    inside = (b > 0) & (a < steps) & (b > a)
    for (t, p, _, _), s, e in zip(notes[inside], a[inside], b[inside], strict=True):
        k = int(p) - low
        if not 0 <= k < n_pitches:
            return None
        roll[int(t), max(s, 0) : min(e, steps), k] = 1
    return roll


def roll_to_midi(
    roll: np.ndarray,
    *,
    tempo: float = 90.0,
    programs: Sequence[int] = (19, 19, 19, 19),
    names: Sequence[str] = VOICES,
    velocity: int = 80,
    low: int = LOW,
):
    """A ``pretty_midi.PrettyMIDI`` with one instrument per track (``programs`` are
    0-based General MIDI programs; 19 = church organ) at ``tempo`` quarter notes per minute."""
    import pretty_midi

    roll = np.asarray(roll)
    if len(programs) < roll.shape[0]:
        raise ValueError(f"{roll.shape[0]} tracks but only {len(programs)} programs")
    step_s = 60.0 / tempo / STEPS_PER_QUARTER
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    insts = [
        pretty_midi.Instrument(program=int(programs[t]), name=str(names[t % len(names)]))
        for t in range(roll.shape[0])
    ]
    for t, p, a, b in roll_notes(roll, low):
        insts[t].notes.append(pretty_midi.Note(velocity, p, a * step_s, b * step_s))
    for inst in insts:
        inst.notes.sort(key=lambda n: (n.start, n.pitch))
    pm.instruments.extend(insts)
    return pm


def midi_bytes(pm) -> bytes:
    """The standard MIDI file bytes of a ``pretty_midi.PrettyMIDI``."""
    buf = io.BytesIO()
    pm.write(buf)
    return buf.getvalue()


def midi_to_notes(pm, n_tracks: int | None = None, *, merge: bool = False) -> NoteList:
    """The notes and full-bar starts of a ``pretty_midi.PrettyMIDI``, in quarters.

    Times are mapped to beats through ``pm.get_beats()`` (tempo changes are followed);
    a beat is taken as a quarter, so only 4/4 files are accepted. Drum tracks are dropped.
    ``merge=True`` puts every instrument on one track (a piano, e.g. MAESTRO); otherwise
    the first ``n_tracks`` non-drum instruments become tracks 0, 1, ... (instruments named
    soprano/alto/tenor/bass, as :func:`roll_to_midi` writes them, go to their voice's track,
    since a silent voice has no instrument in the file).
    """
    sigs = {(ts.numerator, ts.denominator) for ts in pm.time_signature_changes}
    if sigs - {(4, 4)}:
        raise ValueError(f"only 4/4 MIDI is supported; this file has {sorted(sigs)}")
    insts = [i for i in pm.instruments if not i.is_drum]
    named = [i.name.strip().lower() for i in insts]
    if not merge and insts and all(n in VOICES for n in named) and len(set(named)) == len(named):
        # our own files: a silent voice has no instrument when read back, so go by name
        slots = [VOICES.index(n) for n in named]
    else:
        slots = list(range(len(insts)))
    if not merge and n_tracks is not None:
        keep = [k for k, s in enumerate(slots) if s < n_tracks]
        insts, slots = [insts[k] for k in keep], [slots[k] for k in keep]
    beats = pm.get_beats()
    if len(beats) < 2:
        raise ValueError("the MIDI file is too short to have a beat grid")
    per_beat = beats[-1] - beats[-2]

    def quarters(t: np.ndarray) -> np.ndarray:
        q = np.interp(t, beats, np.arange(len(beats), dtype=float))
        late = t > beats[-1]
        q[late] = len(beats) - 1 + (t[late] - beats[-1]) / per_beat
        return q

    rows = []
    for t, inst in zip(slots, insts, strict=True):
        if not inst.notes:
            continue
        se = np.array([(n.start, n.end) for n in inst.notes])
        p = np.array([n.pitch for n in inst.notes], dtype=float)
        track = np.zeros(len(p)) if merge else np.full(len(p), t, dtype=float)
        rows.append(np.column_stack([track, p, quarters(se[:, 0]), quarters(se[:, 1])]))
    notes = np.concatenate(rows) if rows else np.zeros((0, 4))
    end = notes[:, 3].max() if len(notes) else 0.0
    downbeats = quarters(pm.get_downbeats())
    bars = downbeats[downbeats + 4 <= end + 1e-6]
    return NoteList(notes, bars, 1 if merge else (n_tracks or max(slots, default=-1) + 1))


def transpose(roll: np.ndarray, semitones: int) -> np.ndarray:
    """Shift every track of a ``(..., steps, pitches)`` roll by ``semitones``.

    Raises ``ValueError`` if a note would leave the pitch range (nothing is wrapped or lost).
    """
    roll = np.asarray(roll)
    s = int(semitones)
    if s == 0:
        return roll.copy()
    used = np.flatnonzero(roll.reshape(-1, roll.shape[-1]).any(axis=0))
    if len(used) and not (used[0] + s >= 0 and used[-1] + s < roll.shape[-1]):
        raise ValueError(
            f"transposing by {s} semitones moves notes out of the {roll.shape[-1]}-pitch range "
            f"(used indices {used[0]}..{used[-1]}). Fix: use a smaller shift."
        )
    out = np.zeros_like(roll)
    if s > 0:
        out[..., s:] = roll[..., :-s]
    else:
        out[..., :s] = roll[..., -s:]
    return out


DECODE_METHODS = ("argmax", "categorical", "threshold", "bernoulli")


def decode(
    probs: np.ndarray,
    method: str = "threshold",
    *,
    threshold: float = 0.5,
    monophonic: bool = False,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Turn note probabilities ``(..., tracks, steps, pitches)`` in [0, 1] into a 0/1 roll.

    For a **softmax head** (``MuseGenerator(head="voice")``, the default): a voice's
    probabilities at one step sum to at most 1 over the pitches, and ``1 - sum`` is the
    probability of a rest. Decode it per voice and step, so a voice sings at most one pitch:

    * ``"argmax"``: the most probable of the pitches and the rest;
    * ``"categorical"``: one draw (a pitch or the rest) with those probabilities (``rng``).

    Both raise ``ValueError`` where a voice's probabilities sum to more than 1 (sigmoid
    outputs). For a **sigmoid head** (``head="sigmoid"``, one independent probability per
    cell), decode each cell on its own:

    * ``"threshold"``: a cell is on when its probability exceeds ``threshold``;
    * ``"bernoulli"``: each cell is on with its own probability, independently (``rng``).

    With these two, ``monophonic=True`` keeps at most the most probable pitch per track and
    step. MuseGAN (Dong et al., 2018) compared threshold and Bernoulli because its
    generator had sigmoid outputs per track, step and pitch: a piano or guitar track may
    sound a chord, so every cell is its own yes/no. On a softmax head, Bernoulli sampling
    ignores that the pitches of one voice exclude each other and can give one voice
    several pitches at once (a threshold of 0.5 or more cannot: at most one pitch can
    exceed 0.5, but the voice rests wherever none does). Sampling (Bernoulli or
    categorical) draws every step on its own, so a held note is cut wherever one step
    draws something else.
    """
    p = np.asarray(probs, dtype=np.float64)
    if method in ("argmax", "categorical"):
        return _decode_voice(p, method, rng)
    if method == "threshold":
        on = p > threshold
    elif method == "bernoulli":
        rng = rng if rng is not None else np.random.default_rng()
        on = rng.random(p.shape) < p
    else:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(DECODE_METHODS)}")
    if monophonic:
        masked = np.where(on, p, -1.0)
        best = masked.argmax(axis=-1)[..., None]
        keep = np.zeros_like(on)
        np.put_along_axis(keep, best, True, axis=-1)
        on &= keep
    return on.astype(np.uint8)


def _decode_voice(p: np.ndarray, method: str, rng: np.random.Generator | None) -> np.ndarray:
    """One choice per voice and step among the pitches and a rest (index ``pitches``)."""
    total = p.sum(axis=-1)
    if (total > 1.0 + 1e-3).any() or (p < 0).any():
        raise ValueError(
            f"{method!r} decoding needs each voice's pitch probabilities at a step to sum to at "
            f"most 1 (a softmax head); the largest sum here is {total.max():.3f}. For a sigmoid "
            "head use 'threshold' or 'bernoulli'."
        )
    choices = np.concatenate([p, np.clip(1.0 - total, 0.0, None)[..., None]], axis=-1)
    if method == "argmax":
        pick = choices.argmax(axis=-1)
    else:
        rng = rng if rng is not None else np.random.default_rng()
        cdf = np.cumsum(choices, axis=-1)
        u = rng.random(total.shape) * cdf[..., -1]
        pick = (cdf <= u[..., None]).sum(axis=-1)  # the first choice whose cdf exceeds u
    on = pick[..., None] == np.arange(p.shape[-1])
    return on.astype(np.uint8)


def as_roll(roll: np.ndarray) -> np.ndarray:
    """One ``(tracks, steps, pitches)`` roll as booleans; ``ValueError`` for other shapes."""
    r: np.ndarray = np.asarray(np.asarray(roll) > 0)
    if r.ndim != 3:
        raise ValueError(f"expected one (tracks, steps, pitches) roll, got shape {r.shape}")
    return r


def voice_lines(roll: np.ndarray, low: int = LOW) -> np.ndarray:
    """``(tracks, steps)`` MIDI pitch of each track at each step (its highest sounding
    pitch, if it sounds several), ``-1`` where the track is silent."""
    r = as_roll(roll)
    top = r.shape[2] - 1 - np.argmax(r[:, :, ::-1], axis=2)
    return np.where(r.any(axis=2), low + top, -1)


def chroma(on: np.ndarray, low: int = LOW) -> np.ndarray:
    """Fold the last (pitch) axis of a boolean ``(..., pitches)`` array into ``(..., 12)``
    counts per pitch class (C = 0)."""
    pcs = (low + np.arange(on.shape[-1])) % 12
    return np.asarray(on, dtype=np.int64) @ (pcs[:, None] == np.arange(12)).astype(np.int64)
