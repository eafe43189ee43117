"""Chapter 26: chapter 25's conditional GAN on two channels (log magnitude and
instantaneous frequency) of rectangular linear-STFT spectrograms, inverted without
Griffin-Lim."""

import json
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gan_tutorial import evaluation, phase, spectral  # noqa: E402
from gan_tutorial.errors import FileProblem  # noqa: E402
from gan_tutorial.samples import load_samples  # noqa: E402
from gan_tutorial.spectral import SpecConfig  # noqa: E402
from gan_tutorial.torch.cgan import data as cgan_data  # noqa: E402
from gan_tutorial.torch.cgan import evaluation as cgan_eval  # noqa: E402
from gan_tutorial.torch.cgan import model as cgan  # noqa: E402
from gan_tutorial.torch.cgan import training as cgan_train  # noqa: E402
from gan_tutorial.torch.training import load_checkpoint  # noqa: E402

IF_CFG = SpecConfig(n_fft=512, hop=256, kind="stft", stft_bins=256)  # 256 bins x 64 frames


@pytest.mark.parametrize(
    ("size", "channels", "shape", "final_map"),
    [
        ((256, 64), 2, (256, 64), (16, 4)),  # chapter 26's IF shape
        ((128, 64), 2, (128, 64), (8, 4)),
        ((64, 128), 1, (64, 128), (4, 8)),  # time the longer side
        (32, 1, (32, 32), (4, 4)),  # chapter 25's square mel
    ],
)
def test_rectangular_and_two_channel_shapes(size, channels, shape, final_map):
    G = cgan.CondGenerator(5, 3, latent_dim=16, size=size, base=4, channels=channels)
    D = cgan.CondDiscriminator(5, 3, size=size, base=4, channels=channels)
    z, p, f = torch.randn(8, 16), torch.randint(0, 5, (8,)), torch.randint(0, 3, (8,))
    x = G(z, p, f)
    assert x.shape == (8, channels, *shape)
    assert G.shape == D.shape == shape
    assert x.abs().max() <= 1  # tanh on every channel
    assert D(x, p, f).shape == (8, 1)
    assert D.features(x).shape == (8, D.linear.in_features)
    # the last feature map before the sum over positions
    h = x
    for conv in D.convs:
        h = conv(h)
    assert h.shape[2:] == final_map


def test_both_channels_move_with_z():
    torch.manual_seed(0)
    G = cgan.CondGenerator(4, 2, latent_dim=8, size=(128, 64), base=4, channels=2)
    x = G(torch.randn(2, 8), torch.tensor([1, 1]), torch.tensor([0, 0]))
    for c in range(2):
        assert (x[0, c] - x[1, c]).abs().mean() > 1e-3


@pytest.mark.parametrize("size", [(256, 48), (96, 64), (16, 16), (64,), "64", (256, 64, 2)])
def test_a_shape_without_a_plan_is_one_clear_error(size):
    for build in (
        lambda: cgan.CondGenerator(4, 2, latent_dim=8, size=size, base=4, channels=2),
        lambda: cgan.CondDiscriminator(4, 2, size=size, base=4, channels=2),
    ):
        with pytest.raises(
            ValueError, match=r"\(F, T\) tuple of powers of two.*e\.g\. \(256, 64\)"
        ):
            build()


# chapter 25's parameters (names and shapes) before models took (F, T) and channels:
# its checkpoints must keep loading (n_pitches 3, n_families 2, latent 8, size 32, base 4)
OLD_G = {
    "cond.pitch.weight": (3, 64),
    "cond.family.weight": (2, 64),
    "fc.weight": (256, 72),
    "fc.bias": (256,),
    "blocks.0.up.weight": (16, 8, 4, 4),
    "blocks.0.up.bias": (8,),
    "blocks.0.film.weight": (16, 64),
    "blocks.0.film.bias": (16,),
    "blocks.1.up.weight": (8, 4, 4, 4),
    "blocks.1.up.bias": (4,),
    "blocks.1.film.weight": (8, 64),
    "blocks.1.film.bias": (8,),
    "out.weight": (4, 1, 4, 4),
    "out.bias": (1,),
}
OLD_D_WEIGHTS = {  # spectral norm's u and v vectors aside
    "convs.0.parametrizations.weight.original": (4, 1, 4, 4),
    "convs.1.parametrizations.weight.original": (8, 4, 4, 4),
    "convs.2.parametrizations.weight.original": (16, 8, 4, 4),
    "final.parametrizations.weight.original": (16, 17, 3, 3),
    "linear.parametrizations.weight.original": (1, 16),
    "embed_pitch.weight": (3, 16),
    "embed_family.weight": (2, 16),
}


