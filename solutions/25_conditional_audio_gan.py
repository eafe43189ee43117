"""Reference solutions for notebook 25's exercises, and the typical wrong answers."""

import numpy as np


# Exercise 25.1: the projection discriminator's logits -------------------------------------
def projection_logits(h, w, b, E, y):
    return h @ w.T + b + np.sum(E[y] * h, axis=1, keepdims=True)


def projection_logits_no_label(h, w, b, E, y):
    return h @ w.T + b


def projection_logits_flat(h, w, b, E, y):
    return (h @ w.T + b)[:, 0] + np.sum(E[y] * h, axis=1)


# Exercise 25.4: the mode-seeking term --------------------------------------------------------
def mode_seeking(x, z, eps=1e-5):
    dx = np.abs(x[0::2] - x[1::2]).reshape(len(x) // 2, -1).mean(axis=1)
    dz = np.abs(z[0::2] - z[1::2]).mean(axis=1)
    return 1.0 / (np.mean(dx / dz) + eps)


def mode_seeking_msgan(x, z, eps=1e-5):
    """Also right: MSGAN's own code (Mao et al. 2019) divides the batch means,
    mean|x1 - x2| / mean|z1 - z2|, instead of averaging the ratio pair by pair."""
    lz = np.abs(x[1::2] - x[0::2]).mean() / np.abs(z[1::2] - z[0::2]).mean()
    return 1.0 / (lz + eps)


def mode_seeking_ratio(x, z, eps=1e-5):
    dx = np.abs(x[0::2] - x[1::2]).reshape(len(x) // 2, -1).mean(axis=1)
    dz = np.abs(z[0::2] - z[1::2]).mean(axis=1)
    return np.mean(dx / dz)


def mode_seeking_halves(x, z, eps=1e-5):
    h = len(x) // 2
    dx = np.abs(x[:h] - x[h:]).reshape(h, -1).mean(axis=1)
    dz = np.abs(z[:h] - z[h:]).mean(axis=1)
    return 1.0 / (np.mean(dx / dz) + eps)


# Exercise 25.2 (predict) and 25.3 (explore) ------------------------------------------------
LABEL_SWAP = "b"
EMA_HORIZON = 200
VELOCITY_HEAD_OFF = "b"
EXPLORE_25_3 = """Sample answer: 1 / (1 - 0.995) = 200 steps. With 0.999 (1000 steps) a
3000-step run still averages in the weights of the first third, when pitch was not yet
learned, and pitch accuracy of the EMA samples lags; with 0.99 (100 steps) the samples are
almost the raw generator's, noisier from step to step."""

EXPLORE_25_4 = """Sample answer (example runs, laptop profile, seed 0, 7000 steps): with
mode_seeking=0.1 the loudness spread within one (pitch, family) grew from almost nothing to
more than the real velocities' (mean log-mel level spread 0.65 against 0.50 for real notes),
but precision/recall fell to 0.27 / 0.20, against 0.38 / 0.29 without the term. z now
matters, but the variety it adds is not the variety of real notes, and the discriminator
cannot push it there in the time we have."""

SOLUTIONS = {
    "check_projection_logits": projection_logits,
    "check_label_swap": LABEL_SWAP,
    "check_ema_horizon": EMA_HORIZON,
    "check_mode_seeking": mode_seeking,
    "check_velocity_head": VELOCITY_HEAD_OFF,
}
ALSO_CORRECT = {"check_mode_seeking": [mode_seeking_msgan]}
NOTES = {  # accepted variant -> words its note must contain
    "mode_seeking_msgan": "MSGAN's own formula",
}
WRONG = {
    "check_projection_logits": [
        (projection_logits_no_label, "label is missing"),
        (projection_logits_flat, "keepdims"),
    ],
    "check_label_swap": [("c", "h(x) is computed from the spectrogram alone")],
    "check_ema_horizon": [(995, "not a step count")],
    "check_mode_seeking": [
        (mode_seeking_ratio, "its inverse"),
        (mode_seeking_halves, "neighbours"),
    ],
    "check_velocity_head": [("a", "three velocities"), ("c", "nothing rewards a wide spread")],
}
