"""mindlite.numpy array manipulation: reshape/transpose/moveaxis, joining and splitting,
tile/repeat/broadcast, flips and rotations, padding, indexing helpers (take, take_along_axis,
where, unravel_index, ...), sorting."""
from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as onp

from ..core import dtype as mstype
from ..core.tensor import Tensor
from ..ops import functional as F
from ._utils import norm_axis, one_axis, operand, shape_tuple, to_tensor


def reshape(x: Any, new_shape: Any) -> Tensor:
    t = to_tensor(x)
    shape = (new_shape,) if isinstance(new_shape, (int, onp.integer)) else tuple(new_shape)
    if not all(isinstance(s, (int, onp.integer)) and not isinstance(s, bool) for s in shape):
        raise TypeError(f"mindlite.numpy.reshape: new_shape must be an int or a tuple of ints, got {new_shape!r}")
    return F.reshape(t, tuple(int(s) for s in shape))


def ravel(x: Any) -> Tensor:
    return F.reshape(to_tensor(x), (-1,))


def squeeze(a: Any, axis: Any = None) -> Tensor:
    t = to_tensor(a)
    if axis is None:
        return F.squeeze(t)
    axes = norm_axis(axis, t.ndim, "squeeze")
    bad = [i for i in axes if t.shape[i] != 1]
    if bad:
        raise ValueError(f"mindlite.numpy.squeeze: cannot select an axis to squeeze out which has size not equal "
                         f"to one (axis {bad[0]} of shape {list(t.shape)})")
    return F.reshape(t, tuple(d for i, d in enumerate(t.shape) if i not in axes))


def expand_dims(a: Any, axis: Any) -> Tensor:
    t = to_tensor(a)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    n = t.ndim + len(axes)
    pos = norm_axis(axes, n, "expand_dims")
    shape = list(t.shape)
    for p in pos:
        shape.insert(p, 1)
    return F.reshape(t, tuple(shape))


def transpose(a: Any, axes: Any = None) -> Tensor:
    t = to_tensor(a)
    if axes is None:
        axes = tuple(range(t.ndim))[::-1]
    if len(axes) != t.ndim:
        raise ValueError(f"mindlite.numpy.transpose: axes {axes} don't match an array of dimension {t.ndim}")
    return F.transpose(t, tuple(int(a) % max(t.ndim, 1) for a in axes))


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    t = to_tensor(x)
    a1, a2 = one_axis(axis1, t.ndim, "swapaxes"), one_axis(axis2, t.ndim, "swapaxes")
    perm = list(range(t.ndim))
    perm[a1], perm[a2] = perm[a2], perm[a1]
    return F.transpose(t, tuple(perm))


def moveaxis(a: Any, source: Any, destination: Any) -> Tensor:
    t = to_tensor(a)
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise ValueError("mindlite.numpy.moveaxis: source and destination must have the same number of elements")
    src = tuple(one_axis(s, t.ndim, "moveaxis") for s in src)
    dst = tuple(one_axis(d, t.ndim, "moveaxis") for d in dst)
    order = [i for i in range(t.ndim) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return F.transpose(t, tuple(order))


def rollaxis(x: Any, axis: int, start: int = 0) -> Tensor:
    t = to_tensor(x)
    a = one_axis(axis, t.ndim, "rollaxis")
    start = start % (t.ndim + 1) if start < 0 else start
    if start > a:
        start -= 1
    return moveaxis(t, a, start)


def atleast_1d(*arys: Any) -> Any:
    out = [F.reshape(t, (1,)) if t.ndim == 0 else t for t in map(to_tensor, arys)]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys: Any) -> Any:
    out = [F.reshape(t, (1,) * (2 - t.ndim) + t.shape) if t.ndim < 2 else t for t in map(to_tensor, arys)]
    return out[0] if len(out) == 1 else out


def atleast_3d(*arys: Any) -> Any:
    def lift(t: Tensor) -> Tensor:
        if t.ndim == 0:
            return F.reshape(t, (1, 1, 1))
        if t.ndim == 1:
            return F.reshape(t, (1, t.shape[0], 1))
        if t.ndim == 2:
            return F.reshape(t, t.shape + (1,))
        return t
    out = [lift(t) for t in map(to_tensor, arys)]
    return out[0] if len(out) == 1 else out


