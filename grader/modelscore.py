"""Score saved Keras models on held-out data, in a separate (sandboxed) process.

The grader keeps one scorer process per run, so TensorFlow is imported once.
Requests and answers are JSON lines; the model is loaded with Keras's
``safe_mode=True`` (no Lambda layers, no arbitrary code) after its size and
its zip contents are checked. The held-out data reaches the scorer as an
``.npz`` read with ``allow_pickle=False``; the scorer answers only numbers and
layer descriptions.

Example:

>>> with ModelScorerProcess(work_dir, sandbox=False) as scorer:  # doctest: +SKIP
...     scorer.score(Path("q4.keras"), x, y, "accuracy")["score"]
0.95
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypedDict

import numpy as np

from keras_course.measures import FOLDED_ACTIVATIONS, fold_activations, rbf_mmd  # noqa: F401

# fold_activations is re-exported for the exercise modules that still import it from here.
from keras_course.model_report import CompileFacts, GraphNode, LayerFacts, ModelReport

MAX_MODEL_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 400 * 1024 * 1024
REQUEST_TIMEOUT = 180.0




def check_archive(path: Path) -> str | None:
    """Why a ``.keras`` file must not be loaded, or None when it may."""
    if path.stat().st_size > MAX_MODEL_BYTES:
        return f"the model file is larger than {MAX_MODEL_BYTES // 2**20} MB"
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED_BYTES:
                return "the model archive unpacks to more than the allowed size"
    except zipfile.BadZipFile:
        return "the model file is not a .keras archive"
    return None


@dataclass(frozen=True)
class Metric:
    """A held-out score: ``compute(predictions, y) -> float`` and which way is better.

    Args:
        compute: the model's predictions on the held-out inputs and the held-out
            targets in, one number out.
        higher_is_better: True for accuracies, False for errors and distances.
    """

    compute: Callable[[np.ndarray, np.ndarray], float]
    higher_is_better: bool


def _accuracy(predictions: np.ndarray, y: np.ndarray) -> float:
    from keras_course.checks import accuracy_of

    return accuracy_of(predictions, y)


def _first_column_error(predictions: np.ndarray, y: np.ndarray) -> np.ndarray:
    return predictions.reshape(len(y), -1)[:, 0] - np.asarray(y, dtype=np.float64).reshape(-1)


def _token_accuracy(predictions: np.ndarray, y: np.ndarray) -> float:
    """Share of tokens whose highest score is their label: (n, T, classes) scores, (n, T) labels; 0 if shapes differ."""
    labels = np.asarray(y)
    if predictions.ndim != labels.ndim + 1 or predictions.shape[:-1] != labels.shape:
        return 0.0
    return float(np.mean(predictions.argmax(axis=-1) == labels))


def _sequence_mae(predictions: np.ndarray, y: np.ndarray) -> float:
    """Mean absolute error over every entry (one value per time step, say); inf when the sizes differ."""
    targets = np.asarray(y, dtype=np.float64)
    if predictions.size != targets.size:
        return float("inf")  # e.g. one output per sequence where one per time step was expected
    return float(np.mean(np.abs(predictions.reshape(targets.shape) - targets)))


def unseen_to_seen_error(predictions: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error on the rows a model never trained on over that on the rows it trained on.

    ``y`` is (n, 2): the target, then 1.0 for an unseen row and 0.0 for a seen one. A model trained only on the
    seen rows errs more on the unseen ones (a ratio well above 1); one that also trained on them about as much.
    Squared errors weigh the largest misses, which a model that never saw those rows makes most.
    """
    targets = np.asarray(y, dtype=np.float64)
    errors = _first_column_error(predictions, targets[:, 0]) ** 2
    unseen = targets[:, 1] > 0.5
    seen_error = float(np.mean(errors[~unseen]))
    return float(np.mean(errors[unseen])) / seen_error if seen_error > 0 else float("inf")


METRICS: dict[str, Metric] = {
    "accuracy": Metric(_accuracy, higher_is_better=True),
    "mae": Metric(lambda p, y: float(np.mean(np.abs(_first_column_error(p, y)))), higher_is_better=False),
    "mse": Metric(lambda p, y: float(np.mean(_first_column_error(p, y) ** 2)), higher_is_better=False),
    "sequence_mae": Metric(_sequence_mae, higher_is_better=False),
    "token_accuracy": Metric(_token_accuracy, higher_is_better=True),
    "rbf_mmd": Metric(rbf_mmd, higher_is_better=False),
    "unseen_to_seen_error": Metric(unseen_to_seen_error, higher_is_better=True),
}


