"""Keras 3 models for chapter 22: the fixed DCGAN pair, an LSTM generator and the source sketch.

Layout is NHWC: spectrogram batches are ``(B, F, T, 1)`` with frequency on the first
image axis and time on the second (the ``(F, T)`` convention of :mod:`gan_tutorial.audio`),
values in [-1, 1]. The PyTorch twins in :mod:`gan_tutorial.torch.models` have the same
layer names, output shapes (as NCHW) and trainable parameter counts; both are built from
:func:`gan_tutorial.models.channel_plan`.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from ..models import (
    BN_EPS,
    BN_MOMENTUM,
    DCGAN_INIT_STD,
    DEFAULT_BASE,
    DEFAULT_LSTM_HIDDEN,
    KERNEL,
    LEAKY_SLOPE,
    SOURCE_DENSE,
    SOURCE_SIZE,
    channel_plan,
    lstm_layer_names,
)

__all__ = [
    "build_discriminator",
    "build_generator",
    "build_lstm_generator",
    "build_source_discriminator",
    "build_source_generator",
    "layer_summary",
    "param_counts",
]


def _w() -> keras.initializers.Initializer:
    """DCGAN weight init N(0, 0.02); seeded by ``keras.utils.set_random_seed``."""
    return keras.initializers.RandomNormal(0.0, DCGAN_INIT_STD)


def _bn(name: str) -> layers.BatchNormalization:
    # Keras momentum is the weight of the OLD statistics: 0.9 == PyTorch momentum 0.1.
    return layers.BatchNormalization(
        momentum=1.0 - BN_MOMENTUM,
        epsilon=BN_EPS,
        name=name,
        gamma_initializer=keras.initializers.RandomNormal(1.0, DCGAN_INIT_STD),
    )


def build_generator(
    latent_dim: int = 100, size: int = 64, base_channels: int = DEFAULT_BASE
) -> keras.Model:
    """DCGAN generator: ``z (B, latent_dim) -> spectrogram (B, size, size, 1)`` in [-1, 1].

    Dense(4*4*C) -> BatchNorm -> LeakyReLU(0.2) -> Reshape((4, 4, C)), then
    [Conv2DTranspose(kernel 4, stride 2, 'same') -> BatchNorm -> LeakyReLU] until
    ``size/2``, then Conv2DTranspose(1, kernel 4, stride 2) -> tanh. Layers followed by
    BatchNorm have no bias (BatchNorm's beta replaces it). At ``size=64`` with the default
    ``base_channels=24``: about 0.70M trainable parameters.
    """
    plan = channel_plan(size, base_channels)
    g, names = plan.g_channels, iter(plan.g_layer_names)
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(4 * 4 * g[0], use_bias=False, kernel_initializer=_w(), name=next(names))(z)
    x = _bn(next(names))(x)
    x = layers.LeakyReLU(LEAKY_SLOPE, name=next(names))(x)
    x = layers.Reshape((4, 4, g[0]), name=next(names))(x)
    for c in g[1:]:
        x = layers.Conv2DTranspose(
            c,
            KERNEL,
            strides=2,
            padding="same",
            use_bias=False,
            kernel_initializer=_w(),
            name=next(names),
        )(x)
        x = _bn(next(names))(x)
        x = layers.LeakyReLU(LEAKY_SLOPE, name=next(names))(x)
    x = layers.Conv2DTranspose(
        1, KERNEL, strides=2, padding="same", kernel_initializer=_w(), name=next(names)
    )(x)
    out = layers.Activation("tanh", name=next(names))(x)
    model = keras.Model(z, out, name=f"generator_{size}")
    model.latent_dim = latent_dim
    return model


def build_discriminator(size: int = 64, base_channels: int = DEFAULT_BASE) -> keras.Model:
    """DCGAN discriminator: ``spectrogram (B, size, size, 1) -> logit (B, 1)``.

    [Conv2D(kernel 4, stride 2, 'same') -> LeakyReLU(0.2)] down to 4x4 (4 blocks at 64),
    Flatten, Dense(1). No BatchNorm, so it also serves as a WGAN-GP critic.

    The output is a **logit** ``l``, not a probability: train it with
    ``BinaryCrossentropy(from_logits=True)``. The source ends in ``Dense(1, sigmoid)``, so
    its loss needs ``log(p)`` and ``log(1 - p)`` with ``p = sigmoid(l)``. In float32
    ``sigmoid(l)`` rounds to exactly 1.0 once ``l`` exceeds about 17, so ``log(1 - p)``
    is ``log(0) = -inf`` (NaN gradients); Keras's probability loss clips ``p`` to
    ``[1e-7, 1 - 1e-7]`` instead, which makes the loss flat (gradient exactly 0) as soon as
    the discriminator is confident - just when the generator needs a signal. From logits
    the loss is computed as ``softplus(l) - t*l``: exact for every ``l``, with gradient
    ``sigmoid(l) - t``. (Keras's TensorFlow backend quietly looks behind a final sigmoid
    for its logits when the probability goes straight into ``BinaryCrossentropy``, which
    hides the problem; a hand-written ``log(D(x))`` or PyTorch's ``BCELoss`` get no such
    rescue.) Apply ``keras.activations.sigmoid`` to the logit to *look at* a probability.
    """
    plan = channel_plan(size, base_channels)
    names = iter(plan.d_layer_names)
    x_in = keras.Input((size, size, 1), name="spectrogram")
    x = x_in
    for c in plan.d_channels:
        x = layers.Conv2D(
            c, KERNEL, strides=2, padding="same", kernel_initializer=_w(), name=next(names)
        )(x)
        x = layers.LeakyReLU(LEAKY_SLOPE, name=next(names))(x)
    x = layers.Flatten(name=next(names))(x)
    out = layers.Dense(1, kernel_initializer=_w(), name=next(names))(x)
    return keras.Model(x_in, out, name=f"discriminator_{size}")


def build_lstm_generator(
    latent_dim: int = 100, size: int = 64, hidden: int = DEFAULT_LSTM_HIDDEN
) -> keras.Model:
    """LSTM generator: ``z (B, latent_dim) -> spectrogram (B, size, size, 1)`` in [-1, 1].

    The noise is repeated over ``size`` time steps (``RepeatVector``), an LSTM with
    ``return_sequences=True`` turns it into one hidden vector per frame, and a
    ``TimeDistributed(Dense(size, tanh))`` maps each to ``size`` frequency bins:
    ``(B, T, F)``. ``Permute`` puts frequency first and ``Reshape`` adds the channel, so
    the output matches the ``(F, T)`` convention and the convolutional discriminator.
    """
    names = iter(lstm_layer_names())
    z = keras.Input((latent_dim,), name="z")
    x = layers.RepeatVector(size, name=next(names))(z)  # (B, T, latent)
    x = layers.LSTM(hidden, return_sequences=True, name=next(names))(x)  # (B, T, hidden)
    x = layers.TimeDistributed(
        layers.Dense(size, activation="tanh", kernel_initializer=_w()), name=next(names)
    )(x)  # (B, T, F)
    x = layers.Permute((2, 1), name=next(names))(x)  # (B, F, T)
    out = layers.Reshape((size, size, 1), name=next(names))(x)  # (B, F, T, 1)
    model = keras.Model(z, out, name=f"lstm_generator_{size}")
    model.latent_dim = latent_dim
    return model


def build_source_generator(latent_dim: int = 100) -> keras.Model:
    """The chapter-22 source's generator, as written: it outputs ``(B, 4, 4, 1)``.

    ``Dense(128) -> LeakyReLU -> Reshape((4, 4, 8)) -> Conv2DTranspose(64, 3, 'same') ->
    LeakyReLU -> Conv2DTranspose(1, 3, 'same', tanh)``. Stride-1 ``'same'`` convolutions
    never change the size, so the 4x4 map stays 4x4; the discriminator wants 64x64.
    """
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(SOURCE_DENSE),
            layers.LeakyReLU(),
            layers.Reshape((4, 4, 8)),
            layers.Conv2DTranspose(64, 3, padding="same"),
            layers.LeakyReLU(),
            layers.Conv2DTranspose(1, 3, padding="same", activation="tanh"),
        ],
        name="source_generator",
    )


def build_source_discriminator() -> keras.Model:
    """The source's discriminator: ``(B, 64, 64, 1) -> sigmoid probability (B, 1)``.

    ``Conv2D(64, 3, strides=2, 'same', input_shape=(64, 64, 1)) -> LeakyReLU -> Flatten
    -> Dense(1, sigmoid)``. Feeding it the source generator's 4x4 output raises a
    ``ValueError`` (incompatible input shape).
    """
    return keras.Sequential(
        [
            keras.Input((SOURCE_SIZE, SOURCE_SIZE, 1)),
            layers.Conv2D(64, 3, strides=2, padding="same"),
            layers.LeakyReLU(),
            layers.Flatten(),
            layers.Dense(1, activation="sigmoid"),
        ],
        name="source_discriminator",
    )


def _nchw(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (shape[-1], *shape[:-1]) if len(shape) == 3 else shape


def layer_summary(model: keras.Model, nchw: bool = False) -> list[tuple[str, tuple[int, ...], int]]:
    """``[(layer name, output shape without batch, trainable parameters), ...]``.

    Shapes are Keras's NHWC ``(H, W, C)``; ``nchw=True`` reports image shapes as
    ``(C, H, W)`` for comparison with :func:`gan_tutorial.torch.models.layer_summary`.
    Non-trainable weights (BatchNorm moving mean/variance) are not counted; see
    :func:`param_counts`.
    """
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        shape = tuple(int(d) for d in layer.output.shape[1:])
        n = int(sum(np.prod(w.shape) for w in layer.trainable_weights))
        rows.append((layer.name, _nchw(shape) if nchw else shape, n))
    return rows


def param_counts(model: keras.Model) -> dict[str, int]:
    """``{'trainable': ..., 'non_trainable': ...}``; non-trainable = BatchNorm moving stats."""
    return {
        "trainable": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
        "non_trainable": int(sum(np.prod(w.shape) for w in model.non_trainable_weights)),
    }
