"""One thread rule for every notebook: ``$GAN_TUTORIAL_THREADS``, else every core we may use.

The rule does not read the load average: it lags a minute behind, so a notebook started
right after another job would drop to one thread for its whole run. Oversubscription is
the real enemy (two kernels on 2 cores slow each other 10-40x): run one training
notebook at a time, or set ``GAN_TUTORIAL_THREADS=1`` for each of several.
"""

from __future__ import annotations

import os
import sys

from threadpoolctl import threadpool_limits

__all__ = ["THREADS_ENV", "configure", "thread_count"]

THREADS_ENV = "GAN_TUTORIAL_THREADS"


def thread_count() -> int:
    """``$GAN_TUTORIAL_THREADS`` if set, else the number of cores this process may run on."""
    value = os.environ.get(THREADS_ENV, "").strip()
    if value:
        try:
            n = int(value)
        except ValueError:
            n = 0
        if n < 1:
            raise ValueError(
                f"{THREADS_ENV}={value!r} is not a thread count. Fix: set it to 1, 2, ..."
            )
        return n
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        return os.cpu_count() or 1


def configure(n: int | None = None) -> int:
    """Use ``n`` threads (default :func:`thread_count`) in every pool a notebook touches.

    Sets NumPy/SciPy's BLAS pools (threadpoolctl) and, when they are imported,
    PyTorch's intra-op threads and TensorFlow's (before TensorFlow starts). Returns ``n``.
    """
    n = thread_count() if n is None else int(n)
    threadpool_limits(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
    if "tensorflow" in sys.modules:
        threading = sys.modules["tensorflow"].config.threading
        try:
            threading.set_intra_op_parallelism_threads(n)
            threading.set_inter_op_parallelism_threads(min(n, 2))
        except RuntimeError:  # TensorFlow already started: it keeps its pools
            pass
    return n
