"""Evaluation metrics for generated audio: framework-free (numpy and scipy only).

The families, in the order chapter 24 introduces them:

* **Histogram distances** between feature distributions of real and generated clips:
  :func:`bhattacharyya_distance` and :func:`js_divergence`, with :func:`audio_features`
  and :func:`shared_histograms` to build the histograms.
* **Fréchet Inception Distance** and friends: :func:`frechet_distance`,
  :func:`fid_from_features`, :func:`fid_vs_n`, :func:`fid_infinity`,
  :func:`kernel_inception_distance`, :func:`inception_score`.
* **Coverage metrics**: :func:`precision_recall` (k-NN manifolds) and :func:`ndb`
  (number of statistically different bins).
* **Pitch metrics** (chapter 22 and GANSynth): :func:`dominant_frequency`,
  :func:`pitch_match_share`, :func:`distinct_pitches`, :func:`pitch_accuracy`,
  :func:`pitch_accuracy_by_group`, :func:`pitch_entropy`.
* **Timbre diagnostics** (chapters 24 and 25): :func:`instrument_coverage` and
  :func:`coverage_ratio`, :func:`within_label_diversity` and :func:`diversity_ratio`,
  :func:`memorisation` (nearest-training-clip distances against held-out real clips).
* **MFCC statistics** (chapter 26): :func:`mfcc_stats`, :func:`mfcc_frechet` and
  :func:`mfcc_frechet_to`, a timbre distance with no network, the one vocoders and
  representations are compared with.
* **Listening tests**: :func:`load_ratings`, :func:`summarise_ratings` and
  :func:`rater_agreement` read the CSV files written by ``widgets.ListeningTest``.

One module per family: :mod:`.histograms`, :mod:`.distribution`, :mod:`.coverage`,
:mod:`.pitch`, :mod:`.timbre`, :mod:`.mfcc`, :mod:`.ratings` (the CSV schema and parser) and
:mod:`.listening`; every public name is re-exported here, so
``metrics.frechet_distance(...)`` works.

Every function takes feature arrays as ``(N, d)`` (N samples, d features) and audio as
``(N, T)`` float arrays in [-1, 1] at sample rate ``sr`` in Hz.
"""

from .coverage import knn_radii, ndb, precision_recall
from .distribution import (
    fid_from_features,
    fid_infinity,
    fid_vs_n,
    frechet_distance,
    inception_score,
    kernel_inception_distance,
)
from .histograms import (
    audio_features,
    bhattacharyya_coefficient,
    bhattacharyya_distance,
    histogram,
    js_divergence,
    shared_histograms,
)
from .listening import rater_agreement, summarise_ratings
from .mfcc import mfcc_frechet, mfcc_frechet_to, mfcc_stats
from .pitch import (
    distinct_pitches,
    dominant_frequency,
    format_pitch_table,
    hz_to_midi,
    pitch_accuracy,
    pitch_accuracy_by_group,
    pitch_entropy,
    pitch_match_share,
    pitch_summary,
)
from .ratings import CRITERIA, RATING_COLUMNS, SOURCES, load_ratings
from .timbre import (
    coverage_ratio,
    diversity_ratio,
    effective_number,
    instrument_coverage,
    label_diversity,
    memorisation,
    nearest_distances,
    within_label_diversity,
)

__all__ = [
    "CRITERIA",
    "RATING_COLUMNS",
    "SOURCES",
    "audio_features",
    "bhattacharyya_coefficient",
    "bhattacharyya_distance",
    "coverage_ratio",
    "distinct_pitches",
    "diversity_ratio",
    "dominant_frequency",
    "effective_number",
    "fid_from_features",
    "fid_infinity",
    "fid_vs_n",
    "format_pitch_table",
    "frechet_distance",
    "histogram",
    "hz_to_midi",
    "inception_score",
    "instrument_coverage",
    "js_divergence",
    "kernel_inception_distance",
    "knn_radii",
    "label_diversity",
    "load_ratings",
    "memorisation",
    "mfcc_frechet",
    "mfcc_frechet_to",
    "mfcc_stats",
    "ndb",
    "nearest_distances",
    "pitch_accuracy",
    "pitch_accuracy_by_group",
    "pitch_entropy",
    "pitch_match_share",
    "pitch_summary",
    "precision_recall",
    "rater_agreement",
    "shared_histograms",
    "summarise_ratings",
    "within_label_diversity",
]
