"""Algebraic simplification, and cast / transpose (layout) elimination, as pattern rules.

Identities (`x*1`, `x+0`, `x/1`, ...) fire only when the result has x's shape and dtype:
the rewrite driver refuses any replacement that changes a type, so `x_f32 * 1.0` where
x is int, or `x[2,1] + zeros[1,3]` (broadcasting), stay as they are. `x*0` is never folded
(`nan*0` is nan, `inf*0` is nan).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ir.graph import Graph, Var
from ..ops.array import broadcast_to_p, reshape_p, transpose_p
from ..ops.math import add_p, cast_p, div_p, mul_p, neg_p, sub_p
from .rewrite import Any_, LitPat, Match, Pat, Rule, rewrite


def _x(m: Match) -> Any:
    return m["x"]


def _compose_transposes(m: Match) -> Any:
    inner, outer = m.nodes["t"].params["perm"], m.node.params["perm"]
    perm = tuple(int(inner[j]) for j in outer)  # out[i] = t[outer[i]] = x[inner[outer[i]]]
    if perm == tuple(range(len(perm))):
        return m["x"]  # a transpose followed by its inverse: the layout change cancels
    return m.emit(transpose_p, (m["x"],), {"perm": perm})


def _identity_perm(m: Match) -> bool:
    return tuple(m.node.params["perm"]) == tuple(range(len(m.node.params["perm"])))


def _reshape_reshape(m: Match) -> Any:
    return m.emit(reshape_p, (m["x"],), {"shape": m.node.outs[0].shape})


def _same_shape(m: Match) -> bool:
    return m.node.outs[0].shape == getattr(m["x"], "shape", None)


def _same_dtype(m: Match) -> bool:
    return m.node.outs[0].dtype == getattr(m["x"], "dtype", None)


def exact_widening(a: np.dtype, b: np.dtype) -> bool:
    """True if every value of dtype a is exactly representable in b (so a->b->c == a->c).

    NOTE: numpy calls int64->float64 "safe" although it rounds large ints; an int is exact in
    a float only if the float is wider than the int.
    """
    a, b = np.dtype(a), np.dtype(b)
    if a == b or not np.can_cast(a, b, "safe"):
        return False
    return not (a.kind in "iu" and b.kind in "fc" and a.itemsize >= b.itemsize)


def _cast_cast(m: Match) -> Any:
    x = m["x"]
    if not isinstance(x, Var):
        return None  # casts of literals are left to constant folding
    if not exact_widening(x.dtype, m.nodes["c"].outs[0].dtype):
        return None  # the inner cast rounds or wraps: it must stay
    return m.emit(cast_p, (x,), dict(m.node.params))


X = Any_("x")

rules_simplify: list[Rule] = [
    # arithmetic identities (the driver checks that x has the result's shape and dtype)
    (Pat(mul_p, (X, LitPat(1))), _x),
    (Pat(mul_p, (LitPat(1), X)), _x),
    # NOTE: x + 0 -> x turns (-0.0) + 0 = +0.0 into -0.0; the values compare equal.
    (Pat(add_p, (X, LitPat(0))), _x),
    (Pat(add_p, (LitPat(0), X)), _x),
    (Pat(sub_p, (X, LitPat(0))), _x),
    (Pat(div_p, (X, LitPat(1))), _x),
    (Pat(neg_p, (Pat(neg_p, (X,)),)), _x),
    # layout: transposes compose; a permutation and its inverse cancel
    (Pat(transpose_p, (X,), where=_identity_perm), _x),
    (Pat(transpose_p, (Pat(transpose_p, (X,), name="t"),)), _compose_transposes),
    (Pat(reshape_p, (X,), where=_same_shape), _x),
    (Pat(reshape_p, (Pat(reshape_p, (X,)),)), _reshape_reshape),
    (Pat(broadcast_to_p, (X,), where=_same_shape), _x),
    # casts: to the same dtype is a no-op; an exact widening followed by a cast is one cast
    (Pat(cast_p, (X,), where=_same_dtype), _x),
    (Pat(cast_p, (Pat(cast_p, (X,), name="c"),)), _cast_cast),
]


def simplify(g: Graph, rules: list[Rule] | None = None) -> Graph:
    """Apply the algebraic simplification rules (`rules_simplify` unless given) to g."""
    return rewrite(g, rules_simplify if rules is None else rules)