def metric(name: str) -> Metric:
    """The registered metric ``name``; raises ValueError naming the known ones."""
    if name not in METRICS:
        raise ValueError(f"Unknown metric {name!r}: use one of {', '.join(sorted(METRICS))}.")
    return METRICS[name]


def metric_value(predictions: np.ndarray, y: np.ndarray, name: str) -> float:
    """Score predictions with metric ``name`` (accuracy for class scores, MAE / MSE for values, ...)."""
    return metric(name).compute(np.asarray(predictions, dtype=np.float64), y)


_SCALARS = (str, int, float, bool, type(None))
MAX_REPORTED_WEIGHTS = 20_000


class ScoredModel(ModelReport):
    """The scorer's answer for a model it loaded and scored: the report, its score and ``ok``."""

    ok: Literal[True]
    score: float  # the held-out metric


class ScoreFailure(TypedDict):
    """The scorer's answer for a model it could not load or run (the student's to fix)."""

    ok: Literal[False]
    error: str


ScoreAnswer = ScoredModel | ScoreFailure


def _plain(value: Any, depth: int = 0) -> Any:
    """A JSON-safe copy of a config value: scalars, lists and dicts of them; anything else as None."""
    if isinstance(value, _SCALARS):
        return value if not isinstance(value, float) or np.isfinite(value) else None
    if depth < 4 and isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    if depth < 4 and isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    return None


def _activation_name(layer: Any, config: dict[str, Any]) -> str | None:
    if type(layer).__name__ in FOLDED_ACTIVATIONS:
        return FOLDED_ACTIVATIONS[type(layer).__name__]
    activation = config.get("activation")
    return activation if isinstance(activation, str) else None


def _layer_facts(layer: Any, path: str) -> LayerFacts:
    """What the judge may read of one layer: its class, config, parameter counts and (small) statistics."""
    config = layer.get_config()
    facts: LayerFacts = {
        "class_name": type(layer).__name__,
        "name": layer.name,
        "path": path,
        "units": config.get("units"),
        "activation": _activation_name(layer, config),
        "trainable": bool(layer.trainable),
        "params": int(layer.count_params()) if layer.built else 0,
        "trainable_params": int(sum(int(np.prod(w.shape)) for w in layer.trainable_weights)),
        "config": {k: _plain(v) for k, v in config.items() if k not in {"dtype", "name"}},
    }
    if type(layer).__name__ == "TextVectorization":  # which texts it was adapted on shows in its vocabulary
        facts["vocabulary"] = [str(token) for token in layer.get_vocabulary()]
    if type(layer).__name__ == "Normalization" and layer.built:
        facts["mean"] = np.asarray(layer.mean, dtype=np.float64).ravel().tolist()
        facts["variance"] = np.asarray(layer.variance, dtype=np.float64).ravel().tolist()
    return facts


def _walk_layers(model: Any, prefix: str = "") -> list[LayerFacts]:
    """Every layer, nested models' layers included, in order; ``path`` names the nesting."""
    found = []
    for layer in model.layers:
        path = f"{prefix}{layer.name}"
        found.append(_layer_facts(layer, path))
        if hasattr(layer, "layers") and layer.layers:
            found.extend(_walk_layers(layer, prefix=f"{path}/"))
    return found


