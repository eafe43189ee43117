"""Reference solutions for notebook 26's exercises, and the typical wrong answers."""

import numpy as np


# Exercise 26.1: IF from a phase array ------------------------------------------------------
def instantaneous_frequency(phase):
    u = np.unwrap(phase, axis=-1)
    return np.concatenate([u[:, :1], np.diff(u, axis=-1)], axis=-1) / np.pi


def instantaneous_frequency_wrapped_diff(phase):
    """Also right: wrap each difference into [-pi, pi) instead of unwrapping first."""
    d = np.mod(np.diff(phase, axis=-1) + np.pi, 2 * np.pi) - np.pi
    return np.concatenate([phase[:, :1], d], axis=-1) / np.pi


def if_no_unwrap(phase):
    return np.concatenate([phase[:, :1], np.diff(phase, axis=-1)], axis=-1) / np.pi


def if_radians(phase):
    u = np.unwrap(phase, axis=-1)
    return np.concatenate([u[:, :1], np.diff(u, axis=-1)], axis=-1)


def if_no_first_frame(phase):
    return np.diff(np.unwrap(phase, axis=-1), axis=-1) / np.pi


def if_zero_first_frame(phase):
    d = np.diff(np.unwrap(phase, axis=-1), axis=-1)
    return np.concatenate([np.zeros_like(phase[:, :1]), d], axis=-1) / np.pi


# Exercise 26.2 (predict) and 26.3 (explore) ------------------------------------------------
TONE_IF = -0.96  # 470 * 256 / 16000 = 7.52 cycles per hop; 1.04 pi wraps to -0.96 pi
CLOSE_PARTIALS_NFFT = 1024
EXPLORE_26_3 = """Sample answer: at n_fft = 512 (31.25 Hz per bin) the two partials are 1.3
bins apart, inside each other's Hann main lobe: bins 32 and 33 both hold both partials, they
beat, and the IF there swings by up to 0.35 around the expected values. At 1024 (15.6 Hz per
bin) they are 2.6 bins apart, bins 64 and 67 each hold one partial, and each IF row is flat
at its partial's value (within 0.012). 2048 is cleaner still, but its frames are 128 ms long
and smear the attack: pick the smallest n_fft that resolves the partials you care about."""

SOLUTIONS = {
    "check_instantaneous_frequency": instantaneous_frequency,
    "check_tone_if": TONE_IF,
    "check_close_partials_nfft": CLOSE_PARTIALS_NFFT,
}
ALSO_CORRECT = {"check_instantaneous_frequency": [instantaneous_frequency_wrapped_diff]}
WRONG = {
    "check_instantaneous_frequency": [
        (if_no_unwrap, "no unwrapping"),
        (if_radians, "divide by pi"),
        (if_no_first_frame, "dropped the first frame"),
        (if_zero_first_frame, "the first frame should be"),
    ],
    "check_tone_if": [(15.04, "No wrap"), (1.04, "outside [-pi, pi)"), (0.96, "sign")],
    "check_close_partials_nfft": [(512, "main lobe"), (2048, "not the smallest")],
}
