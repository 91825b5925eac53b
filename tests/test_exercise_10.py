"""Exercise 10: different correct answers score full; each listed mistake loses the question's points."""

from __future__ import annotations

import numpy as np
import pytest
from judging import failure_message, judged, not_yet_met

from grader.heldout import make_heldout
from grader.modelscore import metric_value
from grader.outcomes import Status
from keras_course.checks import CheckFailed
from keras_course.exercises import load_exercise
from keras_course.exercises.ex10_recurrent_networks import (
    ECHO_MAE,
    N_TRAIN,
    SUNSPOT_MAE,
    WINDOW,
    echo_sequences,
    sunspot_test_windows,
    sunspots,
)
from keras_course.sequences import training_statistics

EXERCISE = load_exercise("10_recurrent_networks")
q1, q2, q3, q4, q5 = EXERCISE.questions


# Question 1: the unrolled forward pass.


def rnn_forward(x, h0, w_x, w_h, b):
    h, states = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ w_x + h @ w_h + b)
        states.append(h)
    return np.stack(states, axis=1)


def keras_rnn_forward(x, h0, w_x, w_h, b):
    import keras

    layer = keras.layers.SimpleRNN(w_h.shape[0], return_sequences=True)
    layer.build((None, x.shape[1], x.shape[2]))
    layer.set_weights([w_x.astype("float32"), w_h.astype("float32"), b.astype("float32")])
    states = layer(x.astype("float32"), initial_state=[h0.astype("float32")])
    return keras.ops.convert_to_numpy(states).astype(np.float64)


def preallocated_forward(x, h0, w_x, w_h, b):
    inputs = np.einsum("btf,fu->btu", x, w_x) + b  # every step's input term at once
    states = np.empty(inputs.shape)
    h = h0
    for t in range(x.shape[1]):
        h = states[:, t] = np.tanh(inputs[:, t] + h @ w_h)
    return states


def mistake(kind):
    def forward(x, h0, w_x, w_h, b):
        h, states = (np.zeros_like(h0) if kind == "zeros" else h0), []
        for t in range(x.shape[1]):
            previous = h0 if kind == "not carried" else h
            recurrent = w_h.T if kind == "transposed" else w_h
            z = x[:, t] @ w_x + previous @ recurrent + b
            h = z if kind == "no tanh" else np.tanh(z)
            states.append(h)
        return h if kind == "last only" else np.stack(states, axis=1)

    return forward


def concatenated_weights(x, h0, w_x, w_h, b):
    """One matrix multiplication per step on [x_t, h] against W_x stacked on W_h."""
    weights, h, states = np.concatenate([w_x, w_h]), h0, []
    for t in range(x.shape[1]):
        h = np.tanh(np.concatenate([x[:, t], h], axis=1) @ weights + b)
        states.append(h)
    return np.stack(states, axis=1)


def squeezed_forward(x, h0, w_x, w_h, b):
    return rnn_forward(x, h0, w_x, w_h, b).squeeze()


def state_written_into_h0(x, h0, w_x, w_h, b):
    h, states = h0, []
    for t in range(x.shape[1]):
        h[...] = np.tanh(x[:, t] @ w_x + h @ w_h + b)  # h is h0: the caller's array is overwritten
        states.append(h.copy())
    return np.stack(states, axis=1)


def input_kernel_transposed_when_it_fits(x, h0, w_x, w_h, b):
    kernel = w_x.T if w_x.shape[0] == w_x.shape[1] else w_x
    return rnn_forward(x, h0, kernel, w_h, b)


def reshaped_instead_of_stacked(x, h0, w_x, w_h, b):
    states = rnn_forward(x, h0, w_x, w_h, b).transpose(1, 0, 2)  # (steps, batch, units), as a list of states stacks
    return states.reshape(x.shape[0], x.shape[1], -1)


