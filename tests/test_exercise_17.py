"""Project 17, price prediction: other correct answers score full, each listed mistake loses the question's points.

Also: the solution grades to full marks and the release to zero (one graded run for the module), different
forecasters meet the goal, and the loader's parsing works on small files written in the data's own formats.
"""

from __future__ import annotations

import numpy as np
import pytest
from judging import missed

from grader.heldout import make_heldout
from grader.modelscore import metric_value
from keras_course.checks import CheckFailed
from keras_course.exercises import load_exercise
from keras_course.exercises.ex17_price_prediction import INFLATION_MAE, N_FEATURES, forecast_windows
from keras_course.projects.prices import N_TRAIN, WINDOW, inflation_features, parse_macrodata, parse_stocks

EXERCISE = load_exercise("17_price_prediction")
q1, q2, q3, q4 = EXERCISE.questions


def statuses(question, cases, key, tmp_path, scorer=None):
    """For each named answer: "passed", or the id of the requirement its failure message names."""
    return missed(question, cases, key, tmp_path, scorer)


# The loader: parsing on small files in the packages' formats.


def test_parse_macrodata_reads_a_small_file_in_its_format(tmp_path):
    path = tmp_path / "macrodata.csv"
    path.write_text('"year","quarter","cpi","tbilrate"\n1959,1,28.980,2.82\n1959,2,29.150,3.08\n\n')
    columns = parse_macrodata(path)
    assert list(columns) == ["year", "quarter", "cpi", "tbilrate"]
    assert np.array_equal(columns["cpi"], [28.98, 29.15]) and columns["year"].dtype == np.float64
    path.write_text('"year","cpi"\n1959,28.98,1\n')
    with pytest.raises(ValueError, match="line 2 has 3 fields"):
        parse_macrodata(path)


def test_parse_stocks_reads_a_small_file_in_its_format(tmp_path):
    path = tmp_path / "stocks.csv"
    path.write_text("symbol,date,price\nMSFT,Jan 1 2000,39.81\nMSFT,Feb 1 2000,36.35\nIBM,Jan 1 2000,100.52\n")
    stocks = parse_stocks(path)
    assert list(stocks) == ["MSFT", "IBM"]
    months, prices = stocks["MSFT"]
    assert months.tolist() == [np.datetime64("2000-01"), np.datetime64("2000-02")] and prices.tolist() == [39.81, 36.35]


def test_the_shipped_data_has_the_split_the_project_states():
    quarters, features, inflation = inflation_features()
    assert features.shape == (202, N_FEATURES) and np.array_equal(features[:, 0], inflation)
    assert quarters[N_TRAIN - 1] == 1989.75 and quarters[N_TRAIN] == 1990.0 and quarters[-1] == 2009.5
    x_train, y_train, x_test, y_test = forecast_windows()
    assert x_train.shape == (115, WINDOW, 2) and x_test.shape == (79, WINDOW, 2) and y_test.shape == (79,)
    assert np.allclose(y_test, inflation[N_TRAIN:]) and abs(x_train[:, :, 0].mean()) < 0.1
    assert EXERCISE.leaderboard == "q4_forecaster" and EXERCISE.points == 10


# Question 1: percent changes.


def percent_changes(prices):
    return 100.0 * np.diff(np.log(prices), axis=0)


def changes_in_place(prices):
    logs = np.log(prices, out=prices)  # the caller's prices become their logs
    return 100.0 * np.diff(logs, axis=0)


def test_percent_changes(tmp_path):
    found = statuses(
        q1,
        {
            "numpy": percent_changes,
            "log of ratios, float32": lambda p: (100 * np.log(p[1:] / p[:-1])).astype(np.float32),
            "simple percentages": lambda p: 100.0 * (p[1:] / p[:-1] - 1.0),
            "raw differences": lambda p: np.diff(p, axis=0),
            "backwards": lambda p: 100.0 * np.log(p[:-1] / p[1:]),
            "no factor 100": lambda p: np.diff(np.log(p), axis=0),
            "along the last axis": lambda p: 100.0 * np.diff(np.log(p)),
            "padded with a zero": lambda p: np.concatenate([np.zeros_like(p[:1]), percent_changes(p)]),
            "written into the prices": changes_in_place,
        },
        percent_changes,
        tmp_path,
    )
    assert found == {
        "numpy": "passed",
        "log of ratios, float32": "passed",
        "simple percentages": "values",
        "raw differences": "values",
        "backwards": "values",
        "no factor 100": "values",
        "along the last axis": "shape",
        "padded with a zero": "shape",
        "written into the prices": "unchanged",
    }


def test_percent_changes_visible_checks_teach():
    q1.check(percent_changes)
    with pytest.raises(CheckFailed, match="not the simple"):
        q1.check(lambda p: 100.0 * (np.asarray(p)[1:] / np.asarray(p)[:-1] - 1.0))
    with pytest.raises(CheckFailed, match="axis 0"):
        q1.check(lambda p: 100.0 * np.diff(np.log(p)))


# Question 2: windows.