def _compile_facts(archive: Path) -> CompileFacts | None:
    """The saved compile settings, read from the archive and resolved with Keras's own ``get`` functions."""
    import keras

    try:
        with zipfile.ZipFile(archive) as opened:
            config = json.loads(opened.read("config.json"))
    except (KeyError, ValueError, zipfile.BadZipFile):
        return None
    compiled = config.get("compile_config") if isinstance(config, dict) else None
    if not isinstance(compiled, dict) or compiled.get("loss") is None and compiled.get("optimizer") is None:
        return None  # never compiled: Keras saves an empty compile config
    facts: CompileFacts = {"loss": None, "optimizer": None, "metrics": _plain(compiled.get("metrics")), "optimizer_state": None}
    try:
        loss = keras.losses.get(compiled.get("loss"))
        function = getattr(loss, "fn", loss)
        facts["loss"] = {
            "name": getattr(function, "__name__", type(loss).__name__),
            "config": _plain(loss.get_config()) if hasattr(loss, "get_config") else {},
        }
    except Exception as exc:  # noqa: BLE001 - an unknown or custom loss is reported, not trusted
        facts["loss"] = {"name": None, "error": f"{type(exc).__name__}: {exc}"[:200]}
    try:
        optimizer = keras.optimizers.get(compiled.get("optimizer"))
        facts["optimizer"] = {"class_name": type(optimizer).__name__, "config": _plain(optimizer.get_config())}
    except Exception as exc:  # noqa: BLE001 - same for optimizers
        facts["optimizer"] = {"class_name": None, "error": f"{type(exc).__name__}: {exc}"[:200]}
    facts["optimizer_state"] = _optimizer_state(archive)
    return facts


def _optimizer_state(archive: Path) -> dict[str, float] | None:
    """What training left in the saved optimizer: its step count and its learning rate at the end.

    Keras saves the optimizer's variables with the model, ``iterations`` first
    and, for a rate that is not a schedule object, the current ``learning_rate``
    second. The compile config keeps the rate the model was compiled with, so
    a rate changed by a callback (``LearningRateScheduler``) shows as a
    difference between the two. None when the archive holds no optimizer state.
    """
    import io

    import h5py

    try:
        with zipfile.ZipFile(archive) as opened, h5py.File(io.BytesIO(opened.read("model.weights.h5")), "r") as weights:
            variables = weights.get("optimizer/vars")
            if variables is None or "0" not in variables:
                return None
            state = {"iterations": float(np.asarray(variables["0"][()]))}
            if "1" in variables and variables["1"].shape == ():
                state["learning_rate"] = float(np.asarray(variables["1"][()]))
            return state
    except (KeyError, OSError, ValueError, TypeError, zipfile.BadZipFile):
        return None


def _graph_facts(archive: Path) -> list[GraphNode]:
    """The functional graph as the archive's config.json records it: each node with the nodes it reads.

    Operations written with operators (``h + a``) are nodes too (class ``Add``
    from ``keras.src.ops.numpy``), so a residual connection shows here though
    it is no layer. A Sequential model has no graph: the list is empty.
    """
    try:
        with zipfile.ZipFile(archive) as opened:
            config = json.loads(opened.read("config.json"))
    except (KeyError, ValueError, zipfile.BadZipFile):
        return []
    nodes = (config.get("config") or {}).get("layers") if isinstance(config, dict) else None
    if not isinstance(nodes, list):
        return []

    def sources(value: Any) -> list[str]:
        if isinstance(value, dict):
            history = (value.get("config") or {}).get("keras_history") if value.get("class_name") == "__keras_tensor__" else None
            if isinstance(history, list) and history and isinstance(history[0], str):
                return [history[0]]
            return [name for part in value.values() for name in sources(part)]
        if isinstance(value, list):
            return [name for part in value for name in sources(part)]
        return []

    return [
        {
            "name": str(node.get("name")),
            "class_name": str(node.get("class_name")),
            "module": str(node.get("module")),
            "inputs": sources(node.get("inbound_nodes", [])),
        }
        for node in nodes
        if isinstance(node, dict)
    ]


