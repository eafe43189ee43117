"""Checkers for notebook 00 (setup and data): spectrogram shapes. Numpy only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gan_tutorial.exercises.core import Check, Result, check_choice, check_number, exercise

__all__ = ["check_chorale_frames", "check_nfft_tradeoff", "check_spec_shape"]

SPEC_HINT = (
    "librosa.stft with center=True pads n_fft // 2 samples on both sides: "
    "frames = 1 + n_samples // hop; with center=False, frames = 1 + (n_samples - n_fft) // hop. "
    "An FFT of size n_fft has n_fft // 2 + 1 frequency bins; a mel spectrogram has n_mels rows."
)


def spec_shape_reference(
    n_samples: int, n_fft: int, hop: int, n_mels: int, center: bool = True
) -> tuple[int, int, int]:
    """``(frames, stft_bins, mel_bins)`` of ``librosa.stft`` / a mel spectrogram."""
    frames = 1 + n_samples // hop if center else 1 + (n_samples - n_fft) // hop
    return frames, n_fft // 2 + 1, n_mels


CASES = (
    (16384, 1024, 256, 64, True),  # the course's notes: 1.024 s at 16 kHz
    (64000, 2048, 512, 128, True),  # a 4 s chorale clip
    (16384, 1024, 256, 64, False),
    (22050, 512, 128, 40, False),
)


@exercise("0.1", "spectrogram shape", hint=SPEC_HINT)
def check_spec_shape(fn: Callable[..., Any], c: Check) -> None:
    """``fn(n_samples, n_fft, hop, n_mels, center) -> (frames, stft_bins, mel_bins)``."""
    for n, n_fft, hop, n_mels, center in CASES:
        out = c.call(fn, n, n_fft, hop, n_mels, center)
        if out is None:
            c.fail("your function returned None: did you forget `return`?")
        try:
            frames, bins, mels = (round(c.number(v, "each value")) for v in out)
        except (TypeError, ValueError):
            c.fail(f"return three integers (frames, stft_bins, mel_bins), got {out!r}.")
        want = spec_shape_reference(n, n_fft, hop, n_mels, center)
        case = f"{n} samples, n_fft={n_fft}, hop={hop}, n_mels={n_mels}, center={center}"
        f_want, b_want, m_want = want
        if frames != f_want:
            if frames == f_want - 1:
                why = "one frame short: count the frame at position 0 too (1 + ...)."
            elif center and frames == 1 + (n - n_fft) // hop:
                why = (
                    "with center=True the signal is padded by n_fft // 2 on both sides, "
                    "so n_fft cancels: 1 + n_samples // hop."
                )
            elif not center and frames == 1 + n // hop:
                why = (
                    "with center=False there is no padding: the last frame must fit, "
                    "1 + (n_samples - n_fft) // hop."
                )
            elif frames == n // n_fft:
                why = "frames overlap: they advance by hop samples, not by n_fft."
            else:
                why = SPEC_HINT
            c.fail(f"{case}: expected {f_want} frames, got {frames}. {why}")
        if bins != b_want:
            why = (
                "an FFT of n_fft real samples has n_fft // 2 + 1 bins "
                "(0 Hz up to and including Nyquist)."
                if bins in (n_fft // 2, n_fft)
                else SPEC_HINT
            )
            c.fail(f"{case}: expected {b_want} STFT bins, got {bins}. {why}")
        if mels != m_want:
            why = (
                "the mel filterbank maps the n_fft // 2 + 1 STFT bins to n_mels rows."
                if mels == b_want
                else SPEC_HINT
            )
            c.fail(f"{case}: expected {m_want} mel bins, got {mels}. {why}")
        c.verified.append(f"{case}: {f_want} frames x {b_want} STFT bins, {m_want} mel bins")


def check_chorale_frames(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 0.2 (predict): frames of a 4 s chorale clip at 16 kHz, hop 256, center=True."""
    return check_number(
        "0.2",
        "predict: frames of a 4 s clip",
        answer,
        251,
        hint="4 s at 16 kHz is 64000 samples; center=True gives 1 + n_samples // hop frames.",
        wrong=[
            (250.0, "one frame short: 1 + 64000 // 256."),
            (247.0, "that is center=False; librosa's default center=True pads the signal."),
            (62.0, "frames advance by the hop (256), not by n_fft (1024)."),
        ],
        quiet=quiet,
    )


def check_nfft_tradeoff(answer: Any = ..., *, quiet: bool = False) -> Result:
    """Exercise 0.3 (explore): what a smaller n_fft does to the spectrogram."""
    return check_choice(
        "0.3",
        "explore: a shorter FFT window",
        answer,
        "b",
        {
            "a": "A shorter window gives FINER time resolution (each frame covers fewer "
            "samples); it is the frequency axis that gets coarser.",
            "c": "Look at the harmonics again: with n_fft=256 each bin is 62.5 Hz wide "
            "(16000 / 256), so neighbouring harmonics of low notes blur together.",
        },
        hint="Bin width in Hz is sr / n_fft; frame length in seconds is n_fft / sr.",
        quiet=quiet,
    )
