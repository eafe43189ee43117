"""Melody helpers of notebook 25: soprano line, fitting to the training pitches, stringing notes."""

import numpy as np
import pytest

from gan_tutorial import melody


def test_soprano_line_takes_the_top_voice_and_merges_held_steps():
    roll = np.zeros((10, 8), dtype=np.uint8)
    roll[2, :] = 1  # a held bass note
    roll[7, 0:3] = 1  # soprano: pitch low+7 for 3 steps
    roll[9, 3:4] = 1  # then low+9 for 1 step
    roll[5, 4:6] = 1  # then only low+5 above the bass for 2 steps
    # steps 6-7: only the bass
    line = melody.soprano_line(roll, low=60, fs=4)
    assert line == [(67, 0.75), (69, 0.25), (65, 0.5), (62, 0.5)]
    assert melody.soprano_line(roll, low=60, fs=4, max_notes=2) == line[:2]
    with pytest.raises(ValueError, match="pitches, steps"):
        melody.soprano_line(np.zeros(5), 60, 4)


def test_fit_to_pitches_moves_by_octaves_and_snaps():
    allowed = list(range(48, 73, 2))  # whole tones C3..C5
    out = melody.fit_to_pitches([79, 81, 76], allowed)
    assert all(p in allowed for p in out)
    # median 79 is moved two octaves down to sit near the range's centre (60): 55, 57, 52,
    # then 55 and 57 snap to the nearest whole tone (the lower one on a tie)
    assert out == [54, 56, 52]
    assert melody.fit_to_pitches([60, 62], list(range(48, 73))) == [60, 62]


def test_concatenate_notes_cuts_and_fades():
    sr = 1000
    clips = np.ones((2, 1000), np.float32)
    y = melody.concatenate_notes(clips, [0.25, 2.0], sr, fade_s=0.01)
    assert len(y) == 250 + 1000  # cut to 0.25 s; at most the clip's length
    assert y[0] == 1.0
    assert y[249] == 0.0  # the fade-out ends in silence
