"""``grader audit``: attack an exercise the way students might, and say which defences held.

Each case is a submission built from the exercise: a wrong answer to its first
question plus an attack, a correct notebook mangled the way Colab mangles it,
or a broken file. The cases run through the real pipeline (normalize, execute in
the sandbox, judge) and each is checked against what must hold: wrong work
scores zero, nothing leaks or is written outside the sandbox, no connection
gets through, runaway code ends with a status that says why, correct work
keeps its marks. Each case also names the tampering signals (`grader.flags`)
it must raise; a case whose flag is missing is reported, and correct work,
however mangled, must raise none.

Example:

>>> report = run_audit(Course(Path(".")), "01_the_neuron", config)  # doctest: +SKIP
>>> all(case.held for case in report)  # doctest: +SKIP
True
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import nbformat

from grader.build import ensure_key
from grader.config import GraderConfig
from grader.course import Course
from grader.flags import Flag, FlagKind, notebook_flags
from grader.heldout import load_secret
from grader.jobs import Job, JobResult, run_job
from grader.judge import HeldoutScorer, judge_notebook
from grader.modelscore import ModelScorerProcess
from grader.normalize import role_of
from grader.outcomes import RunStatus, Submission, Verdict
from grader.probe_verdicts import JudgeContext
from grader.sample_class import make_submission, solution_answers

LEAK = "AUDIT-LEAKED"

TAMPERING = {  # name: (code, the flags it must raise)
    "input transformer rewrites later cells": (
        "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'] if 'probe' in ''.join(lines) else lines)",
        (FlagKind.INPUT_TRANSFORMER, FlagKind.HIDDEN_TEST_WITHOUT_DATA),
    ),
    "custom exception handler": (
        "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)", (FlagKind.EXCEPTION_HANDLER,),
    ),
    "patched traceback display": (
        "import IPython.core.interactiveshell as s\ns.InteractiveShell.showtraceback = lambda *a, **k: None",
        (FlagKind.TRACEBACK_PATCHED,),
    ),
    "post-execute hook forges probe data": (
        "import json, os\n"
        "def forge(*args):\n"
        "    d = os.environ.get('GRADER_PROBE_DIR')\n"
        "    for name in os.listdir(d):\n"
        "        if name.endswith('.json'):\n"
        "            doc = json.load(open(os.path.join(d, name)))\n"
        "            doc['items'] = {k: {'type': 'array', 'dtype': 'float64', 'shape': [], 'data': [0.5]} for k in doc['items']}\n"
        "            open(os.path.join(d, name), 'w').write(json.dumps(doc))\n"
        "get_ipython().events.register('post_run_cell', forge)",
        (FlagKind.EVENT_HOOK, FlagKind.PROBE_FOLDER_TOUCHED),
    ),
    "monkeypatched numpy comparisons": (
        "import numpy\nnumpy.allclose = lambda *a, **k: True\nnumpy.array_equal = lambda *a, **k: True\nnumpy.isclose = lambda *a, **k: True",
        (FlagKind.FUNCTION_REPLACED,),
    ),
    "monkeypatched math": ("import math\nmath.isclose = lambda *a, **k: True\nmath.isnan = lambda x: False", (FlagKind.FUNCTION_REPLACED,)),
    "sys.settrace": ("import sys\nsys.settrace(lambda frame, event, arg: None)", (FlagKind.TRACE_HOOK,)),
    "redefined builtins": (  # IPython itself hangs without len: what is seen is the grader killing the run
        "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.len = lambda x: 0", (FlagKind.PROCESSES_KILLED,),
    ),
    "patched probe channel": (
        "import keras_course.channel as c\nc.encode = lambda v: {'type': 'array', 'dtype': 'float64', 'shape': [], 'data': [1.0]}",
        (FlagKind.FUNCTION_REPLACED,),
    ),
    "output imitating a pass": (
        "print('{target}: all 3 visible checks passed.')\nprint('  [ok]    {target} (2 pt): visible checks pass')",
        (FlagKind.IMITATED_PASS,),
    ),
    "probe folder swapped for a link": (
        "import os, shutil\nd = os.environ['GRADER_PROBE_DIR']\nshutil.rmtree(d)\nos.symlink('/tmp', d)", (FlagKind.PROBE_FOLDER_TOUCHED,),
    ),
}
FORGE_PLAUSIBLE = """import json, os, random
def _forge(*args, _name={name!r}):
    folder = os.environ.get('GRADER_PROBE_DIR', '')
    path = os.path.join(folder, _name)
    if not os.path.isfile(path):
        return
    doc = json.load(open(path))
    rng = random.Random(0)
    for key, item in doc['items'].items():
        if item.get('type') == 'array':  # the same shape and type as a real answer, plausible numbers
            item['data'] = [rng.random() if item['dtype'] == 'float64' else rng.randint(0, 1) for _ in item['data']]
        elif item.get('type') in ('error', 'none'):  # an unanswered call dressed up as a number in [0, 1)
            doc['items'][key] = {{'type': 'array', 'dtype': 'float64', 'shape': [], 'data': [rng.random()]}}
    open(path, 'w').write(json.dumps(doc))