def test_an_old_square_one_channel_state_dict_still_loads():
    G = cgan.CondGenerator(3, 2, latent_dim=8, size=32, base=4)
    assert {k: tuple(v.shape) for k, v in G.state_dict().items()} == OLD_G
    old = {k: torch.randn(shape) for k, shape in OLD_G.items()}
    G.load_state_dict(old)  # strict: same names, same shapes
    D = cgan.CondDiscriminator(3, 2, size=32, base=4)
    got = {k: tuple(v.shape) for k, v in D.state_dict().items()}
    assert {k: got[k] for k in OLD_D_WEIGHTS} == OLD_D_WEIGHTS
    assert len(got) == 22  # nothing added
    # and a one-channel generator still gives (B, 1, F, T)
    assert G(torch.randn(2, 8), torch.tensor([0, 1]), torch.tensor([0, 1])).shape == (2, 1, 32, 32)


def test_time_shift_moves_both_channels_alike():
    x = torch.arange(12.0).view(1, 2, 1, 6).repeat(2, 1, 3, 1)  # channel 1 = channel 0 + 6
    y = cgan.time_shift(x, torch.tensor([2, -1]))
    torch.testing.assert_close(y[:, 1], y[:, 0] + 6)
    assert y[0, 0, 0].tolist() == [0, 0, 0, 1, 2, 3]
    assert y[1, 1, 2].tolist() == [7, 8, 9, 10, 11, 11]


def _sine_notes():
    """Two pitches x two families of sines (family 1 adds an octave), 3 clips each."""
    from gan_tutorial.data.builtin import NSynthLite

    t = np.arange(16384) / 16000
    rows = [(p, f) for p in (60, 67) for f in (0, 1) for _ in range(3)]
    hz = [440 * 2 ** ((p - 69) / 12) for p, _ in rows]
    audio = np.stack(
        [
            0.3 * np.sin(2 * np.pi * h * t) + 0.2 * f * np.sin(4 * np.pi * h * t)
            for h, (_, f) in zip(hz, rows, strict=True)
        ]
    ).astype(np.float32)
    n = len(rows)
    return NSynthLite(
        audio=audio,
        pitch=np.array([p for p, _ in rows]),
        family=np.array([f for _, f in rows]),
        program=np.zeros(n, dtype=np.int64),
        velocity=np.full(n, 80),
        split=np.array(["train"] * n),
        family_names=("keyboard", "mallet"),
    )


@pytest.fixture(scope="module")
def if_data():
    return cgan_data.prepare_if_data(_sine_notes(), IF_CFG)


def test_prepare_if_data_has_two_channels_and_the_mel_datas_labels(if_data):
    notes = _sine_notes()
    mel = cgan_data.prepare_data(notes, SpecConfig.for_size(64))
    assert if_data.x.shape == (12, 2, 256, 64)
    assert (if_data.channels, if_data.shape, if_data.representation) == (2, (256, 64), "if")
    assert float(if_data.x.abs().max()) <= 1
    x, _ = phase.if_arrays(notes.audio, IF_CFG)
    np.testing.assert_array_equal(if_data.x.numpy(), x)
    for k in ("pitch", "family"):
        torch.testing.assert_close(getattr(if_data, k), getattr(mel, k))
    assert (if_data.pitches, if_data.family_names) == (mel.pitches, mel.family_names)
    assert if_data.describe()["representation"] == "if"
    assert mel.describe()["representation"] == "mel"
    with pytest.raises(ValueError, match=r"x must be \(N, 2, F, T\)"):
        cgan_data.CGANData(mel.x, mel.pitch, mel.family, mel.pitches, mel.family_names,
                           mel.normalizer, mel.spec_config, representation="if")  # fmt: skip


