"""Elementwise composites with MindSpore 2.x names: rint, trunc, inv, invert, squared_difference,
div_no_nan, xdivy, xlogy, truncate_div/truncate_mod, erfc, log2/log10/exp2, approximate_equal,
isclose. Each is written with primitives of the table (so it differentiates in both modes);
the zero-guarded forms evaluate the unused branch on a safe value so its gradient stays finite.
"""
from __future__ import annotations

import math
from typing import Any

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


from . import functional as F  # noqa: E402  (composites resolve ops at call time)