def test_rnn_forward_accepts_keras_and_rejects_the_usual_slips(tmp_path):
    statuses = judged(
        q1,
        {
            "loop": rnn_forward,
            "keras SimpleRNN": keras_rnn_forward,
            "inputs precomputed": preallocated_forward,
            "concatenated weights": concatenated_weights,
            "float32": lambda *a: rnn_forward(*[np.asarray(v, dtype=np.float32) for v in a]),
            "recurrent kernel transposed": mistake("transposed"),
            "h0 ignored": mistake("zeros"),
            "state not carried": mistake("not carried"),
            "last state only": mistake("last only"),
            "tanh forgotten": mistake("no tanh"),
            "squeezed result": squeezed_forward,
            "state written into h0": state_written_into_h0,
            "W_x transposed where it fits": input_kernel_transposed_when_it_fits,
            "reshaped instead of stacked on axis 1": reshaped_instead_of_stacked,
            "bias outside tanh": lambda x, h0, w_x, w_h, b: rnn_forward(x, h0, w_x, w_h, 0 * b) + b,
        },
        rnn_forward,
        tmp_path,
    )
    passing = {"loop", "keras SimpleRNN", "inputs precomputed", "concatenated weights", "float32"}
    assert statuses == {name: Status.PASSED if name in passing else Status.FAILED for name in statuses}


@pytest.mark.parametrize(
    ("answer", "requirement"),
    [
        (squeezed_forward, "shape"),
        (mistake("zeros"), "state"),
        (mistake("transposed"), "weights"),
        (input_kernel_transposed_when_it_fits, "weights"),
        (state_written_into_h0, "unchanged"),
    ],
)
def test_rnn_forward_failures_name_the_requirement(answer, requirement, tmp_path):
    assert failure_message(q1, answer, rnn_forward, tmp_path).startswith(not_yet_met(q1, requirement))


def test_rnn_forward_visible_checks_teach():
    q1.check(rnn_forward)
    with pytest.raises(CheckFailed, match="0.3634"):
        q1.check(mistake("last only"))
    with pytest.raises(CheckFailed, match="h @ W_h"):
        q1.check(mistake("transposed"))


# Question 2: windows and targets.


def make_windows(series, window, horizon=1):
    n = len(series) - window - horizon + 1
    x = np.stack([series[i : i + window] for i in range(n)])[..., None]
    return x, series[window + horizon - 1 :]


def strided_windows(series, window, horizon=1):
    views = np.lib.stride_tricks.sliding_window_view(np.asarray(series), window + horizon)
    return views[:, :window, None].copy(), views[:, -1].tolist()


def peeking_windows(series, window, horizon=1):
    x, _ = make_windows(series, window, horizon)
    return x, series[window - 1 : len(series) - horizon]  # the target is the window's own last value


def horizon_ignored(series, window, horizon=1):
    x, _ = make_windows(series, window, horizon)
    return x, series[window : window + len(x)]


def last_window_dropped(series, window, horizon=1):
    x, y = make_windows(series, window, horizon)
    return x[:-1], y[:-1]


def appended_windows(series, window, horizon=1):
    xs, ys = [], []
    for i in range(len(series) - window - horizon + 1):
        xs.append(series[i : i + window])
        ys.append(series[i + window + horizon - 1])
    return np.array(xs, dtype=np.float32).reshape(len(xs), window, 1), np.array(ys, dtype=np.float32)


def range_one_short(series, window, horizon=1):
    count = len(series) - window - horizon  # one window fewer than the series allows
    x = np.array([series[i : i + window] for i in range(count)]).reshape(count, window, 1)
    return x, np.array([series[i + window + horizon - 1] for i in range(count)])


def series_overwritten(series, window, horizon=1):
    x, y = make_windows(series, window, horizon)
    x, y = x.copy(), y.copy()
    series[:] = 0.0  # "free" the series after use: the caller's array is overwritten
    return x, y


