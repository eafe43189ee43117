"""The chapter-25 CLI under torchrun: 2 CPU processes (gloo) equal 1 process on the whole batch."""

import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
dist = pytest.importorskip("torch.distributed")

from gan_tutorial.torch.cgan import data as cgan_data  # noqa: E402
from gan_tutorial.torch.cgan import training as cgan_train  # noqa: E402

pytestmark = pytest.mark.skipif(not dist.is_available(), reason="torch.distributed unavailable")

N_CLIPS = 32


def _torchrun(out, steps: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
        "--master_port=0", "--rdzv_backend=c10d", "--rdzv_endpoint=localhost:0",
        "-m", "gan_tutorial.torch.cgan", "--synthetic", str(N_CLIPS),
        "--out", str(out), "--steps", str(steps), "--no-progress", "--threads", "1",
        "--samples", "4",
    ]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)


def test_two_processes_equal_one_process_on_the_concatenated_batch(tmp_path):
    res = _torchrun(tmp_path, steps=1)
    assert res.returncode == 0, res.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "checkpoint.pt", "samples_torch_cgan", "samples_torch_cgan.npz",
    ]  # fmt: skip
    ck = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert ck["step"] == 1

    # one process, same initial weights, one step on both ranks' inputs concatenated
    data = cgan_data.synthetic_data(N_CLIPS)
    settings = cgan_train.settings_for("quick", steps=1)
    run = cgan_train.build_run(settings, len(data.pitches), len(data.family_names), 32, seed=0)
    per_rank = [cgan_train.batch_inputs(data, settings, 0, 0, rank=r, world=2) for r in (0, 1)]
    both = {k: torch.cat([per_rank[0][k], per_rank[1][k]]) for k in per_rank[0]}
    cgan_train.train_step(run, both)
    for name, ref in (("generator", run.G), ("discriminator", run.D)):
        for k, v in ref.state_dict().items():
            torch.testing.assert_close(ck[name][k], v, rtol=1e-4, atol=1e-5, msg=f"{name}.{k}")
    # and it is not trivially equal: one rank's half alone gives other weights
    solo = cgan_train.build_run(settings, len(data.pitches), len(data.family_names), 32, seed=0)
    cgan_train.train_step(solo, per_rank[0])
    w = "fc.weight"
    assert not torch.allclose(ck["generator"][w], solo.G.state_dict()[w], atol=1e-6)
