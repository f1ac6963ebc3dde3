"""Array Primitive classes (`mindspore.ops.operations.array_ops`): shape, indexing, gather and
scatter, creation, sorting. Each class calls its functional op."""
from __future__ import annotations

from typing import Any

from .. import functional as F
from ..primitive import PrimitiveOp, simple_op
from ...core.tensor import Tensor

Reshape = simple_op("Reshape", F.reshape)
Transpose = simple_op("Transpose", F.transpose)
ExpandDims = simple_op("ExpandDims", F.expand_dims)
Tile = simple_op("Tile", F.tile)
Gather = simple_op("Gather", F.gather)
GatherV2 = simple_op("GatherV2", F.gather)
GatherD = simple_op("GatherD", F.gather_d)
GatherNd = simple_op("GatherNd", F.gather_nd)
ScatterNd = simple_op("ScatterNd", F.scatter_nd)
TensorScatterUpdate = simple_op("TensorScatterUpdate", F.tensor_scatter_update)
TensorScatterAdd = simple_op("TensorScatterAdd", F.tensor_scatter_add)
ZerosLike = simple_op("ZerosLike", F.zeros_like)
OnesLike = simple_op("OnesLike", F.ones_like)
Fill = simple_op("Fill", F.fill)
Select = simple_op("Select", F.select)
MaskedFill = simple_op("MaskedFill", F.masked_fill)
MaskedSelect = simple_op("MaskedSelect", F.masked_select)
NonZero = simple_op("NonZero", F.nonzero)
Shape = simple_op("Shape", F.shape)
TensorShape = simple_op("TensorShape", lambda x: F.dyn_shape(x))
DynamicShape = simple_op("DynamicShape", lambda x: F.dyn_shape(x))  # MindSpore's older name for TensorShape
Size = simple_op("Size", F.size)
Rank = simple_op("Rank", F.rank)
DType = simple_op("DType", F.dtype)
Eye = simple_op("Eye", F.eye)
Slice = simple_op("Slice", F.slice)
Identity = simple_op("Identity", F.identity)
Tril = simple_op("Tril", F.tril)
Diag = simple_op("Diag", F.diag)


class Roll(PrimitiveOp):
    """`ops.Roll(shift, axis)(input_x)`: cyclic shifts along `axis`."""

    def __init__(self, shift: Any, axis: Any) -> None:
        super().__init__(shift=shift, axis=axis)

    def __call__(self, x: Tensor) -> Tensor:
        return F.roll(x, self.shift, self.axis)
Triu = simple_op("Triu", F.triu)


class EmbeddingLookup(PrimitiveOp):
    """`ops.EmbeddingLookup()(input_params, input_indices, offset)`: rows `input_indices - offset`
    of input_params; indices outside [0, rows) give zero rows."""

    def __call__(self, params: Tensor, indices: Tensor, offset: int) -> Tensor:
        idx = indices - int(offset)
        valid = F.logical_and(F.greater_equal(idx, 0), F.less(idx, params.shape[0]))
        rows = F.gather(params, F.where(valid, idx, F.zeros_like(idx)), 0)
        keep = F.reshape(F.cast(valid, params.dtype), tuple(valid.shape) + (1,) * (params.ndim - 1))
        return rows * keep


class StridedSlice(PrimitiveOp):
    """`ops.StridedSlice(begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0,
    shrink_axis_mask=0)(x, begin, end, strides)` with TensorFlow's bit-mask semantics."""

    def __init__(self, begin_mask: int = 0, end_mask: int = 0, ellipsis_mask: int = 0, new_axis_mask: int = 0,
                 shrink_axis_mask: int = 0) -> None:
        for name, v in (("begin_mask", begin_mask), ("end_mask", end_mask), ("ellipsis_mask", ellipsis_mask),
                        ("new_axis_mask", new_axis_mask), ("shrink_axis_mask", shrink_axis_mask)):
            if not isinstance(v, int) or isinstance(v, bool):
                raise TypeError(f"StridedSlice: {name} must be an int, got {type(v).__name__}")
            if v < 0:
                raise ValueError(f"StridedSlice: {name} must be >= 0, got {v}")
        super().__init__(begin_mask=begin_mask, end_mask=end_mask, ellipsis_mask=ellipsis_mask,
                         new_axis_mask=new_axis_mask, shrink_axis_mask=shrink_axis_mask)

    def __call__(self, x: Tensor, begin: Any, end: Any, strides: Any) -> Tensor:
        return F.strided_slice(x, begin, end, strides, self.begin_mask, self.end_mask, self.ellipsis_mask,
                               self.new_axis_mask, self.shrink_axis_mask)


class BroadcastTo(PrimitiveOp):
    """`ops.BroadcastTo(shape)(x)`; -1 keeps that dimension of x."""

    def __init__(self, shape: Any) -> None:
        super().__init__(shape=tuple(shape))

    def __call__(self, x: Tensor) -> Tensor:
        return F.broadcast_to(x, self.shape)


class Cast(PrimitiveOp):
    """`ops.Cast()(x, dtype)`."""

    def __call__(self, x: Any, dtype: Any) -> Tensor:
        return F.cast(x, dtype)


