"""The primitive table: every op of mindlite is one `Primitive` defined here or in a family
module (`math.py`, `array.py`, `reduce.py`, `nn.py`, ...).

A primitive carries
  * `impl(xp, *arrays, **params)` - the forward, written against the array module `xp`;
  * `infer(*avals, **params)`      - a pure shape/dtype rule (used for errors and graphs);
  * `bprop(*inputs, out, dout, **params)` - the backward, written in mindlite ops, so that the
    eager tape, graph autodiff and higher-order derivatives share it. A bprop that takes a
    `needs` argument is told which inputs need a gradient (core/ad.py) and returns None for
    the others.
Optional entries (R4) have defaults: `fuse_kind`, `expr` (scalar expression for fusion),
`multiple_results`, `is_pure`.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np


from ..core.dims import Dim
from ..core.prim import REGISTRY, Aval, Primitive, aval_of, bind  # noqa: F401  (the one definition)


# ----------------------------------------------------------------------------------------
# Shape/dtype rule helpers shared by many primitives.

def broadcast_shapes(op: str, *shapes: tuple) -> tuple:
    """numpy broadcasting; raises ValueError naming the op and every shape. A -1 (a
    dimension known only at run time) broadcasts with 1 and with -1; a run-time size (`Dim`,
    core/dims.py) with 1 and with an equal size (two sizes declared None are assumed equal)."""
    try:
        if any(isinstance(d, Dim) or d < 0 for s in shapes for d in s):
            return _broadcast_dynamic(shapes)
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError as e:
        shown = ", ".join(str(list(s)) for s in shapes)
        why = f" ({e})" if "None" in str(e) else ""
        raise ValueError(f"{op}: shapes {shown} cannot be broadcast together{why}") from None


def _broadcast_dynamic(shapes: tuple) -> tuple:
    n = max(len(s) for s in shapes)
    out = []
    for dims in zip(*[(1,) * (n - len(s)) + tuple(s) for s in shapes]):
        sized = [d for d in dims if isinstance(d, Dim)]
        static = {d for d in dims if not isinstance(d, Dim) and d > 1}
        if sized:
            if static:
                raise ValueError(f"the run-time size {sized[0]} (an axis declared None) meets the fixed size "
                                 f"{static.pop()}: declare that axis with its size")
            if any(d != sized[0] for d in sized[1:]):
                raise ValueError("incompatible dimensions")
            out.append(sized[0])
            continue
        if len(static) > 1:
            raise ValueError("incompatible dimensions")
        out.append(static.pop() if static else -1 if -1 in dims else 1)
    return tuple(out)


# ---- MindSpore's implicit type promotion: the one rule eager and graph mode share --------
# Tensor with tensor: within a category (bool < int < float < complex) the wider type wins;
# across categories the higher category's type wins whatever its width (int64 + float16 ->
# float16); int8 + uint8 -> int16; float16 + bfloat16 -> float32; float64 + complex64 ->
# complex128; uint16/32/64 promote only with bool (anything else raises TypeError).
# Tensor with Python number: the tensor's dtype wins unless the number is of a higher
# category: bool tensor + int -> int64, int/bool tensor + float -> float32, a real tensor
# + complex -> complex64 (complex128 for float64).
_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2, "V": 2, "c": 3}  # "V": ml_dtypes' bfloat16
_WIDE_UINT = frozenset(np.dtype(t) for t in (np.uint16, np.uint32, np.uint64))
_PAIRS: dict = {}


def _promote_pair(a: Any, b: Any) -> Any:
    """The promoted dtype of two tensor dtypes (MindSpore's tensor-tensor table)."""
    if a == b:
        return a
    ka, kb = _CATEGORY.get(a.kind), _CATEGORY.get(b.kind)
    if ka is None or kb is None:
        raise TypeError(f"dtypes {_name(a)} and {_name(b)} are not numeric")
    if ka == 0 or kb == 0:
        return b if ka == 0 else a
    if a in _WIDE_UINT or b in _WIDE_UINT:
        raise TypeError(f"MindSpore's type promotion has no rule for {_name(a)} with {_name(b)} "
                        f"(UInt16/32/64 combine only with Bool or themselves); cast one operand explicitly")
    if ka != kb:
        hi, lo = (a, b) if ka > kb else (b, a)
        if hi.kind == "c" and lo == np.float64:
            return np.dtype(np.complex128)
        return hi
    if ka == 1:  # signed ints and uint8
        if {a.kind, b.kind} == {"i", "u"}:
            signed = a if a.kind == "i" else b
            return signed if signed.itemsize > 1 else np.dtype(np.int16)
        return a if a.itemsize >= b.itemsize else b
    if a.itemsize == b.itemsize:  # float16 with bfloat16
        return np.dtype(np.float32)
    return a if a.itemsize > b.itemsize else b


def _with_scalar(t: Any, scalar_cat: int) -> Any:
    """A tensor dtype `t` combined with a Python number of category `scalar_cat`."""
    kt = _CATEGORY.get(t.kind, 3)
    if scalar_cat <= kt:
        return t
    if t in _WIDE_UINT and scalar_cat > 1:
        raise TypeError(f"MindSpore's type promotion has no rule for {_name(t)} with a Python "
                        f"{'float' if scalar_cat == 2 else 'complex'}; cast the tensor explicitly")
    if scalar_cat == 1:
        return np.dtype(np.int64)
    if scalar_cat == 2:
        return np.dtype(np.float32)
    return np.dtype(np.complex128 if t == np.float64 else np.complex64)


def _name(d: Any) -> str:
    from ..core.dtype import from_numpy_dtype
    try:
        return from_numpy_dtype(d).name
    except TypeError:
        return str(d)


_SCALAR_CATEGORY = {bool: 0, int: 1, float: 2, complex: 3}
_SCALAR_DTYPE = (np.dtype(np.bool_), np.dtype(np.int64), np.dtype(np.float32), np.dtype(np.complex64))


def result_dtype(*xs: Any) -> Any:
    """MindSpore's implicit type promotion of the operands `xs` (tensors, arrays, Avals or
    Python numbers; numpy scalars count as 0-d tensors). Raises TypeError for pairs MindSpore
    does not promote. Used by the shape rules and, through `promote`, by the kernels."""
    t = None
    scalar_cat = -1
    for x in xs:
        d = getattr(x, "dtype", None)
        if d is not None:
            d = np.dtype(d)
            t = d if t is None else _pair(t, d)
            continue
        cat = _SCALAR_CATEGORY.get(type(x))
        if cat is None:
            cat = 2 if isinstance(x, float) else 1 if isinstance(x, int) else 3 if isinstance(x, complex) else None
        if cat is None:
            raise TypeError(f"operand {x!r} of type {type(x).__name__} is not a tensor or a number")
        scalar_cat = max(scalar_cat, cat)
    if t is None:
        return _SCALAR_DTYPE[scalar_cat] if scalar_cat >= 0 else np.dtype(np.float32)
    return t if scalar_cat < 0 else _with_scalar(t, scalar_cat)


def _pair(a: Any, b: Any) -> Any:
    key = (a, b)
    hit = _PAIRS.get(key)
    if hit is None:
        hit = _PAIRS[key] = _promote_pair(a, b)
    return hit


def promote(xp: Any, *xs: Any) -> tuple:
    """The operands with every array cast to `result_dtype(*xs)` (Python numbers stay weak,
    so numpy keeps the promoted dtype). A kernel's slow path; the caller checks the fast one."""
    t = result_dtype(*xs)
    if not any(hasattr(x, "dtype") for x in xs):  # numbers only: make one of them a typed array
        return tuple(xp.asarray(x, dtype=t) for x in xs)
    return tuple(x.astype(t) if hasattr(x, "dtype") and x.dtype != t else x for x in xs)


def same_as_first(x: Any, *rest: Any, **params: Any) -> Aval:
    return x


def elementwise_infer(op: str) -> Callable[..., Aval]:
    def infer(*xs: Any, **params: Any) -> Aval:
        shapes = [x.shape for x in xs if isinstance(x, Aval)]
        return Aval(broadcast_shapes(op, *shapes), result_dtype(*xs))
    return infer


def predicate_infer(op: str) -> Callable[..., Aval]:
    base = elementwise_infer(op)

    def infer(*xs: Any, **params: Any) -> Aval:
        return Aval(base(*xs).shape, np.dtype(np.bool_))
    return infer


def float_infer(op: str) -> Callable[..., Aval]:
    """Elementwise rule whose result is floating (int inputs give float32, as MindSpore)."""
    base = elementwise_infer(op)

    def infer(*xs: Any, **params: Any) -> Aval:
        a = base(*xs)
        return a if a.dtype.kind in "fc" else Aval(a.shape, np.dtype(np.float32))
    return infer


def norm_axis(axis: Any, ndim: int, op: str = "op") -> tuple:
    """Normalise an axis argument (None | int | sequence) to a sorted tuple of non-negative ints."""
    if axis is None or axis == ():
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a {ndim}-d input")
        out.append(int(a) % max(ndim, 1))
    return tuple(sorted(set(out)))


