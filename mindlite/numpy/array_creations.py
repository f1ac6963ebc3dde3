"""mindlite.numpy array creation: array/asarray, zeros/ones/full/empty (and *_like), arange,
linspace/logspace/geomspace, eye/identity/tri/tril/triu/diag, meshgrid/indices, random arrays."""
from __future__ import annotations

from typing import Any

import numpy as onp

from ..core import dtype as mstype
from ..core.tensor import Tensor
from ..ops import functional as F
from ._utils import DEFAULT_FLOAT, DEFAULT_INT, maybe_cast, one_axis, shape_tuple, to_tensor


def array(obj: Any, dtype: Any = None, copy: bool = True, ndmin: int = 0) -> Tensor:
    """A Tensor from `obj`; Python ints give int32 and floats float32 unless `dtype` says otherwise."""
    t = to_tensor(obj, dtype)
    if copy and isinstance(obj, Tensor) and t is obj:
        t = F.identity_copy(t)
    if ndmin > t.ndim:
        t = F.reshape(t, (1,) * (ndmin - t.ndim) + t.shape)
    return t


def asarray(a: Any, dtype: Any = None) -> Tensor:
    return to_tensor(a, dtype)


def asfarray(a: Any, dtype: Any = mstype.float32) -> Tensor:
    t = mstype.to_type(dtype)
    if not t.is_floating_point:
        t = DEFAULT_FLOAT
    return to_tensor(a, t)


def copy(a: Any) -> Tensor:  # noqa: A001 - numpy name
    return F.identity_copy(to_tensor(a))


def _dtype(dtype: Any, default: Any = DEFAULT_FLOAT) -> Any:
    return default if dtype is None else mstype.to_type(dtype)


def zeros(shape: Any, dtype: Any = mstype.float32) -> Tensor:
    return F.fill(_dtype(dtype), shape_tuple(shape, "zeros"), 0)


def ones(shape: Any, dtype: Any = mstype.float32) -> Tensor:
    return F.fill(_dtype(dtype), shape_tuple(shape, "ones"), 1)


def empty(shape: Any, dtype: Any = mstype.float32) -> Tensor:
    """Uninitialised in numpy; zeros here (a defined value is never worse)."""
    return zeros(shape, dtype)


def full(shape: Any, fill_value: Any, dtype: Any = None) -> Tensor:
    if isinstance(fill_value, Tensor) or isinstance(fill_value, (list, tuple, onp.ndarray)):
        v = to_tensor(fill_value)
        out = F.broadcast_to(v, shape_tuple(shape, "full"))
        return maybe_cast(out, dtype)
    if dtype is None:
        dtype = mstype.bool_ if isinstance(fill_value, bool) else DEFAULT_INT if isinstance(fill_value, int) \
            else DEFAULT_FLOAT
    return F.fill(mstype.to_type(dtype), shape_tuple(shape, "full"), fill_value)


def _like(a: Any, dtype: Any, shape: Any) -> tuple:
    t = to_tensor(a)
    return (t.dtype if dtype is None else mstype.to_type(dtype)), (t.shape if shape is None else shape_tuple(shape, "like"))


def zeros_like(a: Any, dtype: Any = None, shape: Any = None) -> Tensor:
    dt, sh = _like(a, dtype, shape)
    return F.fill(dt, sh, 0)


def ones_like(a: Any, dtype: Any = None, shape: Any = None) -> Tensor:
    dt, sh = _like(a, dtype, shape)
    return F.fill(dt, sh, 1)


def empty_like(prototype: Any, dtype: Any = None, shape: Any = None) -> Tensor:
    return zeros_like(prototype, dtype, shape)


def full_like(a: Any, fill_value: Any, dtype: Any = None, shape: Any = None) -> Tensor:
    dt, sh = _like(a, dtype, shape)
    if isinstance(fill_value, Tensor):
        return F.cast(F.broadcast_to(fill_value, sh), dt)
    return F.fill(dt, sh, fill_value)


def _num(v: Any) -> Any:
    return v.asnumpy().item() if isinstance(v, Tensor) else v


