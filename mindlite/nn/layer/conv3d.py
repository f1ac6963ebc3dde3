"""3-D convolution Cells (Conv3d, Conv3dTranspose, NCDHW) and Conv1dTranspose, over the
composites in ops/conv3d.py. MindSpore's defaults: pad_mode='same', has_bias=False, weight
HeUniform(negative_slope=sqrt(5)) and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) when the
initializers are None."""
from __future__ import annotations

import math
from typing import Any

from ... import _checkparam as validator
from ... import ops
from ...common.initializer import HeUniform, Uniform, initializer
from ...core import dtype as mstype
from ...core.tensor import Parameter, Tensor
from ...ops.conv3d import conv1d_transpose, conv3d, conv3d_transpose, triple
from ..cell import Cell


class _ConvNd(Cell):
    def __init__(self, in_channels: int, out_channels: int, kernel: tuple, stride: tuple, pad_mode: str,
                 padding: Any, dilation: tuple, group: int, has_bias: bool, weight_init: Any, bias_init: Any,
                 weight_shape: tuple, fan_in: int, dtype: Any) -> None:
        super().__init__()
        owner = type(self).__name__
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels), ("group", group)):
            validator.check_positive_int(v, name, owner)
        if in_channels % group or out_channels % group:
            raise ValueError(f"{owner}: in_channels {in_channels} and out_channels {out_channels} must be "
                             f"divisible by group {group}")
        validator.check_string(pad_mode.lower() if isinstance(pad_mode, str) else pad_mode, ["same", "valid", "pad"],
                               "pad_mode", owner)
        validator.check_bool(has_bias, "has_bias", owner)
        dtype = validator.check_float_dtype(dtype, "dtype", owner)
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel
        self.stride, self.pad_mode, self.padding, self.dilation = stride, pad_mode.lower(), padding, dilation
        self.group, self.has_bias = group, has_bias
        self.weight = Parameter(initializer(HeUniform(math.sqrt(5)) if weight_init is None else weight_init,
                                            weight_shape, dtype), name="weight")
        self.bias = None
        if has_bias:
            self.bias = Parameter(initializer(Uniform(1 / math.sqrt(fan_in)) if bias_init is None else bias_init,
                                              (out_channels,), dtype), name="bias")

    def _check_input(self, x: Tensor, ndim: int) -> None:
        if not isinstance(x, Tensor) or x.ndim != ndim or x.shape[1] != self.in_channels:
            shape = list(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{type(self).__name__}: expected a {ndim}-d input with {self.in_channels} channels, "
                             f"got {shape}")

    def _add_bias(self, y: Tensor) -> Tensor:
        return y if self.bias is None else y + ops.reshape(self.bias, (1, -1) + (1,) * (y.ndim - 2))

    def extend_repr(self) -> str:
        return (f"input_channels={self.in_channels}, output_channels={self.out_channels}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, pad_mode={self.pad_mode}, "
                f"padding={self.padding}, dilation={self.dilation}, group={self.group}, has_bias={self.has_bias}")


def _check_3d_args(owner: str, pad_mode: str, padding: Any, data_format: str) -> Any:
    validator.check_string(data_format, ["NCDHW"], "data_format", owner)
    padding = validator.check_padding(padding, (3, 6), "padding", owner)
    if str(pad_mode).lower() != "pad" and padding not in (0, (0, 0, 0), (0,) * 6):
        raise ValueError(f"{owner}: padding must be 0 unless pad_mode='pad', got {padding!r}")
    return padding


class Conv3d(_ConvNd):
    """3-D convolution of (N, C, D, H, W); weight (out_channels, in_channels/group, kd, kh, kw)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, pad_mode: str = "same",
                 padding: Any = 0, dilation: Any = 1, group: int = 1, has_bias: bool = False, weight_init: Any = None,
                 bias_init: Any = None, data_format: str = "NCDHW", dtype: Any = mstype.float32) -> None:
        padding = _check_3d_args("Conv3d", pad_mode, padding, data_format)
        k = triple(kernel_size, "kernel_size", "Conv3d")
        super().__init__(in_channels, out_channels, k, triple(stride, "stride", "Conv3d"), pad_mode, padding,
                         triple(dilation, "dilation", "Conv3d"), group, has_bias, weight_init, bias_init,
                         (out_channels, in_channels // group) + k, in_channels // group * math.prod(k), dtype)

    def construct(self, x: Tensor) -> Tensor:
        self._check_input(x, 5)
        y = conv3d(x, self.weight, None, self.stride, self.pad_mode, self.padding, self.dilation, self.group)
        return self._add_bias(y)


class Conv3dTranspose(_ConvNd):
    """Transposed 3-D convolution; weight (in_channels, out_channels/group, kd, kh, kw)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, pad_mode: str = "same",
                 padding: Any = 0, dilation: Any = 1, group: int = 1, output_padding: Any = 0, has_bias: bool = False,
                 weight_init: Any = None, bias_init: Any = None, data_format: str = "NCDHW",
                 dtype: Any = mstype.float32) -> None:
        padding = _check_3d_args("Conv3dTranspose", pad_mode, padding, data_format)
        k = triple(kernel_size, "kernel_size", "Conv3dTranspose")
        super().__init__(in_channels, out_channels, k, triple(stride, "stride", "Conv3dTranspose"), pad_mode,
                         padding, triple(dilation, "dilation", "Conv3dTranspose"), group, has_bias, weight_init,
                         bias_init, (in_channels, out_channels // group) + k, out_channels // group * math.prod(k),
                         dtype)
        self.output_padding = triple(output_padding, "output_padding", "Conv3dTranspose", minimum=0)

    def construct(self, x: Tensor) -> Tensor:
        self._check_input(x, 5)
        y = conv3d_transpose(x, self.weight, self.pad_mode, self.padding, self.stride, self.dilation, self.group,
                                self.output_padding)
        return self._add_bias(y)


class Conv1dTranspose(_ConvNd):
    """Transposed 1-D convolution of (N, C, L); weight (in_channels, out_channels/group, 1, k) as
    MindSpore stores it."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, pad_mode: str = "same",
                 padding: int = 0, dilation: int = 1, group: int = 1, has_bias: bool = False, weight_init: Any = None,
                 bias_init: Any = None, dtype: Any = mstype.float32) -> None:
        for name, v in (("kernel_size", kernel_size), ("stride", stride), ("dilation", dilation)):
            validator.check_positive_int(v, name, "Conv1dTranspose")
        validator.check_non_negative_int(padding, "padding", "Conv1dTranspose")
        if str(pad_mode).lower() != "pad" and padding:
            raise ValueError(f"Conv1dTranspose: padding must be 0 unless pad_mode='pad', got {padding!r}")
        super().__init__(in_channels, out_channels, (1, kernel_size), (1, stride), pad_mode, padding, (1, dilation),
                         group, has_bias, weight_init, bias_init, (in_channels, out_channels // group, 1, kernel_size),
                         out_channels // group * kernel_size, dtype)

    def construct(self, x: Tensor) -> Tensor:
        self._check_input(x, 3)
        y = conv1d_transpose(x, self.weight, self.stride[1], self.pad_mode, self.padding, self.dilation[1],
                                self.group)
        return self._add_bias(y)
