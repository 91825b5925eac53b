"""Every held-out set the judge can score a model on, in one table, on the instructor side.

Each generator takes the ``numpy`` generator that `grader.heldout.make_heldout`
seeds from the course secret and returns ``(x, y)``: secret-seeded,
label-preserving variations of the public data. They run only in the judge's
trusted scorer; no student-side module imports this one. A question names its
set by key (``ModelProbe(heldout="digits", ...)``), and `grader build` checks
that every key it meets is here.

Example:

>>> sorted(HELDOUT_SETS)[:3]
['breast_cancer', 'diabetes', 'digits']
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from grader.corpus import draw_reviews
from grader.data import diabetes_split, perturb_digits, shift_images, small_digits_split
from grader.exercises import ex09_augmentation_and_transfer as ex09
from grader.exercises import ex10_recurrent_networks as ex10
from grader.exercises import ex11_text_and_embeddings as ex11
from grader.exercises import ex12_attention_and_transformers as ex12
from grader.exercises import ex13_gans as ex13
from grader.exercises import ex15_digit_recognition as ex15
from grader.exercises import ex16_review_sentiment as ex16
from grader.exercises import ex17_price_prediction as ex17
from grader.projects import prices
from grader.projects.digits import held_back_digits
from grader.projects.reviews import draw_long_reviews
from grader.transfer import NEW_CLASSES, digit_images, subset_classes

Generator = Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]


# exercise 05: digits
def _ex05_digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return perturb_digits(data.data, rng), data.target.astype(np.int64)


# exercise 05: diabetes
def _ex05_diabetes(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Noisy copies of the validation patients: patients a model trained on the training split never saw."""
    _, x_val, _, y_val = diabetes_split()
    x = x_val.astype(np.float64)
    factor = 1.0 + rng.normal(0.0, 0.03, size=x.shape)
    factor[:, 1] = 1.0  # sex is coded 1 or 2: keep it
    return (x * factor).astype(np.float32), y_val.astype(np.float32)


