"""ResNet v1.5 for mindlite, structured as MindSpore's official recipe
(mindspore-ai/models official/cv/ResNet/src/resnet.py).

One definition covers depths 18/34/50/101/152:

    ResNet(block, layer_nums, in_channels, out_channels, strides, num_classes,
           res_base=False, zero_init_residual=False)

* ``ResidualBlock`` (alias ``Bottleneck``, expansion 4): 1x1 -> BN -> ReLU -> 3x3 (stride s,
  the v1.5 placement) -> BN -> ReLU -> 1x1 -> BN, plus the shortcut, then ReLU.
* ``ResidualBlockBase`` (alias ``BasicBlock``): 3x3 (stride s) -> BN -> ReLU -> 3x3 -> BN,
  plus the shortcut, then ReLU.
* Shortcut: identity, or ``SequentialCell([conv1x1 stride s, BN])`` (named
  ``down_sample_layer``) when the stride or the channel count changes.
* Stem: Conv 7x7/2 (pad_mode 'same', 3 -> 64, no bias) -> BN -> ReLU -> MaxPool 3x3/2 'same'.
* Head: mean over (H, W) with keep_dims -> Flatten -> Dense(out_channels[3], num_classes)
  named ``end_point``.

Parameter names follow MindSpore's checkpoints: ``conv1.weight``, ``bn1.gamma``,
``layer1.0.conv1.weight``, ``layer1.0.down_sample_layer.0.weight``, ``end_point.weight``,
``end_point.bias`` (basic blocks name their BNs ``bn1d``/``bn2d`` as MindSpore does).

MindSpore hyper-parameters and initialisation copied here:

* BN (``_bn``): eps 1e-4, momentum 0.9 (MindSpore's momentum = weight of the old value),
  gamma 1, beta 0, moving mean 0, moving variance 1.
* ``res_base=True`` (MindSpore's resnet18/34 setting): stem/blocks use explicit padding
  (``pad_mode='pad'``), the stem pads by 1 and max-pools 'valid', and the stem BN and the
  shortcut BNs use eps 1e-5 with momentum 0.1 (as the recipe writes it - in MindSpore's
  convention that keeps only 10% of the old moving statistics).
* Conv weights: kaiming normal, mode 'fan_out', nonlinearity 'relu'
  (``HeNormal(mode='fan_out', nonlinearity='relu')``).
* Dense weight: kaiming uniform with a = sqrt(5) (``HeUniform(negative_slope=sqrt(5))``);
  bias 0.
* The recipe's train.py then calls ``src/util.py:init_weight``, which (without a pre-trained
  checkpoint) re-initialises every Conv2d with XavierUniform and every Dense weight with
  TruncatedNormal(0.01), because the yaml sets ``conv_init: XavierUniform`` and
  ``dense_init: TruncatedNormal``. ``init_weight(net)`` below does the same.
* ``zero_init_residual`` sets the gamma of the last BN of every residual block to 0
  (MindSpore's ``_bn_last``, which its recipe uses for resnet152 and the Thor optimizer).

Trainable parameters of ``resnet50(1000)``: 25,557,032 (conv weights, BN gamma/beta, dense
weight/bias; BN moving mean/variance are not trainable and not counted).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from mindlite import nn, ops
from mindlite.common.initializer import HeNormal, HeUniform, Normal, TruncatedNormal, XavierUniform, initializer

__all__ = ["ResidualBlock", "ResidualBlockBase", "Bottleneck", "BasicBlock", "ResNet", "resnet18", "resnet34",
           "resnet50", "resnet101", "resnet152", "init_weight", "count_trainable_params"]


def _conv(in_channel: int, out_channel: int, kernel_size: int, stride: int = 1, res_base: bool = False) -> nn.Conv2d:
    """Conv2d without bias, kaiming-normal(fan_out, relu) weight; 'same' padding, or explicit
    (kernel_size // 2) padding when res_base."""
    # An Initializer rather than a pre-built Tensor: mindlite's Conv2d evaluates
    # `weight_init or default`, which raises for a Tensor (reported as a framework bug).
    weight = HeNormal(mode="fan_out", nonlinearity="relu")
    if res_base:
        return nn.Conv2d(in_channel, out_channel, kernel_size, stride=stride, pad_mode="pad",
                         padding=kernel_size // 2, weight_init=weight)
    return nn.Conv2d(in_channel, out_channel, kernel_size, stride=stride, pad_mode="same", weight_init=weight)


def _bn(channel: int, res_base: bool = False, gamma_init: Any = 1) -> nn.BatchNorm2d:
    """MindSpore's `_bn` (eps 1e-4, momentum 0.9), or its res_base variant (eps 1e-5, momentum 0.1);
    gamma_init=0 gives `_bn_last`."""
    eps, momentum = (1e-5, 0.1) if res_base else (1e-4, 0.9)
    return nn.BatchNorm2d(channel, eps=eps, momentum=momentum, gamma_init=gamma_init, beta_init=0,
                          moving_mean_init=0, moving_var_init=1)


def _fc(in_channel: int, out_channel: int) -> nn.Dense:
    """Dense with kaiming-uniform(a=sqrt(5)) weight and zero bias."""
    return nn.Dense(in_channel, out_channel, has_bias=True, weight_init=HeUniform(negative_slope=math.sqrt(5)),
                    bias_init=0)


def _shortcut(in_channel: int, out_channel: int, stride: int, res_base: bool) -> Any:
    """The projection shortcut (conv 1x1 stride s + BN), or None for the identity."""
    if stride == 1 and in_channel == out_channel:
        return None
    return nn.SequentialCell([_conv(in_channel, out_channel, 1, stride, res_base), _bn(out_channel, res_base)])


class ResidualBlock(nn.Cell):
    """Bottleneck block (expansion 4), stride on the 3x3 convolution (ResNet v1.5).

    Args:
        in_channel: input channels. out_channel: output channels (4x the bottleneck width).
        stride: stride of the 3x3 convolution and of the shortcut. zero_init_residual: gamma 0
        for bn3. res_base: explicit padding instead of 'same' (see the module docstring).
    """

    expansion = 4

    def __init__(self, in_channel: int, out_channel: int, stride: int = 1, zero_init_residual: bool = False,
                 res_base: bool = False) -> None:
        super().__init__()
        channel = out_channel // self.expansion
        self.conv1 = _conv(in_channel, channel, 1, 1, res_base)
        self.bn1 = _bn(channel)
        self.conv2 = _conv(channel, channel, 3, stride, res_base)
        self.bn2 = _bn(channel)
        self.conv3 = _conv(channel, out_channel, 1, 1, res_base)
        self.bn3 = _bn(out_channel, gamma_init=0 if zero_init_residual else 1)
        self.relu = nn.ReLU()
        self.down_sample_layer = _shortcut(in_channel, out_channel, stride, res_base)
        self.down_sample = self.down_sample_layer is not None

    def last_bn(self) -> nn.BatchNorm2d:
        return self.bn3

    def construct(self, x: Any) -> Any:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.down_sample:
            identity = self.down_sample_layer(identity)
        return self.relu(out + identity)


class ResidualBlockBase(nn.Cell):
    """Basic block of ResNet-18/34: two 3x3 convolutions, the first with stride s.

    BN names are ``bn1d``/``bn2d`` as in MindSpore's checkpoints. Arguments as ResidualBlock.
    """

    expansion = 1

    def __init__(self, in_channel: int, out_channel: int, stride: int = 1, zero_init_residual: bool = False,
                 res_base: bool = True) -> None:
        super().__init__()
        self.conv1 = _conv(in_channel, out_channel, 3, stride, res_base)
        self.bn1d = _bn(out_channel)
        self.conv2 = _conv(out_channel, out_channel, 3, 1, res_base)
        self.bn2d = _bn(out_channel, gamma_init=0 if zero_init_residual else 1)
        self.relu = nn.ReLU()
        self.down_sample_layer = _shortcut(in_channel, out_channel, stride, res_base)
        self.down_sample = self.down_sample_layer is not None

    def last_bn(self) -> nn.BatchNorm2d:
        return self.bn2d

    def construct(self, x: Any) -> Any:
        identity = x
        out = self.relu(self.bn1d(self.conv1(x)))
        out = self.bn2d(self.conv2(out))
        if self.down_sample:
            identity = self.down_sample_layer(identity)
        return self.relu(out + identity)


Bottleneck = ResidualBlock
BasicBlock = ResidualBlockBase


class ResNet(nn.Cell):
    """ResNet backbone + classifier (MindSpore's `ResNet`).

    Args:
        block: ResidualBlock (Bottleneck) or ResidualBlockBase (BasicBlock).
        layer_nums: blocks per stage, e.g. [3, 4, 6, 3] for ResNet-50.
        in_channels / out_channels: input / output channels of each of the 4 stages.
        strides: stride of the first block of each stage, e.g. [1, 2, 2, 2].
        num_classes: classifier outputs (the ImageNet yaml uses 1001).
        res_base: MindSpore's resnet18/34 padding and BN setting (module docstring).
        zero_init_residual: gamma 0 for the last BN of every residual block.
    """

    def __init__(self, block: type, layer_nums: Sequence[int], in_channels: Sequence[int],
                 out_channels: Sequence[int], strides: Sequence[int], num_classes: int, res_base: bool = False,
                 zero_init_residual: bool = False) -> None:
        super().__init__()
        if not len(layer_nums) == len(in_channels) == len(out_channels) == len(strides) == 4:
            raise ValueError("ResNet: layer_nums, in_channels, out_channels and strides must each have 4 entries, "
                             f"got {list(layer_nums)}, {list(in_channels)}, {list(out_channels)}, {list(strides)}")
        self.res_base = res_base
        self.conv1 = _conv(3, 64, 7, 2, res_base)
        self.bn1 = _bn(64, res_base)
        self.relu = nn.ReLU()
        if res_base:
            self.pad = nn.Pad(paddings=((0, 0), (0, 0), (1, 1), (1, 1)))
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, pad_mode="valid")
        else:
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, pad_mode="same")
        for i in range(4):
            stage = self._make_layer(block, layer_nums[i], in_channels[i], out_channels[i], strides[i],
                                     zero_init_residual, res_base)
            setattr(self, f"layer{i + 1}", stage)
        self.flatten = nn.Flatten()
        self.end_point = _fc(out_channels[3], num_classes)

    @staticmethod
    def _make_layer(block: type, layer_num: int, in_channel: int, out_channel: int, stride: int,
                    zero_init_residual: bool, res_base: bool) -> nn.SequentialCell:
        """One stage: the first block carries the stride and the channel change."""
        layers = [block(in_channel, out_channel, stride=stride, zero_init_residual=zero_init_residual,
                        res_base=res_base)]
        for _ in range(1, layer_num):
            layers.append(block(out_channel, out_channel, stride=1, zero_init_residual=zero_init_residual,
                                res_base=res_base))
        return nn.SequentialCell(layers)

    def construct(self, x: Any) -> Any:
        x = self.relu(self.bn1(self.conv1(x)))
        if self.res_base:
            x = self.pad(x)
        x = self.maxpool(x)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = ops.mean(x, (2, 3), keep_dims=True)
        return self.end_point(self.flatten(x))


