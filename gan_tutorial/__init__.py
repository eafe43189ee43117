"""gan_tutorial: the tested helpers behind the GANs-for-music-and-audio course.

Framework-free modules (numpy only) live at the top level; PyTorch code lives in
``gan_tutorial.torch`` and Keras/TensorFlow code in ``gan_tutorial.keras``.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
