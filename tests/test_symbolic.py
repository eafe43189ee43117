"""The symbolic-music pipeline: rolls, MIDI round trip, chorale phrases, transposition and
every music measure on hand-made rolls."""

import numpy as np
import pytest

from gan_tutorial.symbolic import (
    LOW,
    N_PITCHES,
    PHRASE_STEPS,
    VOICES,
    chorale_phrases,
    decode,
    listen,
    midi_bytes,
    midi_phrases,
    note_name,
    roll_to_midi,
    tonic_shift,
    transpose,
)
from gan_tutorial.symbolic import measures as M


def empty(tracks=4):
    return np.zeros((tracks, PHRASE_STEPS, N_PITCHES), dtype=np.uint8)


def put(roll, track, midi, start, end):
    roll[track, start:end, midi - LOW] = 1
    return roll


def c_major_scale():
    """Soprano plays C4 D4 ... C5 up and down in eighth notes (2 steps each)."""
    r = empty()
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    seq = scale + scale[::-1] + scale + scale[::-1]
    for i, p in enumerate(seq):
        put(r, 0, p, 2 * i, 2 * i + 2)
    return r


def random_roll(seed=0, density=0.05):
    rng = np.random.default_rng(seed)
    return (rng.random((4, PHRASE_STEPS, N_PITCHES)) < density).astype(np.uint8)


# --------------------------------------------------------------------------- rolls and MIDI
def test_note_names():
    assert [note_name(p) for p in (60, 61, 69, 36, 83)] == ["C4", "C#4", "A4", "C2", "B5"]


def test_roll_to_midi_to_roll_is_exact():
    import io

    import pretty_midi

    roll = random_roll(1, 0.04)
    roll[:, :, 0] = 1  # a note held through the whole phrase
    roll[1] = 0  # a silent alto: it has no instrument in the file read back
    pm = roll_to_midi(roll, tempo=97.0)
    assert [i.name for i in pm.instruments] == ["soprano", "alto", "tenor", "bass"]
    back = midi_phrases(pretty_midi.PrettyMIDI(io.BytesIO(midi_bytes(pm))), 4)
    assert back.shape == (1, *roll.shape)
    np.testing.assert_array_equal(back[0], roll)


def test_midi_phrases_cut_at_bar_lines_and_merge():
    import pretty_midi

    a, b = random_roll(2), random_roll(3)
    pm = roll_to_midi(np.concatenate([a, b], axis=1))  # 8 bars -> two phrases
    rolls = midi_phrases(pm, 4)
    np.testing.assert_array_equal(rolls, np.stack([a, b]))
    merged = midi_phrases(pm, merge=True)
    np.testing.assert_array_equal(merged[:, 0], np.stack([a.max(0), b.max(0)]))
    pm.time_signature_changes = [pretty_midi.TimeSignature(3, 4, 0.0)]
    with pytest.raises(ValueError, match="4/4"):
        midi_phrases(pm, 4)


def test_transpose_moves_every_note_and_refuses_to_leave_the_range():
    r = c_major_scale()
    up = transpose(r, 5)
    assert up.sum() == r.sum()
    np.testing.assert_array_equal(up[..., 5:], r[..., :-5])
    np.testing.assert_array_equal(transpose(up, -5), r)
    with pytest.raises(ValueError, match="out of"):
        transpose(r, N_PITCHES - (72 - LOW))


@pytest.mark.parametrize(
    ("sharps", "shift"), [(0, 0), (1, 5), (2, -2), (-1, -5), (-3, -3), (4, -4), (6, -6)]
)
def test_tonic_shift_moves_the_key_signature_to_c(sharps, shift):
    assert tonic_shift(sharps) == shift
    tonic = (7 * sharps) % 12  # the major tonic of that key signature
    assert (tonic + shift) % 12 == 0


def test_threshold_and_bernoulli_decoding():
    p = np.zeros((4, PHRASE_STEPS, N_PITCHES), dtype=np.float32)
    p[0, :, 10] = 0.9
    p[0, :, 11] = 0.6
    p[1, :, 20] = 0.3
    hard = decode(p, "threshold")
    assert hard[0, :, 10].all()
    assert hard[0, :, 11].all()
    assert not hard[1].any()
    mono = decode(p, "threshold", monophonic=True)
    assert mono[0, :, 10].all()
    assert not mono[0, :, 11].any()
    rng = np.random.default_rng(0)
    many = np.stack([decode(p, "bernoulli", rng=rng) for _ in range(200)])
    assert abs(many[:, 1, :, 20].mean() - 0.3) < 0.03  # sampled at its probability
    assert many[:, 2].sum() == 0  # probability 0 never sounds
    with pytest.raises(ValueError, match="categorical"):
        decode(p, "nearest")


