"""Exercise 14 (under the hood): right answers pass, the listed mistakes lose their points."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from judging import judged, missed

from grader.outcomes import Status
from keras_course.channel import decode
from keras_course.checks import CheckFailed
from keras_course.exercises.ex14_under_the_hood import (
    callback_run,
    q1,
    q2,
    q3,
    q4,
    small_data,
    small_model,
)
from keras_course.probes import FunctionProbe

# Question 1: one training step.


def train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    return float(loss)


def train_step_by_hand(model, optimizer, loss_fn, x, y):
    # A different correct answer: the loss written out, a tf.function, optimizer.apply.
    y = tf.convert_to_tensor(y)
    with tf.GradientTape() as tape:
        logits = model(tf.convert_to_tensor(x), training=True)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
    optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
    return loss.numpy()


@tf.function
def compiled_step(model, optimizer, loss_fn, x, y):
    # A different correct answer: the step as a graph (the grader's optimizers come already built).
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    return loss


def step_without_training_flag(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
    return float(loss)


def step_wrong_sign(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip([-g for g in grads], model.trainable_variables, strict=True))
    return float(loss)


def step_first_layer_only(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    variables = model.layers[0].trainable_variables
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))
    return float(loss)


def step_loss_after_update(model, optimizer, loss_fn, x, y):
    train_step(model, optimizer, loss_fn, x, y)
    return float(loss_fn(y, model(x, training=False)))


def step_scaling_x_in_place(model, optimizer, loss_fn, x, y):
    x /= 1.0 + 1e-3  # "normalizes" the batch it was given, in place
    return train_step(model, optimizer, loss_fn, x, y)


def test_train_step_accepts_correct_steps_and_rejects_the_mistakes(tmp_path):
    statuses = judged(
        q1,
        {
            "tape": train_step,
            "by hand": train_step_by_hand,
            "tf.function": compiled_step,
            "no training=True": step_without_training_flag,
            "wrong sign": step_wrong_sign,
            "first layer only": step_first_layer_only,
            "loss after the update": step_loss_after_update,
            "x changed in place": step_scaling_x_in_place,
        },
        train_step,
        tmp_path,
    )
    assert statuses == {
        "tape": Status.PASSED,
        "by hand": Status.PASSED,
        "tf.function": Status.PASSED,
        "no training=True": Status.FAILED,
        "wrong sign": Status.FAILED,
        "first layer only": Status.FAILED,
        "loss after the update": Status.FAILED,
        "x changed in place": Status.FAILED,
    }


def test_train_step_visible_check_names_the_mistake():
    q1.check(train_step)
    q1.check(train_step_by_hand)
    with pytest.raises(CheckFailed, match="training=True"):
        q1.check(step_without_training_flag)
    with pytest.raises(CheckFailed, match="wrong way"):
        q1.check(step_wrong_sign)
    with pytest.raises(CheckFailed, match="trainable_variables"):
        q1.check(step_first_layer_only)


# Question 2: a fit loop with per-epoch metrics.


def fit_custom(model, optimizer, loss_fn, x, y, epochs, batch_size, reset=True, training=True, order=None):
    mean_loss, accuracy = keras.metrics.Mean(), keras.metrics.SparseCategoricalAccuracy()
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        if reset:
            mean_loss.reset_state()
            accuracy.reset_state()
        starts = list(range(0, len(x), batch_size))
        for start in order(starts) if order else starts:
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            with tf.GradientTape() as tape:
                logits = model(xb, training=training)
                loss = loss_fn(yb, logits)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
            mean_loss.update_state(loss, sample_weight=len(xb))
            accuracy.update_state(yb, logits)
        history["loss"].append(float(mean_loss.result()))
        history["accuracy"].append(float(accuracy.result()))
    return history


def fit_with_lists(model, optimizer, loss_fn, x, y, epochs, batch_size):
    # A different correct answer: plain Python lists, the step of question 1, loss and accuracy by hand.
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        losses, hits = [], 0
        for start in range(0, len(x), batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            with tf.GradientTape() as tape:
                logits = model(xb, training=True)
                loss = loss_fn(yb, logits)
            optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables, strict=True))
            losses.append(float(loss) * len(xb))
            hits += int(np.sum(np.argmax(logits.numpy(), axis=1) == yb))
        history["loss"].append(float(np.sum(losses) / len(x)))
        history["accuracy"].append(hits / len(x))
    return history


def fit_accuracy_after_the_epoch(model, optimizer, loss_fn, x, y, epochs, batch_size):
    history = fit_custom(model, optimizer, loss_fn, x, y, epochs, batch_size)
    history["accuracy"][-1] = float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == y))
    return history


def fit_unweighted_mean(model, optimizer, loss_fn, x, y, epochs, batch_size):
    # The mean of the batch losses, each batch counted once: wrong when the last batch is smaller.
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        losses, hits = [], 0
        for start in range(0, len(x), batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            with tf.GradientTape() as tape:
                logits = model(xb, training=True)
                loss = loss_fn(yb, logits)
            optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables, strict=True))
            losses.append(float(loss))
            hits += int(np.sum(np.argmax(logits.numpy(), axis=1) == yb))
        history["loss"].append(float(np.mean(losses)))
        history["accuracy"].append(hits / len(x))
    return history


def fit_dropping_the_last_batch(model, optimizer, loss_fn, x, y, epochs, batch_size):
    whole = (len(x) // batch_size) * batch_size or len(x)
    return fit_custom(model, optimizer, loss_fn, x[:whole], y[:whole], epochs, batch_size)


def fit_shuffled(model, optimizer, loss_fn, x, y, epochs, batch_size):
    order = np.random.default_rng(0).permutation(len(x))
    return fit_custom(model, optimizer, loss_fn, x[order], y[order], epochs, batch_size)


def fit_keeping_tensors(model, optimizer, loss_fn, x, y, epochs, batch_size):
    # The metric's result tensor itself, not float(...) of it: History.history holds plain floats.
    history = fit_custom(model, optimizer, loss_fn, x, y, epochs, batch_size)
    return {name: [tf.constant(v) for v in values] for name, values in history.items()}


def fit_numpy_scalars(model, optimizer, loss_fn, x, y, epochs, batch_size):
    # metric.result().numpy() gives NumPy float32 scalars: floats, as asked.
    history = fit_custom(model, optimizer, loss_fn, x, y, epochs, batch_size)
    return {name: [np.float32(v) for v in values] for name, values in history.items()}


def test_fit_custom_accepts_correct_loops_and_rejects_the_mistakes(tmp_path):
    statuses = judged(
        q2,
        {
            "metrics": fit_custom,
            "lists": fit_with_lists,
            "no reset": lambda *a: fit_custom(*a, reset=False),
            "no training=True": lambda *a: fit_custom(*a, training=False),
            "batches reversed": lambda *a: fit_custom(*a, order=lambda s: s[::-1]),
            "accuracy in inference mode": fit_accuracy_after_the_epoch,
            "history as a list": lambda *a: fit_custom(*a)["loss"],
            "unweighted mean of batch losses": fit_unweighted_mean,
            "last partial batch dropped": fit_dropping_the_last_batch,
            "shuffled": fit_shuffled,
            "tensors in the history": fit_keeping_tensors,
            "numpy scalars": fit_numpy_scalars,
        },
        fit_custom,
        tmp_path,
    )
    assert statuses == {
        "metrics": Status.PASSED,
        "lists": Status.PASSED,
        "no reset": Status.FAILED,
        "no training=True": Status.FAILED,
        "batches reversed": Status.FAILED,
        "accuracy in inference mode": Status.FAILED,
        "history as a list": Status.FAILED,
        "unweighted mean of batch losses": Status.FAILED,
        "last partial batch dropped": Status.FAILED,
        "shuffled": Status.FAILED,
        "tensors in the history": Status.FAILED,
        "numpy scalars": Status.PASSED,
    }


def test_fit_custom_visible_check_spots_a_running_mean():
    q2.check(fit_custom)
    with pytest.raises(CheckFailed, match="reset_state"):
        q2.check(lambda *a: fit_custom(*a, reset=False))
    with pytest.raises(CheckFailed, match="training=True"):
        q2.check(lambda *a: fit_custom(*a, training=False))


def step_on_trainable_weights(model, optimizer, loss_fn, x, y):
    # A correct answer: trainable_weights is trainable_variables; the loss comes back as a tensor.
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_weights), model.trainable_weights, strict=True))
    return loss


def step_ignoring_loss_fn(model, optimizer, loss_fn, x, y):
    # Its own loss, which reads the logits as probabilities (from_logits=False).
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, model(x, training=True)))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables, strict=True))
    return float(loss)


def step_on_the_summed_loss(model, optimizer, loss_fn, x, y):
    # Gradients of the batch's summed loss: every step n times too long.
    with tf.GradientTape() as tape:
        losses = keras.losses.sparse_categorical_crossentropy(y, model(x, training=True), from_logits=True)
        total = tf.reduce_sum(losses)
    optimizer.apply_gradients(zip(tape.gradient(total, model.trainable_variables), model.trainable_variables, strict=True))
    return float(tf.reduce_mean(losses))


def fit_with_dataset(model, optimizer, loss_fn, x, y, epochs, batch_size):
    # A correct answer: tf.data batches in order, Accuracy on the argmax, metrics reset after recording.
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
    mean_loss, accuracy = keras.metrics.Mean(), keras.metrics.Accuracy()
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        for xb, yb in data:
            with tf.GradientTape() as tape:
                logits = model(xb, training=True)
                loss = loss_fn(yb, logits)
            optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables, strict=True))
            mean_loss.update_state(loss, sample_weight=tf.shape(xb)[0])
            accuracy.update_state(yb, tf.argmax(logits, axis=1))
        history["loss"].append(float(mean_loss.result()))
        history["accuracy"].append(float(accuracy.result()))
        mean_loss.reset_state()
        accuracy.reset_state()
    return history


def fit_resetting_the_loss_only(model, optimizer, loss_fn, x, y, epochs, batch_size):
    mean_loss, accuracy = keras.metrics.Mean(), keras.metrics.SparseCategoricalAccuracy()
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        mean_loss.reset_state()  # the accuracy keeps counting from epoch 1
        for start in range(0, len(x), batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            with tf.GradientTape() as tape:
                logits = model(xb, training=True)
                loss = loss_fn(yb, logits)
            optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables, strict=True))
            mean_loss.update_state(loss, sample_weight=len(xb))
            accuracy.update_state(yb, logits)
        history["loss"].append(float(mean_loss.result()))
        history["accuracy"].append(float(accuracy.result()))
    return history


def fit_with_array_split(model, optimizer, loss_fn, x, y, epochs, batch_size):
    # np.array_split into len(x) // batch_size parts: 100 points make batches of 34, 33, 33, not 32, 32, 32, 4.
    parts = max(1, len(x) // batch_size)
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        losses, hits = 0.0, 0
        for xb, yb in zip(np.array_split(x, parts), np.array_split(y, parts), strict=True):
            with tf.GradientTape() as tape:
                logits = model(xb, training=True)
                loss = loss_fn(yb, logits)
            optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables, strict=True))
            losses += float(loss) * len(xb)
            hits += int(np.sum(np.argmax(logits.numpy(), axis=1) == yb))
        history["loss"].append(losses / len(x))
        history["accuracy"].append(hits / len(x))
    return history


def test_more_realistic_steps_and_loops(tmp_path):
    assert judged(
        q1,
        {
            "trainable_weights, a tensor back": step_on_trainable_weights,
            "its own loss on the logits": step_ignoring_loss_fn,
            "gradient of the summed loss": step_on_the_summed_loss,
        },
        train_step,
        tmp_path / "q1",
    ) == {
        "trainable_weights, a tensor back": Status.PASSED,
        "its own loss on the logits": Status.FAILED,
        "gradient of the summed loss": Status.FAILED,
    }
    assert judged(
        q2,
        {
            "tf.data and Accuracy": fit_with_dataset,
            "accuracy never reset": fit_resetting_the_loss_only,
            "np.array_split batches": fit_with_array_split,
        },
        fit_custom,
        tmp_path / "q2",
    ) == {
        "tf.data and Accuracy": Status.PASSED,
        "accuracy never reset": Status.FAILED,
        "np.array_split batches": Status.FAILED,
    }


# Question 3: a callback.


class LossLogger(keras.callbacks.Callback):
    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold
        self.losses = []

    def on_epoch_end(self, epoch, logs=None):
        self.losses.append(logs["loss"])
        if logs["loss"] < self.threshold:
            self.model.stop_training = True


class LoggerWithHistory(keras.callbacks.Callback):
    # A different correct answer: stops in on_epoch_end, builds losses on train begin.
    def __init__(self, threshold):
        super().__init__()
        self.threshold = threshold
        self.losses = []

    def on_train_begin(self, logs=None):
        self.losses = []

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        self.losses.append(float(loss))
        self.model.stop_training = bool(loss < self.threshold)


class SharedList(LossLogger):
    losses = []  # noqa: RUF012 - the mistake under test: one list on the class

    def __init__(self, threshold):
        keras.callbacks.Callback.__init__(self)
        self.threshold = threshold


class PerBatch(LossLogger):
    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_end(self, batch, logs=None):
        LossLogger.on_epoch_end(self, batch, logs)


class NeverStops(LossLogger):
    def on_epoch_end(self, epoch, logs=None):
        self.losses.append(logs["loss"])


class StopsLate(LossLogger):
    def on_epoch_end(self, epoch, logs=None):
        if self.losses and self.losses[-1] < self.threshold:
            self.model.stop_training = True
        self.losses.append(logs["loss"])


class StopsAtEqual(LossLogger):
    def on_epoch_end(self, epoch, logs=None):
        self.losses.append(logs["loss"])
        if logs["loss"] <= self.threshold:
            self.model.stop_training = True


class ArrayOfLosses(LossLogger):
    # The right losses, kept with np.append in a NumPy array: not the list the question asks for.
    def __init__(self, threshold):
        super().__init__(threshold)
        self.losses = np.array([])

    def on_epoch_end(self, epoch, logs=None):
        self.losses = np.append(self.losses, logs["loss"])
        if logs["loss"] < self.threshold:
            self.model.stop_training = True


class WithoutSuperInit(keras.callbacks.Callback):
    # A correct answer: Keras's Callback needs no __init__ call of its own to work in fit.
    def __init__(self, threshold):
        self.threshold, self.losses = threshold, []

    def on_epoch_end(self, epoch, logs=None):
        self.losses.append(float(logs["loss"]))
        if logs["loss"] < self.threshold:
            self.model.stop_training = True


def test_loss_logger_keeps_a_list_on_the_hidden_side_too(tmp_path):
    """The visible check asked for a list; the hidden side did not, so an array of losses kept full marks."""
    found = missed(q3, {"array of losses": ArrayOfLosses, "no super().__init__": WithoutSuperInit}, LossLogger, tmp_path)
    assert found == {"array of losses": "losses", "no super().__init__": "passed"}
    with pytest.raises(CheckFailed, match="should be a list"):
        q3.check(ArrayOfLosses)


def test_loss_logger_accepts_correct_callbacks_and_rejects_the_mistakes(tmp_path):
    statuses = judged(
        q3,
        {
            "logger": LossLogger,
            "with train begin": LoggerWithHistory,
            "shared list": SharedList,
            "per batch": PerBatch,
            "never stops": NeverStops,
            "stops late": StopsLate,
            "stops at an equal loss": StopsAtEqual,
        },
        LossLogger,
        tmp_path,
    )
    assert statuses == {
        "logger": Status.PASSED,
        "with train begin": Status.PASSED,
        "shared list": Status.FAILED,
        "per batch": Status.FAILED,
        "never stops": Status.FAILED,
        "stops late": Status.FAILED,
        "stops at an equal loss": Status.FAILED,
    }


def test_loss_logger_visible_check_and_a_plain_run():
    q3.check(LossLogger)
    logger = LossLogger(0.8)
    history = callback_run(logger)
    assert 1 < len(history.epoch) < 12 and logger.losses == history.history["loss"]
    SharedList.losses = []
    for wrong in (PerBatch, NeverStops, StopsLate):
        with pytest.raises(CheckFailed):
            q3.check(wrong)


# Question 4: save and load.


def save_and_load(model, folder):
    path = folder / "model.keras"
    model.save(path)
    return keras.saving.load_model(path)


def save_as_string_path(model, folder):
    path = f"{folder}/trained.keras"
    keras.saving.save_model(model, path)
    return keras.models.load_model(path, compile=False)


def save_weights_only(model, folder):
    path = folder / "model.weights.h5"
    model.save_weights(path)
    return keras.saving.load_model(path)


def return_the_original(model, folder):
    model.save(folder / "model.keras")
    return model


def rebuild_from_weights(model, folder):
    # Weights into a copy of the live model: predicts right, but nothing in the folder is a model.
    model.save_weights(folder / "model.weights.h5")
    twin = keras.models.clone_model(model)
    twin.load_weights(folder / "model.weights.h5")
    return twin


def test_save_and_load_accepts_keras_files_and_rejects_weights_only(tmp_path):
    statuses = judged(
        q4,
        {
            "save and load": save_and_load,
            "string path": save_as_string_path,
            "weights only": save_weights_only,
            "the original": return_the_original,
            "weights into a clone": rebuild_from_weights,
        },
        save_and_load,
        tmp_path,
    )
    assert statuses == {
        "save and load": Status.PASSED,
        "string path": Status.PASSED,
        "weights only": Status.ERROR,
        "the original": Status.FAILED,
        "weights into a clone": Status.FAILED,
    }


def test_save_and_load_visible_check_explains_weights_only():
    q4.check(save_and_load)
    with pytest.raises(CheckFailed, match="No model config|save_weights"):
        q4.check(save_weights_only)
    with pytest.raises(CheckFailed, match="save_weights keeps only"):
        q4.check(rebuild_from_weights)


# The probe kind and the helpers.


def test_an_observing_probe_records_the_state_after_the_call(tmp_path):
    probe = FunctionProbe(cases=lambda: [(np.zeros(2),)], observe=lambda args, result: args[0] + result)

    def add_one_in_place(a):
        a += 1.0
        return 10.0

    items = probe.collect(add_one_in_place, tmp_path, "q")
    assert decode(items["case0"]).tolist() == [11.0, 11.0]
    assert set(items) == {"case0", "case0.after"}


def test_small_model_and_data_are_seeded():
    assert np.array_equal(small_data(10, seed=3)[0], small_data(10, seed=3)[0])
    a, b = small_model(seed=4), small_model(seed=4)
    assert all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights(), strict=True))
    assert sorted(set(small_data(300)[1])) == [0, 1, 2]


def test_visible_numbers_are_what_keras_training_gives():
    # The visible checks of q1 and q2 compare with stored numbers; the Keras reference that made them is instructor-side.
    from grader.references.under_the_hood import keras_fit, keras_step
    from keras_course.exercises import ex14_under_the_hood as ex14
    from keras_course.exercises.ex14_visible import VISIBLE_FIT, VISIBLE_STEP

    model, *rest = ex14._step_args()
    assert np.isclose(keras_step(model, *rest), VISIBLE_STEP["loss"], rtol=1e-6)
    for weight, stored in zip(model.get_weights(), VISIBLE_STEP["weights"], strict=True):
        np.testing.assert_allclose(weight, stored, rtol=1e-6, atol=1e-9)
    history = keras_fit(*ex14._fit_args())
    for name in ("loss", "accuracy"):
        np.testing.assert_allclose(history[name], VISIBLE_FIT[name], rtol=1e-6)


def test_visible_start_is_drawn_by_numpy_not_by_keras():
    # The stored numbers hold on any Keras version only if the visible check's start does not come from Keras's RNG.
    from keras_course.exercises import ex14_under_the_hood as ex14

    kernels = [w for w in ex14._step_args()[0].get_weights() if w.ndim == 2]
    rng = np.random.default_rng(3)
    assert all(np.array_equal(k, rng.uniform(-0.7, 0.7, k.shape).astype(np.float32)) for k in kernels)
