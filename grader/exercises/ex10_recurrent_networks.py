"""Exercise 10, recurrent networks: unroll an RNN, cut a series into windows, scale it, train two recurrent models.

The conventions are Keras's ``SimpleRNN``: ``h_t = tanh(x_t W_x + h_{t-1} W_h + b)``
with ``W_x`` of shape (features, units), ``W_h`` of shape (units, units) and
``b`` of shape (units,). The series is the yearly mean sunspot number
(1700 to 2008) that ships with statsmodels.

Mistakes the hidden tests catch: a recurrent kernel used transposed (and an
input kernel transposed where the table is square), the initial state
ignored, the state not carried from step to step, only the last state
returned, tanh forgotten or the bias added outside it, states reshaped instead
of stacked on axis 1, a squeezed result for a batch of one or a single step,
the state written into ``h0``; windows whose target sits inside the input
window or one step off, the horizon ignored, the last window dropped (also
when the series leaves exactly one), targets as a column (n, 1), windows
without their feature axis or transposed, a squeezed single window, a series
overwritten; a series scaled with the statistics of the whole series (peeking
at the test years), with one value too many, with the sample deviation,
min-max scaled or not scaled at all, a scaled column (n, 1) where the series
is 1-D, a series scaled in place; an echo model without
``return_sequences=True`` (one output per sequence instead of one per step),
with a SimpleRNN or another number of units, an activation on its output, a
hidden Dense layer or a second recurrent layer beyond the two layers asked for,
compiled with another loss, optimizer or learning rate, or undertrained; and a
sunspot forecaster (a goal-and-budget question: its layers' sizes, loss,
optimizer and training are the student's) trained on the raw series, on
windows whose target sits inside the window, or two years ahead (each misses
the held-out error), with ``return_sequences=True`` left on its last recurrent
layer, without any recurrent layer, with layers outside the budget or larger
than 5,000 parameters, or trained on windows cut from the test years too (its
error on the test windows is then no larger than on the training windows).

Tolerances: float32 work passes (over 30 steps an RNN in float32 stays within
2e-6 of the float64 key, so states are compared at rtol 1e-5, atol 1e-5; a
float32 series scaled near 50 loses about 1e-6). The held-out thresholds are
unchanged: the echo model reaches about 0.01 (threshold 0.08, all zeros 0.5);
the forecaster about 0.38 to 0.48 with Adam, RMSprop or the absolute-error loss
(threshold 0.55, repeating the last value 0.7).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from grader.checks import FunctionCheck, ModelCheck, PropertyCheck, describe
from grader.model_spec import ModelSpec
from grader.probes import (
    FunctionProbe,
    ModelProbe,
    ModelRequirements,
    ModelRule,
    compiled_with,
    function_probes,
    only_layers,
    trained_for,
)
from grader.question import Exercise, Question, Requirement

N_TRAIN = 230  # the years 1700 to 1929 train; 1930 to 2008 test
WINDOW = 20  # years of history the forecaster reads
ECHO_STEPS = 16  # time steps of each echo sequence
ECHO_LAG = 3  # the echo model outputs the input of ECHO_LAG steps ago
ECHO_UNITS = 16  # units of the echo model's recurrent layer
ECHO_MAE = 0.08  # a right echo model reaches about 0.02; all zeros gives 0.5
SUNSPOT_MAE = 0.55  # scaled units; right forecasters 0.36-0.50 on held-out windows (below), repeating the last value about 0.7
SUNSPOT_VISIBLE_MAE = 0.55
FORECASTER_PARAMS = 5000
# The forecaster's budget: recurrent layers with plain layers around them. How it is trained is the student's choice.
FORECASTER_LAYERS = {
    "SimpleRNN", "GRU", "LSTM", "Bidirectional", "Dense", "Dropout", "LayerNormalization", "BatchNormalization",
    "Activation", "ReLU", "LeakyReLU", "ELU",
}
# Measured 2026-12-03 when q5 became goal-and-budget (seeds 0-2; MAE on the "tests" secret's held-out windows; the
# test-to-training ratio of squared errors that UNSEEN_TO_SEEN_ERROR bounds, where measured, else that of the MAEs):
#   trained on the training years: GRU(16) Adam(0.01) 20 epochs of 16 0.36-0.39, MSE ratio 2.3-3.1; two GRU(8)
#   RMSprop(0.005) 30 epochs 0.36-0.45, MSE ratio 2.0-3.4; LSTM(24) 30 epochs of 32 0.44-0.47, MAE ratio 2.1-2.4;
#   SimpleRNN(16) on the MAE 0.43-0.50, MAE ratio 1.6-2.0; GRU(16) with dropout 0.44-0.49, MAE ratio 1.5-1.7;
#   bidirectional GRU(12) with a validation split and early stopping 0.45-0.46, MAE ratio 1.33-1.47; an
#   undertrained GRU(4) (5 epochs) 0.57-0.77 (misses SUNSPOT_MAE), MAE ratio 1.7-1.75.
#   Windows cut from the test years too (the leak pays: 0.24-0.31): GRU(16) MSE ratio 1.0-1.15, two GRU(8) 0.77-1.36,
#   LSTM(24) MAE ratio 1.0-1.05.
# 1.5 sits 1.1 times above the highest leaked ratio and 1.3 times below the lowest measured squared-error ratio of a
# model that never saw the test years (the tests' five good forecasters all clear it).
UNSEEN_TO_SEEN_ERROR = 1.5
ECHO_PARAMS = 5000


# Data the notebook and the checks share: everything here is public.


def sunspots() -> tuple[np.ndarray, np.ndarray]:
    """The yearly mean sunspot number, 1700 to 2008, from statsmodels: ``(years, values)``, both float64."""
    from statsmodels.datasets import sunspots as dataset

    frame = dataset.load_pandas().data
    return frame["YEAR"].to_numpy(np.float64), frame["SUNACTIVITY"].to_numpy(np.float64)


def _training_statistics() -> tuple[float, float]:
    values = sunspots()[1][:N_TRAIN]
    return float(values.mean()), float(values.std())


def _windows(series: np.ndarray, window: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    n = len(series) - window - horizon + 1
    x = np.stack([series[i : i + window] for i in range(n)])[..., None]
    y = series[window + horizon - 1 :]
    return x.astype(np.float32), y.astype(np.float32)


def sunspot_test_windows() -> tuple[np.ndarray, np.ndarray]:
    """Windows of the scaled series whose targets are the test years 1930 to 2008: ``(x, y)``, shapes (79, 20, 1), (79,)."""
    mean, std = _training_statistics()
    scaled = (sunspots()[1] - mean) / std
    return _windows(scaled[N_TRAIN - WINDOW :], WINDOW)


def echo_sequences(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random sequences and their echoes: ``y[:, t] = x[:, t - 3]``, and 0 for the first 3 steps.

    Returns ``(x, y)``, both float32 of shape (n, 16, 1); the inputs are uniform on [-1, 1].
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, ECHO_STEPS, 1)).astype(np.float32)
    y = np.zeros_like(x)
    y[:, ECHO_LAG:] = x[:, :-ECHO_LAG]
    return x, y


# Held-out sets: fresh echo sequences, and secret rescalings of the test decades of the series.


# Question 1: the unrolled forward pass of a simple RNN.


def _rnn_forward(x: np.ndarray, h0: np.ndarray, w_x: np.ndarray, w_h: np.ndarray, b: np.ndarray) -> np.ndarray:
    h, states = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w_x + h @ w_h + b)
        states.append(h)
    return np.stack(states, axis=1)


_Q1_X = np.array([[[1.0], [0.0], [0.0]]])
_Q1_ZERO = np.zeros((1, 1))
_Q1_ONE = (np.array([[1.0]]), np.array([[0.5]]), np.zeros(1))

_Q1_RNG = np.random.default_rng(1010)
_Q1_TWO = (
    _Q1_RNG.normal(0.0, 0.8, size=(2, 4, 3)).round(1),
    _Q1_RNG.normal(0.0, 0.5, size=(2, 2)).round(1),
    _Q1_RNG.normal(0.0, 0.7, size=(3, 2)).round(1),
    np.array([[0.9, -0.6], [0.3, 0.4]]),
    np.array([0.1, -0.2]),
)

# (batch, steps, features, units): a batch of one, one step, one unit, features == units (where a transposed
# W_x still fits), batch == steps (where looping over the wrong axis still fits), and long sequences.
_RNN_SIZES = [
    (3, 5, 2, 4),
    (1, 12, 1, 3),
    (4, 2, 5, 2),
    (2, 30, 3, 6),
    (1, 1, 3, 3),
    (3, 1, 2, 1),
    (4, 4, 4, 4),
    (2, 6, 1, 1),
]


def _rnn_case(rng: np.random.Generator, sizes: tuple[int, int, int, int], symmetric: bool) -> tuple:
    batch, steps, features, units = sizes
    x = rng.normal(0.0, 1.0, size=(batch, steps, features))
    h0 = rng.normal(0.0, 0.5, size=(batch, units))
    w_x = rng.normal(0.0, 0.6, size=(features, units))
    w_h = rng.normal(0.0, 0.6, size=(units, units))
    if symmetric:  # symmetric weights read the same transposed, so only the state's carrying is tested
        w_h = (w_h + w_h.T) / 2.0
        w_x = (w_x + w_x.T) / 2.0 if features == units else w_x
    return x, h0, w_x, w_h, rng.normal(0.0, 0.3, size=units)


def _rnn_shape_cases() -> list[tuple]:
    rng = np.random.default_rng(7300)
    return [(_Q1_X, _Q1_ZERO, *_Q1_ONE), _Q1_TWO, *(_rnn_case(rng, sizes, False) for sizes in _RNN_SIZES)]


def _rnn_state_cases() -> list[tuple]:
    rng = np.random.default_rng(7301)
    return [(_Q1_X, _Q1_ZERO, *_Q1_ONE), *(_rnn_case(rng, sizes, True) for sizes in _RNN_SIZES)]


def _rnn_cases() -> list[tuple]:
    rng = np.random.default_rng(7310)
    return [_Q1_TWO, *(_rnn_case(rng, sizes, False) for sizes in _RNN_SIZES)]


def _rnn_shape_verify(args: tuple, got: np.ndarray) -> str | None:
    x, h0 = args[0], args[1]
    want = (x.shape[0], x.shape[1], h0.shape[1])
    if got.shape != want:
        return f"an array of shape {got.shape} for {want[0]} sequence(s) of {want[1]} step(s) and {want[2]} unit(s); expected shape {want}"
    return None


q1 = Question(
    id="q1_rnn_forward",
    points=3,
    title="Unroll a simple RNN in NumPy",
    checks=(
        FunctionCheck(
            args=(_Q1_X, _Q1_ZERO, *_Q1_ONE),
            expected=_rnn_forward(_Q1_X, _Q1_ZERO, *_Q1_ONE),
            call="rnn_forward(x=[[[1], [0], [0]]], h0=[[0]], W_x=[[1]], W_h=[[0.5]], b=[0])",
            rtol=1e-5,
            tip="Return every state, shape (batch, steps, units): tanh(1) = 0.7616, then tanh(0.5 * 0.7616) = 0.3634, "
            "then tanh(0.5 * 0.3634) = 0.1797.",
        ),
        FunctionCheck(
            args=_Q1_TWO,
            expected=_rnn_forward(*_Q1_TWO),
            call="rnn_forward(x, h0, W_x, W_h, b) with 2 sequences of 4 steps, 3 features and 2 units",
            rtol=1e-5,
            tip="Start from h0 (not zeros), multiply the previous state on the left of W_h (h @ W_h, as Keras's "
            "recurrent_kernel), and feed each new state into the next step.",
        ),
    ),
    requirements=(
        Requirement(
            "shape", "returns every state, shape (batch, steps, units), for any batch size, a batch of one included"
        ),
        Requirement("state", "starts from `h0`, carries the state from step to step and applies tanh at every step"),
        Requirement(
            "weights",
            "uses the weights as Keras does: `x_t @ W_x` and `h @ W_h`, for any numbers of features and units",
        ),
        Requirement("unchanged", "leaves `x`, `h0`, `W_x`, `W_h` and `b` unchanged"),
    ),
    probes=(
        FunctionProbe(
            cases=_rnn_shape_cases,
            verify=_rnn_shape_verify,
            label="hidden sequences, a batch of one and a single step among them",
            covers=("shape", "unchanged"),
        ),
        FunctionProbe(
            cases=_rnn_state_cases,
            rtol=1e-5,
            atol=1e-5,  # float32 work is fine: over 30 steps it stays within 2e-6 of the float64 key (measured)
            label="hidden sequences with a symmetric W_h",
            covers=("state", "unchanged"),
        ),
        FunctionProbe(
            cases=_rnn_cases,
            rtol=1e-5,
            atol=1e-5,
            label="hidden sequences and weights",
            covers=("weights", "unchanged"),
        ),
    ),
    hints=(
        "Loop over the time steps t = 0, 1, ..., steps - 1; keep one state h of shape (batch, units), starting at h0.",
        "At each step, h = np.tanh(x[:, t] @ W_x + h @ W_h + b); append h to a list.",
        "After the loop, np.stack(states, axis=1) puts the steps on axis 1: shape (batch, steps, units).",
    ),
)


# Question 2: supervised windows from a series, without peeking into the future.


def _part(index: int) -> Callable[[Any], Any]:
    """A kernel-side transform: item ``index`` of the answer's tuple (x or y of a pair, say)."""

    def take(result: Any) -> Any:
        return result[index]

    return take


