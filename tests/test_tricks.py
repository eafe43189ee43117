"""Stability tricks: label smoothing, D*, n_critic, fade-in, clipping, spectral norm, EMA."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from gan_tutorial import tricks as T  # noqa: E402
from gan_tutorial.torch import tricks as TT  # noqa: E402


@pytest.mark.parametrize(
    ("mode", "real", "fake"), [("none", 1.0, 0.0), ("one-sided", 0.9, 0.0), ("two-sided", 0.9, 0.1)]
)
def test_label_targets(mode: str, real: float, fake: float) -> None:
    rt, ft = T.label_targets(5, mode)
    assert rt.shape == ft.shape == (5,)
    assert rt.dtype == np.float32
    np.testing.assert_allclose(rt, real)
    np.testing.assert_allclose(ft, fake)


def test_label_targets_custom_values_and_errors() -> None:
    rt, ft = T.label_targets(3, "two-sided", real=0.8, fake=0.2)
    np.testing.assert_allclose(rt, 0.8)
    np.testing.assert_allclose(ft, 0.2)
    rt, ft = T.label_targets(3, "one-sided", real=0.8, fake=0.2)
    np.testing.assert_allclose(ft, 0.0)  # one-sided never smooths the fakes
    with pytest.raises(ValueError, match="smoothing"):
        T.label_targets(3, "both")


def test_optimal_discriminator() -> None:
    p_data = np.array([1.0, 0.0, 0.5, 0.2])
    p_g = np.array([0.0, 1.0, 0.5, 0.6])
    np.testing.assert_allclose(T.optimal_discriminator(p_data, p_g), [1.0, 0.0, 0.5, 0.25])
    # two-sided smoothing: D* = (0.9 pd + 0.1 pg) / (pd + pg)
    two = T.optimal_discriminator(p_data, p_g, 0.9, 0.1)
    np.testing.assert_allclose(two, [0.9, 0.1, 0.5, (0.18 + 0.06) / 0.8])
    # the flaw: where there is no data but the generator puts mass, D* stays 0.1 > 0,
    # while one-sided smoothing keeps D* = 0 there
    assert two[1] == pytest.approx(0.1)
    assert T.optimal_discriminator(0.0, 1.0, 0.9, 0.0) == pytest.approx(0.0)
    assert np.isnan(T.optimal_discriminator(0.0, 0.0))


def test_optimal_discriminator_maximises_the_objective() -> None:
    # brute force: argmax_D  pd [t log D + (1-t) log(1-D)] + pg [s log D + (1-s) log(1-D)]
    d = np.linspace(1e-4, 1 - 1e-4, 200001)
    for pd, pg, t, s in [(0.3, 0.7, 1.0, 0.0), (0.3, 0.7, 0.9, 0.1), (0.8, 0.1, 0.9, 0.0)]:
        obj = pd * (t * np.log(d) + (1 - t) * np.log(1 - d)) + pg * (
            s * np.log(d) + (1 - s) * np.log(1 - d)
        )
        assert T.optimal_discriminator(pd, pg, t, s) == pytest.approx(d[obj.argmax()], abs=1e-4)


def test_critic_schedule() -> None:
    assert list(T.critic_schedule(5, 12)) == ["D"] * 5 + ["G"] + ["D"] * 5 + ["G"]
    assert list(T.critic_schedule(1, 4)) == ["D", "G", "D", "G"]
    seq = list(T.critic_schedule(5, 1000))
    assert (seq.count("D"), seq.count("G")) == T.n_critic_steps(1000, 5) == (834, 166)
    assert T.n_critic_steps(600, 5) == (500, 100)
    assert T.n_critic_steps(10, 1) == (5, 5)
    it = T.critic_schedule(2)  # infinite
    assert [next(it) for _ in range(7)] == ["D", "D", "G", "D", "D", "G", "D"]
    with pytest.raises(ValueError, match="n_critic"):
        list(T.critic_schedule(0, 3))


def test_fade_in_alpha() -> None:
    assert T.fade_in_alpha(0, 100) == 0.0
    assert T.fade_in_alpha(50, 100) == 0.5
    assert T.fade_in_alpha(100, 100) == 1.0
    assert T.fade_in_alpha(250, 100) == 1.0
    assert T.fade_in_alpha(-5, 100) == 0.0
    assert T.fade_in_alpha(3, 0) == 1.0


def test_progressive_schedule() -> None:
    s = T.ProgressiveSchedule((8, 16, 32, 64), steps_per_stage=100, fade_fraction=0.5)
    assert s.total_steps == 400
    assert s.stage(0) == (8, 1.0)  # the first stage has nothing to fade from
    assert s.stage(99) == (8, 1.0)
    assert s.stage(100) == (16, 0.0)
    assert s.stage(125) == (16, 0.5)
    assert s.stage(150) == (16, 1.0)
    assert s.stage(199) == (16, 1.0)
    assert s.stage(225) == (32, 0.5)
    assert s.index(225) == (2, 0.5)
    assert s.stage(10_000) == (64, 1.0)
    alphas = [s.stage(k)[1] for k in range(100, 150)]
    assert alphas == sorted(alphas)  # monotone ramp
    with pytest.raises(ValueError, match="fade_fraction"):
        T.ProgressiveSchedule(fade_fraction=1.5)


def test_ttur_presets() -> None:
    lr_g, lr_d = T.TTUR["TTUR (G 1e-4, D 4e-4)"]
    assert lr_d > lr_g
    src_g, src_d = T.TTUR["source (G 1e-3, D 1e-4)"]
    assert src_g > src_d  # the source's suggestion is the opposite of TTUR
    assert T.TTUR["equal (2e-4)"] == (2e-4, 2e-4)


# ----------------------------------------------------------------------------- torch tricks


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Conv1d(1, 3, 3), nn.Linear(14, 2))


def test_weight_clip() -> None:
    net = _net()
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(100)
    assert max(p.abs().max().item() for p in net.parameters()) > 0.5
    before = [p.clone() for p in net.parameters()]
    TT.weight_clip_(net, 0.05)
    for p, b in zip(net.parameters(), before, strict=True):
        assert p.min() >= -0.05
        assert p.max() <= 0.05
        torch.testing.assert_close(p, b.clamp(-0.05, 0.05))  # clamps, does not rescale
    assert any((p.abs() == 0.05).any() for p in net.parameters())


def test_spectral_norm_sets_top_singular_value_to_one() -> None:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 16), nn.Conv2d(3, 5, 3))
    with torch.no_grad():
        net[0].weight.mul_(7.0)
    assert torch.linalg.matrix_norm(net[0].weight.detach(), 2) > 3
    TT.apply_spectral_norm(net)
    TT.apply_spectral_norm(net)  # idempotent: no double wrapping
    net.train()
    for _ in range(30):  # each forward in train mode runs one power iteration
        net[0](torch.randn(2, 8))
        net[2](torch.randn(2, 32))
        net[3](torch.randn(1, 3, 6, 6))
    net.eval()
    for layer in (net[0], net[2]):
        sigma = torch.linalg.matrix_norm(layer.weight.detach(), 2).item()
        assert sigma == pytest.approx(1.0, abs=1e-3)
    w = net[3].weight.detach().flatten(1)  # conv: the reshaped (out, in*k*k) matrix
    assert torch.linalg.matrix_norm(w, 2).item() == pytest.approx(1.0, abs=1e-3)
    assert len(net[0].parametrizations.weight) == 1


def test_ema_closed_form() -> None:
    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    w0 = [p.detach().clone() for p in model.parameters()]
    decay, k = 0.9, 7
    ema = TT.EMA(model, decay=decay)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(2.5)  # hold the live weights constant
    for _ in range(k):
        ema.update(model)
    assert ema.num_updates == k
    for e, p0 in zip(ema.module.parameters(), w0, strict=True):
        torch.testing.assert_close(e, decay**k * p0 + (1 - decay**k) * 2.5)
    assert not ema.module.training
    assert not any(p.requires_grad for p in ema.module.parameters())
    # copy_to writes the average back; ema copy is independent of the live model
    target = nn.Linear(3, 2)
    ema.copy_to(target)
    for a, b in zip(target.parameters(), ema.module.parameters(), strict=True):
        torch.testing.assert_close(a, b)
    x = torch.randn(4, 3)
    torch.testing.assert_close(ema(x), target(x).detach())


def test_ema_warm_up_and_average():
    lin = torch.nn.Linear(2, 1, bias=False)
    torch.nn.init.zeros_(lin.weight)
    ema = TT.EMA(lin, decay=0.9, warmup=True)
    assert not any(p.requires_grad for p in ema.module.parameters())
    expected = torch.zeros(1, 2)
    for t in range(30):
        with torch.no_grad():
            lin.weight.fill_(float(t + 1))
        d = min(0.9, (1 + t) / (10 + t))
        assert ema.current_decay() == pytest.approx(d)
        ema.update(lin)
        expected = d * expected + (1 - d) * lin.weight.detach()
    torch.testing.assert_close(ema.module.weight, expected)
    assert (ema.module.weight < lin.weight).all()  # it lags the live weights
    other = TT.EMA(torch.nn.Linear(2, 1, bias=False), 0.9, warmup=True)
    other.load_state_dict(ema.state_dict())
    torch.testing.assert_close(other.module.weight, ema.module.weight)
    assert other.num_updates == 30


def test_ema_copies_buffers() -> None:
    model = nn.Sequential(nn.Linear(2, 4), nn.BatchNorm1d(4))
    ema = TT.EMA(model, decay=0.5)
    model(torch.randn(16, 2) + 3.0)  # updates running stats
    ema.update(model)
    torch.testing.assert_close(ema.module[1].running_mean, model[1].running_mean)


def test_set_requires_grad_and_optimizers() -> None:
    G, D = nn.Linear(2, 2), nn.Linear(2, 1)
    TT.set_requires_grad([G, D], False)
    assert not any(p.requires_grad for p in [*G.parameters(), *D.parameters()])
    TT.set_requires_grad(D, True)
    assert all(p.requires_grad for p in D.parameters())
    opt_g, opt_d = TT.make_optimizers(G, D, 1e-4, 4e-4)
    assert opt_g.param_groups[0]["lr"] == 1e-4
    assert opt_d.param_groups[0]["lr"] == 4e-4
    assert opt_d.param_groups[0]["betas"] == (0.5, 0.999)
    assert {id(p) for p in opt_g.param_groups[0]["params"]} == {id(p) for p in G.parameters()}
