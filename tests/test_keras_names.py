"""The judge resolves activation and loss names from a stored table exactly as Keras's own `get` does."""

from __future__ import annotations

import json

import pytest

from keras_course import keras_names
from keras_course.keras_names import TABLE_FILE, identifier_table, keras_resolves, resolved


def test_the_stored_table_is_what_the_installed_keras_makes_of_every_name():
    stored = json.loads(TABLE_FILE.read_text())
    assert stored == identifier_table(), f"{TABLE_FILE.name} is stale: run `python -m keras_course.keras_names` and commit it"


def _names_to_try() -> list[str]:
    table = identifier_table()
    assert all(table[kind] for kind in keras_names.KINDS)
    known = [name for kind in keras_names.KINDS for name in table[kind]]
    variants = [v for name in known for v in (name.upper(), name.capitalize(), name.title().replace("_", ""), f" {name}", name + "s")]
    return sorted(set(known + variants + ["", "Softmax", "ReLU", "LeakyReLU", "CrossEntropy", "sparse", "none", "None", "l2"]))


@pytest.mark.parametrize("kind", keras_names.KINDS)
def test_the_table_answers_what_keras_answers_for_every_name_and_near_miss(kind):
    for name in _names_to_try():
        assert keras_names.keras_name(kind, name) == keras_resolves(kind, name), name
        if kind == "metric":
            continue  # metrics are named by the saved model's compile settings, not by an answer's text
        for tag in ("s", "o"):
            for suffix in ("", ";logits"):
                text = f"{tag}:{name}{suffix}"
                expected = keras_resolves(kind, name) if name else None
                want = (expected, bool(suffix) and kind == "loss" and expected is not None)
                assert resolved(kind, text) == want, text


def test_a_table_made_from_another_keras_version_is_not_used(tmp_path, monkeypatch):
    stale = {"keras": "0.0.1", "activation": {"relu": "not-what-keras-says"}, "loss": {}}
    monkeypatch.setattr(keras_names, "TABLE_FILE", tmp_path / "keras_identifiers.json")
    keras_names.TABLE_FILE.write_text(json.dumps(stale))
    keras_names._stored_table.cache_clear()
    try:
        assert resolved("activation", "s:relu") == ("relu", False)  # asked Keras itself
        assert resolved("loss", "s:mse") == ("mean_squared_error", False)
    finally:
        keras_names._stored_table.cache_clear()


def test_judging_a_name_does_not_import_tensorflow(tmp_path):
    import subprocess
    import sys

    script = ("import sys; from keras_course.keras_names import resolved; "
              "print(resolved('loss', 's:MeanSquaredError;logits'), resolved('activation', 's:Softmax'), 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert out.split() == ["('mean_squared_error',", "True)", "(None,", "False)", "False"]


def test_judging_compile_settings_does_not_import_tensorflow(tmp_path):
    import subprocess
    import sys

    script = ("import sys; from keras_course.probes import compiled_metric, compiled_with; "
              "report = {'compile': {'loss': {'name': 'mean_squared_error'}, 'metrics': ['mae'], "
              "'optimizer': {'class_name': 'Adam', 'config': {'learning_rate': 0.001}}}}; "
              "print(compiled_with(loss='mse', optimizer='Adam').check(report), "
              "compiled_metric('mae', {'MeanAbsoluteError'}, aliases=frozenset()).check(report), "
              "compiled_with(loss='mae').check(report) is not None, 'tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert out.split() == ["None", "None", "True", "False"]
