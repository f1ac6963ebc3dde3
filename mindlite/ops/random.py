"""Seeded random primitives. Each takes the key tensor from `core.rng.next_key` as input.

Numbers are drawn on the host with numpy's counter-based Philox generator and moved to the
device, so CPU and GPU runs under one seed give identical draws.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .registry import Aval, Primitive
from ..core import dtype as mstype
from ..core import rng
from ..core.dims import dim_of
from ..core.tensor import Tensor


def _draw(xp: Any, arr: np.ndarray) -> Any:
    return arr if xp is np else xp.asarray(arr)


def _uniform_impl(xp: Any, key: Any, shape: tuple, dtype: Any, minval: float, maxval: float) -> Any:
    g = rng.generator(key)
    return _draw(xp, g.uniform(minval, maxval, size=shape).astype(dtype.np))


def _normal_impl(xp: Any, key: Any, shape: tuple, dtype: Any, mean: float, stddev: float) -> Any:
    g = rng.generator(key)
    return _draw(xp, (g.standard_normal(size=shape) * stddev + mean).astype(dtype.np))


def _bernoulli_impl(xp: Any, key: Any, shape: tuple, dtype: Any, p: float) -> Any:
    g = rng.generator(key)
    return _draw(xp, (g.random(size=shape, dtype=np.float32) < p).astype(dtype.np))


def _randint_impl(xp: Any, key: Any, shape: tuple, dtype: Any, low: int, high: int) -> Any:
    g = rng.generator(key)
    return _draw(xp, g.integers(low, high, size=shape).astype(dtype.np))


def _randperm_impl(xp: Any, key: Any, n: int, dtype: Any) -> Any:
    g = rng.generator(key)
    return _draw(xp, g.permutation(n).astype(dtype.np))


def _shape_infer(key: Aval, shape: tuple, dtype: Any, *args: Any, **kw: Any) -> Aval:
    return Aval(tuple(shape), dtype.np)


uniform_p = Primitive("uniform", _uniform_impl, lambda k, shape, dtype, minval, maxval: Aval(tuple(shape), dtype.np),
                      is_pure=False)
normal_p = Primitive("normal", _normal_impl, lambda k, shape, dtype, mean, stddev: Aval(tuple(shape), dtype.np),
                     is_pure=False)
bernoulli_p = Primitive("bernoulli", _bernoulli_impl, lambda k, shape, dtype, p: Aval(tuple(shape), dtype.np),
                        is_pure=False)
randint_p = Primitive("randint", _randint_impl, lambda k, shape, dtype, low, high: Aval(tuple(shape), dtype.np),
                      is_pure=False)
randperm_p = Primitive("randperm", _randperm_impl, lambda k, n, dtype: Aval((n,), dtype.np), is_pure=False)


def _key(seed: Any = None) -> Tensor:
    from ..core.trace import STATE
    if STATE.trace is not None and hasattr(STATE.trace, "rng_key"):
        return STATE.trace.rng_key(seed)  # a graph input, drawn each time the graph runs
    return Tensor(rng.next_key(seed))


def _shape(shape: Any) -> tuple:
    from .creation import _shape_tuple
    return _shape_tuple(shape)


def _f(v: Any) -> float:
    return float(v.asnumpy()) if isinstance(v, Tensor) else float(v)


def uniform(shape: Any, minval: Any = 0.0, maxval: Any = 1.0, seed: Any = None, dtype: Any = mstype.float32) -> Tensor:
    """Samples from U[minval, maxval)."""
    if _f(minval) >= _f(maxval):
        raise ValueError(f"uniform: minval {minval} must be less than maxval {maxval}")
    return uniform_p(_key(seed), shape=_shape(shape), dtype=mstype.to_type(dtype), minval=_f(minval), maxval=_f(maxval))


def standard_normal(shape: Any, seed: Any = None, dtype: Any = mstype.float32) -> Tensor:
    return normal_p(_key(seed), shape=_shape(shape), dtype=mstype.to_type(dtype), mean=0.0, stddev=1.0)


def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, seed: Any = None, dtype: Any = mstype.float32) -> Tensor:
    if _f(stddev) < 0:
        raise ValueError(f"normal: stddev must be non-negative, got {stddev}")
    return normal_p(_key(seed), shape=_shape(shape), dtype=mstype.to_type(dtype), mean=_f(mean), stddev=_f(stddev))


def bernoulli(input: Tensor, p: float = 0.5, seed: Any = None) -> Tensor:  # noqa: A002
    """0/1 samples with probability `p` of 1 (a number, or a Tensor broadcast against `input`),
    shaped and typed like `input`."""
    if isinstance(p, Tensor) and p.size != 1:
        u = uniform(tuple(input.shape), 0.0, 1.0, seed, p.dtype if p.dtype.is_floating_point else mstype.float32)
        return F.cast(F.less(u, p), input.dtype)
    if not 0.0 <= _f(p) <= 1.0:
        raise ValueError(f"bernoulli: p must be in [0, 1], got {p}")
    return bernoulli_p(_key(seed), shape=tuple(input.shape), dtype=input.dtype, p=_f(p))


def keep_mask(shape: tuple, keep_prob: float, dtype: Any, seed: Any = None) -> Tensor:
    """A 0/1 mask with P(1) = keep_prob (dropout's mask)."""
    return bernoulli_p(_key(seed), shape=tuple(shape), dtype=mstype.to_type(dtype), p=float(keep_prob))


def randint(low: int, high: int, size: Any, seed: Any = None, *, dtype: Any = mstype.int64) -> Tensor:
    if low >= high:
        raise ValueError(f"randint: low {low} must be less than high {high}")
    return randint_p(_key(seed), shape=_shape(size), dtype=mstype.to_type(dtype), low=int(low), high=int(high))


def randperm(n: int, seed: Any = 0, offset: int = 0, dtype: Any = mstype.int64) -> Tensor:
    """A random permutation of 0..n-1. With offset=0 each call draws the next permutation of
    the seeded stream (`seed`=0: the global seed); a positive `offset` picks that position of
    the (seed's) stream directly, so the same (seed, offset) always gives the same permutation."""
    if isinstance(offset, bool) or not isinstance(offset, (int, np.integer)) or offset < 0:
        raise ValueError(f"randperm: offset must be a non-negative int, got {offset!r}")
    if offset:  # a fixed position of the stream: the stream's counter does not advance
        key = np.array([rng.stream_seed(seed or None), offset], dtype=np.uint64)
        return randperm_p(Tensor(key), n=int(n), dtype=mstype.to_type(dtype))
    return randperm_p(_key(seed or None), n=int(n), dtype=mstype.to_type(dtype))


def shuffle(x: Tensor, seed: Any = None) -> Tensor:
    """A random permutation of `x` along axis 0."""
    perm = randperm_p(_key(seed), n=dim_of(x.shape[0]), dtype=mstype.int64)
    from .array import gather_p
    return gather_p(x, perm, axis=0)

from . import functional as F  # noqa: E402  (resolved at call time)