# ---- joining ---------------------------------------------------------------------------------------
def _seq(arrays: Any, op: str) -> list:
    if isinstance(arrays, Tensor):
        return [arrays[i] for i in range(arrays.shape[0])]
    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise TypeError(f"mindlite.numpy.{op}: expects a non-empty sequence of arrays")
    ts = [to_tensor(a) for a in arrays]
    dt = ts[0].dtype
    for t in ts[1:]:  # one result dtype, as numpy
        dt = _promote(dt, t.dtype)
    return [F.cast(t, dt) for t in ts]


def _promote(a: Any, b: Any) -> Any:
    from ..ops.registry import result_dtype, Aval
    return mstype.from_numpy_dtype(result_dtype(Aval((), a.np), Aval((), b.np)))


def concatenate(arrays: Any, axis: Any = 0) -> Tensor:
    ts = _seq(arrays, "concatenate")
    if axis is None:
        return F.concat([F.reshape(t, (-1,)) for t in ts], 0)
    return F.concat(ts, one_axis(axis, ts[0].ndim, "concatenate"))


def stack(arrays: Any, axis: int = 0) -> Tensor:
    ts = _seq(arrays, "stack")
    return F.stack(ts, one_axis(axis, ts[0].ndim + 1, "stack"))


def hstack(tup: Any) -> Tensor:
    ts = atleast_1d(*_seq(tup, "hstack"))
    ts = ts if isinstance(ts, list) else [ts]
    return F.concat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tup: Any) -> Tensor:
    ts = atleast_2d(*_seq(tup, "vstack"))
    return F.concat(ts if isinstance(ts, list) else [ts], 0)


row_stack = vstack


def dstack(tup: Any) -> Tensor:
    ts = atleast_3d(*_seq(tup, "dstack"))
    return F.concat(ts if isinstance(ts, list) else [ts], 2)


def column_stack(tup: Any) -> Tensor:
    ts = [F.reshape(t, (-1, 1)) if t.ndim < 2 else t for t in _seq(tup, "column_stack")]
    return F.concat(ts, 1)


def append(arr: Any, values: Any, axis: Any = None) -> Tensor:
    a, v = to_tensor(arr), to_tensor(values)
    if axis is None:
        return concatenate([F.reshape(a, (-1,)), F.reshape(v, (-1,))], 0)
    return concatenate([a, v], axis)


