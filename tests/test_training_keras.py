"""Keras 3 / TensorFlow training plumbing and tf.data pipelines."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from gan_tutorial.audio import SpecConfig, SpecNormalizer, save_wav, spectrogram  # noqa: E402
from gan_tutorial.errors import FileProblem, TrainingDiverged  # noqa: E402
from gan_tutorial.keras import training as kt  # noqa: E402
from gan_tutorial.keras.data import audio_folder_dataset, tf_dataset  # noqa: E402
from gan_tutorial.keras.models import build_discriminator, build_generator  # noqa: E402

SIZE, LATENT = 16, 8


def make_state(directory=None, seed: int = 0, init_seed: int = 1) -> kt.KerasGANState:
    keras.utils.set_random_seed(init_seed)
    G = build_generator(LATENT, size=SIZE, base_channels=8)
    D = build_discriminator(size=SIZE, base_channels=8)
    return kt.new_state(G, D, directory=directory, seed=seed)


@pytest.fixture
def data() -> np.ndarray:
    return np.random.default_rng(0).uniform(-1, 1, (24, SIZE, SIZE)).astype(np.float32)


def _d_loss(D, real, fake) -> float:
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    r, f = D(real, training=True), D(fake, training=True)
    return float(bce(tf.ones_like(r), r) + bce(tf.zeros_like(f), f))


def test_one_step_lowers_discriminator_loss(data: np.ndarray) -> None:
    s = make_state()
    real = tf.constant(data[:8, ..., None])
    z = s.noise(8)
    fake = s.G(z, training=True)  # same fakes the step makes (G changes only after D)
    before = _d_loss(s.D, real, fake)
    losses = kt.train_step(s.G, s.D, s.opt_g, s.opt_d, real, z)
    assert np.isclose(losses["d"], before, rtol=1e-4)
    assert _d_loss(s.D, real, fake) < before


def test_step_scores_the_same_fakes_with_the_updated_d(data: np.ndarray) -> None:
    s = make_state()
    real = tf.constant(data[:8, ..., None])
    z = s.noise(8)
    fake = s.G(z, training=True)  # G changes only after the D step
    losses = kt.train_step(s.G, s.D, s.opt_g, s.opt_d, real, z)
    d_after = s.D(fake, training=True)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    assert np.isclose(losses["g"], float(bce(tf.ones_like(d_after), d_after)), rtol=1e-4)


def test_notebook_shows_this_step_and_writes_no_other() -> None:
    nb = Path(__file__).resolve().parents[1] / "notebooks" / "22_audio_gan_keras.ipynb"
    cells = json.loads(nb.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "getsource(ktraining.make_train_step)" in code
    for own_step in ("def train_step", "def make_train_step"):
        assert own_step not in code, f"the notebook writes its own training step ({own_step})"


def test_resume_restores_step_optimizer_and_weights(tmp_path, data: np.ndarray) -> None:
    straight = kt.fit(make_state(), data, 5, batch_size=4, progress=False)
    first = kt.fit(make_state(tmp_path), data, 3, batch_size=4, progress=False, checkpoint_every=3)

    fresh = make_state(tmp_path, seed=9, init_seed=2)  # different weights until restored
    assert int(fresh.opt_d.iterations) == 0
    assert kt.restore_or_init(fresh.manager, fresh.history) == 3
    assert int(fresh.step) == 3
    assert len(fresh.history) == 3
    for opt_a, opt_b in ((first.opt_g, fresh.opt_g), (first.opt_d, fresh.opt_d)):
        assert int(opt_b.iterations) == 3
        for va, vb in zip(opt_a.variables, opt_b.variables, strict=True):
            np.testing.assert_array_equal(va.numpy(), vb.numpy(), err_msg=va.path)
    # Adam moments are really restored (not zero)
    assert np.abs(fresh.opt_d.variables[2].numpy()).sum() > 0
    for wa, wb in zip(first.G.weights, fresh.G.weights, strict=True):
        np.testing.assert_array_equal(wa.numpy(), wb.numpy())

    kt.fit(fresh, data, 5, batch_size=4, progress=False)  # continues from step 3
    assert int(fresh.step) == 5
    assert fresh.history.as_arrays()["step"].tolist() == [1, 2, 3, 4, 5]
    for wa, wb in zip(straight.G.weights, fresh.G.weights, strict=True):
        np.testing.assert_allclose(wa.numpy(), wb.numpy(), atol=1e-5)


def test_no_checkpoint_means_step_zero(tmp_path) -> None:
    s = make_state(tmp_path / "empty")
    assert kt.restore_or_init(s.manager) == 0


def test_mismatched_checkpoint_names_the_file(tmp_path, data) -> None:
    kt.fit(make_state(tmp_path), data, 1, batch_size=4, progress=False)
    keras.utils.set_random_seed(0)
    other = kt.new_state(
        build_generator(LATENT, size=SIZE, base_channels=4),
        build_discriminator(size=SIZE, base_channels=4),
        directory=tmp_path,
    )
    with pytest.raises(FileProblem, match="ckpt-1"):
        kt.restore_or_init(other.manager)


def test_nan_stops_training(tmp_path, data: np.ndarray) -> None:
    with pytest.raises(TrainingDiverged, match=r"step 1: discriminator loss is NaN"):
        kt.fit(make_state(), np.full_like(data, np.nan), 3, batch_size=4, progress=False)
    s = kt.fit(make_state(tmp_path), data, 2, batch_size=4, progress=False)
    bad = np.full_like(data, np.nan)
    with pytest.raises(TrainingDiverged, match=r"step 3: .*NaN.*ckpt-2 \(step 2\)"):
        kt.fit(s, bad, 4, batch_size=4, progress=False, checkpoint_every=1)
    assert s.manager.latest_checkpoint.endswith("ckpt-2")


def test_tf_dataset(data: np.ndarray) -> None:
    labels = np.arange(len(data))
    ds = tf_dataset(data, 5, seed=3, labels=labels)
    x, y = next(iter(ds))
    assert x.shape == (5, SIZE, SIZE, 1)
    assert x.dtype == tf.float32
    assert y.dtype == tf.int32
    np.testing.assert_array_equal(x[..., 0].numpy(), data[y.numpy()])
    again = next(iter(tf_dataset(data, 5, seed=3, labels=labels)))[1]
    np.testing.assert_array_equal(y.numpy(), again.numpy())
    batches = list(tf_dataset(data, 5, seed=0).take(12))  # repeats forever
    assert len(batches) == 12
    state = make_state()  # a tf.data iterator also works as fit's data
    kt.fit(state, tf_dataset(data, 4, seed=0), 2, progress=False)
    assert int(state.step) == 2


def test_audio_folder_dataset(tmp_path) -> None:
    sr = 16000
    t = np.arange(sr // 2) / sr  # 0.5 s clips: padded to cfg.n_samples
    rng = np.random.default_rng(0)
    clips = {}
    for cls, f0 in (("bass", 110.0), ("flute", 880.0)):
        for i in range(2):
            y = (0.5 * np.sin(2 * np.pi * f0 * (1 + 0.01 * i) * t)).astype(np.float32)
            y += 0.01 * rng.standard_normal(len(t)).astype(np.float32)
            clips[(cls, i)] = save_wav(tmp_path / "clips" / cls / f"{i}.wav", y, sr)
    cfg = SpecConfig.for_size(64)
    ds = audio_folder_dataset(tmp_path / "clips", cfg, batch_size=4, shuffle=False)
    assert ds.class_names == ["bass", "flute"]
    x, y = next(iter(ds))
    assert x.shape == (4, 64, 64, 1)
    assert y.numpy().tolist() == [0, 0, 1, 1]
    wav = np.zeros(cfg.n_samples, np.float32)
    wav[: len(t)] = sf.read(clips[("bass", 0)], dtype="float32")[0]  # 16-bit, as decoded
    expected = spectrogram(wav, cfg)  # the same features as the numpy pipeline
    np.testing.assert_allclose(x[0, ..., 0].numpy(), expected, atol=1e-4)

    norm = SpecNormalizer.fit(x[..., 0].numpy())
    xn, _ = next(iter(audio_folder_dataset(tmp_path / "clips", cfg, norm, batch_size=4)))
    assert np.abs(xn.numpy()).max() <= 1

    save_wav(tmp_path / "clips" / "bass" / "wrong_rate.wav", wav, 22050)
    with pytest.raises(FileProblem, match=r"wrong_rate\.wav"):
        audio_folder_dataset(tmp_path / "clips", cfg)
