"""Exercise 07 (regularization): different correct answers score full; each listed mistake loses the question's points."""

from __future__ import annotations

import numpy as np
import pytest
from judging import judged, missed

from grader.heldout import make_heldout
from grader.outcomes import Status
from keras_course.checks import CheckFailed
from keras_course.data import small_digits_split
from keras_course.exercises import load_exercise
from keras_course.exercises.ex07_regularization import ACCURACY, MAX_PARAMS, MIN_PARAMS, NETWORK_PARAMS, scripted_run

EXERCISE = load_exercise("07_regularization")
q1, q2, q3, q4, q5 = EXERCISE.questions


# Question 1: inverted dropout.


def dropout_forward(x, p, training, rng):
    if not training:
        return x
    keep = rng.random(x.shape) >= p
    return x * keep / (1 - p)


def binomial_dropout(x, p, training, rng):
    if not training or p == 0:
        return x.copy()
    return np.where(rng.binomial(1, 1 - p, size=x.shape) == 1, x / (1 - p), 0.0)


def always_dropping(x, p, training, rng):
    return x * (rng.random(x.shape) >= p) / (1 - p)


def not_rescaled(x, p, training, rng):
    return x * (rng.random(x.shape) >= p) if training else x


def classic_dropout(x, p, training, rng):
    return x * (rng.random(x.shape) >= p) if training else x * (1 - p)


def p_is_keep(x, p, training, rng):
    return x * (rng.random(x.shape) < p) / p if training and p > 0 else x


def divided_by_p(x, p, training, rng):
    return x * (rng.random(x.shape) >= p) / p if training and p > 0 else x


def one_mask_per_batch(x, p, training, rng):
    return x * (rng.random(x.shape[1:]) >= p) / (1 - p) if training else x


