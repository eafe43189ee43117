"""PyTorch training plumbing (and the framework-free helpers in gan_tutorial.training)."""

from __future__ import annotations

import copy
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402

from gan_tutorial.errors import FileProblem, TrainingDiverged  # noqa: E402
from gan_tutorial.torch import checkpoint as ck  # noqa: E402
from gan_tutorial.torch import training as tt  # noqa: E402
from gan_tutorial.torch.data import SpectrogramDataset, batches  # noqa: E402
from gan_tutorial.torch.models import Discriminator, Generator  # noqa: E402
from gan_tutorial.training import (  # noqa: E402
    LivePlot,
    LossHistory,
    check_finite,
    every,
)

SIZE, LATENT = 16, 8


def make_state(seed: int = 0, init_seed: int = 123) -> tt.GANState:
    torch.manual_seed(init_seed)
    G = Generator(LATENT, size=SIZE, base_channels=8)
    D = Discriminator(size=SIZE, base_channels=8)
    return tt.new_state(G, D, seed=seed)


@pytest.fixture
def data() -> np.ndarray:
    return np.random.default_rng(0).uniform(-1, 1, (24, SIZE, SIZE)).astype(np.float32)


def _d_loss(D, real, fake) -> float:
    with torch.no_grad():
        r, f = D(real), D(fake)
        return float(
            F.binary_cross_entropy_with_logits(r, torch.ones_like(r))
            + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))
        )


def test_one_step_lowers_discriminator_loss(data: np.ndarray) -> None:
    s = make_state()
    real = torch.from_numpy(data[:8, None])
    z = s.noise(8)
    fake = s.G(z).detach()  # the fakes the step will use (G is updated only after D)
    before = _d_loss(s.D, real, fake)
    losses = tt.train_step(s.G, s.D, s.opt_g, s.opt_d, real, z)
    assert math.isclose(losses["d"], before, rel_tol=1e-5)
    assert _d_loss(s.D, real, fake) < before


def test_step_computes_the_fakes_once_and_scores_them_with_the_updated_d(data) -> None:
    s = make_state()
    real = torch.from_numpy(data[:8, None])
    z = s.noise(8)
    g_before = copy.deepcopy(s.G)
    calls: list[int] = []

    def counting_G(zz):
        calls.append(len(zz))
        return s.G(zz)

    losses = tt.train_step(counting_G, s.D, s.opt_g, s.opt_d, real, z)
    assert calls == [8]  # one generator forward pass per step
    with torch.no_grad():
        fake = g_before(z)  # the fakes of the step: G before its update
        d_after = s.D(fake)
        g_expected = F.binary_cross_entropy_with_logits(d_after, torch.ones_like(d_after))
    assert math.isclose(losses["g"], float(g_expected), rel_tol=1e-5)


def test_step_label_targets_and_ema(data: np.ndarray) -> None:
    from gan_tutorial.torch.tricks import EMA

    s = make_state()
    real = torch.from_numpy(data[:8, None])
    z = s.noise(8)
    with torch.no_grad():
        r, f = s.D(real), s.D(s.G(z))
        expected = F.binary_cross_entropy_with_logits(r, torch.full_like(r, 0.9))
        expected = expected + F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))
    ema = EMA(s.G, decay=0.5)
    w0 = next(ema.module.parameters()).clone()
    losses = tt.train_step(s.G, s.D, s.opt_g, s.opt_d, real, z, targets=(0.9, 0.0), ema=ema)
    assert math.isclose(losses["d"], float(expected), rel_tol=1e-5)
    assert ema.num_updates == 1
    w_new = next(s.G.parameters()).detach()
    torch.testing.assert_close(next(ema.module.parameters()), 0.5 * w0 + 0.5 * w_new)