get_ipython().events.register('post_run_cell', _forge)
"""
ALWAYS_EQUAL = (
    "class Anything(float):\n"
    "    def __eq__(self, other): return True\n"
    "    def __ne__(self, other): return False\n"
    "    def __array__(self, *a, **k): raise TypeError('not an array')\n"
)


@dataclass(frozen=True)
class CaseRun:
    """What one audit case produced."""

    job: JobResult
    verdicts: tuple[Verdict, ...]
    flags: tuple[Flag, ...] = ()

    def output(self) -> str:
        cells = self.job.execution.cells if self.job.execution else ()
        return "".join(c.output_text for c in cells)

    def score(self, question: str) -> float:
        return sum(v.score for v in self.verdicts if v.question == question)


@dataclass(frozen=True)
class AuditCase:
    """One attack or fault, and the check that says whether the defence held."""

    category: str
    name: str
    notebook: Callable[[], nbformat.NotebookNode | bytes]
    holds: Callable[[CaseRun], str | None]  # None when the defence held, else what went wrong
    flags: tuple[FlagKind, ...] = ()  # the tampering signals it must raise
    honest: bool = False  # correct work: it must raise no flag at all

    def missing_flags(self, run: CaseRun) -> str | None:
        """None when the case raised what it must (and honest work nothing), else what was missing or raised.

        >>> case = AuditCase("tampering", "x", lambda: b"", lambda run: None, (FlagKind.TRACE_HOOK,))
        >>> case.missing_flags(CaseRun(JobResult(None, RunStatus.INVALID, ""), ()))
        'no trace_hook flag'
        """
        raised = {f.flag for f in run.flags}
        if self.honest and raised:
            return "correct work raised " + ", ".join(sorted(k.value for k in raised))
        missing = [k.value for k in self.flags if k not in raised]
        return f"no {', '.join(missing)} flag" if missing else None


@dataclass(frozen=True)
class AuditResult:
    """How one case went: ``held`` (the defence), ``flagged`` (its flags raised, or none for correct work)."""

    category: str
    name: str
    held: bool
    detail: str
    flagged: bool = True


class _Listener:
    """A loopback TCP server on the host that counts connections (the network case)."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
                self.accepted += 1
                connection.close()
            except OSError:
                continue

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


def _function_name(source: str) -> str | None:
    match = re.search(r"^def (\w+)\(", source, re.M)
    return match.group(1) if match else None


