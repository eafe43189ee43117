"""Checkers for notebook 24 (evaluation): Fréchet distance, Inception Score, JS divergence.

Ground truth comes from :mod:`gan_tutorial.metrics`. Numpy and scipy only.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

from gan_tutorial import metrics
from gan_tutorial.exercises.core import Check, Result, check_choice, check_number, exercise

__all__ = [
    "check_fid_sample_size",
    "check_frechet_distance",
    "check_inception_score",
    "check_is_one_note",
    "check_js_distance",
    "check_js_divergence",
]

FD_HINT = (
    "FD = ||mu1 - mu2||^2 + tr(sigma1) + tr(sigma2) - 2 tr(sqrtm(sigma1 @ sigma2)); "
    "scipy.linalg.sqrtm may return a complex matrix: keep its .real part."
)
HINT_COMPLEX = (
    "your result is complex: scipy.linalg.sqrtm (or np.linalg.eigvals) returns complex numbers "
    "with tiny imaginary parts when the covariances are (nearly) singular; take the real part "
    "(covmean = covmean.real) and return a float."
)


def _spd(rng: np.random.Generator, d: int, n: int) -> np.ndarray:
    x = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d)
    return np.cov(x, rowvar=False)


def _fd_cases() -> list[tuple[str, tuple[np.ndarray, ...]]]:
    rng = np.random.default_rng(24)
    d = 8
    s1, s2 = _spd(rng, d, 200), 2.5 * _spd(rng, d, 200)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d) + 0.8
    return [
        (
            "two 1-D Gaussians N(0, 1) and N(3, 4)",
            (np.zeros(1), np.eye(1), np.full(1, 3.0), 4 * np.eye(1)),
        ),
        ("two identical 8-D Gaussians", (mu1, s1, mu1.copy(), s1.copy())),
        ("two different 8-D Gaussians", (mu1, s1, mu2, s2)),
    ]


def _singular_case() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(0)
    d = 16
    x, y = rng.normal(size=(6, d)), rng.normal(size=(5, d)) + 0.3
    return x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False)


def _tr_sqrt(s1: np.ndarray, s2: np.ndarray) -> float:
    # tr sqrtm(s1 s2) from the package's reference: FD(0, s1, 0, s2) = tr1 + tr2 - 2 t.
    return 0.5 * (
        np.trace(s1) + np.trace(s2) - metrics.frechet_distance(0 * s1[0], s1, 0 * s1[0], s2)
    )


def _fd_mistakes(mu1: Any, s1: Any, mu2: Any, s2: Any) -> list[tuple[float, str]]:
    dm = float(np.sum((mu1 - mu2) ** 2))
    t1, t2, tc = float(np.trace(s1)), float(np.trace(s2)), _tr_sqrt(s1, s2)
    with np.errstate(invalid="ignore"):
        elementwise = float(np.trace(np.sqrt(s1 @ s2)))
    right = dm + t1 + t2 - 2 * tc
    return [
        (
            dm + t1 + t2 + 2 * tc,
            "wrong sign: the cross term is MINUS 2 tr(sqrtm(sigma1 @ sigma2)).",
        ),
        (-right, "wrong sign: your result is the negative of the distance; FD is never negative."),
        (
            -dm + t1 + t2 - 2 * tc,
            "wrong sign: the mean term ||mu1 - mu2||^2 is added, not subtracted.",
        ),
        (
            dm,
            "you left out the trace term tr(sigma1 + sigma2 - 2 sqrtm(sigma1 @ sigma2)): FD "
            "compares the covariances too, not only the means.",
        ),
        (dm - 2 * tc, "you left out part of the trace term: add tr(sigma1) + tr(sigma2)."),
        (
            dm + t1 + t2,
            "you left out part of the trace term: subtract 2 tr(sqrtm(sigma1 @ sigma2)).",
        ),
        (t1 + t2 - 2 * tc, "you left out the mean term ||mu1 - mu2||^2."),
        (
            math.sqrt(dm) + t1 + t2 - 2 * tc,
            "square the distance between the means: ||mu1 - mu2||^2.",
        ),
        (
            dm + t1 + t2 - tc,
            "the cross term is 2 tr(sqrtm(sigma1 @ sigma2)): you dropped the factor 2.",
        ),
        (
            math.sqrt(max(right, 0.0)),
            "you returned the square root: FID is the SQUARED Fréchet "
            "distance, ||mu1 - mu2||^2 + tr(...), without a final sqrt.",
        ),
        (
            dm + t1 + t2 - 2 * elementwise,
            "np.sqrt works element by element; the formula needs the "
            "MATRIX square root scipy.linalg.sqrtm(sigma1 @ sigma2).",
        ),
    ]


def _match(got: float, candidates: list[tuple[float, str]], rtol: float, atol: float) -> str | None:
    for value, hint in candidates:
        if math.isfinite(value) and abs(got - value) <= atol + rtol * abs(value):
            return hint
    return None


Row = tuple[str, float, float, Callable[..., list[tuple[float, str]]], float]


def _judge(c: Check, rows: list[Row], generic: str, nonfinite: str, rtol: float, name: str) -> None:
    """Fail on the first wrong row, naming the mistake found in any wrong row.

    A row is ``(what, got, want, mistakes, atol)``; ``mistakes()`` lists typical wrong
    values with their hints.
    """

    def ok(got: float, want: float, atol: float) -> bool:
        return math.isfinite(got) and abs(got - want) <= atol + rtol * abs(want)

    bad = [r for r in rows if not ok(r[1], r[2], r[4])]
    c.verified.extend(f"{r[0]}: {name}{r[2]:.4g}" for r in rows if r not in bad)
    for what, got, want, mistakes, atol in bad:
        hint = _match(got, mistakes(), rtol, atol) if math.isfinite(got) else None
        if hint:
            c.fail(f"{what}: expected {name}{want:.6g}, got {got:.6g}. {hint}")
    for what, got, want, _, _ in bad:
        msg = generic if math.isfinite(got) else nonfinite
        c.fail(f"{what}: expected {name}{want:.6g}, got {got:.6g}. {msg}")


def _is_complex(value: Any) -> bool:
    if isinstance(value, complex):
        return True
    dtype = getattr(value, "dtype", None)
    return dtype is not None and "complex" in str(dtype).lower()


@exercise("24.2", "the Fréchet distance", hint=FD_HINT)
def check_frechet_distance(fn: Callable[..., Any], c: Check) -> None:
    """``fn(mu1, sigma1, mu2, sigma2) -> float``: the (squared) Fréchet distance."""
    c.on_error("complex", HINT_COMPLEX)
    rows = []
    for what, args in _fd_cases():
        copies = tuple(np.array(a, copy=True) for a in args)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = c.call(fn, *copies)
        if _is_complex(out):
            c.fail(HINT_COMPLEX)
        want = metrics.frechet_distance(*args)
        mu1, s1, mu2, s2 = args
        scale = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2))
        # absolute tolerance relative to the size of the terms (the identical case has FD = 0)
        rows.append((what, c.number(out), want, lambda a=args: _fd_mistakes(*a), 1e-5 * scale))
    _judge(c, rows, FD_HINT, "your result is NaN or infinite. " + FD_HINT, 1e-4, "FD = ")
    args = _singular_case()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = c.call(fn, *(np.array(a, copy=True) for a in args))
    if _is_complex(out):
        c.fail(HINT_COMPLEX)
    c.number(out)
    c.verified.append("singular covariances (5 and 6 samples in 16 dimensions) give a real number")


IS_HINT = (
    "IS = exp( mean over samples of KL(p(y|x) || p(y)) ), with p(y) = probs.mean(axis=0); "
    "0 * log 0 counts as 0 (scipy.special.rel_entr does this)."
)


def _is_cases() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(7)
    return [
        ("8 confident predictions spread evenly over 4 classes", np.repeat(np.eye(4), 2, axis=0)),
        ("6 identical predictions", np.tile([0.5, 0.3, 0.2], (6, 1))),
        ("20 random predictions over 5 classes", rng.dirichlet(np.full(5, 0.4), size=20)),
    ]


def _is_mistakes(p: np.ndarray) -> list[tuple[float, str]]:
    py = p.mean(axis=0, keepdims=True)
    kl = special.rel_entr(p, py).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rev = special.rel_entr(np.broadcast_to(py, p.shape), p).sum(axis=1)
        py_wrong = p.mean(axis=1, keepdims=True)
        kl_axis = special.rel_entr(p, py_wrong).sum(axis=1)
    return [
        (float(kl.mean()), "you returned the mean KL: exponentiate it, IS = exp(mean KL)."),
        (float(np.exp(kl).mean()), "take exp of the MEAN KL, not the mean of exp(KL)."),
        (float(2 ** kl.mean()), "use the natural logarithm and exp (not base 2)."),
        (
            float(np.exp(rev.mean())),
            "the KL goes from p(y|x) to p(y): KL(p(y|x) || p(y)), not KL(p(y) || p(y|x)).",
        ),
        (
            float(np.exp(kl_axis.mean())),
            "p(y) is the average prediction over SAMPLES: probs.mean(axis=0), not axis=1.",
        ),
        (float(np.exp(kl.sum())), "average the KL over samples (mean), do not sum it."),
    ]


@exercise("24.5", "the Inception Score", hint=IS_HINT)
def check_inception_score(fn: Callable[..., Any], c: Check) -> None:
    """``fn(probs) -> float``: IS of ``(N, K)`` class probabilities, one split."""
    rows = []
    for what, probs in _is_cases():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = c.number(c.call(fn, probs.copy()))
        want = metrics.inception_score(probs, splits=1)[0]
        rows.append((what, got, want, lambda p=probs: _is_mistakes(p), 1e-6))
    nonfinite = "0 * log 0 must count as 0: use scipy.special.rel_entr(p, py) or mask the zeros."
    _judge(c, rows, IS_HINT, nonfinite, 1e-4, "IS = ")


JS_HINT = (
    "normalise p and q to sum 1, m = (p + q) / 2, JS divergence = (KL(p||m) + KL(q||m)) / 2 "
    "in bits (log base 2): 0 for identical, 1 for disjoint histograms. The JS DISTANCE "
    "(scipy.spatial.distance.jensenshannon) is its square root."
)


def _js_cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(3)
    return [
        ("identical histograms", np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0, 4.0])),
        ("disjoint histograms", np.array([5.0, 5.0, 0.0, 0.0]), np.array([0.0, 0.0, 3.0, 1.0])),
        (
            "two histograms of counts",
            rng.integers(1, 30, 12).astype(float),
            rng.integers(0, 30, 12).astype(float),
        ),
    ]


def _js_mistakes(p: np.ndarray, q: np.ndarray, want_distance: bool) -> list[tuple[float, str]]:
    pn, qn = p / p.sum(), q / q.sum()
    m = 0.5 * (pn + qn)
    div = metrics.js_divergence(p, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl_pq = float(special.rel_entr(pn, qn).sum() / math.log(2))
        raw_m = 0.5 * (p + q)
        raw = float(
            0.5
            * (special.rel_entr(p, raw_m).sum() + special.rel_entr(q, raw_m).sum())
            / math.log(2)
        )
    half = float(special.rel_entr(pn, m).sum() / math.log(2))
    out = [
        (div * math.log(2), "use log base 2 (bits), so that the divergence lies in [0, 1]."),
        (math.sqrt(div * math.log(2)), "use log base 2 (bits), so that the value lies in [0, 1]."),
        (2 * div, "average the two KL terms: (KL(p||m) + KL(q||m)) / 2."),
        (half, "JS is symmetric: average KL(p||m) AND KL(q||m)."),
        (kl_pq, "compare each histogram with the mixture m = (p + q) / 2, not with each other."),
        (raw, "normalise the counts to probabilities first: p = p / p.sum(), q = q / q.sum()."),
    ]
    if want_distance:
        out.insert(0, (div, "you returned the DIVERGENCE; the JS DISTANCE is its square root."))
    else:
        out.insert(
            0,
            (
                math.sqrt(div),
                "you returned the JS DISTANCE (the square root, what "
                "scipy's jensenshannon returns); the DIVERGENCE is its square.",
            ),
        )
    return out


def _check_js(fn: Callable[..., Any], c: Check, distance: bool) -> None:
    name = "distance" if distance else "divergence"
    rows = []
    for what, p, q in _js_cases():
        got = c.number(c.call(fn, p.copy(), q.copy()))
        div = metrics.js_divergence(p, q)
        want = math.sqrt(div) if distance else div
        rows.append((what, got, want, lambda p=p, q=q: _js_mistakes(p, q, distance), 1e-6))
    nonfinite = "0 * log 0 must count as 0 (scipy.special.rel_entr); KL to the mixture m is finite."
    _judge(c, rows, JS_HINT, nonfinite, 1e-5, f"JS {name} ")


@exercise("24.1", "the Jensen-Shannon divergence", hint=JS_HINT)
def check_js_divergence(fn: Callable[..., Any], c: Check) -> None:
    """``fn(p, q) -> float``: JS DIVERGENCE in bits of two histograms (counts)."""
    _check_js(fn, c, distance=False)


@exercise("24.1", "the Jensen-Shannon distance", hint=JS_HINT)
def check_js_distance(fn: Callable[..., Any], c: Check) -> None:
    """``fn(p, q) -> float``: JS DISTANCE (square root of the divergence in bits)."""
    _check_js(fn, c, distance=True)


def check_is_one_note(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 24.4 (predict): IS of a generator that plays one perfect note every time."""
    return check_number(
        "24.4",
        "predict: IS of a one-note generator",
        answer,
        1.0,
        hint="p(y|x) is the same one-hot vector for every sample, so p(y) equals it too.",
        atol=1e-6,
        wrong=[
            (0.0, "IS = exp(mean KL): KL = 0 gives exp(0) = 1, not 0."),
            # 49: the pitch classifier's classes (MIDI 36-84, torch.classifier.N_CLASSES)
            (49.0, "the maximum (number of classes) needs predictions spread over ALL classes."),
        ],
        quiet=quiet,
    )


def check_fid_sample_size(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 24.3 (explore): what happens to FID when you use fewer samples."""
    return check_choice(
        "24.3",
        "explore: FID and the number of samples",
        answer,
        "b",
        {
            "a": "Look at the curve again: FID is not constant in N; the covariance estimate "
            "from few samples is noisy, which adds a positive bias.",
            "c": "Few samples make the two estimated Gaussians look MORE different, not less: "
            "the bias is upward.",
        },
        hint="Set N_FEW smaller and larger, re-run, and compare the FID of the same real clips.",
        quiet=quiet,
    )
