"""Checkers for notebook 22c (symbolic music GAN), in the notebook's order: what the alto's
latent reaches, what ``n_critic`` costs in real data, how sampling cuts a held note, the
share of note-steps in a *given* key, and a step-wise random walk against the targets.

The write-code checkers compare with independent numpy computations on hand-made rolls,
chosen so that the library's own measures are not the answer (``in_key_share`` estimates
its key; the exercise gives one). Numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gan_tutorial.exercises.core import Check, Result, check_choice, check_number, exercise
from gan_tutorial.symbolic import measures
from gan_tutorial.symbolic.rolls import LOW, N_PITCHES, PHRASE_STEPS

__all__ = [
    "check_alto_latent",
    "check_held_note_sampling",
    "check_real_phrases_per_step",
    "check_share_in_key",
    "check_step_walks",
]

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 9, 10, 11)  # natural minor plus melodic minor's raised 6th, 7th
WHITE = MAJOR  # pitch classes of the white keys: C major

IN_KEY_HINT = (
    "count each pitch class's sounding note-steps (roll.sum(axis=(0, 1)) gives one count per "
    "pitch index k, whose MIDI pitch is LOW + k); the scale is (tonic + s) % 12 for s in the "
    "major or minor steps; return the scale's count over the total."
)
WALK_HINT = (
    "per phrase and voice: list the white keys in the voice's range (MIDI m with m % 12 in "
    "0, 2, 4, 5, 7, 9, 11), start on a random one, hold it 2 or 4 steps, then move to the "
    "neighbouring white key up or down (turn around at the range's ends); cell "
    "roll[i, v, t, m - LOW] = 1."
)


def check_alto_latent(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 22c.1 (predict): which voices change when only the alto's latent does."""
    return check_choice(
        "22c.1",
        "predict: what the alto's z reaches",
        answer,
        "a",
        {
            "b": "training shaped the weights, but when the generator runs, a number reaches "
            "only what the network's paths connect it to. The alto's latent enters only the "
            "alto's private branch (grouped convolutions, one group per voice), so the other "
            "voices cannot react to it; they fit together through the shared phrase latent.",
            "c": "the private branches are grouped by voice: the soprano's and tenor's "
            "branches share no weights or inputs with the alto's, only the phrase latent.",
        },
        "Follow z_alto through the generator: where does it enter, and which layers mix the "
        "voices (the grouped ones do not)?",
        quiet=quiet,
    )


