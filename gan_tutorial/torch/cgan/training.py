"""Training the chapter-25 conditional GAN (and chapter 26's two-channel one, the same
networks on log magnitude and instantaneous frequency): the run (its settings:
:mod:`.settings`), one step and :func:`train`, which runs that step through
:func:`gan_tutorial.torch.training.fit` (the course's one loop: time guard, NaN guard,
checkpoints, exact resume). Works in one process or under DistributedDataParallel.

Randomness is a pure function of ``(seed, rank, step)``: the real batch of step ``s`` is a
slice of a :class:`torch.utils.data.DistributedSampler` permutation (seeded with ``seed``,
epoch ``s // steps_per_epoch``), and the noise, fake labels and time shifts come from a
generator seeded with ``numpy.random.SeedSequence([seed, rank, s])``. So a resumed run
repeats an uninterrupted one exactly, and every rank of a distributed run draws different
noise (documented per-rank seeds) while all ranks start from the same weights (seeded with
``seed``; DDP also broadcasts rank 0's).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F
from torch.utils.data import DistributedSampler, TensorDataset

from ..checkpoint import START_AFRESH
from ..losses import d_loss, g_loss
from ..training import GANState, fit
from ..tricks import EMA, make_optimizers, mode_seeking_term, set_requires_grad
from .data import REPRESENTATIONS, CGANData, instrument_targets, on_device, velocity_targets
from .model import CondDiscriminator, CondGenerator, time_shift
from .settings import IF_CHANGES, CGANSettings, settings_for

__all__ = [  # CGANSettings, IF_CHANGES and settings_for are .settings', here for short imports
    "CHECK_EVERY",
    "IF_CHANGES",
    "CGANRun",
    "CGANSettings",
    "batch_inputs",
    "build_run",
    "run_for",
    "settings_for",
    "step_seed",
    "train",
    "train_step",
]


CHECK_EVERY = 50  # steps between reads of the losses (one GPU sync each), see train()


@dataclass
class CGANRun(GANState):
    """A :class:`~gan_tutorial.torch.training.GANState` with the run's settings
    (``G``/``D`` may be DDP-wrapped; ``ema`` is None when ``settings.ema_decay == 0``) and
    the ``representation`` of the data it trains on (``"mel"`` or ``"if"``,
    :data:`.data.REPRESENTATIONS`)."""

    settings: CGANSettings = field(default_factory=CGANSettings)
    representation: str = "mel"

    resumable: ClassVar[tuple[str, ...]] = ("steps", "time_limit_s")  # may train longer
    checkpoint_fix: ClassVar[str] = (
        "resume with the same --profile and settings as the run that saved it, or " + START_AFRESH
    )

    def config(self) -> dict[str, Any]:
        """The settings, plus what the run's data looks like: ``channels``, ``shape`` (F, T)
        and ``representation``. A checkpoint of another kind of data is refused by name
        (checkpoints from before these entries are compared on the settings alone, and
        their weights' shapes still have to fit)."""
        channels, shape, representation = self.built_for()
        return {
            **super().config(),
            **self.settings.as_dict(),
            "channels": channels,
            "shape": list(shape),
            "representation": representation,
            "n_instruments": cast(CondDiscriminator, self.discriminator).n_instruments,
            "n_velocities": cast(CondDiscriminator, self.discriminator).n_velocities,
        }

    def built_for(self) -> tuple[int, tuple[int, int], str]:
        """``(channels, (F, T), representation)`` of the spectrograms the run models."""
        G = cast(CondGenerator, self.generator)
        return G.channels, G.shape, self.representation


def build_run(
    settings: CGANSettings,
    n_pitches: int,
    n_families: int,
    size: int | tuple[int, int] = 64,
    seed: int = 0,
    *,
    channels: int = 1,
    representation: str | None = None,
    n_instruments: int = 0,
    n_velocities: int = 0,
) -> CGANRun:
    """Fresh models (initialised from ``seed``), Adam optimisers and EMA.

    ``size``: ``F = T`` or ``(F, T)``; ``channels``: of the spectrograms;
    ``representation`` defaults to the one with that many channels (1: ``"mel"``, 2:
    ``"if"``); ``n_instruments > 0`` gives D an instrument head (when
    ``settings.instrument_weight > 0``), ``n_velocities > 0`` a velocity head (when
    ``settings.velocity_weight > 0``). :func:`run_for` takes them from the data."""
    if representation is None:
        representation = next((r for r, c in REPRESENTATIONS.items() if c == channels), "")
    if REPRESENTATIONS.get(representation) != channels:
        raise ValueError(
            f"channels={channels} and representation={representation!r} do not fit: "
            f"{', '.join(f'{r!r} has {c}' for r, c in REPRESENTATIONS.items())}"
        )
    torch.manual_seed(seed)
    nf = n_families if settings.condition_family else 0
    G = CondGenerator(n_pitches, nf, settings.latent_dim, size, settings.base_g, channels=channels)
    D = CondDiscriminator(
        n_pitches,
        nf,
        size,
        settings.base_d,
        settings.mbstd_group,
        settings.spectral_norm,
        channels=channels,
        n_instruments=n_instruments if settings.instrument_weight > 0 else 0,
        pitch_head=settings.pitch_weight > 0,
        n_velocities=n_velocities if settings.velocity_weight > 0 else 0,
    )
    opt_g, opt_d = make_optimizers(G, D, settings.lr_g, settings.lr_d, settings.betas)
    ema = EMA(G, settings.ema_decay, warmup=True) if settings.ema_decay > 0 else None
    return CGANRun(
        G, D, opt_g, opt_d, seed=seed, ema=ema, settings=settings, representation=representation
    )


def run_for(settings: CGANSettings, data: CGANData, seed: int = 0) -> CGANRun:
    """:func:`build_run` for ``data``: its labels, spectrogram shape, channels and
    representation."""
    return build_run(
        settings,
        len(data.pitches),
        len(data.family_names),
        data.shape,
        seed,
        channels=data.channels,
        representation=data.representation,
        n_instruments=data.n_instruments,
        n_velocities=data.n_velocities,
    )


def step_seed(seed: int, rank: int, step: int) -> int:
    """The seed of rank ``rank``'s noise, fake labels and shifts at step ``step``."""
    return int(np.random.SeedSequence([seed, rank, step]).generate_state(1)[0])


def batch_inputs(
    data: CGANData, settings: CGANSettings, seed: int, step: int, rank: int = 0, world: int = 1
) -> dict[str, Tensor]:
    """Everything step ``step`` of rank ``rank`` consumes (a pure function of its arguments).

    Real clips: positions ``[k*B, (k+1)*B)`` of a ``DistributedSampler`` permutation for
    epoch ``step // steps_per_epoch`` (``drop_last=True``). Fake labels are those of
    randomly drawn training clips (the data's own label distribution); with the
    mode-seeking term on they come in identical pairs ``(0, 1), (2, 3), ...``, each pair
    with two different z.
    """
    b = settings.batch_size
    paired = settings.mode_seeking > 0
    if paired and b % 2:
        raise ValueError(f"the mode-seeking term needs an even batch_size, got {b}")
    order = _epoch_order(len(data), world, rank, seed, step, b)
    k = step % (len(order) // b)
    idx = order[k * b : (k + 1) * b]
    gen = torch.Generator().manual_seed(step_seed(seed, rank, step))
    if paired:
        fake_idx = torch.randint(len(data), (b // 2,), generator=gen).repeat_interleave(2)
    else:
        fake_idx = torch.randint(len(data), (b,), generator=gen)
    s = settings.max_shift
    z = torch.randn(b, settings.latent_dim, generator=gen)
    shift_real = torch.randint(-s, s + 1, (b,), generator=gen)
    shift_fake = torch.randint(-s, s + 1, (b,), generator=gen)
    extra: dict[str, Tensor] = {}  # the heads' targets (real clips', and what z asks for)
    if settings.instrument_weight > 0 and data.instrument is not None:
        extra |= instrument_targets(data, idx, fake_idx, z)
    if settings.velocity_weight > 0 and data.velocity is not None:
        extra |= velocity_targets(data, idx, z)
    # drawn on the CPU (the same numbers on every device), then one copy of the indices and
    # one of the noise to where the data lives (a no-op on the CPU)
    dev = data.x.device
    ints = torch.cat([idx, fake_idx, shift_real, shift_fake]).to(dev, non_blocking=True)
    idx, fake_idx, shift_real, shift_fake = ints.split(b)
    return {
        **extra,
        "real": data.x[idx],
        "real_pitch": data.pitch[idx],
        "real_family": data.family[idx],
        "z": z.to(dev, non_blocking=True),
        "fake_pitch": data.pitch[fake_idx],
        "fake_family": data.family[fake_idx],
        "shift_real": shift_real,
        "shift_fake": shift_fake,
    }


@functools.lru_cache(maxsize=4)
def _epoch_sampler_order(n: int, world: int, rank: int, seed: int, epoch: int) -> Tensor:
    """This rank's clip order in ``epoch``: a ``DistributedSampler`` permutation
    (``drop_last=True``), computed once per epoch instead of once per step."""
    sampler: DistributedSampler = DistributedSampler(  # it only reads the data's length
        TensorDataset(torch.empty(n)), world, rank, shuffle=True, seed=seed, drop_last=True
    )
    sampler.set_epoch(epoch)
    return torch.tensor(list(sampler), dtype=torch.long)


def _epoch_order(n: int, world: int, rank: int, seed: int, step: int, b: int) -> Tensor:
    per_epoch = (n // world) // b  # len(DistributedSampler) with drop_last is n // world
    if per_epoch < 1:
        raise ValueError(f"batch_size {b} x {world} processes exceeds the {n} clips")
    return _epoch_sampler_order(n, world, rank, seed, step // per_epoch)


def train_step(
    run: CGANRun, inputs: dict[str, Tensor], clock: Callable[[str], None] | None = None
) -> dict[str, Tensor]:
    """One D step on real + fake (one forward on both), one G step, one EMA update. D sees
    real and fake through the step's time shifts; G's step reuses the fake ones.

    Returns the detached scalar losses ``{"d", "g"}`` on the models' device (no sync:
    :func:`~gan_tutorial.torch.training.fit` reads them back every ``check_every``
    steps). ``clock(phase)``, if given, is called at the end of each phase ("data",
    "forward_backward", "optimiser") to time it (:mod:`gan_tutorial.torch.bench`).
    """
    tick = clock or _no_clock
    dev = next(run.generator.parameters()).device
    x = {k: v.to(dev) for k, v in inputs.items()}
    tick("data")
    fam = run.settings.condition_family
    rf, ff = (x["real_family"], x["fake_family"]) if fam else (None, None)
    fake = run.G(x["z"], x["fake_pitch"], ff)
    both = torch.cat(
        [time_shift(x["real"], x["shift_real"]), time_shift(fake.detach(), x["shift_fake"])]
    )
    labels_p = torch.cat([x["real_pitch"], x["fake_pitch"]])
    labels_f = torch.cat([rf, ff]) if rf is not None and ff is not None else None
    b = len(fake)
    targets_real, targets_fake, weights = _aux_targets(run.settings, x)  # D has these heads
    logits, aux = run.D(both, labels_p, labels_f, heads=True)
    ld = d_loss(run.settings.loss, logits[:b], logits[b:])
    for k, w in weights.items():  # the heads learn real clips' labels only
        ld = ld + w * F.cross_entropy(aux[k][:b], targets_real[k])
    run.opt_d.zero_grad(set_to_none=True)
    ld.backward()
    tick("forward_backward")
    run.opt_d.step()
    tick("optimiser")

    D = run.discriminator  # unwrapped: G's step must not all-reduce D's gradients
    set_requires_grad(D, False)
    logits_g, aux_g = D(time_shift(fake, x["shift_fake"]), x["fake_pitch"], ff, heads=True)
    lg = g_loss(run.settings.loss, logits_g)
    for k, w in weights.items():  # G makes what was asked (the instrument: what z asks for)
        lg = lg + w * F.cross_entropy(aux_g[k], targets_fake[k])
    if run.settings.mode_seeking > 0:
        lg = lg + run.settings.mode_seeking * mode_seeking_term(fake, x["z"])
    run.opt_g.zero_grad(set_to_none=True)
    lg.backward()
    tick("forward_backward")
    run.opt_g.step()
    set_requires_grad(D, True)
    if run.ema is not None:
        run.ema.update(run.generator)
    tick("optimiser")
    return {"d": ld.detach(), "g": lg.detach()}


def _aux_targets(
    settings: CGANSettings, x: dict[str, Tensor]
) -> tuple[dict[str, Tensor], dict[str, Tensor], dict[str, float]]:
    """``(real targets, fake targets, weights)`` of the auxiliary heads this step trains:
    pitch (if ``pitch_weight > 0``), instrument and velocity (if their weight is above 0
    and the data has their labels)."""
    real, fake, w = {}, {}, {}
    if settings.pitch_weight > 0:
        real["pitch"], fake["pitch"], w["pitch"] = (
            x["real_pitch"],
            x["fake_pitch"],
            settings.pitch_weight,
        )
    for head, weight in (
        ("instrument", settings.instrument_weight),
        ("velocity", settings.velocity_weight),
    ):
        if weight > 0 and f"real_{head}" in x:
            real[head], fake[head], w[head] = x[f"real_{head}"], x[f"fake_{head}"], weight
    return real, fake, w


def _check_fits(run: CGANRun, data: CGANData) -> None:
    """ValueError unless ``data`` is what ``run`` was built for."""
    built = run.built_for()
    given = (data.channels, data.shape, data.representation)
    if built != given:
        raise ValueError(
            f"the run was built for {built[0]}-channel {built[1][0]} x {built[1][1]} "
            f"{built[2]!r} spectrograms, the data is {given[0]}-channel {given[1][0]} x "
            f"{given[1][1]} {given[2]!r}: build the run with run_for(settings, data)"
        )
    D = cast(CondDiscriminator, run.discriminator)
    for head, weight, has, want in (
        ("instrument", run.settings.instrument_weight, D.n_instruments, data.n_instruments),
        ("velocity", run.settings.velocity_weight, D.n_velocities, data.n_velocities),
    ):
        need = want if weight > 0 else 0
        if has != need:
            raise ValueError(
                f"the discriminator's {head} head has {has} classes, the data and settings "
                f"need {need}: build the run with run_for(settings, data)"
            )


def _no_clock(phase: str) -> None:
    """The default clock of :func:`train_step`: times nothing."""


def _inputs(run: CGANRun, data: CGANData, rank: int, world: int) -> Iterator[dict[str, Tensor]]:
    """Endless :func:`batch_inputs` of the run's current step (read when each is drawn,
    so the stream also fits a run that fit has just resumed)."""
    while True:
        yield batch_inputs(data, run.settings, run.seed, run.step, rank, world)


def train(
    run: CGANRun,
    data: CGANData,
    steps: int | None = None,
    *,
    rank: int = 0,
    world: int = 1,
    checkpoint_path: str | os.PathLike | None = None,
    checkpoint_every: int = 500,
    callback: Callable[[CGANRun, float], None] | None = None,
    callback_every_s: float = 0.0,
    progress: bool = True,
    check_every: int = CHECK_EVERY,
) -> CGANRun:
    """Train until ``run.step == steps`` (default ``settings.steps``) or the time guard
    (``settings.time_limit_s`` seconds of training in this call), resuming from
    ``checkpoint_path`` if it exists (its settings must match, except steps and the guard).

    ``callback(run, train_seconds)`` runs every ``callback_every_s`` seconds of training
    (its own time is not counted) and once at the end: use it to evaluate. Only rank 0
    writes checkpoints (every ``checkpoint_every`` steps and at the end) and shows
    progress. A non-finite loss stops the run (:func:`gan_tutorial.training.check_finite`):
    the losses stay on the device and are read back every ``check_every`` steps and
    before every checkpoint or callback, so no checkpoint after a NaN is written. The
    clips and labels are moved to the models' device once (:func:`on_device`). Data of
    another shape, number of channels or representation than the run was built for is a
    ValueError (:func:`run_for` builds a run that fits).
    """
    _check_fits(run, data)
    run.extra["data"] = data.describe()
    data = on_device(data, run.device)
    called_at: list[int] = []

    def on_sample(r: CGANRun) -> None:
        assert callback is not None
        callback(r, float(r.extra.get("train_seconds", 0.0)))
        called_at.append(r.step)

    fit(
        run,
        _inputs(run, data, rank, world),
        run.settings.steps if steps is None else int(steps),
        step_fn=train_step,
        max_seconds=run.settings.time_limit_s,
        checkpoint_path=checkpoint_path,
        checkpoint_every=checkpoint_every,
        sample_every_s=callback_every_s,
        on_sample=None if callback is None else on_sample,
        progress=progress,
        rank=rank,
        desc="cGAN",
        check_every=check_every,
    )
    if callback is not None and called_at[-1:] != [run.step]:  # the last step's evaluation
        on_sample(run)
        run.G.train()
        run.D.train()
    return run
