"""Exercise 13 (GANs): right answers pass, the lesson's mistakes lose their points, the MMD metric works."""

from __future__ import annotations

import numpy as np
import pytest
from judging import failure_message, judge_answer, judged

from grader.heldout import make_heldout
from grader.modelscore import METRICS, metric_value, rbf_mmd
from grader.outcomes import Status
from keras_course.checks import CheckFailed
from keras_course.exercises.ex13_gans import (
    LATENT_DIM,
    RING_MMD,
    q1,
    q2,
    q3,
    q4,
    q5,
    ring_centers,
    sample_ring,
)

LOST = (Status.FAILED, Status.ERROR)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


# Question 1: the discriminator's loss.


def discriminator_loss(real_logits, fake_logits):
    real_logits, fake_logits = np.asarray(real_logits, np.float64), np.asarray(fake_logits, np.float64)
    return np.mean(np.logaddexp(0, -real_logits)) + np.mean(np.logaddexp(0, fake_logits))


def bce_from_logits(logits, label):
    # The form TensorFlow uses: max(l, 0) - l * y + log(1 + exp(-|l|)).
    logits = np.asarray(logits, dtype=np.float64)
    return np.mean(np.maximum(logits, 0) - logits * label + np.log1p(np.exp(-np.abs(logits))))


def test_discriminator_loss_accepts_stable_forms_and_rejects_swapped_labels(tmp_path):
    with np.errstate(all="ignore"):
        statuses = judged(
            q1,
            {
                "logaddexp": discriminator_loss,
                "tensorflow's formula": lambda r, f: bce_from_logits(r, 1.0) + bce_from_logits(f, 0.0),
                "labels swapped": lambda r, f: discriminator_loss(f, r),
                "log of a sigmoid": lambda r, f: -np.mean(np.log(sigmoid(r))) - np.mean(np.log(1 - sigmoid(f))),
                "one mean over all logits": lambda r, f: np.mean(
                    np.concatenate([np.logaddexp(0, -r), np.logaddexp(0, f)])
                ),
                "half the sum": lambda r, f: 0.5 * discriminator_loss(r, f),
            },
            discriminator_loss,
            tmp_path,
        )
    assert statuses == {
        "logaddexp": Status.PASSED,
        "tensorflow's formula": Status.PASSED,
        "labels swapped": Status.FAILED,
        "log of a sigmoid": Status.FAILED,
        "one mean over all logits": Status.FAILED,
        "half the sum": Status.FAILED,
    }


def test_discriminator_visible_checks_name_labels_and_stability():
    q1.check(discriminator_loss)
    with pytest.raises(CheckFailed, match="label 1"):
        q1.check(lambda r, f: discriminator_loss(f, r))
    with np.errstate(all="ignore"), pytest.raises(CheckFailed, match="logaddexp"):
        q1.check(lambda r, f: -np.mean(np.log(sigmoid(r))) - np.mean(np.log(1 - sigmoid(f))))


def discriminator_loss_float32(real_logits, fake_logits):
    # The same formula in the inputs' own precision: float32 logits give a float32 loss.
    zero = np.zeros((), dtype=np.result_type(real_logits, np.float32))
    return np.mean(np.logaddexp(zero, -real_logits)) + np.mean(np.logaddexp(zero, fake_logits))


def discriminator_loss_keras(real_logits, fake_logits):
    import keras

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    real, fake = np.asarray(real_logits, "float64"), np.asarray(fake_logits, "float64")
    return float(bce(np.ones_like(real), real)) + float(bce(np.zeros_like(fake), fake))