def _window_count(result: Any) -> np.ndarray:
    """How many axes and rows the answer's x and y have (kernel side): ``[x.ndim, len(x), y.ndim, len(y)]``."""
    x, y = result
    return np.array([np.ndim(x), np.shape(x)[0] if np.ndim(x) else 0, np.ndim(y), np.shape(y)[0] if np.ndim(y) else 0])


# (length, window, horizon): a series that leaves exactly one window, a horizon longer than the window,
# window 1, and ordinary overlapping windows.
_WINDOW_SIZES = [
    (30, 5, 1),
    (12, 3, 4),
    (50, 10, 2),
    (9, 8, 1),
    (40, 1, 1),
    (25, 6, 3),
    (8, 3, 5),
    (6, 3, 1),
    (6, 2, 3),
]


def _window_cases() -> list[tuple]:
    rng = np.random.default_rng(2410)
    cases = [(_Q2_SERIES, 3, 1), (_Q2_SERIES, 2, 3)]
    for length, window, horizon in _WINDOW_SIZES:
        cases.append((rng.normal(0.0, 1.0, size=length).round(3), window, horizon))
    return cases


def _window_count_verify(args: tuple, got: np.ndarray) -> str | None:
    series, window, horizon = args
    want = len(series) - window - horizon + 1
    if got.shape != (4,):
        return "something other than a pair (x, y)"
    x_axes, x_rows, y_axes, y_rows = got.tolist()
    if x_axes < 2 or y_axes < 1:  # the axis of the windows is gone, as np.squeeze does to a single window
        return (
            f"x with {x_axes} axes and y with {y_axes}, for a series that allows {want} window(s); x keeps its "
            "axis of windows, shape (n_windows, window, 1), and y its own, (n_windows,), however many windows "
            "there are (np.squeeze drops that axis when there is only one)"
        )
    if (x_rows, y_rows) != (want, want):
        return (
            f"{x_rows} window(s) and {y_rows} target(s) where the series allows {want}; make every window whose "
            "target lies inside the series, the last one included"
        )
    return None


