"""The audio "Inception network": shipped pitch-classifier weights, evaluator, training."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gan_tutorial.errors import FileProblem  # noqa: E402
from gan_tutorial.synth import fluidsynth_available  # noqa: E402
from gan_tutorial.torch.classifier import (  # noqa: E402
    EMBED_DIM,
    N_CLASSES,
    PITCH_HIGH,
    PITCH_LOW,
    AudioEvaluator,
    PitchClassifier,
    default_weights_path,
    train_classifier,
)

needs_fluidsynth = pytest.mark.skipif(
    not fluidsynth_available(), reason="needs the FluidSynth system library"
)


@pytest.fixture(scope="module")
def quick(nsynth_quick):
    """The session's quick-profile NSynthLite (about 310 notes, tests/conftest.py)."""
    return nsynth_quick


@pytest.fixture(scope="module")
def evaluator():
    return AudioEvaluator.load()


def _copy_weights(dst):
    src = default_weights_path()
    for name in (src.name, src.stem + "_normalizer.npz", src.stem + ".json"):
        shutil.copy(src.with_name(name), dst / name)
    return dst / src.name


def test_shipped_weights_are_small_float32_state_dict():
    path = default_weights_path()
    assert path.stat().st_size < 2_000_000
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert all(v.dtype == torch.float32 for v in state.values() if v.is_floating_point())
    model = PitchClassifier()
    model.load_state_dict(state)  # strict: the architecture matches
    assert PITCH_HIGH - PITCH_LOW + 1 == N_CLASSES == 49


@needs_fluidsynth
def test_shipped_weights_classify_fresh_quick_notes(quick, evaluator):
    pred = evaluator.predict_pitch(quick.audio)
    assert pred.shape == (len(quick),)
    accuracy = float((pred == quick.pitch).mean())
    assert accuracy >= 0.90, f"pitch accuracy {accuracy:.3f} on {len(quick)} quick-profile notes"


@needs_fluidsynth
def test_features_and_probs(quick, evaluator):
    audio = quick.audio[:12]
    f1 = evaluator.features(audio)
    assert f1.shape == (12, EMBED_DIM)
    assert f1.dtype == np.float32
    np.testing.assert_array_equal(f1, evaluator.features(audio))  # deterministic
    np.testing.assert_allclose(evaluator.features(audio[:3]), f1[:3], rtol=1e-4, atol=1e-4)
    p = evaluator.probs(audio)
    assert p.shape == (12, N_CLASSES)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert np.all(p >= 0)
    # other lengths are cropped / zero-padded to 16384 samples
    assert evaluator.features(audio[:2, :12000]).shape == (2, EMBED_DIM)
    assert evaluator.probs(np.pad(audio[:2], ((0, 0), (0, 4000)))).shape == (2, N_CLASSES)


def test_nonfinite_audio_is_rejected(evaluator):
    bad = np.zeros((2, 16384), np.float32)
    bad[1, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        evaluator.features(bad)


def test_corrupt_weights_name_the_file(tmp_path):
    weights = _copy_weights(tmp_path)
    AudioEvaluator.load(weights)  # the copies load
    weights.write_bytes(b"not a torch file")
    with pytest.raises(FileProblem, match="retrain with") as info:
        AudioEvaluator.load(tmp_path)
    assert str(weights) in str(info.value)


def test_missing_normalizer_names_the_file(tmp_path):
    weights = _copy_weights(tmp_path)
    norm = weights.with_name(weights.stem + "_normalizer.npz")
    norm.unlink()
    with pytest.raises(FileProblem, match="retrain with") as info:
        AudioEvaluator.load(weights)
    assert str(norm) in str(info.value)
    with pytest.raises(FileProblem, match="does not exist"):
        AudioEvaluator.load(tmp_path / "nowhere")


@needs_fluidsynth
def test_tiny_training_is_deterministic(quick, tmp_path):
    idx = np.concatenate(
        [
            np.flatnonzero(quick.split == s)[:n]
            for s, n in (("train", 32), ("valid", 8), ("test", 8))
        ]
    )
    mask = np.zeros(len(quick), bool)
    mask[idx] = True
    small = quick.subset(mask)
    kw = {"seed": 3, "epochs": 2, "data": small, "batch_size": 16, "threads": 1, "progress": False}
    a = train_classifier(out_dir=tmp_path / "a", **kw)
    b = train_classifier(out_dir=False, **kw)
    assert [h["loss"] for h in a["history"]] == [h["loss"] for h in b["history"]]
    assert np.isfinite(a["final_loss"])
    assert a["counts"]["train"] == 32
    ev = AudioEvaluator.load(tmp_path / "a")
    assert ev.features(small.audio[:4]).shape == (4, EMBED_DIM)
