"""Exercise 14, under the hood: a GradientTape step, a custom fit loop, a callback, saving and loading.

Mistakes the hidden tests catch: no ``training=True``, wrong-signed or misplaced gradients,
an unreset or inference-mode metric, reordered batches, a callback that logs per batch, stops
late or never, or keeps its losses on the class or in an array, a weights-only save or the
original model returned. Fresh seeded models and data; the key compares within float32 tolerance.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from keras_course.checks import FreshCallCheck, describe
from keras_course.exercises.ex14_visible import VISIBLE_FIT, VISIBLE_STEP
from keras_course.named_arrays import history_problem
from keras_course.probes import function_probes
from keras_course.question import Exercise, Question, Requirement

N_FEATURES = 4
N_CLASSES = 3


# Small models and data, built fresh and seeded for every check and probe.


def small_model(seed: int = 0, hidden: int = 8) -> Any:
    """Dense (no bias) -> BatchNormalization -> relu -> Dense(3 logits), built with ``seed``, for (n, 4) inputs.

    The first layer has no bias: BatchNormalization cancels it, and Adam would take full steps on its noise gradient.
    """
    import keras

    keras.utils.set_random_seed(seed)
    first = keras.layers.Dense(hidden, use_bias=False)  # BatchNormalization's beta is the bias
    layers = [first, keras.layers.BatchNormalization(), keras.layers.Activation("relu"), keras.layers.Dense(N_CLASSES)]
    return keras.Sequential([keras.Input(shape=(N_FEATURES,)), *layers])


def small_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points in 4-D (float32) and 3 class labels (int64) that depend on them, with a little noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 2.0, size=(n, N_FEATURES)).astype(np.float32)
    score = x[:, 0] - x[:, 1] + 0.5 * rng.normal(size=n)
    y = np.digitize(score, [-1.0, 1.0]).astype(np.int64)
    return x, y


def _loss_fn() -> Any:
    import keras

    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _optimizer(kind: str, model: Any) -> Any:
    """A fresh optimizer, already built for ``model``, so a tf.function step creates no variables of its own."""
    import keras

    makers = {"sgd": lambda: keras.optimizers.SGD(learning_rate=0.1),
              "momentum": lambda: keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)}
    optimizer = makers.get(kind, lambda: keras.optimizers.Adam(learning_rate=0.01))()
    optimizer.build(model.trainable_variables)
    return optimizer


def _flat_weights(model: Any) -> np.ndarray:
    """Every weight of the model, the BatchNormalization moving statistics included, as one float64 vector."""
    return np.concatenate([np.ravel(np.asarray(w, dtype=np.float64)) for w in model.get_weights()])


def _fresh(kind: str, n: int, data_seed: int, model_seed: int, numpy_start: bool = False) -> tuple:
    """(model, optimizer, loss_fn, x, y), all fresh; ``numpy_start`` draws the Dense kernels with NumPy, not Keras.

    The numbers a visible check stores (`keras_course.exercises.ex14_visible`) then hold on any Keras version.
    """
    x, y = small_data(n, seed=data_seed)
    model = small_model(seed=model_seed)
    if numpy_start:
        rng = np.random.default_rng(model_seed)
        model.set_weights([rng.uniform(-0.7, 0.7, w.shape).astype(np.float32) if w.ndim == 2 else w
                           for w in model.get_weights()])
    return model, _optimizer(kind, model), _loss_fn(), x, y


# Question 1: one training step.


def _step_observe(args: tuple, result: Any) -> np.ndarray:
    """The returned loss, then every weight after the step (BatchNormalization's moving statistics too)."""
    return np.concatenate([np.reshape(np.asarray(result, dtype=np.float64), (-1,)), _flat_weights(args[0])])


def _step_cases() -> list[tuple]:
    shapes = [("sgd", 32), ("momentum", 20), ("adam", 50)]
    return [_fresh(kind, n, 1410 + index, 1400 + index) for index, (kind, n) in enumerate(shapes)]


def _step_args() -> tuple:
    return _fresh("sgd", 32, 7, 3, numpy_start=True)


def _step_holds(args: tuple, result: Any) -> str | None:
    model = args[0]
    start = _step_args()[0].get_weights()  # the same start as the model the check gave you
    reference, after_step = VISIBLE_STEP["loss"], [np.asarray(w, dtype=np.float32) for w in VISIBLE_STEP["weights"]]
    try:
        loss = float(np.asarray(result))
    except (TypeError, ValueError):
        return f"returned {describe(result)}; it should return the loss of the batch, one number."
    if not np.isclose(loss, reference, rtol=1e-4, atol=1e-6):
        return (
            f"returned the loss {loss:.6f}; the batch's loss in training mode, before the update, is {reference:.6f}. "
            "Call the model as model(x, training=True) inside the tape, then loss_fn(y, logits)."
        )
    weights = zip([v.path for v in model.weights], start, model.get_weights(), after_step, strict=True)
    for name, begin, got, want in weights:
        if np.allclose(got, want, rtol=1e-4, atol=1e-6):
            continue
        if "moving" in name:
            return (
                f"left {name} at {describe(np.ravel(got)[:3])}..., where a training step moves it to "
                f"{describe(np.ravel(want)[:3])}.... BatchNormalization updates its moving statistics only when "
                "the model runs with training=True."
            )
        if np.allclose(got, 2 * begin - want, rtol=1e-3, atol=1e-5):
            return f"moved {name} the wrong way: the optimizer subtracts the gradient itself; pass it as it is."
        return (
            f"left {name} at {describe(np.ravel(got)[:3])}..., where one step moves it to "
            f"{describe(np.ravel(want)[:3])}.... Apply the gradients to model.trainable_variables, in the same "
            "order as you asked the tape for them."
        )
    return None


q1 = Question(
    id="q1_train_step",
    points=2,
    title="One training step with tf.GradientTape",
    checks=(
        FreshCallCheck(_step_args, "train_step(model, optimizer, loss_fn, x, y) on a fresh model with "
                       "BatchNormalization and SGD(0.1)", _step_holds),
    ),
    probes=function_probes(
        (_step_cases, "fresh models with SGD, momentum and Adam (the loss your step returned, every weight after it)",
         ("loss", "update", "training_mode", "unchanged"), {"observe": _step_observe}),
        rtol=1e-4, atol=1e-5,
    ),
    requirements=(
        Requirement("loss", "returns the batch's loss computed before the update, as one number"),
        Requirement("update", "moves every trainable weight by one optimizer step with the gradients of that loss, "
                    "whatever the optimizer"),
        Requirement("training_mode", "runs the model in training mode, so BatchNormalization's moving statistics move"),
        Requirement("unchanged", "leaves x and y unchanged"),
    ),
    hints=(
        "Four moves: run the model on x inside `with tf.GradientTape() as tape:`, compute the loss there too, "
        "ask the tape for the gradients, hand them to the optimizer.",
        "The model has a BatchNormalization layer, so call it as model(x, training=True). Ask for "
        "tape.gradient(loss, model.trainable_variables) and apply those gradients to those same variables.",
        "with tf.GradientTape() as tape: loss = loss_fn(y, model(x, training=True)); then "
        "grads = tape.gradient(loss, model.trainable_variables); "
        "optimizer.apply_gradients(zip(grads, model.trainable_variables)); return float(loss)",
    ),
)


# Question 2: a whole fit loop that reports a loss and an accuracy per epoch.


def _fit_observe(args: tuple, result: Any) -> np.ndarray:
    """The per-epoch losses and accuracies, then every weight after the loop (it raises on a malformed history)."""
    if problem := history_problem(result, args[5]):
        raise ValueError(problem)
    curves = [np.asarray(result[name], dtype=np.float64).reshape(-1) for name in ("loss", "accuracy")]
    return np.concatenate([*curves, _flat_weights(args[0])])


def _fit_cases() -> list[tuple]:
    """Equal batches; a partial last batch (100 = 3 x 32 + 4); one epoch of a single batch larger than the data."""
    shapes = [("sgd", 96, 32, 4), ("adam", 100, 32, 3), ("momentum", 20, 64, 1)]
    return [(*_fresh(kind, n, 1430 + i, 1420 + i), epochs, batch) for i, (kind, n, batch, epochs) in enumerate(shapes)]


def _fit_args() -> tuple:
    return (*_fresh("sgd", 64, 11, 5, numpy_start=True), 4, 16)  # 4 epochs of batches of 16


def _fit_holds(args: tuple, result: Any) -> str | None:
    epochs = args[5]
    if problem := history_problem(result, epochs):
        return problem
    got_loss, got_acc = (np.asarray(result[name], dtype=np.float64) for name in ("loss", "accuracy"))
    want_loss, want_acc = (np.asarray(VISIBLE_FIT[name]) for name in ("loss", "accuracy"))
    if not np.allclose(got_loss[0], want_loss[0], rtol=1e-4, atol=1e-6):
        return (
            f"reported the epoch-1 loss {got_loss[0]:.5f}; the mean of that epoch's batch losses is "
            f"{want_loss[0]:.5f}. Update the model in training=True mode, batches in order, no shuffling."
        )
    running = np.cumsum(want_loss) / np.arange(1, epochs + 1)
    if not np.allclose(got_loss, want_loss, rtol=1e-4, atol=1e-6):
        if np.allclose(got_loss, running, rtol=1e-3, atol=1e-5):
            return (
                f"reported the losses {describe(got_loss)}: a running mean over all epochs so far. The mean of each "
                f"epoch alone is {describe(want_loss)}. Call reset_state() on your metrics at the start of every epoch."
            )
        return f"reported the losses {describe(got_loss)}; they should be {describe(want_loss)}."
    if not np.allclose(got_acc, want_acc, rtol=1e-4, atol=1e-6):
        return (
            f"reported the accuracies {describe(got_acc)}; they should be {describe(want_acc)}: measured on the "
            "logits of each training step, with the metric reset every epoch."
        )
    return None


q2 = Question(
    id="q2_fit_custom",
    points=3,
    title="A custom fit loop with metrics reset every epoch",
    checks=(
        FreshCallCheck(_fit_args, "fit_custom(model, optimizer, loss_fn, x, y, epochs=4, batch_size=16) on 64 points",
                       _fit_holds),
    ),
    probes=function_probes(
        (_fit_cases, "fresh models and data, one with a smaller last batch (the per-epoch losses and accuracies, and "
         "the weights after your loop)", ("loss", "history", "reset", "accuracy", "batches", "unchanged"),
         {"observe": _fit_observe}),
        rtol=1e-4, atol=1e-5,
    ),
    requirements=(
        Requirement("history", 'returns {"loss": [...], "accuracy": [...]}, one float per epoch in each list'),
        Requirement("loss", "each epoch's loss is the mean of its batch losses weighted by batch size (the last batch "
                    "may be smaller)"),
        Requirement("reset", "both metrics restart at every epoch"),
        Requirement("accuracy", "each epoch's accuracy is measured on the logits of that epoch's training steps"),
        Requirement("batches", "trains the model in place, one step per batch of batch_size, in order, with no "
                    "shuffling"),
        Requirement("unchanged", "leaves x and y unchanged"),
    ),
    hints=(
        "Two loops: epochs outside, batches inside (x[start:start + batch_size], in order). Each batch does one "
        "training step as in question 1, then updates two metrics.",
        "Make keras.metrics.Mean() and keras.metrics.SparseCategoricalAccuracy() once, before the loops. At the "
        "start of every epoch call reset_state() on both; at the end append float(metric.result()) to the history.",
        "Inside the tape keep the logits: logits = model(xb, training=True); loss = loss_fn(yb, logits). After "
        "apply_gradients: mean_loss.update_state(loss, sample_weight=len(xb)); accuracy.update_state(yb, logits).",
    ),
)


# Question 3: a callback that logs each epoch's loss and stops below a threshold.


def callback_run(callback: Any, seed: int = 0) -> Any:
    """Fit a fresh small model for up to 12 epochs with ``callback``; return the History."""
    import keras

    model = small_model(seed=seed)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.2), loss=_loss_fn())
    x, y = small_data(64, seed=seed + 1)
    return model.fit(x, y, batch_size=32, epochs=12, shuffle=False, verbose=0, callbacks=[callback])


