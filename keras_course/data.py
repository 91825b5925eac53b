"""Offline datasets for lessons and exercises (everything ships in installed packages).

Each function returns NumPy arrays and is deterministic for a given seed, so a
student, the visible checks and the grader all see the same split.

Example:

>>> x_train, x_val, y_train, y_val = breast_cancer_split()
>>> x_train.shape[1], sorted(set(y_train.tolist()))
(30, [0, 1])
"""

from __future__ import annotations

import numpy as np


def iris_petals() -> tuple[np.ndarray, np.ndarray]:
    """Petal length and width (cm) of setosa (label 0) and versicolor (label 1) irises.

    The two species are linearly separable on these two features, so a
    perceptron finds a separating line. Returns ``(x, y)`` with shapes (100, 2), (100,).
    """
    from sklearn.datasets import load_iris

    iris = load_iris()
    keep = iris.target < 2
    return iris.data[keep][:, 2:4].astype(np.float64), iris.target[keep].astype(np.int64)


def breast_cancer_split(seed: int = 0, validation: float = 0.25) -> tuple[np.ndarray, ...]:
    """Wisconsin breast cancer features (30 per tumour, raw units) and labels (1 = benign).

    Returns ``(x_train, x_val, y_train, y_val)``: a stratified split, fixed by ``seed``.
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    data = load_breast_cancer()
    x = data.data.astype(np.float32)
    y = data.target.astype(np.int64)
    return tuple(train_test_split(x, y, test_size=validation, random_state=seed, stratify=y))


def moons_network() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights and biases of a [2, 8, 1] network trained on ``make_moons(noise=0.15)``, rounded to 0.1.

    The course's conventions: weight matrices of shape (inputs, outputs), biases of
    shape (outputs,), ReLU on the hidden layer and a logit (no activation) out.
    It classifies about 99% of fresh ``make_moons(noise=0.15)`` points correctly.
    Returns ``(weights, biases)``: lists of two arrays each.
    """
    w1 = np.array(
        [
            [3.1, -2.8, 1.5, -2.1, -1.4, -3.9, -5.5, -1.5],
            [-2.4, 4.2, 0.0, -0.6, -0.4, -2.6, -1.6, -0.5],
        ]
    )
    b1 = np.array([-2.5, -1.0, -1.7, 0.2, 0.1, 3.6, 0.5, 0.2])
    w2 = np.array([[4.0], [-3.0], [2.2], [-2.1], [-1.3], [5.9], [-5.3], [-1.5]])
    b2 = np.array([-6.1])
    return [w1, w2], [b1, b2]


def moons_split(seed: int = 0, n_samples: int = 500, noise: float = 0.2) -> tuple[np.ndarray, ...]:
    """Two interleaving half circles (``make_moons``), split 70/30 into training and test points.

    With the defaults this is lesson 04's data. ``seed`` fixes both the points
    and the stratified split. Returns ``(X_train, X_test, y_train, y_test)``;
    the labels have shape (n,) and values 0 and 1.
    """
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return tuple(train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y))


def digits_split(seed: int = 0, validation: float = 0.25) -> tuple[np.ndarray, ...]:
    """scikit-learn's 1,797 handwritten digits: 64 raw grey levels (0 to 16) per 8x8 image, labels 0 to 9.

    Returns ``(x_train, x_val, y_train, y_val)``: a stratified split, fixed by
    ``seed``; ``x`` is float32 of shape (n, 64), ``y`` integers of shape (n,).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = digits.data.astype(np.float32)
    y = digits.target.astype(np.int64)
    return tuple(train_test_split(x, y, test_size=validation, random_state=seed, stratify=y))


def shifted_digits(name: str) -> np.ndarray:
    """Stored moved digits (`keras_course/shifted_digits.npz`), float32 grey levels 0 to 16 of shape (n, 8, 8, 1).

    ``name`` is ``"lesson08_train"``, ``"lesson08_val"`` or ``"ex09_val"``. Each image is moved by up to one
    pixel each way, the border it uncovers blank. They are stored, not computed here: moving images is
    exercise 09's question 2 (``grader.references.transfer.stored_shifts`` made them).
    """
    from pathlib import Path

    with np.load(Path(__file__).with_name("shifted_digits.npz")) as stored:
        return stored[name].astype(np.float32)


def shifted_digits_split() -> tuple[np.ndarray, ...]:
    """`digits_split` as images of shape (8, 8, 1), each moved by up to one pixel (lessons 08 and on).

    The training images come twice, as they are and once moved at random; each
    validation image is moved at random (`shifted_digits`), so the validation set
    measures how well a model copes with digits that are not centred.
    Returns ``(x_train, x_val, y_train, y_val)``: ``x`` float32 grey levels 0 to 16
    of shape (n, 8, 8, 1), ``y`` integers; 2 x 1,347 training and 450 validation images.
    """
    x_train, _, y_train, y_val = digits_split()
    x_train = np.concatenate([x_train.reshape(-1, 8, 8, 1), shifted_digits("lesson08_train")])
    return x_train, shifted_digits("lesson08_val"), np.concatenate([y_train, y_train]), y_val


def small_digits_split(
    seed: int = 0, n_train: int = 300, n_val: int = 400, label_noise: float = 0.25
) -> tuple[np.ndarray, ...]:
    """A small, carelessly labelled training subset of scikit-learn's digits, and a clean validation subset.

    Lesson 07's data for overfitting: ``n_train`` raw images (grey levels 0 to
    16) of which exactly ``round(label_noise * n_train)`` carry a wrong label (a
    different digit drawn at random), and ``n_val`` other images with their true
    labels. Both subsets are stratified; everything is fixed by ``seed``.
    Returns ``(x_train, x_val, y_train, y_val)``: float32 ``x`` of shape (n, 64), int64 ``y``.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = digits.data.astype(np.float32)
    y = digits.target.astype(np.int64)
    train, rest = train_test_split(np.arange(len(x)), train_size=n_train, random_state=seed, stratify=y)
    val, _ = train_test_split(rest, train_size=n_val, random_state=seed, stratify=y[rest])
    rng = np.random.default_rng(seed)
    y_train = y[train].copy()
    wrong = rng.choice(n_train, size=round(label_noise * n_train), replace=False)
    y_train[wrong] = (y_train[wrong] + rng.integers(1, 10, size=len(wrong))) % 10
    return x[train], x[val], y_train, y[val]


