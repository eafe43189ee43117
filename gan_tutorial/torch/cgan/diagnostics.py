"""Chapter 25's three timbre diagnostics for a set of clips, heard by chapter 24's judge.

* :func:`hear`: one judge pass -> :class:`Heard` (embedding, pitch probabilities, the
  labels asked for and the labels heard, instrument probabilities over the data's
  instruments);
* :class:`TimbreReference`: every real note of the data through the clips' vocoder,
  heard once: held-out notes (coverage, memorisation), training notes (memorisation) and
  any label's notes (within-label diversity);
* :func:`diagnose`: instrument coverage per family, within-label diversity and the
  nearest-training-clip distance, each as a ratio to real
  (:mod:`gan_tutorial.metrics.timbre`);
* :func:`score`: those three, pitch accuracy and FID against the same-vocoder floor;
  :data:`TARGETS` / :func:`targets`: the course's five targets for one score dict;
  :func:`baselines`: real-note sets that fail each target;
* :func:`diversity_labels` fixes the labels of the extra draw; :func:`family_mix` runs a
  generator on a blend of two family embeddings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch
from torch import nn

from ...data.cache import _key as cache_key
from ...data.cache import _sha256, cache_root, load_or_build
from ...evaluation import Embedded
from ...metrics import audio_features
from ...metrics.timbre import (
    coverage_ratio,
    diversity_ratio,
    matched_coverage,
    memorisation,
    within_label_diversity,
)
from ...spectral import SpecConfig, griffin_lim, log_spectrogram
from ..classifier import softmax

if TYPE_CHECKING:
    from .evaluation import Judge

__all__ = [
    "TARGETS",
    "Heard",
    "TimbreReference",
    "baselines",
    "diagnose",
    "diversity_labels",
    "family_mix",
    "format_targets",
    "hear",
    "in_data_cache",
    "score",
    "targets",
]


@dataclass
class Heard:
    """What the judge hears in N clips. ``pitch``/``family``: the labels the clips were
    asked for (or recorded with); ``heard_pitch``/``heard_family``: the judge's argmax.
    Family indices refer to the data's ``family_names``; ``instrument`` ``(N, K)`` is
    p(instrument | x) over the data's K instruments (``notes.instrument_names``)."""

    emb: Embedded  # features (N, d), pitch probs (N, 49), centroid (N,) Hz
    pitch: np.ndarray  # (N,) MIDI
    family: np.ndarray  # (N,) int
    heard_pitch: np.ndarray  # (N,) MIDI
    heard_family: np.ndarray  # (N,) int
    instrument: np.ndarray  # (N, K)

    def __len__(self) -> int:
        return len(self.pitch)

    def take(self, idx: Any) -> Heard:
        """The clips ``idx`` (indices or a boolean mask), in that order."""
        e = self.emb
        return Heard(
            Embedded(e.features[idx], e.probs[idx], e.centroid_hz[idx]),
            self.pitch[idx],
            self.family[idx],
            self.heard_pitch[idx],
            self.heard_family[idx],
            self.instrument[idx],
        )

    def within_family(self, family: np.ndarray, inst_family: np.ndarray) -> np.ndarray:
        """``(N, K)`` instrument probabilities renormalised over the instruments of each
        clip's ``family`` (``inst_family`` ``(K,)``: the family of each instrument)."""
        mask = inst_family[None, :] == np.asarray(family)[:, None]
        p = np.where(mask, self.instrument, 0.0)
        return p / np.maximum(p.sum(axis=1, keepdims=True), 1e-30)

    def labels(self, heard: bool = False) -> np.ndarray:
        """``(N, 2)`` (MIDI pitch, family) per clip: asked for, or heard."""
        return np.stack(
            [self.heard_pitch, self.heard_family] if heard else [self.pitch, self.family], 1
        )


def _instrument_families(notes: Any) -> np.ndarray:
    """``(K,)`` family index of each of the data's instruments."""
    out = np.full(len(notes.instrument_names), -1, dtype=np.int64)
    out[notes.instrument] = notes.family
    return out


