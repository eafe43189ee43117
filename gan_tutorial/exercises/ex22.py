"""Checkers for notebooks 22 (Keras) and 22b (PyTorch): the generator fix and the BCE losses.

Ground truth: :mod:`gan_tutorial.losses`. Keras/TensorFlow and PyTorch are imported only
inside the checkers that need them (``framework="keras"`` or ``"torch"``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gan_tutorial import losses
from gan_tutorial.exercises.core import Check, Result, check_choice, check_number, exercise

__all__ = [
    "check_d_loss",
    "check_g_loss",
    "check_generator_64",
    "check_mode_collapse",
    "check_neutral_d_loss",
    "check_upsampling_layers",
]

LOGIT_CASES = (
    ("ordinary logits", [2.0, -1.0, 0.5, 0.0], [-3.0, 1.0, -0.5, 0.0]),
    ("a discriminator that is right and very confident", [40.0, 100.0], [-50.0, -100.0]),
    ("a discriminator that is wrong and very confident", [-200.0, 30.0], [200.0, -30.0]),
)
D_HINT = (
    "D loss = BCE(real_logits, 1) + BCE(fake_logits, 0), each averaged over the batch, from "
    "LOGITS: softplus(-real).mean() + softplus(fake).mean() (torch.nn.functional."
    "binary_cross_entropy_with_logits, keras.losses.BinaryCrossentropy(from_logits=True))."
)
G_HINT = (
    "non-saturating G loss = BCE(fake_logits, 1) = softplus(-fake_logits).mean(): the generator "
    "wants the discriminator to call its fakes real."
)
HINT_OVERFLOW = (
    "with very confident logits your loss is wrong: log(sigmoid(x)) underflows to log(0). "
    "Work with the logits: softplus(-x) = -log(sigmoid(x)), or the *_with_logits / "
    "from_logits=True losses."
)


def _tensor(x: list[float], framework: str) -> Any:
    arr = np.asarray(x, dtype=np.float32)
    if framework == "torch":
        import torch

        return torch.from_numpy(arr)
    if framework in ("keras", "tf", "tensorflow"):
        from keras import ops

        return ops.convert_to_tensor(arr)
    return arr


def _to_float(c: Check, out: Any) -> float:
    if hasattr(out, "numpy") and not hasattr(out, "detach"):
        out = np.asarray(out.numpy())
    return c.number(out)


def _loss_check(
    c: Check,
    fn: Callable[..., Any],
    framework: str,
    want_fn: Callable[[list[float], list[float]], float],
    mistakes: Callable[[list[float], list[float]], list[tuple[float, str]]],
    generic: str,
    two_args: bool,
) -> None:
    for what, real, fake in LOGIT_CASES:
        args = (
            (_tensor(real, framework), _tensor(fake, framework))
            if two_args
            else (_tensor(fake, framework),)
        )
        got = _to_float(c, c.call(fn, *args))
        want = want_fn(real, fake)
        if math.isfinite(got) and abs(got - want) <= 1e-4 * abs(want) + 1e-4:
            c.verified.append(f"{what}: {want:.4g}")
            continue
        hint = next(
            (
                h
                for v, h in mistakes(real, fake)
                if math.isfinite(got) and abs(got - v) <= 1e-3 * abs(v) + 1e-3
            ),
            None,
        )
        if hint is None and "confident" in what:
            hint = HINT_OVERFLOW
        c.fail(
            f"{what} (real {real}, fake {fake}): expected {want:.6g}, got {got:.6g}. "
            + (hint or generic)
        )


def _d_mistakes(real: list[float], fake: list[float]) -> list[tuple[float, str]]:
    r, f = np.asarray(real), np.asarray(fake)
    sp = losses.softplus
    right = losses.bce_d_loss(r, f)
    return [
        (0.5 * right, "the course adds the two BCE terms (real + fake); you averaged them."),
        (
            float(np.mean(sp(r)) + np.mean(sp(-f))),
            "targets swapped: real logits go with target 1, fake logits with target 0.",
        ),
        (float(np.mean(sp(-np.concatenate([r, f])))), "the fakes need target 0, not 1."),
        (
            float(-np.mean(sp(-r)) - np.mean(sp(f))),
            "a loss to MINIMISE: BCE is -log, so softplus(-real) + softplus(fake) (positive).",
        ),
        (
            float(np.mean(sp(-r)) - np.mean(sp(-f))),
            "the fake term is BCE(fake, 0) = softplus(fake), not -softplus(-fake).",
        ),
    ]


def _g_mistakes(real: list[float], fake: list[float]) -> list[tuple[float, str]]:
    f = np.asarray(fake)
    return [
        (
            losses.bce_g_loss_saturating(f),
            "that is the SATURATING minimax loss log(1 - D(G(z))); "
            "use the non-saturating -log D(G(z)) = softplus(-fake_logits).",
        ),
        (
            float(np.mean(losses.softplus(f))),
            "the generator's target is 1 (real), not 0: BCE(fake_logits, 1).",
        ),
        (-losses.bce_g_loss_nonsaturating(f), "sign: minimise -log D(G(z)), which is positive."),
    ]


def check_d_loss(fn: Any = ..., framework: str = "numpy", *, quiet: bool = False) -> Result:
    """``fn(real_logits, fake_logits) -> scalar``: the BCE discriminator loss from logits.

    ``framework``: the type of the logits handed to ``fn``: ``"numpy"``, ``"torch"`` or
    ``"keras"`` (a Keras/TensorFlow tensor).
    """
    number = "22b.3" if framework == "torch" else "22.3"

    @exercise(number, "the discriminator loss from logits", hint=D_HINT)
    def body(fn: Any, c: Check) -> None:
        _loss_check(
            c, fn, framework, lambda r, f: losses.bce_d_loss(r, f), _d_mistakes, D_HINT, True
        )

    return body(fn, quiet=quiet)


def check_g_loss(fn: Any = ..., framework: str = "numpy", *, quiet: bool = False) -> Result:
    """``fn(fake_logits) -> scalar``: the non-saturating generator loss from logits."""
    number = "22b.4" if framework == "torch" else "22.4"

    @exercise(number, "the non-saturating generator loss", hint=G_HINT)
    def body(fn: Any, c: Check) -> None:
        _loss_check(
            c,
            fn,
            framework,
            lambda r, f: losses.bce_g_loss_nonsaturating(f),
            _g_mistakes,
            G_HINT,
            False,
        )

    return body(fn, quiet=quiet)


GEN_HINT = (
    "keep Dense -> Reshape((4, 4, C)) and make every Conv2DTranspose after it double the "
    "size with strides=2, padding='same': 4 -> 8 -> 16 -> 32 -> 64 takes four of them; end "
    "with 1 channel and tanh."
)


def _spatial_sizes_torch(model: Any, z: Any) -> tuple[Any, list[tuple[str, int]]]:
    import torch

    sizes: list[tuple[str, int]] = []
    hooks = [
        m.register_forward_hook(
            lambda mod, _i, out: (
                sizes.append((type(mod).__name__, int(out.shape[-1])))
                if isinstance(out, torch.Tensor) and out.dim() == 4
                else None
            )
        )
        for m in model.modules()
        if not list(m.children())
    ]
    try:
        with torch.no_grad():
            out = model(z)
    finally:
        for h in hooks:
            h.remove()
    return out.detach().cpu().numpy(), sizes


def _spatial_sizes_keras(model: Any, z: np.ndarray) -> tuple[np.ndarray, list[tuple[str, int]]]:
    import keras

    out = np.asarray(keras.ops.convert_to_numpy(model(z, training=False)))
    sizes: list[tuple[str, int]] = []
    x = keras.ops.convert_to_tensor(z)
    try:  # Sequential (or a plain chain of layers): run the layers one by one
        for layer in model.layers:
            x = (
                layer(x, training=False)
                if "training" in layer.call.__code__.co_varnames
                else layer(x)
            )
            if len(x.shape) == 4:
                sizes.append((type(layer).__name__, int(x.shape[1])))
    except Exception:
        sizes = [
            (type(layer).__name__, int(layer.output.shape[1]))
            for layer in model.layers
            if len(getattr(getattr(layer, "output", None), "shape", ())) == 4
        ]
    return out, sizes


def check_generator_64(
    build: Any = ..., framework: str = "keras", *, quiet: bool = False
) -> Result:
    """``build(latent_dim) -> model``: the source's generator, fixed to output 64x64x1.

    Works for a Keras model (output ``(B, 64, 64, 1)``) and a PyTorch module
    (``(B, 1, 64, 64)``), whatever ``framework`` says (it only picks the exercise number:
    22.2 in the Keras notebook, 22b.1 in the PyTorch one). Checks the output shape, the
    tanh range and that 64x64 is reached by upsampling a small map (not by a Dense layer of
    4096 units).
    """
    number = "22b.1" if framework == "torch" else "22.2"
    return exercise(number, "a generator that outputs 64x64", hint=GEN_HINT)(_generator_64)(
        build, quiet=quiet
    )


def _generator_64(build: Callable[..., Any], c: Check) -> None:
    latent = 100
    model = c.call(build, latent)
    if model is None:
        c.fail("build_generator returned None: did you forget `return model`?")
    is_torch = type(model).__module__.startswith("torch") or any(
        k.__module__.startswith("torch.nn") for k in type(model).__mro__
    )
    rng = np.random.default_rng(22)
    z = rng.normal(size=(2, latent)).astype(np.float32)
    try:
        if is_torch:
            import torch

            out, sizes = _spatial_sizes_torch(model.eval(), torch.from_numpy(z))
            want_shape = (2, 1, 64, 64)
        else:
            out, sizes = _spatial_sizes_keras(model, z)
            want_shape = (2, 64, 64, 1)
    except Exception as exc:
        c.fail(
            f"running your generator on z of shape (2, {latent}) raised "
            f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}. {GEN_HINT}"
        )
    if tuple(out.shape) != want_shape:
        c.fail(
            f"output shape {tuple(out.shape)}, expected {want_shape}. "
            + (
                "Stride-1 'same' convolutions never change the size: add strides=2. "
                if tuple(out.shape)[1:3] == (4, 4) or tuple(out.shape)[2:] == (4, 4)
                else ""
            )
            + GEN_HINT
        )
    c.verified.append(f"output shape {want_shape}")
    if not (np.all(np.isfinite(out)) and out.min() >= -1 - 1e-6 and out.max() <= 1 + 1e-6):
        c.fail("the output must lie in [-1, 1] like the normalised spectrograms: keep tanh last.")
    c.verified.append("values in [-1, 1] (tanh)")
    spatial = [s for _, s in sizes]
    if not spatial or min(spatial) > 16:
        c.fail(
            "there is no upsampling path: start from a small map (Reshape to 4x4 as the "
            "source does) and upsample, instead of producing 64x64 from a Dense layer."
        )
    start = spatial.index(min(spatial))
    path = [spatial[start]]
    for s in spatial[start:]:
        if s != path[-1]:
            path.append(s)
    if path[-1] != 64 or any(b < a for a, b in itertools.pairwise(path)):
        c.fail(
            f"the feature maps go {' -> '.join(map(str, path))}; they should grow "
            "steadily to 64. " + GEN_HINT
        )
    c.verified.append("upsampling path " + " -> ".join(map(str, path)))


def check_upsampling_layers(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 22.1 (predict): stride-2 layers needed to go from 4x4 to 64x64."""
    return check_number(
        "22.1",
        "predict: how many stride-2 layers",
        answer,
        4,
        hint="Each stride-2 transposed convolution doubles height and width.",
        wrong=[
            (16.0, "64 / 4 = 16 is the total factor; each layer doubles: 2^n = 16."),
            (60.0, "sizes multiply, they don't add: 4 * 2^n = 64."),
            (5.0, "4 -> 8 -> 16 -> 32 -> 64: count the arrows."),
        ],
        quiet=quiet,
    )


