"""A synthetic class for exercise 04 (backpropagation): independent answers, and planted copies.

Each independent student's answers are written from the choices a student
really makes: loops or vectorized code, ``@`` or ``np.dot``, helpers or one
function, where to divide by ``n``, how to mask the ReLU, how to copy the
parameters, which names, which comments; some answers are wrong (no ``1/n``,
no ReLU mask, a forgotten copy) and some questions are left unanswered.
Copies take another student's answers and rename, reorder, comment and
change literals.

Example:

>>> answers = independent_answers(random.Random(0))  # doctest: +SKIP
>>> sorted(answers)  # doctest: +SKIP
['q1-answer', 'q2-answer', 'q3-answer', 'q4-answer', 'q5-answer']
"""

from __future__ import annotations

import random
import re

NOTEBOOK = "04_backpropagation"

BACKWARD_HEAD = '''def backward(params, cache, Y):
    """Gradients of the mean BCE with respect to W1, b1, W2 and b2; Y has shape (n, 1)."""
    X, Z1, H, Z2 = cache
'''
STUBS = {
    "q2-answer": '''def numerical_gradient(loss_fn, params, eps=1e-5):
    """Central differences of loss_fn for every entry of every array in params; params is left unchanged."""
    # YOUR CODE HERE
    raise NotImplementedError()
''',
}
NAMES = {
    "n": ["n", "m", "n_samples", "N", "batch", "count", "num"],
    "out": ["dZ2", "d_out", "delta2", "g2", "err", "dz_out", "grad_z2"],
    "hid": ["dZ1", "delta1", "g1", "d_hidden", "dz1", "grad_z1"],
    "dh": ["dH", "d_h", "back", "upstream", "dA1", "grad_h"],
    "grads": ["grads", "gradients", "out", "result", "g", "res"],
    "key": ["name", "key", "k", "p", "param", "pname"],
    "arr": ["value", "arr", "v", "W", "theta", "array"],
    "idx": ["index", "idx", "i", "ix", "pos", "j"],
}


def _names(rng: random.Random) -> dict[str, str]:
    return {role: rng.choice(pool) for role, pool in NAMES.items()}


def _matmul(rng: random.Random, a: str, b: str) -> str:
    return rng.choice([f"{a} @ {b}", f"np.dot({a}, {b})", f"np.matmul({a}, {b})", f"{a}.dot({b})"])


def _colsum(rng: random.Random, a: str) -> str:
    return rng.choice([f"{a}.sum(axis=0)", f"np.sum({a}, axis=0)", f"np.sum({a}, 0)", f"{a}.sum(0)"])


def backward(rng: random.Random, names: dict[str, str]) -> str:
    """q1: the backward pass, written with one student's habits (sometimes wrong)."""
    n, out, hid, dh, grads = names["n"], names["out"], names["hid"], names["dh"], names["grads"]
    divide_early = rng.random() < 0.6
    lines = [rng.choice([f"{n} = len(X)", f"{n} = X.shape[0]", f"{n} = Y.shape[0]", f"{n} = float(len(Y))"])]
    if rng.random() < 0.3:
        lines.append(f"P = sigmoid(Z2)\n{out} = P - Y")
    else:
        lines.append(f"{out} = sigmoid(Z2) - Y")
    if divide_early and rng.random() > 0.15:  # some forget the 1/n of the mean
        lines.append(rng.choice([f"{out} = {out} / {n}", f"{out} /= {n}"]))
    late = "" if divide_early else f" / {n}"
    second = [f"dW2 = {_matmul(rng, 'H.T', out)}{late}", f"db2 = {_colsum(rng, out)}{late}"]
    rng.shuffle(second)
    w2 = rng.choice(['params["W2"]', "W2"])
    if w2 == "W2":
        lines.append(rng.choice(['W2 = params["W2"]', 'W2 = params.get("W2")']))
    lines += second
    lines.append(f"{dh} = {_matmul(rng, out, w2 + '.T')}")
    mask = rng.choice([
        f"{hid} = {dh} * (Z1 > 0)",
        f"{hid} = np.where(Z1 > 0, {dh}, 0.0)",
        f"{hid} = {dh} * (Z1 > 0).astype(float)",
        f"mask = Z1 > 0\n{hid} = {dh} * mask",
        f"{hid} = {dh}.copy()\n{hid}[Z1 <= 0] = 0",
        f"{hid} = {dh} * np.heaviside(Z1, 0)",
        f"{hid} = {dh}",  # a common mistake: no ReLU derivative
    ])
    lines.append(mask)
    first = [f"dW1 = {_matmul(rng, 'X.T', hid)}{late}", f"db1 = {_colsum(rng, hid)}{late}"]
    rng.shuffle(first)
    lines += first
    lines += rng.choice([
        ['return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}'],
        ["return dict(W1=dW1, b1=db1, W2=dW2, b2=db2)"],
        [f"{grads} = {{}}", f'{grads}["W1"] = dW1', f'{grads}["b1"] = db1', f'{grads}["W2"] = dW2',
         f'{grads}["b2"] = db2', f"return {grads}"],
        [f'{grads} = {{"W2": dW2, "b2": db2}}', f'{grads}.update(W1=dW1, b1=db1)', f"return {grads}"],
    ])
    return BACKWARD_HEAD + _indent("\n".join(lines))


