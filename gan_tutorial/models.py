"""Framework-free architecture plans shared by the PyTorch and Keras twins.

Both :mod:`gan_tutorial.torch.models` and :mod:`gan_tutorial.keras.models` build their
layers from these numbers, so the two frameworks cannot drift apart. The layer *names*
are shared as well: ``layer_summary`` in each framework lists the same names, shapes
(NCHW after transposing Keras's NHWC) and trainable parameter counts.

The design is the chapter-22 sketch made to work: a dense projection to a 4x4 feature map,
stride-2 transposed convolutions (kernel 4, so ``'same'`` in Keras and ``padding=1`` in
PyTorch both exactly double the size) up to ``size x size``, and a mirror-image
discriminator of stride-2 convolutions down to 4x4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "DCGAN_INIT_STD",
    "DEFAULT_BASE",
    "DEFAULT_LSTM_HIDDEN",
    "KERNEL",
    "LEAKY_SLOPE",
    "ChannelPlan",
    "channel_plan",
    "lstm_layer_names",
]

KERNEL = 4  # kernel of every stride-2 (transposed) convolution: exact doubling/halving
LEAKY_SLOPE = 0.2  # LeakyReLU negative slope (DCGAN; also Keras 3's default)
DCGAN_INIT_STD = 0.02  # weights ~ N(0, 0.02); BatchNorm gamma ~ N(1, 0.02), beta = 0
BN_MOMENTUM = 0.1  # PyTorch convention (new = 0.9 old + 0.1 batch); Keras momentum=0.9
BN_EPS = 1e-5
DEFAULT_BASE = 24  # channels at the highest resolution; see channel_plan for the timing
DEFAULT_LSTM_HIDDEN = 256
SOURCE_SIZE = 64  # the source discriminator's input_shape=(64, 64, 1)
SOURCE_DENSE = 128  # the source generator's Dense(128) -> Reshape((4, 4, 8))


@dataclass(frozen=True)
class ChannelPlan:
    """Channel counts for a ``size x size`` DCGAN pair.

    ``g_channels[0]`` is the 4x4 map after the dense layer; each later entry is the output
    of one upsampling block (8x8, 16x16, ... up to ``size/2``); a final transposed
    convolution maps ``g_channels[-1]`` to 1 channel at ``size``. ``d_channels[i]`` is the
    output of discriminator convolution ``i`` (``size/2``, ``size/4``, ... down to 4x4).
    """

    size: int
    g_channels: tuple[int, ...]
    d_channels: tuple[int, ...]

    @property
    def n_up(self) -> int:
        """Number of stride-2 transposed convolutions (including the output one)."""
        return len(self.g_channels)

    @property
    def g_layer_names(self) -> tuple[str, ...]:
        names = ["dense", "dense_bn", "dense_act", "reshape"]
        for i in range(1, len(self.g_channels)):
            names += [f"up{i}", f"up{i}_bn", f"up{i}_act"]
        return (*names, "to_spec", "tanh")

    @property
    def d_layer_names(self) -> tuple[str, ...]:
        names: list[str] = []
        for i in range(1, len(self.d_channels) + 1):
            names += [f"down{i}", f"down{i}_act"]
        return (*names, "flatten", "logit")


def channel_plan(size: int = 64, base: int = DEFAULT_BASE, max_channels: int = 256) -> ChannelPlan:
    """Channel plan for ``size`` (a power of two >= 8): channels double as resolution halves.

    With ``size=64, base=24`` (the default): generator 192@4x4 -> 96@8 -> 48@16 -> 24@32
    -> 1@64, discriminator 1@64 -> 24@32 -> 48@16 -> 96@8 -> 192@4; about 0.70M + 0.39M
    parameters. Every layer of a doubling plan costs about the same FLOPs, so time grows
    with ``base**2``: ``base=32`` (1.1M + 0.69M parameters) is about 1.5x slower. Channels
    are capped at ``max_channels`` (matters for ``size=128``).
    """
    if size < 8 or size & (size - 1):
        raise ValueError(f"size must be a power of two >= 8, got {size}. Fix: use 64 or 128.")
    if base < 1:
        raise ValueError(f"base channels must be positive, got {base}.")
    n = int(math.log2(size)) - 2  # number of x2 steps between 4 and size
    g = tuple(min(base * 2 ** (n - 1 - i), max_channels) for i in range(n))
    d = tuple(min(base * 2**i, max_channels) for i in range(n))
    return ChannelPlan(size=size, g_channels=g, d_channels=d)


def lstm_layer_names() -> tuple[str, ...]:
    """Layer names of the LSTM generator, shared by both frameworks."""
    return ("repeat", "lstm", "to_bins", "to_freq_time", "reshape")
