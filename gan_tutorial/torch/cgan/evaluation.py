"""Sampling and judging the chapter-25 conditional GAN.

* :func:`sample_labels` / :func:`generate`: labelled spectrograms from a generator;
* :func:`make_samples` / :func:`save_cgan_samples`: clips (the course's vocoder,
  :data:`gan_tutorial.spectral.VOCODER`; a two-channel chapter-26 generator's log
  magnitude and instantaneous frequency go through the exact inverse STFT instead,
  :func:`gan_tutorial.phase.arrays_to_audio`) saved in the course's
  sample format with their labels in the metadata (what the notebooks and the CLI
  write);
* :class:`Judge` and :func:`evaluate_sample_file`: chapter 24's metrics (FID, KID, IS,
  precision/recall, ...) plus pitch accuracy against the requested pitches, next to the
  real held-out and held-out-via-Griffin-Lim rows at equal n, and the course's targets
  (:func:`.diagnostics.targets`).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch
from torch import nn

from ... import spectral
from ...samples import load_samples, save_samples
from ...spectral import SpecConfig, SpecNormalizer, griffin_lim
from ..classifier import AudioEvaluator
from ..training import latent_dim

# Lazy imports: gan_tutorial.evaluation and .metrics (scipy) and gan_tutorial.data (music21,
# pretty_midi) are imported inside the functions that judge, so that the training command
# line, which writes its sample file with this module, needs only torch and numpy.
if TYPE_CHECKING:
    from ...evaluation import Embedded
    from .diagnostics import Heard, TimbreReference

__all__ = [
    "IF_VOCODER",
    "N_ITER",
    "SAME_LABELS_ROW",
    "VOCODER",
    "Judge",
    "evaluate_sample_file",
    "generate",
    "make_samples",
    "representation",
    "sample_labels",
    "save_cgan_samples",
]


# the course's one vocoder (gan_tutorial.spectral.VOCODER), by the names notebooks 24 and 25 use
VOCODER = cast(str, spectral.VOCODER["match"])  # griffin_lim(match=...): keep the mel spectrogram
N_ITER = cast(int, spectral.VOCODER["n_iter"])  # its rounds
# how a chapter-26 (two-channel) generator's clips are made: its sample files' "vocoder"
IF_VOCODER = "inverse STFT from magnitude and instantaneous frequency"


def representation(G: nn.Module) -> str:
    """``"if"`` for a two-channel generator (chapter 26: log magnitude and instantaneous
    frequency), ``"mel"`` for a one-channel one (chapter 25's log-mel)."""
    return "if" if int(getattr(G, "channels", 1)) == 2 else "mel"


def _label_counts(G: nn.Module) -> tuple[int, int]:
    """``(n_pitches, n_families)`` of a :class:`~.model.CondGenerator` (0 families: pitch only)."""
    return cast(int, G.n_pitches), cast(int, G.n_families)


def sample_labels(
    n: int, n_pitches: int, n_families: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``(pitch_idx, family_idx)``, each ``(n,)`` int64: pitches uniform over the training
    pitches (each used ``n // n_pitches`` or one more times), families likewise, shuffled."""
    rng = np.random.default_rng(seed)
    p = rng.permutation(np.resize(np.arange(n_pitches), n))
    f = rng.permutation(np.resize(np.arange(max(n_families, 1)), n))
    return p.astype(np.int64), f.astype(np.int64)


@torch.no_grad()
def generate(
    G: nn.Module, pitch: Any, family: Any = None, z: Any = None, seed: int = 0, batch: int = 256
) -> np.ndarray:
    """``(n, F, T)`` spectrograms in normalised units for labels ``(n,)`` and noise ``z``;
    ``(n, C, F, T)`` for a generator of ``C > 1`` channels (chapter 26: channel 0 the log
    magnitude, 1 the instantaneous frequency).

    ``z`` ``(n, latent_dim)`` defaults to seeded standard normal noise. Family labels
    are ignored by a pitch-only generator.
    """
    pitch = torch.as_tensor(np.asarray(pitch), dtype=torch.long)
    n = len(pitch)
    if z is None:
        z = torch.randn(n, latent_dim(G), generator=torch.Generator().manual_seed(seed))
    z = torch.as_tensor(z, dtype=torch.float32)
    fam = None
    if getattr(G, "n_families", 0):
        fam = torch.as_tensor(np.asarray(family), dtype=torch.long)
    dev = next(G.parameters()).device
    was_training = G.training
    G.eval()
    out = []
    for i in range(0, n, batch):
        f = None if fam is None else fam[i : i + batch].to(dev)
        out.append(G(z[i : i + batch].to(dev), pitch[i : i + batch].to(dev), f).cpu())
    G.train(was_training)
    x = torch.cat(out).numpy()
    return x[:, 0] if x.shape[1] == 1 else x


def make_samples(
    G: nn.Module,
    normalizer: SpecNormalizer,
    spec_config: SpecConfig,
    n: int,
    seed: int = 0,
    n_iter: int = N_ITER,
    match: str = VOCODER,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``n`` labelled clips: ``(log specs (n,F,T), audio (n,S), pitch idx, family idx)``.

    ``n_iter`` and ``match``: the vocoder, :func:`gan_tutorial.spectral.griffin_lim`. A
    two-channel generator (chapter 26, :func:`representation` ``"if"``) needs none: its
    clips are :func:`gan_tutorial.phase.arrays_to_audio` of both channels (the exact
    inverse STFT), ``n_iter`` and ``match`` are ignored, and the log specs are its log
    magnitude channel."""
    pitch, family = sample_labels(n, *_label_counts(G), seed)
    x = generate(G, pitch, family, seed=seed + 1)
    if representation(G) == "if":
        from ... import phase  # chapter 26 only

        return (
            normalizer.inverse(x[:, 0]),
            phase.arrays_to_audio(x, normalizer, spec_config),
            pitch,
            family,
        )
    specs = normalizer.inverse(x)
    audio = griffin_lim(specs, spec_config, n_iter=n_iter, seed=seed, match=match)
    return specs, audio, pitch, family


def save_cgan_samples(
    path: str | os.PathLike,
    G: nn.Module,
    normalizer: SpecNormalizer,
    spec_config: SpecConfig,
    pitches: list[int],
    family_names: list[str],
    n: int = 200,
    seed: int = 0,
    meta: dict[str, Any] | None = None,
    n_iter: int = N_ITER,
    match: str = VOCODER,
) -> Path:
    """Make ``n`` clips and save them with :func:`gan_tutorial.samples.save_samples`.

    The metadata carries each clip's requested MIDI ``pitch`` and instrument ``family``
    (name; ``null`` for a pitch-only model), ``conditioned_on`` and the vocoder: for a
    one-channel model ``"model": "cgan"`` and the Griffin-Lim
    (:func:`gan_tutorial.spectral.vocoder_meta`); for a two-channel one (chapter 26)
    ``"model": "ifgan"``, ``"representation": "if"`` and ``"vocoder"``:
    :data:`IF_VOCODER` (no Griffin-Lim; ``n_iter`` and ``match`` are ignored). ``specs``
    are log magnitudes either way (an IF model's first channel), so every tool that reads
    sample files works on both.
    """
    specs, audio, p, f = make_samples(G, normalizer, spec_config, n, seed, n_iter, match)
    n_families = _label_counts(G)[1]
    fam = [family_names[i] for i in f] if n_families else [None] * n
    vocoder: dict[str, Any]
    if representation(G) == "if":
        name, vocoder = "ifgan", {"representation": "if", "vocoder": IF_VOCODER}
    else:
        name, vocoder = "cgan", spectral.vocoder_meta(n_iter, match)
    info = {
        "framework": "torch",
        "model": name,
        "seed": seed,
        "spec_config": spec_config.as_dict(),
        "pitch": [int(pitches[i]) for i in p],
        "family": fam,
        "conditioned_on": ["pitch", "family"] if n_families else ["pitch"],
        **vocoder,
        **(meta or {}),
    }
    return save_samples(path, specs, audio, spec_config.sr, info)


@dataclass
class Judge:
    """Chapter 24's evaluator with the real reference rows computed once.

    ``real``: the training split (the reference every row is measured against);
    ``held_out`` / ``held_out_gl``: valid + test clips as they are and through
    Griffin-Lim, the best a generator / a spectrogram generator can hope for.
    ``notes`` (all splits) and ``spec_config`` let :meth:`same_labels` build that
    Griffin-Lim floor again for any other set of labels; ``n_iter`` and ``match`` are
    the Griffin-Lim of both floors (:func:`gan_tutorial.spectral.griffin_lim`), the generated clips'.
    ``timbre``: every note through that vocoder, heard (:meth:`reference`), for the three
    timbre diagnostics; :meth:`build` makes it and takes ``held_out_gl`` from it.
    """

    evaluator: Any
    real: Embedded
    held_out: Embedded
    held_out_gl: Embedded
    pitch_low: int
    sr: int
    notes: Any = None
    spec_config: SpecConfig | None = None
    n_iter: int = N_ITER
    match: str = VOCODER
    timbre: TimbreReference | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls,
        notes: Any,
        spec_config: SpecConfig,
        evaluator: Any = None,
        n_iter: int = N_ITER,
        match: str = VOCODER,
    ) -> Judge:
        """From an ``NSynthLite`` dataset (its train split and its valid + test splits).

        Every note goes through the vocoder once (:class:`.diagnostics.TimbreReference`);
        the held-out ones are the ``held_out_gl`` floor. Both held-out sets are in one
        seeded shuffled order, so the first n (:meth:`row`, :meth:`compare`) cover every
        family and pitch."""
        from .diagnostics import TimbreReference, hear, in_data_cache

        ev = evaluator or AudioEvaluator.load()
        ref = TimbreReference.build(notes, spec_config, ev, n_iter, match)
        sr = int(notes.sr)
        raw = hear(ev, notes.audio, sr, notes, notes.pitch, notes.family, in_data_cache(notes))
        return cls(
            ev,
            raw.take(notes.split == "train").emb,
            raw.take(ref.held_index).emb,  # shuffled: the first n are a fair sample
            ref.held.emb,
            int(ev.pitch_low),
            sr,
            notes,
            spec_config,
            n_iter,
            match,
            timbre=ref,
        )

    def reference(self) -> TimbreReference:
        """Every note through this judge's vocoder, heard (built on first use)."""
        from .diagnostics import TimbreReference

        if self.timbre is None:
            if self.notes is None or self.spec_config is None:
                raise ValueError("this Judge has no notes: build it with Judge.build(notes, cfg)")
            self.timbre = TimbreReference.build(
                self.notes, self.spec_config, self.evaluator, self.n_iter, self.match
            )
        return self.timbre

    def hear(self, audio: np.ndarray, midi: Any = None, family: Any = None) -> Heard:
        """:func:`.diagnostics.hear` with this judge; ``family``: names or indices."""
        from .diagnostics import hear

        if family is not None and len(family) and isinstance(next(iter(family)), str):
            names = [str(f) for f in self.notes.family_names]
            family = [names.index(str(f)) for f in family]
        return hear(self.evaluator, audio, self.sr, self.notes, midi, family)

    def embed(self, audio: np.ndarray, sr: int | None = None) -> Embedded:
        from ...evaluation import embed

        return embed(self.evaluator, audio, sr or self.sr)

    def same_label_clips(self, midi: Any, family: Any, seed: int = 0) -> np.ndarray:
        """Indices into ``notes``: for each requested MIDI pitch and family name (``(n,)``
        each) one real clip with those labels, drawn at random (seeded, any velocity) from
        the held-out clips (valid + test) of that pair, or from its training clips where the
        pair has none held out."""
        if self.notes is None:
            raise ValueError("this Judge has no notes: build it with Judge.build(notes, ...)")
        notes, names = self.notes, [str(f) for f in self.notes.family_names]
        rng = np.random.default_rng(seed)
        held = np.isin(notes.split, ["valid", "test"])
        idx = []
        for m, f in zip(np.asarray(midi), list(family), strict=True):
            if str(f) not in names:
                raise ValueError(f"family {f!r} is not one of the data's families {names}")
            pair = (notes.pitch == int(m)) & (notes.family == names.index(str(f)))
            pool = np.flatnonzero(pair & held)
            pool = pool if len(pool) else np.flatnonzero(pair)
            if len(pool) == 0:
                raise ValueError(f"no real clip has MIDI pitch {int(m)} and family {f!r}")
            idx.append(int(rng.choice(pool)))
        return np.array(idx, dtype=np.int64)

    def same_labels(self, midi: Any, family: Any, seed: int = 0) -> Embedded:
        """Real notes through this judge's vocoder at the requested labels
        (:meth:`same_label_clips`), embedded. The notes come from :attr:`timbre` where the
        judge has it (every note through the vocoder once, heard), else from
        :func:`.diagnostics.vocoded_notes` (cached on disk for a cached dataset).

        Precision and recall depend on *which* labels a set of clips has, so this is the
        floor to set a generated set against: a generator that rendered real notes
        exactly at these labels would score it.
        """
        from .diagnostics import vocoded_notes

        if self.spec_config is None:
            raise ValueError("this Judge has no spec_config: build it with Judge.build(notes, cfg)")
        idx = self.same_label_clips(midi, family, seed)
        if self.timbre is not None:
            return self.timbre.heard.take(idx).emb
        return self.embed(vocoded_notes(self.notes, self.spec_config, self.n_iter, self.match)[idx])

    def row(
        self, name: str, emb: Embedded, midi: np.ndarray | None = None, n: int | None = None
    ) -> dict[str, Any]:
        """Chapter 24's row for the first ``n`` clips, plus ``pitch_accuracy`` when ``midi``
        (the requested MIDI pitch of each clip) is given."""
        from ... import evaluation, metrics

        n = min(len(emb), n or len(emb))
        sub = evaluation.Embedded(emb.features[:n], emb.probs[:n], emb.centroid_hz[:n])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            row = evaluation.evaluation_row(name, sub, self.real, rng=0)
        if midi is not None:
            row["pitch_accuracy"] = metrics.pitch_accuracy(
                sub.probs, np.asarray(midi)[:n] - self.pitch_low
            )
        return row

    def compare(
        self, name: str, audio: np.ndarray, midi: np.ndarray | None, family: Any = None
    ) -> list[dict[str, Any]]:
        """Rows for the generated clips and for both held-out sets, all at equal n.

        With ``family`` (a name per clip) and ``midi``, a row of real notes through
        Griffin-Lim at the same labels (:meth:`same_labels`) comes before the last row.
        """
        n = min(len(audio), len(self.held_out))
        gen = self.embed(audio[:n])
        rows = [
            self.row("real held-out", self.held_out, n=n),
            self.row("held-out via Griffin-Lim", self.held_out_gl, n=n),
        ]
        if family is not None and midi is not None:
            floor = self.same_labels(np.asarray(midi)[:n], list(family)[:n])
            rows.append(self.row(SAME_LABELS_ROW, floor, n=n))
        return [*rows, self.row(name, gen, midi, n=n)]


SAME_LABELS_ROW = "real via Griffin-Lim, same labels"


def evaluate_sample_file(
    path: str | os.PathLike, judge: Judge | None = None, notes: Any = None
) -> list[dict[str, Any]]:
    """Chapter 24's table for a chapter-25 sample file (with its held-out rows at equal n).

    ``judge`` defaults to one built from the ``nsynth_lite`` data of the file's profile.
    A file whose clips skipped Griffin-Lim (a ``"vocoder"`` in its metadata: chapter 26's
    inverse STFT) is set against the judge's Griffin-Lim floors as they are, with no
    warning (its own floor is the real held-out row); its default judge is notebook 25's
    (the profile's log-mel at :data:`VOCODER`).
    Prints the table and, for a judge with notes and instrument heads, the course's :func:`.diagnostics.targets` (the
    timbre diagnostics on the file's own clips and labels); returns the rows.
    """
    from ... import evaluation

    s = load_samples(path)
    griffin_lim_free = "vocoder" in s.meta and "griffin_lim_iterations" not in s.meta
    # files from before the "mel" vocoder say nothing and used "pinv"
    n_iter = int(s.meta.get("griffin_lim_iterations", N_ITER if griffin_lim_free else 32))
    match = str(s.meta.get("griffin_lim_match", VOCODER if griffin_lim_free else "pinv"))
    if judge is None:
        from ... import config, data

        prof = config.profile(s.meta.get("profile"))
        notes = notes or data.nsynth_lite(prof, progress=False)
        cfg = SpecConfig(**s.meta["spec_config"])
        if griffin_lim_free:
            cfg = SpecConfig.for_size(prof.spec_size)
        judge = Judge.build(notes, cfg, n_iter=n_iter, match=match)
    elif (judge.n_iter, judge.match) != (n_iter, match) and not griffin_lim_free:
        vocoder = {"n_iter": n_iter, "match": match}
        warnings.warn(
            f"{path}: its clips went through griffin_lim({vocoder}), the judge's floors through "
            f"n_iter={judge.n_iter}, match={judge.match!r}; the floor rows are not like for like.",
            stacklevel=2,
        )
    midi = np.asarray(s.meta.get("pitch", []), dtype=np.int64)
    family = s.meta.get("family")
    if family is None or any(f is None for f in family) or judge.notes is None:
        family = None  # a pitch-only model (or a judge without notes): no same-label row
    clips = evaluation.sample_audio(s)
    rows = judge.compare(s.meta.get("model", "generated"), clips, midi, family)
    print(evaluation.format_table(rows))
    if judge.notes is not None and hasattr(judge.evaluator, "outputs"):  # a judge with heads
        heard = judge.hear(clips, midi if len(midi) else None, family)
        from .diagnostics import format_targets, score, targets

        values = score(judge, rows[-1]["name"], heard, midi if len(midi) else None)
        print(format_targets(targets(values)))
    same = [r for r in rows if r["name"] == SAME_LABELS_ROW]
    if same:
        g, f = rows[-1], same[0]
        print(
            f"against real notes via Griffin-Lim at the same labels: precision "
            f"{g['precision']:.3f} / {f['precision']:.3f}, recall {g['recall']:.3f} / "
            f"{f['recall']:.3f}"
        )
    return rows