def discriminator_loss_in_place(real_logits, fake_logits):
    real_logits *= -1.0  # flips the caller's array
    return np.mean(np.logaddexp(0, real_logits)) + np.mean(np.logaddexp(0, fake_logits))


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (discriminator_loss, True),
        (discriminator_loss_float32, True),
        (discriminator_loss_keras, True),
        (lambda r, f: bce_from_logits(r, 1.0) + bce_from_logits(f, 0.0), True),
        (lambda r, f: np.mean(np.logaddexp(0, -r)) + np.mean(np.logaddexp(0, -f)), False),  # D given G's label 1
        (lambda r, f: np.sum(np.logaddexp(0, -r)) + np.sum(np.logaddexp(0, f)), False),  # summed, not averaged
        (lambda r, f: np.array([discriminator_loss(r, f)]), False),  # shape (1,) where one number is asked
        (discriminator_loss_in_place, False),  # writes into real_logits
        (lambda r, f: np.mean(np.log1p(np.exp(-r))) + np.mean(np.log1p(np.exp(f))), False),  # overflows
        (
            lambda r, f: (
                -np.mean(np.log(np.clip(sigmoid(r), 1e-7, 1))) - np.mean(np.log(np.clip(1 - sigmoid(f), 1e-7, 1)))
            ),
            False,
        ),  # clipped at 1e-7: 16 where 1000 is due
        (lambda r, f: np.mean(np.logaddexp(0, -r)) - np.mean(np.logaddexp(0, -f)), False),  # minimax sign mix-up
    ],
)
def test_discriminator_loss_cases(answer, correct, tmp_path):
    with np.errstate(all="ignore"):
        status = judge_answer(q1, answer, discriminator_loss, tmp_path)
    assert status is Status.PASSED if correct else status in LOST


def test_discriminator_loss_messages_name_the_requirement(tmp_path):
    with np.errstate(all="ignore"):
        swapped = failure_message(q1, lambda r, f: discriminator_loss(f, r), discriminator_loss, tmp_path / "a")
        overflow = failure_message(
            q1,
            lambda r, f: np.mean(np.log1p(np.exp(-r))) + np.mean(np.log1p(np.exp(f))),
            discriminator_loss,
            tmp_path / "b",
        )
        moved = failure_message(q1, discriminator_loss_in_place, discriminator_loss, tmp_path / "c")
    assert swapped.startswith("Not yet met: is the binary cross-entropy with label 1 for the real logits")
    assert overflow.startswith("Not yet met: stays finite and right for logits as large as 1000")
    assert moved.startswith("Not yet met: leaves `real_logits` and `fake_logits` unchanged.")


# Question 2: the generator's non-saturating loss and its gradient.


def generator_loss(fake_logits):
    logits = np.asarray(fake_logits, dtype=np.float64)
    return np.mean(np.logaddexp(0, -logits)), -np.exp(-np.logaddexp(0, logits)) / len(logits)


def generator_loss_scipy(fake_logits):
    from scipy.special import expit, log_expit

    n = len(fake_logits)
    return float(-log_expit(fake_logits).mean()), [-expit(-v) / n for v in fake_logits]


def saturating(fake_logits):
    # Minimizing log(1 - D(G(z))) = -softplus(l), as in the minimax game.
    return -np.mean(np.logaddexp(0, fake_logits)), -sigmoid(fake_logits) / len(fake_logits)


def test_generator_loss_rejects_the_saturating_loss(tmp_path):
    statuses = judged(
        q2,
        {
            "numpy": generator_loss,
            "scipy, gradient as a list": generator_loss_scipy,
            "saturating log(1 - D)": saturating,
            "the discriminator's label 0": lambda f: (np.mean(np.logaddexp(0, f)), sigmoid(f) / len(f)),
            "gradient not averaged": lambda f: (generator_loss(f)[0], -(1 - sigmoid(f))),
            "gradient of the wrong sign": lambda f: (generator_loss(f)[0], (1 - sigmoid(f)) / len(f)),
            "loss only": lambda f: generator_loss(f)[0],
        },
        generator_loss,
        tmp_path,
    )
    assert statuses == {
        "numpy": Status.PASSED,
        "scipy, gradient as a list": Status.PASSED,
        "saturating log(1 - D)": Status.FAILED,
        "the discriminator's label 0": Status.FAILED,
        "gradient not averaged": Status.FAILED,
        "gradient of the wrong sign": Status.FAILED,
        "loss only": Status.FAILED,
    }


def test_generator_visible_check_catches_saturation():
    q2.check(generator_loss_scipy)
    with pytest.raises(CheckFailed, match="non-saturating"):
        q2.check(saturating)


def generator_loss_hint_float32(fake_logits):
    # The hint's formula in float32 for float32 logits: -(1 - sigmoid) loses up to 1.6e-6 to cancellation.
    s = 0.5 * (1.0 + np.tanh(0.5 * fake_logits))
    return np.mean(np.logaddexp(0, -fake_logits)), -(1 - s) / len(fake_logits)