def _weights_of(model: Any, names: list[str]) -> dict[str, list[list[float]]]:
    """The weights of the named layers (searched through nested models), as plain lists."""
    wanted = set(names)
    found: dict[str, list[list[float]]] = {}

    def visit(container: Any) -> None:
        for layer in container.layers:
            if layer.name in wanted and layer.name not in found:
                arrays = [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
                if sum(a.size for a in arrays) <= MAX_REPORTED_WEIGHTS:
                    found[layer.name] = [a.ravel().tolist() for a in arrays]
            if hasattr(layer, "layers") and layer.layers:
                visit(layer)

    visit(model)
    return found


def describe_model(model: Any, archive: Path | None = None, weights_of: list[str] | None = None) -> ModelReport:
    """Plain facts about a loaded model, read from its public config and its archive (never reported by a kernel).

    ``layers`` lists the top-level layers, ``all_layers`` every layer with nested
    models opened up, ``compile`` the loss and optimizer it was saved with (and
    what training left in the optimizer), ``graph`` the functional graph
    (`ModelReport` documents every field).
    """
    layers = [_layer_facts(layer, layer.name) for layer in model.layers]
    input_shape = list(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    trainable = int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))
    return {
        "layers": layers,
        "all_layers": _walk_layers(model),
        "params": int(model.count_params()),
        "trainable_params": trainable,
        "input_shape": input_shape,
        "input_dtype": str(model.inputs[0].dtype) if getattr(model, "inputs", None) else None,
        "output_shape": _plain(list(model.outputs[0].shape[1:])) if getattr(model, "outputs", None) else None,
        "compile": _compile_facts(archive) if archive is not None else None,
        "graph": _graph_facts(archive) if archive is not None else [],
        "weights": _weights_of(model, weights_of) if weights_of else {},
    }


def score_request(request: dict[str, Any]) -> ScoreAnswer:
    """Handle one request inside the scorer process."""
    import keras

    import keras_course.layers  # noqa: F401 - registers the course's layers, so safe_mode can load models that use them

    path = Path(request["model"])
    problem = check_archive(path)
    if problem:
        return {"ok": False, "error": problem}
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
        with np.load(request["data"], allow_pickle=False) as data:
            x, y = data["x"], data["y"]
        if x.dtype.kind == "U":  # text comes as fixed-width strings; Keras reads text from object arrays
            x = x.astype(object)
        predictions = model.predict(x, verbose=0, batch_size=256)
        score = metric_value(predictions, y, request["metric"])
        facts = describe_model(model, archive=path, weights_of=request.get("weights_of"))
        return {"ok": True, "score": score, **facts}
    except Exception as exc:  # noqa: BLE001 - any failure to load or run is the model's
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:1000]}
    finally:
        _forget(keras)


FULL_COLLECTION_EVERY = 8  # requests between full garbage collections
_requests_since_collection = 0


def _forget(keras: Any) -> None:
    """Reset Keras's global state after each model; collect garbage fully every few models.

    A full collection with TensorFlow loaded costs about 0.25 s, two thirds of
    scoring a small model, so it runs every `FULL_COLLECTION_EVERY` requests:
    the scorer holds at most that many models' garbage, and scores the rest three times faster.
    """
    global _requests_since_collection
    keras.backend.clear_session(free_memory=False)
    _requests_since_collection += 1
    if _requests_since_collection >= FULL_COLLECTION_EVERY:
        gc.collect()
        _requests_since_collection = 0


def serve() -> None:
    """Answer JSON-line requests on stdin; everything else printed goes to stderr."""
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for line in sys.stdin:
        try:
            answer = score_request(json.loads(line))
        except Exception as exc:  # noqa: BLE001 - never die on one bad request
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(answer) + "\n")


class ScorerError(RuntimeError):
    """The scorer process died (killed, crashed, or its answer was cut off): the grader's fault.

    The judge turns it into an infrastructure error, never into the student's
    failure; a model that is merely too slow is answered as a failed score instead.
    """


def _kill_process_group(process: subprocess.Popen[str]) -> None:
    """Kill ``process``, what it started, and the rest of the process group it leads.

    The descendants go first, the deepest first, so each parent is alive to reap its
    child (bubblewrap's inner process, in a session of its own, included); then the
    group, which holds what an ended process left behind, orphans included.
    """
    import psutil

    tree = []
    if process.poll() is None:  # once reaped, its pid may be another process's
        with contextlib.suppress(psutil.NoSuchProcess):
            tree = psutil.Process(process.pid).children(recursive=True)
    for member in reversed(tree):
        with contextlib.suppress(psutil.NoSuchProcess):
            member.kill()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if os.getpgid(process.pid) == process.pid:  # never the grader's own group, when a test started it there
            os.killpg(process.pid, signal.SIGKILL)
    process.kill()


