"""A class of curious, careless and malicious students: wrong work scores zero, right work full marks.

Exercise 02 is NumPy only, so each notebook runs in about a second. Every attacker
answers q3 (softmax) wrongly and tries to make the grader believe otherwise; the
control students show the same batch can give points.
"""

import json

import nbformat
import pytest

from grader.grade import grade_class
from grader.sample_class import make_submission, solution_answers

pytestmark = pytest.mark.slow
NOTEBOOK = "02_activations_and_losses"
WRONG_SOFTMAX = "def softmax(z):\n    return np.exp(z)  # not normalized\n"

ATTACKS = {
    "input_transformer": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'] if 'probe' in ''.join(lines) else lines)",
    "custom_exception_handler": "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)",
    "traceback_patch": "import IPython.core.interactiveshell as s\ns.InteractiveShell.showtraceback = lambda *a, **k: None",
    "post_execute_forgery": (
        "import json, os\n"
        "def forge(*args):\n"
        "    d = os.environ.get('GRADER_PROBE_DIR')\n"
        "    items = {f'p0.case{i}': {'type': 'array', 'dtype': 'float64', 'shape': [2, 3], 'data': [1/3] * 6} for i in range(20)}\n"
        "    open(os.path.join(d, 'q3_softmax.json'), 'w').write(json.dumps({'question': 'q3_softmax', 'items': items}))\n"
        "get_ipython().events.register('post_run_cell', forge)"
    ),
    "numpy_patch": "import numpy\nnumpy.allclose = lambda *a, **k: True\nnumpy.array_equal = lambda *a, **k: True\nnumpy.isnan = lambda x: numpy.zeros(numpy.shape(x), bool)",
    "settrace": "import sys\nsys.settrace(lambda frame, event, arg: None)",
    "builtins": "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.type = lambda *a: float",
    "channel_patch": "import keras_course.channel as c\nc.encode = lambda v: {'type': 'array', 'dtype': 'float64', 'shape': [], 'data': [1.0]}",
    "fake_output": "print('q3_softmax: all 3 visible checks passed.')\nprint('All tests passed! Score: 11/11')",
    "probe_dir_link": "import os, shutil\nd = os.environ['GRADER_PROBE_DIR']\nshutil.rmtree(d)\nos.symlink('/tmp', d)",
    "kill_own_group": "import os, signal\nos.killpg(0, signal.SIGKILL)",
    "process_flood": "import os, time\nfor _ in range(5000):\n    try:\n        if os.fork() == 0:\n            time.sleep(60)\n            os._exit(0)\n    except OSError:\n        break",
}




ALWAYS_EQUAL = (
    "class Anything(float):\n"
    "    def __eq__(self, other): return True\n"
    "    def __array__(self, *a, **k): raise TypeError('no')\n"
    "def softmax(z):\n"
    "    return Anything(1.0)\n"
)


@pytest.fixture(scope="module")
def graded(course, config, tmp_path_factory):
    root = tmp_path_factory.mktemp("attacks")
    source, released = course.read_source(NOTEBOOK), course.read_released(NOTEBOOK)
    right = solution_answers(source)

    def write(student, nb):
        (root / "class" / student).mkdir(parents=True)
        nbformat.write(nb, root / "class" / student / f"{NOTEBOOK}.ipynb")

    for name, attack in ATTACKS.items():
        write(name, make_submission(source, released, {"q3-answer": attack + "\n\n" + WRONG_SOFTMAX}))
    write("always_equal", make_submission(source, released, {"q3-answer": ALWAYS_EQUAL}))
    write("control_right", make_submission(source, released, right))
    write("control_wrong", make_submission(source, released, {"q3-answer": WRONG_SOFTMAX}))
    v3 = nbformat.convert(make_submission(source, released, right), 3)
    (root / "class" / "nbformat_v3").mkdir()
    (root / "class" / "nbformat_v3" / f"{NOTEBOOK}.ipynb").write_text(nbformat.writes(v3, version=3))
    reordered = make_submission(source, released, right)
    reordered.cells = list(reversed(reordered.cells))
    write("reordered", reordered)
    edited = make_submission(source, released, right)
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "print('edited away')"
    write("tests_edited", edited)
    many = make_submission(source, released, right)
    many.cells += [nbformat.v4.new_code_cell("") for _ in range(10_000)]
    write("ten_thousand_cells", many)
    bad_files = {
        "empty": b"",
        "binary": bytes(range(256)) * 40,
        "script": b"import numpy as np\nprint('I am a Python script')\n",
        "wrong_json": json.dumps({"hello": "world"}).encode(),
        "huge": b'{"cells": [], "x": "' + b"a" * (100 * 1024 * 1024) + b'"}',
    }
    for student, data in bad_files.items():
        (root / "class" / student).mkdir()
        (root / "class" / student / f"{NOTEBOOK}.ipynb").write_bytes(data)
    # Attacks that break the kernel (redefined builtins) end by timeout: keep it short here.
    results = grade_class(root / "class", root / "out", config.with_overrides(cell_timeout=15, notebook_timeout=60))
    return {r.submission.student: r for r in results}


def q3(result):
    return next(v for v in result.verdicts if v.question == "q3_softmax")


@pytest.mark.parametrize("attack", [*ATTACKS, "always_equal"])
def test_wrong_work_with_an_attack_scores_zero(graded, attack):
    assert graded[attack].score == 0, graded[attack].verdicts


def test_controls_show_the_batch_can_give_points(graded):
    assert graded["control_right"].score == graded["control_right"].max_score == 11
    assert q3(graded["control_wrong"]).status.value == "failed"


def test_attacks_end_with_a_status_that_says_why(graded):
    assert graded["kill_own_group"].status.value == "crashed"
    assert graded["process_flood"].status.value == "processes"
    assert graded["builtins"].status.value in {"completed", "timeout", "crashed"}


@pytest.mark.parametrize("student", ["nbformat_v3", "ten_thousand_cells", "reordered", "tests_edited"])
def test_unusual_but_correct_notebooks_get_full_marks(graded, student):
    assert graded[student].score == 11, graded[student].verdicts


@pytest.mark.parametrize("student", ["empty", "binary", "script", "wrong_json", "huge"])
def test_bad_files_are_invalid_with_a_reason(graded, student):
    result = graded[student]
    assert result.status.value == "invalid" and result.score == 0
    assert result.message