def make_windows(features, target, window):
    x = np.stack([features[i : i + window] for i in range(len(features) - window)])
    return x, target[window:]


def strided_windows(features, target, window):
    views = np.lib.stride_tricks.sliding_window_view(features, window, axis=0)[:-1]  # (n, n_features, window)
    return views.transpose(0, 2, 1).astype(np.float32), list(target[window:])


def features_overwritten(features, target, window):
    x, y = make_windows(features, target, window)
    x, y = x.copy(), y.copy()
    features[:] = 0.0
    return x, y


def test_make_windows(tmp_path):
    found = statuses(
        q2,
        {
            "loop": make_windows,
            "sliding window view, float32": strided_windows,
            "window ends on its answer": lambda f, t, w: (make_windows(f, t, w)[0], t[w - 1 : -1]),
            "answer one quarter too far": lambda f, t, w: (make_windows(f, t, w)[0][:-1], t[w + 1 :]),
            "last window dropped": lambda f, t, w: (make_windows(f, t, w)[0][:-1], make_windows(f, t, w)[1][:-1]),
            "squeezed": lambda f, t, w: tuple(np.squeeze(part) for part in make_windows(f, t, w)),
            "answers as a column": lambda f, t, w: (make_windows(f, t, w)[0], make_windows(f, t, w)[1][:, None]),
            "windows transposed": lambda f, t, w: (make_windows(f, t, w)[0].transpose(0, 2, 1), make_windows(f, t, w)[1]),
            "features overwritten": features_overwritten,
        },
        make_windows,
        tmp_path,
    )
    assert found == {
        "loop": "passed",
        "sliding window view, float32": "passed",
        "window ends on its answer": "targets",
        "answer one quarter too far": "count",
        "last window dropped": "count",
        "squeezed": "count",
        "answers as a column": "count",
        "windows transposed": "count",
        "features overwritten": "unchanged",
    }


def test_make_windows_visible_check_names_the_peek():
    q2.check(strided_windows)
    with pytest.raises(CheckFailed, match="never one inside it"):
        q2.check(lambda f, t, w: (make_windows(f, t, w)[0], t[w - 1 : -1]))


# Question 3: scaling with the training rows.


def scale_columns(features, n_train):
    mean, std = features[:n_train].mean(axis=0), features[:n_train].std(axis=0)
    return (features - mean) / std, mean, std


def sklearn_scale(features, n_train):
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(features[:n_train])
    return scaler.transform(features), scaler.mean_, scaler.scale_


def scaled_in_place(features, n_train):
    mean, std = features[:n_train].mean(axis=0), features[:n_train].std(axis=0)
    features -= mean
    features /= std
    return features, mean, std


def test_scale_columns(tmp_path):
    found = statuses(
        q3,
        {
            "numpy": scale_columns,
            "sklearn": sklearn_scale,
            "every quarter's statistics": lambda f, n: scale_columns(f, len(f)),
            "columns pooled": lambda f, n: ((f - f[:n].mean()) / f[:n].std(), f[:n].mean(), f[:n].std()),
            "sample deviation": lambda f, n: ((f - f[:n].mean(0)) / f[:n].std(0, ddof=1), f[:n].mean(0), f[:n].std(0, ddof=1)),
            "one row too many": lambda f, n: scale_columns(f, n + 1),
            "min-max": lambda f, n: ((f - f[:n].min(0)) / np.ptp(f[:n], axis=0), f[:n].min(0), np.ptp(f[:n], axis=0)),
            "scaled in place": scaled_in_place,
        },
        scale_columns,
        tmp_path,
    )
    assert found == {
        "numpy": "passed",
        "sklearn": "passed",
        "every quarter's statistics": "statistics",
        "columns pooled": "statistics",
        "sample deviation": "statistics",
        "one row too many": "statistics",
        "min-max": "statistics",
        "scaled in place": "unchanged",
    }


def test_scale_columns_visible_check_says_where_to_measure():
    q3.check(sklearn_scale)
    with pytest.raises(CheckFailed, match=r"features\[:n_train\] only"):
        q3.check(lambda f, n: scale_columns(f, len(f)))


# Question 4: the forecaster.


def test_heldout_windows_are_secret_copies_of_the_test_period():
    x, y = make_heldout("inflation_windows", b"one")
    x_test, y_test = forecast_windows()[2:]
    assert x.shape == (8 * 79, WINDOW, 2) and y.shape == (8 * 79,)
    assert not np.allclose(y[:79], y_test) and np.corrcoef(y[:79], y_test)[0, 1] > 0.8
    assert np.array_equal(x, make_heldout("inflation_windows", b"one")[0])
    assert not np.array_equal(x, make_heldout("inflation_windows", b"two")[0])


