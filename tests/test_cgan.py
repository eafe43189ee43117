"""Chapter 25: conditional generator, projection discriminator, EMA, the training CLI."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gan_tutorial import spectral  # noqa: E402
from gan_tutorial.audio import SpecConfig  # noqa: E402
from gan_tutorial.errors import FileProblem, TrainingDiverged  # noqa: E402
from gan_tutorial.samples import load_samples  # noqa: E402
from gan_tutorial.torch import checkpoint as tt_ck  # noqa: E402
from gan_tutorial.torch import tricks  # noqa: E402
from gan_tutorial.torch.cgan import __main__ as cli  # noqa: E402
from gan_tutorial.torch.cgan import data as cgan_data  # noqa: E402
from gan_tutorial.torch.cgan import diagnostics as cgan_diag  # noqa: E402
from gan_tutorial.torch.cgan import evaluation as cgan_eval  # noqa: E402
from gan_tutorial.torch.cgan import model as cgan  # noqa: E402
from gan_tutorial.torch.cgan import training as cgan_train  # noqa: E402
from gan_tutorial.torch.cgan.evaluation import generate, sample_labels  # noqa: E402
from gan_tutorial.torch.training import load_checkpoint  # noqa: E402


@pytest.mark.parametrize(("size", "families"), [(32, 0), (64, 3)])
def test_conditioning_shapes(size, families):
    G = cgan.CondGenerator(n_pitches=5, n_families=families, latent_dim=16, size=size, base=4)
    D = cgan.CondDiscriminator(n_pitches=5, n_families=families, size=size, base=4)
    z, p = torch.randn(8, 16), torch.randint(0, 5, (8,))
    f = torch.randint(0, 3, (8,)) if families else None
    x = G(z, p, f)
    assert x.shape == (8, 1, size, size)
    assert x.abs().max() <= 1
    assert D(x, p, f).shape == (8, 1)


def test_family_conditioned_models_need_family_labels():
    G = cgan.CondGenerator(4, 2, latent_dim=8, size=32, base=4)
    D = cgan.CondDiscriminator(4, 2, size=32, base=4)
    with pytest.raises(ValueError, match="family"):
        G(torch.randn(2, 8), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="family"):
        D(torch.zeros(2, 1, 32, 32), torch.tensor([0, 1]))


def test_generator_uses_both_labels():
    torch.manual_seed(0)
    G = cgan.CondGenerator(4, 2, latent_dim=8, size=32, base=4)
    for blk in G.blocks:  # FiLM starts at zero; give it weights so labels act everywhere
        torch.nn.init.normal_(blk.film.weight, 0, 0.5)
    z = torch.randn(1, 8)
    a = G(z, torch.tensor([0]), torch.tensor([0]))
    assert not torch.allclose(a, G(z, torch.tensor([1]), torch.tensor([0])))
    assert not torch.allclose(a, G(z, torch.tensor([0]), torch.tensor([1])))


def test_projection_discriminator_uses_the_label():
    torch.manual_seed(0)
    D = cgan.CondDiscriminator(n_pitches=6, n_families=2, size=32, base=4).eval()
    x = torch.randn(4, 1, 32, 32)
    p, f = torch.tensor([0, 1, 2, 3]), torch.zeros(4, dtype=torch.long)
    base = D(x, p, f)
    assert not torch.allclose(base, D(x, (p + 1) % 6, f))
    assert not torch.allclose(base, D(x, p, f + 1))
    # the label enters only through <embed(label), h>: swapping it moves the logit by
    # exactly the projection difference
    h = D.features(x)
    delta = ((D.embed_pitch(p + 1) - D.embed_pitch(p)) * h).sum(dim=1, keepdim=True)
    torch.testing.assert_close(D(x, p + 1, f) - base, delta, rtol=1e-4, atol=1e-4)


def test_spectral_norm_can_be_switched_off():
    on = cgan.CondDiscriminator(3, 0, size=32, base=4)
    off = cgan.CondDiscriminator(3, 0, size=32, base=4, spectral=False)
    assert any("parametrizations" in n for n, _ in on.named_parameters())
    assert not any("parametrizations" in n for n, _ in off.named_parameters())


def test_minibatch_std_groups_are_contiguous():
    x = torch.randn(8, 3, 4, 4)
    whole = cgan.minibatch_std(x, group=4)
    halves = torch.cat([cgan.minibatch_std(x[:4], 4), cgan.minibatch_std(x[4:], 4)])
    torch.testing.assert_close(whole, halves)  # a batch split over two processes
    assert whole.shape == (8, 4, 4, 4)
    same = cgan.minibatch_std(x[:1].repeat(4, 1, 1, 1), 4)
    assert same[:, -1].max() < 1e-3  # identical clips (collapse) show zero spread
    # the value: each group's per-feature std (population), averaged over features
    groups = x.numpy().reshape(2, 4, -1)
    expected = np.sqrt(groups.var(axis=1) + 1e-8).mean(axis=1).repeat(4)
    np.testing.assert_allclose(whole[:, -1, 0, 0].numpy(), expected, rtol=1e-5)


def test_time_shift_moves_frames_and_passes_gradients():
    x = torch.arange(6.0).view(1, 1, 1, 6).repeat(2, 1, 2, 1).requires_grad_()
    y = cgan.time_shift(x, torch.tensor([2, -1]))
    assert y[0, 0, 0].tolist() == [0, 0, 0, 1, 2, 3]
    assert y[1, 0, 0].tolist() == [1, 2, 3, 4, 5, 5]
    torch.testing.assert_close(cgan.time_shift(x, torch.zeros(2, dtype=torch.long)), x)
    y.sum().backward()
    assert x.grad is not None
    assert x.grad.abs().sum() > 0


def test_a_size_without_a_plan_is_one_clear_error():
    for build in (
        lambda: cgan.CondGenerator(4, 2, latent_dim=8, size=48, base=4),
        lambda: cgan.CondDiscriminator(4, 2, size=48, base=4),
    ):
        with pytest.raises(ValueError, match="size must be one of 32, 64, 128, got 48"):
            build()


def test_batch_inputs_are_a_function_of_seed_rank_and_step():
    d = cgan_data.synthetic_data(32, 32)
    s = cgan_train.settings_for("quick", batch_size=8)
    a = cgan_train.batch_inputs(d, s, seed=1, step=3)
    b = cgan_train.batch_inputs(d, s, seed=1, step=3)
    assert all(torch.equal(a[k], b[k]) for k in a)
    other_rank = cgan_train.batch_inputs(d, s, seed=1, step=3, rank=1, world=2)
    assert not torch.equal(a["z"], other_rank["z"])
    # the two ranks of one epoch see disjoint clips
    r0 = cgan_train.batch_inputs(d, s, seed=1, step=0, rank=0, world=2)["real"]
    r1 = cgan_train.batch_inputs(d, s, seed=1, step=0, rank=1, world=2)["real"]
    assert not any(torch.equal(u, v) for u in r0 for v in r1)


def test_mode_seeking_pairs_fake_labels_with_two_noise_vectors():
    d = cgan_data.synthetic_data(32, 32)
    plain = cgan_train.batch_inputs(d, cgan_train.settings_for("quick", batch_size=8), 0, 0)
    assert not torch.equal(plain["fake_pitch"][0::2], plain["fake_pitch"][1::2])
    s = cgan_train.settings_for("quick", batch_size=8, mode_seeking=0.1)
    x = cgan_train.batch_inputs(d, s, seed=0, step=0)
    for k in ("fake_pitch", "fake_family"):
        torch.testing.assert_close(x[k][0::2], x[k][1::2])
    assert not torch.allclose(x["z"][0::2], x["z"][1::2])
    with pytest.raises(ValueError, match="even batch_size"):
        cgan_train.batch_inputs(
            d, cgan_train.settings_for("quick", batch_size=7, mode_seeking=1), 0, 0
        )


def test_z_reaches_the_generators_output_at_a_fixed_label():
    d = cgan_data.synthetic_data(32, 32)
    s = cgan_train.settings_for("quick", steps=3, time_limit_s=0)
    run = cgan_train.train(cgan_train.build_run(s, 4, 2, 32, seed=0), d, progress=False)
    z = torch.randn(2, s.latent_dim, generator=torch.Generator().manual_seed(1))
    pitch, family = torch.tensor([1, 1]), torch.tensor([0, 0])
    with torch.no_grad():
        x = run.G(z, pitch, family)
    assert (x[0] - x[1]).abs().mean() > 1e-3  # another z at the same label: another clip


def test_mode_seeking_term_is_the_inverse_distance_ratio():
    z = torch.tensor([[0.0, 0.0], [2.0, 2.0], [1.0, 1.0], [1.0, 0.0]])  # |dz| = 2 and 0.5
    fake = torch.zeros(4, 1, 2, 2)
    fake[1] += 1.0  # |dx| = 1 for the first pair
    fake[3] += 0.5  # |dx| = 0.5 for the second
    ratio = (1.0 / 2.0 + 0.5 / 0.5) / 2  # mean over pairs of |dx| / |dz|
    torch.testing.assert_close(tricks.mode_seeking_term(fake, z, eps=0.0), torch.tensor(1 / ratio))
    # G lowers the term by pulling a pair's clips apart
    fake.requires_grad_(True)
    tricks.mode_seeking_term(fake, z).backward()
    assert (fake.grad[1] < 0).all()
    assert (fake.grad[0] > 0).all()


def test_resume_is_exact(tmp_path):
    d = cgan_data.synthetic_data(32, 32)
    s = cgan_train.settings_for("quick", steps=6, time_limit_s=0)

    def fresh():
        return cgan_train.build_run(s, 4, 2, 32, seed=3)

    straight = cgan_train.train(fresh(), d, progress=False)
    ck = tmp_path / "ck.pt"
    cgan_train.train(fresh(), d, steps=4, checkpoint_path=ck, progress=False)  # "interrupted"
    resumed = cgan_train.train(load_checkpoint(ck, fresh()), d, progress=False)
    assert resumed.step == straight.step == 6
    for a, b in zip(straight.G.parameters(), resumed.G.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_time_guard_stops_each_call_and_a_rerun_goes_on(tmp_path):
    d = cgan_data.synthetic_data(32, 32)
    s = cgan_train.settings_for("quick", steps=50, time_limit_s=1e-9)  # one step per call
    seen = []
    run = cgan_train.train(
        cgan_train.build_run(s, 4, 2, 32),
        d,
        checkpoint_path=tmp_path / "ck.pt",
        callback=lambda r, secs: seen.append((r.step, secs)),
        progress=False,
    )
    assert run.step == 1
    assert run.extra["stopped_early"]
    assert seen == [(1, run.extra["train_seconds"])]  # evaluated once, at the last step
    again = cgan_train.train(
        cgan_train.build_run(s, 4, 2, 32), d, checkpoint_path=tmp_path / "ck.pt", progress=False
    )
    assert again.step == 2  # resumed from the checkpoint, then one more step
    assert again.extra["train_seconds"] > run.extra["train_seconds"]  # added up over calls


def test_cli_set_overrides_settings_and_names_bad_ones():
    assert cli.parse_overrides(["lr_d=1e-4", "loss=bce", "betas=[0.5, 0.9]"]) == {
        "lr_d": 1e-4,
        "loss": "bce",
        "betas": (0.5, 0.9),
    }
    with pytest.raises(SystemExit, match="mode_seeking"):
        cli.parse_overrides(["learning_rate=1"])


SYNTHETIC = ["--synthetic", "32", "--no-progress"]


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """The chapter-25 tests' one command-line run: 3 steps, then resumed to 6 with 6 clips
    in the sample file. Returns its folder; copy the checkpoint before changing it."""
    out = tmp_path_factory.mktemp("cli")
    cli.main([*SYNTHETIC, "--out", str(out), "--steps", "3", "--samples", "0"])
    cli.main([*SYNTHETIC, "--out", str(out), "--steps", "6", "--samples", "6"])  # resumes
    return out


def _copy(cli_run, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoint.pt").write_bytes((cli_run / "checkpoint.pt").read_bytes())
    return out


def test_cli_resume_is_exact_and_writes_samples(cli_run):
    ck = torch.load(cli_run / "checkpoint.pt", weights_only=True)
    straight = cgan_train.build_run(cgan_train.settings_for("quick", steps=6), 4, 2, 32, seed=0)
    cgan_train.train(straight, cgan_data.synthetic_data(32), progress=False)
    assert ck["step"] == straight.step == 6
    for name, model in (("generator", straight.G), ("discriminator", straight.D)):
        for k, v in model.state_dict().items():
            torch.testing.assert_close(ck[name][k], v, rtol=0, atol=0, msg=f"{name}.{k}")
    assert straight.ema is not None
    torch.testing.assert_close(
        ck["ema"]["module"], straight.ema.module.state_dict(), rtol=0, atol=0
    )
    assert len(ck["history"]["steps"]) == 6
    s = load_samples(cli_run / "samples_torch_cgan.npz")
    assert s.specs.shape == (6, 32, 32)
    assert s.audio.shape == (6, 16384)
    assert s.meta["model"] == "cgan"
    assert s.meta["step"] == 6
    assert len(s.meta["pitch"]) == 6
    assert set(s.meta["pitch"]) <= set(range(60, 64))
    assert s.meta["griffin_lim_match"] == "mel"  # the clips' vocoder, for the judge to repeat


def test_resume_with_other_settings_is_refused(cli_run, tmp_path):
    out = _copy(cli_run, tmp_path)
    common = [*SYNTHETIC, "--samples", "0", "--out", str(out)]
    with pytest.raises(FileProblem, match=r"mode_seeking: saved 0\.0, now 0\.5"):
        cli.main([*common, "--steps", "7", "--set", "mode_seeking=0.5"])
    cli.main([*common, "--steps", "7", "--time-limit", "30"])  # steps and guard may change
    assert torch.load(out / "checkpoint.pt", weights_only=True)["step"] == 7


def test_checkpoint_from_another_model_is_refused(cli_run):
    # the same settings, but data with 5 pitches: the embeddings have another shape
    run = cgan_train.build_run(cgan_train.settings_for("quick"), 5, 2, 32)
    with pytest.raises(FileProblem, match=r"size mismatch for cond\.pitch\.weight") as info:
        load_checkpoint(cli_run / "checkpoint.pt", run)
    assert "checkpoint.pt" in str(info.value)


def test_checkpoint_of_an_older_version_names_the_fix(cli_run, tmp_path):
    old = torch.load(cli_run / "checkpoint.pt", weights_only=True)
    old.update(format="gan_tutorial.torch.cgan_checkpoint/1")
    del old["version"]
    torch.save(old, tmp_path / "old.pt")
    run = cgan_train.build_run(cgan_train.settings_for("quick"), 4, 2, 32)
    with pytest.raises(FileProblem, match=r"old\.pt: was written by another version.*FRESH = True"):
        load_checkpoint(tmp_path / "old.pt", run)


def test_sample_labels_are_uniform_over_pitches():
    p, f = sample_labels(200, 25, 10, seed=0)
    assert np.bincount(p).min() == 8
    assert np.bincount(p).max() == 8
    assert np.bincount(f).tolist() == [20] * 10
    G = cgan.CondGenerator(25, 10, latent_dim=8, size=32, base=4)
    a = generate(G, p[:4], f[:4], seed=3)
    assert a.shape == (4, 32, 32)
    np.testing.assert_array_equal(a, generate(G, p[:4], f[:4], seed=3))


def _tiny_notes():
    """Sines: MIDI 60/64 x 2 families (family 1 adds an octave), one clip per pair plus
    extra training clips, so each pair's pool is known."""
    from gan_tutorial.data.builtin import NSynthLite

    t = np.arange(16384) / 16000
    rows = [(60, 0, "valid"), (64, 0, "test"), (60, 1, "test"), (64, 1, "valid")]
    rows += [(p, f, "train") for p in (60, 64, 67) for f in (0, 1) for _ in range(3)]
    hz = [440 * 2 ** ((p - 69) / 12) for p, _, _ in rows]
    audio = np.stack(
        [
            0.3 * np.sin(2 * np.pi * h * t) + 0.2 * f * np.sin(4 * np.pi * h * t)
            for h, (_, f, _) in zip(hz, rows, strict=True)
        ]
    ).astype(np.float32)
    n = len(rows)
    return NSynthLite(
        audio=audio,
        pitch=np.array([p for p, _, _ in rows]),
        family=np.array([f for _, f, _ in rows]),
        program=np.zeros(n, dtype=np.int64),
        velocity=np.full(n, 80),
        split=np.array([s for _, _, s in rows]),
        family_names=("keyboard", "mallet"),
    )


