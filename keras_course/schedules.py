"""Learning-rate schedules as Keras runs them: the rates a schedule gives, the rates a fit logged.

`schedule_rates` calls a student's schedule the way
``keras.callbacks.LearningRateScheduler`` does (kernel side); `logged_rates`
reads the rates a model's last fit logged (kernel side); `step_decay_problem`
says whether logged rates follow a step decay (either side).

Example:

>>> schedule_rates(lambda epoch, lr: 0.1 * 0.5 ** (epoch // 2), 0.1, 4)
array([0.1 , 0.1 , 0.05, 0.05])
>>> step_decay_problem((), [0.1, 0.1, 0.09, 0.08]) is None
False
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from keras_course.checks import describe
from keras_course.probes import FunctionProbe, function_probes


def schedule_rates(schedule: Any, initial_lr: float, epochs: int, with_types: bool = False) -> np.ndarray:
    """The rate of each epoch, called the way LearningRateScheduler calls it (kernel side).

    Keras passes the optimizer's current rate as the second argument (the
    optimizer starts at ``initial_lr``; Keras keeps it in float32), and falls
    back to ``schedule(epoch)`` when the function takes one argument. With
    ``with_types`` a second row says, per epoch, whether the rate was a float
    as Keras requires (1.0) or not (0.0).
    """
    if not callable(schedule):
        raise TypeError(f"make_step_decay returned {describe(schedule)}, not a function schedule(epoch, lr)")
    rates, floats, current = [], [], float(np.float32(initial_lr))
    for epoch in range(epochs):
        try:
            rate = schedule(epoch, current)
        except TypeError:
            rate = schedule(epoch)
        floats.append(1.0 if isinstance(rate, float | np.float32 | np.float64) else 0.0)
        rates.append(float(rate))
        current = float(np.float32(rates[-1]))
    return np.array([rates, floats]) if with_types else np.array(rates)


def logged_rates(model: Any) -> Callable[[], np.ndarray]:
    """A function returning the rates LearningRateScheduler logged in the model's last fit (kernel side).

    ``fit`` leaves its History on the model (``model.history``); only a rate
    callback such as LearningRateScheduler adds ``learning_rate`` to it, one
    value per epoch. The saved model cannot tell: its optimizer keeps the last
    rate only, in the compile config and the optimizer state alike.
    """

    def rates() -> np.ndarray:
        history = getattr(getattr(model, "history", None), "history", None)
        logged = history.get("learning_rate", []) if isinstance(history, dict) else []
        return np.asarray(logged, dtype=np.float64).reshape(-1)

    return rates


def step_decay_problem(args: tuple, rates: Any) -> str | None:
    """The logged rates follow a step decay: initial_lr for ``every`` epochs, then times ``drop`` < 1 each ``every``."""
    rates = np.asarray(rates, dtype=np.float64).reshape(-1)
    if rates.size == 0:
        return (
            "no logged learning rates: the model's last fit ran without "
            "callbacks=[keras.callbacks.LearningRateScheduler(make_step_decay(...))]"
        )
    changes = np.flatnonzero(~np.isclose(rates, rates[0], rtol=1e-5, atol=0.0))
    if changes.size == 0:
        return None  # a schedule whose first drop comes after the last epoch
    every = int(changes[0])
    drop = rates[every] / rates[0]
    steps = rates[0] * drop ** (np.arange(rates.size) // every)
    if 0.0 < drop < 1.0 and np.allclose(rates, steps, rtol=1e-4, atol=0.0):
        return None
    return "learning rates that do not follow a step decay (the rate times drop every `every` epochs)"


def rates_problem(made: str, rates: Any, want: Any) -> str | None:
    """What is wrong with a schedule's rates against the ``want``ed ones, epoch by epoch, or None.

    ``made`` says how the schedule was made, e.g. ``"make_step_decay(0.1, 0.5, 3)"``.

    >>> rates_problem("f()", [0.1, 0.1], [0.1, 0.05])
    'a rate of 0.1 at epoch 1 (counting from 0, as Keras does) for f(); it should be 0.05'
    """
    want = np.asarray(want, dtype=float)
    rates = np.asarray(rates, dtype=float)
    if rates.shape != want.shape:
        return f"{rates.shape[0] if rates.ndim == 1 else describe(rates)} rates for {want.size} epochs"
    bad = ~np.isclose(rates, want, rtol=1e-5, atol=1e-12)
    if not bad.any():
        return None
    epoch = int(np.argwhere(bad)[0][0])
    return (
        f"a rate of {rates[epoch]:.6g} at epoch {epoch} (counting from 0, as Keras does) for {made}; it should be "
        f"{want[epoch]:.6g}"
    )


def float_rates_problem(args: tuple, output: np.ndarray) -> str | None:
    """A probe's ``verify``: every rate `schedule_rates` recorded ``with_types`` is a float, as Keras requires.

    >>> float_rates_problem((), np.array([[0.1, 0.1], [1.0, 0.0]]))[:20]
    'a rate at epoch 1 th'
    """
    if output.ndim != 2 or output.shape[0] != 2:
        return "no rates"
    if np.all(output[1] == 1.0):
        return None
    epoch = int(np.argwhere(output[1] != 1.0)[0][0])
    return (
        f"a rate at epoch {epoch} that is not a Python or NumPy float (LearningRateScheduler stops with a "
        "ValueError then): return float(...)"
    )


def schedule_holds(made: str, initial_lr: float, want: list[float]) -> Callable[[Any], str | None]:
    """A visible check's ``holds``: the schedule, run as Keras runs it from ``initial_lr``, gives the rates ``want``.

    >>> schedule_holds("f()", 0.1, [0.1, 0.05])(lambda epoch, lr: 0.1)
    'gave a rate of 0.1 at epoch 1 (counting from 0, as Keras does) for f(); it should be 0.05.'
    """

    def holds(schedule: Any) -> str | None:
        try:
            rates = schedule_rates(schedule, initial_lr, len(want))
        except Exception as exc:  # noqa: BLE001 - the student's schedule may raise anything
            return f"the schedule raised {type(exc).__name__}: {exc}."
        problem = rates_problem(made, rates, want)
        return f"gave {problem}." if problem else None

    return holds


def schedule_probes(
    configs: list[tuple], made: Callable[[tuple], str], want: Callable[[tuple], list[float]], label: str
) -> tuple[FunctionProbe, ...]:
    """The hidden probes of a function that makes a schedule: its rates (requirement "rates"), and floats ("float").

    Each config is the maker's arguments, the initial rate first, then the number of epochs to run; the
    schedule runs as LearningRateScheduler runs it, in the kernel. ``want(config)`` gives the right rates
    (judge side: it may import instructor-side code); ``made(config)`` says how the schedule was made.

    >>> probes = schedule_probes([(0.1, 2, 3)], lambda c: "f(0.1, 2)", lambda c: [0.1, 0.1, 0.05], "schedules")
    >>> [(p.covers, p.cases()) for p in probes]
    [(('rates',), [(0.1, 2)]), (('float',), [(0.1, 2)])]
    """

    def config_of(args: tuple) -> tuple:
        return next(config for config in configs if config[:-1] == tuple(args))

    def observe(args: tuple, schedule: Any) -> np.ndarray:
        config = config_of(args)
        return schedule_rates(schedule, config[0], config[-1], with_types=True)

    def verify(args: tuple, output: np.ndarray) -> str | None:
        config = config_of(args)
        if output.ndim != 2 or output.shape[0] != 2:
            return "no rates"
        return rates_problem(made(config), output[0], want(config))

    def cases() -> list[tuple]:
        return [config[:-1] for config in configs]

    return function_probes(
        (cases, label, ("rates",), {"verify": verify}),
        (cases, label, ("float",), {"verify": float_rates_problem}),
        observe=observe,
    )