def generator_loss_tape(fake_logits):
    import tensorflow as tf

    logits = tf.Variable(np.asarray(fake_logits, dtype=np.float64))
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.softplus(-logits))
    return float(loss), tape.gradient(loss, logits).numpy()


def generator_loss_in_place(fake_logits):
    fake_logits *= -1.0
    return np.mean(np.logaddexp(0, fake_logits)), -sigmoid(fake_logits) / len(fake_logits)


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (generator_loss, True),
        (generator_loss_hint_float32, True),
        (generator_loss_tape, True),
        (generator_loss_scipy, True),
        (lambda f: (np.sum(np.logaddexp(0, -f)), -(1 - sigmoid(f))), False),  # summed, not averaged
        (lambda f: (np.sum(np.logaddexp(0, -f)), generator_loss(f)[1]), False),  # loss summed, gradient averaged
        (lambda f: (generator_loss(f)[0], generator_loss(f)[1][:, None]), False),  # gradient as a column (m, 1)
        (lambda f: (np.array([generator_loss(f)[0]]), generator_loss(f)[1]), False),  # loss of shape (1,)
        (lambda f: (generator_loss(f)[0], -sigmoid(f) / len(f)), False),  # gradient of the saturating loss
        (generator_loss_in_place, False),  # writes into fake_logits
        (lambda f: (-np.mean(np.log(sigmoid(f))), -(1 - sigmoid(f)) / len(f)), False),  # log of a rounded sigmoid
        (lambda f: (-np.mean(np.log(sigmoid(f) + 1e-8)), -(1 - sigmoid(f)) / len(f)), False),  # epsilon in the log
    ],
)
def test_generator_loss_cases(answer, correct, tmp_path):
    with np.errstate(all="ignore"):
        status = judge_answer(q2, answer, generator_loss, tmp_path)
    assert status is Status.PASSED if correct else status in LOST


def test_generator_loss_messages_name_the_requirement(tmp_path):
    column = failure_message(
        q2, lambda f: (generator_loss(f)[0], generator_loss(f)[1][:, None]), generator_loss, tmp_path
    )
    assert column.startswith("Not yet met: returns the gradient `-(1 - sigmoid(l)) / m` with respect to each logit")
    with np.errstate(all="ignore"):
        naive = failure_message(
            q2, lambda f: (-np.mean(np.log(sigmoid(f))), generator_loss(f)[1]), generator_loss, tmp_path / "b"
        )
    assert naive.startswith("Not yet met: keeps both finite and right for logits as large as 1000")


# Question 3: the squared MMD with an RBF kernel.


def mmd_rbf(x, y, bandwidth):
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def k(a, b):
        return np.exp(-((a[:, None, :] - b[None, :, :]) ** 2).sum(-1) / (2 * bandwidth**2))

    return k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean()


def mmd_cdist(x, y, bandwidth):
    from scipy.spatial.distance import cdist

    def k(a, b):
        return np.exp(-cdist(a, b, "sqeuclidean") / (2 * bandwidth**2))

    return float(k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean())


def mmd_unbiased(x, y, bandwidth):
    def k(a, b):
        return np.exp(-((a[:, None, :] - b[None, :, :]) ** 2).sum(-1) / (2 * bandwidth**2))

    n, m = len(x), len(y)
    kxx, kyy = k(x, x), k(y, y)
    return (kxx.sum() - n) / (n * (n - 1)) + (kyy.sum() - m) / (m * (m - 1)) - 2 * k(x, y).mean()


def test_mmd_accepts_scipy_and_rejects_kernel_mistakes(tmp_path):
    def variant(scale=2.0, power=2, cross=2.0):
        def mmd(x, y, bandwidth):
            def k(a, b):
                d = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
                return np.exp(-(d**power) / (scale * bandwidth**2))

            return k(x, x).mean() + k(y, y).mean() - cross * k(x, y).mean()

        return mmd

    statuses = judged(
        q3,
        {
            "broadcasting": mmd_rbf,
            "scipy cdist": mmd_cdist,
            "bandwidth without the 2": variant(scale=1.0),
            "distance not squared": variant(power=1),
            "cross term once": variant(cross=1.0),
            "unbiased": mmd_unbiased,
        },
        mmd_rbf,
        tmp_path,
    )
    assert statuses == {
        "broadcasting": Status.PASSED,
        "scipy cdist": Status.PASSED,
        "bandwidth without the 2": Status.FAILED,
        "distance not squared": Status.FAILED,
        "cross term once": Status.FAILED,
        "unbiased": Status.FAILED,
    }