def test_same_labels_floor_uses_real_clips_with_the_requested_labels(band_evaluator):
    from gan_tutorial.evaluation import embed
    from gan_tutorial.torch.cgan.evaluation import SAME_LABELS_ROW, Judge

    notes, cfg, ev = _tiny_notes(), SpecConfig.for_size(64), band_evaluator
    train = notes.audio[notes.split == "train"]
    held = notes.audio[notes.split != "train"]
    # every note through the default vocoder once, heard (the band stand-in has no heads)
    vocoded = cgan_diag.vocoded_notes(notes, cfg, cgan_eval.N_ITER, cgan_eval.VOCODER)
    labels = (notes.pitch, notes.family, notes.pitch, notes.family, np.ones((len(notes), 1)))
    heard = cgan_diag.Heard(embed(ev, vocoded, 16000), *labels)
    ref = cgan_diag.TimbreReference(notes, heard, cgan_eval.N_ITER, cgan_eval.VOCODER)
    judge = Judge(
        ev,
        embed(ev, train, 16000),
        embed(ev, held, 16000),
        embed(ev, held, 16000),
        48,
        16000,
        notes,
        cfg,
        timbre=ref,
    )
    midi, fam = np.array([67, 60, 64, 67, 67]), ["keyboard", "mallet", "mallet", "mallet", "mallet"]
    idx = judge.same_label_clips(midi, fam, seed=3)
    np.testing.assert_array_equal(notes.pitch[idx], midi)  # every clip has its labels
    np.testing.assert_array_equal(notes.family[idx], [0, 1, 1, 1, 1])
    np.testing.assert_array_equal(judge.same_label_clips(midi, fam, seed=3), idx)  # seeded
    draws = {int(judge.same_label_clips(midi[:1], fam[:1], seed=s)[0]) for s in range(30)}
    assert len(draws) == 3  # 67/keyboard has no held-out clip: any of its 3 training clips
    chosen = {int(judge.same_label_clips([60], ["mallet"], seed=s)[0]) for s in range(30)}
    assert [notes.split[i] for i in chosen] == ["test"]  # a held-out clip where there is one
    # the row: exactly those clips, through the judge's vocoder (its reference), embedded
    assert (judge.n_iter, judge.match) == (cgan_eval.N_ITER, cgan_eval.VOCODER)  # by default
    for seed in (3, 4):
        row = judge.same_labels(midi, fam, seed=seed)
        chosen_idx = judge.same_label_clips(midi, fam, seed=seed)
        np.testing.assert_allclose(row.features, embed(ev, vocoded[chosen_idx], 16000).features)
    assert judge.timbre is ref  # the notes were vocoded once, not again per set of labels
    judge.timbre = None  # a judge without a reference vocodes the notes itself, the same way
    np.testing.assert_allclose(judge.same_labels(midi, fam, seed=4).features, row.features)
    with pytest.raises(ValueError, match="no real clip"):
        judge.same_labels(np.array([62]), ["keyboard"])
    with pytest.raises(ValueError, match="not one of"):
        judge.same_labels(np.array([60]), ["flute"])
    # compare() puts the row just before the generated one when families are given
    rows = judge.compare(
        "gen", held, np.array([60, 64, 60, 64]), ["keyboard", "keyboard", "mallet", "mallet"]
    )
    assert [r["name"] for r in rows] == [
        "real held-out",
        "held-out via Griffin-Lim",
        SAME_LABELS_ROW,
        "gen",
    ]
    assert [r["name"] for r in judge.compare("gen", held, None)][-1] == "gen"
    assert len(judge.compare("gen", held, None)) == 3


