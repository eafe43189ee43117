"""PyTorch GAN training: the run's state, chapter 22's step and :func:`fit`, the one loop.

Every PyTorch GAN of the course trains through :func:`fit` with its own step function:
chapter 22's DCGAN and LSTM generator (:func:`train_step`, the default), chapter 23's
progressive GAN, chapter 22c's MuseGAN (:func:`gan_tutorial.torch.musegan.wgan_gp_step`)
and chapter 25's conditional GAN (:func:`gan_tutorial.torch.cgan.training.train_step`).
So they share:

* **one NaN guard**: every loss goes through :func:`gan_tutorial.training.check_finite`,
  and a NaN stops the run before anything is saved. A step may return its losses as
  scalar tensors on the device; ``fit`` then reads them back every ``check_every`` steps
  in one transfer (one GPU sync instead of one per step) and always before a checkpoint,
  a callback or the end, so a NaN at step ``k`` still stops the run before any checkpoint
  after step ``k`` is written, and the history still holds every step;
* **one time guard**: ``max_seconds`` counts *seconds of training in this call*, the
  time spent drawing batches and in the step function. Checkpoints, callbacks (sampling,
  evaluation) and plots do not count, so a machine that evaluates more does not train
  less. ``state.extra["train_seconds"]`` adds the training seconds of every call and
  resume; ``state.extra["stopped_early"]`` says whether the guard stopped this call. A
  guard-stopped run goes on for another ``max_seconds`` when the same call runs again
  (a notebook's ``FRESH = False``, or the same command line);
* **one EMA** (:class:`gan_tutorial.torch.tricks.EMA`, ``state.ema``);
* **one checkpoint format** (:mod:`gan_tutorial.torch.checkpoint`) and exact resume:
  everything random in a run is drawn from generators held by :class:`GANState` and
  saved in its checkpoint (batch indices from ``state.data_gen``, noise from
  ``state.noise_gen``, a numpy generator ``state.rng`` and torch's global generator), so
  ``fit`` for 2N steps gives the same weights as ``fit`` for N steps, a save, a load into
  freshly built models, and N more steps.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, cast

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel
from tqdm.auto import tqdm

from ..training import LivePlot, LossHistory, check_finite, every
from .checkpoint import load_checkpoint, save_checkpoint
from .data import batches
from .losses import d_loss, g_loss
from .tricks import EMA, make_optimizers

__all__ = [
    "GANState",
    "fit",
    "latent_dim",
    "load_checkpoint",
    "new_state",
    "save_checkpoint",
    "train_step",
]

StepFn = Callable[[Any, Any], Mapping[str, float | Tensor]]


def _seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def latent_dim(G: nn.Module) -> int:
    """The size of ``G``'s noise vector (every generator of the course stores it)."""
    return cast(int, G.latent_dim)


def unwrap(model: nn.Module) -> nn.Module:
    """The plain model inside a ``DistributedDataParallel`` wrapper (or the model itself)."""
    return model.module if isinstance(model, DistributedDataParallel) else model


