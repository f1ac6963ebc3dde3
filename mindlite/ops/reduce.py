"""Reductions: sum, max/min, prod, argmax/argmin, all/any, cumsum; mean/var/std/logsumexp/norm
are composites of these."""
from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from ..core.dims import same_shape
from ._sizes import numel
from .registry import Aval, Primitive, norm_axis


def _reduce_infer(name: str, dtype_rule: Any = None) -> Any:
    def infer(x: Aval, axis: tuple, keepdims: bool) -> Aval:
        for a in axis:
            if not 0 <= a < builtins.max(x.ndim, 1):
                raise ValueError(f"{name}: axis {a} is out of range for shape {list(x.shape)}")
        if keepdims:
            shape = tuple(1 if i in axis else d for i, d in enumerate(x.shape))
        else:
            shape = tuple(d for i, d in enumerate(x.shape) if i not in axis)
        return Aval(shape, dtype_rule(x.dtype) if dtype_rule else x.dtype)
    return infer


def _reduce(name: str, fn: str, dtype_rule: Any = None) -> Primitive:
    def impl(xp: Any, x: Any, axis: tuple, keepdims: bool) -> Any:
        if x.ndim == 0:  # nothing to reduce; the result still takes the rule's dtype
            return x.astype(dtype_rule(x.dtype), copy=False) if dtype_rule else x
        return getattr(xp, fn)(x, axis=axis, keepdims=keepdims)
    return Primitive(name, impl, _reduce_infer(name, dtype_rule), fuse_kind="reduce")


def _sum_dtype(dt: Any) -> Any:
    return np.dtype(np.int64) if dt.kind in "biu" else dt


reduce_sum_p = _reduce("reduce_sum", "sum", _sum_dtype)
reduce_max_p = _reduce("reduce_max", "max")
reduce_min_p = _reduce("reduce_min", "min")
reduce_prod_p = _reduce("reduce_prod", "prod", _sum_dtype)
reduce_all_p = _reduce("reduce_all", "all", lambda dt: np.dtype(np.bool_))
reduce_any_p = _reduce("reduce_any", "any", lambda dt: np.dtype(np.bool_))


def _keep(g: Any, x: Any, axis: tuple, keepdims: bool) -> Any:
    """Reshape a reduced gradient so it broadcasts against `x`."""
    if keepdims or x.ndim == 0:
        return g
    shape = tuple(1 if i in axis else d for i, d in enumerate(x.shape))
    return F.reshape(g, shape)


@reduce_sum_p.def_bprop
def _sum_bprop(x, *, out, dout, axis, keepdims):
    return (F.broadcast_to(_keep(dout, x, axis, keepdims), x.shape),)


def _minmax_bprop(x, *, out, dout, axis, keepdims):
    o = _keep(out, x, axis, keepdims)
    mask = F.cast(F.equal(x, o), x.dtype)
    count = F.sum(mask, axis, keepdims=True)  # ties share the gradient equally
    return (mask * (_keep(dout, x, axis, keepdims) / count),)


reduce_max_p.def_bprop(_minmax_bprop)
reduce_min_p.def_bprop(_minmax_bprop)


@reduce_prod_p.def_bprop
def _prod_bprop(x, *, out, dout, axis, keepdims):
    # NOTE: out / x is undefined where x == 0; fine for the smooth cases the op table checks.
    return (_keep(dout * out, x, axis, keepdims) / x,)


def _arg_infer(name: str) -> Any:
    def infer(x: Aval, axis: int, keepdims: bool) -> Aval:
        base = _reduce_infer(name)(x, () if axis is None else (axis,), keepdims) if axis is not None \
            else Aval((1,) * x.ndim if keepdims else (), x.dtype)
        return Aval(base.shape, np.dtype(np.int32))
    return infer


def _arg(name: str, fn: str) -> Primitive:
    def impl(xp: Any, x: Any, axis: Any, keepdims: bool) -> Any:
        return getattr(xp, fn)(x, axis=axis, keepdims=keepdims).astype(np.int32)
    return Primitive(name, impl, _arg_infer(name))


argmax_p = _arg("argmax", "argmax")   # MindSpore returns int32 indices
argmin_p = _arg("argmin", "argmin")


