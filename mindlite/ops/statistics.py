"""Statistics composites (MindSpore 2.x names): nansum, nanmean, aminmax, median, msort, diff,
dist, cosine_similarity; composites of the table's reductions and sort."""
from __future__ import annotations

from typing import Any

from ..core import dtype as mstype
from ..core.tensor import Tensor


def nansum(input: Tensor, axis: Any = None, keepdims: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Sum treating NaN as zero."""
    out = F.sum(F.where(F.isnan(input), F.zeros_like(input), input), axis, keepdims)
    return out if dtype is None else F.cast(out, dtype)


def nanmean(input: Tensor, axis: Any = None, keepdims: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Mean over the non-NaN elements."""
    kept = F.logical_not(F.isnan(input))
    total = F.sum(F.where(kept, input, F.zeros_like(input)), axis, keepdims)
    out = total / F.cast(F.sum(F.cast(kept, total.dtype), axis, keepdims), total.dtype)
    return out if dtype is None else F.cast(out, dtype)


def aminmax(input: Tensor, *, axis: int = 0, keepdims: bool = False) -> tuple:  # noqa: A002
    """(minimum, maximum) along `axis`."""
    return F.amin(input, axis, keepdims), F.amax(input, axis, keepdims)


def median(input: Tensor, axis: int = -1, keepdims: bool = False) -> tuple:  # noqa: A002
    """(lower median, its index) along `axis`, as MindSpore's ops.median."""
    axis = int(axis) % max(input.ndim, 1)
    values, idx = F.sort(input, axis)
    k = (input.shape[axis] - 1) // 2
    pick = (slice(None),) * axis + (slice(k, k + 1),)
    v, i = values[pick], F.cast(idx[pick], mstype.int64)  # ops.median's indices are int64
    return (v, i) if keepdims else (F.squeeze(v, axis), F.squeeze(i, axis))


def msort(input: Tensor) -> Tensor:  # noqa: A002
    """Values sorted ascending along axis 0."""
    return F.sort(input, 0)[0]


def diff(x: Tensor, n: int = 1, axis: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """n-th forward difference along `axis` (numpy's diff)."""
    if n < 0:
        raise ValueError(f"diff: n must be non-negative, got {n}")
    axis = int(axis) % x.ndim
    parts = [p for p in (prepend, x, append) if p is not None]
    out = F.concat(parts, axis) if len(parts) > 1 else x
    for _ in range(n):
        size = out.shape[axis]
        hi = (slice(None),) * axis + (slice(1, size),)
        lo = (slice(None),) * axis + (slice(0, size - 1),)
        out = out[hi] - out[lo]
    return out


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    """The p-norm of input - other over all elements."""
    d = F.abs(input - other)
    if p == float("inf"):
        return F.amax(d)
    if p == 0:
        return F.sum(F.cast(F.not_equal(d, 0), d.dtype))
    return F.pow(F.sum(F.pow(d, p)), 1.0 / p)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-08) -> Tensor:
    """x1 . x2 / max(|x1| * |x2|, eps) along `dim`."""
    dot = F.sum(x1 * x2, dim)
    norms = F.sqrt(F.sum(F.square(x1), dim)) * F.sqrt(F.sum(F.square(x2), dim))
    return dot / F.maximum(norms, eps)


from . import functional as F  # noqa: E402  (composites resolve ops at call time)
