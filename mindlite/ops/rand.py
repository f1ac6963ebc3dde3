"""Random tensors shaped like the arguments (MindSpore 2.x): rand, randn, rand_like, randn_like,
randint_like. They draw from ops/random.py's primitives, so `mindlite.set_seed` governs them."""
from __future__ import annotations

from typing import Any

from ..core import dtype as mstype
from ..core.tensor import Tensor


def _size(op: str, size: tuple) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in size):
        raise TypeError(f"{op}: size must be non-negative ints, got {size!r}")
    return tuple(size)


def _float_dtype(op: str, dtype: Any) -> Any:
    t = mstype.to_type(dtype or mstype.float32, "dtype")
    if not t.is_floating_point:
        raise TypeError(f"{op}: dtype must be floating point, got {t}")
    return t


def rand(*size: Any, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples of U[0, 1) of shape `size`."""
    return F.uniform(_size("rand", size), 0.0, 1.0, seed, _float_dtype("rand", dtype))


def randn(*size: Any, dtype: Any = None, seed: Any = None) -> Tensor:
    """Samples of N(0, 1) of shape `size`."""
    return F.standard_normal(_size("randn", size), seed, _float_dtype("randn", dtype))


def rand_like(input: Tensor, seed: Any = None, *, dtype: Any = None) -> Tensor:  # noqa: A002
    return F.uniform(input.shape, 0.0, 1.0, seed, _float_dtype("rand_like", dtype or input.dtype))


def randn_like(input: Tensor, seed: Any = None, *, dtype: Any = None) -> Tensor:  # noqa: A002
    return F.standard_normal(input.shape, seed, _float_dtype("randn_like", dtype or input.dtype))


def randint_like(input: Tensor, low: int, high: int, seed: Any = None, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """Integers of [low, high) shaped like `input` (int64 unless `dtype`)."""
    return F.randint(low, high, input.shape, seed, dtype=dtype or mstype.int64)


from . import functional as F  # noqa: E402  (resolved at call time)
