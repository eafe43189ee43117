"""Checkers for notebook 25 (conditional audio GAN): the projection discriminator's logit,
what a label swap changes, the EMA's time constant, the mode-seeking term, the loudness z
chooses without a velocity head.

Ground truth comes from :class:`gan_tutorial.torch.cgan.model.CondDiscriminator`'s formula,
written here in numpy; PyTorch tensors are accepted and converted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gan_tutorial.exercises.core import Check, Result, check_choice, check_number, exercise

__all__ = [
    "check_ema_horizon",
    "check_label_swap",
    "check_mode_seeking",
    "check_projection_logits",
    "check_velocity_head",
]


def _np(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def _case(seed: int, b: int = 5, c: int = 7, k: int = 4) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(b, c)),
        rng.normal(size=(1, c)),
        rng.normal(size=(1,)),
        rng.normal(size=(k, c)),
        rng.integers(0, k, size=b),
    )


def _reference(h, w, b, E, y) -> np.ndarray:
    return h @ w.T + b + np.sum(E[y] * h, axis=1, keepdims=True)


@exercise(
    "25.1",
    "the projection discriminator's logits",
    hint="logits = h @ w.T + b + (E[y] * h).sum(axis=1, keepdims=True): an unconditional "
    "score plus the inner product of each clip's features with its label's embedding row.",
)
def check_projection_logits(fn: Any, c: Check) -> None:
    for seed in (0, 1):
        h, w, b, E, y = _case(seed)
        want = _reference(h, w, b, E, y)
        got = _np(c.call(fn, h, w, b, E, y))
        if got.shape != want.shape:
            if got.size == want.size:
                c.fail(f"shape {got.shape}: return (B, 1), e.g. keep the axis with keepdims=True.")
            c.fail(f"shape {got.shape}, expected {want.shape}: one logit per clip.")
        if np.allclose(got, h @ w.T + b):
            c.fail("the label is missing: add the inner product <E[y], h> for each clip.")
        if np.allclose(got, np.sum(E[y] * h, axis=1, keepdims=True)):
            c.fail("you kept only the projection term: add the unconditional score h @ w.T + b.")
        if np.allclose(got, h @ w.T + b + (h @ E.T).sum(axis=1, keepdims=True)):
            c.fail("you projected on every label's embedding: use only row E[y[i]] for clip i.")
        c.verify(np.allclose(got, want, atol=1e-6), f"random case {seed} (B=5, C=7, K=4)")


def check_label_swap(answer: Any, quiet: bool = False) -> Result:
    """Exercise 25.2: which part of the projection D's logit changes when the label is swapped."""
    return check_choice(
        "25.2",
        "what a label swap changes",
        answer,
        "b",
        {
            "a": "w·h(x) + b does not look at the label at all: h(x) depends only on x.",
            "c": "h(x) is computed from the spectrogram alone, so the unconditional part stays.",
            "d": "the inner product uses the label's embedding e(y): a new label, a new row.",
        },
        hint="Write D(x, y) = w·h(x) + b + <e(y), h(x)> and ask which terms contain y.",
        quiet=quiet,
    )


def check_ema_horizon(answer: Any, quiet: bool = False) -> Result:
    """Exercise 25.3: the EMA's time constant 1 / (1 - d) for d = 0.995."""
    return check_number(
        "25.3",
        "how many steps the EMA averages",
        answer,
        200.0,
        hint="A weight from k steps ago has factor d**k; 1 / (1 - d) is where that has "
        "fallen to about 1/e. For d = 0.995: 1 / 0.005.",
        rtol=0.1,
        wrong=[
            (995.0, "0.995 is not a step count: compute 1 / (1 - 0.995)."),
            (5.0, "1 - d = 0.005 is the weight of the newest step; invert it."),
        ],
        quiet=quiet,
    )


def _mode_seeking(x: np.ndarray, z: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """The course's form (``tricks.mode_seeking_term``): the mean over pairs of per-pair ratios."""
    dx = np.abs(x[0::2] - x[1::2]).reshape(len(x) // 2, -1).mean(axis=1)
    dz = np.abs(z[0::2] - z[1::2]).mean(axis=1)
    return 1.0 / (np.mean(dx / dz) + eps)


def _mode_seeking_msgan(x: np.ndarray, z: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """MSGAN's own code (Mao et al. 2019): the batch mean of |dx| over the batch mean of |dz|."""
    return 1.0 / (np.abs(x[0::2] - x[1::2]).mean() / np.abs(z[0::2] - z[1::2]).mean() + eps)


NOTE_MSGAN = (
    "You wrote MSGAN's own formula (Mao et al. 2019): the batch mean of |x1 - x2| over the "
    "batch mean of |z1 - z2|. The course's mode_seeking_term averages the ratio pair by pair "
    "instead; the two agree when every pair's |z1 - z2| is the same, and both reward G for "
    "making different clips from different z."
)


@exercise(
    "25.4",
    "the mode-seeking term",
    hint="Pairs are rows (0, 1), (2, 3), ...: x[0::2] - x[1::2]. Per pair, the mean absolute "
    "difference of the clips over the mean absolute difference of the z's; average the "
    "ratios over pairs and return 1 / (that + eps). MSGAN's own code, the batch means' ratio, "
    "is accepted too.",
)
def check_mode_seeking(fn: Any, c: Check) -> None:
    msgan = False
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        x, z = rng.normal(size=(6, 1, 4, 4)), rng.normal(size=(6, 3))
        want = _mode_seeking(x, z)
        out = _np(c.call(fn, x, z))
        if out.size != 1:
            c.fail(f"shape {out.shape}: return one number for the whole batch.")
        got = float(out.reshape(()))
        forms = (_mode_seeking, _mode_seeking_msgan)
        if any(np.isclose(got, 1.0 / f(x, z)) for f in forms):
            c.fail("that is the ratio itself: the term is its inverse, 1 / (ratio + eps).")
        halves = [0, 3, 1, 4, 2, 5]  # pairs (0, 3), (1, 4), (2, 5) as neighbours
        if any(np.isclose(got, f(x[halves], z[halves])) for f in forms):
            c.fail(
                "you paired the first half with the second: pairs are neighbours (0, 1), (2, 3)."
            )
        ok = bool(np.isclose(got, want, rtol=1e-4))
        if not ok and np.isclose(got, _mode_seeking_msgan(x, z), rtol=1e-4):
            ok = msgan = True
        c.verify(ok, f"random case {seed} (3 pairs of 4x4 clips)")
        same = x.copy()
        same[1::2] = same[0::2]
        c.verify(
            float(_np(c.call(fn, same, z)).reshape(())) > 1e3,
            "identical clips for different z give a huge term",
            "when both clips of every pair are identical the ratio is 0: return 1 / (0 + eps).",
        )
    if msgan:
        c.note(NOTE_MSGAN)


def check_velocity_head(answer: Any, quiet: bool = False) -> Result:
    """Exercise 25.5: what training without the velocity head does to the loudness spread
    that z makes at one label, against the real notes' spread."""
    return check_choice(
        "25.5",
        "the loudness spread without the velocity head",
        answer,
        "b",
        {
            "a": "most of a real label's loudness spread is its three velocities (about "
            "14 dB from velocity 50 to 110 in this data), not its instruments: choosing the "
            "instrument does not choose the level.",
            "c": "nothing rewards a wide spread without the head: the adversarial loss is "
            "met by one plausible level per label (the mode-seeking term is what pushes "
            "clips apart).",
        },
        hint="Ask what, without the head, would make z choose a loudness at all.",
        quiet=quiet,
    )