def _windows_holds(series: np.ndarray, window: int, horizon: int) -> Any:
    want_x, want_y = _windows(series, window, horizon)

    def holds(result: Any) -> str | None:
        try:
            x, y = result
        except (TypeError, ValueError):
            return f"returned {describe(result)}; it should return a pair (x, y)."
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        if x.shape != want_x.shape:
            return f"x has shape {x.shape}; it should have shape {want_x.shape}: one row per window, {window} steps, 1 feature."
        if y.shape != want_y.shape:
            return f"y has shape {y.shape}; it should have shape {want_y.shape}."
        if not np.allclose(x, want_x):
            return f"x[0] is {describe(x[0, :, 0])}; it should be {describe(want_x[0, :, 0])}."
        if not np.allclose(y, want_y):
            return (
                f"y is {describe(y)}; it should be {describe(want_y)}. The target of the window series[i:i + window] "
                "is series[i + window + horizon - 1]: it comes after the window, never inside it."
            )
        return None

    return holds


_Q2_SERIES = np.array([10.0, 11.0, 12.0, 13.0, 14.0, 15.0])

q2 = Question(
    id="q2_make_windows",
    points=3,
    title="Cut a series into windows and targets",
    checks=(
        PropertyCheck(
            args=(_Q2_SERIES, 3, 1),
            call="make_windows([10, 11, 12, 13, 14, 15], window=3, horizon=1)",
            holds=_windows_holds(_Q2_SERIES, 3, 1),
            tip="Expected x[:, :, 0] = [[10, 11, 12], [11, 12, 13], [12, 13, 14]] and y = [13, 14, 15].",
        ),
        PropertyCheck(
            args=(_Q2_SERIES, 2, 3),
            call="make_windows([10, 11, 12, 13, 14, 15], window=2, horizon=3)",
            holds=_windows_holds(_Q2_SERIES, 2, 3),
            tip="Three steps ahead of [10, 11] is 14, so expected x[:, :, 0] = [[10, 11], [11, 12]] and y = [14, 15].",
        ),
    ),
    requirements=(
        Requirement(
            "count",
            "makes every window the series allows, the last one included, even when the series leaves exactly one",
        ),
        Requirement(
            "windows", "returns `x` of shape (n_windows, window, 1), window `i` being `series[i : i + window]`"
        ),
        Requirement(
            "targets",
            "returns `y` of shape (n_windows,), the target of window `i` being `series[i + window + horizon - 1]`, "
            "for any `horizon`",
        ),
        Requirement("unchanged", "leaves `series` unchanged"),
    ),
    probes=function_probes(
        (_window_cases, "hidden series, windows and horizons",
            "count", {"transform": _window_count, "verify": _window_count_verify, "atol": 1e-07, "rtol": 1e-05}),
        (_window_cases, "the windows `x` of hidden series", "windows", {"transform": _part(0)}),
        (_window_cases, "the targets `y` of hidden series, horizons 1 to 5", "targets", {"transform": _part(1)}),
        atol=1e-9,
        rtol=1e-6,
    ),
    hints=(
        "Count first: a series of length n gives n - window - horizon + 1 windows. With n = 6, window = 3 and "
        "horizon = 1 that is 3.",
        "Window i is series[i:i + window]; its target is series[i + window + horizon - 1], the value horizon steps "
        "after the window's last one.",
        "Stack the windows into an array of shape (n_windows, window) and add a feature axis with [..., None]; "
        "the targets are series[window + horizon - 1:].",
    ),
)


