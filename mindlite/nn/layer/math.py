"""Math Cells of MindSpore's nn: nn.MatMul, nn.Range, nn.Norm."""
from __future__ import annotations

from typing import Any

from ... import _checkparam as validator
from ... import ops
from ...core import dtype as mstype
from ...core.tensor import Tensor
from ..cell import Cell


class MatMul(Cell):
    """`nn.MatMul(transpose_x1=False, transpose_x2=False)`: matrix product of the last two axes with
    broadcasting over the leading ones; a 1-d operand is a row (x1) or column (x2) vector."""

    def __init__(self, transpose_x1: bool = False, transpose_x2: bool = False) -> None:
        super().__init__()
        self.transpose_x1 = validator.check_bool(transpose_x1, "transpose_x1", "MatMul")
        self.transpose_x2 = validator.check_bool(transpose_x2, "transpose_x2", "MatMul")

    def construct(self, x1: Tensor, x2: Tensor) -> Tensor:
        if self.transpose_x1 and x1.ndim >= 2:
            x1 = ops.swapaxes(x1, -1, -2)
        if self.transpose_x2 and x2.ndim >= 2:
            x2 = ops.swapaxes(x2, -1, -2)
        return ops.matmul(x1, x2)


class Range(Cell):
    """`nn.Range(start, limit=None, delta=1)`: construct() returns [start, limit) by delta (with one
    argument: [0, start)); int32 when all are ints, float32 otherwise."""

    def __init__(self, start: Any, limit: Any = None, delta: Any = 1) -> None:
        super().__init__()
        for name, v in (("start", start), ("limit", limit), ("delta", delta)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise TypeError(f"For 'Range', '{name}' must be an int or float, got {type(v).__name__}")
        if limit is None:
            start, limit = 0, start
        if delta == 0:
            raise ValueError("For 'Range', 'delta' must not be 0")
        if (limit - start) * delta < 0:
            raise ValueError(f"For 'Range', [start, limit) = [{start}, {limit}) cannot be walked with delta {delta}")
        ints = all(isinstance(v, int) for v in (start, limit, delta))
        self.start, self.limit, self.delta = start, limit, delta
        self.dtype = mstype.int32 if ints else mstype.float32

    def construct(self) -> Tensor:
        return ops.arange(self.start, self.limit, self.delta, dtype=self.dtype)


class Norm(Cell):
    """`nn.Norm(axis=(), keep_dims=False)`: the Euclidean norm sqrt(sum(x^2)) over `axis` (() = all)."""

    def __init__(self, axis: Any = (), keep_dims: bool = False) -> None:
        super().__init__()
        if isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        if not isinstance(axis, (tuple, list)) or not all(isinstance(a, int) for a in axis):
            raise TypeError(f"For 'Norm', 'axis' must be an int or a tuple of ints, got {axis!r}")
        self.axis = tuple(axis)
        self.keep_dims = validator.check_bool(keep_dims, "keep_dims", "Norm")

    def construct(self, x: Tensor) -> Tensor:
        axes = self.axis if self.axis else tuple(range(x.ndim))
        return ops.sqrt(ops.sum(ops.square(x), axes, self.keep_dims))