def test_mmd_visible_check_names_the_diagonal():
    q3.check(mmd_cdist)
    with np.errstate(all="ignore"), pytest.raises(CheckFailed, match="matches itself"):
        q3.check(mmd_unbiased)


def mmd_float32(x, y, bandwidth):
    # float32 points kept in float32: about 5e-8 off the float64 key, which rtol 1e-6 alone rejected before.
    def k(a, b):
        return np.exp(-((a[:, None, :] - b[None, :, :]) ** 2).sum(-1) / (2 * bandwidth**2))

    return k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean()


def mmd_expanded(x, y, bandwidth):
    def k(a, b):
        squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
        return np.exp(-squared / (2 * bandwidth**2))

    return float(k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean())


def mmd_centred_in_place(x, y, bandwidth):
    centre = x.mean(axis=0)
    x -= centre  # distances do not change, but the caller's arrays do
    y -= centre
    return mmd_rbf(x, y, bandwidth)


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (mmd_rbf, True),
        (mmd_cdist, True),
        (mmd_float32, True),
        (mmd_expanded, True),
        (lambda x, y, s: np.sqrt(max(mmd_rbf(x, y, s), 0.0)), False),  # the MMD, not its square
        (mmd_centred_in_place, False),
        (lambda x, y, s: [mmd_rbf(x, y, s)], False),  # a list where one number is asked
        (
            lambda x, y, s: (
                mmd_rbf(x, y, s)
                + 2 * np.exp(-((x[:, None] - y[None]) ** 2).sum(-1) / (2 * s * s)).mean()
                - 2 * np.exp(-((x[:, None] - y[None]) ** 2).sum(-1) / (2 * s * s)).sum() / len(x) ** 2
            ),
            False,
        ),  # the cross term divided by n^2 instead of n m
        (lambda x, y, s: mmd_rbf(x, y, np.sqrt(s)), False),  # bandwidth not squared
        (
            lambda x, y, s: mmd_rbf(x / np.sqrt(x.shape[1]), y / np.sqrt(y.shape[1]), s),
            False,
        ),  # distances averaged over d
    ],
)
def test_mmd_cases(answer, correct, tmp_path):
    with np.errstate(all="ignore"):
        status = judge_answer(q3, answer, mmd_rbf, tmp_path)
    assert status is Status.PASSED if correct else status in LOST


# Question 4: mode coverage.


def count_modes(samples, centers, radius, min_count):
    distances = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1)
    nearest, close = distances.argmin(axis=1), distances.min(axis=1) <= radius
    return int(np.sum(np.bincount(nearest[close], minlength=len(centers)) >= min_count))


def count_modes_loop(samples, centers, radius, min_count):
    counts = [0] * len(centers)
    for point in samples:
        d = [float(np.hypot(*(point - c))) for c in centers]
        best = int(np.argmin(d))
        if d[best] <= radius:
            counts[best] += 1
    return sum(c >= min_count for c in counts)


def test_mode_coverage_rejects_counting_samples_and_ignoring_the_radius(tmp_path):
    def ignores_radius(samples, centers, radius, min_count):
        return count_modes(samples, centers, np.inf, min_count)

    def counts_samples(samples, centers, radius, min_count):
        return int(np.sum(np.linalg.norm(samples[:, None] - centers[None], axis=-1).min(axis=1) <= radius))

    def strict(samples, centers, radius, min_count):
        return count_modes(samples, centers, radius, min_count + 1)

    statuses = judged(
        q4,
        {
            "vectorized": count_modes,
            "loop": count_modes_loop,
            "radius ignored": ignores_radius,
            "samples counted": counts_samples,
            "strict minimum": strict,
        },
        count_modes,
        tmp_path,
    )
    assert statuses == {
        "vectorized": Status.PASSED,
        "loop": Status.PASSED,
        "radius ignored": Status.FAILED,
        "samples counted": Status.FAILED,
        "strict minimum": Status.FAILED,
    }


def test_mode_coverage_visible_check_explains_collapse():
    q4.check(count_modes_loop)
    with pytest.raises(CheckFailed, match="returned 5, but it should return 2"):
        q4.check(lambda s, c, r, m: int(np.sum(np.linalg.norm(s[:, None] - c[None], axis=-1).min(axis=1) <= r)))


