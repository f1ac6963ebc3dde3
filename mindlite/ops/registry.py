"""The primitive table: every op of mindlite is one `Primitive` defined here or in a family
module (`math.py`, `array.py`, `reduce.py`, `nn.py`, ...).

A primitive carries
  * `impl(xp, *arrays, **params)` - the forward, written against the array module `xp`;
  * `infer(*avals, **params)`      - a pure shape/dtype rule (used for errors and graphs);
  * `bprop(*inputs, out, dout, **params)` - the backward, written in mindlite ops, so that the
    eager tape, graph autodiff and higher-order derivatives share it. A bprop that takes a
    `needs` argument is told which inputs need a gradient (core/ad.py) and returns None for
    the others.
Optional entries (R4) have defaults: `fuse_kind`, `expr` (scalar expression for fusion),
`multiple_results`, `is_pure`.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


from ..core.prim import REGISTRY, Aval, Primitive, aval_of, bind  # noqa: F401  (the one definition)


# ----------------------------------------------------------------------------------------
# Shape/dtype rule helpers shared by many primitives.

def broadcast_shapes(op: str, *shapes: tuple) -> tuple:
    """numpy broadcasting; raises ValueError naming the op and every shape."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        shown = ", ".join(str(list(s)) for s in shapes)
        raise ValueError(f"{op}: shapes {shown} cannot be broadcast together") from None


def result_dtype(*xs: Any) -> Any:
    """numpy 2 promotion with weak Python scalars (NEP 50), as MindSpore's scalar rules."""
    return np.result_type(*[x.dtype if isinstance(x, Aval) else x for x in xs])


def same_as_first(x: Any, *rest: Any, **params: Any) -> Aval:
    return x


def elementwise_infer(op: str) -> Callable[..., Aval]:
    def infer(*xs: Any, **params: Any) -> Aval:
        shapes = [x.shape for x in xs if isinstance(x, Aval)]
        return Aval(broadcast_shapes(op, *shapes), result_dtype(*xs))
    return infer


def predicate_infer(op: str) -> Callable[..., Aval]:
    base = elementwise_infer(op)

    def infer(*xs: Any, **params: Any) -> Aval:
        return Aval(base(*xs).shape, np.dtype(np.bool_))
    return infer


def float_infer(op: str) -> Callable[..., Aval]:
    """Elementwise rule whose result is floating (int inputs give float32, as MindSpore)."""
    base = elementwise_infer(op)

    def infer(*xs: Any, **params: Any) -> Aval:
        a = base(*xs)
        return a if a.dtype.kind in "fc" else Aval(a.shape, np.dtype(np.float32))
    return infer


def norm_axis(axis: Any, ndim: int, op: str = "op") -> tuple:
    """Normalise an axis argument (None | int | sequence) to a sorted tuple of non-negative ints."""
    if axis is None or axis == ():
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a {ndim}-d input")
        out.append(int(a) % max(ndim, 1))
    return tuple(sorted(set(out)))


