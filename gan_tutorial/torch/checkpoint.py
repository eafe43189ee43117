"""The one checkpoint format of the course's PyTorch GANs (chapters 22, 22c, 23 and 25).

A checkpoint holds a whole :class:`~gan_tutorial.torch.training.GANState`, so that
:func:`~gan_tutorial.torch.training.fit` continues a run exactly where it stopped. It is a
dict of tensors, numbers, strings, lists and dicts, written atomically
(:func:`gan_tutorial.io.atomic_write_bytes`: a crash never leaves half a file) and read
with ``torch.load(..., weights_only=True)`` (no code runs while loading)::

    format, version      "gan_tutorial.torch.checkpoint", 2
    step, seed           completed steps; the run's seed
    generator, discriminator, opt_g, opt_d    state dicts (models unwrapped from DDP)
    ema                  {"module": state dict, "num_updates": int}; absent without an EMA
    history              LossHistory.state_dict()
    rng                  torch's global state, the data and noise generators, numpy's (JSON)
    config_json          what the run was built from (GANState.config(): classes, settings)
    extra_json           GANState.extra (train_seconds, profile, ...)

Files from before this format (``gan_tutorial.torch.gan_checkpoint/1`` and
``gan_tutorial.torch.cgan_checkpoint/1``) are refused with a message that names the file
and the fix: delete it and train again.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ..errors import FileProblem
from ..io import atomic_write_bytes

if TYPE_CHECKING:  # only for annotations: training.py imports this module
    from .training import GANState

__all__ = ["FORMAT", "VERSION", "load_checkpoint", "read_checkpoint", "save_checkpoint"]

FORMAT = "gan_tutorial.torch.checkpoint"
VERSION = 2
_KEYS = ("step", "seed", "generator", "discriminator", "opt_g", "opt_d", "history", "rng")
START_AFRESH = (
    "delete it and train again (in a notebook: set FRESH = True and run the cell again; "
    "on the command line: --fresh)."
)


def _payload(state: GANState) -> dict[str, Any]:
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "step": int(state.step),
        "seed": int(state.seed),
        "generator": state.generator.state_dict(),
        "discriminator": state.discriminator.state_dict(),
        "opt_g": _without_dead_moments(state.opt_g.state_dict()),
        "opt_d": _without_dead_moments(state.opt_d.state_dict()),
        "history": state.history.state_dict(),
        "rng": {
            "torch": torch.get_rng_state(),
            "data": state.data_gen.get_state(),
            "noise": state.noise_gen.get_state(),
            # PCG64's 128-bit integers as JSON text: plain data for weights_only loading
            "numpy": json.dumps(state.rng.bit_generator.state),
        },
        "config_json": json.dumps(state.config()),
        "extra_json": json.dumps(state.extra),
    }
    if state.ema is not None:
        payload["ema"] = state.ema.state_dict()
    return payload


def _without_dead_moments(opt_state: dict[str, Any]) -> dict[str, Any]:
    """Adam's state dict without ``exp_avg`` in groups with ``beta1 == 0``.

    There Adam's first moment is ``0 * exp_avg + 1 * grad``: the next step overwrites it
    with that step's gradient, so its saved value never matters (:func:`load_checkpoint`
    puts zeros back, and the step after a resume is bit for bit the same). Chapter 25 uses
    ``betas=(0.0, 0.99)``: a third of the optimiser state, 81 MB at the ``gpu`` profile.
    The optimiser's own state is not touched (the dicts are copied).
    """
    dead = {i for g in opt_state["param_groups"] if g["betas"][0] == 0 for i in g["params"]}
    if not dead:
        return opt_state
    state = {
        i: {k: v for k, v in st.items() if not (k == "exp_avg" and i in dead)}
        for i, st in opt_state["state"].items()
    }
    return {**opt_state, "state": state}


def _restore_dead_moments(opt: torch.optim.Optimizer) -> None:
    """Zeros for each ``exp_avg`` that :func:`_without_dead_moments` left out."""
    for group in opt.param_groups:
        for p in group["params"]:
            st = opt.state.get(p)
            if st and "exp_avg_sq" in st and "exp_avg" not in st:
                st["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)


def save_checkpoint(path: str | os.PathLike, state: GANState) -> Path:
    """Save ``state`` to ``path`` atomically; returns the path.

    ``torch.save`` serialises into memory; :func:`gan_tutorial.io.atomic_write_bytes`
    writes a temporary file in the same folder, flushes it to disk and renames it over
    ``path`` with ``os.replace`` (atomic on one filesystem). A crash or an exception while
    saving leaves the previous checkpoint untouched and no temporary file behind.
    """
    buf = io.BytesIO()
    torch.save(_payload(state), buf)
    return atomic_write_bytes(path, buf.getvalue())


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The raw checkpoint dict, loaded with ``weights_only=True``; FileProblem if unusable
    (missing, unreadable, another kind of file, or an older format)."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem(
            path, "checkpoint file does not exist.", "check the path, or train first."
        )
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise FileProblem(
            path,
            f"is not a readable PyTorch checkpoint ({type(exc).__name__}: {exc}).",
            "delete it (it may be from an interrupted copy) and resume from another one.",
        ) from exc
    if not isinstance(ckpt, dict) or "format" not in ckpt:
        raise FileProblem(path, f"is not a {FORMAT} checkpoint.", START_AFRESH)
    if ckpt["format"] != FORMAT or ckpt.get("version") != VERSION:
        found = f"{ckpt['format']}, version {ckpt.get('version', 1)}"
        raise FileProblem(
            path,
            f"was written by another version of the course ({found}; this one reads "
            f"{FORMAT}, version {VERSION}).",
            START_AFRESH,
        )
    missing = [k for k in _KEYS if k not in ckpt]
    if missing:
        raise FileProblem(path, f"is an incomplete checkpoint (missing {missing}).", START_AFRESH)
    return ckpt


def _check_config(path: Path, saved: dict[str, Any], state: GANState) -> None:
    """FileProblem if the run was built otherwise (except ``state.resumable`` entries)."""
    now = json.loads(json.dumps(state.config()))  # tuples -> lists, as saved
    changed = sorted(
        k for k in now if k not in state.resumable and k in saved and saved[k] != now[k]
    )
    if changed:
        diff = ", ".join(f"{k}: saved {saved[k]!r}, now {now[k]!r}" for k in changed)
        raise FileProblem(path, f"was trained with other settings ({diff}).", state.checkpoint_fix)


def load_checkpoint(path: str | os.PathLike, state: GANState) -> GANState:
    """Restore models, EMA, optimisers, step, history and all RNG states into ``state``.

    Build ``state`` as in the run that saved it first (same classes and settings: see
    :meth:`GANState.config`); the generators are restored in place, so iterators made
    from ``state.data_gen`` (see :func:`gan_tutorial.torch.data.batches`) continue
    exactly. Returns ``state``.
    """
    path = Path(path)
    ckpt = read_checkpoint(path)
    _check_config(path, json.loads(ckpt["config_json"]), state)
    if ("ema" in ckpt) != (state.ema is not None):
        has = "has" if "ema" in ckpt else "has no"
        raise FileProblem(
            path, f"{has} EMA of the generator, unlike this run.", state.checkpoint_fix
        )
    try:
        state.generator.load_state_dict(ckpt["generator"])
        state.discriminator.load_state_dict(ckpt["discriminator"])
        state.opt_g.load_state_dict(ckpt["opt_g"])
        state.opt_d.load_state_dict(ckpt["opt_d"])
        _restore_dead_moments(state.opt_g)
        _restore_dead_moments(state.opt_d)
        if state.ema is not None:
            state.ema.load_state_dict(ckpt["ema"])
    except (RuntimeError, ValueError, KeyError) as exc:
        raise FileProblem(
            path, f"does not match these models/optimisers ({exc}).", state.checkpoint_fix
        ) from exc
    state.step, state.seed = int(ckpt["step"]), int(ckpt["seed"])
    state.history.load_state_dict(ckpt["history"])
    rng = ckpt["rng"]
    torch.set_rng_state(rng["torch"])
    state.data_gen.set_state(rng["data"])
    state.noise_gen.set_state(rng["noise"])
    state.rng.bit_generator.state = json.loads(rng["numpy"])
    state.extra.update(json.loads(ckpt["extra_json"]))
    return state