def voice_probs(rng, shape=(3, 4, PHRASE_STEPS), concentration=0.3):
    """Softmax-head outputs: a Dirichlet draw over the pitches and a rest, rest dropped."""
    full = rng.dirichlet(np.full(N_PITCHES + 1, concentration), size=shape)
    return full[..., :N_PITCHES].astype(np.float32)


@pytest.mark.parametrize("seed", range(20))
def test_categorical_and_argmax_never_give_one_voice_two_pitches(seed):
    rng = np.random.default_rng(seed)
    p = voice_probs(rng, concentration=rng.choice([0.05, 0.3, 2.0]))
    for method in ("categorical", "argmax"):
        roll = decode(p, method, rng=rng)
        assert roll.shape == p.shape
        assert roll.dtype == np.uint8
        assert roll.sum(axis=-1).max() <= 1
        assert not roll[p == 0].any()  # a pitch of probability 0 is never chosen


def test_categorical_samples_each_choice_at_its_probability():
    p = np.zeros((4, PHRASE_STEPS, N_PITCHES), dtype=np.float32)
    p[0, :, 10], p[0, :, 20] = 0.3, 0.5  # and a rest with 0.2
    p[1, :, 5] = 1.0
    p[2, :, 7] = 0.4  # a rest with 0.6 is the most probable choice
    rng = np.random.default_rng(0)
    many = np.stack([decode(p, "categorical", rng=rng) for _ in range(100)])
    assert abs(many[:, 0, :, 10].mean() - 0.3) < 0.02
    assert abs(many[:, 0, :, 20].mean() - 0.5) < 0.02
    assert abs(1 - many[:, 0].sum(axis=-1).mean() - 0.2) < 0.02  # rests
    assert many[:, 1, :, 5].all()
    assert many[:, 3].sum() == 0  # probability 1 of a rest
    best = decode(p, "argmax")
    assert best[0, :, 20].all()
    assert best[0].sum() == PHRASE_STEPS
    assert not best[2].any()  # the rest beats pitch 7
    assert best[1, :, 5].all()


def test_voice_decoding_refuses_sigmoid_outputs():
    p = np.full((4, PHRASE_STEPS, N_PITCHES), 0.1, dtype=np.float32)  # sums to 4.8
    with pytest.raises(ValueError, match="sigmoid"):
        decode(p, "categorical")
    assert decode(p, "bernoulli", rng=np.random.default_rng(0)).sum(axis=-1).max() > 1


# --------------------------------------------------------------------------- chorale phrases
@pytest.fixture(scope="module")
def bwv347(tmp_path_factory):
    pytest.importorskip("music21")
    return chorale_phrases(
        names=["bach/bwv347"], cache_dir=tmp_path_factory.mktemp("phr"), progress=False
    )


def test_chorale_phrase_matches_music21_notes(bwv347):
    from music21 import corpus, key, stream

    score = corpus.parse("bach/bwv347")
    ks = score.recurse().getElementsByClass(key.KeySignature).first()
    shift = tonic_shift(ks.sharps)
    assert (bwv347.shift == shift).all()
    first_full = next(
        float(m.offset)
        for m in score.parts[0].getElementsByClass(stream.Measure)
        if m.duration.quarterLength == 4
    )
    i = int(np.flatnonzero(bwv347.start_bar == 0)[0])
    expected = empty()
    for v, part in enumerate(score.parts):
        for n in part.flatten().notes:
            a, b = float(n.offset) - first_full, float(n.offset + n.quarterLength) - first_full
            if b <= 0 or a >= 16:
                continue
            for p in n.pitches:
                expected[v, max(0, round(4 * a)) : min(64, round(4 * b)), p.midi + shift - LOW] = 1
    np.testing.assert_array_equal(bwv347.roll[i], expected)
    assert expected.sum() > 200  # four voices really sound


def test_chorale_phrases_cache_manifest_and_cut(bwv347, tmp_path):
    m = bwv347.manifest
    assert m["count"] == len(bwv347)
    assert m["chorales"] == 1
    assert bwv347.roll.shape[1:] == (4, PHRASE_STEPS, N_PITCHES)
    starts = bwv347.start_bar
    np.testing.assert_array_equal(np.diff(starts[bwv347.cut]) % 4, 0)
    # overlapping windows agree where they overlap: window i+1's first bar = window i's second
    j = int(np.flatnonzero(starts == starts[0] + 1)[0])
    np.testing.assert_array_equal(bwv347.roll[0][:, 16:], bwv347.roll[j][:, :48])
    again = chorale_phrases(names=["bach/bwv347"], cache_dir=m["folder"].rsplit("/", 1)[0])
    np.testing.assert_array_equal(again.roll, bwv347.roll)


