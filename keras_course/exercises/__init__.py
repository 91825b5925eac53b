"""The graded exercises: one module per exercise notebook, named ``ex<notebook id>``.

Example:

>>> load_exercise("01_the_neuron").questions[0].id
'q1_weighted_sum'
"""

from __future__ import annotations

import importlib
import re

from keras_course.question import Exercise

_NOTEBOOK_ID = re.compile(r"^\d\d_[a-z0-9_]+$")


def load_exercise(notebook: str) -> Exercise:
    """Return the `Exercise` for a notebook id such as ``"01_the_neuron"``."""
    if not _NOTEBOOK_ID.match(notebook):
        raise KeyError(f"{notebook!r} is not a notebook id like '01_the_neuron'")
    name = f"{__name__}.ex{notebook}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:  # the module is there but imports something missing: say that, not "no module"
            raise
        raise KeyError(f"No exercise module keras_course/exercises/ex{notebook}.py") from exc
    return module.EXERCISE
