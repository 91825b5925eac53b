"""keras-course: the course's student helpers and its split-trust grader.

Students use `grader.exercises` (visible checks and hints) and `grader.data`
(offline datasets). Instructors use the ``grader`` command (see `grader.cli`).
"""

__version__ = "0.1.0"
