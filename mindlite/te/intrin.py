"""The operations te expressions are made of: per operation its arity, its type rule, the
array-module function that computes it, and the CUDA code generator's name for it.

The type rule is numpy's own (evaluated once per operand-type signature on 0-d samples,
Python numbers weak as in NEP 50), so the generated numpy code and the expression agree
on every result type by construction.
"""
from __future__ import annotations


from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .expr import Expr, Op, as_dtype, op


@dataclass(frozen=True)
class OpSpec:
    name: str
    arity: int
    kind: str          # arith | float | unary | compare | logic | select | cast | extern
    xp_fn: str         # array-module function (a ufunc where the kind allows `out=`)
    c_op: str          # codegen_cuda operation ("call" for extern functions)
    symbol: str = ""   # infix/prefix symbol for printing
    grad: Callable[..., Any] | None = None  # extern intrinsics only: (args, out, head) -> adjoints


def _spec(name: str, arity: int, kind: str, xp_fn: str, symbol: str = "", c_op: str | None = None) -> OpSpec:
    return OpSpec(name, arity, kind, xp_fn, c_op or name, symbol)


OPS: dict[str, OpSpec] = {s.name: s for s in [
    _spec("add", 2, "arith", "add", "+"), _spec("sub", 2, "arith", "subtract", "-"),
    _spec("mul", 2, "arith", "multiply", "*"), _spec("div", 2, "arith", "true_divide", "/"),
    _spec("floordiv", 2, "arith", "floor_divide", "//"), _spec("mod", 2, "arith", "remainder", "%"),
    _spec("max", 2, "arith", "maximum"), _spec("min", 2, "arith", "minimum"),
    _spec("neg", 1, "unary", "negative", "-"), _spec("abs", 1, "unary", "absolute"),
    _spec("sign", 1, "unary", "sign"),
    _spec("exp", 1, "float", "exp"), _spec("log", 1, "float", "log"), _spec("sqrt", 1, "float", "sqrt"),
    _spec("tanh", 1, "float", "tanh"), _spec("sin", 1, "float", "sin"), _spec("cos", 1, "float", "cos"),
    _spec("floor", 1, "float", "floor"),
    _spec("lt", 2, "compare", "less", "<"), _spec("le", 2, "compare", "less_equal", "<="),
    _spec("gt", 2, "compare", "greater", ">"), _spec("ge", 2, "compare", "greater_equal", ">="),
    _spec("eq", 2, "compare", "equal", "=="), _spec("ne", 2, "compare", "not_equal", "!="),
    _spec("and", 2, "logic", "logical_and", "&&"), _spec("or", 2, "logic", "logical_or", "||"),
    _spec("not", 1, "logic", "logical_not", "!"),
    _spec("select", 3, "select", "where"), _spec("cast", 1, "cast", "astype"),
]}

_CACHE: dict[tuple, tuple[np.dtype, bool]] = {}


def _sample(x: Expr) -> Any:
    if x.weak:
        return {"b": True, "i": 1, "u": 1}.get(x.dtype.kind, 1.0)
    return np.ones((), x.dtype)


