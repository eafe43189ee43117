"""Progressive growing: shapes per stage and the exact fade-in blend."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from gan_tutorial.torch.progressive import ProgressiveDiscriminator, ProgressiveGenerator  # noqa: E402

RES = (8, 16, 32, 64)
CH = (16, 8, 8, 4)


@pytest.fixture(scope="module")
def models() -> tuple[ProgressiveGenerator, ProgressiveDiscriminator]:
    torch.manual_seed(0)
    return (
        ProgressiveGenerator(latent_dim=16, resolutions=RES, channels=CH).eval(),
        ProgressiveDiscriminator(resolutions=RES, channels=CH).eval(),
    )


def test_shapes_each_stage(models) -> None:
    G, D = models
    z = torch.randn(3, 16)
    for stage, r in enumerate(RES):
        for alpha in (0.0, 0.3, 1.0):
            x = G(z, stage, alpha)
            assert x.shape == (3, 1, r, r)
            assert D(x, stage, alpha).shape == (3,)
    assert G(z).shape == (3, 1, 64, 64)  # default: last stage
    with pytest.raises(ValueError, match="expects"):
        D(torch.randn(3, 1, 16, 16), 0, 1.0)
    with pytest.raises(ValueError, match="stage"):
        G(z, 4, 1.0)


@torch.no_grad()
@pytest.mark.parametrize("stage", [1, 2, 3])
def test_generator_fade_in_blend(models, stage: int) -> None:
    G, _ = models
    z = torch.randn(2, 16)
    old = F.interpolate(G(z, stage - 1, 1.0), scale_factor=2, mode="nearest")
    new = G(z, stage, 1.0)
    assert not torch.allclose(old, new)
    torch.testing.assert_close(G(z, stage, 0.0), old)  # alpha 0: upsampled previous stage
    torch.testing.assert_close(G(z, stage, 0.5), 0.5 * (old + new))  # the average
    torch.testing.assert_close(G(z, stage, 0.25), 0.25 * new + 0.75 * old)
    # alpha 1: only the new block; check against a manual pass through the modules
    h = G.base(z)
    for s in range(stage):
        h = G.blocks[s](h)
    torch.testing.assert_close(new, G.to_rgb[stage](h))


@torch.no_grad()
@pytest.mark.parametrize("stage", [1, 3])
def test_discriminator_fade_in_blend(models, stage: int) -> None:
    _, D = models
    r = RES[stage]
    x = torch.randn(2, 1, r, r)
    old = D(F.avg_pool2d(x, 2), stage - 1, 1.0)  # alpha 0: the previous stage on pooled input
    torch.testing.assert_close(D(x, stage, 0.0), old)
    assert not torch.allclose(D(x, stage, 1.0), old)


def test_gradients_reach_the_faded_in_block(models) -> None:
    G, D = models
    G.zero_grad()
    D.zero_grad()
    D(G(torch.randn(2, 16), 2, 0.5), 2, 0.5).sum().backward()
    for m in (G.blocks[1], G.to_rgb[2], G.to_rgb[1], D.from_rgb[2], D.from_rgb[1]):
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in m.parameters())
    assert all(p.grad is None for p in G.to_rgb[3].parameters())  # stage 3 not used yet


def test_bad_configuration() -> None:
    with pytest.raises(ValueError, match="double"):
        ProgressiveGenerator(resolutions=(8, 12), channels=(4, 4))
    with pytest.raises(ValueError, match="channel"):
        ProgressiveDiscriminator(resolutions=(8, 16), channels=(4,))
