"""Tensor creation: fill/zeros/ones/arange/linspace/eye and the *_like forms.

They are primitives without tensor inputs, so a graph trace records them as nodes instead
of embedding large constants.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.dims import Dim, DynamicDimError, size_index
from .registry import Aval, Primitive
from ..core import dtype as mstype


def _shape_tuple(shape: Any) -> tuple:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        return (int(shape),)
    if isinstance(shape, Dim):
        return (shape,)
    try:  # size_index (operator.index): a float dimension is a TypeError, never truncated
        shape = tuple(size_index(s) for s in shape)
    except TypeError:
        raise TypeError(f"shape must be an int or a sequence of ints, got {shape!r}") from None
    if any(s < 0 for s in shape):
        raise ValueError(f"shape must not have negative dimensions, got {list(shape)}")
    return shape


fill_p = Primitive("fill", lambda xp, shape, dtype, value: xp.full(shape, value, dtype.np),
                   lambda shape, dtype, value: Aval(tuple(shape), dtype.np))


def _arange_impl(xp: Any, start: Any, end: Any, step: Any, dtype: Any) -> Any:
    return xp.arange(start, end, step, dtype=dtype.np)


def _arange_infer(start: Any, end: Any, step: Any, dtype: Any) -> Aval:
    if step == 0:
        raise ValueError("arange: step must not be zero")
    if any(isinstance(v, Dim) for v in (start, end, step)):  # a run-time length (integer bounds)
        if isinstance(step, Dim) or not isinstance(step, int) or not isinstance(start, (int, Dim)):
            raise DynamicDimError(f"arange({start}, {end}, {step}) with a run-time size needs integer bounds "
                                  f"and an integer step")
        n = (end - start + step - 1) // step if step > 0 else (start - end - step - 1) // (-step)
        return Aval((n,), dtype.np)
    return Aval((max(0, int(np.ceil((end - start) / step))),), dtype.np)


arange_p = Primitive("arange", _arange_impl, _arange_infer)
linspace_p = Primitive("linspace", lambda xp, start, stop, num, dtype: xp.linspace(start, stop, num, dtype=dtype.np),
                       lambda start, stop, num, dtype: Aval((num,), dtype.np))
eye_p = Primitive("eye", lambda xp, n, m, dtype: xp.eye(n, m, dtype=dtype.np),
                  lambda n, m, dtype: Aval((n, m), dtype.np))


def fill(type: Any, shape: Any, value: Any) -> Any:  # noqa: A002 - MindSpore's argument name
    """`ops.fill(type, shape, value)`: a tensor of `shape` filled with `value`."""
    return fill_p(shape=_shape_tuple(shape), dtype=mstype.to_type(type, "type"), value=_scalar(value))


def _scalar(value: Any) -> Any:
    if hasattr(value, "asnumpy"):
        return value.asnumpy().item()
    return value


def full(size: Any, fill_value: Any, *, dtype: Any = None) -> Any:
    if dtype is None:
        dtype = mstype.bool_ if isinstance(fill_value, bool) else \
            mstype.int64 if isinstance(fill_value, int) else mstype.float32
    return fill(dtype, size, fill_value)


def zeros(size: Any, dtype: Any = None) -> Any:
    return fill(dtype or mstype.float32, size, 0)


def ones(shape: Any, dtype: Any = None) -> Any:
    return fill(dtype or mstype.float32, shape, 1)


def zeros_like(input: Any, *, dtype: Any = None) -> Any:  # noqa: A002
    return fill(dtype or input.dtype, input.shape, 0)


def ones_like(input: Any, *, dtype: Any = None) -> Any:  # noqa: A002
    return fill(dtype or input.dtype, input.shape, 1)


def full_like(input: Any, fill_value: Any, *, dtype: Any = None) -> Any:  # noqa: A002
    return fill(dtype or input.dtype, input.shape, fill_value)


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None) -> Any:
    """`ops.arange(start=0, end=None, step=1, *, dtype=None)`; ints give int64, floats float32."""
    start, end, step = _scalar(start), _scalar(end), _scalar(step)
    if end is None:
        start, end = 0, start
    if dtype is None:
        dtype = mstype.int64 if all(isinstance(v, (int, np.integer, Dim)) for v in (start, end, step)) else mstype.float32
    return arange_p(start=start, end=end, step=step, dtype=mstype.to_type(dtype))


def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None) -> Any:
    return linspace_p(start=float(_scalar(start)), stop=float(_scalar(end)), num=int(_scalar(steps)),
                      dtype=mstype.to_type(dtype or mstype.float32))


def eye(n: int, m: Any = None, dtype: Any = None) -> Any:
    return eye_p(n=int(n), m=int(n if m is None else m), dtype=mstype.to_type(dtype or mstype.float32))
