"""Keras 3 / TensorFlow GAN training plumbing, mirroring :mod:`gan_tutorial.torch.training`.

Checkpoints use ``tf.train.Checkpoint(generator=..., discriminator=..., g_optimizer=...,
d_optimizer=..., step=tf.Variable, noise=..., data=...)`` managed by a
``tf.train.CheckpointManager``: TensorFlow writes the data files first and only then
updates the small ``checkpoint`` index file, so an interrupted save never replaces the
latest good checkpoint. The loss history is saved next to it as ``history.json``
(atomically). Both Adam optimisers are *built* (their moment slots created) before any
restore, so the slots are restored too rather than silently starting from zero.

Batches (when ``fit`` is given an array) and noise come from two ``tf.random.Generator``
objects stored in the checkpoint, so a resumed run continues the same random stream.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from ..errors import FileProblem
from ..io import atomic_write_bytes
from ..training import LivePlot, LossHistory, check_finite, every

__all__ = [
    "KerasGANState",
    "fit",
    "make_train_step",
    "new_state",
    "restore_or_init",
    "sample_batch",
    "save",
    "train_step",
]

HISTORY_FILE = "history.json"

# Grappler's "remapper" tries to fuse Conv2D+BiasAdd+LeakyReLU in the discriminator and,
# when the gradient also needs the unfused node, logs an alarming but harmless
# "E ... remapper failed" line on the first step. The fusion gains nothing measurable on
# these small models, so it is switched off to keep notebook output clean.
tf.config.optimizer.set_experimental_options({"remapping": False})


def _bce(targets: float, logits: tf.Tensor) -> tf.Tensor:
    """Mean binary cross-entropy from logits (``softplus(l) - t*l``, never log(0))."""
    t = tf.fill(tf.shape(logits), tf.constant(targets, logits.dtype))
    return tf.reduce_mean(keras.ops.binary_crossentropy(t, logits, from_logits=True))


def make_train_step(
    G: keras.Model,
    D: keras.Model,
    opt_g: keras.optimizers.Optimizer,
    opt_d: keras.optimizers.Optimizer,
) -> Callable[[tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor]]:
    """A compiled ``step(real, z) -> (d_loss, g_loss)``: one D step, then one G step (BCE).

    ``real``: ``(B, F, T, 1)`` in [-1, 1]; ``z``: ``(B, latent_dim)``. Same order, losses
    and fake reuse as :func:`gan_tutorial.torch.training.train_step`: D loss =
    ``BCE(D(x), 1) + BCE(D(G(z)), 0)``, then the non-saturating G loss ``BCE(D(G(z)), 1)``
    scored by the *updated* D on the same fakes (G has not changed in between, so
    recomputing ``G(z)`` would give the same values for one more forward pass).

    On the first call TensorFlow may log one line ``E0000 ... meta_optimizer.cc ...
    remapper failed: ... LeakyReluGrad ... BiasAdd``: its graph optimiser declined to fuse
    the last convolution with its activation. It is harmless (the step runs unfused);
    ``TF_CPP_MIN_LOG_LEVEL=3`` hides it.
    """

    @tf.function
    def step(real: tf.Tensor, z: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as g_tape:  # records G(z) and, later, the G loss
            fake = G(z, training=True)  # (B, F, T, 1)
            with g_tape.stop_recording():  # the D update is not part of G's gradient
                # 1. discriminator: real -> 1, generated -> 0
                with tf.GradientTape() as d_tape:
                    d_loss = _bce(1.0, D(real, training=True)) + _bce(0.0, D(fake, training=True))
                d_grads = d_tape.gradient(d_loss, D.trainable_variables)
                opt_d.apply_gradients(zip(d_grads, D.trainable_variables, strict=True))
            # 2. generator: make the updated discriminator call the same fakes real
            g_loss = _bce(1.0, D(fake, training=True))
        g_grads = g_tape.gradient(g_loss, G.trainable_variables)
        opt_g.apply_gradients(zip(g_grads, G.trainable_variables, strict=True))
        return d_loss, g_loss

    return step


_STEP_CACHE: dict[tuple[int, ...], Callable] = {}


def train_step(
    G: keras.Model,
    D: keras.Model,
    opt_g: keras.optimizers.Optimizer,
    opt_d: keras.optimizers.Optimizer,
    real: tf.Tensor | np.ndarray,
    z: tf.Tensor | np.ndarray,
) -> dict[str, float]:
    """One D step and one G step (BCE from logits); returns ``{'d': ..., 'g': ...}``.

    Convenience wrapper that compiles :func:`make_train_step` once per model/optimiser set.
    """
    key = (id(G), id(D), id(opt_g), id(opt_d))  # entries keep the objects alive: ids stay unique
    if key not in _STEP_CACHE:
        if len(_STEP_CACHE) >= 8:
            _STEP_CACHE.pop(next(iter(_STEP_CACHE)))
        _STEP_CACHE[key] = make_train_step(G, D, opt_g, opt_d)
    d, g = _STEP_CACHE[key](
        tf.convert_to_tensor(real, tf.float32), tf.convert_to_tensor(z, tf.float32)
    )
    return {"d": float(d), "g": float(g)}


@dataclass
class KerasGANState:
    """Models, optimisers, step counter, random generators, history and checkpointing.

    ``step`` is a ``tf.Variable`` (int64) so that it is saved in the checkpoint; use
    ``int(state.step)`` to read it. ``manager`` is ``None`` when no directory was given.
    """

    G: keras.Model
    D: keras.Model
    opt_g: keras.optimizers.Optimizer
    opt_d: keras.optimizers.Optimizer
    seed: int = 0
    directory: Path | None = None
    max_to_keep: int = 3
    history: LossHistory = field(default_factory=LossHistory)
    step: tf.Variable = field(init=False)
    noise_gen: tf.random.Generator = field(init=False)
    data_gen: tf.random.Generator = field(init=False)
    checkpoint: tf.train.Checkpoint = field(init=False)
    manager: tf.train.CheckpointManager | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self.noise_gen = tf.random.Generator.from_seed(self.seed + 1)
        self.data_gen = tf.random.Generator.from_seed(self.seed)
        # Build the optimisers now so that their slots exist before any restore.
        self.opt_g.build(self.G.trainable_variables)
        self.opt_d.build(self.D.trainable_variables)
        self.checkpoint = tf.train.Checkpoint(
            generator=self.G,
            discriminator=self.D,
            g_optimizer=self.opt_g,
            d_optimizer=self.opt_d,
            step=self.step,
            noise=self.noise_gen,
            data=self.data_gen,
        )
        if self.directory is not None:
            self.directory = Path(self.directory)
            self.manager = tf.train.CheckpointManager(
                self.checkpoint, str(self.directory), max_to_keep=self.max_to_keep
            )

    @property
    def latent_dim(self) -> int:
        return int(self.G.latent_dim)

    def noise(self, n: int) -> tf.Tensor:
        """``(n, latent_dim)`` standard normal noise from ``noise_gen`` (advances it)."""
        return self.noise_gen.normal((n, self.latent_dim))

    def fixed_noise(self, n: int, seed: int | None = None) -> tf.Tensor:
        """The same ``(n, latent_dim)`` noise on every call; does not touch ``noise_gen``."""
        g = tf.random.Generator.from_seed(self.seed + 1000 if seed is None else seed)
        return g.normal((n, self.latent_dim))


def new_state(
    G: keras.Model,
    D: keras.Model,
    directory: str | os.PathLike | None = None,
    lr_g: float = 2e-4,
    lr_d: float = 2e-4,
    beta_1: float = 0.5,
    seed: int = 0,
    max_to_keep: int = 3,
) -> KerasGANState:
    """A :class:`KerasGANState` with DCGAN Adam optimisers (``beta_1=0.5``), built."""
    return KerasGANState(
        G,
        D,
        keras.optimizers.Adam(lr_g, beta_1=beta_1),
        keras.optimizers.Adam(lr_d, beta_1=beta_1),
        seed=seed,
        directory=None if directory is None else Path(directory),
        max_to_keep=max_to_keep,
    )


def restore_or_init(manager: tf.train.CheckpointManager, history: LossHistory | None = None) -> int:
    """Restore the latest checkpoint of ``manager`` if there is one; return its step (else 0).

    Everything in the checkpoint must match existing objects (same architectures, built
    optimisers); otherwise :class:`FileProblem` names the checkpoint. When ``history``
    is given it is reloaded from ``history.json`` and cut at the restored step.
    """
    path = manager.latest_checkpoint
    if path is None:
        return 0
    ckpt = manager.checkpoint
    try:
        ckpt.restore(path).assert_existing_objects_matched()
    except (AssertionError, ValueError, tf.errors.OpError) as exc:
        raise FileProblem(
            path,
            f"does not match these models/optimisers ({type(exc).__name__}: {exc}).",
            "build G and D exactly as in the run that saved it (same size, base_channels, "
            "latent_dim) or point at a different checkpoint folder.",
        ) from exc
    step = int(ckpt.step.numpy())
    if history is not None:
        hist_file = Path(manager.directory) / HISTORY_FILE
        if hist_file.exists():
            try:
                history.load_state_dict(json.loads(hist_file.read_text()))
            except (ValueError, KeyError) as exc:
                raise FileProblem(
                    hist_file, f"is not a loss history ({exc}).", "delete it."
                ) from exc
            history.truncate(step)
    return step


def save(state: KerasGANState) -> str:
    """Write a checkpoint numbered by the current step (and ``history.json``); return its prefix."""
    if state.manager is None:
        raise ValueError(
            "this state has no checkpoint directory. Fix: new_state(..., directory=...)."
        )
    step = int(state.step.numpy())
    prefix = state.manager.save(checkpoint_number=step)
    atomic_write_bytes(
        Path(state.manager.directory) / HISTORY_FILE,
        json.dumps(state.history.state_dict()).encode(),
    )
    return prefix


def sample_batch(x: tf.Tensor, batch_size: int, generator: tf.random.Generator) -> tf.Tensor:
    """``batch_size`` distinct rows of ``x`` (N, ...) chosen with ``generator``."""
    n = tf.shape(x)[0]
    idx = tf.argsort(generator.uniform([n]))[:batch_size]
    return tf.gather(x, idx)


def fit(
    state: KerasGANState,
    data: np.ndarray | Iterable,
    steps: int,
    *,
    batch_size: int = 32,
    step_fn: Callable[[KerasGANState, tf.Tensor], Mapping[str, Any]] | None = None,
    checkpoint_every: int = 0,
    resume: bool = True,
    sample_every: int = 0,
    on_sample: Callable[[KerasGANState], None] | None = None,
    plot: LivePlot | None = None,
    plot_every: int = 25,
    progress: bool = True,
) -> KerasGANState:
    """Train until ``state.step == steps`` (a total: a resumed run finishes the same job).

    ``data``: an ``(N, F, T)`` array (batches drawn with ``state.data_gen``, exact on
    resume) or any iterable of ``(B, F, T, 1)`` batches, e.g. :func:`tf_dataset`
    (``(batch, labels)`` pairs are accepted; labels are ignored by the default step).
    ``step_fn(state, real) -> {'d': ..., 'g': ...}`` defaults to the compiled
    :func:`make_train_step` with ``state.noise``. With a checkpoint directory, training
    resumes from its latest checkpoint (if ``resume``), saves every ``checkpoint_every``
    steps and at the end. NaN/inf losses raise
    :class:`~gan_tutorial.errors.TrainingDiverged` before anything is saved.
    """
    last_good: str | None = None
    if state.manager is not None and resume:
        restored = restore_or_init(state.manager, state.history)
        if restored:
            last_good = f"{state.manager.latest_checkpoint} (step {restored})"
            if progress:
                tqdm.write(f"resumed from {last_good}")
    if isinstance(data, np.ndarray):
        x = tf.constant(np.asarray(data, np.float32)[..., None])

        def draw() -> Iterator[tf.Tensor]:
            while True:
                yield sample_batch(x, batch_size, state.data_gen)

        batch_iter = draw()
    else:
        batch_iter = iter(data)
    if step_fn is None:
        compiled = make_train_step(state.G, state.D, state.opt_g, state.opt_d)

        def step_fn(s: KerasGANState, batch: Any) -> dict[str, tf.Tensor]:
            real = batch[0] if isinstance(batch, tuple | list) else batch
            d, g = compiled(real, s.noise(int(real.shape[0])))
            return {"d": d, "g": g}

    start = int(state.step.numpy())
    with tqdm(total=steps, initial=start, disable=not progress, desc="GAN") as bar:
        while int(state.step.numpy()) < steps:
            losses = step_fn(state, next(batch_iter))
            done = int(state.step.numpy()) + 1
            values = check_finite(done, checkpoint=last_good, **losses)
            state.step.assign(done)
            state.history.append(done, **values)
            bar.update(1)
            if done % 10 == 0 or done == steps:
                bar.set_postfix({k: f"{v:.3f}" for k, v in values.items()}, refresh=False)
            if state.manager is not None and (every(done, checkpoint_every) or done == steps):
                last_good = f"{save(state)} (step {done})"
            if on_sample is not None and every(done, sample_every):
                on_sample(state)
            if plot is not None and (every(done, plot_every) or done == steps):
                plot.update(state.history)
    return state