def test_if_training_steps_stay_finite(if_data):
    s = cgan_train.settings_for("quick", steps=2, batch_size=8, mode_seeking=0.5, time_limit_s=0)
    run = cgan_train.train(cgan_train.run_for(s, if_data, seed=0), if_data, progress=False)
    assert run.step == 2
    assert np.isfinite(run.history.losses["d"]).all()
    assert np.isfinite(run.history.losses["g"]).all()
    assert all(torch.isfinite(p).all() for p in run.G.parameters())
    inputs = cgan_train.batch_inputs(if_data, s, run.seed, run.step)
    assert inputs["real"].shape == (8, 2, 256, 64)
    with torch.no_grad():
        fake = run.sampler(inputs["z"], inputs["fake_pitch"], inputs["fake_family"])
    assert fake.shape == (8, 2, 256, 64)
    assert run.config()["shape"] == [256, 64]
    assert (run.config()["channels"], run.config()["representation"]) == (2, "if")


def test_a_run_refuses_data_of_another_kind(if_data):
    s = cgan_train.settings_for("quick", steps=1, batch_size=8)
    mel_run = cgan_train.build_run(s, 2, 2, 64)
    with pytest.raises(ValueError, match=r"built for 1-channel 64 x 64 'mel'.*2-channel 256 x 64"):
        cgan_train.train(mel_run, if_data, progress=False)
    with pytest.raises(ValueError, match="do not fit"):
        cgan_train.build_run(s, 2, 2, (256, 64), channels=2, representation="mel")


def test_a_mel_checkpoint_is_refused_for_an_if_run(tmp_path):
    s = cgan_train.settings_for("quick", steps=1, batch_size=8)
    mel = cgan_data.synthetic_data(16, 64)
    ck = tmp_path / "ck.pt"
    cgan_train.train(cgan_train.run_for(s, mel), mel, checkpoint_path=ck, progress=False)
    ifd = cgan_data.synthetic_data(16, (128, 64), representation="if")
    with pytest.raises(FileProblem, match=r"ck\.pt.*channels: saved 1, now 2.*representation"):
        load_checkpoint(ck, cgan_train.run_for(s, ifd))
    # another shape of the same representation, by name too
    with pytest.raises(FileProblem, match=r"shape: saved \[64, 64\], now \[32, 32\]"):
        load_checkpoint(ck, cgan_train.run_for(s, cgan_data.synthetic_data(16, 32)))
    # a checkpoint from before these entries: its weights do not fit, the same clear error
    old = torch.load(ck, weights_only=True)
    old["config_json"] = old["config_json"].split(', "channels"')[0] + "}"
    torch.save(old, tmp_path / "old.pt")
    with pytest.raises(FileProblem, match=r"old\.pt: does not match these models"):
        load_checkpoint(tmp_path / "old.pt", cgan_train.run_for(s, ifd))
    load_checkpoint(tmp_path / "old.pt", cgan_train.run_for(s, mel))  # its own kind resumes


def test_if_settings_change_only_what_chapter_26_names():
    for profile in ("quick", "laptop", "gpu"):
        mel, ifs = cgan_train.settings_for(profile), cgan_train.settings_for(profile, "if")
        changed = {k for k, v in ifs.as_dict().items() if v != mel.as_dict()[k]}
        assert ifs.velocity_weight == 0 < mel.velocity_weight  # no velocity head anywhere
        if profile == "laptop":  # half the batch at four times the rates, for the clock
            assert changed == {"velocity_weight", "batch_size", "lr_g", "lr_d"}
            assert ifs.batch_size * 2 == mel.batch_size
            assert (ifs.lr_g, ifs.lr_d) == pytest.approx((4 * mel.lr_g, 4 * mel.lr_d))
        else:
            assert changed == {"velocity_weight"}
    assert cgan_train.settings_for("laptop", "if", batch_size=4).batch_size == 4  # overrides win
    with pytest.raises(ValueError, match="'mel' or 'if'"):
        cgan_train.settings_for("laptop", "stft")


def test_cli_trains_the_if_model_and_keeps_its_checkpoint_from_the_mel_model(tmp_path):
    from gan_tutorial.torch.cgan import __main__ as cli

    common = ["--synthetic", "16", "--no-progress", "--out", str(tmp_path)]
    cli.main([*common, "--representation", "if", "--steps", "2", "--samples", "4"])
    s = load_samples(tmp_path / "samples_torch_ifgan.npz")
    assert (s.meta["model"], s.meta["representation"]) == ("ifgan", "if")
    assert s.meta["vocoder"] == cgan_eval.IF_VOCODER
    assert s.meta["step"] == 2
    assert s.audio.shape == (4, spectral.N_SAMPLES)
    ck = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    trained = json.loads(ck["extra_json"])["train_seconds"]
    assert s.meta["train_seconds"] == round(trained, 3) > 0  # for equal-time comparisons
    assert '"representation": "if"' in ck["config_json"]
    with pytest.raises(FileProblem, match=r"checkpoint\.pt.*representation"):
        cli.main([*common, "--steps", "3", "--samples", "0"])  # the mel model, same folder
    cli.main([*common, "--representation", "if", "--steps", "3", "--samples", "0"])  # resumes
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == 3


