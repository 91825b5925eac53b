"""Keras layers the course provides, registered so that saved models load with ``safe_mode=True``.

A student's model may use these layers and still be judged: the grader's model
scorer imports this module before it loads a ``.keras`` file, so the classes are
known by name and no code from the file is run. Keep every layer here small,
weightless or plainly serializable, and never rename one (saved models name it).

Example:

>>> import keras
>>> from keras_course.layers import PositionalEncoding
>>> x = keras.ops.zeros((1, 3, 4))
>>> [round(float(v), 3) for v in keras.ops.convert_to_numpy(PositionalEncoding()(x))[0, 1]]
[0.841, 0.54, 0.01, 1.0]
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_course")
class PositionalEncoding(keras.layers.Layer):
    """Add the sinusoidal position encodings of Vaswani et al. (2017) to a sequence of vectors.

    Position ``p`` and feature ``j`` of a sequence of ``depth``-dimensional vectors get
    ``sin(p / w ** (2 * (j // 2) / depth))`` added when ``j`` is even and the cosine of the
    same angle when ``j`` is odd, with ``w = max_wavelength``. The layer has no weights.

    Args:
        max_wavelength: the ``w`` above, the longest wavelength. Defaults to 10000.0.

    Input shape: ``(batch, length, depth)``; the output has the same shape.

    Example:

    >>> import keras
    >>> inputs = keras.Input(shape=(8,), dtype="int32")
    >>> vectors = keras.layers.Embedding(10, 16)(inputs)
    >>> tuple(PositionalEncoding()(vectors).shape)
    (None, 8, 16)
    """

    def __init__(self, max_wavelength: float = 10000.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if max_wavelength <= 0:
            raise ValueError(
                f"PositionalEncoding expects a positive max_wavelength. Received: max_wavelength={max_wavelength}"
            )
        self.max_wavelength = float(max_wavelength)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        length, depth = ops.shape(inputs)[-2], ops.shape(inputs)[-1]
        positions = ops.cast(ops.arange(length), "float32")[:, None]
        features = ops.arange(depth)[None, :]
        pair = ops.cast(2 * (features // 2), "float32")
        angles = positions / ops.power(self.max_wavelength, pair / ops.cast(depth, "float32"))
        encoding = ops.where(features % 2 == 0, ops.sin(angles), ops.cos(angles))
        return inputs + ops.cast(encoding, inputs.dtype)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_wavelength": self.max_wavelength}