def test_notebooks_show_this_step_and_write_no_other() -> None:
    root = Path(__file__).resolve().parents[1] / "notebooks"
    for name in ("22b_audio_gan_pytorch.ipynb", "23_stability_tricks.ipynb"):
        cells = json.loads((root / name).read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        shown = ("getsource(ttraining.train_step)", "show_code(ttraining.train_step)")
        assert any(show in code for show in shown), f"{name} does not display the library's step"
        for own_step in ("def train_step", "def make_step", "def make_train_step"):
            assert own_step not in code, f"{name} writes its own training step ({own_step})"


def _assert_same(a: tt.GANState, b: tt.GANState) -> None:
    for m1, m2 in ((a.G, b.G), (a.D, b.D)):
        for (k, v1), v2 in zip(m1.state_dict().items(), m2.state_dict().values(), strict=True):
            torch.testing.assert_close(v1, v2, rtol=0, atol=1e-6, msg=k)
    assert a.step == b.step
    np.testing.assert_allclose(a.history.as_arrays()["d"], b.history.as_arrays()["d"], atol=1e-6)


def test_resume_equals_straight_run(tmp_path, data: np.ndarray) -> None:
    straight = tt.fit(make_state(), data, 6, batch_size=4, progress=False)
    ckpt = tmp_path / "gan.pt"
    tt.fit(make_state(), data, 3, batch_size=4, progress=False, checkpoint_path=ckpt)
    # fresh models with other initial weights and seeds: everything must come from the file
    resumed = make_state(seed=7, init_seed=999)
    torch.manual_seed(4321)
    tt.fit(resumed, data, 6, batch_size=4, progress=False, checkpoint_path=ckpt)
    _assert_same(straight, resumed)
    assert resumed.seed == 0


def test_checkpoint_is_weights_only_and_atomic(tmp_path, data: np.ndarray) -> None:
    s = tt.fit(make_state(), data, 2, batch_size=4, progress=False)
    path = tt.save_checkpoint(tmp_path / "ck" / "gan.pt", s)
    raw = torch.load(path, weights_only=True)
    assert raw["step"] == 2
    assert (raw["format"], raw["version"]) == (ck.FORMAT, ck.VERSION)
    assert set(raw["rng"]) == {"torch", "data", "noise", "numpy"}
    assert os.listdir(path.parent) == ["gan.pt"]  # no temporary files left behind
    restored = tt.load_checkpoint(path, make_state(init_seed=5))
    _assert_same(s, restored)


def test_crash_while_saving_keeps_previous_checkpoint(tmp_path, data, monkeypatch) -> None:
    s = tt.fit(make_state(), data, 2, batch_size=4, progress=False)
    path = tt.save_checkpoint(tmp_path / "gan.pt", s)
    before = path.read_bytes()
    tt.fit(s, data, 3, batch_size=4, progress=False)

    def crash(obj, f, *args, **kwargs):
        f.write(b"half a checkpoint")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(OSError, match="simulated"):
        tt.save_checkpoint(path, s)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["gan.pt"]
    assert tt.load_checkpoint(path, make_state()).step == 2


def test_bad_checkpoint_names_the_file(tmp_path) -> None:
    bad = tmp_path / "garbage.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(FileProblem, match=r"garbage\.pt"):
        tt.load_checkpoint(bad, make_state())
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(FileProblem, match=r"not a gan_tutorial\.torch\.checkpoint checkpoint"):
        tt.load_checkpoint(other, make_state())
    old = tmp_path / "old.pt"  # the format before version 2
    torch.save({"format": "gan_tutorial.torch.gan_checkpoint/1", "step": 3}, old)
    with pytest.raises(FileProblem, match=r"old\.pt: was written by another version") as info:
        tt.load_checkpoint(old, make_state())
    assert "Fix: delete it and train again" in str(info.value)
    big = make_state()
    big.G = Generator(LATENT, size=32, base_channels=8)
    path = tt.save_checkpoint(tmp_path / "big.pt", big)
    with pytest.raises(FileProblem, match="does not match"):
        tt.load_checkpoint(path, make_state())


def test_nan_stops_training_with_a_clear_message(tmp_path, data: np.ndarray) -> None:
    with pytest.raises(TrainingDiverged, match=r"step 1: discriminator loss is NaN"):
        tt.fit(make_state(), np.full_like(data, np.nan), 3, batch_size=4, progress=False)

    ckpt = tmp_path / "gan.pt"
    s = tt.fit(make_state(), data, 2, batch_size=4, progress=False, checkpoint_path=ckpt)

    def step_fn(state, batch):
        losses = tt.train_step(state.G, state.D, state.opt_g, state.opt_d, batch, state.noise(4))
        return {**losses, "g": float("nan")} if state.step + 1 == 3 else losses

    with pytest.raises(TrainingDiverged) as info:
        tt.fit(
            s,
            data,
            5,
            batch_size=4,
            progress=False,
            checkpoint_path=ckpt,
            checkpoint_every=1,
            step_fn=step_fn,
        )
    msg = str(info.value)
    assert "step 3" in msg
    assert "generator loss is NaN" in msg
    assert "gan.pt (step 2)" in msg
    assert torch.load(ckpt, weights_only=True)["step"] == 2  # nothing overwritten


def _no_work(state, batch) -> dict[str, float]:
    return {"d": 0.0, "g": 0.0}


def test_time_guard_counts_training_only_and_a_rerun_goes_on(tmp_path, data) -> None:
    naps: list[int] = []

    def slow_sampling(state) -> None:  # 20 x 50 ms of sampling, next to no training
        time.sleep(0.05)
        naps.append(state.step)

    s = tt.fit(make_state(), data, 20, batch_size=4, step_fn=_no_work, max_seconds=0.5,
               progress=False, sample_every=1, on_sample=slow_sampling)  # fmt: skip
    assert s.step == 20  # sampling's second does not count against the guard
    assert len(naps) == 20
    assert not s.extra["stopped_early"]
    ckpt = tmp_path / "gan.pt"
    kw = {"batch_size": 4, "max_seconds": 1e-9, "checkpoint_path": ckpt, "progress": False}
    s = tt.fit(make_state(), data, 20, **kw)
    assert (s.step, s.extra["stopped_early"]) == (1, True)  # stopped after one step, saved
    first = s.extra["train_seconds"]
    s = tt.fit(make_state(), data, 20, **kw)
    assert s.step == 2  # a guard-stopped run goes on when the call runs again
    assert s.extra["train_seconds"] > first  # the seconds add up over the calls
    assert torch.load(ckpt, weights_only=True)["step"] == 2


def test_ema_is_part_of_the_state_and_its_checkpoint(tmp_path, data) -> None:
    from gan_tutorial.torch.tricks import EMA

    s = make_state()
    tt.fit(s, data, 2, batch_size=4, ema=EMA(s.G, 0.9), progress=False)
    assert s.ema is not None
    assert s.ema.num_updates == 2
    assert s.sampler is s.ema.module
    path = tt.save_checkpoint(tmp_path / "gan.pt", s)
    again = make_state()
    again.ema = EMA(again.G, 0.9)
    tt.load_checkpoint(path, again)
    assert again.ema is not None
    assert again.ema.num_updates == 2
    for a, b in zip(again.ema.module.parameters(), s.ema.module.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    with pytest.raises(FileProblem, match="has EMA of the generator, unlike this run"):
        tt.load_checkpoint(path, make_state())


def test_fit_callbacks_and_fixed_noise(data: np.ndarray) -> None:
    calls: list[int] = []
    s = make_state()
    z1 = s.fixed_noise(4)
    tt.fit(
        s,
        data,
        6,
        batch_size=4,
        progress=False,
        sample_every=2,
        on_sample=lambda st: calls.append(st.step) or st.G.eval(),
    )
    assert calls == [2, 4, 6]
    assert s.G.training
    assert torch.equal(z1, s.fixed_noise(4))


def test_batches_are_reproducible(data: np.ndarray) -> None:
    ds = SpectrogramDataset(data, labels=np.arange(len(data)))
    x, y = ds[3]
    assert x.shape == (1, SIZE, SIZE)
    assert x.dtype == torch.float32
    assert int(y) == 3
    a = batches(data, 5, torch.Generator().manual_seed(1))
    b = batches(data, 5, torch.Generator().manual_seed(1))
    for _ in range(3):
        xa, xb = next(a), next(b)
        assert xa.shape == (5, 1, SIZE, SIZE)
        assert torch.equal(xa, xb)
    with pytest.raises(ValueError, match="batch_size"):
        next(batches(data, 100, torch.Generator()))


# --------------------------------------------------------------- framework-free helpers
def test_check_finite() -> None:
    assert check_finite(5, d=torch.tensor(0.5), g=np.float32(1.0)) == {"d": 0.5, "g": 1.0}
    with pytest.raises(TrainingDiverged, match=r"step 123: discriminator loss is NaN .*ckpt.pt"):
        check_finite(123, checkpoint="ckpt.pt", d=float("nan"), g=1.0)
    with pytest.raises(TrainingDiverged, match=r"generator loss is inf.*no checkpoint"):
        check_finite(7, d=1.0, g=float("inf"))


def test_loss_history_and_cadence() -> None:
    h = LossHistory()
    for step in range(1, 11):
        h.append(step, d=float(step), **({"g": 1.0} if step > 2 else {}))
    arrays = h.as_arrays()
    assert arrays["step"].tolist() == list(range(1, 11))
    assert np.isnan(arrays["g"][:2]).all()
    assert arrays["g"][2] == 1.0
    assert h.smoothed(3)["d"].tolist() == [1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    copy = LossHistory()
    copy.load_state_dict(h.state_dict())
    copy.truncate(4)
    assert len(copy) == 4
    assert copy.last()["d"] == 4.0
    assert [s for s in range(1, 11) if every(s, 4)] == [4, 8]
    assert not every(3, 0)


def test_live_plot_is_silent_outside_notebooks() -> None:
    h = LossHistory()
    h.append(1, d=1.0, g=2.0)
    silent = LivePlot()
    silent.update(h)  # not in IPython: does nothing, raises nothing
    assert not silent.enabled
    assert silent.figure is None  # no figure was drawn
    plot = LivePlot(force=True)
    plot.update(h)
    ax = plot.figure.axes[0]
    assert ax.get_xlabel() == "step"
    assert ax.get_ylabel() == "loss"