# exercise 06: digits_optimizers
def _ex06_digits_heldout(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return perturb_digits(data.data, rng, noise=0.8), data.target.astype(np.int64)


# exercise 07: digits_small_regularized
def _ex07_digits_small_regularized(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    x_train, x_val, _, _ = small_digits_split()
    public = {row.tobytes() for row in np.concatenate([x_train, x_val])}
    unseen = np.array([row.astype(np.float32).tobytes() not in public for row in data.data])
    return perturb_digits(data.data[unseen], rng), data.target[unseen].astype(np.int64)


# exercise 08: digits_shifted_images
def _ex08_shifted_digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every digit, moved by up to one pixel each way, a little lighter or darker, with pixel noise."""
    from sklearn.datasets import load_digits

    data = load_digits()
    images = shift_images(data.data.reshape(-1, 8, 8, 1).astype(np.float64), rng)
    return perturb_digits(images, rng), data.target.astype(np.int64)


# exercise 09: ex09_new_digits
def _ex09_new_digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x, y = subset_classes(*digit_images(), NEW_CLASSES)
    return ex09._perturb(x, rng), y


# exercise 10: echo_sequences
def _ex10_echo_heldout(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return ex10.echo_sequences(2000, int(rng.integers(2**31)))


# exercise 10: sunspot_seen_and_unseen_windows
def _ex10_sunspot_seen_and_unseen(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The 210 training windows, then the 79 test windows; ``y`` holds each target and 1.0 where it is a test year.

    Public data (the notebook has both): it asks whether the model errs more on the years it never saw.
    """
    del rng
    mean, std = ex10._training_statistics()
    scaled = (ex10.sunspots()[1] - mean) / std
    x_seen, y_seen = ex10._windows(scaled[: ex10.N_TRAIN], ex10.WINDOW)
    x_unseen, y_unseen = ex10.sunspot_test_windows()
    flags = np.concatenate([np.zeros(len(y_seen)), np.ones(len(y_unseen))])
    return np.concatenate([x_seen, x_unseen]), np.stack([np.concatenate([y_seen, y_unseen]), flags], axis=1)


# exercise 10: sunspot_windows
def _ex10_sunspot_heldout(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eight copies of 1910 to 2008, each scaled by a factor near 1 with 5% noise per year; windows in training units."""
    values = ex10.sunspots()[1]
    mean, std = ex10._training_statistics()
    xs, ys = [], []
    for _ in range(8):
        factor = rng.uniform(0.9, 1.1) * (1.0 + rng.normal(0.0, 0.05, size=len(values)))
        changed = np.clip(values * factor, 0.0, None)
        x, y = ex10._windows(((changed - mean) / std)[ex10.N_TRAIN - ex10.WINDOW :], ex10.WINDOW)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


# exercise 11: review_sentences_11
def _ex11_review_sentences(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Fresh secret-seeded sentences from the course's generator: not in any file the student can read."""
    texts, labels = draw_reviews(rng, ex11.HELDOUT_SIZE)
    return np.array(texts, dtype=str), labels


# exercise 12: ex12_sorted_digit_sequences
def _ex12_sorted_sequences(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.integers(0, ex12.VOCAB, size=(ex12.HELDOUT_SEQUENCES, ex12.SEQ_LEN))
    return x.astype(np.int32), np.sort(x, axis=1).astype(np.int64)


# exercise 13: gan_ring_latent
def _ex13_gan_ring(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x: latent noise for the generator; y: fresh real draws from the ring, to compare its samples with."""
    z = rng.normal(size=(ex13.HELDOUT_SIZE, ex13.LATENT_DIM)).astype(np.float32)
    return z, ex13._draw_ring(ex13.HELDOUT_SIZE, rng)


# exercise 15: mnist_moved_digits
def _ex15_moved_digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three secret noisy, moved copies of each of the 500 digits `load_digits` holds back, ex15.prepared."""
    images, labels = held_back_digits()
    copies = [ex15.perturb_mnist(images, rng) for _ in range(ex15.COPIES)]
    return ex15.prepared(np.concatenate(copies)), np.tile(labels, ex15.COPIES)


# exercise 16: long_reviews_16
def _ex16_heldout_reviews(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Fresh secret-seeded reviews from the project's generator: in no file the student can read."""
    texts, labels = draw_long_reviews(rng, ex16.HELDOUT_SIZE)
    return np.array(texts, dtype=str), labels


# exercise 17: inflation_windows
def _ex17_inflation_heldout(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eight copies of the whole series, inflation scaled by a factor in [0.9, 1.1] plus noise of 0.15 points
    and the bill rate plus noise of 0.2 points; the windows whose targets are the 79 test quarters of each copy."""
    _, features, _ = prices.inflation_features()
    mean, std = ex17._training_statistics()
    xs, ys = [], []
    for _ in range(8):
        copy = features.copy()
        copy[:, 0] = copy[:, 0] * rng.uniform(0.9, 1.1) + rng.normal(0.0, 0.15, size=len(copy))
        copy[:, 1] = copy[:, 1] + rng.normal(0.0, 0.2, size=len(copy))
        x, y = ex17._windows((copy - mean) / std, copy[:, 0], prices.WINDOW)
        xs.append(x[prices.N_TRAIN - prices.WINDOW :])
        ys.append(y[prices.N_TRAIN - prices.WINDOW :])
    return np.concatenate(xs), np.concatenate(ys)


# exercise 17: inflation_seen_and_unseen_windows
def _ex17_inflation_seen_and_unseen(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The 115 training windows, then the 79 test windows; ``y`` holds each target and 1.0 where it is a test quarter.

    Public data (the notebook has both): it asks whether the model errs more on the quarters it never saw.
    """
    del rng
    x_train, y_train, x_test, y_test = ex17.forecast_windows()
    flags = np.concatenate([np.zeros(len(y_train)), np.ones(len(y_test))])
    return np.concatenate([x_train, x_test]), np.stack([np.concatenate([y_train, y_test]), flags], axis=1)


def _breast_cancer(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    x = data.data.astype(np.float64)
    noisy = x + rng.normal(0.0, 0.05, size=x.shape) * x.std(axis=0)
    return np.clip(noisy, 0.0, None).astype(np.float32), data.target.astype(np.int64)


HELDOUT_SETS: dict[str, Generator] = {
    "breast_cancer": _breast_cancer,
    "digits": _ex05_digits,
    "diabetes": _ex05_diabetes,
    "digits_optimizers": _ex06_digits_heldout,
    "digits_small_regularized": _ex07_digits_small_regularized,
    "digits_shifted_images": _ex08_shifted_digits,
    "ex09_new_digits": _ex09_new_digits,
    "echo_sequences": _ex10_echo_heldout,
    "sunspot_seen_and_unseen_windows": _ex10_sunspot_seen_and_unseen,
    "sunspot_windows": _ex10_sunspot_heldout,
    "review_sentences_11": _ex11_review_sentences,
    "ex12_sorted_digit_sequences": _ex12_sorted_sequences,
    "gan_ring_latent": _ex13_gan_ring,
    "mnist_moved_digits": _ex15_moved_digits,
    "long_reviews_16": _ex16_heldout_reviews,
    "inflation_windows": _ex17_inflation_heldout,
    "inflation_seen_and_unseen_windows": _ex17_inflation_seen_and_unseen,
}
