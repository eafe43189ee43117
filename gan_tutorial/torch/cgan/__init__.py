"""Chapter 25: a conditional audio GAN (notebook 25 and a command line for bigger runs).
Chapter 26 trains the same networks GANSynth-style: two channels (log magnitude and
instantaneous frequency of a linear STFT, :data:`.data.IF_SPEC`) turned into audio by
the exact inverse STFT (:mod:`gan_tutorial.phase`) instead of Griffin-Lim.

* :mod:`.model`: the pitch- and family-conditioned generator and projection discriminator
  (``size`` square or ``(F, T)``, ``channels`` 1 or 2);
* :mod:`.data`: labelled spectrograms as tensors (:func:`.data.prepare_data`: log-mel;
  :func:`.data.prepare_if_data`: log magnitude and IF);
* :mod:`.settings`: the settings per profile, and chapter 26's changes for the IF model;
* :mod:`.training`: the run (``run_for(settings, data)`` fits it to the data), its step,
  and ``train`` (through :func:`gan_tutorial.torch.training.fit`);
* :mod:`.evaluation`: sampling, the sample file and chapter 24's judge;
* ``python -m gan_tutorial.torch.cgan``: the command line (:mod:`.__main__`), also under
  ``torchrun``.

Nothing is imported here, so ``import gan_tutorial.torch.cgan.model`` stays light.
"""
