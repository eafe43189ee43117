"""One rule for turning a seed argument into a ``numpy.random.Generator``.

``None`` means seed 0, not fresh OS entropy: every function of the course that takes
``rng`` is reproducible by default. Pass ``np.random.default_rng()`` for a random run.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RngLike", "as_generator"]

RngLike = np.random.Generator | int | None


def as_generator(rng: RngLike) -> np.random.Generator:
    """A Generator from a Generator (returned as is, advanced in place by the caller),
    an int seed, or ``None`` (seed 0)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng(0)
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}. "
        "Pass e.g. rng=np.random.default_rng(0)."
    )
