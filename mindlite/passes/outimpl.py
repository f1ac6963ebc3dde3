"""Buffer facts about primitives, two optional per-primitive entries (R4) for the planners:

`impl_out`: "compute into this buffer".

`impl_out(prim)(xp, *arrays, out=buf, **params)` writes prim's result into `buf` (whose
shape and dtype are the node's) and returns it. The memory planner and elementwise fusion
use it to reuse preallocated buffers instead of allocating one array per op (PERF_NOTES:
half the cost of an elementwise op on numpy is the allocation).

Contract of an entry: the result is bit-identical to `prim.impl`; `buf` may be one of the
operands (exact overlap, as numpy ufuncs allow); `prim.impl` itself always returns a fresh
array for these primitives (never a view of an operand), which the planners rely on.

`returns_fresh(node)`: the node's impl never returns a view of (or the same array as) an
operand. Default: it may (reshape, transpose, cast(copy=False), a branch returning its
input...), so the planners keep operands' buffers alive while such outputs live. Every
primitive with an impl_out entry is fresh; the few others listed below were checked by
reading their impls (reductions return a 0-d input as is, hence their condition).

NOTE: these are side tables keyed by Primitive because `Primitive` has fixed `__slots__`;
TODO(registry owner): move them into `Primitive.impl_out` / `Primitive.fresh` (defaults
None / False) and drop this module.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops import cpu_kernels
from ..ops import linalg as _la
from ..ops import math as _m
from ..ops import nn as _nn
from ..ops import reduce as _r

IMPL_OUT: dict[Any, Callable[..., Any]] = {}
FRESH: dict[Any, Callable[[Any], bool]] = {}


def def_impl_out(prim: Any, fn: Callable[..., Any]) -> None:
    """Register the compute-into-buffer form of `prim`."""
    IMPL_OUT[prim] = fn


def impl_out(prim: Any) -> Callable[..., Any] | None:
    """The compute-into-buffer form of `prim`, or None (the default: allocate as usual)."""
    return IMPL_OUT.get(prim)


def usable(prim: Any, operands: tuple, out: Any) -> bool:
    """True if `prim` has an entry and computes in `out`'s dtype: numpy's own result type of
    the operands (Python scalars weak, NEP 50) equals the node's. Otherwise writing into
    `out` would round differently from the allocating impl, so we allocate."""
    if prim not in IMPL_OUT or out.dtype == object:
        return False
    types = [a.dtype if hasattr(a, "dtype") else a for a in operands]
    try:
        return np.result_type(*types) == out.dtype
    except TypeError:
        return False


def returns_fresh(n: Any) -> bool:
    """True if node n's result is always a new array (never a view of an operand)."""
    if n.prim in IMPL_OUT:
        return True
    rule = FRESH.get(n.prim)
    return rule is not None and rule(n)


def _ufunc(name: str, *consts: Any) -> Callable[..., Any]:
    def fn(xp: Any, *args: Any, out: Any) -> Any:
        return getattr(xp, name)(*args, *consts, out=out)
    fn.__name__ = f"{name}_into"
    return fn


# The hot elementwise primitives whose impl is exactly one ufunc call (so `out=` gives the
# same bits). div is left out: int/int divides in float64 then rounds to float32.
for _prim, _name, _consts in [
        (_m.add_p, "add", ()), (_m.sub_p, "subtract", ()), (_m.mul_p, "multiply", ()),
        (_m.maximum_p, "maximum", ()), (_m.minimum_p, "minimum", ()), (_m.neg_p, "negative", ()),
        (_m.exp_p, "exp", ()), (_m.log_p, "log", ()), (_m.sqrt_p, "sqrt", ()), (_m.tanh_p, "tanh", ()),
        (_m.square_p, "square", ()), (_m.abs_p, "abs", ()), (_m.relu_p, "maximum", (0,))]:
    def_impl_out(_prim, _ufunc(_name, *_consts))

def _where_into(xp: Any, c: Any, x: Any, y: Any, *, out: Any) -> Any:
    """where(c, x, y) into `out` (which may be x or y itself, an in-place chain): numpy's
    branch-free select (ops/cpu_kernels.py) where it applies, else where() and a copy."""
    x, y = _m._where_xy(xp, x, y)
    if xp is np and cpu_kernels.select(c, x, y, out=out) is not None:
        return out
    out[...] = xp.where(c, x, y)
    return out


def_impl_out(_m.where_p, _where_into)

for _prim in (_la.matmul_p, _nn.softmax_p, _nn.log_softmax_p):
    FRESH[_prim] = lambda n: True
for _prim in (_r.reduce_sum_p, _r.reduce_max_p, _r.reduce_min_p, _r.reduce_prod_p, _r.reduce_all_p,
              _r.reduce_any_p):
    FRESH[_prim] = lambda n: getattr(n.inputs[0], "ndim", 0) > 0  # a 0-d input is returned as is
