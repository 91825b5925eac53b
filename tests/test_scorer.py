"""grader.modelscore: what the trusted scorer reads of a saved model, how it scores it, and its process."""

from __future__ import annotations

import os
import sys
import time

import keras
import numpy as np
import psutil
import pytest

from grader import modelscore
from grader.modelscore import (
    ModelScorerProcess,
    check_archive,
    describe_model,
    fold_activations,
    metric,
    metric_value,
    score_request,
)


def _sequential() -> keras.Model:
    return keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(4, activation="relu", name="hidden"),
                             keras.layers.Dropout(0.5), keras.layers.Dense(2, name="out"), keras.layers.Softmax()])


def _saved(model: keras.Model, path):
    model.save(path)
    return path


def _request(tmp_path, model_path, x, y, name="accuracy", **extra):
    data = tmp_path / "heldout.npz"
    np.savez(data, x=x, y=y)
    return score_request({"model": str(model_path), "data": str(data), "metric": name, **extra})


# --- describe_model ---------------------------------------------------------------------------


def test_a_sequential_model_is_described_by_its_layers_params_and_shapes():
    facts = describe_model(_sequential())
    assert [layer["class_name"] for layer in facts["layers"]] == ["Dense", "Dropout", "Dense", "Softmax"]
    hidden, _, out, softmax = facts["layers"]
    assert (hidden["units"], hidden["activation"], hidden["params"]) == (4, "relu", 3 * 4 + 4)
    assert (out["units"], out["activation"], softmax["activation"]) == (2, "linear", "softmax")
    assert facts["params"] == facts["trainable_params"] == 16 + 10
    assert (facts["input_shape"], facts["output_shape"], facts["input_dtype"]) == ([3], [2], "float32")
    assert facts["compile"] is None and facts["graph"] == [] and facts["weights"] == {}
    assert "name" not in hidden["config"] and hidden["config"]["units"] == 4


def test_a_frozen_nested_model_is_opened_up_and_its_weights_reported_on_request():
    inner = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, name="feature")], name="backbone")
    inner.trainable = False
    inputs = keras.Input(shape=(3,), name="pixels")
    model = keras.Model(inputs, keras.layers.Dense(1, name="head")(inner(inputs)))
    facts = describe_model(model, weights_of=["feature"])
    assert [layer["path"] for layer in facts["all_layers"]] == ["pixels", "backbone", "backbone/feature", "head"]
    backbone = next(layer for layer in facts["layers"] if layer["name"] == "backbone")
    assert backbone["trainable"] is False and backbone["trainable_params"] == 0 and backbone["params"] == 8
    assert facts["trainable_params"] == 3 and facts["params"] == 11
    kernel, bias = facts["weights"]["feature"]
    assert np.allclose(kernel, inner.get_layer("feature").get_weights()[0].ravel()) and len(bias) == 2


def test_the_archive_gives_the_functional_graph_and_the_compile_settings(tmp_path):
    inputs = keras.Input(shape=(4,), name="x")
    hidden = keras.layers.Dense(4, name="dense")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, name="out")(hidden + inputs))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(np.zeros((4, 4)), np.zeros(4), batch_size=2, epochs=1, verbose=0)
    path = _saved(model, tmp_path / "residual.keras")
    facts = describe_model(model, archive=path)
    reads = {node["name"]: node["inputs"] for node in facts["graph"]}
    add = next(node for node in facts["graph"] if node["class_name"] == "Add")
    assert sorted(reads[add["name"]]) == ["dense", "x"] and reads["out"] == [add["name"]]
    compiled = facts["compile"]
    assert compiled["loss"]["name"] == "mean_squared_error"
    assert compiled["optimizer"]["class_name"] == "Adam" and compiled["optimizer"]["config"]["learning_rate"] == pytest.approx(0.01)
    assert compiled["optimizer_state"] == {"iterations": 2.0, "learning_rate": pytest.approx(0.01)}  # two batches


def test_activation_layers_fold_into_the_layer_they_follow():
    layers = [{"class_name": "Dense", "activation": "linear"}, {"class_name": "Activation", "activation": "tanh"},
              {"class_name": "Dense", "activation": "relu"}, {"class_name": "ReLU", "activation": "relu"}]
    assert [(layer["class_name"], layer["activation"]) for layer in fold_activations(layers)] == [
        ("Dense", "tanh"), ("Dense", "relu"), ("ReLU", "relu")]  # an activation after an activation stays a layer


