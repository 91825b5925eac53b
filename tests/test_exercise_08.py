"""Exercise 08: different correct answers score full; each listed mistake loses the question's points."""

from __future__ import annotations

import numpy as np
import pytest
from judging import judged, missed
from numpy.lib.stride_tricks import sliding_window_view

from grader.heldout import make_heldout
from grader.outcomes import Status
from keras_course.checks import CheckFailed, ModelCheck
from keras_course.data import shifted_digits, shifted_digits_split
from keras_course.exercises import load_exercise
from keras_course.exercises.ex08_convolutional_networks import CNN_PARAMS, MAX_PARAMS
from keras_course.model_spec import ModelSpec

EXERCISE = load_exercise("08_convolutional_networks")
q1, q2, q3, q4, q5 = EXERCISE.questions


def assert_statuses(found, wanted):
    assert found == wanted, {name: (found[name], wanted[name]) for name in wanted if found[name] != wanted[name]}


# The instructor's answers, written as in the solution notebook.


def same_pads(n, k, s):
    total = max((-(-n // s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def conv2d(image, kernel, stride=1, padding="valid", pads=same_pads, flip=False):
    image, kernel = np.asarray(image, dtype=float), np.asarray(kernel, dtype=float)
    if flip:
        kernel = kernel[::-1, ::-1]
    kh, kw = kernel.shape
    if padding == "same":
        image = np.pad(image, [pads(image.shape[0], kh, stride), pads(image.shape[1], kw, stride)])
    rows, cols = (image.shape[0] - kh) // stride + 1, (image.shape[1] - kw) // stride + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = np.sum(image[i * stride : i * stride + kh, j * stride : j * stride + kw] * kernel)
    return out


def max_pool2d(x, pool_size=2, stride=None):
    stride = stride or pool_size
    rows, cols = (x.shape[0] - pool_size) // stride + 1, (x.shape[1] - pool_size) // stride + 1
    out = np.zeros((rows, cols, x.shape[2]))
    for i in range(rows):
        for j in range(cols):
            out[i, j] = x[i * stride : i * stride + pool_size, j * stride : j * stride + pool_size].max(axis=(0, 1))
    return out


def conv_layer_size(input_shape, filters, kernel_size, stride=1, padding="valid"):
    h, w, c = input_shape
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    rows, cols = (
        (-(-h // stride), -(-w // stride)) if padding == "same" else ((h - kh) // stride + 1, (w - kw) // stride + 1)
    )
    return (rows, cols, filters), (kh * kw * c + 1) * filters


def conv2d_layer(images, kernels, biases, stride=1, padding="valid", conv=conv2d):
    return np.stack(
        [
            np.stack(
                [
                    sum(conv(image[:, :, c], kernels[:, :, c, o], stride, padding) for c in range(kernels.shape[2]))
                    + biases[o]
                    for o in range(kernels.shape[3])
                ],
                axis=-1,
            )
            for image in images
        ]
    )


# Question 1: cross-correlation with Keras's padding and stride.


def conv2d_vectorized(image, kernel, stride=1, padding="valid"):
    # A different correct answer: padding from the output size, windows from sliding_window_view, einsum.
    kh, kw = np.shape(kernel)
    if padding == "same":
        image = np.pad(image, [same_pads(image.shape[0], kh, stride), same_pads(image.shape[1], kw, stride)])
    windows = sliding_window_view(image, (kh, kw))[::stride, ::stride]
    return np.einsum("ijuv,uv->ij", windows, kernel)


def conv2d_keras(image, kernel, stride=1, padding="valid"):
    import keras

    kernel = np.asarray(kernel, dtype="float32")
    layer = keras.layers.Conv2D(1, kernel.shape, strides=stride, padding=padding, use_bias=False)
    layer.build((1, *image.shape, 1))
    layer.set_weights([kernel[:, :, None, None]])
    return keras.ops.convert_to_numpy(layer(image[None, :, :, None].astype("float32")))[0, :, :, 0]


def symmetric_pads(n, k, s):
    return k // 2, k // 2


def extra_on_top(n, k, s):
    bottom, top = same_pads(n, k, s)
    return top, bottom


def conv2d_stride_after(image, kernel, stride=1, padding="valid"):
    return conv2d(image, kernel, 1, padding)[::stride, ::stride]


def conv2d_ignores_stride(image, kernel, stride=1, padding="valid"):
    return conv2d(image, kernel, 1, padding)


def conv2d_square_kernel_assumed(image, kernel, stride=1, padding="valid"):
    # Reads the kernel size from its first axis only: right for square kernels.
    k = np.shape(kernel)[0]
    return conv2d(image, np.resize(np.asarray(kernel, dtype=float), (k, k)), stride, padding)


def conv2d_output_like_input(image, kernel, stride=1, padding="valid"):
    # np.zeros_like(image) for the output: integer images give truncated integer outputs.
    result = conv2d(image, kernel, stride, padding)
    out = np.zeros_like(np.asarray(image), shape=result.shape)
    out[...] = result
    return out


def conv2d_rounds_up(image, kernel, stride=1, padding="valid"):
    # 'valid' with ceil((H - kh) / s) + 1 rows: a partial last window kept (zero-padded).
    if padding == "same":
        return conv2d(image, kernel, stride, padding)
    kh, kw = np.shape(kernel)
    rows, cols = -(-(image.shape[0] - kh) // stride) + 1, -(-(image.shape[1] - kw) // stride) + 1
    padded = np.pad(
        image, [(0, (rows - 1) * stride + kh - image.shape[0]), (0, (cols - 1) * stride + kw - image.shape[1])]
    )
    return conv2d(padded, kernel, stride, "valid")


def conv2d_correlate2d(image, kernel, stride=1, padding="valid"):
    # A different correct answer: pad by TensorFlow's rule, then scipy's 'valid' cross-correlation, every s-th output.
    from scipy.signal import correlate2d

    kh, kw = np.shape(kernel)
    image = np.asarray(image, dtype=float)
    if padding == "same":
        image = np.pad(image, [same_pads(image.shape[0], kh, stride), same_pads(image.shape[1], kw, stride)])
    return correlate2d(image, np.asarray(kernel, dtype=float), mode="valid")[::stride, ::stride]


def conv2d_squeezed(image, kernel, stride=1, padding="valid"):
    return np.squeeze(conv2d(image, kernel, stride, padding))


def test_conv2d_accepts_vectorized_and_keras_and_rejects_flips_and_wrong_padding(tmp_path):
    from scipy.signal import convolve2d

    statuses = judged(
        q1,
        {
            "loops": conv2d,
            "vectorized": conv2d_vectorized,
            "keras layer": conv2d_keras,
            "flipped kernel": lambda x, k, s=1, p="valid": conv2d(x, k, s, p, flip=True),
            "scipy convolve2d": lambda x, k, s=1, p="valid": convolve2d(x, k, mode="valid" if p == "valid" else "same")[
                ::s, ::s
            ],
            "same padding k // 2 on each side": lambda x, k, s=1, p="valid": conv2d(x, k, s, p, pads=symmetric_pads),
            "extra padding on top": lambda x, k, s=1, p="valid": conv2d(x, k, s, p, pads=extra_on_top),
            "stride-1 padding, then every s-th output": conv2d_stride_after,
            "stride ignored": conv2d_ignores_stride,
            "kernel height and width swapped": lambda x, k, s=1, p="valid": (
                conv2d(x, np.asarray(k).T, s, p).T if p == "valid" else conv2d(x, k, s, p)
            ),
            "square kernel assumed": conv2d_square_kernel_assumed,
            "output in the image's dtype": conv2d_output_like_input,
            "partial windows kept": conv2d_rounds_up,
            "squeezed": conv2d_squeezed,
            "nested lists": lambda x, k, s=1, p="valid": conv2d(x, k, s, p).tolist(),
            "scipy correlate2d on the padded image": conv2d_correlate2d,
            "float32": lambda x, k, s=1, p="valid": conv2d(x, k, s, p).astype(np.float32),
            "'same' padding for stride 1 (k - 1 in all)": lambda x, k, s=1, p="valid": conv2d(
                x, k, s, p, pads=lambda n, kk, ss: ((kk - 1) // 2, kk - 1 - (kk - 1) // 2)
            ),
            "columns padded by the rows' rule": lambda x, k, s=1, p="valid": conv2d(
                x, k, s, p, pads=lambda n, kk, ss: same_pads(np.shape(x)[0], kk, ss)
            ),
        },
        conv2d,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update(
        {
            "loops": Status.PASSED,
            "vectorized": Status.PASSED,
            "keras layer": Status.PASSED,
            "scipy correlate2d on the padded image": Status.PASSED,
            "float32": Status.PASSED,
        }
    )
    assert_statuses({n: s if s is not Status.ERROR else Status.FAILED for n, s in statuses.items()}, expected)


def test_conv2d_visible_checks_name_the_flip_and_the_padding_side():
    q1.check(conv2d_vectorized)
    with pytest.raises(CheckFailed, match="flipped the kernel"):
        q1.check(lambda x, k, s=1, p="valid": conv2d(x, k, s, p, flip=True))
    with pytest.raises(CheckFailed, match="after the image"):
        q1.check(lambda x, k, s=1, p="valid": conv2d(x, k, s, p, pads=symmetric_pads))


# Question 2: max pooling per channel.


def max_pool_vectorized(x, pool_size=2, stride=None):
    stride = pool_size if stride is None else stride
    return sliding_window_view(x, (pool_size, pool_size), axis=(0, 1))[::stride, ::stride].max(axis=(-2, -1))


def max_pool_keras(x, pool_size=2, stride=None):
    import keras

    layer = keras.layers.MaxPooling2D(pool_size, strides=stride)
    return keras.ops.convert_to_numpy(layer(x[None].astype("float32")))[0]


def max_pool_from_zero(x, pool_size=2, stride=None):
    return np.maximum(max_pool2d(x, pool_size, stride), 0.0)


def max_pool_partial_windows(x, pool_size=2, stride=None):
    stride = stride or pool_size
    rows, cols = -(-x.shape[0] // stride), -(-x.shape[1] // stride)
    return np.array(
        [
            [
                x[i * stride : i * stride + pool_size, j * stride : j * stride + pool_size].max(axis=(0, 1))
                for j in range(cols)
            ]
            for i in range(rows)
        ]
    )


def max_pool_rows_only(x, pool_size=2, stride=None):
    # The columns always jump by the pool size: wrong only when the stride is given and differs.
    stride = stride or pool_size
    by_rows = max_pool2d(x, pool_size, 1)[::stride]
    return by_rows[:, ::pool_size]


def max_pool_blocks(x, pool_size=2, stride=None, strided=max_pool2d):
    # Non-overlapping windows as a reshape into blocks; other strides fall back to ``strided``.
    if stride not in (None, pool_size):
        return strided(x, pool_size, stride)
    rows, cols = x.shape[0] // pool_size, x.shape[1] // pool_size
    blocks = x[: rows * pool_size, : cols * pool_size].reshape(rows, pool_size, cols, pool_size, x.shape[2])
    return blocks.max(axis=(1, 3))


def test_max_pool_accepts_vectorized_and_keras_and_rejects_stride_channels_and_zero(tmp_path):
    statuses = judged(
        q2,
        {
            "loops": max_pool2d,
            "vectorized": max_pool_vectorized,
            "keras layer": max_pool_keras,
            "stride 1 by default": lambda x, p=2, s=None: max_pool2d(x, p, s or 1),
            "across channels": lambda x, p=2, s=None: (
                max_pool2d(x, p, s).max(axis=-1, keepdims=True) + 0 * max_pool2d(x, p, s)
            ),
            "maximum starts at 0": max_pool_from_zero,
            "channels first": lambda x, p=2, s=None: np.moveaxis(max_pool2d(np.moveaxis(x, 0, -1), p, s), -1, 0),
            "partial windows kept": max_pool_partial_windows,
            "average pooling": lambda x, p=2, s=None: sliding_window_view(x, (p, p), axis=(0, 1))[
                :: s or p, :: s or p
            ].mean(axis=(-2, -1)),
            "squeezed": lambda x, p=2, s=None: np.squeeze(max_pool2d(x, p, s)),
            "windows never overlap": lambda x, p=2, s=None: max_pool2d(x, p, max(s or p, p)),
            "stride only along the rows": max_pool_rows_only,
            "blocks": max_pool_blocks,
            "blocks whatever the stride": lambda x, p=2, s=None: max_pool_blocks(x, p, None),
        },
        max_pool2d,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update(
        {"loops": Status.PASSED, "vectorized": Status.PASSED, "keras layer": Status.PASSED, "blocks": Status.PASSED}
    )
    assert_statuses(statuses, expected)


def test_max_pool_visible_checks_catch_the_default_stride_and_the_zero():
    q2.check(max_pool_vectorized)
    with pytest.raises(CheckFailed, match="jumps by its own size"):
        q2.check(lambda x, p=2, s=None: max_pool2d(x, p, s or 1))
    with pytest.raises(CheckFailed, match="never compare with 0"):
        q2.check(max_pool_from_zero)


# Question 3: output shape and parameter count.


def conv_layer_size_keras(input_shape, filters, kernel_size, stride=1, padding="valid"):
    import keras

    model = keras.Sequential(
        [keras.Input(input_shape), keras.layers.Conv2D(filters, kernel_size, strides=stride, padding=padding)]
    )
    return tuple(model.output_shape[1:]), model.count_params()


def with_size(rows_cols=None, params=None, channels_first=False, output_first=False):
    def answer(input_shape, filters, kernel_size, stride=1, padding="valid"):
        if channels_first:
            c, h, w = input_shape
            input_shape = (h, w, c)
        (rows, cols, f), p = conv_layer_size(input_shape, filters, kernel_size, stride, padding)
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        if rows_cols is not None:
            rows, cols = rows_cols(input_shape, kh, kw, stride, padding)
        if params is not None:
            p = params(kh, kw, input_shape[2], filters)
        return ((f, rows, cols) if output_first else (rows, cols, f)), p

    return answer


def no_floor(shape, kh, kw, s, padding):
    if padding == "same":
        return -(-shape[0] // s), -(-shape[1] // s)
    return (shape[0] - kh) / s + 1, (shape[1] - kw) / s + 1


def test_conv_layer_size_accepts_keras_and_rejects_wrong_arithmetic_and_channel_order(tmp_path):
    statuses = judged(
        q3,
        {
            "arithmetic": conv_layer_size,
            "built in keras": conv_layer_size_keras,
            "'same' keeps the size whatever the stride": with_size(
                rows_cols=lambda sh, kh, kw, s, p: (
                    (sh[0], sh[1]) if p == "same" else ((sh[0] - kh) // s + 1, (sh[1] - kw) // s + 1)
                )
            ),
            "'same' rounded down": with_size(
                rows_cols=lambda sh, kh, kw, s, p: (
                    (sh[0] // s, sh[1] // s) if p == "same" else ((sh[0] - kh) // s + 1, (sh[1] - kw) // s + 1)
                )
            ),
            "'valid' not rounded down": with_size(rows_cols=no_floor),
            "stride ignored": with_size(
                rows_cols=lambda sh, kh, kw, s, p: (sh[0], sh[1]) if p == "same" else (sh[0] - kh + 1, sh[1] - kw + 1)
            ),
            "input channels forgotten": with_size(params=lambda kh, kw, c, f: (kh * kw + 1) * f),
            "biases forgotten": with_size(params=lambda kh, kw, c, f: kh * kw * c * f),
            "input read as channels first": with_size(channels_first=True),
            "output channels first": with_size(output_first=True),
            "kernel height and width swapped": with_size(
                rows_cols=lambda sh, kh, kw, s, p: (
                    (-(-sh[0] // s), -(-sh[1] // s)) if p == "same" else ((sh[0] - kw) // s + 1, (sh[1] - kh) // s + 1)
                )
            ),
            "'valid' rounded up": with_size(
                rows_cols=lambda sh, kh, kw, s, p: (
                    (-(-sh[0] // s), -(-sh[1] // s))
                    if p == "same"
                    else (-(-(sh[0] - kh) // s) + 1, -(-(sh[1] - kw) // s) + 1)
                )
            ),
            "np.ceil gives floats": with_size(
                rows_cols=lambda sh, kh, kw, s, p: (
                    (np.ceil(sh[0] / s), np.ceil(sh[1] / s))
                    if p == "same"
                    else ((sh[0] - kh) // s + 1, (sh[1] - kw) // s + 1)
                )
            ),
        },
        conv_layer_size,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update({"arithmetic": Status.PASSED, "built in keras": Status.PASSED})
    assert_statuses(statuses, expected)


def test_conv_layer_size_visible_check_mentions_the_input_channels():
    with pytest.raises(CheckFailed, match="all 3 input channels"):
        q3.check(with_size(params=lambda kh, kw, c, f: (kh * kw + 1) * f))


# Question 4: a Conv2D layer on a channels-last batch.


def conv2d_layer_einsum(images, kernels, biases, stride=1, padding="valid"):
    kh, kw = kernels.shape[:2]
    if padding == "same":
        images = np.pad(
            images, [(0, 0), same_pads(images.shape[1], kh, stride), same_pads(images.shape[2], kw, stride), (0, 0)]
        )
    windows = sliding_window_view(images, (kh, kw), axis=(1, 2))[:, ::stride, ::stride]  # (N, rows, cols, C_in, kh, kw)
    return np.einsum("nijcuv,uvco->nijo", windows, kernels) + biases


def conv2d_layer_keras(images, kernels, biases, stride=1, padding="valid"):
    import keras

    layer = keras.layers.Conv2D(kernels.shape[3], kernels.shape[:2], strides=stride, padding=padding)
    layer.build(images.shape)
    layer.set_weights([kernels.astype("float32"), biases.astype("float32")])
    return keras.ops.convert_to_numpy(layer(images.astype("float32")))


def pytorch_kernel_layout(images, kernels, biases, stride=1, padding="valid"):
    # Reads the (kh, kw, C_in, C_out) array as if it were (C_out, C_in, kh, kw), reshaped without transposing.
    as_torch = kernels.reshape(kernels.shape[3], kernels.shape[2], kernels.shape[0], kernels.shape[1])
    return conv2d_layer(images, np.transpose(as_torch, (2, 3, 1, 0)), biases, stride, padding)


def channels_first_images(images, kernels, biases, stride=1, padding="valid"):
    # Reads the (N, H, W, C) batch as (N, C, H, W), reshaped without transposing.
    n, h, w, c = images.shape
    as_first = images.reshape(n, c, h, w)
    return conv2d_layer(np.transpose(as_first, (0, 2, 3, 1)), kernels, biases, stride, padding)


def biases_zeroed_after_use(images, kernels, biases, stride=1, padding="valid"):
    # Treats the caller's bias array as scratch space and clears it: the output is right, the argument is not.
    out = conv2d_layer(images, kernels, biases, stride, padding)
    biases -= biases
    return out


def test_conv2d_layer_accepts_einsum_and_keras_and_rejects_layout_mistakes(tmp_path):
    statuses = judged(
        q4,
        {
            "loops over conv2d": conv2d_layer,
            "einsum": conv2d_layer_einsum,
            "keras layer": conv2d_layer_keras,
            "kernels in pytorch layout": pytorch_kernel_layout,
            "images read as channels first": channels_first_images,
            "output channels first": lambda *a: np.moveaxis(conv2d_layer(*a), -1, 1),
            "bias forgotten": lambda x, k, b, s=1, p="valid": conv2d_layer(x, k, 0 * b, s, p),
            "flipped kernels": lambda x, k, b, s=1, p="valid": conv2d_layer(x, k[::-1, ::-1], b, s, p),
            "input channels not summed": lambda x, k, b, s=1, p="valid": conv2d_layer(x[..., :1], k[:, :, :1], b, s, p),
            "squeezed": lambda *a: np.squeeze(conv2d_layer(*a)),
            "kernel rows and columns swapped": lambda x, k, b, s=1, p="valid": conv2d_layer(
                x, np.transpose(k, (1, 0, 2, 3)).reshape(k.shape), b, s, p
            ),
            "biases zeroed after use": biases_zeroed_after_use,
            "a list of feature maps, not stacked": lambda *a: list(conv2d_layer(*a)),
        },
        conv2d_layer,
        tmp_path,
    )
    expected = {name: Status.FAILED for name in statuses}
    expected.update({"loops over conv2d": Status.PASSED, "einsum": Status.PASSED, "keras layer": Status.PASSED})
    assert_statuses(statuses, expected)


def test_conv2d_layer_visible_check_explains_channels_last():
    with pytest.raises(CheckFailed, match="channels-last"):
        q4.check(lambda *a: np.moveaxis(conv2d_layer(*a), -1, 1))


def test_stored_visible_answers_are_what_the_references_compute():
    from grader.references.convolution import conv2d_layer, max_pool
    from keras_course.exercises import ex08_convolutional_networks as ex08
    from keras_course.exercises import ex08_visible as visible

    for stored, computed in [
        (visible.Q2_POOLED, max_pool(ex08._Q2_MAP, 2, 2)),
        (visible.Q2_TWO_POOLED, max_pool(ex08._Q2_TWO, 2, 2)),
        (visible.Q4_VALID, conv2d_layer(*ex08._Q4_ARGS)),
        (visible.Q4_SAME, conv2d_layer(*ex08._Q4_SAME)),
    ]:
        np.testing.assert_array_equal(stored, computed)
        np.testing.assert_array_equal(np.signbit(stored), np.signbit(computed))  # -0.0 prints as such in a message


# Shared pieces: the data helpers, the held-out set, ModelCheck's layer rules.


def test_shift_images_moves_by_at_most_one_pixel_and_blanks_the_border():
    from grader.references.transfer import random_shift, stored_shifts

    image = np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    moved = random_shift(np.repeat(image, 200, axis=0), np.random.default_rng(0))
    assert moved.shape == (200, 3, 3, 1)
    assert np.all(moved[:, 1, 1, 0] != 0)  # the centre pixel always holds one of the image's pixels
    assert len({m.tobytes() for m in moved}) == 9  # every one of the 9 moves happens
    assert all(np.isin(m[m != 0], image).all() for m in moved)
    x_train, x_val, y_train, y_val = shifted_digits_split()
    assert x_train.shape == (2694, 8, 8, 1) and x_val.shape == (450, 8, 8, 1) and len(y_train) == 2694
    for name, images in stored_shifts().items():  # the stored moved digits are what the reference makes
        assert np.array_equal(shifted_digits(name), images.astype(np.float32))


def test_heldout_images_are_secret_moves_of_every_digit():
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = make_heldout("digits_shifted_images", b"one")
    assert x.shape == (1797, 8, 8, 1) and x.dtype == np.float32 and np.array_equal(y, digits.target)
    assert x.min() >= 0 and x.max() <= 16 and np.array_equal(x, np.rint(x))
    assert np.mean(np.all(x.reshape(1797, 64) == digits.data, axis=1)) < 0.01
    assert np.array_equal(x, make_heldout("digits_shifted_images", b"one")[0])
    assert not np.array_equal(x, make_heldout("digits_shifted_images", b"two")[0])


def test_model_check_counts_layers_and_parameters():
    import keras

    dense = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    )
    with pytest.raises(CheckFailed, match="0 Conv2D layer"):
        ModelCheck(ModelSpec(input_shape=(8, 8, 1), output_units=10, layer_counts={"Conv2D": 1})).run(dense)
    with pytest.raises(CheckFailed, match="650 parameters; it may have at most 600"):
        ModelCheck(ModelSpec(input_shape=(8, 8, 1), output_units=10, max_params=600)).run(dense)
    ModelCheck(ModelSpec(input_shape=(8, 8, 1), output_units=10, layer_counts={"Flatten": 1, "Dense": 1}, max_params=650)).run(
        dense
    )


# Question 5: a goal and a budget for a CNN, scored on held-out images.


def cnn(
    epochs=15,
    filters=(16, 32),
    pool=True,
    functional=False,
    train=True,
    scale=1 / 16,
    kernel=3,
    padding="same",
    activation="relu",
    separate_activations=False,
    loss="sparse_categorical_crossentropy",
    optimizer="adam",
    pooling="MaxPooling2D",
    compile=True,
    output_activation="softmax",
    seed=0,
):
    """The solution's CNN, with the question's free choices and the lesson's mistakes as switches."""
    import keras

    keras.utils.set_random_seed(seed)
    layers = [keras.layers.Rescaling(scale)] if scale else []
    for count in filters:
        if separate_activations:
            layers += [keras.layers.Conv2D(count, kernel, padding=padding), keras.layers.ReLU()]
        else:
            layers.append(keras.layers.Conv2D(count, kernel, padding=padding, activation=activation))
        if pool:
            layers.append(getattr(keras.layers, pooling)(2))
    if separate_activations:
        layers += [keras.layers.Flatten(), keras.layers.Dense(10), keras.layers.Activation(output_activation)]
    else:
        layers += [keras.layers.Flatten(), keras.layers.Dense(10, activation=output_activation)]
    inputs = keras.Input(shape=(8, 8, 1))
    if functional:
        outputs = inputs
        for layer in layers:
            outputs = layer(outputs)
        model = keras.Model(inputs, outputs)
    else:
        model = keras.Sequential([inputs, *layers])
    return fitted(model, epochs, 32, loss, optimizer) if compile and train else compiled(model, loss, optimizer, compile)


def compiled(model, loss="sparse_categorical_crossentropy", optimizer="adam", compile=True):
    if compile:
        model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def fitted(model, epochs, batch_size, loss="sparse_categorical_crossentropy", optimizer="adam"):
    x_train, _, y_train, _ = shifted_digits_split()
    compiled(model, loss, optimizer).fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=0)
    return model


def two_convolutions_then_pooling(seed=1):
    """Functional: two 'same' convolutions of 16 filters, one pooling, dropout; Adam, 12 epochs of 16."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(8, 8, 1))
    x = keras.layers.Rescaling(1 / 16)(inputs)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = keras.layers.Flatten()(keras.layers.MaxPooling2D(2)(x))
    outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Dropout(0.2)(x))
    return fitted(keras.Model(inputs, outputs), epochs=12, batch_size=16)


def valid_convolutions_with_batchnorm(seed=2):
    """'valid' convolutions without biases, BatchNormalization and ReLU layers, dropout; RMSprop, 12 epochs."""
    import keras

    keras.utils.set_random_seed(seed)
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Rescaling(1 / 16),
            layers.Conv2D(16, 3, use_bias=False), layers.BatchNormalization(), layers.ReLU(),
            layers.Conv2D(24, 3, use_bias=False), layers.BatchNormalization(), layers.ReLU(),
            layers.MaxPooling2D(2), layers.Flatten(), layers.Dropout(0.3),
            layers.Dense(10), layers.Activation("softmax"),
        ]
    )
    return fitted(model, epochs=12, batch_size=32, optimizer="rmsprop")


def average_pooling_with_sgd(seed=3):
    """12 and 24 filters, average then max pooling; SGD with momentum, 15 epochs."""
    import keras

    keras.utils.set_random_seed(seed)
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Rescaling(1 / 16),
            layers.Conv2D(12, 3, padding="same", activation="relu"), layers.AveragePooling2D(2),
            layers.Conv2D(24, 3, padding="same", activation="relu"), layers.MaxPooling2D(2),
            layers.Flatten(), layers.Dense(10, activation="softmax"),
        ]
    )
    return fitted(model, epochs=15, batch_size=32, optimizer=keras.optimizers.SGD(0.05, momentum=0.9))


def dense_on_images(epochs=30, units=(32, 16)):
    # Lesson 05's dense network, given the same (8, 8, 1) images and the same training data.
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            keras.layers.Rescaling(1 / 16),
            keras.layers.Flatten(),
            *[keras.layers.Dense(count, activation="relu") for count in units],
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    return fitted(model, epochs, 32) if epochs else compiled(model)


def rescaling_after_convolution():
    import keras

    return compiled(
        keras.Sequential(
            [
                keras.Input(shape=(8, 8, 1)),
                keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
                keras.layers.Rescaling(1 / 16),
                keras.layers.MaxPooling2D(2),
                keras.layers.Flatten(),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
    )


def with_augmentation():
    # Lesson 09's random shifts inside the model: a layer family this question does not allow.
    import keras

    return compiled(
        keras.Sequential(
            [
                keras.Input(shape=(8, 8, 1)),
                keras.layers.Rescaling(1 / 16),
                keras.layers.RandomTranslation(0.125, 0.125),
                keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
                keras.layers.MaxPooling2D(2),
                keras.layers.Flatten(),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
    )


def channels_first_cnn():
    import keras

    return keras.Sequential(
        [
            keras.Input(shape=(1, 8, 8)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu", data_format="channels_first"),
            keras.layers.MaxPooling2D(2, data_format="channels_first"),
            keras.layers.Flatten(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )


def keras_loss(name, **settings):
    import keras

    return getattr(keras.losses, name)(**settings)


@pytest.fixture(scope="module")
def right_cnn():
    return cnn()


def test_the_solution_cnn_has_the_stated_parameter_count():
    assert cnn(train=False).count_params() == CNN_PARAMS < MAX_PARAMS


@pytest.mark.slow
def test_any_cnn_within_the_budget_that_reaches_the_goal_scores_full(right_cnn, tmp_path, model_scorer):
    statuses = judged(
        q5,
        {
            "right": right_cnn,
            "functional, two convolutions then one pooling, dropout, Adam batches of 16": two_convolutions_then_pooling(),
            "valid convolutions, BatchNormalization and ReLU layers, RMSprop": valid_convolutions_with_batchnorm(),
            "average pooling, SGD with momentum": average_pooling_with_sgd(),
            "ReLU and softmax as layers, functional": cnn(separate_activations=True, functional=True, seed=4),
        },
        right_cnn,
        tmp_path,
        model_scorer,
    )
    assert_statuses(statuses, {name: Status.PASSED for name in statuses})


@pytest.mark.slow
def test_cnn_mistakes_fail_on_the_requirement_they_break(right_cnn, tmp_path, model_scorer):
    found = missed(
        q5,
        {
            "dense network": dense_on_images(epochs=30, units=(96,)),
            "channels first": channels_first_cnn(),
            "no rescaling": cnn(scale=None, train=False),
            "rescaled by 1/255": cnn(scale=1 / 255, train=False),
            "rescaling after the first convolution": rescaling_after_convolution(),
            "too many filters": cnn(filters=(32, 64), train=False),
            "random translation layer": with_augmentation(),
            "sigmoid outputs": cnn(output_activation="sigmoid", train=False),
            "logits loss on softmax outputs": cnn(
                loss=keras_loss("SparseCategoricalCrossentropy", from_logits=True), train=False
            ),
            "mean squared error": cnn(loss="mse", train=False),
            "never compiled": cnn(train=False, compile=False),
            "three epochs": cnn(epochs=3),
            "no pooling, one small convolution, three epochs": cnn(pool=False, filters=(8,), epochs=3),
        },
        right_cnn,
        tmp_path,
        model_scorer,
    )
    assert found == {
        "dense network": "layers",
        "channels first": "input",
        "no rescaling": "preprocessing",
        "rescaled by 1/255": "preprocessing",
        "rescaling after the first convolution": "preprocessing",
        "too many filters": "params",
        "random translation layer": "params",
        "sigmoid outputs": "layers",
        "logits loss on softmax outputs": "compile",
        "mean squared error": "compile",
        "never compiled": "compile",
        "three epochs": "heldout",
        "no pooling, one small convolution, three epochs": "heldout",
    }


@pytest.mark.slow
def test_digits_cnn_visible_check_asks_for_convolutions(right_cnn):
    q5.check(right_cnn)
    with pytest.raises(CheckFailed, match="0 Conv2D layer"):
        q5.check(dense_on_images(epochs=0))
    with pytest.raises(CheckFailed, match=r"shape=\(8, 8, 1\)"):
        q5.check(channels_first_cnn())
