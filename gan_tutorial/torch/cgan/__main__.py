"""Train chapter 25's conditional GAN from the command line, on one machine or many.

One process (CPU or one GPU)::

    python -m gan_tutorial.torch.cgan --profile laptop --out runs/cgan
    python -m gan_tutorial.torch.cgan --profile gpu --out runs/cgan --device cuda

Chapter 26's IF model (log magnitude and instantaneous frequency, :data:`.data.IF_SPEC`,
with :data:`.settings.IF_CHANGES`; samples inverted by the exact inverse STFT)::

    python -m gan_tutorial.torch.cgan --representation if --profile laptop --out runs/ifgan

Several processes with PyTorch's DistributedDataParallel (``torchrun`` sets RANK,
WORLD_SIZE, LOCAL_RANK, MASTER_ADDR/PORT)::

    torchrun --nproc_per_node=4 -m gan_tutorial.torch.cgan --profile gpu --out runs/cgan
    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --rdzv_backend=c10d \\
        --rdzv_endpoint=HOST:29500 -m gan_tutorial.torch.cgan --profile gpu --out runs/cgan

The backend is NCCL on GPUs and gloo on CPUs. Every process trains on its own shard of each
epoch (``DistributedSampler``) with ``--batch-size`` clips, so the effective batch is
``world_size x batch_size``; DDP averages the gradients, so all processes keep identical
weights. Seeds: the weights start from ``--seed`` on every rank; rank ``r`` draws its noise,
fake labels and time shifts at step ``s`` from ``SeedSequence([seed, r, s])``
(:func:`gan_tutorial.torch.cgan.training.step_seed`). Only rank 0 writes the checkpoint
``OUT/checkpoint.pt`` (atomic; rerunning the same command resumes exactly) and the sample
file ``OUT/samples_torch_cgan.npz`` (``samples_torch_ifgan.npz`` for the IF model: the
format notebooks 25 and 26 write). Needs only torch, numpy, scipy and tqdm once the data
cache (``data/cache``) exists.

"Exactly" holds bit for bit on CPUs. On a GPU some default kernels (cuDNN's, the backward
of the time shift's gather) add in a varying order, so two fresh runs differ in the last
bits too; with ``torch.use_deterministic_algorithms(True)`` and
``CUBLAS_WORKSPACE_CONFIG=:4096:8`` fresh and resumed GPU runs are identical again.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from ... import config
from ...spectral import SpecConfig
from .data import IF_SPEC, REPRESENTATIONS, CGANData, prepare_data, prepare_if_data, synthetic_data
from .evaluation import save_cgan_samples
from .settings import CGANSettings, settings_for
from .training import run_for, train

# Lazy import: gan_tutorial.data (music21, pretty_midi) only where real data is loaded.

__all__ = ["main", "parse_overrides"]

SAMPLES_NAME = {"mel": "samples_torch_cgan", "if": "samples_torch_ifgan"}  # by representation
CHECKPOINT_EVERY = {"gpu": 5000}  # default steps between checkpoints where not 500


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m gan_tutorial.torch.cgan",
        description="Train the chapter-25 conditional audio GAN (resumes from OUT/checkpoint.pt).",
    )
    p.add_argument("--profile", default=os.environ.get("GAN_TUTORIAL_PROFILE", "laptop"))
    p.add_argument("--out", default="runs/cgan", help="folder for checkpoint and samples")
    p.add_argument(
        "--representation",
        choices=list(REPRESENTATIONS),
        default="mel",
        help="mel: chapter 25's log-mel and Griffin-Lim; if: chapter 26's log magnitude and "
        "instantaneous frequency, inverted exactly",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda if any)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's choice)")
    p.add_argument("--steps", type=int, default=None, help="total steps (default: the profile's)")
    p.add_argument("--batch-size", type=int, default=None, help="clips per process and step")
    p.add_argument("--time-limit", type=float, default=None, help="training seconds (0: none)")
    p.add_argument("--samples", type=int, default=200, help="clips in the sample file")
    p.add_argument(
        "--checkpoint-every",
        type=int,
        default=None,
        help="steps between checkpoints (default 500; 5000 in the gpu profile, whose "
        "checkpoint is about 200 MB: every 500 steps would write it every few seconds)",
    )
    p.add_argument("--fresh", action="store_true", help="delete OUT/checkpoint.pt first")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override one CGANSettings field, e.g. --set mode_seeking=0 (repeatable)",
    )
    p.add_argument("--synthetic", type=int, default=0, help=argparse.SUPPRESS)  # tests
    return p.parse_args(argv)


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``["lr_d=1e-4", "condition_family=false", "loss=bce"]`` -> ``{"lr_d": 0.0001,
    "condition_family": False, "loss": "bce"}``, checked against :class:`CGANSettings`
    (values are JSON; bare words are strings; lists become tuples)."""
    fields = {f.name for f in dataclasses.fields(CGANSettings)}
    out: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or name not in fields:
            raise SystemExit(
                f"--set {item!r}: use NAME=VALUE with NAME one of {', '.join(sorted(fields))}"
            )
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        out[name] = tuple(value) if isinstance(value, list) else value
    return out


