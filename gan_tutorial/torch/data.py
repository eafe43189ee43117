"""PyTorch views of the framework-free spectrogram arrays.

Arrays are ``(N, F, T)`` float32 normalised to [-1, 1] (from
:func:`gan_tutorial.data.spectrogram_arrays`); tensors come out NCHW ``(B, 1, F, T)``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor

__all__ = ["SpectrogramDataset", "batches"]


def _as_tensor(x: np.ndarray | Tensor) -> Tensor:
    t = torch.as_tensor(np.asarray(x, dtype=np.float32) if not isinstance(x, Tensor) else x)
    if t.dim() != 3:
        raise ValueError(f"expected spectrograms of shape (N, F, T), got {tuple(t.shape)}")
    return t.float().unsqueeze(1).contiguous()  # (N, 1, F, T)


class SpectrogramDataset(torch.utils.data.Dataset):
    """``(N, F, T)`` spectrograms (and optional ``(N,)`` integer labels) as a Dataset.

    ``ds[i]`` is a float32 tensor ``(1, F, T)``, or ``((1, F, T), label)`` with labels.
    """

    def __init__(self, specs: np.ndarray | Tensor, labels: np.ndarray | Tensor | None = None):
        self.x = _as_tensor(specs)
        self.y = None if labels is None else torch.as_tensor(np.asarray(labels)).long()
        if self.y is not None and len(self.y) != len(self.x):
            raise ValueError(f"{len(self.x)} spectrograms but {len(self.y)} labels")

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int):
        return self.x[i] if self.y is None else (self.x[i], self.y[i])


def batches(
    x: np.ndarray | Tensor,
    batch_size: int,
    generator: torch.Generator,
    labels: np.ndarray | Tensor | None = None,
) -> Iterator[Tensor] | Iterator[tuple[Tensor, Tensor]]:
    """Endless random batches ``(B, 1, F, T)`` (or ``(batch, labels)``) drawn with ``generator``.

    Each batch is ``batch_size`` distinct clips chosen afresh with
    ``torch.randperm(N, generator=generator)``: no epoch bookkeeping lives in the iterator,
    so the batch sequence depends only on the generator's state. Save and restore that
    state (as :mod:`gan_tutorial.torch.training` does) and a resumed run sees exactly the
    same batches as an uninterrupted one. Indices are drawn lazily, one batch per ``next``.
    """
    ds = SpectrogramDataset(x, labels)
    n = len(ds)
    if not 0 < batch_size <= n:
        raise ValueError(f"batch_size must be in 1..{n} (the number of clips), got {batch_size}")
    while True:
        idx = torch.randperm(n, generator=generator)[:batch_size]
        yield ds.x[idx] if ds.y is None else (ds.x[idx], ds.y[idx])
