"""The answer key: what the instructor's solution left for the judge, as one typed value.

`grader build` runs the solution as a submission and keeps, per question, the
plain items its hidden probes wrote (`keras_course.channel`); the judge compares a
student's items with these. The key is written as JSON under the course's
private folder and read back by `AnswerKey.from_json`, which refuses a key
written in another format with a message that names the file.

Example:

>>> key = AnswerKey("01_the_neuron", "abc", {"q1_weighted_sum": {"p0.value": 1.5}})
>>> AnswerKey.from_json(key.to_json()) == key
True
>>> key.items_of("q1_weighted_sum")
{'p0.value': 1.5}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.plain import PlainError, from_plain, to_plain

KEY_FORMAT = 2  # raise whenever the fields below change meaning: older keys are then refused


class AnswerKeyError(ValueError):
    """An answer key file this grader cannot read (another format, or damaged)."""


@dataclass(frozen=True)
class AnswerKey:
    """The judge's reference for one notebook.

    Args:
        notebook: the exercise id, e.g. ``"01_the_neuron"``.
        fingerprint: what the key was built from (`grader.buildstate.BuildState.fingerprint`);
            a key whose fingerprint is not the current one is stale.
        questions: per question id, the items the solution's probes wrote (names
            prefixed ``p<index>.`` by probe). Questions judged in the kernel have none.
        reference: per question id, the judge's detail on the solution (for the instructor).
            Defaults to none.
        seconds: how long the solution took to run. Defaults to 0.
        version: the key's file format. Defaults to `KEY_FORMAT`, this grader's.
    """

    notebook: str
    fingerprint: str
    questions: dict[str, dict[str, Any]]
    reference: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    version: int = KEY_FORMAT

    def items_of(self, question: str) -> dict[str, Any]:
        """The solution's probe items for ``question`` (none for a question without probes)."""
        return self.questions.get(question, {})

    def to_json(self) -> str:
        return json.dumps(to_plain(self))

    @classmethod
    def from_json(cls, text: str, source: Path | str = "the answer key") -> AnswerKey:
        """Read a key `to_json` wrote; ``source`` names the file in any error.

        Raises:
            AnswerKeyError: the text is not a key of this grader's format.

        Example:

        >>> AnswerKey.from_json('{"notebook": "01_the_neuron", "fingerprint": "x", "questions": {}}', "keys/01.json")
        Traceback (most recent call last):
        ...
        grader.answer_key.AnswerKeyError: keys/01.json: this answer key was written by an older grader (format 1; this grader reads format 2). Run `grader build 01_the_neuron` to rebuild it.
        """
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise AnswerKeyError(f"{source}: not an answer key ({exc}). Run `grader build` to rebuild it.") from exc
        return cls.from_dict(data, source)

    @classmethod
    def from_dict(cls, data: Any, source: Path | str = "the answer key") -> AnswerKey:
        """A key from the parsed JSON of its file (see `from_json`)."""
        if not isinstance(data, dict):
            raise AnswerKeyError(f"{source}: not an answer key. Run `grader build` to rebuild it.")
        version = data.get("version", 1)  # keys before the format had a number were format 1
        if version != KEY_FORMAT:
            age = "an older" if isinstance(version, int) and version < KEY_FORMAT else "another"
            command = f"grader build {data.get('notebook', '')}".strip()
            raise AnswerKeyError(
                f"{source}: this answer key was written by {age} grader (format {version}; this grader reads "
                f"format {KEY_FORMAT}). Run `{command}` to rebuild it."
            )
        try:
            return from_plain(cls, data)
        except PlainError as exc:
            raise AnswerKeyError(f"{source}: a damaged answer key ({exc}). Run `grader build` to rebuild it.") from exc
