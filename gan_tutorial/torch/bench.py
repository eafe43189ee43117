"""Time chapter 25's training step: ``python -m gan_tutorial.torch.bench`` (``make bench``).

Builds the cGAN of a profile (``--profile quick|laptop|gpu``) on a device, trains
``--warmup`` steps, then times ``--steps`` more twice through
:func:`gan_tutorial.torch.cgan.training.train` (the real loop: NaN check, history,
progress off, no checkpoint):

1. **throughput**: the wall time of those steps, with one ``torch.cuda.synchronize`` at
   each end on a GPU: steps/s and clips/s;
2. **split**: the same number of steps with a clock that ends each phase (on a GPU after a
   ``synchronize``, which slows the step down): ms per step in *data* (drawing the batch
   and moving it), *forward_backward*, *optimiser* (both Adam steps and the EMA) and
   *host* (everything else in the loop: reading the losses, history, bookkeeping).

Also peak memory: ``torch.cuda.max_memory_allocated`` on a GPU, the process's peak
resident set on a CPU (which includes the data and Python). ``--json FILE`` appends the
result as one JSON line; ``--compare OLD`` prints new/old ratios against the last line of
``OLD`` (same profile, device and threads, so run both on one machine, interleaved).

Data: the profile's train split from its data cache (``data/cache``; built with FluidSynth
if missing), or with ``--synthetic`` random clips of the profile's shape, labels and count
(said in the output: enough for timing, not for results).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .. import config
from ..spectral import SpecConfig, SpecNormalizer
from .cgan import training as cgan
from .cgan.data import CGANData, on_device, prepare_data
from .training import fit

__all__ = [
    "PhaseClock",
    "bench",
    "compare",
    "load_bench_data",
    "main",
    "synthetic_like",
]

PHASES = ("data", "forward_backward", "optimiser")


class PhaseClock:
    """Adds the time since the previous call to the phase named in each call; on a GPU it
    synchronises first, so each phase's kernels count in that phase (times in seconds)."""

    def __init__(self, device: torch.device) -> None:
        self.cuda = device.type == "cuda"
        self.seconds = dict.fromkeys(PHASES, 0.0)
        self.last = time.perf_counter()

    def start(self) -> None:
        self._sync()
        self.last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        self._sync()
        now = time.perf_counter()
        self.seconds[phase] += now - self.last
        self.last = now

    def _sync(self) -> None:
        if self.cuda:
            torch.cuda.synchronize()