def _callback_fit(args: tuple, result: Any) -> Any:
    import keras

    if not isinstance(result, keras.callbacks.Callback):
        raise TypeError(f"LossLogger({args[0]}) made a {type(result).__name__}, not a keras.callbacks.Callback")
    return callback_run(result, seed=1440)


def _callback_observe(args: tuple, result: Any) -> np.ndarray:
    """How many epochs fit ran with the student's callback, then the losses the callback kept."""
    history = _callback_fit(args, result)
    losses = np.asarray(getattr(result, "losses", None), dtype=np.float64).reshape(-1)
    return np.concatenate([[float(len(history.epoch))], losses])


def _losses_form_observe(args: tuple, result: Any) -> np.ndarray:
    """1.0 when the callback's ``losses`` is still a Python list after a fit, else 0.0 (in the kernel)."""
    _callback_fit(args, result)
    return np.array([1.0 if isinstance(getattr(result, "losses", None), list) else 0.0])


def _losses_form_verify(args: tuple, output: np.ndarray) -> str | None:
    if output.shape == (1,) and output[0] == 1.0:
        return None
    return ("a callback whose self.losses is not a list after fit (start it as self.losses = [] in __init__ and "
            "append each epoch's loss to it; np.append makes a new array instead)")


@functools.cache
def _exact_loss(epoch: int) -> float:
    """The loss of ``epoch`` (counting from 0) in the probe's fit, as ``logs['loss']`` gives it (one fit per kernel)."""
    import keras

    losses: list[float] = []
    recorder = keras.callbacks.LambdaCallback(on_epoch_end=lambda _, logs: losses.append(logs["loss"]))
    callback_run(recorder, seed=1440)
    return losses[epoch]


