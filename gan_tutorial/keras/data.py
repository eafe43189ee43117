"""tf.data pipelines for the Keras notebooks.

* :func:`tf_dataset` turns framework-free ``(N, F, T)`` arrays into an endless, seeded,
  shuffled ``tf.data.Dataset`` of NHWC batches ``(B, F, T, 1)``.
* :func:`audio_folder_dataset` reads a folder of WAV files with class subfolders through
  ``keras.utils.audio_dataset_from_directory`` - the audio counterpart of the
  ``image_dataset_from_directory`` the source uses - and maps each batch to the same
  log-mel features as :func:`gan_tutorial.audio.spectrogram` (computed by
  ``gan_tutorial.audio`` inside ``tf.py_function``, so numpy and Keras features are
  identical).
"""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np
import soundfile as sf
import tensorflow as tf

from ..audio import SpecConfig, SpecNormalizer, spectrogram
from ..errors import DatasetLayoutError, FileProblem

__all__ = ["audio_folder_dataset", "tf_dataset"]


def tf_dataset(
    x: np.ndarray,
    batch_size: int,
    seed: int = 0,
    labels: np.ndarray | None = None,
) -> tf.data.Dataset:
    """Endless shuffled batches of ``x`` (N, F, T): yields float32 ``(B, F, T, 1)``.

    With ``labels`` (N,) it yields ``(batch, labels)`` pairs (int32). Shuffling uses a
    full-size buffer and ``seed`` (reshuffled every pass); the last incomplete batch of
    each pass is dropped so every batch has exactly ``batch_size`` clips.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"expected spectrograms of shape (N, F, T), got {x.shape}")
    if not 0 < batch_size <= len(x):
        raise ValueError(
            f"batch_size must be in 1..{len(x)} (the number of clips), got {batch_size}"
        )
    items = x[..., None]
    if labels is not None:
        labels = np.asarray(labels, dtype=np.int32)
        if len(labels) != len(x):
            raise ValueError(f"{len(x)} spectrograms but {len(labels)} labels")
        ds = tf.data.Dataset.from_tensor_slices((items, labels))
    else:
        ds = tf.data.Dataset.from_tensor_slices(items)
    return (
        ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .repeat()
        .batch(batch_size, drop_remainder=True)
        .prefetch(tf.data.AUTOTUNE)
    )


def _check_folder(folder: Path, sr: int) -> None:
    if not folder.is_dir():
        raise DatasetLayoutError(
            folder, "is not a folder.", "point at a folder with one subfolder per class."
        )
    wavs = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".wav")
    if not wavs:
        raise DatasetLayoutError(
            folder,
            "contains no .wav files.",
            "put WAV files in class subfolders (folder/<class>/<clip>.wav); convert other "
            "formats first.",
        )
    for p in wavs:
        try:
            info = sf.info(str(p))
        except Exception as exc:
            raise FileProblem(
                p, f"is not a readable WAV file ({exc}).", "re-export or delete it."
            ) from exc
        if info.samplerate != sr:
            raise FileProblem(
                p,
                f"has sample rate {info.samplerate} Hz but {sr} Hz is expected "
                "(audio_dataset_from_directory cannot resample without tensorflow-io).",
                "resample the folder first, e.g. gan_tutorial.audio.load_audio(path, sr) then "
                "gan_tutorial.audio.save_wav.",
            )


def audio_folder_dataset(
    folder: str | os.PathLike,
    cfg: SpecConfig | None = None,
    normalizer: SpecNormalizer | None = None,
    batch_size: int = 32,
    seed: int = 0,
    shuffle: bool = True,
    validation_split: float | None = None,
    subset: str | None = None,
) -> tf.data.Dataset | tuple[tf.data.Dataset, ...]:
    """Log-mel batches from ``folder/<class>/<clip>.wav``: yields ``((B, F, T, 1), labels)``.

    Clips are cut or zero-padded to ``cfg.n_samples`` and mixed to mono, then turned into
    ``cfg`` features (default ``SpecConfig()``: 64 mel x 64 frames). With a
    ``normalizer`` (fitted on the training arrays) features are mapped to [-1, 1];
    without one they are the raw natural-log magnitudes. Labels are int32 class indices
    in alphabetical folder order; the class names are in ``dataset.class_names``.
    ``validation_split``/``subset`` (``"training"``, ``"validation"`` or ``"both"``) and
    ``seed`` are passed to ``keras.utils.audio_dataset_from_directory``. All WAVs must be
    at ``cfg.sr`` Hz; a file that is not raises :class:`FileProblem` naming it.
    """
    cfg = cfg or SpecConfig()
    folder = Path(folder)
    _check_folder(folder, cfg.sr)
    raw = keras.utils.audio_dataset_from_directory(
        str(folder),
        batch_size=batch_size,
        output_sequence_length=cfg.n_samples,
        shuffle=shuffle,
        seed=seed,
        validation_split=validation_split,
        subset=subset,
        verbose=False,
    )
    f, t = cfg.shape

    def features(audio: np.ndarray) -> np.ndarray:
        spec = spectrogram(np.asarray(audio, dtype=np.float32), cfg)
        return (normalizer.transform(spec) if normalizer is not None else spec).astype(np.float32)

    def to_features(audio: tf.Tensor, label: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        mono = tf.reduce_mean(audio, axis=-1)  # (B, T, channels) -> (B, T)
        spec = tf.py_function(features, [mono], tf.float32)
        spec.set_shape([None, f, t])
        return spec[..., None], label

    def wrap(ds: tf.data.Dataset) -> tf.data.Dataset:
        names = ds.class_names
        out = ds.map(to_features, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
        out.class_names = names
        return out

    return tuple(wrap(d) for d in raw) if isinstance(raw, list | tuple) else wrap(raw)
