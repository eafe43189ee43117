"""The listening-test CSV schema and its parser.

``widgets.ListeningTest`` writes one row per rating with the columns
:data:`RATING_COLUMNS`; :func:`load_ratings` reads and checks such files."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from typing import Any

from ..errors import FileProblem

__all__ = ["CRITERIA", "RATING_COLUMNS", "SOURCES", "load_ratings"]

CRITERIA: tuple[str, ...] = ("realism", "diversity", "clarity")
SOURCES: tuple[str, ...] = ("real", "generated")
RATING_COLUMNS: tuple[str, ...] = (
    "rater_id",
    "clip_id",
    "source",
    "realism",
    "diversity",
    "clarity",
    "guess",
    "timestamp",
)
_REQUIRED_COLUMNS = RATING_COLUMNS[:-1]  # timestamp is informative only


def load_ratings(paths: Iterable[str | os.PathLike]) -> list[dict[str, Any]]:
    """Merge the rating CSV files of several raters into one list of row dicts.

    Each file needs the columns ``rater_id, clip_id, source, realism, diversity, clarity,
    guess`` (``timestamp`` optional), as written by ``widgets.ListeningTest``. Ratings are
    returned as ints in 1..5; ``source`` and ``guess`` as "real"/"generated". Raises
    :class:`gan_tutorial.errors.FileProblem` (a ``ValueError``) naming the file and line
    for a missing file, a missing column or a bad value.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    rows: list[dict[str, Any]] = []
    for path in paths:
        if not os.path.isfile(path):
            raise FileProblem(path, "file not found.", "check the path of the ratings CSV.")
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in _REQUIRED_COLUMNS if c not in header]
            if missing:
                raise FileProblem(
                    path,
                    f"missing column(s) {', '.join(missing)} (found {', '.join(header) or 'none'}).",
                    f"the header must be {','.join(RATING_COLUMNS)}.",
                )
            for line, raw in enumerate(reader, start=2):
                rows.append(_parse_rating_row(raw, path, line))
    return rows


def _parse_rating_row(raw: dict[str, str], path: Any, line: int) -> dict[str, Any]:
    """Convert one CSV row's strings to typed values; errors name the file and line."""
    row: dict[str, Any] = {
        "rater_id": (raw.get("rater_id") or "").strip(),
        "clip_id": (raw.get("clip_id") or "").strip(),
        "timestamp": (raw.get("timestamp") or "").strip(),
    }
    for key in ("source", "guess"):
        value = (raw.get(key) or "").strip().lower()
        if value not in SOURCES:
            raise FileProblem(
                path, f"line {line}: {key}={value!r} is not 'real' or 'generated'.", ""
            )
        row[key] = value
    for key in CRITERIA:
        text = (raw.get(key) or "").strip()
        try:
            score = int(float(text))
        except ValueError:
            score = -1
        if not 1 <= score <= 5 or float(text or "nan") != score:
            raise FileProblem(path, f"line {line}: {key}={text!r} is not an integer 1..5.", "")
        row[key] = score
    if not row["rater_id"] or not row["clip_id"]:
        raise FileProblem(path, f"line {line}: empty rater_id or clip_id.", "")
    return row