class Concat(PrimitiveOp):
    """`ops.Concat(axis=0)(tensors)`."""

    def __init__(self, axis: int = 0) -> None:
        super().__init__(axis=axis)

    def __call__(self, xs: Any) -> Tensor:
        return F.concat(xs, self.axis)


class Stack(Concat):
    """`ops.Stack(axis=0)(tensors)`."""

    def __call__(self, xs: Any) -> Tensor:
        return F.stack(xs, self.axis)


Pack = Stack


class Unstack(PrimitiveOp):
    """`ops.Unstack(axis=0, num=None)(x)`: the slices along `axis`."""

    def __init__(self, axis: int = 0, num: Any = None) -> None:
        super().__init__(axis=axis, num=num)

    def __call__(self, x: Tensor) -> tuple:
        if self.num is not None and x.shape[self.axis] != self.num:
            raise ValueError(f"Unstack: num={self.num} but dimension {self.axis} of {list(x.shape)} has "
                             f"{x.shape[self.axis]} slices")
        return F.unstack(x, self.axis)


Unpack = Unstack


class Split(PrimitiveOp):
    """`ops.Split(axis=0, output_num=1)(x)`: `output_num` equal parts."""

    def __init__(self, axis: int = 0, output_num: int = 1) -> None:
        super().__init__(axis=axis, output_num=output_num)

    def __call__(self, x: Tensor) -> tuple:
        n = x.shape[self.axis]
        if n % self.output_num:
            raise ValueError(f"Split: dimension {self.axis} ({n}) is not divisible by output_num {self.output_num}")
        return F.split(x, n // self.output_num, self.axis)


class Squeeze(PrimitiveOp):
    """`ops.Squeeze(axis=())(x)`; () removes every size-1 axis."""

    def __init__(self, axis: Any = ()) -> None:
        super().__init__(axis=axis)

    def __call__(self, x: Tensor) -> Tensor:
        return F.squeeze(x, self.axis if self.axis != () else None)


class Flatten(PrimitiveOp):
    """`ops.Flatten()(x)`: (N, ...) -> (N, -1)."""

    def __call__(self, x: Tensor) -> Tensor:
        if x.ndim == 0:
            raise ValueError("Flatten: input must have at least one dimension")
        return F.reshape(x, (x.shape[0], -1)) if x.ndim != 1 else x


class OneHot(PrimitiveOp):
    """`ops.OneHot(axis=-1)(indices, depth, on_value, off_value)`."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__(axis=axis)

    def __call__(self, indices: Tensor, depth: int, on_value: Any, off_value: Any) -> Tensor:
        return F.one_hot(indices, depth, on_value, off_value, self.axis)


class ReverseV2(PrimitiveOp):
    """`ops.ReverseV2(axis)(x)`: reverse along every axis in `axis`."""

    def __init__(self, axis: Any) -> None:
        super().__init__(axis=tuple(axis) if isinstance(axis, (list, tuple)) else (axis,))

    def __call__(self, x: Tensor) -> Tensor:
        return F.reverse(x, self.axis)


class Range(PrimitiveOp):
    """`ops.Range(maxlen=1000000)(start, limit, delta)`."""

    def __init__(self, maxlen: int = 1000000) -> None:
        super().__init__(maxlen=maxlen)

    def __call__(self, start: Any, limit: Any, delta: Any) -> Tensor:
        dtype = start.dtype if isinstance(start, Tensor) else None
        out = F.arange(start, limit, delta, dtype=dtype)
        if out.shape[0] > self.maxlen:
            raise ValueError(f"Range: {out.shape[0]} elements exceed maxlen={self.maxlen}")
        return out


class LinSpace(PrimitiveOp):
    """`ops.LinSpace()(start, stop, num)`."""

    def __call__(self, start: Any, stop: Any, num: int) -> Tensor:
        return F.linspace(start, stop, num)


class Meshgrid(PrimitiveOp):
    """`ops.Meshgrid(indexing='xy')(inputs)`."""

    def __init__(self, indexing: str = "xy") -> None:
        if indexing not in ("xy", "ij"):
            raise ValueError(f"Meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
        super().__init__(indexing=indexing)

    def __call__(self, inputs: Any) -> tuple:
        return F.meshgrid(*inputs, indexing=self.indexing)


class Sort(PrimitiveOp):
    """`ops.Sort(axis=-1, descending=False)(x)` -> (values, indices)."""

    def __init__(self, axis: int = -1, descending: bool = False) -> None:
        super().__init__(axis=axis, descending=descending)

    def __call__(self, x: Tensor) -> tuple:
        return F.sort(x, self.axis, self.descending)


class TopK(PrimitiveOp):
    """`ops.TopK(sorted=True)(x, k)` -> (values, indices) along the last axis; with sorted=False
    the k elements keep their input order."""

    def __init__(self, sorted: bool = True) -> None:  # noqa: A002
        super().__init__(sorted=sorted)

    def __call__(self, x: Tensor, k: int) -> tuple:
        return F.topk(x, k, -1, True, self.sorted)


class Unique(PrimitiveOp):
    """`ops.Unique()(x)` -> (sorted unique values, int32 index of each element); PYNATIVE only."""

    def __call__(self, x: Tensor) -> tuple:
        return F.unique(x)


__all__ = [k for k, v in list(globals().items()) if isinstance(v, type) and issubclass(v, PrimitiveOp)
           and not k.startswith("_") and v is not PrimitiveOp]
