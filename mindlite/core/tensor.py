"""Tensor and Parameter.

A Tensor wraps one backend array (`_data`, numpy or cupy) plus its tape position
(`_node`, `_idx`) while a gradient is recorded. Arrays are never mutated in place: an
in-place-looking method (`__setitem__`, `fill_`, `set_data`) rebinds `_data` to a new
array, so a backward pass never sees changed inputs and views never alias user data.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from . import dtype as mstype
from .dims import Dim


_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1


def _default_dtype(data: Any) -> Any:
    """MindSpore's inference: Python floats -> float32, ints -> int64, bools -> bool_.

    Raises TypeError/ValueError for Python data that has no faithful tensor (None, strings,
    ragged lists, ints outside Int64) instead of letting numpy pick object, uint64 or float."""
    if isinstance(data, (np.ndarray, np.generic)):
        return None  # numpy data keeps its dtype
    if isinstance(data, int) and not isinstance(data, bool) and not _INT64_MIN <= data <= _INT64_MAX:
        raise _int_range_error(data, ())
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError):
        raise _explain_unconvertible(data) or TypeError(
            f"Tensor: cannot convert {type(data).__name__} to a tensor") from None
    if arr.dtype.kind in "OUSV" or (arr.dtype.kind in "ufc" and isinstance(data, (list, tuple))
                                    and _may_hold_big_int(arr)):
        err = _explain_unconvertible(data)
        if err is not None:
            raise err
    if arr.dtype == np.float64:
        return np.float32
    if arr.dtype.kind == "c":
        return np.complex64
    return None


def _check_elements(data: Any) -> None:
    """With an explicit dtype: refuse what numpy would convert without a word (None -> NaN
    under a float dtype, numeric strings); ints of any size are the dtype's business."""
    try:
        kind = np.asarray(data).dtype.kind
    except (ValueError, TypeError):
        kind = "O"
    err = _explain_unconvertible(data, big_ints_ok=True) if kind in "OUSV" else None
    if err is not None:
        raise err


def _may_hold_big_int(arr: np.ndarray) -> bool:
    # numpy turns Python ints beyond int64 into uint64 or float64 without a word; such a value
    # is at least 2**63 in magnitude, which a cheap vectorised check finds first
    with np.errstate(invalid="ignore"):
        return arr.size > 0 and bool(np.abs(arr).max() >= 2.0 ** 63)


def _int_range_error(value: int, where: tuple) -> ValueError:
    at = f" at index {list(where)}" if where else ""
    return ValueError(f"Tensor: the int {value}{at} is outside Int64's range [{_INT64_MIN}, {_INT64_MAX}] (Python "
                      "ints become Int64, as in MindSpore); pass dtype=mindlite.uint64 for values up to 2**64 - 1 "
                      "or a float dtype")


def _explain_unconvertible(data: Any, where: tuple = (), big_ints_ok: bool = False) -> Exception | None:
    """The first element of nested Python data that cannot become a number, as an error
    naming its index; None if nothing is wrong element-wise."""
    if isinstance(data, (list, tuple)):
        lengths = {len(v) if isinstance(v, (list, tuple, np.ndarray)) else None for v in data}
        if len(lengths) > 1:
            shapes = [len(v) if isinstance(v, (list, tuple, np.ndarray)) else "a scalar" for v in data][:6]
            at = f" at index {list(where)}" if where else ""
            return ValueError(f"Tensor: input_data is ragged{at}: its elements have lengths {shapes}; every "
                              "nested sequence at one depth must have the same length")
        for i, v in enumerate(data):
            err = _explain_unconvertible(v, where + (i,), big_ints_ok)
            if err is not None:
                return err
        return None
    if isinstance(data, bool) or isinstance(data, (float, complex, np.number, np.bool_, np.ndarray)):
        return None
    if isinstance(data, int):
        return None if big_ints_ok or _INT64_MIN <= data <= _INT64_MAX else _int_range_error(data, where)
    at = f" at index {list(where)}" if where else ""
    what = "None" if data is None else f"a {type(data).__name__} ({data!r:.40})"
    return TypeError(f"Tensor: input_data holds {what}{at}; every element must be a number (bool, int, float "
                     "or complex)")


