"""Data and baselines for the three projects that follow the lessons (student side).

One module per project: `keras_course.projects.digits` (MNIST), `keras_course.projects.reviews`
(film reviews) and `keras_course.projects.prices` (a price series). Each loads its data
offline from an installed package by default; the full data sets download only
in Colab, behind a flag the notebook states, and never while the grader runs.
"""
