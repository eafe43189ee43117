"""Checkers for notebook 26 (generate the phase too): the instantaneous frequency of a
phase array, the IF a pure tone shows, the FFT size that separates two close partials.

Ground truth comes from :mod:`gan_tutorial.phase`; PyTorch tensors are accepted and converted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gan_tutorial.exercises.core import Check, Result, check_number, exercise
from gan_tutorial.phase import instantaneous_frequency, wrap

__all__ = ["check_close_partials_nfft", "check_instantaneous_frequency", "check_tone_if"]


def _np(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def _cases() -> list[tuple[str, np.ndarray]]:
    """(what, (F, T) phase in [-pi, pi)): steady ramps that cross +pi -> -pi, then noise."""
    t = np.arange(8)
    ramps = wrap(np.array([0.9, -0.7, 0.3])[:, None] * np.pi * t + np.array([[2.5], [-3.0], [0]]))
    noise = wrap(np.random.default_rng(26).uniform(-4, 4, size=(4, 6)))
    return [("3 steady ramps crossing +-pi (F=3, T=8)", ramps), ("random phases (F=4, T=6)", noise)]


@exercise(
    "26.1",
    "IF from a phase array",
    hint="Along time (the last axis): unwrap the phase (np.unwrap), take the frame-to-frame "
    "difference, put the first frame's phase in front of it (so a cumulative sum gives the "
    "phase back) and divide everything by pi: IF = concat([p[:, :1], diff(unwrap(p))]) / pi.",
)
def check_instantaneous_frequency(fn: Any, c: Check) -> None:
    for what, p in _cases():
        want = instantaneous_frequency(p)
        got = _np(c.call(fn, p.copy()))
        plain = np.concatenate([p[:, :1], np.diff(p, axis=1)], axis=1) / np.pi
        if got.shape == (p.shape[0], p.shape[1] - 1):
            c.fail(
                f"shape {got.shape}: you dropped the first frame. Keep the first frame's phase "
                "in front of the differences, so IF has T frames and cumsum(IF * pi) inverts it."
            )
        if got.shape != want.shape:
            c.fail(f"shape {got.shape}, expected {want.shape}: one IF value per bin and frame.")
        if np.allclose(got, want * np.pi, atol=1e-6):
            c.fail("those are radians per hop: divide by pi, so the IF lies in [-1, 1].")
        if np.allclose(got, plain, atol=1e-6) or np.allclose(got, plain * np.pi, atol=1e-6):
            c.fail(
                "no unwrapping: where the phase jumps from +pi to -pi the plain difference is "
                "about -2 pi. Unwrap first (np.unwrap along the last axis), or wrap each "
                "difference back into [-pi, pi)."
            )
        if np.allclose(got[:, 1:], want[:, 1:], atol=1e-6) and not np.allclose(got, want):
            c.fail("the frame-to-frame part is right: the first frame should be p[:, 0] / pi.")
        transposed = instantaneous_frequency(p, axis=0)
        if np.allclose(got, transposed, atol=1e-6):
            c.fail("you worked along axis 0 (frequency): time is the last axis of (F, T).")
        c.verify(np.allclose(got, want, atol=1e-6), what)


def check_tone_if(answer: Any, quiet: bool = False) -> Result:
    """Exercise 26.2: the IF a 470 Hz tone shows at sr = 16000 Hz, hop = 256 (predict)."""
    return check_number(
        "26.2",
        "the expected IF of a pure tone",
        answer,
        -0.96,
        hint="Per hop the phase advances 2 pi f hop / sr radians. Count the cycles per hop, "
        "drop the whole ones (a phase is known only modulo 2 pi), wrap what is left into "
        "[-pi, pi) and divide by pi.",
        atol=0.01,
        wrong=[
            (15.04, "No wrap: a phase is known only modulo 2 pi, so 7 whole cycles are invisible."),
            (1.04, "1.04 pi lies outside [-pi, pi): subtract 2 pi; the IF is negative."),
            (7.52, "7.52 are cycles per hop: drop the whole cycles and express 0.52 cycle in pi."),
            (0.52, "0.52 is a fraction of a cycle (2 pi); the IF counts in units of pi."),
            (0.96, "Check the sign: 1.04 pi wraps to 1.04 pi - 2 pi."),
        ],
        quiet=quiet,
    )


def check_close_partials_nfft(answer: Any, quiet: bool = False) -> Result:
    """Exercise 26.3: the smallest of n_fft = 256, 512, 1024, 2048 (sr 16 kHz, hop 128) at
    which partials at 1000 and 1040 Hz each hold their own bin with a flat IF line."""
    return check_number(
        "26.3",
        "FFT size and two close harmonics",
        answer,
        1024,
        hint="A bin is sr / n_fft Hz wide, and a Hann window spreads a partial over about 4 "
        "bins (its main lobe), so two partials stay apart only when they are 2-3 bins apart: "
        "40 Hz >= 2.5 * 16000 / n_fft. Frequency resolution costs time resolution: each "
        "frame spans n_fft / sr seconds.",
        wrong=[
            (
                512,
                "At 31 Hz per bin 40 Hz is 1.3 bins: both partials fall in each other's "
                "main lobe, beat, and the IF of their bins wobbles.",
            ),
            (
                256,
                "At 62.5 Hz per bin both partials share their bins: they beat and the IF "
                "wobbles around their mean.",
            ),
            (
                2048,
                "Clean, but not the smallest: 2048 samples is 128 ms per frame, which "
                "blurs onsets. Buy only the frequency resolution you need.",
            ),
        ],
        quiet=quiet,
    )
