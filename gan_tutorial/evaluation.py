"""Chapter 24's evaluation table: one row of metrics per set of clips (framework-free).

* :func:`embed` runs an evaluator (any object with ``.features(audio, sr)`` -> ``(N, d)``
  and ``.probs(audio, sr)`` -> ``(N, K)``, e.g. ``gan_tutorial.torch.classifier.
  AudioEvaluator``) and :func:`gan_tutorial.metrics.audio_features` once per set.
* :func:`sample_audio` gets the audio of a loaded sample file (the course's vocoder,
  ``spectral.griffin_lim``, from its log spectrograms when the file holds none).
* :func:`evaluation_row` computes FID, KID, IS, precision/recall, NDB, pitch entropy and
  the spectral-centroid histogram distances of one set against the real reference.
* :func:`format_table` and :func:`write_table` print and save the rows.
"""

from __future__ import annotations

import csv
import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import metrics
from .tables import markdown_table, text_table

__all__ = [
    "COLUMNS",
    "Embedded",
    "embed",
    "evaluation_row",
    "format_table",
    "sample_audio",
    "write_table",
]

# (key in the row dict, column title) of the printed / markdown table, in order
COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "set"),
    ("n", "n"),
    ("fid", "FID"),
    ("kid", "KID"),
    ("is", "IS"),
    ("precision", "precision"),
    ("recall", "recall"),
    ("ndb_over_k", "NDB/k"),
    ("pitch_entropy", "pitch entropy"),
    ("js_centroid", "JS (centroid)"),
    ("bhattacharyya_centroid", "Bhattacharyya (centroid)"),
)
_FOOTNOTES = {
    "fid_few_samples": "* FID from fewer samples than embedding dimensions (N <= d): "
    "singular covariance, biased upward; compare only at equal n.",
    "other_profile": "† samples made in another profile: not comparable with this "
    "profile's real data.",
}


@dataclass
class Embedded:
    """What every metric needs from one set of N clips."""

    features: np.ndarray  # (N, d) evaluator embeddings (FID, KID, precision/recall, NDB)
    probs: np.ndarray  # (N, K) evaluator class probabilities (IS, pitch entropy)
    centroid_hz: np.ndarray  # (N,) spectral centroid in Hz (histogram distances)

    def __post_init__(self) -> None:
        n = {len(self.features), len(self.probs), len(self.centroid_hz)}
        if len(n) != 1:
            raise ValueError(
                f"features, probs and centroid_hz must have one row per clip, got lengths "
                f"{len(self.features)}, {len(self.probs)} and {len(self.centroid_hz)}."
            )

    def __len__(self) -> int:
        return len(self.features)


def embed(evaluator: Any, audio: np.ndarray, sr: int) -> Embedded:
    """Embed ``(N, T)`` audio at ``sr`` Hz with ``evaluator`` (duck-typed, see module doc)."""
    y = np.asarray(audio, dtype=np.float32)
    if y.ndim != 2 or len(y) == 0:
        raise ValueError(f"audio must be a non-empty (N, T) batch, got shape {y.shape}.")
    if hasattr(evaluator, "features_and_probs"):  # one network pass instead of two
        feats, probs = evaluator.features_and_probs(y, sr)
    else:
        feats, probs = evaluator.features(y, sr), evaluator.probs(y, sr)
    return Embedded(
        features=np.asarray(feats, dtype=np.float64),
        probs=np.asarray(probs, dtype=np.float64),
        centroid_hz=metrics.audio_features(y, int(sr))["centroid_hz"],
    )


def sample_audio(
    sample_set: Any, n: int | None = None, n_iter: int | None = None, match: str | None = None
) -> np.ndarray:
    """The first ``n`` (all if None) clips of a ``samples.SampleSet`` as ``(n, T)`` audio.

    Uses the stored audio; a file saved without audio is inverted from its log
    spectrograms with :func:`gan_tutorial.spectral.griffin_lim`, using the ``spec_config``
    in its metadata and the vocoder it names (``griffin_lim_iterations`` /
    ``griffin_lim_match``), else the course's ``spectral.VOCODER``; ``n_iter`` and
    ``match`` override both.
    """
    from .spectral import VOCODER, SpecConfig, griffin_lim

    k = len(sample_set) if n is None else min(int(n), len(sample_set))
    if sample_set.audio is not None:
        return np.asarray(sample_set.audio[:k], dtype=np.float32)
    meta = sample_set.meta
    spec_config = meta.get("spec_config")
    if not isinstance(spec_config, dict):
        raise ValueError(
            f"{sample_set.path}: holds no audio and no spec_config in its metadata, so its "
            "spectrograms cannot be turned into sound. Save it with audio or spec_config."
        )
    if n_iter is None:
        n_iter = int(meta.get("griffin_lim_iterations", VOCODER["n_iter"]))
    if match is None:
        match = str(meta.get("griffin_lim_match", VOCODER["match"]))
    return griffin_lim(sample_set.specs[:k], SpecConfig(**spec_config), n_iter=n_iter, match=match)


