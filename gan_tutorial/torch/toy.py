"""The 2-D ring-of-Gaussians GAN: tiny MLPs, one configurable training loop and an ablation.

Everything here runs on CPU in seconds, so the notebook can switch each chapter-23 trick on
and off over several seeds and *measure* its effect with
:func:`gan_tutorial.toy.mode_metrics` (modes covered, share of high-quality samples).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from ..errors import TrainingDiverged
from ..tables import text_table
from ..toy import mode_metrics, ring_of_gaussians
from ..training import check_finite
from ..tricks import SMOOTHING_MODES, TTUR, Smoothing, label_targets
from .losses import d_loss, g_loss, gradient_penalty, gradient_penalty_source
from .tricks import EMA, apply_spectral_norm, make_optimizers, set_requires_grad, weight_clip_

__all__ = [
    "TOY_LOSSES",
    "ToyConfig",
    "ToyDiscriminator",
    "ToyGenerator",
    "ToyResult",
    "ablation",
    "ablation_table",
    "chapter23_configs",
    "config_dict",
    "train_toy",
]

TOY_LOSSES: tuple[str, ...] = ("bce", "lsgan", "hinge", "wgan-clip", "wgan-gp")


class ToyGenerator(nn.Module):
    """MLP ``z (B, latent_dim) -> point (B, 2)``; optional BatchNorm after each hidden layer."""

    def __init__(
        self, latent_dim: int = 2, hidden: int = 128, batchnorm: bool = False, depth: int = 2
    ) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        layers: list[nn.Module] = []
        d_in = latent_dim
        for _ in range(depth):
            layers.append(nn.Linear(d_in, hidden))
            if batchnorm:
                layers.append(nn.BatchNorm1d(hidden))
            layers.append(nn.ReLU())
            d_in = hidden
        layers.append(nn.Linear(hidden, 2))
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z)


class ToyDiscriminator(nn.Module):
    """MLP ``x (B, 2) -> score/logit (B,)``; optional spectral norm on every Linear layer."""

    def __init__(self, hidden: int = 128, spectral_norm: bool = False, depth: int = 2) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        d_in = 2
        for _ in range(depth):
            layers += [nn.Linear(d_in, hidden), nn.LeakyReLU(0.2)]
            d_in = hidden
        layers.append(nn.Linear(hidden, 1))
        self.net = nn.Sequential(*layers)
        if spectral_norm:
            apply_spectral_norm(self)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x).squeeze(1)


@dataclass
class ToyConfig:
    """One toy run. ``steps`` counts *generator* updates; D is updated ``n_critic`` times
    per generator step (so ``n_critic=5`` costs about 3x the time of ``n_critic=1``).

    ``smoothing`` applies to ``bce`` and ``lsgan`` targets only. ``clip`` is the weight-clip
    value for ``wgan-clip``; ``gp_weight`` the penalty weight for ``wgan-gp``: 0.1 here, as in
    the WGAN-GP authors' own toy script (``gan_toy.py``: "smaller lambda seems to help for
    toy tasks"); the paper's 10 is for images and leaves this toy unlearnt in 2000 steps.
    ``n_threads``: 1 is fastest for these tiny MLPs (2 threads were slower when measured).
    """

    loss: str = "bce"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    n_critic: int = 1
    smoothing: Smoothing = "none"
    batchnorm_g: bool = False
    spectral_norm_d: bool = False
    ema: bool = False
    steps: int = 2000
    batch_size: int = 256
    seed: int = 0
    latent_dim: int = 2
    hidden: int = 128
    depth: int = 2
    betas: tuple[float, float] = (0.5, 0.999)
    gp_weight: float = 0.1
    gp_variant: str = "per-sample"  # or "source": the chapter's whole-batch norm (a bug)
    clip: float = 0.01
    ema_decay: float = 0.99
    n_eval: int = 2000
    snapshot_every: int = 0
    n_threads: int | None = 1

    def __post_init__(self) -> None:
        if self.loss not in TOY_LOSSES:
            raise ValueError(f"loss={self.loss!r}; use one of {', '.join(TOY_LOSSES)}")
        if self.smoothing not in SMOOTHING_MODES:
            raise ValueError(
                f"smoothing={self.smoothing!r}; use one of {', '.join(SMOOTHING_MODES)}"
            )
        if self.gp_variant not in ("per-sample", "source"):
            raise ValueError(f"gp_variant={self.gp_variant!r}; use 'per-sample' or 'source'")
        if self.n_critic < 1 or self.steps < 0 or self.batch_size < 1:
            raise ValueError("need n_critic >= 1, steps >= 0 and batch_size >= 1")


@dataclass
class ToyResult:
    """What :func:`train_toy` returns.

    ``samples``: ``(n_eval, 2)`` float32 from the final generator (EMA copy if enabled, eval
    mode); ``metrics``: :func:`gan_tutorial.toy.mode_metrics` of them; ``losses``: per-step
    lists ``"d"``, ``"g"`` (and ``"gp"`` for wgan-gp); ``snapshots``: ``[(step, samples)]``.
    """

    samples: np.ndarray
    metrics: dict[str, Any]
    losses: dict[str, list[float]]
    seconds: float
    config: ToyConfig
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)


@torch.no_grad()
def _sample(G: nn.Module, z: Tensor) -> np.ndarray:
    was_training = G.training
    G.eval()
    out = G(z).numpy().astype(np.float32)
    G.train(was_training)
    return out


def train_toy(cfg: ToyConfig, progress: bool = False) -> ToyResult:
    """Train one toy GAN on the 8-Gaussian ring; deterministic for a given ``cfg.seed``.

    Raises :class:`gan_tutorial.errors.TrainingDiverged` naming the step and the loss as
    soon as a loss is NaN/inf (:func:`gan_tutorial.training.check_finite`). ``cfg.n_threads`` (default 1: fastest for these tiny MLPs)
    sets ``torch.set_num_threads`` for the run and is restored afterwards.
    """
    old_threads = torch.get_num_threads()
    if cfg.n_threads:
        torch.set_num_threads(cfg.n_threads)
    try:
        return _train(cfg, progress)
    finally:
        torch.set_num_threads(old_threads)


def _train(cfg: ToyConfig, progress: bool) -> ToyResult:
    t0 = time.perf_counter()
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    # evaluation noise, independent of training; snapshots reuse one fixed z (for animations)
    gen = torch.Generator().manual_seed(cfg.seed + 1)
    z_eval = torch.randn(cfg.n_eval, cfg.latent_dim, generator=gen)
    z_snap = z_eval[: min(cfg.n_eval, 1000)]
    G = ToyGenerator(cfg.latent_dim, cfg.hidden, cfg.batchnorm_g, cfg.depth)
    D = ToyDiscriminator(cfg.hidden, cfg.spectral_norm_d, cfg.depth)
    opt_g, opt_d = make_optimizers(G, D, cfg.lr_g, cfg.lr_d, cfg.betas)
    ema = EMA(G, cfg.ema_decay) if cfg.ema else None
    kind = "wgan" if cfg.loss.startswith("wgan") else cfg.loss
    rt, ft = (torch.from_numpy(t) for t in label_targets(cfg.batch_size, cfg.smoothing))
    losses: dict[str, list[float]] = {"d": [], "g": []}
    if cfg.loss == "wgan-gp":
        losses["gp"] = []
    snapshots: list[tuple[int, np.ndarray]] = []
    bs = cfg.batch_size

    it: Iterable[int] = range(cfg.steps)
    if progress:
        it = tqdm(it, desc=f"toy {cfg.loss} seed {cfg.seed}")
    for step in it:
        for _ in range(cfg.n_critic):
            real = torch.from_numpy(ring_of_gaussians(bs, rng=rng))
            with torch.no_grad():
                fake = G(torch.randn(bs, cfg.latent_dim))
            # one forward for real and fake (D has no BatchNorm, so this is the same as two)
            real_s, fake_s = D(torch.cat([real, fake])).split(bs)
            ld = d_loss(kind, real_s, fake_s, rt, ft)
            if cfg.loss == "wgan-gp":
                penalty = (
                    gradient_penalty if cfg.gp_variant == "per-sample" else gradient_penalty_source
                )
                gp = penalty(D, real, fake, cfg.gp_weight)
                ld_total = ld + gp
            else:
                ld_total = ld
            opt_d.zero_grad(set_to_none=True)
            ld_total.backward()
            opt_d.step()
            if cfg.loss == "wgan-clip":
                weight_clip_(D, cfg.clip)
        d_val = check_finite(step + 1, d=ld.item())["d"]
        if cfg.loss == "wgan-gp":
            losses["gp"].append(check_finite(step + 1, gp=gp.item())["gp"])

        set_requires_grad(D, False)
        lg = g_loss(kind, D(G(torch.randn(bs, cfg.latent_dim))))
        opt_g.zero_grad(set_to_none=True)
        lg.backward()
        opt_g.step()
        set_requires_grad(D, True)
        losses["d"].append(d_val)
        losses["g"].append(check_finite(step + 1, g=lg.item())["g"])
        if ema is not None:
            ema.update(G)
        if cfg.snapshot_every and (step + 1) % cfg.snapshot_every == 0:
            snap_g = ema.module if ema is not None else G
            snapshots.append((step + 1, _sample(snap_g, z_snap)))

    final_g = ema.module if ema is not None else G
    samples = _sample(final_g, z_eval)
    if not np.all(np.isfinite(samples)):
        raise TrainingDiverged(f"step {cfg.steps}: generated samples are not finite ({cfg})")
    metrics = mode_metrics(samples)
    return ToyResult(samples, metrics, losses, time.perf_counter() - t0, cfg, snapshots)


def ablation(
    configs: Mapping[str, ToyConfig],
    seeds: Iterable[int] = (0, 1, 2),
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Train every config with every seed; one row per run.

    Rows: ``dict(name, seed, modes_covered, hq_share, seconds, diverged)``. A diverged run
    is recorded (``modes_covered=0``, ``hq_share=nan``, ``diverged=True``), not raised.
    """
    rows: list[dict[str, Any]] = []
    seeds = list(seeds)
    for name, cfg in configs.items():
        for seed in seeds:
            run = replace(cfg, seed=seed)
            t0 = time.perf_counter()
            try:
                res = train_toy(run)
                row = {
                    "name": name,
                    "seed": seed,
                    "modes_covered": res.metrics["modes_covered"],
                    "hq_share": res.metrics["high_quality_share"],
                    "seconds": res.seconds,
                    "diverged": False,
                }
            except TrainingDiverged:
                row = {
                    "name": name,
                    "seed": seed,
                    "modes_covered": 0,
                    "hq_share": float("nan"),
                    "seconds": time.perf_counter() - t0,
                    "diverged": True,
                }
            rows.append(row)
            if progress:
                print(
                    f"{name:<28} seed {seed}: {row['modes_covered']} modes, "
                    f"HQ {row['hq_share']:.2f}, {row['seconds']:.1f} s"
                    + (" (diverged)" if row["diverged"] else "")
                )
    return rows


