"""Project 17, price prediction: forecast next quarter's US inflation from two years of history.

Inflation is ``100 * log(cpi_t / cpi_{t-1})`` from statsmodels' quarterly US data, read with the bill rate;
1959Q2-1989Q4 train, 1990Q1-2009Q3 test (`keras_course.projects.prices`). Mistakes caught: changes as simple
percentages, raw differences, backwards, without the 100, along the wrong axis, padded or written into the
prices; windows ending on their answer, one quarter too far, the last dropped, squeezed, transposed, answers as a
column, inputs overwritten; a table scaled with every quarter's, pooled, sample or min-max statistics, one row
too many, in place; a forecaster (goal and budget) that misses the held-out error (unscaled, peeking, over- or
undertrained), lacks a linear Dense(1) output, exceeds 3,000 parameters or the layer families, or was trained
on the test period with enough capacity to fit it (error ratio below).

Judging: the test period is public, so the held-out windows are secret-keyed noisy copies of it (inflation
scaled by a factor near 1, both columns noisy); fitting the public tail still pays on them, so a second probe
asks exercise 10's error ratio, which here stops only the large leaks (measured below).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from keras_course.checks import FunctionCheck, ModelCheck, PropertyCheck, describe
from keras_course.model_spec import ModelSpec
from keras_course.probes import ModelProbe, ModelRequirements, ModelRule, function_probes, only_layers, part
from keras_course.projects.prices import N_TRAIN, WINDOW, inflation_features
from keras_course.question import Exercise, Question, Requirement

N_FEATURES = 2
FORECASTER_PARAMS = 3000
FORECASTER_LAYERS = {  # dense, recurrent, 1-D convolution, normalization and dropout families
    "Dense", "Flatten", "Reshape", "SimpleRNN", "GRU", "LSTM", "Bidirectional", "Conv1D", "MaxPooling1D",
    "AveragePooling1D", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "Normalization", "BatchNormalization",
    "LayerNormalization", "Dropout", "SpatialDropout1D", "GaussianNoise", "Activation", "ReLU", "LeakyReLU", "ELU",
}
# Measured 2026-12-03 (seeds 0-2, Adam(0.01), batch 16; MAE in percentage points on the "tests" secret's copies):
#   GRU(8, dropout 0.2) + Dropout(0.3), 30 epochs (the solution) 0.378-0.387; GRU(8), 15 epochs 0.382-0.399;
#   GRU(4), 30 epochs 0.396-0.441; Conv1D(8, 3) + pooling, 40 epochs 0.407-0.448; one Dense unit, 100 epochs
#   0.405-0.441; overtrained: GRU(8) 30 epochs 0.407-0.463, LSTM(8) 40 epochs 0.423-0.480, Dense(8) 40 epochs
#   0.396-0.473, Dense(64, 32) 0.437-0.578. Undertrained GRU (3 epochs) 0.457-0.500; unscaled inputs 1.04-1.60;
#   repeating the last quarter 0.480-0.525 on five secrets. Leaked (test windows in training): 0.327-0.407.
# 0.45 sits 0.06 above the solution's worst and 0.03 below the naive forecast's best.
INFLATION_MAE = 0.45
INFLATION_VISIBLE_MAE = 0.42  # the public test windows: the solution 0.355-0.360, the naive forecast 0.454
# Test-to-training ratio of squared errors: honest models 1.17-2.2 (the solution 1.17-1.22, the linear unit 1.50-1.81);
# leaked high-capacity models, where leaking pays most (Dense(16), 100 epochs: 0.29-0.30 held out), 0.72-1.03.
# Leaked small models (0.33-0.41 held out) score 1.01-1.55, inside the honest range: the test period is calmer than
# the training decades, so a ratio cannot tell them apart. 1.05 stops the large leaks and fails no honest model.
UNSEEN_TO_SEEN_ERROR = 1.05


# Data the notebook and the checks share: everything here is public.


# The training quarters' column means and standard deviations (ddof=0) of inflation and the bill rate, written out
# (grader.references.prices.training_statistics gives them; tests/test_exercise_17.py checks they are its numbers).
TRAINING_MEAN = np.array([1.2044800225251586, 6.310894308943089])
TRAINING_STD = np.array([0.8776191124690186, 2.853059692105228])


def forecast_windows() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``: scaled windows of 8 quarters and next quarter's inflation in percent.

    Shapes (115, 8, 2), (115,), (79, 8, 2), (79,): the training windows' targets are the quarters up to 1989Q4,
    the test windows' the quarters 1990Q1 to 2009Q3.
    """
    _, features, inflation = inflation_features()
    scaled = (features[:-1] - TRAINING_MEAN) / TRAINING_STD
    x = np.lib.stride_tricks.sliding_window_view(scaled, WINDOW, axis=0).transpose(0, 2, 1).astype(np.float32)
    y = inflation[WINDOW:].astype(np.float32)
    cut = N_TRAIN - WINDOW
    return x[:cut], y[:cut], x[cut:], y[cut:]


