"""The course website in a real browser.

``make site-check`` (marker ``site``) takes the site that ``make book`` built from the
notebooks ``make notebooks`` executed (it builds and executes nothing itself), serves it on
localhost and opens the landing page and every notebook page in headless Chromium (Debian's ``chromium``, driven by Playwright; no
browser download). Each page must load without console errors and show a figure and an
audio player whose media loads (duration > 0, read in the page); the landing page must link
to every notebook. Screenshots go to ``build/book/quick/screenshots/``.

Requests to other hosts (a CDN script such as MathJax) cannot be served offline: they are
answered empty and must come from the short list of hosts below, so a page that starts to
depend on another site fails here.
"""

from __future__ import annotations

import base64
import functools
import http.server
import importlib.util
import io
import json
import shutil
import threading
import wave
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "book" / "quick"
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))
# Debian's chromium first; GitHub's Ubuntu runners ship Google Chrome instead.
_CANDIDATES = ("chromium", "google-chrome", "chromium-browser")
CHROMIUM = next((p for p in map(shutil.which, _CANDIDATES) if p), None)
ALLOWED_EXTERNAL_HOSTS = {"cdn.jsdelivr.net"}  # MathJax, loaded by Sphinx on pages with maths

# Each <audio>: wait for its metadata (or an error, or 20 s), then report its duration.
AUDIO_DURATIONS_JS = """
async () => Promise.all([...document.querySelectorAll('audio')].map(a => new Promise(done => {
  const report = () => done({src: (a.currentSrc || a.src).slice(0, 60), duration: a.duration,
                             error: a.error ? a.error.code : null});
  if (a.readyState >= 1) return report();
  a.addEventListener('loadedmetadata', report, {once: true});
  a.addEventListener('error', report, {once: true});
  setTimeout(report, 20000);
  a.preload = 'metadata';
  a.load();
})))
"""

FIGURES_JS = """
() => [...document.querySelectorAll('main img, main svg, article img, article svg')]
  .filter(el => !el.closest('.header-article, nav, button, .headerlink'))
  .map(el => el.tagName === 'IMG'
    ? {tag: 'img', ok: el.complete && el.naturalWidth > 0, src: el.src.slice(0, 80)}
    : {tag: 'svg', ok: el.getBBox().width > 50, src: ''})
"""