class ModelScorerProcess:
    """The grader's handle on a long-lived scorer process (started lazily).

    Args:
        work_dir: a private folder for model copies and held-out files.
        sandbox: run the scorer inside bubblewrap too. Defaults to True.
    """

    command: tuple[str, ...] = (sys.executable, "-m", "grader.modelscore")  # run inside bubblewrap when sandboxed

    def __init__(self, work_dir: Path, sandbox: bool = True) -> None:
        self.work_dir = work_dir
        self.sandbox = sandbox
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> ModelScorerProcess:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the scorer and everything it started, so nothing of it outlives the run (or a killed test)."""
        if self._process is not None:
            _kill_process_group(self._process)
            self._process.wait()
            self._process = None

    def _start(self) -> subprocess.Popen[str]:
        command = list(self.command)
        from grader.cores import SCORER_THREADS, pool_env

        threads = pool_env(SCORER_THREADS)  # it judges between runs: never more than a worker's share of the cores
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", **threads}
        if self.sandbox:
            from grader.sandbox import SandboxSpec, bwrap_argv, find_bwrap

            spec = SandboxSpec(scratch=self.work_dir, home_mb=64, env={"TF_CPP_MIN_LOG_LEVEL": "3", **threads})
            command = bwrap_argv(spec, command, bwrap=find_bwrap())
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            start_new_session=True,  # its own process group, which close() kills whole
        )

    def score(
        self, model: Path, x: np.ndarray, y: np.ndarray, metric: str, weights_of: tuple[str, ...] = ()
    ) -> ScoreAnswer:
        """Score one model file; returns the scorer's answer (``ok``, ``score`` and the `ModelReport`, or ``error``).

        ``weights_of`` names layers whose weights the answer should carry (small layers only).
        """
        token = uuid.uuid4().hex
        model_copy = self.work_dir / f"{token}.keras"
        data = self.work_dir / f"{token}.npz"
        shutil.copyfile(model, model_copy)
        if x.dtype.kind == "O":  # text: saved as fixed-width strings, so the scorer loads it without pickle
            x = x.astype(str)
        np.savez(data, x=x, y=y)
        try:
            request = {"model": str(model_copy), "data": str(data), "metric": metric, "weights_of": list(weights_of)}
            return self._ask(request)
        finally:
            model_copy.unlink(missing_ok=True)
            data.unlink(missing_ok=True)

    def _ask(self, request: dict[str, Any]) -> ScoreAnswer:
        """Send one request; a scorer that dies is started again and asked once more.

        Raises:
            ScorerError: the scorer died on both tries.
        """
        try:
            return self._ask_once(request)
        except ScorerError:
            pass  # killed or crashed: a fresh process gets one more try
        try:
            return self._ask_once(request)
        except ScorerError as exc:
            raise ScorerError(f"{exc}, twice in a row; the model was not scored") from exc

    @staticmethod
    def _wait_for_answer(process: subprocess.Popen[str]) -> str:
        """"answered", "died", or "busy" (no answer within REQUEST_TIMEOUT).

        A process that died is noticed at once, even when something it started still holds its pipe.
        """
        deadline = time.monotonic() + REQUEST_TIMEOUT
        while time.monotonic() < deadline:
            from grader.sandbox import readable

            if readable(process.stdout, min(1.0, max(0.0, deadline - time.monotonic()))):
                return "answered"
            if process.poll() is not None:
                return "died"
        return "busy"

    def _ask_once(self, request: dict[str, Any]) -> ScoreAnswer:
        if self._process is not None and self._process.poll() is not None:
            self.close()  # what the dead one left behind goes with it
        if self._process is None:
            self._process = self._start()
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        except BrokenPipeError as exc:
            self.close()
            raise ScorerError("the model scorer process died") from exc
        state = self._wait_for_answer(process)
        if state == "busy":  # alive but still working: the model is too slow, which is the student's to fix
            self.close()
            return {"ok": False, "error": f"scoring the model took longer than {REQUEST_TIMEOUT:g} s"}
        line = process.stdout.readline() if state == "answered" else ""
        try:
            answer = json.loads(line)
        except ValueError as exc:  # no line, or half of one: the process ended while answering
            self.close()  # waits for it, so its exit code is known
            raise ScorerError(f"the model scorer process died (exit code {process.returncode})") from exc
        return answer if isinstance(answer, dict) else {"ok": False, "error": "bad scorer answer"}


if __name__ == "__main__":
    serve()