def _cumsum_impl(xp: Any, x: Any, axis: int, exclusive: bool = False, reverse: bool = False) -> Any:
    if reverse:
        x = xp.flip(x, axis)
    out = xp.cumsum(x, axis=axis, dtype=x.dtype if x.dtype.kind == "f" else None)
    if exclusive:
        out = out - x
    return xp.flip(out, axis) if reverse else out


def _cumsum_infer(x: Aval, axis: int, exclusive: bool = False, reverse: bool = False) -> Aval:
    if not -x.ndim <= axis < builtins.max(x.ndim, 1):
        raise ValueError(f"cumsum: axis {axis} is out of range for shape {list(x.shape)}")
    return Aval(x.shape, _sum_dtype(x.dtype))


cumsum_p = Primitive("cumsum", _cumsum_impl, _cumsum_infer)


@cumsum_p.def_bprop
def _cumsum_bprop(x, *, out, dout, axis, exclusive=False, reverse=False):
    return (F.cumsum(dout, axis, exclusive=exclusive, reverse=not reverse),)


# ---- composites ------------------------------------------------------------------------
def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:  # noqa: A001 - MindSpore name
    """Sum over `axis` (None or () = all axes)."""
    return reduce_sum_p(x, axis=norm_axis(axis, x.ndim, "sum"), keepdims=keepdims)


def mean(input: Any, axis: Any = None, keep_dims: bool = False) -> Any:  # noqa: A002 - MindSpore's name
    """Mean over `axis`; integer inputs give float32."""
    x = input
    axes = norm_axis(axis, x.ndim, "mean")
    if not x.dtype.is_floating_point:
        x = F.cast(x, np.float32)
    n = numel(x.shape[a] for a in axes) if x.ndim else 1
    return reduce_sum_p(x, axis=axes, keepdims=keep_dims) / n


def amax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return reduce_max_p(x, axis=norm_axis(axis, x.ndim, "amax"), keepdims=keepdims)


def amin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return reduce_min_p(x, axis=norm_axis(axis, x.ndim, "amin"), keepdims=keepdims)


def prod(x: Any, axis: Any = None, keep_dims: bool = False) -> Any:
    return reduce_prod_p(x, axis=norm_axis(axis, x.ndim, "prod"), keepdims=keep_dims)


def all(x: Any, axis: Any = None, keep_dims: bool = False) -> Any:  # noqa: A001
    return reduce_all_p(x, axis=norm_axis(axis, x.ndim, "all"), keepdims=keep_dims)


def any(x: Any, axis: Any = None, keep_dims: bool = False) -> Any:  # noqa: A001
    return reduce_any_p(x, axis=norm_axis(axis, x.ndim, "any"), keepdims=keep_dims)


