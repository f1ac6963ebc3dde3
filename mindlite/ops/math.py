"""Elementwise primitives: arithmetic, unary math, activations, comparisons, logic, cast.

Each primitive is defined once; its bprop (written with functional ops `F`) sits right
below it. Broadcasting follows numpy; gradients are summed back to each input's shape.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core.dims import same_shape
from . import _special, cpu_kernels
from .registry import (Aval, Primitive, broadcast_shapes, elementwise_infer, float_infer, predicate_infer, promote,
                       same_as_first)
from ..core.tensor import Tensor


def _unb(g: Any, x: Any) -> Any:
    """Gradient `g` reduced to the shape and cast to the dtype of input `x` (None for non-tensor
    inputs): with promoted operands (float16 * float32) each input gets its own dtype back."""
    if not isinstance(x, Tensor):
        return None
    gd, xd = g._data, x._data
    if gd.dtype == xd.dtype and (same_shape(gd.shape, xd.shape) if getattr(gd, "is_symbolic", False)
                                 else gd.shape == xd.shape):  # the common case, on the eager hot path
        return g
    g = F.sum_to(g, x.shape)
    return g if g.dtype == x.dtype else F.cast(g, x.dtype)


_FAST_SCALARS = (int, float, bool)


def promoting(fn: Any) -> Any:
    """A binary kernel that first applies MindSpore's type promotion (registry.result_dtype),
    so eager results have the dtype the graph's shape rule infers."""
    def impl(xp: Any, x: Any, y: Any) -> Any:
        dx = getattr(x, "dtype", None)
        if dx is not None:
            dy = getattr(y, "dtype", None)
            # fast paths: equal dtypes; a float array with a Python number (numpy keeps its dtype)
            if dx == dy or (dy is None and dx.kind == "f" and type(y) in _FAST_SCALARS):
                return fn(xp, x, y)
        return fn(xp, *promote(xp, x, y))
    impl.__name__ = getattr(fn, "__name__", "impl")
    return impl


def _binary(name: str, impl: Any, expr: str, infer: Any = None) -> Primitive:
    return Primitive(name, promoting(impl), infer or elementwise_infer(name), fuse_kind="elementwise", expr=expr)


def _unary(name: str, impl: Any, expr: str, infer: Any = same_as_first) -> Primitive:
    return Primitive(name, impl, infer, fuse_kind="elementwise", expr=expr)


def _float_unary(name: str, fn: Any, expr: str) -> Primitive:
    """A float-valued unary op: integer and bool inputs compute in float32, as its rule
    (`float_infer`) and MindSpore say; numpy alone would give float64 (or, for ops written
    with astype(x.dtype), an integer result)."""
    def impl(xp: Any, x: Any) -> Any:
        dt = getattr(x, "dtype", None)
        if dt is not None and dt.kind in "biu":
            x = x.astype(np.float32)
        return fn(xp, x)
    return Primitive(name, impl, float_infer(name), fuse_kind="elementwise", expr=expr)


def _float_binary(fn: Any) -> Any:
    """`fn(xp, x, y)` whose float64 result is rounded to float32 unless an input is float64:
    integer operands give float32 in MindSpore, float64 in numpy."""
    def impl(xp: Any, x: Any, y: Any) -> Any:
        out = fn(xp, x, y)
        if out.dtype == np.float64 and getattr(x, "dtype", np.float32) != np.float64 \
                and getattr(y, "dtype", np.float32) != np.float64:
            out = out.astype(np.float32)
        return out
    return impl


# ---- binary arithmetic ---------------------------------------------------------------
add_p = _binary("add", lambda xp, x, y: xp.add(x, y), "x + y")
sub_p = _binary("sub", lambda xp, x, y: xp.subtract(x, y), "x - y")
mul_p = _binary("mul", lambda xp, x, y: xp.multiply(x, y), "x * y")


_true_div = _float_binary(lambda xp, x, y: xp.true_divide(x, y))
div_p = Primitive("div", promoting(_true_div), float_infer("div"), fuse_kind="elementwise", expr="x / y")
floor_div_p = _binary("floor_div", lambda xp, x, y: xp.floor_divide(x, y), "floor(x / y)")
mod_p = _binary("mod", lambda xp, x, y: xp.mod(x, y), "x - floor(x / y) * y")
pow_p = _binary("pow", lambda xp, x, y: xp.power(x, y), "pow(x, y)")
maximum_p = _binary("maximum", lambda xp, x, y: xp.maximum(x, y), "max(x, y)")
minimum_p = _binary("minimum", lambda xp, x, y: xp.minimum(x, y), "min(x, y)")
atan2_p = _binary("atan2", _float_binary(lambda xp, x, y: xp.arctan2(x, y)), "atan2(x, y)", float_infer("atan2"))