def hear(
    evaluator: Any,
    audio: np.ndarray,
    sr: int,
    notes: Any,
    pitch: Any = None,
    family: Any = None,
    cache: bool = False,
) -> Heard:
    """Run the judge once over ``(N, S)`` audio. ``notes`` (an ``NSynthLite``) names the
    families and instruments; ``pitch`` (MIDI) and ``family`` (indices) ``(N,)`` are the
    labels asked for, the heard ones where not given. ``cache``: the judge's outputs kept
    on disk (``AudioEvaluator.outputs``), for a dataset's notes."""
    y = np.asarray(audio, dtype=np.float32)
    # cache=False calls outputs(y, sr) as any evaluator takes it (the tests' stand-ins too)
    out = evaluator.outputs(y, sr, cache=True) if cache else evaluator.outputs(y, sr)
    names = [str(f) for f in notes.family_names]
    ev_fams = [str(f) for f in evaluator.family_names]
    fam_cols = [ev_fams.index(f) for f in names]  # the data's families, in its order
    heard_family = out["family"][:, fam_cols].argmax(axis=1)
    heard_pitch = out["pitch"].argmax(axis=1) + int(evaluator.pitch_low)
    progs = np.asarray(notes.instrument_programs)  # -1: an instrument absent from a subset
    inst = np.zeros((len(y), len(progs)))
    cols = evaluator.program_columns(progs[progs >= 0])
    inst[:, progs >= 0] = softmax(out["instrument"]).astype(np.float64)[:, cols]
    emb = Embedded(
        out["embedding"].astype(np.float64),
        softmax(out["pitch"]).astype(np.float64),
        audio_features(y, int(sr))["centroid_hz"],
    )
    return Heard(
        emb,
        heard_pitch if pitch is None else np.asarray(pitch, dtype=np.int64),
        heard_family if family is None else np.asarray(family, dtype=np.int64),
        heard_pitch,
        heard_family,
        inst / inst.sum(axis=1, keepdims=True),
    )


def in_data_cache(notes: Any) -> bool:
    """Whether ``notes`` come from the course's data cache (a manifest with checksums):
    what is computed from them once may be kept on disk."""
    return bool((getattr(notes, "manifest", None) or {}).get("sha256"))


def vocoded_notes(notes: Any, spec_config: SpecConfig, n_iter: int, match: str) -> np.ndarray:
    """``(N, S)``: every note of ``notes`` through the vocoder (log spectrogram, then
    ``griffin_lim(n_iter, match)``). For a dataset from the course's data cache (its
    manifest has checksums, subsets included) the result is cached next to it, keyed by the
    notes' own audio checksum, the spectrogram settings and the vocoder: laptop's 2,998 notes take minutes
    to vocode on one core and seconds to load."""

    def build() -> tuple[dict[str, np.ndarray], dict]:
        spec = log_spectrogram(notes.audio, spec_config)
        audio = griffin_lim(spec, spec_config, n_iter=n_iter, match=match)
        return {"audio": audio.astype(np.float32)}, dict(params)

    cached = in_data_cache(notes)
    sha = _sha256(notes.audio) if cached else None  # of these notes (a subset has its own)
    params = {
        "name": "vocoded_notes",
        "notes_audio_sha256": sha,
        "spec_config": spec_config.as_dict(),
        "n_iter": int(n_iter),
        "match": str(match),
    }
    if sha is None:  # notes built in memory: nothing to key a cache on
        return build()[0]["audio"]
    arrays, _ = load_or_build(cache_root() / f"vocoded_notes-{cache_key(params)}", build)
    return np.asarray(arrays["audio"])


