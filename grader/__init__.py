"""keras-course's instructor side: the split-trust grader behind the ``grader`` command (see `grader.cli`).

What runs in a student's kernel or in Colab is the student side, the
`keras_course` package; it never imports this one.
"""

__version__ = "0.1.0"
