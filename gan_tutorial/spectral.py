"""The course's one spectral stack (numpy + scipy): features, their inversion, normalisation.

Every chapter, Keras or PyTorch, computes spectrograms and turns them back into sound
with these functions, so every comparison across notebooks uses the same features and
the same vocoder. Conventions:

* audio: float32 ``(..., T)`` in [-1, 1] at ``cfg.sr`` Hz, cropped or zero-padded at the
  end to ``cfg.n_samples`` (:func:`fix_length`);
* STFT: periodic Hann window of ``n_fft`` samples every ``hop`` samples, centred (zero
  padding of ``n_fft // 2`` at both ends), as ``torch.stft`` / ``librosa.stft`` with
  ``center=True, pad_mode="constant"``: ``n_frames + 1`` frames, features keep the first
  ``n_frames``;
* mel: Slaney filterbank, area-normalised (``librosa.filters.mel``'s default);
* features: float32 ``(..., F, frames)``, frequency first, natural log of magnitude
  (``log(|X| + LOG_EPS)``), F = ``n_mels`` mel bands or the lowest ``n_bins`` STFT bins;
* the vocoder: :func:`griffin_lim` with :data:`VOCODER` (``match="mel"``, 50 rounds).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import fft as sfft

from .errors import FileProblem
from .io import atomic_write_bytes, npz_bytes

__all__ = [
    "LOG_EPS", "MATCHES", "N_SAMPLES", "SIZES", "SR", "VOCODER", "SpecConfig",
    "SpecNormalizer", "feature_convergence", "fix_length", "griffin_lim", "istft",
    "log_spectrogram", "logmel", "mel_filterbank", "spectral_convergence",
    "spectrogram_arrays", "stft", "stft_magnitude", "vocoder_meta",
]  # fmt: skip

SR = 16000
N_SAMPLES = 16384  # 1.024 s at 16 kHz, the length NSynth-style clips are cut to
LOG_EPS = 1e-5
SIZES = (32, 64, 128, 256)  # square spectrogram sizes of SpecConfig.for_size
MATCHES = ("pinv", "mel")  # what griffin_lim's rounds pull the audio towards
# The course's one vocoder: every clip heard or measured from chapter 22 on goes through
# griffin_lim(**VOCODER); sample files record it with vocoder_meta().
_MATCH, _N_ITER = "mel", 50
VOCODER = MappingProxyType({"match": _MATCH, "n_iter": _N_ITER})
_CHUNK = 32  # clips per block: all rounds run on one block, then the next (less memory traffic)
_WORKERS = -1  # scipy.fft threads: all cores


# --------------------------------------------------------------------------- config
@dataclass(frozen=True)
class SpecConfig:
    """How audio becomes a spectrogram image and back.

    Defaults give 64 mel bands x 64 frames for 16384 samples at 16 kHz (hop 256 = 16 ms).
    ``kind="stft"`` keeps the lowest ``stft_bins`` linear bins (``None``: ``n_fft // 2``).
    """

    sr: int = SR
    n_samples: int = N_SAMPLES
    n_fft: int = 1024
    hop: int = 256
    n_mels: int = 64
    fmin: float = 20.0
    fmax: float = 8000.0
    kind: str = "mel"  # "mel" or "stft"
    stft_bins: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("mel", "stft"):
            raise ValueError(f"kind must be 'mel' or 'stft', got {self.kind!r}.")
        if not 0 < self.hop <= self.n_fft:
            raise ValueError(
                f"hop {self.hop} must be in 1..n_fft ({self.n_fft}): frames further apart "
                "than a window leave gaps, and the STFT has no inverse. Fix: hop <= n_fft // 2."
            )
        if self.kind == "stft" and not 0 < self.n_bins <= self.n_fft // 2 + 1:
            raise ValueError(f"stft_bins must be in 1..{self.n_fft // 2 + 1}, got {self.n_bins}.")

    @classmethod
    def for_size(cls, size: int, kind: str = "mel") -> SpecConfig:
        """A config whose spectrograms are ``size`` x ``size`` (32, 64, 128 or 256).

        ``hop = N_SAMPLES // size``. Mel: ``n_fft = max(1024, 4 * hop)``. STFT:
        ``n_fft = max(2 * hop, 2 * size)`` (frames overlap by at least half, so it can be
        inverted) and the lowest ``size`` bins: 0-2 kHz at size 64 (0-500 Hz at 32), the
        whole band but the top bin at 128 and 256.
        """
        if size not in SIZES:
            raise ValueError(f"spectrogram size {size} unsupported. Fix: use one of {SIZES}.")
        hop = N_SAMPLES // size
        if kind == "stft":
            return cls(n_fft=max(2 * hop, 2 * size), hop=hop, kind="stft", stft_bins=size)
        return cls(n_fft=max(1024, 4 * hop), hop=hop, n_mels=size, kind=kind)

    @property
    def n_frames(self) -> int:
        return self.n_samples // self.hop

    @property
    def n_bins(self) -> int:
        """Rows of a spectrogram: mel bands, or the STFT bins kept."""
        if self.kind == "mel":
            return self.n_mels
        return self.stft_bins if self.stft_bins is not None else self.n_fft // 2

    @property
    def shape(self) -> tuple[int, int]:
        """(frequency rows, frames)."""
        return (self.n_bins, self.n_frames)

    def frequencies(self) -> np.ndarray:
        """``(F,)`` centre frequency in Hz of each row (a mel band's peak, or a bin)."""
        if self.kind == "mel":
            return _mel_edges(self.sr, self.n_mels, self.fmin, self.fmax)[1:-1].copy()
        return np.arange(self.n_bins) * self.sr / self.n_fft

    def as_dict(self) -> dict:
        return asdict(self)


def vocoder_meta(n_iter: int = _N_ITER, match: str = _MATCH) -> dict[str, Any]:
    """Sample-file metadata naming the Griffin-Lim that made its audio."""
    return {"griffin_lim_iterations": int(n_iter), "griffin_lim_match": str(match)}


# --------------------------------------------------------------------------- mel scale
_F_SP = 200.0 / 3  # Slaney mel scale: linear below 1 kHz ...
_MIN_LOG_HZ, _MIN_LOG_MEL, _LOGSTEP = 1000.0, 15.0, np.log(6.4) / 27.0  # ... log above


def _hz_to_mel(f: float) -> float:
    return f / _F_SP if f < _MIN_LOG_HZ else _MIN_LOG_MEL + np.log(f / _MIN_LOG_HZ) / _LOGSTEP


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    log = _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL))
    return np.where(m >= _MIN_LOG_MEL, log, _F_SP * m)