def test_make_windows_accepts_strides_and_rejects_peeking(tmp_path):
    statuses = judged(
        q2,
        {
            "loop": make_windows,
            "sliding window view": strided_windows,
            "appended, float32": appended_windows,
            "target inside the window": peeking_windows,
            "horizon ignored": horizon_ignored,
            "one step too far": lambda s, w, h=1: (make_windows(s, w, h + 1)[0], make_windows(s, w, h + 1)[1]),
            "last window dropped": last_window_dropped,
            "no feature axis": lambda s, w, h=1: (make_windows(s, w, h)[0][..., 0], make_windows(s, w, h)[1]),
            "targets as a column": lambda s, w, h=1: (make_windows(s, w, h)[0], make_windows(s, w, h)[1][:, None]),
            "windows transposed": lambda s, w, h=1: (
                make_windows(s, w, h)[0].transpose(0, 2, 1),
                make_windows(s, w, h)[1],
            ),
            "range one short": range_one_short,
            "squeezed": lambda s, w, h=1: tuple(np.squeeze(part) for part in make_windows(s, w, h)),
            "series overwritten": series_overwritten,
        },
        make_windows,
        tmp_path,
    )
    passing = {"loop", "sliding window view", "appended, float32"}
    assert statuses == {name: Status.PASSED if name in passing else Status.FAILED for name in statuses}


@pytest.mark.parametrize(
    ("answer", "requirement"),
    [
        (last_window_dropped, "count"),
        (lambda s, w, h=1: (make_windows(s, w, h)[0][..., 0], make_windows(s, w, h)[1]), "windows"),
        (lambda s, w, h=1: (make_windows(s, w, h)[0], make_windows(s, w, h)[1][:, None]), "targets"),
        (peeking_windows, "targets"),
        (series_overwritten, "unchanged"),
    ],
)
def test_make_windows_failures_name_the_requirement(answer, requirement, tmp_path):
    assert failure_message(q2, answer, make_windows, tmp_path).startswith(not_yet_met(q2, requirement))


def test_make_windows_visible_checks_name_the_peek():
    q2.check(strided_windows)
    with pytest.raises(CheckFailed, match="never inside it"):
        q2.check(peeking_windows)
    with pytest.raises(CheckFailed, match="Three steps ahead"):
        q2.check(horizon_ignored)


# Question 3: scaling with the training part only.


def scale_series(series, n_train):
    mean, std = series[:n_train].mean(), series[:n_train].std()
    return (series - mean) / std, mean, std


def sklearn_scale(series, n_train):
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(np.asarray(series)[:n_train, None])
    return scaler.transform(np.asarray(series)[:, None])[:, 0], scaler.mean_[0], scaler.scale_[0]


def whole_series(series, n_train):
    return scale_series(series, len(series))


def sklearn_column(series, n_train):
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(np.asarray(series)[:n_train, None])
    return scaler.transform(np.asarray(series)[:, None]), scaler.mean_[0], scaler.scale_[0]  # scaled is (n, 1)


def scaled_in_place(series, n_train):
    series = np.asarray(series, dtype=np.float64)  # the same array when it already is float64
    mean, std = series[:n_train].mean(), series[:n_train].std()
    series -= mean
    series /= std
    return series, mean, std


def float32_scale(series, n_train):
    values = np.asarray(series, dtype=np.float32)
    mean, std = values[:n_train].mean(), values[:n_train].std()
    return (values - mean) / std, mean, std


def test_scale_series_accepts_sklearn_and_rejects_the_future(tmp_path):
    statuses = judged(
        q3,
        {
            "numpy": scale_series,
            "sklearn": sklearn_scale,
            "float32": float32_scale,
            "whole-series statistics": whole_series,
            "sample deviation": lambda s, n: ((s - s[:n].mean()) / s[:n].std(ddof=1), s[:n].mean(), s[:n].std(ddof=1)),
            "min-max": lambda s, n: ((s - s[:n].min()) / np.ptp(s[:n]), s[:n].min(), np.ptp(s[:n])),
            "not scaled": lambda s, n: (s, 0.0, 1.0),
            "training part only": lambda s, n: scale_series(s[:n], n),
            "scaled as a column": sklearn_column,
            "scaled in place": scaled_in_place,
            "one value too many": lambda s, n: scale_series(s, n + 1),
            "mean and std swapped": lambda s, n: (scale_series(s, n)[0], scale_series(s, n)[2], scale_series(s, n)[1]),
        },
        scale_series,
        tmp_path,
    )
    passing = {"numpy", "sklearn", "float32"}
    assert statuses == {name: Status.PASSED if name in passing else Status.FAILED for name in statuses}