def diabetes_split(seed: int = 0, validation: float = 0.25) -> tuple[np.ndarray, ...]:
    """scikit-learn's diabetes data in raw units (``scaled=False``): 10 measurements per patient.

    The target is a score of disease progression one year later (25 to 346).
    Returns ``(x_train, x_val, y_train, y_val)``, fixed by ``seed``; all float32,
    ``x`` of shape (n, 10) and ``y`` of shape (n,).
    """
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    data = load_diabetes(scaled=False)
    x = data.data.astype(np.float32)
    y = data.target.astype(np.float32)
    return tuple(train_test_split(x, y, test_size=validation, random_state=seed))


def reviews_split(seed: int = 0, n_train: int = 600, n_val: int = 200) -> tuple[np.ndarray, ...]:
    """Short film-review sentences from the course's own generator (`keras_course.corpus`), labels 1 = positive.

    Returns ``(texts_train, texts_val, y_train, y_val)``, fixed by ``seed``: the
    texts are NumPy arrays of dtype object holding Python strings (the form
    Keras's ``fit`` and ``predict`` accept for text), the labels int64 of shape (n,).
    """
    from keras_course.corpus import make_reviews

    texts, labels = make_reviews(n_train + n_val, seed=seed)
    texts = np.array(texts, dtype=object)
    return texts[:n_train], texts[n_train:], labels[:n_train], labels[n_train:]


def perturb_digits(x: np.ndarray, rng: np.random.Generator, noise: float = 1.0) -> np.ndarray:
    """Digits images (any shape, first axis the images) a little lighter or darker, plus pixel noise.

    Each image is scaled by a factor in [0.85, 1.15], then Gaussian noise of
    standard deviation ``noise`` grey levels is added; the result is rounded and
    clipped to 0..16 like scikit-learn's originals, so labels stay right.
    """
    brightness = rng.uniform(0.85, 1.15, size=(len(x),) + (1,) * (np.ndim(x) - 1))
    noisy = np.asarray(x, dtype=np.float64) * brightness + rng.normal(0.0, noise, size=np.shape(x))
    return np.clip(np.rint(noisy), 0.0, 16.0).astype(np.float32)


# --- Fresh two-moons samples ---


def fresh_moons(n: int, seed: int, noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """``n`` new points of the two moons and their labels, drawn with ``seed`` (no split, no scaling).

    >>> [a.shape for a in fresh_moons(10, seed=1)]
    [(10, 2), (10,)]
    """
    from sklearn.datasets import make_moons

    return make_moons(n_samples=n, noise=noise, random_state=seed)


# --- A ring of Gaussian modes (GANs) ---

RING_MODES = 8
RING_RADIUS = 2.0
RING_STD = 0.1


def ring_centers(modes: int = RING_MODES, radius: float = RING_RADIUS) -> np.ndarray:
    """The ``modes`` centres of the ring, evenly spaced on a circle of ``radius``; shape (modes, 2).

    >>> ring_centers(4).round(3).tolist()
    [[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [-0.0, -2.0]]
    """
    angles = 2.0 * np.pi * np.arange(modes) / modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def draw_ring(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points of the ring of 8 Gaussians drawn with ``rng`` (what `sample_ring` and the held-out set use)."""
    which = rng.integers(0, RING_MODES, size=n)
    return (ring_centers()[which] + RING_STD * rng.normal(size=(n, 2))).astype(np.float32)


def sample_ring(n: int, seed: int = 0) -> np.ndarray:
    """``n`` points from the ring of 8 Gaussians (radius 2, standard deviation 0.1), float32 of shape (n, 2).

    >>> sample_ring(5).shape, sample_ring(5).dtype.name
    ((5, 2), 'float32')
    """
    return draw_ring(n, np.random.default_rng(seed))


# --- Sequences to sort (attention) ---


def sorting_data(n: int, seed: int = 0, length: int = 8, digits: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random sequences of ``length`` digits (0 to ``digits`` - 1) and the same sequences sorted: ``(x, y)``, int32.

    >>> x, y = sorting_data(2, seed=0)
    >>> bool((np.sort(x, axis=1) == y).all()), x.shape
    (True, (2, 8))
    """
    x = np.random.default_rng(seed).integers(0, digits, size=(n, length))
    return x.astype(np.int32), np.sort(x, axis=1).astype(np.int32)
