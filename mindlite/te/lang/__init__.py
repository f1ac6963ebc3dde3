"""Whole-tensor operators with the names of the paper's DSL (AKG's `akg.lang.cce`), each
one te compute stage:

    >>> from mindlite.te.lang import cce
    >>> x = te.placeholder((1024,), "float32", "x")
    >>> sigmoid = cce.vrec(cce.vadds(cce.vexp(cce.vmuls(x, -1.0)), 1.0))

Binary operators broadcast as numpy does and need equal dtypes; `vadds`/`vmuls` take a
Python number that keeps the tensor's dtype.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .. import intrin
from ..expr import Axis, Const, Expr, SizeVar, Tensor, as_dtype, compute, reduce_axis
from ..expr import max as _max
from ..expr import min as _min
from ..expr import sum as _sum


def _tensor(x: Any, op: str, what: str = "x") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"te.lang.{op}: {what} must be a te tensor, got {type(x).__name__}")
    return x


def _same_dim(a: Any, b: Any) -> bool:
    return a is b if isinstance(a, SizeVar) or isinstance(b, SizeVar) else a == b


def broadcast_shape(op: str, *shapes: tuple) -> tuple:
    """numpy broadcasting of shapes whose dims are ints or te.var sizes."""
    nd = max(len(s) for s in shapes)
    out: list = []
    for k in range(nd):
        dims = [s[len(s) - nd + k] for s in shapes if len(s) - nd + k >= 0]
        big = [d for d in dims if not (isinstance(d, int) and d == 1)]
        if any(not _same_dim(big[0], d) for d in big[1:]):
            shown = " and ".join(str([getattr(d, "name", d) for d in s]) for s in shapes)
            raise ValueError(f"te.lang.{op}: shapes {shown} cannot be broadcast together")
        out.append(big[0] if big else 1)
    return tuple(out)


def bcast_index(t: Tensor, out_shape: tuple, axes: Sequence[Expr]) -> tuple:
    """The indices reading t broadcast to out_shape at output position `axes`."""
    lead = len(out_shape) - t.ndim
    return tuple(Const.make(0) if isinstance(d, int) and d == 1 and not _same_dim(d, out_shape[lead + j])
                 else axes[lead + j] for j, d in enumerate(t.shape))


def _elementwise(op: str, f: Callable[..., Expr], *xs: Tensor, dtype_check: bool = True) -> Tensor:
    if dtype_check and len(xs) == 2 and xs[0].dtype != xs[1].dtype:
        raise TypeError(f"te.lang.{op}: operand dtypes differ ({xs[0].dtype} and {xs[1].dtype}); "
                        "cast one with te.lang.cast_to")
    shape = broadcast_shape(op, *[x.shape for x in xs])
    return compute(shape, lambda *i: f(*[x[bcast_index(x, shape, i)] for x in xs]), op)


def _binary(op: str, f: Callable[[Expr, Expr], Expr]) -> Callable[[Tensor, Tensor], Tensor]:
    def fn(lhs: Tensor, rhs: Tensor) -> Tensor:
        return _elementwise(op, f, _tensor(lhs, op, "lhs"), _tensor(rhs, op, "rhs"))
    fn.__name__ = op
    fn.__doc__ = f"Elementwise {op[1:]} of two tensors (numpy broadcasting, equal dtypes)."
    return fn


vadd = _binary("vadd", lambda a, b: a + b)
vsub = _binary("vsub", lambda a, b: a - b)
vmul = _binary("vmul", lambda a, b: a * b)
vdiv = _binary("vdiv", lambda a, b: a / b)
vmax = _binary("vmax", intrin.maximum)
vmin = _binary("vmin", intrin.minimum)


def _scalar(op: str, x: Tensor, s: Any) -> Const:
    if isinstance(s, (bool, np.bool_)) or not isinstance(s, (int, float, np.integer, np.floating)):
        raise TypeError(f"te.lang.{op}: the scalar must be a number, got {type(s).__name__}")
    if x.dtype.kind in "iu" and isinstance(s, (float, np.floating)) and not float(s).is_integer():
        raise TypeError(f"te.lang.{op}: scalar {s} does not fit the {x.dtype} tensor {x.name}")
    return Const.make(s.item() if isinstance(s, np.generic) else s)


def vadds(x: Tensor, scalar: Any) -> Tensor:
    """x + scalar (the scalar takes x's dtype)."""
    c = _scalar("vadds", _tensor(x, "vadds"), scalar)
    return _elementwise("vadds", lambda a: a + c, x)


def vmuls(x: Tensor, scalar: Any) -> Tensor:
    """x * scalar (the scalar takes x's dtype)."""
    c = _scalar("vmuls", _tensor(x, "vmuls"), scalar)
    return _elementwise("vmuls", lambda a: a * c, x)


def _unary(op: str, f: Callable[[Expr], Expr], float_only: bool = True) -> Callable[[Tensor], Tensor]:
    def fn(x: Tensor) -> Tensor:
        _tensor(x, op)
        if float_only and x.dtype.kind != "f":
            raise TypeError(f"te.lang.{op}: needs a floating-point tensor, got {x.dtype} ({x.name})")
        return _elementwise(op, f, x)
    fn.__name__ = op
    return fn


vexp = _unary("vexp", intrin.exp)
vlog = _unary("vlog", intrin.log)
vsqrt = _unary("vsqrt", intrin.sqrt)
vtanh = _unary("vtanh", intrin.tanh)
vrec = _unary("vrec", lambda a: 1 / a)
vabs = _unary("vabs", intrin.abs, float_only=False)
vneg = _unary("vneg", lambda a: -a, float_only=False)
vrelu = _unary("vrelu", lambda a: intrin.maximum(a, 0), float_only=False)


def cast_to(x: Tensor, dtype: Any) -> Tensor:
    """x converted to dtype."""
    dt = as_dtype(dtype)
    return _elementwise("cast_to", lambda a: intrin.cast(a, dt), _tensor(x, "cast_to"))


def broadcast(x: Any, shape: Any, dtype: Any = None) -> Tensor:
    """x (a tensor, or a number filling the shape) broadcast to `shape` as numpy does."""
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    if not isinstance(x, Tensor):
        c = Const.make(x, None if dtype is None else as_dtype(dtype))
        return compute(shape, lambda *i: c, "broadcast")
    full = broadcast_shape("broadcast", x.shape, shape)
    if len(full) != len(shape) or any(not _same_dim(a, b) for a, b in zip(full, shape)):
        raise ValueError(f"te.lang.broadcast: {x.name} of shape {list(x.shape)} cannot be broadcast to "
                         f"{list(shape)}")
    return compute(full, lambda *i: x[bcast_index(x, full, i)], "broadcast")


def _reduction(kind: str, red: Callable[..., Expr]) -> Callable[..., Tensor]:
    def fn(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
        _tensor(x, kind)
        nd = x.ndim
        axes = range(nd) if axis is None else [axis] if isinstance(axis, (int, np.integer)) else list(axis)
        norm = []
        for a in axes:
            if not -nd <= a < nd:
                raise ValueError(f"te.lang.{kind}: axis {a} is out of range for the {nd}-d tensor {x.name}")
            norm.append(int(a) % nd)
        norm = sorted(set(norm))
        rv = {a: reduce_axis((0, x.shape[a]), f"k{a}") for a in norm}
        kept = [a for a in range(nd) if a not in rv]
        shape = tuple(1 if a in rv else x.shape[a] for a in range(nd)) if keepdims else \
            tuple(x.shape[a] for a in kept)

        def body(*i: Axis) -> Expr:
            pos = iter(i) if not keepdims else None
            idx = [rv[a] if a in rv else (i[a] if keepdims else next(pos)) for a in range(nd)]
            return red(x[tuple(idx)], axis=[rv[a] for a in norm])
        if not norm:
            return compute(x.shape, lambda *i: x[i], kind)
        return compute(shape, body, kind)
    fn.__name__ = kind
    fn.__doc__ = f"{kind} of x over `axis` (None: all), keeping reduced dims as 1 with keepdims."
    return fn


sum = _reduction("sum", _sum)  # noqa: A001 - the DSL's name
reduce_max = _reduction("reduce_max", _max)
reduce_min = _reduction("reduce_min", _min)

__all__ = ["vadd", "vsub", "vmul", "vdiv", "vmax", "vmin", "vadds", "vmuls", "vexp", "vlog", "vsqrt", "vtanh",
           "vrec", "vabs", "vneg", "vrelu", "cast_to", "broadcast", "sum", "reduce_max", "reduce_min",
           "broadcast_shape"]

from . import cce  # noqa: E402  (te.lang.cce: the paper's spelling of this module)