@pytest.mark.parametrize(
    ("answer", "requirement"),
    [(whole_series, "statistics"), (sklearn_column, "scaled"), (scaled_in_place, "unchanged")],
)
def test_scale_series_failures_name_the_requirement(answer, requirement, tmp_path):
    assert failure_message(q3, answer, scale_series, tmp_path).startswith(not_yet_met(q3, requirement))


def test_scale_series_visible_check_says_where_to_measure():
    q3.check(sklearn_scale)
    with pytest.raises(CheckFailed, match=r"series\[:n_train\] only"):
        q3.check(whole_series)


def test_stored_visible_answers_are_what_the_references_compute():
    from grader.references.recurrent import rnn_forward as reference_forward
    from grader.references.recurrent import windows
    from keras_course.exercises import ex10_visible as visible

    np.testing.assert_allclose(visible.Q1_ONE_STATES, reference_forward(*visible.Q1_ONE_ARGS), rtol=0, atol=0)
    np.testing.assert_allclose(visible.Q1_TWO_STATES, reference_forward(*visible.Q1_TWO_ARGS), rtol=0, atol=0)
    for (window, horizon), (rows, targets) in {(3, 1): visible.Q2_WINDOWS_3_1, (2, 3): visible.Q2_WINDOWS_2_3}.items():
        x, y = windows(visible.Q2_SERIES, window, horizon)
        assert x[..., 0].tolist() == rows and y.tolist() == targets
    train = visible.Q3_SERIES[:4]
    assert (visible.Q3_MEAN, visible.Q3_STD) == (train.mean(), train.std())
    np.testing.assert_array_equal(visible.Q3_SCALED, (visible.Q3_SERIES - train.mean()) / train.std())


def test_test_windows_are_the_reference_windows_of_the_scaled_series():
    from grader.references.recurrent import windows

    mean, std = training_statistics()
    x, y = windows(((sunspots()[1] - mean) / std)[N_TRAIN - WINDOW :], WINDOW)
    got_x, got_y = sunspot_test_windows()
    np.testing.assert_array_equal(got_x, x)
    np.testing.assert_array_equal(got_y, y)


# Held-out sets and the sequence metric.


def test_heldout_sets_come_from_the_secret():
    x, y = make_heldout("echo_sequences", b"one")
    assert x.shape == y.shape == (2000, 16, 1)
    assert np.array_equal(y[:, 3:], x[:, :-3]) and not y[:, :3].any()
    assert not np.array_equal(x, make_heldout("echo_sequences", b"two")[0])
    xs, ys = make_heldout("sunspot_windows", b"one")
    x_test, y_test = sunspot_test_windows()
    assert xs.shape == (8 * len(x_test), WINDOW, 1) and ys.shape == (8 * len(y_test),)
    assert np.array_equal(xs[1:, -1, 0][: len(y_test) - 1], ys[: len(y_test) - 1])  # each target is the next input
    assert not np.allclose(ys[: len(y_test)], y_test)
    assert np.allclose(ys[: len(y_test)], y_test, atol=1.0)
    assert np.array_equal(xs, make_heldout("sunspot_windows", b"one")[0])
    assert not np.array_equal(xs, make_heldout("sunspot_windows", b"two")[0])


def test_naive_forecast_misses_the_threshold_on_every_secret():
    for secret in [b"tests", b"one", b"two", b"three", b"four"]:
        x, y = make_heldout("sunspot_windows", secret)
        assert metric_value(x[:, -1, :], y, "mae") > SUNSPOT_MAE + 0.08
    x_test, y_test = sunspot_test_windows()
    assert metric_value(x_test[:, -1, :], y_test, "mae") > SUNSPOT_MAE + 0.1
    assert len(sunspots()[1]) - N_TRAIN == len(y_test) == 79


