"""Visible checks: the tests a student reads, runs and learns from.

Each class is one kind of check. ``run(answer)`` returns ``None`` when the
answer is right and raises `CheckFailed` with a message that says what we
tried, what we expected, what we got, and where to look. Visible checks give
instant feedback only: they never decide a grade (hidden probes and the
trusted judge do that).

Example:

>>> check = FunctionCheck(args=(2.0, 3.0), expected=5.0, call="add(2.0, 3.0)")
>>> check.run(lambda a, b: a + b)
>>> check.run(lambda a, b: a - b)
Traceback (most recent call last):
...
keras_course.checks.CheckFailed: add(2.0, 3.0) returned -1, but it should return 5.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from keras_course.model_spec import ModelSpec


class CheckFailed(AssertionError):
    """A visible check did not pass. Its message is written for the student."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the message is all the student needs.
        return [f"\x1b[31mNot yet:\x1b[0m {self}"]


class NotAttempted(CheckFailed):
    """The answer still raises NotImplementedError."""


def describe(value: Any, limit: int = 200) -> str:
    """A short, readable rendering of a value for messages."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "biuf":
        return describe(value.item(), limit)
    if isinstance(value, np.ndarray):
        with np.printoptions(precision=4, suppress=True, threshold=20):
            text = np.array2string(value, separator=", ")
        return f"{text} (shape {value.shape})" if value.ndim > 1 else text
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compare(got: Any, expected: Any, rtol: float, atol: float) -> str | None:
    """Return what is wrong with ``got``, or ``None`` when it matches ``expected``."""
    expected_arr = np.asarray(expected)
    try:
        got_arr = np.asarray(got)
    except Exception:  # noqa: BLE001 - student values may fail to convert in any way
        return f"a {type(got).__name__}, which is not a number or an array"
    if got_arr.dtype.kind not in "biuf":
        return f"a {type(got).__name__}, which is not a number or an array of numbers"
    if got_arr.shape != expected_arr.shape:
        return f"an array of shape {got_arr.shape} where shape {expected_arr.shape} was expected"
    got_f, exp_f = got_arr.astype(float), expected_arr.astype(float)
    if not np.array_equal(np.isnan(got_f), np.isnan(exp_f)):
        return "NaN where a number was expected" if np.isnan(got_f).any() else "a number where NaN was expected"
    if not np.allclose(got_f, exp_f, rtol=rtol, atol=atol, equal_nan=True):
        return "a different value"
    return None


def call_answer(answer: Callable[..., Any], args: tuple, call: str) -> Any:
    """Call the student's function, turning a stub or a crash into a clear message."""
    if not callable(answer):
        raise CheckFailed(f"Expected a function for {call}, but got {describe(answer)}.")
    try:
        return answer(*[_copy(a) for a in args])
    except NotImplementedError:
        raise NotAttempted(
            f"{call} still raises NotImplementedError. Replace `raise NotImplementedError()` "
            "with your code."
        ) from None
    except Exception as exc:  # noqa: BLE001 - student code may raise anything
        raise CheckFailed(f"{call} raised {type(exc).__name__}: {exc}") from None


def _copy(value: Any) -> Any:
    return value.copy() if isinstance(value, np.ndarray) else value


def _fail_unless_close(check: Any, got: Any, wording: tuple[str, str, str], show: Callable[[Any], str]) -> None:
    """Raise `CheckFailed` unless ``got`` is within the check's tolerances of its ``expected``.

    ``wording`` is the subject, the verb for what it is and the verb for what it
    should be: ("sigmoid(0.0)", "returned", "return") or ("`total`", "is", "be").
    """
    problem = compare(got, check.expected, check.rtol, check.atol)
    if problem is None:
        return
    subject, found, wanted = wording
    if problem == "a different value":
        message = f"{subject} {found} {show(got)}, but it should {wanted} {show(check.expected)}."
    else:
        message = f"{subject} {found} {problem}."
    raise CheckFailed(f"{message} {check.tip}".strip())


@dataclass(frozen=True)
class FunctionCheck:
    """Call the answer with ``args`` and compare the result with ``expected``.

    Args:
        args: positional arguments for the student's function.
        expected: the right result (a number or an array).
        call: how the call reads in a message, e.g. ``"sigmoid(0.0)"``.
        rtol: relative tolerance. Defaults to 1e-6.
        atol: absolute tolerance. Defaults to 1e-8.
        tip: one sentence that points at the likely mistake. Defaults to "".
    Example:

    >>> FunctionCheck(args=(2.0,), expected=4.0, call="square(2.0)", tip="Multiply x by itself.").run(lambda x: x + x + 1)
    Traceback (most recent call last):
    ...
    keras_course.checks.CheckFailed: square(2.0) returned 5, but it should return 4. Multiply x by itself.
    """

    args: tuple
    expected: Any
    call: str
    rtol: float = 1e-6
    atol: float = 1e-8
    tip: str = ""

    def run(self, answer: Any) -> None:
        got = call_answer(answer, self.args, self.call)
        _fail_unless_close(self, got, (self.call, "returned", "return"), lambda value: describe(np.asarray(value)))


