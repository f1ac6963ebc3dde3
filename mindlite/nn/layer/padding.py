"""Padding Cells: nn.ZeroPad2d, nn.ReflectionPad2d (and their 1-d/3-d and constant/replication
relatives MindSpore 2.x has: ConstantPad1d/2d/3d, ReflectionPad1d, ReplicationPad1d/2d/3d,
ZeroPad1d/3d). `padding` is an int (all sides) or a tuple over the last dimensions, last dimension
first: (left, right[, top, bottom[, front, back]])."""
from __future__ import annotations

from typing import Any

from ... import _checkparam as validator
from ... import ops
from ...core.tensor import Tensor
from ..cell import Cell


class _PadNd(Cell):
    _dims = 2
    _mode = "constant"

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        owner = type(self).__name__
        n = 2 * self._dims
        if isinstance(padding, int) and not isinstance(padding, bool):
            padding = (padding,) * n
        if not isinstance(padding, (tuple, list)) or len(padding) != n or \
                not all(isinstance(p, int) and not isinstance(p, bool) for p in padding):
            raise TypeError(f"For '{owner}', 'padding' must be an int or a tuple of {n} ints, got {padding!r}")
        if self._mode != "constant" and any(p < 0 for p in padding):
            raise ValueError(f"For '{owner}', 'padding' must be non-negative, got {padding!r}")
        self.padding = tuple(padding)
        self.value = validator.check_is_float(value, "value", owner)

    def construct(self, x: Tensor) -> Tensor:
        owner = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim < self._dims:
            raise ValueError(f"For '{owner}', the input must be at least {self._dims}-d, got "
                             f"{list(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
        if self._mode == "reflect":
            for k in range(self._dims):
                size = x.shape[x.ndim - 1 - k]
                if max(self.padding[2 * k], self.padding[2 * k + 1]) >= size:
                    raise ValueError(f"For '{owner}', reflection padding {self.padding} must be smaller than the "
                                     f"padded dimension {size} of {list(x.shape)}")
        return ops.pad(x, self.padding, self._mode, self.value if self._mode == "constant" else None)

    def extend_repr(self) -> str:
        return f"padding={self.padding}"


class ConstantPad1d(_PadNd):
    """`nn.ConstantPad1d(padding, value)`."""
    _dims = 1


class ConstantPad2d(_PadNd):
    """`nn.ConstantPad2d(padding, value)`."""
    _dims = 2


class ConstantPad3d(_PadNd):
    """`nn.ConstantPad3d(padding, value)`."""
    _dims = 3


class ZeroPad1d(_PadNd):
    """`nn.ZeroPad1d(padding)`."""
    _dims = 1

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)


class ZeroPad2d(ZeroPad1d):
    """`nn.ZeroPad2d(padding)`: zeros around the last two dimensions, (left, right, top, bottom)."""
    _dims = 2


class ZeroPad3d(ZeroPad1d):
    """`nn.ZeroPad3d(padding)`."""
    _dims = 3


class ReflectionPad1d(ZeroPad1d):
    """`nn.ReflectionPad1d(padding)`: mirror padding without repeating the edge."""
    _dims, _mode = 1, "reflect"


class ReflectionPad2d(ZeroPad1d):
    """`nn.ReflectionPad2d(padding)`: mirror padding of the last two dimensions, (left, right, top, bottom)."""
    _dims, _mode = 2, "reflect"


class ReplicationPad1d(ZeroPad1d):
    """`nn.ReplicationPad1d(padding)`: the edge value repeated."""
    _dims, _mode = 1, "replicate"


class ReplicationPad2d(ZeroPad1d):
    """`nn.ReplicationPad2d(padding)`."""
    _dims, _mode = 2, "replicate"


class ReplicationPad3d(ZeroPad1d):
    """`nn.ReplicationPad3d(padding)`."""
    _dims, _mode = 3, "replicate"
