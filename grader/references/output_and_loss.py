"""Exercise 05, question 3's answer, the trusted side: the output activation and the losses that fit each task.

Instructor-only: `grader publish` leaves `grader/references/` out of the student
bundle; only the judge reads it (the visible check of the multiclass example
keeps its own pair in the exercise module). Names are what Keras's own `get`
functions resolve: ``activations.get(...).__name__`` and the loss function's
name (``keras.losses.get("mse")`` is ``mean_squared_error``; so is
``keras.losses.MeanSquaredError()``).
"""

from __future__ import annotations

RIGHT_PAIRS: dict[str, tuple[set[str], set[str]]] = {
    "binary": ({"sigmoid"}, {"binary_crossentropy"}),
    "multiclass": ({"softmax"}, {"sparse_categorical_crossentropy"}),
    "onehot": ({"softmax"}, {"categorical_crossentropy"}),
    "regression": ({"linear"}, {"mean_squared_error", "mean_absolute_error", "huber", "log_cosh"}),
}
