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

import json
import os
import select
import shutil
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

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
    from grader.checks import accuracy_of

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


def rbf_mmd(samples: np.ndarray, y: np.ndarray, bandwidths: tuple[float, ...] = (0.2, 0.5, 1.0)) -> float:
    """Squared maximum mean discrepancy (biased) between two point clouds, RBF kernel averaged over ``bandwidths``.

    0 for identical clouds, larger as they differ; inf when the points' sizes differ (a wrong output shape).
    """
    a = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    b = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    if a.shape[1] != b.shape[1] or not np.all(np.isfinite(a)):
        return float("inf")

    def kernel_mean(u: np.ndarray, v: np.ndarray) -> float:
        squared = np.maximum((u * u).sum(1)[:, None] + (v * v).sum(1)[None, :] - 2.0 * u @ v.T, 0.0)
        return float(np.mean([np.exp(-squared / (2.0 * s * s)).mean() for s in bandwidths]))

    return kernel_mean(a, a) + kernel_mean(b, b) - 2.0 * kernel_mean(a, b)


METRICS: dict[str, Metric] = {
    "accuracy": Metric(_accuracy, higher_is_better=True),
    "mae": Metric(lambda p, y: float(np.mean(np.abs(_first_column_error(p, y)))), higher_is_better=False),
    "mse": Metric(lambda p, y: float(np.mean(_first_column_error(p, y) ** 2)), higher_is_better=False),
    "sequence_mae": Metric(_sequence_mae, higher_is_better=False),
    "token_accuracy": Metric(_token_accuracy, higher_is_better=True),
    "rbf_mmd": Metric(rbf_mmd, higher_is_better=False),
}


def metric(name: str) -> Metric:
    """The registered metric ``name``; raises ValueError naming the known ones."""
    if name not in METRICS:
        raise ValueError(f"Unknown metric {name!r}: use one of {', '.join(sorted(METRICS))}.")
    return METRICS[name]


def metric_value(predictions: np.ndarray, y: np.ndarray, name: str) -> float:
    """Score predictions with metric ``name`` (accuracy for class scores, MAE / MSE for values, ...)."""
    return metric(name).compute(np.asarray(predictions, dtype=np.float64), y)


def describe_model(model: Any) -> dict[str, Any]:
    """Plain facts about a loaded model, read from its public config."""
    layers = []
    for layer in model.layers:
        config = layer.get_config()
        activation = config.get("activation")
        layers.append(
            {
                "class_name": type(layer).__name__,
                "units": config.get("units"),
                "activation": activation if isinstance(activation, str) else None,
            }
        )
    input_shape = list(model.inputs[0].shape[1:]) if getattr(model, "inputs", None) else None
    return {"layers": layers, "params": int(model.count_params()), "input_shape": input_shape}


def score_request(request: dict[str, Any]) -> dict[str, Any]:
    """Handle one request inside the scorer process."""
    import keras

    import grader.layers  # noqa: F401 - registers the course's layers, so safe_mode can load models that use them

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
        return {"ok": True, "score": score, **describe_model(model)}
    except Exception as exc:  # noqa: BLE001 - any failure to load or run is the model's
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:1000]}
    finally:
        keras.backend.clear_session()


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
    """The scorer process died or did not answer in time."""


class ModelScorerProcess:
    """The grader's handle on a long-lived scorer process (started lazily).

    Args:
        work_dir: a private folder for model copies and held-out files.
        sandbox: run the scorer inside bubblewrap too. Defaults to True.
    """

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
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def _start(self) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "grader.modelscore"]
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
        if self.sandbox:
            from grader.sandbox import SandboxSpec, bwrap_argv, find_bwrap

            spec = SandboxSpec(scratch=self.work_dir, home_mb=64, env={"TF_CPP_MIN_LOG_LEVEL": "3"})
            command = bwrap_argv(spec, command, bwrap=find_bwrap())
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )

    def score(self, model: Path, x: np.ndarray, y: np.ndarray, metric: str) -> dict[str, Any]:
        """Score one model file; returns the scorer's answer (``ok``, ``score``, layers...)."""
        token = uuid.uuid4().hex
        model_copy = self.work_dir / f"{token}.keras"
        data = self.work_dir / f"{token}.npz"
        shutil.copyfile(model, model_copy)
        if x.dtype.kind == "O":  # text: saved as fixed-width strings, so the scorer loads it without pickle
            x = x.astype(str)
        np.savez(data, x=x, y=y)
        try:
            return self._ask({"model": str(model_copy), "data": str(data), "metric": metric})
        finally:
            model_copy.unlink(missing_ok=True)
            data.unlink(missing_ok=True)

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        except BrokenPipeError as exc:
            self.close()
            raise ScorerError("the model scorer process died") from exc
        ready, _, _ = select.select([process.stdout], [], [], REQUEST_TIMEOUT)
        line = process.stdout.readline() if ready else ""
        if not line:
            self.close()
            return {"ok": False, "error": "scoring the model failed or took too long"}
        answer = json.loads(line)
        return answer if isinstance(answer, dict) else {"ok": False, "error": "bad scorer answer"}


if __name__ == "__main__":
    serve()
