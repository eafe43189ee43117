"""Compile, once, what the course imports: ``python -m gan_tutorial.warmup tensorflow|torch|librosa``.

``make`` runs the three groups side by side right after it installs the virtual environment.
Each import writes the ``.pyc`` files of exactly the modules it loads (uv's
``--compile-bytecode`` compiled all of site-packages, mostly TensorFlow files nothing imports:
about 60 s on 2 cores), and the ``librosa`` group compiles and caches librosa's numba kernels
(about 35 s of CPU). Without this, every test process that starts at the same time pays both.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

# Heavy third-party modules the notebooks, their kernels and the tests load, by group. A group
# never imports another group's framework, so no two processes compile the same files.
GROUPS: dict[str, tuple[str, ...]] = {
    "tensorflow": ("tensorflow", "keras"),
    "torch": (
        "torch",
        "torch.distributed",
        "torch._dynamo",  # torch.optim loads it on the first step
        "scipy.signal",
        "scipy.optimize",
        "matplotlib.pyplot",
        "music21",
        "pretty_midi",
        "IPython",
        "ipykernel.kernelapp",
        "ipywidgets",
        "debugpy",
        "nbval.plugin",
        "nbformat",
        "jupyter_client",
        "jupyter_cache",
        "pytest",
        "soundfile",
    ),
    "librosa": ("librosa",),
}


def course_modules(framework: str) -> list[str]:
    """Every ``gan_tutorial`` module of one group: ``keras`` ones for ``tensorflow``, the rest
    for ``torch``, none for ``librosa``."""
    import gan_tutorial

    names = [m.name for m in pkgutil.walk_packages(gan_tutorial.__path__, "gan_tutorial.")]
    if framework == "tensorflow":
        return [n for n in names if n.startswith("gan_tutorial.keras")]
    if framework == "torch":
        return [n for n in names if not n.startswith("gan_tutorial.keras") and n != __name__]
    return []


def warm(group: str) -> None:
    """Import ``group``'s modules (and run librosa once, which compiles its numba kernels)."""
    if group not in GROUPS:
        raise SystemExit(f"unknown group {group!r}. Fix: use one of {', '.join(GROUPS)}.")
    for name in (*GROUPS[group], *course_modules(group)):
        importlib.import_module(name)
    if group == "librosa":
        import librosa
        import numpy as np

        librosa.stft(np.zeros(4096, dtype=np.float32))


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    warm(sys.argv[1] if len(sys.argv) > 1 else "")
