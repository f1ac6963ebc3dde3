"""More activation Cells: nn.PReLU (learned slopes), nn.ELU, nn.HSigmoid, nn.LogSigmoid, nn.SeLU,
nn.Hardtanh - thin Cells over the functional ops, with MindSpore's arguments and checks."""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _checkparam as validator
from ... import ops
from ...core.tensor import Parameter, Tensor
from ..cell import Cell


class PReLU(Cell):
    """`nn.PReLU(channel=1, w=0.25)`: max(0, x) + w * min(0, x) with one learned slope per channel
    (axis 1), the Parameter named 'a'."""

    def __init__(self, channel: int = 1, w: Any = 0.25) -> None:
        super().__init__()
        validator.check_positive_int(channel, "channel", "PReLU")
        if isinstance(w, (int, float)) and not isinstance(w, bool):
            init = np.full((channel,), float(w), np.float32)
        elif isinstance(w, (list, tuple, np.ndarray, Tensor)):
            init = np.asarray(w.asnumpy() if isinstance(w, Tensor) else w, np.float32).reshape(-1)
            if init.shape != (channel,):
                raise ValueError(f"For 'PReLU', 'w' must have {channel} values (one per channel), got {init.size}")
        else:
            raise TypeError(f"For 'PReLU', 'w' must be a float, a list or a Tensor, got {type(w).__name__}")
        self.channel = channel
        self.w = Parameter(Tensor(init), name="a")

    def construct(self, x: Tensor) -> Tensor:
        if x.ndim < 1:
            raise ValueError("PReLU: the input must be at least 1-d")
        w = self.w
        if x.ndim >= 2 and self.channel > 1:
            if x.shape[1] != self.channel:
                raise ValueError(f"PReLU: input has {x.shape[1]} channels (axis 1), the layer {self.channel}")
            w = ops.reshape(w, (1, -1) + (1,) * (x.ndim - 2))
        w = ops.cast(w, x.dtype)
        return ops.maximum(x, 0) + w * ops.minimum(x, 0)

    def extend_repr(self) -> str:
        return f"channel={self.channel}"


class ELU(Cell):
    """`nn.ELU(alpha=1.0)`: x for x > 0, alpha * (exp(x) - 1) otherwise."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = validator.check_is_float(alpha, "alpha", "ELU")

    def construct(self, x: Tensor) -> Tensor:
        return ops.elu(x, self.alpha)


class HSigmoid(Cell):
    """`nn.HSigmoid()`: relu6(x + 3) / 6."""

    def construct(self, input_x: Tensor) -> Tensor:
        return ops.hardsigmoid(input_x)


class LogSigmoid(Cell):
    """`nn.LogSigmoid()`: log(sigmoid(x)), computed stably."""

    def construct(self, input_x: Tensor) -> Tensor:
        return ops.logsigmoid(input_x)


class SeLU(Cell):
    """`nn.SeLU()`: scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))."""

    def construct(self, input_x: Tensor) -> Tensor:
        return ops.selu(input_x)


class Hardtanh(Cell):
    """`nn.Hardtanh(min_val=-1.0, max_val=1.0)`: x clipped to [min_val, max_val]."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0) -> None:
        super().__init__()
        self.min_val = validator.check_is_float(min_val, "min_val", "Hardtanh")
        self.max_val = validator.check_is_float(max_val, "max_val", "Hardtanh")
        if self.min_val > self.max_val:
            raise ValueError(f"For 'Hardtanh', 'min_val' {min_val} must not exceed 'max_val' {max_val}")

    def construct(self, x: Tensor) -> Tensor:
        return ops.hardtanh(x, self.min_val, self.max_val)
