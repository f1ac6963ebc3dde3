"""Matrix products: matmul with numpy broadcasting over batch dimensions."""
from __future__ import annotations

from typing import Any

from . import cpu_kernels
from .registry import Aval, Primitive, broadcast_shapes
from ..core.tensor import Tensor


def _same_dtype(x: Any, y: Any) -> None:
    """MindSpore's MatMul takes no implicit promotion: mismatched dtypes are a TypeError."""
    if x.dtype != y.dtype:
        from .registry import _name
        raise TypeError(f"matmul: the inputs must have the same dtype, got {_name(x.dtype)}{list(x.shape)} and "
                        f"{_name(y.dtype)}{list(y.shape)}; cast one of them (ops.cast) first")


def _matmul_impl(xp: Any, x: Any, y: Any) -> Any:
    if x.dtype != y.dtype:
        _same_dtype(x, y)
    return cpu_kernels.matmul(xp, x, y)  # large CPU GEMMs split over mindlite's threads


def _matmul_infer(x: Aval, y: Aval) -> Aval:
    if not isinstance(x, Aval) or not isinstance(y, Aval):
        raise TypeError(f"matmul: inputs must be tensors, got {type(x).__name__} and {type(y).__name__}")
    _same_dtype(x, y)
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(f"matmul: inputs must be at least 1-D, got shapes {list(x.shape)} and {list(y.shape)}")
    xs = (1,) + x.shape if x.ndim == 1 else x.shape
    ys = y.shape + (1,) if y.ndim == 1 else y.shape
    if xs[-1] != ys[-2]:
        raise ValueError(f"matmul: shapes {list(x.shape)} and {list(y.shape)} are not aligned "
                         f"({xs[-1]} != {ys[-2]})")
    batch = broadcast_shapes("matmul", xs[:-2], ys[:-2])
    shape = batch + (xs[-2], ys[-1])
    if x.ndim == 1:
        shape = shape[:-2] + shape[-1:]
    if y.ndim == 1:
        shape = shape[:-1]
    return Aval(shape, x.dtype)


matmul_p = Primitive("matmul", _matmul_impl, _matmul_infer)


def _swap(t: Tensor) -> Tensor:
    perm = tuple(range(t.ndim - 2)) + (t.ndim - 1, t.ndim - 2)
    return F.transpose(t, perm)


@matmul_p.def_bprop
def _matmul_bprop(x, y, *, out, dout, needs):
    # promote 1-D operands to matrices so one rule covers every case
    x2 = F.expand_dims(x, 0) if x.ndim == 1 else x
    y2 = F.expand_dims(y, -1) if y.ndim == 1 else y
    g = dout
    if y.ndim == 1:  # first: for 1-D @ 1-D the output is 0-d
        g = F.expand_dims(g, -1)
    if x.ndim == 1:
        g = F.expand_dims(g, -2)
    # transposes are views: numpy hands them to BLAS as GEMM flags, no copies
    dx = F.reshape(F.sum_to(F.matmul(g, _swap(y2)), x2.shape), x.shape) if needs[0] else None
    if not needs[1]:
        dy = None
    elif y2.ndim == 2 and x2.ndim > 2:  # a weight shared over the batch: one GEMM over all rows,
        # not one per batch entry summed afterwards
        dy = F.reshape(F.matmul(_swap(F.reshape(x2, (-1, x2.shape[-1]))), F.reshape(g, (-1, g.shape[-1]))), y.shape)
    else:
        dy = F.reshape(F.sum_to(F.matmul(_swap(x2), g), y2.shape), y.shape)
    return dx, dy


def matmul(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Matrix product with numpy semantics (batch dimensions broadcast, 1-D operands promoted)."""
    return matmul_p(input, other)


def bmm(input_x: Tensor, mat2: Tensor) -> Tensor:
    if input_x.ndim < 3 or mat2.ndim < 3:
        raise ValueError(f"bmm: inputs must be at least 3-D, got {list(input_x.shape)} and {list(mat2.shape)}")
    return matmul_p(input_x, mat2)


def batch_matmul(x: Tensor, y: Tensor, transpose_a: bool = False, transpose_b: bool = False) -> Tensor:
    return matmul_p(_swap(x) if transpose_a else x, _swap(y) if transpose_b else y)


from . import functional as F  # noqa: E402
