"""The notebooks' run times, from ``docs/run_times.toml`` to where learners read them.

``python docs/run_times.py`` lists every place that disagrees with the table (exit status 1
if any); ``python docs/run_times.py --write`` rewrites those places from the table:

* README.md: the "quick" and "laptop" cells of the notebook table;
* docs/instructors.md: the same two cells of "Time per notebook";
* every notebook's header (its first markdown cell): the **Run time** paragraph and the
  "Example runs" list after it, up to **Prerequisites**.

It also checks that the README, the guide and the site's table of contents (book/index.md)
list the notebooks in the table's order. tests/test_run_times.py runs the same check.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = "docs/run_times.toml"  # paths relative to the repository's root
BOOK_INDEX = "book/index.md"
PROFILES = ("quick", "laptop", "gpu")
WIDTH = 90  # line length of the generated header text

__all__ = [
    "Notebook",
    "check",
    "header_block",
    "load",
    "notebook_id",
    "table_cell",
    "write",
]


@dataclass(frozen=True)
class Notebook:
    file: str  # file name without .ipynb
    profiles: dict[str, dict]  # profile -> {bound, runs, label, guard, note}

    @property
    def id(self) -> str:
        return notebook_id(self.file)


def notebook_id(name: str) -> str:
    """``"22c_symbolic_music_gan"`` -> ``"22c"``."""
    return name.split("_", 1)[0]


def load(root: Path = ROOT) -> tuple[str, list[Notebook]]:
    """The cores line and the notebooks, in reading order."""
    path = root / TABLE
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    notebooks = []
    for entry in table["notebook"]:
        unknown = set(entry) - {"file", *PROFILES}
        if unknown:
            raise ValueError(f"{path}: {entry['file']}: unknown keys {sorted(unknown)}")
        notebooks.append(Notebook(entry["file"], {p: entry.get(p, {}) for p in PROFILES}))
    return table["cores"], notebooks


def _parse_time(text: str) -> tuple[float, str, str]:
    m = re.fullmatch(r"(\d+(?:\.\d+)?) (s|min)", text)
    if not m:
        raise ValueError(f"a run time is written like '41 s' or '3.6 min', got {text!r}")
    return float(m.group(1)), m.group(1), m.group(2)


def _range(runs: list[dict]) -> str:
    """``'3.6–4.9 min'`` from the runs' times (one unit per profile)."""
    times = sorted(_parse_time(r["time"]) for r in runs)
    units = {unit for _, _, unit in times}
    if len(units) != 1:
        raise ValueError(f"mixed units in {[r['time'] for r in runs]}: use one unit per profile")
    (lo, lo_text, unit), (hi, hi_text, _) = times[0], times[-1]
    return f"{lo_text} {unit}" if lo == hi else f"{lo_text}–{hi_text} {unit}"


def table_cell(entry: dict) -> str:
    """One profile's run time as the README, the guide and the header's first line state it."""
    runs = entry.get("runs", [])
    bound, label, guard = entry.get("bound"), entry.get("label"), entry.get("guard")
    if not runs:
        cell = bound or "not measured"
    else:
        what = "an example run" if len(runs) == 1 else f"{len(runs)} example runs"
        what += f", {label}" if label else ""
        cell = f"{bound} ({what}: {_range(runs)})" if bound else f"{_range(runs)} ({what})"
    return f"{cell}; {guard}" if guard else cell


