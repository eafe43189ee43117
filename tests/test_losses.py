"""Losses: numpy references vs hand values vs torch; the WGAN-GP penalty per sample."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")


from gan_tutorial import losses as L  # noqa: E402
from gan_tutorial.torch import losses as TL  # noqa: E402

REAL = np.array([2.0, -1.0, 0.5], dtype=np.float32)
FAKE = np.array([-3.0, 0.0, 1.0], dtype=np.float32)


def sp(x: float) -> float:
    return math.log1p(math.exp(x))


def test_bce_hand_values() -> None:
    # D loss = mean(-log σ(r)) + mean(-log(1-σ(f))) = mean softplus(-r) + mean softplus(f)
    hand = np.mean([sp(-2), sp(1), sp(-0.5)]) + np.mean([sp(-3), sp(0), sp(1)])
    assert L.bce_d_loss(REAL, FAKE) == pytest.approx(hand, rel=1e-6)
    # single logit 0, target 1: log 2 per term
    assert L.bce_d_loss([0.0], [0.0]) == pytest.approx(2 * math.log(2))
    # smoothed targets: BCE(l, t) = softplus(l) - t*l
    hand_s = np.mean([sp(r) - 0.9 * r for r in REAL]) + np.mean([sp(f) - 0.1 * f for f in FAKE])
    assert L.bce_d_loss(REAL, FAKE, 0.9, 0.1) == pytest.approx(hand_s, rel=1e-6)
    assert L.bce_g_loss_nonsaturating(FAKE) == pytest.approx(np.mean([sp(3), sp(0), sp(-1)]))
    assert L.bce_g_loss_saturating(FAKE) == pytest.approx(-np.mean([sp(-3), sp(0), sp(1)]))


def test_bce_is_stable_for_huge_logits() -> None:
    assert L.bce_d_loss([1000.0], [-1000.0]) == pytest.approx(0.0, abs=1e-12)
    assert L.bce_d_loss([-1000.0], [1000.0]) == pytest.approx(2000.0)
    assert L.bce_g_loss_nonsaturating([-1000.0]) == pytest.approx(1000.0)
    assert np.isfinite(L.bce_g_loss_saturating([1000.0]))


def test_other_losses_hand_values() -> None:
    # lsgan: ½ mean (r-1)² + ½ mean f²
    r_sq = ((2 - 1) ** 2 + (-1 - 1) ** 2 + (0.5 - 1) ** 2) / 3
    f_sq = (9 + 0 + 1) / 3
    assert L.lsgan_d_loss(REAL, FAKE) == pytest.approx(0.5 * r_sq + 0.5 * f_sq)
    assert L.lsgan_g_loss(FAKE) == pytest.approx(0.5 * (16 + 1 + 0) / 3)
    # hinge: relu(1-r) = [0, 2, 0.5]; relu(1+f) = [0, 1, 2]
    assert L.hinge_d_loss(REAL, FAKE) == pytest.approx(2.5 / 3 + 3 / 3)
    assert L.hinge_g_loss(FAKE) == pytest.approx(2 / 3)
    # wgan: mean f - mean r = -2/3 - 1.5/3
    assert L.wgan_d_loss(REAL, FAKE) == pytest.approx(-2 / 3 - 0.5)
    assert L.wgan_g_loss(FAKE) == pytest.approx(2 / 3)


def test_registry() -> None:
    assert set(L.LOSSES) == {"bce", "lsgan", "hinge", "wgan", "wgan-gp"}
    for pair in L.LOSSES.values():
        assert np.isfinite(pair.d(REAL, FAKE))
        assert np.isfinite(pair.g(FAKE))


@pytest.mark.parametrize(
    ("kind", "np_d", "np_g", "targets"),
    [
        ("bce", L.bce_d_loss, L.bce_g_loss_nonsaturating, (1.0, 0.0)),
        ("bce", L.bce_d_loss, L.bce_g_loss_nonsaturating, (0.9, 0.1)),
        ("lsgan", L.lsgan_d_loss, L.lsgan_g_loss, (1.0, 0.0)),
        ("lsgan", L.lsgan_d_loss, L.lsgan_g_loss, (0.9, 0.0)),
        ("hinge", lambda r, f, *_: L.hinge_d_loss(r, f), L.hinge_g_loss, (1.0, 0.0)),
        ("wgan", lambda r, f, *_: L.wgan_d_loss(r, f), L.wgan_g_loss, (1.0, 0.0)),
        ("wgan-gp", lambda r, f, *_: L.wgan_d_loss(r, f), L.wgan_g_loss, (1.0, 0.0)),
    ],
)
def test_torch_matches_numpy(kind, np_d, np_g, targets) -> None:
    rng = np.random.default_rng(0)
    r, f = (rng.normal(size=32).astype(np.float32) * 3 for _ in range(2))
    tr, tf = targets
    got_d = TL.d_loss(kind, torch.from_numpy(r), torch.from_numpy(f), tr, tf).item()
    assert got_d == pytest.approx(np_d(r, f, tr, tf), rel=1e-5)
    assert TL.g_loss(kind, torch.from_numpy(f)).item() == pytest.approx(np_g(f), rel=1e-5)
    # per-sample target tensors (label smoothing) and (B, 1) scores give the same value
    got_t = TL.d_loss(
        kind,
        torch.from_numpy(r)[:, None],
        torch.from_numpy(f)[:, None],
        torch.full((32,), tr),
        torch.full((32,), tf),
    ).item()
    assert got_t == pytest.approx(got_d, rel=1e-6)


def test_torch_saturating_and_unknown_kind() -> None:
    f = torch.tensor(FAKE)
    assert TL.g_loss("bce-saturating", f).item() == pytest.approx(L.bce_g_loss_saturating(FAKE))
    with pytest.raises(ValueError, match="unknown loss kind"):
        TL.d_loss("vanilla", f, f)


# ----------------------------------------------------------------------------- gradient penalty


class Linear(torch.nn.Module):
    """D(x) = <w, x> over all non-batch dims; its input gradient is w for every sample."""

    def __init__(self, w: torch.Tensor) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x * self.w).flatten(1).sum(1)


@pytest.mark.parametrize("batch", [1, 4, 16])
def test_gradient_penalty_linear_critic_is_batch_size_independent(batch: int) -> None:
    torch.manual_seed(batch)
    w = torch.tensor([[3.0, 0.0], [0.0, 4.0]])  # ||w|| = 5 over the (2, 2) sample shape
    critic = Linear(w.clone())
    real, fake = torch.randn(batch, 2, 2), torch.randn(batch, 2, 2)
    expected = 10.0 * (5.0 - 1.0) ** 2  # 160, whatever the batch
    assert TL.gradient_penalty(critic, real, fake).item() == pytest.approx(expected, rel=1e-5)
    assert TL.gradient_penalty(critic, real, fake, weight=2.0).item() == pytest.approx(32.0)
    # the source's whole-batch norm: ||(w, w, ..., w)|| = sqrt(B) * 5
    src = TL.gradient_penalty_source(critic, real, fake).item()
    assert src == pytest.approx(10.0 * (math.sqrt(batch) * 5.0 - 1.0) ** 2, rel=1e-5)
    if batch > 1:
        assert src > 1.5 * expected


def test_gradient_penalty_trains_the_critic() -> None:
    critic = Linear(torch.tensor([3.0, 4.0]))
    gp = TL.gradient_penalty(critic, torch.randn(8, 2), torch.randn(8, 2))
    gp.backward()
    # d/dw 10 (||w|| - 1)^2 = 20 (||w|| - 1) w / ||w|| = 20 * 4 * w / 5 = 16 w
    torch.testing.assert_close(critic.w.grad, 16.0 * torch.tensor([3.0, 4.0]))


def test_gradient_penalty_nonlinear_critic_matches_per_sample_loop() -> None:
    torch.manual_seed(0)
    critic = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1)
    )
    real, fake = torch.randn(5, 2, 3), torch.randn(5, 2, 3)
    alpha = torch.rand(5)
    got = TL.gradient_penalty(critic, real, fake, weight=10.0, alpha=alpha)
    terms = []
    for i in range(5):
        x = (alpha[i] * real[i] + (1 - alpha[i]) * fake[i]).unsqueeze(0).requires_grad_(True)
        (g,) = torch.autograd.grad(critic(x).sum(), x)
        terms.append((g.norm() - 1) ** 2)
    torch.testing.assert_close(got, 10.0 * torch.stack(terms).mean())
    # alpha given as (B, 1, 1) is the same as (B,)
    torch.testing.assert_close(
        TL.gradient_penalty(critic, real, fake, alpha=alpha.view(5, 1, 1)), got
    )
    # the whole-batch version differs for a nonlinear critic too
    assert not torch.allclose(TL.gradient_penalty_source(critic, real, fake, alpha=alpha), got)


def test_gradient_penalty_default_alpha_is_one_uniform_per_sample() -> None:
    seen: list[torch.Tensor] = []

    def critic(x: torch.Tensor) -> torch.Tensor:
        seen.append(x.detach().clone())
        return x.flatten(1).sum(1)

    torch.manual_seed(0)
    real, fake = torch.zeros(64, 1, 4, 4), torch.ones(64, 1, 4, 4)
    TL.gradient_penalty(critic, real, fake)
    x_hat = seen[0]  # = 1 - alpha, broadcast over each sample
    per_sample = x_hat.flatten(1)
    assert torch.all(per_sample == per_sample[:, :1]), "alpha must be shared within a sample"
    assert per_sample[:, 0].unique().numel() == 64, "alpha must differ between samples"
    assert per_sample.min() >= 0.0
    assert per_sample.max() <= 1.0


def test_gradient_penalty_zero_for_unit_gradient_and_shape_check() -> None:
    critic = Linear(torch.tensor([0.6, 0.8]))  # ||w|| = 1 -> zero penalty
    x = torch.randn(7, 2)
    assert TL.gradient_penalty(critic, x, torch.randn(7, 2)).item() == pytest.approx(0, abs=1e-10)
    with pytest.raises(ValueError, match="differ in shape"):
        TL.gradient_penalty(critic, x, x[:3])
