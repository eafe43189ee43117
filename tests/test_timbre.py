"""Tests for gan_tutorial.metrics.timbre on constructed cases: a collapsed set scores low,
a real-vs-real split scores about 1, a copied training set is flagged."""

from __future__ import annotations

import numpy as np
import pytest

from gan_tutorial import metrics as M

N_FAM, N_INST = 4, 4  # instruments 4f .. 4f+3 belong to family f


def head_probs(instruments: np.ndarray, rng: np.random.Generator, sure: float = 0.6) -> np.ndarray:
    """``(N, N_FAM * N_INST)`` probabilities whose argmax is ``instruments``, with noise."""
    k = N_FAM * N_INST
    p = rng.dirichlet(np.ones(k), size=len(instruments)) * (1 - sure)
    p[np.arange(len(instruments)), instruments] += sure
    return p


def real_instruments(rng: np.random.Generator, per_family: int) -> tuple[np.ndarray, np.ndarray]:
    """Families and instruments of real clips: every instrument of a family equally often."""
    fams = np.repeat(np.arange(N_FAM), per_family)
    inst = N_INST * fams + rng.integers(0, N_INST, size=fams.size)
    return fams, inst


def test_effective_number_counts_equally_likely_categories() -> None:
    assert M.effective_number([5, 5, 5, 5]) == pytest.approx(4.0)
    assert M.effective_number([0, 7, 0]) == pytest.approx(1.0)
    assert 1.0 < M.effective_number([9, 1]) < 2.0
    with pytest.raises(ValueError, match="all zero"):
        M.effective_number([0, 0])
    with pytest.raises(ValueError, match="counts"):
        M.effective_number([-1, 2])


def test_coverage_one_instrument_per_family_scores_low_and_real_split_about_one() -> None:
    rng = np.random.default_rng(0)
    fams, inst = real_instruments(rng, 400)
    real = M.instrument_coverage(head_probs(inst, rng), fams)
    assert all(3.8 < v <= 4.0 for v in real.values())

    fams2, inst2 = real_instruments(rng, 400)
    other_real = M.instrument_coverage(head_probs(inst2, rng), fams2)
    assert M.coverage_ratio(other_real, real) == pytest.approx(1.0, abs=0.05)

    collapsed = M.instrument_coverage(head_probs(N_INST * fams, rng), fams)
    assert collapsed == {f: pytest.approx(1.0) for f in range(N_FAM)}
    assert M.coverage_ratio(collapsed, real) == pytest.approx(0.25, abs=0.02)


def test_coverage_counts_a_blurred_average_timbre_as_one_instrument() -> None:
    # every clip is unsure between the family's 4 instruments but leans to the first:
    # the mean probabilities look spread (effective number near 4), argmax does not
    fams = np.repeat(np.arange(N_FAM), 50)
    p = np.zeros((fams.size, N_FAM * N_INST))
    for j, w in enumerate([0.28, 0.24, 0.24, 0.24]):
        p[np.arange(fams.size), N_INST * fams + j] = w
    assert M.effective_number(p[fams == 0].mean(axis=0)) > 3.9
    assert M.instrument_coverage(p, fams)[0] == pytest.approx(1.0)


def test_coverage_rejects_logits_and_mismatched_families() -> None:
    with pytest.raises(ValueError, match="softmax"):
        M.instrument_coverage([[2.0, -1.0]], [0])
    with pytest.raises(ValueError, match="families"):
        M.instrument_coverage([[0.5, 0.5], [1.0, 0.0]], [0])
    with pytest.raises(ValueError, match="same families"):
        M.coverage_ratio({0: 2.0}, {0: 2.0, 1: 3.0})


def labelled_clips(
    rng: np.random.Generator, n_labels: int, per_label: int, d: int = 8
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clips around one centre per (pitch, family) label: embeddings, labels, centres."""
    centres = rng.normal(0, 5, size=(n_labels, d))
    labels = np.stack([np.arange(n_labels) % 5 + 60, np.arange(n_labels) // 5], axis=1)
    idx = np.repeat(np.arange(n_labels), per_label)
    emb = centres[idx] + rng.normal(0, 1, size=(idx.size, d))
    return emb, labels[idx], centres


def test_diversity_collapsed_label_scores_zero_and_real_split_about_one() -> None:
    rng = np.random.default_rng(1)
    emb, labels, centres = labelled_clips(rng, 20, 32)
    first = np.tile(np.arange(32) < 16, 20)
    ratio = M.diversity_ratio(emb[first], labels[first], emb[~first], labels[~first])
    assert ratio == pytest.approx(1.0, abs=0.1)

    # a lookup table: every clip of a label is the same clip
    _, inverse = np.unique(labels, axis=0, return_inverse=True)
    table = centres[inverse.ravel()]
    assert M.within_label_diversity(table, labels) == 0.0
    assert M.diversity_ratio(table, labels, emb, labels) == 0.0


def test_diversity_single_clip_labels_are_nan_and_skipped() -> None:
    emb = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 10.0]])
    labels = [(60, 0), (60, 0), (62, 1)]
    per_label = M.label_diversity(emb, labels)
    assert per_label[(60, 0)] == pytest.approx(5.0)
    assert np.isnan(per_label[(62, 1)])
    assert M.within_label_diversity(emb, labels) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="2 or more clips"):
        M.within_label_diversity(emb, [1, 2, 3])
    with pytest.raises(ValueError, match="at least 1 rows"):
        M.within_label_diversity(np.zeros((0, 2)), [])
    with pytest.raises(ValueError, match="both"):  # no label repeated in both sets
        M.diversity_ratio(emb, labels, emb, [1, 2, 3])


def test_memorisation_flags_copies_and_passes_new_real_clips() -> None:
    rng = np.random.default_rng(2)
    real = rng.normal(size=(600, 16))
    train, heldout, fresh = real[:400], real[400:500], real[500:]
    honest = M.memorisation(fresh, train, heldout)
    assert honest["ratio"] == pytest.approx(1.0, abs=0.15)
    assert not honest["memorised"]
    assert honest["gen_distances"].shape == (100,)
    assert honest["heldout_distances"].shape == (100,)

    copies = train[:100] + rng.normal(0, 0.01, size=(100, 16))
    copied = M.memorisation(copies, train, heldout)
    assert copied["memorised"]
    assert copied["ratio"] < 0.05
    assert np.all(copied["gen_distances"] < 0.2)


def test_memorisation_needs_heldout_clips_outside_the_training_set() -> None:
    train = np.random.default_rng(3).normal(size=(50, 4))
    with pytest.raises(ValueError, match="held-out"):
        M.memorisation(train[:10] + 1.0, train, train[:10])
    with pytest.raises(ValueError, match="dimension"):
        M.nearest_distances(np.zeros((2, 3)), np.zeros((2, 4)))
