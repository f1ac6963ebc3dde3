"""3-D convolution Cells (Conv3d, Conv3dTranspose, NCDHW) and Conv1dTranspose, over the
composites in ops/conv3d.py. MindSpore's defaults: pad_mode='same', has_bias=False, weight
HeUniform(negative_slope=sqrt(5)) and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)) when the
initializers are None."""
from __future__ import annotations

from typing import Any

from ... import _checkparam as validator
from ...core import dtype as mstype
from ...core.tensor import Tensor
from ...ops.conv3d import conv1d_transpose, conv3d, conv3d_transpose, triple
from .conv import _Conv


class _ConvNd(_Conv):
    """The 2-D layers' parameters and checks with 3-D paddings."""

    _padding_lengths = (3, 6)


def _check_3d_args(owner: str, data_format: str) -> None:
    validator.check_string(data_format, ["NCDHW"], "data_format", owner)


class Conv3d(_ConvNd):
    """3-D convolution of (N, C, D, H, W); weight (out_channels, in_channels/group, kd, kh, kw)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, pad_mode: str = "same",
                 padding: Any = 0, dilation: Any = 1, group: int = 1, has_bias: bool = False, weight_init: Any = None,
                 bias_init: Any = None, data_format: str = "NCDHW", dtype: Any = mstype.float32) -> None:
        _check_3d_args("Conv3d", data_format)
        k = triple(kernel_size, "kernel_size", "Conv3d")
        super().__init__(in_channels, out_channels, k, triple(stride, "stride", "Conv3d"), pad_mode, padding,
                         triple(dilation, "dilation", "Conv3d"), group, has_bias, weight_init, bias_init,
                         (out_channels, in_channels // group) + k, dtype)

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
        _check_3d_args("Conv3dTranspose", data_format)
        k = triple(kernel_size, "kernel_size", "Conv3dTranspose")
        super().__init__(in_channels, out_channels, k, triple(stride, "stride", "Conv3dTranspose"), pad_mode,
                         padding, triple(dilation, "dilation", "Conv3dTranspose"), group, has_bias, weight_init,
                         bias_init, (in_channels, out_channels // group) + k, dtype)
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
                         dtype)

    def construct(self, x: Tensor) -> Tensor:
        self._check_input(x, 3)
        y = conv1d_transpose(x, self.weight, self.stride[1], self.pad_mode, self.padding, self.dilation[1],
                                self.group)
        return self._add_bias(y)
