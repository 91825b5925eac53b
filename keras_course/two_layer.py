"""Lesson 04's two-layer network as a dict of arrays, for the questions built on it (no gradients here).

The network is ``Z1 = X W1 + b1``, ``H = relu(Z1)``, ``Z2 = H W2 + b2``, one logit
per example, scored with the mean binary cross-entropy. Its parameters are a
dict with the keys ``W1`` (d, m), ``b1`` (m,), ``W2`` (m, 1), ``b2`` (1,). The
forward pass and the loss are the exercise notebook's given code; the gradients
are the exercise's answer and live in `grader.references.backprop` only.

Example:

>>> import numpy as np
>>> params = random_params(np.random.default_rng(0), d=2, m=3)
>>> unflatten(flat_network(params), d=2)["W2"].shape
(3, 1)
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import numpy as np

NAMES = ("W1", "b1", "W2", "b2")


def forward(params: Mapping[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, tuple]:
    """The logits, shape (n, 1), and the cache ``(X, Z1, H, Z2)``.

    >>> identity = {"W1": np.eye(2), "b1": np.zeros(2), "W2": np.ones((2, 1)), "b2": np.zeros(1)}
    >>> forward(identity, np.array([[1.0, -2.0]]))[0]
    array([[1.]])
    """
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(0.0, Z1)
    Z2 = H @ params["W2"] + params["b2"]
    return Z2, (X, Z1, H, Z2)


def mean_bce(params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> float:
    """The mean binary cross-entropy of the network's logits against Y (n, 1), never taking log(0).

    >>> round(mean_bce({"W1": np.zeros((1, 1)), "b1": np.zeros(1), "W2": np.zeros((1, 1)), "b2": np.zeros(1)},
    ...                np.ones((2, 1)), np.array([[0.0], [1.0]])), 4)
    0.6931
    """
    Z2 = forward(params, X)[0]
    return float(np.mean(np.maximum(Z2, 0.0) - Z2 * Y + np.log1p(np.exp(-np.abs(Z2)))))


def network_loss(X: np.ndarray, Y: np.ndarray) -> Callable[[Mapping[str, np.ndarray]], float]:
    """The mean BCE on one fixed batch, as a function of the parameters only.

    The batch stays readable as ``loss_fn.keywords["X"]`` and ``["Y"]``, so the judge can rebuild the gradients.

    >>> network_loss(np.ones((2, 1)), np.zeros((2, 1))).keywords["X"].shape
    (2, 1)
    """
    return partial(mean_bce, X=X, Y=Y)


def random_params(rng: np.random.Generator, d: int, m: int, bias_scale: float = 0.3) -> dict[str, np.ndarray]:
    """Scaled normal weights and normal biases of standard deviation ``bias_scale``.

    >>> [value.shape for value in random_params(np.random.default_rng(0), 3, 4).values()]
    [(3, 4), (4,), (4, 1), (1,)]
    """
    return {
        "W1": rng.normal(0.0, np.sqrt(2.0 / d), size=(d, m)),
        "b1": rng.normal(0.0, bias_scale, size=m),
        "W2": rng.normal(0.0, np.sqrt(1.0 / m), size=(m, 1)),
        "b2": rng.normal(0.0, bias_scale, size=1),
    }


def init_params(n_in: int, n_hidden: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The notebook's ``init_params``: scaled normal weights, zero biases.

    >>> init_params(2, 3)["b1"]
    array([0., 0., 0.])
    """
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_hidden))
    W2 = rng.normal(0.0, np.sqrt(1.0 / n_hidden), size=(n_hidden, 1))
    return {"W1": W1, "b1": np.zeros(n_hidden), "W2": W2, "b2": np.zeros(1)}


