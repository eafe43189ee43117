"""The locks resolve for the platforms the README promises, without installing anything.

`uv pip compile` re-resolves each lock for a target platform: a pin that has no wheel there, a
pin that conflicts with another, or a dependency missing from the lock fails here, in CI,
before a learner's `make lab` does. The resolutions need PyPI (and PyTorch's CPU index for
the Linux torch pin); without a network they are skipped, and ``make check-repo`` (which
runs them, marker ``repo``) prints why.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements.lock"
GPU_LOCK = ROOT / "requirements-gpu.lock"
PYPI = "https://pypi.org/simple"

# (uv's --python-platform, environment for uv, the lock). torch's macOS wheels need macOS 14.
PLATFORMS = {
    "linux-x86_64": ("x86_64-manylinux_2_28", {}, LOCK),
    "macos-arm64": ("aarch64-apple-darwin", {"MACOSX_DEPLOYMENT_TARGET": "14.0"}, LOCK),
    "gpu-linux-x86_64": ("x86_64-manylinux_2_28", {}, GPU_LOCK),
}


def _name(line: str) -> str:
    return re.sub(r"[-_.]+", "-", line.split("==", 1)[0].strip().lower())


def _pins(text: str) -> dict[str, set[str]]:
    """{normalised name: {'version ; marker', ...}} of a requirements file's `name==...` lines."""
    pins: dict[str, set[str]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "-")):
            continue
        assert "==" in line, f"unpinned line in a lock: {line!r}"
        pins.setdefault(_name(line), set()).add(line.split("==", 1)[1].strip())
    return pins


def _reachable(host: str) -> bool:
    try:
        socket.create_connection((host, 443), timeout=5).close()
    except OSError:
        return False
    return True


def _uv() -> str:
    exe = Path(sys.executable).parent / "uv"
    found = str(exe) if exe.exists() else shutil.which("uv")
    if not found:
        pytest.skip("uv is not installed (it is in requirements.lock)")
    return found


def _local_torch_cpu_wheel_dirs(version: str) -> list[str]:
    """pip's find-links folders (PIP_FIND_LINKS or pip config) that hold torch's +cpu wheel."""
    dirs = os.environ.get("PIP_FIND_LINKS", "").split()
    conf = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True
    ).stdout
    dirs += [v for k, v in re.findall(r"^(\S*find-links)='([^']*)'", conf, re.M)]
    wheel = f"torch-{version}-*.whl"
    return sorted({d for d in dirs if Path(d).is_dir() and any(Path(d).glob(wheel))})


def _torch_source(lock_text: str) -> list[str]:
    """The index the lock names for torch, or a local copy of its wheel where it is unreachable."""
    indexes = re.findall(r"^--extra-index-url\s+(\S+)", lock_text, re.M)
    if not indexes:
        return []
    hosts = {re.sub(r"^https?://([^/]+).*", r"\1", url) for url in indexes}
    if all(_reachable(h) for h in hosts):
        return [arg for url in indexes for arg in ("--extra-index-url", url)]
    torch_cpu = sorted(_pins(lock_text)["torch"])
    local = [v.split(";")[0].strip() for v in torch_cpu if "+cpu" in v]
    dirs = _local_torch_cpu_wheel_dirs(local[0]) if local else []
    if not dirs:
        pytest.skip(f"PyTorch's index ({', '.join(sorted(hosts))}) is unreachable from here")
    return [arg for d in dirs for arg in ("--find-links", d)]


def test_lock_declares_pytorchs_cpu_index_and_splits_frameworks_by_platform():
    text = LOCK.read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text.splitlines()
    pins = _pins(text)
    linux = "platform_machine == 'x86_64' and sys_platform == 'linux'"
    mac = "platform_machine == 'arm64' and sys_platform == 'darwin'"
    assert any("+cpu" in v and linux in v for v in pins["torch"]), pins["torch"]
    assert any("+cpu" not in v and mac in v for v in pins["torch"]), pins["torch"]
    assert all(linux in v for v in pins["tensorflow-cpu"]), "tensorflow-cpu has no macOS wheel"
    assert all(mac in v for v in pins["tensorflow"])


def test_lock_holds_every_pin_of_requirements_in():
    pins = _pins(LOCK.read_text())
    for raw in (ROOT / "requirements.in").read_text().splitlines():
        line = raw.split(" #")[0].strip()
        if "==" not in line or line.startswith("#"):
            continue
        version = line.split("==", 1)[1].split(";")[0].strip()
        found = {v.split(";")[0].strip() for v in pins.get(_name(line), set())}
        assert version in found, f"{line!r} is not in requirements.lock. Fix: make lock"


def test_gpu_lock_shares_every_common_pin_with_the_cpu_lock():
    cpu, gpu = _pins(LOCK.read_text()), _pins(GPU_LOCK.read_text())
    assert "+" not in next(iter(gpu["torch"])), "the GPU lock must not pin a +cpu torch"
    assert "tensorflow" in gpu
    assert "tensorflow-cpu" not in gpu
    for name in set(cpu) & set(gpu) - {"torch", "tensorflow"}:
        versions = {v.split(";")[0].strip() for v in cpu[name]}
        assert gpu[name] <= versions, f"{name}: GPU lock {gpu[name]} vs CPU lock {versions}"


@pytest.mark.repo
@pytest.mark.parametrize("target", sorted(PLATFORMS))
def test_lock_resolves_for(target, tmp_path):
    """Re-resolve the lock for the target; it must be closed (no package outside the lock)."""
    if not _reachable("pypi.org"):
        pytest.skip("PyPI is unreachable: no network")
    platform, env, lock = PLATFORMS[target]
    text = lock.read_text()
    pinned = tmp_path / "pins.txt"
    pinned.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("-")))
    out = tmp_path / "resolved.txt"
    cmd = [_uv(), "pip", "compile", str(pinned), "--python-platform", platform]
    cmd += ["--python-version", "3.11", "--no-config", "--index-url", PYPI]
    cmd += ["--index-strategy", "unsafe-best-match", "--no-build", "--quiet"]
    cmd += ["--no-header", "--no-annotate", "-o", str(out), *_torch_source(text)]
    r = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **env}, timeout=300)
    assert r.returncode == 0, f"{lock.name} does not resolve for {target}:\n{r.stderr}"
    resolved, locked = _pins(out.read_text()), _pins(text)
    assert "torch" in resolved
    assert {"tensorflow", "tensorflow-cpu"} & set(resolved)
    extra = sorted(set(resolved) - set(locked))
    assert not extra, f"{lock.name} lacks {extra} for {target}. Fix: make lock"
