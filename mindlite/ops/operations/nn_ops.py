"""Neural-network Primitive classes (`mindspore.ops.operations.nn_ops`): activations, softmax,
convolution and pooling, normalisation, dropout and losses. Each class calls its functional
op; the constructors take MindSpore's attributes and defaults."""
from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..conv import pool_pads
from ..primitive import PrimitiveOp, simple_op
from ...core.tensor import Tensor

ReLU = simple_op("ReLU", F.relu)
ReLU6 = simple_op("ReLU6", F.relu6)
SiLU = simple_op("SiLU", F.silu)
Sigmoid = simple_op("Sigmoid", F.sigmoid)
Tanh = simple_op("Tanh", F.tanh)
FastGeLU = simple_op("FastGeLU", F.fast_gelu)
FastGelu = FastGeLU
HSwish = simple_op("HSwish", F.hardswish)
HSigmoid = simple_op("HSigmoid", F.hardsigmoid)
Softsign = simple_op("Softsign", F.softsign)
Mish = simple_op("Mish", F.mish)
SeLU = simple_op("SeLU", F.selu)
PReLU = simple_op("PReLU", F.prelu)
L2Loss = simple_op("L2Loss", F.l2_loss)


class Dense(PrimitiveOp):
    """`ops.Dense()(x, w, b=None)`: x @ w.T + b, with w of shape (out, in)."""

    def __call__(self, x: Tensor, w: Tensor, b: Any = None) -> Tensor:
        return F.dense(x, w, b)


class GLU(PrimitiveOp):
    """`ops.GLU(axis=-1)(x)`: a * sigmoid(b) for the two halves of `axis`."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__(axis=axis)

    def __call__(self, x: Tensor) -> Tensor:
        return F.glu(x, self.axis)


class Logit(PrimitiveOp):
    """`ops.Logit(eps=-1.0)(x)`: log(x / (1 - x)); eps >= 0 clamps x to [eps, 1 - eps] first."""

    def __init__(self, eps: float = -1.0) -> None:
        super().__init__(eps=float(eps))

    def __call__(self, x: Tensor) -> Tensor:
        return F.logit(x, None if self.eps < 0 else self.eps)


def _check_format(op: str, data_format: str, allowed: tuple = ("NCHW",)) -> str:
    if data_format not in allowed:
        raise ValueError(f"{op}: data_format {data_format!r} is not supported (mindlite supports {list(allowed)})")
    return data_format


def _reduction(op: str, reduction: str) -> str:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


class Softplus(PrimitiveOp):
    """`ops.Softplus()(x)`: log(1 + exp(x))."""

    def __call__(self, x: Tensor) -> Tensor:
        return F.softplus(x)


class Softmax(PrimitiveOp):
    """`ops.Softmax(axis=-1)(x)`."""

    def __init__(self, axis: Any = -1) -> None:
        super().__init__(axis=axis)

    def __call__(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.axis[0] if isinstance(self.axis, (tuple, list)) else self.axis)


class LogSoftmax(PrimitiveOp):
    """`ops.LogSoftmax(axis=-1)(logits)`."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__(axis=axis)

    def __call__(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.axis)


class GeLU(PrimitiveOp):
    """`ops.GeLU()(x)`: MindSpore's GeLU primitive uses the tanh approximation."""

    def __call__(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate="tanh")


Gelu = GeLU  # MindSpore 1.x's name


class LeakyReLU(PrimitiveOp):
    """`ops.LeakyReLU(alpha=0.2)(x)`."""

    def __init__(self, alpha: float = 0.2) -> None:
        super().__init__(alpha=alpha)

    def __call__(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.alpha)


class Elu(PrimitiveOp):
    """`ops.Elu(alpha=1.0)(input_x)`."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__(alpha=float(alpha))

    def __call__(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)


class CeLU(Elu):
    """`ops.CeLU(alpha=1.0)(input_x)`."""

    def __call__(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)


class HShrink(PrimitiveOp):
    """`ops.HShrink(lambd=0.5)(input_x)`."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__(lambd=float(lambd))

    def __call__(self, x: Tensor) -> Tensor:
        return F.hardshrink(x, self.lambd)


