"""Reference solutions for notebook 22c's exercises, and the typical wrong answers.

``SOLUTIONS`` maps each checker name to its reference answer; ``WRONG`` maps it to
``(wrong answer, words the checker's hint must contain)`` pairs. ``make solutions`` and
tests/test_exercises.py run every checker on both. ``EXPLORE_22C_2`` is a sample answer to
the explore part of exercise 22c.2.
"""

import numpy as np

from gan_tutorial.symbolic import measures as M
from gan_tutorial.symbolic.rolls import LOW

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 9, 10, 11)  # natural minor plus melodic minor's raised 6th and 7th

# Exercise 22c.1: what the alto's z reaches ---------------------------------------------------
ALTO_LATENT = "a"  # only the alto: its latent enters only the alto's private (grouped) branch

# Exercise 22c.2: real phrases per generator step ---------------------------------------------
REAL_PHRASES_PER_STEP = 3 * 32

EXPLORE_22C_2 = """Sample answer (what to look for; not a measured run). In a fixed wall-clock
budget, n_critic = 1 buys the most generator steps and n_critic = 5 the fewest: every critic
step has its own forward, backward and gradient-penalty pass. The in-key share and polyphony
are learned early by any setting (white keys and four sounding voices are easy to see), so
they barely tell the runs apart. Look at the measures that need the critic to judge
relations: parallel fifths and octaves, voice order and chord share. If n_critic = 1 does as
well there, the critic keeps up without extra steps on this data, and the extra steps only
cost time; if it does worse, the generator was following a critic that was not yet near its
optimum, which is what WGAN's n_critic is for. In the course's tuning log (docs/musegan_tuning.md,
one example run each, 8 minutes), n_critic = 1 bought about 30 % more generator steps and kept
stepwise motion and voice order, but its chord share fell to about half of real's, where two
critic steps kept it near 0.7. One seed each is a weak comparison: differences smaller than the
spread between two seeds of one setting are noise."""


# Exercise 22c.3: sampling a held note ---------------------------------------------------------
HELD_NOTE_SAMPLING = "b"  # 0.9 + 15 x 0.1 x 0.9 = 2.25 notes on average


# Exercise 22c.4: the share of note-steps in a given key --------------------------------------
def share_in_key(roll, key):
    tonic, mode = key
    per_pitch = np.asarray(roll).sum(axis=(0, 1))  # sounding steps per pitch index
    counts = np.zeros(12)
    for k, n in enumerate(per_pitch):
        counts[(LOW + k) % 12] += n
    scale = [(tonic + s) % 12 for s in (MAJOR if mode == "major" else MINOR)]
    return float(counts[scale].sum() / counts.sum())


def share_in_estimated_key(roll, key):
    """Wrong: the library's measure estimates its own key and ignores the one given."""
    return M.in_key_share(roll)


def share_in_key_major_only(roll, key):
    counts = M.pitch_class_histogram(roll)
    return float(counts[[(key[0] + s) % 12 for s in MAJOR]].sum() / counts.sum())


def share_in_key_scale_from_c(roll, key):
    counts = M.pitch_class_histogram(roll)
    steps = MAJOR if key[1] == "major" else MINOR
    return float(counts[list(steps)].sum() / counts.sum())


# Exercise 22c.5: a step-wise walk that fools five targets -------------------------------------
WHITE = (0, 2, 4, 5, 7, 9, 11)


def step_walks(n, ranges, seed):
    rng = np.random.default_rng(seed)
    rolls = np.zeros((n, len(ranges), 64, 48), np.uint8)
    for i in range(n):
        for v, (lo, hi) in enumerate(ranges):
            keys = [m for m in range(lo, hi + 1) if m % 12 in WHITE]
            k, t = int(rng.integers(len(keys))), 0
            while t < 64:
                length = int(rng.choice([2, 4]))
                rolls[i, v, t : t + length, keys[k] - LOW] = 1
                t += length
                if k == 0 or k == len(keys) - 1:
                    k = 1 if k == 0 else k - 1  # turn around at the range's ends
                else:
                    k += int(rng.choice([-1, 1]))
    return rolls


def walks_by_thirds(n, ranges, seed):
    """Wrong: two white keys per move is a third (3 or 4 semitones), not a step."""
    rng = np.random.default_rng(seed)
    rolls = np.zeros((n, len(ranges), 64, 48), np.uint8)
    for i in range(n):
        for v, (lo, hi) in enumerate(ranges):
            keys = [m for m in range(lo, hi + 1) if m % 12 in WHITE]
            k = int(rng.integers(2, len(keys) - 2))
            for t in range(0, 64, 2):
                rolls[i, v, t : t + 2, keys[k] - LOW] = 1
                k = (
                    k + 2
                    if k < 2
                    else k - 2
                    if k >= len(keys) - 2
                    else k + int(rng.choice([-2, 2]))
                )
    return rolls


def chromatic_walks(n, ranges, seed):
    """Wrong: moving by one semitone from a white key lands on black keys."""
    rng = np.random.default_rng(seed)
    rolls = np.zeros((n, len(ranges), 64, 48), np.uint8)
    for i in range(n):
        for v, (lo, hi) in enumerate(ranges):
            m = int(rng.integers(lo + 1, hi))
            for t in range(0, 64, 2):
                rolls[i, v, t : t + 2, m - LOW] = 1
                m = min(max(m + int(rng.choice([-1, 1])), lo), hi)
    return rolls


SOLUTIONS = {
    "check_alto_latent": ALTO_LATENT,
    "check_real_phrases_per_step": REAL_PHRASES_PER_STEP,
    "check_held_note_sampling": HELD_NOTE_SAMPLING,
    "check_share_in_key": share_in_key,
    "check_step_walks": step_walks,
}
WRONG = {
    "check_alto_latent": [("b", "private branch"), ("c", "grouped by voice")],
    "check_real_phrases_per_step": [(32, "n_critic = 3"), (128, "no real phrases")],
    "check_held_note_sampling": [("a", "splits the note"), ("c", "2.25 notes")],
    "check_share_in_key": [
        (share_in_estimated_key, "gives you the key"),
        (share_in_key_major_only, "minor steps"),
        (share_in_key_scale_from_c, "key's tonic"),
    ],
    "check_step_walks": [
        (walks_by_thirds, "neighbouring white key"),
        (chromatic_walks, "white keys"),
    ],
}
