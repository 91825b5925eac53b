"""Exercise 10, recurrent networks: unroll an RNN, cut a series into windows, scale it, train two recurrent models.

The conventions are Keras's ``SimpleRNN``: ``h_t = tanh(x_t W_x + h_{t-1} W_h + b)``
with ``W_x`` of shape (features, units), ``W_h`` of shape (units, units) and
``b`` of shape (units,). The series is the yearly mean sunspot number
(1700 to 2008) that ships with statsmodels.

Mistakes the hidden tests catch: a recurrent kernel used transposed, the
initial state ignored, the state not carried from step to step, only the last
state returned, tanh forgotten; windows whose target sits inside the input
window or one step off, the horizon ignored, the last window dropped; a series
scaled with the statistics of the whole series (peeking at the test years),
with the sample deviation, min-max scaled or not scaled at all; an echo model
without ``return_sequences=True`` (one output per sequence instead of one per
step) or undertrained; and a sunspot forecaster trained on the raw series, with
``return_sequences=True`` left on its last recurrent layer, or no better than
repeating the last value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks import FunctionCheck, ModelCheck, PropertyCheck, describe
from grader.heldout import heldout_set
from grader.probes import FunctionProbe, ModelProbe, ModelRequirements
from grader.question import Exercise, Question

N_TRAIN = 230  # the years 1700 to 1929 train; 1930 to 2008 test
WINDOW = 20  # years of history the forecaster reads
ECHO_STEPS = 16  # time steps of each echo sequence
ECHO_LAG = 3  # the echo model outputs the input of ECHO_LAG steps ago
ECHO_MAE = 0.08  # a right echo model reaches about 0.02; all zeros gives 0.5
SUNSPOT_MAE = 0.55  # scaled units; a right GRU gets about 0.4 on held-out windows, repeating the last value about 0.7
SUNSPOT_VISIBLE_MAE = 0.55
FORECASTER_PARAMS = 5000
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


@heldout_set("echo_sequences")
def _echo_heldout(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return echo_sequences(2000, int(rng.integers(2**31)))


@heldout_set("sunspot_windows")
def _sunspot_heldout(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eight copies of 1910 to 2008, each scaled by a factor near 1 with 5% noise per year; windows in training units."""
    values = sunspots()[1]
    mean, std = _training_statistics()
    xs, ys = [], []
    for _ in range(8):
        factor = rng.uniform(0.9, 1.1) * (1.0 + rng.normal(0.0, 0.05, size=len(values)))
        changed = np.clip(values * factor, 0.0, None)
        x, y = _windows(((changed - mean) / std)[N_TRAIN - WINDOW :], WINDOW)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


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


def _rnn_cases() -> list[tuple]:
    rng = np.random.default_rng(7310)
    cases = []
    for batch, steps, features, units in [(3, 5, 2, 4), (1, 12, 1, 3), (4, 2, 5, 2), (2, 30, 3, 6)]:
        cases.append(
            (
                rng.normal(0.0, 1.0, size=(batch, steps, features)),
                rng.normal(0.0, 0.5, size=(batch, units)),
                rng.normal(0.0, 0.6, size=(features, units)),
                rng.normal(0.0, 0.6, size=(units, units)),
                rng.normal(0.0, 0.3, size=units),
            )
        )
    return cases


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
    probes=(FunctionProbe(cases=_rnn_cases, rtol=1e-5, atol=1e-7, label="hidden sequences and weights"),),
    hints=(
        "Loop over the time steps t = 0, 1, ..., steps - 1; keep one state h of shape (batch, units), starting at h0.",
        "At each step, h = np.tanh(x[:, t] @ W_x + h @ W_h + b); append h to a list.",
        "After the loop, np.stack(states, axis=1) puts the steps on axis 1: shape (batch, steps, units).",
    ),
)


# Question 2: supervised windows from a series, without peeking into the future.