@dataclass(frozen=True)
class ValueCheck:
    """Compare a value the student computed (not a function) with ``expected``.

    Example:

    >>> ValueCheck(expected=0.5, name="rate").run(0.25)
    Traceback (most recent call last):
    ...
    keras_course.checks.CheckFailed: `rate` is 0.25, but it should be 0.5.
    """

    expected: Any
    name: str
    rtol: float = 1e-6
    atol: float = 1e-8
    tip: str = ""

    def run(self, answer: Any) -> None:
        if answer is None or answer is Ellipsis:
            raise NotAttempted(f"`{self.name}` has no value yet.")
        _fail_unless_close(self, answer, (f"`{self.name}`", "is", "be"), describe)


@dataclass(frozen=True)
class PropertyCheck:
    """Call the answer on ``args`` and test a property of the result.

    ``holds(result)`` returns ``None`` when the property holds, else what is wrong.
    Use it when many different answers are right (trained weights, say).
    Example:

    >>> shape_is_3 = lambda result: None if np.shape(result) == (3,) else f"has shape {np.shape(result)}"
    >>> PropertyCheck(args=(3,), call="ones(3)", holds=shape_is_3).run(lambda n: np.ones((n, 1)))
    Traceback (most recent call last):
    ...
    keras_course.checks.CheckFailed: ones(3): has shape (3, 1)
    """

    args: tuple
    call: str
    holds: Callable[[Any], str | None]
    tip: str = ""

    def run(self, answer: Any) -> None:
        result = call_answer(answer, self.args, self.call)
        problem = self.holds(result)
        if problem:
            raise CheckFailed(f"{self.call}: {problem} {self.tip}".strip())


@dataclass(frozen=True)
class FreshCallCheck:
    """Call the answer on fresh arguments from ``make_args`` and test the result.

    Args:
        make_args: returns the argument tuple (new arrays on every run).
        call: how the call reads in a message.
        holds: ``holds(args, result) -> problem or None``; it may also look at
            the arguments after the call (to see whether they were changed).
        tip: one sentence that points at the likely mistake. Defaults to "".
    Example:

    >>> def positive(args, result):
    ...     return None if np.all(result > 0) else "returned a value that is not positive"
    >>> FreshCallCheck(make_args=lambda: (np.arange(3.0),), call="shift(x)", holds=positive).run(lambda x: x + 1)
    """

    make_args: Callable[[], tuple]
    call: str
    holds: Callable[[tuple, Any], str | None]
    tip: str = ""

    def run(self, answer: Any) -> None:
        args = self.make_args()
        result = call_answer(answer, args, self.call)
        problem = self.holds(args, result)
        if problem:
            raise CheckFailed(f"{self.call} {problem} {self.tip}".strip())


@dataclass(frozen=True)
class ModelCheck:
    """Check a Keras model against its `ModelSpec` and, optionally, its accuracy on visible data.

    The hidden `keras_course.probes.ModelRequirements` of the same question read the
    same spec, so what this check teaches is what the grade decides.

    Args:
        spec: the architecture the question asks for (input shape, last layer, layer counts, parameters).
        data: a function returning ``(x, y)`` to measure the model on. Defaults to None.
        minimum_accuracy: accuracy the model must reach on ``data``. Defaults to 0.
        tip: what to try when the accuracy is too low. Defaults to "".

    Example:

    >>> check = ModelCheck(ModelSpec(input_shape=(4,), output_units=3, output_activation="softmax"))
    >>> check.spec.output_units
    3
    """

    spec: ModelSpec
    data: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None
    minimum_accuracy: float = 0.0
    tip: str = ""

    def run(self, answer: Any) -> None:
        import keras

        if not isinstance(answer, keras.Model):
            raise CheckFailed(f"Expected a Keras model, but got {describe(answer)}.")
        spec = self.spec
        shape = tuple(answer.inputs[0].shape[1:]) if answer.inputs else None
        if spec.input_shape is not None and shape != tuple(spec.input_shape):
            raise CheckFailed(
                f"Your model takes inputs of shape {shape}; it should take {tuple(spec.input_shape)}. "
                f"Start it with keras.Input(shape={tuple(spec.input_shape)})."
            )
        last, activation = last_layer(answer)
        units = getattr(last, "units", None)
        if spec.output_units is not None and units != spec.output_units:
            raise CheckFailed(f"Your last layer has {units} units; it should have {spec.output_units}.")
        if spec.output_activation and activation != spec.output_activation:
            raise CheckFailed(
                f"Your last layer uses the {activation!r} activation; it should use {spec.output_activation!r}."
            )
        for name, least in spec.layer_counts.items():
            have = sum(1 for layer in answer.layers if type(layer).__name__ == name)
            if have < least:
                raise CheckFailed(
                    f"Your model has {have} {name} layer(s); it should have at least {least}. "
                    f"Add keras.layers.{name}(...) to it."
                )
        if spec.max_params is not None and answer.count_params() > spec.max_params:
            raise CheckFailed(
                f"Your model has {answer.count_params()} parameters; it may have at most {spec.max_params}. "
                "Use fewer filters or units."
            )
        if self.data is not None:
            x, y = self.data()
            accuracy = accuracy_of(answer.predict(x, verbose=0), y)
            if accuracy < self.minimum_accuracy:
                raise CheckFailed(
                    f"Your model's accuracy on the visible validation data is {accuracy:.3f}; "
                    f"it should reach at least {self.minimum_accuracy:.2f}. {self.tip}".strip()
                )


