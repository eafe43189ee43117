"""Kept for old imports: the spectral stack is :mod:`gan_tutorial.spectral` (numpy)."""

from ..spectral import griffin_lim, log_spectrogram, mel_filterbank, spectrogram_arrays

__all__ = ["griffin_lim", "log_spectrogram", "mel_filterbank", "spectrogram_arrays"]
