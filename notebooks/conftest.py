"""nbval plugin: keep what ``make notebooks`` executed, so the site need not run it again.

After the last cell of a notebook has run, its outputs (which nbval collects anyway)
and the kernel's widget state go into the site's jupyter-cache for the active profile
(``book/_ext/executed.py``). A notebook with a failed cell is not stored.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))

import executed  # noqa: E402

_WIDGETS_CODE = """\
import json as _j
try:
    from ipywidgets import Widget as _W
    _s = _W.get_manager_state(drop_defaults=False)
except ImportError:
    _s = None
with open({path!r}, "w") as _f:
    _j.dump(_s, _f)
del _j, _s, _f
"""

_failed: set[str] = set()
_started: dict[str, float] = {}


def _is_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed:
        _failed.add(report.nodeid.split("::")[0])


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _is_cell(item):
        _started.setdefault(item.nodeid.split("::")[0], time.time())


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """On a notebook's last cell, before nbval stops its kernel: store the notebook."""
    if not _is_cell(item) or (nextitem is not None and nextitem.parent is item.parent):
        return
    file_id = item.nodeid.split("::")[0]
    nb_file = item.parent
    cells = [c for c in nb_file.session.items if c.parent is nb_file]
    if file_id in _failed or any(c.test_outputs is None for c in cells):
        return  # failed, or not every cell ran (-k, --lf): nothing to store
    kernel = nb_file.kernel
    if kernel is None or not kernel.is_alive():
        return
    with tempfile.TemporaryDirectory() as tmp:
        state_file = os.path.join(tmp, "widgets.json")
        msg_id = kernel.execute_cell_input(_WIDGETS_CODE.format(path=state_file), allow_stdin=False)
        kernel.await_reply(msg_id, timeout=60)
        with open(state_file) as f:
            widgets = json.load(f)
    profile = os.environ.get("GAN_TUTORIAL_PROFILE", "laptop")
    executed.store(
        nb_file.nb,
        [c.test_outputs for c in cells],
        widgets,
        uri=str(Path(str(nb_file.fspath)).resolve()),
        cache=executed.cache_path(ROOT, profile),
        seconds=time.time() - _started.get(file_id, time.time()),
    )
