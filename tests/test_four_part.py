"""Measures of four-part writing (voicing, harmony, keys) on hand-made rolls, and the
separation test of :mod:`gan_tutorial.symbolic.judge`."""

import numpy as np
import pytest

from gan_tutorial.symbolic import harmony as H
from gan_tutorial.symbolic import judge as J
from gan_tutorial.symbolic import measures as M
from gan_tutorial.symbolic import voicing as V
from gan_tutorial.symbolic.rolls import roll_from_notes

S, A, T, B = range(4)


def chord_roll(*chords, length=8):
    """Consecutive four-voice chords ``(s, a, t, b)`` of ``length`` steps each."""
    return roll_from_notes(
        [
            (v, p, i * length, (i + 1) * length)
            for i, c in enumerate(chords)
            for v, p in enumerate(c)
            if p is not None
        ]
    )


def line(track, pitches, length=4):
    return [(track, p, i * length, (i + 1) * length) for i, p in enumerate(pitches)]


# --------------------------------------------------------------------------- voicing
def test_stepwise_share_per_voice_and_pooled():
    r = roll_from_notes(
        [
            *line(S, [72, 71, 69, 71, 72, 74, 72, 71]),  # all steps
            *line(A, [64, 69, 62, 67]),  # leaps of 5, 7, 5
            *line(T, [60, 62, 67, 65]),  # 2, 5, 2: two steps of three
        ]
    )
    shares = V.stepwise_shares(r)
    np.testing.assert_allclose(shares[:3], [1.0, 0.0, 2 / 3])
    assert np.isnan(shares[B])  # a silent bass has no interval
    assert V.stepwise_share(r) == pytest.approx((7 + 0 + 2) / (7 + 3 + 3))
    assert V.stepwise_share(r, tracks=(S,)) == 1.0


def test_melodic_intervals_skip_rests_and_held_notes():
    r = roll_from_notes([(S, 60, 0, 8), (S, 62, 12, 16), (S, 62, 20, 24), (S, 59, 24, 28)])
    line0 = M.voice_lines(r)[S]
    np.testing.assert_array_equal(V.melodic_intervals(line0), [2, -3])


def test_voice_order_and_crossing():
    ordered = (72, 67, 64, 48)
    alto_above = (67, 72, 64, 48)  # alto crosses above the soprano
    r = chord_roll(ordered, ordered, alto_above, alto_above, length=16)
    assert V.voice_order_share(r) == 0.5
    assert V.crossing_share(r) == pytest.approx(32 / (3 * 64))  # one pair of three, half
    unison = chord_roll((67, 67, 60, 48), length=64)
    assert V.voice_order_share(unison) == 1.0  # a unison is in order
    assert V.crossing_share(unison) == 0.0
    three = chord_roll((72, 67, None, 48), length=64)
    assert np.isnan(V.voice_order_share(three))  # never all four voices


def test_spacing_share_upper_voices_within_an_octave():
    r = chord_roll((72, 60, 55, 36), (74, 61, 55, 36), (72, 64, 48, 36), (72, 60, 55, 60))
    # S-A 12 ok; S-A 13 wide; A-T 16 wide; the bass lies anywhere
    assert V.spacing_share(r) == 0.5


def test_parallel_fifth_across_a_voice_crossing():
    # soprano BELOW the alto by a fifth, both up a step: C4/G4 -> D4/A4
    below = roll_from_notes([(S, 60, 0, 32), (S, 62, 32, 64), (A, 67, 0, 32), (A, 69, 32, 64)])
    assert V.parallel_fifths_octaves(below) == 1
    # the alto leaps from a fifth below the soprano to a fifth above it, same direction
    across = roll_from_notes([(S, 64, 0, 32), (S, 65, 32, 64), (A, 57, 0, 32), (A, 72, 32, 64)])
    assert V.parallel_fifths_octaves(across) == 1
    # a fifth to a fourth is no parallel
    fourth = roll_from_notes([(S, 67, 0, 32), (S, 69, 32, 64), (A, 60, 0, 32), (A, 64, 32, 64)])
    assert V.parallel_fifths_octaves(fourth) == 0


def test_smooth_joins_at_bar_lines():
    smooth = roll_from_notes(line(S, [60, 62, 64, 65], 16))  # steps across every bar line
    assert V.smooth_join_share(smooth) == 1.0
    held = roll_from_notes([(S, 60, 0, 64)])
    assert V.smooth_join_share(held) == 1.0
    leaps = roll_from_notes(line(S, [60, 67, 60, 67], 16))
    assert V.smooth_join_share(leaps) == 0.0
    assert np.isnan(V.smooth_join_share(roll_from_notes([(S, 60, 0, 8)])))


# --------------------------------------------------------------------------- harmony
def test_chord_labels_triads_sevenths_and_clusters():
    r = chord_roll(
        (72, 67, 64, 48),  # C
        (71, 65, 62, 55),  # G7
        (72, 69, 64, 45),  # Am
        (71, 65, 62, 47),  # B D F: Bdim
        (71, 65, 55, 43),  # G B F G: G7 without its fifth
        (61, 60, 62, 63),  # a cluster C C# D Eb
        (72, 67, 60, 48),  # C G only: an open fifth, no chord
        (68, 65, 62, 47),  # B D F Ab: a diminished seventh, root from the bass (B)
    )
    labels = H.chord_labels(r)[::8]
    assert labels == ["C", "G7", "Am", "Bdim", "G7", "", "", "Bdim7"]