# Question 3: scale a series with the statistics of its training part only.


def _scale_holds(series: np.ndarray, n_train: int) -> Any:
    mean, std = series[:n_train].mean(), series[:n_train].std()

    def holds(result: Any) -> str | None:
        try:
            scaled, got_mean, got_std = result
        except (TypeError, ValueError):
            return f"returned {describe(result)}; it should return three things: (scaled, mean, std)."
        got_mean, got_std = float(np.asarray(got_mean)), float(np.asarray(got_std))
        if not (np.isclose(got_mean, mean) and np.isclose(got_std, std)):
            return (
                f"returned mean {got_mean:.4g} and std {got_std:.4g}; the first {n_train} values have mean {mean:.4g} "
                f"and std {std:.4g}. Measure them on series[:n_train] only."
            )
        scaled = np.asarray(scaled, dtype=np.float64)
        if scaled.shape != series.shape or not np.allclose(scaled, (series - mean) / std):
            return f"scaled is {describe(scaled)}; it should be the whole series minus the mean, divided by the std."
        return None

    return holds


def _statistics(result: Any) -> np.ndarray:
    """The answer's mean and std as two numbers (kernel side); more than two when they are not single numbers."""
    _, mean, std = result
    return np.concatenate([np.ravel(np.asarray(mean, dtype=np.float64)), np.ravel(np.asarray(std, dtype=np.float64))])


