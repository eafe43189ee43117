"""Render saved ipywidgets as static HTML, so that a page needs no widget JavaScript.

The course shows its audio players (``audio.play_many``), progress bars (``tqdm.auto``) and
explorers as ipywidgets. An executed notebook stores every widget's state (including binary
buffers such as WAV bytes) in its metadata; this module turns one widget view into plain
HTML from that state: boxes become flex rows/columns, ``Audio`` an ``<audio>`` element with
a data URI, ``Image`` an ``<img>``, progress bars a ``<progress>``, and controls (sliders,
buttons, dropdowns) disabled look-alikes with a note that they work in JupyterLab;
an ``Output`` widget shows the images and text it captured.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["WIDGET_STATE", "WIDGET_VIEW", "render_view", "widget_state"]

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_PREFIX = "IPY_MODEL_"
_BOXES = {"HBoxModel": "row", "VBoxModel": "column", "BoxModel": "row", "GridBoxModel": "row"}
_CONTROLS = {
    "ButtonModel",
    "CheckboxModel",
    "ToggleButtonModel",
    "DropdownModel",
    "SelectModel",
    "RadioButtonsModel",
    "ToggleButtonsModel",
    "SelectionSliderModel",
    "IntSliderModel",
    "FloatSliderModel",
    "FloatLogSliderModel",
    "IntRangeSliderModel",
    "FloatRangeSliderModel",
    "IntTextModel",
    "FloatTextModel",
    "BoundedIntTextModel",
    "BoundedFloatTextModel",
    "TextModel",
    "TextareaModel",
    "PlayModel",
}


def widget_state(metadata: dict) -> dict[str, dict]:
    """model id -> {"name", "state", "buffers": {field: base64}} from notebook metadata."""
    saved = (metadata.get("widgets") or {}).get(WIDGET_STATE, {}).get("state", {})
    out = {}
    for model_id, model in saved.items():
        buffers = {
            ".".join(map(str, b["path"])): b["data"]
            for b in model.get("buffers", [])
            if b.get("encoding") == "base64"
        }
        out[model_id] = {
            "name": model.get("model_name", ""),
            "state": model.get("state", {}),
            "buffers": buffers,
        }
    return out


def _ref(value: Any) -> str | None:
    return value[len(_PREFIX) :] if isinstance(value, str) and value.startswith(_PREFIX) else None


def _width(models: dict, state: dict) -> str:
    layout = models.get(_ref(state.get("layout")) or "", {}).get("state", {})
    return f' style="width:{html.escape(layout["width"])}"' if layout.get("width") else ""


def _description(state: dict) -> str:
    desc = state.get("description") or ""
    return f'<span class="nbw-description">{html.escape(desc)}</span> ' if desc else ""


def _render(models: dict, model_id: str, controls: list[bool], depth: int = 0) -> str:
    model = models.get(model_id)
    if model is None or depth > 20:
        return ""  # closed widget (e.g. a finished tqdm bar with leave=False)
    name, state = model["name"], model["state"]
    if name in _BOXES:
        children = "".join(
            _render(models, _ref(c) or "", controls, depth + 1) for c in state.get("children", [])
        )
        return f'<div class="nbw-box nbw-{_BOXES[name]}"{_width(models, state)}>{children}</div>'
    if name == "LabelModel":
        return f'<span class="nbw-label">{html.escape(str(state.get("value", "")))}</span>'
    if name in ("HTMLModel", "HTMLMathModel"):
        return f'<div class="nbw-html">{_description(state)}{state.get("value", "")}</div>'
    if name in ("AudioModel", "ImageModel", "VideoModel") and "value" in model["buffers"]:
        fmt = html.escape(str(state.get("format") or ("wav" if name == "AudioModel" else "png")))
        data = model["buffers"]["value"]
        if name == "ImageModel":
            src = f"data:image/{fmt};base64,{data}"
            return f'<img class="nbw-image" alt="" src="{src}"{_width(models, state)}>'
        tag = "audio" if name == "AudioModel" else "video"
        return (
            f'<{tag} class="nbw-{tag}" controls preload="metadata" '
            f'src="data:{tag}/{fmt};base64,{data}"{_width(models, state)}></{tag}>'
        )
    if name in ("FloatProgressModel", "IntProgressModel"):
        lo, hi, value = state.get("min", 0), state.get("max", 100), state.get("value", 0)
        return (
            f'<span class="nbw-progress">{_description(state)}'
            f'<progress max="{hi - lo}" value="{value - lo}"></progress></span>'
        )
    if name in _CONTROLS:
        controls.append(True)
        label = state.get("description") or state.get("tooltip") or name.removesuffix("Model")
        value = state.get("value")
        shown = "" if value is None or name == "ButtonModel" else f": {value}"
        text = html.escape(f"{label}{shown}")
        return f'<span class="nbw-control" title="interactive in JupyterLab">{text}</span>'
    if name == "OutputModel":
        return "".join(_output_html(o) for o in state.get("outputs", []))
    return ""


def _output_html(output: dict) -> str:
    """One output captured by an ``Output`` widget: an image, HTML or plain text."""
    data = output.get("data", {})
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            return f'<img class="nbw-image" alt="" src="data:{mime};base64,{data[mime]}">'
    if "text/html" in data:
        return f'<div class="nbw-html">{"".join(data["text/html"])}</div>'
    text = output.get("text") or data.get("text/plain") or ""
    text = "".join(text) if isinstance(text, list) else text
    return f'<pre class="nbw-text">{html.escape(text)}</pre>' if text.strip() else ""


def render_view(models: dict, model_id: str) -> str:
    """Static HTML for the widget view ``model_id`` (empty string when nothing is shown)."""
    controls: list[bool] = []
    body = _render(models, model_id, controls)
    if not body:
        return ""
    note = (
        '<p class="nbw-note">Interactive widget: its controls work when you run the notebook '
        "in JupyterLab.</p>"
        if controls
        else ""
    )
    return f'<div class="nbw-static">{body}{note}</div>'