def check_neutral_d_loss(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 22b.2 (predict): the D loss when every logit is 0 (D outputs 0.5)."""
    return check_number(
        "22b.2",
        "predict: the loss of an undecided discriminator",
        answer,
        2 * math.log(2),
        hint="sigmoid(0) = 0.5; BCE = -log 0.5 = ln 2 for the real term AND for the fake term.",
        rtol=2e-3,
        wrong=[
            (math.log(2), "there are two terms (real and fake), each ln 2."),
            (1.0, "BCE uses the natural log: -ln 0.5 = 0.693 per term."),
            (2.0, "BCE uses the natural log: -ln 0.5 = 0.693 per term, not log2."),
        ],
        quiet=quiet,
    )


def check_mode_collapse(
    answer: Any = ..., framework: str = "keras", *, quiet: bool = False
) -> Result:
    """Exercise 22.5 / 22b.5 (explore): what the latent explorer shows about mode collapse."""
    return check_choice(
        "22b.5" if framework == "torch" else "22.5",
        "explore: the latent explorer",
        answer,
        "b",
        {
            "a": "Listen again while moving one slider far: if several z give the same note, "
            "the generator ignores part of its input (partial mode collapse).",
            "c": "The generator is deterministic: the same z always gives the same output; "
            "differences come from changing z.",
        },
        hint="Move one latent slider from -3 to 3 and watch the pitch and the spectrogram.",
        quiet=quiet,
    )