def _flat_windows(result: Any) -> np.ndarray:
    """The windows and their targets as one table: a row per window, the inputs then the target (in the kernel)."""
    x, y = result
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.ndim != 3 or x.shape[-1] != 1 or len(x) != len(y):
        return np.full((len(y) + 1, 1), np.nan)  # any other shape fails the comparison
    return np.concatenate([x[:, :, 0], y[:, None]], axis=1)


def _window_cases() -> list[tuple]:
    rng = np.random.default_rng(2410)
    cases = []
    for length, window, horizon in [(30, 5, 1), (12, 3, 4), (50, 10, 2), (9, 8, 1), (40, 1, 1), (25, 6, 3)]:
        cases.append((rng.normal(0.0, 1.0, size=length).round(3), window, horizon))
    return cases


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
    probes=(
        FunctionProbe(
            cases=_window_cases,
            transform=_flat_windows,
            rtol=1e-6,
            atol=1e-9,
            label="hidden series, windows and horizons",
        ),
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


def _flat_scaling(result: Any) -> np.ndarray:
    scaled, mean, std = result
    return np.concatenate([np.asarray(scaled, dtype=np.float64).reshape(-1), [float(mean), float(std)]])


def _scale_cases() -> list[tuple]:
    rng = np.random.default_rng(3310)
    cases = []
    for length, n_train in [(40, 30), (100, 60), (12, 5), (309, N_TRAIN)]:
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
    probes=(FunctionProbe(cases=_scale_cases, transform=_flat_scaling, rtol=1e-5, atol=1e-7, label="hidden series"),),
    hints=(
        "The first n_train values are the past you train on; the rest is the future. Measure nothing on the future.",
        "mean = series[:n_train].mean() and std = series[:n_train].std() (NumPy's default, ddof=0).",
        "Return ((series - mean) / std, mean, std): the whole series scaled with the training numbers, and the two "
        "numbers, so that you can undo the scaling later with scaled * std + mean.",
    ),
)


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
        ModelCheck(input_shape=(ECHO_STEPS, 1), output_units=1, output_activation="linear"),
        PropertyCheck(
            args=(_ECHO_VISIBLE[0],),
            call="echo_model.predict(x_check)",
            holds=_echo_holds,
            tip="If the shape is right but the error is high, train longer (10 epochs or more) or use a larger learning rate "
            "(Adam with 0.01).",
        ),
    ),
    probes=(
        ModelProbe(
            heldout="echo_sequences",
            threshold=ECHO_MAE,
            metric="sequence_mae",
            requirements=ModelRequirements(
                input_shape=(ECHO_STEPS, 1), output_units=1, output_activation="linear", max_params=ECHO_PARAMS
            ),
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
        ModelCheck(input_shape=(WINDOW, 1), output_units=1, output_activation="linear"),
        PropertyCheck(
            args=(sunspot_test_windows()[0],),
            call="forecaster.predict(x_test)",
            holds=_forecast_holds,
            tip="Train on windows of the scaled training years (questions 2 and 3), not on raw sunspot numbers, and "
            "train for 20 epochs.",
        ),
    ),
    probes=(
        ModelProbe(
            heldout="sunspot_windows",
            threshold=SUNSPOT_MAE,
            metric="mae",
            requirements=ModelRequirements(
                input_shape=(WINDOW, 1), output_units=1, output_activation="linear", max_params=FORECASTER_PARAMS
            ),
        ),
    ),
    hints=(
        "Scale the whole series with the statistics of its first 230 values, then cut only the training part into "
        "windows of 20 years with horizon 1.",
        "keras.Sequential([keras.Input(shape=(20, 1)), keras.layers.GRU(16), keras.layers.Dense(1)]): the GRU "
        "returns its last state only, one vector per window.",
        "Compile with Adam(0.01) and the MSE, and fit for 20 epochs with batch_size=16.",
    ),
)

EXERCISE = Exercise(notebook="10_recurrent_networks", questions=(q1, q2, q3, q4, q5))