# Question 1: percent changes of prices, as log differences.


def _percent_changes(prices: np.ndarray) -> np.ndarray:
    return 100.0 * np.diff(np.log(prices), axis=0)


_Q1_PRICES = np.array([100.0, 110.0, 99.0])
_Q1_TABLE = np.array([[28.98, 2.0], [29.15, 2.5], [29.35, 2.0], [29.37, 4.0]])


def _change_cases() -> list[tuple]:
    rng = np.random.default_rng(1717)
    cases: list[tuple] = [(_Q1_PRICES,), (_Q1_TABLE,), (np.array([50.0, 75.0]),), (np.array([[3.0, 9.0, 1.0], [6.0, 3.0, 1.5]]),)]
    for shape in [(40,), (25, 3), (9, 1), (12, 5)]:
        steps = rng.normal(0.0, 0.3, size=shape)  # moves of up to a third and more: log and simple changes differ
        cases.append(((20.0 * np.exp(np.cumsum(steps, axis=0))).round(3),))
    return cases


def _change_shape_verify(args: tuple, got: np.ndarray) -> str | None:
    want = (args[0].shape[0] - 1, *args[0].shape[1:])
    if got.shape != want:
        return f"an array of shape {got.shape} for prices of shape {args[0].shape}; expected {want}, one change fewer than prices"
    return None


q1 = Question(
    id="q1_percent_changes",
    points=2,
    title="Prices into percent changes",
    checks=(
        FunctionCheck(
            args=(_Q1_PRICES,),
            expected=_percent_changes(_Q1_PRICES),
            call="percent_changes([100, 110, 99])",
            rtol=1e-6,
            tip="100 * log(110 / 100) = 9.531 and 100 * log(99 / 110) = -10.536: the log change, not the simple "
            "one (10 and -10), and one number fewer than prices.",
        ),
        FunctionCheck(
            args=(_Q1_TABLE,),
            expected=_percent_changes(_Q1_TABLE),
            call="percent_changes(table) for 4 quarters of 2 series, shape (4, 2)",
            rtol=1e-6,
            tip="Each column is its own series: take the changes down axis 0, so a (4, 2) table gives (3, 2).",
        ),
    ),
    requirements=(
        Requirement("values", "returns `100 * log(p[t] / p[t - 1])` for every step `t`"),
        Requirement(
            "shape",
            "returns one change fewer than prices, along axis 0: shape (n - 1,) for a series of n prices and (n - 1, k) "
            "for a table of k series side by side",
        ),
        Requirement("unchanged", "leaves `prices` unchanged"),
    ),
    probes=function_probes(
        (_change_cases, "hidden price series and tables", "shape", {"verify": _change_shape_verify}),
        (_change_cases, "hidden price series and tables", "values", {"rtol": 1e-6, "atol": 1e-9}),
    ),
    hints=(
        "np.log(prices) turns ratios into differences: log(p[t] / p[t - 1]) = log(p[t]) - log(p[t - 1]).",
        "np.diff(..., axis=0) takes the differences down the rows, for one series and for a table alike.",
        "return 100 * np.diff(np.log(prices), axis=0)",
    ),
)


# Question 2: windows of a table of features, and the next value of a target as the answer.

_Q2_FEATURES = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0], [5.0, 50.0]])
_Q2_TARGET = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
# Its answer, written out as float32 (tests/test_exercise_17.py recomputes it with grader.references.prices.windows).
_Q2_X = np.array([[[1, 10], [2, 20], [3, 30]], [[2, 20], [3, 30], [4, 40]]], dtype=np.float32)
_Q2_Y = np.array([0.4, 0.5], dtype=np.float32)