def random_batch(rng: np.random.Generator, n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Normal inputs (n, d) and labels 0 or 1 of shape (n, 1).

    >>> [a.shape for a in random_batch(np.random.default_rng(0), 5, 2)]
    [(5, 2), (5, 1)]
    """
    return rng.normal(size=(n, d)), rng.integers(0, 2, size=(n, 1)).astype(float)


def flat_network(result: Any) -> np.ndarray:
    """The four arrays W1, b1, W2, b2 of a dict, raveled into one vector in that order (kernel side).

    >>> flat_network({"W1": np.zeros((1, 1)), "b1": [1.0], "W2": [[2.0]], "b2": [3.0]})
    array([0., 1., 2., 3.])
    """
    if not isinstance(result, Mapping):
        raise TypeError(f"a {type(result).__name__} where a dict of arrays was expected")
    missing = [name for name in NAMES if name not in result]
    if missing:
        raise ValueError(f"a dict without {' and '.join(map(repr, missing))}")
    return np.concatenate([np.ravel(np.asarray(result[name], dtype=float)) for name in NAMES])


def unflatten(packed: np.ndarray, d: int) -> dict[str, np.ndarray] | None:
    """The dict that `flat_network` raveled, for ``d`` inputs; None when the size fits no such network.

    >>> unflatten(np.arange(9.0), d=2)["b1"], unflatten(np.arange(8.0), d=2)
    (array([4., 5.]), None)
    """
    m, rest = divmod(packed.size - 1, d + 2)
    if m < 1 or rest:
        return None
    W1, b1, W2, b2 = np.split(packed, np.cumsum([d * m, m, m]))
    return {"W1": W1.reshape(d, m), "b1": b1, "W2": W2.reshape(m, 1), "b2": b2}


def trained_shapes_problem(got: Mapping[str, Any]) -> str | None:
    """What is wrong with the shapes of parameters for 2 inputs (W1 (2, m), b1 (m,), W2 (m, 1), b2 (1,)), or None.

    >>> trained_shapes_problem({"W1": (2, 4), "b1": (4,), "W2": (4, 1), "b2": (1,)}) is None
    True
    """
    missing = [name for name in NAMES if name not in got]
    if missing:
        return f"a dict without {' and '.join(map(repr, missing))}"
    shapes = {name: tuple(got[name]) for name in NAMES}
    m = shapes["W1"][1] if len(shapes["W1"]) == 2 else None
    want = {"W1": (2, m), "b1": (m,), "W2": (m, 1), "b2": (1,)}
    wrong = [name for name in NAMES if shapes[name] != want[name]]
    if m is None or m < 1 or wrong:
        listed = ", ".join(f"{name} {shapes[name]}" for name in NAMES)
        return f"parameters of shapes {listed}, where W1 (2, m), b1 (m,), W2 (m, 1), b2 (1,) were expected"
    return None


def accuracy(params: Mapping[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    """The share of points whose logit is positive exactly where y (n,) is 1.

    >>> threshold = {"W1": np.eye(1), "b1": np.zeros(1), "W2": np.ones((1, 1)), "b2": [-0.5]}
    >>> accuracy(threshold, np.array([[0.0], [2.0]]), [0, 1])
    1.0
    """
    with np.errstate(all="ignore"):
        logits = forward(params, X)[0][:, 0]
    return float(np.mean((logits > 0) == np.asarray(y)))



def cached_batches(seed: int, sizes: list[tuple]) -> Callable[[], list[tuple]]:
    """Cases ``(params, cache, Y)`` of a backward pass, one per ``(n, d, m[, bias scale])``, from one seeded generator.

    >>> [Y.shape for _, _, Y in cached_batches(1, [(5, 2, 3), (1, 4, 2, 1.0)])()]
    [(5, 1), (1, 1)]
    """

    def cases() -> list[tuple]:
        rng = np.random.default_rng(seed)
        made = []
        for n, d, m, *bias_scale in sizes:
            params = random_params(rng, d, m, *bias_scale)
            X, Y = random_batch(rng, n, d)
            made.append((params, forward(params, X)[1], Y))
        return made

    return cases


def near_kinks(seed: int, n: int = 12, m: int = 6, gap: float = 0.005) -> tuple[dict, np.ndarray, np.ndarray]:
    """Parameters, X (n, 2) and Y whose hidden sums each sit ``gap`` from a ReLU kink for one example.

    A step of 1e-2 in a gradient check crosses those kinks and reports a large
    error for exact gradients; steps from 1e-3 down to 1e-8 do not.

    >>> params, X, _ = near_kinks(1)
    >>> float(np.abs(X @ params["W1"] + params["b1"]).min()) < 0.0051
    True
    """
    rng = np.random.default_rng(seed)
    X, Y = random_batch(rng, n, 2)
    params = random_params(rng, 2, m)
    chosen = rng.choice(n, size=m, replace=False)
    signs = rng.choice([-1.0, 1.0], size=m)
    params["b1"] = -np.einsum("jd,dj->j", X[chosen], params["W1"]) + signs * gap
    return params, X, Y


def stand_in_gradients(params: Mapping[str, np.ndarray], X: np.ndarray, Y: np.ndarray) -> dict[str, np.ndarray]:
    """A ``grad_fn`` for the network's four arrays: smooth in the parameters, drawn from the batch.

    Not the network's gradient (that is an exercise's answer, which must not ship): a gradient-descent
    loop only calls it, and any such function shows a batch skipped, a stale step or a wrong order.

    >>> stand_in_gradients(random_params(np.random.default_rng(0), 2, 3), np.ones((4, 2)), np.ones((4, 1)))["W1"].shape
    (2, 3)
    """
    H = np.tanh(X @ params["W1"] + params["b1"])
    R = np.tanh(H @ params["W2"] + params["b2"]) - Y
    return {"W1": X.T @ (R * H) / len(X), "b1": (R * H).mean(axis=0), "W2": H.T @ R / len(X), "b2": R.mean(axis=0)}


def trained_flat(result: Any) -> np.ndarray:
    """`flat_network` of trained parameters, after checking the shapes for 2 inputs (kernel side).

    >>> trained_flat({"W1": np.zeros((2, 1)), "b1": np.zeros(1), "W2": np.zeros((1, 1)), "b2": np.zeros(1)}).size
    5
    """
    flat = flat_network(result)
    if trained_shapes_problem({name: np.shape(result[name]) for name in NAMES}):
        shapes = ", ".join(f"{name} {np.shape(result[name])}" for name in NAMES)
        raise ValueError(f"parameters of shapes {shapes}, where W1 (2, m), b1 (m,), W2 (m, 1), b2 (1,) were expected")
    return flat


def trained_shapes_verify(args: tuple, output: Any) -> str | None:
    """A probe's verify: the shapes ``shapes_json`` recorded fit a network with 2 inputs (judge side).

    >>> trained_shapes_verify((), '{"W1": [2, 3], "b1": [3], "W2": [3, 1], "b2": [1]}') is None
    True
    """
    try:
        got = json.loads(str(output))
    except ValueError:
        return "something that is not a dict of arrays"
    return trained_shapes_problem(got) if isinstance(got, dict) else "something that is not a dict of arrays"


def moons_accuracy_problem(
    packed: Any, seed: int, threshold: float, n: int = 4000, swapped: bool = False
) -> str | None:
    """What is wrong with trained parameters (`flat_network` order) on ``n`` fresh moons points, or None.

    ``swapped`` labels the lower moon 1: a network trained on swapped labels must classify those.

    >>> moons_accuracy_problem(np.zeros(9), seed=1, threshold=0.9)
    'a network whose accuracy on 4000 fresh moons points is 0.500; it needs at least 0.9'
    """
    from keras_course.data import fresh_moons

    params = unflatten(np.asarray(packed, dtype=float).ravel(), 2)
    if params is None:
        return "parameters that do not fit a network with 2 inputs, one hidden layer and 1 output"
    X, y = fresh_moons(n, seed)
    measured = accuracy(params, X, 1 - y if swapped else y)
    if measured >= threshold:
        return None
    return f"a network whose accuracy on {n} fresh moons points is {measured:.3f}; it needs at least {threshold}"



def trained_moons_problem(result: Any, seed: int, threshold: float) -> str | None:
    """A visible check's verdict on trained parameters: their shapes, then their accuracy on fresh moons.

    >>> trained_moons_problem({"W1": np.zeros((3, 1))}, seed=1, threshold=0.9)
    "returned a dict without 'b1' and 'W2' and 'b2'."
    """
    try:
        packed = trained_flat(result)
    except (TypeError, ValueError) as exc:
        return f"returned {exc}."
    problem = moons_accuracy_problem(packed, seed, threshold)
    return f"returned {problem}." if problem else None

# --- Exact gradients at the ReLU kinks, stored for gradient-check cases (no backward pass ships) ---

# Exact gradients at near_kinks(seed) for the seeds of exercise 04, each W1 b1 W2 b2 raveled (25 numbers), as
# little-endian float64 in base85: computed once with grader.references.backprop.network_gradients, bit for bit what
# the judge recomputes.
_KINK_SEEDS = (4044, 4045, 4046, 4047, 4048, 4049, 4051, 4052)
_EXACT_AT_KINKS = (
    "7z&(VR*;atEE1|10DGms4q(c3dSA>x$?3}5pvs{?UqA~aZse~&(+rvttTvB7>IB}MM*Nb$Bk_<AAcVQUhgp<k<MqKmHvk+QUOKlw80-L1G9i;c6y"
    "VzMan*i5pd>NP4u)aB)Idmmqd%=blT#sOtf#8Kwb6FeLX)V!ZjD)Ms#S(RczR5^xtxJN3djlIZbs3+$3yD1JrLW!O^gKzKmC)x>U`DKu+E3SwJx%"
    "E7go4GRFl?DV7wr|`UvRky5+FHs&rQwkq3;wJl^foB09A{Y0Ti{^8lj1pL+#tj`6ZTBvEA$qP3B~4GS#G7=fuj(>-LaE&Y?fYeG1$XVauV&B8sQN"
    "eh@i>+g?t)1Ie4^+f41zL%iCM6akZU4W)P!dBM3$Y_ke-0*C)xtF>>F2XsxfODh2tHe2KjjyvmG|Kj$qmr$^D_pUY**~y9nltKh-fN>jy_&Oz^=!"
    "I7WUxo^6G4(coIx8_l(_9bDO1Bub}f=Wshl7j6+6p6G_5EZECk0t0q;HQh_#o$KbpOumj}1M9Z$5y+a+wjXnM~%x$vjI!DL;tPUob*;0OyC6NYua"
    "%iNjyqt%DM_gwBaES#;smK+IQy4)$hNN5UAh}Wq<Ce}J5ASib~^_4YC^uu01T;K_l@5``17^b?jzOu?cgN#SbrW0X5g$8j_2&k~XA({m>FOix*WG"
    "O}K&$?2-;UK0LwI;v6%lx`&bg#m{ic$sdn$M=cAZ>kOo}{0@)1E-sEB(H|q;v!BXo+RNq$~gl)rZc%H=GJsP)66kFK0n<$&0?fM;B|y_0pKX{S6F"
    "9N=m%H2e4z{@#AX0|0qQ_gA=d6i&B+E;whQG*0~XV;{T$*k2tYX<))uM7EFWJUKW@?$#9cu7}#aMjw<l+dJ(I?D>h?|Z<F6Y{7-VhoA<>(JXrTHb"
    "bpyYWr+v%FHN;SiZEWv!KYZi>_u|h!8@8i<Ss{T`t<p~R5#y;cACY%Y+QMn`g*j#E>b_|{`T0v3+(z-GFy(nXk?TCxJ5g^mRMjbUj*X6nukfh|4E"
    "TQ0`m?G0Y7^`ih%oQI`E@EAADxas}*CvS6dyIb~3BKSl>=1s+f7df_yZOX}`0-L5zePizau!N>aey2L8CejePJfwkeOl8P!0yzIm8GU(zLdxU6kI"
    "v@JWU%x}5BS0pU+jfs`N@;$r7i$%V_aJ~P_x95?+aBW=rYDdIBDVd0>1~YFzcd~Qozn{Us)hK1>!D!LH?W6N6G5xN;a4;fiDribSJy_E9&i>NBLQ"
    "B@e{d|qT<!~9~F{IVMIp{ERx^6_jKpSGAPDH6cO$vc|CDM$)+yOuGj-GM9DHAV7OlLGdhhV4%eMNb{0a1z4i#AL@-0AE-ed>@unJ{b}55<_j^YNZ"
    "KjBBGm&-{s#(~M|8$1>~55377X+t((~cbIp-KD)OHz2tj8#OZ?NdQ_G_{=htcL&BcFSk_y0BMV}`wT_AF34?t<g4^a6W0rxxr7f$M{3@<LQmFfaj"
    "Ip>sY^*zc=AE@a6)8V&iZjJOd^xR9#m<Aj0QMrwTC24`jl56i?-{bczIy}Q6Q6s(B?Hp`Zr`-OGRwb0004nM<DzUyZa9Fy!ap12zX5<hT1SZ=CYh"
    "<f?Z%=7AP0xP;&8cv{)MN%K6#|w&%}{G!$*`#N%f+?Cgy)v(Ik|={u<NwUq+(8YA!SpgTZ^h>BDvI@`<KD4xK;v>hqjGqadle-ZGTGRRr3VPpGcH"
    "|AI4)j6J-+G+v|ql?A-N0=HxLgn-1qR{5pj^q}OwbKltr^_aH5-}=WR5`NUby%Iu?E}F}~{`9aVSn`>_FbG}!i;Raq#8)S4inn?{Xe_8DetnC-=j"
    "tSZENn?XGpD035noY1`16N6CB?MA>{}H=k#C^CsQzAScnrM1Uv^vUhhm?<47(cl83#zetK*ytv^=vvM?agxd;h9Gz+BcI1o){xOD9nENk70pyx~d"
    "VY0r~CKwd=3S`IruX_=uF-EFVGVs70=eWb9z9I0$^BKGOOsp-=<boIf%FTTfbfS#tmE|w3Y=hJgP3~~0}V9~$7VaW|<u}#Xq"
)


def stored_kink_gradients(seed: int) -> dict[str, np.ndarray]:
    """The exact gradients of the mean BCE at ``near_kinks(seed)`` for a seed in ``_KINK_SEEDS`` (stored, not computed).

    >>> sorted(stored_kink_gradients(4044)), stored_kink_gradients(4044)["W2"].shape
    (['W1', 'W2', 'b1', 'b2'], (6, 1))
    """
    stored = np.frombuffer(base64.b85decode(_EXACT_AT_KINKS), dtype="<f8").reshape(len(_KINK_SEEDS), 25)
    return unflatten(stored[_KINK_SEEDS.index(seed)].copy(), 2)