_ACTIVATION_LAYERS = {"ReLU": "relu", "Softmax": "softmax", "ELU": "elu"}


def last_layer(model: Any) -> tuple[Any, str]:
    """The last layer with weights and the activation its output goes through.

    An activation layer after it (``Activation("sigmoid")``, ``Softmax()``) is
    folded in: ``Dense(1)`` + ``Activation("sigmoid")`` reads as a Dense layer
    with the sigmoid activation, the same model as ``Dense(1, activation="sigmoid")``.
    """
    layers = list(model.layers)
    folded = ""
    while layers and type(layers[-1]).__name__ in {"Activation", *_ACTIVATION_LAYERS}:
        layer = layers.pop()
        name = _ACTIVATION_LAYERS.get(type(layer).__name__) or getattr(layer.activation, "__name__", "")
        folded = folded or name
    last = layers[-1] if layers else model.layers[-1]
    if type(last).__name__ == "TimeDistributed":  # TimeDistributed(Dense(1)) is a Dense(1) at every step
        last = last.layer
    own = getattr(getattr(last, "activation", None), "__name__", "")
    if not folded or own in ("", "linear"):
        return last, folded or own
    return last, f"{own} then {folded}"


def accuracy_of(predictions: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy of class scores: one column means P(class 1), several mean one score per class."""
    predictions = np.asarray(predictions, dtype=float)
    labels = np.asarray(labels).reshape(-1)
    if predictions.ndim == 2 and predictions.shape[1] > 1:
        guessed = predictions.argmax(axis=1)
    else:
        guessed = (predictions.reshape(-1) > 0.5).astype(int)
    return float(np.mean(guessed == labels))


@dataclass(frozen=True)
class AnswerPropertyCheck:
    """Test a property of the answer itself (a trained model, say), which is not called.

    Args:
        name: how the answer reads in a message, e.g. ``"The optimizer of sgd_model"``.
        holds: ``holds(answer) -> problem or None``.
        tip: one sentence that points at the likely mistake. Defaults to "".

    Example:

    >>> AnswerPropertyCheck("model", lambda m: None if m == 1 else "is not 1").run(1)
    """

    name: str
    holds: Callable[[Any], str | None]
    tip: str = ""

    def run(self, answer: Any) -> None:
        if answer is None or answer is Ellipsis:
            raise NotAttempted(f"{self.name}: no answer yet.")
        problem = self.holds(answer)
        if problem:
            raise CheckFailed(f"{self.name}: {problem} {self.tip}".strip())


# --- Text models that read raw sentences ---


def reads_raw_sentences(model: Any) -> str | None:
    """An `AnswerPropertyCheck` ``holds``: the model turns raw sentences (capitals, punctuation) into one probability each.

    For the sentiment models that take strings (exercise 11, project 16); kernel side, visible.

    >>> reads_raw_sentences("not a model")
    "is 'not a model', not a trained Keras model."
    """
    import keras

    if not isinstance(model, keras.Model):
        return f"is {describe(model)}, not a trained Keras model."
    sentences = np.array(["What a SUPERB film!", "Dull, dull, dull."], dtype=object)
    try:
        scores = np.asarray(model.predict(sentences, verbose=0), dtype=float)
    except Exception as exc:  # noqa: BLE001 - a model that cannot read strings may fail in many ways
        return (
            f"could not read raw sentences ({type(exc).__name__}). Start it with "
            'keras.Input(shape=(1,), dtype="string") followed by the adapted TextVectorization layer.'
        )
    if scores.shape != (2, 1) or not np.all((scores >= 0) & (scores <= 1)):
        return (
            f"returned {describe(scores)} on two raw sentences; it should return one probability per sentence, "
            "shape (2, 1), from a Dense(1, activation='sigmoid') output."
        )
    return None


# --- Accuracy per token ---


def token_accuracy(predictions: Any, y: np.ndarray) -> float:
    """Share of tokens whose most likely class is the label: ``(n, T, classes)`` probabilities against ``(n, T)`` labels.

    The sequence sibling of `accuracy_of`, for models that predict one class at each position.

    >>> token_accuracy([[[0.9, 0.1], [0.2, 0.8]]], np.array([[0, 0]]))
    0.5
    """
    predictions = np.asarray(predictions, dtype=np.float64)
    return float(np.mean(predictions.argmax(axis=-1) == np.asarray(y)))


# --- Mean errors and array answers ---


def mean_error_holds(
    data: Callable[[], tuple[np.ndarray, np.ndarray]],
    limit: float,
    wrong_size: str,
    too_high: str,
    baseline: Callable[[np.ndarray, np.ndarray], float] | None = None,
) -> Callable[[Any], str | None]:
    """A `PropertyCheck` ``holds`` for a regression model's predictions on the visible data ``(x, y)``.

    The predictions must hold one number per target (in any shape of that size) and reach a mean
    absolute error of at most ``limit``. ``wrong_size`` is formatted with ``shape`` (the
    predictions' shape); ``too_high`` with ``mae``, ``limit`` and ``baseline`` (``baseline(x, y)``,
    the error of a naive forecast, when given).

    >>> holds = mean_error_holds(lambda: (np.zeros((2, 1)), np.array([1.0, 2.0])), 0.5, "shape {shape}", "{mae:.2f} > {limit}")
    >>> holds(np.array([[1.0], [2.25]])) is None, holds(np.zeros(3)), holds(np.zeros(2))
    (True, 'shape (3,)', '1.50 > 0.5')
    """

    def holds(predictions: Any) -> str | None:
        x, y = data()
        predictions = np.asarray(predictions, dtype=np.float64)
        if predictions.size != y.size:
            return wrong_size.format(shape=predictions.shape)
        mae = float(np.mean(np.abs(predictions.reshape(y.shape) - y)))
        if mae <= limit:
            return None
        return too_high.format(mae=mae, limit=limit, baseline=baseline(x, y) if baseline else None)

    return holds


def array_problem(
    label: str, got: np.ndarray, want: np.ndarray, shape_note: str = "", tolerance: tuple[float, float] | None = None
) -> str | None:
    """What is wrong with the array ``got``, called ``label`` in the message, against ``want``: its shape, then its values.

    ``shape_note`` ends the message about the shape (", one entry per logit"). ``tolerance`` is
    ``(rtol, atol)`` for ``np.allclose``; without it the values must be equal.

    >>> array_problem("y", np.zeros(2), np.zeros(3), ", one per example")
    'y has shape (2,); it should have shape (3,), one per example.'
    >>> array_problem("y", np.array([1, 2]), np.array([1, 3]))
    'y is [1, 2], but it should be [1, 3].'
    >>> array_problem("y", np.array([1.0]), np.array([1.0 + 1e-9]), tolerance=(1e-6, 0.0)) is None
    True
    """
    if got.shape != want.shape:
        return f"{label} has shape {got.shape}; it should have shape {want.shape}{shape_note}."
    same = np.array_equal(got, want) if tolerance is None else np.allclose(got, want, *tolerance)
    return None if same else f"{label} is {describe(got)}, but it should be {describe(want)}."


# --- Optimizers built as asked ---


def optimizer_holds(answer_name: str, optimizer: str, advice: str, **settings: Any) -> Callable[[Any], str | None]:
    """An `AnswerPropertyCheck`'s ``holds``: the answer is a Keras model compiled with ``optimizer`` and ``settings``.

    A number setting must match within NumPy's ``isclose`` (a missing one counts as 0), a flag must be equal.

    >>> holds = optimizer_holds("sgd_model", "SGD", "keras.optimizers.SGD(momentum=0.9)", momentum=0.9)
    >>> holds(3)
    'sgd_model is 3, not a Keras model.'
    """

    def holds(model: Any) -> str | None:
        import keras

        if not isinstance(model, keras.Model):
            return f"{answer_name} is {describe(model)}, not a Keras model."
        compiled = getattr(model, "optimizer", None)
        if compiled is None:
            return "the model has no optimizer: compile it before you train it."
        name, config = type(compiled).__name__, compiled.get_config()
        if name != optimizer:
            return f"the model was compiled with {name}; this question asks for keras.optimizers.{optimizer}."
        for setting, wanted in settings.items():
            if isinstance(wanted, bool):
                wrong = bool(config.get(setting)) != wanted
            else:
                wrong = not np.isclose(float(config.get(setting, 0.0)), wanted)
            if wrong:
                shown = " and ".join(f"{key}={config.get(key)}" for key in settings)
                return f"its {optimizer} has {shown}; use {advice}."
        return None

    return holds
