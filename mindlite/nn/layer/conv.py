"""Convolution Cells: Conv1d, Conv2d, Conv2dTranspose (NCHW)."""
from __future__ import annotations

import math
from typing import Any

from ... import _checkparam as validator
from ... import ops
from ...common.initializer import HeUniform, Uniform, initializer
from ...core import dtype as mstype
from ...core.tensor import Parameter, Tensor
from ...ops import conv as C
from ..cell import Cell


def _pair(v: Any, name: str, owner: str) -> tuple:
    if isinstance(v, (tuple, list)) and len(v) != 2:
        raise ValueError(f"For '{owner}', '{name}' must be an int or a tuple of 2 ints, got {len(v)} values {v!r}")
    return validator.check_int_or_pair(v, name, owner)


class _Conv(Cell):
    """Shared parameters and checks. MindSpore's defaults differ from PyTorch's:
    pad_mode='same' and has_bias=False. With weight_init=None (2.1+) the weight is
    HeUniform(negative_slope=sqrt(5)) and the bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""

    _padding_lengths = (2, 4)  # the tuple lengths `padding` may have: one per spatial axis, or per side

    def __init__(self, in_channels: int, out_channels: int, kernel: tuple, stride: tuple, pad_mode: str,
                 padding: Any, dilation: tuple, group: int, has_bias: bool, weight_init: Any, bias_init: Any,
                 weight_shape: tuple, dtype: Any) -> None:
        super().__init__()
        owner = type(self).__name__
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels), ("group", group)):
            validator.check_positive_int(v, name, owner)
        if in_channels % group or out_channels % group:
            raise ValueError(f"{owner}: in_channels {in_channels} and out_channels {out_channels} must be "
                             f"divisible by group {group}")
        validator.check_string(pad_mode.lower() if isinstance(pad_mode, str) else pad_mode, ["same", "valid", "pad"],
                               "pad_mode", owner)
        padding = validator.check_padding(padding, self._padding_lengths, "padding", owner)
        validator.check_bool(has_bias, "has_bias", owner)
        dtype = validator.check_float_dtype(dtype, "dtype", owner)
        if str(pad_mode).lower() != "pad" and any(padding if isinstance(padding, tuple) else (padding,)):
            raise ValueError(f"{owner}: padding must be 0 unless pad_mode='pad', got {padding!r}")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel
        self.stride, self.pad_mode, self.padding, self.dilation = stride, str(pad_mode).lower(), padding, dilation
        self.group, self.has_bias = group, has_bias
        fan_in = weight_shape[1] * math.prod(weight_shape[2:])
        if weight_init is None:
            weight_init = HeUniform(math.sqrt(5))
        self.weight = Parameter(initializer(weight_init, weight_shape, dtype), name="weight")
        self.bias = None
        if has_bias:
            if bias_init is None:
                bias_init = Uniform(1 / math.sqrt(fan_in))
            self.bias = Parameter(initializer(bias_init, (out_channels,), dtype), name="bias")

    def _check_input(self, x: Tensor, ndim: int) -> None:
        if not isinstance(x, Tensor) or x.ndim != ndim or x.shape[1] != self.in_channels:
            got = f"shape {list(x.shape)}" if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{type(self).__name__}: expected a {ndim}-d input with {self.in_channels} channels, "
                             f"got {got}")

    def _add_bias(self, y: Tensor) -> Tensor:
        return y if self.bias is None else y + ops.reshape(self.bias, (1, -1) + (1,) * (y.ndim - 2))

    def extend_repr(self) -> str:
        return (f"input_channels={self.in_channels}, output_channels={self.out_channels}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, pad_mode={self.pad_mode}, "
                f"padding={self.padding}, dilation={self.dilation}, group={self.group}, has_bias={self.has_bias}")


class Conv2d(_Conv):
    """2-D convolution; weight (out_channels, in_channels/group, kh, kw)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 pad_mode: str = "same", padding: Any = 0, dilation: Any = 1, group: int = 1, has_bias: bool = False,
                 weight_init: Any = None, bias_init: Any = None, data_format: str = "NCHW",
                 dtype: Any = mstype.float32) -> None:
        validator.check_string(data_format, ["NCHW", "NHWC"], "data_format", "Conv2d")
        if data_format != "NCHW":
            raise ValueError("Conv2d: data_format='NHWC' is not supported, use 'NCHW'")
        k = _pair(kernel_size, "kernel_size", "Conv2d")
        super().__init__(in_channels, out_channels, k, _pair(stride, "stride", "Conv2d"), pad_mode, padding,
                         _pair(dilation, "dilation", "Conv2d"), group, has_bias, weight_init, bias_init,
                         (out_channels, in_channels // group) + k, dtype)

    def construct(self, x: Tensor) -> Tensor:
        self._check_input(x, 4)
        pads = C.conv_pads(x.shape[2:], self.kernel_size, self.stride, self.dilation, self.pad_mode, self.padding,
                           "Conv2d")
        y = C.conv2d_p(x, self.weight, stride=self.stride, pads=pads, dilation=self.dilation, groups=self.group)
        return y if self.bias is None else y + ops.reshape(self.bias, (1, -1, 1, 1))


class Conv1d(_Conv):
    """1-D convolution of (N, C, L); weight (out_channels, in_channels/group, 1, k) as MindSpore stores it."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 pad_mode: str = "same", padding: Any = 0, dilation: int = 1, group: int = 1, has_bias: bool = False,
                 weight_init: Any = None, bias_init: Any = None, dtype: Any = mstype.float32) -> None:
        for name, v in (("kernel_size", kernel_size), ("stride", stride), ("dilation", dilation)):
            validator.check_positive_int(v, name, "Conv1d")
        padding = validator.check_padding(padding, (2,), "padding", "Conv1d")
        pad = (0, 0, padding, padding) if isinstance(padding, int) else (0, 0) + tuple(padding)
        super().__init__(in_channels, out_channels, (1, kernel_size), (1, stride), pad_mode,
                         pad if str(pad_mode).lower() == "pad" else 0, (1, dilation), group, has_bias, weight_init,
                         bias_init, (out_channels, in_channels // group, 1, kernel_size), dtype)

    def construct(self, x: Tensor) -> Tensor:
        self._check_input(x, 3)
        n, c, length = x.shape
        pads = C.conv_pads((1, length), self.kernel_size, self.stride, self.dilation, self.pad_mode, self.padding,
                           "Conv1d")
        y = C.conv2d_p(ops.reshape(x, (n, c, 1, length)), self.weight, stride=self.stride, pads=pads,
                       dilation=self.dilation, groups=self.group)
        y = ops.reshape(y, (n, self.out_channels, y.shape[3]))
        return y if self.bias is None else y + ops.reshape(self.bias, (1, -1, 1))


class Conv2dTranspose(_Conv):
    """Transposed 2-D convolution; weight (in_channels, out_channels/group, kh, kw)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 pad_mode: str = "same", padding: Any = 0, output_padding: Any = 0, dilation: Any = 1,
                 group: int = 1, has_bias: bool = False, weight_init: Any = None, bias_init: Any = None,
                 dtype: Any = mstype.float32) -> None:
        k = _pair(kernel_size, "kernel_size", "Conv2dTranspose")
        super().__init__(in_channels, out_channels, k, _pair(stride, "stride", "Conv2dTranspose"), pad_mode,
                         padding, _pair(dilation, "dilation", "Conv2dTranspose"), group, has_bias, weight_init,
                         bias_init, (in_channels, out_channels // group) + k, dtype)
        self.output_padding = output_padding

    def construct(self, x: Tensor) -> Tensor:
        self._check_input(x, 4)
        y = C.conv2d_transpose(x, self.weight, None, self.stride, self.pad_mode, self.padding, self.dilation,
                               self.group, self.output_padding)
        return y if self.bias is None else y + ops.reshape(self.bias, (1, -1, 1, 1))


CONV_TYPES = (Conv1d, Conv2d, Conv2dTranspose)
