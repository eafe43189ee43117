"""Chapter 25's timbre diagnostics (gan_tutorial.torch.cgan.diagnostics) and targets on
constructed cases: real against real scores about 1, a collapsed set and a copied training
set fail their targets, the blend of two family embeddings ends at each family."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_tutorial.data.builtin import NSynthLite
from gan_tutorial.evaluation import Embedded
from gan_tutorial.metrics import timbre
from gan_tutorial.torch.cgan import diagnostics as dg
from gan_tutorial.torch.cgan import evaluation as ce
from gan_tutorial.torch.cgan import model as cgan

N_FAM, N_INST, N_PITCH, N_VEL = 3, 2, 4, 3  # instrument 2f + j belongs to family f


def _notes() -> NSynthLite:
    """Labels only (audio is a placeholder): every (pitch, instrument, velocity) once,
    a seeded 60/40 train/held-out split."""
    rows = [
        (48 + p, i // N_INST, i, v)
        for p in range(N_PITCH)
        for i in range(N_FAM * N_INST)
        for v in range(N_VEL)
    ]
    n = len(rows)
    split = np.where(np.random.default_rng(0).random(n) < 0.6, "train", "valid")
    return NSynthLite(
        audio=np.zeros((n, 8), np.float32),
        pitch=np.array([r[0] for r in rows]),
        family=np.array([r[1] for r in rows]),
        program=np.array([r[2] for r in rows]),
        velocity=np.array([40 + 40 * r[3] for r in rows]),
        split=split,
        instrument=np.array([r[2] for r in rows]),
        family_names=("keyboard", "mallet", "organ"),
        instrument_names=tuple(f"inst{k}" for k in range(N_FAM * N_INST)),
    )


def _heard(pitch, family, inst, vel, rng, noise=0.3) -> dg.Heard:
    """Clips whose embedding is (pitch, instrument one-hot, velocity) plus noise and whose
    instrument head is sure of ``inst``."""
    n = len(pitch)
    k = N_FAM * N_INST
    feats = np.concatenate(
        [np.asarray(pitch)[:, None] * 3.0, 4.0 * np.eye(k)[inst], np.asarray(vel)[:, None]], 1
    )
    feats = feats + noise * rng.standard_normal(feats.shape)
    probs = np.full((n, k), 0.02)
    probs[np.arange(n), inst] = 1.0
    probs /= probs.sum(1, keepdims=True)
    emb = Embedded(feats, np.full((n, 49), 1 / 49), np.zeros(n))
    p, f = np.asarray(pitch), np.asarray(family)
    return dg.Heard(emb, p, f, p, f, probs)


def _reference(rng) -> dg.TimbreReference:
    notes = _notes()
    heard = _heard(notes.pitch, notes.family, notes.instrument, notes.velocity / 40, rng)
    return dg.TimbreReference(notes, heard, 8, "mel")


def test_real_notes_score_about_one_and_a_collapsed_set_fails():
    rng = np.random.default_rng(1)
    ref = _reference(rng)
    notes = ref.notes
    # "new" real notes: the held-out labels played again with fresh noise
    held = ref.held
    again = _heard(held.pitch, held.family, notes.instrument[ref.held_index],
                   notes.velocity[ref.held_index] / 40, rng)  # fmt: skip
    d = dg.diagnose(again, ref)
    assert d["coverage_ratio"] == pytest.approx(1.0, abs=0.15)
    assert d["diversity_ratio"] == pytest.approx(1.0, abs=0.15)
    assert 0.9 < d["memorisation_ratio"] < 1.2
    # collapsed: every label played on the family's first instrument at one velocity
    first = N_INST * held.family
    collapsed = _heard(held.pitch, held.family, first, np.ones(len(held)), rng, noise=0.0)
    c = dg.diagnose(collapsed, ref)
    assert c["coverage_ratio"] < 0.7
    assert c["diversity_ratio"] == pytest.approx(0.0)
    assert set(c["coverage_gen"]) == {"keyboard", "mallet", "organ"}


def test_a_copied_training_set_is_flagged_as_memorised():
    rng = np.random.default_rng(2)
    ref = _reference(rng)
    train = ref.train
    copies = dg.Heard(
        Embedded(train.emb.features + 0.01, train.emb.probs, train.emb.centroid_hz),
        train.pitch, train.family, train.pitch, train.family, train.instrument,
    )  # fmt: skip
    d = dg.diagnose(copies, ref)
    assert d["memorisation_ratio"] < 0.1
    assert d["memorised"]
    values = {"pitch_accuracy": 1.0, "fid_ratio": 1.0, **d}
    checks = dg.targets(values)
    assert not checks["nearest-training distance / held-out"][2]
    assert checks["FID / same-vocoder floor"][2]


def test_targets_read_the_five_values_and_nan_is_not_met():
    good = {"pitch_accuracy": 0.95, "coverage_ratio": 0.8, "diversity_ratio": 0.7,
            "fid_ratio": 1.4, "memorisation_ratio": 1.0}  # fmt: skip
    assert all(ok for _, _, ok in dg.targets(good).values())
    bad = {"pitch_accuracy": 0.5, "coverage_ratio": 0.6, "diversity_ratio": 0.5,
           "fid_ratio": 1.6, "memorisation_ratio": 0.8}  # fmt: skip
    assert not any(ok for _, _, ok in dg.targets(bad).values())
    assert not dg.targets({**good, "diversity_ratio": float("nan")})[
        "within-label diversity / real"
    ][2]
    assert "NOT met" in dg.format_targets(dg.targets(bad))


def test_diagnose_groups_by_heard_labels_for_unconditional_sets():
    rng = np.random.default_rng(3)
    ref = _reference(rng)
    held = ref.held
    # asked-for labels are nonsense (all family 0), the heard ones are right
    h = _heard(held.pitch, held.family, ref.notes.instrument[ref.held_index],
               ref.notes.velocity[ref.held_index] / 40, rng)  # fmt: skip
    wrong = dg.Heard(h.emb, h.pitch, np.zeros_like(h.family), h.heard_pitch, h.heard_family,
                     h.instrument)  # fmt: skip
    assert dg.diagnose(wrong, ref, heard_labels=True)["coverage_ratio"] == pytest.approx(
        dg.diagnose(h, ref)["coverage_ratio"]
    )


class _Heads:
    """Duck-typed judge: 2 families in another order than the data's, 3 instruments."""

    pitch_low = 48
    family_names = ("mallet", "keyboard")
    instrument_programs = np.array([7, 5, 9])

    def outputs(self, audio, sr):
        n = len(audio)
        fam = np.tile([[0.0, 5.0]], (n, 1))  # "keyboard"
        inst = np.tile([[1.0, 2.0, 0.0]], (n, 1))
        pitch = np.zeros((n, 49))
        pitch[:, 12] = 5.0
        return {"embedding": np.ones((n, 4)), "pitch": pitch, "family": fam, "instrument": inst}

    def program_columns(self, programs):
        where = {int(p): k for k, p in enumerate(self.instrument_programs)}
        return np.array([where[int(p)] for p in programs])


