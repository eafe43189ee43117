"""Sphinx configuration of the course site (Sphinx + myst-nb + sphinx-book-theme).

Build it with ``make book`` (``PROFILE=quick|laptop|gpu``). The notebooks in ``notebooks/``
are reached through the ``book/notebooks`` symlink. myst-nb takes each executed notebook
from jupyter-cache (one cache per profile), where ``make notebooks`` (nbval) leaves every
notebook it ran (``_ext/executed.py``): after ``make notebooks`` the site executes nothing.
A notebook missing from the cache (or changed since) is executed here, or, with
``BOOK_REQUIRE_CACHED=1`` (CI), stops the build with a message. Whatever an executed
notebook writes goes under ``$GAN_TUTORIAL_OUTPUTS`` (default ``build/outputs/``), never
into a learner's ``notebooks/outputs/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "_ext"))

import course_site  # noqa: E402
import executed  # noqa: E402

PROFILE = os.environ.get("GAN_TUTORIAL_PROFILE", "laptop")
# The notebook kernels inherit this environment.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GAN_TUTORIAL_OUTPUTS", str(ROOT / "build" / "outputs"))


def _repository_url() -> str:
    """The GitHub repository: $BOOK_REPOSITORY_URL, GitHub Actions' variables, or git's origin."""
    if url := os.environ.get("BOOK_REPOSITORY_URL"):
        return url
    if repo := os.environ.get("GITHUB_REPOSITORY"):
        return f"{os.environ.get('GITHUB_SERVER_URL', 'https://github.com')}/{repo}"
    try:
        url = subprocess.run(
            ["git", "remote", "get-url", "origin"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    if url.startswith("git@github.com:"):
        url = "https://github.com/" + url.split(":", 1)[1]
    return url.removesuffix(".git") if "github.com" in url else ""


project = "GANs for music and audio"
author = "the course authors"
copyright = "the course authors"
html_title = "GANs for music and audio"

extensions = ["myst_nb", "course_site"]
root_doc = "index"
include_patterns = ["index.md", "instructors.md", "notebooks/[0-9]*.ipynb"]
exclude_patterns = ["_build", "notebooks/outputs", "notebooks/figures", "**/.ipynb_checkpoints"]
HAVE_INSTRUCTORS = (ROOT / "docs" / "instructors.md").exists()  # written by another page's author
if not HAVE_INSTRUCTORS:
    exclude_patterns.append("instructors.md")

# --- notebook execution (myst-nb + jupyter-cache) ---------------------------------------
nb_execution_mode = os.environ.get("BOOK_EXECUTION_MODE", "cache")
nb_execution_cache_path = str(executed.cache_path(ROOT, PROFILE))
if os.environ.get("BOOK_REQUIRE_CACHED") == "1":
    _not_run = executed.missing(course_site.notebooks(ROOT), Path(nb_execution_cache_path))
    if _not_run:
        raise RuntimeError(
            f"BOOK_REQUIRE_CACHED=1, but no execution of {[p.name for p in _not_run]} in "
            f"profile {PROFILE!r} is cached (or the notebook changed since). "
            f"Fix: run `make notebooks PROFILE={PROFILE}` first."
        )
nb_execution_timeout = int(os.environ.get("BOOK_CELL_TIMEOUT", "3000"))  # s per cell (laptop)
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_in_temp = False  # run in notebooks/: the notebooks write notebooks/outputs/
nb_merge_streams = True
nb_output_stderr = "remove"  # library warnings (TensorFlow, numba) are noise on a web page
nb_ipywidgets_js = {}  # widgets need a live kernel; no CDN scripts on a static page

myst_enable_extensions = ["dollarmath", "amsmath", "substitution", "colon_fence", "html_image"]
myst_substitutions = {
    "notebook_table": course_site.notebook_table(ROOT),
    "listen_strip": course_site.listen_strip(ROOT),
    "profile": PROFILE,
    "instructors_toc": (
        "```{toctree}\n:caption: For instructors\n:hidden:\n\ninstructors\n```"
        if HAVE_INSTRUCTORS
        else ""
    ),
}

# --- HTML ----------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_static_path = ["_static", str(ROOT / "docs" / "audio")]
html_css_files = ["course.css"]
html_last_updated_fmt = ""
html_context = {"default_mode": "light"}  # an empty mode logs a console error in the theme
REPOSITORY_URL = _repository_url()
html_theme_options = {
    "path_to_docs": "",  # notebooks: notebooks/<name>.ipynb; course_site sets book/ for the rest
    "repository_branch": "main",
    "use_download_button": True,
    "use_fullscreen_button": True,
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
}
if REPOSITORY_URL:
    html_theme_options |= {
        "repository_url": REPOSITORY_URL,
        "use_repository_button": True,
        "use_source_button": True,
        "use_issues_button": True,
        "launch_buttons": {
            "binderhub_url": "https://mybinder.org",
            "notebook_interface": "jupyterlab",
        },
    }