def _scale_cases() -> list[tuple]:
    rng = np.random.default_rng(3310)
    cases = [(_Q3_SERIES, 4)]
    for length, n_train in [(40, 30), (100, 60), (12, 5), (309, N_TRAIN), (20, 20), (15, 2)]:
        trend = np.linspace(0.0, rng.uniform(5.0, 20.0), length)  # the test part drifts away from the training part
        cases.append(((50.0 + trend + rng.normal(0.0, 3.0, size=length)).round(2), n_train))
    return cases


_Q3_SERIES = np.array([2.0, 4.0, 6.0, 8.0, 30.0])

q3 = Question(
    id="q3_scale_series",
    points=2,
    title="Scale a series with its training statistics",
    checks=(
        PropertyCheck(
            args=(_Q3_SERIES, 4),
            call="scale_series([2, 4, 6, 8, 30], n_train=4)",
            holds=_scale_holds(_Q3_SERIES, 4),
            tip="The first 4 values have mean 5 and std sqrt(5) = 2.236, so scaled = [-1.342, -0.447, 0.447, 1.342, "
            "11.18]. The last value is far outside the training range, and that is fine.",
        ),
    ),
    requirements=(
        Requirement("statistics", "measures the mean and the standard deviation (`ddof=0`) on `series[:n_train]` only"),
        Requirement("scaled", "returns the whole series scaled, an array of the same shape as `series`"),
        Requirement("unchanged", "leaves `series` unchanged"),
    ),
    probes=(
        FunctionProbe(
            cases=_scale_cases,
            transform=_statistics,
            rtol=1e-5,
            atol=1e-6,
            label="the mean and std of hidden series",
            covers=("statistics", "unchanged"),
        ),
        FunctionProbe(
            cases=_scale_cases,
            transform=_part(0),
            rtol=1e-5,
            atol=1e-5,  # float32 work is fine: (s - mean) loses about 1e-6 in float32 on values near 50
            label="hidden series, scaled",
            covers=("scaled", "unchanged"),
        ),
    ),
    hints=(
        "The first n_train values are the past you train on; the rest is the future. Measure nothing on the future.",
        "mean = series[:n_train].mean() and std = series[:n_train].std() (NumPy's default, ddof=0).",
        "Return ((series - mean) / std, mean, std): the whole series scaled with the training numbers, and the two "
        "numbers, so that you can undo the scaling later with scaled * std + mean.",
    ),
)


