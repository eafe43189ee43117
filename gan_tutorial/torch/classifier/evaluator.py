"""The trained pitch classifier as chapter 24's audio metric network."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from ...audio import resample
from ...errors import FileProblem
from ...spectral import SR, SpecConfig, SpecNormalizer, fix_length, log_spectrogram
from .model import (
    CHANNELS,
    EMBED_DIM,
    N_CLASSES,
    PITCH_LOW,
    RETRAIN,
    SPEC_SIZE,
    WEIGHTS_NAME,
    PitchClassifier,
    companions,
    default_weights_path,
)

__all__ = ["AudioEvaluator", "inception_score"]


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
        norm_path, meta_path = companions(weights)
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

    def _batched(
        self, audio: np.ndarray, sr: int, fn: Callable[[torch.Tensor], torch.Tensor]
    ) -> np.ndarray:
        y = self._prepare(audio, sr)
        out = []
        with torch.no_grad():
            for i in range(0, len(y), self.batch_size):
                spec = self.normalizer.transform(
                    log_spectrogram(y[i : i + self.batch_size], self.spec_config)
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
        return np.arange(self.pitch_low, self.pitch_low + self.model.n_classes)


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


def inception_score(p: np.ndarray) -> float:
    """exp(E_x KL(p(y|x) || p(y))) of softmax rows ``p`` (N, K), in one part."""
    from ...metrics import inception_score as score  # scipy: only when a score is asked for

    return score(np.asarray(p, dtype=np.float64), splits=1)[0]
