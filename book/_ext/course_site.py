"""Sphinx extension for the course site: the landing page's generated parts and output hygiene.

* ``notebook_table(root)``: a MyST table of every ``notebooks/[0-9]*.ipynb`` in reading
  order (the order of ``docs/run_times.toml``), with the title and the run times each
  notebook's header states (so a new notebook needs no edit here).
* ``listen_strip(root)``: audio players for the committed WAVs in ``docs/audio/``.
* On every page: notebook pages get the right "source" path in the repository (the book
  reaches the notebooks through the ``book/notebooks`` symlink), and ipywidgets (audio
  players, progress bars, explorers) become static HTML (``static_widgets``) instead of
  embedded widget state plus CDN JavaScript.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import static_widgets

__all__ = ["AUDIO_SLOTS", "listen_strip", "notebook_table", "setup"]

# (file in docs/audio, caption); a missing file is left out of the strip.
AUDIO_SLOTS = [
    ("real_note.wav", "a real note (nsynth_lite, FluidSynth-rendered)"),
    ("22_keras_dcgan.wav", "chapter 22: the Keras DCGAN, laptop profile"),
    ("25_conditional_gan.wav", "notebook 25: the conditional GAN, the course's best model"),
    ("26_if_gan.wav", "notebook 26: the IF GAN, phase generated (an early example run)"),
]


def _header(nb_path: Path) -> tuple[str, str]:
    """Title and run-time sentence of a notebook's first markdown cell."""
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "markdown"]
    text = "".join(cells[0]["source"]) if cells else ""
    title = next(
        (ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("# ")), nb_path.stem
    )
    m = re.search(r"\*\*Run time\*\*[^:]*:(.*?)(?:\n\s*\n|$)", text, flags=re.S)
    return title, " ".join(m.group(1).split()) if m else ""


def _profile_time(run_time: str, profile: str) -> str:
    """The part of ``run_time`` (segments joined by ' · ') about ``profile``, or '—'."""
    for seg in run_time.split("·"):
        seg = seg.strip()
        if seg.startswith(f"`{profile}`"):
            seg = seg[len(profile) + 2 :].strip()
            return re.sub(r"^\(default\)\s*", "", seg).lstrip(": ").rstrip(".") or "—"
    return "—"


def notebooks(root: Path) -> list[Path]:
    """Every course notebook, in reading order: the order of ``docs/run_times.toml`` (22c
    comes after 24, whose histogram distances it uses), then any notebook the table does
    not list yet, by name."""
    table = root / "docs" / "run_times.toml"
    listed = [nb["file"] for nb in tomllib.loads(table.read_text(encoding="utf-8"))["notebook"]]
    rank = {name: k for k, name in enumerate(listed)}
    found = (root / "notebooks").glob("[0-9]*.ipynb")
    return sorted(found, key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def notebook_table(root: Path) -> str:
    """MyST table: notebook (linked), stated run time in the quick and laptop profiles."""
    rows = ["| notebook | quick (CI) | laptop (default) |", "|---|---|---|"]
    for nb in notebooks(root):
        title, run_time = _header(nb)
        cells = [_profile_time(run_time, p).replace("|", "\\|") for p in ("quick", "laptop")]
        rows.append(f"| {{doc}}`{title} <notebooks/{nb.stem}>` | {cells[0]} | {cells[1]} |")
    return "\n".join(rows)


def listen_strip(root: Path) -> str:
    """Raw HTML: one captioned audio player per committed WAV in docs/audio/."""
    items = [
        f'<figure class="listen-item"><audio controls preload="metadata" src="_static/{name}">'
        f"</audio><figcaption>{caption}</figcaption></figure>"
        for name, caption in AUDIO_SLOTS
        if (root / "docs" / "audio" / name).exists()
    ]
    return '<div class="listen-strip">\n' + "\n".join(items) + "\n</div>"


def _page_context(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    # Notebooks sit at notebooks/ in the repository, the other pages under book/.
    context["doc_path"] = "" if pagename.startswith("notebooks/") else "book"


def _static_widgets() -> None:
    """Patch myst-nb so that widget views become static HTML and the state is not embedded."""
    import json

    from docutils import nodes
    from myst_nb.core import render

    original = render.NbElementRenderer.render_nb_finalise
    if getattr(original, "_course_site", False):
        return
    opening = f'<script type="{static_widgets.WIDGET_VIEW}">'

    def finalise(self: Any, metadata: dict) -> None:
        models = static_widgets.widget_state(metadata)
        for node in list(self.renderer.document.findall(nodes.raw)):
            text = node.astext()
            if text.startswith(opening):
                view = json.loads(text[len(opening) : -len("</script>")])
                node.replace_self(
                    nodes.raw(
                        "", static_widgets.render_view(models, view["model_id"]), format="html"
                    )
                )
        original(self, {k: v for k, v in metadata.items() if k != "widgets"})

    finalise._course_site = True  # type: ignore[attr-defined]
    render.NbElementRenderer.render_nb_finalise = finalise


def setup(app: Any) -> dict:
    _static_widgets()
    app.connect("html-page-context", _page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