def synthetic_like(profile: str, seed: int = 0) -> CGANData:
    """Random clips in [-1, 1] with the profile's train-split shape and labels:
    ``(N, 1, size, size)`` for N = 80 % of programs x pitches x velocities, labelled with
    the profile's pitches and the families of its programs."""
    prof = config.profile(profile)
    blocks = {p // 8 for p in prof.nsynth_programs} & set(config.GM_FAMILY_BLOCKS.values())
    n_pitches, n_families = len(prof.nsynth_pitches), len(blocks)
    n = int(0.8 * n_pitches * len(prof.nsynth_programs) * len(prof.nsynth_velocities))
    size = prof.spec_size
    g = torch.Generator().manual_seed(seed)
    return CGANData(
        x=torch.rand(n, 1, size, size, generator=g) * 2 - 1,
        pitch=torch.randint(n_pitches, (n,), generator=g),
        family=torch.randint(n_families, (n,), generator=g),
        pitches=list(prof.nsynth_pitches),
        family_names=[f"family{i}" for i in range(n_families)],
        normalizer=SpecNormalizer(np.zeros(size, np.float32), np.ones(size, np.float32)),
        spec_config=SpecConfig.for_size(size),
    )


def load_bench_data(profile: str, synthetic: bool) -> tuple[CGANData, str]:
    """The profile's training data and where it came from ("cache" or "synthetic")."""
    prof = config.profile(profile)
    if synthetic:
        return synthetic_like(profile), "synthetic"
    from .. import data  # music21 and pretty_midi only here

    notes = data.nsynth_lite(prof, progress=False).subset("train")
    return prepare_data(notes, SpecConfig.for_size(prof.spec_size)), "cache"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _peak_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return kb / 2**20 if sys.platform == "darwin" else kb / 2**10


def bench(
    settings: cgan.CGANSettings, data: CGANData, device: torch.device, steps: int, warmup: int
) -> dict[str, Any]:
    """Warm up, then time ``steps`` steps for throughput and ``steps`` more for the split."""
    run = cgan.run_for(settings, data)  # the data's labels, shape and channels
    run.to(device)
    data = on_device(data, device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    cgan.train(run, data, warmup, progress=False)
    _sync(device)
    t0 = time.perf_counter()
    cgan.train(run, data, warmup + steps, progress=False)
    _sync(device)
    wall = time.perf_counter() - t0

    clock = PhaseClock(device)
    batches = cgan._inputs(run, data, 0, 1)

    def timed_inputs() -> Any:
        while True:
            clock.start()
            inputs = next(batches)
            clock("data")
            yield inputs

    def step(r: cgan.CGANRun, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return cgan.train_step(r, inputs, clock)

    _sync(device)
    t0 = time.perf_counter()
    fit(run, timed_inputs(), warmup + 2 * steps, step_fn=step, progress=False,
             check_every=cgan.CHECK_EVERY)  # fmt: skip
    _sync(device)
    split_wall = time.perf_counter() - t0
    ms = {k: 1e3 * v / steps for k, v in clock.seconds.items()}
    ms["host"] = 1e3 * split_wall / steps - sum(ms.values())
    return {
        "steps_per_s": steps / wall,
        "clips_per_s": steps * settings.batch_size / wall,
        "ms_per_step": 1e3 * wall / steps,
        "split_ms_per_step": {k: round(v, 3) for k, v in ms.items()},
        "peak_memory_mb": round(_peak_mb(device), 1),
    }


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=Path(__file__).parent, timeout=10)  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, cwd=Path(__file__).parent,
                               timeout=10).stdout.strip()  # fmt: skip
        return out.stdout.strip() + ("+changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def compare(new: dict[str, Any], old_path: str | Path) -> str:
    """Lines of new/old ratios against the last JSON line of ``old_path``."""
    lines = Path(old_path).read_text().strip().splitlines()
    old = json.loads(lines[-1])
    keys = ("profile", "device", "threads", "batch_size", "data")
    same = [f"{k}: old {old.get(k)!r}, new {new.get(k)!r}" for k in keys if old.get(k) != new[k]]
    out = [f"compared with {old_path} ({old.get('commit', '?')}):"]
    if same:
        out.append("  NOT COMPARABLE, they differ in " + "; ".join(same))
    for k in ("steps_per_s", "clips_per_s"):
        out.append(f"  {k}: {new[k]:.2f} / {old[k]:.2f} = {new[k] / old[k]:.3f}x")
    return "\n".join(out)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m gan_tutorial.torch.bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--profile", default="laptop", choices=config.PROFILES)
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1 ...")
    p.add_argument("--steps", type=int, default=50, help="timed steps (each pass)")
    p.add_argument("--warmup", type=int, default=10, help="untimed steps first")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's)")
    p.add_argument("--batch-size", type=int, default=None, help="clips per step")
    p.add_argument("--synthetic", action="store_true", help="random clips of the right shape")
    p.add_argument("--json", default=None, help="append the result to this file")
    p.add_argument("--compare", default=None, help="a --json file of an earlier run")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and optionally save) its result."""
    args = _parse(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    data, source = load_bench_data(args.profile, args.synthetic)
    over = {"time_limit_s": 0.0, "steps": args.warmup + 2 * args.steps}
    if args.batch_size:
        over["batch_size"] = args.batch_size
    settings = cgan.settings_for(args.profile, **over)
    res = bench(settings, data, device, args.steps, args.warmup)
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
    result = {
        "profile": args.profile,
        "device": device.type,
        "device_name": gpu or platform.machine(),
        "threads": torch.get_num_threads(),
        "batch_size": settings.batch_size,
        "data": source,
        "clips": len(data),
        "steps": args.steps,
        "warmup": args.warmup,
        "torch": torch.__version__,
        "commit": _commit(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        **res,
    }
    split = ", ".join(f"{k} {v:.2f}" for k, v in res["split_ms_per_step"].items())
    print(f"{args.profile} on {result['device_name']} ({device.type}, {result['threads']} "
          f"threads, torch {torch.__version__}), batch {settings.batch_size}, data: {source}"
          + (" (random clips: timing only)" if source == "synthetic" else ""))  # fmt: skip
    print(f"  {res['steps_per_s']:.2f} steps/s, {res['clips_per_s']:.0f} clips/s, "
          f"{res['ms_per_step']:.2f} ms/step over {args.steps} steps after {args.warmup}")  # fmt: skip
    print(f"  split (ms/step{', synchronised' if device.type == 'cuda' else ''}): {split}")
    print(f"  peak memory: {res['peak_memory_mb']:.0f} MiB "
          f"({'max_memory_allocated' if device.type == 'cuda' else 'process peak RSS'})")  # fmt: skip
    if args.json:
        with open(args.json, "a") as f:
            f.write(json.dumps(result) + "\n")
    if args.compare:
        print(compare(result, args.compare))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