def test_random_in_key_notes_pass_the_old_targets_and_fail_the_four_part_ones(bwv347):
    from gan_tutorial.symbolic import baselines, judge

    real = bwv347.roll
    sets = {
        "real": real,
        "random in-key": baselines.random_in_key(32, baselines.voice_ranges(real), seed=0),
    }
    got = judge.check_targets(M.compare(sets))
    assert all(got["real"].values())
    assert all(got["random in-key"][t.text] for t in judge.OLD_TARGETS)
    assert sum(not got["random in-key"][t.text] for t in judge.NEW_TARGETS) >= 2


def test_chorales_in_other_metres_are_skipped_and_counted(tmp_path):
    pytest.importorskip("music21")
    ds = chorale_phrases(names=["bach/bwv347", "bach/bwv269"], cache_dir=tmp_path, progress=False)
    assert "3/4" in ds.manifest["skipped"]["bach/bwv269"]
    assert set(ds.bwv) == {"bwv347"}


# --------------------------------------------------------------------------- measures
def test_in_key_share_c_major_scale_is_one():
    r = c_major_scale()
    assert M.in_key_share(r) == 1.0
    assert M.estimate_key(M.pitch_class_histogram(r))[1] in ("major", "minor")


def test_in_key_share_finds_the_key_of_a_transposed_scale():
    r = transpose(c_major_scale(), 2)  # D major
    assert M.key_name(M.estimate_key(M.pitch_class_histogram(r))) == "D major"
    assert M.in_key_share(r) == 1.0


def test_in_key_share_chromatic_cluster_is_low():
    r = empty()
    for k, p in enumerate(range(60, 72)):  # all twelve pitch classes, held together
        put(r, k % 4, p, 0, 64)
    assert M.in_key_share(r) <= 8 / 12
    assert M.in_key_share(r) < M.in_key_share(c_major_scale())


def test_parallel_fifths_and_octaves_are_counted():
    r = empty()
    # soprano/alto: G4/C4 -> A4/D4 -> B4/E4 : two parallel fifths
    for i, (s, a) in enumerate([(67, 60), (69, 62), (71, 64)]):
        put(r, 0, s, 16 * i, 16 * i + 16)
        put(r, 1, a, 16 * i, 16 * i + 16)
    assert M.parallel_fifths_octaves(r) == 2
    # add a bass doubling the alto two octaves down: alto/bass parallel octaves (2), and the
    # soprano/bass twelfths are fifths too (2)
    for i, a in enumerate([60, 62, 64]):
        put(r, 3, a - 24, 16 * i, 16 * i + 16)
    assert M.parallel_fifths_octaves(r) == 6
    # contrary motion into a fifth is not parallel
    c = empty()
    put(put(c, 0, 67, 0, 16), 1, 60, 0, 16)  # fifth
    put(put(c, 0, 64, 16, 32), 1, 57, 16, 32)  # fifth again, both moved down: parallel
    put(put(c, 0, 72, 32, 48), 1, 65, 32, 48)  # soprano up 8, alto up 8: parallel
    put(put(c, 0, 76, 48, 64), 1, 64, 48, 64)  # major sixth: not perfect
    assert M.parallel_fifths_octaves(c) == 2
    oblique = empty()
    put(put(oblique, 0, 67, 0, 32), 1, 60, 0, 16)
    put(oblique, 1, 55, 16, 32)  # G4/C4 -> G4/G3: octave by oblique motion
    assert M.parallel_fifths_octaves(oblique) == 0


def test_polyphony_and_empty_shares_of_a_constructed_roll():
    r = empty()
    put(r, 0, 72, 0, 64)  # soprano all the way
    put(r, 1, 67, 0, 32)  # alto first half
    put(r, 2, 60, 0, 16)  # tenor first bar
    put(r, 3, 48, 0, 16)  # bass first bar
    # steps 0-15: 4 pitches, 16-31: 2, 32-63: 1 -> (16*4 + 16*2 + 32*1) / 64 = 2.0
    assert M.polyphony(r) == 2.0
    put(r, 3, 60, 0, 16)  # a unison with the tenor adds no new pitch (bass 48 still sounds)
    assert M.polyphony(r) == 2.0
    assert M.empty_step_share(r) == (0 + 32 + 48 + 48) / (4 * 64)
    assert M.empty_bar_share(r) == (0 + 2 + 3 + 3) / 16


def test_used_pitch_classes_qualified_notes_and_ranges():
    r = c_major_scale()
    # each bar holds 8 eighths: bar 0 = C D E F G A B C -> 7 pitch classes
    assert M.used_pitch_classes(r) == 7.0
    assert M.qualified_note_share(r) == 1.0
    assert M.voice_range(r, 0) == 12.0
    assert np.isnan(M.voice_range(r, 1))
    s = empty()
    put(s, 0, 60, 0, 1)  # a sixteenth
    put(s, 0, 62, 1, 3)  # an eighth
    put(s, 0, 64, 3, 7)  # a quarter
    assert M.qualified_note_share(s) == pytest.approx(2 / 3)