def check_real_phrases_per_step(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 22c.2: real phrases one generator step reads (n_critic=3, batch_size=32)."""
    return check_number(
        "22c.2",
        "real data per generator step",
        answer,
        96,
        "Each of the n_critic critic steps reads its own batch of batch_size real phrases.",
        wrong=[
            (32, "that is one critic step's batch; there are n_critic = 3 of them."),
            (128, "the generator step itself reads no real phrases, only the critic's score."),
        ],
        quiet=quiet,
    )


def check_held_note_sampling(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 22c.3 (predict): notes a 16-step, p = 0.9 note breaks into when sampled."""
    return check_choice(
        "22c.3",
        "predict: sampling a held note",
        answer,
        "b",
        {
            "a": "only argmax keeps it whole: sampling draws each of the 16 steps on its own, "
            "and a step drawn as a rest (probability 0.1) splits the note.",
            "c": "consecutive steps of one pitch join into one note in a piano roll; only a "
            "rest ends it. 16 x 0.1 = 1.6 rests are expected, and a note starts at the first "
            "step if it sounds and at every sounding step after a rest: on average "
            "0.9 + 15 x 0.1 x 0.9 = 2.25 notes.",
        },
        "Count where notes start: at the first step if it sounds, and at every sounding step "
        "that follows a rest.",
        quiet=quiet,
    )


def _roll(notes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """A ``(4, 64, 48)`` roll from ``(voice, MIDI pitch, first step, end step)`` notes."""
    r = np.zeros((4, PHRASE_STEPS, N_PITCHES), dtype=np.uint8)
    for track, midi, a, b in notes:
        r[track, a:b, midi - LOW] = 1
    return r


def _key_cases() -> list[tuple[str, np.ndarray, tuple[int, str]]]:
    """Rolls with a given key; several keys differ from the one Krumhansl-Schmuckler finds."""
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    c_major = _roll([(0, p, 2 * i, 2 * i + 2) for i, p in enumerate(scale + scale[::-1])])
    # A minor with a raised leading tone (G#) held long and one short chromatic D#
    a_minor = _roll(
        [
            *[(0, 69, 0, 16), (0, 68, 16, 32), (0, 69, 32, 48), (1, 64, 0, 48), (2, 60, 0, 40)],
            *[(2, 63, 40, 42), (3, 45, 0, 48), (3, 52, 48, 64)],
        ]
    )
    # D major: long tonic chords, one short off-key note (a duration-weighting case)
    d_major = _roll(
        [(0, 74, 0, 60), (1, 66, 0, 60), (2, 62, 0, 60), (3, 50, 0, 60), (0, 75, 60, 61)]
    )
    noise = (np.random.default_rng(22).random((4, PHRASE_STEPS, N_PITCHES)) < 0.03).astype(np.uint8)
    return [
        ("a C major scale in C major", c_major, (0, "major")),
        ("a C major scale in D major", c_major, (2, "major")),
        ("D major chords in D major", d_major, (2, "major")),
        ("D major chords in B minor", d_major, (11, "minor")),
        ("an A minor passage in A minor", a_minor, (9, "minor")),
        ("an A minor passage in A major", a_minor, (9, "major")),
        ("a random roll in F minor", noise, (5, "minor")),
    ]


def _counts(roll: np.ndarray) -> np.ndarray:
    """``(12,)`` sounding note-steps per pitch class, every voice counted."""
    per_pitch = (np.asarray(roll) > 0).sum(axis=(0, 1))
    return np.bincount((LOW + np.arange(len(per_pitch))) % 12, weights=per_pitch, minlength=12)


def _share(counts: np.ndarray, pcs: list[int]) -> float:
    return float(counts[pcs].sum() / counts.sum())


def _key_mistakes(roll: np.ndarray, key: tuple[int, str]) -> list[tuple[float, str]]:
    """Typical wrong values for one roll and key, with the hint each one points to."""
    tonic, mode = key
    counts = _counts(roll)
    notes = np.zeros(12)
    for t, k in zip(*np.nonzero((np.asarray(roll) > 0).any(axis=1)), strict=True):
        on = np.flatnonzero(np.diff(np.r_[0, roll[t, :, k] > 0, 0].astype(int)) == 1)
        notes[(LOW + k) % 12] += len(on)
    steps = MAJOR if mode == "major" else MINOR
    return [
        (
            measures.in_key_share(roll),
            "that is the share in the key Krumhansl-Schmuckler estimates (what "
            "M.in_key_share computes); this exercise gives you the key: use its tonic and mode.",
        ),
        (
            _share(counts, [(tonic + s) % 12 for s in (0, 2, 3, 5, 7, 8, 10)]),
            "minor here includes melodic minor's raised 6th and 7th (9 and 11 semitones above "
            "the tonic): Bach raises both in rising lines and at cadences.",
        ),
        (
            _share(counts, [(tonic + s) % 12 for s in MAJOR]),
            "the key's mode matters: use the minor steps 0, 2, 3, 5, 7, 8, 9, 10, 11 when the "
            "key is minor.",
        ),
        (
            _share(notes, [(tonic + s) % 12 for s in steps]),
            "count note-STEPS, not notes: a note held 4 steps counts 4 times.",
        ),
        (
            _share(counts, list(steps)),
            "the scale starts on the key's tonic: add the tonic to every step, modulo 12.",
        ),
    ]


@exercise("22c.4", "the share of note-steps in a given key", hint=IN_KEY_HINT)
def check_share_in_key(fn: Callable[[np.ndarray, tuple[int, str]], Any], c: Check) -> None:
    rows = []  # (what, got, want, mistakes) per case
    for what, roll, key in _key_cases():
        got = c.number(c.call(fn, roll.copy(), key), f"share_in_key({what})")
        steps = MAJOR if key[1] == "major" else MINOR
        want = _share(_counts(roll), [(key[0] + s) % 12 for s in steps])
        rows.append((what, got, want, _key_mistakes(roll, key)))
    wrong = [r for r in rows if not (math.isfinite(r[1]) and abs(r[1] - r[2]) <= 1e-6)]
    if not wrong:
        c.verified.extend(f"{what}: {want:.3f}" for what, _, want, _ in rows)
        return
    what, got, want, _ = wrong[0]
    # name the slip that explains every case (the cases are chosen to tell them apart)
    for j, (_, hint) in enumerate(rows[0][3]):
        if all(abs(r[1] - r[3][j][0]) <= 1e-6 for r in rows):
            c.fail(f"{what}: expected {want:.3f}, got {got:.3f}. {hint}")
    c.fail(f"{what}: expected {want:.3f}, got {got:.3f}. {IN_KEY_HINT}")


RANGES = [(60, 79), (55, 74), (48, 67), (40, 60)]  # MIDI (lowest, highest) per voice, S A T B


def _runs(line: np.ndarray) -> list[tuple[int, int]]:
    """``(pitch, length)`` of each run of one pitch in a ``(steps,)`` line."""
    cut = np.flatnonzero(np.diff(line)) + 1
    return [(int(p[0]), len(p)) for p in np.split(line, cut)]


def _walk_problem(rolls: np.ndarray, n: int) -> str | None:
    """The first rule ``rolls`` break, as a hint, or None."""
    if rolls.shape != (n, len(RANGES), PHRASE_STEPS, N_PITCHES):
        return f"expected shape ({n}, 4, 64, 48), got {rolls.shape}."
    if not np.isin(rolls, (0, 1)).all():
        return "a roll holds 0 or 1 in each cell."
    per_step = rolls.sum(axis=3)
    if (per_step != 1).any():
        return "every voice sounds exactly one pitch at every step (no rests, no chords)."
    line = LOW + rolls.argmax(axis=3)  # (n, voices, steps) MIDI
    if not np.isin(line % 12, WHITE).all():
        return (
            "stay on the white keys: pitch classes 0, 2, 4, 5, 7, 9, 11 (cell k is MIDI LOW + k)."
        )
    for v, (lo, hi) in enumerate(RANGES):
        if line[:, v].min() < lo or line[:, v].max() > hi:
            return f"voice {v} leaves its range {lo}..{hi}: turn around at the ends."
    for phrase in line:
        for voice in phrase:
            runs = _runs(voice)
            moves = np.abs(np.diff([p for p, _ in runs]))
            if (moves > 2).any():
                return (
                    "a step is the neighbouring white key (1 or 2 semitones), not a leap "
                    f"of {int(moves.max())} semitones."
                )
            if any(length not in (2, 4) for _, length in runs[:-1]) or runs[-1][1] > 4:
                return (
                    "every note lasts 2 or 4 steps and the next note moves (a note that "
                    "repeats its pitch joins the one before it)."
                )
    return None


@exercise("22c.5", "a step-wise walk against the targets", hint=WALK_HINT)
def check_step_walks(fn: Callable[[int, list[tuple[int, int]], int], Any], c: Check) -> None:
    rolls = np.asarray(c.call(fn, 32, RANGES, 0))
    problem = _walk_problem(rolls, 32)
    c.verify(
        problem is None,
        "32 phrases: one white key per voice and step, in range, by step",
        hint=problem,
    )
    again = np.asarray(c.call(fn, 32, RANGES, 0))
    other = np.asarray(c.call(fn, 32, RANGES, 1))
    c.verify(
        np.array_equal(rolls, again),
        "the same seed gives the same phrases",
        hint="draw from np.random.default_rng(seed), not the global random state.",
    )
    c.verify(
        not np.array_equal(rolls, other),
        "another seed gives other phrases",
        hint="use the seed argument for the random generator.",
    )
    c.verify(
        measures.distinct_share(rolls) >= 0.95,
        "at least 95% of phrases distinct",
        hint="start each phrase's voices on random keys and choose each move at random.",
    )
