"""Exercise 09's course material: the digits as images split by class, and a small pretrained backbone.

The notebook of lesson and exercise 09 transfers a convolutional backbone
pretrained on the digits 0 to 4 to the digits 5 to 9, with five training images
per class. Everything here is data and model building, the same for student and
grader; the grading of exercise 09 lives in `keras_course.exercises.ex09_augmentation_and_transfer`,
which re-exports these names for the notebook. The class subset and the image
shifts that questions 1 and 2 ask for are not here: their reference code stays
with the instructor (`grader.references.transfer`).

Example:

>>> x_train, y_train, x_val, y_val = transfer_data()
>>> x_train.shape, sorted(set(y_train.tolist()))
((25, 8, 8, 1), [0, 1, 2, 3, 4])
"""

from __future__ import annotations

from typing import Any

import numpy as np

OLD_CLASSES = (0, 1, 2, 3, 4)
NEW_CLASSES = (5, 6, 7, 8, 9)
PER_CLASS = 5  # training images per new class: little data
PRETRAIN_EPOCHS = 15
_PRISTINE: dict[int, list[np.ndarray]] = {}


def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as float32 images of shape (8, 8, 1), grey levels scaled from 0..16 to 0..1, and labels 0..9."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images / 16.0).astype(np.float32)[..., None], digits.target.astype(np.int64)


def pretraining_data() -> tuple[np.ndarray, np.ndarray]:
    """The digits 0 to 4 (901 images), for pretraining the backbone. Returns ``(x, y)``."""
    x, y = digit_images()
    return x[y <= OLD_CLASSES[-1]], y[y <= OLD_CLASSES[-1]]


def transfer_data(per_class: int = PER_CLASS, seed: int = 0) -> tuple[np.ndarray, ...]:
    """The digits 5 to 9 relabelled 0 to 4: ``per_class`` training images per class, the rest for validation.

    Returns ``(x_train, y_train, x_val, y_val)``, fixed by ``seed``.
    """
    x, y = digit_images()
    x, y = x[y >= NEW_CLASSES[0]], y[y >= NEW_CLASSES[0]] - NEW_CLASSES[0]  # the classes 5 to 9 are 0 to 4 here
    order = np.random.default_rng(seed).permutation(len(y))
    train = np.sort(np.concatenate([order[y[order] == c][:per_class] for c in range(len(NEW_CLASSES))]))
    val = np.setdiff1d(np.arange(len(y)), train)
    return x[train], y[train], x[val], y[val]


def build_backbone(name: str = "backbone", dtype: str = "float32") -> Any:
    """The course's small convolutional backbone, untrained: (8, 8, 1) images in, 256 features out."""
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1), dtype=dtype),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu", dtype=dtype),
            keras.layers.MaxPooling2D(2, dtype=dtype),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu", dtype=dtype),
            keras.layers.MaxPooling2D(2, dtype=dtype),
            keras.layers.Flatten(dtype=dtype),
        ],
        name=name,
    )


def pretrained_backbone(seed: int = 0) -> Any:
    """A backbone trained on the digits 0 to 4 (with a 5-way head that is then thrown away).

    It trains for a few seconds the first time; later calls return a fresh copy of
    the same weights. The backbone comes back trainable, as Keras makes every model.
    Pretraining runs in float64 and the weights are then rounded to float32, so
    they come out bit for bit the same whatever the number of threads or the
    machine (float32 training differs by a few percent between thread counts);
    the grader rebuilds them to check that a frozen backbone kept them.

    Example:

    >>> backbone = pretrained_backbone()  # doctest: +SKIP
    >>> backbone.output_shape  # doctest: +SKIP
    (None, 256)
    """
    import keras

    if seed not in _PRISTINE:
        keras.utils.set_random_seed(seed)
        backbone = build_backbone(dtype="float64")
        x, y = pretraining_data()
        model = keras.Sequential(
            [
                keras.Input(shape=(8, 8, 1), dtype="float64"),
                keras.layers.RandomTranslation(0.125, 0.125, fill_mode="constant", dtype="float64"),
                backbone,
                keras.layers.Dense(len(OLD_CLASSES), activation="softmax", dtype="float64"),
            ]
        )
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
        model.fit(x.astype(np.float64), y, epochs=PRETRAIN_EPOCHS, batch_size=32, verbose=0)
        _PRISTINE[seed] = [w.astype(np.float32) for w in backbone.get_weights()]
    backbone = build_backbone()
    backbone.set_weights([w.copy() for w in _PRISTINE[seed]])
    return backbone


def pristine_weights(seed: int = 0) -> np.ndarray:
    """The pretrained backbone's weights, flattened in the order of ``get_weights()``, as float64."""
    pretrained_backbone(seed)
    return np.concatenate([w.ravel() for w in _PRISTINE[seed]]).astype(np.float64)