def test_evaluate_sample_file_warns_when_the_judge_used_another_vocoder(tmp_path, band_evaluator):
    import warnings

    from gan_tutorial.evaluation import embed
    from gan_tutorial.samples import save_samples
    from gan_tutorial.torch.cgan.evaluation import Judge, evaluate_sample_file

    notes, cfg, ev = _tiny_notes(), SpecConfig.for_size(64), band_evaluator
    train, held = notes.audio[notes.split == "train"], notes.audio[notes.split != "train"]
    emb = [embed(ev, a, 16000) for a in (train, held, held)]
    judge = Judge(ev, *emb, 48, 16000, notes, cfg, n_iter=2, match="pinv")
    meta = {
        "model": "cgan",
        "pitch": [60, 64, 60, 64],
        "family": ["keyboard", "keyboard", "mallet", "mallet"],
        "griffin_lim_iterations": 2,
        "spec_config": cfg.as_dict(),
    }
    specs = spectral.log_spectrogram(held, cfg)
    same = save_samples(
        tmp_path / "same", specs, held, 16000, {**meta, "griffin_lim_match": "pinv"}
    )
    other = save_samples(
        tmp_path / "other", specs, held, 16000, {**meta, "griffin_lim_match": "mel"}
    )
    with pytest.warns(UserWarning, match="not like for like"):
        evaluate_sample_file(other, judge=judge)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = evaluate_sample_file(same, judge=judge)
    assert not [w for w in caught if "like for like" in str(w.message)]
    assert rows[-1]["name"] == "cgan"