def evaluation_row(
    name: str,
    fake: Embedded,
    real: Embedded,
    *,
    is_part_size: int | None = None,
    ndb_bins: int = 10,
    hist_bins: int = 10,
    kid_subsets: int = 100,
    k: int = 3,
    rng: int = 0,
    flags: Sequence[str] = (),
) -> dict[str, Any]:
    """All metrics of ``fake`` against the ``real`` reference, as one table row (a dict).

    ``is_part_size``: IS is computed on ``n // is_part_size`` parts (at least 1); use the
    same value for every row, because IS grows with the part size. ``ndb_bins`` and
    ``hist_bins``: k-means bins of NDB and histogram bins of the spectral-centroid
    distances. ``flags``: extra footnote keys for the row (``"other_profile"``).
    A FID computed with N <= d warns; the warning is caught and the row gets the
    ``"fid_few_samples"`` flag instead. Values that cannot be computed are NaN.
    """
    n = len(fake)
    if n < 2:
        raise ValueError(f"{name}: needs at least 2 clips to evaluate, got {n}.")
    row: dict[str, Any] = {"name": name, "n": n, "flags": list(flags)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        row["fid"] = metrics.fid_from_features(real.features, fake.features)
    if any("N <=" in str(w.message) or "singular" in str(w.message) for w in caught):
        row["flags"].append("fid_few_samples")
    row["kid_mean"], row["kid_std"] = metrics.kernel_inception_distance(
        real.features, fake.features, subsets=kid_subsets, rng=rng
    )
    splits = 1 if not is_part_size else max(1, n // int(is_part_size))
    row["is_mean"], row["is_std"] = metrics.inception_score(fake.probs, splits=splits)
    row["is_splits"] = splits
    if k < min(len(real), n):
        row["precision"], row["recall"] = metrics.precision_recall(
            real.features, fake.features, k=k
        )
    else:
        row["precision"] = row["recall"] = math.nan
    bins = int(min(ndb_bins, len(real)))
    row["ndb_over_k"] = (
        metrics.ndb(real.features, fake.features, n_bins=bins, rng=rng)["ndb_over_k"]
        if bins >= 2
        else math.nan
    )
    row["pitch_entropy"] = metrics.pitch_entropy(fake.probs)
    p, q, _ = metrics.shared_histograms(real.centroid_hz, fake.centroid_hz, bins=hist_bins)
    row["js_centroid"] = metrics.js_divergence(p, q, base=2)
    row["bhattacharyya_centroid"] = metrics.bhattacharyya_distance(p, q)
    return row


def _fmt(x: float, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "inf"
    return f"{x:.{digits}g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"


def _cells(row: dict[str, Any]) -> dict[str, str]:
    flags = row.get("flags", [])
    marks = "†" if "other_profile" in flags else ""
    return {
        "name": row["name"] + (f" {marks}" if marks else ""),
        "n": str(row["n"]),
        "fid": (f"{row['fid']:.1f}" if abs(row["fid"]) >= 10 else _fmt(row["fid"]))
        + ("*" if "fid_few_samples" in flags else ""),
        "kid": f"{_fmt(row['kid_mean'])} ± {_fmt(row['kid_std'], 2)}",
        "is": f"{row['is_mean']:.2f}"
        + (f" ± {row['is_std']:.2f}" if row.get("is_splits", 1) > 1 else " (1 part)"),
        "precision": f"{row['precision']:.2f}" if not math.isnan(row["precision"]) else "n/a",
        "recall": f"{row['recall']:.2f}" if not math.isnan(row["recall"]) else "n/a",
        "ndb_over_k": f"{row['ndb_over_k']:.2f}" if not math.isnan(row["ndb_over_k"]) else "n/a",
        "pitch_entropy": f"{row['pitch_entropy']:.2f}",
        "js_centroid": f"{row['js_centroid']:.3f}",
        "bhattacharyya_centroid": _fmt(row["bhattacharyya_centroid"]),
    }


def _footnotes(rows: Sequence[dict[str, Any]]) -> list[str]:
    used = {f for r in rows for f in r.get("flags", [])}
    return [text for key, text in _FOOTNOTES.items() if key in used]


def format_table(rows: Sequence[dict[str, Any]], markdown: bool = False) -> str:
    """The rows as an aligned text table (or a markdown table), footnotes below."""
    if not rows:
        raise ValueError("no rows to format; evaluate at least one set.")
    titles = [t for _, t in COLUMNS]
    body = [[_cells(r)[key] for key, _ in COLUMNS] for r in rows]
    notes = _footnotes(rows)
    if markdown:  # '*' escaped so it is not read as emphasis or a bullet
        return (
            "\n\n".join([markdown_table(titles, body), *(n.replace("*", "\\*") for n in notes)])
            + "\n"
        )
    return "\n".join([text_table(titles, body), *notes])


_CSV_FIELDS = (
    "name", "n", "fid", "fid_few_samples", "kid_mean", "kid_std", "is_mean", "is_std",
    "is_splits", "precision", "recall", "ndb_over_k", "pitch_entropy", "js_centroid",
    "bhattacharyya_centroid", "other_profile",
)  # fmt: skip


def write_table(
    rows: Sequence[dict[str, Any]], csv_path: str | os.PathLike, md_path: str | os.PathLike
) -> tuple[Path, Path]:
    """Save the rows as CSV (full-precision numbers, one flag column each) and markdown."""
    if not rows:
        raise ValueError("no rows to write; evaluate at least one set.")
    csv_path, md_path = Path(csv_path), Path(md_path)
    for p in (csv_path, md_path):
        p.parent.mkdir(parents=True, exist_ok=True)
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(_CSV_FIELDS))
        writer.writeheader()
        for r in rows:
            out = {k: r.get(k, "") for k in _CSV_FIELDS}
            out["fid_few_samples"] = int("fid_few_samples" in r.get("flags", []))
            out["other_profile"] = int("other_profile" in r.get("flags", []))
            writer.writerow(out)
    md_path.write_text(format_table(rows, markdown=True), encoding="utf-8")
    return csv_path, md_path
