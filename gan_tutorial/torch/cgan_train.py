"""Training the chapter-25 conditional GAN: settings per profile, data, one step, the loop,
atomic checkpoints and exact resume. Works in one process or under DistributedDataParallel.

Randomness is a pure function of ``(seed, rank, step)``: the real batch of step ``s`` is a
slice of a :class:`torch.utils.data.DistributedSampler` permutation (seeded with ``seed``,
epoch ``s // steps_per_epoch``), and the noise, fake labels and time shifts come from a
generator seeded with ``numpy.random.SeedSequence([seed, rank, s])``. Nothing random has
to be saved, so a resumed run repeats an uninterrupted one exactly, and every rank of a
distributed run draws different noise (documented per-rank seeds) while all ranks start
from the same weights (seeded with ``seed``; DDP also broadcasts rank 0's).
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..audio import SpecConfig, SpecNormalizer
from ..errors import FileProblem
from ..io import atomic_write_bytes
from ..training import LossHistory, check_finite
from .cgan import CondDiscriminator, CondGenerator, time_shift
from .losses import d_loss, g_loss
from .training import read_checkpoint
from .tricks import EMA, make_optimizers, mode_seeking_term, set_requires_grad

__all__ = [
    "CHECKPOINT_FORMAT",
    "CGANData",
    "CGANRun",
    "CGANSettings",
    "batch_inputs",
    "build_run",
    "load_cgan_checkpoint",
    "prepare_data",
    "save_cgan_checkpoint",
    "settings_for",
    "step_seed",
    "train",
    "train_step",
]

CHECKPOINT_FORMAT = "gan_tutorial.torch.cgan_checkpoint/1"
_CKPT_KEYS = (
    "format",
    "step",
    "seed",
    "generator",
    "discriminator",
    "ema",
    "opt_g",
    "opt_d",
    "history",
)
_RESUMABLE_CHANGES = ("steps", "time_limit_s")  # a resumed run may train longer
_CKPT_FIX = (
    "resume with the same --profile and settings as the run that saved it, or delete the "
    "file to start afresh."
)


@dataclass(frozen=True)
class CGANSettings:
    """Every choice of a chapter-25 run. The ablation switches one trick off at a time."""

    steps: int = 3000
    batch_size: int = 32  # per process
    latent_dim: int = 64
    base_g: int = 16
    base_d: int = 16
    condition_family: bool = True  # condition on instrument family as well as pitch
    loss: str = "hinge"
    spectral_norm: bool = True
    lr_g: float = 3e-4  # G 1.5x faster than D: better than equal rates in notebook 25's log
    lr_d: float = 2e-4  # TTUR (lr_d = 4 lr_g) measured worse here, see notebook 25
    betas: tuple[float, float] = (0.0, 0.99)
    ema_decay: float = 0.995  # 0 = sample from the raw generator
    mbstd_group: int = 4  # 0 = no minibatch-std layer
    mode_seeking: float = 0.0  # weight of the mode-seeking term (Mao et al. 2019), 0 = off
    max_shift: int = 4  # random time shifts of real and fake, in frames (0 = none)
    time_limit_s: float = 0.0  # wall-clock guard for training (0 = none)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


_PROFILE_SETTINGS = {
    "quick": CGANSettings(steps=40, batch_size=16, base_g=8, base_d=8, time_limit_s=60),
    # 2 CPU cores, 2 threads: 17-20 steps/s in the notebook on a quiet machine -> 6.7 to
    # 7.8 minutes; the guard stops training after 480 s on a slower or busy machine, so
    # that notebook 25 still ends within 12 minutes
    "laptop": CGANSettings(steps=8000, time_limit_s=480),
    "gpu": CGANSettings(
        steps=30000, batch_size=64, base_g=48, base_d=48, latent_dim=128, ema_decay=0.999
    ),
}


def settings_for(profile_name: str, **overrides: Any) -> CGANSettings:
    """The chapter-25 settings of a profile (``quick``/``laptop``/``gpu``), with overrides."""
    if profile_name not in _PROFILE_SETTINGS:
        raise ValueError(f"unknown profile {profile_name!r}; use one of {list(_PROFILE_SETTINGS)}")
    return replace(_PROFILE_SETTINGS[profile_name], **overrides)


@dataclass
class CGANData:
    """Training spectrograms and labels. ``x``: ``(N, 1, F, T)`` float32 in [-1, 1]."""

    x: Tensor
    pitch: Tensor  # (N,) int64 index into ``pitches``
    family: Tensor  # (N,) int64 index into ``family_names``
    pitches: list[int]  # MIDI pitch of each pitch index
    family_names: list[str]
    normalizer: SpecNormalizer
    spec_config: SpecConfig

    def __len__(self) -> int:
        return len(self.x)


def prepare_data(notes: Any, spec_config: SpecConfig) -> CGANData:
    """Spectrograms of an ``NSynthLite`` split via :mod:`.spectral` (torch only, no librosa).

    Labels become indices into the pitches and families present in ``notes``.
    """
    from .spectral import spectrogram_arrays

    x, norm = spectrogram_arrays(notes.audio, spec_config)
    pitches = sorted(int(p) for p in np.unique(notes.pitch))
    families = sorted(int(f) for f in np.unique(notes.family))  # only those present
    p_index = {p: i for i, p in enumerate(pitches)}
    f_index = {f: i for i, f in enumerate(families)}
    return CGANData(
        x=torch.from_numpy(x[:, None]).float(),
        pitch=torch.tensor([p_index[int(p)] for p in notes.pitch], dtype=torch.long),
        family=torch.tensor([f_index[int(f)] for f in notes.family], dtype=torch.long),
        pitches=pitches,
        family_names=[str(notes.family_names[f]) for f in families],
        normalizer=norm,
        spec_config=spec_config,
    )


@dataclass
class CGANRun:
    """Models, optimisers, EMA and progress of one run (``G``/``D`` may be DDP-wrapped)."""

    G: nn.Module
    D: nn.Module
    ema: EMA
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    settings: CGANSettings
    seed: int = 0
    step: int = 0
    history: LossHistory = field(default_factory=LossHistory)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def generator(self) -> nn.Module:
        """The plain generator (unwrapped from DDP)."""
        return getattr(self.G, "module", self.G)

    @property
    def discriminator(self) -> nn.Module:
        return getattr(self.D, "module", self.D)

    @property
    def sampler(self) -> nn.Module:
        """What to sample from: the EMA generator, or the raw one when EMA is off."""
        return self.ema.module if self.settings.ema_decay > 0 else self.generator


def build_run(
    settings: CGANSettings, n_pitches: int, n_families: int, size: int = 64, seed: int = 0
) -> CGANRun:
    """Fresh models (initialised from ``seed``), Adam optimisers and EMA."""
    torch.manual_seed(seed)
    nf = n_families if settings.condition_family else 0
    G = CondGenerator(n_pitches, nf, settings.latent_dim, size, settings.base_g)
    D = CondDiscriminator(
        n_pitches, nf, size, settings.base_d, settings.mbstd_group, settings.spectral_norm
    )
    opt_g, opt_d = make_optimizers(G, D, settings.lr_g, settings.lr_d, settings.betas)
    ema = EMA(G, settings.ema_decay if settings.ema_decay > 0 else 0.0, warmup=True)
    return CGANRun(G, D, ema, opt_g, opt_d, settings, seed=seed)


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
    from torch.utils.data import DistributedSampler

    b = settings.batch_size
    paired = settings.mode_seeking > 0
    if paired and b % 2:
        raise ValueError(f"the mode-seeking term needs an even batch_size, got {b}")
    sampler = DistributedSampler(
        range(len(data)), num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=True
    )
    per_epoch = len(sampler) // b
    if per_epoch < 1:
        raise ValueError(f"batch_size {b} x {world} processes exceeds the {len(data)} clips")
    sampler.set_epoch(step // per_epoch)
    k = step % per_epoch
    idx = torch.tensor(list(sampler)[k * b : (k + 1) * b])
    gen = torch.Generator().manual_seed(step_seed(seed, rank, step))
    if paired:
        fake_idx = torch.randint(len(data), (b // 2,), generator=gen).repeat_interleave(2)
    else:
        fake_idx = torch.randint(len(data), (b,), generator=gen)
    s = settings.max_shift
    return {
        "real": data.x[idx],
        "real_pitch": data.pitch[idx],
        "real_family": data.family[idx],
        "z": torch.randn(b, settings.latent_dim, generator=gen),
        "fake_pitch": data.pitch[fake_idx],
        "fake_family": data.family[fake_idx],
        "shift_real": torch.randint(-s, s + 1, (b,), generator=gen),
        "shift_fake": torch.randint(-s, s + 1, (b,), generator=gen),
    }


def train_step(run: CGANRun, inputs: dict[str, Tensor]) -> dict[str, float]:
    """One D step on real + fake (one forward on both), one G step, one EMA update. D sees
    real and fake through the step's time shifts; G's step reuses the fake ones."""
    dev = next(run.generator.parameters()).device
    x = {k: v.to(dev) for k, v in inputs.items()}
    fam = run.settings.condition_family
    rf, ff = (x["real_family"], x["fake_family"]) if fam else (None, None)
    fake = run.G(x["z"], x["fake_pitch"], ff)
    both = torch.cat(
        [time_shift(x["real"], x["shift_real"]), time_shift(fake.detach(), x["shift_fake"])]
    )
    labels_p = torch.cat([x["real_pitch"], x["fake_pitch"]])
    labels_f = torch.cat([rf, ff]) if fam else None
    logits = run.D(both, labels_p, labels_f)
    b = len(fake)
    ld = d_loss(run.settings.loss, logits[:b], logits[b:])
    run.opt_d.zero_grad(set_to_none=True)
    ld.backward()
    run.opt_d.step()

    D = run.discriminator  # unwrapped: G's step must not all-reduce D's gradients
    set_requires_grad(D, False)
    lg = g_loss(run.settings.loss, D(time_shift(fake, x["shift_fake"]), x["fake_pitch"], ff))
    if run.settings.mode_seeking > 0:
        lg = lg + run.settings.mode_seeking * mode_seeking_term(fake, x["z"])
    run.opt_g.zero_grad(set_to_none=True)
    lg.backward()
    run.opt_g.step()
    set_requires_grad(D, True)
    if run.settings.ema_decay > 0:
        run.ema.update(run.generator)
    return {"d": ld.item(), "g": lg.item()}


# --------------------------------------------------------------------------- checkpoints
def save_cgan_checkpoint(path: str | os.PathLike, run: CGANRun, data: CGANData) -> Path:
    """Write the run atomically (temporary file + rename); loadable with weights_only=True."""
    payload = {
        "format": CHECKPOINT_FORMAT,
        "step": int(run.step),
        "seed": int(run.seed),
        "generator": run.generator.state_dict(),
        "discriminator": run.discriminator.state_dict(),
        "ema": run.ema.state_dict(),
        "opt_g": run.opt_g.state_dict(),
        "opt_d": run.opt_d.state_dict(),
        "history": run.history.state_dict(),
        "settings_json": json.dumps(run.settings.as_dict()),
        "labels_json": json.dumps({"pitches": data.pitches, "families": data.family_names}),
        "spec_config_json": json.dumps(data.spec_config.as_dict()),
        "normalizer": {
            "mean": torch.from_numpy(np.asarray(data.normalizer.mean)),
            "std": torch.from_numpy(np.asarray(data.normalizer.std)),
        },
        "extra_json": json.dumps(run.extra),
    }
    buf = io.BytesIO()
    torch.save(payload, buf)
    return atomic_write_bytes(path, buf.getvalue())


def load_cgan_checkpoint(path: str | os.PathLike, run: CGANRun) -> CGANRun:
    """Restore weights, EMA, optimisers, step and history into ``run`` (built alike)."""
    path = Path(path)
    ckpt = read_checkpoint(path, CHECKPOINT_FORMAT, _CKPT_KEYS, _CKPT_FIX)
    saved = json.loads(str(ckpt.get("settings_json", "{}")))
    now = json.loads(json.dumps(run.settings.as_dict()))  # tuples -> lists, as saved
    changed = sorted(
        k for k in now if k not in _RESUMABLE_CHANGES and k in saved and saved[k] != now[k]
    )
    if changed:
        diff = ", ".join(f"{k}: saved {saved[k]!r}, now {now[k]!r}" for k in changed)
        raise FileProblem(path, f"was trained with other settings ({diff}).", _CKPT_FIX)
    try:
        run.generator.load_state_dict(ckpt["generator"])
        run.discriminator.load_state_dict(ckpt["discriminator"])
        run.ema.load_state_dict(ckpt["ema"])
        run.opt_g.load_state_dict(ckpt["opt_g"])
        run.opt_d.load_state_dict(ckpt["opt_d"])
    except Exception as exc:
        raise FileProblem(
            path,
            f"is not a checkpoint of this chapter-25 model ({type(exc).__name__}: {exc}).",
            _CKPT_FIX,
        ) from exc
    run.step, run.seed = int(ckpt["step"]), int(ckpt["seed"])
    run.history.load_state_dict(ckpt["history"])
    run.extra.update(json.loads(ckpt["extra_json"]))
    return run


# --------------------------------------------------------------------------- the loop
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
) -> CGANRun:
    """Train until ``run.step == steps`` (default ``settings.steps``) or the time limit.

    ``callback(run, train_seconds)`` runs every ``callback_every_s`` seconds of training
    (its own time is not counted) and at the end: use it to evaluate. Only rank 0 writes
    checkpoints (every ``checkpoint_every`` steps and at the end) and shows progress. A
    non-finite loss stops the run (:func:`gan_tutorial.training.check_finite`).
    """
    from tqdm.auto import tqdm

    steps = run.settings.steps if steps is None else int(steps)
    limit = run.settings.time_limit_s or math.inf
    trained, next_cb = float(run.extra.get("train_seconds", 0.0)), callback_every_s
    last_good = None
    run.G.train()
    run.D.train()
    with tqdm(total=steps, initial=run.step, disable=not progress or rank != 0, desc="cGAN") as bar:
        while run.step < steps and trained < limit:
            t0 = time.perf_counter()
            losses = train_step(
                run, batch_inputs(data, run.settings, run.seed, run.step, rank, world)
            )
            trained += time.perf_counter() - t0
            values = check_finite(run.step + 1, checkpoint=last_good, **losses)
            run.step += 1
            run.history.append(run.step, **values)
            run.extra["train_seconds"] = trained
            bar.update(1)
            if run.step % 20 == 0:
                bar.set_postfix({k: f"{v:.2f}" for k, v in values.items()}, refresh=False)
            done = run.step >= steps or trained >= limit
            if (
                checkpoint_path is not None
                and rank == 0
                and (done or (checkpoint_every and run.step % checkpoint_every == 0))
            ):
                save_cgan_checkpoint(checkpoint_path, run, data)
                last_good = f"{checkpoint_path} (step {run.step})"
            if callback is not None and (done or (callback_every_s and trained >= next_cb)):
                callback(run, trained)
                next_cb = trained + callback_every_s
                run.G.train()
                run.D.train()
    return run
