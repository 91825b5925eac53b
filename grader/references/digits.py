"""Reference code for project 15, the trusted side: the preparation of MNIST images (question 1's answer).

Instructor-only (`grader publish` leaves `grader/references/` out of the student
bundle): the held-out set (`grader.heldout_sets.ex15`) prepares its digits with
`prepared`, and `tests/test_exercise_15.py` recomputes the visible example's stored numbers.
"""

from __future__ import annotations

import numpy as np


def prepared(images: np.ndarray) -> np.ndarray:
    """Float32 in [0, 1] with a channel axis."""
    return (np.asarray(images, dtype=np.float32) / 255.0)[..., np.newaxis]
