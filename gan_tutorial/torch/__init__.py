"""PyTorch code of the course, by chapter.

Shared by every chapter:

* :mod:`.training`: :class:`~.training.GANState`, chapter 22's step and ``fit``, the one
  training loop (time guard, NaN guard, EMA, checkpoints, exact resume);
* :mod:`.checkpoint`: the one checkpoint format;
* :mod:`.losses`: GAN losses and the WGAN-GP gradient penalty;
* :mod:`.tricks`: spectral norm, weight clipping, the EMA, ``set_requires_grad``, Adam
  optimisers, the mode-seeking term;
* :mod:`.data`: spectrogram arrays as tensors and reproducible batches;

Per chapter:

* 22 (audio GANs): :mod:`.models` (DCGAN, LSTM generator, the source's sketch);
* 22c (symbolic music): :mod:`.musegan`;
* 23 (stability): :mod:`.toy` (ring of Gaussians) and :mod:`.progressive`;
* 24 (evaluation): :mod:`.classifier` (the judge network: pitch, family and instrument heads; ``python -m
  gan_tutorial.torch.classifier``);
* 25 (conditional GAN): :mod:`.cgan` (``python -m gan_tutorial.torch.cgan``).
"""

__all__: list[str] = []
