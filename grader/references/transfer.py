"""Reference code for exercise 09, the trusted side: a class subset and whole-pixel shifts.

Instructor-only (`grader publish` leaves `grader/references/` out of the student
bundle): `grader.heldout_sets` draws its held-out digits with `subset_classes`
(through `grader.transfer`), and `tests/test_exercise_09.py` builds answers and
recomputes the visible examples' stored numbers with both.
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
