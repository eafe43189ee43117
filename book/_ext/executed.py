"""One execution per test run: nbval's executed notebooks feed the site's jupyter-cache.

``make notebooks`` runs every notebook through nbval (the course's CI executor);
``notebooks/conftest.py`` hands each fully passed notebook, with its outputs and widget
state, to :func:`store`. ``make book`` then finds every notebook in the cache that
myst-nb reads (same key: the code cells and the kernelspec), so the site executes
nothing. With ``BOOK_REQUIRE_CACHED=1`` (``.ci/run``) a notebook missing from the cache
is an error instead of a second execution (:func:`missing`).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

try:
    import fcntl
except ImportError:  # Windows: make's parallel streams, the only concurrent writers, are POSIX
    fcntl = None  # type: ignore[assignment]

__all__ = ["cache_path", "missing", "store"]

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def cache_path(root: Path, profile: str) -> Path:
    """The jupyter-cache folder of one profile's site (``build/book/<profile>/jupyter_cache``)."""
    return Path(root) / "build" / "book" / profile / "jupyter_cache"


@contextlib.contextmanager
def _exclusive(cache: Path) -> Iterator[None]:
    """One writer at a time: make test's nbval streams store notebooks concurrently, and two
    processes that open a new cache at once both try to create its tables (sqlite's "table
    settings already exists"), or meet sqlite's "database is locked"."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    with open(cache.parent / f"{cache.name}.lock", "w") as f:
        if fcntl is not None:
            fcntl.flock(f, fcntl.LOCK_EX)  # released when f is closed
        yield


def store(
    nb: nbformat.NotebookNode,
    outputs: list[list[dict]],
    widget_state: dict | None,
    *,
    uri: str,
    cache: Path,
    seconds: float,
) -> None:
    """Cache ``nb`` with ``outputs[k]`` as the outputs of its k-th code cell.

    Execution counts become 1, 2, ... as a clean run would number them; the widget state
    (``ipywidgets.Widget.get_manager_state()``) goes into the notebook's metadata, where
    nbclient would have put it, so the site can render players and progress bars.
    """
    nb = copy.deepcopy(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if len(code) != len(outputs):
        raise ValueError(f"{uri}: {len(code)} code cells but {len(outputs)} executed")
    for k, (cell, outs) in enumerate(zip(code, outputs, strict=True), start=1):
        cell.execution_count = k
        cell.outputs = [nbformat.from_dict(o) for o in outs]
        for o in cell.outputs:
            if o.get("output_type") == "execute_result":
                o["execution_count"] = k
    if widget_state and widget_state.get("state"):
        nb.metadata["widgets"] = {WIDGET_STATE: widget_state}
    bundle = CacheBundleIn(nb, uri, data={"execution_seconds": round(seconds, 1)})
    with _exclusive(Path(cache)):
        get_cache(str(cache)).cache_notebook_bundle(bundle, check_validity=True, overwrite=True)


def missing(paths: list[Path], cache: Path) -> list[Path]:
    """The notebooks among ``paths`` that the cache holds no execution of (as they are now)."""
    if not Path(cache).exists():
        return list(paths)
    c = get_cache(str(cache))
    out = []
    for p in paths:
        try:
            c.match_cache_notebook(nbformat.read(str(p), as_version=4))
        except KeyError:
            out.append(p)
    return out