def arange(start: Any, stop: Any = None, step: Any = None, dtype: Any = None) -> Tensor:
    """Evenly spaced values in [start, stop); int32 for int arguments, float32 otherwise."""
    start, stop, step = _num(start), _num(stop), _num(step)
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if step == 0:
        raise ValueError("mindlite.numpy.arange: step must not be 0")
    if dtype is None:
        dtype = DEFAULT_INT if all(isinstance(v, (int, onp.integer)) for v in (start, stop, step)) else DEFAULT_FLOAT
    return F.arange(start, stop, step, dtype=mstype.to_type(dtype))


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False, dtype: Any = None,
             axis: int = 0) -> Any:
    """`num` evenly spaced samples over [start, stop] (or [start, stop) without endpoint);
    start/stop may be arrays, the samples then run along `axis`."""
    if not isinstance(num, (int, onp.integer)) or num < 0:
        raise ValueError(f"mindlite.numpy.linspace: num must be a non-negative int, got {num!r}")
    div = (num - 1) if endpoint else num
    if isinstance(start, (int, float)) and isinstance(stop, (int, float)):
        step = (stop - start) / div if div > 0 else float("nan")
        vals = onp.linspace(float(start), float(stop), int(num), endpoint=endpoint)
        out = Tensor(vals.astype(onp.float32 if dtype is None else mstype.to_type(dtype).np))
        return (out, step) if retstep else out
    s, e = to_tensor(start), to_tensor(stop)
    if not s.dtype.is_floating_point:
        s = F.cast(s, DEFAULT_FLOAT)
    e = F.cast(e, s.dtype)
    delta = e - s
    frac = Tensor(onp.arange(num, dtype=s.dtype.np) / (div if div > 0 else 1))
    shape = (num,) + (1,) * max(s.ndim, e.ndim)
    out = F.expand_dims(s, 0) + F.reshape(frac, shape) * F.expand_dims(delta, 0)
    if endpoint and num > 1:
        out = F.concat([out[:-1], F.expand_dims(F.broadcast_to(e, out.shape[1:]), 0)], 0)
    out = F.transpose(out, _move_first_to(out.ndim, one_axis(axis, out.ndim, "linspace")))
    out = maybe_cast(out, dtype)
    return (out, delta / div if div > 0 else delta * float("nan")) if retstep else out


def _move_first_to(ndim: int, axis: int) -> tuple:
    perm = list(range(1, ndim))
    perm.insert(axis, 0)
    return tuple(perm)


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: float = 10.0, dtype: Any = None,
             axis: int = 0) -> Tensor:
    y = linspace(start, stop, num, endpoint, dtype=None, axis=axis)
    return maybe_cast(F.pow(base, y), dtype)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: int = 0) -> Tensor:
    s, e = to_tensor(start), to_tensor(stop)
    if bool(F.any(F.equal(s, 0)).asnumpy()) or bool(F.any(F.equal(e, 0)).asnumpy()):
        raise ValueError("mindlite.numpy.geomspace: geometric sequence cannot include zero")
    sign = F.sign(F.cast(s, DEFAULT_FLOAT))
    out = logspace(F.log10(F.abs(F.cast(s, DEFAULT_FLOAT))), F.log10(F.abs(F.cast(e, DEFAULT_FLOAT))), num,
                   endpoint, 10.0, None, axis)
    return maybe_cast(out * sign, dtype)


def eye(N: int, M: Any = None, k: int = 0, dtype: Any = mstype.float32) -> Tensor:  # noqa: N803 - numpy names
    m = N if M is None else M
    return Tensor(onp.eye(int(N), int(m), int(k), dtype=_dtype(dtype).np))


def identity(n: int, dtype: Any = mstype.float32) -> Tensor:
    return eye(n, n, 0, dtype)


def tri(N: int, M: Any = None, k: int = 0, dtype: Any = mstype.float32) -> Tensor:  # noqa: N803
    m = N if M is None else M
    return Tensor(onp.tri(int(N), int(m), int(k), dtype=_dtype(dtype).np))


def _band(m: Any, k: int, lower: bool) -> Tensor:
    t = to_tensor(m)
    if t.ndim < 2:
        t = F.broadcast_to(t, (t.shape[-1] if t.ndim else 1,) * 2)
    rows, cols = t.shape[-2:]
    mask = onp.tri(rows, cols, k, dtype=bool) if lower else ~onp.tri(rows, cols, k - 1, dtype=bool)
    return F.where(Tensor(mask), t, F.zeros_like(t))


def tril(m: Any, k: int = 0) -> Tensor:
    """Lower triangle of the last two axes (elements above the k-th diagonal zeroed)."""
    return _band(m, k, True)


def triu(m: Any, k: int = 0) -> Tensor:
    """Upper triangle of the last two axes (elements below the k-th diagonal zeroed)."""
    return _band(m, k, False)


