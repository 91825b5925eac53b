"""Reference training for exercise 14's visible examples, the trusted side: Keras's own machinery.

Instructor-only: `grader publish` leaves `grader/references/` out of the student
bundle, and nothing a student runs imports it. The visible checks of questions 1
and 2 compare with the numbers these functions give, stored in
`keras_course.exercises.ex14_visible`; `tests/test_exercise_14.py` recomputes them.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def keras_step(model: Any, optimizer: Any, loss_fn: Any, x: np.ndarray, y: np.ndarray) -> float:
    """What Keras's own machinery does for one batch (train_on_batch): the same loss and weights as a correct step."""
    model.compile(optimizer=optimizer, loss=loss_fn)
    return float(model.train_on_batch(x, y))


def keras_fit(model: Any, optimizer: Any, loss_fn: Any, x: np.ndarray, y: np.ndarray, epochs: int,
              batch_size: int) -> dict[str, list[float]]:
    """What ``fit`` reports for the same loop (batches in order, no shuffling)."""
    import keras

    model.compile(optimizer=optimizer, loss=loss_fn, metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0).history
    return {name: [float(v) for v in history[name]] for name in ("loss", "accuracy")}
