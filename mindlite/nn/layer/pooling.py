"""Pooling Cells: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (and 1-d forms)."""
from __future__ import annotations

from typing import Any

from ... import _checkparam as validator
from ... import ops
from ...core.tensor import Tensor
from ...ops import conv as C
from ..cell import Cell


def _pair(v: Any, name: str, owner: str) -> tuple:
    if isinstance(v, (tuple, list)) and len(v) != 2:
        raise ValueError(f"For '{owner}', '{name}' must be an int or a tuple of 2 ints, got {len(v)} values {v!r}")
    return validator.check_int_or_pair(v, name, owner)


class _Pool2d(Cell):
    """MindSpore pooling defaults: kernel_size=1, stride=1 (not = kernel), pad_mode='valid'."""

    def __init__(self, kernel_size: Any, stride: Any, pad_mode: str, padding: Any, ceil_mode: bool,
                 data_format: str) -> None:
        super().__init__()
        owner = type(self).__name__
        validator.check_string(data_format, ["NCHW", "NHWC"], "data_format", owner)
        if data_format != "NCHW":
            raise ValueError(f"{owner}: data_format='NHWC' is not supported, use 'NCHW'")
        mode = validator.check_string(pad_mode.lower() if isinstance(pad_mode, str) else pad_mode,
                                      ["same", "valid", "pad"], "pad_mode", owner)
        padding = validator.check_padding(padding, (2, 4), "padding", owner)
        validator.check_bool(ceil_mode, "ceil_mode", owner)
        self.kernel_size = _pair(kernel_size, "kernel_size", owner)
        self.stride = _pair(stride, "stride", owner)
        self.pad_mode, self.padding, self.ceil_mode = mode, padding, bool(ceil_mode)

    def _pads(self, x: Tensor, dilation: tuple = (1, 1)) -> tuple:
        if x.ndim != 4:
            raise ValueError(f"{type(self).__name__}: expected a 4-d (N, C, H, W) input, got {list(x.shape)}")
        return C.pool_pads(x.shape[2:], self.kernel_size, self.stride, dilation, self.pad_mode, self.padding,
                           type(self).__name__)

    def extend_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, pad_mode={self.pad_mode}"


class MaxPool2d(_Pool2d):
    def __init__(self, kernel_size: Any = 1, stride: Any = 1, pad_mode: str = "valid", padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False, ceil_mode: bool = False,
                 data_format: str = "NCHW") -> None:
        super().__init__(kernel_size, stride, pad_mode, padding, ceil_mode, data_format)
        self.dilation = _pair(dilation, "dilation", "MaxPool2d")
        self.return_indices = return_indices

    def construct(self, x: Tensor) -> Any:
        params = dict(kernel=self.kernel_size, stride=self.stride, pads=self._pads(x, self.dilation),
                      dilation=self.dilation, ceil_mode=self.ceil_mode)
        out = C.max_pool2d_p(x, **params)
        return (out, C.max_pool2d_argmax_p(x, **params)) if self.return_indices else out


class AvgPool2d(_Pool2d):
    def __init__(self, kernel_size: Any = 1, stride: Any = 1, pad_mode: str = "valid", padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: Any = None,
                 data_format: str = "NCHW") -> None:
        super().__init__(kernel_size, stride, pad_mode, padding, ceil_mode, data_format)
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def construct(self, x: Tensor) -> Tensor:
        return C.avg_pool2d_p(x, kernel=self.kernel_size, stride=self.stride, pads=self._pads(x),
                              ceil_mode=self.ceil_mode, count_include_pad=bool(self.count_include_pad),
                              divisor_override=self.divisor_override or None)


class AdaptiveAvgPool2d(Cell):
    """Average over adaptive bins to `output_size` (int or (oh, ow); None keeps that size)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        items = output_size if isinstance(output_size, (tuple, list)) else (output_size,)
        if isinstance(output_size, (tuple, list)) and len(output_size) != 2:
            raise ValueError(f"For 'AdaptiveAvgPool2d', 'output_size' must be an int or (h, w), got {output_size!r}")
        for i, v in enumerate(items):
            if v is not None:
                validator.check_positive_int(v, f"output_size[{i}]" if len(items) > 1 else "output_size",
                                             "AdaptiveAvgPool2d")
        self.output_size = output_size

    def construct(self, x: Tensor) -> Tensor:
        return ops.adaptive_avg_pool2d(x, self.output_size)


class MaxPool1d(Cell):
    def __init__(self, kernel_size: int = 1, stride: int = 1, pad_mode: str = "valid", padding: int = 0) -> None:
        super().__init__()
        self._pool = MaxPool2d((1, kernel_size), (1, stride), pad_mode, (0, 0, padding, padding) if padding else 0)

    def construct(self, x: Tensor) -> Tensor:
        n, c, length = x.shape
        y = self._pool(ops.reshape(x, (n, c, 1, length)))
        return ops.reshape(y, (n, c, y.shape[3]))


class AvgPool1d(Cell):
    def __init__(self, kernel_size: int = 1, stride: int = 1, pad_mode: str = "valid", padding: int = 0) -> None:
        super().__init__()
        self._pool = AvgPool2d((1, kernel_size), (1, stride), pad_mode, (0, 0, padding, padding) if padding else 0)

    def construct(self, x: Tensor) -> Tensor:
        n, c, length = x.shape
        y = self._pool(ops.reshape(x, (n, c, 1, length)))
        return ops.reshape(y, (n, c, y.shape[3]))