@dataclass
class TimbreReference:
    """Every real note of ``notes`` through one vocoder (``n_iter``, ``match``), heard with
    its own labels: ``heard`` in ``notes`` order. Held-out = valid + test splits."""

    notes: Any
    heard: Heard
    n_iter: int
    match: str

    @classmethod
    def build(
        cls,
        notes: Any,
        spec_config: SpecConfig,
        evaluator: Any,
        n_iter: int,
        match: str,
        audio: np.ndarray | None = None,
    ) -> TimbreReference:
        """``audio``: ``notes.audio`` already through that vocoder ``(N, S)``, if at hand;
        else :func:`vocoded_notes` (cached on disk for a cached dataset)."""
        cache = audio is None and in_data_cache(notes)  # heard once per judge and vocoding
        if audio is None:
            audio = vocoded_notes(notes, spec_config, n_iter, match)
        elif len(audio) != len(notes):
            raise ValueError(f"audio has {len(audio)} clips, notes {len(notes)}: one per note.")
        return cls(
            notes,
            hear(evaluator, audio, int(notes.sr), notes, notes.pitch, notes.family, cache),
            n_iter,
            match,
        )

    @property
    def held_mask(self) -> np.ndarray:
        return np.isin(self.notes.split, ["valid", "test"])

    @property
    def held_index(self) -> np.ndarray:
        """Indices of the held-out notes in a fixed shuffled order (seed 0): the data are
        stored family by family, so the first n of them in storage order would cover a few
        families only; the first n of this order are a fair sample."""
        return np.random.default_rng(0).permutation(np.flatnonzero(self.held_mask))

    @property
    def held(self) -> Heard:
        """The held-out notes, in :attr:`held_index` order."""
        return self.heard.take(self.held_index)

    @property
    def train(self) -> Heard:
        return self.heard.take(self.notes.split == "train")

    @property
    def inst_family(self) -> np.ndarray:
        return _instrument_families(self.notes)

    def same_labels(self, labels: np.ndarray) -> Heard:
        """Every real note (any split) whose (MIDI pitch, family) is a row of ``labels`` (M, 2)."""
        want = {tuple(r) for r in np.asarray(labels).tolist()}
        own = np.stack([self.notes.pitch, self.notes.family], 1).tolist()
        return self.heard.take(np.array([tuple(r) in want for r in own]))


def diagnose(
    gen: Heard,
    ref: TimbreReference,
    diversity: Heard | None = None,
    heard_labels: bool = False,
    rng: int = 0,
) -> dict[str, Any]:
    """The three diagnostics of ``gen`` against real notes through the same vocoder.

    * coverage: :func:`~gan_tutorial.metrics.timbre.matched_coverage` per family, each
      clip counted as its most probable instrument *of its family*, against the held-out
      notes at equal clips per family;
    * diversity: within-label diversity of ``diversity`` (an extra draw, several clips per
      label) or else of ``gen``'s repeated labels, over that of every real note of the same
      labels (mean pairwise distance is unbiased in the number of clips);
    * memorisation: nearest-training-note distance of ``gen`` against held-out notes, both
      at n = the smaller set's size (ratio < 0.9 flags copying).

    ``heard_labels``: group by the labels the judge hears (for unconditional models) on
    the generated side. Returns ratios, per-family coverage and the raw numbers.
    """
    held, fam_of = ref.held, ref.inst_family
    g_fam = gen.heard_family if heard_labels else gen.family
    cov_g, cov_r = matched_coverage(
        gen.within_family(g_fam, fam_of),
        g_fam,
        held.within_family(held.family, fam_of),
        held.family,
        rng=rng,
    )
    div = diversity if diversity is not None else gen
    div_labels = div.labels(heard_labels and diversity is None)
    real = ref.same_labels(div_labels)
    try:
        div_real = within_label_diversity(real.emb.features, real.labels())
        div_gen = within_label_diversity(div.emb.features, div_labels)
        div_ratio = diversity_ratio(div.emb.features, div_labels, real.emb.features, real.labels())
    except ValueError:  # no label repeats in one of the sets (or none is real): NaN
        div_ratio = div_gen = div_real = float("nan")
    n = min(len(gen), len(held))
    mem = memorisation(gen.emb.features[:n], ref.train.emb.features, held.emb.features[:n])
    names = [str(f) for f in ref.notes.family_names]
    return {
        "coverage_ratio": coverage_ratio(cov_g, cov_r),
        "coverage_gen": {names[int(cast(int, f))]: v for f, v in cov_g.items()},
        "coverage_real": {names[int(cast(int, f))]: v for f, v in cov_r.items()},
        "diversity_ratio": div_ratio,
        "diversity_gen": div_gen,
        "diversity_real": div_real,
        "memorisation_ratio": mem["ratio"],
        "memorised": mem["memorised"],
        "n": n,
    }