def result_dtype(name: str, xs: list, attr: Any) -> tuple[np.dtype, bool]:
    """(dtype, weak) of operation `name` on operands xs; TypeError for operand types it refuses."""
    spec = OPS[name]
    weak = all(x.weak for x in xs)
    key = (name, repr(attr), *[(x.dtype.str, x.weak) for x in xs])
    if key in _CACHE:
        return _CACHE[key]
    kinds = [x.dtype.kind for x in xs]
    if spec.kind == "cast":
        res = (as_dtype(attr), False)
    elif spec.kind in ("float", "extern") and kinds[0] != "f":
        raise TypeError(f"te.{name}: needs a floating-point operand, got {xs[0].dtype}; cast it first (te.cast)")
    elif spec.kind == "logic" and any(k != "b" for k in kinds):
        raise TypeError(f"te.{name}: needs boolean operands, got {', '.join(str(x.dtype) for x in xs)}")
    elif spec.kind == "select":
        if kinds[0] != "b":
            raise TypeError(f"te.select: the condition must be boolean, got {xs[0].dtype}")
        with np.errstate(all="ignore"):
            r = np.where(True, _sample(xs[1]), _sample(xs[2]))
        res = (np.asarray(r).dtype, xs[1].weak and xs[2].weak)
    elif spec.kind == "extern":
        res = (xs[0].dtype, weak)
    else:
        if spec.kind in ("arith", "unary", "compare") and "b" in kinds and name not in ("eq", "ne", "max", "min"):
            raise TypeError(f"te.{name}: boolean operands are not numbers; cast them first (te.cast)")
        with np.errstate(all="ignore"):
            r = getattr(np, spec.xp_fn)(*[_sample(x) for x in xs])
        res = (np.asarray(r).dtype, weak)
    _CACHE[key] = res
    return res


# ---- the intrinsics as functions ---------------------------------------------------------------------
def exp(x: Any) -> Expr:
    return op("exp", x)


def log(x: Any) -> Expr:
    return op("log", x)


def sqrt(x: Any) -> Expr:
    return op("sqrt", x)


def tanh(x: Any) -> Expr:
    return op("tanh", x)


def sin(x: Any) -> Expr:
    return op("sin", x)


def cos(x: Any) -> Expr:
    return op("cos", x)


def floor(x: Any) -> Expr:
    return op("floor", x)


def abs(x: Any) -> Expr:  # noqa: A001 - te's name
    return op("abs", x)


def sign(x: Any) -> Expr:
    return op("sign", x)


def maximum(a: Any, b: Any) -> Expr:
    return op("max", a, b)


def minimum(a: Any, b: Any) -> Expr:
    return op("min", a, b)


def select(cond: Any, a: Any, b: Any) -> Expr:
    """`a` where `cond` is true, else `b` (both evaluated; no short circuit)."""
    return op("select", cond, a, b)


def cast(x: Any, dtype: Any) -> Expr:
    return op("cast", x, attr=as_dtype(dtype))


def const(value: Any, dtype: Any = None) -> Expr:
    """A constant; with `dtype` it has that type, else it is a weak Python number."""
    from .expr import Const
    return Const.make(value, dtype)


def register_intrinsic(name: str, xp_fn: str | None = None, cuda: str | None = None, arity: int = 1,
                       grad: Callable[..., Any] | None = None) -> Callable[..., Expr]:
    """Make a new floating-point elementwise intrinsic known to te and return its builder.

    Args:
        xp_fn: the array-module function computing it (numpy and cupy share the name).
        cuda: the CUDA device function computing it (default: `xp_fn`).
        grad: `grad(args, out, head) -> tuple of adjoints` (te expressions); without it,
            differentiating through the intrinsic raises UnsupportedError (give the
            tensor's gradient with `override=`).
    """
    if not name.isidentifier() or name in OPS and OPS[name].kind != "extern":
        raise ValueError(f"te.register_intrinsic: {name!r} is not a free intrinsic name")
    xp_fn = xp_fn or name
    if not callable(getattr(np, xp_fn, None)):
        raise ValueError(f"te.register_intrinsic {name}: numpy has no function {xp_fn!r}")
    OPS[name] = OpSpec(name, arity, "extern", xp_fn, "call", grad=grad)
    _C_NAMES[name] = cuda or xp_fn

    def build(*args: Any) -> Expr:
        return op(name, *args)
    build.__name__ = name
    return build


_C_NAMES: dict[str, str] = {}


def c_function(name: str) -> str:
    return _C_NAMES[name]


def is_op(e: Any, name: str) -> bool:
    return isinstance(e, Op) and e.name == name


__all__ = ["OPS", "OpSpec", "result_dtype", "exp", "log", "sqrt", "tanh", "sin", "cos", "floor", "abs", "sign",
           "maximum", "minimum", "select", "cast", "const", "register_intrinsic"]
