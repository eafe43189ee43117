"""Chapter 24's "Inception network for audio": a small CNN pitch classifier (GANSynth's choice).

Image GAN metrics (IS, FID, KID, precision/recall) need a pretrained network; for notes
GANSynth (Engel et al. 2019) trained a pitch classifier on NSynth and used its softmax
(Inception Score, pitch accuracy, pitch entropy) and its penultimate layer (FID). This
package ships the same idea, small enough for a laptop:

* :mod:`.model`: :class:`PitchClassifier` - log-mel (B, 1, 64, 64) -> 49 pitch logits (MIDI
  36..84), with a 128-d embedding before the last layer;
* :mod:`.evaluator`: :class:`AudioEvaluator` - the trained classifier plus its spectrogram
  settings and normaliser, working straight from audio (N, 16384) at 16 kHz of any profile;
* :mod:`.training`: :func:`train_classifier` and :func:`evaluate_shipped`.

Retrain or check the packaged weights from the command line (:mod:`.__main__`)::

    python -m gan_tutorial.torch.classifier --train
    python -m gan_tutorial.torch.classifier --evaluate
"""

from .evaluator import AudioEvaluator
from .model import (
    EMBED_DIM,
    N_CLASSES,
    PITCH_HIGH,
    PITCH_LOW,
    PitchClassifier,
    default_weights_path,
)
from .training import evaluate_shipped, train_classifier

__all__ = [
    "EMBED_DIM",
    "N_CLASSES",
    "PITCH_HIGH",
    "PITCH_LOW",
    "AudioEvaluator",
    "PitchClassifier",
    "default_weights_path",
    "evaluate_shipped",
    "train_classifier",
]