@add_p.def_bprop
def _add_bprop(x, y, *, out, dout, needs):
    return _unb(dout, x) if needs[0] else None, _unb(dout, y) if needs[1] else None


@sub_p.def_bprop
def _sub_bprop(x, y, *, out, dout, needs):
    return _unb(dout, x) if needs[0] else None, _unb(-dout, y) if needs[1] else None


@mul_p.def_bprop
def _mul_bprop(x, y, *, out, dout, needs):
    return _unb(dout * y, x) if needs[0] else None, _unb(dout * x, y) if needs[1] else None


@div_p.def_bprop
def _div_bprop(x, y, *, out, dout, needs):
    return _unb(dout / y, x) if needs[0] else None, _unb(-dout * out / y, y) if needs[1] else None


@floor_div_p.def_bprop
def _floor_div_bprop(x, y, *, out, dout):
    return None, None


@mod_p.def_bprop
def _mod_bprop(x, y, *, out, dout, needs):
    return _unb(dout, x) if needs[0] else None, _unb(-dout * F.floor_div(x, y), y) if needs[1] else None


@pow_p.def_bprop
def _pow_bprop(x, y, *, out, dout, needs):
    dx = _unb(dout * y * F.pow(x, y - 1), x) if needs[0] else None
    dy = None
    if needs[1]:
        positive = F.greater(x, 0)
        safe_x = F.where(positive, x, 1)
        dy = _unb(F.where(positive, dout * out * F.log(safe_x), 0), y)
    return dx, dy


@maximum_p.def_bprop
def _maximum_bprop(x, y, *, out, dout):
    mask = F.greater_equal(x, y)  # ties go to x, as MindSpore
    return _unb(F.where(mask, dout, 0), x), _unb(F.where(mask, 0, dout), y)


@minimum_p.def_bprop
def _minimum_bprop(x, y, *, out, dout):
    mask = F.less_equal(x, y)
    return _unb(F.where(mask, dout, 0), x), _unb(F.where(mask, 0, dout), y)


@atan2_p.def_bprop
def _atan2_bprop(x, y, *, out, dout):
    denom = F.square(x) + F.square(y)
    return _unb(dout * y / denom, x), _unb(-dout * x / denom, y)


# ---- unary math ------------------------------------------------------------------------
neg_p = _unary("neg", lambda xp, x: xp.negative(x), "-x")
abs_p = _unary("abs", lambda xp, x: xp.abs(x), "abs(x)")
sign_p = _unary("sign", lambda xp, x: xp.sign(x), "sign(x)")
exp_p = _float_unary("exp", lambda xp, x: xp.exp(x), "exp(x)")
expm1_p = _float_unary("expm1", lambda xp, x: xp.expm1(x), "expm1(x)")
log_p = _float_unary("log", lambda xp, x: xp.log(x), "log(x)")
log1p_p = _float_unary("log1p", lambda xp, x: xp.log1p(x), "log1p(x)")
sqrt_p = _float_unary("sqrt", lambda xp, x: xp.sqrt(x), "sqrt(x)")
square_p = _unary("square", lambda xp, x: xp.square(x), "x * x")
sin_p = _float_unary("sin", lambda xp, x: xp.sin(x), "sin(x)")
cos_p = _float_unary("cos", lambda xp, x: xp.cos(x), "cos(x)")
tanh_p = _float_unary("tanh", lambda xp, x: xp.tanh(x), "tanh(x)")
floor_p = _unary("floor", lambda xp, x: xp.floor(x), "floor(x)")
ceil_p = _unary("ceil", lambda xp, x: xp.ceil(x), "ceil(x)")
round_p = _unary("round", lambda xp, x: xp.round(x), "rint(x)")
rsqrt_p = _float_unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x), "rsqrt(x)")
reciprocal_p = _float_unary("reciprocal", lambda xp, x: 1 / x, "1 / x")
sigmoid_p = _float_unary("sigmoid", lambda xp, x: _sigmoid(xp, x), "1 / (1 + exp(-x))")
erf_p = _float_unary("erf", _special.erf, "erf(x)")
relu_p = Primitive("relu", lambda xp, x: xp.maximum(x, 0), same_as_first, fuse_kind="elementwise",
                   expr="max(x, 0)")


