"""Random Primitive classes (`mindspore.ops.operations.random_ops`). Each draws from the
functional op of the same distribution; `seed2` (or `seed`) selects a fixed stream, 0 means
the global seed's stream (`mindlite.set_seed`)."""
from __future__ import annotations

from typing import Any

from .. import functional as F
from ..primitive import PrimitiveOp
from ...core import dtype as mstype
from ...core.tensor import Tensor


def _seed(seed: int, seed2: int) -> Any:
    return seed2 or seed or None


class UniformReal(PrimitiveOp):
    """`ops.UniformReal(seed=0, seed2=0)(shape)`: float32 samples of U[0, 1)."""

    def __init__(self, seed: int = 0, seed2: int = 0) -> None:
        super().__init__(seed=seed, seed2=seed2)

    def __call__(self, shape: Any) -> Tensor:
        return F.uniform(shape, 0.0, 1.0, _seed(self.seed, self.seed2))


class StandardNormal(UniformReal):
    """`ops.StandardNormal(seed=0, seed2=0)(shape)`: float32 samples of N(0, 1)."""

    def __call__(self, shape: Any) -> Tensor:
        return F.standard_normal(shape, _seed(self.seed, self.seed2))


class UniformInt(UniformReal):
    """`ops.UniformInt(seed=0, seed2=0)(shape, minval, maxval)`: int32 samples of [minval, maxval)."""

    def __call__(self, shape: Any, minval: Any, maxval: Any) -> Tensor:
        low = int(minval.item() if isinstance(minval, Tensor) else minval)
        high = int(maxval.item() if isinstance(maxval, Tensor) else maxval)
        return F.randint(low, high, shape, _seed(self.seed, self.seed2), dtype=mstype.int32)


class Bernoulli(PrimitiveOp):
    """`ops.Bernoulli(seed=-1, offset=0)(x, p)`: 0/1 samples shaped and typed like x with P(1) = p
    (a number or a Tensor broadcast against x); seed -1 draws from the global seed's stream."""

    def __init__(self, seed: int = -1, offset: int = 0) -> None:
        if offset != 0:
            raise ValueError(f"Bernoulli: offset must be 0 (mindlite keeps its own stream position), got {offset}")
        super().__init__(seed=seed, offset=offset)

    def __call__(self, x: Tensor, p: Any) -> Tensor:
        return F.bernoulli(x, p, None if self.seed == -1 else self.seed)


class Randperm(PrimitiveOp):
    """`ops.Randperm(max_length=1, pad=-1, dtype=mstype.int32)(n)`: a random permutation of
    0..n-1 followed by `pad` up to `max_length` values."""

    def __init__(self, max_length: int = 1, pad: int = -1, dtype: Any = mstype.int32) -> None:
        if max_length < 1:
            raise ValueError(f"Randperm: max_length must be >= 1, got {max_length}")
        super().__init__(max_length=int(max_length), pad=int(pad), dtype=mstype.to_type(dtype, "dtype"))

    def __call__(self, n: Any) -> Tensor:
        count = int(n.item() if isinstance(n, Tensor) else n)
        if not 0 <= count <= self.max_length:
            raise ValueError(f"Randperm: n={count} must be in [0, max_length={self.max_length}]")
        perm = F.cast(F.randperm(count), self.dtype)
        if count == self.max_length:
            return perm
        return F.concat([perm, F.full((self.max_length - count,), self.pad, dtype=self.dtype)])


__all__ = ["UniformReal", "StandardNormal", "UniformInt", "Bernoulli", "Randperm"]