class SoftShrink(HShrink):
    """`ops.SoftShrink(lambd=0.5)(input_x)`."""

    def __call__(self, x: Tensor) -> Tensor:
        return F.softshrink(x, self.lambd)


# ---- convolution and pooling ------------------------------------------------------------------
def _hw(v: Any, name: str, op: str) -> tuple:
    """int | (a, b) | (1, 1, a, b) -> (a, b)."""
    t = (v, v) if isinstance(v, (int, np.integer)) else tuple(v)
    t = t[2:] if len(t) == 4 else t
    if len(t) != 2 or not all(isinstance(i, (int, np.integer)) and i >= 1 for i in t):
        raise ValueError(f"{op}: {name} must be a positive int or a tuple of 2 (or 4) positive ints, got {v!r}")
    return int(t[0]), int(t[1])


def _pad_mode(op: str, pad_mode: str, allowed: tuple = ("valid", "same", "pad")) -> str:
    mode = str(pad_mode).lower()
    if mode not in allowed:
        raise ValueError(f"{op}: pad_mode must be one of {list(allowed)}, got {pad_mode!r}")
    return mode


class Conv2D(PrimitiveOp):
    """`ops.Conv2D(out_channel, kernel_size, mode=1, pad_mode="valid", pad=0, stride=1, dilation=1,
    group=1, data_format="NCHW")(x, weight)` with weight (out_channel, C_in/group, kh, kw)."""

    def __init__(self, out_channel: int, kernel_size: Any, mode: int = 1, pad_mode: str = "valid", pad: Any = 0,
                 stride: Any = 1, dilation: Any = 1, group: int = 1, data_format: str = "NCHW") -> None:
        op = type(self).__name__
        if not isinstance(out_channel, (int, np.integer)) or isinstance(out_channel, bool) or out_channel <= 0:
            raise ValueError(f"{op}: out_channel must be a positive int, got {out_channel!r}")
        if mode != 1:
            raise ValueError(f"{op}: mode must be 1 (cross-correlation), got {mode!r}")
        mode_s = _pad_mode(op, pad_mode)
        pads = (pad,) * 4 if isinstance(pad, (int, np.integer)) else tuple(pad)
        if len(pads) != 4 or any(int(p) < 0 for p in pads):
            raise ValueError(f"{op}: pad must be a non-negative int or a tuple of 4 of them, got {pad!r}")
        if mode_s != "pad" and any(pads):
            raise ValueError(f"{op}: pad must be 0 when pad_mode is {pad_mode!r}, got {pad!r}")
        if not isinstance(group, (int, np.integer)) or group < 1:
            raise ValueError(f"{op}: group must be a positive int, got {group!r}")
        super().__init__(out_channel=int(out_channel), kernel_size=_hw(kernel_size, "kernel_size", op), mode=mode,
                         pad_mode=mode_s, pad=tuple(int(p) for p in pads), stride=_hw(stride, "stride", op),
                         dilation=_hw(dilation, "dilation", op), group=int(group),
                         data_format=_check_format(op, data_format))

    def _check_weight(self, weight: Tensor) -> None:
        expect = (self.out_channel,) + self.kernel_size
        got = (weight.shape[0],) + tuple(weight.shape[2:]) if weight.ndim == 4 else tuple(weight.shape)
        if got != expect:
            raise ValueError(f"{type(self).__name__}: weight shape {list(weight.shape)} does not match out_channel "
                             f"{self.out_channel} and kernel_size {list(self.kernel_size)}")

    def __call__(self, x: Tensor, weight: Tensor) -> Tensor:
        self._check_weight(weight)
        return F.conv2d(x, weight, None, self.stride, self.pad_mode, self.pad, self.dilation, self.group)