@dataclass
class GANState:
    """Everything a GAN run needs to continue exactly where it stopped.

    ``G`` maps ``(B, latent_dim)`` noise (and, for a conditional GAN, labels) to
    ``(B, 1, F, T)``; ``D`` maps that to logits ``(B, 1)``; either may be wrapped in
    ``DistributedDataParallel``. ``step`` counts completed steps. ``ema`` (optional) is
    the averaged generator. ``extra`` holds JSON-able notes (profile, training seconds,
    ...) that are saved with the checkpoint.
    """

    G: nn.Module
    D: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    seed: int = 0
    step: int = 0
    history: LossHistory = field(default_factory=LossHistory)
    extra: dict[str, Any] = field(default_factory=dict)
    ema: EMA | None = None
    data_gen: torch.Generator = field(init=False)
    noise_gen: torch.Generator = field(init=False)
    rng: np.random.Generator = field(init=False)

    # config() entries a resumed run may change, and the advice when a checkpoint differs
    resumable: ClassVar[tuple[str, ...]] = ()
    checkpoint_fix: ClassVar[str] = (
        "build G, D and the optimisers exactly as in the run that saved it (same size, "
        "base_channels, latent_dim, hidden), or delete the file to start afresh."
    )

    def __post_init__(self) -> None:
        self.data_gen = _seeded(self.seed)
        self.noise_gen = _seeded(self.seed + 1)
        self.rng = np.random.default_rng(self.seed + 2)

    @property
    def generator(self) -> nn.Module:
        """The plain generator (unwrapped from DDP)."""
        return unwrap(self.G)

    @property
    def discriminator(self) -> nn.Module:
        """The plain discriminator (unwrapped from DDP)."""
        return unwrap(self.D)

    @property
    def sampler(self) -> nn.Module:
        """What to sample from: the EMA generator, or the plain one without an EMA."""
        return self.ema.module if self.ema is not None else self.generator

    @property
    def latent_dim(self) -> int:
        return latent_dim(self.generator)

    @property
    def device(self) -> torch.device:
        return next(self.G.parameters()).device

    def to(self, device: torch.device | str) -> GANState:
        """Move G, D and the EMA to ``device`` (in place); returns the state."""
        for m in (self.G, self.D, None if self.ema is None else self.ema.module):
            if m is not None:
                m.to(device)
        return self

    def config(self) -> dict[str, Any]:
        """JSON-able description of how the run was built; a checkpoint must match it
        (except the :attr:`resumable` entries) to be resumed."""
        return {
            "generator": type(self.generator).__name__,
            "discriminator": type(self.discriminator).__name__,
        }

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
    ema: EMA | None = None,
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
        ema.update(G)  # type: ignore[arg-type]  # G is the module itself when an EMA is kept
    return {"d": ld.item(), "g": lg.item()}


def _default_step(loss: str, targets: tuple[float, float]) -> StepFn:
    """:func:`train_step` on one batch of real clips, with noise from ``state.noise``."""

    def step(s: GANState, batch: Any) -> dict[str, float]:
        real = (batch[0] if isinstance(batch, tuple | list) else batch).to(s.device)
        z = s.noise(len(real))
        return train_step(s.G, s.D, s.opt_g, s.opt_d, real, z, loss, targets=targets, ema=s.ema)

    return step


class _Pending:
    """Losses of steps not yet checked: :meth:`flush` reads them back in one transfer,
    checks them in step order (:func:`check_finite`) and appends them to the history."""

    def __init__(self, state: GANState, bar: Any) -> None:
        self.state, self.bar = state, bar
        self.last_good: str | None = None  # the last checkpoint written or resumed from
        self.steps: list[int] = []
        self.losses: list[Mapping[str, float | Tensor]] = []

    def __len__(self) -> int:
        return len(self.steps)

    def add(self, step: int, losses: Mapping[str, float | Tensor]) -> None:
        self.steps.append(step)
        self.losses.append(losses)

    def flush(self) -> None:
        tensors = [v for ls in self.losses for v in ls.values() if isinstance(v, Tensor)]
        # one device-to-host copy for all of them (a float is kept as it is)
        read = iter(torch.stack([t.detach().float() for t in tensors]).tolist() if tensors else [])
        values: dict[str, float] = {}
        for step, ls in zip(self.steps, self.losses, strict=True):
            raw = {k: next(read) if isinstance(v, Tensor) else v for k, v in ls.items()}
            values = check_finite(step, checkpoint=self.last_good, **raw)
            self.state.history.append(step, **values)
        if values and self.bar is not None:
            self.bar.update(self.steps[-1] - self.bar.n)
            self.bar.set_postfix({k: f"{v:.3f}" for k, v in values.items()}, refresh=False)
        self.steps, self.losses = [], []


