"""Training and checking the pitch classifier of :mod:`gan_tutorial.torch.classifier`.

:func:`train_classifier` trains it reproducibly on ``nsynth_lite('gpu')`` and writes the
weights, normaliser and metadata atomically; :func:`evaluate_shipped` checks saved
weights on the held-out split. Command line: ``python -m gan_tutorial.torch.classifier``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ...io import atomic_write_bytes
from ...spectral import LOG_EPS, SpecConfig, SpecNormalizer, log_spectrogram
from .evaluator import AudioEvaluator, inception_score
from .model import (
    CHANNELS,
    DATA_PROFILE,
    EMBED_DIM,
    N_CLASSES,
    PITCH_HIGH,
    PITCH_LOW,
    SPEC_SIZE,
    WEIGHTS_NAME,
    PitchClassifier,
    companions,
    default_weights_path,
)

# Lazy import: gan_tutorial.data (music21, pretty_midi) only where the default data is built.

__all__ = ["evaluate_shipped", "train_classifier"]


def _dataset_sha256(manifest: dict) -> str:
    """One sha256 over the per-array checksums of a dataset manifest."""
    return hashlib.sha256(
        json.dumps(manifest.get("sha256", {}), sort_keys=True).encode()
    ).hexdigest()


def _augment(
    spec: torch.Tensor, gen: torch.Generator, gain_db: tuple[float, float], max_shift: int
) -> torch.Tensor:
    """Random gain and onset delay on raw log-mel (B, F, T).

    Gain g (uniform in dB) is exact, as mel magnitude is linear in the signal:
    log(g (exp(S) - eps) + eps) is the log-mel of the scaled clip. A delay of k hops
    (k <= max_shift frames, 16 ms each) prepends k silent frames (log eps), drops the last k.
    """
    b = spec.shape[0]
    lo, hi = gain_db
    g = 10 ** ((lo + (hi - lo) * torch.rand(b, 1, 1, generator=gen)) / 20)
    out = torch.log(g * torch.clamp(torch.exp(spec) - LOG_EPS, min=0.0) + LOG_EPS)
    if max_shift > 0:
        shifts = torch.randint(0, max_shift + 1, (b,), generator=gen).tolist()
        floor = math.log(LOG_EPS)
        for i, k in enumerate(shifts):
            if k:
                out[i] = torch.cat(
                    [out[i].new_full((out.shape[1], k), floor), out[i, :, :-k]], dim=1
                )
    return out


def _normalize_t(spec: torch.Tensor, norm: SpecNormalizer) -> torch.Tensor:
    mean = torch.from_numpy(norm.mean)[:, None]
    std = torch.from_numpy(norm.std)[:, None]
    return torch.clamp((spec - mean) / (norm.clip_std * std), -1.0, 1.0)


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 256) -> float:
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(x[i : i + batch]).argmax(1) for i in range(0, len(x), batch)])
    return float((pred == y).float().mean()) if len(y) else float("nan")


def train_classifier(
    seed: int = 0,
    epochs: int = 12,
    out_dir: str | os.PathLike | None = None,
    *,
    data=None,
    batch_size: int = 64,
    lr: float = 3e-3,
    weight_decay: float = 1e-4,
    gain_db: tuple[float, float] = (-20.0, 6.0),
    max_shift: int = 2,
    threads: int = 2,
    cache_dir: str | os.PathLike | None = None,
    progress: bool = True,
    command: str | None = None,
) -> dict:
    """Train :class:`PitchClassifier` reproducibly and save it; returns the metrics dict.

    ``data`` defaults to ``nsynth_lite('gpu')`` (10 GM families x MIDI 36..84 x 5
    velocities, about 2450 notes rendered in seconds): a dataset dedicated to the
    classifier, covering every profile's pitches. Trains on the ``train`` split with
    Adam + one-cycle learning rate and gain/delay augmentation; reports ``valid`` and
    held-out ``test`` accuracy. ``out_dir`` (default: the packaged weights folder) gets
    ``pitch_classifier.pt`` (float32 state_dict), ``_normalizer.npz`` and ``.json``,
    each written atomically; ``out_dir=False`` writes nothing.
    """
    t0 = time.time()
    source = "custom data passed to train_classifier"
    if data is None:
        from ...data.builtin import nsynth_lite

        source = f"nsynth_lite({DATA_PROFILE!r}, seed=0)"

        data = nsynth_lite(DATA_PROFILE, seed=0, cache_dir=cache_dir, progress=progress)
    bad = (data.pitch < PITCH_LOW) | (data.pitch > PITCH_HIGH)
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} notes lie outside MIDI {PITCH_LOW}..{PITCH_HIGH}. Fix: drop them."
        )
    cfg = SpecConfig.for_size(SPEC_SIZE)
    prev_threads, prev_det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        torch.manual_seed(seed)
        gen = torch.Generator().manual_seed(seed)
        parts = {}
        for s in ("train", "valid", "test"):
            m = data.split == s
            spec = (
                log_spectrogram(data.audio[m], cfg)
                if m.any()
                else np.zeros((0, *cfg.shape), np.float32)
            )
            parts[s] = (torch.from_numpy(spec), torch.from_numpy(data.pitch[m] - PITCH_LOW).long())
        norm = SpecNormalizer.fit(parts["train"][0].numpy())
        x_tr, y_tr = parts["train"]
        evals = {
            s: (_normalize_t(parts[s][0], norm)[:, None], parts[s][1]) for s in ("valid", "test")
        }

        model = PitchClassifier()
        opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
        steps_per_epoch = max(1, math.ceil(len(x_tr) / batch_size))
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=lr, total_steps=epochs * steps_per_epoch, pct_start=0.2
        )
        loss_fn = nn.CrossEntropyLoss()
        history = []
        t_train, cpu_train = time.time(), time.process_time()
        for epoch in range(epochs):
            model.train()
            order = torch.randperm(len(x_tr), generator=gen)
            total, n = 0.0, 0
            for i in range(0, len(order), batch_size):
                idx = order[i : i + batch_size]
                xb = _normalize_t(_augment(x_tr[idx], gen, gain_db, max_shift), norm)[:, None]
                loss = loss_fn(model(xb), y_tr[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += float(loss.detach()) * len(idx)
                n += len(idx)
            entry = {
                "epoch": epoch + 1,
                "loss": total / max(n, 1),
                "valid_accuracy": _accuracy(model, *evals["valid"]),
            }
            history.append(entry)
            if progress:
                print(
                    f"epoch {entry['epoch']:3d}/{epochs}  loss {entry['loss']:.4f}  "
                    f"valid acc {entry['valid_accuracy']:.4f}  ({time.time() - t_train:.0f} s)",
                    flush=True,
                )
        train_seconds = time.time() - t_train
        train_cpu_seconds = time.process_time() - cpu_train
        model.eval()
        with torch.no_grad():
            x_te = evals["test"][0]
            p_te = torch.softmax(model(x_te), 1).numpy() if len(x_te) else np.zeros((0, N_CLASSES))
    finally:
        torch.set_num_threads(prev_threads)
        torch.use_deterministic_algorithms(prev_det)

    metrics = {
        "test_accuracy": _accuracy(model, *evals["test"]),
        "valid_accuracy": history[-1]["valid_accuracy"] if history else float("nan"),
        "test_inception_score": inception_score(p_te) if len(p_te) else float("nan"),
        "test_pitch_classes": len(torch.unique(evals["test"][1])),
        "final_loss": history[-1]["loss"] if history else float("nan"),
        "history": history,
        "epochs": epochs,
        "seed": seed,
        "batch_size": batch_size,
        "lr": lr,
        "weight_decay": weight_decay,
        "augmentation": {"gain_db": list(gain_db), "max_shift_frames": max_shift},
        "threads": threads,
        "counts": {s: len(parts[s][1]) for s in parts},
        "dataset": {
            "source": source,
            "manifest_sha256": _dataset_sha256(data.manifest),
            "params": {
                k: data.manifest.get(k)
                for k in (
                    "name",
                    "version",
                    "seed",
                    "sr",
                    "n_samples",
                    "programs",
                    "pitches",
                    "velocities",
                    "silence_peak",
                    "count",
                )
            },
        },
        "architecture": {
            "n_classes": N_CLASSES,
            "channels": list(CHANNELS),
            "embed_dim": EMBED_DIM,
            "n_bins": SPEC_SIZE,
        },
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "pitch_low": PITCH_LOW,
        "pitch_high": PITCH_HIGH,
        "spec_config": cfg.as_dict(),
        "torch_version": torch.__version__,
        "train_seconds": round(train_seconds, 2),  # wall clock
        "train_cpu_seconds": round(train_cpu_seconds, 2),  # all threads of this process
        "total_seconds": round(time.time() - t0, 2),
        "command": command
        or (f"python -m gan_tutorial.torch.classifier --train --epochs {epochs} --seed {seed}"),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    if out_dir is not False:
        _save(model, norm, metrics, Path(out_dir) if out_dir else default_weights_path().parent)
    return metrics


def _save(model: PitchClassifier, norm: SpecNormalizer, meta: dict, out_dir: Path) -> None:
    """Write weights (float32 state_dict), normaliser and metadata, each atomically."""
    weights = out_dir / WEIGHTS_NAME
    norm_path, meta_path = companions(weights)
    state = {
        k: (v.float() if v.is_floating_point() else v).detach().clone().contiguous()
        for k, v in model.state_dict().items()
    }
    buf = io.BytesIO()
    torch.save(state, buf)
    atomic_write_bytes(weights, buf.getvalue())
    norm.save(norm_path)
    atomic_write_bytes(meta_path, (json.dumps(meta, indent=2) + "\n").encode())


def evaluate_shipped(path: str | os.PathLike | None = None, progress: bool = True) -> dict:
    """Held-out accuracy and IS of saved weights on ``nsynth_lite('gpu')``'s test split."""
    from ...data.builtin import nsynth_lite

    ev = AudioEvaluator.load(path)
    test = nsynth_lite(DATA_PROFILE, seed=0, progress=progress).subset("test")
    p = ev.probs(test.audio)
    pred = p.argmax(1) + ev.pitch_low
    return {
        "test_accuracy": float((pred == test.pitch).mean()),
        "test_inception_score": inception_score(p),
        "test_pitch_classes": len(np.unique(test.pitch)),
        "n": len(test),
    }