@lru_cache(maxsize=16)
def _mel_edges(sr: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """``(n_mels + 2,)`` Hz: band i rises from edge i to its peak at i + 1, falls to i + 2."""
    edges = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    edges.flags.writeable = False
    return edges


@lru_cache(maxsize=16)
def _filterbank(cfg: SpecConfig) -> tuple[np.ndarray, np.ndarray]:
    """Read-only (cached) ``(n_mels, bins)`` filterbank and ``(bins, n_mels)`` pseudo-inverse."""
    edges = _mel_edges(cfg.sr, cfg.n_mels, cfg.fmin, cfg.fmax)
    ramps = edges[:, None] - np.linspace(0, cfg.sr / 2, 1 + cfg.n_fft // 2)[None, :]
    rise, fall = -ramps[:-2] / np.diff(edges)[:-1, None], ramps[2:] / np.diff(edges)[1:, None]
    area = (2.0 / (edges[2:] - edges[:-2]))[:, None]  # Slaney: each band has unit area
    fb = (np.maximum(0.0, np.minimum(rise, fall)) * area).astype(np.float32)
    pinv = np.linalg.pinv(fb)
    fb.flags.writeable = pinv.flags.writeable = False
    return fb, pinv


def mel_filterbank(cfg: SpecConfig) -> np.ndarray:
    """Slaney-normalised mel filterbank ``(n_mels, n_fft // 2 + 1)`` float32 (weights per Hz bin)."""
    return _filterbank(cfg)[0].copy()


# --------------------------------------------------------------------------- STFT
def fix_length(y: np.ndarray, n: int, *, where: str = "start") -> np.ndarray:
    """Crop or zero-pad the last axis to ``n`` samples.

    ``where`` is ``"start"`` (keep the onset: right for notes) or ``"center"``.
    """
    t = y.shape[-1]
    if t >= n:
        off = 0 if where == "start" else (t - n) // 2
        return y[..., off : off + n]
    before = 0 if where == "start" else (n - t) // 2
    return np.pad(y, [(0, 0)] * (y.ndim - 1) + [(before, n - t - before)])


@lru_cache(maxsize=8)
def _window(n_fft: int) -> np.ndarray:
    """Periodic Hann window (``torch.hann_window``, ``scipy.signal.get_window("hann")``)."""
    w = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)
    w.flags.writeable = False
    return w


def _stft_tf(y: np.ndarray, cfg: SpecConfig) -> np.ndarray:
    """``(N, T)`` float32 -> ``(N, frames, n_fft // 2 + 1)`` complex64, time-major."""
    pad = cfg.n_fft // 2
    frames = sliding_window_view(np.pad(y, ((0, 0), (pad, pad))), cfg.n_fft, axis=-1)
    return sfft.rfft(frames[:, :: cfg.hop] * _window(cfg.n_fft), axis=-1, workers=_WORKERS)


@lru_cache(maxsize=8)
def _inverse_envelope(n_fft: int, hop: int, n_frames: int, length: int) -> np.ndarray:
    """``(length,)`` 1 / overlap-added squared window of the centred output span."""
    env = _overlap_add(np.broadcast_to(_window(n_fft) ** 2, (1, n_frames, n_fft)), hop, n_fft)
    env = fix_length(env[0, n_fft // 2 :], length)
    inv = np.where(env > 1e-11, 1.0 / np.maximum(env, 1e-11), 0.0).astype(np.float32)
    inv.flags.writeable = False
    return inv


def _overlap_add(frames: np.ndarray, hop: int, n_fft: int) -> np.ndarray:
    """``(N, frames, n_fft)`` -> ``(N, hop * (frames + r - 1))`` summed, r = ceil(n_fft / hop)."""
    n, f = frames.shape[:2]
    r = -(-n_fft // hop)
    if r * hop != n_fft:
        frames = np.pad(frames, ((0, 0), (0, 0), (0, r * hop - n_fft)))
    parts = frames.reshape(n, f, r, hop)
    out = np.zeros((n, f + r - 1, hop), dtype=np.float32)
    for k in range(r):
        out[:, k : k + f] += parts[:, :, k]
    return out.reshape(n, -1)


def _istft_tf(spec: np.ndarray, cfg: SpecConfig) -> np.ndarray:
    """Inverse of :func:`_stft_tf` (``torch.istft``, ``center=True``) -> ``(N, n_samples)``."""
    frames = sfft.irfft(spec, n=cfg.n_fft, axis=-1, workers=_WORKERS)
    frames *= _window(cfg.n_fft)
    y = fix_length(_overlap_add(frames, cfg.hop, cfg.n_fft)[:, cfg.n_fft // 2 :], cfg.n_samples)
    return y * _inverse_envelope(cfg.n_fft, cfg.hop, spec.shape[1], cfg.n_samples)


def _batch(y: np.ndarray, cfg: SpecConfig) -> np.ndarray:
    """Audio ``(..., T)`` -> float32 ``(N, n_samples)``."""
    y = np.asarray(y, dtype=np.float32)
    return fix_length(y.reshape(-1, y.shape[-1]), cfg.n_samples)


def stft(y: np.ndarray, cfg: SpecConfig) -> np.ndarray:
    """Audio ``(..., T)`` -> complex64 STFT ``(..., n_fft // 2 + 1, n_frames + 1)``."""
    lead = np.shape(y)[:-1]
    return _stft_tf(_batch(y, cfg), cfg).transpose(0, 2, 1).reshape(*lead, -1, cfg.n_frames + 1)


def istft(spec: np.ndarray, cfg: SpecConfig) -> np.ndarray:
    """Complex STFT ``(..., n_fft // 2 + 1, frames)`` -> float32 audio ``(..., n_samples)``."""
    spec = np.asarray(spec, dtype=np.complex64)
    tf = spec.reshape(-1, *spec.shape[-2:]).transpose(0, 2, 1)
    return _istft_tf(tf, cfg).reshape(*spec.shape[:-2], cfg.n_samples)


# --------------------------------------------------------------------------- features
def stft_magnitude(y: np.ndarray, cfg: SpecConfig) -> np.ndarray:
    """|STFT| of audio ``(..., T)``: float32 ``(..., n_fft // 2 + 1, n_frames)``."""
    return np.abs(stft(y, cfg)[..., : cfg.n_frames])


def log_spectrogram(y: np.ndarray, cfg: SpecConfig) -> np.ndarray:
    """Audio ``(..., T)`` -> float32 log-mel or log-STFT features ``(..., F, n_frames)``."""
    lead, batch = np.shape(y)[:-1], _batch(y, cfg)
    out = np.empty((len(batch), *cfg.shape), dtype=np.float32)
    fb = _filterbank(cfg)[0] if cfg.kind == "mel" else None
    for i in range(0, len(batch), 4 * _CHUNK):
        mag = np.abs(_stft_tf(batch[i : i + 4 * _CHUNK], cfg)[:, : cfg.n_frames])
        mag = mag @ fb.T if fb is not None else mag[..., : cfg.n_bins]
        out[i : i + 4 * _CHUNK] = np.log(mag + LOG_EPS).transpose(0, 2, 1)
    return out.reshape(*lead, *cfg.shape)


def logmel(y: np.ndarray, cfg: SpecConfig | None = None) -> np.ndarray:
    """Log-mel spectrogram ``(..., n_mels, n_frames)`` (default ``SpecConfig()``)."""
    cfg = cfg or SpecConfig()
    if cfg.kind != "mel":
        raise ValueError("logmel needs a mel SpecConfig. Fix: use log_spectrogram for 'stft'.")
    return log_spectrogram(y, cfg)


def spectral_convergence(reference: np.ndarray, estimate: np.ndarray, cfg: SpecConfig) -> float:
    """|| |S_ref| - |S_est| ||_F / || |S_ref| ||_F on linear STFT magnitudes (0 = perfect)."""
    a, b = stft_magnitude(reference, cfg), stft_magnitude(estimate, cfg)
    return float(np.linalg.norm(a - b) / max(float(np.linalg.norm(a)), 1e-12))


def feature_convergence(reference: np.ndarray, estimate: np.ndarray, cfg: SpecConfig) -> float:
    """Spectral convergence of the features' magnitudes (e.g. mel bands), 0 = perfect.

    Unlike :func:`spectral_convergence` this ignores what the features never kept (the
    detail inside a mel band), so it isolates the error of phase reconstruction.
    """
    a, b = np.exp(log_spectrogram(reference, cfg)), np.exp(log_spectrogram(estimate, cfg))
    return float(np.linalg.norm(a - b) / max(float(np.linalg.norm(a)), 1e-12))


# --------------------------------------------------------------------------- Griffin-Lim
def griffin_lim(
    spec: np.ndarray,
    cfg: SpecConfig,
    *,
    n_iter: int = _N_ITER,
    seed: int = 0,
    momentum: float = 0.99,
    match: str = _MATCH,
) -> np.ndarray:
    """Log features ``(..., F, n_frames)`` -> float32 audio ``(..., n_samples)``.

    Mel magnitudes go back to linear frequency with the filterbank's pseudo-inverse
    (clipped at 0) and phases start random (``seed``). Then ``n_iter`` rounds, each an
    inverse STFT and an STFT, pull the audio towards a magnitude target:

    * ``match="pinv"``: the pseudo-inverse's linear magnitude, with ``momentum`` (fast
      Griffin-Lim, Perraudin et al. 2013), as ``librosa.griffinlim`` does. That smooth
      linear magnitude is an invention, and matching it does not give the mel spectrogram
      back: the result's log-mel misses the input's, and noise fills the quiet bins.
    * ``match="mel"`` (the course's :data:`VOCODER`): the mel spectrogram itself. Each
      round scales every frequency bin of the current STFT by the filterbank-weighted
      ratio of target to current mel magnitude, so each band gets the target energy and
      keeps the fine structure (the harmonics) the audio has. An STFT spectrogram is
      matched as ``"pinv"``, since its linear magnitude is exact.
    """
    if match not in MATCHES:
        raise ValueError(f"match must be one of {MATCHES}, got {match!r}.")
    if n_iter < 0:
        raise ValueError(f"n_iter must be >= 0, got {n_iter}.")
    mag = np.maximum(np.exp(np.asarray(spec, dtype=np.float32)) - LOG_EPS, 0.0)
    if mag.ndim < 2 or mag.shape[-2:] != cfg.shape:
        raise ValueError(f"spec must be (..., {cfg.n_bins}, {cfg.n_frames}), got {mag.shape}.")
    lead, mag = mag.shape[:-2], mag.reshape(-1, *cfg.shape)
    if cfg.kind == "mel":
        fb, pinv = _filterbank(cfg)
        lin = np.maximum(pinv @ mag, 0.0)
    else:
        fb, lin = None, np.pad(mag, [(0, 0), (0, cfg.n_fft // 2 + 1 - cfg.n_bins), (0, 0)])
    lin = np.concatenate([lin, lin[..., -1:]], axis=-1)  # the centred STFT's extra frame
    phase = np.random.default_rng(seed).random(lin.shape)  # drawn as librosa.griffinlim does
    angles = np.exp(2j * np.pi * phase).astype(np.complex64).transpose(0, 2, 1)
    lin = np.ascontiguousarray(lin.transpose(0, 2, 1), dtype=np.float32)  # (N, frames + 1, bins)
    out = np.empty((len(mag), cfg.n_samples), dtype=np.float32)
    for i in range(0, len(mag), _CHUNK):
        part = slice(i, i + _CHUNK)
        if match == "mel" and fb is not None:
            audio = _istft_tf(lin[part] * angles[part], cfg)
            out[part] = _match_mel(audio, mag[part], cfg, n_iter)
        else:
            out[part] = _fast_griffin_lim(lin[part], angles[part], cfg, n_iter, momentum)
    return out.reshape(*lead, cfg.n_samples)


def _fast_griffin_lim(
    target: np.ndarray, angles: np.ndarray, cfg: SpecConfig, rounds: int, momentum: float
) -> np.ndarray:
    """Griffin-Lim with momentum: magnitudes ``target`` and initial unit phasors ``angles``,
    both ``(N, frames + 1, bins)`` -> audio ``(N, n_samples)``."""
    rebuilt: np.ndarray | float = 0.0
    for _ in range(rounds):
        previous, rebuilt = rebuilt, _stft_tf(_istft_tf(target * angles, cfg), cfg)
        angles = rebuilt - (momentum / (1 + momentum)) * previous
        angles /= np.abs(angles) + 1e-16
    return _istft_tf(target * angles, cfg)


def _match_mel(audio: np.ndarray, mel: np.ndarray, cfg: SpecConfig, rounds: int) -> np.ndarray:
    """``rounds`` mel-matching rounds on ``(N, n_samples)`` audio towards the linear mel
    magnitudes ``(N, n_mels, n_frames)`` (``match="mel"`` of :func:`griffin_lim`)."""
    fb = _filterbank(cfg)[0]
    weight = np.maximum(fb.sum(0), 1e-8)  # (bins,): each bin's total filter weight
    target = np.ascontiguousarray(np.swapaxes(mel, 1, 2), dtype=np.float32)  # (N, frames, mels)
    n, t = len(audio), cfg.n_frames
    for _ in range(rounds):
        spec = _stft_tf(audio, cfg)
        current = (np.abs(spec[:, :t]).reshape(n * t, -1) @ fb.T).reshape(n, t, -1)
        gain = ((target / (current + LOG_EPS)).reshape(n * t, -1) @ fb).reshape(n, t, -1)
        gain /= weight
        spec[:, :t] *= gain
        spec[:, t:] *= gain[:, -1:]  # the centred STFT's extra frame
        audio = _istft_tf(spec, cfg)
    return audio


# --------------------------------------------------------------------------- normalisation
class SpecNormalizer:
    """SpecGAN-style per-frequency-bin normalisation of log spectrograms to [-1, 1].

    Fit on training data: each bin's mean and std over clips and frames; transform is
    ``clip((x - mean) / (clip_std * std), -1, 1)``. Save it with the model: the inverse
    needs exactly the same statistics.
    """

    def __init__(self, mean: np.ndarray, std: np.ndarray, clip_std: float = 3.0) -> None:
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        self.clip_std = float(clip_std)
        if self.mean.shape != self.std.shape or self.mean.ndim != 1:
            raise ValueError("mean and std must be 1-D arrays of the same length (one per bin).")

    @classmethod
    def fit(cls, specs: np.ndarray, clip_std: float = 3.0) -> SpecNormalizer:
        """``specs``: (N, F, frames) log spectrograms of the training split."""
        specs = np.asarray(specs, dtype=np.float64)
        if specs.ndim != 3:
            raise ValueError(f"fit expects (N, F, frames), got shape {specs.shape}.")
        mean = specs.mean(axis=(0, 2))
        std = np.maximum(specs.std(axis=(0, 2)), 1e-3)
        return cls(mean, std, clip_std)

    def transform(self, specs: np.ndarray) -> np.ndarray:
        """Log spectrograms ``(..., F, frames)`` -> float32 in [-1, 1], same shape."""
        z = (np.asarray(specs, dtype=np.float32) - self.mean[:, None]) / (
            self.clip_std * self.std[:, None]
        )
        return np.clip(z, -1.0, 1.0).astype(np.float32)

    def inverse(self, x: np.ndarray) -> np.ndarray:
        """Values in [-1, 1] ``(..., F, frames)`` -> float32 log spectrograms."""
        x = np.asarray(x, dtype=np.float32)
        return (x * self.clip_std * self.std[:, None] + self.mean[:, None]).astype(np.float32)

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        atomic_write_bytes(path, npz_bytes(mean=self.mean, std=self.std, clip_std=self.clip_std))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> SpecNormalizer:
        try:
            with np.load(path, allow_pickle=False) as z:
                return cls(z["mean"], z["std"], float(z["clip_std"]))
        except (OSError, KeyError, ValueError) as exc:
            raise FileProblem(
                path,
                f"is not a saved SpecNormalizer ({exc}).",
                "save one with SpecNormalizer.save() or refit it on the training data.",
            ) from exc


def spectrogram_arrays(
    audio: np.ndarray,
    cfg: SpecConfig,
    normalizer: SpecNormalizer | None = None,
    batch: int = 256,
) -> tuple[np.ndarray, SpecNormalizer]:
    """Log spectrograms of ``audio`` (N, T) normalised to [-1, 1]: ((N, F, frames), normalizer).

    Pass the training split's ``normalizer`` when transforming validation/test/generated
    data; when ``None`` one is fitted on ``audio`` itself.
    """
    specs = np.concatenate(
        [log_spectrogram(audio[i : i + batch], cfg) for i in range(0, len(audio), batch)]
    )
    if normalizer is None:
        normalizer = SpecNormalizer.fit(specs)
    return normalizer.transform(specs), normalizer