# Rules for the two recurrent models, decided on the scorer's report of the saved model (trusted side).

_RECURRENT = ("SimpleRNN", "GRU", "LSTM")


def _unwrapped(layer: dict[str, Any]) -> dict[str, Any]:
    """A wrapper layer (Bidirectional, TimeDistributed) read as the layer it wraps; other layers as they are."""
    if layer.get("class_name") not in ("Bidirectional", "TimeDistributed"):
        return layer
    inner = (layer.get("config") or {}).get("layer") or {}
    config = inner.get("config") or {}
    return {
        "class_name": inner.get("class_name"),
        "units": config.get("units"),
        "activation": config.get("activation"),
        "config": config,
    }


def _output_layer(report: dict[str, Any]) -> dict[str, Any]:
    """The last layer with activation layers folded in; ``TimeDistributed(Dense(1))`` reads as ``Dense(1)``."""
    from grader.modelscore import fold_activations

    layers = fold_activations(report.get("layers", []))
    last = layers[-1] if layers else {}
    inner = _unwrapped(last)
    folded = last.get("activation")
    return {**inner, "activation": folded if folded not in (None, "linear") else inner.get("activation") or "linear"}


def _linear_dense_output(report: dict[str, Any]) -> str | None:
    """The model ends with a Dense layer of one unit and no activation."""
    last = _output_layer(report)
    if last.get("class_name") != "Dense" or last.get("units") != 1:
        return (
            f"ends with a {last.get('class_name')} layer of {last.get('units')} unit(s), not a Dense layer of one unit"
        )
    if last.get("activation") != "linear":
        return f"ends with the activation {last.get('activation')!r}; the output Dense layer takes no activation"
    return None


def _echo_recurrent_layer(report: dict[str, Any]) -> str | None:
    """Every recurrent layer is a GRU or an LSTM of 16 units that returns its whole sequence of states."""
    layers = [
        layer for layer in report.get("all_layers", []) if layer.get("class_name") in (*_RECURRENT, "Bidirectional")
    ]
    if not layers:
        return "has no GRU or LSTM layer"
    for layer in layers:
        name = layer.get("class_name")
        if name not in ("GRU", "LSTM"):
            return f"uses a {name} layer where the question asks for a GRU (or an LSTM)"
        if layer.get("units") != ECHO_UNITS:
            return f"has a {name} layer of {layer.get('units')} units, not {ECHO_UNITS}"
        if not (layer.get("config") or {}).get("return_sequences"):
            return (
                f"has a {name} layer without return_sequences=True, so it hands on only its last state and the "
                "model cannot answer at every step"
            )
    return None


_CONTAINERS = {"InputLayer", "Sequential", "Functional", "Model"}
_IDENTITY_AT_TEST = {"Dropout"}  # dropout leaves the specified computation as it is