def test_hear_maps_families_and_instruments_to_the_datas_order():
    notes = NSynthLite(
        audio=np.zeros((3, 16384), np.float32),
        pitch=np.array([60, 60, 60]),
        family=np.array([0, 0, 1]),
        program=np.array([5, 7, 9]),
        velocity=np.full(3, 80),
        split=np.array(["train", "valid", "test"]),
        family_names=("keyboard", "mallet"),
    )  # instruments: program 5 -> 0, 7 -> 1, 9 -> 2
    audio = 0.1 * np.random.default_rng(0).standard_normal((2, 16384)).astype(np.float32)
    h = dg.hear(_Heads(), audio, 16000, notes)
    assert h.heard_family.tolist() == [0, 0]  # "keyboard" is the data's family 0
    assert h.heard_pitch.tolist() == [60, 60]
    assert h.pitch.tolist() == [60, 60]
    assert h.family.tolist() == [0, 0]
    np.testing.assert_allclose(h.instrument.sum(1), 1.0)
    assert h.instrument[0].argmax() == 0  # program 5 (logit 2) is the data's instrument 0
    fam_of = dg._instrument_families(notes)
    within = h.within_family(np.array([1, 1]), fam_of)  # family 1 has only instrument 2
    np.testing.assert_allclose(within[:, 2], 1.0)