def numerical_gradient(rng: random.Random, names: dict[str, str]) -> str:
    """q2: central differences, by one of several genuinely different plans."""
    k, v, i, g = names["key"], names["arr"], names["idx"], names["grads"]
    head = "def numerical_gradient(loss_fn, params, eps=1e-5):\n"
    plan = rng.randrange(5)
    items = rng.choice(["params.items()", "sorted(params.items())", "list(params.items())"])
    zeros = rng.choice(["np.zeros_like({})", "np.zeros({}.shape)", "np.empty_like({})", "0.0 * {}"])
    slope = rng.choice(["({hi} - {lo}) / (2 * eps)", "({hi} - {lo}) / eps / 2", "0.5 * ({hi} - {lo}) / eps",
                        "({hi} - {lo}) / (eps + eps)"])
    if plan == 0:  # restore in place, np.ndindex
        body = f"""{g} = {{}}
for {k}, {v} in {items}:
    grad = {zeros.format(v)}
    for {i} in np.ndindex({v}.shape):
        old = {v}[{i}]
        {v}[{i}] = old + eps
        up = loss_fn(params)
        {v}[{i}] = old - eps
        down = loss_fn(params)
        {v}[{i}] = old
        grad[{i}] = {slope.format(hi="up", lo="down")}
    {g}[{k}] = grad
return {g}"""
    elif plan == 1:  # copies of the whole dict, flat index
        body = f"""{g} = {{{k}: np.zeros_like({v}) for {k}, {v} in params.items()}}
for {k} in params:
    size = params[{k}].size
    for {i} in range(size):
        plus = {{key2: val.copy() for key2, val in params.items()}}
        minus = {{key2: val.copy() for key2, val in params.items()}}
        plus[{k}].flat[{i}] += eps
        minus[{k}].flat[{i}] -= eps
        {g}[{k}].flat[{i}] = {slope.format(hi="loss_fn(plus)", lo="loss_fn(minus)")}
return {g}"""
    elif plan == 2:  # a helper that shifts one entry, defined first
        return f"""def shifted(params, {k}, {i}, delta):
    new = {{key2: val.copy() for key2, val in params.items()}}
    new[{k}][{i}] += delta
    return new


{head}    {g} = {{}}
    for {k} in sorted(params):
        grad = {zeros.format(f"params[{k}]")}
        for {i}, _ in np.ndenumerate(params[{k}]):
            f_plus = loss_fn(shifted(params, {k}, {i}, eps))
            f_minus = loss_fn(shifted(params, {k}, {i}, -eps))
            grad[{i}] = {slope.format(hi="f_plus", lo="f_minus")}
        {g}[{k}] = grad
    return {g}
"""
    elif plan == 3:  # nditer with multi_index, try/finally restore
        body = f"""{g} = {{}}
for {k} in params:
    {v} = params[{k}]
    grad = {zeros.format(v)}
    it = np.nditer({v}, flags=["multi_index"])
    while not it.finished:
        {i} = it.multi_index
        saved = float({v}[{i}])
        try:
            {v}[{i}] = saved + eps
            f1 = loss_fn(params)
            {v}[{i}] = saved - eps
            f2 = loss_fn(params)
        finally:
            {v}[{i}] = saved
        grad[{i}] = {slope.format(hi="f1", lo="f2")}
        it.iternext()
    {g}[{k}] = grad
return {g}"""
    else:  # unravel_index over a flat range, gradient built as a list
        body = f"""{g} = dict()
for {k}, {v} in {items}:
    values = []
    for flat in range({v}.size):
        {i} = np.unravel_index(flat, {v}.shape)
        keep = {v}[{i}].copy()
        {v}[{i}] = keep + eps
        high = loss_fn(params)
        {v}[{i}] = keep - eps
        low = loss_fn(params)
        {v}[{i}] = keep
        values.append({slope.format(hi="high", lo="low")})
    {g}[{k}] = np.array(values).reshape({v}.shape)
return {g}"""
    return head + _indent(body)