def _nan_at(k: int):
    """train_step, but with a NaN discriminator loss at step ``k`` (1-based)."""
    real_step = cgan_train.train_step

    def step(run, inputs, clock=None):
        losses = real_step(run, inputs)
        return {**losses, "d": losses["d"] * float("nan")} if run.step + 1 == k else losses

    return step


@pytest.mark.parametrize(("check_every", "checkpoint_every"), [(50, 2), (4, 50), (1, 2)])
def test_nan_at_step_k_stops_before_any_checkpoint_after_k(
    tmp_path, monkeypatch, check_every, checkpoint_every
):
    # losses stay on the device and are read every check_every steps, but always before a
    # checkpoint: the NaN of step 3 is found at step 4 at the latest, before its save
    monkeypatch.setattr(cgan_train, "train_step", _nan_at(3))
    d = cgan_data.synthetic_data(32, 32)
    run = cgan_train.build_run(cgan_train.settings_for("quick", steps=10), 4, 2, 32)
    ck = tmp_path / "ck.pt"
    with pytest.raises(TrainingDiverged, match=r"step 3: discriminator loss is NaN") as info:
        cgan_train.train(run, d, checkpoint_path=ck, checkpoint_every=checkpoint_every,
                         check_every=check_every, progress=False)  # fmt: skip
    assert run.history.steps == [1, 2]  # the good steps before the NaN, none after
    if checkpoint_every == 2:
        assert torch.load(ck, weights_only=True)["step"] == 2
        assert "ck.pt (step 2)" in str(info.value)
    else:
        assert not ck.exists()
        assert "no checkpoint was saved" in str(info.value)


