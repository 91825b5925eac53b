"""keras-course's instructor side: the split-trust grader behind the ``grader`` command (see `grader.cli`).

What runs in a student's kernel or in Colab is the student side, the
`keras_course` package; it never imports this one.
"""

import sys

__version__ = "0.1.0"

# jsonschema, which nbformat imports, builds a parser for the "iri" string formats at import time when the
# optional rfc3987-syntax is installed (jupyter-events pulls it in): a second of a core in every grader
# process, the coordinator and each worker. Notebook schemas never use those formats, so grader processes
# import jsonschema without them (`tests/test_ingest.py` checks that notebooks still validate).
sys.modules.setdefault("rfc3987_syntax", None)
