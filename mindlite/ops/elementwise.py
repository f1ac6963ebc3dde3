"""Elementwise composites with MindSpore 2.x names: rint, trunc, inv, invert, squared_difference,
div_no_nan, xdivy, xlogy, truncate_div/truncate_mod, erfc, log2/log10/exp2, approximate_equal,
isclose. Each is written with primitives of the table (so it differentiates in both modes);
the zero-guarded forms evaluate the unused branch on a safe value so its gradient stays finite.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core import dtype as mstype
from ..core.tensor import Tensor


def rint(input_x: Tensor) -> Tensor:
    """Round to the nearest integer, ties to even (ops.Rint)."""
    return F.round(input_x)


def trunc(input: Tensor) -> Tensor:  # noqa: A002
    """Round toward zero."""
    return F.where(F.greater_equal(input, 0), F.floor(input), F.ceil(input))


def inv(x: Tensor) -> Tensor:
    """1 / x (ops.Inv)."""
    return F.reciprocal(x)


def invert(x: Tensor) -> Tensor:
    """Bitwise NOT of an integer (or bool) tensor (ops.Invert)."""
    if not isinstance(x, Tensor) or x.dtype.kind not in ("int", "uint", "bool"):
        raise TypeError(f"invert: input must be an integer or bool Tensor, got "
                        f"{x.dtype if isinstance(x, Tensor) else type(x).__name__}")
    return F.bitwise_not(x) if x.dtype.kind != "bool" else F.logical_not(x)


def squared_difference(x: Any, y: Any) -> Tensor:
    """(x - y) ** 2."""
    return F.square(F.sub(x, y))


def _nonzero_or_one(y: Any) -> Any:
    return F.where(F.equal(y, 0), F.ones_like(y), y) if isinstance(y, Tensor) else (y if y != 0 else 1)


def div_no_nan(x1: Any, x2: Any) -> Tensor:
    """x1 / x2, and 0 where x2 == 0."""
    return F.where(F.equal(x2, 0), 0.0, F.div(x1, _nonzero_or_one(x2)))


def xdivy(x: Any, y: Any) -> Tensor:
    """x / y, and 0 where x == 0."""
    return F.where(F.equal(x, 0), 0.0, F.div(x, _nonzero_or_one(y)))


def xlogy(input: Any, other: Any) -> Tensor:  # noqa: A002
    """x * log(y), and 0 where x == 0."""
    safe = F.where(F.equal(input, 0), F.ones_like(other), other) if isinstance(other, Tensor) else other
    return F.where(F.equal(input, 0), 0.0, F.mul(input, F.log(safe)))


def truncate_div(x: Any, y: Any) -> Tensor:
    """x / y rounded toward zero (integer inputs stay integer)."""
    q = F.floor_div(x, y)
    inexact = F.not_equal(F.mod(x, y), 0)
    opposite = F.not_equal(F.less(x, 0), F.less(y, 0))
    return F.where(F.logical_and(inexact, opposite), q + 1, q)


def truncate_mod(x: Any, y: Any) -> Tensor:
    """x - truncate_div(x, y) * y: the remainder with the sign of x (C's fmod)."""
    return F.sub(x, F.mul(truncate_div(x, y), y))


fmod = truncate_mod


def erfc(input: Tensor) -> Tensor:  # noqa: A002
    """1 - erf(x)."""
    return 1 - F.erf(input)


def log2(input: Tensor) -> Tensor:  # noqa: A002
    return F.log(input) * (1 / math.log(2))


def log10(input: Tensor) -> Tensor:  # noqa: A002
    return F.log(input) * (1 / math.log(10))


def exp2(input: Tensor) -> Tensor:  # noqa: A002
    return F.exp(input * math.log(2))


def approximate_equal(x: Tensor, y: Tensor, tolerance: float = 1e-5) -> Tensor:
    """|x - y| < tolerance."""
    return F.less(F.abs(F.sub(x, y)), tolerance)


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other| (infinities equal only to themselves)."""
    close = F.less_equal(F.abs(F.sub(input, other)), atol + rtol * F.abs(other))
    close = F.logical_or(F.logical_and(close, F.isfinite(F.sub(input, other))), F.equal(input, other))
    if equal_nan:
        close = F.logical_or(close, F.logical_and(F.isnan(input), F.isnan(other)))
    return close


def _float(op: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor) or not x.dtype.is_floating_point:
        raise TypeError(f"{op}: input must be a floating-point Tensor, got "
                        f"{x.dtype if isinstance(x, Tensor) else type(x).__name__}")
    return x


def positive(input: Tensor) -> Tensor:  # noqa: A002
    """The input itself (numeric tensors only)."""
    if not isinstance(input, Tensor) or input.dtype.kind == "bool":
        raise TypeError("positive: input must be a numeric Tensor")
    return input


def sgn(input: Tensor) -> Tensor:  # noqa: A002
    """The sign of a real tensor (complex inputs are not supported)."""
    if np.dtype(input.dtype.np).kind == "c":
        raise TypeError("sgn: complex inputs are not supported by mindlite")
    return F.sign(input)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    return input.dtype.is_floating_point


def is_complex(input: Tensor) -> bool:  # noqa: A002
    return np.dtype(input.dtype.np).kind == "c"


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:  # noqa: A002
    """input + weight * (end - input)."""
    return input + weight * (end - input)


def hypot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """sqrt(input ** 2 + other ** 2)."""
    return F.sqrt(F.square(input) + F.square(other))


def logaddexp(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """log(exp(input) + exp(other)), computed without overflow."""
    m = F.maximum(input, other)
    return m + F.log1p(F.exp(-F.abs(input - other)))


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """log2(2 ** input + 2 ** other), computed without overflow."""
    m = F.maximum(input, other)
    return m + F.log1p(F.exp(-F.abs(input - other) * math.log(2))) * (1 / math.log(2))


def deg2rad(x: Tensor) -> Tensor:
    return _float("deg2rad", x) * (math.pi / 180)


def rad2deg(x: Tensor) -> Tensor:
    return _float("rad2deg", x) * (180 / math.pi)


def heaviside(input: Tensor, values: Any) -> Tensor:  # noqa: A002
    """0 below zero, 1 above, `values` at zero."""
    one = F.ones_like(input)
    return F.where(F.greater(input, 0), one, F.where(F.less(input, 0), F.zeros_like(input), values))


def sinc(input: Tensor) -> Tensor:  # noqa: A002
    """sin(pi x) / (pi x), and 1 at 0."""
    x = input if input.dtype.is_floating_point else F.cast(input, mstype.float32)
    zero = F.equal(x, 0)
    safe = F.where(zero, F.ones_like(x), x) * math.pi
    return F.where(zero, F.ones_like(x), F.sin(safe) / safe)


def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    """input ** exponent computed in float64, as MindSpore."""
    cast = lambda v: F.cast(v, mstype.float64) if isinstance(v, Tensor) else float(v)  # noqa: E731
    return F.pow(cast(input), cast(exponent))


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> Tensor:  # noqa: A002
    """NaN -> nan, +inf -> posinf, -inf -> neginf (default: the dtype's largest / lowest finite)."""
    info = np.finfo(_float("nan_to_num", input).dtype.np)
    big = float(info.max) if posinf is None else posinf
    small = float(info.min) if neginf is None else neginf
    out = F.where(F.isnan(input), nan, input)
    return F.where(F.logical_and(F.isinf(out), F.greater(out, 0)), big,
                   F.where(F.logical_and(F.isinf(out), F.less(out, 0)), small, out))


def isneginf(input: Tensor) -> Tensor:  # noqa: A002
    return F.logical_and(F.isinf(input), F.less(input, 0))


def isposinf(input: Tensor) -> Tensor:  # noqa: A002
    return F.logical_and(F.isinf(input), F.greater(input, 0))


def frac(x: Tensor) -> Tensor:
    """x - trunc(x): the fractional part, with the sign of x."""
    return x - trunc(x)


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any = 1) -> Tensor:  # noqa: A002
    """input + value * tensor1 / tensor2."""
    return input + value * F.div(tensor1, tensor2)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, value: Any = 1) -> Tensor:  # noqa: A002
    """input + value * tensor1 * tensor2."""
    return input + value * tensor1 * tensor2


from . import functional as F  # noqa: E402  (composites resolve ops at call time)
