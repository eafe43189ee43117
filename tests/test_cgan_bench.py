"""The chapter-25 benchmark (python -m gan_tutorial.torch.bench)."""

import json

import pytest

torch = pytest.importorskip("torch")

from gan_tutorial import config  # noqa: E402
from gan_tutorial.torch import bench  # noqa: E402
from gan_tutorial.torch.cgan import data as cgan_data  # noqa: E402
from gan_tutorial.torch.cgan import training as cgan_train  # noqa: E402


def test_benchmark_smoke_in_the_quick_profile(tmp_path, capsys):
    out = tmp_path / "bench.json"
    args = ["--profile", "quick", "--synthetic", "--steps", "2", "--warmup", "1",
            "--threads", "1", "--json", str(out)]  # fmt: skip
    assert bench.main(args) == 0
    assert bench.main([*args, "--compare", str(out)]) == 0
    text = capsys.readouterr().out
    assert "data: synthetic (random clips: timing only)" in text
    assert "steps_per_s:" in text
    assert "NOT COMPARABLE" not in text
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 2
    r = lines[0]
    assert (r["profile"], r["device"], r["batch_size"], r["data"]) == (
        "quick",
        "cpu",
        16,
        "synthetic",
    )
    assert r["steps_per_s"] > 0
    assert r["clips_per_s"] == pytest.approx(16 * r["steps_per_s"])
    assert set(r["split_ms_per_step"]) == {"data", "forward_backward", "optimiser", "host"}
    assert r["split_ms_per_step"]["forward_backward"] > 0
    assert r["peak_memory_mb"] > 0


@pytest.mark.parametrize(("name", "size"), [("quick", 64), ("laptop", 64)])
def test_synthetic_data_has_the_profiles_shape(name, size):
    # (the gpu profile's 8,000 random 128 x 128 clips, 0.5 GB, cost 7 s here; same code)
    p = config.profile(name)
    d = bench.synthetic_like(name)
    n = int(0.8 * len(p.nsynth_pitches) * len(p.nsynth_programs) * len(p.nsynth_velocities))
    assert d.x.shape == (n, 1, size, size)
    assert (len(d.pitches), len(d.family_names)) == (len(p.nsynth_pitches), 10)
    assert float(d.x.min()) >= -1
    assert float(d.x.max()) <= 1


def test_compare_says_when_two_results_are_not_comparable(tmp_path):
    old = {"profile": "quick", "device": "cpu", "threads": 1, "batch_size": 16, "data": "cache",
           "steps_per_s": 2.0, "clips_per_s": 32.0, "commit": "abc"}  # fmt: skip
    (tmp_path / "old.json").write_text(json.dumps(old) + "\n")
    new = {**old, "steps_per_s": 3.0, "clips_per_s": 48.0}
    assert "steps_per_s: 3.00 / 2.00 = 1.500x" in bench.compare(new, tmp_path / "old.json")
    text = bench.compare({**new, "threads": 2}, tmp_path / "old.json")
    assert "NOT COMPARABLE" in text
    assert "threads: old 1, new 2" in text


def test_bench_times_a_two_channel_rectangular_model():
    """Notebook 26 times its candidate IF shapes with bench.bench: the run fits the data."""
    d = cgan_data.synthetic_data(8, (64, 32), n_pitches=2, representation="if")
    s = cgan_train.settings_for("quick", batch_size=4, base_g=4, base_d=4)
    r = bench.bench(s, d, torch.device("cpu"), steps=1, warmup=1)
    assert r["steps_per_s"] > 0
    assert r["split_ms_per_step"]["forward_backward"] > 0
