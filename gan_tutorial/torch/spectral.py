"""Log-mel spectrograms and Griffin-Lim in PyTorch (no librosa): the training CLI's audio path.

The same features and inversion as :func:`gan_tutorial.audio.spectrogram` and
:func:`gan_tutorial.audio.spectrogram_to_audio` (centred Hann STFT with zero padding,
Slaney mel filterbank, natural log of magnitude + ``LOG_EPS``; pseudo-inverse of the
filterbank, then Griffin-Lim with momentum 0.99), written with ``torch.stft`` so that
a machine with only torch + numpy can train from the data cache and write sample files.
Tests check agreement with the librosa versions. :func:`griffin_lim` can also match the
mel spectrogram itself (``match="mel"``), which the librosa path cannot. Arrays are
``(N, T)`` audio at ``cfg.sr`` Hz and ``(N, F, frames)`` log spectrograms.
"""

from __future__ import annotations

import numpy as np
import torch

from ..audio import LOG_EPS, SpecConfig

__all__ = ["griffin_lim", "log_spectrogram", "mel_filterbank", "spectrogram_arrays"]

_F_SP = 200.0 / 3  # Slaney mel scale: linear below 1 kHz ...
_MIN_LOG_HZ, _MIN_LOG_MEL, _LOGSTEP = 1000.0, 15.0, np.log(6.4) / 27.0  # ... log above


def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    f = np.asarray(f, dtype=np.float64)
    lin = f / _F_SP
    return np.where(
        f >= _MIN_LOG_HZ,
        _MIN_LOG_MEL + np.log(np.maximum(f, 1e-10) / _MIN_LOG_HZ) / _LOGSTEP,
        lin,
    )


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float64)
    return np.where(
        m >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL)), _F_SP * m
    )


def mel_filterbank(cfg: SpecConfig) -> np.ndarray:
    """Slaney-normalised mel filterbank ``(n_mels, n_fft // 2 + 1)`` (librosa's default)."""
    fft_hz = np.linspace(0, cfg.sr / 2, 1 + cfg.n_fft // 2)
    mel_hz = _mel_to_hz(np.linspace(_hz_to_mel(cfg.fmin), _hz_to_mel(cfg.fmax), cfg.n_mels + 2))
    fdiff = np.diff(mel_hz)
    ramps = mel_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_hz[2:] - mel_hz[:-2]))[:, None]
    return weights.astype(np.float32)


def _window(cfg: SpecConfig, device: torch.device | str = "cpu") -> torch.Tensor:
    return torch.hann_window(cfg.n_fft, periodic=True, dtype=torch.float32, device=device)


def _stft(y: torch.Tensor, cfg: SpecConfig) -> torch.Tensor:
    return torch.stft(
        y,
        cfg.n_fft,
        cfg.hop,
        window=_window(cfg, y.device),
        center=True,
        pad_mode="constant",
        return_complex=True,
    )


def _istft(spec: torch.Tensor, cfg: SpecConfig) -> torch.Tensor:
    """Inverse of :func:`_stft`: ``(N, freq, frames + 1)`` complex -> ``(N, n_samples)``."""
    window = _window(cfg, spec.device)
    return torch.istft(spec, cfg.n_fft, cfg.hop, window=window, center=True, length=cfg.n_samples)


def log_spectrogram(audio: np.ndarray | torch.Tensor, cfg: SpecConfig) -> np.ndarray:
    """``(N, T)`` audio -> ``(N, F, frames)`` float32 log-mel (or log-STFT) features."""
    y = torch.as_tensor(np.asarray(audio, dtype=np.float32))
    if y.dim() == 1:
        y = y[None]
    n = cfg.n_samples
    y = y[..., :n] if y.shape[-1] >= n else torch.nn.functional.pad(y, (0, n - y.shape[-1]))
    mag = _stft(y, cfg).abs()[..., : cfg.n_frames]
    if cfg.kind == "mel":
        mag = torch.einsum("mf,nft->nmt", torch.from_numpy(mel_filterbank(cfg)), mag)
    else:
        mag = mag[:, : cfg.n_bins]
    return torch.log(mag + LOG_EPS).numpy().astype(np.float32)