def _sigmoid(xp: Any, x: Any) -> Any:
    # NOTE: 1/(1+exp(-x)) overflows exp for large negative x in float16/32; split by sign.
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


@neg_p.def_bprop
def _neg_bprop(x, *, out, dout):
    return (-dout,)


@abs_p.def_bprop
def _abs_bprop(x, *, out, dout):
    return (dout * F.sign(x),)


@sign_p.def_bprop
def _sign_bprop(x, *, out, dout):
    return (None,)


for _p in (floor_p, ceil_p, round_p):
    _p.def_bprop(_sign_bprop)


@exp_p.def_bprop
def _exp_bprop(x, *, out, dout):
    return (dout * out,)


@expm1_p.def_bprop
def _expm1_bprop(x, *, out, dout):
    return (dout * (out + 1),)


@log_p.def_bprop
def _log_bprop(x, *, out, dout):
    return (dout / x,)


@log1p_p.def_bprop
def _log1p_bprop(x, *, out, dout):
    return (dout / (x + 1),)


@sqrt_p.def_bprop
def _sqrt_bprop(x, *, out, dout):
    return (dout * 0.5 / out,)


@rsqrt_p.def_bprop
def _rsqrt_bprop(x, *, out, dout):
    return (dout * -0.5 * out * out * out,)


@square_p.def_bprop
def _square_bprop(x, *, out, dout):
    return (dout * 2 * x,)


@reciprocal_p.def_bprop
def _reciprocal_bprop(x, *, out, dout):
    return (-dout * out * out,)


@sin_p.def_bprop
def _sin_bprop(x, *, out, dout):
    return (dout * F.cos(x),)


@cos_p.def_bprop
def _cos_bprop(x, *, out, dout):
    return (-dout * F.sin(x),)


@tanh_p.def_bprop
def _tanh_bprop(x, *, out, dout):
    return (dout * (1 - out * out),)


@sigmoid_p.def_bprop
def _sigmoid_bprop(x, *, out, dout):
    return (dout * out * (1 - out),)


@erf_p.def_bprop
def _erf_bprop(x, *, out, dout):
    return (dout * (2 / math.sqrt(math.pi)) * F.exp(-F.square(x)),)


@relu_p.def_bprop
def _relu_bprop(x, *, out, dout):
    return (F.where(F.greater(out, 0), dout, 0),)


# ---- GELU: one primitive so the exact and tanh forms cost one pass each -----------------
_GELU_C = math.sqrt(2 / math.pi)


