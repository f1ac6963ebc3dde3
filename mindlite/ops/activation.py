"""Activation composites (MindSpore 2.x names): elu, selu, celu, softsign, mish, hardsigmoid,
hardshrink, softshrink, hardtanh, logsigmoid, tanhshrink, threshold, prelu, softmin, glu.

Each is written with primitives of the table, so eager, graph and higher-order gradients come
from their bprops. Branches use `where` over inputs clamped to the branch's own domain, so the
unused branch never overflows (an inf there would turn its zero gradient into nan).
"""
from __future__ import annotations

from typing import Any

from ..core.tensor import Tensor

_SELU_ALPHA = 1.67326324235437728481
_SELU_SCALE = 1.05070098735548049342


def _check_float(op: str, x: Any) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}: input must be floating point, got {x.dtype}")


def elu(input_x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    _check_float("elu", input_x)
    return F.where(F.greater(input_x, 0), input_x, alpha * F.expm1(F.minimum(input_x, 0.0)))


def celu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); alpha must not be 0."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0")
    _check_float("celu", x)
    return F.where(F.greater(x, 0), x, alpha * F.expm1(F.minimum(x, 0.0) / alpha))


def selu(input_x: Tensor) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _SELU_SCALE * elu(input_x, _SELU_ALPHA)


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    _check_float("softsign", x)
    return x / (1 + F.abs(x))


def mish(x: Tensor) -> Tensor:
    """x * tanh(softplus(x))."""
    _check_float("mish", x)
    return x * F.tanh(F.softplus(x))


def hardsigmoid(input_x: Tensor) -> Tensor:
    """relu6(x + 3) / 6."""
    _check_float("hardsigmoid", input_x)
    return F.minimum(F.relu(input_x + 3), 6.0) / 6


def hardshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    _check_float("hardshrink", x)
    return F.where(F.greater(F.abs(x), lambd), x, 0.0)


def softshrink(x: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, else 0 (lambd >= 0)."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be >= 0, got {lambd}")
    _check_float("softshrink", x)
    return F.where(F.greater(x, lambd), x - lambd, F.where(F.less(x, -lambd), x + lambd, 0.0))


soft_shrink = softshrink


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    """x clipped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    _check_float("hardtanh", input)
    return F.clip(input, min_val, max_val)


def logsigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), computed stably."""
    _check_float("logsigmoid", x)
    return -F.softplus(-x)


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """x - tanh(x)."""
    _check_float("tanhshrink", input)
    return input - F.tanh(input)


def threshold(input: Tensor, thr: float, value: float) -> Tensor:  # noqa: A002
    """x where x > thr, else `value`."""
    _check_float("threshold", input)
    return F.where(F.greater(input, thr), input, value)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0, weight * x otherwise; `weight` has one value or one per channel (axis 1)."""
    _check_float("prelu", x)
    if not isinstance(weight, Tensor) or weight.ndim > 1:
        raise ValueError(f"prelu: weight must be a 0-D or 1-D Tensor, got {getattr(weight, 'shape', weight)!r}")
    w = weight
    if weight.ndim == 1 and weight.shape[0] != 1:
        if x.ndim < 2 or x.shape[1] != weight.shape[0]:
            raise ValueError(f"prelu: weight of {weight.shape[0]} values needs an input with that many channels on "
                             f"axis 1, got input {list(x.shape)}")
        w = F.reshape(weight, (1, -1) + (1,) * (x.ndim - 2))
    return F.where(F.greater(x, 0), x, x * w)


def softmin(x: Tensor, axis: Any = -1, *, dtype: Any = None) -> Tensor:
    """softmax(-x) along `axis`."""
    out = F.softmax(-x, axis)
    return out if dtype is None else F.cast(out, dtype)


def glu(x: Tensor, axis: int = -1) -> Tensor:
    """Gated linear unit: a * sigmoid(b) for the two halves (a, b) of `axis`."""
    n = x.shape[axis]
    if n % 2:
        raise ValueError(f"glu: dimension {axis} of {list(x.shape)} must be even")
    a, b = F.split(x, n // 2, axis)
    return a * F.sigmoid(b)


def logit(input: Tensor, eps: float | None = None) -> Tensor:  # noqa: A002
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given."""
    _check_float("logit", input)
    p = input if eps is None else F.clip(input, eps, 1 - eps)
    return F.log(p / (1 - p))


from . import functional as F  # noqa: E402  (composites resolve ops at call time)
