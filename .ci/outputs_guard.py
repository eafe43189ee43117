"""CI check: a test run and a site build leave a learner's notebooks/outputs/ as it was.

``seed`` puts a laptop-profile run's files (a checkpoint, a sample file, a WAV) and a
quick-profile one into notebooks/outputs/ where none exist, then records the size and
SHA-256 of every file there; ``verify`` (after ``make test``, ``make book`` and the
browser test) fails naming every file that changed, appeared or went, then removes what
``seed`` added. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ROOT / "notebooks" / "outputs"
RECORD = ROOT / "build" / "outputs-guard.json"
RUNS = {  # a learner's trained work, one folder per profile
    "laptop/25_conditional_audio_gan": ("checkpoint.pt", "samples_torch_cgan.npz", "wav/0.wav"),
    "laptop/22b_audio_gan_pytorch": ("checkpoint.pt", "samples_torch_dcgan.npz"),
    "laptop/26_phase_gansynth": ("checkpoint.pt", "samples_torch_ifgan.npz"),
    "quick/22b_audio_gan_pytorch": ("checkpoint.pt", "samples_torch_dcgan.npz"),
}


def manifest() -> dict[str, str]:
    out = {}
    for p in sorted(OUTPUTS.rglob("*")) if OUTPUTS.exists() else []:
        if p.is_file():
            out[str(p.relative_to(OUTPUTS))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def seed() -> None:
    added = []
    for folder, files in RUNS.items():
        if (OUTPUTS / folder).exists():
            continue
        for name in files:
            path = OUTPUTS / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(4096))
        added.append(folder.split("/")[0])
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_text(json.dumps({"added": sorted(set(added)), "files": manifest()}))
    print(f"outputs guard: {len(manifest())} files under {OUTPUTS} recorded")


def verify() -> int:
    before = json.loads(RECORD.read_text())
    now = manifest()
    changed = sorted(k for k in before["files"] if k in now and now[k] != before["files"][k])
    gone = sorted(set(before["files"]) - set(now))
    new = sorted(set(now) - set(before["files"]))
    for profile in before["added"]:
        shutil.rmtree(OUTPUTS / profile, ignore_errors=True)
    if changed or gone or new:
        print(f"outputs guard FAILED: changed {changed}, removed {gone}, added {new}")
        return 1
    print(
        f"outputs guard: all {len(now)} files under {OUTPUTS} unchanged by the tests and the site"
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["seed"]:
        seed()
    elif sys.argv[1:] == ["verify"]:
        sys.exit(verify())
    else:
        sys.exit("usage: outputs_guard.py seed|verify")
