"""The first code cell of every lesson and exercise: set up Colab, say whether a GPU is in use.

In Colab it installs the course package from the course repository (whose URL
is set once, in ``pyproject.toml``) and keeps Colab's own TensorFlow and Keras;
anywhere it prints whether a GPU is there, without importing TensorFlow (a
NumPy-only notebook should not pay for that import). The cell must run before
the course is installed, so it is plain code, kept here as text.

Example:

>>> "google.colab" in setup_cell_source("https://github.com/me/course")
True
"""

from __future__ import annotations

# The course repository students install from (the student side states it; grader.config reads it from here).
REPOSITORY_URL = "https://github.com/keras-course/keras-course"

SETUP_TEMPLATE = '''# Setup: in Google Colab this installs the course package (Colab's own TensorFlow and Keras are kept).
import shutil
import subprocess
import sys

if "google.colab" in sys.modules:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "keras-course @ git+{repository}"],
        check=True,
    )
_gpus = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout if shutil.which("nvidia-smi") else ""
print(f"GPU in use: {{_gpus.splitlines()[0]}}" if _gpus.strip() else "No GPU: this notebook runs on the CPU, and is sized for it.")'''


def setup_cell_source(repository: str = REPOSITORY_URL) -> str:
    """The setup cell's code for a course hosted at ``repository``."""
    return SETUP_TEMPLATE.format(repository=repository)
