"""MFCC statistics and the Fréchet distance between them: a timbre distance with no network.

:func:`mfcc_stats` describes a clip by the mean and standard deviation over frames of 20
MFCCs, computed as ``librosa.feature.mfcc(y, sr=16000, n_mfcc=20)`` does by default on one
clip: a power mel spectrogram (n_fft 2048, hop 512, 128 Slaney bands, 0 Hz to Nyquist) in
decibels, floored 80 dB below the clip's peak, then the orthonormal DCT-II.
:func:`mfcc_frechet` fits a Gaussian to each set's descriptions and returns their Fréchet
distance; :func:`mfcc_frechet_to` does the same against a reference described once. It is
the "independent-style" distance the course compares vocoders and representations with: no
trained network (so no network's blind spots or training data), and a front end finer than
the GAN's 64-band log-mel, so a vocoder that matches those 64 bands does not pass for real
audio here. Measure its floor first: raw real notes against *other* raw real notes give
what "as close as real audio gets" reaches at that sample size.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.fft import dct

from ..spectral import SR, SpecConfig, mel_filterbank, stft
from .distribution import fid_from_features

__all__ = ["MFCC_CFG", "N_MFCC", "TOP_DB", "mfcc_frechet", "mfcc_frechet_to", "mfcc_stats"]

# librosa.feature.mfcc's defaults at 16 kHz
MFCC_CFG = SpecConfig(n_fft=2048, hop=512, n_mels=128, fmin=0.0, fmax=SR / 2)
N_MFCC = 20
TOP_DB = 80.0  # decibels below each clip's peak where the power spectrogram is floored


def mfcc_stats(audio: Any) -> np.ndarray:
    """Audio ``(..., T)`` at 16 kHz -> ``(..., 40)``: mean and std over frames of 20 MFCCs.

    Per clip, as ``librosa.feature.mfcc`` on that clip alone (librosa on a batch floors
    every clip 80 dB below the *batch's* peak, so its result depends on the other clips).
    """
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 0:
        raise ValueError("audio must be (n_samples,) or (N, n_samples), got a scalar.")
    flat = audio.reshape(-1, audio.shape[-1])
    power = np.abs(stft(flat, MFCC_CFG)) ** 2  # (N, bins, frames)
    mel = np.einsum("mf,nft->nmt", mel_filterbank(MFCC_CFG), power)
    db = 10 * np.log10(np.maximum(mel, 1e-10))
    db = np.maximum(db, db.max(axis=(1, 2), keepdims=True) - TOP_DB)
    c = dct(db, type=2, axis=1, norm="ortho")[:, :N_MFCC]
    return np.concatenate([c.mean(axis=2), c.std(axis=2)], axis=1).reshape(*audio.shape[:-1], -1)


def mfcc_frechet(real_audio: Any, fake_audio: Any) -> float:
    """Fréchet distance between the MFCC-statistics Gaussians of two sets of clips.

    ``real_audio`` ``(N_real, T)``, ``fake_audio`` ``(N_fake, T)``; 0 for identical sets.
    The descriptions have 40 dimensions: use well over 40 clips per set (a ``UserWarning``
    says when not) and compare distances only at equal set sizes.
    """
    real, fake = np.asarray(real_audio), np.asarray(fake_audio)
    if real.ndim != 2 or fake.ndim != 2:
        raise ValueError(
            f"real_audio and fake_audio must be (N, n_samples), got {real.shape} and "
            f"{fake.shape}. Fix: stack the clips into one array per set."
        )
    return mfcc_frechet_to(mfcc_stats(real), fake)


def mfcc_frechet_to(real_stats: Any, fake_audio: Any) -> float:
    """:func:`mfcc_frechet` against a reference described once: ``real_stats``
    ``(N_real, 40)`` from :func:`mfcc_stats`, ``fake_audio`` ``(N_fake, T)``. For one
    reference measured against many sets (600 clips take about a second to describe)."""
    fake = np.asarray(fake_audio)
    if fake.ndim != 2:
        raise ValueError(
            f"fake_audio must be (N, n_samples), got {fake.shape}. Fix: stack the clips into "
            "one array."
        )
    return fid_from_features(np.asarray(real_stats), mfcc_stats(fake))
