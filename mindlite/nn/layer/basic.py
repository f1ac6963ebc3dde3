"""Dense, Dropout, Flatten, Identity and other basic Cells."""
from __future__ import annotations

import math
from typing import Any

from ... import _checkparam as validator
from ... import ops
from ...common.initializer import HeUniform, Uniform, initializer
from ...core import dtype as mstype
from ...core.tensor import Parameter, Tensor
from ..cell import Cell
from .activation import get_activation


class Dense(Cell):
    """y = activation(x @ weight.T + bias).

    Weight layout is (out_channels, in_channels) as in MindSpore. With `weight_init=None`
    (MindSpore 2.1+) the weight is HeUniform(negative_slope=sqrt(5)) and the bias
    U(-1/sqrt(in), 1/sqrt(in)), i.e. PyTorch's default.
    """

    def __init__(self, in_channels: int, out_channels: int, weight_init: Any = None, bias_init: Any = None,
                 has_bias: bool = True, activation: Any = None, dtype: Any = mstype.float32) -> None:
        super().__init__()
        self.in_channels = validator.check_positive_int(in_channels, "in_channels", "Dense")
        self.out_channels = validator.check_positive_int(out_channels, "out_channels", "Dense")
        self.has_bias = validator.check_bool(has_bias, "has_bias", "Dense")
        dtype = validator.check_float_dtype(dtype, "dtype", "Dense")
        if activation is not None and not isinstance(activation, (str, Cell)):
            raise TypeError(f"For 'Dense', 'activation' must be a str, a Cell or None, got {type(activation).__name__}")
        if weight_init is None:
            weight_init = HeUniform(math.sqrt(5))
        self.weight = Parameter(initializer(weight_init, (out_channels, in_channels), dtype), name="weight")
        self.bias = None
        if has_bias:
            if bias_init is None:
                bias_init = Uniform(1 / math.sqrt(in_channels))
            self.bias = Parameter(initializer(bias_init, (out_channels,), dtype), name="bias")
        self.activation = get_activation(activation) if isinstance(activation, str) else activation
        self.activation_flag = self.activation is not None

    def construct(self, x: Tensor) -> Tensor:
        if x.shape[-1] != self.in_channels:
            raise ValueError(f"Dense: input last dimension {x.shape[-1]} != in_channels {self.in_channels} "
                             f"(input shape {list(x.shape)})")
        y = ops.dense(x, self.weight, self.bias)
        return self.activation(y) if self.activation_flag else y

    def extend_repr(self) -> str:
        return f"input_channels={self.in_channels}, output_channels={self.out_channels}, has_bias={self.has_bias}"


class Dropout(Cell):
    """Dropout in training mode only, with inverted scaling.

    MindSpore's first positional argument is `keep_prob` (the probability to KEEP); the 2.x
    keyword `p` (probability to ZERO) wins when given.
    """

    def __init__(self, keep_prob: float = 0.5, p: float | None = None, dtype: Any = mstype.float32) -> None:
        super().__init__()
        if p is None:
            keep_prob = validator.check_float_range(keep_prob, 0.0, 1.0, validator.INC_RIGHT, "keep_prob", "Dropout")
            p = 1.0 - keep_prob
        else:
            p = validator.check_float_range(p, 0.0, 1.0, validator.INC_LEFT, "p", "Dropout")
        validator.check_float_dtype(dtype, "dtype", "Dropout")
        self.p = float(p)
        self.keep_prob = 1.0 - self.p

    def construct(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        return ops.dropout(x, self.p, True)

    def extend_repr(self) -> str:
        return f"p={self.p}"


class Flatten(Cell):
    """Merge dimensions start_dim..end_dim (default: all but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = validator.check_is_int(start_dim, "start_dim", "Flatten")
        self.end_dim = validator.check_is_int(end_dim, "end_dim", "Flatten")

    def construct(self, x: Tensor) -> Tensor:
        return ops.flatten(x, start_dim=self.start_dim, end_dim=self.end_dim)


class Identity(Cell):
    def construct(self, x: Any) -> Any:
        return x


class Pad(Cell):
    """`nn.Pad(paddings, mode="CONSTANT")` with numpy-style ((before, after), ...) pairs."""

    def __init__(self, paddings: Any, mode: str = "CONSTANT") -> None:
        super().__init__()
        if not isinstance(paddings, (tuple, list)) or not all(
                isinstance(p, (tuple, list)) and len(p) == 2 for p in paddings):
            raise TypeError(f"For 'Pad', 'paddings' must be a tuple of (before, after) pairs, got {paddings!r}")
        for i, pair in enumerate(paddings):
            validator.check_padding(tuple(pair), (2,), f"paddings[{i}]", "Pad")
        mode = validator.check_string(mode.upper() if isinstance(mode, str) else mode,
                                      ["CONSTANT", "REFLECT", "SYMMETRIC"], "mode", "Pad")
        if mode == "SYMMETRIC":
            raise ValueError("Pad: SYMMETRIC mode is not supported; use REFLECT or CONSTANT")
        self.paddings, self.mode = tuple(tuple(p) for p in paddings), mode.lower()

    def construct(self, x: Tensor) -> Tensor:
        return ops.pad_nd(x, self.paddings, self.mode)


class OneHot(Cell):
    def __init__(self, axis: int = -1, depth: int = 1, on_value: float = 1.0, off_value: float = 0.0,
                 dtype: Any = mstype.float32) -> None:
        super().__init__()
        validator.check_is_int(axis, "axis", "OneHot")
        validator.check_non_negative_int(depth, "depth", "OneHot")
        validator.check_is_float(on_value, "on_value", "OneHot")
        validator.check_is_float(off_value, "off_value", "OneHot")
        dtype = validator.check_dtype(dtype, "dtype", "OneHot")
        self.axis, self.depth, self.on_value, self.off_value, self.dtype = axis, depth, on_value, off_value, dtype

    def construct(self, indices: Tensor) -> Tensor:
        return ops.cast(ops.one_hot(indices, self.depth, self.on_value, self.off_value, self.axis), self.dtype)


class ClipByNorm(Cell):
    """Scale `x` so its L2 norm over `axis` is at most `clip_norm`."""

    def __init__(self, axis: Any = None) -> None:
        super().__init__()
        self.axis = validator.check_axis(axis, "axis", "ClipByNorm", allow_none=True, allow_tuple=True)

    def construct(self, x: Tensor, clip_norm: Any) -> Tensor:
        norm = ops.norm(x, dim=self.axis, keepdim=True)
        return x * (clip_norm / ops.maximum(norm, clip_norm))