def fit(
    state: GANState,
    data: np.ndarray | Tensor | Iterator,
    steps: int,
    *,
    batch_size: int = 32,
    loss: str = "bce",
    targets: tuple[float, float] = (1.0, 0.0),
    ema: EMA | None = None,
    step_fn: StepFn | None = None,
    max_seconds: float | None = None,
    checkpoint_path: str | os.PathLike | None = None,
    checkpoint_every: int = 0,
    resume: bool = True,
    sample_every: int = 0,
    sample_every_s: float = 0.0,
    on_sample: Callable[[Any], None] | None = None,
    plot: LivePlot | None = None,
    plot_every: int = 25,
    progress: bool = True,
    rank: int = 0,
    desc: str = "GAN",
    check_every: int = 1,
) -> GANState:
    """Train until ``state.step == steps`` (a total, so a resumed run finishes the same job)
    or until the time guard: ``max_seconds`` of training in this call (``None`` or 0: no
    guard; see the module docstring for what counts).

    ``data``: an ``(N, F, T)`` array/tensor (batched with ``state.data_gen``, which makes
    resuming exact) or any iterator of batches, drawn once per step. ``step_fn(state,
    batch)`` does one optimisation step and returns its losses (default:
    :func:`train_step` with ``loss``, ``targets``, ``state.ema`` and ``state.noise``);
    ``ema``, if given, becomes ``state.ema`` (checkpointed with the run). If
    ``checkpoint_path`` exists and ``resume``, training continues from it; a checkpoint is
    written every ``checkpoint_every`` steps and when training stops. Every loss is
    checked with :func:`gan_tutorial.training.check_finite`: a NaN raises
    :class:`~gan_tutorial.errors.TrainingDiverged` *before* anything is saved.
    Losses returned as tensors are read back every ``check_every`` steps (see the module
    docstring); the error names the first step whose loss was not finite.
    ``on_sample(state)`` runs every ``sample_every`` steps and every ``sample_every_s``
    seconds of training (use ``state.fixed_noise`` there, not ``state.noise``, so that
    sampling does not change the training stream). ``rank``: in a distributed run only
    rank 0 writes checkpoints and shows progress.
    """
    if check_every < 1:
        raise ValueError(f"check_every must be >= 1, got {check_every}")
    writer = rank == 0
    if ema is not None:
        state.ema = ema
    pending = _Pending(state, None)
    if checkpoint_path is not None and resume and Path(checkpoint_path).exists():
        load_checkpoint(checkpoint_path, state)
        pending.last_good = f"{checkpoint_path} (step {state.step})"
        if progress and writer:
            tqdm.write(f"resumed from {pending.last_good}")
    batch_iter = (
        batches(data, batch_size, state.data_gen) if isinstance(data, np.ndarray | Tensor) else data
    )
    step = step_fn or _default_step(loss, targets)
    limit = max_seconds or math.inf
    before = float(state.extra.get("train_seconds", 0.0))
    spent, next_sample_s = 0.0, sample_every_s
    state.extra["stopped_early"] = False
    state.G.train()
    state.D.train()
    with tqdm(
        total=steps, initial=state.step, disable=not progress or not writer, desc=desc
    ) as bar:
        pending.bar = bar
        while state.step < steps and spent < limit:
            t0 = time.perf_counter()
            losses = step(state, next(batch_iter))
            spent += time.perf_counter() - t0
            state.step += 1
            pending.add(state.step, losses)
            state.extra["train_seconds"] = before + spent
            done = state.step >= steps or spent >= limit
            state.extra["stopped_early"] = done and state.step < steps
            save = (
                checkpoint_path is not None
                and writer
                and (every(state.step, checkpoint_every) or done)
            )
            timed = sample_every_s > 0 and spent >= next_sample_s
            sample = on_sample is not None and (every(state.step, sample_every) or timed)
            show = plot is not None and (every(state.step, plot_every) or done)
            if done or save or sample or show or len(pending) >= check_every:
                pending.flush()  # raises TrainingDiverged before anything below is saved
            if save:
                assert checkpoint_path is not None
                save_checkpoint(checkpoint_path, state)
                pending.last_good = f"{checkpoint_path} (step {state.step})"
            if sample:
                assert on_sample is not None
                on_sample(state)
                next_sample_s = spent + sample_every_s
                state.G.train()
                state.D.train()
            if show:
                assert plot is not None
                plot.update(state.history)
    return state