def count_modes_squared(samples, centers, radius, min_count):
    squared = ((samples[:, None, :] - centers[None, :, :]) ** 2).sum(-1)
    nearest, close = squared.argmin(axis=1), squared.min(axis=1) <= radius**2
    return sum(int(np.sum(nearest[close] == k) >= min_count) for k in range(len(centers)))


def count_modes_each_within(samples, centers, radius, min_count):
    distances = np.linalg.norm(samples[:, None] - centers[None], axis=-1)
    return int(np.sum((distances <= radius).sum(axis=0) >= min_count))  # a sample counts for every close centre


def count_modes_first_close(samples, centers, radius, min_count):
    counts = [0] * len(centers)
    for point in samples:
        for k, centre in enumerate(centers):
            if np.linalg.norm(point - centre) <= radius:
                counts[k] += 1  # the first close centre, not the nearest
                break
    return sum(c >= min_count for c in counts)


def count_modes_strict_radius(samples, centers, radius, min_count):
    distances = np.linalg.norm(samples[:, None] - centers[None], axis=-1)
    nearest, close = distances.argmin(axis=1), distances.min(axis=1) < radius
    return int(np.sum(np.bincount(nearest[close], minlength=len(centers)) >= min_count))


def count_modes_squared_against_radius(samples, centers, radius, min_count):
    squared = ((samples[:, None] - centers[None]) ** 2).sum(-1)
    nearest, close = squared.argmin(axis=1), squared.min(axis=1) <= radius  # radius where radius**2 is due
    return int(np.sum(np.bincount(nearest[close], minlength=len(centers)) >= min_count))


def count_modes_in_place(samples, centers, radius, min_count):
    samples -= centers.mean(axis=0)
    return count_modes(samples, centers - centers.mean(axis=0), radius, min_count)


@pytest.mark.parametrize(
    ("answer", "correct"),
    [
        (count_modes, True),
        (count_modes_loop, True),
        (count_modes_squared, True),
        (count_modes_each_within, False),
        (count_modes_first_close, False),
        (count_modes_strict_radius, False),
        (count_modes_squared_against_radius, False),
        (count_modes_in_place, False),
        (
            lambda s, c, r, m: int(np.bincount(np.linalg.norm(s[:, None] - c[None], axis=-1).argmin(1)).max() >= m),
            False,
        ),
    ],
)
def test_mode_coverage_cases(answer, correct, tmp_path):
    status = judge_answer(q4, answer, count_modes, tmp_path)
    assert status is Status.PASSED if correct else status in LOST


def test_mode_coverage_messages_name_the_requirement(tmp_path):
    overlap = failure_message(q4, count_modes_each_within, count_modes, tmp_path / "a")
    assert overlap.startswith("Not yet met: gives each sample to its nearest centre only, never to two.")
    edge = failure_message(q4, count_modes_strict_radius, count_modes, tmp_path / "b")
    assert edge.startswith("Not yet met: counts a sample only when it lies at most `radius` from its centre")


# The held-out set and the metric.


def test_heldout_ring_is_fresh_latent_noise_and_fresh_real_draws():
    z, y = make_heldout("gan_ring_latent", b"one")
    assert z.shape == (2000, LATENT_DIM) and y.shape == (2000, 2)
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1.0) < 0.05
    radii = np.linalg.norm(y, axis=1)
    assert np.all(np.abs(radii - 2.0) < 0.6)
    other_z, other_y = make_heldout("gan_ring_latent", b"two")
    assert not np.allclose(z, other_z) and not np.allclose(y, other_y)
    assert np.array_equal(y, make_heldout("gan_ring_latent", b"one")[1])


def test_rbf_mmd_metric_is_registered_lower_is_better_and_separates_collapse():
    assert "rbf_mmd" in METRICS and not METRICS["rbf_mmd"].higher_is_better
    by_hand = np.mean([2.0 - 2.0 * np.exp(-1.0 / (2 * s * s)) for s in (0.2, 0.5, 1.0)])
    assert np.isclose(rbf_mmd(np.array([[0.0, 0.0]]), np.array([[1.0, 0.0]])), by_hand)
    real, fresh = sample_ring(2000, seed=1), sample_ring(2000, seed=2)
    assert metric_value(fresh, real, "rbf_mmd") < 0.002
    one_mode = ring_centers()[0] + 0.1 * np.random.default_rng(3).normal(size=(2000, 2))
    assert metric_value(one_mode, real, "rbf_mmd") > 5 * RING_MMD
    rng = np.random.default_rng(4)
    half = ring_centers()[rng.integers(0, 4, 2000)] + 0.1 * rng.normal(size=(2000, 2))
    assert metric_value(half, real, "rbf_mmd") > RING_MMD  # half of the modes covered is not the whole ring
    assert rbf_mmd(fresh[:, :1], real) == np.inf and rbf_mmd(np.full((5, 2), np.nan), real[:5]) == np.inf


