"""Hidden probes: what each kind collects in the student's kernel.

Each class is one kind of hidden test. Its ``collect(answer, directory,
question)`` runs *in the student's kernel*: it calls the student's function on
fixed inputs, or saves the student's model, and returns plain data for the
channel. It decides nothing. The verdict is the other half, on the
instructor's side only (`grader.probe_verdicts`): it compares that data with
the answer key (the same probe run on the instructor's solution at build time)
using tolerances from the probe, never from the data, and scores saved models
on held-out data the sandbox never saw.

Example:

>>> probe = FunctionProbe(cases=lambda: [(1.0,)], rtol=1e-6)
>>> probe.collect(lambda x: 2 * x, Path("."), "q")["case0"]["data"]
[2.0]
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from keras_course.channel import Unencodable, encode
from keras_course.keras_names import keras_name
from keras_course.measures import fold_activations
from keras_course.model_report import ModelReport
from keras_course.model_spec import ModelSpec


def _error_item(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, NotImplementedError):
        return {"type": "error", "kind": "not_attempted", "message": "NotImplementedError"}
    kind = "unencodable" if isinstance(exc, Unencodable) else "error"
    return {"type": "error", "kind": kind, "message": f"{type(exc).__name__}: {exc}"[:500]}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


def _arrays_in(value: Any) -> list[np.ndarray]:
    """Every NumPy array in ``value`` (nested in lists, tuples and dicts), in a fixed order."""
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, list | tuple) and value and all(_is_number(part) for part in value):
        return [np.asarray(value, dtype=np.float64)]  # a list of sizes, say: the student may change it too
    if isinstance(value, list | tuple) and value and all(isinstance(part, str) for part in value):
        return [np.asarray(value, dtype=object)]  # a list of texts: compared by their digest
    if isinstance(value, list | tuple):
        return [array for part in value for array in _arrays_in(part)]
    if isinstance(value, dict):
        return [array for name in sorted(value, key=str) for array in _arrays_in(value[name])]
    return []


def arguments_state(args: Any) -> dict[str, Any]:
    """Plain data describing the arrays in ``args``: their shapes, their numbers, a digest of the rest.

    The kernel records it after calling the student's function; the judge
    computes it on its own copy of the hidden inputs and compares the two, so a
    function that writes into its arguments is seen. Numbers are compared with
    a tolerance (an update undone by the opposite update may leave rounding).

    >>> state = arguments_state([np.zeros((2, 3)), {"b": np.ones(2)}])
    >>> state["shapes"]["shape"], len(state["values"]["data"])
    ([5], 8)
    """
    arrays = _arrays_in(args)
    numeric = [a for a in arrays if a.dtype.kind in "biuf"]
    others = hashlib.sha256(b"".join(repr(a.tolist()).encode() for a in arrays if a.dtype.kind not in "biuf"))
    shapes = [n for a in numeric for n in (a.ndim, *a.shape)]
    values = np.concatenate([a.astype(np.float64).ravel() for a in numeric]) if numeric else np.zeros(0)
    if values.size > 200_000:
        others.update(values.tobytes())
        values = np.zeros(0)
    return {"shapes": encode(np.array(shapes, dtype=np.int64)), "values": encode(values), "others": encode(others.hexdigest())}


def _private_copy(value: Any) -> Any:
    """A copy of the arrays in ``value`` (through lists, tuples and dicts); other objects are passed as they are.

    Models, optimizers and generators are not copied: a probe that hands them
    over means the student's code to use (and change) them.
    """
    if isinstance(value, np.ndarray):
        return value.copy()
    if type(value) in (list, tuple):
        return type(value)(_private_copy(part) for part in value)
    if type(value) is dict:
        return {name: _private_copy(part) for name, part in value.items()}
    return value


def _with_generator(args: tuple, position: int | None, seed_shift: int = 0) -> tuple:
    """Replace the integer seed at ``position`` with a fresh ``np.random.Generator``."""
    if position is None:
        return args
    seeded = list(args)
    seeded[position] = np.random.default_rng(int(args[position]) + seed_shift)
    return tuple(seeded)


_OTHER_SEED = 7919


def _scramble_global_random(salt: int) -> None:
    """Reseed the global random states, so code that ignores its generator gives different results."""
    import random
    import sys

    np.random.seed(salt)
    random.seed(salt)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(salt)


@dataclass(frozen=True)
class FunctionProbe:
    """Call the student's function on hidden cases and compare with the key.

    Beyond the values, it checks that the function leaves its arguments as they
    were (when the instructor's answer does), and, for a function that takes a
    random generator, that its randomness comes from that generator alone.

    Args:
        cases: returns a list of argument tuples (built lazily, seeded).
        rtol: relative tolerance. Defaults to 1e-5.
        atol: absolute tolerance. Defaults to 1e-7.
        verify: ``verify(args, output) -> problem or None`` to accept every
            output with a property instead of one exact value (trained
            weights, say). When given, the key is not compared. Defaults to None.
        label: what the cases are, for messages. Defaults to "a hidden input".
        transform: turns the answer's result into one array in the kernel (for
            functions that return a tuple, say). Defaults to None.
        covers: ids of the question's requirements this probe checks; a failure
            names the first (or ``unchanged`` / ``generator`` when that is what
            failed and the question lists it). Defaults to ().
        generator: position of the argument that is a random generator. The
            cases hold an integer seed there; the probe passes
            ``np.random.default_rng(seed)``, calls again with the same seed (after
            reseeding NumPy's, Python's and Keras's global state) and once with
            another seed, and the judge requires the same result for the same
            seed and, where the instructor's answer differs, a different one for
            another seed. Defaults to None.
        observe: ``observe(args, result) -> value``, run in the kernel right
            after the call, to record what the call did, not only what it
            returned (a model's weights after a training step, a fit run with
            the student's callback). Defaults to None (the result itself).
        select: picks the function to call from the answer, for a question that
            asks for several functions: the hidden cell passes them together,
            ``q3.probe((encode, decode))``, and each probe selects
            one, ``select=lambda answer: answer[0]``. Defaults to None (the
            answer is the function).

    Example (a function that must not change its input; the kernel records
    the result and the arguments' state after the call):

    >>> probe = FunctionProbe(cases=lambda: [(np.ones(2),)], covers=("value",))
    >>> sorted(probe.collect(lambda a: a.sum(), Path("."), "q"))
    ['case0', 'case0.after']
    """

    cases: Callable[[], list[tuple]]
    rtol: float = 1e-5
    atol: float = 1e-7
    verify: Callable[[tuple, np.ndarray], str | None] | None = None
    label: str = "a hidden input"
    transform: Callable[[Any], Any] | None = None
    covers: tuple[str, ...] = ()
    generator: int | None = None
    observe: Callable[[tuple, Any], Any] | None = None
    select: Callable[[Any], Any] | None = None

    def _call(self, answer: Any, args: tuple, seed_shift: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
        """One call: its encoded result (or error item) and the state of its arguments afterwards."""
        given = _private_copy(_with_generator(args, self.generator, seed_shift))
        try:
            result = answer(*given)
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            item = _error_item(exc)
        else:
            item = self._result_item(given, result)
        kept = [a for i, a in enumerate(given) if i != self.generator]
        return item, arguments_state(kept)

    def _result_item(self, given: tuple, result: Any) -> dict[str, Any]:
        """The call's result as plain data; a result of the wrong form is a failed answer, not a crash."""
        try:
            if self.observe is not None:
                result = self.observe(given, result)
            return encode(self.transform(result) if self.transform else result)
        except Unencodable as exc:
            return _error_item(exc)
        except Exception as exc:  # noqa: BLE001 - the result may break the observer or transform in any way
            return {"type": "error", "kind": "malformed", "message": f"{exc}"[:500]}

    def collect(self, answer: Any, directory: Path, question: str) -> dict[str, Any]:
        if self.select is not None:
            answer = self.select(answer)
        items: dict[str, Any] = {}
        for index, args in enumerate(self.cases()):
            name = f"case{index}"
            if self.generator is not None:
                _scramble_global_random(1000 + index)
            items[name], items[f"{name}.after"] = self._call(answer, args)
            if self.generator is not None:
                _scramble_global_random(2000 + index)
                items[f"{name}.again"], _ = self._call(answer, args)
                items[f"{name}.other"], _ = self._call(answer, args, seed_shift=_OTHER_SEED)
        return items


def function_probes(*rows: tuple, **shared: Any) -> tuple[FunctionProbe, ...]:
    """Several `FunctionProbe` that share settings, one per row: a table of what each one tries.

    Args:
        rows: ``(cases, label, covers)`` or ``(cases, label, covers, settings)``.
            ``covers`` is a requirement id, covered together with "unchanged",
            or a tuple of ids taken as it is; ``settings`` (a dict) adds to or
            overrides ``shared`` for that row.
        shared: `FunctionProbe` settings every row gets (``transform``, ``verify``, ``rtol``, ...).

    Example:

    >>> probes = function_probes(
    ...     (lambda: [(1.0,)], "a hidden number", "value"),
    ...     (lambda: [(-1.0,)], "a hidden negative number", ("sign",), {"rtol": 0.0}),
    ...     atol=0.0,
    ... )
    >>> [(p.label, p.covers, p.rtol, p.atol) for p in probes]
    [('a hidden number', ('value', 'unchanged'), 1e-05, 0.0), ('a hidden negative number', ('sign',), 0.0, 0.0)]
    """
    probes = []
    for cases, label, covers, *own in rows:
        settings = {**shared, **(own[0] if own else {})}
        covered = (covers, "unchanged") if isinstance(covers, str) else tuple(covers)
        probes.append(FunctionProbe(cases=cases, label=label, covers=covered, **settings))
    return tuple(probes)


@dataclass(frozen=True)
class ValueProbe:
    """Record a value the student computed and compare it with the key.

    Example:

    >>> ValueProbe(rtol=1e-3, label="the learning rate").collect(0.01, Path("."), "q2_rate")["value"]["data"]
    [0.01]
    """

    rtol: float = 1e-6
    atol: float = 1e-8
    label: str = "this value"
    covers: tuple[str, ...] = ()

    def collect(self, answer: Any, directory: Path, question: str) -> dict[str, Any]:
        try:
            return {"value": encode(answer)}
        except Unencodable as exc:
            return {"value": _error_item(exc)}


@dataclass(frozen=True)
class ModelRule:
    """One requirement of a saved model, decided on the trusted scorer's report of it.

    Args:
        aspect: what it is about: "input", "layers", "compile", "params",
            "preprocessing", "masking", "trainable", "weights" or "heldout". A
            failure names the question's requirement with this id when the
            question lists one, else the probe's first.
        check: ``check(report) -> problem or None``; the report is what
            `grader.modelscore.describe_model` measured on the loaded model
            (``layers``, ``all_layers``, ``compile``, ``params``, ...). The
            problem reads after "your model": "has no Normalization layer".

    Example:

    >>> rule = ModelRule("params", lambda r: None if r["params"] <= 100 else f"has {r['params']} parameters")
    >>> rule.check({"params": 120})
    'has 120 parameters'
    """

    aspect: str
    check: Callable[[ModelReport], str | None]


@dataclass(frozen=True)
class ModelRequirements:
    """Architecture rules a saved model must meet (checked on its config, not its internals).

    The last layer is read with activation layers folded in, so
    ``Dense(1)`` + ``Activation("sigmoid")`` meets ``output_activation="sigmoid"``.

    Args:
        spec: the architecture the question asks for, the same `ModelSpec`
            its visible `keras_course.checks.ModelCheck` reads. Defaults to
            ModelSpec() (any shape).
        rules: further requirements (compile settings, hidden layers,
            preprocessing statistics, ...), see `ModelRule` and the rule
            builders below. Defaults to ().

    Example:

    >>> spec = ModelSpec(input_shape=(2,), output_units=1, max_params=10)
    >>> report = {"input_shape": [2], "params": 12, "layers": [{"class_name": "Dense", "units": 1, "activation": "linear"}]}
    >>> ModelRequirements(spec).problems(report)
    [('params', 'it has 12 parameters, more than 10')]
    """

    spec: ModelSpec = field(default_factory=ModelSpec)
    rules: tuple[ModelRule, ...] = ()

    def problems(self, report: ModelReport) -> list[tuple[str, str]]:
        """Every unmet rule as ``(aspect, what is wrong)``, in the order the rules are stated."""
        spec = self.spec
        found: list[tuple[str, str]] = []
        layers = fold_activations(report.get("layers", []))
        last = layers[-1] if layers else {}
        if spec.input_shape is not None and tuple(report.get("input_shape") or ()) != tuple(spec.input_shape):
            found.append(("input", f"it takes inputs of shape {tuple(report.get('input_shape') or ())}, not {tuple(spec.input_shape)}"))
        if spec.output_units is not None and last.get("units") != spec.output_units:
            found.append(("layers", f"its last layer has {last.get('units')} units, not {spec.output_units}"))
        if spec.output_activation and last.get("activation") != spec.output_activation:
            found.append(("layers", f"its last layer's activation is {last.get('activation')!r}, not {spec.output_activation!r}"))
        if spec.max_params is not None and report.get("params", 0) > spec.max_params:
            found.append(("params", f"it has {report.get('params')} parameters, more than {spec.max_params}"))
        for name, least in spec.layer_counts.items():
            have = sum(1 for layer in report.get("all_layers", layers) if layer.get("class_name") == name)
            if have < least:
                found.append(("layers", f"it has {have} {name} layer(s), fewer than {least}"))
        for rule in self.rules:
            try:
                problem = rule.check(report)
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                problem = f"could not be checked ({type(exc).__name__}: {exc})"
            if problem:
                found.append((rule.aspect, problem))
        return found


# Rule builders: the common model requirements, each one `ModelRule`. -----------------------------


def compiled_with(
    loss: str | None = None,
    optimizer: str | None = None,
    learning_rate: float | None = None,
    rtol: float = 1e-6,
    **settings: Any,
) -> ModelRule:
    """The model was compiled with this loss, optimizer class, learning rate and optimizer settings.

    Names are Keras's own: the loss as ``keras.losses.get`` resolves it
    (``"mse"`` and ``"mean_squared_error"`` are one loss), the optimizer's class
    name (``"Adam"``). ``settings`` may hold ``from_logits=`` (a loss setting)
    or optimizer settings such as ``momentum=0.9``.
    Example:

    >>> rule = compiled_with(optimizer="Adam", learning_rate=0.001)
    >>> rule.check({"compile": {"optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.01}}}})
    "is compiled with the optimizer 'SGD', not 'Adam'"
    >>> rule.check({"compile": {"optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.001}}}}) is None
    True
    """
    loss_settings = {k: v for k, v in settings.items() if k in {"from_logits", "label_smoothing"}}
    optimizer_settings = {k: v for k, v in settings.items() if k not in loss_settings}

    def check(report: dict[str, Any]) -> str | None:
        compiled = report.get("compile")
        if not compiled:
            return "was saved without compile settings: call `model.compile(...)` before training and saving it"
        if loss is not None:
            got = (compiled.get("loss") or {}).get("name")
            if got != _loss_name(loss):
                return f"is compiled with the loss {got!r}, not {loss!r}"
            loss_config = (compiled.get("loss") or {}).get("config") or {}
            for name, wanted in loss_settings.items():
                if loss_config.get(name, False) != wanted:
                    return f"uses the loss with {name}={loss_config.get(name)!r}, not {wanted!r}"
        opt = compiled.get("optimizer") or {}
        if optimizer is not None and opt.get("class_name") != optimizer:
            return f"is compiled with the optimizer {opt.get('class_name')!r}, not {optimizer!r}"
        config = opt.get("config") or {}
        if learning_rate is not None:
            rate = config.get("learning_rate")
            if not isinstance(rate, int | float) or not np.isclose(rate, learning_rate, rtol=rtol, atol=0.0):
                return f"uses a learning rate of {rate!r}, not {learning_rate!r}"
        for name, wanted in optimizer_settings.items():
            got_value = config.get(name)
            same = (
                np.isclose(got_value, wanted, rtol=rtol, atol=0.0)
                if isinstance(wanted, float) and isinstance(got_value, int | float)
                else got_value == wanted
            )
            if not same:
                return f"uses the optimizer with {name}={got_value!r}, not {wanted!r}"
        return None

    return ModelRule("compile", check)


def _metric_names(value: Any) -> list[str]:
    """Keras's class names for compiled metrics (strings as ``keras.metrics.get`` resolves them, saved objects by class)."""
    if isinstance(value, list | tuple):
        return [name for part in value for name in _metric_names(part)]
    if isinstance(value, dict):
        return [str(value.get("class_name"))] if "class_name" in value else _metric_names(list(value.values()))
    if isinstance(value, str):
        found = keras_name("metric", value)  # Keras 3 resolves names to metric objects
        return [found] if found else []
    return []


def compiled_metric(wanted: str, accepted: set[str], aliases: frozenset[str] = frozenset({"accuracy", "acc"})) -> ModelRule:
    """The model was compiled with a metric Keras resolves to one of the ``accepted`` classes.

    ``aliases`` are the strings ``compile`` itself turns into the metric that
    fits the loss ("accuracy" and "acc" become SparseCategoricalAccuracy for
    the sparse loss, BinaryAccuracy for the binary one); anything else is
    resolved with ``keras.metrics.get``, so ``keras.metrics.Accuracy()`` (exact
    equality of probabilities and labels) is not the accuracy asked for.

    >>> rule = compiled_metric("mae", {"MeanAbsoluteError"}, aliases=frozenset())
    >>> rule.check({"compile": {"metrics": ["mae"]}}) is None
    True
    >>> rule.check({"compile": {"metrics": []}})
    "is compiled without the metric 'mae': pass metrics=['mae']"
    """

    def check(report: dict[str, Any]) -> str | None:
        metrics = (report.get("compile") or {}).get("metrics")
        given = metrics if isinstance(metrics, list | tuple) else [metrics]
        if any(isinstance(entry, str) and entry in aliases for entry in given):
            return None
        names = _metric_names(metrics)
        if accepted & set(names):
            return None
        if "Accuracy" in names:
            return (
                "is compiled with keras.metrics.Accuracy(), which counts exact equality of probabilities and "
                f"labels: pass metrics=[{wanted!r}]"
            )
        return f"is compiled without the metric {wanted!r}: pass metrics=[{wanted!r}]"

    return ModelRule("compile", check)


def _loss_name(identifier: str) -> str:
    """The canonical name Keras gives a loss identifier (``"mse"`` -> ``"mean_squared_error"``).

    Raises:
        ValueError: Keras knows no such loss (a mistake in the question, not in an answer).
    """
    found = keras_name("loss", identifier)
    if found is None:
        raise ValueError(f"keras.losses.get does not know the loss {identifier!r}: check the question's compiled_with(loss=...)")
    return found


def trained_for(epochs: int, batch_size: int, n_train: int | Callable[[], int]) -> ModelRule:
    """The model was trained with ``fit`` for ``epochs`` epochs of ``batch_size`` on ``n_train`` examples.

    Read from the step count the saved optimizer keeps (``ceil(n_train / batch_size)``
    steps an epoch), so another number of epochs, another batch size or
    another training set shows. ``n_train`` may be a function, called on the
    trusted side when the rule is checked.
    Example:

    >>> rule = trained_for(epochs=5, batch_size=32, n_train=100)  # 4 steps an epoch
    >>> rule.check({"compile": {"optimizer_state": {"iterations": 20}}}) is None
    True
    >>> rule.check({"compile": {"optimizer_state": {"iterations": 12}}})
    'took 12 training steps, where 5 epochs of batch_size=32 on the 100 training examples take 20'
    """

    def check(report: dict[str, Any]) -> str | None:
        state = (report.get("compile") or {}).get("optimizer_state") or {}
        steps = int(state.get("iterations") or 0)
        size = n_train() if callable(n_train) else n_train
        per_epoch = -(-size // batch_size)
        if steps == epochs * per_epoch:
            return None
        if not steps:
            return "was saved without any training steps: compile it, train it with fit, then save it"
        return (
            f"took {steps} training steps, where {epochs} epochs of batch_size={batch_size} on the "
            f"{size} training examples take {epochs * per_epoch}"
        )

    return ModelRule("training", check)


def hidden_layers(class_name: str, units: tuple[int, ...] | None = None, activation: str | None = None) -> ModelRule:
    """The layers of ``class_name`` before the last one have these units and this activation, in order.

    Activation layers are folded into the layer before them.
    Example:

    >>> report = {"layers": [{"class_name": "Dense", "units": 32, "activation": "relu"},
    ...                      {"class_name": "Dense", "units": 1, "activation": "sigmoid"}]}
    >>> hidden_layers("Dense", units=(32,), activation="relu").check(report) is None
    True
    >>> hidden_layers("Dense", units=(16,)).check(report)
    'has hidden Dense layers of [32] units, not [16]'
    """

    def check(report: dict[str, Any]) -> str | None:
        layers = [layer for layer in fold_activations(report.get("layers", [])) if layer.get("class_name") == class_name]
        hidden = layers[:-1]
        if units is not None and tuple(layer.get("units") for layer in hidden) != tuple(units):
            return f"has hidden {class_name} layers of {[layer.get('units') for layer in hidden]} units, not {list(units)}"
        if activation is not None:
            wrong = [layer.get("activation") for layer in hidden if layer.get("activation") != activation]
            if wrong:
                return f"has a hidden {class_name} layer with the activation {wrong[0]!r}, not {activation!r}"
        return None

    return ModelRule("layers", check)


def only_layers(allowed: set[str], aspect: str = "layers") -> ModelRule:
    """Every layer (nested models opened up) is of one of the ``allowed`` classes.

    Input layers and the models that hold layers (Sequential, Functional) always are.
    Example:

    >>> only_layers({"Dense"}).check({"all_layers": [{"class_name": "InputLayer"}, {"class_name": "Conv2D"}]})
    'uses layers that this question does not allow: Conv2D'
    """
    allowed = {*allowed, "InputLayer", "Sequential", "Functional"}

    def check(report: dict[str, Any]) -> str | None:
        others = sorted({layer["class_name"] for layer in report.get("all_layers", []) if layer.get("class_name") not in allowed})
        return f"uses layers that this question does not allow: {', '.join(others)}" if others else None

    return ModelRule(aspect, check)


def layer_setting(class_name: str, setting: str, wanted: Any, aspect: str = "layers") -> ModelRule:
    """Every layer of ``class_name`` (at least one) has ``setting`` equal to ``wanted`` in its config.

    Example:

    >>> rule = layer_setting("Embedding", "mask_zero", True)
    >>> rule.check({"all_layers": [{"class_name": "Embedding", "config": {"mask_zero": False}}]})
    'has a Embedding layer with mask_zero=False, where mask_zero=True is asked for'
    """

    def check(report: dict[str, Any]) -> str | None:
        layers = layers_of(report, class_name)
        if not layers:
            return f"has no {class_name} layer"
        for layer in layers:
            got = (layer.get("config") or {}).get(setting)
            if got != wanted:
                return f"has a {class_name} layer with {setting}={got!r}, where {setting}={wanted!r} is asked for"
        return None

    return ModelRule(aspect, check)


def layers_of(report: dict[str, Any], class_name: str) -> list[dict[str, Any]]:
    """Every layer of ``class_name`` in a scorer's model report, nested models opened up.

    >>> layers_of({"all_layers": [{"class_name": "Dense"}, {"class_name": "Dropout"}]}, "Dense")
    [{'class_name': 'Dense'}]
    """
    return [layer for layer in report.get("all_layers", []) if layer.get("class_name") == class_name]


def exact_params(count: int) -> ModelRule:
    """The model has exactly ``count`` parameters, counted by the scorer on the saved model.

    >>> exact_params(10).check({"params": 12})
    'has 12 parameters, not 10'
    """

    def check(report: dict[str, Any]) -> str | None:
        return None if report.get("params") == count else f"has {report.get('params')} parameters, not {count}"

    return ModelRule("params", check)


def normalization_matches(statistics: Callable[[], tuple[np.ndarray, np.ndarray]], rtol: float = 1e-3, atol: float = 1e-6) -> ModelRule:
    """The model's Normalization layer learned the mean and variance that ``statistics()`` computes (trusted side).

    Example:

    >>> rule = normalization_matches(lambda: (np.zeros(2), np.ones(2)))
    >>> rule.check({"all_layers": [{"class_name": "Normalization", "mean": [0.0, 0.0], "variance": [1.0, 1.0]}]}) is None
    True
    >>> rule.check({"all_layers": [{"class_name": "Normalization", "mean": [0.5, 0.0], "variance": [1.0, 1.0]}]})[:48]
    'has a Normalization layer adapted on other data '
    """

    def check(report: dict[str, Any]) -> str | None:
        layers = layers_of(report, "Normalization")
        if not layers:
            return "has no Normalization layer"
        mean, variance = (np.asarray(a, dtype=np.float64).ravel() for a in statistics())
        got_mean = np.asarray(layers[0].get("mean") or [], dtype=np.float64)
        got_variance = np.asarray(layers[0].get("variance") or [], dtype=np.float64)
        if got_mean.shape != mean.shape or got_variance.shape != variance.shape:
            return "has a Normalization layer adapted to data of another shape"
        if not (np.allclose(got_mean, mean, rtol=rtol, atol=atol) and np.allclose(got_variance, variance, rtol=rtol, atol=atol)):
            return "has a Normalization layer adapted on other data than the training split (call `adapt` on the training inputs only)"
        return None

    return ModelRule("preprocessing", check)


@dataclass(frozen=True)
class ModelProbe:
    """Save the student's trained Keras model; the judge scores it on held-out data.

    Args:
        heldout: name of a held-out set in `grader.heldout` (made from the
            course's secret; it never enters the sandbox).
        metric: a name in `grader.modelscore.METRICS`: "accuracy" (higher is
            better), "mae" / "mse" (lower is better), ... Defaults to "accuracy".
        threshold: the score the model must reach (at least, or at most for errors).
        requirements: architecture, compile and preprocessing rules. Defaults to none.
        covers: ids of the question's requirements this probe checks; a failed
            rule names the requirement whose id is its aspect ("compile",
            "layers", "heldout", ...) when the question lists it. Defaults to ().
        weights_of: names of (small) layers whose trained weights the scorer
            reports, for rules that compare them. Defaults to ().
    Example:

    >>> probe = ModelProbe(heldout="digits", threshold=0.9, requirements=ModelRequirements(ModelSpec(output_units=10)),
    ...                    covers=("heldout", "layers"))
    >>> probe.metric, probe.requirements.spec.output_units
    ('accuracy', 10)
    """

    heldout: str
    threshold: float
    metric: str = "accuracy"
    requirements: ModelRequirements = field(default_factory=ModelRequirements)
    covers: tuple[str, ...] = ()
    weights_of: tuple[str, ...] = ()


    def collect(self, answer: Any, directory: Path, question: str) -> dict[str, Any]:
        import keras

        if not isinstance(answer, keras.Model):
            return {"model": _error_item(Unencodable(f"a {type(answer).__name__}, not a Keras model"))}
        name = f"{question}.keras"
        try:
            answer.save(directory / name)
        except Exception as exc:  # noqa: BLE001 - saving a student's model may fail in many ways
            return {"model": _error_item(exc)}
        return {"model": {"type": "file", "name": name}}


Probe = FunctionProbe | ValueProbe | ModelProbe


def numpy_result(result: Any) -> Any:
    """Kernel side: ``result`` as it is, unless it is a Python list or tuple where the question asks for an array.

    Use it in a FunctionProbe's ``transform`` when the question's text says
    "returns an array": a list of numbers encodes like an array, so without it
    ``[row @ w + b for row in x]`` would pass for ``x @ w + b``. The error
    reaches the judge as an answer of the wrong form, which fails.

    >>> numpy_result(np.zeros(2)).shape
    (2,)
    >>> numpy_result([0.5, 0.25])
    Traceback (most recent call last):
    ...
    ValueError: a list where a NumPy array was expected: build it with NumPy operations or wrap it in np.array(...)
    """
    if isinstance(result, list | tuple):
        raise ValueError(
            f"a {type(result).__name__} where a NumPy array was expected: build it with NumPy operations or wrap "
            "it in np.array(...)"
        )
    return result


def array_shape(result: Any) -> np.ndarray:
    """Kernel side: the shape of a result, so a shape probe can name the shape requirement on its own.

    A Python list (a loop over the rows, say) is not the array a question asks for: it fails here.

    >>> array_shape(np.zeros((3, 2)))
    array([3, 2])
    """
    return np.array(np.shape(numpy_result(result)), dtype=np.int64)


# --- Lists of arrays packed into one array for the channel ---


def pack_array_lists(lists: Any) -> np.ndarray:
    """Kernel side: a tuple of lists of arrays as one flat float array: each list's length, then (ndim, shape, values)
    per array. A ValueError or TypeError says the answer is not such a tuple (say, for a message).

    >>> pack_array_lists(([np.ones((1, 2))], [np.zeros(2)]))
    array([1., 1., 2., 1., 2., 1., 1., 1., 2., 0., 0.])
    """
    arrays = [np.asarray(a, dtype=float) for group in lists for a in group]
    parts: list[float] = [len(group) for group in lists]
    for array in arrays:
        parts += [array.ndim, *array.shape, *array.ravel().tolist()]
    return np.array(parts, dtype=float)


def unpack_array_lists(packed: Any, lists: int, most: int, max_ndim: int, max_side: int) -> list[list[np.ndarray]]:
    """Judge side: the ``lists`` lists that `pack_array_lists` packed, rebuilt from untrusted data.

    Each list holds at most ``most`` arrays of at most ``max_ndim`` dimensions of at most ``max_side``; a
    ValueError (or an OverflowError, for an infinite size) says the data does not parse.

    >>> unpack_array_lists(pack_array_lists(([np.ones((1, 2))], [np.zeros(2)])), 2, 8, 2, 64)[1]
    [array([0., 0.])]
    """
    flat = np.asarray(packed, dtype=float).ravel()
    if flat.size < lists or not np.all(np.isfinite(flat[:lists])):
        raise ValueError("no arrays")
    counts = [int(count) for count in flat[:lists]]
    if not all(0 <= count <= most for count in counts):
        raise ValueError("too many arrays")
    arrays, at = [], lists
    for _ in range(sum(counts)):
        if at >= flat.size or not 0 <= flat[at] <= max_ndim:
            raise ValueError("bad array header")
        ndim = int(flat[at])
        shape = tuple(int(s) for s in flat[at + 1 : at + 1 + ndim])
        if len(shape) != ndim or any(s < 0 or s > max_side for s in shape):
            raise ValueError("bad shape")
        size = int(np.prod(shape))
        start = at + 1 + ndim
        if start + size > flat.size:
            raise ValueError("truncated data")
        arrays.append(flat[start : start + size].reshape(shape))
        at = start + size
    if at != flat.size:
        raise ValueError("trailing data")
    ends = np.cumsum(counts)
    return [arrays[end - count : end] for count, end in zip(counts, ends, strict=True)]


# --- Model rules: nonlinear hidden layers; one part of a returned pair ---


def nonlinear_hidden(class_name: str, why: str, aspect: str = "nonlinear") -> ModelRule:
    """Every layer of ``class_name`` before the last has a nonlinear activation (activation layers folded in).

    ``why`` ends the message: what a model with a linear hidden layer cannot do.

    >>> rule = nonlinear_hidden("Dense", "it is linear")
    >>> rule.check({"layers": [{"class_name": "Dense", "activation": None}, {"class_name": "Dense"}]})
    'has a hidden Dense layer (number 1) with no activation: it is linear'
    """

    def check(report: dict[str, Any]) -> str | None:
        from keras_course.measures import fold_activations

        folded = fold_activations(report.get("layers", []))
        layers = [layer for layer in folded if layer.get("class_name") == class_name]
        linear = [index for index, layer in enumerate(layers[:-1]) if layer.get("activation") in (None, "linear")]
        return f"has a hidden {class_name} layer (number {linear[0] + 1}) with no activation: {why}" if linear else None

    return ModelRule(aspect, check)


def pair_part(index: int) -> Callable[[Any], np.ndarray]:
    """Kernel side: a ``transform`` that takes part ``index`` (0 or 1) of a pair such as ``(loss, grad)``, as float64.

    A result that is not a pair raises as unpacking does, so it reaches the judge as an answer of the wrong form.

    >>> pair_part(1)((0.5, [1, 2]))
    array([1., 2.])
    """

    def part(result: Any) -> np.ndarray:
        first, second = result
        return np.asarray((first, second)[index], dtype=np.float64)

    return part


# --- Arguments left unchanged (by digest); reference verifiers; input dtypes ---


def arguments_digest(given: tuple, result: Any) -> np.ndarray:
    """An ``observe``: a SHA-256 digest of ``repr`` of the arguments right after the call (kernel side).

    For arguments that `arguments_state` reads only in part (lists of lists of texts, say); the judge compares
    the digest with its own of the hidden arguments through `unchanged_by_digest`.

    >>> arguments_digest((["a b"], 2), None).shape
    (32,)
    """
    return np.frombuffer(hashlib.sha256(repr(given).encode()).digest(), dtype=np.uint8).astype(np.int64)


def unchanged_by_digest(problem: str) -> Callable[[tuple, np.ndarray], str | None]:
    """The ``verify`` that goes with `arguments_digest`: ``problem`` unless the recorded digest is the arguments' own.

    >>> verify = unchanged_by_digest("normally, but it changed its texts")
    >>> verify((["a b"],), arguments_digest((["a b"],), None)) is None, verify((["a b"],), arguments_digest(([],), None))
    (True, 'normally, but it changed its texts')
    """

    def verify(args: tuple, got: np.ndarray) -> str | None:
        return None if np.array_equal(got, arguments_digest(args, None)) else problem

    return verify


def reference_verify(module: str, name: str) -> Callable[[tuple, np.ndarray], str | None]:
    """A ``verify`` that lives on the instructor side, ``grader.references.<module>.<name>``, imported when called.

    A verify that compares with a reference computation holds the answer; only the judge calls it, so it
    can stay out of the student bundle (``grader publish`` leaves ``grader/references/`` out).

    >>> verify = reference_verify("text", "reserved_verify")
    >>> verify.__name__, verify((["a"], 1), np.array("?a list"))
    ('reserved_verify', 'a list, not a list of words')
    """

    def verify(args: tuple, got: np.ndarray) -> str | None:
        import importlib

        return getattr(importlib.import_module(f"grader.references.{module}"), name)(args, got)

    verify.__name__ = verify.__qualname__ = name
    return verify


def input_dtype(accepts: Callable[[str], bool], wanted: str) -> ModelRule:
    """An "input" rule: the model's input dtype, as the scorer reports it, is one ``accepts`` takes.

    >>> rule = input_dtype(lambda dtype: dtype == "string", 'raw strings (dtype="string")')
    >>> rule.check({"input_dtype": "float32"})
    'takes inputs of dtype float32, not raw strings (dtype="string")'
    """

    def check(report: dict[str, Any]) -> str | None:
        dtype = str(report.get("input_dtype"))
        return None if accepts(dtype) else f"takes inputs of dtype {dtype}, not {wanted}"

    return ModelRule("input", check)


# --- Results that are pairs of arrays; shapes; model rules on outputs and layers ---


def array_pair(result: Any) -> tuple[np.ndarray, np.ndarray]:
    """Kernel side: an answer that must be a pair of arrays (``(output, weights)``, say), as two float64 arrays.

    >>> [part.shape for part in array_pair((np.zeros(2), [[1.0]]))]
    [(2,), (1, 1)]
    """
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise TypeError(f"a {type(result).__name__} where a pair (output, weights) was expected")
    return np.asarray(result[0], dtype=np.float64), np.asarray(result[1], dtype=np.float64)


def flat_pair(result: Any) -> np.ndarray:
    """Kernel side: both arrays of a pair raveled into one vector, after their shapes (so a transposed answer differs).

    >>> flat_pair((np.ones(2), np.zeros((1, 1)))).tolist()
    [1.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    """
    first, second = array_pair(result)
    return np.concatenate([[first.ndim], first.shape, [second.ndim], second.shape, first.ravel(), second.ravel()])


def pair_shapes(result: Any) -> np.ndarray:
    """Kernel side: the shapes of both arrays of a pair, as ``[ndim, *shape, ndim, *shape]`` (no values).

    >>> pair_shapes((np.ones(2), np.zeros((1, 3)))).tolist()
    [1, 2, 2, 1, 3]
    """
    first, second = array_pair(result)
    return np.array([first.ndim, *first.shape, second.ndim, *second.shape])


def any_shape(result: Any) -> np.ndarray:
    """Kernel side: the shape of a result, whatever it is (a list passes too; `array_shape` refuses one).

    >>> any_shape([[1, 2, 3]]).tolist()
    [1, 3]
    """
    return np.array(np.shape(result))


def output_shape(shape: tuple[int, ...], aspect: str = "layers") -> ModelRule:
    """The model's output shape, without the batch axis, as the scorer reports it, is ``shape``.

    >>> output_shape((8, 10)).check({"output_shape": [8, 1]})
    'returns outputs of shape [8, 1], not (8, 10)'
    """

    def check(report: dict[str, Any]) -> str | None:
        got = report.get("output_shape")
        return None if list(got or []) == list(shape) else f"returns outputs of shape {got}, not {tuple(shape)}"

    return ModelRule(aspect, check)


def no_layer_with(class_name: str, setting: str, problem: str, aspect: str = "layers") -> ModelRule:
    """No layer of ``class_name`` has ``setting`` set (truthy) in its config; ``problem`` says why that is wrong.

    >>> rule = no_layer_with("Embedding", "mask_zero", "masks a token away")
    >>> rule.check({"all_layers": [{"class_name": "Embedding", "config": {"mask_zero": True}}]})
    'masks a token away'
    """

    def check(report: dict[str, Any]) -> str | None:
        found = any((layer.get("config") or {}).get(setting) for layer in layers_of(report, class_name))
        return problem if found else None

    return ModelRule(aspect, check)


# --- One part of a returned tuple ---


def part(index: int) -> Callable[[Any], Any]:
    """Kernel side: a transform that keeps item ``index`` of the answer's tuple (x or y of a pair, say).

    >>> part(1)((np.zeros(2), np.ones(3)))
    array([1., 1., 1.])
    """

    def take(result: Any) -> Any:
        return result[index]

    return take


# --- Flags about a result: integers, a new array, its dtype ---


def integers_flag(value: Any) -> np.ndarray:
    """Kernel side: [1.] when ``value`` is an array (or list) of integers, else [0.].

    >>> integers_flag([1, 2]), integers_flag(np.ones(2))
    (array([1.]), array([0.]))
    """
    return np.ones(1) if np.asarray(value).dtype.kind in "iu" else np.zeros(1)


def new_array_flag(args: tuple, result: Any) -> np.ndarray:
    """Kernel side, an ``observe``: [1.] when the result is an array of its own, [0.] when it is (or looks into) ``args[0]``.

    >>> images = np.zeros((2, 3))
    >>> new_array_flag((images,), images.copy()), new_array_flag((images,), images[:1])
    (array([1.]), array([0.]))
    """
    shared = isinstance(result, np.ndarray) and np.shares_memory(result, args[0])
    return np.zeros(1) if shared else np.ones(1)


def dtype_code(value: Any) -> np.ndarray:
    """Kernel side: the kind and size of the result's dtype, as numbers, so a probe compares dtypes.

    >>> dtype_code(np.zeros(2, dtype=np.float32))
    array([102,   4])
    """
    dtype = np.asarray(value).dtype
    return np.array([ord(dtype.kind), dtype.itemsize])


# --- Model rules on training: epochs, adapted statistics ---


def trained_epochs_up_to(
    max_epochs: int, batch_size: int, n_train: int | Callable[[], int], split: str = "x_train"
) -> ModelRule:
    """The model was trained with ``fit`` for 1 to ``max_epochs`` epochs of ``batch_size`` on ``n_train`` examples.

    Read from the step count the saved optimizer keeps, as `trained_for` does, when the question leaves the
    number of epochs open. ``n_train`` may be a function, called on the trusted side when the rule is checked.

    >>> rule = trained_epochs_up_to(20, 32, 100)
    >>> rule.check({"compile": {"optimizer_state": {"iterations": 8}}})
    >>> rule.check({"compile": {"optimizer_state": {"iterations": 9}}})
    'took 9 training steps, which is not 1 to 20 epochs of 4 batches of 32 on x_train'
    """

    def check(report: dict[str, Any]) -> str | None:
        state = (report.get("compile") or {}).get("optimizer_state") or {}
        steps = state.get("iterations")
        per_epoch = -(-(n_train() if callable(n_train) else n_train) // batch_size)
        if not steps:
            return f"was saved without any training steps: train it with fit on {split}, then save it"
        epochs, rest = divmod(int(steps), per_epoch)
        if rest or not 1 <= epochs <= max_epochs:
            return (
                f"took {int(steps)} training steps, which is not 1 to {max_epochs} epochs of {per_epoch} batches of "
                f"{batch_size} on {split}"
            )
        return None

    return ModelRule("training", check)


def adapted_statistics(
    x_train: Callable[[], np.ndarray], per_feature: bool = False
) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    """What ``Normalization.adapt(x_train())`` learns, in float64, for `normalization_matches` (trusted side).

    One mean and one variance for all values (``axis=None``), or one per feature (``per_feature``, ``axis=-1``).

    >>> mean, variance = adapted_statistics(lambda: np.array([[0.0, 2.0], [2.0, 6.0]]))()
    >>> mean, variance
    (array([2.5]), array([4.75]))
    >>> adapted_statistics(lambda: np.array([[0.0, 2.0], [2.0, 6.0]]), per_feature=True)()[0]
    array([1., 4.])
    """

    def statistics() -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x_train(), dtype=np.float64)
        if per_feature:
            return x.mean(axis=0), x.var(axis=0)
        return np.array([x.mean()]), np.array([x.var()])

    return statistics


# --- Model rules on size ---


def params_at_least(count: int, why: str) -> ModelRule:
    """The model has at least ``count`` parameters (a question that asks to regularize a big model, not to shrink it).

    >>> params_at_least(10_000, "keep the room to memorize").check({"params": 9000})
    'has 9000 parameters, fewer than 10,000: keep the room to memorize'
    """

    def check(report: dict[str, Any]) -> str | None:
        params = report.get("params", 0)
        return None if params >= count else f"has {params} parameters, fewer than {count:,}: {why}"

    return ModelRule("params", check)


# --- Model rules on the first layers: normalization ---


def normalization_size(size: int, advice: str) -> ModelRule:
    """The first Normalization layer keeps ``size`` means (1 for axis=None, one per feature for axis=-1).

    >>> normalization_size(1, "use axis=None").check({"all_layers": [{"class_name": "Normalization", "mean": [0, 0]}]})
    'has a Normalization layer that keeps 2 means, not 1: use axis=None'
    """

    def check(report: dict[str, Any]) -> str | None:
        layers = layers_of(report, "Normalization")
        if not layers:
            return "has no Normalization layer"
        kept = len(layers[0].get("mean") or [])
        return None if kept == size else f"has a Normalization layer that keeps {kept} means, not {size}: {advice}"

    return ModelRule("preprocessing", check)


def first_layer(class_name: str, why: str, aspect: str = "preprocessing") -> ModelRule:
    """The first layer after the input is of ``class_name`` (``why`` says what that is for).

    >>> first_layer("Normalization", "so every layer after it sees normalized features").check(
    ...     {"layers": [{"class_name": "InputLayer"}, {"class_name": "Dense"}]})
    'starts with a Dense layer: put the Normalization layer first, so every layer after it sees normalized features'
    """

    def check(report: dict[str, Any]) -> str | None:
        layers = [layer for layer in report.get("layers", []) if layer.get("class_name") != "InputLayer"]
        first = layers[0].get("class_name") if layers else None
        return None if first == class_name else f"starts with a {first} layer: put the {class_name} layer first, {why}"

    return ModelRule(aspect, check)