def _distributed(device: str | None) -> tuple[int, int, torch.device]:
    """``(rank, world, device)``; joins the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() if device is None else device.startswith("cuda")
    if use_cuda:
        dev = torch.device(f"cuda:{local}" if world > 1 or device in (None, "cuda") else device)
        torch.cuda.set_device(dev)
    else:
        dev = torch.device("cpu")
    if world > 1:
        dist.init_process_group("nccl" if use_cuda else "gloo")
    return rank, world, dev


def _load_data(args: argparse.Namespace) -> tuple[CGANData, str]:
    if args.synthetic:
        return synthetic_data(args.synthetic, representation=args.representation), "synthetic"
    from ... import data

    prof = config.profile(args.profile)
    train_notes = data.nsynth_lite(prof, progress=False).subset("train")
    if args.representation == "if":
        return prepare_if_data(train_notes, IF_SPEC), prof.name
    return prepare_data(train_notes, SpecConfig.for_size(prof.spec_size)), prof.name


def _settings(args: argparse.Namespace, profile_name: str) -> CGANSettings:
    """The profile's settings with the command line's changes."""
    given = {"steps": args.steps, "batch_size": args.batch_size, "time_limit_s": args.time_limit}
    overrides = {k: v for k, v in given.items() if v is not None}
    overrides.update(parse_overrides(args.set))
    name = "quick" if args.synthetic else profile_name
    return settings_for(name, args.representation, **overrides)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parse(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rank, world, device = _distributed(args.device)
    out = Path(args.out)
    ckpt = out / "checkpoint.pt"
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        if args.fresh and ckpt.exists():
            ckpt.unlink()
    d, profile_name = _load_data(args)
    settings = _settings(args, profile_name)
    run = run_for(settings, d, args.seed)
    run.to(device)
    if world > 1:
        dist.barrier()  # rank 0 may have just deleted a stale checkpoint
        ids = [device.index] if device.type == "cuda" else None
        run.G = DistributedDataParallel(run.G, device_ids=ids)
        run.D = DistributedDataParallel(run.D, device_ids=ids)
    if rank == 0 and ckpt.exists():
        print(f"resuming from {ckpt}", file=sys.stderr)
    run.extra.update(profile=profile_name, world_size=world)
    train(
        run,
        d,
        rank=rank,
        world=world,
        checkpoint_path=ckpt,
        checkpoint_every=args.checkpoint_every or CHECKPOINT_EVERY.get(profile_name, 500),
        progress=not args.no_progress,
    )
    if rank == 0 and args.samples > 0:
        path = save_cgan_samples(
            out / SAMPLES_NAME[args.representation],
            run.sampler.cpu(),
            d.normalizer,
            d.spec_config,
            d.pitches,
            d.family_names,
            n=args.samples,
            seed=args.seed,
            meta={
                "profile": profile_name,
                "step": run.step,
                "world_size": world,
                "train_seconds": round(float(run.extra.get("train_seconds", 0.0)), 3),
            },
        )
        print(f"{run.step} steps; checkpoint {ckpt}; samples {path}", file=sys.stderr)
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
