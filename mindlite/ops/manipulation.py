"""Array manipulation composites (MindSpore 2.x names): gather_d, scatter_nd, unstack/unbind,
meshgrid, tril/triu, reverse, addn, select, l2_loss; and the ops whose output shape depends
on the values (unique, nonzero, masked_select), which run in PYNATIVE mode only.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..core import dtype as mstype
from ..core.tensor import Tensor
from .registry import Primitive


def _tensor(op: str, name: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(x).__name__}")
    return x


def gather_d(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """out[i][j] = x[index[i][j]][j] for dim 0 (and so on): `gather_elements` under its legacy name."""
    return F.gather_elements(x, dim, index)


def scatter_nd(indices: Tensor, updates: Tensor, shape: Sequence[int]) -> Tensor:
    """A zero tensor of `shape` with `updates` added at `indices` (repeated indices accumulate)."""
    _tensor("scatter_nd", "indices", indices)
    _tensor("scatter_nd", "updates", updates)
    if indices.dtype.kind not in ("int", "uint"):
        raise TypeError(f"scatter_nd: indices must be an integer Tensor, got {indices.dtype}")
    shape = tuple(int(s) for s in shape)
    k = indices.shape[-1] if indices.ndim else 0
    if indices.ndim < 1 or k > len(shape):
        raise ValueError(f"scatter_nd: indices {list(indices.shape)} must be (..., k) with k <= rank of shape "
                         f"{list(shape)}")
    return F.tensor_scatter_add(F.zeros(shape, updates.dtype), indices, updates)


def unstack(input_x: Tensor, axis: int = 0) -> tuple:
    """The slices of `input_x` along `axis`, each without that axis."""
    _tensor("unstack", "input_x", input_x)
    if input_x.ndim == 0:
        raise ValueError("unstack: input must have at least one dimension")
    axis = axis % input_x.ndim
    if input_x.shape[axis] == 0:
        return ()
    return tuple(F.squeeze(p, axis) for p in F.split(input_x, 1, axis))


def unbind(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002
    return unstack(input, dim)


def meshgrid(*inputs: Any, indexing: str = "xy") -> tuple:
    """Coordinate grids from 1-D tensors; 'xy' swaps the first two output axes (numpy's rule)."""
    if len(inputs) == 1 and isinstance(inputs[0], (tuple, list)):
        inputs = tuple(inputs[0])
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    if len(inputs) < 2:
        raise ValueError(f"meshgrid: needs at least 2 tensors, got {len(inputs)}")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or t.ndim != 1:
            raise ValueError(f"meshgrid: input {i} must be a 1-D Tensor, got {getattr(t, 'shape', t)!r}")
    sizes = [t.shape[0] for t in inputs]
    order = list(range(len(inputs)))
    if indexing == "xy":
        order[0], order[1] = 1, 0
    shape = tuple(sizes[o] for o in order)
    out = []
    for i, t in enumerate(inputs):
        where = order.index(i)
        view = [1] * len(inputs)
        view[where] = sizes[i]
        out.append(F.broadcast_to(F.reshape(t, view), shape))
    return tuple(out)


def _band(op: str, x: Tensor, diagonal: int, lower: bool) -> Tensor:
    _tensor(op, "input", x)
    if x.ndim < 2:
        raise ValueError(f"{op}: input must be at least 2-D, got shape {list(x.shape)}")
    rows, cols = x.shape[-2:]
    keep = np.tri(rows, cols, int(diagonal), dtype=bool)
    if not lower:
        keep = ~np.tri(rows, cols, int(diagonal) - 1, dtype=bool)
    return F.where(Tensor(keep), x, F.zeros((), x.dtype))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """Zero the elements above the `diagonal`-th diagonal of the last two axes."""
    return _band("tril", input, diagonal, True)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """Zero the elements below the `diagonal`-th diagonal of the last two axes."""
    return _band("triu", input, diagonal, False)


def reverse(x: Tensor, axis: Any) -> Tensor:
    """Reverse the order along each axis in `axis` (ops.ReverseV2)."""
    return F.flip(x, axis)


def addn(x: Sequence[Tensor]) -> Tensor:
    """Elementwise sum of a list of tensors of one shape and dtype."""
    xs = list(x) if isinstance(x, (tuple, list)) else [x]
    if not xs:
        raise ValueError("addn: needs at least one tensor")
    for i, t in enumerate(xs):
        _tensor("addn", f"x[{i}]", t)
        if t.shape != xs[0].shape or t.dtype != xs[0].dtype:
            raise ValueError(f"addn: all inputs must share shape and dtype; x[0] is {xs[0].dtype}{list(xs[0].shape)}, "
                             f"x[{i}] is {t.dtype}{list(t.shape)}")
    out = xs[0]
    for t in xs[1:]:
        out = out + t
    return out


def select(cond: Tensor, input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise `input` where `cond`, else `other` (ops.Select)."""
    return F.where(cond, input, other)


def l2_loss(x: Tensor) -> Tensor:
    """sum(x ** 2) / 2 as a 0-d tensor of x's dtype (ops.L2Loss)."""
    _tensor("l2_loss", "input_x", x)
    if not x.dtype.is_floating_point:
        raise TypeError(f"l2_loss: input must be floating point, got {x.dtype}")
    return F.sum(F.square(x)) / 2


def range_op(start: Any, end: Any, step: Any) -> Tensor:
    """`ops.range(start, end, step)`: [start, end) by `step`, with the inputs' dtype (0-d Tensors
    or numbers; ints give int64, floats float32). Exported as `ops.range`."""
    dtypes = {x.dtype for x in (start, end, step) if isinstance(x, Tensor)}
    if len(dtypes) > 1:
        raise TypeError(f"range: start, end and step must have one dtype, got {sorted(str(d) for d in dtypes)}")
    return F.arange(start, end, step, dtype=dtypes.pop() if dtypes else None)


# ---- value-dependent shapes: PYNATIVE only ------------------------------------------------------
def _eager_only(op: str, *xs: Any) -> None:
    if any(getattr(getattr(x, "_data", None), "is_symbolic", False) for x in xs):
        from ..core.graph_trace import graph_error
        raise graph_error(f"ops.{op} (its output shape depends on the input values)",
                          "Use it in PYNATIVE_MODE, or a fixed-shape form (where/masked_fill) in graph code.")


def _unique_impl(xp: Any, x: Any) -> tuple:
    y, idx = xp.unique(x.reshape(-1), return_inverse=True)
    return y, idx.reshape(x.shape).astype(np.int32)


def _value_shape_infer(op: str) -> Any:
    def infer(*avals: Any, **params: Any) -> Any:
        raise ValueError(f"{op}: the output shape depends on the input values and cannot be inferred")
    return infer


unique_p = Primitive("unique", _unique_impl, _value_shape_infer("unique"), multiple_results=True)
nonzero_p = Primitive("nonzero", lambda xp, x: xp.argwhere(x).astype(np.int64), _value_shape_infer("nonzero"))


def _masked_select_impl(xp: Any, x: Any, m: Any) -> Any:
    shape = np.broadcast_shapes(x.shape, m.shape)
    return xp.broadcast_to(x, shape)[xp.broadcast_to(m, shape)]


masked_select_p = Primitive("masked_select", _masked_select_impl, _value_shape_infer("masked_select"))


@masked_select_p.def_bprop
def _masked_select_bprop(x, m, *, out, dout):
    shape = np.broadcast_shapes(x.shape, m.shape)
    idx = F.nonzero(F.broadcast_to(m, shape))
    full = F.tensor_scatter_add(F.zeros(shape, dout.dtype), idx, dout)
    return F.sum_to(full, x.shape), None


def unique(input: Tensor) -> tuple:  # noqa: A002
    """(sorted unique values, int32 index of each input element in them); PYNATIVE only."""
    _tensor("unique", "input", input)
    _eager_only("unique", input)
    return unique_p(input)


def nonzero(input: Tensor) -> Tensor:  # noqa: A002
    """(count, ndim) int64 coordinates of the nonzero elements; PYNATIVE only."""
    _tensor("nonzero", "input", input)
    _eager_only("nonzero", input)
    return nonzero_p(input)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:  # noqa: A002
    """1-D tensor of the elements where the (broadcast) bool `mask` is True; PYNATIVE only."""
    _tensor("masked_select", "input", input)
    _tensor("masked_select", "mask", mask)
    if mask.dtype != mstype.bool_:
        raise TypeError(f"masked_select: mask must be a bool Tensor, got {mask.dtype}")
    np.broadcast_shapes(input.shape, mask.shape)
    _eager_only("masked_select", input, mask)
    return masked_select_p(input, mask)


def count_nonzero(x: Tensor, axis: Any = (), keep_dims: bool = False, dtype: Any = mstype.int32) -> Tensor:
    """Number of nonzero elements along `axis` (() = all), as `dtype`."""
    _tensor("count_nonzero", "x", x)
    counted = F.sum(F.cast(F.not_equal(x, 0), mstype.int64), None if axis == () else axis, keep_dims)
    return F.cast(counted, dtype)


from . import functional as F  # noqa: E402  (composites resolve ops at call time)
