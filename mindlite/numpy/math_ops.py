"""mindlite.numpy math: elementwise arithmetic and transcendental functions, reductions
(sum/mean/var/std/amax/...), cumulative ops, products (matmul/dot/outer/tensordot/kron/cross)
and norms. Every function is a composite of mindlite ops, so it is differentiable."""
from __future__ import annotations

import builtins
import math
from typing import Any, Sequence

import numpy as onp

from ..core import dtype as mstype
from ..core.tensor import Tensor
from ..ops import functional as F
from ._utils import maybe_cast, norm_axis, one_axis, operand, result_float, to_tensor


def _binary(fn: Any, name: str, doc: str) -> Any:
    def op(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
        a, b = operand(x1), operand(x2)
        if not isinstance(a, Tensor) and not isinstance(b, Tensor):
            a = to_tensor(a)
        return maybe_cast(fn(a, b), dtype)
    op.__name__ = name
    op.__doc__ = doc
    return op


def _unary(fn: Any, name: str, doc: str, floating: bool = False) -> Any:
    def op(x: Any, dtype: Any = None) -> Tensor:
        t = to_tensor(x)
        if floating:
            t = result_float(t)
        return maybe_cast(fn(t), dtype)
    op.__name__ = name
    op.__doc__ = doc
    return op


def _true_div(a: Any, b: Any) -> Tensor:
    a = result_float(a) if isinstance(a, Tensor) else float(a)
    return F.div(a, b)


add = _binary(F.add, "add", "x1 + x2 elementwise.")
subtract = _binary(F.sub, "subtract", "x1 - x2 elementwise.")
multiply = _binary(F.mul, "multiply", "x1 * x2 elementwise.")
divide = true_divide = _binary(_true_div, "divide", "x1 / x2 elementwise (true division).")
floor_divide = _binary(F.floor_div, "floor_divide", "floor(x1 / x2) elementwise.")
remainder = mod = _binary(F.mod, "remainder", "x1 mod x2 with the sign of x2 (Python's %).")
fmod = _binary(F.fmod, "fmod", "x1 mod x2 with the sign of x1 (C's fmod).")
power = _binary(F.pow, "power", "x1 ** x2 elementwise.")
maximum = _binary(F.maximum, "maximum", "Elementwise maximum (nan propagates).")
minimum = _binary(F.minimum, "minimum", "Elementwise minimum (nan propagates).")
arctan2 = _binary(lambda a, b: F.atan2(result_float(to_tensor(a)), b), "arctan2", "atan2(x1, x2) elementwise.")


def float_power(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
    return maybe_cast(F.pow(result_float(to_tensor(x1)), operand(x2)), dtype)


def fmax(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
    """Elementwise maximum ignoring nan (the other value is taken)."""
    a, b = to_tensor(x1), to_tensor(x2)
    m = F.maximum(a, b)
    return maybe_cast(F.where(F.isnan(a), b, F.where(F.isnan(b), a, m)), dtype)


def fmin(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
    a, b = to_tensor(x1), to_tensor(x2)
    m = F.minimum(a, b)
    return maybe_cast(F.where(F.isnan(a), b, F.where(F.isnan(b), a, m)), dtype)


def hypot(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
    a, b = result_float(to_tensor(x1)), operand(x2)
    return maybe_cast(F.sqrt(a * a + F.mul(b, b)), dtype)


def logaddexp(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
    a, b = result_float(to_tensor(x1)), result_float(to_tensor(x2))
    m = F.maximum(a, b)
    return maybe_cast(m + F.log1p(F.exp(-F.abs(a - b))), dtype)


def logaddexp2(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
    a, b = result_float(to_tensor(x1)), result_float(to_tensor(x2))
    m = F.maximum(a, b)
    return maybe_cast(m + F.log1p(F.exp2(-F.abs(a - b))) / math.log(2.0), dtype)


def heaviside(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
    a = to_tensor(x1)
    h = F.where(F.less(a, 0), F.zeros_like(a), F.ones_like(a))
    return maybe_cast(F.where(F.equal(a, 0), F.broadcast_to(operand(x2) if isinstance(x2, Tensor) else
                                                            F.full_like(a, x2), a.shape), h), dtype)


def divmod(x1: Any, x2: Any, dtype: Any = None) -> tuple:  # noqa: A001 - numpy name
    return floor_divide(x1, x2, dtype), remainder(x1, x2, dtype)


negative = _unary(F.neg, "negative", "-x elementwise.")
positive = _unary(lambda t: F.identity_copy(t), "positive", "+x elementwise (a copy).")
absolute = abs = _unary(F.abs, "absolute", "|x| elementwise.")  # noqa: A001
sign = _unary(F.sign, "sign", "-1, 0 or 1 by the sign of x.")
sqrt = _unary(F.sqrt, "sqrt", "Square root.", True)
square = _unary(F.square, "square", "x * x.")
reciprocal = _unary(lambda t: F.div(1, t) if t.dtype.is_floating_point else F.floor_div(1, t), "reciprocal",
                    "1 / x (integer division for integer x, as numpy).")
exp = _unary(F.exp, "exp", "e ** x.", True)
exp2 = _unary(F.exp2, "exp2", "2 ** x.", True)
expm1 = _unary(F.expm1, "expm1", "exp(x) - 1, accurate near 0.", True)
log = _unary(F.log, "log", "Natural logarithm.", True)
log2 = _unary(F.log2, "log2", "Base-2 logarithm.", True)
log10 = _unary(F.log10, "log10", "Base-10 logarithm.", True)
log1p = _unary(F.log1p, "log1p", "log(1 + x), accurate near 0.", True)
sin = _unary(F.sin, "sin", "Sine.", True)
cos = _unary(F.cos, "cos", "Cosine.", True)
tan = _unary(F.tan, "tan", "Tangent.", True)
arcsin = _unary(F.asin, "arcsin", "Inverse sine.", True)
arccos = _unary(F.acos, "arccos", "Inverse cosine.", True)
arctan = _unary(F.atan, "arctan", "Inverse tangent.", True)
sinh = _unary(F.sinh, "sinh", "Hyperbolic sine.", True)
cosh = _unary(F.cosh, "cosh", "Hyperbolic cosine.", True)
tanh = _unary(F.tanh, "tanh", "Hyperbolic tangent.", True)
arcsinh = _unary(F.asinh, "arcsinh", "Inverse hyperbolic sine.", True)
arccosh = _unary(F.acosh, "arccosh", "Inverse hyperbolic cosine.", True)
arctanh = _unary(F.atanh, "arctanh", "Inverse hyperbolic tangent.", True)
deg2rad = radians = _unary(lambda t: t * (math.pi / 180.0), "deg2rad", "Degrees to radians.", True)
rad2deg = degrees = _unary(lambda t: t * (180.0 / math.pi), "rad2deg", "Radians to degrees.", True)
floor = _unary(F.floor, "floor", "Largest integer <= x.", True)
ceil = _unary(F.ceil, "ceil", "Smallest integer >= x.", True)
trunc = fix = _unary(F.trunc, "trunc", "x rounded towards zero.", True)
rint = _unary(F.rint, "rint", "x rounded to the nearest integer (halves to even).", True)


def cbrt(x: Any, dtype: Any = None) -> Tensor:
    t = result_float(to_tensor(x))
    return maybe_cast(F.sign(t) * F.pow(F.abs(t), 1.0 / 3.0), dtype)


def around(a: Any, decimals: int = 0) -> Tensor:
    """Round half to even at `decimals` decimal places."""
    t = to_tensor(a)
    if not t.dtype.is_floating_point:
        return t
    if decimals == 0:
        return F.round(t)
    s = 10.0 ** decimals
    return F.round(t * s) / s


round = round_ = around  # noqa: A001


def clip(a: Any, a_min: Any, a_max: Any, dtype: Any = None) -> Tensor:
    """Values limited to [a_min, a_max]; either bound may be None (not both)."""
    if a_min is None and a_max is None:
        raise ValueError("mindlite.numpy.clip: a_min and a_max cannot both be None")
    t = to_tensor(a)
    if a_min is not None:
        t = F.maximum(t, operand(a_min))
    if a_max is not None:
        t = F.minimum(t, operand(a_max))
    return maybe_cast(t, dtype)


# ---- reductions ------------------------------------------------------------------------------------
def _reduce_args(a: Any, axis: Any, op: str) -> tuple:
    t = to_tensor(a)
    return t, norm_axis(axis, t.ndim, op)


def _bool_to_int(t: Tensor) -> Tensor:
    return F.cast(t, mstype.int32) if t.dtype == mstype.bool_ else t


def sum(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    t, axes = _reduce_args(a, axis, "sum")
    t = _bool_to_int(maybe_cast(t, dtype))
    out = F.sum(t, axes, keepdims) if axes else t
    if out.dtype != t.dtype:  # integer sums keep the input's integer type, as MindSpore
        out = F.cast(out, t.dtype)
    return out if initial is None else out + initial


def prod(a: Any, axis: Any = None, keepdims: bool = False, initial: Any = None, dtype: Any = None) -> Tensor:
    t, axes = _reduce_args(a, axis, "prod")
    t = _bool_to_int(maybe_cast(t, dtype))
    out = F.prod(t, axes, keepdims) if axes else t
    if out.dtype != t.dtype:
        out = F.cast(out, t.dtype)
    return out if initial is None else out * initial


def mean(a: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    t, axes = _reduce_args(a, axis, "mean")
    t = result_float(maybe_cast(t, dtype))
    return F.mean(t, axes, keepdims) if axes else t


def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False) -> Any:
    t, axes = _reduce_args(a, axis, "average")
    t = result_float(t)
    if weights is None:
        avg = F.mean(t, axes) if axes else t
        count = builtins.max(1, int(onp.prod([t.shape[i] for i in axes])))
        return (avg, F.full_like(avg, count)) if returned else avg
    w = result_float(to_tensor(weights))
    if w.shape != t.shape:
        if axis is None or w.ndim != 1 or not isinstance(axis, int):
            raise ValueError("mindlite.numpy.average: weights must have a's shape, or be 1-d along an int axis")
        ax = one_axis(axis, t.ndim, "average")
        w = F.reshape(w, tuple(w.shape[0] if i == ax else 1 for i in range(t.ndim)))
    w = F.broadcast_to(F.cast(w, t.dtype), t.shape)
    wsum = F.sum(w, axes)
    avg = F.sum(t * w, axes) / wsum
    return (avg, wsum) if returned else avg


def var(a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False, dtype: Any = None) -> Tensor:
    t, axes = _reduce_args(a, axis, "var")
    return F.var(result_float(maybe_cast(t, dtype)), axes, ddof, keepdims)


def std(a: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False, dtype: Any = None) -> Tensor:
    t, axes = _reduce_args(a, axis, "std")
    return F.std(result_float(maybe_cast(t, dtype)), axes, ddof, keepdims)


def amax(a: Any, axis: Any = None, keepdims: bool = False, initial: Any = None, where: Any = None) -> Tensor:
    t, axes = _reduce_args(a, axis, "amax")
    if where is not None:
        if initial is None:
            raise ValueError("mindlite.numpy.amax: where needs an initial value")
        t = F.where(to_tensor(where), t, F.full_like(t, initial))
    out = F.amax(t, axes, keepdims) if axes else t
    return out if initial is None else F.maximum(out, initial)


def amin(a: Any, axis: Any = None, keepdims: bool = False, initial: Any = None, where: Any = None) -> Tensor:
    t, axes = _reduce_args(a, axis, "amin")
    if where is not None:
        if initial is None:
            raise ValueError("mindlite.numpy.amin: where needs an initial value")
        t = F.where(to_tensor(where), t, F.full_like(t, initial))
    out = F.amin(t, axes, keepdims) if axes else t
    return out if initial is None else F.minimum(out, initial)


max = amax  # noqa: A001
min = amin  # noqa: A001


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return amax(x, axis, keepdims) - amin(x, axis, keepdims)


def _nan_to(a: Tensor, value: float) -> Tensor:
    return F.where(F.isnan(a), F.full_like(a, value), a) if a.dtype.is_floating_point else a


def nansum(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tensor:
    return sum(_nan_to(to_tensor(a), 0.0), axis, dtype, keepdims)


def nanmean(a: Any, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Tensor:
    t = result_float(to_tensor(a))
    count = sum(F.cast(F.logical_not(F.isnan(t)), t.dtype), axis, None, keepdims)
    return maybe_cast(nansum(t, axis, None, keepdims) / count, dtype)


def nanmax(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return amax(_nan_to(to_tensor(a), -math.inf), axis, keepdims)


def nanmin(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return amin(_nan_to(to_tensor(a), math.inf), axis, keepdims)


def argmax(a: Any, axis: Any = None) -> Tensor:
    t = to_tensor(a)
    if axis is None:
        t, axis = F.reshape(t, (-1,)), 0
    return F.cast(F.argmax(t, one_axis(axis, t.ndim, "argmax")), mstype.int32)


def argmin(a: Any, axis: Any = None) -> Tensor:
    t = to_tensor(a)
    if axis is None:
        t, axis = F.reshape(t, (-1,)), 0
    return F.cast(F.argmin(t, one_axis(axis, t.ndim, "argmin")), mstype.int32)


def cumsum(a: Any, axis: Any = None, dtype: Any = None) -> Tensor:
    t = _bool_to_int(maybe_cast(to_tensor(a), dtype))
    if axis is None:
        t, axis = F.reshape(t, (-1,)), 0
    return F.cumsum(t, one_axis(axis, t.ndim, "cumsum"))


def cumprod(a: Any, axis: Any = None, dtype: Any = None) -> Tensor:
    """Cumulative product (a running product along the axis: exact for zeros and signs)."""
    t = _bool_to_int(maybe_cast(to_tensor(a), dtype))
    if axis is None:
        t, axis = F.reshape(t, (-1,)), 0
    axis = one_axis(axis, t.ndim, "cumprod")
    if t.shape[axis] == 0:
        return t
    parts = list(F.split(t, 1, axis))
    out = [parts[0]]
    for p in parts[1:]:
        out.append(out[-1] * p)
    return F.concat(out, axis) if len(out) > 1 else out[0]


def diff(a: Any, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    t = to_tensor(a)
    axis = one_axis(axis, t.ndim, "diff")
    pieces = [to_tensor(p) for p in (prepend,) if p is not None] + [t] + [to_tensor(p) for p in (append,) if
                                                                        p is not None]
    if len(pieces) > 1:
        shape = lambda p: t.shape[:axis] + (p.shape[axis] if p.ndim == t.ndim else 1,) + t.shape[axis + 1:]  # noqa
        t = F.concat([F.broadcast_to(p, shape(p)) if p is not t else p for p in pieces], axis)
    for _ in range(n):
        n_ax = t.shape[axis]
        hi = tuple(slice(1, None) if i == axis else slice(None) for i in range(t.ndim))
        lo = tuple(slice(0, n_ax - 1) if i == axis else slice(None) for i in range(t.ndim))
        t = t[hi] - t[lo]
    return t


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Tensor:
    t = F.reshape(to_tensor(ary), (-1,))
    d = t[1:] - t[:-1]
    parts = ([F.reshape(to_tensor(to_begin), (-1,))] if to_begin is not None else []) + [d] + \
        ([F.reshape(to_tensor(to_end), (-1,))] if to_end is not None else [])
    return F.concat([F.cast(p, d.dtype) for p in parts], 0) if len(parts) > 1 else d


# ---- products -------------------------------------------------------------------------------------
def matmul(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
    a, b = to_tensor(x1), to_tensor(x2)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("mindlite.numpy.matmul: input operand does not have enough dimensions")
    return maybe_cast(F.matmul(a, b), dtype)


def dot(a: Any, b: Any) -> Tensor:
    """numpy.dot: product of scalars, inner product of vectors, matmul of matrices, and for N-d
    arrays a sum over the last axis of `a` and the second-to-last of `b`."""
    x, y = to_tensor(a), to_tensor(b)
    if x.ndim == 0 or y.ndim == 0:
        return F.mul(x, y)
    if y.ndim <= 2:
        return F.matmul(x, y)
    return tensordot(x, y, ((x.ndim - 1,), (y.ndim - 2,)))


def vdot(a: Any, b: Any) -> Tensor:
    return F.sum(F.reshape(to_tensor(a), (-1,)) * F.reshape(to_tensor(b), (-1,)))


def inner(a: Any, b: Any) -> Tensor:
    x, y = to_tensor(a), to_tensor(b)
    if x.ndim == 0 or y.ndim == 0:
        return F.mul(x, y)
    return tensordot(x, y, ((x.ndim - 1,), (y.ndim - 1,)))


def outer(a: Any, b: Any) -> Tensor:
    x, y = F.reshape(to_tensor(a), (-1, 1)), F.reshape(to_tensor(b), (1, -1))
    return x * y


def tensordot(a: Any, b: Any, axes: Any = 2) -> Tensor:
    """Sum products over `axes` (an int: the last n of a with the first n of b; or two axis lists)."""
    x, y = to_tensor(a), to_tensor(b)
    if isinstance(axes, (int, onp.integer)):
        n = int(axes)
        ax_a, ax_b = list(range(x.ndim - n, x.ndim)), list(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, int) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, int) else list(ax_b)
    ax_a = [one_axis(i, x.ndim, "tensordot") for i in ax_a]
    ax_b = [one_axis(i, y.ndim, "tensordot") for i in ax_b]
    if len(ax_a) != len(ax_b) or any(x.shape[i] != y.shape[j] for i, j in zip(ax_a, ax_b)):
        raise ValueError(f"mindlite.numpy.tensordot: shape mismatch for sum over axes {ax_a} of {list(x.shape)} "
                         f"and {ax_b} of {list(y.shape)}")
    free_a = [i for i in range(x.ndim) if i not in ax_a]
    free_b = [i for i in range(y.ndim) if i not in ax_b]
    k = int(onp.prod([x.shape[i] for i in ax_a]))
    xa = F.reshape(F.transpose(x, tuple(free_a + ax_a)), (-1, k))
    yb = F.reshape(F.transpose(y, tuple(ax_b + free_b)), (k, -1))
    return F.reshape(F.matmul(xa, yb), tuple(x.shape[i] for i in free_a) + tuple(y.shape[i] for i in free_b))


def kron(a: Any, b: Any) -> Tensor:
    x, y = to_tensor(a), to_tensor(b)
    nd = builtins.max(x.ndim, y.ndim)
    x = F.reshape(x, (1,) * (nd - x.ndim) + x.shape)
    y = F.reshape(y, (1,) * (nd - y.ndim) + y.shape)
    xs = F.reshape(x, tuple(v for d in x.shape for v in (d, 1)))
    ys = F.reshape(y, tuple(v for d in y.shape for v in (1, d)))
    return F.reshape(xs * ys, tuple(p * q for p, q in zip(x.shape, y.shape)))


def cross(a: Any, b: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: Any = None) -> Tensor:
    x, y = to_tensor(a), to_tensor(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    x = F.transpose(x, _to_last(x.ndim, one_axis(axisa, x.ndim, "cross")))
    y = F.transpose(y, _to_last(y.ndim, one_axis(axisb, y.ndim, "cross")))
    if x.shape[-1] not in (2, 3) or y.shape[-1] not in (2, 3):
        raise ValueError("mindlite.numpy.cross: incompatible dimensions for cross product (dimension must be 2 or 3)")
    x0, x1 = x[..., 0], x[..., 1]
    y0, y1 = y[..., 0], y[..., 1]
    x2 = x[..., 2] if x.shape[-1] == 3 else None
    y2 = y[..., 2] if y.shape[-1] == 3 else None
    if x2 is None and y2 is None:
        return x0 * y1 - x1 * y0
    x2 = F.zeros_like(x0) if x2 is None else x2
    y2 = F.zeros_like(y0) if y2 is None else y2
    out = F.stack([x1 * y2 - x2 * y1, x2 * y0 - x0 * y2, x0 * y1 - x1 * y0], -1)
    return F.transpose(out, _from_last(out.ndim, one_axis(axisc, out.ndim, "cross")))


def _to_last(ndim: int, axis: int) -> tuple:
    return tuple(i for i in range(ndim) if i != axis) + (axis,)


def _from_last(ndim: int, axis: int) -> tuple:
    perm = list(range(ndim - 1))
    perm.insert(axis, ndim - 1)
    return tuple(perm)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A002
    """Vector norms (ord None/2, 1, inf, -inf, 0, p) over one axis or the flattened array, and
    matrix norms ('fro', 'nuc' is not supported, 1, -1, inf, -inf) over two axes."""
    t = result_float(to_tensor(x))
    if axis is None:
        if ord is None:
            out = F.sqrt(F.sum(t * t))
            return F.reshape(out, (1,) * t.ndim) if keepdims else out
        axis = tuple(range(t.ndim)) if t.ndim <= 2 else None
        if axis is None:
            raise ValueError("mindlite.numpy.norm: improper number of dimensions to norm")
    axes = norm_axis(axis, t.ndim, "norm")
    if len(axes) == 1:
        return _vector_norm(t, ord, axes, keepdims)
    if len(axes) == 2:
        return _matrix_norm(t, ord, axes, keepdims)
    raise ValueError("mindlite.numpy.norm: improper number of dimensions to norm")


def _vector_norm(t: Tensor, ord: Any, axes: tuple, keepdims: bool) -> Tensor:  # noqa: A002
    a = F.abs(t)
    if ord is None or ord == 2:
        return F.sqrt(F.sum(t * t, axes, keepdims))
    if ord == math.inf:
        return F.amax(a, axes, keepdims)
    if ord == -math.inf:
        return F.amin(a, axes, keepdims)
    if ord == 0:
        return F.sum(F.cast(F.not_equal(t, 0), t.dtype), axes, keepdims)
    if ord == 1:
        return F.sum(a, axes, keepdims)
    if isinstance(ord, str):
        raise ValueError(f"mindlite.numpy.norm: invalid norm order {ord!r} for vectors")
    return F.pow(F.sum(F.pow(a, float(ord)), axes, keepdims), 1.0 / float(ord))


def _matrix_norm(t: Tensor, ord: Any, axes: tuple, keepdims: bool) -> Tensor:  # noqa: A002
    r, c = axes
    a = F.abs(t)
    if ord is None or ord == "fro":
        return F.sqrt(F.sum(t * t, axes, keepdims))
    if ord in (1, -1):
        col = F.sum(a, (r,), True)
        out = F.amax(col, (c,), True) if ord == 1 else F.amin(col, (c,), True)
    elif ord in (math.inf, -math.inf):
        row = F.sum(a, (c,), True)
        out = F.amax(row, (r,), True) if ord == math.inf else F.amin(row, (r,), True)
    else:
        raise ValueError(f"mindlite.numpy.norm: matrix norm order {ord!r} is not supported "
                         f"(use None, 'fro', 1, -1, inf or -inf)")
    return out if keepdims else F.squeeze(out, axes)


def count_nonzero(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    t, axes = _reduce_args(x, axis, "count_nonzero")
    return F.cast(F.sum(F.cast(F.not_equal(t, 0), mstype.int32), axes, keepdims), mstype.int32)


def interp(x: Any, xp: Sequence[Any], fp: Sequence[Any], left: Any = None, right: Any = None) -> Tensor:
    """1-D piecewise-linear interpolation of (xp, fp) at x (xp increasing); differentiable in x and fp."""
    xt, xpt, fpt = result_float(to_tensor(x)), result_float(to_tensor(xp)), result_float(to_tensor(fp))
    if xpt.ndim != 1 or fpt.shape != xpt.shape:
        raise ValueError("mindlite.numpy.interp: xp and fp must be 1-d arrays of the same length")
    n = xpt.shape[0]
    k = F.sum(F.cast(F.less_equal(xpt, F.expand_dims(xt, -1)), mstype.int32), -1)  # points <= x
    lo = F.cast(F.clamp(k - 1, 0, n - 2), mstype.int64)
    hi = lo + 1
    x0, x1 = F.gather(xpt, lo, 0), F.gather(xpt, hi, 0)
    y0, y1 = F.gather(fpt, lo, 0), F.gather(fpt, hi, 0)
    y = y0 + (y1 - y0) * (xt - x0) / (x1 - x0)
    first, last = fpt[0] if left is None else left, fpt[n - 1] if right is None else right
    y = F.where(F.less(xt, xpt[0]), F.broadcast_to(operand(first), xt.shape) if isinstance(first, Tensor)
                else F.full_like(y, first), y)
    return F.where(F.greater(xt, xpt[n - 1]), F.broadcast_to(operand(last), xt.shape) if isinstance(last, Tensor)
                   else F.full_like(y, last), y)
