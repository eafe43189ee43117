"""Keras 3 (TensorFlow backend) implementations for the course: models, data, training.

Import the submodules directly (``from gan_tutorial.keras import models``); importing this
package does not import TensorFlow.
"""

__all__: list[str] = []
