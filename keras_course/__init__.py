"""keras-course's student side: what a notebook imports, in a student's kernel or in Colab.

`keras_course.exercises` holds one question module per exercise notebook
(visible checks, staged hints, and the probes that collect data for the hidden
tests), `keras_course.data`, `keras_course.corpus` and `keras_course.projects`
the offline data sets. Nothing here imports the instructor side, the `grader`
package, whose judging functions decide the grades (`tests/test_boundary.py`
holds the line).
"""
