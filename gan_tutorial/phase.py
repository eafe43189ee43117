"""Generate the phase too: GANSynth's instantaneous-frequency spectrograms (Engel et al. 2019).

A log-magnitude spectrogram throws the phase away, and Griffin-Lim has to guess it back.
GANSynth keeps it, in a form a convolutional generator can draw: the *instantaneous
frequency* (IF), each bin's phase advance from one frame to the next. A steady partial
advances by the same angle every hop, so its IF is a flat line where the raw phase is a
saw-tooth. Conventions (on a :class:`~gan_tutorial.spectral.SpecConfig` with
``kind="stft"``):

* phase in radians; :func:`wrap` maps it into [-pi, pi);
* IF in [-1, 1] (radians per hop / pi), along the last (time) axis: the first frame holds
  the wrapped phase itself, so :func:`phase_from_if` (a cumulative sum) inverts it;
* features: float32 ``(..., 2, F, T)``, channel 0 the log magnitude ``log(|X| + LOG_EPS)``
  of the centred STFT (:func:`spectral.stft`), channel 1 the IF; F = ``cfg.n_bins``
  lowest bins, T = ``cfg.n_frames`` frames. Dropped: the bins above ``n_bins`` (at least
  the Nyquist bin) and the centred STFT's extra last frame, which :func:`if_to_audio`
  puts back by continuing the last frame.

:func:`to_if_mel` / :func:`from_if_mel` are GANSynth's IF-Mel variant (fewer rows, a
lossy inverse); :func:`harmonic_coherence` measures whether a clip's partials advance
their phase as steady partials do.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from . import spectral
from .spectral import LOG_EPS, SpecConfig, SpecNormalizer

__all__ = [
    "arrays_to_audio",
    "expected_if",
    "from_if_mel",
    "harmonic_coherence",
    "if_arrays",
    "if_features",
    "if_to_audio",
    "instantaneous_frequency",
    "phase_from_if",
    "to_if_mel",
    "unwrap",
    "wrap",
]

TWO_PI = 2 * np.pi


# --------------------------------------------------------------------------- phase maths
def wrap(phase: Any) -> np.ndarray:
    """Angles (radians, any shape) -> the same angles in [-pi, pi)."""
    return np.mod(np.asarray(phase) + np.pi, TWO_PI) - np.pi


def unwrap(phase: Any, axis: int = -1) -> np.ndarray:
    """Remove the 2 pi jumps along ``axis``: the first value, then the cumulative sum of the
    wrapped differences (``np.unwrap`` with ``discont=pi``; a difference of exactly +pi
    stays +pi, as there)."""
    p = np.asarray(phase, dtype=np.float64)
    d = np.diff(p, axis=axis)
    dw = wrap(d)
    dw = np.where((dw == -np.pi) & (d > 0), np.pi, dw)
    first = np.take(p, [0], axis=axis)
    return np.concatenate([first, first + np.cumsum(dw, axis=axis)], axis=axis)


def instantaneous_frequency(phase: Any, axis: int = -1) -> np.ndarray:
    """Phase (radians, time along ``axis``) -> IF in [-1, 1]: the first frame's wrapped
    phase, then each frame-to-frame advance of the unwrapped phase, divided by pi."""
    p = np.asarray(phase, dtype=np.float64)
    if p.ndim == 0 or p.shape[axis] == 0:
        raise ValueError(f"phase needs at least one frame along axis {axis}, got {p.shape}.")
    u = unwrap(p, axis=axis)
    first = wrap(np.take(u, [0], axis=axis))
    return np.concatenate([first, np.diff(u, axis=axis)], axis=axis) / np.pi


def phase_from_if(if_: Any, axis: int = -1) -> np.ndarray:
    """IF (in units of pi per hop) -> phase: ``cumsum(if_ * pi)`` along ``axis``. Equals the
    original phase modulo 2 pi, which is all an STFT needs."""
    return np.cumsum(np.asarray(if_, dtype=np.float64) * np.pi, axis=axis)


def expected_if(freq_hz: Any, cfg: SpecConfig) -> Any:
    """The IF that a steady sinusoid of ``freq_hz`` shows in every bin near it:
    ``wrap(2 pi f hop / sr) / pi``, a float (or an array like ``freq_hz``)."""
    out = wrap(TWO_PI * np.asarray(freq_hz, dtype=np.float64) * cfg.hop / cfg.sr) / np.pi
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- features
def _need_stft(cfg: SpecConfig, what: str) -> None:
    if cfg.kind != "stft":
        raise ValueError(
            f"{what} needs a linear-frequency config, got kind={cfg.kind!r}. Fix: "
            'SpecConfig(n_fft=512, hop=256, kind="stft", stft_bins=256) or '
            'SpecConfig.for_size(64, kind="stft").'
        )


def _need_features(x: Any, cfg: SpecConfig, what: str = "features") -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 3 or x.shape[-3:] != (2, *cfg.shape):
        raise ValueError(
            f"{what} must be (..., 2, {cfg.n_bins}, {cfg.n_frames}) (log magnitude and IF "
            f"for this config), got {x.shape}. Fix: make them with if_features(audio, cfg)."
        )
    return x


def if_features(audio: Any, cfg: SpecConfig) -> np.ndarray:
    """Audio ``(..., n_samples)`` -> float32 ``(..., 2, F, T)``: log magnitude and IF.

    Audio is cropped or zero-padded at the end to ``cfg.n_samples`` (as everywhere in
    :mod:`spectral`). Keeps the lowest ``cfg.n_bins`` bins and the first ``cfg.n_frames``
    frames of the centred STFT.
    """
    _need_stft(cfg, "if_features")
    y = np.asarray(audio, dtype=np.float32)
    if y.ndim == 0 or y.shape[-1] == 0:
        raise ValueError(f"audio must be (n_samples,) or (N, n_samples), got shape {y.shape}.")
    x = spectral.stft(y, cfg)[..., : cfg.n_bins, : cfg.n_frames]
    logmag = np.log(np.abs(x) + LOG_EPS)
    if_ = instantaneous_frequency(np.angle(x), axis=-1)
    return np.stack([logmag, if_], axis=-3).astype(np.float32)


def if_to_audio(features: Any, cfg: SpecConfig) -> np.ndarray:
    """Features ``(..., 2, F, T)`` -> float32 audio ``(..., n_samples)``, no iterations.

    Magnitude ``exp(ch0) - LOG_EPS`` (clipped at 0) and phase ``cumsum(pi * ch1)`` make
    the complex STFT; the dropped bins are zeros and the extra frame continues the last
    one (same magnitude, phase advanced by its IF), then :func:`spectral.istft`.
    """
    _need_stft(cfg, "if_to_audio")
    x = _need_features(features, cfg)
    mag = np.maximum(np.exp(x[..., 0, :, :]) - LOG_EPS, 0.0)
    phase = phase_from_if(x[..., 1, :, :], axis=-1)
    mag = np.concatenate([mag, mag[..., -1:]], axis=-1)  # the centred STFT's extra frame
    phase = np.concatenate([phase, phase[..., -1:] + np.pi * x[..., 1, :, -1:]], axis=-1)
    spec = mag * np.exp(1j * phase)
    pad = [(0, 0)] * (spec.ndim - 2) + [(0, cfg.n_fft // 2 + 1 - cfg.n_bins), (0, 0)]
    return spectral.istft(np.pad(spec, pad), cfg)


def if_arrays(
    audio: Any, cfg: SpecConfig, normalizer: SpecNormalizer | None = None, batch: int = 256
) -> tuple[np.ndarray, SpecNormalizer]:
    """Audio ``(N, n_samples)`` -> (float32 ``(N, 2, F, T)`` in [-1, 1], normaliser).

    Channel 0 (log magnitude) is normalised per bin by :class:`spectral.SpecNormalizer`,
    fitted on ``audio`` when ``normalizer`` is None (pass the training split's otherwise);
    channel 1 (IF) is already in [-1, 1] and stays as it is.
    """
    y = np.asarray(audio, dtype=np.float32)
    if y.ndim != 2:
        raise ValueError(f"audio must be (N, n_samples), got shape {y.shape}. Fix: y[None].")
    feats = np.concatenate([if_features(y[i : i + batch], cfg) for i in range(0, len(y), batch)])
    if normalizer is None:
        normalizer = SpecNormalizer.fit(feats[:, 0])
    feats[:, 0] = normalizer.transform(feats[:, 0])
    return feats, normalizer


def arrays_to_audio(x: Any, normalizer: SpecNormalizer, cfg: SpecConfig) -> np.ndarray:
    """The inverse of :func:`if_arrays`: ``(N, 2, F, T)`` in [-1, 1] -> ``(N, n_samples)``.
    A generator's IF channel is clipped to [-1, 1] first."""
    feats = _need_features(x, cfg, "x").astype(np.float32)
    feats[..., 0, :, :] = normalizer.inverse(feats[..., 0, :, :])
    feats[..., 1, :, :] = np.clip(feats[..., 1, :, :], -1.0, 1.0)
    return if_to_audio(feats, cfg)


# --------------------------------------------------------------------------- IF-Mel
@lru_cache(maxsize=8)
def _mel_matrices(cfg: SpecConfig, n_mels: int) -> tuple[np.ndarray, ...]:
    """Read-only (cached) matrices on the kept bins: the ``(n_mels, F)`` Slaney filterbank
    of :mod:`spectral` (bands up to the highest kept bin), its pseudo-inverse, the same
    bands scaled to sum to 1 (a weighted mean) and that one's pseudo-inverse."""
    top = min(cfg.fmax, cfg.sr / 2, cfg.n_bins * cfg.sr / cfg.n_fft)
    mel_cfg = SpecConfig(
        sr=cfg.sr, n_samples=cfg.n_samples, n_fft=cfg.n_fft, hop=cfg.hop, n_mels=n_mels,
        fmin=cfg.fmin, fmax=top, kind="mel",
    )  # fmt: skip
    fb = spectral.mel_filterbank(mel_cfg)[:, : cfg.n_bins].astype(np.float64)
    avg = fb / np.maximum(fb.sum(axis=1, keepdims=True), 1e-12)
    out = (fb, np.linalg.pinv(fb), avg, np.linalg.pinv(avg))
    for m in out:
        m.flags.writeable = False
    return out


def to_if_mel(features: Any, cfg: SpecConfig, n_mels: int) -> np.ndarray:
    """IF features ``(..., 2, F, T)`` -> IF-Mel ``(..., 2, n_mels, T)`` float32.

    Channel 0: ``log(filterbank @ |X|**2 + LOG_EPS**2)``, the log mel *power*. Channel 1:
    the unwrapped phase through the same filterbank, each band's weights scaled to sum to
    1 (a weighted mean phase, so the IF stays in [-1, 1]), then :func:`instantaneous_frequency`.
    """
    _need_stft(cfg, "to_if_mel")
    x = _need_features(features, cfg)
    fb, _, avg, _ = _mel_matrices(cfg, n_mels)
    power = np.maximum(np.exp(x[..., 0, :, :]) - LOG_EPS, 0.0) ** 2
    logpow = np.log(np.einsum("mf,...ft->...mt", fb, power) + LOG_EPS**2)
    mel_phase = np.einsum("mf,...ft->...mt", avg, phase_from_if(x[..., 1, :, :]))
    return np.stack([logpow, instantaneous_frequency(mel_phase)], axis=-3).astype(np.float32)


def from_if_mel(mel_features: Any, cfg: SpecConfig) -> np.ndarray:
    """IF-Mel ``(..., 2, n_mels, T)`` -> IF features ``(..., 2, F, T)`` float32, through
    the filterbank's pseudo-inverse (power clipped at 0): what the mel bands cannot hold
    (detail inside a band, each bin's own phase) does not come back."""
    _need_stft(cfg, "from_if_mel")
    m = np.asarray(mel_features, dtype=np.float64)
    if m.ndim < 3 or m.shape[-3] != 2 or m.shape[-1] != cfg.n_frames:
        raise ValueError(
            f"mel_features must be (..., 2, n_mels, {cfg.n_frames}), got {m.shape}. "
            "Fix: make them with to_if_mel(features, cfg, n_mels)."
        )
    _, pinv, _, avg_pinv = _mel_matrices(cfg, m.shape[-2])
    power = np.einsum("fm,...mt->...ft", pinv, np.exp(m[..., 0, :, :]) - LOG_EPS**2)
    phase = np.einsum("fm,...mt->...ft", avg_pinv, phase_from_if(m[..., 1, :, :]))
    logmag = np.log(np.sqrt(np.maximum(power, 0.0)) + LOG_EPS)
    return np.stack([logmag, instantaneous_frequency(phase)], axis=-3).astype(np.float32)


# --------------------------------------------------------------------------- coherence
def harmonic_coherence(
    audio: Any,
    midi: Any,
    cfg: SpecConfig,
    n_harmonics: int = 8,
    floor_db: float = 30.0,
) -> np.ndarray:
    """How steadily each clip's partials advance their phase: ``(N,)`` in [0, 1].

    For harmonic k of the MIDI pitch (``f = k f0 < sr / 2``): the nearest STFT bin, the
    frame pairs where its magnitude is within ``floor_db`` dB of that harmonic's peak, and
    the deviation of each measured advance ``phase[t + 1] - phase[t]`` from the steady
    ``2 pi f hop / sr``. The mean resultant length ``|mean(exp(i deviation))|`` is 1 when
    every hop advances alike (a detuned partial too: its deviation is constant) and near 0
    for random phase (about ``1 / sqrt(pairs)``). Harmonics are averaged weighted by their
    magnitude over those frames. NaN for a silent clip. Only ``cfg``'s sr, n_fft, hop and
    n_samples are used (any kind).
    """
    y = np.asarray(audio, dtype=np.float32)
    if y.ndim == 1:
        y = y[None]
    pitch = np.atleast_1d(np.asarray(midi, dtype=np.float64))
    if y.ndim != 2 or pitch.shape != (len(y),):
        raise ValueError(
            f"audio must be (N, n_samples) with one MIDI pitch each, got audio {y.shape} "
            f"and midi {pitch.shape}. Fix: pass midi as an (N,) array."
        )
    x = spectral.stft(y, cfg)[..., : cfg.n_frames]  # (N, bins, T)
    floor = 10.0 ** (-floor_db / 20.0)
    out = np.full(len(y), np.nan)
    for i, f0 in enumerate(440.0 * 2.0 ** ((pitch - 69.0) / 12.0)):
        freqs = f0 * np.arange(1, n_harmonics + 1)
        freqs = freqs[freqs < cfg.sr / 2]
        bins = np.rint(freqs * cfg.n_fft / cfg.sr).astype(int)
        mag, ph = np.abs(x[i, bins]), np.angle(x[i, bins])  # (H, T)
        loud = mag >= floor * mag.max(axis=1, keepdims=True)
        pairs = loud[:, 1:] & loud[:, :-1] & (mag[:, 1:] > 0)
        dev = np.diff(ph, axis=1) - TWO_PI * freqs[:, None] * cfg.hop / cfg.sr
        n = pairs.sum(axis=1)
        r = np.abs((np.exp(1j * dev) * pairs).sum(axis=1)) / np.maximum(n, 1)
        w = (mag[:, 1:] * pairs).sum(axis=1)
        if w.sum() > 0:
            out[i] = float((r * w).sum() / w.sum())
    return out
