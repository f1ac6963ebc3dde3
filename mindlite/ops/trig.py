"""Trigonometric and hyperbolic primitives beyond sin/cos/tanh (math.py): tan, asin, acos, atan,
sinh, cosh, asinh, acosh, atanh. Integer inputs give float32, as MindSpore."""
from __future__ import annotations

from typing import Any

import numpy as np

from .registry import Primitive, float_infer


def _unary(name: str, np_name: str, expr: str) -> Primitive:
    def impl(xp: Any, x: Any) -> Any:
        if getattr(x, "dtype", np.dtype(np.float32)).kind in "biu":  # int -> float32, not numpy's float64
            x = x.astype(np.float32)
        return getattr(xp, np_name)(x)
    return Primitive(name, impl, float_infer(name), fuse_kind="elementwise", expr=expr)


tan_p = _unary("tan", "tan", "tan(x)")
asin_p = _unary("asin", "arcsin", "asin(x)")
acos_p = _unary("acos", "arccos", "acos(x)")
atan_p = _unary("atan", "arctan", "atan(x)")
sinh_p = _unary("sinh", "sinh", "sinh(x)")
cosh_p = _unary("cosh", "cosh", "cosh(x)")
asinh_p = _unary("asinh", "arcsinh", "asinh(x)")
acosh_p = _unary("acosh", "arccosh", "acosh(x)")
atanh_p = _unary("atanh", "arctanh", "atanh(x)")


@tan_p.def_bprop
def _tan_bprop(x, *, out, dout):
    return (dout * (1 + out * out),)


@asin_p.def_bprop
def _asin_bprop(x, *, out, dout):
    return (dout * F.rsqrt(1 - x * x),)


@acos_p.def_bprop
def _acos_bprop(x, *, out, dout):
    return (-dout * F.rsqrt(1 - x * x),)


@atan_p.def_bprop
def _atan_bprop(x, *, out, dout):
    return (dout / (1 + x * x),)


@sinh_p.def_bprop
def _sinh_bprop(x, *, out, dout):
    return (dout * F.cosh(x),)


@cosh_p.def_bprop
def _cosh_bprop(x, *, out, dout):
    return (dout * F.sinh(x),)


@asinh_p.def_bprop
def _asinh_bprop(x, *, out, dout):
    return (dout * F.rsqrt(x * x + 1),)


@acosh_p.def_bprop
def _acosh_bprop(x, *, out, dout):
    return (dout * F.rsqrt(x * x - 1),)


@atanh_p.def_bprop
def _atanh_bprop(x, *, out, dout):
    return (dout / (1 - x * x),)


def _fn(prim: Primitive) -> Any:
    def fn(input: Any) -> Any:  # noqa: A002
        return prim(input)
    fn.__name__ = prim.name
    fn.__doc__ = f"Elementwise {prim.name} (float result)."
    return fn


tan, asin, acos, atan = _fn(tan_p), _fn(asin_p), _fn(acos_p), _fn(atan_p)
sinh, cosh, asinh, acosh, atanh = _fn(sinh_p), _fn(cosh_p), _fn(asinh_p), _fn(acosh_p), _fn(atanh_p)
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh

from . import functional as F  # noqa: E402  (bprops resolve ops at call time)
