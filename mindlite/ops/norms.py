"""Normalisation ops from MindSpore's op set: `L2Normalize`, `LRN` (local response
normalisation across channels) and `LpNorm`. Composites of mindlite ops, so differentiable to
any order and captured in GRAPH_MODE."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import Tensor
from .primitive import PrimitiveOp


def _axes(op: str, axis: Any, ndim: int) -> tuple:
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if not axes or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"{op}: axis must be an int or a non-empty tuple of ints, got {axis!r}")
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a {ndim}-d input")
    return tuple(sorted({int(a) % max(ndim, 1) for a in axes}))


def _float_tensor(op: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}: input must be float16, float32 or float64, got {x.dtype}")
    return x


def l2_normalize(x: Tensor, axis: Any = 0, epsilon: float = 1e-4) -> Tensor:
    """x / sqrt(max(sum(x^2 over axis), epsilon))."""
    from . import functional as F
    _float_tensor("L2Normalize", x)
    axes = _axes("L2Normalize", axis, x.ndim)
    return x / F.sqrt(F.maximum(F.sum(x * x, axes, keepdims=True), float(epsilon)))


class L2Normalize(PrimitiveOp):
    """`ops.L2Normalize(axis=0, epsilon=1e-4)(x)`."""

    def __init__(self, axis: Any = 0, epsilon: float = 1e-4) -> None:
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)):
            raise TypeError(f"L2Normalize: epsilon must be a float, got {type(epsilon).__name__}")
        super().__init__(axis=axis, epsilon=float(epsilon))

    def __call__(self, x: Tensor) -> Tensor:
        return l2_normalize(x, self.axis, self.epsilon)


def lrn(x: Tensor, depth_radius: int = 5, bias: float = 1.0, alpha: float = 1.0, beta: float = 0.5,
        norm_region: str = "ACROSS_CHANNELS") -> Tensor:
    """Local response normalisation of NCHW `x` across channels:
    out = x / (bias + alpha * sum_{|c' - c| <= depth_radius} x[c']^2) ** beta."""
    from . import functional as F
    op = "LRN"
    _float_tensor(op, x)
    if norm_region != "ACROSS_CHANNELS":
        raise ValueError(f"{op}: norm_region must be 'ACROSS_CHANNELS', got {norm_region!r}")
    if not isinstance(depth_radius, (int, np.integer)) or isinstance(depth_radius, bool) or depth_radius < 0:
        raise ValueError(f"{op}: depth_radius must be a non-negative int, got {depth_radius!r}")
    if x.ndim != 4:
        raise ValueError(f"{op}: expects a 4-D (N, C, H, W) input, got shape {list(x.shape)}")
    r, c = int(depth_radius), x.shape[1]
    sq = F.pad_nd(x * x, ((0, 0), (r, r), (0, 0), (0, 0)))
    acc = None
    for k in range(2 * r + 1):  # the window sum as 2r+1 shifted channel slices
        part = sq[:, k:k + c]
        acc = part if acc is None else acc + part
    return x / F.pow(bias + alpha * acc, beta)


class LRN(PrimitiveOp):
    """`ops.LRN(depth_radius=5, bias=1.0, alpha=1.0, beta=0.5, norm_region='ACROSS_CHANNELS')(x)`."""

    def __init__(self, depth_radius: int = 5, bias: float = 1.0, alpha: float = 1.0, beta: float = 0.5,
                 norm_region: str = "ACROSS_CHANNELS") -> None:
        super().__init__(depth_radius=depth_radius, bias=bias, alpha=alpha, beta=beta, norm_region=norm_region)

    def __call__(self, x: Tensor) -> Tensor:
        return lrn(x, self.depth_radius, self.bias, self.alpha, self.beta, self.norm_region)


def lp_norm(input: Tensor, axis: Any, p: int = 2, keep_dims: bool = False, epsilon: float = 1e-12) -> Tensor:  # noqa: A002
    """(sum |x|^p over axis)^(1/p), at least `epsilon` (p = 0 counts the non-zero elements)."""
    from . import functional as F
    op = "LpNorm"
    _float_tensor(op, input)
    if not isinstance(p, (int, np.integer)) or isinstance(p, bool) or p < 0:
        raise ValueError(f"{op}: p must be a non-negative int, got {p!r}")
    axes = _axes(op, axis, input.ndim)
    if p == 0:
        return F.sum(F.cast(F.not_equal(input, 0), input.dtype), axes, keep_dims)
    a = F.abs(input)
    norm = F.sum(a, axes, keep_dims) if p == 1 else F.pow(F.sum(F.pow(a, float(p)), axes, keep_dims), 1.0 / p)
    return F.maximum(norm, float(epsilon))


class LpNorm(PrimitiveOp):
    """`ops.LpNorm(axis, p=2, keep_dims=False, epsilon=1e-12)(input)`."""

    def __init__(self, axis: Any, p: int = 2, keep_dims: bool = False, epsilon: float = 1e-12) -> None:
        super().__init__(axis=axis, p=p, keep_dims=keep_dims, epsilon=epsilon)

    def __call__(self, input: Tensor) -> Tensor:  # noqa: A002
        return lp_norm(input, self.axis, self.p, self.keep_dims, self.epsilon)