def _echo_layers_only(report: dict[str, Any]) -> str | None:
    """The echo model is one recurrent layer, then the Dense output: no hidden Dense or second recurrent layer."""
    from grader.modelscore import fold_activations

    layers = fold_activations([layer for layer in report.get("all_layers", []) if layer.get("class_name") not in _CONTAINERS])
    names = [_unwrapped(layer).get("class_name") for layer in layers]
    names = [name for name in names if name not in _IDENTITY_AT_TEST]
    if len(names) != 2 or names[0] not in ("GRU", "LSTM") or names[1] != "Dense":
        return (
            f"has the layers {', '.join(map(str, names))} after its input, where the question asks for exactly two "
            "(dropout aside): a GRU (or LSTM) layer, then the Dense output"
        )
    return None


def _forecaster_recurrent_layer(report: dict[str, Any]) -> str | None:
    """At least one recurrent layer, the last of which returns one vector per window."""
    layers = [_unwrapped(layer) for layer in report.get("all_layers", [])]
    recurrent = [layer for layer in layers if layer.get("class_name") in _RECURRENT]
    if not recurrent:
        return "has no recurrent layer (GRU, LSTM or SimpleRNN)"
    last = recurrent[-1]
    if (last.get("config") or {}).get("return_sequences"):
        return (
            f"has return_sequences=True on its last {last.get('class_name')} layer, so it answers at every year of "
            "a window instead of once per window"
        )
    return None


_COMPILED = compiled_with(loss="mean_squared_error", optimizer="Adam", learning_rate=0.01)


# Question 4: one output per time step needs return_sequences=True.

_ECHO_VISIBLE = echo_sequences(300, 1)


def _echo_holds(predictions: Any) -> str | None:
    x, y = _ECHO_VISIBLE
    predictions = np.asarray(predictions, dtype=np.float64)
    if predictions.size != y.size:
        return (
            f"the model returned an array of shape {predictions.shape} for {len(x)} sequences of {ECHO_STEPS} steps; "
            f"it should return one number per step, shape {y.shape}. Give the recurrent layer return_sequences=True: "
            "without it the layer returns only its last state."
        )
    mae = float(np.mean(np.abs(predictions.reshape(y.shape) - y)))
    if mae <= ECHO_MAE:
        return None
    return f"its mean absolute error on the visible sequences is {mae:.3f}; it should be at most {ECHO_MAE}."


q4 = Question(
    id="q4_echo_model",
    points=3,
    title="A sequence model that answers at every step",
    checks=(
        ModelCheck(ModelSpec(input_shape=(ECHO_STEPS, 1), output_units=1, output_activation="linear")),
        PropertyCheck(
            args=(_ECHO_VISIBLE[0],),
            call="echo_model.predict(x_check)",
            holds=_echo_holds,
            tip="If the shape is right but the error is high, train longer (10 epochs or more) or use a larger learning rate "
            "(Adam with 0.01).",
        ),
    ),
    requirements=(
        Requirement("input", "takes inputs of shape (16, 1)"),
        Requirement(
            "layers",
            "has exactly these layers after its input, dropout aside: a `GRU` (or `LSTM`) layer of 16 units with "
            "`return_sequences=True`, then a `Dense` output of one unit with no activation",
        ),
        Requirement("compile", "is compiled with `Adam` at a learning rate of 0.01 and the mean squared error"),
        Requirement("params", "has at most 5,000 parameters"),
        Requirement("training", "is trained on x_echo, y_echo for 10 epochs with batch_size=32"),
        Requirement("heldout", "reaches a mean absolute error of at most 0.08 on fresh echo sequences"),
    ),
    probes=(
        ModelProbe(
            heldout="echo_sequences",
            threshold=ECHO_MAE,
            metric="sequence_mae",
            requirements=ModelRequirements(ModelSpec(input_shape=(ECHO_STEPS, 1), max_params=ECHO_PARAMS), rules=(
                    ModelRule("layers", _echo_layers_only),
                    ModelRule("layers", _echo_recurrent_layer),
                    ModelRule("layers", _linear_dense_output),
                    _COMPILED,
                    trained_for(epochs=10, batch_size=32, n_train=1000),
                )),
            covers=("input", "layers", "compile", "params", "training", "heldout"),
        ),
    ),
    hints=(
        "The target has a value at every time step, so the recurrent layer must hand every state to the next layer: "
        "keras.layers.GRU(16, return_sequences=True).",
        "A Dense(1) after it is applied to each time step on its own: (batch, 16, 16) in, (batch, 16, 1) out.",
        "keras.Sequential([keras.Input(shape=(16, 1)), keras.layers.GRU(16, return_sequences=True), "
        "keras.layers.Dense(1)]), compiled with Adam(0.01) and the MSE, fit for 10 epochs.",
    ),
)


