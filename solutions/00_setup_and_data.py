"""Reference solutions for notebook 00's exercises, and the typical wrong answers."""


# Exercise 0.1: spectrogram shape ----------------------------------------------------------
def spec_shape(n_samples, n_fft, hop, n_mels, center=True):
    # center=True pads n_fft // 2 on both sides, so n_fft cancels out
    frames = 1 + n_samples // hop if center else 1 + (n_samples - n_fft) // hop
    return frames, n_fft // 2 + 1, n_mels


def spec_shape_no_plus_one(n_samples, n_fft, hop, n_mels, center=True):
    frames = n_samples // hop if center else (n_samples - n_fft) // hop
    return frames, n_fft // 2 + 1, n_mels


def spec_shape_mels_are_fft_bins(n_samples, n_fft, hop, n_mels, center=True):
    frames, bins, _ = spec_shape(n_samples, n_fft, hop, n_mels, center)
    return frames, bins, bins


# Exercise 0.2 (predict) and 0.3 (explore) --------------------------------------------------
CHORALE_FRAMES = 251
NFFT_TRADEOFF = "b"
EXPLORE_0_3 = """Sample answer: with n_fft=256 the spectrogram has 129 bins of 62.5 Hz each and the
harmonics of low notes merge into a smear, while note onsets look sharper; the Griffin-Lim
round trip sounds buzzier (phase errors show up with short windows) and its spectral
convergence gets worse. With n_fft=4096 (3.9 Hz bins) the harmonics are crisp lines but
the attack is smeared over 256 ms. Time and frequency resolution trade against each other."""

SOLUTIONS = {
    "check_spec_shape": spec_shape,
    "check_chorale_frames": CHORALE_FRAMES,
    "check_nfft_tradeoff": NFFT_TRADEOFF,
}
WRONG = {
    "check_spec_shape": [
        (spec_shape_no_plus_one, "one frame short"),
        (spec_shape_mels_are_fft_bins, "mel filterbank"),
    ],
    "check_chorale_frames": [(247, "center=False")],
    "check_nfft_tradeoff": [("a", "FINER time resolution")],
}
