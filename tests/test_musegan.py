"""The MuseGAN-style model: shapes, the patch transposed convolution, a WGAN-GP step,
exact resume, the time guard and generation."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gan_tutorial.torch.musegan import (  # noqa: E402
    MuseGenerator,
    PatchConv,
    PatchConvTranspose,
    PhraseCritic,
    generate,
    make_state,
    phrase_batches,
    straight_through,
    train,
)
from gan_tutorial.torch.training import GANState, load_checkpoint  # noqa: E402

SMALL = {"z_phrase": 8, "z_track": 4, "bar_code": 8, "width": 8}


def rolls(n=12, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.random((n, 4, 64, 48)) < 0.03).astype(np.uint8)


@pytest.mark.parametrize(("axis", "kernel"), [("time", (2, 1)), ("pitch", (1, 12))])
def test_patch_conv_transpose_equals_conv_transpose2d(axis, kernel):
    torch.manual_seed(0)
    m = PatchConvTranspose(8, 4, max(kernel), axis, groups=2)
    ref = torch.nn.ConvTranspose2d(8, 4, kernel, kernel, groups=2)
    ref.weight.data = m.weight.data.reshape(ref.weight.shape).clone()
    ref.bias.data = m.bias.data.clone()
    x = torch.randn(3, 8, 5, 4)
    torch.testing.assert_close(m(x), ref(x))


def test_generator_and_critic_shapes_and_latents():
    torch.manual_seed(0)
    G, D = MuseGenerator(**SMALL), PhraseCritic(width=8)
    assert G.latent_dim == 8 + 4 * 4
    z = torch.randn(3, G.latent_dim)
    x = G(z)
    assert x.shape == (3, 4, 64, 48)
    assert float(x.detach().min()) >= 0.0
    assert float(x.detach().max()) <= 1.0
    assert D(x).shape == (3, 1)
    # a voice's own latent changes that voice more than the phrase latent would leave it
    G.eval()
    z2 = z.clone()
    z2[:, 8 + 4 * 3 :] += 3.0  # only the bass latent
    d = (G(z2) - G(z)).abs().mean(dim=(0, 2, 3))
    assert d[3] > 0
    with pytest.raises(ValueError, match="multiple of 12"):
        MuseGenerator(pitches=50)


def test_critic_scores_each_phrase_alone():
    """No batch statistics in the critic, as the per-sample gradient penalty requires."""
    torch.manual_seed(0)
    D = PhraseCritic(width=8)
    x = torch.rand(4, 4, 64, 48)
    torch.testing.assert_close(D(x)[:1], D(x[:1]))


def test_critic_sees_repeated_bars():
    D = PhraseCritic(width=8)
    bar = torch.zeros(4, 16, 48)
    bar[0, :8, 24] = 1  # soprano C4 then D4
    bar[0, 8:, 26] = 1
    repeated = bar.repeat(1, 4, 1)[None]  # the same bar four times
    moving = repeated.clone()
    moving[0, 0, 16:, :] = torch.roll(moving[0, 0, 16:, :], 5, dims=-1)  # later bars move on
    torch.testing.assert_close(D.bar_similarity(repeated), torch.ones(1, 6), atol=1e-5, rtol=0)
    sims = D.bar_similarity(moving)[0]
    assert sims[:3].max() < 0.1  # bar 1 against bars 2, 3, 4
    assert sims[3:].min() > 0.99  # bars 2-4 are still alike


def test_phrase_batches_stack_n_critic_batches():
    g = torch.Generator().manual_seed(0)
    b = next(phrase_batches(rolls(), 5, g, n=3))
    assert b.shape == (15, 4, 64, 48)
    assert b.dtype == torch.float32
    with pytest.raises(ValueError, match="batch_size"):
        next(phrase_batches(rolls(4), 5, g))


def _state(seed=0, ema_decay=0.0):
    return make_state(seed, lr=1e-3, ema_decay=ema_decay, g_kwargs=SMALL, d_kwargs={"width": 8})


def _params(state: GANState):
    return [p.detach().clone() for p in [*state.G.parameters(), *state.D.parameters()]]


def test_training_moves_the_weights_and_records_losses(tmp_path):
    st = _state()
    named = [(n, p) for m in (st.G, st.D) for n, p in m.named_parameters() if "weight" in n]
    before = [p.detach().clone() for _, p in named]
    train(st, rolls(), 3, batch_size=4, n_critic=2, progress=False)
    assert st.step == 3
    assert set(st.history.losses) == {"d", "g", "gp", "w"}
    still = [n for (n, p), b in zip(named, before, strict=True) if torch.equal(p, b)]
    assert not still, f"weights that did not train: {still}"


def test_ema_averages_the_generator_once_per_step():
    st = _state(ema_decay=0.9)
    start = [p.detach().clone() for p in st.sampler.parameters()]
    train(st, rolls(), 3, batch_size=4, n_critic=2, progress=False)
    assert st.ema is not None
    assert st.ema.num_updates == 3
    avg, now = list(st.sampler.parameters()), list(st.G.parameters())
    assert st.sampler is st.ema.module
    assert not st.sampler.training
    assert any(not torch.equal(a, b) for a, b in zip(avg, start, strict=True))  # it moved
    assert any(not torch.equal(a, b) for a, b in zip(avg, now, strict=True))  # but lags G


def test_resume_is_exact(tmp_path):
    data = rolls()
    full = _state(ema_decay=0.9)
    train(full, data, 6, batch_size=4, n_critic=2, progress=False)

    ckpt = tmp_path / "musegan.pt"
    half = _state(ema_decay=0.9)
    train(half, data, 3, batch_size=4, n_critic=2, checkpoint_path=ckpt, progress=False)
    resumed = _state(seed=99, ema_decay=0.9)  # another seed: all must come from the checkpoint
    load_checkpoint(ckpt, resumed)
    train(resumed, data, 6, batch_size=4, n_critic=2, checkpoint_path=ckpt, progress=False)
    assert resumed.step == 6
    for a, b in zip(_params(full), _params(resumed), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    # the average too, BatchNorm's buffers included
    avg_full, avg_resumed = full.sampler.state_dict(), resumed.sampler.state_dict()
    for a, b in zip(avg_full.values(), avg_resumed.values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    for name in ("d", "g"):
        assert full.history.losses[name] == resumed.history.losses[name]


def test_time_guard_stops_and_saves(tmp_path):
    st = _state()
    ckpt = tmp_path / "m.pt"
    train(st, rolls(), 1000, batch_size=4, max_seconds=1e-9, checkpoint_path=ckpt, progress=False)
    assert st.extra["stopped_early"]
    assert st.step == 1  # the guard is checked after each step
    assert load_checkpoint(ckpt, _state()).step == 1


def test_generate_is_seeded_and_leaves_training_mode():
    st = _state()
    a = generate(st.G, 5, seed=3)
    b = generate(st.G, 5, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 4, 64, 48)
    assert st.G.training
    assert not np.array_equal(a, generate(st.G, 5, seed=4))


def test_patch_conv_equals_conv2d():
    torch.manual_seed(0)
    for axis, kernel in (("time", (4, 1)), ("pitch", (1, 12))):
        m = PatchConv(6, 5, max(kernel), axis)
        ref = torch.nn.Conv2d(6, 5, kernel, kernel)
        ref.weight.data = m.weight.data.reshape(ref.weight.shape).clone()
        ref.bias.data = m.bias.data.clone()
        x = torch.randn(3, 6, 8, 24)
        torch.testing.assert_close(m(x), ref(x))


def test_critic_intervals_of_a_line():
    """One-hot lines give one 1 per step at the interval moved; rests and leaps beyond the
    stream's reach give zeros; soft inputs give the probability of each interval."""
    D = PhraseCritic(width=8)
    m = D.max_interval
    x = torch.zeros(1, 4, 64, 48)
    pitches = [24, 24, 26, 28, 28, 40, -1, 30]  # hold, step up 2, up 2, hold, leap 12, rest
    for t, p in enumerate(pitches):
        if p >= 0:
            x[0, 0, t, p] = 1
    got = D.intervals(x)[0, 0]
    assert got.shape == (64, 2 * m + 1)
    for t, d in enumerate([0, 2, 2, 0, None, None, None]):
        row = torch.zeros(2 * m + 1)
        if d is not None:
            row[m + d] = 1
        torch.testing.assert_close(got[t], row)
    soft = torch.zeros(1, 4, 64, 48)
    soft[0, 1, 0, 10] = 1
    soft[0, 1, 1, 11], soft[0, 1, 1, 8] = 0.25, 0.75  # up a semitone or down a whole step
    assert D.intervals(soft)[0, 1, 0, m + 1] == 0.25
    assert D.intervals(soft)[0, 1, 0, m - 2] == 0.75


