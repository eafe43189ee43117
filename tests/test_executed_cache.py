"""The site's execution cache (book/_ext/executed.py) under make test's parallel streams."""

from __future__ import annotations

import importlib.util
import multiprocessing as mp
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def _executed():
    spec = importlib.util.spec_from_file_location("executed", ROOT / "book/_ext/executed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _store_one(cache: str, k: int, barrier) -> None:
    executed = _executed()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"print({k})")])
    outputs = [[{"output_type": "stream", "name": "stdout", "text": f"{k}\n"}]]
    barrier.wait()  # every process opens the new cache at the same moment
    try:
        executed.store(nb, outputs, None, uri=f"/nb{k}.ipynb", cache=Path(cache), seconds=1.0)
    except Exception as exc:  # reported to the parent, which fails the test
        Path(cache).parent.joinpath(f"error{k}.txt").write_text(
            f"{type(exc).__name__}: {exc}"[:300]
        )
        raise


def test_streams_that_store_into_a_new_cache_at_once_all_succeed(tmp_path):
    """make test's nbval streams each store their first notebook into a cache that does not
    exist yet: creating its tables at once must not fail one of them ("table ... already
    exists"), which would error the notebook and the next one's kernel."""
    cache = tmp_path / "jupyter_cache"
    ctx = mp.get_context("fork")
    n = 4
    barrier = ctx.Barrier(n)
    procs = [ctx.Process(target=_store_one, args=(str(cache), k, barrier)) for k in range(n)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    failures = [f.read_text() for f in sorted(tmp_path.glob("error*.txt"))]
    assert failures == []
    assert [p.exitcode for p in procs] == [0] * n
    stored = _executed().get_cache(str(cache)).list_cache_records()
    assert sorted(r.uri for r in stored) == sorted(f"/nb{k}.ipynb" for k in range(n))
