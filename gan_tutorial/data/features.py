"""Turn a built dataset into normalised spectrogram arrays that any framework can train on."""

from __future__ import annotations

import numpy as np

from ..audio import SpecConfig, SpecNormalizer, spectrogram

__all__ = [
    "spectrogram_arrays",
]


def spectrogram_arrays(
    audio: np.ndarray,
    cfg: SpecConfig,
    normalizer: SpecNormalizer | None = None,
    batch: int = 256,
) -> tuple[np.ndarray, SpecNormalizer]:
    """Log spectrograms of ``audio`` (N, T) normalised to [-1, 1]: returns ((N, F, frames), normalizer).

    Pass the training split's ``normalizer`` when transforming validation/test/generated
    data; when ``None`` one is fitted on ``audio`` itself.
    """
    specs = np.concatenate(
        [spectrogram(audio[i : i + batch], cfg) for i in range(0, len(audio), batch)]
    )
    if normalizer is None:
        normalizer = SpecNormalizer.fit(specs)
    return normalizer.transform(specs), normalizer