def _callback_cases() -> list[tuple]:
    """Thresholds reached at epoch 7, never, at the first epoch, and one exactly equal to epoch 4's loss.

    The losses fall from 1.35 to 0.50, so an equal threshold is not yet "below": training goes on past epoch 4.
    """
    return [(0.6,), (0.0,), (5.0,), (_exact_loss(3),)]


def _callback_holds(args: tuple, result: Any) -> str | None:
    import keras

    if not isinstance(result, keras.callbacks.Callback):
        return f"made {describe(result)}; LossLogger must subclass keras.callbacks.Callback."
    history = callback_run(result, seed=0)
    losses = getattr(result, "losses", None)
    if not isinstance(losses, list):
        return f"left callback.losses as {describe(losses)}; it should be a list, one loss per epoch."
    epochs = len(history.epoch)
    if len(losses) != epochs:
        return (
            f"recorded {len(losses)} losses while fit ran {epochs} epochs. Record logs['loss'] in on_epoch_end, "
            "not in a batch method, and start each LossLogger with its own empty list (set it in __init__)."
        )
    if not np.allclose(losses, history.history["loss"], rtol=1e-6):
        return f"recorded {describe(np.asarray(losses))}; fit reported {describe(np.asarray(history.history['loss']))}."
    below = [k for k, loss in enumerate(losses) if loss < args[0]]
    if not below:
        return f"let fit run all {epochs} epochs; with threshold 0.8 it should stop after the first epoch whose loss is below it."
    if epochs != below[0] + 1:
        return (
            f"stopped after {epochs} epochs; the loss first fell below 0.8 in epoch {below[0] + 1}, so training should "
            "stop right there: set self.model.stop_training = True in that epoch's on_epoch_end."
        )
    return None