class Conv2DBackpropInput(Conv2D):
    """`ops.Conv2DBackpropInput(out_channel, kernel_size, pad_mode="valid", pad=0, pad_list=None,
    mode=1, stride=1, dilation=1, group=1, data_format="NCHW")(dout, weight, input_size)`: the
    gradient of Conv2D w.r.t. its input (a transposed convolution) of shape `input_size`."""

    def __init__(self, out_channel: int, kernel_size: Any, pad_mode: str = "valid", pad: Any = 0,
                 pad_list: Any = None, mode: int = 1, stride: Any = 1, dilation: Any = 1, group: int = 1,
                 data_format: str = "NCHW") -> None:
        if pad_list is not None:
            if _pad_mode(type(self).__name__, pad_mode) != "pad" and any(pad_list):
                raise ValueError(f"{type(self).__name__}: pad_list needs pad_mode='pad', got {pad_mode!r}")
            pad = tuple(pad_list)
        super().__init__(out_channel, kernel_size, mode, pad_mode, pad, stride, dilation, group, data_format)
        self.add_prim_attr("pad_list", pad_list)

    def __call__(self, dout: Tensor, weight: Tensor, input_size: Any) -> Tensor:
        self._check_weight(weight)
        return F.conv2d_transpose(dout, weight, tuple(int(v) for v in input_size), self.stride, self.pad_mode,
                                  self.pad, self.dilation, self.group)


Conv2DTranspose = type("Conv2DTranspose", (Conv2DBackpropInput,), {
    "__module__": __name__, "__doc__": "`ops.Conv2DTranspose`: the same op as Conv2DBackpropInput."})


class _Pool(PrimitiveOp):
    def __init__(self, kernel_size: Any = 1, strides: Any = 1, pad_mode: str = "valid",
                 data_format: str = "NCHW") -> None:
        op = type(self).__name__
        super().__init__(kernel_size=_hw(kernel_size, "kernel_size", op), strides=_hw(strides, "strides", op),
                         pad_mode=_pad_mode(op, pad_mode, ("valid", "same")),
                         data_format=_check_format(op, data_format))

    def _pads(self, x: Tensor) -> tuple:
        if x.ndim != 4:
            raise ValueError(f"{type(self).__name__}: expects a 4-D (N, C, H, W) input, got {list(x.shape)}")
        return pool_pads(x.shape[2:], self.kernel_size, self.strides, 1, self.pad_mode, 0, type(self).__name__)


class MaxPool(_Pool):
    """`ops.MaxPool(kernel_size=1, strides=1, pad_mode="valid", data_format="NCHW")(x)`."""

    def __call__(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.strides, self._pads(x))


class AvgPool(_Pool):
    """`ops.AvgPool(kernel_size=1, strides=1, pad_mode="valid", data_format="NCHW")(x)`; with
    'same' each window averages only the input elements it covers (padding is not counted)."""

    def __call__(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.strides, self._pads(x), count_include_pad=False)


class AdaptiveAvgPool2D(PrimitiveOp):
    """`ops.AdaptiveAvgPool2D(output_size)(x)`; None in output_size keeps that input size."""

    def __init__(self, output_size: Any) -> None:
        super().__init__(output_size=output_size)

    def __call__(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)


class BiasAdd(PrimitiveOp):
    """`ops.BiasAdd(data_format="NCHW")(input_x, bias)`."""

    def __init__(self, data_format: str = "NCHW") -> None:
        super().__init__(data_format=_check_format("BiasAdd", data_format, ("NCHW", "NHWC", "NCDHW")))

    def __call__(self, x: Tensor, bias: Tensor) -> Tensor:
        return F.bias_add(x, bias, self.data_format)


class Pad(PrimitiveOp):
    """`ops.Pad(paddings)(x)`: zero padding with numpy-style ((before, after), ...) per dimension."""

    def __init__(self, paddings: Any) -> None:
        pairs = tuple(tuple(int(v) for v in p) for p in paddings)
        if any(len(p) != 2 or min(p) < 0 for p in pairs):
            raise ValueError(f"Pad: paddings must be non-negative (before, after) pairs, got {paddings!r}")
        super().__init__(paddings=pairs)

    def __call__(self, x: Tensor) -> Tensor:
        if len(self.paddings) != x.ndim:
            raise ValueError(f"Pad: {len(self.paddings)} (before, after) pairs for a {x.ndim}-d input")
        return F.pad_nd(x, self.paddings)


