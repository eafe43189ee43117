"""Headless tests for gan_tutorial.widgets: drive the widgets from code, as a notebook would."""

from __future__ import annotations

import csv
import io
import wave

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from gan_tutorial import metrics as M
from gan_tutorial import widgets as GW

SR = 8000


def sine(freq: float, n: int = 800) -> np.ndarray:
    return 0.3 * np.sin(2 * np.pi * freq * np.arange(n) / SR)


def read_csv(path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- wav bytes


def test_wav_bytes_round_trip() -> None:
    clip = sine(440.0)
    data = GW.wav_bytes(clip, SR)
    with wave.open(io.BytesIO(data)) as wf:
        assert (wf.getnchannels(), wf.getsampwidth(), wf.getframerate()) == (1, 2, SR)
        pcm = np.frombuffer(wf.readframes(wf.getnframes()), dtype="<i2")
    np.testing.assert_allclose(pcm / 32768, clip, atol=1 / 32768)
    loud = GW.wav_bytes(clip, SR, normalize=True)
    with wave.open(io.BytesIO(loud)) as wf:
        peak = np.abs(np.frombuffer(wf.readframes(wf.getnframes()), dtype="<i2")).max()
    assert abs(peak / 32768 - 0.9) < 1e-3
    with pytest.raises(ValueError, match="NaN"):
        GW.wav_bytes(np.array([0.0, np.nan]), SR)


# --------------------------------------------------------------------------- listening test


def make_test(tmp_path, rater: str, seed: int = 0, name: str = "ratings.csv") -> GW.ListeningTest:
    # clip i has frequency 200 * (i + 1); the even clips are "real"
    clips = [sine(200.0 * (i + 1)) for i in range(6)]
    sources = ["real" if i % 2 == 0 else "generated" for i in range(6)]
    return GW.ListeningTest(clips, sources, SR, tmp_path / name, rater_id=rater, seed=seed)


def test_listening_test_is_blinded_and_shuffled(tmp_path) -> None:
    lt = make_test(tmp_path, "ann", seed=3)
    assert sorted(lt.order) == list(range(6))
    assert lt.order != list(range(6))
    assert lt.index == 0
    # the player holds the clip at order[0], and nothing shown names the source
    assert lt.player.value == GW.wav_bytes(sine(200.0 * (lt.order[0] + 1)), SR, normalize=True)
    shown = " ".join(str(getattr(w, "value", "")) for w in (lt.progress, lt.message))
    assert "real" not in shown.split()
    assert "generated" not in shown
    assert lt.widget.children
    assert not (tmp_path / "ratings.csv").exists()


def test_listening_test_writes_one_row_per_clip_with_true_sources(tmp_path) -> None:
    lt = make_test(tmp_path, "ann", seed=1)
    truth = {str(i): ("real" if i % 2 == 0 else "generated") for i in range(6)}
    for k in range(6):
        clip = lt.order[k]
        # rate real clips high and guess right; generated low and guess wrong on clip 1
        if truth[str(clip)] == "real":
            lt.rate(5, 4, 5, "real")
        else:
            lt.rate(2, 3, 1, "real" if clip == 1 else "generated")
        assert lt.index == k + 1
    assert lt.done
    assert "Done" in lt.message.value
    assert lt.submit_button.disabled
    with pytest.raises(ValueError, match="already been rated"):
        lt.rate(3, 3, 3, "real")
    rows = read_csv(tmp_path / "ratings.csv")
    assert len(rows) == 6
    assert list(rows[0]) == list(M.RATING_COLUMNS)
    assert [r["clip_id"] for r in rows] == [str(i) for i in lt.order]  # presentation order
    for r in rows:
        assert r["source"] == truth[r["clip_id"]]
        assert r["rater_id"] == "ann"
        assert r["realism"] == ("5" if r["source"] == "real" else "2")

    # a second rater, with another order, appends to the same file without losing rows
    lt2 = make_test(tmp_path, "bob", seed=2)
    assert lt2.order != lt.order
    for _ in range(6):
        lt2.rate(3, 3, 3, "generated")
    rows2 = read_csv(tmp_path / "ratings.csv")
    assert len(rows2) == 12
    assert rows2[:6] == rows
    assert (tmp_path / "ratings.csv").read_text().count("rater_id") == 1

    s = M.summarise_ratings(M.load_ratings([tmp_path / "ratings.csv"]))
    assert s["realism"]["real"]["mean"] == pytest.approx((3 * 5 + 3 * 3) / 6)
    assert s["realism"]["generated"]["mean"] == pytest.approx((3 * 2 + 3 * 3) / 6)
    assert s["clarity"]["real"]["n"] == 6
    # ann: 3 real right + 2 of 3 generated right; bob: 3 generated right
    assert s["identification_accuracy"] == pytest.approx((5 + 3) / 12)
    assert s["n_raters"] == 2


def test_listening_test_separate_files_merge(tmp_path) -> None:
    for rater in ("a", "b"):
        lt = make_test(tmp_path, rater, name=f"{rater}.csv")
        while not lt.done:
            lt.rate(4, 4, 4, "real")
    rows = M.load_ratings([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert len(rows) == 12
    assert {r["rater_id"] for r in rows} == {"a", "b"}
    assert np.isnan(M.rater_agreement(rows))  # every rating 4: no variation, alpha undefined


def test_listening_test_submit_needs_a_guess_and_resets(tmp_path) -> None:
    lt = make_test(tmp_path, "ann")
    with pytest.raises(ValueError, match="real' or 'generated"):
        lt.submit()
    lt._on_click(lt.submit_button)  # the button shows the problem instead of raising
    assert "real" in lt.message.value
    assert lt.index == 0
    lt.sliders["realism"].value = 1
    lt.guess.value = "generated"
    lt.submit()
    assert lt.index == 1
    assert lt.guess.value is None
    assert lt.sliders["realism"].value == 3
    assert read_csv(tmp_path / "ratings.csv")[0]["realism"] == "1"
    with pytest.raises(ValueError, match="1 to 5"):
        lt.rate(0, 3, 3, "real")


def test_listening_test_validation(tmp_path) -> None:
    with pytest.raises(ValueError, match="one source per clip"):
        GW.ListeningTest([sine(200)], ["real", "real"], SR, tmp_path / "x.csv", "a")
    with pytest.raises(ValueError, match="'real' or 'generated'"):
        GW.ListeningTest([sine(200)], ["fake"], SR, tmp_path / "x.csv", "a")
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"other\.csv"):
        GW.ListeningTest([sine(200)], ["real"], SR, other, "a")


# --------------------------------------------------------------------------- latent explorer


def test_slerp_endpoints_and_norm() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(64), rng.standard_normal(64)
    np.testing.assert_allclose(GW.slerp(a, b, 0.0), a, atol=1e-12)
    np.testing.assert_allclose(GW.slerp(a, b, 1.0), b, atol=1e-12)
    # equal norms stay on the sphere all the way; a linear mix dips inside it
    b = b * np.linalg.norm(a) / np.linalg.norm(b)
    for t in np.linspace(0, 1, 11):
        assert np.linalg.norm(GW.slerp(a, b, t)) == pytest.approx(np.linalg.norm(a))
    assert np.linalg.norm(0.5 * (a + b)) < 0.9 * np.linalg.norm(a)
    # orthogonal unit vectors: the midpoint is at 45 degrees to both
    e0, e1 = np.eye(2)
    np.testing.assert_allclose(GW.slerp(e0, e1, 0.5), [2**-0.5, 2**-0.5])
    np.testing.assert_allclose(GW.slerp(e0, 2 * e0, 0.5), 1.5 * e0)  # parallel: linear


class FakeGenerator:
    """Maps z to a (1, 8, 16) 'spectrogram' that depends on z; records every call."""

    def __init__(self) -> None:
        self.calls: list[np.ndarray] = []

    def __call__(self, z: np.ndarray) -> np.ndarray:
        self.calls.append(z.copy())
        return np.outer(np.arange(8), np.ones(16))[None] * float(z[0, 0])


def test_latent_explorer_slider_moves_along_its_direction() -> None:
    gen = FakeGenerator()
    audio_calls = []

    def to_audio(spec: np.ndarray) -> np.ndarray:
        audio_calls.append(spec)
        return np.sin(np.arange(400) * 0.1) * (spec.mean() + 1e-3)

    ex = GW.LatentExplorer(gen, latent_dim=16, to_audio=to_audio, sr=SR, n_directions=3)
    assert len(gen.calls) == 1
    assert gen.calls[0].shape == (1, 16)
    # directions are orthonormal
    np.testing.assert_allclose(ex.directions @ ex.directions.T, np.eye(3), atol=1e-12)
    z0 = ex.current_z()
    assert z0.dtype == np.float32
    np.testing.assert_allclose(z0, ex.seed_latent(ex.seed_a.value), rtol=1e-6)  # t = 0
    ex.direction_sliders[1].value = 2.0  # observing the slider triggers update()
    dz = ex.current_z() - z0
    np.testing.assert_allclose(dz, 2.0 * ex.directions[1], atol=1e-5)
    np.testing.assert_allclose(gen.calls[-1][0], ex.current_z())
    assert len(gen.calls) == 2
    assert len(audio_calls) == 2
    assert ex.last_spectrogram.shape == (8, 16)
    assert ex.player.value[:4] == b"RIFF"
    ax = ex.last_figure.axes[0]
    assert ax.get_xlabel() == "time (s)"
    assert ax.get_ylabel() == "mel bin"


def test_latent_explorer_interpolates_between_seeds() -> None:
    ex = GW.LatentExplorer(FakeGenerator(), latent_dim=8, to_audio=None, n_directions=2, seed=5)
    za, zb = ex.seed_latent(5), ex.seed_latent(6)
    ex.t_slider.value = 1.0
    np.testing.assert_allclose(ex.current_z(), zb, rtol=1e-5)
    ex.t_slider.value = 0.3
    np.testing.assert_allclose(ex.current_z(), GW.slerp(za, zb, 0.3), rtol=1e-5)
    ex.seed_b.value = 42
    np.testing.assert_allclose(ex.current_z(), GW.slerp(za, ex.seed_latent(42), 0.3), rtol=1e-5)


def test_latent_explorer_custom_plot_and_bad_output() -> None:
    seen = []
    GW.LatentExplorer(FakeGenerator(), 4, plot_fn=lambda spec, ax: seen.append(spec.shape))
    assert seen == [(8, 16)]
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        GW.LatentExplorer(lambda z: np.zeros((2, 3, 4)), 4)
    with pytest.raises(ValueError, match="n_directions"):
        GW.LatentExplorer(FakeGenerator(), 4, n_directions=5)


# --------------------------------------------------------------------------- trick toggler


def test_trick_toggler_passes_widget_values_to_train_fn() -> None:
    calls = []

    def train_fn(opts: dict) -> float:
        calls.append(dict(opts))
        return 0.5 if opts["spectral_norm"] else 1.5

    shown = []
    tt = GW.TrickToggler(
        train_fn,
        {"spectral_norm": False, "loss": ["hinge", "wasserstein", "bce"], "label_smoothing": True},
        show_fn=shown.append,
    )
    assert tt.options() == {"spectral_norm": False, "loss": "hinge", "label_smoothing": True}
    tt.controls["spectral_norm"].value = True
    tt.controls["loss"].value = "bce"
    result = tt.run()
    assert calls == [{"spectral_norm": True, "loss": "bce", "label_smoothing": True}]
    assert result == 0.5
    assert tt.last_result == 0.5
    assert shown == [0.5]
    tt.controls["spectral_norm"].value = False
    tt._on_click(tt.button)  # the button does the same
    assert calls[-1]["spectral_norm"] is False
    assert tt.last_result == 1.5
    assert not tt.button.disabled


def test_trick_toggler_errors() -> None:
    with pytest.raises(ValueError, match="non-empty list"):
        GW.TrickToggler(lambda o: None, {"lr": 0.1})

    def boom(opts):
        raise RuntimeError("diverged")

    tt = GW.TrickToggler(boom, {"ema": True})
    tt._on_click(tt.button)  # shown, not raised
    assert "diverged" in tt.status.value
    assert not tt.button.disabled
