"""Tensors from Python constants and the small scalar/tuple helpers MindSpore code calls through
`ops.functional` (`F.tuple_to_array`, `F.scalar_to_tensor`, `F.make_range`, `F.tuple_len`, ...),
with their primitive classes (`ops.TupleToArray`, `ops.ScalarToTensor`, `ops.Zeros`, ...).

Arguments here are Python values known while tracing, so in GRAPH_MODE the results are
graph constants, as in MindSpore where these ops accept constant inputs only.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import dtype as mstype
from ..core.dims import Dim, dim_of
from ..core.tensor import Tensor
from .primitive import PrimitiveOp

_NUMBER = (int, float, np.integer, np.floating)


def _is_number(v: Any) -> bool:
    return isinstance(v, _NUMBER) and not isinstance(v, (bool, np.bool_))


def _flat_numbers(v: Any) -> list:
    if isinstance(v, (tuple, list)):
        return [x for item in v for x in _flat_numbers(item)]
    return [v]


def tuple_to_array(input_x: Any) -> Tensor:
    """`ops.tuple_to_array(input_x)`: a tuple of numbers (possibly nested) as a Tensor; int64 when
    the first number is an int, float32 otherwise."""
    if not isinstance(input_x, (tuple, list)):
        raise TypeError(f"tuple_to_array: input_x must be a tuple, got {type(input_x).__name__}")
    if len(input_x) == 0:
        raise ValueError("tuple_to_array: input_x must not be empty")
    flat = _flat_numbers(input_x)
    bad = [v for v in flat if not (_is_number(v) or isinstance(v, (bool, np.bool_)))]
    if bad:
        raise TypeError(f"tuple_to_array: every element must be a number, got {type(bad[0]).__name__}")
    first = flat[0]
    dtype = np.int64 if isinstance(first, (int, np.integer)) and not isinstance(first, (bool, np.bool_)) \
        else np.bool_ if isinstance(first, (bool, np.bool_)) else np.float32
    try:
        arr = np.array(input_x, dtype=dtype)
    except ValueError:
        raise ValueError(f"tuple_to_array: nested tuples must be rectangular, got {input_x!r}") from None
    return Tensor(arr)


def scalar_to_tensor(input_x: Any, dtype: Any = mstype.float32) -> Tensor:
    """`ops.scalar_to_tensor(input_x, dtype=mindspore.float32)`: a 0-d Tensor holding a Python number."""
    if isinstance(input_x, Tensor):
        if input_x.ndim != 0:
            raise TypeError(f"scalar_to_tensor: input_x must be a scalar, got a Tensor of shape {list(input_x.shape)}")
        from .functional import cast
        return cast(input_x, dtype)
    if not (_is_number(input_x) or isinstance(input_x, (bool, np.bool_))):
        raise TypeError(f"scalar_to_tensor: input_x must be an int, float or bool, got {type(input_x).__name__}")
    t = mstype.to_type(dtype, "dtype")
    return Tensor(np.asarray(input_x, dtype=t.np))


def scalar_to_array(input_x: Any) -> Tensor:
    """`ops.scalar_to_array(input_x)`: a 0-d Tensor (int64 for an int, float32 for a float)."""
    if not _is_number(input_x):
        raise TypeError(f"scalar_to_array: input_x must be an int or a float, got {type(input_x).__name__}")
    return Tensor(np.asarray(input_x, dtype=np.int64 if isinstance(input_x, (int, np.integer)) else np.float32))


def scalar_cast(input_x: Any, input_y: Any) -> Any:
    """`ops.scalar_cast(input_x, input_y)`: the Python scalar converted to the Python type of dtype `input_y`."""
    if isinstance(input_x, Tensor):
        if input_x.ndim != 0:
            raise TypeError(f"scalar_cast: input_x must be a scalar, got a Tensor of shape {list(input_x.shape)}")
        input_x = input_x.item()
    if not (_is_number(input_x) or isinstance(input_x, (bool, np.bool_))):
        raise TypeError(f"scalar_cast: input_x must be a number, got {type(input_x).__name__}")
    return mstype.dtype_to_pytype(mstype.to_type(input_y, "input_y"))(input_x)


def make_range(start: int = 0, limit: Any = None, delta: int = 1) -> tuple:
    """`F.make_range(start=0, limit, delta=1)`: the tuple `tuple(range(start, limit, delta))`;
    with one argument it is `limit`."""
    if limit is None:
        start, limit = 0, start
    for name, v in (("start", start), ("limit", limit), ("delta", delta)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"make_range: {name} must be an int, got {type(v).__name__}")
    if delta == 0:
        raise ValueError("make_range: delta must not be 0")
    return tuple(range(int(start), int(limit), int(delta)))


def tuple_len(data: Any) -> int:
    """`F.tuple_len(data)`: the number of elements of a tuple or list."""
    if not isinstance(data, (tuple, list)):
        raise TypeError(f"tuple_len: data must be a tuple or list, got {type(data).__name__}")
    return len(data)


def _size_tuple(op: str, size: Any) -> tuple:
    if isinstance(size, Tensor):
        size = size.asnumpy().tolist()
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (size,)
    if isinstance(size, Dim):
        size = (size,)
    if not isinstance(size, (tuple, list)) or not all(isinstance(s, (int, np.integer, Dim)) and not isinstance(s, bool)
                                                      for s in size):
        raise TypeError(f"{op}: size must be an int or a tuple of ints, got {size!r}")
    if any(s < 0 for s in size):
        raise ValueError(f"{op}: size must not have negative dimensions, got {list(size)}")
    return tuple(dim_of(s) for s in size)


# ---- primitive classes ----------------------------------------------------------------------------
class TupleToArray(PrimitiveOp):
    """`ops.TupleToArray()(input_x)`; see `tuple_to_array`."""

    def __call__(self, input_x: Any) -> Tensor:
        return tuple_to_array(input_x)


class ScalarToTensor(PrimitiveOp):
    """`ops.ScalarToTensor()(input_x, dtype=mindspore.float32)`."""

    def __call__(self, input_x: Any, dtype: Any = mstype.float32) -> Tensor:
        return scalar_to_tensor(input_x, dtype)


class ScalarToArray(PrimitiveOp):
    """`ops.ScalarToArray()(input_x)`."""

    def __call__(self, input_x: Any) -> Tensor:
        return scalar_to_array(input_x)


class ScalarCast(PrimitiveOp):
    """`ops.ScalarCast()(input_x, input_y)`."""

    def __call__(self, input_x: Any, input_y: Any) -> Any:
        return scalar_cast(input_x, input_y)


class Zeros(PrimitiveOp):
    """`ops.Zeros()(size, type=None)`: a tensor of zeros (float32 when `type` is None)."""

    def __call__(self, size: Any, type: Any = None) -> Tensor:  # noqa: A002 - MindSpore's argument name
        from .creation import fill
        return fill(mstype.to_type(type, "type") if type is not None else mstype.float32,
                    _size_tuple("Zeros", size), 0)


class Ones(PrimitiveOp):
    """`ops.Ones()(size, type=None)`: a tensor of ones (float32 when `type` is None)."""

    def __call__(self, size: Any, type: Any = None) -> Tensor:  # noqa: A002
        from .creation import fill
        return fill(mstype.to_type(type, "type") if type is not None else mstype.float32,
                    _size_tuple("Ones", size), 1)
