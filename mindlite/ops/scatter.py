"""Scatter updates of Parameters (MindSpore's in-place `ScatterNdUpdate`, `ScatterNdAdd`,
`ScatterNdSub`, `ScatterUpdate`, `ScatterAdd`, `ScatterSub`, `IndexAdd`) and the functional
`tensor_scatter_elements` / `InplaceAdd`.

The new value is computed with the tensor_scatter primitives and the Parameter is rebound to it
(as `ops.assign` does): eagerly its value changes at once; in GRAPH_MODE the rebinding is a
state update written back after the step. The ops return the updated Parameter, as MindSpore's.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import dtype as mstype
from ..core.dims import is_static
from ..core.tensor import Tensor
from .primitive import PrimitiveOp


def _check(op: str, input_x: Any, indices: Any, updates: Any, nd: bool) -> None:
    for name, v in (("input_x", input_x), ("indices", indices), ("updates", updates)):
        if not isinstance(v, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(v).__name__}")
    if indices.dtype.kind not in ("int", "uint"):
        raise TypeError(f"{op}: indices must be int32 or int64, got {indices.dtype}")
    if nd:
        k = indices.shape[-1] if indices.ndim else 0
        expect = tuple(indices.shape[:-1]) + tuple(input_x.shape[k:])
        if indices.ndim == 0 or k > input_x.ndim:
            raise ValueError(f"{op}: indices {list(indices.shape)} must end in a dimension <= the rank of input_x "
                             f"{list(input_x.shape)}")
    else:
        expect = tuple(indices.shape) + tuple(input_x.shape[1:])
    if tuple(updates.shape) != expect:
        raise ValueError(f"{op}: updates shape {list(updates.shape)} should be {list(expect)} for input_x "
                         f"{list(input_x.shape)} and indices {list(indices.shape)}")


def _rows(indices: Tensor) -> Tensor:
    from . import functional as F
    return F.expand_dims(F.cast(indices, mstype.int64), -1)


def _apply(x: Tensor, new: Tensor) -> Tensor:
    from . import functional as F
    return x.assign_value(F.cast(new, x.dtype))


def scatter_nd_update(input_x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
    """input_x[indices[..., :]] = updates (N-d indices), in place; returns input_x."""
    from . import functional as F
    _check("ScatterNdUpdate", input_x, indices, updates, nd=True)
    return _apply(input_x, F.tensor_scatter_update(input_x, F.cast(indices, mstype.int64),
                                                   F.cast(updates, input_x.dtype)))


def scatter_nd_add(input_x: Tensor, indices: Tensor, updates: Tensor, use_locking: bool = False) -> Tensor:
    """input_x[indices] += updates (repeated indices accumulate), in place; returns input_x."""
    from . import functional as F
    _check("ScatterNdAdd", input_x, indices, updates, nd=True)
    return _apply(input_x, F.tensor_scatter_add(input_x, F.cast(indices, mstype.int64),
                                                F.cast(updates, input_x.dtype)))


def scatter_nd_sub(input_x: Tensor, indices: Tensor, updates: Tensor, use_locking: bool = False) -> Tensor:
    from . import functional as F
    _check("ScatterNdSub", input_x, indices, updates, nd=True)
    return _apply(input_x, F.tensor_scatter_add(input_x, F.cast(indices, mstype.int64),
                                                F.neg(F.cast(updates, input_x.dtype))))


def scatter_update(input_x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
    """input_x[indices] = updates along the first axis, in place; returns input_x."""
    from . import functional as F
    _check("ScatterUpdate", input_x, indices, updates, nd=False)
    return _apply(input_x, F.tensor_scatter_update(input_x, _rows(indices), F.cast(updates, input_x.dtype)))


def scatter_add_inplace(input_x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
    """input_x[indices] += updates along the first axis (ScatterAdd), in place; returns input_x."""
    from . import functional as F
    _check("ScatterAdd", input_x, indices, updates, nd=False)
    return _apply(input_x, F.tensor_scatter_add(input_x, _rows(indices), F.cast(updates, input_x.dtype)))


def scatter_sub(input_x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
    from . import functional as F
    _check("ScatterSub", input_x, indices, updates, nd=False)
    return _apply(input_x, F.tensor_scatter_add(input_x, _rows(indices), F.neg(F.cast(updates, input_x.dtype))))


def index_add(x: Tensor, indices: Tensor, y: Tensor, axis: int, use_lock: bool = True,
              check_index_bound: bool = True) -> Tensor:
    """x[..., indices[i], ...] += y[..., i, ...] along `axis`, in place; returns x."""
    from . import functional as F
    op = "IndexAdd"
    for name, v in (("x", x), ("indices", indices), ("y", y)):
        if not isinstance(v, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(v).__name__}")
    if indices.ndim != 1 or indices.dtype.kind not in ("int", "uint"):
        raise TypeError(f"{op}: indices must be a 1-d int tensor, got {indices.dtype}{list(indices.shape)}")
    axis = int(axis) % x.ndim
    expect = x.shape[:axis] + (indices.shape[0],) + x.shape[axis + 1:]
    if tuple(y.shape) != expect:
        raise ValueError(f"{op}: y shape {list(y.shape)} should be {list(expect)} for x {list(x.shape)}, axis {axis} "
                         f"and {indices.shape[0]} indices")
    if check_index_bound and not getattr(indices._data, "is_symbolic", False):
        raw = indices.asnumpy()
        if raw.size and (raw.min() < 0 or raw.max() >= x.shape[axis]):
            raise ValueError(f"{op}: indices must be in [0, {x.shape[axis]}), got {raw.tolist()}")
    perm = (axis,) + tuple(i for i in range(x.ndim) if i != axis)
    inv = tuple(int(i) for i in np.argsort(perm))
    moved = F.tensor_scatter_add(F.transpose(x, perm), _rows(indices), F.transpose(F.cast(y, x.dtype), perm))
    return _apply(x, F.transpose(moved, inv))


def inplace_add(x: Tensor, v: Tensor, indices: Any) -> Tensor:
    """A copy of x with v added to the rows `indices` (an int or a tuple of ints) of axis 0."""
    from . import functional as F
    rows = (indices,) if isinstance(indices, (int, np.integer)) else tuple(indices)
    if not all(isinstance(i, (int, np.integer)) for i in rows):
        raise TypeError(f"InplaceAdd: indices must be an int or a tuple of ints, got {indices!r}")
    expect = (len(rows),) + tuple(x.shape[1:])
    if tuple(v.shape) not in (expect, tuple(x.shape[1:]) if len(rows) == 1 else expect):
        raise ValueError(f"InplaceAdd: v shape {list(v.shape)} should be {list(expect)}")
    v = F.reshape(F.cast(v, x.dtype), expect)
    return F.tensor_scatter_add(x, Tensor(np.asarray(rows, np.int64).reshape(-1, 1)), v)


def tensor_scatter_elements(input_x: Tensor, indices: Tensor, updates: Tensor, axis: int = 0,
                            reduction: str = "none") -> Tensor:
    """out = input_x with out[i][indices[i][j]][k] = updates[i][j][k] (for axis=1), i.e. each element of
    `updates` goes where `indices` says along `axis`; reduction 'add' accumulates instead."""
    from . import functional as F
    op = "tensor_scatter_elements"
    if reduction not in ("none", "add"):
        raise ValueError(f"{op}: reduction must be 'none' or 'add', got {reduction!r}")
    if indices.shape != updates.shape or indices.ndim != input_x.ndim:
        raise ValueError(f"{op}: indices {list(indices.shape)} and updates {list(updates.shape)} must have one shape "
                         f"and input_x's rank {input_x.ndim}")
    axis = int(axis) % input_x.ndim
    if is_static(indices.shape):
        coords = [Tensor(g.astype(np.int64)) for g in np.indices(indices.shape)]
    else:  # run-time sizes: each axis's positions from an index range, broadcast
        coords = [F.broadcast_to(F.reshape(F.arange(0, d), tuple(d if a == k else 1 for a in range(indices.ndim))),
                                 indices.shape) for k, d in enumerate(indices.shape)]
    n = input_x.shape[axis]
    idx = F.cast(indices, mstype.int64)
    coords[axis] = F.where(idx < 0, idx + n, idx)
    nd = F.stack(coords, -1)
    scatter = F.tensor_scatter_add if reduction == "add" else F.tensor_scatter_update
    return scatter(input_x, nd, F.cast(updates, input_x.dtype))


# ---- primitive classes ---------------------------------------------------------------------------------
def _class(name: str, fn: Any, doc: str) -> type:
    def __init__(self: Any, use_locking: bool = name in ("ScatterNdUpdate", "ScatterUpdate")) -> None:
        PrimitiveOp.__init__(self, use_locking=use_locking)

    def __call__(self: Any, input_x: Tensor, indices: Tensor, updates: Tensor) -> Tensor:
        return fn(input_x, indices, updates)
    return type(name, (PrimitiveOp,), {"__init__": __init__, "__call__": __call__, "__doc__": doc})


ScatterNdUpdate = _class("ScatterNdUpdate", scatter_nd_update, "`ops.ScatterNdUpdate(use_locking=True)`.")
ScatterNdAdd = _class("ScatterNdAdd", scatter_nd_add, "`ops.ScatterNdAdd(use_locking=False)`.")
ScatterNdSub = _class("ScatterNdSub", scatter_nd_sub, "`ops.ScatterNdSub(use_locking=False)`.")
ScatterUpdate = _class("ScatterUpdate", scatter_update, "`ops.ScatterUpdate(use_locking=True)`.")
ScatterAdd = _class("ScatterAdd", scatter_add_inplace, "`ops.ScatterAdd(use_locking=False)`.")
ScatterSub = _class("ScatterSub", scatter_sub, "`ops.ScatterSub(use_locking=False)`.")


class IndexAdd(PrimitiveOp):
    """`ops.IndexAdd(axis, use_lock=True, check_index_bound=True)(input_x, indices, input_y)`."""

    def __init__(self, axis: int, use_lock: bool = True, check_index_bound: bool = True) -> None:
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
            raise TypeError(f"IndexAdd: axis must be an int, got {type(axis).__name__}")
        super().__init__(axis=int(axis), use_lock=use_lock, check_index_bound=check_index_bound)

    def __call__(self, input_x: Tensor, indices: Tensor, input_y: Tensor) -> Tensor:
        return index_add(input_x, indices, input_y, self.axis, self.use_lock, self.check_index_bound)


class InplaceAdd(PrimitiveOp):
    """`ops.InplaceAdd(indices)(x, v)`: x with v added to rows `indices`."""

    def __init__(self, indices: Any) -> None:
        super().__init__(indices=indices)

    def __call__(self, x: Tensor, v: Tensor) -> Tensor:
        return inplace_add(x, v, self.indices)