def test_sequence_mae_compares_every_step_and_refuses_one_output_per_sequence():
    y = np.arange(12, dtype=np.float64).reshape(2, 3, 2)
    assert metric_value(y + 0.5, y, "sequence_mae") == pytest.approx(0.5)
    assert metric_value((y + 1.0).reshape(2, 6), y, "sequence_mae") == pytest.approx(1.0)
    assert metric_value(y[:, -1, :], y, "sequence_mae") == float("inf")
    assert metric_value(np.zeros((2, 3, 2)), y, "sequence_mae") == pytest.approx(5.5)


# Question 4: the echo model, one output per step.


def echo_model(
    layer="gru", per_step=True, epochs=10, functional=False, n=1000, units=16, loss="mse", output="dense", extra=()
):
    import keras

    keras.utils.set_random_seed(0)
    x, y = echo_sequences(n, seed=0)
    kind = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM, "simple": keras.layers.SimpleRNN}[layer]
    recurrent = kind(units, return_sequences=per_step)
    between = {
        "hidden dense": [keras.layers.Dense(16, activation="relu")],
        "second gru": [keras.layers.GRU(16, return_sequences=True)],
        "dropout": [keras.layers.Dropout(0.1)],
    }
    head = [layer for name in extra for layer in between[name]]
    head += {
        "dense": [keras.layers.Dense(1)],
        "time distributed": [keras.layers.TimeDistributed(keras.layers.Dense(1))],
        "dense and linear activation": [keras.layers.Dense(1), keras.layers.Activation("linear")],
    }[output]
    inputs = keras.Input(shape=(16, 1))
    if functional:
        outputs = recurrent(inputs)
        for layer in head:
            outputs = layer(outputs)
        model = keras.Model(inputs, outputs)
    else:
        model = keras.Sequential([inputs, recurrent, *head])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss)
    model.fit(x, y if per_step else y[:, -1], epochs=epochs, batch_size=32, verbose=0)
    return model


@pytest.fixture(scope="module")
def right_echo():
    return echo_model()


@pytest.fixture(scope="module")
def one_output_echo():
    return echo_model(per_step=False, epochs=1)


@pytest.mark.slow
def test_echo_model_is_scored_on_fresh_sequences(right_echo, one_output_echo, tmp_path, model_scorer):
    statuses = judged(
        q4,
        {
            "right": right_echo,
            "functional lstm": echo_model(layer="lstm", functional=True),
            "on half the sequences": echo_model(n=500),
            "time-distributed output, linear activation layer": echo_model(output="time distributed"),
            "dense and a linear activation layer": echo_model(output="dense and linear activation", functional=True),
            "no return_sequences": one_output_echo,
            "undertrained": echo_model(epochs=1),
            "trained on the absolute error": echo_model(loss="mae"),
            "32 units": echo_model(units=32),
            "SimpleRNN": echo_model(layer="simple"),
            "dropout before the output": echo_model(extra=("dropout",)),
            "a hidden Dense layer": echo_model(extra=("hidden dense",)),
            "two GRU layers": echo_model(extra=("second gru",), functional=True),
        },
        right_echo,
        tmp_path,
        model_scorer,
    )
    passing = {
        "right",
        "functional lstm",
        "time-distributed output, linear activation layer",
        "dense and a linear activation layer",
        "dropout before the output",
    }
    assert statuses == {name: Status.PASSED if name in passing else Status.FAILED for name in statuses}