def spectrogram_arrays(
    audio: np.ndarray, cfg: SpecConfig, normalizer=None, batch: int = 256
) -> tuple[np.ndarray, object]:
    """Like :func:`gan_tutorial.data.spectrogram_arrays` (normalised to [-1, 1]), via torch."""
    from ..audio import SpecNormalizer

    specs = np.concatenate(
        [log_spectrogram(audio[i : i + batch], cfg) for i in range(0, len(audio), batch)]
    )
    normalizer = normalizer or SpecNormalizer.fit(specs)
    return normalizer.transform(specs), normalizer


@torch.no_grad()
def griffin_lim(
    spec: np.ndarray,
    cfg: SpecConfig,
    *,
    n_iter: int = 32,
    seed: int = 0,
    momentum: float = 0.99,
    match: str = "pinv",
) -> np.ndarray:
    """``(N, F, frames)`` log features -> ``(N, n_samples)`` float32 audio (Griffin-Lim).

    Mel magnitudes go back to linear frequency with the filterbank's pseudo-inverse and
    phases start random (seeded). Then ``n_iter`` rounds, each an inverse STFT and an
    STFT, pull the audio towards a magnitude target:

    * ``match="pinv"``: the pseudo-inverse's linear magnitude, with momentum (fast
      Griffin-Lim, Perraudin et al. 2013), as ``librosa.griffinlim`` does. That smooth
      linear magnitude is an invention, and matching it does not give the mel spectrogram
      back: the result's log-mel misses the input's, and noise fills the quiet bins.
    * ``match="mel"``: the mel spectrogram itself. Each round scales every frequency
      bin of the current STFT by the filterbank-weighted ratio of target to current mel
      magnitude, so each band gets the target energy and keeps the fine structure (the
      harmonics) the audio has. Mel spectrograms only; an STFT spectrogram is matched
      as ``"pinv"``, since its linear magnitude is exact.
    """
    if match not in ("pinv", "mel"):
        raise ValueError(f"match must be 'pinv' or 'mel', got {match!r}.")
    if n_iter < 0:
        raise ValueError(f"n_iter must be >= 0, got {n_iter}.")
    mag = np.maximum(np.exp(np.asarray(spec, dtype=np.float32)) - LOG_EPS, 0.0)
    if mag.ndim == 2:
        mag = mag[None]
    if cfg.kind == "mel":
        lin = np.einsum("fm,nmt->nft", np.linalg.pinv(mel_filterbank(cfg)), mag)
        lin = np.maximum(lin, 0.0)
    else:
        lin = np.pad(mag, [(0, 0), (0, cfg.n_fft // 2 + 1 - cfg.n_bins), (0, 0)])
    lin = np.concatenate([lin, lin[..., -1:]], axis=-1)  # the centred STFT's extra frame
    s = torch.from_numpy(np.ascontiguousarray(lin, dtype=np.float32))
    gen = torch.Generator().manual_seed(int(seed))
    angles = torch.exp(2j * np.pi * torch.rand(s.shape, generator=gen, dtype=torch.float64))
    angles = angles.to(torch.complex64)
    if match == "mel" and cfg.kind == "mel":
        return _match_mel(_istft(s * angles, cfg), torch.from_numpy(mag), cfg, n_iter).numpy()
    rebuilt = torch.zeros_like(angles)
    for _ in range(n_iter):
        previous = rebuilt
        rebuilt = _stft(_istft(s * angles, cfg), cfg)
        angles = rebuilt - (momentum / (1 + momentum)) * previous
        angles = angles / (angles.abs() + 1e-16)
    return _istft(s * angles, cfg).numpy().astype(np.float32)


def _match_mel(
    audio: torch.Tensor, mel: torch.Tensor, cfg: SpecConfig, rounds: int
) -> torch.Tensor:
    """``rounds`` mel-matching rounds on ``(N, n_samples)`` audio towards the mel
    magnitudes ``(N, n_mels, frames)`` (``match="mel"`` of :func:`griffin_lim`)."""
    fb = torch.from_numpy(mel_filterbank(cfg))
    weight = fb.sum(0)[None, :, None].clamp_min(1e-8)  # (1, freq, 1): each bin's total weight
    for _ in range(rounds):
        spec = _stft(audio, cfg)
        current = torch.einsum("mf,nft->nmt", fb, spec.abs()[..., : cfg.n_frames])
        gain = torch.einsum("mf,nmt->nft", fb, mel / (current + LOG_EPS)) / weight
        gain = torch.cat([gain, gain[..., -1:]], dim=-1)  # the centred STFT's extra frame
        audio = _istft(spec * gain, cfg)
    return audio
