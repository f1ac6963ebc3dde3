"""Array manipulation composites (MindSpore 2.x names): gather_d, scatter_nd, unstack/unbind,
meshgrid, tril/triu, reverse, addn, select, l2_loss; and the ops whose output shape depends
on the values (unique, nonzero, masked_select), which run in PYNATIVE mode only.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..core import dtype as mstype
from ..core.dims import Dim, DynamicDimError, dim_of
from ..core.tensor import Tensor
from ..core.prim import ValueDependentShape
from .array import slice_in_range
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
    shape = tuple(dim_of(s) for s in shape)
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
    if isinstance(input_x.shape[axis], Dim):
        raise DynamicDimError(f"unstack: axis {axis} has the run-time size {input_x.shape[axis]} (declared None): "
                              f"the number of results is unknown while compiling; declare that axis with a "
                              f"fixed size")
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
    if isinstance(rows, Dim) or isinstance(cols, Dim):  # run-time sizes: the band from index ranges
        offset = F.arange(0, cols) - F.expand_dims(F.arange(0, rows), 1)
        keep = F.less_equal(offset, int(diagonal)) if lower else F.greater_equal(offset, int(diagonal))
        return F.where(keep, x, F.zeros((), x.dtype))
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


def fliplr(input: Tensor) -> Tensor:  # noqa: A002
    """Reverse axis 1 (input at least 2-D)."""
    if _tensor("fliplr", "input", input).ndim < 2:
        raise ValueError(f"fliplr: input must be at least 2-D, got {list(input.shape)}")
    return F.flip(input, (1,))


def flipud(input: Tensor) -> Tensor:  # noqa: A002
    """Reverse axis 0 (input at least 1-D)."""
    if _tensor("flipud", "input", input).ndim < 1:
        raise ValueError("flipud: input must be at least 1-D")
    return F.flip(input, (0,))


def moveaxis(x: Tensor, source: Any, destination: Any) -> Tensor:
    """Move axes `source` to positions `destination`, the others keeping their order."""
    src = [int(s) % x.ndim for s in ((source,) if isinstance(source, int) else source)]
    dst = [int(d) % x.ndim for d in ((destination,) if isinstance(destination, int) else destination)]
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"moveaxis: source {source!r} and destination {destination!r} must be distinct axes of "
                         "the same count")
    order = [i for i in range(x.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return F.transpose(x, order)


movedim = moveaxis


def narrow(input: Tensor, axis: int, start: int, length: int) -> Tensor:  # noqa: A002
    """`length` elements of `axis` from `start`."""
    axis = int(axis) % input.ndim
    n = input.shape[axis]
    if isinstance(n, Dim):
        # a run-time size: the result has `length` elements whenever it exists; a fit the sizes
        # cannot decide here is checked when the graph runs (every value's shape is)
        start, length = int(start), int(length)
        try:
            fits = 0 <= start and length >= 0 and start + length <= n
        except DynamicDimError:
            fits = True
        if not fits:
            raise ValueError(f"narrow: start {start} and length {length} do not fit dimension {axis} of size {n}")
        return slice_in_range(input, axis, start, start + length)
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise ValueError(f"narrow: start {start} and length {length} do not fit dimension {axis} of size {n}")
    index = (slice(None),) * axis + (slice(int(start), int(start) + int(length)),)
    return input[index]


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    return F.reshape(input, (-1,))


def repeat_interleave(input: Tensor, repeats: Any, axis: Any = None, output_size: Any = None) -> Tensor:  # noqa: A002
    """Repeat each element `repeats` times (an int, or one count per element of `axis`)."""
    x = F.reshape(input, (-1,)) if axis is None else input
    axis = 0 if axis is None else int(axis) % x.ndim
    n = x.shape[axis]
    if isinstance(n, Dim):
        if not isinstance(repeats, int) or output_size is not None:
            raise DynamicDimError(f"repeat_interleave: axis {axis} has the run-time size {n} (declared None): "
                                  f"per-element repeats (or output_size) need its size while compiling; "
                                  f"declare that axis with a fixed size, or repeat by one int")
        # each element `repeats` times: a new axis after `axis`, broadcast, merged into it
        y = F.expand_dims(x, axis + 1)
        y = F.broadcast_to(y, y.shape[:axis + 1] + (int(repeats),) + y.shape[axis + 2:])
        return F.reshape(y, x.shape[:axis] + (n * int(repeats),) + x.shape[axis + 1:])
    counts = np.asarray(repeats.asnumpy() if isinstance(repeats, Tensor) else repeats, dtype=np.int64)
    index = np.repeat(np.arange(x.shape[axis]), counts)
    if output_size is not None and index.size != output_size:
        raise ValueError(f"repeat_interleave: the result has {index.size} elements along axis {axis}, "
                         f"output_size says {output_size}")
    return F.gather(x, Tensor(index), axis)


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """Shift elements cyclically by `shifts` along `dims` (None: the flattened tensor)."""
    if dims is None:
        return F.reshape(roll(F.reshape(input, (-1,)), shifts, 0), input.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: shifts {list(shifts)} and dims {list(dims)} must have the same length")
    out = input
    for s, d in zip(shifts, dims):
        d = int(d) % input.ndim
        n = input.shape[d]
        if isinstance(n, Dim):  # a run-time size: the last (s mod n) elements, then the rest
            cut = n - int(s) % n
            out = F.concat([slice_in_range(out, d, cut, n), slice_in_range(out, d, 0, cut)], d)
            continue
        out = F.gather(out, Tensor(np.roll(np.arange(input.shape[d]), int(s))), d)
    return out


def rot90(input: Tensor, k: int = 1, dims: Any = (0, 1)) -> Tensor:  # noqa: A002
    """Rotate by 90 degrees k times in the plane `dims`, from the first toward the second axis."""
    d0, d1 = (int(d) % input.ndim for d in dims)
    if d0 == d1:
        raise ValueError(f"rot90: dims must be two different axes, got {list(dims)}")
    k %= 4
    if k == 0:
        return input
    if k == 2:
        return F.flip(input, (d0, d1))
    perm = list(range(input.ndim))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return F.transpose(F.flip(input, (d1,)), perm) if k == 1 else F.flip(F.transpose(input, perm), (d1,))


def index_select(input: Tensor, axis: int, index: Tensor) -> Tensor:  # noqa: A002
    """The slices of `axis` at the 1-D integer `index`."""
    if not isinstance(index, Tensor) or index.ndim != 1 or index.dtype.kind not in ("int", "uint"):
        raise ValueError(f"index_select: index must be a 1-D integer Tensor, got {getattr(index, 'shape', index)!r}")
    return F.gather(input, index, axis)


def tensor_split(input: Tensor, indices_or_sections: Any, axis: int = 0) -> tuple:  # noqa: A002
    """numpy's array_split: n nearly equal parts (an int) or cuts at the given indices."""
    axis = int(axis) % input.ndim
    n = input.shape[axis]
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise ValueError(f"tensor_split: sections must be positive, got {k}")
        if isinstance(n, Dim):  # numpy's rule as size expressions: the first n % k parts are one longer
            out, start = [], 0
            for i in range(k):
                size = (n + k - 1 - i) // k
                out.append(slice_in_range(input, axis, start, start + size))
                start = start + size
            return tuple(out)
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    else:
        if isinstance(n, Dim):
            raise DynamicDimError(f"tensor_split: axis {axis} has the run-time size {n} (declared None): where the "
                                  f"cuts {list(indices_or_sections)} fall (min(cut, {n})) is unknown while "
                                  f"compiling; declare that axis with a fixed size")
        cuts = [min(max(int(c), 0), n) for c in indices_or_sections]
        bounds = [0] + cuts + [n]
        sizes = [max(b - a, 0) for a, b in zip(bounds[:-1], bounds[1:])]
    out, start = [], 0
    for size in sizes:
        out.append(narrow(input, axis, start, size))
        start += size
    return tuple(out)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple:  # noqa: A002
    return tensor_split(input, indices_or_sections, 1 if input.ndim > 1 else 0)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple:  # noqa: A002
    if input.ndim < 2:
        raise ValueError(f"vsplit: input must be at least 2-D, got {list(input.shape)}")
    return tensor_split(input, indices_or_sections, 0)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple:  # noqa: A002
    if input.ndim < 3:
        raise ValueError(f"dsplit: input must be at least 3-D, got {list(input.shape)}")
    return tensor_split(input, indices_or_sections, 2)


