"""Every held-out set the judge can score a model on, in one table, on the instructor side.

A held-out set is made by a generator ``rng -> (x, y)``: secret-seeded,
label-preserving variations of the public data (`grader.heldout.make_heldout`
seeds ``rng`` from the course secret). The generators run only in the judge's
trusted scorer; no student-side module imports them. A question names its set
by key (``ModelProbe(heldout="digits", ...)``); the table says which module of
this package makes it, and the function there carries the set's name, so an
answer key's fingerprint covers its own exercise's generators and no other's.

Example:

>>> HELDOUT_SETS["digits"]
'ex05'
>>> generator("digits").__name__
'digits'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import numpy as np

Generator = Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]

HELDOUT_SETS: dict[str, str] = {  # set name -> the module of this package that makes it
    "breast_cancer": "ex01",
    "digits": "ex05",
    "diabetes": "ex05",
    "digits_optimizers": "ex06",
    "digits_small_regularized": "ex07",
    "digits_shifted_images": "ex08",
    "ex09_new_digits": "ex09",
    "echo_sequences": "ex10",
    "sunspot_seen_and_unseen_windows": "ex10",
    "sunspot_windows": "ex10",
    "review_sentences_11": "ex11",
    "ex12_sorted_digit_sequences": "ex12",
    "gan_ring_latent": "ex13",
    "mnist_moved_digits": "ex15",
    "long_reviews_16": "ex16",
    "inflation_windows": "ex17",
    "inflation_seen_and_unseen_windows": "ex17",
}


def generator(name: str) -> Generator:
    """The function that makes held-out set ``name``.

    Raises:
        KeyError: no set of that name; the message lists the known ones.
    """
    if name not in HELDOUT_SETS:
        raise KeyError(f"Unknown held-out set {name!r}. Known: {', '.join(sorted(HELDOUT_SETS))}")
    return getattr(importlib.import_module(f"grader.heldout_sets.{HELDOUT_SETS[name]}"), name)