q3 = Question(
    id="q3_loss_logger",
    points=2,
    title="A callback that logs each epoch and stops below a threshold",
    checks=(
        FreshCallCheck(lambda: (0.8,), "model.fit(..., epochs=12, callbacks=[LossLogger(0.8)]) on a fresh model",
                       _callback_holds),
    ),
    probes=function_probes(
        (_callback_cases, "fits of fresh models with several thresholds, one equal to an epoch's loss (the epochs run "
         "and the losses your callback kept)", ("stop", "losses", "callback"),
         {"observe": _callback_observe, "rtol": 1e-5, "atol": 1e-6}),
        (lambda: [(0.6,)], "a fit of a fresh model (what kind of object self.losses is afterwards)", ("losses",),
         {"observe": _losses_form_observe, "verify": _losses_form_verify}),
    ),
    requirements=(
        Requirement("callback", "LossLogger(threshold) is a keras.callbacks.Callback"),
        Requirement("losses", 'appends logs["loss"] to its own list self.losses after every epoch'),
        Requirement("stop", "stops training in the first epoch whose loss is strictly below threshold"),
    ),
    hints=(
        "Subclass keras.callbacks.Callback. Keras calls on_epoch_end(self, epoch, logs) after every epoch; "
        "logs['loss'] is that epoch's mean training loss, and self.model is the model being trained.",
        "In __init__ call super().__init__(), keep the threshold and make self.losses = [] (on the instance, not "
        "on the class, or every LossLogger shares one list).",
        "def on_epoch_end(self, epoch, logs=None): self.losses.append(logs['loss']); "
        "if logs['loss'] < self.threshold: self.model.stop_training = True",
    ),
)