def test_diversity_labels_are_distinct_and_spread_over_families():
    pit, fam = dg.diversity_labels(list(range(48, 73)), 10, n_labels=20, seed=0)
    assert len(set(zip(pit.tolist(), fam.tolist(), strict=True))) == 20
    assert np.bincount(fam).tolist() == [2] * 10
    assert pit.min() >= 0
    assert pit.max() <= 24
    with pytest.raises(ValueError, match="distinct labels"):
        dg.diversity_labels([60, 61], 2, n_labels=5)


def test_family_mix_ends_at_each_family_and_needs_a_family_embedding():
    torch.manual_seed(0)
    G = cgan.CondGenerator(5, 3, latent_dim=8, size=32, base=4)
    z = torch.randn(1, 8).repeat(3, 1)
    pitch = np.full(3, 2)
    mix = dg.family_mix(G, pitch, 0, 2, [0.0, 0.5, 1.0], z)
    a = ce.generate(G, pitch[:1], [0], z[:1])
    b = ce.generate(G, pitch[:1], [2], z[:1])
    np.testing.assert_allclose(mix[0], a[0], atol=1e-5)
    np.testing.assert_allclose(mix[2], b[0], atol=1e-5)
    assert np.abs(mix[1] - a[0]).mean() > 0
    with pytest.raises(ValueError, match="no family embedding"):
        dg.family_mix(cgan.CondGenerator(5, 0, latent_dim=8, size=32, base=4), pitch, 0, 1,
                      [0.0, 0.5, 1.0], z)  # fmt: skip


def test_matched_coverage_scores_both_sides_at_equal_clip_counts():
    rng = np.random.default_rng(4)
    n_fam = 6  # 4 instruments per family, equally likely on both sides
    real_f, gen_f = np.repeat(np.arange(n_fam), 200), np.repeat(np.arange(n_fam), 8)
    real_p = np.eye(4 * n_fam)[4 * real_f + rng.integers(0, 4, real_f.size)]
    gen_p = np.eye(4 * n_fam)[4 * gen_f + rng.integers(0, 4, gen_f.size)]
    g, r = timbre.matched_coverage(gen_p, gen_f, real_p, real_f, rng=0)
    assert timbre.coverage_ratio(g, r) == pytest.approx(1.0, abs=0.1)
    # unmatched, 8 clips against 200 look like lost instruments
    unmatched = timbre.coverage_ratio(
        timbre.instrument_coverage(gen_p, gen_f), timbre.instrument_coverage(real_p, real_f)
    )
    assert unmatched < timbre.coverage_ratio(g, r) - 0.1
    # a family the generator never plays scores 0
    g2, _ = timbre.matched_coverage(gen_p[gen_f == 0], gen_f[gen_f == 0], real_p, real_f)
    assert g2[1] == 0.0


