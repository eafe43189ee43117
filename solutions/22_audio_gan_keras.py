"""Reference solutions for notebook 22's exercises (Keras), and the typical wrong answers."""

import keras
from keras import layers, ops


# Exercise 22.2: the source's generator, fixed to output 64x64 -----------------------------
def build_generator(latent_dim):
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(4 * 4 * 64),
            layers.LeakyReLU(0.2),
            layers.Reshape((4, 4, 64)),
            layers.Conv2DTranspose(64, 4, strides=2, padding="same"),  # 8x8
            layers.LeakyReLU(0.2),
            layers.Conv2DTranspose(32, 4, strides=2, padding="same"),  # 16x16
            layers.LeakyReLU(0.2),
            layers.Conv2DTranspose(16, 4, strides=2, padding="same"),  # 32x32
            layers.LeakyReLU(0.2),
            layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),  # 64x64
        ]
    )


def build_generator_source(latent_dim):
    """The chapter's code: stride-1 convolutions keep the 4x4 map."""
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(128),
            layers.LeakyReLU(0.2),
            layers.Reshape((4, 4, 8)),
            layers.Conv2DTranspose(64, 3, padding="same"),
            layers.LeakyReLU(0.2),
            layers.Conv2DTranspose(1, 3, padding="same", activation="tanh"),
        ]
    )


def build_generator_dense_only(latent_dim):
    """64x64 straight from a Dense layer: right shape, no upsampling path."""
    return keras.Sequential(
        [
            keras.Input((latent_dim,)),
            layers.Dense(64 * 64, activation="tanh"),
            layers.Reshape((64, 64, 1)),
        ]
    )


# Exercises 22.3 and 22.4: the BCE losses from logits --------------------------------------
def d_loss(real_logits, fake_logits):
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    return bce(ops.ones_like(real_logits), real_logits) + bce(
        ops.zeros_like(fake_logits), fake_logits
    )


def d_loss_from_probabilities(real_logits, fake_logits):
    """Sigmoid first, then log: fails for confident logits."""
    pr, pf = ops.sigmoid(real_logits), ops.sigmoid(fake_logits)
    return -ops.mean(ops.log(pr)) - ops.mean(ops.log(1 - pf))


def g_loss(fake_logits):
    return ops.mean(ops.softplus(-fake_logits))


def g_loss_saturating(fake_logits):
    return ops.mean(ops.log(1 - ops.sigmoid(fake_logits)))


# Exercise 22.1 (predict) and 22.5 (explore) ------------------------------------------------
UPSAMPLING_LAYERS = 4
MODE_COLLAPSE = "b"
EXPLORE_22_5 = """Sample answer: moving a single latent coordinate from -3 to 3 often leaves the
pitch unchanged over long stretches and then jumps: several regions of z map to the same
note, which is partial mode collapse (the figure in the README shows samples sharing a note).
Timbre and loudness change more smoothly than pitch."""

SOLUTIONS = {
    "check_generator_64": build_generator,
    "check_d_loss": d_loss,
    "check_g_loss": g_loss,
    "check_upsampling_layers": UPSAMPLING_LAYERS,
    "check_mode_collapse": MODE_COLLAPSE,
}
FRAMEWORK = "keras"
WRONG = {
    "check_generator_64": [
        (build_generator_source, "strides=2"),
        (build_generator_dense_only, "no upsampling path"),
    ],
    "check_d_loss": [(d_loss_from_probabilities, "confident")],
    "check_g_loss": [(g_loss_saturating, "SATURATING")],
    "check_upsampling_layers": [(16, "doubles")],
    "check_mode_collapse": [("c", "deterministic")],
}
