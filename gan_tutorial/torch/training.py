"""PyTorch GAN training plumbing: state, atomic checkpoints, exact resume, and a ``fit`` loop.

Everything random in a run is drawn from generators held by :class:`GANState` and saved
in its checkpoint: the batch indices (``state.data_gen``), the noise ``z``
(``state.noise_gen``), a numpy generator for anything else (``state.rng``) and torch's
global generator. So ``fit`` for 2N steps gives the same weights as ``fit`` for N steps,
a save, a load into freshly built models, and N more steps.

Checkpoints contain only tensors, numbers, strings, lists and dicts, so they load with
``torch.load(path, weights_only=True)`` (no arbitrary code runs when loading).
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..audio import atomic_write_bytes
from ..errors import FileProblem
from ..training import LivePlot, LossHistory, check_finite, every
from .data import batches
from .losses import d_loss, g_loss
from .tricks import make_optimizers

__all__ = [
    "CHECKPOINT_FORMAT",
    "GANState",
    "fit",
    "load_checkpoint",
    "new_state",
    "save_checkpoint",
    "train_step",
]

CHECKPOINT_FORMAT = "gan_tutorial.torch.gan_checkpoint/1"
_KEYS = ("format", "step", "generator", "discriminator", "opt_g", "opt_d", "history", "rng")

StepFn = Callable[["GANState", Any], Mapping[str, float | Tensor]]


def _seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


@dataclass
class GANState:
    """Everything a GAN run needs to continue exactly where it stopped.

    ``G`` maps ``(B, latent_dim)`` noise to ``(B, 1, F, T)``; ``D`` maps that to logits
    ``(B, 1)``. ``step`` counts completed steps. ``extra`` holds JSON-able notes (profile,
    spectrogram config, ...) that are saved with the checkpoint.
    """

    G: nn.Module
    D: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    seed: int = 0
    step: int = 0
    history: LossHistory = field(default_factory=LossHistory)
    data_gen: torch.Generator | None = None
    noise_gen: torch.Generator | None = None
    rng: np.random.Generator | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.data_gen is None:
            self.data_gen = _seeded(self.seed)
        if self.noise_gen is None:
            self.noise_gen = _seeded(self.seed + 1)
        if self.rng is None:
            self.rng = np.random.default_rng(self.seed + 2)

    @property
    def latent_dim(self) -> int:
        return int(self.G.latent_dim)

    @property
    def device(self) -> torch.device:
        return next(self.G.parameters()).device

    def noise(self, n: int) -> Tensor:
        """``(n, latent_dim)`` standard normal noise from ``noise_gen`` (advances it)."""
        return torch.randn(n, self.latent_dim, generator=self.noise_gen).to(self.device)

    def fixed_noise(self, n: int, seed: int | None = None) -> Tensor:
        """The same ``(n, latent_dim)`` noise on every call (for sample grids over training).

        Uses its own generator, so calling it does not change the run's random stream.
        """
        g = _seeded(self.seed + 1000 if seed is None else seed)
        return torch.randn(n, self.latent_dim, generator=g).to(self.device)


def new_state(
    G: nn.Module,
    D: nn.Module,
    lr_g: float = 2e-4,
    lr_d: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    seed: int = 0,
    **extra: Any,
) -> GANState:
    """A :class:`GANState` with DCGAN Adam optimisers (``betas=(0.5, 0.999)``)."""
    opt_g, opt_d = make_optimizers(G, D, lr_g, lr_d, betas)
    return GANState(G, D, opt_g, opt_d, seed=seed, extra=dict(extra))


def train_step(
    G: Callable[[Tensor], Tensor],
    D: Callable[[Tensor], Tensor],
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    real: Tensor,
    z: Tensor,
    loss: str = "bce",
    *,
    targets: tuple[float, float] = (1.0, 0.0),
    ema: Any | None = None,
) -> dict[str, float]:
    """One discriminator step, then one generator step; returns ``{'d': ..., 'g': ...}``.

    ``real``: ``(B, 1, F, T)`` in [-1, 1]; ``z``: ``(B, latent_dim)``. ``loss`` is a kind
    from :mod:`gan_tutorial.torch.losses` (``"bce"`` = logits + non-saturating G loss,
    ``"lsgan"``, ``"hinge"``); ``targets`` = (real, fake) labels of the D loss, e.g.
    ``(0.9, 0.0)`` for one-sided label smoothing. ``ema`` (a
    :class:`gan_tutorial.torch.tricks.EMA`) is updated after the G step. ``G`` and ``D``
    may be any callables, e.g. ``functools.partial(progressive_G, stage=s, alpha=a)``.

    The fakes are computed once and used by both updates: G has not changed between them,
    so recomputing ``G(z)`` would give the same values and gradients for one more forward
    pass. The G update scores them with the *updated* D.
    """
    real_t, fake_t = targets
    fake = G(z)  # (B, 1, F, T)

    # 1. discriminator: real -> real_t, generated -> fake_t. detach(): no gradient into G
    ld = d_loss(loss, D(real), D(fake.detach()), real_t, fake_t)
    opt_d.zero_grad(set_to_none=True)
    ld.backward()
    opt_d.step()

    # 2. generator: make the updated discriminator call the same fakes real
    lg = g_loss(loss, D(fake))
    opt_g.zero_grad(set_to_none=True)
    lg.backward()
    opt_g.step()
    if ema is not None:
        ema.update(G)
    return {"d": ld.item(), "g": lg.item()}


# --------------------------------------------------------------------------- checkpoints
def _payload(state: GANState) -> dict[str, Any]:
    return {
        "format": CHECKPOINT_FORMAT,
        "step": int(state.step),
        "seed": int(state.seed),
        "generator": state.G.state_dict(),
        "discriminator": state.D.state_dict(),
        "opt_g": state.opt_g.state_dict(),
        "opt_d": state.opt_d.state_dict(),
        "history": state.history.state_dict(),
        "rng": {
            "torch": torch.get_rng_state(),
            "data": state.data_gen.get_state(),
            "noise": state.noise_gen.get_state(),
            # PCG64's 128-bit integers as JSON text: plain data for weights_only loading
            "numpy": json.dumps(state.rng.bit_generator.state),
        },
        "meta": {
            "generator_class": type(state.G).__name__,
            "discriminator_class": type(state.D).__name__,
            "extra_json": json.dumps(state.extra),
        },
    }


def save_checkpoint(path: str | os.PathLike, state: GANState) -> Path:
    """Save ``state`` to ``path`` atomically; returns the path.

    ``torch.save`` serialises into memory; :func:`gan_tutorial.audio.atomic_write_bytes`
    writes a temporary file in the same folder, flushes it to disk and renames it over
    ``path`` with ``os.replace`` (atomic on one filesystem). A crash or an exception while
    saving leaves the previous checkpoint untouched and no temporary file behind.
    """
    buf = io.BytesIO()
    torch.save(_payload(state), buf)
    return atomic_write_bytes(path, buf.getvalue())


def read_checkpoint(
    path: str | os.PathLike,
    fmt: str = CHECKPOINT_FORMAT,
    keys: tuple[str, ...] = _KEYS,
    fix: str = "save checkpoints with gan_tutorial.torch.training.save_checkpoint.",
) -> dict[str, Any]:
    """The raw checkpoint dict, loaded with ``weights_only=True``; FileProblem if unusable.

    ``fmt`` is the expected ``"format"`` entry and ``keys`` the entries it must hold (the
    defaults are this module's; chapter 25's trainer passes its own); ``fix`` is the advice
    printed when the file is another kind of checkpoint.
    """
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
    missing = [k for k in keys if not isinstance(ckpt, dict) or k not in ckpt]
    if missing or ckpt.get("format") != fmt:
        raise FileProblem(
            path, f"is not a {fmt} checkpoint (missing {missing or ['format']}).", fix
        )
    return ckpt


def load_checkpoint(path: str | os.PathLike, state: GANState) -> GANState:
    """Restore models, optimisers, step, history and all RNG states into ``state``.

    Build ``state`` with the same architectures first (e.g. ``Generator(size=64)``); the
    generators are restored in place, so iterators made from ``state.data_gen`` (see
    :func:`gan_tutorial.torch.data.batches`) continue exactly. Returns ``state``.
    """
    ckpt = read_checkpoint(path)
    try:
        state.G.load_state_dict(ckpt["generator"])
        state.D.load_state_dict(ckpt["discriminator"])
        state.opt_g.load_state_dict(ckpt["opt_g"])
        state.opt_d.load_state_dict(ckpt["opt_d"])
    except (RuntimeError, ValueError, KeyError) as exc:
        raise FileProblem(
            path,
            f"does not match these models/optimisers ({exc}).",
            "build G, D and the optimisers exactly as in the run that saved it "
            "(same size, base_channels, latent_dim, hidden).",
        ) from exc
    state.step = int(ckpt["step"])
    state.seed = int(ckpt.get("seed", state.seed))
    state.history.load_state_dict(ckpt["history"])
    rng = ckpt["rng"]
    torch.set_rng_state(rng["torch"])
    state.data_gen.set_state(rng["data"])
    state.noise_gen.set_state(rng["noise"])
    state.rng.bit_generator.state = json.loads(rng["numpy"])
    state.extra.update(json.loads(ckpt.get("meta", {}).get("extra_json", "{}")))
    return state


# --------------------------------------------------------------------------- the loop
def fit(
    state: GANState,
    data: np.ndarray | Tensor | Iterator,
    steps: int,
    *,
    batch_size: int = 32,
    loss: str = "bce",
    targets: tuple[float, float] = (1.0, 0.0),
    ema: Any | None = None,
    step_fn: StepFn | None = None,
    checkpoint_path: str | os.PathLike | None = None,
    checkpoint_every: int = 0,
    resume: bool = True,
    sample_every: int = 0,
    on_sample: Callable[[GANState], None] | None = None,
    plot: LivePlot | None = None,
    plot_every: int = 25,
    progress: bool = True,
) -> GANState:
    """Train until ``state.step == steps`` (a total, so a resumed run finishes the same job).

    ``data``: an ``(N, F, T)`` array/tensor (batched with ``state.data_gen``, which makes
    resuming exact) or any iterator of ``(B, 1, F, T)`` batches. ``step_fn(state, batch)``
    does one optimisation step and returns its losses (default: :func:`train_step` with
    ``loss``, ``targets``, ``ema`` and ``state.noise``). If ``checkpoint_path`` exists and
    ``resume``, training continues from it; a checkpoint is written every
    ``checkpoint_every`` steps and at the end. Every loss is checked with
    :func:`gan_tutorial.training.check_finite`: a NaN raises
    :class:`~gan_tutorial.errors.TrainingDiverged` *before* anything is saved.
    ``on_sample(state)`` runs every ``sample_every`` steps (use ``state.fixed_noise`` there,
    not ``state.noise``, so that sampling does not change the training stream).
    """
    from tqdm.auto import tqdm

    last_good: str | None = None
    if checkpoint_path is not None and resume and Path(checkpoint_path).exists():
        load_checkpoint(checkpoint_path, state)
        last_good = f"{checkpoint_path} (step {state.step})"
        if progress:
            tqdm.write(f"resumed from {last_good}")
    if isinstance(data, np.ndarray | Tensor):
        data = batches(data, batch_size, state.data_gen)
    if step_fn is None:

        def step_fn(s: GANState, batch: Any) -> dict[str, float]:
            real = (batch[0] if isinstance(batch, tuple | list) else batch).to(s.device)
            z = s.noise(len(real))
            return train_step(s.G, s.D, s.opt_g, s.opt_d, real, z, loss, targets=targets, ema=ema)

    state.G.train()
    state.D.train()
    with tqdm(total=steps, initial=state.step, disable=not progress, desc="GAN") as bar:
        while state.step < steps:
            losses = step_fn(state, next(data))
            values = check_finite(state.step + 1, checkpoint=last_good, **losses)
            state.step += 1
            state.history.append(state.step, **values)
            bar.update(1)
            if state.step % 10 == 0 or state.step == steps:
                bar.set_postfix({k: f"{v:.3f}" for k, v in values.items()}, refresh=False)
            if checkpoint_path is not None and (
                every(state.step, checkpoint_every) or state.step == steps
            ):
                save_checkpoint(checkpoint_path, state)
                last_good = f"{checkpoint_path} (step {state.step})"
            if on_sample is not None and every(state.step, sample_every):
                on_sample(state)
                state.G.train()
                state.D.train()
            if plot is not None and (every(state.step, plot_every) or state.step == steps):
                plot.update(state.history)
    return state
