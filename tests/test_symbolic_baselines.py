"""Baselines for the chorale measures: seeded, the right shapes, ranges and note lengths,
and shuffles that reuse every voice or bar of the real phrases exactly once."""

import numpy as np
import pytest

from gan_tutorial.symbolic import BAR_STEPS, LOW, N_PITCHES, PHRASE_STEPS, roll_notes
from gan_tutorial.symbolic import baselines as B
from gan_tutorial.symbolic.rolls import roll_from_notes

RANGES = [(60, 79), (55, 72), (48, 67), (40, 60)]


def real_like(n, seed=0):
    """``n`` distinct random four-voice rolls, one pitch per voice and step."""
    rng = np.random.default_rng(seed)
    notes = [
        (v, int(rng.integers(lo, hi + 1)), 8 * k, 8 * k + 8)
        for _ in range(n)
        for v, (lo, hi) in enumerate(RANGES)
        for k in range(PHRASE_STEPS // 8)
    ]
    per = 4 * PHRASE_STEPS // 8
    return np.stack([roll_from_notes(notes[i * per : (i + 1) * per]) for i in range(n)])


def test_random_in_key_is_seeded_in_range_white_keys_and_even_lengths():
    a = B.random_in_key(16, RANGES, seed=3)
    np.testing.assert_array_equal(a, B.random_in_key(16, RANGES, seed=3))
    assert not np.array_equal(a, B.random_in_key(16, RANGES, seed=4))
    assert a.shape == (16, 4, PHRASE_STEPS, N_PITCHES)
    assert a.dtype == np.uint8
    np.testing.assert_array_equal(a.sum(axis=-1), 1)  # every voice sounds one pitch, always
    for roll in a:
        for track, midi, start, end in roll_notes(roll):
            lo, hi = RANGES[track]
            assert lo <= midi <= hi
            assert midi % 12 in (0, 2, 4, 5, 7, 9, 11)
            assert start % 2 == 0
            assert (end - start) % 2 == 0


def test_random_in_key_durations_and_bad_ranges():
    halves = B.random_in_key(4, RANGES, seed=0, durations=(8,))
    for _, _, start, end in roll_notes(halves[0]):
        assert start % 8 == 0
        assert (end - start) % 8 == 0
    with pytest.raises(ValueError, match="range"):
        B.random_in_key(1, [(LOW - 12, LOW - 1)], seed=0)


def test_voice_ranges_quantiles():
    roll = roll_from_notes([(0, 60, 0, 2), (0, 67, 2, 62), (0, 72, 62, 64), (1, 48, 0, 64)])
    rolls = roll[None, :2]
    assert B.voice_ranges(rolls, q=0.0) == [(60, 72), (48, 48)]
    assert B.voice_ranges(rolls, q=0.05) == [(67, 67), (48, 48)]  # the 2-step ends cut
    with pytest.raises(ValueError, match="never sounds"):
        B.voice_ranges(np.zeros((1, 1, 8, 4)))


def source(part, candidates):
    """Index of the candidate equal to ``part``."""
    return next(j for j, c in enumerate(candidates) if np.array_equal(part, c))


def same_multiset(a, b):
    return sorted(x.tobytes() for x in a) == sorted(x.tobytes() for x in b)


def test_shuffle_voices_takes_each_voice_from_a_different_phrase():
    real = real_like(10)
    mixed = B.shuffle_voices(real, seed=1)
    np.testing.assert_array_equal(mixed, B.shuffle_voices(real, seed=1))
    assert mixed.shape == real.shape
    for v in range(4):  # every real voice used exactly once, in its own slot
        assert same_multiset(mixed[:, v], real[:, v])
    for i in range(len(real)):
        assert len({source(mixed[i, v], real[:, v]) for v in range(4)}) == 4


def test_shuffle_bars_keeps_bar_positions_and_mixes_phrases():
    real = real_like(10, seed=2)
    mixed = B.shuffle_bars(real, seed=5)
    assert mixed.shape == real.shape
    cuts = [slice(b * BAR_STEPS, (b + 1) * BAR_STEPS) for b in range(PHRASE_STEPS // BAR_STEPS)]
    for cut in cuts:  # every real bar used exactly once, at its own position
        assert same_multiset(mixed[:, :, cut], real[:, :, cut])
    for i in range(len(real)):
        assert len({source(mixed[i, :, cut], real[:, :, cut]) for cut in cuts}) == len(cuts)
