"""mindlite.numpy comparisons and logic: equal/less/..., logical_*, isfinite/isnan/isinf,
isclose/allclose, array_equal, all/any, isin."""
from __future__ import annotations

from typing import Any

import numpy as onp

from ..core import dtype as mstype
from ..core.tensor import Tensor
from ..ops import functional as F
from ._utils import maybe_cast, norm_axis, operand, to_tensor


def _compare(fn: Any, name: str) -> Any:
    def op(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
        a, b = operand(x1), operand(x2)
        if not isinstance(a, Tensor) and not isinstance(b, Tensor):
            a = to_tensor(a)
        return maybe_cast(fn(a, b), dtype)
    op.__name__ = name
    op.__doc__ = f"Elementwise {name}; a bool tensor."
    return op


equal = _compare(F.equal, "equal")
not_equal = _compare(F.not_equal, "not_equal")
greater = _compare(F.greater, "greater")
greater_equal = _compare(F.greater_equal, "greater_equal")
less = _compare(F.less, "less")
less_equal = _compare(F.less_equal, "less_equal")


def _as_bool(x: Any) -> Tensor:
    t = to_tensor(x)
    return t if t.dtype == mstype.bool_ else F.not_equal(t, 0)


def logical_and(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
    return maybe_cast(F.logical_and(_as_bool(x1), _as_bool(x2)), dtype)


def logical_or(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
    return maybe_cast(F.logical_or(_as_bool(x1), _as_bool(x2)), dtype)


def logical_xor(x1: Any, x2: Any, dtype: Any = None) -> Tensor:
    return maybe_cast(F.logical_xor(_as_bool(x1), _as_bool(x2)), dtype)


def logical_not(a: Any, dtype: Any = None) -> Tensor:
    return maybe_cast(F.logical_not(_as_bool(a)), dtype)


def _float_pred(fn: Any, name: str, int_value: bool) -> Any:
    def op(x: Any, dtype: Any = None) -> Tensor:
        t = to_tensor(x)
        out = fn(t) if t.dtype.is_floating_point else F.fill(mstype.bool_, t.shape, int_value)
        return maybe_cast(out, dtype)
    op.__name__ = name
    op.__doc__ = f"Elementwise {name}; a bool tensor."
    return op


isfinite = _float_pred(F.isfinite, "isfinite", True)
isnan = _float_pred(F.isnan, "isnan", False)
isinf = _float_pred(F.isinf, "isinf", False)


def isposinf(x: Any) -> Tensor:
    t = to_tensor(x)
    return F.logical_and(isinf(t), F.greater(t, 0))


def isneginf(x: Any) -> Tensor:
    t = to_tensor(x)
    return F.logical_and(isinf(t), F.less(t, 0))


def signbit(x: Any, dtype: Any = None) -> Tensor:
    t = to_tensor(x)
    neg = F.less(t, 0)
    if t.dtype.is_floating_point:  # -0.0 has its sign bit set
        neg = F.logical_or(neg, F.logical_and(F.equal(t, 0), F.less(F.div(1.0, t), 0)))
    return maybe_cast(neg, dtype)


def isclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    x, y = to_tensor(a), to_tensor(b)
    if not x.dtype.is_floating_point:
        x = F.cast(x, mstype.float32)
    y = F.cast(y, x.dtype)
    close = F.less_equal(F.abs(x - y), atol + rtol * F.abs(y))
    close = F.logical_or(close, F.equal(x, y))  # equal infinities
    if equal_nan:
        close = F.logical_or(close, F.logical_and(F.isnan(x), F.isnan(y)))
    return close


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    return F.all(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1: Any, a2: Any, equal_nan: bool = False) -> Tensor:
    """A 0-d bool tensor: same shape and elements (usable in `if` in both modes)."""
    x, y = to_tensor(a1), to_tensor(a2)
    if x.shape != y.shape:
        return F.fill(mstype.bool_, (), False)
    eq = F.equal(x, y)
    if equal_nan and x.dtype.is_floating_point:
        eq = F.logical_or(eq, F.logical_and(F.isnan(x), F.isnan(y)))
    return F.all(eq)


def array_equiv(a1: Any, a2: Any) -> Tensor:
    """A 0-d bool tensor: the arrays broadcast to one shape and are equal there."""
    x, y = to_tensor(a1), to_tensor(a2)
    try:
        onp.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        return F.fill(mstype.bool_, (), False)
    return F.all(F.equal(x, y))


def all(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    t = _as_bool(a)
    axes = norm_axis(axis, t.ndim, "all")
    return F.all(t, axes, keepdims) if axes else t


def any(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    t = _as_bool(a)
    axes = norm_axis(axis, t.ndim, "any")
    return F.any(t, axes, keepdims) if axes else t


def isin(element: Any, test_elements: Any, invert: bool = False) -> Tensor:
    e, s = to_tensor(element), F.reshape(to_tensor(test_elements), (-1,))
    hit = F.any(F.equal(F.expand_dims(e, -1), s), -1)
    return F.logical_not(hit) if invert else hit


def in1d(ar1: Any, ar2: Any, invert: bool = False) -> Tensor:
    return isin(F.reshape(to_tensor(ar1), (-1,)), ar2, invert)


def isscalar(element: Any) -> bool:
    return isinstance(element, (int, float, bool, complex, str, bytes))
