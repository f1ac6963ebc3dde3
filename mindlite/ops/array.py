"""Shape and indexing primitives: reshape, transpose, broadcast, concat/split, slicing and
advanced indexing, gather/scatter, tile, pad, one_hot, argsort/take_along_axis."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.dims import Dim, assume_zero, dim_of, has_dims, is_static
from ._sizes import slice_length
from .registry import Aval, Primitive, broadcast_shapes, same_as_first
from .math import identity_p  # noqa: F401  (re-exported: the tape marks leaves with it)
from ..core.tensor import Tensor


# ---- the shape as a tensor ------------------------------------------------------------------
# read from the array when the op runs, so in a graph with run-time sizes (axes declared None)
# it gives each call's sizes
dyn_shape_p = Primitive("dyn_shape", lambda xp, x: xp.asarray(x.shape, dtype=np.int64),
                        lambda x: Aval((x.ndim,), np.dtype(np.int64)))


# ---- reshape / transpose / broadcast -------------------------------------------------------
def _resolve_shape(shape: tuple, size: int, op: str = "reshape") -> tuple:
    shape = tuple(dim_of(s) for s in shape)
    if shape.count(-1) > 1:
        raise ValueError(f"{op}: only one dimension may be -1, got {list(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:  # with run-time sizes: divisibility may be an assumption the call checks (core/dims.py)
        if known == 0 or not assume_zero(size % known):
            raise ValueError(f"{op}: cannot reshape {size} elements into {list(shape)}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif not assume_zero(known - size):
        raise ValueError(f"{op}: cannot reshape {size} elements into {list(shape)}")
    return shape


def _reshape_infer(x: Aval, shape: tuple) -> Aval:
    return Aval(_resolve_shape(shape, math.prod(x.shape)), x.dtype)


reshape_p = Primitive("reshape", lambda xp, x, shape: x.reshape(shape), _reshape_infer)
reshape_p.def_bprop(lambda x, *, out, dout, shape: (F.reshape(dout, x.shape),))


def _transpose_infer(x: Aval, perm: tuple) -> Aval:
    if sorted(perm) != list(range(x.ndim)):
        raise ValueError(f"transpose: perm {list(perm)} is not a permutation of {x.ndim} axes")
    return Aval(tuple(x.shape[p] for p in perm), x.dtype)


transpose_p = Primitive("transpose", lambda xp, x, perm: xp.transpose(x, perm), _transpose_infer)


@transpose_p.def_bprop
def _transpose_bprop(x, *, out, dout, perm):
    return (F.transpose(dout, tuple(int(i) for i in np.argsort(perm))),)


def _broadcast_to_infer(x: Aval, shape: tuple) -> Aval:
    out = broadcast_shapes("broadcast_to", x.shape, shape)
    if out != tuple(shape):
        raise ValueError(f"broadcast_to: cannot broadcast {list(x.shape)} to {list(shape)}")
    return Aval(out, x.dtype)


broadcast_to_p = Primitive("broadcast_to", lambda xp, x, shape: xp.broadcast_to(x, shape), _broadcast_to_infer)
broadcast_to_p.def_bprop(lambda x, *, out, dout, shape: (F.sum_to(dout, x.shape),))


# ---- concat / split -------------------------------------------------------------------
def _concat_infer(*xs: Aval, axis: int) -> Aval:
    ref = xs[0]
    for x in xs[1:]:
        if x.ndim != ref.ndim or any(a != b for i, (a, b) in enumerate(zip(x.shape, ref.shape)) if i != axis):
            shapes = ", ".join(str(list(v.shape)) for v in xs)
            raise ValueError(f"concat: shapes {shapes} differ outside axis {axis}")
    shape = list(ref.shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    from .registry import result_dtype
    return Aval(tuple(shape), result_dtype(*xs))


def _concat_impl(xp: Any, *xs: Any, axis: int) -> Any:
    from .registry import result_dtype
    return xp.concatenate(xs, axis=axis, dtype=result_dtype(*xs))  # MindSpore's promotion, as the rule


concat_p = Primitive("concat", _concat_impl, _concat_infer)


@concat_p.def_bprop
def _concat_bprop(*xs, out, dout, axis):
    parts = F.split(dout, [x.shape[axis] for x in xs], axis)
    return tuple(p if p.dtype == x.dtype else F.cast(p, x.dtype) for p, x in zip(parts, xs))  # promoted inputs


def _split_impl(xp: Any, x: Any, axis: int, sizes: tuple) -> tuple:
    return tuple(xp.split(x, np.cumsum(sizes)[:-1].tolist(), axis=axis))


def _split_infer(x: Aval, axis: int, sizes: tuple) -> tuple:
    if sum(sizes) != x.shape[axis]:
        raise ValueError(f"split: sizes {list(sizes)} do not add up to dimension {axis} of {list(x.shape)}")
    return tuple(Aval(x.shape[:axis] + (s,) + x.shape[axis + 1:], x.dtype) for s in sizes)


split_p = Primitive("split", _split_impl, _split_infer, multiple_results=True)
split_p.def_bprop(lambda x, *, out, dout, axis, sizes: (F.concat(dout, axis),))


# ---- indexing ----------------------------------------------------------------------------
def _index_spec(index: Any, shape: tuple) -> tuple[tuple, list]:
    """Encode a Python index as a hashable spec plus the list of array indices it uses."""
    if not isinstance(index, tuple):
        index = (index,)
    spec: list = []
    arrays: list = []
    for item in index:
        if item is None:
            spec.append(("n",))
        elif item is Ellipsis:
            spec.append(("e",))
        elif isinstance(item, slice):
            spec.append(("s", _int_or_none(item.start), _int_or_none(item.stop), _int_or_none(item.step)))
        elif isinstance(item, (bool, np.bool_)):
            raise IndexError("indexing with a Python bool is not supported; use a bool Tensor mask")
        elif isinstance(item, (int, np.integer)):
            spec.append(("i", int(item)))
        else:
            t = item if isinstance(item, Tensor) else Tensor(np.asarray(item))
            if t.dtype.kind == "bool":
                if getattr(t._data, "is_symbolic", False):
                    from ..core.graph_trace import graph_error
                    raise graph_error("indexing with a boolean mask tensor (the result's shape depends on the data)",
                                      "Use ops.where / ops.masked_fill, or PYNATIVE_MODE.")
                for part in np.nonzero(t.asnumpy()):  # a mask selects by its nonzero positions
                    spec.append(("a", len(arrays)))
                    arrays.append(Tensor(part.astype(np.int64)))
            elif t.dtype.kind in ("int", "uint"):
                spec.append(("a", len(arrays)))
                arrays.append(t)
            else:
                raise IndexError(f"tensor index must be integer or bool, got {t.dtype}")
    return tuple(spec), arrays


def _int_or_none(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, Tensor):
        return int(v)
    return dim_of(v)  # a run-time size (a Dim) stays symbolic


def _build_index(spec: tuple, arrays: tuple) -> tuple:
    out: list = []
    for s in spec:
        tag = s[0]
        if tag == "n":
            out.append(None)
        elif tag == "e":
            out.append(Ellipsis)
        elif tag == "s":
            out.append(slice(s[1], s[2], s[3]))
        elif tag == "i":
            out.append(s[1])
        else:
            out.append(arrays[s[1]])
    return tuple(out)


def _getitem_impl(xp: Any, x: Any, *arrays: Any, spec: tuple) -> Any:
    return x[_build_index(spec, arrays)]


def _getitem_infer(x: Aval, *arrays: Aval, spec: tuple) -> Aval:
    if not is_static(x.shape) or not all(is_static(a.shape) for a in arrays) or has_dims(spec):
        return Aval(_index_shape(x.shape, [a.shape for a in arrays], spec), x.dtype)
    dummy = np.broadcast_to(np.zeros((), x.dtype), x.shape)
    idx = _build_index(spec, tuple(np.zeros(a.shape, np.int64) for a in arrays))
    try:
        r = dummy[idx]
    except IndexError as e:
        raise IndexError(f"getitem: {e} (shape {list(x.shape)})") from None
    return Aval(np.shape(r), x.dtype)


def _index_shape(shape: tuple, arrays: list, spec: tuple) -> tuple:
    """The shape numpy's indexing gives, with run-time sizes (core/dims.py) in `shape` or in
    the index arrays' shapes: a slice of a run-time axis has a symbolic length where that is
    the same for every size (`x[1:]`: s - 1), and raises where it is not (`x[:10]`)."""
    consumed = sum(1 for s in spec if s[0] in ("s", "i", "a"))
    if consumed > len(shape):
        raise IndexError(f"getitem: too many indices for a {len(shape)}-d tensor (shape {list(shape)})")
    items = list(spec)
    if ("e",) in items:
        k = items.index(("e",))
        items[k:k + 1] = [("s", None, None, None)] * (len(shape) - consumed) or [("e",)]
    else:
        items += [("s", None, None, None)] * (len(shape) - consumed)
    advanced = any(s[0] == "a" for s in items)
    out: list = []
    places: list = []  # (output position, items before that are not advanced) of the advanced items:
    seps = 0           # ints count with arrays and an empty ellipsis separates them, as in numpy
    axis = 0
    for s in items:
        tag = s[0]
        if tag in ("n", "e", "s") or (tag == "i" and not advanced):
            seps += 1
        if tag == "n":
            out.append(1)
            continue
        if tag == "e":
            continue
        n = shape[axis]
        axis += 1
        if tag == "s" and len(s) > 4:  # a slice its maker knows to be in range (`slice_in_range`)
            out.append(s[2] - s[1])
        elif tag == "s":
            out.append(slice_length("getitem", s[1], s[2], s[3], n))
        elif tag == "i":
            if not isinstance(n, Dim) and not -n <= s[1] < n:
                raise IndexError(f"getitem: index {s[1]} is out of bounds for axis {axis - 1} with size {n} "
                                 f"(shape {list(shape)})")
            if advanced:
                places.append((len(out), seps))
        else:
            places.append((len(out), seps))
    if not advanced:
        return tuple(out)
    ints = [()] * sum(1 for s in items if s[0] == "i")
    bshape = broadcast_shapes("getitem", *arrays, *ints)
    contiguous = all(p[1] == places[0][1] for p in places)
    at = places[0][0] if contiguous else 0
    return tuple(out[:at]) + tuple(bshape) + tuple(out[at:])


getitem_p = Primitive("getitem", _getitem_impl, _getitem_infer)


@getitem_p.def_bprop
def _getitem_bprop(x, *arrays, out, dout, spec):
    return (getitem_grad_p(dout, *arrays, spec=spec, shape=x.shape),) + (None,) * len(arrays)


def _getitem_grad_impl(xp: Any, g: Any, *arrays: Any, spec: tuple, shape: tuple) -> Any:
    z = xp.zeros(shape, g.dtype)
    idx = _build_index(spec, arrays)
    if arrays:
        xp.add.at(z, idx, g)  # repeated indices accumulate
    else:
        z[idx] = g
    return z


getitem_grad_p = Primitive("getitem_grad", _getitem_grad_impl,
                           lambda g, *a, spec, shape: Aval(tuple(shape), g.dtype))


@getitem_grad_p.def_bprop
def _getitem_grad_bprop(g, *arrays, out, dout, spec, shape):
    return (getitem_p(dout, *arrays, spec=spec),) + (None,) * len(arrays)


def _setitem_impl(xp: Any, x: Any, value: Any, *arrays: Any, spec: tuple) -> Any:
    out = x.copy()
    out[_build_index(spec, arrays)] = value
    return out


setitem_p = Primitive("setitem", _setitem_impl, lambda x, v, *a, spec: x)


@setitem_p.def_bprop
def _setitem_bprop(x, value, *arrays, out, dout, spec):
    dx = setitem_p(dout, 0, *arrays, spec=spec)
    dv = None
    if isinstance(value, Tensor):
        dv = F.sum_to(getitem_p(dout, *arrays, spec=spec), value.shape)
    return (dx, dv) + (None,) * len(arrays)


def tensor_getitem(x: Tensor, index: Any) -> Tensor:
    spec, arrays = _index_spec(index, x.shape)
    return getitem_p(x, *arrays, spec=spec)


def slice_in_range(x: Tensor, axis: int, start: Any, stop: Any) -> Tensor:
    """x[start:stop] along `axis`, for a caller that knows 0 <= start <= stop <= that size: with
    run-time sizes the length is stop - start even where the sizes cannot prove it."""
    spec = (("s", None, None, None),) * axis + (("s", start, stop, None, "in range"),)
    return getitem_p(x, spec=spec)


def tensor_setitem(x: Tensor, index: Any, value: Any) -> Tensor:
    spec, arrays = _index_spec(index, x.shape)
    if isinstance(value, (list, tuple, np.ndarray)):
        value = Tensor(np.asarray(value), dtype=x.dtype)
    elif isinstance(value, Tensor) and value.dtype != x.dtype:
        value = F.cast(value, x.dtype)
    return setitem_p(x, value, *arrays, spec=spec)


# ---- gather / scatter ---------------------------------------------------------------------
def _gather_infer(x: Aval, idx: Aval, axis: int) -> Aval:
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: indices must be an integer tensor, got {idx.dtype}")
    return Aval(x.shape[:axis] + idx.shape + x.shape[axis + 1:], x.dtype)


gather_p = Primitive("gather", lambda xp, x, idx, axis: xp.take(x, idx, axis=axis), _gather_infer)


@gather_p.def_bprop
def _gather_bprop(x, idx, *, out, dout, axis):
    return gather_grad_p(dout, idx, axis=axis, shape=x.shape), None


def segment_sum(xp: Any, data: Any, ids: Any, n: int) -> Any:
    """out[k] = sum of data[i] with ids[i] == k, for k < n (data is 2-D, ids 1-D)."""
    out = xp.zeros((n,) + data.shape[1:], data.dtype)
    if ids.size == 0:
        return out
    if xp is np:  # sort + reduceat: far faster than np.add.at on numpy
        order = np.argsort(ids, kind="stable")
        sids = ids[order]
        starts = np.flatnonzero(np.r_[True, sids[1:] != sids[:-1]])
        out[sids[starts]] = np.add.reduceat(data[order], starts, axis=0)
    else:
        xp.add.at(out, ids, data)
    return out


def _gather_grad_impl(xp: Any, g: Any, idx: Any, axis: int, shape: tuple) -> Any:
    n = shape[axis]
    pre, post = shape[:axis], shape[axis + 1:]
    gm = xp.moveaxis(g.reshape(pre + (idx.size,) + post), len(pre), 0)
    flat = gm.reshape(idx.size, -1)
    ids = xp.where(idx.reshape(-1) < 0, idx.reshape(-1) + n, idx.reshape(-1))
    res = segment_sum(xp, flat, ids, n).reshape((n,) + pre + post)
    return xp.ascontiguousarray(xp.moveaxis(res, 0, len(pre)))


gather_grad_p = Primitive("gather_grad", _gather_grad_impl,
                          lambda g, idx, axis, shape: Aval(tuple(shape), g.dtype))


@gather_grad_p.def_bprop
def _gather_grad_bprop(g, idx, *, out, dout, axis, shape):
    return gather_p(dout, idx, axis=axis), None


def _nd_index(indices: Any) -> tuple:
    return tuple(indices[..., i] for i in range(indices.shape[-1]))


def _gather_nd_infer(x: Aval, idx: Aval) -> Aval:
    k = idx.shape[-1]
    if k > x.ndim:
        raise ValueError(f"gather_nd: indices last dimension {k} exceeds input rank {x.ndim}")
    return Aval(idx.shape[:-1] + x.shape[k:], x.dtype)


gather_nd_p = Primitive("gather_nd", lambda xp, x, idx: x[_nd_index(idx)], _gather_nd_infer)


@gather_nd_p.def_bprop
def _gather_nd_bprop(x, idx, *, out, dout):
    return tensor_scatter_add_p(F.zeros_like(x), idx, dout), None


def _scatter_impl(mode: str) -> Any:
    def impl(xp: Any, x: Any, idx: Any, updates: Any) -> Any:
        out = x.copy()
        if mode == "add":
            xp.add.at(out, _nd_index(idx), updates)
        else:
            out[_nd_index(idx)] = updates
        return out
    return impl


def _scatter_infer(x: Aval, idx: Aval, updates: Aval) -> Aval:
    expect = idx.shape[:-1] + x.shape[idx.shape[-1]:]
    if tuple(updates.shape) != expect:
        raise ValueError(f"tensor_scatter: updates shape {list(updates.shape)} should be {list(expect)} "
                         f"for input {list(x.shape)} and indices {list(idx.shape)}")
    return x


tensor_scatter_add_p = Primitive("tensor_scatter_add", _scatter_impl("add"), _scatter_infer)
tensor_scatter_update_p = Primitive("tensor_scatter_update", _scatter_impl("update"), _scatter_infer)


def _updates_grad(dout: Any, idx: Any, updates: Any) -> Any:
    """dout read at the scattered positions, in the dtype of `updates` (the forward casts them
    to x's dtype)."""
    g = gather_nd_p(dout, idx)
    return g if g.dtype == updates.dtype else F.cast(g, updates.dtype)


@tensor_scatter_add_p.def_bprop
def _scatter_add_bprop(x, idx, updates, *, out, dout):
    return dout, None, _updates_grad(dout, idx, updates)


@tensor_scatter_update_p.def_bprop
def _scatter_update_bprop(x, idx, updates, *, out, dout):
    return tensor_scatter_update_p(dout, idx, F.zeros_like(updates)), None, _updates_grad(dout, idx, updates)


def _take_along_infer(x: Aval, idx: Aval, axis: int) -> Aval:
    return Aval(idx.shape, x.dtype)


take_along_axis_p = Primitive("take_along_axis", lambda xp, x, idx, axis: xp.take_along_axis(x, idx, axis=axis),
                              _take_along_infer)


@take_along_axis_p.def_bprop
def _take_along_bprop(x, idx, *, out, dout, axis):
    return take_along_axis_grad_p(dout, idx, axis=axis, shape=x.shape), None


def _take_along_grad_impl(xp: Any, g: Any, idx: Any, axis: int, shape: tuple) -> Any:
    z = xp.zeros(shape, g.dtype)
    # open index grids (like numpy's indices(sparse=True), which cupy lacks)
    grids = [xp.arange(n).reshape((1,) * i + (n,) + (1,) * (idx.ndim - i - 1)) for i, n in enumerate(idx.shape)]
    grids[axis] = idx
    xp.add.at(z, tuple(grids), g)
    return z


take_along_axis_grad_p = Primitive("take_along_axis_grad", _take_along_grad_impl,
                                   lambda g, idx, axis, shape: Aval(tuple(shape), g.dtype))
take_along_axis_grad_p.def_bprop(
    lambda g, idx, *, out, dout, axis, shape: (take_along_axis_p(dout, idx, axis=axis), None))


def _argsort_impl(xp: Any, x: Any, axis: int, descending: bool) -> Any:
    key = -x if descending and x.dtype.kind != "b" else x
    idx = xp.argsort(key, axis=axis, kind="stable")
    return idx.astype(np.int64)


argsort_p = Primitive("argsort", _argsort_impl, lambda x, axis, descending: Aval(x.shape, np.dtype(np.int64)))


# ---- tile / pad / one_hot / flip -----------------------------------------------------------------
def _tile_infer(x: Aval, reps: tuple) -> Aval:
    n = max(x.ndim, len(reps))
    shape = (1,) * (n - x.ndim) + tuple(x.shape)
    reps = (1,) * (n - len(reps)) + tuple(reps)
    return Aval(tuple(s * r for s, r in zip(shape, reps)), x.dtype)


tile_p = Primitive("tile", lambda xp, x, reps: xp.tile(x, reps), _tile_infer)


@tile_p.def_bprop
def _tile_bprop(x, *, out, dout, reps):
    n = max(x.ndim, len(reps))
    shape = (1,) * (n - x.ndim) + tuple(x.shape)
    reps = (1,) * (n - len(reps)) + tuple(reps)
    split = tuple(v for r, s in zip(reps, shape) for v in (r, s))
    g = F.sum(F.reshape(dout, split), tuple(range(0, 2 * n, 2)))
    return (F.reshape(g, x.shape),)


def _pad_infer(x: Aval, paddings: tuple, mode: str, value: Any) -> Aval:
    if len(paddings) != x.ndim:
        raise ValueError(f"pad: {len(paddings)} (before, after) pairs for a {x.ndim}-d input")
    if mode not in ("constant", "reflect", "edge"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect' or 'replicate', got {mode!r}")
    return Aval(tuple(d + a + b for d, (a, b) in zip(x.shape, paddings)), x.dtype)


def _pad_impl(xp: Any, x: Any, paddings: tuple, mode: str, value: Any) -> Any:
    if mode == "constant":
        if all(a >= 0 and b >= 0 for a, b in paddings):
            return xp.pad(x, paddings, mode="constant", constant_values=value)
        # negative padding crops, as MindSpore allows
        crop = tuple(slice(-a if a < 0 else None, b if b < 0 else None) for a, b in paddings)
        return _pad_impl(xp, x[crop], tuple((max(a, 0), max(b, 0)) for a, b in paddings), mode, value)
    return xp.pad(x, paddings, mode=mode)


pad_p = Primitive("pad", _pad_impl, _pad_infer)


@pad_p.def_bprop
def _pad_bprop(x, *, out, dout, paddings, mode, value):
    if mode == "constant":
        return (pad_p(dout, paddings=tuple((-a, -b) for a, b in paddings), mode="constant", value=0),)
    # reflect/edge: route each output element back to its source through padded index maps
    g = dout
    for axis, (a, b) in enumerate(paddings):
        if a == 0 and b == 0:
            continue
        src = np.pad(np.arange(x.shape[axis]), (a, b), mode=mode)
        g = gather_grad_p(g, Tensor(src.astype(np.int64)), axis=axis, shape=g.shape[:axis] + (x.shape[axis],)
                          + g.shape[axis + 1:])
    return (g,)


def _one_hot_impl(xp: Any, idx: Any, depth: int, on_value: Any, off_value: Any, axis: int) -> Any:
    eq = xp.expand_dims(idx, -1) == xp.arange(depth)
    on = xp.asarray(on_value)
    out = xp.where(eq, on, xp.asarray(off_value, dtype=on.dtype))
    return xp.moveaxis(out, -1, axis) if axis not in (-1, idx.ndim) else out


def _one_hot_infer(idx: Aval, depth: int, on_value: Any, off_value: Any, axis: int) -> Aval:
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got {idx.dtype}")
    shape = list(idx.shape)
    shape.insert(axis if axis >= 0 else len(shape) + 1 + axis, depth)
    return Aval(tuple(shape), np.asarray(on_value).dtype)


one_hot_p = Primitive("one_hot", _one_hot_impl, _one_hot_infer)

flip_p = Primitive("flip", lambda xp, x, axis: xp.flip(x, axis), same_as_first)
flip_p.def_bprop(lambda x, *, out, dout, axis: (flip_p(dout, axis=axis),))


from . import functional as F  # noqa: E402
