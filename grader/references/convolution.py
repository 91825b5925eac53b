"""Reference code for exercise 08, the trusted side: cross-correlation, a Conv2D layer and max pooling in NumPy.

Instructor-only (`grader publish` leaves `grader/references/` out of the student
bundle): the visible checks of `keras_course.exercises.ex08_convolutional_networks`
compare with numbers made once from these (`keras_course.exercises.ex08_visible`), and
`tests/test_exercise_08.py` recomputes them.
"""

from __future__ import annotations

import numpy as np


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding: ceil(size / stride) outputs, the odd extra row after the image."""
    outputs = -(-size // stride)
    total = max((outputs - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv2d(image: np.ndarray, kernel: np.ndarray, stride: int = 1, padding: str = "valid") -> np.ndarray:
    """The cross-correlation Keras's Conv2D computes, for one channel and one kernel."""
    image, kernel = np.asarray(image, dtype=np.float64), np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    if padding == "same":
        image = np.pad(image, [same_padding(image.shape[0], kh, stride), same_padding(image.shape[1], kw, stride)])
    rows = (image.shape[0] - kh) // stride + 1
    cols = (image.shape[1] - kw) // stride + 1
    out = np.empty((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(image[i * stride : i * stride + kh, j * stride : j * stride + kw] * kernel)
    return out


def conv2d_layer(
    images: np.ndarray, kernels: np.ndarray, biases: np.ndarray, stride: int = 1, padding: str = "valid"
) -> np.ndarray:
    """A Conv2D layer on a channels-last batch with Keras's (kh, kw, C_in, C_out) kernels."""
    maps = [
        [
            sum(conv2d(image[:, :, c], kernels[:, :, c, o], stride, padding) for c in range(kernels.shape[2]))
            + biases[o]
            for o in range(kernels.shape[3])
        ]
        for image in images
    ]
    return np.stack([np.stack(per_image, axis=-1) for per_image in maps])


def max_pool(x: np.ndarray, size: int, stride: int) -> np.ndarray:
    """Max pooling of a channels-last feature map, windows that would stick out dropped."""
    rows, cols = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1
    return np.array(
        [
            [x[i * stride : i * stride + size, j * stride : j * stride + size].max(axis=(0, 1)) for j in range(cols)]
            for i in range(rows)
        ]
    )