def test_generate_shapes_for_one_and_two_channels():
    p, f = np.array([0, 1, 2]), np.array([0, 1, 0])
    one = cgan.CondGenerator(3, 2, latent_dim=8, size=(64, 32), base=4)
    two = cgan.CondGenerator(3, 2, latent_dim=8, size=(64, 32), base=4, channels=2)
    assert cgan_eval.generate(one, p, f).shape == (3, 64, 32)
    assert cgan_eval.generate(two, p, f, batch=2).shape == (3, 2, 64, 32)
    assert (cgan_eval.representation(one), cgan_eval.representation(two)) == ("mel", "if")


def test_if_samples_are_the_inverse_stft_without_griffin_lim(tmp_path, monkeypatch, if_data):
    def no_griffin_lim(*args, **kwargs):
        raise AssertionError("an IF model's clips must not go through Griffin-Lim")

    monkeypatch.setattr(cgan_eval, "griffin_lim", no_griffin_lim)
    monkeypatch.setattr(spectral, "griffin_lim", no_griffin_lim)
    torch.manual_seed(0)
    G = cgan.CondGenerator(2, 2, latent_dim=8, size=(256, 64), base=4, channels=2)
    norm, cfg = if_data.normalizer, if_data.spec_config
    path = cgan_eval.save_cgan_samples(
        tmp_path / "samples_torch_ifgan", G, norm, cfg, if_data.pitches, if_data.family_names,
        n=5, seed=3, meta={"profile": "quick"},
    )  # fmt: skip
    s = load_samples(path)
    assert s.audio.shape == (5, cfg.n_samples)
    assert s.specs.shape == (5, 256, 64)
    m = s.meta
    assert (m["model"], m["representation"], m["vocoder"]) == ("ifgan", "if", cgan_eval.IF_VOCODER)
    assert m["vocoder"] == "inverse STFT from magnitude and instantaneous frequency"
    assert not [k for k in m if k.startswith("griffin_lim")]
    assert m["spec_config"] == cfg.as_dict()
    assert set(m["pitch"]) <= set(if_data.pitches)
    # exactly the generator's two channels through the inverse STFT; specs: its log magnitude
    pitch, family = cgan_eval.sample_labels(5, 2, 2, seed=3)
    x = cgan_eval.generate(G, pitch, family, seed=4)
    audio = phase.arrays_to_audio(x, norm, cfg)
    audio = audio / np.maximum(1.0, np.abs(audio).max(axis=1, keepdims=True))  # save's rescale
    np.testing.assert_allclose(s.audio, audio, atol=1e-6)
    np.testing.assert_allclose(s.specs, norm.inverse(x[:, 0]), atol=1e-5)
    np.testing.assert_array_equal(evaluation.sample_audio(s), s.audio)  # notebook 24's reader


def test_an_if_sample_file_is_judged_without_a_vocoder_warning(tmp_path, if_data, band_evaluator):
    from gan_tutorial.evaluation import embed
    from gan_tutorial.torch.cgan.evaluation import Judge, evaluate_sample_file

    notes, ev = _sine_notes(), band_evaluator
    emb = [embed(ev, notes.audio, 16000) for _ in range(3)]
    judge = Judge(ev, *emb, 48, 16000, None, SpecConfig.for_size(64), n_iter=2, match="pinv")
    G = cgan.CondGenerator(2, 2, latent_dim=8, size=(256, 64), base=4, channels=2)
    path = cgan_eval.save_cgan_samples(
        tmp_path / "s", G, if_data.normalizer, IF_CFG, if_data.pitches, if_data.family_names, n=6
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the judge's Griffin-Lim is not the clips' vocoder
        rows = evaluate_sample_file(path, judge=judge)
    assert rows[-1]["name"] == "ifgan"
    assert rows[-1]["n"] == 6
