"""Chapter 24's "Inception network for audio": a small CNN judge of pitch, family and instrument.

Image GAN metrics (IS, FID, KID, precision/recall) need a pretrained network; for notes
GANSynth (Engel et al. 2019) trained a pitch classifier on NSynth and used its softmax
(Inception Score, pitch accuracy) and its penultimate layer (FID). This package ships the
same idea, small enough for a laptop, with two changes so that it can see timbre and level:

* heads for pitch (MIDI 36..84), instrument family (10) and instrument (every General MIDI
  program any profile renders), so the shared 128-d embedding must tell instruments apart;
* its own front end, 128-band log-mel with n_fft 2048 (the GANs make 64-band mel with n_fft
  1024, which the course's mel-matching vocoder reproduces), and no gain augmentation in
  training, so loudness is part of what the embedding describes.

Modules:

* :mod:`.model`: :class:`JudgeNet` - log-mel (B, 1, 128, 64) -> 128-d embedding -> logits;
* :mod:`.evaluator`: :class:`AudioEvaluator` - the trained judge plus its front end and
  normaliser, working straight from audio (N, 16384) at 16 kHz of any profile;
* :mod:`.training`: :func:`train_judge` and :func:`evaluate_shipped`.

Retrain or check the packaged weights from the command line (:mod:`.__main__`)::

    python -m gan_tutorial.torch.classifier --train
    python -m gan_tutorial.torch.classifier --evaluate
"""

from .evaluator import AudioEvaluator, softmax
from .model import (
    EMBED_DIM,
    FRONT_END,
    N_CLASSES,
    N_FAMILIES,
    PITCH_HIGH,
    PITCH_LOW,
    JudgeNet,
    default_weights_path,
)
from .training import evaluate_shipped, held_out_scores, train_classifier, train_judge

__all__ = [
    "EMBED_DIM",
    "FRONT_END",
    "N_CLASSES",
    "N_FAMILIES",
    "PITCH_HIGH",
    "PITCH_LOW",
    "AudioEvaluator",
    "JudgeNet",
    "default_weights_path",
    "evaluate_shipped",
    "held_out_scores",
    "softmax",
    "train_classifier",
    "train_judge",
]