class Tensor:
    """`mindlite.Tensor(input_data=None, dtype=None, shape=None, init=None)`.

    Args:
        input_data: numpy array, Tensor, nested list/tuple, or Python/numpy scalar. Data is
            copied. Without `dtype`, Python floats give float32, ints int64, numpy arrays keep
            their dtype.
        dtype: a mindlite dtype (`mindlite.float32`), numpy dtype, or Python type.
        shape, init: lazy initialisation `Tensor(shape=(2, 3), dtype=ms.float32, init=One())`.
        internal, const_arg: accepted for MindSpore scripts; neither changes a result. `internal`
            marks tensors the framework made; `const_arg=True` asks MindSpore to compile the
            value into the graph, while mindlite passes every tensor as a graph input (same
            numbers, one compilation for all values).

    Example:
        >>> x = ms.Tensor([[1, 2], [3, 4]], ms.float32)
        >>> (x @ x + 1).asnumpy()
        array([[ 8., 11.], [16., 23.]], dtype=float32)
    """

    __slots__ = ("_data", "_node", "_idx", "__weakref__")
    __array_priority__ = 100  # numpy defers `ndarray + Tensor` to Tensor.__radd__

    def __init__(self, input_data: Any = None, dtype: Any = None, shape: Any = None, init: Any = None,
                 internal: bool = False, const_arg: bool = False) -> None:
        from .device import current_device
        self._node = None
        self._idx = 0
        t = mstype.to_type(dtype, "dtype") if dtype is not None else None
        if input_data is None:
            if init is None and shape is not None and t is not None:
                # an input declaration (Cell.set_inputs / jit(input_signature=)); None = any size
                from ..ir.graph import Var
                dims = tuple(-1 if d is None or d == -1 else int(d) for d in shape)
                self._data = Var(dims, t.np, "input")
                return
            if init is None or shape is None:
                raise ValueError("Tensor: give input_data, both shape and init, or shape and dtype (an input "
                                 "declaration)")
            from ..common.initializer import initializer
            self._data = initializer(init, shape, t or mstype.float32)._data
            return
        if isinstance(input_data, Tensor):
            data = input_data._data
            self._data = data if t is None else data.astype(t.np)
            return
        if isinstance(input_data, (str, bytes)) or (isinstance(input_data, np.ndarray) and input_data.dtype == object):
            raise TypeError(f"Tensor: input_data must be numeric, got {type(input_data).__name__}")
        if t is None:
            np_dtype = _default_dtype(input_data)
        else:
            np_dtype = t.np
            if isinstance(input_data, (list, tuple)):
                _check_elements(input_data)
        try:
            arr = current_device().asarray(input_data, dtype=np_dtype, copy=True)
        except OverflowError as e:  # e.g. Tensor(300, ms.uint8), Tensor(2**63, ms.int64)
            raise ValueError(f"Tensor: input_data does not fit {t.name if t else np.dtype(np_dtype)}: {e}") from None
        except (ValueError, TypeError) as e:
            explained = _explain_unconvertible(input_data) if isinstance(input_data, (list, tuple)) else None
            raise explained or TypeError(f"Tensor: cannot convert {type(input_data).__name__} to a tensor: {e}") \
                from None
        mstype.from_numpy_dtype(arr.dtype)  # reject unsupported dtypes early
        if shape is not None and tuple(arr.shape) != tuple(shape):
            arr = arr.reshape(shape)
        self._data = arr

    # ---- properties ------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def dtype(self) -> mstype.Type:
        return mstype.from_numpy_dtype(self._data.dtype)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        n = self._data.size
        return n if isinstance(n, Dim) else int(n)  # a run-time size while tracing (core/dims.py)

    @property
    def itemsize(self) -> int:
        return int(self._data.itemsize)

    @property
    def nbytes(self) -> int:
        n = self._data.nbytes
        return n if isinstance(n, Dim) else int(n)

    @property
    def strides(self) -> tuple:
        return self._data.strides

    @property
    def T(self) -> "Tensor":
        return F.transpose(self, tuple(range(self.ndim))[::-1])

    @property
    def data(self) -> "Tensor":
        return self

    @property
    def has_init(self) -> bool:
        return False

    # ---- conversion --------------------------------------------------------------------
    def asnumpy(self) -> np.ndarray:
        """A numpy copy of the data (always on the host)."""
        if getattr(self._data, "is_symbolic", False):
            from .graph_trace import graph_error
            raise graph_error("reading a tensor's value (asnumpy, item, bool, float, print...) while compiling",
                              "Its value exists only when the graph runs: compute with ops, return the tensor, "
                              "or use PYNATIVE_MODE for host-side code.")
        from .device import to_numpy
        return to_numpy(self._data)

    numpy = asnumpy

    @staticmethod
    def from_numpy(array: np.ndarray) -> "Tensor":
        """A Tensor sharing memory with `array` (no copy), as MindSpore's `Tensor.from_numpy`."""
        return _wrap(np.ascontiguousarray(array))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """numpy's array protocol: copy=False shares the host buffer (a ValueError when the data
        must be converted or moved from a device); None or True give a copy."""
        if copy is False:
            data = self._data
            if type(data) is not np.ndarray or (dtype is not None and np.dtype(dtype) != data.dtype):
                raise ValueError(f"Tensor.__array__(copy=False): a {self.dtype} tensor on {type(data).__module__} "
                                 f"cannot become a{'' if dtype is None else ' ' + str(np.dtype(dtype))} numpy "
                                 "array without a copy")
            return data
        a = self.asnumpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def item(self, index: Any = None) -> Any:
        if index is None and self.size != 1:
            raise ValueError(f"item(): only a one-element tensor converts to a Python scalar, got shape {self.shape}")
        a = self.asnumpy()
        return a.item() if index is None else a.item(index)

    def tolist(self) -> Any:
        return self.asnumpy().tolist()

    def astype(self, dtype: Any, copy: bool = True) -> "Tensor":
        """A new tensor of `dtype` (copy=True, MindSpore's default, even when the dtype is the
        same: rebinding it, e.g. `y[0] = 1`, must not change this one); with copy=False this
        tensor itself when it already has `dtype`."""
        if mstype.to_type(dtype, "dtype") == self.dtype:
            return F.identity_copy(self) if copy else self
        return F.cast(self, dtype)

    to = astype

    def float(self) -> "Tensor":
        return F.cast(self, mstype.float32)

    def half(self) -> "Tensor":
        return F.cast(self, mstype.float16)

    def double(self) -> "Tensor":
        return F.cast(self, mstype.float64)

    def int(self) -> "Tensor":
        return F.cast(self, mstype.int32)

    def long(self) -> "Tensor":
        return F.cast(self, mstype.int64)

    def bool(self) -> "Tensor":
        return F.cast(self, mstype.bool_)

    def copy(self) -> "Tensor":
        return F.identity_copy(self)

    clone = copy

    def init_data(self) -> "Tensor":
        return self

    def set_dtype(self, dtype: Any) -> "Tensor":
        return self._rebind(F.cast(self, dtype))

    def assign_value(self, value: Any) -> "Tensor":
        """Replace the data (shape and dtype may change, as MindSpore allows)."""
        v = value if isinstance(value, Tensor) else Tensor(value, dtype=self.dtype)
        return self._rebind(v)

    def _rebind(self, new: "Tensor") -> "Tensor":
        if STATE.trace is not None:
            _notify_mutation(self)
        self._data, self._node, self._idx = new._data, new._node, new._idx
        return self

    # ---- Python protocol -------------------------------------------------------------
    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Any:
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))

    def _scalar(self, kind: type) -> Any:
        if self.size != 1:
            raise ValueError(f"only a one-element tensor converts to {kind.__name__}, got shape {self.shape}")
        return kind(self.asnumpy().reshape(()))

    def __bool__(self) -> bool:
        return self._scalar(bool)

    def __int__(self) -> int:
        return self._scalar(int)

    def __float__(self) -> float:
        return self._scalar(float)

    def __index__(self) -> int:
        if self.dtype.kind not in ("int", "uint"):
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype}")
        return self._scalar(int)

    def __repr__(self) -> str:
        if getattr(self._data, "is_symbolic", False):
            return f"Tensor(shape={list(self.shape)}, dtype={self.dtype}, symbolic)"
        body = np.array2string(self.asnumpy(), separator=", ", prefix="  ")
        return f"Tensor(shape={list(self.shape)}, dtype={self.dtype}, value=\n{body})" if self.ndim \
            else f"Tensor(shape=[], dtype={self.dtype}, value= {body})"

    def __str__(self) -> str:
        return str(self.asnumpy())

    def __hash__(self) -> int:
        return id(self)

    def __reduce__(self) -> tuple:
        return (Tensor, (self.asnumpy(),))

    def __deepcopy__(self, memo: dict) -> "Tensor":
        return _wrap(self._data.copy())

    # ---- arithmetic (operators are bound at the end of the module) --------------------
    def __neg__(self) -> "Tensor":
        return bind(ops_math.neg_p, self)

    def __pos__(self) -> "Tensor":
        return self

    def __abs__(self) -> "Tensor":
        return bind(ops_math.abs_p, self)

    def __invert__(self) -> "Tensor":
        return F.logical_not(self) if self._data.dtype.kind == "b" else F.bitwise_not(self)

    def __getitem__(self, index: Any) -> "Tensor":
        return F.tensor_getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._rebind(F.tensor_setitem(self, index, value))

    # ---- methods mirroring functional ops ---------------------------------------------
    def reshape(self, *shape: Any) -> "Tensor":
        return F.reshape(self, _shape_args(shape))

    def view(self, *shape: Any) -> "Tensor":
        return F.reshape(self, _shape_args(shape))

    def view_as(self, other: "Tensor") -> "Tensor":
        return F.reshape(self, other.shape)

    def transpose(self, *axes: Any) -> "Tensor":
        perm = _shape_args(axes) if axes else tuple(range(self.ndim))[::-1]
        return F.transpose(self, perm)

    def permute(self, *axes: Any) -> "Tensor":
        return F.transpose(self, _shape_args(axes))

    def swapaxes(self, axis0: int, axis1: int) -> "Tensor":
        return F.swapaxes(self, axis0, axis1)

    def expand_dims(self, axis: int) -> "Tensor":
        return F.expand_dims(self, axis)

    def unsqueeze(self, dim: int) -> "Tensor":
        return F.expand_dims(self, dim)

    def squeeze(self, axis: Any = None) -> "Tensor":
        return F.squeeze(self, axis)

    def flatten(self, order: str = "C", *, start_dim: int = 0, end_dim: int = -1) -> "Tensor":
        return F.flatten(self, order=order, start_dim=start_dim, end_dim=end_dim)

    def ravel(self) -> "Tensor":
        return F.reshape(self, (-1,))

    def broadcast_to(self, shape: Any) -> "Tensor":
        return F.broadcast_to(self, shape)

    def expand_as(self, other: "Tensor") -> "Tensor":
        return F.broadcast_to(self, other.shape)

    def tile(self, reps: Any) -> "Tensor":
        return F.tile(self, reps)

    def repeat(self, repeats: Any, axis: Any = None) -> "Tensor":
        return F.repeat_elements(self, repeats, axis)

    def split(self, split_size_or_sections: Any, axis: int = 0) -> tuple:
        return F.split(self, split_size_or_sections, axis)

    def chunk(self, chunks: int, axis: int = 0) -> tuple:
        return F.chunk(self, chunks, axis)

    # Reductions take MindSpore's numpy-style names (axis, keepdims / keep_dims) and the 2.x
    # torch-style overload (dim, keepdim); giving both spellings of one argument is a TypeError.
    def sum(self, axis: Any = None, dtype: Any = None, keepdims: bool = False, initial: Any = None, *,
            dim: Any = None, keepdim: Any = None) -> "Tensor":
        if isinstance(dtype, bool):  # sum(dim, keepdim) positional form
            dtype, keepdims = None, dtype
        axis = _alias("sum", "axis", axis, "dim", dim)
        keepdims = _alias("sum", "keepdims", keepdims, "keepdim", keepdim, False)
        out = F.sum(self, axis, keepdims)
        if initial is not None:
            out = out + initial
        return out if dtype is None else F.cast(out, dtype)

    def mean(self, axis: Any = None, keep_dims: bool = False, *, dim: Any = None, keepdim: Any = None,
             keepdims: Any = None, dtype: Any = None) -> "Tensor":
        axis = _alias("mean", "axis", axis, "dim", dim)
        keep = _alias("mean", "keep_dims", keep_dims, "keepdim", keepdim, False)
        keep = _alias("mean", "keep_dims", keep, "keepdims", keepdims, False)
        x = self if dtype is None else F.cast(self, dtype)
        return F.mean(x, axis, keep)

    def max(self, axis: Any = None, keepdims: bool = False, *, initial: Any = None, where: Any = None,
            return_indices: bool = False, dim: Any = None, keepdim: Any = None) -> Any:
        """`max()` / `max(axis, keepdims, *, initial, where, return_indices)`; with `dim=` (the
        2.x overload `max(dim, keepdim=False)`) it returns `(values, int64 indices)`."""
        if dim is not None or keepdim is not None:
            return _minmax_dim(self, "max", axis, keepdims, dim, keepdim, initial, where, return_indices)
        return _minmax(self, "max", axis, keepdims, initial, where, return_indices)

    def min(self, axis: Any = None, keepdims: bool = False, *, initial: Any = None, where: Any = None,
            return_indices: bool = False, dim: Any = None, keepdim: Any = None) -> Any:
        """As `max`, for the minimum."""
        if dim is not None or keepdim is not None:
            return _minmax_dim(self, "min", axis, keepdims, dim, keepdim, initial, where, return_indices)
        return _minmax(self, "min", axis, keepdims, initial, where, return_indices)

    def argmax(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None) -> "Tensor":
        return F.argmax(self, _alias("argmax", "axis", axis, "dim", dim),
                        _alias("argmax", "keepdims", keepdims, "keepdim", keepdim, False))

    def argmin(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: Any = None) -> "Tensor":
        return F.argmin(self, _alias("argmin", "axis", axis, "dim", dim),
                        _alias("argmin", "keepdims", keepdims, "keepdim", keepdim, False))

    def prod(self, axis: Any = None, keep_dims: bool = False, dtype: Any = None, *, dim: Any = None,
             keepdim: Any = None) -> "Tensor":
        out = F.prod(self, _alias("prod", "axis", axis, "dim", dim),
                     _alias("prod", "keep_dims", keep_dims, "keepdim", keepdim, False))
        return out if dtype is None else F.cast(out, dtype)

    def var(self, axis: Any = None, ddof: int = 0, keepdims: bool = False, *, dim: Any = None,
            correction: Any = None, keepdim: Any = None) -> "Tensor":
        """`var(axis, ddof=0, keepdims)`, or the 2.x overload `var(dim, *, correction=1, keepdim)`
        (chosen by any of its keywords: note its default is the unbiased estimate)."""
        return F.var(self, *_var_args("var", axis, ddof, keepdims, dim, correction, keepdim))

    def std(self, axis: Any = None, ddof: int = 0, keepdims: bool = False, *, dim: Any = None,
            correction: Any = None, keepdim: Any = None) -> "Tensor":
        """As `var`, the square root."""
        return F.std(self, *_var_args("std", axis, ddof, keepdims, dim, correction, keepdim))

    def all(self, axis: Any = None, keep_dims: bool = False, *, dim: Any = None, keepdim: Any = None) -> "Tensor":
        return F.all(self, _alias("all", "axis", axis, "dim", dim),
                     _alias("all", "keep_dims", keep_dims, "keepdim", keepdim, False))

    def any(self, axis: Any = None, keep_dims: bool = False, *, dim: Any = None, keepdim: Any = None) -> "Tensor":
        return F.any(self, _alias("any", "axis", axis, "dim", dim),
                     _alias("any", "keep_dims", keep_dims, "keepdim", keepdim, False))

    def norm(self, ord: Any = None, dim: Any = None, keepdim: bool = False) -> "Tensor":
        return F.norm(self, ord, dim, keepdim)

    def cumsum(self, axis: Any = None, dtype: Any = None, *, dim: Any = None) -> "Tensor":
        axis = _alias("cumsum", "axis", axis, "dim", dim)
        x = self if axis is not None else F.reshape(self, (-1,))
        out = F.cumsum(x, 0 if axis is None else axis)
        return out if dtype is None else F.cast(out, dtype)

    def logsumexp(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
                  keepdim: Any = None) -> "Tensor":
        axis = _alias("logsumexp", "axis", axis, "dim", dim)
        if axis is None:
            raise TypeError("logsumexp() missing the reduction axis: give axis= (or dim=)")
        return F.logsumexp(self, axis, _alias("logsumexp", "keepdims", keepdims, "keepdim", keepdim, False))

    def fill(self, value: Any) -> "Tensor":
        """A new tensor of the same shape/dtype filled with `value` (MindSpore `Tensor.fill`)."""
        return F.fill(self.dtype, self.shape, value)

    def fill_(self, value: Any) -> "Tensor":
        return self._rebind(F.fill(self.dtype, self.shape, value))

    def zero_(self) -> "Tensor":
        return self.fill_(0)

    def masked_fill(self, mask: Any, value: Any) -> "Tensor":
        return F.masked_fill(self, mask, value)

    def clip(self, min: Any = None, max: Any = None) -> "Tensor":  # noqa: A002 - MindSpore names
        return F.clip(self, min, max)

    clamp = clip

    def matmul(self, other: Any) -> "Tensor":
        return F.matmul(self, other)

    def softmax(self, axis: int = -1) -> "Tensor":
        return F.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> "Tensor":
        return F.log_softmax(self, axis)

    def pow(self, exponent: Any) -> "Tensor":
        return F.pow(self, exponent)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> tuple:
        return F.topk(self, k, dim, largest, sorted)

    def sort(self, axis: int = -1, descending: bool = False) -> tuple:
        return F.sort(self, axis, descending)

    def where(self, condition: Any, y: Any) -> "Tensor":
        return F.where(condition, self, y)

    def gather(self, input_indices: Any, axis: int, batch_dims: int = 0) -> "Tensor":
        return F.gather(self, input_indices, axis, batch_dims)