# ---- normalisation and dropout ----------------------------------------------------------------
class BatchNorm(PrimitiveOp):
    """`ops.BatchNorm(is_training=False, epsilon=1e-5, momentum=0.1, data_format="NCHW")(input_x,
    scale, bias, mean, variance)` -> (y, batch_mean, batch_variance, reserve_space_1,
    reserve_space_2). In training the `mean`/`variance` Parameters are updated with weight
    `momentum` on the new batch statistics."""

    def __init__(self, is_training: bool = False, epsilon: float = 1e-5, momentum: float = 0.1,
                 data_format: str = "NCHW") -> None:
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm: momentum must be in [0, 1], got {momentum}")
        if not 0.0 < epsilon <= 1.0:
            raise ValueError(f"BatchNorm: epsilon must be in (0, 1], got {epsilon}")
        super().__init__(is_training=bool(is_training), epsilon=float(epsilon), momentum=float(momentum),
                         data_format=_check_format("BatchNorm", data_format))

    def __call__(self, x: Tensor, scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor) -> tuple:
        y, batch_mean, batch_var = F.batch_norm_with_stats(x, mean, variance, scale, bias, self.is_training,
                                                           self.momentum, self.epsilon)
        return y, batch_mean, batch_var, batch_mean, batch_var


class LayerNorm(PrimitiveOp):
    """`ops.LayerNorm(begin_norm_axis=1, begin_params_axis=1, epsilon=1e-7)(x, gamma, beta)` ->
    (y, mean, variance)."""

    def __init__(self, begin_norm_axis: int = 1, begin_params_axis: int = 1, epsilon: float = 1e-7) -> None:
        super().__init__(begin_norm_axis=begin_norm_axis, begin_params_axis=begin_params_axis, epsilon=epsilon)

    def __call__(self, x: Tensor, gamma: Tensor, beta: Tensor) -> tuple:
        from ..nn import layer_norm_p
        y, mean, rstd = layer_norm_p(x, gamma, beta, begin_norm_axis=self.begin_norm_axis % x.ndim,
                                     begin_params_axis=self.begin_params_axis % x.ndim, eps=float(self.epsilon))
        return y, mean, 1.0 / (rstd * rstd) - self.epsilon


class Dropout(PrimitiveOp):
    """`ops.Dropout(keep_prob=0.5, Seed0=0, Seed1=0)(x)` -> (output, mask)."""

    def __init__(self, keep_prob: float = 0.5, Seed0: int = 0, Seed1: int = 0) -> None:  # noqa: N803
        if not 0.0 < keep_prob <= 1.0:
            raise ValueError(f"Dropout: keep_prob must be in (0, 1], got {keep_prob}")
        super().__init__(keep_prob=keep_prob, Seed0=Seed0, Seed1=Seed1)

    def __call__(self, x: Tensor) -> tuple:
        from ..random import keep_mask
        mask = keep_mask(x.shape, self.keep_prob, x.dtype, self.Seed1 or None)
        return x * (mask * (1.0 / self.keep_prob)), mask


# ---- losses -----------------------------------------------------------------------------------
class SoftmaxCrossEntropyWithLogits(PrimitiveOp):
    """`ops.SoftmaxCrossEntropyWithLogits()(logits, labels)` -> (per-sample loss, d loss / d logits)."""

    def __call__(self, logits: Tensor, labels: Tensor) -> tuple:
        loss = F.softmax_cross_entropy_with_logits(logits, labels)
        return loss, F.softmax(logits, -1) - labels


