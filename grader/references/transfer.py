"""Reference code for exercise 09, the trusted side: a class subset and whole-pixel shifts (questions 1 and 2).

Instructor-only (`grader publish` leaves `grader/references/` out of the student
bundle): the held-out sets (`grader.heldout_sets`) select with `subset_classes` and
move images with `random_shift` (exercises 08, 09 and project 15),
`tests/test_exercise_09.py` builds answers and recomputes the visible examples'
stored numbers with both, and `tests/test_exercise_08.py` checks that the moved
digits `keras_course.data` ships (`keras_course/shifted_digits.npz`) are what `stored_shifts` makes.
"""

from __future__ import annotations

import numpy as np


def subset_classes(x: np.ndarray, y: np.ndarray, classes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The examples of ``classes`` only, relabelled by their position in ``classes``."""
    keep = np.isin(y, classes)
    lookup = {c: i for i, c in enumerate(classes)}
    return x[keep], np.array([lookup[int(c)] for c in y[keep]], dtype=np.int64)


def shift_images(images: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Shift each image by its whole-pixel (down, right) pair, filling with zeros (images of shape (n, h, w, ...))."""
    out = np.zeros_like(images)
    h, w = images.shape[1:3]
    for i, (dy, dx) in enumerate(np.asarray(shifts, dtype=int)):
        if abs(dy) >= h or abs(dx) >= w:
            continue
        out[i, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = images[
            i, max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
        ]
    return out


def random_shift(images: np.ndarray, rng: np.random.Generator, max_shift: int = 1) -> np.ndarray:
    """Move each image by whole pixels, one draw of (down, right) in -max_shift..max_shift per image, filling with 0."""
    return shift_images(images, rng.integers(-max_shift, max_shift + 1, size=(len(images), 2)))


def stored_shifts() -> dict[str, np.ndarray]:
    """The moved digits `keras_course/shifted_digits.npz` holds, as grey levels 0..16 (uint8), by name.

    ``lesson08_train`` and ``lesson08_val``: the images of ``keras_course.data.digits_split()`` as (n, 8, 8, 1), moved
    with ``default_rng(8)`` (training images first); ``ex09_val``: exercise 09's validation digits
    (``keras_course.transfer.transfer_data``) moved with ``default_rng(2024)``, the draw its visible perturbation starts with.
    Rewrite the file with ``np.savez_compressed("keras_course/shifted_digits.npz", **stored_shifts())``.
    """
    from keras_course.data import digits_split
    from keras_course.transfer import transfer_data

    x_train, x_val, _, _ = digits_split()
    rng = np.random.default_rng(8)
    train = random_shift(x_train.reshape(-1, 8, 8, 1), rng)
    val = random_shift(x_val.reshape(-1, 8, 8, 1), rng)
    ex09_val = random_shift(transfer_data()[2], np.random.default_rng(2024)) * 16.0
    return {name: np.rint(images).astype(np.uint8) for name, images in
            (("lesson08_train", train), ("lesson08_val", val), ("ex09_val", ex09_val))}
