"""Held-out sets of exercise 13: secret-seeded variations of its public data (see `grader.heldout_sets`)."""

from __future__ import annotations

import numpy as np

from keras_course.data import draw_ring
from keras_course.exercises import ex13_gans as ex13


def gan_ring_latent(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x: latent noise for the generator; y: fresh real draws from the ring, to compare its samples with."""
    z = rng.normal(size=(ex13.HELDOUT_SIZE, ex13.LATENT_DIM)).astype(np.float32)
    return z, draw_ring(ex13.HELDOUT_SIZE, rng)
