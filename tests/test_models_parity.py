"""The Keras and PyTorch chapter-22 models are twins: same layers, shapes and parameter counts."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from gan_tutorial.keras import models as km  # noqa: E402
from gan_tutorial.models import channel_plan  # noqa: E402
from gan_tutorial.torch import models as tm  # noqa: E402

PAIRS = {
    "generator": (lambda s: tm.Generator(size=s), lambda s: km.build_generator(size=s)),
    "discriminator": (lambda s: tm.Discriminator(size=s), lambda s: km.build_discriminator(size=s)),
    "lstm_generator": (
        lambda s: tm.LSTMGenerator(size=s),
        lambda s: km.build_lstm_generator(size=s),
    ),
}


@pytest.mark.parametrize("size", [64, 128])
@pytest.mark.parametrize("kind", sorted(PAIRS))
def test_layer_shapes_and_counts_match(kind: str, size: int) -> None:
    make_torch, make_keras = PAIRS[kind]
    t_model, k_model = make_torch(size), make_keras(size)
    t_rows = tm.layer_summary(t_model)
    k_rows = km.layer_summary(k_model, nchw=True)
    assert t_rows == k_rows  # names, NCHW output shapes and trainable counts, layer by layer
    assert tm.param_counts(t_model) == km.param_counts(k_model)


def test_default_sizes_are_cpu_friendly() -> None:
    g, d = km.param_counts(km.build_generator()), km.param_counts(km.build_discriminator())
    assert 0.3e6 < g["trainable"] < 1.5e6
    assert 0.3e6 < d["trainable"] < 1.5e6
    # BatchNorm: gamma/beta trainable, moving mean/var non-trainable (buffers in torch)
    assert g["non_trainable"] == sum(
        b.numel() for n, b in tm.Generator().named_buffers() if "running" in n
    )


def test_output_shapes_and_ranges() -> None:
    z = np.random.default_rng(0).standard_normal((3, 100)).astype("float32")
    k_out = np.asarray(km.build_generator()(z, training=False))
    t_out = tm.Generator().eval()(torch.from_numpy(z)).detach().numpy()
    assert k_out.shape == (3, 64, 64, 1)
    assert t_out.shape == (3, 1, 64, 64)
    assert np.abs(k_out).max() <= 1
    assert np.abs(t_out).max() <= 1
    assert km.build_discriminator()(k_out).shape == (3, 1)  # a logit per clip
    assert tm.Discriminator()(torch.from_numpy(t_out)).shape == (3, 1)
    lstm = km.build_lstm_generator()(z)
    assert lstm.shape == (3, 64, 64, 1)


def test_same_padding_doubles_like_padding_1() -> None:
    x = np.zeros((1, 5, 7, 2), "float32")
    k = keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same")(x)
    t = torch.nn.ConvTranspose2d(2, 3, 4, 2, 1)(torch.zeros(1, 2, 5, 7))
    assert tuple(k.shape) == (1, 10, 14, 3)
    assert tuple(t.shape) == (1, 3, 10, 14)


def test_dcgan_init() -> None:
    w_t = tm.Generator().up1.weight.detach().numpy()
    w_k = km.build_generator().get_layer("up1").kernel.numpy()
    for w in (w_t, w_k):
        assert abs(w.std() - 0.02) < 0.002
        assert abs(w.mean()) < 0.002
    gamma = tm.Generator().up1_bn.weight.detach().numpy()
    assert abs(gamma.mean() - 1) < 0.01


def test_lstm_second_bias_is_frozen_zero() -> None:
    lstm = tm.LSTMGenerator(hidden=32).lstm.lstm
    assert not lstm.bias_hh_l0.requires_grad
    assert torch.all(lstm.bias_hh_l0 == 0)
    assert torch.all(lstm.bias_ih_l0[32:64] == 1)  # forget gate, like Keras unit_forget_bias


def test_source_models_reproduce_the_shape_mismatch() -> None:
    z = np.zeros((2, 100), "float32")
    fake = km.build_source_generator(100)(z)
    assert tuple(fake.shape) == (2, 4, 4, 1)  # 4x4, not 64x64
    with pytest.raises(ValueError):  # noqa: PT011 - Keras words it differently by version
        km.build_source_discriminator()(fake)
    t_fake = tm.SourceGenerator(100)(torch.from_numpy(z))
    assert tuple(t_fake.shape) == (2, 1, 4, 4)
    with pytest.raises(RuntimeError):
        tm.SourceDiscriminator()(t_fake)
    # ... while the fixed pair fits together
    assert km.build_discriminator()(km.build_generator()(z)).shape == (2, 1)


def test_channel_plan() -> None:
    plan = channel_plan(64, 24)
    assert plan.g_channels == (192, 96, 48, 24)
    assert plan.d_channels == (24, 48, 96, 192)
    assert channel_plan(128, 32).g_channels[0] == 256  # capped
    with pytest.raises(ValueError, match="power of two"):
        channel_plan(48)