class SparseSoftmaxCrossEntropyWithLogits(PrimitiveOp):
    """`ops.SparseSoftmaxCrossEntropyWithLogits(is_grad=False)(logits, labels)`: the mean loss, or
    with is_grad its gradient w.r.t. logits."""

    def __init__(self, is_grad: bool = False) -> None:
        super().__init__(is_grad=is_grad)

    def __call__(self, logits: Tensor, labels: Tensor) -> Tensor:
        if self.is_grad:
            onehot = F.one_hot(labels, logits.shape[-1], 1.0, 0.0)
            return (F.softmax(logits, -1) - F.cast(onehot, logits.dtype)) / logits.shape[0]
        return F.mean(F.softmax_cross_entropy_with_logits(logits, labels, sparse=True))


class _LossWithReduction(PrimitiveOp):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__(reduction=_reduction(type(self).__name__, reduction))


class BCEWithLogitsLoss(_LossWithReduction):
    """`ops.BCEWithLogitsLoss(reduction='mean')(logits, label, weight, pos_weight)`."""

    def __call__(self, logits: Tensor, label: Tensor, weight: Any = None, pos_weight: Any = None) -> Tensor:
        return F.binary_cross_entropy_with_logits(logits, label, weight, pos_weight, self.reduction)


class BinaryCrossEntropy(_LossWithReduction):
    """`ops.BinaryCrossEntropy(reduction='mean')(logits, labels, weight=None)` on probabilities."""

    def __call__(self, logits: Tensor, labels: Tensor, weight: Any = None) -> Tensor:
        return F.binary_cross_entropy(logits, labels, weight, self.reduction)


class KLDivLoss(_LossWithReduction):
    """`ops.KLDivLoss(reduction='mean')(logits, labels)` with log-probability logits."""

    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in ("mean", "sum", "none", "batchmean"):
            raise ValueError(f"KLDivLoss: reduction must be 'mean', 'sum', 'none' or 'batchmean', got {reduction!r}")
        PrimitiveOp.__init__(self, reduction=reduction)

    def __call__(self, logits: Tensor, labels: Tensor) -> Tensor:
        return F.kl_div(logits, labels, self.reduction)


class SmoothL1Loss(_LossWithReduction):
    """`ops.SmoothL1Loss(beta=1.0, reduction='none')(logits, labels)`."""

    def __init__(self, beta: float = 1.0, reduction: str = "none") -> None:
        if beta <= 0:
            raise ValueError(f"SmoothL1Loss: beta must be > 0, got {beta}")
        super().__init__(reduction)
        self.add_prim_attr("beta", float(beta))

    def __call__(self, logits: Tensor, labels: Tensor) -> Tensor:
        return F.smooth_l1_loss(logits, labels, self.beta, self.reduction)


class NLLLoss(_LossWithReduction):
    """`ops.NLLLoss(reduction='mean', ignore_index=-100)(logits, labels, weight)` -> (loss,
    total_weight), with log-probability logits (N, C) and class weights (C,)."""

    def __init__(self, reduction: str = "mean", ignore_index: int = -100) -> None:
        super().__init__(reduction)
        self.add_prim_attr("ignore_index", int(ignore_index))

    def __call__(self, logits: Tensor, labels: Tensor, weight: Tensor) -> tuple:
        loss = F.nll_loss(logits, labels, weight, self.ignore_index, self.reduction)
        kept = F.cast(F.not_equal(labels, self.ignore_index), weight.dtype)
        safe = F.where(F.not_equal(labels, self.ignore_index), labels, 0)
        return loss, F.sum(F.gather(weight, safe, 0) * kept)


class SoftMarginLoss(_LossWithReduction):
    """`ops.SoftMarginLoss(reduction='mean')(logits, labels)`: log(1 + exp(-labels * logits))."""

    def __call__(self, logits: Tensor, labels: Tensor) -> Tensor:
        return F.soft_margin_loss(logits, labels, self.reduction)


class SigmoidCrossEntropyWithLogits(PrimitiveOp):
    """`ops.SigmoidCrossEntropyWithLogits()(logits, label)`: elementwise binary cross entropy."""

    def __call__(self, logits: Tensor, label: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(logits, label, reduction="none")


__all__ = [k for k, v in list(globals().items()) if isinstance(v, type) and issubclass(v, PrimitiveOp)
           and not k.startswith("_") and v is not PrimitiveOp]