def _gelu(xp: Any, x: Any, approximate: str = "none") -> Any:
    if x.dtype.kind not in "fV":
        raise TypeError(f"gelu: input must be floating point, got {x.dtype}")
    if approximate == "tanh":
        return 0.5 * x * (1 + xp.tanh(_GELU_C * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1 + _special.erf(xp, x * (1 / math.sqrt(2))))


def _gelu_infer(x: Aval, approximate: str = "none") -> Aval:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    if x.dtype.kind not in "fV":  # MindSpore's GeLU takes float16/32/64 only
        raise TypeError(f"gelu: input must be floating point, got {x.dtype}")
    return x


gelu_p = Primitive("gelu", _gelu, _gelu_infer, fuse_kind="elementwise")


@gelu_p.def_bprop
def _gelu_bprop(x, *, out, dout, approximate="none"):
    if approximate == "tanh":
        t = F.tanh(_GELU_C * (x + 0.044715 * x * x * x))
        d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _GELU_C * (1 + 3 * 0.044715 * x * x)
    else:
        d = 0.5 * (1 + F.erf(x * (1 / math.sqrt(2)))) + x * F.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
    return (dout * d,)


# ---- select, cast, identity -------------------------------------------------------------
def _where_infer(c: Any, x: Any, y: Any) -> Aval:
    shapes = [a.shape for a in (c, x, y) if isinstance(a, Aval)]
    from .registry import result_dtype
    return Aval(broadcast_shapes("where", *shapes), result_dtype(*[a for a in (x, y)]))


_where_xy = promoting(lambda xp, x, y: (x, y))


def _where_impl(xp: Any, c: Any, x: Any, y: Any) -> Any:
    x, y = _where_xy(xp, x, y)
    if xp is np:  # a branch-free select for large bool masks (cpu_kernels.select)
        res = cpu_kernels.select(c, x, y)
        if res is not None:
            return res
    return xp.where(c, x, y)


where_p = Primitive("where", _where_impl, _where_infer, fuse_kind="elementwise", expr="c ? x : y")


@where_p.def_bprop
def _where_bprop(c, x, y, *, out, dout, needs):
    dx = _unb(F.where(c, dout, 0), x) if needs[1] else None
    dy = _unb(F.where(c, 0, dout), y) if needs[2] else None
    return None, dx, dy


def _cast_impl(xp: Any, x: Any, dtype: Any) -> Any:
    return x.astype(dtype.np, copy=False) if hasattr(x, "astype") else xp.asarray(x, dtype=dtype.np)


cast_p = Primitive("cast", _cast_impl, lambda x, dtype: Aval(x.shape, dtype.np), fuse_kind="elementwise",
                   expr="cast(x)")


@cast_p.def_bprop
def _cast_bprop(x, *, out, dout, dtype):
    if not x.dtype.is_floating_point:
        return (None,)
    return (F.cast(dout, x.dtype),)


identity_p = Primitive("identity", lambda xp, x: x, same_as_first)
identity_p.def_bprop(lambda x, *, out, dout: (dout,))
copy_p = Primitive("copy", lambda xp, x: xp.array(x, copy=True), same_as_first)
copy_p.def_bprop(lambda x, *, out, dout: (dout,))
stop_gradient_p = Primitive("stop_gradient", lambda xp, x: x, same_as_first)  # no bprop: blocks the tape


# ---- comparisons and logic (no gradient) ------------------------------------------------
def _pred(name: str, impl: Any, expr: str) -> Primitive:
    return Primitive(name, promoting(impl), predicate_infer(name), fuse_kind="elementwise", expr=expr)


def _logical_infer(name: str) -> Any:
    def infer(*xs: Any) -> Aval:  # any operand dtypes: the truth values are compared
        return Aval(broadcast_shapes(name, *[x.shape for x in xs if isinstance(x, Aval)]), np.dtype(np.bool_))
    return infer


def _logical(name: str, impl: Any, expr: str) -> Primitive:
    return Primitive(name, impl, _logical_infer(name), fuse_kind="elementwise", expr=expr)


equal_p = _pred("equal", lambda xp, x, y: xp.equal(x, y), "x == y")
not_equal_p = _pred("not_equal", lambda xp, x, y: xp.not_equal(x, y), "x != y")
less_p = _pred("less", lambda xp, x, y: xp.less(x, y), "x < y")
less_equal_p = _pred("less_equal", lambda xp, x, y: xp.less_equal(x, y), "x <= y")
greater_p = _pred("greater", lambda xp, x, y: xp.greater(x, y), "x > y")
greater_equal_p = _pred("greater_equal", lambda xp, x, y: xp.greater_equal(x, y), "x >= y")
logical_and_p = _logical("logical_and", lambda xp, x, y: xp.logical_and(x, y), "x && y")
logical_or_p = _logical("logical_or", lambda xp, x, y: xp.logical_or(x, y), "x || y")
logical_xor_p = _logical("logical_xor", lambda xp, x, y: xp.logical_xor(x, y), "x != y")
bitwise_and_p = _binary("bitwise_and", lambda xp, x, y: xp.bitwise_and(x, y), "x & y")
bitwise_or_p = _binary("bitwise_or", lambda xp, x, y: xp.bitwise_or(x, y), "x | y")
bitwise_xor_p = _binary("bitwise_xor", lambda xp, x, y: xp.bitwise_xor(x, y), "x ^ y")
_bool_infer = lambda x: Aval(x.shape, np.dtype(np.bool_))  # noqa: E731
logical_not_p = _unary("logical_not", lambda xp, x: xp.logical_not(x), "!x", _bool_infer)
bitwise_not_p = _unary("bitwise_not", lambda xp, x: xp.invert(x), "~x")
isnan_p = _unary("isnan", lambda xp, x: xp.isnan(x), "isnan(x)", _bool_infer)
isinf_p = _unary("isinf", lambda xp, x: xp.isinf(x), "isinf(x)", _bool_infer)
isfinite_p = _unary("isfinite", lambda xp, x: xp.isfinite(x), "isfinite(x)", _bool_infer)


from . import functional as F  # noqa: E402  (bprops resolve ops at call time)