def test_critic_pair_intervals_are_the_same_chord_in_every_key():
    """A C major triad (soprano E, alto C, tenor G, bass C) and the same triad a fifth up give
    the same voice-pair intervals; a rest gives a row of zeros; the six pairs come in the
    order S-A, S-T, S-B, A-T, A-B, T-B."""

    def chroma(pcs):
        c = torch.zeros(1, 4, 1, 12)
        for v, pc in enumerate(pcs):
            if pc is not None:
                c[0, v, 0, pc % 12] = 1
        return c

    got = PhraseCritic.pair_intervals(chroma([4, 0, 7, 0]))[0, :, 0]
    assert got.shape == (6, 12)
    # j above i, modulo the octave: S-A E->C 8, S-T E->G 3, S-B 8, A-T C->G 7, A-B 0, T-B G->C 5
    assert got.argmax(1).tolist() == [8, 3, 8, 7, 0, 5]
    torch.testing.assert_close(got.sum(1), torch.ones(6))
    torch.testing.assert_close(
        PhraseCritic.pair_intervals(chroma([11, 7, 2, 7])), got[None, :, None]
    )
    rest = PhraseCritic.pair_intervals(chroma([None, 0, 7, 0]))[0, :, 0]
    assert rest[:3].abs().sum() == 0
    assert rest[3:].sum() == 3


def test_straight_through_is_argmax_decoding_with_the_softmax_gradient():
    from gan_tutorial.symbolic import decode

    torch.manual_seed(0)
    logits = (4 * torch.randn(3, 4, 64, 49)).requires_grad_()  # peaked: no near-ties
    p = torch.softmax(logits, dim=-1)[..., :-1]  # 48 pitches; the rest is what is left
    hard = straight_through(p)
    assert hard.detach().sum() < 3 * 4 * 64  # some steps rest
    np.testing.assert_array_equal(hard.detach().numpy(), decode(p.detach().numpy(), "argmax"))
    assert int(hard.detach().sum(dim=-1).max()) <= 1  # one pitch or a rest per voice and step
    w = torch.randn_like(p)
    (g_hard,) = torch.autograd.grad((hard * w).sum(), p, retain_graph=True)
    torch.testing.assert_close(g_hard, w)  # the gradient reaches the probabilities unchanged
    sig = MuseGenerator(**SMALL, head="sigmoid")
    q = sig(torch.randn(2, sig.latent_dim))
    np.testing.assert_array_equal(
        straight_through(q, head="sigmoid").detach().numpy(), decode(q.detach().numpy())
    )
