"""Chapter 25's auxiliary heads: z chooses the instrument within a family (model.z_code),
D's instrument, pitch and velocity heads learn real clips' labels, and G is asked for
what z names (model.z_velocity: the velocity)."""

from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gan_tutorial.torch.cgan import data as cgan_data  # noqa: E402
from gan_tutorial.torch.cgan import model as cgan  # noqa: E402
from gan_tutorial.torch.cgan import training as cgan_train  # noqa: E402


def with_instruments(d: cgan_data.CGANData) -> cgan_data.CGANData:
    """Family 0 gets instruments 0 and 1, family 1 gets 2, 3 and 4 (clip i: the i-th in turn)."""
    fam = d.family.numpy()
    per = {0: [0, 1], 1: [2, 3, 4]}
    inst = np.array([per[f][i % len(per[f])] for i, f in enumerate(fam)])
    return replace(d, instrument=torch.from_numpy(inst), instrument_names=list("abcde"))


def test_z_code_respects_each_family_and_is_uniform():
    z = torch.randn(30000, 8, generator=torch.Generator().manual_seed(0))
    counts = torch.tensor([2, 3, 5]).repeat(10000)
    k = cgan.z_code(z, counts)
    assert (k < counts).all()
    for n in (2, 3, 5):
        share = np.bincount(k[counts == n].numpy(), minlength=n) / 10000
        assert np.allclose(share, 1 / n, atol=0.02)
    assert (
        cgan.z_code(z[:1].repeat(4, 1), torch.full((4,), 5))
        == cgan.z_code(z[:1], torch.tensor([5]))
    ).all()
    with pytest.raises(ValueError, match="latent_dim"):
        cgan.z_code(torch.randn(2, 3), torch.tensor([4, 4]))


def test_instrument_table_lists_each_familys_instruments():
    d = with_instruments(cgan_data.synthetic_data(16, 32))
    table, counts = d.instrument_table
    assert counts.tolist() == [2, 3]
    assert table.tolist() == [[0, 1, -1], [2, 3, 4]]
    assert d.n_instruments == 5
    assert d.describe()["instruments"] == list("abcde")


def test_fake_instruments_are_what_z_asks_for_in_the_fake_family():
    d = with_instruments(cgan_data.synthetic_data(16, 32))
    s = cgan_train.settings_for("quick", batch_size=8)
    x = cgan_train.batch_inputs(d, s, seed=0, step=3)
    table, counts = d.instrument_table
    fam = x["fake_family"]
    assert torch.equal(x["fake_instrument"], table[fam, cgan.z_code(x["z"], counts[fam])])
    real = [int(np.flatnonzero((d.x == r).flatten(1).all(1).numpy())[0]) for r in x["real"]]
    assert x["real_instrument"].tolist() == d.instrument[real].tolist()
    assert "real_instrument" not in cgan_train.batch_inputs(
        d, replace(s, instrument_weight=0), seed=0, step=3
    )


def test_heads_learn_real_labels_and_ask_g_for_them():
    d = with_instruments(cgan_data.synthetic_data(16, 32))
    s = cgan_train.settings_for("quick", batch_size=8, steps=2)
    run = cgan_train.run_for(s, d, seed=0)
    D = run.discriminator
    assert (D.n_instruments, D.pitch_head.out_features) == (5, len(d.pitches))
    logits, aux = D(d.x[:4], d.pitch[:4], d.family[:4], heads=True)
    assert logits.shape == (4, 1)
    assert {k: tuple(v.shape) for k, v in aux.items()} == {"instrument": (4, 5), "pitch": (4, 4)}
    # the heads' cross-entropy is part of both losses: without it the step's losses differ
    x = cgan_train.batch_inputs(d, s, seed=0, step=0)
    with_heads = cgan_train.train_step(cgan_train.run_for(s, d, seed=0), x)
    s0 = replace(s, instrument_weight=0, pitch_weight=0)
    without = cgan_train.train_step(
        cgan_train.run_for(s0, d, seed=0), cgan_train.batch_inputs(d, s0, seed=0, step=0)
    )
    assert with_heads["d"] > without["d"]
    assert with_heads["g"] > without["g"]


def test_a_run_without_the_instrument_head_refuses_data_with_instruments():
    d = with_instruments(cgan_data.synthetic_data(16, 32))
    s = cgan_train.settings_for("quick", steps=1)
    run = cgan_train.build_run(s, len(d.pitches), len(d.family_names), 32)  # no n_instruments
    with pytest.raises(ValueError, match="run_for"):
        cgan_train.train(run, d, progress=False)
    assert cgan_train.run_for(s, d).config()["n_instruments"] == 5


def with_velocities(d: cgan_data.CGANData) -> cgan_data.CGANData:
    """``with_instruments``, and clip i played at velocity index i % 3 (MIDI 50, 80, 110)."""
    d = with_instruments(d)
    return replace(d, velocity=torch.arange(len(d)) % 3, velocities=[50, 80, 110])


def test_z_velocity_reads_the_last_coordinates_uniformly():
    z = torch.randn(30000, 8, generator=torch.Generator().manual_seed(1))
    v = cgan.z_velocity(z, 3)
    assert np.allclose(np.bincount(v.numpy(), minlength=3) / len(z), 1 / 3, atol=0.02)
    z2 = z.clone()
    z2[:, :5] = torch.randn(30000, 5)  # the instrument's coordinates do not move it
    assert torch.equal(cgan.z_velocity(z2, 3), v)
    z2[:, -3:] = z2[:, -3:].flip(1)  # its own coordinates do
    assert torch.equal(cgan.z_velocity(z2, 3), 2 - v)
    with pytest.raises(ValueError, match="latent_dim"):
        cgan.z_velocity(torch.randn(2, 2), 3)


def test_velocity_head_learns_real_velocities_and_asks_g_for_zs():
    d = with_velocities(cgan_data.synthetic_data(16, 32))
    s = cgan_train.settings_for("quick", batch_size=8, steps=2, velocity_weight=1.0)
    x = cgan_train.batch_inputs(d, s, seed=0, step=3)
    assert torch.equal(x["fake_velocity"], cgan.z_velocity(x["z"], 3))
    real = [int(np.flatnonzero((d.x == r).flatten(1).all(1).numpy())[0]) for r in x["real"]]
    assert x["real_velocity"].tolist() == d.velocity[real].tolist()
    run = cgan_train.run_for(s, d, seed=0)
    assert run.discriminator.n_velocities == 3
    assert run.config()["n_velocities"] == 3
    _, aux = run.discriminator(d.x[:4], d.pitch[:4], d.family[:4], heads=True)
    assert tuple(aux["velocity"].shape) == (4, 3)
    with_head = cgan_train.train_step(run, x)
    s0 = replace(s, velocity_weight=0.0)
    without = cgan_train.train_step(
        cgan_train.run_for(s0, d, seed=0), cgan_train.batch_inputs(d, s0, seed=0, step=3)
    )
    assert with_head["d"] > without["d"]
    assert with_head["g"] > without["g"]
    assert "real_velocity" not in cgan_train.batch_inputs(d, s0, seed=0, step=3)


def test_a_run_without_the_velocity_head_refuses_to_train_with_one():
    d = with_velocities(cgan_data.synthetic_data(16, 32))
    s = cgan_train.settings_for("quick", steps=1, velocity_weight=1.0)
    run = cgan_train.run_for(replace(s, velocity_weight=0.0), d)
    run.settings = s
    with pytest.raises(ValueError, match="velocity head"):
        cgan_train.train(run, d, progress=False)
