"""Categorical sampling and bit-mask dropout: `ops.multinomial`, `RandomCategorical`, and the
split dropout of MindSpore's older code, `DropoutGenMask` (a bit-packed keep mask) with
`DropoutDoMask` (apply it).

Random draws use mindlite's counter-based keys (they repeat under `ms.set_seed` and differ
call to call, in both modes); none of these outputs is differentiable except DropoutDoMask's
scaled input.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import dtype as mstype
from ..core import rng
from ..core.dims import dim_of
from ..core.tensor import Tensor
from ._sizes import numel
from .primitive import PrimitiveOp
from .registry import Aval, Primitive


def _host(xp: Any, a: Any) -> np.ndarray:
    return a if xp is np else xp.asnumpy(a)


def _draw_rows(g: np.random.Generator, probs: np.ndarray, num: int, replacement: bool) -> np.ndarray:
    out = np.empty((probs.shape[0], num), np.int64)
    for r, p in enumerate(probs):
        p = p / p.sum()
        out[r] = g.choice(len(p), size=num, replace=replacement, p=p)
    return out


def _multinomial_impl(xp: Any, key: Any, probs: Any, num_samples: int, replacement: bool, dtype: Any) -> Any:
    p = _host(xp, probs).astype(np.float64)
    rows = p.reshape(-1, p.shape[-1])
    out = _draw_rows(rng.generator(key), rows, num_samples, replacement)
    return xp.asarray(out.reshape(p.shape[:-1] + (num_samples,)).astype(dtype.np))


def _multinomial_infer(key: Aval, probs: Aval, num_samples: int, replacement: bool, dtype: Any) -> Aval:
    if probs.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-d or 2-d, got {list(probs.shape)}")
    return Aval(tuple(probs.shape[:-1]) + (num_samples,), dtype.np)


multinomial_p = Primitive("multinomial", _multinomial_impl, _multinomial_infer, is_pure=False)


def multinomial(input: Tensor, num_samples: int, replacement: bool = True, seed: Any = None) -> Tensor:  # noqa: A002
    """Indices drawn from each row of non-negative weights `input` (1-d or 2-d): int64
    (..., num_samples). Without replacement, num_samples must not exceed the non-zero weights."""
    from .random import _key
    op = "multinomial"
    if not isinstance(input, Tensor) or not input.dtype.is_floating_point:
        raise TypeError(f"{op}: input must be a float Tensor of weights, got {getattr(input, 'dtype', input)!r}")
    if not isinstance(num_samples, (int, np.integer)) or isinstance(num_samples, bool) or num_samples <= 0:
        raise ValueError(f"{op}: num_samples must be a positive int, got {num_samples!r}")
    if input.ndim not in (1, 2):
        raise ValueError(f"{op}: input must be 1-d or 2-d, got {list(input.shape)}")
    if not getattr(input._data, "is_symbolic", False):
        w = input.asnumpy()
        if (w < 0).any() or not np.isfinite(w).all() or (w.reshape(-1, w.shape[-1]).sum(-1) <= 0).any():
            raise ValueError(f"{op}: weights must be finite, non-negative and not all zero in a row")
        if not replacement and ((w.reshape(-1, w.shape[-1]) > 0).sum(-1) < num_samples).any():
            raise ValueError(f"{op}: cannot draw {num_samples} samples without replacement from fewer non-zero "
                             f"weights")
    return multinomial_p(_key(seed), input, num_samples=int(num_samples), replacement=bool(replacement),
                         dtype=mstype.int64)


class RandomCategorical(PrimitiveOp):
    """`ops.RandomCategorical(dtype=mindspore.int64)(logits, num_sample, seed=0)`: samples of the
    categorical distributions softmax(logits) per row, shape (batch, num_sample)."""

    def __init__(self, dtype: Any = mstype.int64) -> None:
        t = mstype.to_type(dtype, "dtype")
        if t not in (mstype.int16, mstype.int32, mstype.int64):
            raise TypeError(f"RandomCategorical: dtype must be int16, int32 or int64, got {t}")
        super().__init__(dtype=t)

    def __call__(self, logits: Tensor, num_sample: int, seed: int = 0) -> Tensor:
        from . import functional as F
        from .random import _key
        if not isinstance(logits, Tensor) or logits.ndim != 2:
            raise ValueError(f"RandomCategorical: logits must be a 2-d Tensor, got "
                             f"{list(logits.shape) if isinstance(logits, Tensor) else logits!r}")
        probs = F.stop_gradient(F.softmax(logits, -1))
        return multinomial_p(_key(seed or None), probs, num_samples=int(num_sample), replacement=True,
                             dtype=self.dtype)


# ---- DropoutGenMask / DropoutDoMask -------------------------------------------------------------------
def _mask_bytes(n: int) -> int:
    return -(-n // 128) * 16  # MindSpore pads the bit mask to whole 128-bit blocks


def _gen_mask_impl(xp: Any, key: Any, keep_prob: Any, shape: tuple) -> Any:
    n = int(np.prod(shape))
    keep = rng.generator(key).random(n) < float(_host(xp, keep_prob))
    bits = np.zeros(_mask_bytes(n) * 8, bool)
    bits[:n] = keep
    return xp.asarray(np.packbits(bits, bitorder="little"))


gen_mask_p = Primitive("dropout_gen_mask", _gen_mask_impl,
                       lambda key, kp, shape: Aval((_mask_bytes(numel(shape)),), np.dtype(np.uint8)),
                       is_pure=False)


def _unpack_impl(xp: Any, mask: Any, shape: tuple, dtype: Any) -> Any:
    n = int(np.prod(shape))
    bits = np.unpackbits(_host(xp, mask), bitorder="little")[:n]
    return xp.asarray(bits.reshape(shape).astype(dtype))


def _unpack_infer(mask: Aval, shape: tuple, dtype: Any) -> Aval:
    if mask.dtype != np.uint8 or mask.shape != (_mask_bytes(numel(shape)),):
        raise ValueError(f"DropoutDoMask: mask must be the uint8 ({_mask_bytes(numel(shape))},) tensor "
                         f"DropoutGenMask makes for shape {list(shape)}, got {mask}")
    return Aval(tuple(shape), np.dtype(dtype))


unpack_mask_p = Primitive("dropout_unpack_mask", _unpack_impl, _unpack_infer)


def _keep_prob(op: str, keep_prob: Any) -> Tensor:
    if not isinstance(keep_prob, Tensor):
        keep_prob = Tensor(np.float32(keep_prob))
    if keep_prob.size != 1:
        raise ValueError(f"{op}: keep_prob must be a scalar, got shape {list(keep_prob.shape)}")
    if not getattr(keep_prob._data, "is_symbolic", False) and not 0 < float(keep_prob.asnumpy()) <= 1:
        raise ValueError(f"{op}: keep_prob must be in (0, 1], got {float(keep_prob.asnumpy())}")
    return keep_prob


class DropoutGenMask(PrimitiveOp):
    """`ops.DropoutGenMask(Seed0=0, Seed1=0)(shape, keep_prob)`: a uint8 bit mask (bit i set: keep
    element i) of ceil(prod(shape) / 128) * 16 bytes, for DropoutDoMask."""

    def __init__(self, Seed0: int = 0, Seed1: int = 0) -> None:  # noqa: N803 - MindSpore's names
        super().__init__(Seed0=Seed0, Seed1=Seed1)

    def __call__(self, shape: Any, keep_prob: Any) -> Tensor:
        from .random import _key
        shape = tuple(dim_of(s) for s in shape)
        seed = self.Seed0 * 1_000_003 + self.Seed1 if (self.Seed0 or self.Seed1) else None
        return gen_mask_p(_key(seed), _keep_prob("DropoutGenMask", keep_prob), shape=shape)


class DropoutDoMask(PrimitiveOp):
    """`ops.DropoutDoMask()(input_x, mask, keep_prob)`: input_x * mask / keep_prob."""

    def __call__(self, input_x: Tensor, mask: Tensor, keep_prob: Any) -> Tensor:
        from . import functional as F
        kp = _keep_prob("DropoutDoMask", keep_prob)
        keep = unpack_mask_p(mask, shape=tuple(input_x.shape), dtype=input_x.dtype.np)
        return input_x * keep / F.cast(F.reshape(kp, ()), input_x.dtype)