def test_each_baseline_fails_the_target_it_is_built_to_fail():
    """On quick's real notes (3 families, a short vocoder): the collapsed set fails coverage
    and diversity, the copied training notes fail memorisation, shuffled labels fail pitch
    accuracy, plain Griffin-Lim sits further from the reference than the floor."""
    from gan_tutorial import config, data
    from gan_tutorial.evaluation import embed
    from gan_tutorial.spectral import SpecConfig

    notes = data.nsynth_lite(config.profile("quick"), progress=False)
    notes = notes.subset(notes.family < 3)
    judge = ce.Judge.build(notes, SpecConfig.for_size(64), n_iter=4)
    # its reference rows: the raw training notes, and the held-out ones in their shuffled order
    ev, sr = judge.evaluator, int(notes.sr)
    for got, audio in ((judge.real, notes.audio[notes.split == "train"]),
                       (judge.held_out, notes.audio[judge.reference().held_index])):  # fmt: skip
        want = embed(ev, audio, sr)
        np.testing.assert_allclose(got.features, want.features, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(got.probs, want.probs, rtol=1e-4, atol=1e-6)
    checks = {
        name: dg.targets(dg.score(judge, name, h, midi))
        for name, (h, midi) in dg.baselines(judge, n=200).items()
    }
    real = checks["real held-out"]
    for k in ("instrument coverage / real", "FID / same-vocoder floor"):
        assert real[k][0] == pytest.approx(1.0, abs=0.02)
    assert real["nearest-training distance / held-out"][2]
    assert not checks["one clip per family and pitch"]["instrument coverage / real"][2]
    assert checks["one clip per family and pitch"]["within-label diversity / real"][0] == 0.0
    assert not checks["copied training notes"]["nearest-training distance / held-out"][2]
    assert not checks["pitch labels shuffled"]["pitch accuracy"][2]
    assert checks["plain Griffin-Lim"]["FID / same-vocoder floor"][0] > 1.1


def test_diversity_is_nan_when_no_label_repeats():
    rng = np.random.default_rng(5)
    ref = _reference(rng)
    held = ref.held
    _, first = np.unique(held.labels(), axis=0, return_index=True)
    d = dg.diagnose(held.take(np.sort(first)), ref)  # one clip per label: no pairs
    assert np.isnan(d["diversity_ratio"])
    assert np.isnan(d["diversity_gen"])
    assert d["coverage_ratio"] > 0


def test_held_out_order_is_shuffled_so_the_first_n_are_a_fair_sample():
    ref = _reference(np.random.default_rng(6))
    idx, stored = ref.held_index, np.flatnonzero(ref.held_mask)
    assert sorted(idx.tolist()) == stored.tolist()
    k = len(idx) // 4  # the _notes are stored pitch by pitch: their first quarter has 1-2 pitches
    assert len(set(ref.notes.pitch[stored[:k]].tolist())) <= 2
    assert len(set(ref.notes.pitch[idx[:k]].tolist())) == N_PITCH
    np.testing.assert_array_equal(ref.held.pitch, ref.notes.pitch[idx])


def test_vocoded_notes_are_cached_for_a_cached_dataset_only(nsynth_quick, tmp_path, monkeypatch):
    from gan_tutorial.torch.cgan.diagnostics import vocoded_notes

    monkeypatch.setenv("GAN_TUTORIAL_DATA", str(tmp_path))
    cfg = ce.SpecConfig.for_size(64)
    notes = nsynth_quick.subset(np.arange(len(nsynth_quick)) < 6)  # a subset: its own key
    first = vocoded_notes(notes, cfg, n_iter=2, match="mel")
    folders = list(tmp_path.glob("vocoded_notes-*"))
    assert len(folders) == 1
    again = vocoded_notes(notes, cfg, n_iter=2, match="mel")  # read back, not recomputed
    np.testing.assert_array_equal(first, again)
    assert first.shape == notes.audio.shape
    vocoded_notes(notes, cfg, n_iter=2, match="pinv")  # another vocoder: another entry
    assert len(list(tmp_path.glob("vocoded_notes-*"))) == 2
    other = nsynth_quick.subset(np.arange(len(nsynth_quick)) < 5)
    assert vocoded_notes(other, cfg, n_iter=2, match="mel").shape[0] == 5
    in_memory = NSynthLite(**{k: getattr(notes, k) for k in ("audio", "pitch", "family",
                              "program", "velocity", "split")})  # fmt: skip
    vocoded_notes(in_memory, cfg, n_iter=2, match="mel")
    assert len(list(tmp_path.glob("vocoded_notes-*"))) == 3  # nothing new for in-memory notes