def _mean_std(values: list[float]) -> str:
    arr = np.asarray(values, dtype=np.float64)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return "n/a"
    return f"{arr.mean():.2f} ± {arr.std():.2f}"


def ablation_table(rows: list[dict[str, Any]]) -> str:
    """Aggregate :func:`ablation` rows: mean ± std (population std over seeds) per config,
    in first-seen order, as a fixed-width text table."""
    names = list(dict.fromkeys(r["name"] for r in rows))
    header = ("config", "seeds", "modes covered (of 8)", "HQ share", "seconds", "diverged")
    lines = []
    for n in names:
        rs = [r for r in rows if r["name"] == n]
        lines.append(
            (
                n,
                str(len(rs)),
                _mean_std([r["modes_covered"] for r in rs]),
                _mean_std([r["hq_share"] for r in rs]),
                _mean_std([r["seconds"] for r in rs]),
                str(sum(bool(r.get("diverged")) for r in rs)),
            )
        )
    return text_table(header, lines)


def config_dict(cfg: ToyConfig) -> dict[str, Any]:
    """``cfg`` as a plain dict (for logging next to results)."""
    return asdict(cfg)


def chapter23_configs(steps: int = 2000, batch_size: int = 256) -> dict[str, ToyConfig]:
    """The chapter-23 ablation: every entry changes one thing from the BCE baseline.

    WGAN entries share the WGAN-GP authors' toy settings (``n_critic=5``, Adam betas
    ``(0.5, 0.9)``, ``gp_weight=0.1``) and vary one of them. Runs with ``n_critic=5`` cost
    about 3x (clip) to 6x (GP) the time of a BCE run.
    """
    b = ToyConfig(steps=steps, batch_size=batch_size)
    w = replace(b, loss="wgan-gp", n_critic=5, betas=(0.5, 0.9), gp_weight=0.1)
    lr_src, lr_ttur = TTUR["source (G 1e-3, D 1e-4)"], TTUR["TTUR (G 1e-4, D 4e-4)"]
    return {
        "bce (baseline, lr 2e-4)": b,
        "bce + one-sided smoothing": replace(b, smoothing="one-sided"),
        "bce + two-sided smoothing": replace(b, smoothing="two-sided"),
        "lsgan": replace(b, loss="lsgan"),
        "hinge": replace(b, loss="hinge"),
        "bce + spectral norm (D)": replace(b, spectral_norm_d=True),
        "bce + batchnorm (G)": replace(b, batchnorm_g=True),
        "bce + EMA (G)": replace(b, ema=True),
        "bce, source lr (G 1e-3, D 1e-4)": replace(b, lr_g=lr_src[0], lr_d=lr_src[1]),
        "bce, TTUR (G 1e-4, D 4e-4)": replace(b, lr_g=lr_ttur[0], lr_d=lr_ttur[1]),
        "bce, n_critic 5": replace(b, n_critic=5),
        "wgan-clip, n_critic 5": replace(w, loss="wgan-clip"),
        "wgan-gp, n_critic 1": replace(w, n_critic=1),
        "wgan-gp, n_critic 5": w,
        "wgan-gp, n_critic 5, gp_weight 10": replace(w, gp_weight=10.0),
        "wgan-gp, n_critic 5, source's whole-batch penalty": replace(w, gp_variant="source"),
    }