def _at_least_shape(shape: tuple, n: int) -> tuple:
    """numpy's atleast_nd rule: 1-D (N,) becomes (1, N) in 2-D and (1, N, 1) in 3-D; 2-D gets a last 1."""
    if len(shape) >= n:
        return shape
    if n == 3 and len(shape) == 2:
        return shape + (1,)
    if n == 3 and len(shape) == 1:
        return (1,) + shape + (1,)
    return (1,) * (n - len(shape)) + shape


def _at_least(op: str, n: int, inputs: Any) -> Any:
    def one(x: Tensor) -> Tensor:
        return F.reshape(_tensor(op, "input", x), _at_least_shape(tuple(x.shape), n))
    if isinstance(inputs, (tuple, list)):
        return tuple(one(x) for x in inputs)
    return one(inputs)


def atleast_1d(inputs: Any) -> Any:
    return _at_least("atleast_1d", 1, inputs)


def atleast_2d(inputs: Any) -> Any:
    return _at_least("atleast_2d", 2, inputs)


def atleast_3d(inputs: Any) -> Any:
    return _at_least("atleast_3d", 3, inputs)


def hstack(tensors: Any) -> Tensor:
    ts = atleast_1d(tuple(tensors))
    return F.concat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Any) -> Tensor:
    return F.concat(atleast_2d(tuple(tensors)), 0)


row_stack = vstack


def dstack(tensors: Any) -> Tensor:
    return F.concat(atleast_3d(tuple(tensors)), 2)


def column_stack(tensors: Any) -> Tensor:
    ts = [F.reshape(t, (-1, 1)) if t.ndim < 2 else t for t in tensors]
    return F.concat(ts, 1)


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
        raise ValueDependentShape(f"{op}: the output shape depends on the input values and cannot be inferred")
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