@pytest.mark.slow
def test_echo_failures_name_the_requirement(right_echo, one_output_echo, tmp_path, model_scorer):
    message = failure_message(q4, one_output_echo, right_echo, tmp_path / "one", model_scorer)
    assert message.startswith(not_yet_met(q4, "layers")) and "return_sequences=True" in message
    message = failure_message(q4, echo_model(loss="mae", epochs=1), right_echo, tmp_path / "mae", model_scorer)
    assert message.startswith(not_yet_met(q4, "compile"))
    message = failure_message(q4, echo_model(extra=("hidden dense",), epochs=1), right_echo, tmp_path / "dense", model_scorer)
    assert message.startswith(not_yet_met(q4, "layers")) and "exactly two" in message
    message = failure_message(q4, echo_model(epochs=1), right_echo, tmp_path / "short", model_scorer)
    assert message.startswith(not_yet_met(q4, "training")) and "10 epochs" in message


@pytest.mark.slow
def test_echo_visible_check_explains_return_sequences(right_echo, one_output_echo):
    q4.check(right_echo)
    with pytest.raises(CheckFailed, match="return_sequences=True"):
        q4.check(one_output_echo)
    x, y = echo_sequences(300, 1)
    assert np.mean(np.abs(right_echo.predict(x, verbose=0) - y)) < ECHO_MAE / 2


# Question 5: the sunspot forecaster.


def forecaster(
    layer="gru",
    units=16,
    scale=True,
    peek=False,
    last_sequences=False,
    epochs=20,
    batch_size=16,
    loss="mse",
    optimizer=None,
    stacked=False,
    windows_from_all_years=False,
    horizon=1,
    seed=0,
    functional=False,
    early_stopping=False,
    extra=(),
):
    """Lesson 10's forecaster, with the choices the question leaves open (and the lesson's mistakes) as switches."""
    import keras

    keras.utils.set_random_seed(seed)
    values = sunspots()[1]
    series = (values - values[:N_TRAIN].mean()) / values[:N_TRAIN].std() if scale else values
    train = (series if windows_from_all_years else series[:N_TRAIN]).astype("float32")
    x, y = make_windows(train, WINDOW, horizon)
    if peek:
        y = x[:, -1, 0]
    recurrent = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM, "simple": keras.layers.SimpleRNN}[layer]
    below = [recurrent(units, return_sequences=True)] if stacked else []
    if functional:  # a bidirectional GRU with dropout, through the functional API
        windows = keras.Input(shape=(WINDOW, 1))
        h = keras.layers.Bidirectional(keras.layers.GRU(units, dropout=0.1))(windows)
        h = keras.layers.Dropout(0.2)(h)
        model = keras.Model(windows, keras.layers.Dense(1)(h))
    else:
        model = keras.Sequential(
            [
                keras.Input(shape=(WINDOW, 1)),
                *below,
                recurrent(units, return_sequences=last_sequences),
                *extra,
                keras.layers.Dense(1),
            ]
        )
    model.compile(optimizer=optimizer or keras.optimizers.Adam(0.01), loss=loss)
    targets = np.repeat(y[:, None], WINDOW, axis=1)[..., None] if last_sequences else y
    # a validation split from the training years' last windows, and early stopping on it
    callbacks = [keras.callbacks.EarlyStopping(patience=8, restore_best_weights=True)] if early_stopping else []
    model.fit(
        x, targets, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=callbacks,
        validation_split=0.15 if early_stopping else 0.0,
    )
    return model


def conv_forecaster():
    """A Conv1D layer before the GRU: a layer family outside the question's budget (its weights are untrained)."""
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(WINDOW, 1)),
            keras.layers.Conv1D(8, 3, activation="relu"),
            keras.layers.GRU(8),
            keras.layers.Dense(1),
        ]
    )