def _window_cases() -> list[tuple]:
    rng = np.random.default_rng(2417)
    cases: list[tuple] = [(_Q2_FEATURES, _Q2_TARGET, 3)]
    # (rows, features, window): a table that leaves exactly one window, window 1, one feature, a wide table.
    for rows, features, window in [(30, 2, 8), (9, 2, 8), (12, 1, 4), (6, 3, 1), (20, 5, 6), (2, 1, 1), (15, 2, 14)]:
        table = rng.normal(0.0, 1.0, size=(rows, features)).round(3)
        target = table[:, 0] if rows % 2 else rng.normal(0.0, 1.0, size=rows).round(3)  # the target is often a column
        cases.append((table, target.copy(), window))
    return cases


def _window_count(result: Any) -> np.ndarray:
    """The shapes of the answer's x and y, padded (kernel side): ``[x.ndim, *x.shape[:3], y.ndim, *y.shape[:2]]``."""
    x, y = result
    x_shape, y_shape = (list(np.shape(x)) + [0, 0, 0])[:3], (list(np.shape(y)) + [0, 0])[:2]
    return np.array([np.ndim(x), *x_shape, np.ndim(y), *y_shape])


def _window_count_verify(args: tuple, got: np.ndarray) -> str | None:
    features, _, window = args
    n = len(features) - window
    want = np.array([3, n, window, features.shape[1], 1, n, 0])
    if got.shape != want.shape or not np.array_equal(got, want):
        return (
            f"x of {got[0]} axes, shape {tuple(got[1 : 1 + got[0]])}, and y of shape {tuple(got[5 : 5 + got[4]])} for a "
            f"table of shape {features.shape} and window {window}; expected x {(n, window, features.shape[1])} and y {(n,)}"
        )
    return None


def _windows_holds(result: Any) -> str | None:
    want_x, want_y = _Q2_X, _Q2_Y
    try:
        x, y = result
    except (TypeError, ValueError):
        return f"returned {describe(result)}; it should return a pair (x, y)."
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != want_x.shape or y.shape != want_y.shape:
        return f"x has shape {x.shape} and y {y.shape}; expected (2, 3, 2) and (2,): 5 rows leave 2 windows of 3."
    if not np.allclose(x, want_x):
        return f"x[0] is {describe(x[0])}; it should be the first three rows, {describe(want_x[0])}."
    if not np.allclose(y, want_y):
        return (
            f"y is {describe(y)}; it should be [0.4, 0.5]. The answer to the window of rows i to i + window - 1 is "
            "target[i + window], the quarter after the window's last one, never one inside it."
        )
    return None


q2 = Question(
    id="q2_make_windows",
    points=2,
    title="Windows of past quarters and the next one",
    checks=(
        PropertyCheck(
            args=(_Q2_FEATURES, _Q2_TARGET, 3),
            call="make_windows(features, target, window=3) with 5 rows of 2 features",
            holds=_windows_holds,
            tip="x[0] is features[0:3] and its answer target[3] = 0.4; x[1] is features[1:4] and its answer 0.5.",
        ),
    ),
    requirements=(
        Requirement(
            "count",
            "makes every window the table allows, the last one included: `len(features) - window` of them, one when "
            "the table has exactly `window + 1` rows",
        ),
        Requirement("windows", "returns `x` of shape (n_windows, window, n_features), window `i` being `features[i : i + window]`"),
        Requirement("targets", "returns `y` of shape (n_windows,), the answer of window `i` being `target[i + window]`"),
        Requirement("unchanged", "leaves `features` and `target` unchanged"),
    ),
    probes=function_probes(
        (_window_cases, "hidden tables and windows", "count", {"transform": _window_count, "verify": _window_count_verify}),
        (_window_cases, "the windows `x` of hidden tables", "windows", {"transform": part(0), "rtol": 1e-6, "atol": 1e-9}),
        (_window_cases, "the answers `y` of hidden tables", "targets", {"transform": part(1), "rtol": 1e-6, "atol": 1e-9}),
    ),
    hints=(
        "Count first: a table of n rows gives n - window windows. Five rows and a window of 3 give 2.",
        "Window i is features[i:i + window], a (window, n_features) block; its answer is target[i + window].",
        "np.stack([features[i:i + window] for i in range(n)]) has shape (n, window, n_features); the answers are "
        "target[window:].",
    ),
)


# Question 3: scale each column with the statistics of the training quarters only.


