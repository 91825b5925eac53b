"""Held-out sets of exercise 09: secret-seeded variations of its public data (see `grader.heldout_sets`)."""

from __future__ import annotations

import numpy as np

from grader.references.transfer import random_shift, subset_classes
from keras_course.exercises import ex09_augmentation_and_transfer as ex09
from keras_course.transfer import NEW_CLASSES, digit_images


def ex09_new_digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x, y = subset_classes(*digit_images(), NEW_CLASSES)
    return ex09.lighten_and_noise(random_shift(x, rng), rng), y