# ---- splitting -------------------------------------------------------------------------------------
def _split_at(t: Tensor, points: Sequence[int], axis: int) -> list:
    n = t.shape[axis]
    bounds = [0] + [builtins.min(builtins.max(int(p) if p >= 0 else n + int(p), 0), n) for p in points] + [n]
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        index = (slice(None),) * axis + (slice(lo, builtins.max(lo, hi)),)
        out.append(t[index])
    return out


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Equal sections (an int, which must divide the axis) or split points (a sequence)."""
    t = to_tensor(x)
    axis = one_axis(axis, t.ndim, "split")
    if isinstance(indices_or_sections, (int, onp.integer)):
        k = int(indices_or_sections)
        if k <= 0 or t.shape[axis] % k:
            raise ValueError(f"mindlite.numpy.split: array split does not result in an equal division "
                             f"({t.shape[axis]} into {k})")
        return list(F.split(t, t.shape[axis] // k, axis)) if k > 1 else [t]
    return _split_at(t, list(indices_or_sections), axis)


def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """Like split, but an int number of sections need not divide the axis."""
    t = to_tensor(x)
    axis = one_axis(axis, t.ndim, "array_split")
    if isinstance(indices_or_sections, (int, onp.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError(f"mindlite.numpy.array_split: number of sections must be positive, got {k}")
        n = t.shape[axis]
        sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
        return _split_at(t, list(onp.cumsum(sizes)[:-1]), axis)
    return _split_at(t, list(indices_or_sections), axis)


def hsplit(x: Any, indices_or_sections: Any) -> list:
    t = to_tensor(x)
    return split(t, indices_or_sections, 0 if t.ndim == 1 else 1)


def vsplit(x: Any, indices_or_sections: Any) -> list:
    return split(x, indices_or_sections, 0)


def dsplit(x: Any, indices_or_sections: Any) -> list:
    return split(x, indices_or_sections, 2)


# ---- tiling / broadcasting ---------------------------------------------------------------------------
def tile(a: Any, reps: Any) -> Tensor:
    t = to_tensor(a)
    reps = (int(reps),) if isinstance(reps, (int, onp.integer)) else tuple(int(r) for r in reps)
    return F.tile(t, reps)


def repeat(a: Any, repeats: Any, axis: Any = None) -> Tensor:
    """Repeat elements; `repeats` is an int or one count per element along `axis`."""
    t = to_tensor(a)
    if axis is None:
        t, axis = F.reshape(t, (-1,)), 0
    axis = one_axis(axis, t.ndim, "repeat")
    if isinstance(repeats, (int, onp.integer)):
        return F.repeat_elements(t, int(repeats), axis)
    counts = onp.asarray(repeats.asnumpy() if isinstance(repeats, Tensor) else repeats, dtype=onp.int64).reshape(-1)
    if counts.size == 1:
        return F.repeat_elements(t, int(counts[0]), axis)
    if counts.size != t.shape[axis] or (counts < 0).any():
        raise ValueError(f"mindlite.numpy.repeat: repeats {counts.tolist()} must be non-negative, one per element "
                         f"of axis {axis} (size {t.shape[axis]})")
    return F.gather(t, Tensor(onp.repeat(onp.arange(t.shape[axis]), counts)), axis)


def broadcast_to(array: Any, shape: Any) -> Tensor:
    t = to_tensor(array)
    shape = shape_tuple(shape, "broadcast_to")
    return F.broadcast_to(t, shape)


def broadcast_arrays(*args: Any) -> list:
    ts = [to_tensor(a) for a in args]
    shape = onp.broadcast_shapes(*[t.shape for t in ts])
    return [F.broadcast_to(t, shape) for t in ts]


# ---- flips / rotations / rolls ---------------------------------------------------------------------------
def flip(m: Any, axis: Any = None) -> Tensor:
    t = to_tensor(m)
    return F.flip(t, norm_axis(axis, t.ndim, "flip"))


def fliplr(m: Any) -> Tensor:
    return flip(m, 1)


def flipud(m: Any) -> Tensor:
    return flip(m, 0)


def rot90(a: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by 90 degrees k times in the plane of `axes` (from the first towards the second)."""
    t = to_tensor(a)
    if len(axes) != 2:
        raise ValueError("mindlite.numpy.rot90: axes must hold 2 axes")
    a0, a1 = one_axis(axes[0], t.ndim, "rot90"), one_axis(axes[1], t.ndim, "rot90")
    if a0 == a1:
        raise ValueError("mindlite.numpy.rot90: axes must be different")
    k %= 4
    if k == 0:
        return t
    if k == 2:
        return F.flip(t, (a0, a1))
    perm = list(range(t.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return F.transpose(F.flip(t, (a1,)), tuple(perm))
    return F.flip(F.transpose(t, tuple(perm)), (a1,))


def roll(a: Any, shift: Any, axis: Any = None) -> Tensor:
    t = to_tensor(a)
    if axis is None:
        return F.reshape(roll(F.reshape(t, (-1,)), shift, 0), t.shape)
    shifts = (shift,) if isinstance(shift, int) else tuple(shift)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    if len(axes) == 1 and len(shifts) > 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError("mindlite.numpy.roll: shift and axis must have the same length")
    for s, ax in zip(shifts, axes):
        ax = one_axis(ax, t.ndim, "roll")
        n = t.shape[ax]
        if n:
            t = F.gather(t, Tensor(((onp.arange(n) - int(s)) % n).astype(onp.int64)), ax)
    return t


def pad(arr: Any, pad_width: Any, mode: str = "constant", stat_length: Any = None, constant_values: Any = 0,
        end_values: Any = 0, reflect_type: str = "even") -> Tensor:
    """numpy.pad for modes 'constant', 'edge', 'reflect', 'symmetric', 'wrap', 'empty'."""
    t = to_tensor(arr)
    widths = onp.broadcast_to(onp.asarray(pad_width, dtype=onp.int64), (t.ndim, 2)).tolist() if t.ndim else []
    if mode in ("constant", "empty"):
        cv = onp.broadcast_to(onp.asarray(0 if mode == "empty" else constant_values), (t.ndim, 2)) if t.ndim else []
        for ax, ((lo, hi), (vlo, vhi)) in enumerate(zip(widths, cv)):
            if lo or hi:
                t = F.pad_nd(t, [(lo, 0) if i == ax else (0, 0) for i in range(t.ndim)], "constant", float(vlo))
                t = F.pad_nd(t, [(0, hi) if i == ax else (0, 0) for i in range(t.ndim)], "constant", float(vhi))
        return t
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise ValueError(f"mindlite.numpy.pad: mode {mode!r} is not supported; use 'constant', 'edge', 'reflect', "
                         f"'symmetric', 'wrap' or 'empty'")
    if reflect_type != "even":
        raise ValueError("mindlite.numpy.pad: only reflect_type='even' is supported")
    for ax, (lo, hi) in enumerate(widths):
        if lo or hi:  # route every output position to its source index along this axis
            src = onp.pad(onp.arange(t.shape[ax]), (lo, hi), mode=mode)
            t = F.gather(t, Tensor(src.astype(onp.int64)), ax)
    return t


# ---- indexing helpers -----------------------------------------------------------------------------------
def take(a: Any, indices: Any, axis: Any = None, mode: str = "clip") -> Tensor:
    """Elements of `a` at `indices` along `axis` (of the flattened array when axis is None);
    out-of-range indices are clipped ('clip') or wrapped ('wrap'); 'raise' checks them."""
    t = to_tensor(a)
    if axis is None:
        t, axis = F.reshape(t, (-1,)), 0
    axis = one_axis(axis, t.ndim, "take")
    idx = to_tensor(indices)
    if idx.dtype.kind not in ("int", "uint"):
        raise TypeError(f"mindlite.numpy.take: indices must be integers, got {idx.dtype}")
    n = t.shape[axis]
    if mode == "clip":
        idx = F.clamp(idx, 0, n - 1)
    elif mode == "wrap":
        idx = F.mod(idx, n)
    elif mode != "raise":
        raise ValueError(f"mindlite.numpy.take: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
    return F.gather(t, idx, axis)


def take_along_axis(arr: Any, indices: Any, axis: Any) -> Tensor:
    t, idx = to_tensor(arr), to_tensor(indices)
    if axis is None:
        t, axis = F.reshape(t, (-1,)), 0
    axis = one_axis(axis, t.ndim, "take_along_axis")
    if idx.ndim != t.ndim:
        raise ValueError(f"mindlite.numpy.take_along_axis: indices {list(idx.shape)} and arr {list(t.shape)} must "
                         f"have the same number of dimensions")
    shape = tuple(i if k == axis else builtins.max(i, d) for k, (i, d) in enumerate(zip(idx.shape, t.shape)))
    t = F.broadcast_to(t, tuple(d if k == axis else s for k, (d, s) in enumerate(zip(t.shape, shape))))
    idx = F.broadcast_to(idx, shape)
    return F.take_along_axis(t, F.cast(idx, mstype.int64), axis)


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """Elements of x where condition holds, else of y; with one argument, the indices of the
    True elements (data-dependent: PYNATIVE mode only)."""
    c = to_tensor(condition)
    if x is None and y is None:
        return nonzero(c)
    if x is None or y is None:
        raise ValueError("mindlite.numpy.where: give both x and y, or neither")
    if c.dtype != mstype.bool_:
        c = F.not_equal(c, 0)
    return F.where(c, operand(x), operand(y))


def nonzero(a: Any) -> tuple:
    """Indices of the non-zero elements, one int32 tensor per axis (PYNATIVE mode only: the
    result's size depends on the data)."""
    t = to_tensor(a)
    idx = F.nonzero(t)     # (count, ndim) int64
    return tuple(F.cast(idx[:, k], mstype.int32) for k in range(idx.shape[1]))


def flatnonzero(a: Any) -> Tensor:
    return nonzero(ravel(a))[0]


def unravel_index(indices: Any, shape: Any, order: str = "C") -> tuple:
    """Coordinates (a tuple of arrays) of flat `indices` in an array of `shape`."""
    if order not in ("C", "F"):
        raise ValueError(f"mindlite.numpy.unravel_index: order must be 'C' or 'F', got {order!r}")
    dims = shape_tuple(shape, "unravel_index")
    idx = to_tensor(indices)
    total = int(onp.prod(dims))
    if isinstance(indices, (int, list, tuple, onp.ndarray)):
        raw = onp.asarray(indices)
        if (raw < 0).any() or (raw >= total).any():
            raise ValueError(f"mindlite.numpy.unravel_index: index out of bounds for shape {list(dims)}")
    out = []
    rest = idx
    seq = list(reversed(dims)) if order == "C" else list(dims)
    for d in seq:
        out.append(F.mod(rest, d))
        rest = F.floor_div(rest, d)
    return tuple(reversed(out)) if order == "C" else tuple(out)


def ravel_multi_index(multi_index: Any, dims: Any, mode: str = "raise", order: str = "C") -> Tensor:
    dims = shape_tuple(dims, "ravel_multi_index")
    idxs = [to_tensor(m) for m in multi_index]
    strides = onp.cumprod((1,) + dims[::-1][:-1])[::-1] if order == "C" else onp.cumprod((1,) + dims[:-1])
    out = None
    for i, s, d in zip(idxs, strides, dims):
        if mode == "clip":
            i = F.clamp(i, 0, d - 1)
        elif mode == "wrap":
            i = F.mod(i, d)
        term = i * int(s)
        out = term if out is None else out + term
    return out


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0) -> Tensor:
    """The first choice whose condition holds, element by element; `default` where none does."""
    if len(condlist) != len(choicelist):
        raise ValueError("mindlite.numpy.select: condlist and choicelist must have the same length")
    out = operand(default)
    for c, v in reversed(list(zip(condlist, choicelist))):
        out = F.where(to_tensor(c), operand(v), out)
    return out if isinstance(out, Tensor) else to_tensor(out)


def sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None) -> Tensor:
    t = to_tensor(a)
    if axis is None:
        t, axis = F.reshape(t, (-1,)), 0
    return F.sort(t, one_axis(axis, t.ndim, "sort"))[0]


def argsort(a: Any, axis: int = -1, kind: Any = None, order: Any = None) -> Tensor:
    t = to_tensor(a)
    if axis is None:
        t, axis = F.reshape(t, (-1,)), 0
    return F.cast(F.argsort(t, one_axis(axis, t.ndim, "argsort")), mstype.int32)


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Tensor:
    """Insertion points of `v` into the sorted 1-D `a` keeping it sorted."""
    s = to_tensor(a)
    if s.ndim != 1:
        raise ValueError(f"mindlite.numpy.searchsorted: a must be 1-d, got {list(s.shape)}")
    if sorter is not None:
        s = F.gather(s, to_tensor(sorter), 0)
    vals = to_tensor(v)
    cmp = F.less if side == "left" else F.less_equal if side == "right" else None
    if cmp is None:
        raise ValueError(f"mindlite.numpy.searchsorted: side must be 'left' or 'right', got {side!r}")
    hits = cmp(s, F.expand_dims(vals, -1))  # (..., n): a[i] < v (or <=)
    return F.cast(F.sum(F.cast(hits, mstype.int32), -1), mstype.int32)


def unique(x: Any, return_inverse: bool = False) -> Any:
    """Sorted unique elements, and with return_inverse the int32 index of each element of the
    flattened input in them (PYNATIVE mode only: the result's size depends on the data)."""
    values, inverse = F.unique(F.reshape(to_tensor(x), (-1,)))
    return (values, inverse) if return_inverse else values


def size(a: Any, axis: Any = None) -> int:
    t = to_tensor(a)
    return t.size if axis is None else t.shape[one_axis(axis, t.ndim, "size")]


def shape(a: Any) -> tuple:
    return to_tensor(a).shape


def ndim(a: Any) -> int:
    return to_tensor(a).ndim
