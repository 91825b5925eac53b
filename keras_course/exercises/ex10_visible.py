"""Exercise 10's visible examples: the right answers, as numbers (the reference code stays with the instructor).

Made once with `grader.references.recurrent` (float64) for the arguments of the visible checks in
`keras_course.exercises.ex10_recurrent_networks`; `tests/test_exercise_10.py` recomputes and compares them.
"""

import numpy as np

# rnn_forward(x=[[[1], [0], [0]]], h0=[[0]], W_x=[[1]], W_h=[[0.5]], b=[0]), and 2 sequences of 4 steps and 2 units.
Q1_ONE_ARGS = (np.array([[[1.0], [0.0], [0.0]]]), np.zeros((1, 1)), np.array([[1.0]]), np.array([[0.5]]), np.zeros(1))
_RNG = np.random.default_rng(1010)
Q1_TWO_ARGS = (
    _RNG.normal(0.0, 0.8, size=(2, 4, 3)).round(1),
    _RNG.normal(0.0, 0.5, size=(2, 2)).round(1),
    _RNG.normal(0.0, 0.7, size=(3, 2)).round(1),
    np.array([[0.9, -0.6], [0.3, 0.4]]),
    np.array([0.1, -0.2]),
)
# Their states.
Q1_ONE_STATES = np.array([0.7615941559557649, 0.36339948438905245, 0.1797262071203191]).reshape(1, 3, 1)
Q1_TWO_STATES = np.array([
    [[0.43008421140197933, -0.6858090622290944], [0.5236336587247973, -0.9705898489326067],
     [0.0997604047432888, -0.9944528030954807], [-0.5905768965465711, -0.8136169918489835]],
    [[-0.38847268021606096, 0.9328615534370349], [-0.34500873744755733, 0.11570766646917222],
     [-0.5952742050460963, 0.8963411734695359], [-0.7644536914931176, 0.9953019445751675]],
])  # fmt: skip
Q2_SERIES = np.array([10.0, 11.0, 12.0, 13.0, 14.0, 15.0])
# make_windows(Q2_SERIES, 3, 1) and (Q2_SERIES, 2, 3): the windows without their feature axis, and the targets.
Q2_WINDOWS_3_1 = ([[10, 11, 12], [11, 12, 13], [12, 13, 14]], [13, 14, 15])
Q2_WINDOWS_2_3 = ([[10, 11], [11, 12]], [14, 15])
Q3_SERIES = np.array([2.0, 4.0, 6.0, 8.0, 30.0])
# scale_series(Q3_SERIES, 4): the first 4 values have mean 5 and std sqrt(5) (ddof=0).
Q3_MEAN, Q3_STD = 5.0, 2.23606797749979
Q3_SCALED = np.array(
    [-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738, 11.180339887498947]
)