def _scale_cases() -> list[tuple]:
    rng = np.random.default_rng(3317)
    cases: list[tuple] = [(_Q3_TABLE, 3)]
    for rows, columns, n_train in [(40, 2, 30), (202, 2, N_TRAIN), (12, 3, 5), (20, 1, 20), (15, 4, 2)]:
        drift = np.linspace(0.0, 1.0, rows)[:, None] * rng.uniform(2.0, 8.0, size=columns)  # the future drifts away
        scale = rng.uniform(0.5, 20.0, size=columns)  # columns of very different sizes
        cases.append(((scale * (1.0 + drift + rng.normal(0.0, 0.3, size=(rows, columns)))).round(3), n_train))
    return cases


def _statistics(result: Any) -> np.ndarray:
    """The answer's mean and std side by side (kernel side)."""
    _, mean, std = result
    return np.concatenate([np.ravel(np.asarray(mean, dtype=np.float64)), np.ravel(np.asarray(std, dtype=np.float64))])


_Q3_TABLE = np.array([[1.0, 10.0], [2.0, 30.0], [3.0, 50.0], [9.0, 90.0]])
# Its answer for n_train=3, written out (the first 3 rows' means and stds, ddof=0; tests/test_exercise_17.py checks it).
_Q3_MEAN, _Q3_STD = np.array([2.0, 30.0]), np.array([0.816496580927726, 16.32993161855452])
_Q3_SCALED = np.array([[-1.224744871391589] * 2, [0.0, 0.0], [1.224744871391589] * 2, [8.573214099741124, 3.674234614174767]])


def _scale_holds(result: Any) -> str | None:
    mean, std = _Q3_MEAN, _Q3_STD
    try:
        scaled, got_mean, got_std = result
    except (TypeError, ValueError):
        return f"returned {describe(result)}; it should return three things: (scaled, mean, std)."
    got_mean, got_std = np.asarray(got_mean, dtype=np.float64), np.asarray(got_std, dtype=np.float64)
    if got_mean.shape != (2,) or got_std.shape != (2,) or not (np.allclose(got_mean, mean) and np.allclose(got_std, std)):
        return (
            f"returned mean {describe(got_mean)} and std {describe(got_std)}; the first 3 rows have column means "
            f"{describe(mean)} and stds {describe(std.round(4))}. Measure each column on features[:n_train] only (axis=0)."
        )
    scaled = np.asarray(scaled, dtype=np.float64)
    if scaled.shape != _Q3_TABLE.shape or not np.allclose(scaled, _Q3_SCALED):
        return f"scaled is {describe(scaled)}; it should be the whole table minus the means, divided by the stds."
    return None

q3 = Question(
    id="q3_scale_columns",
    points=2,
    title="Scale each column with the training quarters' statistics",
    checks=(
        PropertyCheck(
            args=(_Q3_TABLE, 3),
            call="scale_columns([[1, 10], [2, 30], [3, 50], [9, 90]], n_train=3)",
            holds=_scale_holds,
            tip="The first 3 rows have column means [2, 30] and standard deviations [0.8165, 16.33]; the last row, "
            "in the test period, scales to [8.57, 3.67], far outside the training range, and that is right.",
        ),
    ),
    requirements=(
        Requirement(
            "statistics",
            "measures each column's mean and standard deviation (`ddof=0`) on `features[:n_train]` only, as two arrays of "
            "shape (n_features,)",
        ),
        Requirement("scaled", "returns the whole table scaled column by column, an array of the same shape as `features`"),
        Requirement("unchanged", "leaves `features` unchanged"),
    ),
    probes=function_probes(
        (_scale_cases, "the means and stds of hidden tables", "statistics", {"transform": _statistics, "atol": 1e-6}),
        (_scale_cases, "hidden tables, scaled", "scaled", {"transform": part(0), "atol": 1e-5}),
        rtol=1e-5,
    ),
    hints=(
        "The first n_train rows are the past you train on; measure nothing on the rows after them.",
        "features[:n_train].mean(axis=0) and .std(axis=0) give one number per column.",
        "Broadcasting does the rest: (features - mean) / std scales every row, test rows included, with the training "
        "numbers. Return (scaled, mean, std).",
    ),
)


# Question 4: the forecaster, a goal and a budget.

# What q4 asks of the forecaster, read by its hidden requirements and (with the Dense(1) output the visible check
# reads from the model itself; the judge's output rule folds activation layers in) by its visible check.
_FORECASTER_MODEL = ModelSpec(input_shape=(WINDOW, N_FEATURES), max_params=FORECASTER_PARAMS)