def test_the_loss_cadence_changes_no_number():
    d = cgan_data.synthetic_data(32, 32)
    s = cgan_train.settings_for("quick", steps=7)
    runs = [
        cgan_train.train(cgan_train.build_run(s, 4, 2, 32), d, check_every=n, progress=False)
        for n in (1, 3)
    ]
    assert runs[0].history.state_dict() == runs[1].history.state_dict()
    assert len(runs[0].history) == 7
    for a, b in zip(runs[0].G.parameters(), runs[1].G.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_checkpoint_leaves_out_adams_first_moment_only_where_beta1_is_zero(tmp_path):
    d = cgan_data.synthetic_data(32, 32)
    sizes = {}
    for betas in ((0.0, 0.99), (0.5, 0.99)):
        s = cgan_train.settings_for("quick", steps=2, betas=betas)
        run = cgan_train.train(cgan_train.build_run(s, 4, 2, 32), d, progress=False)
        path = tt_ck.save_checkpoint(tmp_path / f"{betas[0]}.pt", run)
        saved = torch.load(path, weights_only=True)
        for name in ("opt_g", "opt_d"):
            kept = {k for st in saved[name]["state"].values() for k in st}
            assert ("exp_avg" in kept) == (betas[0] > 0), (betas, name, kept)
            assert "exp_avg_sq" in kept
        assert all("exp_avg" in st for st in run.opt_g.state.values())  # the run keeps its own
        again = load_checkpoint(path, cgan_train.build_run(s, 4, 2, 32))
        for p in again.G.parameters():
            assert again.opt_g.state[p]["exp_avg"].shape == p.shape
        sizes[betas[0]] = path.stat().st_size
    assert sizes[0.0] < sizes[0.5]