_BOTTLENECK_CHANNELS = ([64, 256, 512, 1024], [256, 512, 1024, 2048])
_BASIC_CHANNELS = ([64, 64, 128, 256], [64, 128, 256, 512])
_STRIDES = [1, 2, 2, 2]


def resnet18(class_num: int = 1000, res_base: bool = True, zero_init_residual: bool = False) -> ResNet:
    """ResNet-18 (basic blocks [2, 2, 2, 2]); res_base=True as in MindSpore's recipe."""
    return ResNet(ResidualBlockBase, [2, 2, 2, 2], *_BASIC_CHANNELS, _STRIDES, class_num, res_base=res_base,
                  zero_init_residual=zero_init_residual)


def resnet34(class_num: int = 1000, res_base: bool = True, zero_init_residual: bool = False) -> ResNet:
    """ResNet-34 (basic blocks [3, 4, 6, 3]); res_base=True as in MindSpore's recipe."""
    return ResNet(ResidualBlockBase, [3, 4, 6, 3], *_BASIC_CHANNELS, _STRIDES, class_num, res_base=res_base,
                  zero_init_residual=zero_init_residual)


def resnet50(class_num: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-50 v1.5 (bottleneck blocks [3, 4, 6, 3]); 25,557,032 trainable parameters at 1000 classes."""
    return ResNet(ResidualBlock, [3, 4, 6, 3], *_BOTTLENECK_CHANNELS, _STRIDES, class_num,
                  zero_init_residual=zero_init_residual)


def resnet101(class_num: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-101 v1.5 (bottleneck blocks [3, 4, 23, 3])."""
    return ResNet(ResidualBlock, [3, 4, 23, 3], *_BOTTLENECK_CHANNELS, _STRIDES, class_num,
                  zero_init_residual=zero_init_residual)


def resnet152(class_num: int = 1000, zero_init_residual: bool = False) -> ResNet:
    """ResNet-152 v1.5 (bottleneck blocks [3, 8, 36, 3]). MindSpore's recipe zero-inits the last
    BN gammas for this depth (pass zero_init_residual=True to match)."""
    return ResNet(ResidualBlock, [3, 8, 36, 3], *_BOTTLENECK_CHANNELS, _STRIDES, class_num,
                  zero_init_residual=zero_init_residual)


def init_weight(net: nn.Cell, conv_init: str = "XavierUniform", dense_init: str = "TruncatedNormal") -> nn.Cell:
    """Re-initialise weights as the recipe's ``src/util.py:init_weight`` does without a
    pre-trained checkpoint: Conv2d weights XavierUniform, Dense weights TruncatedNormal(0.01)
    (``dense_init="RandomNormal"`` gives N(0, 0.01)); biases and BN parameters are kept.
    Any other name leaves those weights as constructed. Returns `net`."""
    conv_inits = {"XavierUniform": XavierUniform}
    dense_inits = {"TruncatedNormal": TruncatedNormal, "RandomNormal": Normal}
    for _, cell in net.cells_and_names():
        if isinstance(cell, nn.Conv2d) and conv_init in conv_inits:
            cell.weight.set_data(initializer(conv_inits[conv_init](), cell.weight.shape, cell.weight.dtype))
        elif isinstance(cell, nn.Dense) and dense_init in dense_inits:
            cell.weight.set_data(initializer(dense_inits[dense_init](0.01), cell.weight.shape, cell.weight.dtype))
    return net


def count_trainable_params(net: nn.Cell) -> int:
    """Number of trainable scalars (what the 25,557,032 of ResNet-50 counts)."""
    return sum(int(p.size) for p in net.trainable_params())