def gradient_check(rng: random.Random, names: dict[str, str]) -> str:
    """q3: the relative error, by concatenation or by running sums."""
    k = names["key"]
    head = "def gradient_check(loss_fn, params, grads):\n"
    call = rng.choice(["numerical_gradient(loss_fn, params)", "numerical_gradient(loss_fn, params, eps=1e-5)",
                       "numerical_gradient(loss_fn, params, 1e-5)"])
    order = rng.choice(["sorted(params)", "params", "params.keys()", "grads"])
    if rng.random() < 0.5:
        flat = rng.choice(["{}.ravel()", "{}.flatten()", "np.ravel({})", "{}.reshape(-1)"])
        join = rng.choice(["np.concatenate", "np.hstack"])
        norm = rng.choice(["np.linalg.norm", "lambda v: np.sqrt(np.sum(v ** 2))", "lambda v: np.sqrt(v @ v)"])
        body = f"""numeric = {call}
norm = {norm}
a = {join}([{flat.format(f"grads[{k}]")} for {k} in {order}])
b = {join}([{flat.format(f"numeric[{k}]")} for {k} in {order}])
return norm(a - b) / (norm(a) + norm(b))"""
    else:
        square = rng.choice(["np.sum({} ** 2)", "np.sum(np.square({}))", "(({}) ** 2).sum()", "np.vdot({0}, {0})"])
        body = f"""numeric = {call}
diff = total_a = total_b = 0.0
for {k} in {order}:
    diff += {square.format(f"grads[{k}] - numeric[{k}]")}
    total_a += {square.format(f"grads[{k}]")}
    total_b += {square.format(f"numeric[{k}]")}
return np.sqrt(diff) / (np.sqrt(total_a) + np.sqrt(total_b))"""
    return head + _indent(body)


def gd_epoch(rng: random.Random, names: dict[str, str]) -> str:
    """q4: one epoch of mini-batch steps, several ways of slicing and copying."""
    k, g = names["key"], names["grads"]
    copy = rng.choice([
        f"params = {{{k}: v.copy() for {k}, v in params.items()}}",
        "params = copy.deepcopy(params)",
        "params = dict(params)",  # a shallow copy: fine here, since the update makes new arrays
        "",  # no copy at all
    ])
    update = rng.choice([
        f"for {k} in {g}:\n    params[{k}] = params[{k}] - learning_rate * {g}[{k}]",
        f"params = {{{k}: params[{k}] - learning_rate * {g}[{k}] for {k} in params}}",
        f"for {k}, step in {g}.items():\n    params[{k}] = params[{k}] - step * learning_rate",
    ])
    size = rng.choice(["len(X)", "X.shape[0]", "len(Y)"])
    if rng.random() < 0.5:
        stop = rng.choice(["stop = start + batch_size\n    ", "stop = min(start + batch_size, len(X))\n    "])
        loop = f"""for start in range(0, {size}, batch_size):
    {stop}{g} = grad_fn(params, X[start:stop], Y[start:stop])
{_indent(update)}"""
    else:
        loop = f"""n_batches = int(np.ceil({size} / batch_size))
for b in range(n_batches):
    xb = X[b * batch_size:(b + 1) * batch_size]
    yb = Y[b * batch_size:(b + 1) * batch_size]
    {g} = grad_fn(params, xb, yb)
{_indent(update)}"""
    body = "\n".join(line for line in [copy, loop, "return params"] if line)
    prefix = "import copy\n\n\n" if "deepcopy" in copy else ""
    return prefix + "def gd_epoch(params, X, Y, grad_fn, batch_size, learning_rate):\n" + _indent(body)