def test_mean_leap_of_steps_and_jumps():
    assert M.mean_leap(c_major_scale()) == pytest.approx(
        np.mean([2, 2, 1, 2, 2, 2, 1] * 4)  # up and down the scale, twice; no repeated pitch
    )
    r = empty()
    put(r, 0, 60, 0, 16)
    put(r, 0, 72, 16, 32)  # an octave leap
    put(r, 0, 72, 40, 48)  # after a rest: same pitch, no leap
    put(r, 0, 65, 48, 64)  # down a perfect fifth: 7 semitones
    assert M.mean_leap(r) == pytest.approx((12 + 7) / 2)
    assert np.isnan(M.mean_leap(empty()))


def test_tonal_distance_is_closeness_not_consonance():
    def pair(p, q):
        r = empty(2)
        return put(put(r, 0, p, 0, 64), 1, q, 0, 64)

    octave, fifth, tritone = pair(72, 60), pair(67, 60), pair(66, 60)
    assert M.tonal_distance(octave) == pytest.approx(0.0, abs=1e-12)
    assert 0 < M.tonal_distance(fifth) < M.tonal_distance(tritone)
    # a fourth (a dissonance above the bass in four-part writing) is as close as a fifth,
    # and closer than a major third
    assert M.tonal_distance(pair(65, 60)) == pytest.approx(M.tonal_distance(fifth))
    assert M.tonal_distance(pair(64, 60)) > M.tonal_distance(fifth)


def test_self_similarity_sees_repeated_bars():
    r = c_major_scale()  # bars 0 and 2 are the same, as are 1 and 3
    s = M.self_similarity(r)
    assert s.shape == (4, 4)
    np.testing.assert_allclose(np.diag(s), 1.0)
    assert s[0, 2] == pytest.approx(1.0)
    assert s[0, 1] < 1.0


def test_diversity_measures():
    a, b = random_roll(1), random_roll(2)
    assert M.distinct_share(np.stack([a, a, b, b])) == 0.5
    assert M.mean_pairwise_distance(np.stack([a, a])) == 0.0
    assert 0.5 < M.mean_pairwise_distance(np.stack([a, b])) <= 1.0
    np.testing.assert_allclose(M.nearest_distance(np.stack([a, b]), np.stack([b, a])), 0.0)


def test_compare_puts_real_at_distance_zero_from_itself():
    sets = {"real": np.stack([c_major_scale(), random_roll(4)]), "other": random_roll(5)[None]}
    tab = M.compare(sets)
    assert tab["real"]["js:in_key"] == 0.0
    assert tab["real"]["bd:polyphony"] == 0.0
    assert tab["real"]["distinct"] == 1.0
    assert set(M.MEASURES) <= set(tab["other"])


# --------------------------------------------------------------------------- listening
def test_write_midi_files_replaces_stale_files(tmp_path):
    import pretty_midi

    (tmp_path / "old_9.mid").write_bytes(b"stale")
    paths = listen.write_midi_files(np.stack([c_major_scale(), random_roll(1)]), tmp_path, "gen")
    assert sorted(p.name for p in tmp_path.glob("*.mid")) == ["gen_0.mid", "gen_1.mid"]
    pm = pretty_midi.PrettyMIDI(str(paths[0]))
    np.testing.assert_array_equal(midi_phrases(pm, 4)[0], c_major_scale())
    four = pretty_midi.PrettyMIDI(str(paths[1]))
    assert [i.name for i in four.instruments] == list(VOICES)
    assert {i.program for i in four.instruments} == {19}


def test_roll_renderer_plays_the_notes_for_the_phrase_length():
    from gan_tutorial.synth import fluidsynth_available

    if not fluidsynth_available():
        pytest.skip("needs the FluidSynth system library")
    with listen.RollRenderer(sr=16000) as r:
        y = r.render(c_major_scale(), tempo=120.0, tail=0.5)
        silent = r.render(empty(), tempo=120.0, tail=0.5)
    assert len(y) == round(16 * 0.5 * 16000) + 8000  # 16 quarters at 120 bpm + tail
    assert np.abs(y).max() == pytest.approx(0.9, abs=1e-3)
    assert np.abs(y[: len(y) // 2]).max() > 0.1  # sound from the first note on
    assert np.abs(silent).max() < 1e-3


def test_plot_roll_labels_pitches_with_note_names():
    ax = listen.plot_roll(c_major_scale(), title="scale")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "C4" in labels
    assert "G4" in labels
    assert ax.get_xlabel().startswith("bar")
