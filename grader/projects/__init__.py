"""Data and baselines for the three projects that follow the lessons (student side).

One module per project: `grader.projects.digits` (MNIST), `grader.projects.reviews`
(film reviews) and `grader.projects.prices` (a price series). Each loads its data
offline from an installed package by default; the full data sets download only
in Colab, behind a flag the notebook states, and never while the grader runs.
"""