# Question 4: save a model as .keras and load it back.


def _model_and_folder(seed: int, prefix: str) -> tuple:
    """A small model trained for two epochs, and a new empty folder."""
    import keras

    model = small_model(seed=seed, hidden=6)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=_loss_fn())
    x, y = small_data(64, seed=seed + 1)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    return model, Path(tempfile.mkdtemp(prefix=prefix))


def _save_observe(args: tuple, result: Any) -> np.ndarray:
    import keras

    model, folder = args
    if not isinstance(result, keras.Model):
        raise TypeError(f"save_and_load returned a {type(result).__name__}, not a Keras model")
    if result is model:
        raise ValueError("save_and_load returned the model it was given, not the model loaded from the file")
    if not list(Path(folder).glob("*.keras")):
        raise ValueError("save_and_load left no .keras file in the folder")
    x, _ = small_data(40, seed=1459)
    return np.asarray(result.predict(x, verbose=0), dtype=np.float64)


def _save_holds(args: tuple, result: Any) -> str | None:
    import keras

    model, folder = args
    files = sorted(p.name for p in Path(folder).iterdir())
    if not any(name.endswith(".keras") for name in files):
        return (
            f"left these files in the folder: {files or 'none'}. Save the whole model with "
            "model.save(folder / 'model.keras'); save_weights keeps only the numbers, not the architecture."
        )
    if not isinstance(result, keras.Model):
        return f"returned {describe(result)}; return the model that keras.saving.load_model gives you."
    if result is model:
        return "returned the model it was given. Return the one you loaded from the file, to prove the file works."
    x, _ = small_data(20, seed=99)
    want, got = model.predict(x, verbose=0), result.predict(x, verbose=0)
    if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
        return f"returned a model that predicts {describe(got[:2])} where the original predicts {describe(want[:2])}."
    return None


q4 = Question(
    id="q4_save_and_load",
    points=2,
    title="Save a model as .keras and load it back",
    checks=(
        FreshCallCheck(lambda: _model_and_folder(9, "q4-check-"),
                       "save_and_load(model, folder) on a small trained model and an empty folder", _save_holds),
    ),
    probes=function_probes(
        (lambda: [_model_and_folder(seed, "q4-") for seed in (1450, 1451)],
         "small trained models (the loaded model's predictions on hidden inputs)", ("file", "loaded"),
         {"observe": _save_observe}),
        rtol=1e-5, atol=1e-6,
    ),
    requirements=(
        Requirement("file", "saves the whole model into a .keras file inside folder"),
        Requirement("loaded", "returns the model loaded from that file, which predicts exactly like the original"),
    ),
    hints=(
        "A .keras file holds the architecture, the weights and the compile settings together; a .weights.h5 "
        "file holds only the weights, and keras.saving.load_model cannot rebuild a model from it.",
        "folder is a pathlib.Path: folder / 'model.keras' is a file name inside it.",
        "path = folder / 'model.keras'; model.save(path); return keras.saving.load_model(path)",
    ),
)


EXERCISE = Exercise(notebook="14_under_the_hood", questions=(q1, q2, q3, q4))