def argmax(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if axis is not None:
        axis = norm_axis(axis, x.ndim, "argmax")[0]
    return argmax_p(x, axis=axis, keepdims=keepdims)


def argmin(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if axis is not None:
        axis = norm_axis(axis, x.ndim, "argmin")[0]
    return argmin_p(x, axis=axis, keepdims=keepdims)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> tuple:  # noqa: A001
    """MindSpore 2.x `ops.max`: returns (values, indices)."""
    return amax(x, axis, keepdims), argmax(x, axis, keepdims)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> tuple:  # noqa: A001
    """MindSpore 2.x `ops.min`: returns (values, indices)."""
    return amin(x, axis, keepdims), argmin(x, axis, keepdims)


def cumsum(x: Any, axis: int, dtype: Any = None, exclusive: bool = False, reverse: bool = False) -> Any:
    out = cumsum_p(x, axis=int(axis) % builtins.max(x.ndim, 1), exclusive=exclusive, reverse=reverse)
    return out if dtype is None else F.cast(out, dtype)


def var(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    """Variance with `ddof` (0 = biased)."""
    axes = norm_axis(axis, x.ndim, "var")
    n = numel(x.shape[a] for a in axes) if x.ndim else 1
    d = x - mean(x, axes, keep_dims=True)
    return reduce_sum_p(d * d, axis=axes, keepdims=keepdims) / (n - ddof)


def std(x: Any, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> Any:
    return F.sqrt(var(x, axis, ddof, keepdims))


def logsumexp(x: Any, axis: Any, keep_dims: bool = False) -> Any:
    """log(sum(exp(x))) computed stably (the shift is a constant for autodiff)."""
    axes = norm_axis(axis, x.ndim, "logsumexp")
    m = F.stop_gradient(reduce_max_p(x, axis=axes, keepdims=True))
    s = F.log(reduce_sum_p(F.exp(x - m), axis=axes, keepdims=True)) + m
    return s if keep_dims else F.squeeze(s, axes)


def norm(x: Any, ord: Any = None, dim: Any = None, keepdim: bool = False) -> Any:  # noqa: A002
    """MindSpore `ops.norm`: a vector norm over an int `dim` (or all elements when dim and ord
    are None); a matrix norm over a 2-tuple `dim`, or over a 2-D input when dim is None and ord
    is given. Vector ord: None/2, 1, inf, -inf, 0 or any other number p; matrix ord: None/'fro',
    1, -1, inf, -inf (2, -2 and 'nuc' need an SVD, which mindlite lacks)."""
    if isinstance(dim, (tuple, list)) and len(dim) == 2:
        return _matrix_norm(x, ord, tuple(dim), keepdim)
    if dim is None and ord is not None:
        if x.ndim == 2:
            return _matrix_norm(x, ord, (0, 1), keepdim)
        if x.ndim != 1:
            raise ValueError(f"norm: with dim=None and ord={ord!r} the input must be 1-D or 2-D, "
                             f"got shape {list(x.shape)}")
    axes = norm_axis(dim, x.ndim, "norm")
    if ord in (None, 2):
        return F.sqrt(reduce_sum_p(x * x, axis=axes, keepdims=keepdim))
    if isinstance(ord, str):
        raise ValueError(f"norm: ord {ord!r} is a matrix norm; a vector norm needs a number")
    if ord == 1:
        return reduce_sum_p(F.abs(x), axis=axes, keepdims=keepdim)
    if ord == float("inf"):
        return reduce_max_p(F.abs(x), axis=axes, keepdims=keepdim)
    if ord == float("-inf"):
        return reduce_min_p(F.abs(x), axis=axes, keepdims=keepdim)
    if ord == 0:
        return reduce_sum_p(F.cast(F.not_equal(x, 0), x.dtype), axis=axes, keepdims=keepdim)
    if isinstance(ord, (int, float)):
        return F.pow(reduce_sum_p(F.pow(F.abs(x), ord), axis=axes, keepdims=keepdim), 1.0 / ord)
    raise ValueError(f"norm: unsupported ord {ord!r}")


def _matrix_norm(x: Any, ord: Any, dim: tuple, keepdim: bool) -> Any:
    """Matrix norm over the (row, column) axes `dim`: 1/-1 take the max/min column sum of |x|,
    inf/-inf the max/min row sum."""
    if x.ndim < 2:
        raise ValueError(f"norm: a matrix norm needs an input of at least 2 dimensions, got {list(x.shape)}")
    r, c = (norm_axis(d, x.ndim, "norm")[0] for d in dim)
    if r == c:
        raise ValueError(f"norm: dim {list(dim)} names the same axis twice")
    if ord in (None, "fro"):
        return F.sqrt(reduce_sum_p(x * x, axis=tuple(sorted((r, c))), keepdims=keepdim))
    if ord in (1, -1, float("inf"), float("-inf")):
        summed, picked = (r, c) if ord in (1, -1) else (c, r)
        s = reduce_sum_p(F.abs(x), axis=(summed,), keepdims=True)
        out = (reduce_max_p if ord > 0 else reduce_min_p)(s, axis=(picked,), keepdims=True)
        return out if keepdim else F.squeeze(out, (r, c))
    raise ValueError(f"norm: matrix ord {ord!r} is not supported (2, -2 and 'nuc' need an SVD)")


def sum_to(g: Any, shape: tuple) -> Any:
    """Sum a broadcast gradient back to `shape` (the adjoint of broadcast_to)."""
    shape = tuple(shape)
    if same_shape(g.shape, shape):
        return g
    lead = g.ndim - len(shape)
    # summing a size-1 axis changes nothing, so a run-time size there is summed without asking
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and not (type(g.shape[lead + i]) is int and g.shape[lead + i] == 1))
    s = reduce_sum_p(g, axis=axes, keepdims=True)
    return F.reshape(s, shape)


from . import functional as F  # noqa: E402