def diag(v: Any, k: int = 0) -> Tensor:
    """The k-th diagonal of a 2-D array, or a 2-D array with a 1-D `v` on its k-th diagonal."""
    t = to_tensor(v)
    if t.ndim == 1:
        n = t.shape[0] + abs(k)
        rows = onp.arange(t.shape[0]) + max(-k, 0)
        cols = onp.arange(t.shape[0]) + max(k, 0)
        idx = Tensor(onp.stack([rows, cols], -1).astype(onp.int64))
        return F.tensor_scatter_update(F.zeros((n, n), t.dtype), idx, t)
    if t.ndim == 2:
        return diagonal(t, k)
    raise ValueError(f"mindlite.numpy.diag: input must be 1-d or 2-d, got shape {list(t.shape)}")


def diagflat(v: Any, k: int = 0) -> Tensor:
    return diag(F.reshape(to_tensor(v), (-1,)), k)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """Diagonal entries over (axis1, axis2), appended as the last axis."""
    t = to_tensor(a)
    if t.ndim < 2:
        raise ValueError(f"mindlite.numpy.diagonal: needs at least 2 dimensions, got {list(t.shape)}")
    a1, a2 = one_axis(axis1, t.ndim, "diagonal"), one_axis(axis2, t.ndim, "diagonal")
    if a1 == a2:
        raise ValueError("mindlite.numpy.diagonal: axis1 and axis2 must differ")
    rest = [i for i in range(t.ndim) if i not in (a1, a2)]
    t = F.transpose(t, tuple(rest) + (a1, a2))
    n1, n2 = t.shape[-2:]
    rows = onp.arange(max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))) - min(offset, 0)
    cols = rows + offset
    flat = F.reshape(t, t.shape[:-2] + (n1 * n2,))
    return F.gather(flat, Tensor((rows * n2 + cols).astype(onp.int64)), flat.ndim - 1)


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype: Any = None) -> Tensor:
    return maybe_cast(F.sum(diagonal(a, offset, axis1, axis2), -1), dtype)


def meshgrid(*xi: Any, sparse: bool = False, indexing: str = "xy") -> tuple:
    """Coordinate matrices from 1-D coordinate vectors ('xy' Cartesian or 'ij' matrix indexing)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"mindlite.numpy.meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    ts = [F.reshape(to_tensor(x), (-1,)) for x in xi]
    n = len(ts)
    shape = [t.shape[0] for t in ts]
    if indexing == "xy" and n >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(ts):
        pos = (1 if i == 0 else 0 if i == 1 else i) if indexing == "xy" and n >= 2 else i
        view = [1] * n
        view[pos] = t.shape[0]
        r = F.reshape(t, tuple(view))
        out.append(r if sparse else F.broadcast_to(r, tuple(shape)))
    return tuple(out)


def indices(dimensions: Any, dtype: Any = mstype.int32, sparse: bool = False) -> Any:
    dims = shape_tuple(dimensions, "indices")
    grids = meshgrid(*[onp.arange(d) for d in dims], sparse=sparse, indexing="ij")
    grids = tuple(F.cast(g, mstype.to_type(dtype)) for g in grids)
    return grids if sparse else F.stack(list(grids), 0)


def tril_indices(n: int, k: int = 0, m: Any = None) -> tuple:
    r, c = onp.tril_indices(n, k, m)
    return Tensor(r.astype(onp.int32)), Tensor(c.astype(onp.int32))


def triu_indices(n: int, k: int = 0, m: Any = None) -> tuple:
    r, c = onp.triu_indices(n, k, m)
    return Tensor(r.astype(onp.int32)), Tensor(c.astype(onp.int32))


def diag_indices(n: int, ndim: int = 2) -> tuple:
    idx = Tensor(onp.arange(n, dtype=onp.int32))
    return (idx,) * ndim


# ---- random arrays (mindlite's seeded RNG: repeat under ms.set_seed) -----------------------------
def _shape_args(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return shape_tuple(shape, "random")


def rand(*shape: Any, dtype: Any = mstype.float32) -> Tensor:
    """Uniform samples over [0, 1) of the given shape."""
    return F.uniform(_shape_args(shape), 0.0, 1.0, dtype=_dtype(dtype))


def randn(*shape: Any, dtype: Any = mstype.float32) -> Tensor:
    """Standard-normal samples of the given shape."""
    return F.standard_normal(_shape_args(shape), dtype=_dtype(dtype))


def randint(minval: int, maxval: Any = None, shape: Any = None, dtype: Any = mstype.int32) -> Tensor:
    """Integers drawn uniformly from [minval, maxval) (from [0, minval) when maxval is None)."""
    if maxval is None:
        minval, maxval = 0, minval
    if minval >= maxval:
        raise ValueError(f"mindlite.numpy.randint: minval {minval} must be less than maxval {maxval}")
    size = () if shape is None else shape_tuple(shape, "randint")
    return F.randint(int(minval), int(maxval), size, dtype=_dtype(dtype, DEFAULT_INT))