# Question 5: a sunspot forecaster that beats repeating the last value.


def _forecast_holds(predictions: Any) -> str | None:
    x, y = sunspot_test_windows()
    predictions = np.asarray(predictions, dtype=np.float64)
    if predictions.size != y.size:
        return (
            f"the model returned an array of shape {predictions.shape} for {len(y)} windows; it should return one "
            f"number per window, shape ({len(y)}, 1). Leave return_sequences off on the last recurrent layer."
        )
    mae = float(np.mean(np.abs(predictions.reshape(-1) - y)))
    naive = float(np.mean(np.abs(x[:, -1, 0] - y)))
    if mae <= SUNSPOT_VISIBLE_MAE:
        return None
    return (
        f"your model's mean absolute error on the test windows is {mae:.3f} (scaled units); it should be at most "
        f"{SUNSPOT_VISIBLE_MAE} (repeating the last value gives {naive:.3f})."
    )


q5 = Question(
    id="q5_sunspot_forecaster",
    points=4,
    title="Forecast next year's sunspots better than the last value",
    checks=(
        ModelCheck(ModelSpec(input_shape=(WINDOW, 1), output_units=1, output_activation="linear")),
        PropertyCheck(
            args=(sunspot_test_windows()[0],),
            call="forecaster.predict(x_test)",
            holds=_forecast_holds,
            tip="Train on windows of the scaled training years (questions 2 and 3), not on raw sunspot numbers. "
            "Near the naive baseline: the model has not learned yet (train longer or with a larger learning rate). "
            "Far better on the training windows than here: it memorizes (a smaller model, fewer epochs, dropout).",
        ),
    ),
    requirements=(
        Requirement("input", "takes windows of shape (20, 1)"),
        Requirement(
            "layers",
            "reads them with at least one recurrent layer, the last of which leaves `return_sequences` off, and ends "
            "in a `Dense` output of one unit without activation",
        ),
        Requirement(
            "params",
            "has at most 5,000 parameters, in recurrent (`SimpleRNN`, `GRU`, `LSTM`, `Bidirectional`), `Dense`, "
            "dropout and normalization layers only",
        ),
        Requirement(
            "training",
            "is trained only on windows of the 230 training years: its mean squared error on the test windows is at "
            "least 1.5 times that on the training windows, as for a model that never saw the test years",
        ),
        Requirement("heldout", "forecasts held-out windows with a mean absolute error of at most 0.55 (scaled units)"),
    ),
    probes=(
        ModelProbe(
            heldout="sunspot_windows",
            threshold=SUNSPOT_MAE,
            metric="mae",
            requirements=ModelRequirements(ModelSpec(input_shape=(WINDOW, 1), max_params=FORECASTER_PARAMS), rules=(
                    ModelRule("layers", _forecaster_recurrent_layer),
                    ModelRule("layers", _linear_dense_output),
                    only_layers(FORECASTER_LAYERS, aspect="params"),
                )),
            covers=("input", "layers", "params", "heldout"),
        ),
        # Windows cut from the test years as well leave no gap between the two errors: the model has seen both.
        ModelProbe(
            heldout="sunspot_seen_and_unseen_windows",
            threshold=UNSEEN_TO_SEEN_ERROR,
            metric="unseen_to_seen_error",
            covers=("training",),
        ),
    ),
    hints=(
        "Scale the whole series with the statistics of its first 230 values, then cut only the training part into "
        "windows of 20 years with horizon 1: the test years never enter fit, not even as validation data.",
        "One small recurrent layer that hands on only its last state (one vector per window) is enough: the series "
        "has about 200 training windows, so a model of a few hundred to a few thousand weights learns the cycle "
        "without memorizing it.",
        "Compare your model's error with the naive baseline on the training windows and on the test windows: "
        "close to the baseline means undertrained; a training error far below the test error means it memorizes "
        "(fewer epochs, a smaller layer or dropout help). A validation split taken from the training years shows "
        "when to stop.",
    ),
)

EXERCISE = Exercise(notebook="10_recurrent_networks", questions=(q1, q2, q3, q4, q5))
