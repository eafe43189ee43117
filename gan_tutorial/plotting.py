"""Plots with real units on the axes: seconds, Hz, decibels, training steps."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .spectral import SR, SpecConfig, mel_filterbank, stft_magnitude

__all__ = [
    "plot_average_spectra",
    "plot_losses",
    "plot_spectrogram",
    "plot_waveform",
    "spectrogram_grid",
]


def _plt():
    import matplotlib.pyplot as plt

    return plt


def plot_waveform(y: np.ndarray, sr: int = SR, ax=None, title: str = ""):
    """Amplitude against time in seconds."""
    plt = _plt()
    ax = ax or plt.subplots(figsize=(8, 2.2))[1]
    t = np.arange(len(y)) / sr
    ax.plot(t, y, lw=0.6)
    ax.set(xlabel="time (s)", ylabel="amplitude", title=title, xlim=(0, t[-1] if len(t) else 1))
    return ax


def plot_spectrogram(
    spec: np.ndarray,
    cfg: SpecConfig,
    ax=None,
    title: str = "",
    colorbar: bool = True,
    label: str = "log magnitude",
    vmin: float | None = None,
    vmax: float | None = None,
):
    """Show a (F, frames) spectrogram with time in seconds and frequency in Hz.

    Mel rows are not evenly spaced in Hz, so the y ticks are labelled with each row's
    centre frequency.
    """
    plt = _plt()
    ax = ax or plt.subplots(figsize=(5, 3.2))[1]
    spec = np.asarray(spec).squeeze()
    n_f, n_t = spec.shape
    dur = n_t * cfg.hop / cfg.sr
    im = ax.imshow(
        spec,
        origin="lower",
        aspect="auto",
        extent=(0, dur, 0, n_f),
        cmap="magma",
        vmin=vmin,
        vmax=vmax,
        interpolation="nearest",
    )
    freqs = cfg.frequencies()
    ticks = np.linspace(0, n_f - 1, 5).astype(int)
    ax.set_yticks(ticks + 0.5)
    ax.set_yticklabels([f"{freqs[i]:.0f}" for i in ticks])
    ax.set(xlabel="time (s)", ylabel="frequency (Hz)", title=title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label=label)
    return ax


def spectrogram_grid(
    rows: dict[str, np.ndarray],
    cfg: SpecConfig,
    n: int = 6,
    titles: Sequence[str] | None = None,
    suptitle: str = "",
    vmin: float | None = -1.0,
    vmax: float | None = 1.0,
):
    """A grid: one row per named set (e.g. ``{"real": ..., "generated": ...}``), ``n`` columns.

    Each set is (N, F, frames); all panels share one colour scale (normalised units by
    default) so real and generated can be compared by eye.
    """
    plt = _plt()
    fig, axes = plt.subplots(
        len(rows), n, figsize=(1.9 * n + 1, 1.9 * len(rows) + 0.6), squeeze=False
    )
    for r, (name, specs) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            if c < len(specs):
                plot_spectrogram(specs[c], cfg, ax=ax, colorbar=False, vmin=vmin, vmax=vmax)
            ax.set_title(titles[c] if (titles and r == 0 and c < len(titles)) else "", fontsize=8)
            if c:
                ax.set_ylabel("")
                ax.set_yticklabels([])
            else:
                ax.set_ylabel(f"{name}\nfrequency (Hz)")
            if r < len(rows) - 1:
                ax.set_xlabel("")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_losses(
    history: dict[str, Sequence[float]], ax=None, smooth: int = 1, title: str = "losses"
):
    """Loss curves against the training step (optionally a moving average)."""
    plt = _plt()
    ax = ax or plt.subplots(figsize=(7, 3))[1]
    for name, values in history.items():
        v = np.asarray(values, dtype=float)
        if len(v) == 0:
            continue
        if smooth > 1 and len(v) >= smooth:
            v = np.convolve(v, np.ones(smooth) / smooth, mode="valid")
        ax.plot(np.arange(len(v)) + (smooth - 1 if smooth > 1 else 0), v, label=name, lw=1)
    ax.set(xlabel="training step", ylabel="loss", title=title)
    ax.legend()
    return ax


def plot_average_spectra(
    groups: dict[str, np.ndarray],
    sr: int = SR,
    ax=None,
    title: str = "average spectrum",
    n_mels: int = 128,
):
    """Mean mel-band power in dB of each group of clips (N, T) against frequency in Hz.

    Averaging in 128 mel bands gives each group's spectral envelope (where its energy
    sits) instead of a forest of individual harmonics.
    """
    plt = _plt()
    ax = ax or plt.subplots(figsize=(7, 3.2))[1]
    curves = {}
    for name, clips in groups.items():
        y = np.asarray(clips, dtype=np.float32)
        cfg = SpecConfig(
            sr, y.shape[-1], n_fft=1024, hop=512, n_mels=n_mels, fmin=30.0, fmax=sr / 2
        )
        p = mel_filterbank(cfg) @ stft_magnitude(y, cfg) ** 2  # (..., n_mels, frames) power
        curves[name] = p.mean(axis=(*tuple(range(p.ndim - 2)), p.ndim - 1))
    freqs = cfg.frequencies()
    top = max(c.max() for c in curves.values())
    for name, c in curves.items():
        ax.semilogx(freqs, 10 * np.log10(c / top + 1e-12), lw=1.2, label=name)
    ax.set(
        xlabel="frequency (Hz)",
        ylabel="mean power (dB re. loudest band)",
        title=title,
        xlim=(30, sr / 2),
        ylim=(-80, 3),
    )
    ax.legend(fontsize=7, ncol=2)
    return ax
