"""An "Inception network for audio": a small CNN pitch classifier (GANSynth's choice).

Image GAN metrics (IS, FID, KID, precision/recall) need a pretrained network; for notes
GANSynth (Engel et al. 2019) trained a pitch classifier on NSynth and used its softmax
(Inception Score, pitch accuracy, pitch entropy) and its penultimate layer (FID). This
module ships the same idea, small enough for a laptop:

* :class:`PitchClassifier` - log-mel (B, 1, 64, 64) -> 49 pitch logits (MIDI 36..84),
  with a 128-d embedding before the last layer;
* :class:`AudioEvaluator` - the trained classifier plus its spectrogram settings and
  normaliser, working straight from audio (N, 16384) at 16 kHz of any profile;
* :func:`train_classifier` - reproducible training on ``nsynth_lite('gpu')``.

Retrain the packaged weights (a couple of minutes on 2 CPU cores)::

    python -m gan_tutorial.torch.classifier --train
    python -m gan_tutorial.torch.classifier --evaluate
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..audio import LOG_EPS, SR, SpecConfig, SpecNormalizer, atomic_write_bytes
from ..errors import FileProblem

__all__ = [
    "EMBED_DIM",
    "N_CLASSES",
    "PITCH_HIGH",
    "PITCH_LOW",
    "AudioEvaluator",
    "PitchClassifier",
    "default_weights_path",
    "train_classifier",
]

PITCH_LOW = 36  # C2
PITCH_HIGH = 84  # C6 (inclusive)
N_CLASSES = PITCH_HIGH - PITCH_LOW + 1  # 49
EMBED_DIM = 128
CHANNELS = (16, 32, 64, 64)
SPEC_SIZE = 64
DATA_PROFILE = "gpu"  # programs x pitches 36..84 x 5 velocities: the classifier's own data
RETRAIN = "retrain with: python -m gan_tutorial.torch.classifier --train"
WEIGHTS_NAME = "pitch_classifier.pt"


def default_weights_path() -> Path:
    """``gan_tutorial/weights/pitch_classifier.pt`` (the packaged weights)."""
    return Path(__file__).resolve().parents[1] / "weights" / WEIGHTS_NAME


def _companions(weights: Path) -> tuple[Path, Path]:
    """(normaliser .npz, metadata .json) paths stored next to ``weights``."""
    return (
        weights.with_name(weights.stem + "_normalizer.npz"),
        weights.with_suffix(".json"),
    )


# --------------------------------------------------------------------------- model
class PitchClassifier(nn.Module):
    """Conv-BN-ReLU-maxpool blocks -> mean over time -> 128-d embedding -> 49 logits.

    Input: (B, 1, n_bins, frames) normalised log-mel in [-1, 1], frequency first.
    Pitch is *where* the harmonics sit on the frequency axis, so the pooling at the end
    averages over time only and keeps the (coarse) frequency axis; a fully global
    average pool would throw away the absolute frequency that the label depends on.
    """

    def __init__(
        self,
        n_classes: int = N_CLASSES,
        channels: tuple[int, ...] = CHANNELS,
        embed_dim: int = EMBED_DIM,
        n_bins: int = SPEC_SIZE,
        dropout: float = 0.3,
    ) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 1
        for c in channels:
            layers += [
                nn.Conv2d(c_in, c, 3, padding=1, bias=False),
                nn.BatchNorm2d(c),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),
            ]
            c_in = c
        self.features = nn.Sequential(*layers)
        f_out = n_bins // 2 ** len(channels)
        if f_out < 1:
            raise ValueError(f"{len(channels)} pooling blocks are too many for {n_bins} bins.")
        self.embedding = nn.Linear(c_in * f_out, embed_dim)  # the penultimate layer (FID)
        self.head = nn.Sequential(nn.ReLU(), nn.Dropout(dropout), nn.Linear(embed_dim, n_classes))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, F, T) -> (B, embed_dim) embedding (before the ReLU)."""
        h = self.features(x).mean(dim=3)  # (B, C, F') - average over time
        return self.embedding(h.flatten(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, F, T) -> (B, n_classes) logits; class k is MIDI pitch PITCH_LOW + k."""
        return self.head(self.embed(x))


# --------------------------------------------------------------------------- evaluator
class AudioEvaluator:
    """The trained pitch classifier as an audio metric network.

    Works from raw audio ``(N, T)`` float32 at 16 kHz (any profile, any framework): clips
    are cropped/zero-padded to 16384 samples, turned into 64x64 log-mel, normalised with
    the training statistics and classified in batches, in eval mode, without gradients.
    """

    def __init__(
        self,
        model: PitchClassifier,
        normalizer: SpecNormalizer,
        spec_config: SpecConfig,
        meta: dict | None = None,
        batch_size: int = 128,
    ) -> None:
        self.model = model.eval()
        self.normalizer = normalizer
        self.spec_config = spec_config
        self.meta = dict(meta or {})
        self.batch_size = int(batch_size)
        self.pitch_low = int(self.meta.get("pitch_low", PITCH_LOW))

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, batch_size: int = 128) -> AudioEvaluator:
        """Load ``pitch_classifier.pt`` (+ ``_normalizer.npz`` and ``.json`` beside it).

        ``path`` is the ``.pt`` file or the folder holding the three files; ``None``
        means the packaged weights. Raises :class:`FileProblem` naming the missing or
        corrupt file.
        """
        weights = default_weights_path() if path is None else Path(path)
        if weights.is_dir() or weights.suffix not in (".pt", ".pth"):
            weights = weights / WEIGHTS_NAME  # a folder holding the three files
        if not weights.is_file():
            raise FileProblem(weights, "weights file does not exist.", RETRAIN)
        norm_path, meta_path = _companions(weights)
        meta = _read_meta(meta_path)
        arch = meta.get("architecture", {})
        try:
            model = PitchClassifier(
                n_classes=int(arch.get("n_classes", N_CLASSES)),
                channels=tuple(int(c) for c in arch.get("channels", CHANNELS)),
                embed_dim=int(arch.get("embed_dim", EMBED_DIM)),
                n_bins=int(arch.get("n_bins", SPEC_SIZE)),
            )
            spec_config = SpecConfig(**meta["spec_config"])
        except (KeyError, TypeError, ValueError) as exc:
            raise FileProblem(
                meta_path, f"metadata does not describe a pitch classifier ({exc}).", RETRAIN
            ) from exc
        try:
            state = torch.load(weights, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
        except Exception as exc:  # unpickling / zip / shape errors all mean "corrupt"
            raise FileProblem(
                weights,
                f"is not a valid pitch-classifier state_dict ({type(exc).__name__}: "
                f"{str(exc)[:200]}).",
                RETRAIN,
            ) from exc
        try:
            normalizer = SpecNormalizer.load(norm_path)
        except FileProblem as exc:
            raise FileProblem(norm_path, exc.problem, RETRAIN) from exc
        return cls(model, normalizer, spec_config, meta, batch_size)

    # ------------------------------------------------------------------ inputs
    def _prepare(self, audio: np.ndarray, sr: int) -> np.ndarray:
        from ..audio import fix_length, resample

        y = np.asarray(audio, dtype=np.float32)
        if y.ndim == 1:
            y = y[None]
        if y.ndim != 2:
            raise ValueError(f"audio must be (N, T) or (T,), got shape {y.shape}.")
        if not np.all(np.isfinite(y)):
            bad = int((~np.isfinite(y)).any(axis=1).sum())
            raise ValueError(
                f"{bad} of {len(y)} clips contain NaN or infinite samples. Fix: drop them "
                "(a diverged generator produces these) before computing metrics."
            )
        if sr != self.spec_config.sr:
            y = resample(y, sr, self.spec_config.sr).astype(np.float32)
        return fix_length(y, self.spec_config.n_samples)

    def _batched(self, audio: np.ndarray, sr: int, fn) -> np.ndarray:
        from ..audio import spectrogram

        y = self._prepare(audio, sr)
        out = []
        with torch.no_grad():
            for i in range(0, len(y), self.batch_size):
                spec = self.normalizer.transform(
                    spectrogram(y[i : i + self.batch_size], self.spec_config)
                )
                out.append(fn(torch.from_numpy(spec[:, None])).float().numpy())
        if not out:
            return np.zeros((0, 0), dtype=np.float32)
        return np.concatenate(out).astype(np.float32)

    # ------------------------------------------------------------------ outputs
    def features(self, audio: np.ndarray, sr: int = SR) -> np.ndarray:
        """(N, T) audio -> (N, 128) float32 embeddings (for FID / KID / precision-recall)."""
        self.model.eval()
        f = self._batched(audio, sr, self.model.embed)
        return f.reshape(len(f), -1) if f.size else np.zeros((0, EMBED_DIM), np.float32)

    def logits(self, audio: np.ndarray, sr: int = SR) -> np.ndarray:
        """(N, T) audio -> (N, 49) float32 logits."""
        self.model.eval()
        z = self._batched(audio, sr, self.model)
        return z if z.size else np.zeros((0, N_CLASSES), np.float32)

    def probs(self, audio: np.ndarray, sr: int = SR) -> np.ndarray:
        """(N, T) audio -> (N, 49) softmax p(pitch | x); rows sum to 1."""
        z = self.logits(audio, sr).astype(np.float64)
        z -= z.max(axis=1, keepdims=True) if len(z) else 0.0
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return p.astype(np.float32)

    def features_and_probs(self, audio: np.ndarray, sr: int = SR) -> tuple[np.ndarray, np.ndarray]:
        """Both :meth:`features` and :meth:`probs` from one pass of the network."""
        self.model.eval()

        def embed_and_logits(x: torch.Tensor) -> torch.Tensor:
            e = self.model.embed(x)
            return torch.cat([e, self.model.head(e)], dim=1)  # forward() is head(embed(x))

        both = self._batched(audio, sr, embed_and_logits)
        if not both.size:
            return np.zeros((0, EMBED_DIM), np.float32), np.zeros((0, N_CLASSES), np.float32)
        z = both[:, EMBED_DIM:].astype(np.float64)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        return both[:, :EMBED_DIM], (p / p.sum(axis=1, keepdims=True)).astype(np.float32)

    def predict_pitch(self, audio: np.ndarray, sr: int = SR) -> np.ndarray:
        """(N, T) audio -> (N,) int64 predicted MIDI pitch."""
        return (self.logits(audio, sr).argmax(axis=1) + self.pitch_low).astype(np.int64)

    @property
    def pitches(self) -> np.ndarray:
        """The MIDI pitch of each output column: (49,)."""
        return np.arange(self.pitch_low, self.pitch_low + self.model.head[-1].out_features)


def _read_meta(path: Path) -> dict:
    if not path.is_file():
        raise FileProblem(path, "classifier metadata file does not exist.", RETRAIN)
    try:
        meta = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileProblem(path, f"is not valid JSON ({exc}).", RETRAIN) from exc
    if not isinstance(meta, dict):
        raise FileProblem(path, "does not hold a JSON object.", RETRAIN)
    return meta


def _inception_score(p: np.ndarray) -> float:
    """exp(E_x KL(p(y|x) || p(y))) of softmax rows ``p`` (N, K), in one part."""
    from ..metrics import inception_score

    return inception_score(np.asarray(p, dtype=np.float64), splits=1)[0]


# --------------------------------------------------------------------------- training
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
    from ..audio import spectrogram

    t0 = time.time()
    source = "custom data passed to train_classifier"
    if data is None:
        from ..data.builtin import nsynth_lite

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
                spectrogram(data.audio[m], cfg)
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
        "test_inception_score": _inception_score(p_te) if len(p_te) else float("nan"),
        "test_pitch_classes": int(len(torch.unique(evals["test"][1]))),
        "final_loss": history[-1]["loss"] if history else float("nan"),
        "history": history,
        "epochs": epochs,
        "seed": seed,
        "batch_size": batch_size,
        "lr": lr,
        "weight_decay": weight_decay,
        "augmentation": {"gain_db": list(gain_db), "max_shift_frames": max_shift},
        "threads": threads,
        "counts": {s: int(len(parts[s][1])) for s in parts},
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
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = out_dir / WEIGHTS_NAME
    norm_path, meta_path = _companions(weights)
    state = {
        k: (v.float() if v.is_floating_point() else v).detach().clone().contiguous()
        for k, v in model.state_dict().items()
    }
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{weights.name}.", suffix=".tmp")
    os.close(fd)
    try:
        torch.save(state, tmp)
        os.replace(tmp, weights)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    norm.save(norm_path)
    atomic_write_bytes(meta_path, (json.dumps(meta, indent=2) + "\n").encode())
    umask = os.umask(0)
    os.umask(umask)
    for p in (weights, norm_path, meta_path):  # mkstemp creates 0600; make them shareable
        os.chmod(p, 0o666 & ~umask)


def evaluate_shipped(path: str | os.PathLike | None = None, progress: bool = True) -> dict:
    """Held-out accuracy and IS of saved weights on ``nsynth_lite('gpu')``'s test split."""
    from ..data.builtin import nsynth_lite

    ev = AudioEvaluator.load(path)
    test = nsynth_lite(DATA_PROFILE, seed=0, progress=progress).subset("test")
    p = ev.probs(test.audio)
    pred = p.argmax(1) + ev.pitch_low
    return {
        "test_accuracy": float((pred == test.pitch).mean()),
        "test_inception_score": _inception_score(p),
        "test_pitch_classes": int(len(np.unique(test.pitch))),
        "n": int(len(test)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m gan_tutorial.torch.classifier", description=__doc__.split("\n")[0]
    )
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--train", action="store_true", help="retrain the pitch classifier")
    mode.add_argument("--evaluate", action="store_true", help="held-out accuracy of saved weights")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--out",
        default=None,
        help="weights folder to write (--train) or read (--evaluate); default: packaged",
    )
    args = ap.parse_args(argv)
    if args.train:
        cmd = " ".join(
            ["python -m gan_tutorial.torch.classifier", *(sys.argv[1:] if argv is None else argv)]
        )
        m = train_classifier(seed=args.seed, epochs=args.epochs, out_dir=args.out, command=cmd)
        print(
            f"test accuracy {m['test_accuracy']:.4f}  IS {m['test_inception_score']:.2f} "
            f"({m['test_pitch_classes']} pitch classes)  trained in {m['train_seconds']:.0f} s"
        )
    else:
        m = evaluate_shipped(args.out)
        print(
            f"test accuracy {m['test_accuracy']:.4f} on {m['n']} held-out notes; "
            f"IS {m['test_inception_score']:.2f} ({m['test_pitch_classes']} pitch classes)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