@pytest.fixture(scope="session")
def static_widgets():
    spec = importlib.util.spec_from_file_location(
        "static_widgets", ROOT / "book/_ext/static_widgets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _wav_b64(n: int = 1600, sr: int = 16000) -> str:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(sr)
        wf.writeframes(b"\x00\x01" * n)
    return base64.b64encode(buf.getvalue()).decode()


def _model(name: str, buffers: dict | None = None, **state) -> dict:
    return {
        "model_name": name,
        "state": state,
        "buffers": [
            {"path": [k], "encoding": "base64", "data": v} for k, v in (buffers or {}).items()
        ],
    }


def test_static_widgets_turn_a_player_row_into_audio_elements(static_widgets):
    wav = _wav_b64()
    state = {
        "box": _model("HBoxModel", children=["IPY_MODEL_col", "IPY_MODEL_gone"]),
        "col": _model("VBoxModel", children=["IPY_MODEL_label", "IPY_MODEL_player"]),
        "label": _model("LabelModel", value="generated <0>"),
        "player": _model("AudioModel", {"value": wav}, format="wav"),
        "bar": _model("FloatProgressModel", value=3.0, min=0.0, max=6.0),
    }
    models = static_widgets.widget_state(
        {"widgets": {static_widgets.WIDGET_STATE: {"state": state}}}
    )
    html = static_widgets.render_view(models, "box")
    assert f'src="data:audio/wav;base64,{wav}"' in html
    assert "generated &lt;0&gt;" in html  # labels are escaped
    assert "nbw-note" not in html  # nothing interactive: no "run it in JupyterLab" note
    assert '<progress max="6.0" value="3.0">' in static_widgets.render_view(models, "bar")
    assert static_widgets.render_view(models, "gone") == ""  # a closed widget shows nothing


def test_static_widgets_mark_controls_and_show_captured_output(static_widgets):
    state = {
        "ui": _model("VBoxModel", children=["IPY_MODEL_slider", "IPY_MODEL_out"]),
        "slider": _model("FloatSliderModel", description="dir 0", value=0.5),
        "out": _model(
            "OutputModel", outputs=[{"output_type": "display_data", "data": {"image/png": "iVBO"}}]
        ),
    }
    models = static_widgets.widget_state(
        {"widgets": {static_widgets.WIDGET_STATE: {"state": state}}}
    )
    html = static_widgets.render_view(models, "ui")
    assert "dir 0: 0.5" in html
    assert "nbw-note" in html
    assert 'src="data:image/png;base64,iVBO"' in html


@pytest.fixture(scope="session")
def site() -> Path:
    """The quick-profile site's html folder, as ``make book PROFILE=quick`` left it."""
    if CHROMIUM is None:
        pytest.skip(
            "Chromium is absent: install Debian's `chromium` package (.ci/run does) "
            "to run the browser test"
        )
    pytest.importorskip(
        "playwright.sync_api", reason="playwright is missing from .venv (requirements.lock)"
    )
    html = BUILD / "html"
    if not (html / "index.html").exists():
        pytest.fail(f"no site in {html}. Fix: make notebooks book PROFILE=quick, then this test")
    return html


@pytest.fixture(scope="session")
def base_url(site: Path):
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def browser(site: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
        )
        yield b
        b.close()


def _open(browser, url: str):
    """Open ``url``; return the page, its console errors and the external URLs it asked for."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    external: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))

    def route(r) -> None:
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith("data:") or host in ("127.0.0.1", None):
            r.continue_()
        else:
            external.append(r.request.url)
            r.fulfill(status=200, body="", content_type="application/javascript")

    page.route("**/*", route)
    page.goto(url, wait_until="load")
    return page, errors, external


def _check_page(browser, url: str, name: str) -> tuple:
    page, errors, external = _open(browser, url)
    figures = page.evaluate(FIGURES_JS)
    audio = page.evaluate(AUDIO_DURATIONS_JS)
    assert not errors, f"{name}: console errors {errors}"
    assert {urlparse(u).hostname for u in external} <= ALLOWED_EXTERNAL_HOSTS, (
        f"{name}: external requests {external}"
    )
    assert any(f["ok"] for f in figures), f"{name}: no figure (img/svg) rendered: {figures[:5]}"
    assert audio, f"{name}: no <audio> element"
    bad = [a for a in audio if not (a["duration"] and a["duration"] > 0)]
    assert not bad, f"{name}: {len(bad)} of {len(audio)} audio players did not load: {bad[:3]}"
    return page, audio


@pytest.mark.site
def test_landing_page_links_every_notebook_and_plays(browser, base_url, site):
    page, _ = _check_page(browser, f"{base_url}/index.html", "landing page")
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    linked = {urlparse(h).path.lstrip("/") for h in hrefs if h.startswith(base_url)}
    missing = [nb for nb in NOTEBOOKS if f"notebooks/{nb}.html" not in linked]
    assert not missing, f"the landing page does not link to {missing}"
    shots = BUILD / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "landing.png"), full_page=True)
    page.close()


@pytest.mark.site
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_page_shows_figures_and_plays_audio(browser, base_url, site, notebook):
    assert (site / "notebooks" / f"{notebook}.html").exists(), f"{notebook} was not rendered"
    page, _ = _check_page(browser, f"{base_url}/notebooks/{notebook}.html", notebook)
    if notebook == NOTEBOOKS[min(1, len(NOTEBOOKS) - 1)]:
        (BUILD / "screenshots").mkdir(parents=True, exist_ok=True)
        page.locator("audio").first.scroll_into_view_if_needed()
        page.screenshot(path=str(BUILD / "screenshots" / f"{notebook}.png"))
    page.close()


@pytest.mark.site
def test_search_index_covers_every_notebook_and_pages_link_their_source(site):
    """Sphinx writes search.html on any build; what can fail is what the index holds."""
    raw = (site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(raw[raw.index("(") + 1 : raw.rindex(")")])
    docs = set(index["docnames"])
    assert {f"notebooks/{nb}" for nb in NOTEBOOKS} <= docs, sorted(docs)
    for term in ("griffin", "discrimin", "fid"):  # words every reader searches for
        assert any(t.startswith(term) for t in index["terms"]), f"{term!r} is not searchable"
    page = (site / "notebooks" / f"{NOTEBOOKS[0]}.html").read_text(encoding="utf-8")
    assert f"{NOTEBOOKS[0]}.ipynb" in page, "no link to the notebook's source"