def _alias(method: str, old_name: str, old: Any, new_name: str, new: Any, default: Any = None) -> Any:
    """The value of an argument spelled either way (`axis`/`dim`, `keepdims`/`keepdim`)."""
    if new is None:
        return old
    if old is not default and old != default:
        raise TypeError(f"Tensor.{method}() got both '{old_name}' and '{new_name}' (two spellings of one argument)")
    return new


def _var_args(method: str, axis: Any, ddof: Any, keepdims: Any, dim: Any, correction: Any, keepdim: Any) -> tuple:
    if dim is None and correction is None and keepdim is None:
        return axis, ddof, keepdims
    if ddof != 0:
        raise TypeError(f"Tensor.{method}(): 'ddof' belongs to the axis/keepdims form; with dim/keepdim use "
                        f"'correction'")
    return (_alias(method, "axis", axis, "dim", dim), 1 if correction is None else correction,
            _alias(method, "keepdims", keepdims, "keepdim", keepdim, False))


def _minmax(x: Tensor, op: str, axis: Any, keepdims: bool, initial: Any, where: Any, return_indices: bool) -> Any:
    """numpy-style max/min as MindSpore computes it: `initial` (in x's dtype) first bounds every
    element, then `where` replaces the masked-out ones by it; indices point into that array."""
    if initial is not None:
        x = (F.maximum if op == "max" else F.minimum)(x, F.fill(x.dtype, (), initial))
    if where is not None and not (where is True):
        if initial is None:
            raise ValueError(f"Tensor.{op}(): 'where' needs 'initial' (the value for masked-out elements)")
        x = F.where(where, x, F.fill(x.dtype, (), initial))
    out = (F.amax if op == "max" else F.amin)(x, axis, keepdims)
    return (out, (F.argmax if op == "max" else F.argmin)(x, axis, keepdims)) if return_indices else out