# --- metrics ------------------------------------------------------------------------------------


def test_the_metrics_score_what_they_name():
    scores, labels = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), np.array([0, 1, 1])
    assert metric_value(scores, labels, "accuracy") == pytest.approx(2 / 3)
    assert metric_value(np.array([[1.0], [3.0]]), np.array([2.0, 2.0]), "mae") == 1.0
    assert metric_value(np.array([[1.0], [4.0]]), np.array([2.0, 2.0]), "mse") == 2.5
    tokens = np.array([[[0.1, 0.9], [0.8, 0.2]]])
    assert metric_value(tokens, np.array([[1, 1]]), "token_accuracy") == 0.5
    assert metric_value(tokens, np.array([1, 1]), "token_accuracy") == 0.0  # a shape that does not fit scores nothing
    assert metric_value(np.ones((2, 3, 1)), np.zeros((2, 3)), "sequence_mae") == 1.0
    assert metric_value(np.ones((2, 1)), np.zeros((2, 3)), "sequence_mae") == float("inf")


def test_the_distances_favour_the_right_distribution_and_the_ratio_the_unseen_rows():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(200, 2))
    assert metric_value(real, real, "rbf_mmd") == pytest.approx(0.0, abs=1e-12)
    assert metric_value(real + 3.0, real, "rbf_mmd") > metric_value(real + 0.1, real, "rbf_mmd") > 0
    assert metric_value(real[:, :1], real, "rbf_mmd") == float("inf")
    targets = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert metric_value(np.array([[1.0], [1.0], [3.0], [3.0]]), targets, "unseen_to_seen_error") == 9.0
    assert metric("unseen_to_seen_error").higher_is_better and not metric("mae").higher_is_better


def test_an_unknown_metric_names_the_known_ones():
    with pytest.raises(ValueError, match=r"Unknown metric 'f1': use one of accuracy, mae, mse"):
        metric("f1")


# --- what the scorer refuses to load --------------------------------------------------------------


def test_an_archive_too_large_or_not_a_keras_file_is_refused_before_loading(tmp_path, monkeypatch):
    path = _saved(_sequential(), tmp_path / "m.keras")
    assert check_archive(path) is None
    monkeypatch.setattr(modelscore, "MAX_UNZIPPED_BYTES", 10)
    assert check_archive(path) == "the model archive unpacks to more than the allowed size"
    monkeypatch.setattr(modelscore, "MAX_MODEL_BYTES", 10)
    assert check_archive(path) == "the model file is larger than 0 MB"
    (tmp_path / "plain.keras").write_bytes(b"not a zip")
    assert check_archive(tmp_path / "plain.keras") == "the model file is not a .keras archive"


def test_a_saved_model_is_scored_with_its_facts(tmp_path):
    model = _sequential()
    x = np.random.default_rng(1).normal(size=(8, 3)).astype("float32")
    y = model.predict(x, verbose=0).argmax(axis=1)
    answer = _request(tmp_path, _saved(model, tmp_path / "m.keras"), x, y, weights_of=["out"])
    assert answer["ok"] and answer["score"] == 1.0
    assert answer["params"] == 26 and len(answer["weights"]["out"]) == 2


def test_safe_mode_refuses_a_lambda_layer_and_says_why(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Lambda(lambda t: t * 2), keras.layers.Dense(1)])
    answer = _request(tmp_path, _saved(model, tmp_path / "lambda.keras"), np.zeros((2, 3), "float32"), np.zeros(2), "mae")
    assert answer["ok"] is False
    assert answer["error"].startswith("ValueError: Requested the deserialization of a `Lambda` layer")
    assert "safe_mode=False" in answer["error"]  # Keras's own words: arbitrary code is never run


@keras.saving.register_keras_serializable(package="test_scorer")
class _Doubler(keras.Model):
    def call(self, inputs):
        return inputs * 2


def test_a_subclassed_model_whose_class_the_scorer_lacks_is_refused(tmp_path):
    model = _Doubler()
    model(np.zeros((1, 3), "float32"))
    path = _saved(model, tmp_path / "subclassed.keras")
    keras.saving.get_custom_objects().pop("test_scorer>_Doubler")  # the scorer has only the course's own layers
    try:
        answer = _request(tmp_path, path, np.zeros((2, 3), "float32"), np.zeros(2), "mae")
    finally:
        keras.saving.get_custom_objects()["test_scorer>_Doubler"] = _Doubler
    assert answer["ok"] is False and answer["error"].startswith("TypeError: Could not locate class '_Doubler'")