def _fill(text: str, first: str = "", rest: str = "") -> str:
    """Wrap at WIDTH, never between a number and its unit."""
    glued = re.sub(r"(\d) (s|min|minutes)\b", "\\1\u00a0\\2", text)
    wrapped = textwrap.fill(
        glued,
        WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return wrapped.replace("\u00a0", " ")


def header_block(cores: str, nb: Notebook) -> str:
    """The header's run-time text: the **Run time** line and the example runs behind it."""
    cells = {p: table_cell(nb.profiles[p]) for p in PROFILES}
    line = (
        f"**Run time** ({cores}): `quick` {cells['quick']} · `laptop` (default) "
        f"{cells['laptop']} · `gpu` {cells['gpu']}."
    )
    items = []
    for p in PROFILES:
        entry = nb.profiles[p]
        runs = [
            f"{r['time']} on {r['date']}" + (f" ({r['conditions']})" if r["conditions"] else "")
            for r in entry.get("runs", [])
        ]
        if not runs and entry.get("bound") and not entry.get("note"):
            continue  # a bound alone: the line above says all there is
        parts = ["; ".join(runs) + "." if runs else "not measured."]
        if entry.get("note"):
            parts.append(entry["note"])
        items.append(_fill(" ".join(parts), f"- `{p}`: ", "  "))
    return _fill(line) + "\n\nExample runs behind these numbers:\n" + "\n".join(items)


# --- the places that state them ---------------------------------------------------------


def _table_rows(text: str, header_start: str) -> list[tuple[int, list[str]]]:
    """(line index, cells) of the header and rows of the markdown table whose header line
    starts with ``header_start``."""
    lines = text.split("\n")
    start = next((i for i, ln in enumerate(lines) if ln.startswith(header_start)), None)
    if start is None:
        raise ValueError(f"no table starting with {header_start!r}")
    rows = []
    for i in range(start, len(lines)):
        if not lines[i].startswith("|"):
            break
        if i != start + 1:  # skip the |---| line
            rows.append((i, [c.strip() for c in lines[i].strip().strip("|").split("|")]))
    return rows


def _columns(header: list[str]) -> tuple[int, int]:
    return (
        next(k for k, c in enumerate(header) if c.startswith("quick")),
        next(k for k, c in enumerate(header) if c.startswith("laptop")),
    )


# (file, line its table's header starts with); a row's first cell starts with the notebook id
TABLES = (("README.md", "| # | notebook |"), ("docs/instructors.md", "| notebook | quick |"))


def _table_problems_and_text(
    path: Path, header_start: str, notebooks: list[Notebook]
) -> tuple[list[str], str]:
    text = path.read_text(encoding="utf-8")
    rows = _table_rows(text, header_start)
    q, lap = _columns(rows[0][1])
    lines = text.split("\n")
    problems = []
    ids = [cells[0].split()[0] for _, cells in rows[1:]]
    if ids != [nb.id for nb in notebooks]:
        problems.append(
            f"{path.name}: notebooks listed as {ids}, the table's order is "
            f"{[nb.id for nb in notebooks]}"
        )
    by_id = {nb.id: nb for nb in notebooks}
    for i, cells in rows[1:]:
        nb = by_id.get(cells[0].split()[0])
        if nb is None:
            continue
        for k, p in ((q, "quick"), (lap, "laptop")):
            want = table_cell(nb.profiles[p])
            if cells[k] != want:
                problems.append(f"{path.name}, row {nb.id}, {p}: {cells[k]!r} should be {want!r}")
                cells[k] = want
                lines[i] = "| " + " | ".join(cells) + " |"
    return problems, "\n".join(lines)


def _first_markdown(nb_json: dict) -> dict:
    return next(c for c in nb_json["cells"] if c["cell_type"] == "markdown")


def _header_problems_and_text(root: Path, cores: str, nb: Notebook) -> tuple[list[str], str | None]:
    path = root / "notebooks" / f"{nb.file}.ipynb"
    if not path.exists():
        return [f"{path.name}: no such notebook"], None
    text = "".join(_first_markdown(json.loads(path.read_text(encoding="utf-8")))["source"])
    m = re.search(r"^\*\*Run time\*\*.*?(?=\n\n\*\*Prerequisites\*\*)", text, flags=re.S | re.M)
    if m is None:
        return [f"{path.name}: no **Run time** paragraph before **Prerequisites**"], None
    want = header_block(cores, nb)
    if m.group(0) == want:
        return [], None
    return [f"{path.name}: its run-time text differs from docs/run_times.toml"], (
        text[: m.start()] + want + text[m.end() :]
    )


def _toc_problems(root: Path, notebooks: list[Notebook]) -> list[str]:
    text = (root / BOOK_INDEX).read_text(encoding="utf-8")
    m = re.search(r"```\{toctree\}\n:caption: Notebooks\n(.*?)```", text, flags=re.S)
    if m is None:
        return ["book/index.md: no toctree with ':caption: Notebooks'"]
    entries = [
        ln.strip().removeprefix("notebooks/")
        for ln in m.group(1).splitlines()
        if ln.strip() and not ln.startswith(":")
    ]
    want = [nb.file for nb in notebooks]
    return [] if entries == want else [f"book/index.md: toctree {entries}, should be {want}"]


def check(root: Path = ROOT) -> list[str]:
    """Every place that disagrees with the table, in words (empty when all agree)."""
    cores, notebooks = load(root)
    problems = []
    files = sorted(p.stem for p in (root / "notebooks").glob("[0-9]*.ipynb"))
    if sorted(nb.file for nb in notebooks) != files:
        problems.append(
            f"docs/run_times.toml lists {[nb.file for nb in notebooks]}, notebooks/ holds {files}"
        )
    for name, header_start in TABLES:
        problems += _table_problems_and_text(root / name, header_start, notebooks)[0]
    for nb in notebooks:
        problems += _header_problems_and_text(root, cores, nb)[0]
    return problems + _toc_problems(root, notebooks)


def write(root: Path = ROOT) -> list[str]:
    """Rewrite the run times in the README, the guide and the headers; return what changed.

    The order of rows and of the site's table of contents is not changed here: fix it by
    hand if :func:`check` reports it.
    """
    cores, notebooks = load(root)
    changed = []
    for name, header_start in TABLES:
        path = root / name
        text = _table_problems_and_text(path, header_start, notebooks)[1]
        if text != path.read_text(encoding="utf-8"):
            path.write_text(text, encoding="utf-8")
            changed.append(path.name)
    for nb in notebooks:
        _, new = _header_problems_and_text(root, cores, nb)
        if new is None:
            continue
        path = root / "notebooks" / f"{nb.file}.ipynb"
        nb_json = json.loads(path.read_text(encoding="utf-8"))  # read again just before writing
        _first_markdown(nb_json)["source"] = new.splitlines(keepends=True)
        path.write_text(json.dumps(nb_json, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        changed.append(path.name)
    return changed


def main(argv: list[str]) -> int:
    if argv == ["--write"]:
        for name in write():
            print("rewrote", name)
    elif argv:
        print(__doc__)
        return 2
    problems = check()
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
