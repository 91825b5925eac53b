"""Exercise 14's visible examples as numbers: what Keras's own training gives (its code stays with the instructor).

Made by `grader.references.under_the_hood` from the arguments of the visible checks of
`keras_course.exercises.ex14_under_the_hood` (`_step_args`, `_fit_args`: Dense kernels drawn by NumPy, so they hold on
any Keras version), float32 values to 9 digits; `tests/test_exercise_14.py` recomputes and compares them.
"""

import numpy as np

# One train_on_batch with SGD(0.1): the batch's loss before the update, then each weight after it (model.weights order).
VISIBLE_STEP = {
    "loss": 1.30973744,
    "weights": [
        # sequential/dense/kernel, shape (4, 8)
        np.reshape([
            -0.580517709, -0.368739098, 0.423742026, 0.115034133, -0.564754188, -0.0918844268, -0.0415524878,
            -0.473051935, 0.332434207, -0.54391253, -0.157246545, 0.0191723648, -0.101427265, 0.105280019, 0.33277303,
            0.635777116, -0.304711282, 0.198694855, 0.270323098, -0.289197594, -0.699622929, 0.664492965,
            -0.281291097, -0.261100233, 0.544101954, 0.120697685, -0.0306494161, 0.383600056, -0.658057332,
            0.293349743, -0.175937131, -0.578588963,
        ], (4, 8)),
        # sequential/batch_normalization/gamma, shape (8,)
        np.reshape([
            0.996728957, 0.999379039, 0.99725771, 0.999923408, 0.988070548, 0.99904871, 1.00288332, 0.986748219,
        ], (8,)),
        # sequential/batch_normalization/beta, shape (8,)
        np.reshape([
            0.0017123135, -0.00128208951, -0.0035212487, -0.00118236674, -0.00999077596, 0.00202792906,
            8.09158228e-05, -0.00762511929,
        ], (8,)),
        # sequential/batch_normalization/moving_mean, shape (8,)
        np.reshape([
            0.0026502558, -0.00218280032, 0.00212511024, 0.00155903457, -0.0134529304, 0.00806345977, -0.00154724834,
            -0.00417642388,
        ], (8,)),
        # sequential/batch_normalization/moving_variance, shape (8,)
        np.reshape([
            1.01138604, 1.00076795, 0.998334885, 0.998745739, 1.04710019, 1.01183391, 0.998894095, 1.03090274,
        ], (8,)),
        # sequential/dense_1/kernel, shape (8, 3)
        np.reshape([
            0.240687475, 0.590817213, -0.4126876, 0.180561513, -0.281177878, 0.338630319, 0.305279106, -0.389579684,
            0.463374496, 0.225326821, 0.250857979, 0.448552817, -0.0775208473, 0.348899662, 0.52068311, -0.552766144,
            0.490734905, -0.153546929, -0.00519559719, -0.508072555, 0.267490923, -0.26323837, 0.502926588,
            -0.325799227,
        ], (8, 3)),
        # sequential/dense_1/bias, shape (3,)
        np.reshape([
            0.017385846, -0.00324571552, -0.0141401282,
        ], (3,)),
    ],
}
# fit(x, y, batch_size=16, epochs=4, shuffle=False) with SGD(0.1): the per-epoch loss and accuracy.
VISIBLE_FIT = {
    "loss": [1.48221362, 1.29255486, 1.16713142, 1.07526469],
    "accuracy": [0.25, 0.328125, 0.390625, 0.46875],
}