# Question 5: a trained generator, scored on held-out noise against fresh real draws.


def train_gan(
    seed=0, steps=2000, swap_labels=False, hidden=64, functional=False, d_activation="leaky_relu", batchnorm=False,
    saturating=False,
):
    """Lesson 13's GAN, with the choices the question leaves open (and the lesson's mistakes) as switches."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    real_points = tf.constant(sample_ring(20000, seed=seed))
    if functional:
        z = keras.Input(shape=(LATENT_DIM,))
        h = keras.layers.Dense(hidden, activation="tanh")(z)
        h = keras.layers.Dense(hidden, activation="relu")(h)
        generator = keras.Model(z, keras.layers.Dense(2)(h))
    elif batchnorm:  # activations as layers of their own, after a normalization layer
        generator = keras.Sequential(
            [keras.Input(shape=(LATENT_DIM,))]
            + [
                layer
                for _ in range(3)
                for layer in (keras.layers.Dense(hidden // 2), keras.layers.BatchNormalization(), keras.layers.LeakyReLU())
            ]
            + [keras.layers.Dense(2)]
        )
    else:
        generator = keras.Sequential(
            [
                keras.Input(shape=(LATENT_DIM,)),
                keras.layers.Dense(hidden, activation="relu"),
                keras.layers.Dense(hidden, activation="relu"),
                keras.layers.Dense(2),
            ]
        )
    discriminator = keras.Sequential(
        [
            keras.Input(shape=(2,)),
            keras.layers.Dense(64, activation=d_activation),
            keras.layers.Dense(64, activation=d_activation),
            keras.layers.Dense(1),
        ]
    )
    g_opt, d_opt = keras.optimizers.Adam(2e-3, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    real_label, fake_label = (0.0, 1.0) if swap_labels else (1.0, 0.0)

    @tf.function
    def train_steps(n):
        for _ in tf.range(n):
            real = tf.gather(real_points, tf.random.uniform((256,), 0, 20000, dtype=tf.int32))
            with tf.GradientTape() as tape:
                real_logits = discriminator(real, training=True)
                fake_logits = discriminator(
                    generator(tf.random.normal((256, LATENT_DIM)), training=True), training=True
                )
                d_loss = bce(tf.fill(tf.shape(real_logits), real_label), real_logits) + bce(
                    tf.fill(tf.shape(fake_logits), fake_label), fake_logits
                )
            grads = tape.gradient(d_loss, discriminator.trainable_variables)
            d_opt.apply_gradients(zip(grads, discriminator.trainable_variables, strict=True))
            with tf.GradientTape() as tape:
                fake_logits = discriminator(
                    generator(tf.random.normal((256, LATENT_DIM)), training=True), training=True
                )
                if saturating:  # minimise log(1 - D(G(z))): the gradient vanishes while D wins
                    g_loss = -bce(tf.zeros_like(fake_logits), fake_logits)
                else:
                    g_loss = bce(tf.ones_like(fake_logits), fake_logits)
            grads = tape.gradient(g_loss, generator.trainable_variables)
            g_opt.apply_gradients(zip(grads, generator.trainable_variables, strict=True))

    for block in range(0, steps, 500):
        train_steps(tf.constant(min(500, steps - block)))
    return generator


def constant_generator(point, spread=0.1):
    """A generator collapsed onto one point: its noise barely moves the output."""
    import keras

    model = keras.Sequential(
        [keras.Input(shape=(LATENT_DIM,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)]
    )
    model.layers[0].set_weights([np.eye(LATENT_DIM, dtype="float32"), np.zeros(LATENT_DIM, "float32")])
    kernel = np.zeros((LATENT_DIM, 2), "float32")
    kernel[:2] = spread * np.eye(2)
    model.layers[1].set_weights([kernel, np.asarray(point, "float32")])
    return model


def linear_hidden(generator):
    """The trained generator's weights with its hidden activations dropped: a linear map of Gaussian noise."""
    import keras

    layers = [keras.Input(shape=(LATENT_DIM,))] + [keras.layers.Dense(layer.units) for layer in generator.layers]
    copy = keras.Sequential(layers)
    for mine, theirs in zip(copy.layers, generator.layers, strict=True):
        mine.set_weights(theirs.get_weights())
    return copy