# --- the scorer process -------------------------------------------------------------------------------


def test_one_scorer_process_answers_request_after_request(tmp_path):
    model = _sequential()
    x = np.random.default_rng(2).normal(size=(8, 3)).astype("float32")
    path = _saved(model, tmp_path / "m.keras")
    with ModelScorerProcess(tmp_path / "judge", sandbox=False) as scorer:
        first = scorer.score(path, x, model.predict(x, verbose=0).argmax(axis=1), "accuracy")
        pid = scorer._process.pid
        second = scorer.score(path, x, np.zeros(8), "mae")
        assert scorer._process.pid == pid  # TensorFlow is imported once per run, not once per model
    assert first["ok"] and first["score"] == 1.0 and second["ok"] and second["score"] > 0
    assert not list((tmp_path / "judge").iterdir())  # its copies of the model and the data are gone


# A scorer that leaves a grandchild behind: an orphan of the scorer's group, no longer its descendant.
LEAVES_AN_ORPHAN = """
import os, sys, time
if os.fork() == 0:
    if os.fork() == 0:
        time.sleep(60)
    os._exit(0)
print(os.getpid(), flush=True)
sys.stdin.read()
"""


def test_closing_the_scorer_kills_its_whole_process_group(tmp_path):
    scorer = ModelScorerProcess(tmp_path, sandbox=False)
    scorer.command = (sys.executable, "-c", LEAVES_AN_ORPHAN)
    process = scorer._start()
    process.stdout.readline()
    group = os.getpgid(process.pid)
    assert group == process.pid != os.getpgid(0)  # its own group, not the grader's
    deadline = time.monotonic() + 10
    while not _orphans(group, process.pid) and time.monotonic() < deadline:  # the grandchild, once its parent is gone
        time.sleep(0.05)
    assert _orphans(group, process.pid)
    scorer._process = process
    scorer.close()
    deadline = time.monotonic() + 5
    while _members(group) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _members(group) == []


def _orphans(group: int, scorer: int) -> list[int]:
    """Members of the group that are not the scorer and whose parent is no longer the scorer's child."""
    found = []
    for pid in _members(group):
        try:
            parent = psutil.Process(pid).ppid()
        except psutil.Error:
            continue
        if pid != scorer and parent != scorer and parent not in _members(group):
            found.append(pid)
    return found


def _members(group: int) -> list[int]:
    found = []
    for process in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(process.pid) == group and process.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(process.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return found



def test_closing_a_sandboxed_scorer_leaves_no_process_of_it(tmp_path):
    from grader.sandbox import find_bwrap

    try:
        find_bwrap()
    except Exception:  # noqa: BLE001 - no bubblewrap on this machine
        pytest.skip("bubblewrap is not installed")
    scorer = ModelScorerProcess(tmp_path, sandbox=True)
    scorer.command = ("sh", "-c", "sleep 60 & sleep 61")  # a scorer with a child of its own, inside bubblewrap
    scorer._process = scorer._start()
    deadline = time.monotonic() + 10
    while len(psutil.Process(scorer._process.pid).children(recursive=True)) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    tree = [scorer._process.pid, *(p.pid for p in psutil.Process(scorer._process.pid).children(recursive=True))]
    assert len(tree) == 5  # bubblewrap outside, bubblewrap inside, the shell and its two sleeps
    scorer.close()
    deadline = time.monotonic() + 5
    while _alive(tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _alive(tree) == []


def _alive(pids: list[int]) -> list[int]:
    found = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                found.append(pid)
        except psutil.NoSuchProcess:
            continue
    return found


def test_many_requests_give_the_same_answer_with_a_full_collection_every_few(tmp_path, monkeypatch):
    """Keras's state is reset after every model; the costly full garbage collection runs every few models."""
    collections = []
    monkeypatch.setattr(modelscore.gc, "collect", lambda *args: collections.append(args) or 0)
    monkeypatch.setattr(modelscore, "_requests_since_collection", 0)
    path = _saved(_sequential(), tmp_path / "model.keras")
    x, y = np.random.default_rng(0).random((20, 3)), np.arange(20) % 2
    answers = [_request(tmp_path, path, x, y) for _ in range(2 * modelscore.FULL_COLLECTION_EVERY + 1)]
    assert answers[0]["ok"] and all(a == answers[0] for a in answers)
    assert len(collections) == 2
