"""Mutation operators: each one turns one AST node into a few realistic mistakes.

An operator is a small documented function ``(node, parent) -> list[ast.AST]``:
it returns the replacement nodes for ``node`` (an expression, or a simple
statement), or an empty list when it does not apply. The text of the answer
cell is then changed only where ``node`` was (see `grader.mutate.mutants`).

The classic operators are those of mutmut and cosmic-ray (arithmetic and
comparison swaps, boolean operators, numbers, strings, removed unary
operators); the rest target mistakes made with NumPy and Keras: ``axis=``,
``keepdims``, slice bounds, in-place updates, swapped arguments, dropped
terms, removed keyword arguments (``activation=``, ``mask_zero=``,
``training=True``), changed string arguments (activations, padding, losses),
a removed ``.copy()``, a forgotten wrapping call and swapped return values.
Layer arguments are covered by ``number``, ``string``, ``flag`` and ``drop-kwarg``.

The order of `OPERATORS` is part of every mutant's id and decides which of two
operators that produce the same code keeps it, so new operators go at the end.

Example:

>>> node = ast.parse("a + b", mode="eval").body
>>> [ast.unparse(n) for n in arith(node, None)]
['a - b']
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable
from dataclasses import dataclass

Mutator = Callable[[ast.AST, "ast.AST | None"], list[ast.AST]]


@dataclass(frozen=True)
class Operator:
    """A named mutation operator.

    Args:
        name: short id used in mutant ids and ``--operators``.
        mutate: the function ``(node, parent) -> replacement nodes``.
    """

    name: str
    mutate: Mutator

    @property
    def summary(self) -> str:
        """The first line of the operator's docstring."""
        return (self.mutate.__doc__ or "").strip().splitlines()[0]


_ARITH = {
    ast.Add: (ast.Sub,), ast.Sub: (ast.Add,), ast.Mult: (ast.Div,), ast.Div: (ast.Mult,),
    ast.FloorDiv: (ast.Div,), ast.Mod: (ast.Div,), ast.Pow: (ast.Mult,), ast.MatMult: (ast.Mult,),
}
_COMPARE = {
    ast.Gt: (ast.GtE,), ast.GtE: (ast.Gt,), ast.Lt: (ast.LtE,), ast.LtE: (ast.Lt,), ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,), ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,), ast.In: (ast.NotIn,), ast.NotIn: (ast.In,),
}
_NOT_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.MatMult)
STRINGS = {
    "relu": ("sigmoid", "tanh"), "sigmoid": ("relu", "softmax"), "tanh": ("relu", "sigmoid"),
    "softmax": ("sigmoid", "linear"), "linear": ("relu",), "elu": ("relu",), "gelu": ("relu",),
    "same": ("valid",), "valid": ("same",),
    "binary_crossentropy": ("categorical_crossentropy", "mse"),
    "categorical_crossentropy": ("sparse_categorical_crossentropy", "binary_crossentropy"),
    "sparse_categorical_crossentropy": ("categorical_crossentropy",),
    "mse": ("mae",), "mae": ("mse",), "mean_squared_error": ("mean_absolute_error",),
    "mean_absolute_error": ("mean_squared_error",),
    "adam": ("sgd",), "sgd": ("adam",), "rmsprop": ("sgd",),
    "accuracy": ("mse",), "max": ("mean",), "mean": ("max",), "sum": ("mean",),
    "post": ("pre",), "pre": ("post",), "int": ("float",), "float32": ("float64",),
}
_COSMETIC = {"verbose"}  # keyword arguments that change only what is printed
_NOT_UNWRAPPED = {"print", "range", "len", "zip", "enumerate", "isinstance", "super", "type", "list", "tuple", "dict"}


def _with(node: ast.AST, **fields: object) -> ast.AST:
    new = copy.deepcopy(node)
    for name, value in fields.items():
        setattr(new, name, value)
    return new


def _number(node: ast.AST) -> float | int | None:
    """The value of a number literal (``3``, ``-1``, ``1e-3``), or None; booleans are not numbers."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    return None


def _literal(value: float | int) -> ast.expr:
    if value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def arith(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Swap an arithmetic operator: + and -, * and /, // -> /, % -> /, ** -> *, @ -> * (mutmut)."""
    if isinstance(node, (ast.BinOp, ast.AugAssign)):
        return [_with(node, op=new()) for new in _ARITH.get(type(node.op), ())]
    return []


