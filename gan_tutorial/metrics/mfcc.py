"""MFCC statistics and the Fréchet distance between them: a timbre distance with no network.

:func:`mfcc_stats` describes a clip by the mean and standard deviation over frames of 20
MFCCs (DCT-II of a 40-band log-mel); :func:`mfcc_frechet` fits a Gaussian to each set's
descriptions and returns their Fréchet distance. It is the "independent-style" distance
the course compares vocoders and representations with: it uses no trained network (so no
network's blind spots or training data), only the spectral envelope and how it moves.
Measure its floor first: raw real notes against *other* raw real notes give the value
that "as close as real audio gets" reaches at that sample size.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.fft import dct

from ..spectral import SpecConfig, log_spectrogram
from .distribution import fid_from_features

__all__ = ["MFCC_CFG", "N_MFCC", "mfcc_frechet", "mfcc_stats"]

MFCC_CFG = SpecConfig(n_fft=1024, hop=256, n_mels=40)  # 40 mel bands, 64 frames per clip
N_MFCC = 20


def mfcc_stats(audio: Any) -> np.ndarray:
    """Audio ``(..., T)`` at 16 kHz -> ``(..., 40)``: mean and std over frames of 20 MFCCs.

    MFCCs: the DCT-II (orthonormal) of :data:`MFCC_CFG`'s natural-log mel spectrogram
    (:func:`spectral.log_spectrogram`), its first 20 coefficients.
    """
    audio = np.asarray(audio)
    if audio.ndim == 0:
        raise ValueError("audio must be (n_samples,) or (N, n_samples), got a scalar.")
    logmel = log_spectrogram(audio.reshape(-1, audio.shape[-1]), MFCC_CFG)  # (N, 40, frames)
    c = dct(logmel, type=2, axis=1, norm="ortho")[:, :N_MFCC]
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
    return fid_from_features(mfcc_stats(real), mfcc_stats(fake))
