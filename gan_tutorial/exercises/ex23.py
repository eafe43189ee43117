"""Checkers for notebook 23 (stability tricks): gradient penalty, label smoothing, n_critic.

Ground truth: :mod:`gan_tutorial.torch.losses` and :mod:`gan_tutorial.tricks`. PyTorch is
imported inside the gradient-penalty checker only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gan_tutorial import tricks
from gan_tutorial.exercises.core import Check, Result, check_choice, check_number, exercise

__all__ = [
    "check_critic_schedule",
    "check_critic_steps_reason",
    "check_gradient_penalty",
    "check_label_smoothing",
    "check_source_penalty_prediction",
]

GP_HINT = (
    "x_hat = eps * real + (1 - eps) * fake with eps = torch.rand(B, 1, 1, 1) (one weight per "
    "sample); grads = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)[0]; "
    "penalty = weight * ((grads.flatten(1).norm(2, dim=1) - 1) ** 2).mean()."
)
HINT_BATCH_NORM = (
    "your penalty grows with the batch size: the norm must be taken per sample "
    "(grads.flatten(1).norm(2, dim=1)), not over the whole batch (grads.norm(2))."
)
HINT_CREATE_GRAPH = (
    "the penalty does not train the critic: pass create_graph=True to torch.autograd.grad so "
    "that the gradient norm can itself be differentiated with respect to the critic's weights."
)
HINT_SHARED_EPS = (
    "every sample used the same interpolation weight: draw one eps per sample, "
    "eps = torch.rand(B, 1, 1, 1), not torch.rand(1)."
)
NOTE_PER_PIXEL = (
    "you drew one weight per pixel (torch.rand_like(real)). That works as a penalty, but the "
    "WGAN-GP paper draws ONE weight per sample, eps = torch.rand(B, 1, 1, 1), so that x_hat "
    "lies on the straight line from fake[i] to real[i]; per-pixel weights put it off that line, "
    "anywhere in the box between the two."
)
HINT_OFF_LINE = (
    "x_hat does not lie between real[i] and fake[i]: x_hat = eps * real + (1 - eps) * fake "
    "with eps in [0, 1], one eps per sample (torch.rand(B, 1, 1, 1))."
)
HINT_RANGE = (
    "x_hat must lie between real[i] and fake[i]: eps ~ U(0, 1) (torch.rand), not torch.randn."
)
SHAPE = (1, 8, 8)  # (C, H, W) of the checker's toy "spectrograms"


def _critics(torch: Any) -> tuple[Any, Any]:
    """A recording non-linear critic and a linear critic with a known weight norm."""
    nn = torch.nn
    d = int(np.prod(SHAPE))

    class Recording(nn.Module):  # type: ignore[name-defined]  # torch is imported lazily
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(nn.Flatten(), nn.Linear(d, 16), nn.Tanh(), nn.Linear(16, 1))
            self.inputs: list[Any] = []

        def forward(self, x: Any) -> Any:
            self.inputs.append(x)
            return self.body(x)

    net = Recording()
    with torch.no_grad():
        net.body[1].weight.normal_(0.0, 0.35)
        net.body[3].weight.normal_(0.0, 0.2)
    linear = nn.Sequential(nn.Flatten(), nn.Linear(d, 1))
    with torch.no_grad():
        w = torch.randn(1, d)
        linear[1].weight.copy_(0.5 * w / w.norm())  # ||w|| = 0.5
    return net, linear


def _reference(torch: Any, critic: Any, x_hat: Any, weight: float) -> tuple[Any, Any]:
    """Per-sample grads (B, D) at x_hat and the correct penalty, built with a graph."""
    x = x_hat.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(critic.body(x).sum(), x, create_graph=True)
    g = g.flatten(1)
    pen = weight * ((g.norm(2, dim=1) - 1) ** 2).mean()
    return g, pen


def _scalar(c: Check, torch: Any, out: Any) -> Any:
    if out is None:
        c.fail("your function returned None: did you forget `return`?")
    if not isinstance(out, torch.Tensor):
        c.fail(
            f"return the penalty as a scalar torch tensor (got {type(out).__name__}): the "
            "training loop calls backward() on it, so do not use .item() or float()."
        )
    if out.numel() != 1:
        c.fail(
            f"the penalty should be one number, got a tensor of shape {tuple(out.shape)}: "
            "take the .mean() over the batch."
        )
    return out.reshape(())


def _x_hat(c: Check, torch: Any, inputs: list[Any], real: Any, fake: Any) -> Any:
    """The critic input that lies between real and fake (the learner's x_hat)."""
    for x in inputs:
        if tuple(x.shape) != tuple(real.shape):
            continue
        if torch.equal(x.detach(), real) or torch.equal(x.detach(), fake):
            continue
        return x.detach().double()
    if any(tuple(x.shape) == tuple(real.shape) for x in inputs):
        c.fail(
            "the critic was only called on the real or fake batch: evaluate it at x_hat, "
            "the random interpolation between them. " + GP_HINT
        )
    c.fail("your function never called critic(x_hat) on a batch shaped like real. " + GP_HINT)
    return None  # pragma: no cover


def _check_interpolation(c: Check, x: Any, real: Any, fake: Any) -> None:
    import torch

    r, f = real.double().flatten(1), fake.double().flatten(1)
    d = r - f
    alpha = ((x.flatten(1) - f) * d).sum(1) / (d * d).sum(1)
    resid = (x.flatten(1) - f - alpha[:, None] * d).norm(dim=1) / d.norm(dim=1)
    if float(resid.max()) > 1e-4:
        # off the real-fake line: accepted (with a note) if every pixel is a convex mix
        mask = d.abs() > 1e-3
        ratio = ((x.flatten(1) - f) / torch.where(mask, d, torch.ones_like(d)))[mask]
        if float(ratio.min()) < -1e-4 or float(ratio.max()) > 1 + 1e-4:
            c.mistake(HINT_OFF_LINE)
            return
        c.note(NOTE_PER_PIXEL)
        c.verified.append("every pixel of x_hat lies between real[i] and fake[i]")
        return
    if float(alpha.min()) < -1e-4 or float(alpha.max()) > 1 + 1e-4:
        c.mistake(HINT_RANGE)
        return
    if float(alpha.max() - alpha.min()) < 1e-6:
        c.mistake(HINT_SHARED_EPS)
        return
    c.verified.append("x_hat lies between real[i] and fake[i] with its own eps for each sample")


def _penalty_mistakes(g: Any, weight: float) -> list[tuple[float, str]]:
    """Typical wrong penalties computed from the per-sample gradients g (B, D)."""
    n = g.norm(2, dim=1)
    b = g.shape[0]
    return [
        (weight * float((g.norm(2) - 1) ** 2), HINT_BATCH_NORM),
        (
            weight * float(((n - 1) ** 2).sum()),
            "your penalty grows with the batch size: "
            "average the per-sample terms with .mean(), do not .sum() them.",
        ),
        (
            float(((n - 1) ** 2).mean()),
            "multiply the penalty by `weight` (lambda = 10 in WGAN-GP).",
        ),
        (
            weight * float(((n**2 - 1) ** 2).mean()),
            "use the norm itself, not its square: (||grad|| - 1)^2.",
        ),
        (
            weight * float((n**2).mean()),
            "the penalty pulls the norm towards 1: (||grad|| - 1)^2, not ||grad||^2.",
        ),
        (weight * float((n - 1).abs().mean()), "square the difference: (||grad|| - 1)^2."),
        (
            weight * float((n - 1).clamp(min=0).pow(2).mean()),
            "that is the one-sided penalty "
            "max(0, ||grad|| - 1)^2; WGAN-GP uses the two-sided (||grad|| - 1)^2.",
        ),
        (
            weight * float(((g.abs() - 1) ** 2).mean()),
            "take the L2 norm over ALL of a sample's "
            "pixels (grads.flatten(1).norm(2, dim=1)); grads.norm(2, dim=1) on a (B, C, H, W) "
            "tensor only sums over the channels.",
        ),
        (
            weight * float((n - 1).mean() ** 2),
            "square each sample's (||grad|| - 1) before averaging, not the average.",
        ),
        (weight * float(((n - 1) ** 2).mean()) * b, HINT_BATCH_NORM),
    ]


def _close(a: float, b: float, rtol: float = 2e-3, atol: float = 1e-5) -> bool:
    return math.isfinite(a) and abs(a - b) <= atol + rtol * abs(b)


@exercise("23.3", "the per-sample gradient penalty", hint=GP_HINT)
def check_gradient_penalty(fn: Callable[..., Any], c: Check) -> None:
    """``fn(critic, real, fake, weight) -> scalar tensor``: the WGAN-GP penalty."""
    import torch

    c.on_error(
        "does not require grad",
        "x_hat must require gradients: call "
        "x_hat.requires_grad_(True) before critic(x_hat). " + GP_HINT,
    )
    c.on_error(
        "implicitly created only for scalar",
        "the critic returns one score per "
        "sample: differentiate critic(x_hat).sum(), or pass "
        "grad_outputs=torch.ones_like(scores).",
    )
    c.on_error(
        "backward through the graph a second time",
        "pass create_graph=True (it also keeps the graph).",
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(23)
        critic, linear = _critics(torch)
        weight, b = 10.0, 8
        real = torch.randn(b, *SHAPE)
        fake = 0.5 * torch.randn(b, *SHAPE) + 0.3

        # 1. the main case: a non-linear critic that records where it is evaluated
        out = _scalar(c, torch, c.call(fn, critic, real.clone(), fake.clone(), weight))
        x_hat = _x_hat(c, torch, critic.inputs, real, fake)
        _check_interpolation(c, x_hat, real, fake)
        g, ref = _reference(torch, critic, x_hat.float(), weight)
        got, want = float(out.detach()), float(ref.detach())
        if _close(got, want):
            c.verified.append(
                f"value = weight * mean_i (||grad D(x_hat_i)||_2 - 1)^2 = {want:.4g} "
                f"at batch size {b}"
            )
        else:
            hint = next(
                (h for v, h in _penalty_mistakes(g.detach().double(), weight) if _close(got, v)),
                None,
            )
            c.mistake(f"expected {want:.6g} at batch size {b}, got {got:.6g}. " + (hint or GP_HINT))

        # 2. does the penalty train the critic? (needs create_graph=True)
        params = [p for p in critic.parameters() if p.requires_grad]
        if not out.requires_grad:
            c.mistake(HINT_CREATE_GRAPH)
        elif _close(got, want):
            grads = torch.autograd.grad(out, params, allow_unused=True)
            refs = torch.autograd.grad(ref, params, allow_unused=True)
            ok = all(
                (gl is None and gr is None)
                or (
                    gl is not None
                    and gr is not None
                    and torch.allclose(gl, gr, rtol=1e-3, atol=1e-5)
                )
                for gl, gr in zip(grads, refs, strict=True)
            )
            if ok:
                c.verified.append(
                    "backward() on it reaches the critic's weights (create_graph=True)"
                )
            else:
                c.mistake(HINT_CREATE_GRAPH)

        # 3. batch-size independence, with a critic whose gradient is the same everywhere
        want_lin = weight * (0.5 - 1.0) ** 2
        values = {}
        for bs in (2, 32):
            r, f = torch.randn(bs, *SHAPE), torch.randn(bs, *SHAPE)
            o = _scalar(c, torch, c.call(fn, linear, r, f, weight))
            values[bs] = float(o.detach())
        if all(_close(v, want_lin) for v in values.values()):
            c.verified.append(
                f"linear critic with ||w|| = 0.5: {want_lin:g} at batch sizes 2 and 32"
            )
        elif not c.mistakes:  # report only what the main case did not already explain
            grows = values[32] > 1.5 * values[2]
            c.mistake(
                HINT_BATCH_NORM
                if grows
                else f"linear critic with ||w|| = 0.5: expected {want_lin:g} at batch sizes 2 "
                f"and 32, got {values[2]:.4g} and {values[32]:.4g}. {GP_HINT}"
            )


SMOOTH_HINT = (
    "one-sided label smoothing: real targets 0.9 (the `real` argument), fake targets stay 0; "
    "return two arrays of shape (batch,)."
)


def _values(c: Check, x: Any, batch: int, what: str) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    elif hasattr(x, "numpy"):
        x = x.numpy()
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        c.fail(f"{what} should be an array of numbers, got {type(x).__name__}. {SMOOTH_HINT}")
    if arr.size == 1:
        arr = np.full(batch, float(arr.reshape(())))
    if arr.size != batch:
        c.fail(f"{what} should hold one target per sample ({batch}), got shape {arr.shape}.")
    return arr.ravel()


@exercise("23.2", "one-sided label smoothing", hint=SMOOTH_HINT)
def check_label_smoothing(fn: Callable[..., Any], c: Check) -> None:
    """``fn(batch, real=0.9) -> (real_targets, fake_targets)``, one-sided smoothing."""
    for batch, real in ((4, 0.9), (7, 0.8)):
        out = c.call(fn, batch, real=real)
        if out is None:
            c.fail("your function returned None: did you forget `return`?")
        try:
            rt, ft = out
        except (TypeError, ValueError):
            c.fail(f"return a pair (real_targets, fake_targets), got {type(out).__name__}.")
        rt, ft = _values(c, rt, batch, "real_targets"), _values(c, ft, batch, "fake_targets")
        want_r, want_f = tricks.label_targets(batch, "one-sided", real=real)
        if np.allclose(rt, want_r, atol=1e-6) and np.allclose(ft, want_f, atol=1e-6):
            c.verified.append(f"batch {batch}, real={real}: real targets {real}, fake targets 0")
            continue
        if np.allclose(rt, want_r) and np.allclose(ft, 1 - real):
            c.fail(
                "that is TWO-sided smoothing (what the source does): smoothing the fake "
                "targets too rewards the fakes for looking fake. Keep fake targets at 0."
            )
        if np.allclose(rt, 1.0) and np.allclose(ft, 1 - real):
            c.fail(
                "you smoothed the wrong side: smooth the REAL targets (to 0.9), keep fakes at 0."
            )
        if np.allclose(rt, want_f) and np.allclose(ft, want_r):
            c.fail("real and fake targets are swapped: return (real_targets, fake_targets).")
        if np.allclose(rt, 0.9) and real != 0.9:
            c.fail("use the `real` argument instead of a fixed 0.9.")
        if np.allclose(rt, 1.0) and np.allclose(ft, 0.0):
            c.fail("these are the unsmoothed targets (1, 0): set the real targets to `real`.")
        c.fail(
            f"batch {batch}, real={real}: expected real targets {real} and fake targets 0, "
            f"got {np.unique(rt)} and {np.unique(ft)}. {SMOOTH_HINT}"
        )


SCHED_HINT = (
    "n_critic critic updates ('D'), then one generator update ('G'), repeated: "
    "n_critic=2, total=7 -> D D G D D G D."
)


@exercise("23.1", "the n_critic schedule", hint=SCHED_HINT)
def check_critic_schedule(fn: Callable[..., Any], c: Check) -> None:
    """``fn(n_critic, total) -> list of 'D'/'G'``: which network each update trains."""
    for n_critic, total in ((2, 7), (5, 13), (1, 4)):
        out = c.call(fn, n_critic, total)
        if out is None:
            c.fail("your function returned None: did you forget `return`?")
        try:
            got = [str(s).strip().upper() for s in out]
        except TypeError:
            c.fail(f"return a list of 'D'/'G' strings, got {type(out).__name__}.")
        want = list(tricks.critic_schedule(n_critic, total))
        if got == want:
            c.verified.append(f"n_critic={n_critic}, {total} updates: {' '.join(want)}")
            continue
        show = (
            f"n_critic={n_critic}, total={total}: expected {' '.join(want)}, got {' '.join(got)}."
        )
        if len(got) != total:
            c.fail(f"{show} Return exactly `total` updates.")
        if got.count("G") > 0 and got[0] == "G":
            c.fail(f"{show} Start with the critic: n_critic 'D' updates come before each 'G'.")
        n_g, want_g = got.count("G"), want.count("G")
        if n_g > want_g:
            c.fail(
                f"{show} Off by one: each cycle is n_critic + 1 updates long "
                "(i % (n_critic + 1) == n_critic is the 'G' step)."
            )
        if n_g < want_g:
            c.fail(f"{show} Too few generator updates: one 'G' after every n_critic 'D's.")
        c.fail(f"{show} {SCHED_HINT}")


def check_source_penalty_prediction(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 23.4 (predict): the source's whole-batch penalty for a linear critic."""
    return check_number(
        "23.4",
        "predict: the source's penalty at batch size 16",
        answer,
        90.0,
        hint="For D(x) = <w, x> every sample's gradient is w. The source takes ONE norm over "
        "the (16, ...) gradient tensor: sqrt(16) * ||w||. Then weight * (that - 1)^2.",
        atol=1e-6,
        wrong=[
            (
                0.0,
                "that is the correct per-sample penalty; the source's norm covers the "
                "whole batch: sqrt(16) * ||w|| = 4.",
            ),
            (
                160.0,
                "the norm of 16 copies of w is sqrt(16) * ||w|| = 4, not 16 * ||w||; "
                "then (4 - 1)^2 = 9.",
            ),
            (9.0, "don't forget the weight 10."),
        ],
        quiet=quiet,
    )


def check_critic_steps_reason(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 23.5 (explore): why WGAN trains the critic n_critic times per generator step."""
    return check_choice(
        "23.5",
        "explore: n_critic for WGAN-GP",
        answer,
        "a",
        {
            "b": "compare the seconds: with n_critic = 5 every generator step costs five critic "
            "updates, so each step is MORE expensive, not cheaper.",
            "c": "n_critic counts CRITIC updates per generator update; both runs give the "
            "generator the same number of steps.",
        },
        hint="Train WGAN-GP with n_critic = 1, then 5, and compare the modes covered, the share "
        "of good samples and the seconds; then think about what the generator's gradient comes from.",
        quiet=quiet,
    )
