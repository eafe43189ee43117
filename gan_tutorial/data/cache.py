"""The built datasets' cache: content-addressed folders, manifests with checksums, splits.

A dataset is built deterministically from its parameters into
``<cache_root()>/<name>-<hash of the parameters>/`` as ``arrays.npz`` (saved and loaded
with ``allow_pickle=False``) and ``manifest.json`` (the parameters, counts, build time and
the sha256 of every array, checked on every load). Processes that need the same missing
dataset at once (the test streams, two notebooks) build it once: the others wait on a lock
file beside the folder, then read the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_write_bytes, npz_bytes

try:
    import fcntl
except ImportError:  # Windows: no lock, so two processes may build the same dataset twice
    fcntl = None  # type: ignore[assignment]

__all__ = ["SPLITS", "cache_root", "load_or_build"]

SPLITS = ("train", "valid", "test")


def cache_root() -> Path:
    """Where built datasets live: ``$GAN_TUTORIAL_DATA`` or ``<repo>/data/cache``."""
    env = os.environ.get("GAN_TUTORIAL_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data" / "cache"


def _sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def _key(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:12]


def _save(folder: Path, arrays: dict[str, np.ndarray], manifest: dict) -> None:
    atomic_write_bytes(folder / "arrays.npz", npz_bytes(**arrays))
    manifest["sha256"] = {k: _sha256(v) for k, v in arrays.items()}
    atomic_write_bytes(folder / "manifest.json", json.dumps(manifest, indent=2).encode())


def _load(folder: Path) -> tuple[dict[str, Any], dict] | None:
    arrays_path, manifest_path = folder / "arrays.npz", folder / "manifest.json"
    if not (arrays_path.exists() and manifest_path.exists()):
        return None
    try:
        manifest = json.loads(manifest_path.read_text())
        with np.load(arrays_path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except Exception as exc:  # OSError, ValueError, zipfile.BadZipFile, ...
        warnings.warn(f"{folder}: cached dataset unreadable ({exc}); rebuilding it.", stacklevel=3)
        return None
    bad = [k for k, v in arrays.items() if manifest.get("sha256", {}).get(k) != _sha256(v)]
    if bad:
        warnings.warn(f"{folder}: checksum mismatch for {bad}; rebuilding it.", stacklevel=3)
        return None
    return arrays, manifest


@contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    """Hold ``.<folder name>.lock`` beside ``folder`` exclusively (POSIX ``flock``): one
    process builds, the others wait for it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield
        return
    with open(folder.parent / f".{folder.name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def load_or_build(
    folder: Path,
    build: Callable[[], tuple[dict[str, np.ndarray], dict]],
    *,
    rebuild: bool = False,
) -> tuple[dict[str, Any], dict]:
    """``(arrays, manifest)`` from the cache ``folder``, or from ``build()`` (then saved
    atomically and read back, so a fresh build and a cache hit return the same thing).
    A damaged cache is rebuilt with a warning. ``manifest["folder"]`` names the folder."""
    cached = None if rebuild else _load(folder)
    if cached is None:
        with _build_lock(folder):
            cached = None if rebuild else _load(folder)  # another process may have built it
            if cached is None:
                arrays, manifest = build()
                _save(folder, arrays, manifest)
                cached = _load(folder)
                assert cached is not None
    arrays, manifest = cached
    manifest["folder"] = str(folder)
    return arrays, manifest


def _split_labels(n: int, rng: np.random.Generator, fractions=(0.8, 0.1, 0.1)) -> np.ndarray:
    order = rng.permutation(n)
    n_valid = round(fractions[1] * n)
    n_test = n - round(fractions[0] * n) - n_valid
    if n >= 3:  # every split gets at least one item
        n_valid, n_test = max(n_valid, 1), max(n_test, 1)
    n_train = n - n_valid - n_test
    split = np.empty(n, dtype="<U5")
    split[order[:n_train]] = "train"
    split[order[n_train : n_train + n_valid]] = "valid"
    split[order[n_train + n_valid :]] = "test"
    return split


class _ArrayDataset:
    """Shared behaviour: subsetting by split or mask, length, manifest access."""

    manifest: dict
    split: np.ndarray

    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)  # type: ignore[arg-type]  # subclasses are dataclasses
            if isinstance(getattr(self, f.name), np.ndarray)
        }

    def __len__(self) -> int:
        return len(self.split)

    def subset(self, split_or_mask: str | np.ndarray):
        """A copy restricted to one split (``"train"``, ``"valid"``, ``"test"``) or a mask."""
        if isinstance(split_or_mask, str):
            if split_or_mask not in SPLITS:
                raise ValueError(f"unknown split {split_or_mask!r}. Fix: use one of {SPLITS}.")
            mask = self.split == split_or_mask
        else:
            mask = np.asarray(split_or_mask)
        kw = {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]
        for k, v in self._arrays().items():
            kw[k] = v[mask]
        return type(self)(**kw)
