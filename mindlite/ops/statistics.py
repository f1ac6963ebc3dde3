"""Statistics composites (MindSpore 2.x names): nansum, nanmean, aminmax, median, msort, diff,
dist, cosine_similarity; composites of the table's reductions and sort."""
from __future__ import annotations

from typing import Any

from ..core import dtype as mstype
from ..core.dims import Dim
from ..core.tensor import Tensor


def std_mean(input: Tensor, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> tuple:  # noqa: A002
    """(standard deviation with `ddof`, mean) over `axis`."""
    return F.std(input, axis, ddof, keepdims), F.mean(input, axis, keepdims)


def var_mean(input: Tensor, axis: Any = None, ddof: int = 0, keepdims: bool = False) -> tuple:  # noqa: A002
    """(variance with `ddof`, mean) over `axis`."""
    return F.var(input, axis, ddof, keepdims), F.mean(input, axis, keepdims)


def clip_by_norm(x: Any, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Any:
    """Scale a tensor (or a tuple of tensors, by their joint norm) so its `norm_type`-norm is at most
    `max_norm`; with error_if_nonfinite, a NaN/inf norm raises (PYNATIVE)."""
    xs = tuple(x) if isinstance(x, (tuple, list)) else (x,)
    if norm_type == float("inf"):
        total = F.amax(F.stack([F.amax(F.abs(t)) for t in xs]))
    else:
        total = F.pow(F.sum(F.stack([F.sum(F.pow(F.abs(t), norm_type)) for t in xs])), 1.0 / norm_type)
    if error_if_nonfinite and not getattr(total._data, "is_symbolic", False) and not bool(F.isfinite(total)):
        raise RuntimeError(f"clip_by_norm: the total {norm_type}-norm of the inputs is not finite")
    coef = F.minimum(max_norm / (total + 1e-6), 1.0)
    out = tuple(t * F.cast(coef, t.dtype) for t in xs)
    return out if isinstance(x, (tuple, list)) else out[0]


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
    if isinstance(k, Dim):  # a run-time size: the middle position as a one-element index tensor
        at = F.zeros((1,), mstype.int64) + k
        v, i = F.gather(values, at, axis), F.cast(F.gather(idx, at, axis), mstype.int64)
        return (v, i) if keepdims else (F.squeeze(v, axis), F.squeeze(i, axis))
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
