"""The audio "Inception network": the shipped judge (pitch, family, instrument), its
evaluator and its training."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gan_tutorial import config  # noqa: E402
from gan_tutorial.errors import FileProblem  # noqa: E402
from gan_tutorial.spectral import SpecConfig  # noqa: E402
from gan_tutorial.synth import fluidsynth_available  # noqa: E402
from gan_tutorial.torch.classifier import (  # noqa: E402
    EMBED_DIM,
    FRONT_END,
    N_CLASSES,
    N_FAMILIES,
    PITCH_HIGH,
    PITCH_LOW,
    AudioEvaluator,
    JudgeNet,
    default_weights_path,
    held_out_scores,
    train_judge,
)

needs_fluidsynth = pytest.mark.skipif(
    not fluidsynth_available(), reason="needs the FluidSynth system library"
)


@pytest.fixture(scope="module")
def quick(nsynth_quick):
    """The session's quick-profile NSynthLite (360 notes, tests/conftest.py)."""
    return nsynth_quick


@pytest.fixture(scope="module")
def evaluator():
    return AudioEvaluator.load()


def _copy_weights(dst):
    src = default_weights_path()
    for name in (src.name, src.stem + "_normalizer.npz", src.stem + ".json"):
        shutil.copy(src.with_name(name), dst / name)
    return dst / src.name


def test_shipped_weights_are_small_float32_state_dict(evaluator):
    path = default_weights_path()
    assert path.stat().st_size < 2_000_000
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert all(v.dtype == torch.float32 for v in state.values() if v.is_floating_point())
    model = JudgeNet(n_instruments=len(evaluator.instrument_programs))
    model.load_state_dict(state)  # strict: the architecture matches
    assert PITCH_HIGH - PITCH_LOW + 1 == N_CLASSES == 49


def test_the_judge_covers_every_profile_and_differs_from_the_gans_features(evaluator):
    for name in config.PROFILES:
        assert set(config.profile(name).nsynth_programs) <= set(evaluator.instrument_programs)
        assert evaluator.spec_config != SpecConfig.for_size(config.profile(name).spec_size)
    assert evaluator.spec_config == FRONT_END
    assert evaluator.spec_config.n_mels == 128
    meta = evaluator.meta
    assert meta["augmentation"]["gain_db"] is None  # trained without level invariance
    assert len(evaluator.family_names) == N_FAMILIES
    # the training record's held-out accuracies (its own test split, notes never trained on)
    assert meta["test_accuracy"] >= 0.95
    assert meta["test_family_accuracy"] >= 0.9
    assert meta["test_instrument_accuracy"] >= 0.7


@needs_fluidsynth
def test_shipped_judge_on_fresh_quick_notes(quick, evaluator):
    """The quick notes are played at velocities the judge never heard: held out."""
    assert not set(quick.velocity) & set(evaluator.meta["dataset"]["params"]["velocities"])
    s = held_out_scores(evaluator, quick)
    assert s["n"] == s["n_known"] == len(quick)
    assert s["pitch_accuracy"] >= 0.9, s
    assert s["family_accuracy"] >= 0.85, s
    assert s["instrument_accuracy"] >= 0.6, s
    chance = 1 / len(set(quick.program))
    assert s["instrument_accuracy"] > 10 * chance