def test_stored_visible_answers_are_what_the_references_compute():
    from grader.references.prices import training_statistics, windows
    from keras_course.exercises import ex17_price_prediction as ex17

    mean, std = training_statistics()
    assert np.array_equal(mean, ex17.TRAINING_MEAN) and np.array_equal(std, ex17.TRAINING_STD)
    x, y = windows(ex17._Q2_FEATURES, ex17._Q2_TARGET, 3)
    assert x.tobytes() == ex17._Q2_X.tobytes() and y.tobytes() == ex17._Q2_Y.tobytes()
    table = ex17._Q3_TABLE
    assert np.array_equal(table[:3].mean(axis=0), ex17._Q3_MEAN) and np.array_equal(table[:3].std(axis=0), ex17._Q3_STD)
    assert np.array_equal((table - ex17._Q3_MEAN) / ex17._Q3_STD, ex17._Q3_SCALED)
    _, features, inflation = inflation_features()
    x, y = windows((features - mean) / std, inflation, WINDOW)
    cut = N_TRAIN - WINDOW
    reference = (x[:cut], y[:cut], x[cut:], y[cut:])
    assert all(a.tobytes() == b.tobytes() for a, b in zip(reference, forecast_windows(), strict=True))


def test_repeating_last_quarter_misses_the_goal_on_every_secret():
    from grader.references.prices import training_statistics

    mean, std = training_statistics()
    for secret in [b"tests", b"one", b"two", b"three", b"four"]:
        x, y = make_heldout("inflation_windows", secret)
        assert metric_value((x[:, -1, 0] * std[0] + mean[0])[:, None], y, "mae") > INFLATION_MAE + 0.025


def forecaster(kind="gru dropout", seed=0, epochs=30, leak=False, peek=False, raw=False, output=None):
    """The solution's forecaster and the choices the question leaves open (and its mistakes) as switches."""
    import keras

    keras.utils.set_random_seed(seed)
    x_train, y_train, x_test, y_test = forecast_windows()
    if leak:
        x_train, y_train = np.concatenate([x_train, x_test]), np.concatenate([y_train, y_test])
    if peek:  # each window ends on the quarter it answers
        x_train = np.concatenate([x_train, x_test])[1 : len(x_train) + 1]
    if raw:
        _, features, _ = inflation_features()
        x_train = np.stack([features[i : i + WINDOW] for i in range(N_TRAIN - WINDOW)]).astype("float32")
    layers = keras.layers
    body = {
        "gru dropout": [layers.GRU(8, dropout=0.2), layers.Dropout(0.3)],
        "dense": [layers.Flatten(), layers.Dense(16, activation="relu")],
        "linear": [layers.Flatten()],
        "conv": [layers.Conv1D(8, 3, activation="relu"), layers.GlobalAveragePooling1D()],
        "gru": [layers.GRU(4)],
        "wide": [layers.Flatten(), layers.Dense(256, activation="relu")],
        "attention": [],
    }[kind]
    inputs = keras.Input(shape=(WINDOW, 2))
    h = inputs
    if kind == "attention":
        h = layers.Flatten()(layers.MultiHeadAttention(1, 2)(h, h))
    for layer in body:
        h = layer(h)
    model = keras.Model(inputs, output(h) if output else layers.Dense(1)(h))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x_train, y_train, epochs=epochs, batch_size=16, verbose=0)
    return model


@pytest.fixture(scope="module")
def right_forecaster():
    return forecaster()


@pytest.mark.slow
def test_forecasters_that_differ_in_kind_meet_the_goal_and_mistakes_fail(right_forecaster, tmp_path, model_scorer):
    import keras

    found = statuses(
        q4,
        {
            "the solution: GRU of 8 units with dropout": right_forecaster,
            "one Dense unit on the flattened window, 100 epochs": forecaster("linear", epochs=100),
            "Conv1D and pooling": forecaster("conv", seed=1, epochs=40),
            "GRU of 4 units": forecaster("gru"),
            "Dense(16), 100 epochs, on the test windows too": forecaster("dense", epochs=100, leak=True),
            "windows that end on their answer": forecaster(peek=True),
            "unscaled inputs": forecaster(raw=True),
            "a sigmoid output": forecaster(output=keras.layers.Dense(1, activation="sigmoid"), epochs=1),
            "over the budget": forecaster("wide", epochs=1),
            "attention, outside the budget": forecaster("attention", epochs=1),
        },
        right_forecaster,
        tmp_path,
        model_scorer,
    )
    assert found == {
        "the solution: GRU of 8 units with dropout": "passed",
        "one Dense unit on the flattened window, 100 epochs": "passed",
        "Conv1D and pooling": "passed",
        "GRU of 4 units": "passed",
        "Dense(16), 100 epochs, on the test windows too": "training",
        "windows that end on their answer": "training",  # a smoothed copy of the last quarter forecasts well here
        "unscaled inputs": "training",
        "a sigmoid output": "output",
        "over the budget": "params",
        "attention, outside the budget": "params",
    }


@pytest.mark.slow
def test_forecaster_visible_check_compares_with_the_naive_forecast(right_forecaster):
    q4.check(right_forecaster)
    with pytest.raises(CheckFailed, match="repeating last quarter's inflation gives"):
        q4.check(forecaster("gru", epochs=1))

# The whole notebook (the solution full, the release zero, sandboxed) is graded by tests/test_course.py.