def naive_forecaster():
    """Repeat the last value, wrapped as a Keras model: a Dense unit that reads only the last year."""
    import keras

    model = keras.Sequential([keras.Input(shape=(WINDOW, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    weights = np.zeros((WINDOW, 1), dtype="float32")
    weights[-1, 0] = 1.0
    model.layers[-1].set_weights([weights, np.zeros(1, dtype="float32")])
    return model


@pytest.fixture(scope="module")
def right_forecaster():
    return forecaster()


@pytest.mark.slow
def test_forecaster_is_scored_on_heldout_windows(right_forecaster, tmp_path, model_scorer):
    import keras

    statuses = judged(
        q5,
        {
            "right": right_forecaster,
            "LSTM of 24 units, 30 epochs of 32": forecaster(layer="lstm", units=24, epochs=30, batch_size=32, seed=1),
            "two stacked GRUs of 8 units, RMSprop": forecaster(
                units=8, stacked=True, optimizer=keras.optimizers.RMSprop(0.005), epochs=30, seed=2
            ),
            "SimpleRNN of 16 units on the absolute error": forecaster(layer="simple", loss="mae", seed=3),
            "functional bidirectional GRU, dropout, early stopping": forecaster(
                units=12, functional=True, epochs=100, early_stopping=True, seed=4
            ),
            "raw sunspot numbers": forecaster(scale=False),
            "target inside the window": forecaster(peek=True),
            "return_sequences on the last layer": forecaster(last_sequences=True),
            "naive forecast as a model": naive_forecaster(),
            "windows cut from the test years too": forecaster(windows_from_all_years=True),
            "LSTM of 24 units on the test years too": forecaster(
                layer="lstm", units=24, epochs=30, batch_size=32, windows_from_all_years=True
            ),
            "trained two years ahead": forecaster(horizon=2),
            "GRU of 48 units: over the budget": forecaster(units=48, epochs=1),
            "a Conv1D layer before the GRU": conv_forecaster(),
        },
        right_forecaster,
        tmp_path,
        model_scorer,
    )
    passing = {
        "right",
        "LSTM of 24 units, 30 epochs of 32",
        "two stacked GRUs of 8 units, RMSprop",
        "SimpleRNN of 16 units on the absolute error",
        "functional bidirectional GRU, dropout, early stopping",
    }
    assert statuses == {name: Status.PASSED if name in passing else Status.FAILED for name in statuses}


@pytest.mark.slow
def test_forecaster_failures_name_the_requirement(right_forecaster, tmp_path, model_scorer):
    message = failure_message(
        q5, forecaster(last_sequences=True, epochs=1), right_forecaster, tmp_path / "a", model_scorer
    )
    assert message.startswith(not_yet_met(q5, "layers")) and "return_sequences" in message
    message = failure_message(q5, conv_forecaster(), right_forecaster, tmp_path / "b", model_scorer)
    assert message.startswith(not_yet_met(q5, "params")) and "Conv1D" in message
    message = failure_message(q5, naive_forecaster(), right_forecaster, tmp_path / "c", model_scorer)
    assert message.startswith(not_yet_met(q5, "layers"))
    message = failure_message(
        q5, forecaster(windows_from_all_years=True), right_forecaster, tmp_path / "d", model_scorer
    )
    assert message.startswith(not_yet_met(q5, "training"))
    message = failure_message(q5, forecaster(scale=False), right_forecaster, tmp_path / "e", model_scorer)
    assert message.startswith(not_yet_met(q5, "heldout"))


def test_unseen_to_seen_error_compares_the_two_kinds_of_rows():
    from grader.heldout import make_heldout

    x, y = make_heldout("sunspot_seen_and_unseen_windows", b"one")
    assert x.shape == (len(sunspots()[1]) - WINDOW, WINDOW, 1) and y.shape == (len(x), 2)
    assert y[:, 1].sum() == len(sunspot_test_windows()[1]) and not y[: N_TRAIN - WINDOW, 1].any()
    assert np.allclose(x[N_TRAIN - WINDOW :], sunspot_test_windows()[0])
    targets = y[:, 0]
    errors = np.where(y[:, 1] > 0.5, 0.6, 0.3)
    assert metric_value((targets + errors)[:, None], y, "unseen_to_seen_error") == pytest.approx(4.0)
    assert metric_value(targets[:, None], y, "unseen_to_seen_error") == float("inf")


@pytest.mark.slow
def test_forecaster_visible_check_compares_with_the_naive_forecast(right_forecaster):
    q5.check(right_forecaster)
    with pytest.raises(CheckFailed, match="repeating the last value gives"):
        q5.check(naive_forecaster())
