"""Fused building blocks of MindSpore's model zoo: nn.Conv2dBnAct (Conv2d -> BatchNorm2d ->
activation) and nn.DenseBnAct (Dense -> BatchNorm1d -> activation); the BatchNorm and the
activation are optional. Sub-cells are named `conv`/`dense`, `batchnorm` and `activation`
as in MindSpore, so checkpoints line up."""
from __future__ import annotations

from typing import Any

from ... import _checkparam as validator
from ..cell import Cell
from .activation import LeakyReLU, get_activation
from .basic import Dense
from .conv import Conv2d
from .normalization import BatchNorm1d, BatchNorm2d


def _activation(name: Any, alpha: float, owner: str) -> Any:
    if name is None:
        return None
    if isinstance(name, Cell):
        return name
    if isinstance(name, str) and name.lower() == "leakyrelu":
        return LeakyReLU(alpha)
    return get_activation(name, owner)


class Conv2dBnAct(Cell):
    """`nn.Conv2dBnAct(in_channels, out_channels, kernel_size, stride=1, pad_mode='same', padding=0,
    dilation=1, group=1, has_bias=False, weight_init='normal', bias_init='zeros', has_bn=False,
    momentum=0.997, eps=1e-5, activation=None, alpha=0.2, after_fake=True)`."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, pad_mode: str = "same",
                 padding: Any = 0, dilation: Any = 1, group: int = 1, has_bias: bool = False,
                 weight_init: Any = "normal", bias_init: Any = "zeros", has_bn: bool = False, momentum: float = 0.997,
                 eps: float = 1e-5, activation: Any = None, alpha: float = 0.2, after_fake: bool = True) -> None:
        super().__init__()
        validator.check_bool(has_bn, "has_bn", "Conv2dBnAct")
        validator.check_bool(after_fake, "after_fake", "Conv2dBnAct")
        self.conv = Conv2d(in_channels, out_channels, kernel_size, stride, pad_mode, padding, dilation, group,
                           has_bias, weight_init, bias_init)
        self.has_bn = has_bn
        self.has_act = activation is not None
        self.after_fake = after_fake
        if has_bn:
            self.batchnorm = BatchNorm2d(out_channels, eps=eps, momentum=momentum)
        act = _activation(activation, alpha, "Conv2dBnAct")
        if act is not None:
            self.activation = act

    def construct(self, x: Any) -> Any:
        x = self.conv(x)
        if self.has_bn:
            x = self.batchnorm(x)
        if self.has_act:
            x = self.activation(x)
        return x


class DenseBnAct(Cell):
    """`nn.DenseBnAct(in_channels, out_channels, weight_init='normal', bias_init='zeros', has_bias=True,
    has_bn=False, momentum=0.9, eps=1e-5, activation=None, alpha=0.2, after_fake=True)`."""

    def __init__(self, in_channels: int, out_channels: int, weight_init: Any = "normal", bias_init: Any = "zeros",
                 has_bias: bool = True, has_bn: bool = False, momentum: float = 0.9, eps: float = 1e-5,
                 activation: Any = None, alpha: float = 0.2, after_fake: bool = True) -> None:
        super().__init__()
        validator.check_bool(has_bn, "has_bn", "DenseBnAct")
        validator.check_bool(after_fake, "after_fake", "DenseBnAct")
        self.dense = Dense(in_channels, out_channels, weight_init, bias_init, has_bias)
        self.has_bn = has_bn
        self.has_act = activation is not None
        self.after_fake = after_fake
        if has_bn:
            self.batchnorm = BatchNorm1d(out_channels, eps=eps, momentum=momentum)
        act = _activation(activation, alpha, "DenseBnAct")
        if act is not None:
            self.activation = act

    def construct(self, x: Any) -> Any:
        x = self.dense(x)
        if self.has_bn:
            x = self.batchnorm(x)
        if self.has_act:
            x = self.activation(x)
        return x
