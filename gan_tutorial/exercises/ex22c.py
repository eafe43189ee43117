"""Checkers for notebook 22c (symbolic music GAN): the in-key share, threshold against
Bernoulli decoding, and what ``n_critic`` costs in real data.

Ground truth comes from :mod:`gan_tutorial.symbolic.measures`. Numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gan_tutorial.exercises.core import Check, Result, check_choice, check_number, exercise
from gan_tutorial.symbolic import measures
from gan_tutorial.symbolic.rolls import LOW, N_PITCHES, PHRASE_STEPS, roll_notes

__all__ = ["check_in_key_share", "check_real_phrases_per_step", "check_threshold_vs_bernoulli"]

IN_KEY_HINT = (
    "hist = M.pitch_class_histogram(roll); tonic, mode = M.estimate_key(hist); the scale is "
    "(tonic + step) % 12 for each step of the major or minor list; return hist[scale].sum() / "
    "hist.sum()."
)


def _roll(notes: list[tuple[int, int, int, int]]) -> np.ndarray:
    r = np.zeros((4, PHRASE_STEPS, N_PITCHES), dtype=np.uint8)
    for track, midi, a, b in notes:
        r[track, a:b, midi - LOW] = 1
    return r


def _cases() -> list[tuple[str, np.ndarray]]:
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
        [
            (0, 74, 0, 60),
            (1, 66, 0, 60),
            (2, 62, 0, 60),
            (3, 50, 0, 60),
            (0, 75, 60, 61),
            (2, 57, 0, 60),
        ]
    )
    rng = np.random.default_rng(22)
    noise = (rng.random((4, PHRASE_STEPS, N_PITCHES)) < 0.03).astype(np.uint8)
    return [
        ("a C major scale", c_major),
        ("D major chords", d_major),
        ("an A minor passage", a_minor),
        ("a random roll", noise),
    ]


def _mistakes(roll: np.ndarray) -> list[tuple[float, str]]:
    """Typical wrong values for one roll, with the hint each one points to."""
    hist = measures.pitch_class_histogram(roll)
    tonic, mode = measures.estimate_key(hist)
    major = [(tonic + d) % 12 for d in (0, 2, 4, 5, 7, 9, 11)]
    natural = [(tonic + d) % 12 for d in (0, 2, 3, 5, 7, 8, 10)]
    pcs = np.zeros(12)
    for _, midi, _, _ in _notes(roll):
        pcs[midi % 12] += 1
    scale = measures.scale((tonic, mode))
    found = [
        (
            hist[major].sum() / hist.sum(),
            "the key may be minor: use the minor steps "
            "0, 2, 3, 5, 7, 8, 9, 10, 11 when estimate_key says 'minor'.",
        ),
        (
            hist[natural].sum() / hist.sum(),
            "minor here includes melodic minor's raised 6th and 7th (9 and 11 "
            "semitones above the tonic): Bach raises both in rising lines and at cadences.",
        ),
        (
            pcs[scale].sum() / max(pcs.sum(), 1),
            "count note-STEPS, not notes: a note held 4 steps "
            "counts 4 times (pitch_class_histogram does that for you).",
        ),
        (
            hist[[d % 12 for d in (0, 2, 4, 5, 7, 9, 11)]].sum() / hist.sum(),
            "the scale starts on "
            "the estimated tonic: add the tonic to every step, modulo 12 (not C major for "
            "every key).",
        ),
    ]
    return found if mode == "minor" else found[2:]  # the first two are minor-key slips


def _notes(roll: np.ndarray) -> list[tuple[int, int, int, int]]:
    return roll_notes(roll)


@exercise("22c.1", "the in-key share", hint=IN_KEY_HINT)
def check_in_key_share(fn: Callable[[np.ndarray], Any], c: Check) -> None:
    for what, roll in _cases():
        got = c.number(c.call(fn, roll.copy()), f"in_key_share({what})")
        want = measures.in_key_share(roll)
        if math.isfinite(got) and abs(got - want) <= 1e-6:
            c.verified.append(f"{what}: {want:.3f}")
            continue
        for value, hint in _mistakes(roll):
            if abs(got - value) <= 1e-6 and abs(value - want) > 1e-6:
                c.fail(f"{what}: expected {want:.3f}, got {got:.3f}. {hint}")
        c.fail(f"{what}: expected {want:.3f}, got {got:.3f}. {IN_KEY_HINT}")


def check_threshold_vs_bernoulli(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 22c.2: how many notes a 16-step, p = 0.9 note breaks into when sampled."""
    return check_choice(
        "22c.2",
        "threshold vs Bernoulli",
        answer,
        "b",
        {
            "a": "only the threshold keeps it whole: sampling draws each of the 16 steps on its "
            "own, and a step drawn 'off' (probability 0.1) splits the note.",
            "c": "consecutive 'on' steps of one pitch join into one note in a piano roll; only "
            "the gaps split it. About 1.6 gaps are expected inside 16 steps.",
        },
        "Count the expected gaps: 16 steps, each off with probability 0.1.",
        quiet=quiet,
    )


def check_real_phrases_per_step(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 22c.3: real phrases one generator step reads (n_critic=3, batch_size=32)."""
    return check_number(
        "22c.3",
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