@needs_fluidsynth
def test_outputs_agree_and_are_distributions(quick, evaluator):
    audio = quick.audio[:12]
    f1 = evaluator.features(audio)
    assert f1.shape == (12, EMBED_DIM)
    assert f1.dtype == np.float32
    np.testing.assert_array_equal(f1, evaluator.features(audio))  # deterministic
    np.testing.assert_allclose(evaluator.features(audio[:3]), f1[:3], rtol=1e-4, atol=1e-4)
    f2, p = evaluator.features_and_probs(audio)
    np.testing.assert_allclose(f2, f1, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(p, evaluator.probs(audio), rtol=1e-5, atol=1e-6)
    assert p.shape == (12, N_CLASSES)
    fam = evaluator.family_probs(audio)
    inst = evaluator.instrument_probs(audio)
    assert fam.shape == (12, N_FAMILIES)
    assert inst.shape == (12, len(evaluator.instrument_programs))
    for q in (p, fam, inst):
        np.testing.assert_allclose(q.sum(axis=1), 1.0, atol=1e-5)
        assert np.all(q >= 0)
    # restricted to some programs: those columns, renormalised
    progs = [int(quick.program[0]), 40, 0]
    sub = evaluator.instrument_probs(audio, programs=progs)
    cols = evaluator.program_columns(progs)
    np.testing.assert_allclose(sub, inst[:, cols] / inst[:, cols].sum(1, keepdims=True), rtol=1e-4)
    with pytest.raises(ValueError, match="no instrument for GM programs \\[50\\]"):
        evaluator.instrument_probs(audio, programs=[0, 50])
    assert evaluator.predict_program(audio).shape == (12,)
    # other lengths are cropped / zero-padded to 16384 samples
    assert evaluator.features(audio[:2, :12000]).shape == (2, EMBED_DIM)
    assert evaluator.probs(np.pad(audio[:2], ((0, 0), (0, 4000)))).shape == (2, N_CLASSES)
    assert evaluator.features(audio[:0]).shape == (0, EMBED_DIM)


@needs_fluidsynth
def test_the_embedding_hears_level(quick, evaluator):
    """Unlike a gain-augmented classifier, the judge's embedding moves when a note is 20 dB
    quieter: by a good part of the distance between two different notes."""
    rng = np.random.default_rng(0)
    idx = rng.choice(len(quick), 40, replace=False)
    e = evaluator.features(quick.audio[idx])
    quiet = evaluator.features(0.1 * quick.audio[idx])
    moved = np.linalg.norm(e - quiet, axis=1).mean()
    between = np.linalg.norm(e[:20] - e[20:], axis=1).mean()
    assert moved > 0.25 * between, (moved, between)


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
    a = train_judge(out_dir=tmp_path / "a", **kw)
    b = train_judge(out_dir=False, **kw)
    assert [h["loss"] for h in a["history"]] == [h["loss"] for h in b["history"]]
    assert np.isfinite(a["final_loss"])
    assert a["counts"]["train"] == 32
    assert a["instrument_programs"] == sorted(set(small.program.tolist()))
    ev = AudioEvaluator.load(tmp_path / "a")
    assert ev.features(small.audio[:4]).shape == (4, EMBED_DIM)
    assert ev.instrument_probs(small.audio[:4]).shape == (4, len(a["instrument_programs"]))


def test_cached_outputs_are_the_outputs_read_back_per_judge_and_audio(
    quick, evaluator, tmp_path, monkeypatch
):
    monkeypatch.setenv("GAN_TUTORIAL_DATA", str(tmp_path))
    audio = quick.audio[:6]
    plain = evaluator.outputs(audio)
    first = evaluator.outputs(audio, cache=True)
    assert len(list(tmp_path.glob("judged-*"))) == 1
    for k, v in plain.items():
        np.testing.assert_allclose(first[k], v, rtol=1e-5, atol=1e-5)

    def recompute(*args):
        raise AssertionError("the network ran again")

    with monkeypatch.context() as m:
        m.setattr(evaluator, "_prepare", recompute)
        again = evaluator.outputs(audio, cache=True)  # read back
    for k, v in first.items():
        np.testing.assert_array_equal(again[k], v)
    evaluator.outputs(quick.audio[1:7], cache=True)  # other audio: another entry
    other = AudioEvaluator.load()
    with torch.no_grad():
        next(other.model.parameters()).add_(1e-3)
    assert other.fingerprint() != evaluator.fingerprint()
    assert not np.allclose(other.outputs(audio, cache=True)["embedding"], first["embedding"])
    assert len(list(tmp_path.glob("judged-*"))) == 3  # other weights: another entry
