"""Reference solutions for notebook 24's exercises, and the typical wrong answers.

``SOLUTIONS`` maps each checker name to its reference answer; ``WRONG`` maps it to
``(wrong answer, words the checker's hint must contain)`` pairs. ``make solutions`` and
tests/test_exercises.py run every checker on both.
"""

import numpy as np
import scipy.linalg
from scipy import special
from scipy.spatial.distance import jensenshannon


# Exercise 24.2: the Fréchet distance ------------------------------------------------------
def frechet_distance(mu1, sigma1, mu2, sigma2):
    diff = mu1 - mu2
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    if np.iscomplexobj(covmean):  # tiny imaginary parts from round-off
        covmean = covmean.real
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def frechet_distance_eig(mu1, sigma1, mu2, sigma2):
    """Also right: tr sqrt(s1 s2) is the sum of square roots of the eigenvalues of s1 s2."""
    eig = np.linalg.eigvals(sigma1 @ sigma2).astype(complex)
    tr_covmean = np.sqrt(eig).sum().real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2) - 2 * tr_covmean)


def fd_missing_trace(mu1, sigma1, mu2, sigma2):
    return float(np.sum((mu1 - mu2) ** 2))


def fd_complex_unhandled(mu1, sigma1, mu2, sigma2):
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    return np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2 - 2 * covmean)


def fd_wrong_sign(mu1, sigma1, mu2, sigma2):
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2).real
    return float(np.sum((mu1 - mu2) ** 2) + np.trace(sigma1 + sigma2 + 2 * covmean))


# Exercise 24.5: the Inception Score --------------------------------------------------------
def inception_score(probs):
    py = probs.mean(axis=0, keepdims=True)
    kl = special.rel_entr(probs, py).sum(axis=1)
    return float(np.exp(kl.mean()))


def is_without_exp(probs):
    py = probs.mean(axis=0, keepdims=True)
    return float(special.rel_entr(probs, py).sum(axis=1).mean())


def is_reversed_kl(probs):
    py = np.broadcast_to(probs.mean(axis=0), probs.shape)
    return float(np.exp(special.rel_entr(py, probs).sum(axis=1).mean()))


# Exercise 24.1: JS divergence and distance -------------------------------------------------
def js_divergence(p, q):
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2
    return float((special.rel_entr(p, m).sum() + special.rel_entr(q, m).sum()) / 2 / np.log(2))


def js_distance(p, q):
    return float(np.sqrt(js_divergence(p, q)))


def js_divergence_returns_distance(p, q):
    return float(jensenshannon(p, q, base=2))


def js_divergence_natural_log(p, q):
    return js_divergence(p, q) * np.log(2)


# Exercise 24.4 (predict) and 24.3 (explore) ------------------------------------------------
IS_ONE_NOTE = 1.0
FID_SAMPLE_SIZE = "b"
EXPLORE_24_3 = """Sample answer: (b). The same real held-out clips get a clearly larger FID
with N_FEW = 10 than with all of them, and the FID falls as N_FEW grows (roughly linearly in
1/N, as the plot above shows). Covariances estimated from few samples are noisy, and noise
makes two Gaussians look further apart, so FID is biased UPWARD for small N. Compare models
only at the same N (or extrapolate to FID_inf)."""

SOLUTIONS = {
    "check_frechet_distance": frechet_distance,
    "check_inception_score": inception_score,
    "check_js_divergence": js_divergence,
    "check_js_distance": js_distance,
    "check_is_one_note": IS_ONE_NOTE,
    "check_fid_sample_size": FID_SAMPLE_SIZE,
}
ALSO_CORRECT = {"check_frechet_distance": [frechet_distance_eig]}
WRONG = {
    "check_frechet_distance": [
        (fd_missing_trace, "trace term"),
        (fd_complex_unhandled, "complex"),
        (fd_wrong_sign, "wrong sign"),
    ],
    "check_inception_score": [
        (is_without_exp, "exponentiate"),
        (is_reversed_kl, "KL(p(y|x) || p(y))"),
    ],
    "check_js_divergence": [
        (js_divergence_returns_distance, "JS DISTANCE"),
        (js_divergence_natural_log, "base 2"),
    ],
    "check_js_distance": [(js_divergence, "square root")],
    "check_is_one_note": [(0, "exp(0) = 1")],
    "check_fid_sample_size": [("c", "bias is upward")],
}
