"""Channel dropout: nn.Dropout2d / nn.Dropout3d zero whole channels (each (sample, channel)
plane with probability p) and scale the kept ones by 1/(1-p), in training only."""
from __future__ import annotations

from ... import _checkparam as validator
from ...core.tensor import Tensor
from ...ops.random import keep_mask
from ..cell import Cell


class _DropoutNd(Cell):
    _ndim = 4

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        owner = type(self).__name__
        self.p = validator.check_float_range(p, 0.0, 1.0, validator.INC_BOTH, "p", owner)

    def construct(self, x: Tensor) -> Tensor:
        owner = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim != self._ndim:
            raise ValueError(f"For '{owner}', the input must be {self._ndim}-d, got "
                             f"{list(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        mask = keep_mask(x.shape[:2] + (1,) * (x.ndim - 2), 1.0 - self.p, x.dtype)
        return x * (mask * (1.0 / (1.0 - self.p)))

    def extend_repr(self) -> str:
        return f"p={self.p}"


class Dropout2d(_DropoutNd):
    """`nn.Dropout2d(p=0.5)` over (N, C, H, W)."""
    _ndim = 4


class Dropout3d(_DropoutNd):
    """`nn.Dropout3d(p=0.5)` over (N, C, D, H, W)."""
    _ndim = 5