def _linear_dense_output(report: dict[str, Any]) -> str | None:
    """The model ends with a Dense layer of one unit and no activation (activation layers folded in)."""
    from keras_course.measures import fold_activations

    layers = fold_activations(report.get("layers", []))
    last = layers[-1] if layers else {}
    if last.get("class_name") != "Dense" or last.get("units") != 1:
        return f"ends with a {last.get('class_name')} layer of {last.get('units')} unit(s), not a Dense layer of one unit"
    if last.get("activation") not in (None, "linear"):
        return f"ends with the activation {last.get('activation')!r}; inflation can be negative, so the output takes none"
    return None


def _forecast_holds(predictions: Any) -> str | None:
    _, _, x_test, y_test = forecast_windows()
    predictions = np.asarray(predictions, dtype=np.float64)
    if predictions.size != y_test.size:
        return f"the model returned an array of shape {predictions.shape} for {len(y_test)} windows; expected one number per window, ({len(y_test)}, 1)."
    mae = float(np.mean(np.abs(predictions.reshape(-1) - y_test)))
    naive = float(np.mean(np.abs(x_test[:, -1, 0] * TRAINING_STD[0] + TRAINING_MEAN[0] - y_test)))
    if mae <= INFLATION_VISIBLE_MAE:
        return None
    return (
        f"your model's mean absolute error on the test windows is {mae:.3f} percentage points; it should be at most "
        f"{INFLATION_VISIBLE_MAE} (repeating last quarter's inflation gives {naive:.3f})."
    )


q4 = Question(
    id="q4_forecaster",
    points=4,
    title="Forecast next quarter's inflation better than last quarter's",
    checks=(
        ModelCheck(replace(_FORECASTER_MODEL, output_units=1, output_activation="linear")),
        PropertyCheck(
            args=(forecast_windows()[2],),
            call="forecaster.predict(x_test)",
            holds=_forecast_holds,
            tip="Near the naive forecast: the model has not learned, or learned to repeat the last quarter (check your "
            "windows). Far better on the training windows than here: it memorizes (fewer epochs, fewer units, dropout, "
            "a validation split from the training quarters to stop early).",
        ),
    ),
    requirements=(
        Requirement("input", "takes windows of shape (8, 2): eight quarters of scaled inflation and bill rate"),
        Requirement("output", "ends in a `Dense` layer of one unit without activation: next quarter's inflation in percent"),
        Requirement(
            "params",
            "has at most 3,000 parameters, in dense, recurrent (`SimpleRNN`, `GRU`, `LSTM`, `Bidirectional`), `Conv1D` "
            "(with its pooling and `Flatten`), normalization and dropout layers only",
        ),
        Requirement(
            "training",
            "is trained only on windows of the training quarters: its mean squared error on the test windows is at least "
            "1.05 times that on the training windows, as for a model that never saw the test period",
        ),
        Requirement("heldout", "forecasts held-out windows with a mean absolute error of at most 0.45 percentage points"),
    ),
    probes=(
        ModelProbe(
            heldout="inflation_windows",
            threshold=INFLATION_MAE,
            metric="mae",
            requirements=ModelRequirements(_FORECASTER_MODEL, rules=(ModelRule("output", _linear_dense_output), only_layers(FORECASTER_LAYERS, aspect="params"))),
            covers=("input", "output", "params", "heldout"),
        ),
        ModelProbe(
            heldout="inflation_seen_and_unseen_windows",
            threshold=UNSEEN_TO_SEEN_ERROR,
            metric="unseen_to_seen_error",
            covers=("training",),
        ),
    ),
    hints=(
        "Build x_train, y_train from the training quarters only: percent changes (question 1), scaled with the "
        "training rows' statistics (question 3), cut into windows of 8 (question 2) whose answers are training quarters.",
        "About a hundred windows is very little data: a small model (a few hundred weights) trained for a few dozen "
        "epochs generalizes; a large one memorizes. Compare with the linear baseline of section 3.",
        "Hold out the last fifth of the training windows (validation_split=0.2) and stop early on it "
        "(keras.callbacks.EarlyStopping with restore_best_weights=True): never validate on the test period.",
    ),
)

EXERCISE = Exercise(notebook="17_price_prediction", questions=(q1, q2, q3, q4), leaderboard="q4_forecaster")
