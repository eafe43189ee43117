"""Reference solutions for notebook 22c's exercises, and the typical wrong answers.

``SOLUTIONS`` maps each checker name to its reference answer; ``WRONG`` maps it to
``(wrong answer, words the checker's hint must contain)`` pairs. ``make solutions`` and
tests/test_exercises.py run every checker on both.
"""

from gan_tutorial.symbolic import measures as M

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 9, 10, 11)  # natural minor plus melodic minor's raised 6th and 7th


# Exercise 22c.1: the in-key share ----------------------------------------------------------
def in_key_share(roll):
    hist = M.pitch_class_histogram(roll)
    tonic, mode = M.estimate_key(hist)
    scale = [(tonic + s) % 12 for s in (MAJOR if mode == "major" else MINOR)]
    return float(hist[scale].sum() / hist.sum())


def in_key_major_only(roll):
    hist = M.pitch_class_histogram(roll)
    tonic, _ = M.estimate_key(hist)
    return float(hist[[(tonic + s) % 12 for s in MAJOR]].sum() / hist.sum())


def in_key_scale_from_c(roll):
    hist = M.pitch_class_histogram(roll)
    _, mode = M.estimate_key(hist)
    return float(hist[list(MAJOR if mode == "major" else MINOR)].sum() / hist.sum())


# Exercise 22c.2: threshold vs Bernoulli -----------------------------------------------------
THRESHOLD_VS_BERNOULLI = "b"

# Exercise 22c.3: real phrases per generator step ---------------------------------------------
REAL_PHRASES_PER_STEP = 3 * 32


SOLUTIONS = {
    "check_in_key_share": in_key_share,
    "check_threshold_vs_bernoulli": THRESHOLD_VS_BERNOULLI,
    "check_real_phrases_per_step": REAL_PHRASES_PER_STEP,
}
WRONG = {
    "check_in_key_share": [
        (in_key_major_only, "minor steps"),
        (in_key_scale_from_c, "estimated tonic"),
    ],
    "check_threshold_vs_bernoulli": [("a", "splits the note"), ("c", "only the gaps")],
    "check_real_phrases_per_step": [(32, "n_critic = 3"), (128, "no real phrases")],
}
