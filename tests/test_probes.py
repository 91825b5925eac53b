"""The probe kinds' own behaviour: unchanged arguments, randomness through the generator, model rules, requirement names."""

from __future__ import annotations

import numpy as np
import pytest
from judging import judge_answer

from grader.judge import judge_question
from grader.outcomes import CellRecord, Execution, RunStatus, Status
from grader.probe_verdicts import JudgeContext
from keras_course.checks import FunctionCheck
from keras_course.model_spec import ModelSpec
from keras_course.probes import (
    FunctionProbe,
    ModelRequirements,
    arguments_state,
    compiled_with,
    hidden_layers,
    layer_setting,
    normalization_matches,
)
from keras_course.question import Question, Requirement

# Leaving arguments unchanged ---------------------------------------------------------------------


def _centre_cases():
    rng = np.random.default_rng(0)
    return [(rng.normal(size=(4, 3)),), (rng.normal(size=(1, 5)),)]


CENTRE = Question(
    id="q_centre",
    points=1,
    title="Centre the columns",
    checks=(FunctionCheck(args=(np.ones((2, 2)),), expected=np.zeros((2, 2)), call="centre(ones)"),),
    probes=(FunctionProbe(cases=_centre_cases, covers=("value", "unchanged")),),
    requirements=(
        Requirement("value", "returns X minus its column means"),
        Requirement("unchanged", "leaves X unchanged"),
    ),
)


def centre(x):
    return x - x.mean(axis=0)


def centre_in_place(x):
    x -= x.mean(axis=0)
    return x


def centre_and_restore(x):
    # Changes x and puts it back: allowed, up to rounding.
    shift = x.mean(axis=0)
    x -= shift
    result = x.copy()
    x += shift
    return result


@pytest.mark.parametrize(
    ("answer", "status"),
    [(centre, Status.PASSED), (centre_and_restore, Status.PASSED), (centre_in_place, Status.FAILED)],
)
def test_a_function_that_changes_its_arguments_fails_when_the_key_leaves_them(answer, status, tmp_path):
    assert judge_answer(CENTRE, answer, centre, tmp_path) == status


def test_a_function_may_change_its_arguments_when_the_key_does_too(tmp_path):
    assert judge_answer(CENTRE, centre_in_place, centre_in_place, tmp_path) == Status.PASSED


def test_arguments_state_sees_nested_arrays_and_their_shapes():
    a = [np.zeros((2, 3)), {"b": np.ones(2)}]
    assert arguments_state(a) == arguments_state([np.zeros((2, 3)), {"b": np.ones(2)}])
    assert arguments_state(a) != arguments_state([np.zeros((3, 2)), {"b": np.ones(2)}])


# Randomness through the generator ----------------------------------------------------------------


def _mask_cases():
    return [((3, 4), 0.5, 11), ((1, 6), 0.2, 12)]


MASK = Question(
    id="q_mask",
    points=1,
    title="A dropout mask",
    probes=(FunctionProbe(cases=_mask_cases, generator=2, covers=("value", "generator")),),
    requirements=(
        Requirement("value", "keeps each element with probability 1 - rate"),
        Requirement("generator", "draws every random number from rng"),
    ),
)


def mask(shape, rate, rng):
    return (rng.random(shape) >= rate).astype(float)


def mask_from_numpy(shape, rate, rng):
    return (np.random.random(shape) >= rate).astype(float)


def mask_per_row(shape, rate, rng):
    return np.repeat(rng.random((shape[0], 1)) >= rate, shape[1], axis=1).astype(float)


def mask_fixed_seed(shape, rate, rng):
    return (np.random.default_rng(0).random(shape) >= rate).astype(float)


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (mask, Status.PASSED),
        (mask_from_numpy, Status.FAILED),
        (mask_per_row, Status.FAILED),
        (mask_fixed_seed, Status.FAILED),
    ],
)
def test_randomness_is_judged_through_the_given_generator(answer, status, tmp_path):
    assert judge_answer(MASK, answer, mask, tmp_path) == status


# The requirement a failure names ------------------------------------------------------------------


def _judged_message(question, answer, key_answer, tmp_path):
    from judging import _probe

    key = _probe(question, key_answer, tmp_path / "key")
    _probe(question, answer, tmp_path / "student")
    cells = (CellRecord(index=0, question=question.id, hidden=True, error=None, ran=True, output_text=""),)
    execution = Execution(status=RunStatus.COMPLETED, message="", scratch=tmp_path, probe_dir=tmp_path / "student", cells=cells)
    return judge_question(question, execution, key, JudgeContext(tmp_path / "student"))


def test_a_failed_question_names_the_requirement_it_missed(tmp_path):
    verdict = _judged_message(CENTRE, centre_in_place, centre, tmp_path)
    assert verdict.status is Status.FAILED
    assert verdict.message.startswith("Not yet met: leaves X unchanged.")
    verdict = _judged_message(MASK, mask_from_numpy, mask, tmp_path / "mask")
    assert verdict.message.startswith("Not yet met: draws every random number from rng.")


# Model rules, on the scorer's report of a real saved model ----------------------------------------


@pytest.fixture(scope="module")
def saved_report(tmp_path_factory):
    import keras

    from grader.modelscore import describe_model

    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    inputs = keras.Input(shape=(3,))
    norm = keras.layers.Normalization()
    norm.adapt(x[:30])
    hidden = keras.layers.Dense(4)(norm(inputs))
    hidden = keras.layers.Activation("relu")(hidden)
    outputs = keras.layers.Activation("sigmoid")(keras.layers.Dense(1)(hidden))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="binary_crossentropy")
    path = tmp_path_factory.mktemp("model") / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, compile=False)
    return describe_model(loaded, archive=path), x


def test_model_rules_read_compile_settings_layers_and_statistics(saved_report):
    report, x = saved_report
    rules = ModelRequirements(ModelSpec(input_shape=(3,), output_units=1, output_activation="sigmoid"), rules=(
            compiled_with(loss="binary_crossentropy", optimizer="Adam", learning_rate=2e-3),
            hidden_layers("Dense", units=(4,), activation="relu"),
            normalization_matches(lambda: (x[:30].mean(axis=0), x[:30].var(axis=0))),
        ))
    assert rules.problems(report) == []


@pytest.mark.parametrize(
    ("rule", "aspect", "words"),
    [
        (compiled_with(loss="mse"), "compile", "loss"),
        (compiled_with(optimizer="SGD"), "compile", "optimizer"),
        (compiled_with(learning_rate=1e-3), "compile", "learning rate"),
        (hidden_layers("Dense", units=(8,)), "layers", "hidden Dense"),
        (hidden_layers("Dense", activation="tanh"), "layers", "activation"),
        (layer_setting("Embedding", "mask_zero", True, aspect="masking"), "masking", "no Embedding"),
        (normalization_matches(lambda: (x_all().mean(axis=0), x_all().var(axis=0))), "preprocessing", "other data"),
    ],
)
def test_model_rules_name_what_is_wrong(saved_report, rule, aspect, words):
    report, _ = saved_report
    problems = ModelRequirements(rules=(rule,)).problems(report)
    assert len(problems) == 1 and problems[0][0] == aspect and words in problems[0][1]


def x_all():
    return np.random.default_rng(0).normal(size=(40, 3)).astype("float32")


def test_loss_names_are_keras_own(saved_report):
    report, _ = saved_report
    assert ModelRequirements(rules=(compiled_with(loss="BinaryCrossentropy"),)).problems(report) == []
    with pytest.raises(ValueError):
        compiled_with(loss="binarycrossentropy").check(report)