def _minmax_dim(x: Tensor, op: str, axis: Any, keepdims: Any, dim: Any, keepdim: Any, initial: Any, where: Any,
                return_indices: bool) -> Any:
    """The 2.x overload `max(dim, keepdim=False)`: (values, int64 indices); without dim a 0-d max."""
    if initial is not None or where is not None or return_indices:
        raise TypeError(f"Tensor.{op}(): 'initial', 'where' and 'return_indices' belong to the axis/keepdims form, "
                        f"not to {op}(dim, keepdim)")
    dim = _alias(op, "axis", axis, "dim", dim)
    keep = _alias(op, "keepdims", keepdims, "keepdim", keepdim, False)
    if dim is None:
        if keep:
            raise ValueError(f"Tensor.{op}(): keepdim=True needs a dim")
        return (F.amax if op == "max" else F.amin)(x)
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"Tensor.{op}(): dim must be an int, got {type(dim).__name__}")
    values = (F.amax if op == "max" else F.amin)(x, dim, keep)
    return values, F.cast((F.argmax if op == "max" else F.argmin)(x, dim, keep), mstype.int64)


def _shape_args(shape: tuple) -> tuple:
    """Accept both `x.reshape(2, 3)` and `x.reshape((2, 3))`."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class Parameter(Tensor):
    """`mindlite.Parameter(default_input, name=None, requires_grad=True, layerwise_parallel=False,
    parallel_optimizer=True)`: a named, trainable Tensor.

    `default_input` may be a Tensor, numpy array, number or an initializer result. The name
    is replaced by the attribute path (`layer1.0.conv1.weight`) when assigned inside a Cell.
    """

    _counter = 0

    def __init__(self, default_input: Any, name: str | None = None, requires_grad: bool = True,
                 layerwise_parallel: bool = False, parallel_optimizer: bool = True) -> None:
        if isinstance(default_input, Tensor):
            super().__init__(default_input)
            self._data = default_input._data.copy()
        elif isinstance(default_input, numbers.Number) and not isinstance(default_input, bool):
            super().__init__(default_input, dtype=mstype.float32 if isinstance(default_input, float) else mstype.int32)
        else:
            super().__init__(default_input)
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Parameter name must be a str, got {type(name).__name__}")
        self.name = name if name is not None else self._auto_name()
        self.requires_grad = bool(requires_grad)
        self.layerwise_parallel = layerwise_parallel
        self.parallel_optimizer = parallel_optimizer
        self.is_init = True

    @classmethod
    def _auto_name(cls) -> str:
        cls._counter += 1
        return "Parameter" if cls._counter == 1 else f"Parameter{cls._counter - 1}"

    def set_data(self, data: Any, slice_shape: bool = False) -> "Parameter":
        """Replace the value; the shape must match unless `slice_shape`; dtype is cast to ours."""
        new = data if isinstance(data, Tensor) else Tensor(data, dtype=self.dtype)
        if not slice_shape and tuple(new.shape) != tuple(self.shape):
            raise ValueError(f"Parameter {self.name}: set_data got shape {tuple(new.shape)}, "
                             f"expected {tuple(self.shape)}")
        if new._data is self._data:
            return self
        if new._data.dtype != self._data.dtype:
            new = F.cast(new, self.dtype)
        elif isinstance(data, Tensor) and not getattr(new._data, "is_symbolic", False):
            new = _wrap(new._data.copy())  # never alias another tensor's array
        self._rebind(_wrap(new._data))
        return self

    def clone(self, init: Any = "same") -> "Parameter":
        """A copy with the same name (the caller renames), data copied or re-initialised."""
        if init == "same":
            data: Any = Tensor.__new__(Tensor)
            data._data, data._node, data._idx = self._data.copy(), None, 0
        else:
            from ..common.initializer import initializer
            data = initializer(init, self.shape, self.dtype)
        return Parameter(data, self.name, self.requires_grad, self.layerwise_parallel, self.parallel_optimizer)

    def value(self) -> Tensor:
        """The current value as a plain Tensor (in a graph: the parameter's current graph value)."""
        return bind(ops_math.identity_p, self)

    def __repr__(self) -> str:
        return f"Parameter (name={self.name}, shape={self.shape}, dtype={self.dtype}, requires_grad={self.requires_grad})"

    def __reduce__(self) -> tuple:
        return (Parameter, (Tensor(self.asnumpy()), self.name, self.requires_grad))

    def __deepcopy__(self, memo: dict) -> "Parameter":
        return self.clone()


class ParameterTuple(tuple):
    """A tuple of unique Parameters; `clone(prefix, init)` makes `prefix.name` copies."""

    def __new__(cls, iterable: Any) -> "ParameterTuple":
        items = tuple(iterable)
        seen = set()
        for p in items:
            if not isinstance(p, Parameter):
                raise TypeError(f"ParameterTuple holds Parameters only, got {type(p).__name__}")
            if id(p) in seen:
                raise ValueError(f"ParameterTuple: parameter {p.name} appears twice")
            seen.add(id(p))
        return super().__new__(cls, items)

    def clone(self, prefix: str, init: Any = "same") -> "ParameterTuple":
        out = []
        for p in self:
            c = p.clone(init)
            c.name = f"{prefix}.{p.name}"
            out.append(c)
        return ParameterTuple(out)


# Late imports: the op modules import this one.
from .trace import STATE, bind, wrap as _wrap  # noqa: E402


def _notify_mutation(t: Tensor) -> None:
    from .graph_trace import current_graph_trace
    gt = current_graph_trace()
    if gt is not None:
        gt.on_mutate(t)
from ..ops import functional as F  # noqa: E402
from ..ops import math as ops_math  # noqa: E402
from ..ops.registry import REGISTRY  # noqa: E402


def _binary(prim: Any, reflected: bool = False) -> Any:
    # NOTE: operators bind the primitive directly: this is the eager hot path
    if reflected:
        return lambda self, other: bind(prim, other, self)
    return lambda self, other: bind(prim, self, other)


for _name, _p in [("add", "add"), ("sub", "sub"), ("mul", "mul"), ("truediv", "div"), ("floordiv", "floor_div"),
                  ("mod", "mod"), ("pow", "pow"), ("matmul", "matmul"), ("and", "bitwise_and"),
                  ("or", "bitwise_or"), ("xor", "bitwise_xor")]:
    _prim = REGISTRY[_p]
    setattr(Tensor, f"__{_name}__", _binary(_prim))
    setattr(Tensor, f"__r{_name}__", _binary(_prim, reflected=True))
for _name, _p in [("eq", "equal"), ("ne", "not_equal"), ("lt", "less"), ("le", "less_equal"),
                  ("gt", "greater"), ("ge", "greater_equal")]:
    setattr(Tensor, f"__{_name}__", _binary(REGISTRY[_p]))
for _name in ["abs", "exp", "log", "log1p", "sqrt", "rsqrt", "square", "sigmoid", "tanh", "floor", "ceil", "round",
              "sign", "isnan", "isinf", "isfinite", "neg", "reciprocal", "sin", "cos", "relu", "erf", "expm1"]:
    setattr(Tensor, _name, getattr(F, _name))
Tensor.__hash__ = lambda self: id(self)  # type: ignore[method-assign]  # __eq__ is elementwise

from .tensor_methods import bind_methods  # noqa: E402  (methods mirroring functional ops)

bind_methods()
