"""Chapter 25: a conditional audio GAN (notebook 25 and a command line for bigger runs).

* :mod:`.model`: the pitch- and family-conditioned generator and projection discriminator;
* :mod:`.data`: labelled spectrograms as tensors;
* :mod:`.training`: settings per profile, the run, its step, and ``train`` (through
  :func:`gan_tutorial.torch.training.fit`);
* :mod:`.evaluation`: sampling, the sample file and chapter 24's judge;
* ``python -m gan_tutorial.torch.cgan``: the command line (:mod:`.__main__`), also under
  ``torchrun``.

Nothing is imported here, so ``import gan_tutorial.torch.cgan.model`` stays light.
"""