def diversity_labels(
    pitches: Sequence[int], n_families: int, n_labels: int = 20, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``n_labels`` distinct (pitch index, family index) labels, ``(n_labels,)`` each:
    families in turn (each about ``n_labels / n_families`` times), pitches spread evenly
    over ``pitches`` and shuffled with ``seed``."""
    n_p = len(pitches)
    if n_labels > n_p * max(n_families, 1):
        raise ValueError(f"only {n_p * n_families} distinct labels exist, asked for {n_labels}.")
    fam = np.arange(n_labels) % max(n_families, 1)
    rng = np.random.default_rng(seed)
    pit = np.zeros(n_labels, dtype=np.int64)
    for f in np.unique(fam):
        k = int((fam == f).sum())
        pit[fam == f] = rng.permutation(np.linspace(0, n_p - 1, k).round().astype(np.int64))
    return pit, fam.astype(np.int64)


def score(
    judge: Judge,
    name: str,
    heard: Heard,
    midi: Any = None,
    diversity: Heard | None = None,
    heard_labels: bool = False,
) -> dict[str, Any]:
    """Everything :func:`targets` reads for one set of clips, at equal n with the floor.

    ``heard``: :meth:`Judge.hear` of the clips (or a :meth:`.diagnostics.Heard.take` of the
    reference); ``midi``: the asked-for pitch of each clip (pitch accuracy); ``diversity``:
    an extra draw for within-label diversity. FID is against the judge's reference; the
    floor is the held-out notes through the same vocoder at the same n.
    """
    n = min(len(heard), len(judge.held_out_gl))
    row = judge.row(name, heard.emb, None if midi is None else np.asarray(midi), n=n)
    floor = judge.row("floor", judge.held_out_gl, n=n)
    diag = diagnose(heard, judge.reference(), diversity, heard_labels)
    return {
        "name": name,
        "n": n,
        "fid": row["fid"],
        "floor_fid": floor["fid"],
        "fid_ratio": row["fid"] / floor["fid"],
        "pitch_accuracy": row.get("pitch_accuracy", np.nan),
        **diag,
    }


# name: (key in a score() dict, threshold, True where higher is better)
TARGETS: dict[str, tuple[str, float, bool]] = {
    "pitch accuracy": ("pitch_accuracy", 0.9, True),
    "instrument coverage / real": ("coverage_ratio", 0.7, True),
    "within-label diversity / real": ("diversity_ratio", 0.6, True),
    "FID / same-vocoder floor": ("fid_ratio", 1.5, False),
    "nearest-training distance / held-out": ("memorisation_ratio", 0.9, True),
}


def targets(values: dict[str, Any]) -> dict[str, tuple[float, float, bool]]:
    """The course's targets for one :func:`score` dict: ``{name: (value, threshold, met)}``
    (a NaN value is not met)."""
    out = {}
    for name, (key, thr, up) in TARGETS.items():
        v = float(values.get(key, np.nan))
        out[name] = (v, thr, bool(v >= thr if up else v <= thr))
    return out


def format_targets(checks: dict[str, tuple[float, float, bool]]) -> str:
    """:func:`targets` as aligned lines: value, threshold, met."""
    return "\n".join(
        f"{k:38s} {v:7.3f}  target {'<=' if not TARGETS[k][2] else '>='} {t}  "
        f"{'met' if ok else 'NOT met'}"
        for k, (v, t, ok) in checks.items()
    )


def baselines(judge: Judge, n: int = 200, seed: int = 0) -> dict[str, tuple[Heard, np.ndarray]]:
    """Real-note sets of at most ``n`` clips, ``{name: (heard, asked-for MIDI)}``, one that
    passes every target and one that fails each:

    * ``real held-out``: held-out notes through the vocoder (the floor itself);
    * ``plain Griffin-Lim``: the same notes through plain Griffin-Lim (32 rounds, ``pinv``);
    * ``one clip per family and pitch``: each held-out note replaced by the note of its
      pitch and family on the family's first instrument at its first velocity (a collapsed
      generator: z chooses nothing);
    * ``copied training notes``: training notes through the vocoder with other phases;
    * ``pitch labels shuffled``: the held-out notes, each asked for another note's pitch.
    """
    ref, notes, cfg = judge.reference(), judge.notes, judge.spec_config
    assert cfg is not None
    rng = np.random.default_rng(seed)
    held_idx = np.flatnonzero(ref.held_mask)
    held_idx = np.sort(rng.choice(held_idx, min(n, len(held_idx)), replace=False))
    held = ref.heard.take(held_idx)
    out = {"real held-out": (held, held.pitch)}
    plain = griffin_lim(log_spectrogram(notes.audio[held_idx], cfg), cfg, n_iter=32, match="pinv")
    out["plain Griffin-Lim"] = (judge.hear(plain, held.pitch, held.family), held.pitch)
    first: dict[
        tuple[int, int], int
    ] = {}  # (pitch, family) -> the note on the family's first instrument and velocity
    for i in np.lexsort((notes.velocity, notes.instrument)):
        first.setdefault((int(notes.pitch[i]), int(notes.family[i])), i)
    one = [first[(int(p), int(f))] for p, f in zip(held.pitch, held.family, strict=True)]
    out["one clip per family and pitch"] = (ref.heard.take(np.array(one)), held.pitch)
    train_idx = np.flatnonzero(notes.split == "train")
    train_idx = np.sort(rng.choice(train_idx, min(n, len(train_idx)), replace=False))
    copies = griffin_lim(
        log_spectrogram(notes.audio[train_idx], cfg),
        cfg,
        n_iter=judge.n_iter,
        match=judge.match,
        seed=seed + 1,
    )
    copied = judge.hear(copies, notes.pitch[train_idx], notes.family[train_idx])
    out["copied training notes"] = (copied, copied.pitch)
    out["pitch labels shuffled"] = (held, rng.permutation(held.pitch))
    return out


@torch.no_grad()
def family_mix(
    G: nn.Module, pitch: Any, family_a: int, family_b: int, t: Any, z: torch.Tensor
) -> np.ndarray:
    """``(len(t), F, T)`` spectrograms (normalised units) from G with the family embedding
    ``(1 - t) e_a + t e_b`` at pitch indices ``pitch`` and noise ``z`` ``(len(t), latent)``.

    Needs a generator whose ``cond.family`` is the family ``nn.Embedding`` (chapter 25's
    :class:`~.model.CondGenerator`); a forward hook swaps its output for the blend."""
    emb = G.cond.family  # type: ignore[union-attr]
    if not isinstance(emb, nn.Embedding):
        raise ValueError("this generator has no family embedding (a pitch-only model).")
    w = torch.as_tensor(np.asarray(t), dtype=torch.float32)[:, None].to(emb.weight.device)
    blend = (1 - w) * emb.weight[family_a] + w * emb.weight[family_b]
    handle = emb.register_forward_hook(lambda _m, _i, _o: blend)
    was_training = G.training
    G.eval()
    try:
        dev = emb.weight.device
        p = torch.as_tensor(np.asarray(pitch), dtype=torch.long).to(dev)
        fam = torch.full_like(p, family_a)
        out = G(z.to(dev), p, fam)[:, 0].cpu().numpy()
    finally:
        handle.remove()
        G.train(was_training)
    return out
