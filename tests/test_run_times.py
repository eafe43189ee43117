"""Run times and reading order have one source, ``docs/run_times.toml``.

The README's notebook table, the instructors' guide and every notebook's header state the
table's values exactly, and the README, the guide, the site's table of contents and its
notebook table list the notebooks in the table's order (22c after 24).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run_times():
    return _module("run_times", ROOT / "docs" / "run_times.py")


def test_readme_guide_headers_and_site_agree_with_the_table(run_times):
    problems = run_times.check()
    assert not problems, "\n".join(
        [*problems, "Fix: python docs/run_times.py --write (the order by hand)"]
    )


def test_22c_is_read_after_23_and_24(run_times):
    order = [nb.id for nb in run_times.load()[1]]
    assert order.index("22c") > max(order.index("23"), order.index("24"))


def test_site_lists_notebooks_in_the_table_order(run_times, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "book" / "_ext"))
    course_site = _module("course_site", ROOT / "book" / "_ext" / "course_site.py")
    want = [nb.file for nb in run_times.load()[1]]
    assert [p.stem for p in course_site.notebooks(ROOT)] == want
    table = course_site.notebook_table(ROOT)
    assert [table.index(f"<notebooks/{name}>") for name in want] == sorted(
        table.index(f"<notebooks/{name}>") for name in want
    )


def test_table_cell_says_what_was_measured(run_times):
    cell = run_times.table_cell
    assert cell({}) == "not measured"
    assert cell({"bound": "< 1 min"}) == "< 1 min"
    runs = [
        {"time": "11.1 min", "date": "2026-11-27", "conditions": ""},
        {"time": "11.0 min", "date": "2026-11-27", "conditions": ""},
    ]
    assert cell({"runs": runs, "guard": "training stops at 8 min"}) == (
        "11.0–11.1 min (2 example runs); training stops at 8 min"
    )
    one = [{"time": "19 s", "date": "2026-11-26", "conditions": ""}]
    assert cell({"bound": "< 1 min", "runs": one}) == "< 1 min (an example run: 19 s)"
    assert cell({"runs": one, "label": "busy machine"}) == "19 s (an example run, busy machine)"
    with pytest.raises(ValueError, match="one unit"):
        cell({"runs": [*one, runs[0]]})
    with pytest.raises(ValueError, match="written like '41 s'"):
        cell({"runs": [{"time": "about 4 minutes", "date": "", "conditions": ""}]})


def test_header_gives_dates_and_conditions_of_every_run(run_times):
    cores, notebooks = run_times.load()
    for nb in notebooks:
        block = run_times.header_block(cores, nb)
        assert block.startswith(f"**Run time** ({cores}): `quick` ")
        for entry in nb.profiles.values():
            for run in entry.get("runs", []):
                assert f"{run['time']} on {run['date']}" in " ".join(block.split())


def test_write_repairs_a_stale_copy_and_check_finds_it(run_times, tmp_path):
    for name in ("README.md", "docs/instructors.md", "docs/run_times.toml", "book/index.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=_only_notebooks)
    table = tmp_path / "docs" / "run_times.toml"
    text = table.read_text(encoding="utf-8")
    _, notebooks = run_times.load()
    nb25 = next(nb for nb in notebooks if nb.file == "25_conditional_audio_gan")
    first = nb25.profiles["laptop"]["runs"][0]  # one of notebook 25's laptop runs
    when = first["date"]
    old = f'{{ time = "{first["time"]}", date = "{when}"'
    assert text.count(old) == 1
    table.write_text(text.replace(old, f'{{ time = "99.5 min", date = "{when}"'), encoding="utf-8")

    stale = run_times.check(tmp_path)
    assert any("README.md, row 25, laptop" in p for p in stale)
    assert any("instructors.md, row 25, laptop" in p for p in stale)
    assert any("25_conditional_audio_gan.ipynb" in p for p in stale)

    changed = run_times.write(tmp_path)
    assert set(changed) == {"README.md", "instructors.md", "25_conditional_audio_gan.ipynb"}
    assert run_times.check(tmp_path) == []
    row = next(
        r for r in (tmp_path / "README.md").read_text().splitlines() if r.startswith("| 25 |")
    )
    assert "99.5 min" in row
    nb_text = (tmp_path / "notebooks" / "25_conditional_audio_gan.ipynb").read_text()
    assert f"99.5 min on {when}" in " ".join("".join(_first_cell(nb_text)).split())
    # the file keeps the formatting nbstripout and the repository use
    assert nb_text == json.dumps(json.loads(nb_text), indent=1, ensure_ascii=False) + "\n"


def _only_notebooks(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if not n.endswith(".ipynb")]


def _first_cell(nb_text: str) -> list[str]:
    nb = json.loads(nb_text)
    return next(c for c in nb["cells"] if c["cell_type"] == "markdown")["source"]