@pytest.fixture(scope="module")
def right_generator():
    return train_gan(seed=0)


def same_generator(generator, output_activation="linear", separate_activation=False):
    """A flat copy of a trained Sequential generator, its last layer's activation changed or split off."""
    import keras

    layers = [keras.Input(shape=(LATENT_DIM,))]
    for layer in generator.layers[:-1]:
        layers.append(keras.layers.Dense(layer.units, activation=layer.activation))
    if separate_activation:
        layers += [keras.layers.Dense(2), keras.layers.Activation(output_activation)]
    else:
        layers.append(keras.layers.Dense(2, activation=output_activation))
    copy = keras.Sequential(layers)
    dense = [layer for layer in copy.layers if isinstance(layer, keras.layers.Dense)]
    for mine, theirs in zip(dense, generator.layers, strict=True):
        mine.set_weights(theirs.get_weights())
    return copy


@pytest.mark.slow
def test_generator_is_scored_by_mmd_on_heldout_noise(right_generator, tmp_path, model_scorer):
    import keras

    untrained = keras.Sequential(
        [keras.Input(shape=(LATENT_DIM,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(2)]
    )
    statuses = judged(
        q5,
        {
            "right": right_generator,
            "another seed, functional, tanh": train_gan(seed=1, functional=True),
            "discriminator relu, another seed": train_gan(seed=2, d_activation="relu"),
            "Dense, BatchNormalization, LeakyReLU layers": train_gan(seed=3, batchnorm=True),
            "Dense(2) then Activation('linear')": same_generator(right_generator, separate_activation=True),
            "tanh on the output": same_generator(right_generator, output_activation="tanh"),
            "collapsed onto one mode": constant_generator(ring_centers()[2]),
            "untrained": untrained,
            "discriminator labels swapped": train_gan(seed=0, swap_labels=True, steps=1000),
            "three outputs": keras.Sequential(
                [keras.Input(shape=(LATENT_DIM,)), keras.layers.Dense(3), keras.layers.Dense(3)]
            ),
            "linear hidden layers": linear_hidden(right_generator),
        },
        right_generator,
        tmp_path,
        model_scorer,
    )
    assert statuses == {
        "right": Status.PASSED,
        "another seed, functional, tanh": Status.PASSED,
        "discriminator relu, another seed": Status.PASSED,
        "Dense, BatchNormalization, LeakyReLU layers": Status.PASSED,
        "Dense(2) then Activation('linear')": Status.PASSED,
        "tanh on the output": Status.FAILED,
        "collapsed onto one mode": Status.FAILED,
        "untrained": Status.FAILED,
        "discriminator labels swapped": Status.FAILED,
        "three outputs": Status.FAILED,
        "linear hidden layers": Status.FAILED,
    }


@pytest.mark.slow
def test_generator_messages_name_the_requirement(right_generator, tmp_path, model_scorer):
    squashed = failure_message(
        q5, same_generator(right_generator, "tanh"), right_generator, tmp_path / "a", model_scorer
    )
    assert squashed.startswith("Not yet met: it ends in a `Dense(2)` layer with no activation")
    collapsed = failure_message(
        q5, constant_generator(ring_centers()[2]), right_generator, tmp_path / "b", model_scorer
    )
    assert collapsed.startswith("Not yet met: its samples from fresh noise are within a squared MMD of 0.12")
    linear = failure_message(q5, linear_hidden(right_generator), right_generator, tmp_path / "c", model_scorer)
    assert linear.startswith("Not yet met: every `Dense` layer before the last has a nonlinear activation.")


@pytest.mark.slow
def test_generator_visible_check_reports_collapse(right_generator):
    q5.check(right_generator)
    with pytest.raises(CheckFailed, match="cover 1 of the 8 modes"):
        q5.check(constant_generator(ring_centers()[5]))
