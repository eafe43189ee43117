"""Every module outside gan_tutorial.torch / gan_tutorial.keras imports no deep-learning
framework, not even through another module: checked in a fresh interpreter's sys.modules."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys

import gan_tutorial

FRAMEWORKS = ("torch", "tensorflow", "keras", "jax")

PROBE = f"""
import importlib, json, sys
found = {{}}
for name in sys.argv[1:]:
    importlib.import_module(name)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in {FRAMEWORKS!r})
    if loaded and not found:
        found = {{"module": name, "frameworks": loaded[:5]}}
print(json.dumps(found))
"""


def framework_free_modules() -> list[str]:
    """``gan_tutorial`` and all its submodules except the torch/keras subpackages."""
    names = ["gan_tutorial"]
    for info in pkgutil.walk_packages(gan_tutorial.__path__, "gan_tutorial."):
        if info.name.startswith(("gan_tutorial.torch", "gan_tutorial.keras")):
            continue
        names.append(info.name)
    return sorted(names)


def test_the_list_covers_the_framework_free_modules() -> None:
    names = framework_free_modules()
    for expected in (
        "gan_tutorial.metrics",
        "gan_tutorial.metrics.distribution",
        "gan_tutorial.widgets",
        "gan_tutorial.data.maestro",
        "gan_tutorial.io",
    ):
        assert expected in names
    assert not any(n.startswith("gan_tutorial.torch") for n in names)


def test_no_framework_module_is_imported_even_transitively() -> None:
    """One fresh interpreter imports the modules in turn; the first one after which any
    framework shows up in ``sys.modules`` is named (a framework import is never undone)."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *framework_free_modules()],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found == {}, f"{found['module']} imports {found['frameworks']}"


def test_the_probe_sees_a_transitive_import(tmp_path) -> None:
    """The check is not vacuous: a module importing a module that imports "keras" (a
    stand-in package here, so no framework is needed) is named."""
    (tmp_path / "keras").mkdir()
    (tmp_path / "keras" / "__init__.py").write_text("")
    (tmp_path / "inner.py").write_text("import keras\n")
    (tmp_path / "outer.py").write_text("import inner\n")
    out = subprocess.run(
        [sys.executable, "-c", PROBE, "json", "outer"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {
        "module": "outer",
        "frameworks": ["keras"],
    }