class Audit:
    """Builds the cases for one exercise and runs them."""

    def __init__(self, course: Course, notebook: str, config: GraderConfig, root: Path) -> None:
        self.course, self.notebook, self.config, self.root = course, notebook, config, root
        self.source = course.read_source(notebook)
        self.released = course.read_released(notebook)
        self.exercise = course.exercise(notebook)
        answers = [c for c in self.source.cells if role_of(c).kind == "answer"]
        self.target_cell = answers[0]
        tests = [c for c in self.source.cells if role_of(c).kind == "test"]
        self.target = role_of(tests[0]).grade_id
        self.function = _function_name(self.target_cell.source)
        self.right = solution_answers(self.source)
        self.listener = _Listener()
        self.marks = [course.root / "AUDIT_MARK", Path.home() / "AUDIT_MARK", root / "AUDIT_MARK"]

    # ----------------------------------------------------------------- submissions

    def wrong_answer(self) -> str:
        if self.function:
            return f"def {self.function}(*args, **kwargs):\n    return 0\n"
        return ""

    def attacked(self, attack: str, answer: str | None = None) -> Callable[[], nbformat.NotebookNode]:
        body = attack + "\n\n" + (self.wrong_answer() if answer is None else answer)
        return lambda: make_submission(self.source, self.released, {self.target_cell["id"]: body})

    def mangled_correct(self) -> nbformat.NotebookNode:
        nb = make_submission(self.source, self.released, self.right)
        for index, cell in enumerate(nb.cells):
            cell.metadata = {}
            cell["id"] = f"colab-{index}"
        nb.metadata.pop("keras_course", None)
        return nb

    def answer_cells_by_question(self) -> dict[str, str]:
        """The id of the answer cell each question's test cell follows."""
        found, last = {}, None
        for cell in self.source.cells:
            role = role_of(cell)
            if role.kind == "answer":
                last = cell["id"]
            elif role.kind == "test" and last is not None:
                found.setdefault(role.grade_id, last)
        return found

    def probe_kinds(self) -> list[tuple[str, str]]:
        """``(probe kind, question id)``: the first question judged by each kind of hidden probe."""
        seen: dict[str, str] = {}
        for question in self.exercise.questions if self.exercise else ():
            for probe in question.probes:
                seen.setdefault(type(probe).__name__, question.id)
        return list(seen.items())

    def forged(self, question: str) -> Callable[[], nbformat.NotebookNode]:
        """Every answer right except ``question``'s, left as released, whose probe items a hook forges."""
        target = self.answer_cells_by_question()[question]
        answers = dict(self.right)
        answers[target] = next(c.source for c in self.released.cells if c.get("id") == target)  # as released: unanswered
        first = next(c["id"] for c in self.source.cells if role_of(c).kind == "answer")
        answers[first] = FORGE_PLAUSIBLE.format(name=f"{question}.json") + "\n" + answers[first]
        return lambda: make_submission(self.source, self.released, answers)

    def with_duplicated_answer(self) -> nbformat.NotebookNode:
        nb = make_submission(self.source, self.released, self.right)
        index = next(i for i, c in enumerate(nb.cells) if c.get("id") == self.target_cell["id"])
        twin = copy.deepcopy(nb.cells[index])
        twin["id"] = "duplicate"
        nb.cells.insert(index, twin)
        nb.cells = [c for c in nb.cells if role_of(c).kind != "test"]  # and its test cells deleted
        return nb

    # ----------------------------------------------------------------- checks

    def zero_on(self, question: str) -> Callable[[CaseRun], str | None]:
        def check(run: CaseRun) -> str | None:
            score = run.score(question)
            return None if score == 0 else f"forged probe data scored {score:g} on {question}"

        return check

    def zero_on_target(self, run: CaseRun) -> str | None:
        score = run.score(self.target)
        return None if score == 0 else f"wrong work scored {score:g} on {self.target}"

    def full_marks(self, run: CaseRun) -> str | None:
        lost = [v.question for v in run.verdicts if v.score < v.max_score]
        return None if not lost else f"correct work lost points on {', '.join(lost)}"

    def status_is(self, *statuses: RunStatus) -> Callable[[CaseRun], str | None]:
        def check(run: CaseRun) -> str | None:
            ok = run.job.status in statuses and self.zero_on_target(run) is None
            return None if ok else f"status {run.job.status.value}, expected {' or '.join(s.value for s in statuses)}"

        return check

    def nothing_leaked(self, run: CaseRun) -> str | None:
        return f"the notebook printed {LEAK}" if LEAK in run.output() else self.zero_on_target(run)

    def nothing_written(self, run: CaseRun) -> str | None:
        written = [str(p) for p in self.marks if p.exists()]
        return f"wrote {', '.join(written)}" if written else self.zero_on_target(run)

    def no_connection(self, run: CaseRun) -> str | None:
        return f"{self.listener.accepted} connection(s) reached the host" if self.listener.accepted else None

    def output_bounded(self, run: CaseRun) -> str | None:
        if run.job.execution is None:
            return f"status {run.job.status.value}"
        executed = nbformat.read(run.job.execution.scratch / "executed.ipynb", as_version=4)
        size = sum(len(json.dumps(c.get("outputs", []))) for c in executed.cells)
        limit = self.config.limits.output_kb * 1024 + 64 * 1024  # the bound, plus the cut notes
        return None if size <= limit else f"kept {size} bytes of output, more than {limit}"

    # ----------------------------------------------------------------- cases

    def cases(self) -> list[AuditCase]:
        c = self.course
        reads = [c.source_path(self.notebook), c.key_path(self.notebook), c.private_dir / "secret",
                 self.root / "out" / "gradebook.db", Path.home() / ".bashrc"]
        read_code = (
            "import glob, os\n"
            f"targets = {[str(p) for p in reads]!r}\n"
            "mine = os.environ['GRADER_PROBE_DIR']\n"
            "targets += [p for p in glob.glob(os.path.join(mine, '..', '..', '..', '*', 'shared', '**'), recursive=True) if not p.startswith(os.path.dirname(mine))]\n"
            "for t in targets:\n"
            "    try:\n"
            "        if os.path.isfile(t):\n"
            f"            open(t, 'rb').read(10); print({LEAK!r}, t)\n"
            "    except OSError:\n"
            "        pass\n"
        )
        write_code = "".join(
            f"try:\n    open({str(p)!r}, 'w').write('x')\nexcept OSError:\n    pass\n" for p in self.marks
        )
        net_code = (
            "import socket\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {self.listener.port}), timeout=2)\n"
            "    print('connected')\n"
            "except OSError:\n"
            "    pass\n"
        )
        memory = self.config.limits.memory_mb + 512
        cases = [AuditCase("tampering", name, self.attacked(code.replace("{target}", self.target)), self.zero_on_target, flags)
                 for name, (code, flags) in TAMPERING.items()]
        if self.function:
            always = ALWAYS_EQUAL + f"def {self.function}(*args, **kwargs):\n    return Anything(1.0)\n"
            cases.append(AuditCase("tampering", "object equal to everything", self.attacked("", always), self.zero_on_target,
                                   (FlagKind.EQUALITY_OVERRIDDEN,)))
        cases += [
            AuditCase("forged probe data", f"{kind} items forged with plausible values ({question})", self.forged(question),
                      self.zero_on(question), (FlagKind.EVENT_HOOK,))
            for kind, question in self.probe_kinds()
        ]
        killed = (FlagKind.PROCESSES_KILLED,)
        cases += [
            AuditCase("reading", "hidden tests, keys, secret, gradebook, home, classmates", self.attacked(read_code), self.nothing_leaked),
            AuditCase("writing", "course folder, home, run folder", self.attacked(write_code), self.nothing_written),
            AuditCase("network", "loopback connection to the host", self.attacked(net_code), self.no_connection, (FlagKind.NETWORK,)),
            AuditCase("resources", "infinite loop", self.attacked("while True:\n    pass"), self.status_is(RunStatus.TIMEOUT), killed),
            AuditCase("resources", "memory bomb", self.attacked(f"x = bytearray({memory} * 1024 * 1024)"), self.status_is(RunStatus.MEMORY),
                      killed),
            AuditCase(
                "resources",
                "process flood",
                self.attacked("import os, time\nfor _ in range(5000):\n    try:\n        if os.fork() == 0:\n            time.sleep(600)\n            os._exit(0)\n    except OSError:\n        break"),
                self.status_is(RunStatus.PROCESSES),
                killed,
            ),
            AuditCase("resources", "output flood", self.attacked("for _ in range(200000):\n    print('spam' * 20)"), self.output_bounded),
            AuditCase("resources", "kills its own process group", self.attacked("import os, signal\nos.killpg(0, signal.SIGKILL)"), self.status_is(RunStatus.CRASHED),
                      (FlagKind.KERNEL_DIED,)),
            AuditCase("bad input", "invalid JSON", lambda: b'{"cells": [', self.status_is(RunStatus.INVALID)),
            AuditCase("bad input", "empty file", lambda: b"", self.status_is(RunStatus.INVALID)),
            AuditCase("bad input", "binary data", lambda: bytes(range(256)) * 64, self.status_is(RunStatus.INVALID)),
            AuditCase("bad input", "Python script renamed .ipynb", lambda: b"print('hello')\n", self.status_is(RunStatus.INVALID)),
            AuditCase("correct work, mangled", "metadata and cell ids stripped (Colab)", self.mangled_correct, self.full_marks, honest=True),
            AuditCase("correct work, mangled", "answer duplicated, test cells deleted", self.with_duplicated_answer, self.full_marks,
                      honest=True),
        ]
        return cases

    # ----------------------------------------------------------------- running

    def run(self, categories: list[str] | None = None) -> list[AuditResult]:
        cases = [c for c in self.cases() if not categories or c.category in categories]
        if not cases:
            raise ValueError(f"No audit case in categories {categories}. Known: {sorted({c.category for c in self.cases()})}")
        key = ensure_key(self.course, self.notebook, self.config)
        jobs = []
        for index, case in enumerate(cases):
            folder = self.root / "class" / f"case{index:02d}"
            folder.mkdir(parents=True)
            path = folder / f"{self.notebook}.ipynb"
            made = case.notebook()
            path.write_bytes(made if isinstance(made, bytes) else nbformat.writes(made).encode())
            scratch = self.root / "runs" / f"case{index:02d}"
            scratch.mkdir(parents=True)
            jobs.append(Job(Submission(f"case{index:02d}", self.notebook, path), self.course.source_path(self.notebook),
                            self.course.released_path(self.notebook), scratch, self.config.limits, self.config.sandbox, self.config.seed))
        with ProcessPoolExecutor(max_workers=max(1, self.config.workers), mp_context=get_context("spawn")) as pool:
            job_results = list(pool.map(run_job, jobs))
        results = []
        with ModelScorerProcess(self.root / "judge", sandbox=self.config.sandbox) as process:
            scorer = HeldoutScorer(process, load_secret(self.course.private_dir))
            for case, job in zip(cases, job_results, strict=True):
                verdicts: tuple[Verdict, ...] = ()
                if job.execution is not None:
                    context = JudgeContext(job.execution.probe_dir, scorer)
                    verdicts = judge_notebook(self.exercise, job.execution, key, context)
                run = CaseRun(job, verdicts, notebook_flags(Submission(case.name, self.notebook, None), job.execution))
                results.append(_result(case, run))
        for mark in self.marks:
            mark.unlink(missing_ok=True)
        self.listener.close()
        return results


def _result(case: AuditCase, run: CaseRun) -> AuditResult:
    """The case's result; its detail names the flags raised (or the ones missing)."""
    problem, missing = case.holds(run), case.missing_flags(run)
    raised = ", ".join(dict.fromkeys(f.flag.value for f in run.flags)) or "none"
    detail = "; ".join(p for p in (problem, missing) if p) or run.job.status.value
    return AuditResult(case.category, case.name, problem is None, f"{detail}; flags: {raised}", missing is None)


def run_audit(
    course: Course, notebook: str, config: GraderConfig, categories: list[str] | None = None
) -> list[AuditResult]:
    """Run the built-in cases (all, or those of ``categories``) against one exercise."""
    root = Path(tempfile.mkdtemp(prefix="grader-audit-"))
    try:
        return Audit(course, notebook, config, root).run(categories)
    finally:
        shutil.rmtree(root, ignore_errors=True)
