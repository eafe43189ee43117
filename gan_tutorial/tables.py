"""Plain-text and markdown tables of strings (the one table formatter of the package)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["markdown_table", "text_table"]


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], sep: str = "  ") -> str:
    """An aligned text table: the first column left-aligned, the others right-aligned,
    a rule of dashes under the header. Every line has the same length."""
    n = len(header)
    if any(len(r) != n for r in rows):
        raise ValueError(f"every row needs {n} cells (one per header column).")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return sep.join([cells[0].ljust(widths[0]), *rest])

    return "\n".join([line(header), sep.join("-" * w for w in widths), *map(line, rows)])


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown (GitHub) table; ``*`` in cells is escaped so it is not read as emphasis."""
    esc = [[c.replace("*", "\\*") for c in r] for r in rows]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in esc])
