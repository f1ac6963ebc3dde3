"""Shared helpers of `mindlite.numpy`: turning array-likes into Tensors with mindlite.numpy's
default dtypes (int32 for Python ints, float32 for Python floats, as MindSpore's numpy module),
axis normalisation and argument checks."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as onp

from ..core import dtype as mstype
from ..core.tensor import Tensor
from ..ops import functional as F

DEFAULT_INT = mstype.int32
DEFAULT_FLOAT = mstype.float32


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _default_np_dtype(arr: onp.ndarray) -> Any:
    if arr.dtype == onp.int64:
        return onp.int32
    if arr.dtype == onp.float64:
        return onp.float32
    return arr.dtype


def to_tensor(x: Any, dtype: Any = None) -> Tensor:
    """A Tensor for `x` (Tensor, number, bool, nested list/tuple, numpy array); `dtype` casts."""
    if isinstance(x, Tensor):
        t = x
    elif isinstance(x, (list, tuple)) and any(isinstance(v, Tensor) for v in _flat(x)):
        t = F.stack([to_tensor(v) for v in x], 0)
    else:
        try:
            arr = onp.asarray(x)
        except (ValueError, TypeError):
            raise TypeError(f"mindlite.numpy: cannot make a tensor from {type(x).__name__} {x!r}") from None
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"mindlite.numpy: expected numbers, got {arr.dtype} data from {type(x).__name__}")
        t = Tensor(arr.astype(_default_np_dtype(arr)))  # 64-bit host data becomes 32-bit, as MindSpore
    if dtype is not None:
        t = F.cast(t, mstype.to_type(dtype))
    return t


def _flat(x: Any) -> list:
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _flat(item)]
    return [x]


def to_tensors(*xs: Any) -> list:
    return [to_tensor(x) for x in xs]


def operand(x: Any) -> Any:
    """Binary-op operand: Python numbers stay (weakly typed), everything else becomes a Tensor."""
    if isinstance(x, (bool, int, float)) and not isinstance(x, Tensor):
        return x
    return to_tensor(x)


def norm_axis(axis: Any, ndim: int, op: str) -> tuple:
    """None -> all axes; int or sequence -> sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, onp.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, (int, onp.integer)) or isinstance(a, bool):
            raise TypeError(f"mindlite.numpy.{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"mindlite.numpy.{op}: axis {a} is out of bounds for an array of dimension {ndim}")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"mindlite.numpy.{op}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def one_axis(axis: Any, ndim: int, op: str) -> int:
    if not isinstance(axis, (int, onp.integer)) or isinstance(axis, bool):
        raise TypeError(f"mindlite.numpy.{op}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"mindlite.numpy.{op}: axis {axis} is out of bounds for an array of dimension {ndim}")
    return int(axis) % max(ndim, 1)


def shape_tuple(shape: Any, op: str) -> tuple:
    if isinstance(shape, Tensor):
        shape = shape.asnumpy().tolist()
    if isinstance(shape, (int, onp.integer)) and not isinstance(shape, bool):
        return (int(shape),)
    try:
        out = tuple(int(s) for s in shape)
    except TypeError:
        raise TypeError(f"mindlite.numpy.{op}: shape must be an int or a sequence of ints, got {shape!r}") from None
    if any(s < 0 for s in out):
        raise ValueError(f"mindlite.numpy.{op}: negative dimensions are not allowed, got {list(out)}")
    return out


def result_float(x: Tensor) -> Tensor:
    """Integer/bool inputs of float math become float32 (numpy would give float64)."""
    return x if x.dtype.is_floating_point else F.cast(x, DEFAULT_FLOAT)


def maybe_cast(x: Tensor, dtype: Any) -> Tensor:
    return x if dtype is None else F.cast(x, mstype.to_type(dtype))


def keepdims_shape(shape: Sequence[int], axes: tuple) -> tuple:
    return tuple(1 if i in axes else d for i, d in enumerate(shape))
