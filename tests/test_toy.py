"""The 2-D ring toy: data, metrics, deterministic training, NaN guard, ablation table."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from gan_tutorial.errors import TrainingDiverged  # noqa: E402
from gan_tutorial.torch import toy as TY  # noqa: E402
from gan_tutorial.toy import mode_centers, mode_metrics, plot_toy, ring_of_gaussians  # noqa: E402


def test_ring_samples() -> None:
    x = ring_of_gaussians(4000, rng=0)
    assert x.shape == (4000, 2)
    assert x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1).mean(), 2.0, atol=0.01)
    np.testing.assert_array_equal(x, ring_of_gaussians(4000, rng=np.random.default_rng(0)))
    c = mode_centers(8, 2.0)
    assert c.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 2.0, rtol=1e-6)
    np.testing.assert_allclose(c[2], [0.0, 2.0], atol=1e-6)  # 90 degrees
    y = ring_of_gaussians(1000, n_modes=4, radius=5.0, std=0.1, rng=1)
    d = np.linalg.norm(y[:, None] - mode_centers(4, 5.0)[None], axis=2).min(1)
    assert d.std() < 0.2
    assert 0.05 < np.median(d) < 0.2


def test_metrics_on_real_data() -> None:
    m = mode_metrics(ring_of_gaussians(4000, rng=0))
    assert m["modes_covered"] == 8
    # P(r <= 3 std) for a 2-D isotropic Gaussian = 1 - exp(-4.5) = 0.9889
    assert m["high_quality_share"] == pytest.approx(1 - math.exp(-4.5), abs=0.01)
    assert m["per_mode_counts"].shape == (8,)
    assert m["per_mode_counts"].sum() > 3900
    assert m["threshold"] == 50  # 10 % of a fair share of 500


def test_metrics_on_three_modes_and_off_ring() -> None:
    rng = np.random.default_rng(0)
    c = mode_centers()
    idx = rng.choice([0, 3, 5], size=3000)
    m = mode_metrics(c[idx] + 0.02 * rng.standard_normal((3000, 2)))
    assert m["modes_covered"] == 3
    assert set(np.flatnonzero(m["per_mode_counts"])) == {0, 3, 5}
    assert m["high_quality_share"] > 0.97
    # points halfway between modes are low quality and cover nothing
    mid = mode_centers(16)[1::2]
    m = mode_metrics(np.repeat(mid, 100, axis=0))
    assert m["modes_covered"] == 0
    assert m["high_quality_share"] == 0.0
    # a mode with only a few HQ samples does not count as covered; NaNs are low quality
    x = np.concatenate([ring_of_gaussians(1000, rng=1), np.tile(c[:1], (5, 1))])
    x[:1000] = c[1]  # everything at mode 1 except 5 samples at mode 0
    x[0] = np.nan
    m = mode_metrics(x)
    assert m["per_mode_counts"][0] == 5
    assert m["modes_covered"] == 1
    assert m["non_finite"] == 1


def test_plot_toy_labels() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    out = plot_toy(ring_of_gaussians(100, rng=0), ring_of_gaussians(100, rng=1), ax, "t")
    assert out is ax
    assert "x" in ax.get_xlabel()
    assert "arbitrary" in ax.get_ylabel()
    assert ax.get_title() == "t"
    plt.close(fig)


FAST = {"steps": 30, "batch_size": 64, "hidden": 32, "n_eval": 200}


@pytest.mark.parametrize("loss", TY.TOY_LOSSES)
def test_train_toy_runs_and_is_deterministic(loss: str) -> None:
    cfg = TY.ToyConfig(loss=loss, seed=3, n_critic=2, **FAST)
    a, b = TY.train_toy(cfg), TY.train_toy(cfg)
    assert a.samples.shape == (200, 2)
    np.testing.assert_array_equal(a.samples, b.samples)
    assert a.losses == b.losses
    assert len(a.losses["d"]) == len(a.losses["g"]) == 30
    assert ("gp" in a.losses) == (loss == "wgan-gp")
    c = TY.train_toy(TY.ToyConfig(loss=loss, seed=4, n_critic=2, **FAST))
    assert not np.array_equal(a.samples, c.samples)
    assert set(a.metrics) >= {"modes_covered", "high_quality_share", "per_mode_counts"}


def test_train_toy_tricks_run() -> None:
    cfg = TY.ToyConfig(
        smoothing="one-sided",
        batchnorm_g=True,
        spectral_norm_d=True,
        ema=True,
        snapshot_every=10,
        **FAST,
    )
    r = TY.train_toy(cfg)
    assert [s for s, _ in r.snapshots] == [10, 20, 30]
    # snapshots do not change the final samples
    plain = TY.train_toy(TY.ToyConfig(**{**cfg.__dict__, "snapshot_every": 0}))
    np.testing.assert_array_equal(plain.samples, r.samples)
    d = TY.ToyDiscriminator(16, spectral_norm=True)
    assert all(hasattr(m, "parametrizations") for m in d.modules() if isinstance(m, nn.Linear))
    g = TY.ToyGenerator(4, 16, batchnorm=True)
    assert any(isinstance(m, nn.BatchNorm1d) for m in g.modules())
    assert np.all(np.isfinite(r.samples))


def test_wgan_clip_keeps_critic_clipped(monkeypatch) -> None:
    seen = {}
    orig = TY.weight_clip_

    def spy(module, c=0.01):
        out = orig(module, c)
        seen["max"] = max(p.abs().max().item() for p in module.parameters())
        return out

    monkeypatch.setattr(TY, "weight_clip_", spy)
    TY.train_toy(TY.ToyConfig(loss="wgan-clip", clip=0.02, lr_d=1e-2, **FAST))
    assert seen["max"] <= 0.02


def test_nan_guard(monkeypatch) -> None:
    def poisoned(n, *args, **kwargs):
        x = ring_of_gaussians(n, *args, **kwargs)
        x[0, 0] = np.nan
        return x

    monkeypatch.setattr(TY, "ring_of_gaussians", poisoned)
    with pytest.raises(TrainingDiverged, match=r"step 1: discriminator loss is NaN"):
        TY.train_toy(TY.ToyConfig(**FAST))


def test_nan_guard_absurd_learning_rate() -> None:
    cfg = TY.ToyConfig(loss="lsgan", lr_g=1e30, lr_d=1e30, betas=(0.0, 0.0), **FAST)
    with pytest.raises(TrainingDiverged, match=r"step \d+: .* loss is (NaN|inf)"):
        TY.train_toy(cfg)


def test_ablation_rows_and_table() -> None:
    small = dict(FAST, steps=5)
    configs = {"bce": TY.ToyConfig(**small), "wgan-gp": TY.ToyConfig(loss="wgan-gp", **small)}
    rows = TY.ablation(configs, seeds=[0, 1])
    assert [(r["name"], r["seed"]) for r in rows] == [
        ("bce", 0),
        ("bce", 1),
        ("wgan-gp", 0),
        ("wgan-gp", 1),
    ]
    assert all({"modes_covered", "hq_share", "seconds"} <= set(r) for r in rows)
    fake_rows = [
        {"name": "a", "seed": 0, "modes_covered": 8, "hq_share": 0.5, "seconds": 1.0},
        {"name": "a", "seed": 1, "modes_covered": 6, "hq_share": 0.7, "seconds": 3.0},
        {
            "name": "b",
            "seed": 0,
            "modes_covered": 1,
            "hq_share": float("nan"),
            "seconds": 1.0,
            "diverged": True,
        },
    ]
    table = TY.ablation_table(fake_rows)
    lines = table.splitlines()
    assert lines[0].startswith("config")
    assert len(lines) == 4
    assert "7.00 ± 1.00" in lines[2]
    assert "0.60 ± 0.10" in lines[2]
    assert "2.00 ± 1.00" in lines[2]
    assert "n/a" in lines[3]
    assert lines[3].rstrip().endswith("1")
    assert TY.ablation_table(rows).count("\n") == 3


def test_chapter23_configs_change_one_thing_each() -> None:
    configs = TY.chapter23_configs(steps=123)
    base = configs["bce (baseline, lr 2e-4)"]
    assert all(c.steps == 123 for c in configs.values())
    for name, cfg in configs.items():
        if name.startswith("bce") and cfg is not base:
            diff = {k for k, v in TY.config_dict(cfg).items() if TY.config_dict(base)[k] != v}
            assert 1 <= len(diff) <= 2, (name, diff)  # lr presets change lr_g and lr_d
    assert configs["wgan-gp, n_critic 5"].gp_weight == 0.1
    assert configs["bce, TTUR (G 1e-4, D 4e-4)"].lr_d == 4e-4


def test_source_gradient_penalty_variant_trains_differently():
    """The toy can train with the source's whole-batch penalty, and it is not the same run."""
    from dataclasses import replace

    from gan_tutorial.torch.toy import ToyConfig, train_toy

    cfg = ToyConfig(loss="wgan-gp", n_critic=2, steps=30, batch_size=64, seed=0, n_eval=200)
    ok = train_toy(cfg)
    src = train_toy(replace(cfg, gp_variant="source"))
    assert ok.losses["gp"] != src.losses["gp"]
    with pytest.raises(ValueError, match="gp_variant"):
        ToyConfig(gp_variant="whole")