def test_chord_share_triad_against_cluster():
    triad = chord_roll((72, 67, 64, 48), length=64)
    cluster = chord_roll((64, 63, 62, 61), length=64)
    assert H.chord_share(triad) == 1.0
    assert H.chord_share(cluster) == 0.0
    half = chord_roll((72, 67, 64, 48), (64, 63, 62, 61), length=32)
    assert H.chord_share(half) == 0.5
    two_voices = roll_from_notes([(S, 64, 0, 64), (B, 48, 0, 64)])
    assert np.isnan(H.chord_share(two_voices))  # never three voices
    assert H.chord_vocabulary(chord_roll((72, 67, 64, 48), (71, 65, 62, 55), (72, 67, 64, 48))) == 2


def test_perfect_cadence_is_found_and_near_misses_are_not():
    ii, v7, i = (69, 65, 62, 50), (71, 65, 62, 43), (72, 64, 60, 48)
    assert H.cadences(chord_roll(ii, v7, i)) == [(16, "C")]
    assert H.cadence_count(chord_roll(ii, v7, i)) == 1
    assert H.cadences(chord_roll((71, 68, 64, 52), (69, 64, 60, 45))) == [(8, "Am")]  # E-Am
    assert H.cadences(chord_roll(i, v7)) == []  # I-V: a half cadence
    assert H.cadences(chord_roll(ii, (71, 67, 62, 47), i)) == []  # V with B in the bass
    assert H.cadences(chord_roll((72, 69, 65, 53), i)) == []  # IV-I: plagal
    assert H.cadences(chord_roll(ii, v7, i, length=5)) == []  # I arrives off the beat
    # an anticipation (the soprano's C over G B: no chord) between V and I
    anticipated = roll_from_notes(
        [
            *line(S, [74, 72, 72, 72]),
            *line(A, [71, 71, 67, 67]),
            *line(T, [67, 67, 64, 64]),
            *line(B, [43, 43, 48, 48]),
        ]
    )
    assert H.chord_labels(anticipated)[:16:4] == ["G", "", "C", "C"]
    assert H.cadences(anticipated) == [(8, "C")]


def test_last_bar_cadence():
    v, i = (71, 65, 62, 43), (72, 64, 60, 48)
    late = chord_roll(*[i] * 6, v, i)  # arrives at step 56
    early = chord_roll(v, i, *[i] * 6)  # arrives at step 8
    assert H.last_bar_cadence(late) == 1.0
    assert H.last_bar_cadence(early) == 0.0


# --------------------------------------------------------------------------- keys
def test_in_key_share_counts_melodic_minors_raised_sixth():
    # A minor: A-C-E held, a rising line E F# G# A (melodic minor) in the soprano
    r = roll_from_notes(
        [(A, 60, 0, 64), (T, 57, 0, 64), (B, 45, 0, 64), *line(S, [76, 78, 80, 81], 16)]
    )
    assert M.key_name(M.estimate_key(M.pitch_class_histogram(r))) == "A minor"
    assert M.in_key_share(r) == 1.0
    assert M.scale((9, "minor")) == [9, 11, 0, 2, 4, 5, 6, 7, 8]


# --------------------------------------------------------------------------- judge
def test_auc_ties_and_order():
    assert J.auc(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.5
    assert J.auc(np.array([5.0, 6.0]), np.array([1.0, 2.0])) == 1.0
    assert J.auc(np.zeros(3), np.zeros(4)) == 0.5
    assert J.auc(np.zeros(2), np.array([0.0, 1.0])) == 0.25  # half ties, half below
    assert np.isnan(J.auc(np.array([np.nan]), np.ones(2)))


def test_separation_flags_what_differs_and_spares_what_does_not():
    rng = np.random.default_rng(0)
    real = {"a": rng.normal(0, 1, 200), "b": rng.normal(0, 1, 200)}
    other = {"a": rng.normal(0, 1, 200), "b": rng.normal(3, 1, 200)}
    v = J.separation({"real": real, "other": other})
    assert not v["real"]["a"].separates
    assert v["real"]["a"].auc == 0.5
    assert not v["other"]["a"].separates
    assert v["other"]["b"].separates
    assert v["other"]["b"].auc > 0.9
    text = J.separation_table(v, {"b": "the b measure"})
    assert "the b measure" in text
    assert text.splitlines()[-1].split()[-2:] == ["0", "1"]


def test_check_targets_ratios_and_differences():
    table = {
        "real": {
            "in_key": 0.94,
            "polyphony": 3.9,
            "empty_step": 0.02,
            "distinct": 1.0,
            "stepwise": 0.8,
            "voice_order": 0.96,
            "chord_share": 0.88,
        },
        "noise": {
            "in_key": 0.96,
            "polyphony": 3.7,
            "empty_step": 0.0,
            "distinct": 1.0,
            "stepwise": 0.2,
            "voice_order": 0.5,
            "chord_share": 0.62,
        },
    }
    got = J.check_targets(table)
    assert all(got["real"].values())
    failed = [t.key for t in J.TARGETS if not got["noise"][t.text]]
    assert failed == ["stepwise", "voice_order"]  # 0.62 >= 0.7 x 0.88 passes
    with pytest.raises(ValueError, match="kind"):
        J.Target("x", "about", 1.0, "x").passes(1.0, 1.0)