def compare(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Move a comparison's boundary or negate it: > and >=, < and <=, == and !=, is, in (mutmut)."""
    if not isinstance(node, ast.Compare):
        return []
    mutants = []
    for index, op in enumerate(node.ops):
        for new in _COMPARE.get(type(op), ()):
            ops = list(node.ops)
            ops[index] = new()
            mutants.append(_with(node, ops=ops))
    return mutants


def boolean(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Swap ``and`` and ``or``, drop a ``not``, flip a bare True or False (cosmic-ray)."""
    if isinstance(node, ast.BoolOp):
        return [_with(node, op=ast.Or() if isinstance(node.op, ast.And) else ast.And())]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return [copy.deepcopy(node.operand)]
    if isinstance(node, ast.Constant) and isinstance(node.value, bool) and not isinstance(parent, ast.keyword):
        return [ast.Constant(not node.value)]
    return []


def negation(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Drop a unary minus in front of an expression: ``-np.mean(x)`` -> ``np.mean(x)``."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _number(node) is None:
        return [copy.deepcopy(node.operand)]
    return []


def number(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Change a number: n -> n + 1 and n - 1 for integers, 0.0 -> 1.0, 1e-3 -> 1e-2, x -> x + 1 (mutmut)."""
    value = _number(node)
    if value is None or (isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.USub)):
        return []
    if isinstance(parent, ast.keyword) and parent.arg in _COSMETIC:
        return []
    if isinstance(value, int):
        return [_literal(value + 1), _literal(value - 1)]
    if 0 < abs(value) < 1:
        return [_literal(value * 10)]
    return [_literal(value + 1.0)]


def flag(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Flip a True/False keyword argument: ``keepdims``, ``return_sequences``, ``from_logits``, ``training``."""
    if isinstance(node, ast.keyword) and node.arg not in _COSMETIC and isinstance(node.value, ast.Constant) and isinstance(node.value.value, bool):
        return [_with(node, value=ast.Constant(not node.value.value))]
    return []


def axis(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Reduce over another axis: ``axis=-1`` or ``axis=1`` -> ``axis=0``, ``axis=0`` -> ``axis=1``."""
    if isinstance(node, ast.keyword) and node.arg == "axis":
        value = _number(node.value)
        if isinstance(value, int):
            return [_with(node, value=_literal(1 if value == 0 else 0))]
    return []


def slice_bound(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Move a slice bound by one: ``x[:-1]`` -> ``x[:-2]`` and ``x[:0]``, ``x[a:b]`` -> ``x[a:b + 1]``."""
    if not isinstance(node, ast.Slice):
        return []
    mutants = []
    for field in ("lower", "upper"):
        bound = getattr(node, field)
        if bound is None:
            continue
        value = _number(bound)
        for step in (1, -1):
            if isinstance(value, int):
                moved: ast.expr = _literal(value + step)
            else:
                moved = ast.BinOp(copy.deepcopy(bound), ast.Add() if step > 0 else ast.Sub(), ast.Constant(1))
            mutants.append(_with(node, **{field: moved}))
    return mutants


def assign_instead(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Replace an update by an assignment: ``total += x`` -> ``total = x``."""
    if isinstance(node, ast.AugAssign):
        return [ast.Assign(targets=[copy.deepcopy(node.target)], value=copy.deepcopy(node.value), lineno=node.lineno)]
    return []


def in_place(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Update in place: ``w = w - lr * g`` -> ``w -= lr * g``, which changes the caller's array."""
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.BinOp)):
        return []
    target, value = node.targets[0], node.value
    if isinstance(target, ast.Name) and isinstance(value.left, ast.Name) and value.left.id == target.id:
        return [ast.AugAssign(target=copy.deepcopy(target), op=copy.deepcopy(value.op), value=copy.deepcopy(value.right))]
    return []


def swap_args(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Swap two neighbouring positional arguments, or the operands of -, /, //, %, ** and @."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, _NOT_COMMUTATIVE):
        return [_with(node, left=copy.deepcopy(node.right), right=copy.deepcopy(node.left))]
    if not isinstance(node, ast.Call):
        return []
    mutants = []
    for i in range(len(node.args) - 1):
        first, second = node.args[i], node.args[i + 1]
        if isinstance(first, ast.Starred) or isinstance(second, ast.Starred) or ast.dump(first) == ast.dump(second):
            continue
        args = list(node.args)
        args[i], args[i + 1] = args[i + 1], args[i]
        mutants.append(_with(node, args=args))
    return mutants


def drop_term(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Drop a term or factor: ``a + b`` -> ``a`` and ``b``; ``a - b`` -> ``a`` and ``-b``; ``a / b`` -> ``a``."""
    if not isinstance(node, ast.BinOp):
        return []
    left, right = copy.deepcopy(node.left), copy.deepcopy(node.right)
    if isinstance(node.op, (ast.Add, ast.Mult)):
        return [left, right]
    if isinstance(node.op, ast.Sub):
        return [left, ast.UnaryOp(ast.USub(), right)]
    if isinstance(node.op, (ast.Div, ast.FloorDiv, ast.Pow, ast.Mod)):
        return [left]
    return []


def drop_kwarg(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Remove one keyword argument: ``axis=``, ``activation=``, ``mask_zero=``, ``training=True``, ``dtype=``."""
    if not isinstance(node, ast.Call):
        return []
    kept = [k for k in node.keywords if k.arg is not None and k.arg not in _COSMETIC]
    return [_with(node, keywords=[k for k in node.keywords if k is not drop]) for drop in kept]


def string(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Change a string argument from a small table: "relu" -> "sigmoid", "same" -> "valid", loss names."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and isinstance(parent, (ast.Call, ast.keyword)):
        return [ast.Constant(other) for other in STRINGS.get(node.value, ())]
    return []


def drop_copy(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Remove a copy: ``x.copy()`` -> ``x``, ``np.copy(x)`` -> ``x``."""
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or node.func.attr != "copy":
        return []
    if not node.args and not node.keywords:
        return [copy.deepcopy(node.func.value)]
    if len(node.args) == 1 and not node.keywords:
        return [copy.deepcopy(node.args[0])]
    return []


def unwrap_call(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Forget a wrapping call: ``relu(dense(x))`` -> ``dense(x)``, ``np.mean(v)`` -> ``v``."""
    if not isinstance(node, ast.Call) or not node.args or isinstance(node.args[0], ast.Starred):
        return []
    if isinstance(node.func, ast.Name) and node.func.id in _NOT_UNWRAPPED:
        return []
    return [copy.deepcopy(node.args[0])]


def swap_return(node: ast.AST, parent: ast.AST | None) -> list[ast.AST]:
    """Return values in another order: ``return a, b`` -> ``return b, a``."""
    if not isinstance(node, ast.Return) or not isinstance(node.value, ast.Tuple):
        return []
    mutants = []
    items = node.value.elts
    for i in range(len(items) - 1):
        if ast.dump(items[i]) == ast.dump(items[i + 1]):
            continue
        swapped = list(items)
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        mutants.append(_with(node, value=ast.Tuple(elts=copy.deepcopy(swapped), ctx=ast.Load())))
    return mutants


OPERATORS: tuple[Operator, ...] = (
    Operator("arith", arith),
    Operator("compare", compare),
    Operator("boolean", boolean),
    Operator("negation", negation),
    Operator("number", number),
    Operator("flag", flag),
    Operator("axis", axis),
    Operator("slice", slice_bound),
    Operator("assign", assign_instead),
    Operator("in-place", in_place),
    Operator("swap-args", swap_args),
    Operator("drop-term", drop_term),
    Operator("drop-kwarg", drop_kwarg),
    Operator("string", string),
    Operator("copy", drop_copy),
    Operator("unwrap-call", unwrap_call),
    Operator("swap-return", swap_return),
)


def operators_named(names: list[str] | None) -> tuple[Operator, ...]:
    """The operators with these names (all of them for None), in their fixed order.

    Raises:
        ValueError: when a name is not an operator's.
    """
    if not names:
        return OPERATORS
    known = {op.name for op in OPERATORS}
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(f"No mutation operator {unknown[0]!r}. Known: {', '.join(sorted(known))}")
    return tuple(op for op in OPERATORS if op.name in names)