def test_dropout_accepts_other_masks_and_rejects_the_listed_mistakes(tmp_path):
    statuses = judged(
        q1,
        {
            "uniform mask": dropout_forward,
            "binomial mask": binomial_dropout,
            "active at inference": always_dropping,
            "not rescaled": not_rescaled,
            "scaled at inference instead": classic_dropout,
            "p is the keep probability": p_is_keep,
            "divided by p": divided_by_p,
            "one mask for the batch": one_mask_per_batch,
        },
        dropout_forward,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update({"uniform mask": Status.PASSED, "binomial mask": Status.PASSED})
    assert statuses == expected


def one_number_per_row(x, p, training, rng):
    if not training:
        return x
    keep = rng.random((len(x),) + (1,) * (x.ndim - 1)) >= p
    return x * keep / (1 - p)


def global_random(x, p, training, rng):
    return x * (np.random.random(x.shape) >= p) / (1 - p) if training else x


def fixed_seed(x, p, training, rng):
    return x * (np.random.default_rng(0).random(x.shape) >= p) / (1 - p) if training else x


def in_place(x, p, training, rng):
    if training:
        x *= rng.random(x.shape) >= p
        x /= 1 - p
    return x


def transposed_mask(x, p, training, rng):
    if not training:
        return x.copy()
    keep = rng.random(x.shape[::-1]).T < 1 - p
    return np.where(keep, x / (1 - p), 0.0)


def flat_mask(x, p, training, rng):
    return x * (rng.random(x.size) >= p).reshape(x.shape) / (1 - p) if training else x


def squeezed(x, p, training, rng):
    return np.squeeze(dropout_forward(x, p, training, rng))


def mask_of_the_first_two_axes(x, p, training, rng):
    # Written for (batch, features): on a 3-D x one random number covers a whole last-axis vector.
    if not training:
        return x
    keep = rng.random(x.shape[:2]) >= p
    return x * keep.reshape(keep.shape + (1,) * (x.ndim - 2)) / (1 - p)


def mask_with_choice(x, p, training, rng):
    # A correct answer: rng.choice draws the mask of zeros and ones directly.
    if not training:
        return x.copy()
    return x * rng.choice([0.0, 1.0], size=x.shape, p=[p, 1 - p]) / (1 - p)


def mask_kept_above_p(x, p, training, rng):
    # A correct answer: keep where the uniform number is strictly above p.
    return np.where(rng.random(x.shape) > p, x / (1 - p), 0.0) if training else x


def squeezed_while_training(x, p, training, rng):
    return np.squeeze(dropout_forward(x, p, training, rng)) if training else x


def test_dropout_names_the_requirement_each_realistic_mistake_misses(tmp_path):
    found = missed(
        q1,
        {
            "transposed mask, np.where": transposed_mask,
            "flat mask reshaped": flat_mask,
            "rng.choice mask": mask_with_choice,
            "kept above p": mask_kept_above_p,
            "mask of the first two axes": mask_of_the_first_two_axes,
            "binomial mask": binomial_dropout,
            "one number per row": one_number_per_row,
            "np.random instead of rng": global_random,
            "a fixed seed": fixed_seed,
            "one mask for the batch": one_mask_per_batch,
            "written into x": in_place,
            "squeezed": squeezed,
            "squeezed while training": squeezed_while_training,
            "active at inference": always_dropping,
            "scaled at inference instead": classic_dropout,
            "not rescaled": not_rescaled,
        },
        dropout_forward,
        tmp_path,
    )
    assert found == {
        "transposed mask, np.where": "passed",
        "flat mask reshaped": "passed",
        "rng.choice mask": "passed",
        "kept above p": "passed",
        "mask of the first two axes": "generator",  # passed before: only whole rows and whole batches were looked at
        "binomial mask": "passed",
        "one number per row": "generator",
        "np.random instead of rng": "generator",
        "a fixed seed": "generator",
        "one mask for the batch": "generator",
        "written into x": "unchanged",
        "squeezed": "inference",
        "squeezed while training": "rescale",
        "active at inference": "inference",
        "scaled at inference instead": "inference",
        "not rescaled": "rescale",
    }


def test_dropout_visible_checks_name_the_flag_and_the_scale():
    q1.check(binomial_dropout)
    with pytest.raises(CheckFailed, match="training=False"):
        q1.check(always_dropping)
    with pytest.raises(CheckFailed, match="not rescaled"):
        q1.check(not_rescaled)


# Question 2: the L2 penalty on the weights (not the biases), Keras's factor.


def l2_penalty(layers, lam):
    penalty = lam * sum(np.sum(w**2) for w, _ in layers)
    return penalty, [(2 * lam * w, np.zeros_like(b)) for w, b in layers]


def keras_l2_penalty(layers, lam):
    import keras

    regularizer = keras.regularizers.L2(lam)
    penalty = sum(float(keras.ops.convert_to_numpy(regularizer(w.astype("float64")))) for w, _ in layers)
    return penalty, tuple([2 * lam * w, 0 * b] for w, b in layers)


def with_biases(layers, lam):
    penalty = lam * sum(np.sum(w**2) + np.sum(b**2) for w, b in layers)
    return penalty, [(2 * lam * w, 2 * lam * b) for w, b in layers]


def test_l2_penalty_accepts_keras_and_rejects_biases_and_wrong_factors(tmp_path):
    statuses = judged(
        q2,
        {
            "numpy": l2_penalty,
            "keras regularizer": keras_l2_penalty,
            "biases penalized": with_biases,
            "bias gradient only": lambda layers, lam: (l2_penalty(layers, lam)[0], with_biases(layers, lam)[1]),
            "half the factor": lambda layers, lam: (
                l2_penalty(layers, lam)[0] / 2,
                [(lam * w, 0 * b) for w, b in layers],
            ),
            "gradient without the 2": lambda layers, lam: (
                l2_penalty(layers, lam)[0],
                [(lam * w, 0 * b) for w, b in layers],
            ),
            "mean instead of sum": lambda layers, lam: (
                lam * sum(np.mean(w**2) for w, _ in layers),
                l2_penalty(layers, lam)[1],
            ),
            "no bias gradients": lambda layers, lam: (l2_penalty(layers, lam)[0], [(2 * lam * w,) for w, _ in layers]),
        },
        l2_penalty,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update({"numpy": Status.PASSED, "keras regularizer": Status.PASSED})
    assert statuses == expected


def test_l2_penalty_names_the_requirement_each_realistic_mistake_misses(tmp_path):
    def gradients_written_into_w(layers, lam):
        penalty = lam * sum(np.sum(w**2) for w, _ in layers)
        grads = []
        for w, b in layers:
            w *= 2 * lam
            grads.append((w, np.zeros_like(b)))
        return penalty, grads

    found = missed(
        q2,
        {
            "loop, float": lambda layers, lam: (
                float(sum(lam * np.sum(w * w) for w, _ in layers)),
                [[2 * lam * w, b * 0.0] for w, b in layers],
            ),
            "einsum": lambda layers, lam: (
                lam * sum(np.einsum("ij,ij->", w, w) for w, _ in layers),
                [(2 * lam * w, np.zeros(b.shape)) for w, b in layers],
            ),
            "keras regularizer": keras_l2_penalty,
            "bias gradient of shape (1, m)": lambda layers, lam: (
                l2_penalty(layers, lam)[0],
                [(2 * lam * w, np.zeros((1, len(b)))) for w, b in layers],
            ),
            "scalar bias gradient": lambda layers, lam: (l2_penalty(layers, lam)[0], [(2 * lam * w, 0.0) for w, _ in layers]),
            "penalty as a one-element array": lambda layers, lam: (
                np.array([l2_penalty(layers, lam)[0]]),
                l2_penalty(layers, lam)[1],
            ),
            "gradients written into W": gradients_written_into_w,
            "biases penalized": with_biases,
            "gradient without the 2": lambda layers, lam: (l2_penalty(layers, lam)[0], [(lam * w, 0 * b) for w, b in layers]),
            "transposed dW": lambda layers, lam: (l2_penalty(layers, lam)[0], [(2 * lam * w.T, 0 * b) for w, b in layers]),
            "penalty of the last layer only": lambda layers, lam: (lam * np.sum(layers[-1][0] ** 2), l2_penalty(layers, lam)[1]),
        },
        l2_penalty,
        tmp_path,
    )
    assert found == {
        "loop, float": "passed",
        "einsum": "passed",
        "keras regularizer": "passed",
        "bias gradient of shape (1, m)": "grads",
        "scalar bias gradient": "grads",
        "penalty as a one-element array": "penalty",
        "gradients written into W": "unchanged",
        "biases penalized": "penalty",
        "gradient without the 2": "grads",
        "transposed dW": "grads",
        "penalty of the last layer only": "penalty",
    }


def test_l2_penalty_matches_what_keras_adds_to_the_loss():
    import keras

    rng = np.random.default_rng(0)
    model = keras.Sequential(
        [keras.Input(shape=(4,))]
        + [keras.layers.Dense(n, kernel_regularizer=keras.regularizers.L2(0.01)) for n in (3, 2)]
    )
    layers = [(rng.normal(size=(4, 3)), rng.normal(size=3)), (rng.normal(size=(3, 2)), rng.normal(size=2))]
    for layer, (w, b) in zip(model.layers, layers, strict=True):
        layer.set_weights([w, b])
    added = sum(float(keras.ops.convert_to_numpy(loss)) for loss in model.losses)
    assert np.isclose(added, l2_penalty(layers, 0.01)[0], rtol=1e-5)


def test_l2_penalty_visible_check_names_the_biases():
    with pytest.raises(CheckFailed, match="counts the biases"):
        q2.check(with_biases)
    with pytest.raises(CheckFailed, match="half of"):
        q2.check(lambda layers, lam: (l2_penalty(layers, lam)[0] / 2, l2_penalty(layers, lam)[1]))


# Question 3: the epoch early stopping stops at, and the one it keeps.


def early_stopping(val_losses, patience):
    best, best_epoch, wait = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch


def early_stopping_numpy(val_losses, patience):
    losses = np.asarray(val_losses)
    record = np.minimum.accumulate(losses)
    improved = np.concatenate([[True], losses[1:] < record[:-1]])
    last_improvement = np.maximum.accumulate(np.where(improved, np.arange(len(losses)), 0))
    stalled = np.flatnonzero(np.arange(len(losses)) - last_improvement >= patience)
    stop = int(stalled[0]) if len(stalled) else len(losses) - 1
    return [stop + 1, int(last_improvement[stop]) + 1]


def keras_early_stopping(val_losses, patience):
    """What keras.callbacks.EarlyStopping itself does with these losses."""
    import keras

    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.stop_training = False
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, loss in enumerate(val_losses):
        model.set_weights([np.full((1, 1), epoch + 1.0), np.zeros(1)])
        callback.on_epoch_end(epoch, {"val_loss": loss})
        if model.stop_training:
            break
    callback.on_train_end()
    return epoch + 1, int(model.get_weights()[0][0, 0])


def without_restoring(val_losses, patience):
    stopped, _ = early_stopping(val_losses, patience)
    return stopped, stopped


def tie_is_improvement(val_losses, patience):
    best, best_epoch, wait = float("inf"), 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss <= best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return len(val_losses), best_epoch


def one_epoch_late(val_losses, patience):
    return early_stopping(val_losses, patience + 1)


def best_of_all(val_losses, patience):
    return early_stopping(val_losses, patience)[0], int(np.argmin(val_losses)) + 1


def zero_based(val_losses, patience):
    stopped, best = early_stopping(val_losses, patience)
    return stopped - 1, best - 1


def test_early_stopping_agrees_with_keras_on_the_hidden_curves():
    from keras_course.exercises.ex07_regularization import _early_stopping_cases, _tie_cases

    for val_losses, patience in _early_stopping_cases() + _tie_cases():
        assert early_stopping(val_losses, patience) == keras_early_stopping(val_losses, patience)


def test_early_stopping_accepts_vectorized_code_and_rejects_the_listed_mistakes(tmp_path):
    statuses = judged(
        q3,
        {
            "loop": early_stopping,
            "vectorized": early_stopping_numpy,
            "weights not restored": without_restoring,
            "a tie counts as improvement": tie_is_improvement,
            "one epoch late": one_epoch_late,
            "best epoch after the stop": best_of_all,
            "epochs counted from 0": zero_based,
        },
        early_stopping,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update({"loop": Status.PASSED, "vectorized": Status.PASSED})
    assert statuses == expected


def test_early_stopping_names_the_requirement_each_realistic_mistake_misses(tmp_path):
    def waits_past_the_patience(val_losses, patience):
        best, best_epoch, wait = float("inf"), 0, 0
        for epoch, loss in enumerate(val_losses, start=1):
            if loss < best:
                best, best_epoch, wait = loss, epoch, 0
            else:
                wait += 1
            if wait > patience:
                return epoch, best_epoch
        return len(val_losses), best_epoch

    def count_not_reset(val_losses, patience):
        best, best_epoch, wait = float("inf"), 0, 0
        for epoch, loss in enumerate(val_losses, start=1):
            if loss < best:
                best, best_epoch = loss, epoch
            else:
                wait += 1
                if wait >= patience:
                    return epoch, best_epoch
        return len(val_losses), best_epoch

    def compares_with_the_previous_epoch(val_losses, patience):
        best_epoch, wait = 1, 0
        for epoch in range(2, len(val_losses) + 1):
            if val_losses[epoch - 1] < val_losses[epoch - 2]:
                wait = 0
                if val_losses[epoch - 1] < val_losses[best_epoch - 1]:
                    best_epoch = epoch
            else:
                wait += 1
                if wait >= patience:
                    return epoch, best_epoch
        return len(val_losses), best_epoch

    def list_index_of_min(val_losses, patience):
        stopped, _ = early_stopping(val_losses, patience)
        return stopped, val_losses.index(min(val_losses[:stopped])) + 1

    found = missed(
        q3,
        {
            "list index of the minimum": list_index_of_min,
            "vectorized": early_stopping_numpy,
            "keras itself": keras_early_stopping,
            "waits one epoch past the patience": waits_past_the_patience,
            "count not reset by an improvement": count_not_reset,
            "compares with the previous epoch": compares_with_the_previous_epoch,
            "weights not restored": without_restoring,
            "best epoch after the stop": best_of_all,
            "a tie counts as improvement": tie_is_improvement,
            "epochs counted from 0": zero_based,
        },
        early_stopping,
        tmp_path,
    )
    assert found == {
        "list index of the minimum": "passed",
        "vectorized": "passed",
        "keras itself": "passed",
        "waits one epoch past the patience": "stop",
        "count not reset by an improvement": "stop",
        "compares with the previous epoch": "stop",
        "weights not restored": "best",
        "best epoch after the stop": "best",
        "a tie counts as improvement": "tie",
        "epochs counted from 0": "stop",
    }


def test_more_realistic_l2_and_early_stopping_mistakes_lose_their_points(tmp_path):
    def grads(layers, lam):
        return l2_penalty(layers, lam)[1]

    assert missed(
        q2,
        {
            "spectral norm squared": lambda layers, lam: (
                float(lam * sum(np.linalg.norm(w, 2) ** 2 for w, _ in layers)),
                grads(layers, lam),
            ),
            "frobenius norm squared": lambda layers, lam: (
                float(lam * sum(np.linalg.norm(w) ** 2 for w, _ in layers)),
                grads(layers, lam),
            ),
            "absolute values (L1)": lambda layers, lam: (
                float(lam * sum(np.sum(np.abs(w)) for w, _ in layers)),
                grads(layers, lam),
            ),
            "one penalty per layer": lambda layers, lam: (
                [float(lam * np.sum(w**2)) for w, _ in layers],
                grads(layers, lam),
            ),
            "db of the shape of W": lambda layers, lam: (
                l2_penalty(layers, lam)[0],
                [(2 * lam * w, np.zeros_like(w)) for w, _ in layers],
            ),
        },
        l2_penalty,
        tmp_path / "q2",
    ) == {
        "spectral norm squared": "penalty",
        "frobenius norm squared": "passed",
        "absolute values (L1)": "penalty",
        "one penalty per layer": "penalty",
        "db of the shape of W": "grads",
    }

    def best_starts_at_one(val_losses, patience):
        # best = 1.0 instead of infinity: a first loss above 1 is not counted as an improvement.
        best, best_epoch, wait = 1.0, 0, 0
        for epoch, loss in enumerate(val_losses, start=1):
            if loss < best:
                best, best_epoch, wait = loss, epoch, 0
            else:
                wait += 1
                if wait >= patience:
                    return epoch, best_epoch
        return len(val_losses), best_epoch

    def last_of_the_lowest(val_losses, patience):
        stopped, _ = early_stopping(val_losses, patience)
        seen = np.asarray(val_losses[:stopped])
        return stopped, int(len(seen) - np.argmin(seen[::-1]))

    def patience_epochs_before_the_stop(val_losses, patience):
        # A correct answer: when training stops, the best epoch is exactly `patience` epochs back.
        stopped, best = early_stopping(val_losses, patience)
        return stopped, stopped - patience if stopped < len(val_losses) else best

    assert missed(
        q3,
        {
            "best starts at 1.0": best_starts_at_one,
            "last of the lowest losses": last_of_the_lowest,
            "patience epochs before the stop": patience_epochs_before_the_stop,
        },
        early_stopping,
        tmp_path / "q3",
    ) == {"best starts at 1.0": "stop", "last of the lowest losses": "tie", "patience epochs before the stop": "passed"}


def test_early_stopping_visible_check_explains_the_example():
    q3.check(early_stopping_numpy)
    with pytest.raises(CheckFailed, match="weights of epoch 3 are restored"):
        q3.check(without_restoring)


# Question 4: the EarlyStopping callback, judged by what it does on a scripted history.


def make_early_stopping(patience):
    import keras

    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)


def explicit_mode(patience):
    import keras

    return keras.callbacks.EarlyStopping(
        "val_loss", min_delta=0.0, patience=patience, mode="min", restore_best_weights=True
    )


def with_change(**change):
    import keras

    def make(patience):
        arguments = {"monitor": "val_loss", "patience": patience, "restore_best_weights": True, **change}
        return keras.callbacks.EarlyStopping(**arguments)

    return make


def test_scripted_run_follows_the_script():
    assert scripted_run(make_early_stopping(3)).tolist() == [9, 6]
    assert scripted_run(make_early_stopping(10)).tolist() == [20, 16]  # never stops, still restores the best
    assert scripted_run(with_change(restore_best_weights=False)(3)).tolist() == [9, 9]
    assert scripted_run(make_early_stopping(3), script=1).tolist() == [8, 5]  # ties at 0.6 do not count, 0.5995 does
    assert scripted_run(make_early_stopping(1), script=1).tolist() == [4, 3]  # a tie uses up a patience of 1


def test_callback_accepts_explicit_arguments_and_rejects_the_listed_mistakes(tmp_path):
    statuses = judged(
        q4,
        {
            "defaults": make_early_stopping,
            "explicit mode and min_delta": explicit_mode,
            "best weights not restored": with_change(restore_best_weights=False),
            "watches the training loss": with_change(monitor="loss"),
            "patience fixed at 3": lambda patience: make_early_stopping(3),
            "watches the validation accuracy": with_change(monitor="val_accuracy", mode="max"),
            "not a callback": lambda patience: {"monitor": "val_loss", "patience": patience},
        },
        make_early_stopping,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update(
        {"defaults": Status.PASSED, "explicit mode and min_delta": Status.PASSED}
    )
    assert statuses == expected


def test_callback_names_the_requirement_each_realistic_mistake_misses(tmp_path):
    import keras

    found = missed(
        q4,
        {
            "default monitor": lambda patience: keras.callbacks.EarlyStopping(patience=patience, restore_best_weights=True),
            "explicit mode and min_delta": explicit_mode,
            "a min_delta": with_change(min_delta=1e-3),
            "a baseline": with_change(baseline=0.55),
            "starts watching at epoch 5": with_change(start_from_epoch=5),
            "mode max": with_change(mode="max"),
            "patience plus one": lambda patience: make_early_stopping(patience + 1),
            "watches the training loss": with_change(monitor="loss"),
            "watches the validation accuracy": with_change(monitor="val_accuracy", mode="max"),
            "best weights not restored": with_change(restore_best_weights=False),
        },
        make_early_stopping,
        tmp_path,
    )
    assert found == {
        "default monitor": "passed",
        "explicit mode and min_delta": "passed",
        "a min_delta": "stops",
        "a baseline": "stops",
        "starts watching at epoch 5": "stops",
        "mode max": "stops",
        "patience plus one": "stops",
        "watches the training loss": "stops",
        "watches the validation accuracy": "stops",
        "best weights not restored": "restores",
    }


def test_callback_visible_check_names_the_restored_epoch():
    q4.check(explicit_mode)
    with pytest.raises(CheckFailed, match="weights of epoch 9"):
        q4.check(with_change(restore_best_weights=False))


# The data and the held-out set.


def test_small_digits_have_a_quarter_of_wrong_training_labels_and_clean_validation_labels():
    from sklearn.datasets import load_digits

    digits = load_digits()
    truth = {row.astype(np.float32).tobytes(): label for row, label in zip(digits.data, digits.target, strict=True)}
    x_train, x_val, y_train, y_val = small_digits_split()
    assert x_train.shape == (300, 64) and x_val.shape == (400, 64)
    true_train = np.array([truth[row.tobytes()] for row in x_train])
    assert np.sum(true_train != y_train) == 75
    assert np.array_equal(y_val, [truth[row.tobytes()] for row in x_val])
    assert np.array_equal(small_digits_split()[2], y_train)


def test_heldout_digits_are_secret_noisy_versions_of_unseen_images():
    from sklearn.datasets import load_digits

    x_train, x_val, _, _ = small_digits_split()
    public = {row.tobytes() for row in np.concatenate([x_train, x_val])}
    x, y = make_heldout("digits_small_regularized", b"one")
    assert x.shape == (len(load_digits().data) - 700, 64) and len(y) == len(x)
    assert x.min() >= 0 and x.max() <= 16 and np.array_equal(x, np.rint(x))
    assert sum(row.tobytes() in public for row in x) < 5
    assert np.array_equal(x, make_heldout("digits_small_regularized", b"one")[0])
    assert not np.array_equal(x, make_heldout("digits_small_regularized", b"two")[0])
    assert np.array_equal(y, make_heldout("digits_small_regularized", b"two")[1])


# Question 5: the regularized network, scored on held-out data.


def network(
    hidden=(128, 128),
    dropout=0.0,
    l2=0.0,
    normalization=None,
    noise=0.0,
    early_stopping_patience=None,
    epochs=100,
    seed=0,
    activation="relu",
    output="softmax",
    optimizer="adam",
    functional=False,
):
    """A network for question 5, trained on the noisy training labels.

    ``normalization`` ("batch" or "layer") goes between each hidden Dense layer and its activation, as the lesson does.
    """
    import keras

    keras.utils.set_random_seed(seed)
    x_train, x_val, y_train, y_val = small_digits_split()
    regularizer = keras.regularizers.L2(l2) if l2 else None
    layers = [keras.Input(shape=(64,)), keras.layers.Rescaling(1 / 16)]
    if noise:
        layers.append(keras.layers.GaussianNoise(noise))
    for units in hidden:
        if normalization:
            normalizer = {"batch": keras.layers.BatchNormalization, "layer": keras.layers.LayerNormalization}[normalization]
            layers += [
                keras.layers.Dense(units, kernel_regularizer=regularizer),
                normalizer(),
                keras.layers.Activation(activation),
            ]
        else:
            layers.append(keras.layers.Dense(units, activation=activation, kernel_regularizer=regularizer))
        if dropout:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(10, activation=output))
    if functional:
        outputs = layers[0]
        for layer in layers[1:]:
            outputs = layer(outputs)
        model = keras.Model(layers[0], outputs)
    else:
        model = keras.Sequential(layers)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks = [make_early_stopping(early_stopping_patience)] if early_stopping_patience else []
    model.fit(
        x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=32, verbose=0, callbacks=callbacks
    )
    return model


def convolutional(epochs=1):
    """Reads the image as 8 rows of 8 pixels with a Conv1D layer: outside the question's layer budget."""
    import keras

    keras.utils.set_random_seed(0)
    x_train, _, y_train, _ = small_digits_split()
    model = keras.Sequential(
        [
            keras.Input(shape=(64,)),
            keras.layers.Rescaling(1 / 16),
            keras.layers.Reshape((8, 8)),
            keras.layers.Conv1D(64, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, verbose=0)
    return model


def test_budget_leaves_room_to_memorize_and_for_two_batch_norm_layers():
    assert NETWORK_PARAMS == 26_122
    assert MIN_PARAMS < NETWORK_PARAMS and NETWORK_PARAMS + 2 * 4 * 128 <= MAX_PARAMS
    assert 64 * 10 + 10 < MIN_PARAMS  # a softmax regression on the pixels has no room to memorize


@pytest.fixture(scope="module")
def regularized():
    return network(dropout=0.5, early_stopping_patience=10)


@pytest.fixture(scope="module")
def unregularized():
    return network()


@pytest.mark.slow
def test_networks_of_different_kinds_that_stop_memorizing_pass_and_the_lessons_mistakes_fail(
    regularized, unregularized, tmp_path, model_scorer
):
    """Measured over 4 seeds and two held-out secrets: see the distribution next to ACCURACY."""
    import keras

    found = missed(
        q5,
        {
            "128-128, dropout and early stopping (the solution)": regularized,
            "one hidden layer of 256, dropout": network(hidden=(256,), dropout=0.5, early_stopping_patience=10),
            "functional, input noise, layer norm, elu, dropout": network(
                hidden=(96, 96, 48),
                functional=True,
                noise=0.3,
                normalization="layer",
                activation="elu",
                dropout=0.3,
                early_stopping_patience=10,
            ),
            "128-128, AdamW weight decay and early stopping": network(
                optimizer=keras.optimizers.AdamW(weight_decay=0.1), early_stopping_patience=10
            ),
            "no regularization": unregularized,
            "batch norm alone": network(normalization="batch"),
            "no regularization, three hidden layers of 96": network(hidden=(96, 96, 96)),
        },
        regularized,
        tmp_path,
        model_scorer,
    )
    assert found == {
        "128-128, dropout and early stopping (the solution)": "passed",
        "one hidden layer of 256, dropout": "passed",
        "functional, input noise, layer norm, elu, dropout": "passed",
        "128-128, AdamW weight decay and early stopping": "passed",
        "no regularization": "heldout",
        "batch norm alone": "heldout",
        "no regularization, three hidden layers of 96": "heldout",
    }


@pytest.mark.slow
def test_regularized_network_is_checked_against_the_budget(regularized, tmp_path, model_scorer):
    """Networks outside the budget fail the requirement they break, trained or not."""
    assert ACCURACY == 0.815  # measured: see the distribution next to ACCURACY in the exercise module
    found = missed(
        q5,
        {
            "softmax regression on the pixels": network(hidden=(), epochs=30),
            "hidden layers of 32 and 16": network(hidden=(32, 16), dropout=0.2, epochs=2),
            "hidden layers of 256 and 128": network(hidden=(256, 128), dropout=0.5, epochs=2),
            "a Conv1D layer": convolutional(),
            "sigmoid output": network(dropout=0.5, output="sigmoid", epochs=2),
        },
        regularized,
        tmp_path,
        model_scorer,
    )
    assert found == {
        "softmax regression on the pixels": "params",
        "hidden layers of 32 and 16": "params",
        "hidden layers of 256 and 128": "params",
        "a Conv1D layer": "params",
        "sigmoid output": "layers",
    }


@pytest.mark.slow
def test_regularized_network_passes_its_visible_check(regularized, unregularized):
    q5.check(regularized)
    with pytest.raises(CheckFailed, match="visible validation data"):
        q5.check(unregularized)