def train_network(rng: random.Random, names: dict[str, str]) -> str:
    """q5: short; most of the class writes nearly the same few lines."""
    epochs, hidden, lr = rng.choice([200, 300, 400, 500]), rng.choice([8, 16, 32]), rng.choice([0.3, 0.5, 1.0])
    shuffle = rng.choice([
        "order = rng.permutation(len(X))\n    params = gd_epoch(params, X[order], Y[order], gradients, 32, {lr})",
        "order = np.random.permutation(len(X))\n    params = gd_epoch(params, X[order], Y[order], gradients, 32, {lr})",
        "params = gd_epoch(params, X, Y, gradients, batch_size=32, learning_rate={lr})",
    ]).format(lr=lr)
    return f"""def train_network(X, Y):
    rng = np.random.default_rng(0)
    params = init_params(n_in=X.shape[1], n_hidden={hidden}, seed=0)
    for _ in range({epochs}):
        {shuffle}
    return params
"""


WRITERS = {
    "q1-answer": backward, "q2-answer": numerical_gradient, "q3-answer": gradient_check,
    "q4-answer": gd_epoch, "q5-answer": train_network,
}


def independent_answers(rng: random.Random, skip_rate: float = 0.1) -> dict[str, str]:
    """One student's own answers (a question left out now and then)."""
    names = _names(rng)
    return {cell: write(rng, names) for cell, write in WRITERS.items() if rng.random() >= skip_rate}


def renamed(answers: dict[str, str]) -> dict[str, str]:
    """A copy with every name the student chose replaced (the exercise's signatures kept), and comments added."""
    pools = {name for pool in NAMES.values() for name in pool} | {"grad", "old", "up", "down", "mask", "P", "new", "plus"}
    out = {}
    for cell, code in answers.items():
        given = {name for line in re.findall(r"def \w+\((.*)\)", code) for name in re.findall(r"\w+", line)}
        chosen = sorted(pools - given, key=len, reverse=True)
        pattern = re.compile(r"(?<![\"'.\w])(" + "|".join(map(re.escape, chosen)) + r")\b(?![\"'])")
        body = pattern.sub(lambda m: f"my_{m.group(1).lower()}_{len(m.group(1))}", code)
        out[cell] = "\n".join(
            line + ("  # my own step" if i % 3 == 2 and line.strip() else "") for i, line in enumerate(body.splitlines())
        ) + "\n"
    return out


def reordered(answers: dict[str, str]) -> dict[str, str]:
    """A copy with the functions of each cell in the opposite order, and cells' blank lines changed."""
    out = {}
    for cell, code in answers.items():
        blocks = [b.strip("\n") for b in re.split(r"\n(?=def |import )", code) if b.strip()]
        out[cell] = "\n\n# helper below\n\n".join(reversed(blocks)) + "\n"
    return out


def literals_changed(answers: dict[str, str]) -> dict[str, str]:
    """A copy with every number and key string changed."""
    def bump(match: re.Match) -> str:
        return str(float(match.group(0)) * 1.5 + 1)

    out = {}
    for cell, code in answers.items():
        code = re.sub(r"(?<![\w.])\d+(\.\d+)?(e-?\d+)?", bump, code)
        out[cell] = code.replace('"W1"', "'W1'").replace("0.0", "0.")
    return out


def _indent(text: str) -> str:
    return "".join(("    " + line if line.strip() else line) + "\n" for line in text.splitlines())
