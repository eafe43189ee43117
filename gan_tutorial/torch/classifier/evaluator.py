"""The trained judge as chapter 24's audio metric network."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from ...audio import resample
from ...data.cache import _key, _sha256, cache_root, load_or_build
from ...errors import FileProblem
from ...spectral import SR, SpecConfig, SpecNormalizer, fix_length, log_spectrogram
from .model import (
    CHANNELS,
    EMBED_DIM,
    N_CLASSES,
    N_FAMILIES,
    PITCH_LOW,
    RETRAIN,
    WEIGHTS_NAME,
    JudgeNet,
    companions,
    default_weights_path,
)

__all__ = ["AudioEvaluator", "inception_score", "softmax"]


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits (N, K), in float64, returned as float32."""
    z = np.asarray(z, dtype=np.float64)
    if not len(z):
        return z.astype(np.float32)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)


# Part of every judged-<key>/ cache key (AudioEvaluator.outputs): raise it when outputs()
# computes differently, so that no cache made by the old code is read back.
JUDGED_VERSION = 1


class AudioEvaluator:
    """The trained judge (:class:`JudgeNet`) as an audio metric network.

    Works from raw audio ``(N, T)`` float32 at 16 kHz (any profile, any framework): clips
    are cropped/zero-padded to 16384 samples, turned into 128-band log-mel (n_fft 2048,
    :data:`.model.FRONT_END`), normalised with the training statistics and run in
    batches, in eval mode, without gradients. Outputs: the 128-d embedding (FID, KID,
    precision/recall), p(pitch | x) (IS, pitch accuracy), p(family | x) and
    p(instrument | x) over :attr:`instrument_programs`.
    """

    def __init__(
        self,
        model: JudgeNet,
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
        self.instrument_programs = np.asarray(
            self.meta.get("instrument_programs", range(model.n_instruments)), dtype=np.int64
        )
        self.instrument_names = tuple(self.meta.get("instrument_names", ()))
        self.family_names = tuple(self.meta.get("family_names", ()))

    @classmethod
    def load(cls, path: str | os.PathLike | None = None, batch_size: int = 128) -> AudioEvaluator:
        """Load ``judge.pt`` (+ ``judge_normalizer.npz`` and ``judge.json`` beside it).

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
            spec_config = SpecConfig(**meta["spec_config"])
            model = JudgeNet(
                n_instruments=int(arch["n_instruments"]),
                n_pitches=int(arch.get("n_pitches", N_CLASSES)),
                n_families=int(arch.get("n_families", N_FAMILIES)),
                channels=tuple(int(c) for c in arch.get("channels", CHANNELS)),
                embed_dim=int(arch.get("embed_dim", EMBED_DIM)),
                input_shape=spec_config.shape,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise FileProblem(
                meta_path, f"metadata does not describe a judge network ({exc}).", RETRAIN
            ) from exc
        try:
            state = torch.load(weights, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
        except Exception as exc:  # unpickling / zip / shape errors all mean "corrupt"
            raise FileProblem(
                weights,
                f"is not a valid judge state_dict ({type(exc).__name__}: {str(exc)[:200]}).",
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

    def outputs(
        self, audio: np.ndarray, sr: int = SR, cache: bool = False
    ) -> dict[str, np.ndarray]:
        """One pass: ``embedding`` (N, 128) and the ``pitch`` (N, 49), ``family`` (N, 10)
        and ``instrument`` (N, n_instruments) logits, float32.

        ``cache``: keep them on disk beside the datasets (``judged-<key>/``, keyed by
        :meth:`fingerprint`, the audio's sha256 and ``sr``), for audio judged again and
        again: a dataset's notes (laptop's 2,998 take a quarter of a minute per pass)."""
        if cache:
            y32 = np.asarray(audio, dtype=np.float32)
            params = {
                "name": "judged",
                "version": JUDGED_VERSION,
                "evaluator": self.fingerprint(),
                "audio_sha256": _sha256(y32),
                "sr": int(sr),
            }
            arrays, _ = load_or_build(
                cache_root() / f"judged-{_key(params)}",
                lambda: (self.outputs(y32, sr), dict(params)),
            )
            return {k: np.asarray(v) for k, v in arrays.items()}
        y = self._prepare(audio, sr)
        m = self.model.eval()
        parts: dict[str, list[np.ndarray]] = {
            k: [] for k in ("embedding", "pitch", "family", "instrument")
        }
        with torch.no_grad():
            for i in range(0, len(y), self.batch_size):
                spec = self.normalizer.transform(
                    log_spectrogram(y[i : i + self.batch_size], self.spec_config)
                )
                e = m.embed(torch.from_numpy(spec[:, None]))
                for k, v in zip(parts, (e, *m.heads(e)), strict=True):
                    parts[k].append(v.float().numpy())
        widths = {
            "embedding": m.embedding.out_features,
            "pitch": m.n_classes,
            "family": m.n_families,
            "instrument": m.n_instruments,
        }
        return {
            k: np.concatenate(v).astype(np.float32) if v else np.zeros((0, widths[k]), np.float32)
            for k, v in parts.items()
        }

    def fingerprint(self) -> str:
        """sha256 (hex) of what decides :meth:`outputs`: the weights, the normaliser, the
        front end and the batch-independent settings; keys caches of judged datasets."""
        h = hashlib.sha256()
        for name, t in self.model.state_dict().items():
            h.update(name.encode())
            h.update(t.detach().cpu().contiguous().numpy().tobytes())
        for a in (self.normalizer.mean, self.normalizer.std):
            h.update(np.ascontiguousarray(a).tobytes())
        meta = {"clip_std": self.normalizer.clip_std, "spec_config": self.spec_config.as_dict()}
        h.update(json.dumps(meta, sort_keys=True).encode())
        return h.hexdigest()

    # ------------------------------------------------------------------ outputs
    def features(self, audio: np.ndarray, sr: int = SR) -> np.ndarray:
        """(N, T) audio -> (N, 128) float32 embeddings (for FID / KID / precision-recall)."""
        return self.outputs(audio, sr)["embedding"]

    def logits(self, audio: np.ndarray, sr: int = SR) -> np.ndarray:
        """(N, T) audio -> (N, 49) float32 pitch logits."""
        return self.outputs(audio, sr)["pitch"]

    def probs(self, audio: np.ndarray, sr: int = SR) -> np.ndarray:
        """(N, T) audio -> (N, 49) softmax p(pitch | x); rows sum to 1 (IS, pitch accuracy)."""
        return softmax(self.logits(audio, sr))

    def features_and_probs(self, audio: np.ndarray, sr: int = SR) -> tuple[np.ndarray, np.ndarray]:
        """Both :meth:`features` and :meth:`probs` from one pass of the network."""
        out = self.outputs(audio, sr)
        return out["embedding"], softmax(out["pitch"])

    def family_probs(self, audio: np.ndarray, sr: int = SR) -> np.ndarray:
        """(N, T) audio -> (N, 10) p(family | x), columns in ``family_names`` order."""
        return softmax(self.outputs(audio, sr)["family"])

    def instrument_probs(
        self, audio: np.ndarray, sr: int = SR, programs: Sequence[int] | None = None
    ) -> np.ndarray:
        """(N, T) audio -> (N, K) p(instrument | x), column k for GM program
        ``instrument_programs[k]``; with ``programs``, only those columns, in that order,
        renormalised (p(instrument | x, one of ``programs``))."""
        p = softmax(self.outputs(audio, sr)["instrument"])
        if programs is None:
            return p
        cols = self.program_columns(programs)
        q = p[:, cols].astype(np.float64)
        return (q / np.maximum(q.sum(axis=1, keepdims=True), 1e-30)).astype(np.float32)

    def program_columns(self, programs: Sequence[int]) -> np.ndarray:
        """Column of each GM program in :meth:`instrument_probs`; raises for unknown ones."""
        where = {int(p): k for k, p in enumerate(self.instrument_programs)}
        missing = [int(p) for p in programs if int(p) not in where]
        if missing:
            raise ValueError(
                f"the judge has no instrument for GM programs {missing}. Fix: pass programs "
                f"from evaluator.instrument_programs, or retrain the judge ({RETRAIN})."
            )
        return np.array([where[int(p)] for p in programs], dtype=np.int64)

    def predict_pitch(self, audio: np.ndarray, sr: int = SR) -> np.ndarray:
        """(N, T) audio -> (N,) int64 predicted MIDI pitch."""
        return (self.logits(audio, sr).argmax(axis=1) + self.pitch_low).astype(np.int64)

    def predict_program(self, audio: np.ndarray, sr: int = SR) -> np.ndarray:
        """(N, T) audio -> (N,) int64 predicted GM program (the instrument head's argmax)."""
        return self.instrument_programs[self.outputs(audio, sr)["instrument"].argmax(axis=1)]

    @property
    def pitches(self) -> np.ndarray:
        """The MIDI pitch of each pitch column: (49,)."""
        return np.arange(self.pitch_low, self.pitch_low + self.model.n_classes)


def _read_meta(path: Path) -> dict:
    if not path.is_file():
        raise FileProblem(path, "judge metadata file does not exist.", RETRAIN)
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
