"""Keras callbacks judged by what they do: driven through a scripted training history, without training.

`run_on_history` plays a history epoch by epoch into a callback, on a
one-weight model whose weight names the epoch, and reports how many epochs
ran and which epoch's weights the model holds at the end (kernel side).

Example:

>>> import keras
>>> history = {"loss": [1.0, 0.9, 0.8], "val_loss": [0.5, 0.6, 0.7]}
>>> run_on_history(keras.callbacks.EarlyStopping(patience=1, restore_best_weights=True), history).tolist()
[2.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def run_on_history(callback: Any, history: dict[str, list[float]]) -> np.ndarray:
    """Drive ``callback`` through ``history`` (logs per epoch); return [epochs run, epoch whose weights are kept].

    At the end of epoch ``e`` (counted from 1) the model's only weight is ``e``,
    so the weight left after ``on_train_end`` names the epoch that was kept. The
    logs of an epoch hold every key of ``history``, in its order.
    """
    import keras

    model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["accuracy"])
    model.stop_training = False
    callback.set_model(model)
    callback.on_train_begin({})
    epochs = 0
    for epoch, values in enumerate(zip(*history.values(), strict=True)):
        callback.on_epoch_begin(epoch, {})
        model.set_weights([np.full((1, 1), epoch + 1.0, dtype=np.float32), np.zeros(1, dtype=np.float32)])
        callback.on_epoch_end(epoch, dict(zip(history, values, strict=True)))
        epochs = epoch + 1
        if model.stop_training:
            break
    callback.on_train_end({})
    return np.array([epochs, float(model.get_weights()[0][0, 0])])


def runs_on_histories(callback: Any, histories: Sequence[dict[str, list[float]]]) -> np.ndarray:
    """`run_on_history` on each history in turn, the same callback object: one row [epochs run, epoch kept] each.

    >>> import keras
    >>> histories = [{"val_loss": [0.5, 0.6, 0.7]}, {"val_loss": [0.9, 0.8]}]
    >>> runs_on_histories(keras.callbacks.EarlyStopping(patience=1, restore_best_weights=True), histories).tolist()
    [[2.0, 1.0], [2.0, 2.0]]
    """
    return np.array([run_on_history(callback, history) for history in histories])
