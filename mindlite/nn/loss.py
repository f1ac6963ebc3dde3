"""Loss Cells (MindSpore 2.x names and defaults)."""
from __future__ import annotations

import sys
from typing import Any

from .. import _checkparam as validator
from .. import ops
from ..core.tensor import Tensor
from .cell import Cell

_REDUCTIONS = ("mean", "sum", "none")


def _check_optional_tensor(value: Any, name: str, where: str) -> None:
    if value is not None and not isinstance(value, Tensor):
        raise TypeError(f"For '{where}', '{name}' must be a Tensor or None, but got {type(value).__name__}")


class LossBase(Cell):
    """Base class: `get_loss(x, weights=1.0)` applies the weights and the reduction."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = validator.check_string(reduction, _REDUCTIONS, "reduction", type(self).__name__)

    def get_loss(self, x: Tensor, weights: Any = 1.0) -> Tensor:
        x = x * weights if not (isinstance(weights, (int, float)) and weights == 1.0) else x
        if self.reduction == "mean":
            return ops.mean(x)
        if self.reduction == "sum":
            return ops.sum(x)
        return x

    def extend_repr(self) -> str:
        return f"reduction={self.reduction}"


class SoftmaxCrossEntropyWithLogits(LossBase):
    """Per-sample softmax cross entropy; `sparse=True` takes int labels. Default reduction 'none'."""

    def __init__(self, sparse: bool = False, reduction: str = "none", is_grad: Any = None) -> None:
        super().__init__(reduction)
        self.sparse = validator.check_bool(sparse, "sparse", "SoftmaxCrossEntropyWithLogits")

    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        return self.get_loss(ops.softmax_cross_entropy_with_logits(logits, labels, self.sparse))


class CrossEntropyLoss(LossBase):
    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        _check_optional_tensor(weight, "weight", "CrossEntropyLoss")
        validator.check_is_int(ignore_index, "ignore_index", "CrossEntropyLoss")
        label_smoothing = validator.check_float_range(label_smoothing, 0.0, 1.0, validator.INC_BOTH,
                                                      "label_smoothing", "CrossEntropyLoss")
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, label_smoothing

    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        return ops.cross_entropy(logits, labels, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


class NLLLoss(LossBase):
    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        _check_optional_tensor(weight, "weight", "NLLLoss")
        validator.check_is_int(ignore_index, "ignore_index", "NLLLoss")
        self.weight, self.ignore_index = weight, ignore_index

    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        return ops.nll_loss(logits, labels, self.weight, self.ignore_index, self.reduction)


class MSELoss(LossBase):
    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        return self.get_loss(ops.square(logits - labels))


class L1Loss(LossBase):
    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        return self.get_loss(ops.abs(logits - labels))


class MAELoss(LossBase):
    """`nn.MAELoss(reduction='mean')`: mean absolute error |logits - labels| (broadcast), reduced."""

    def construct(self, logits: Tensor, label: Tensor) -> Tensor:
        return self.get_loss(ops.abs(logits - label))


class BCELoss(LossBase):
    """`nn.BCELoss(weight=None, reduction='mean')`: binary cross entropy on probabilities
    (`ops.binary_cross_entropy`); `weight` rescales each element's loss."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        _check_optional_tensor(weight, "weight", "BCELoss")
        self.weight = weight

    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        return ops.binary_cross_entropy(logits, labels, self.weight, self.reduction)


class SmoothL1Loss(LossBase):
    """Huber-style loss with threshold `beta`; default reduction 'none' as MindSpore."""

    def __init__(self, beta: float = 1.0, reduction: str = "none") -> None:
        super().__init__(reduction)
        self.beta = validator.check_positive_float(beta, "beta", "SmoothL1Loss")

    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        return ops.smooth_l1_loss(logits, labels, self.beta, self.reduction)


class BCEWithLogitsLoss(LossBase):
    def __init__(self, reduction: str = "mean", weight: Tensor | None = None, pos_weight: Tensor | None = None) -> None:
        super().__init__(reduction)
        _check_optional_tensor(weight, "weight", "BCEWithLogitsLoss")
        _check_optional_tensor(pos_weight, "pos_weight", "BCEWithLogitsLoss")
        self.weight, self.pos_weight = weight, pos_weight

    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        return ops.binary_cross_entropy_with_logits(logits, labels, self.weight, self.pos_weight, self.reduction)


class KLDivLoss(LossBase):
    """KL(labels || exp(logits)) with log-probability inputs; reduction may also be 'batchmean'."""

    def __init__(self, reduction: str = "mean") -> None:
        Cell.__init__(self)
        self.reduction = validator.check_string(reduction, _REDUCTIONS + ("batchmean",), "reduction", "KLDivLoss")

    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        return ops.kl_div(logits, labels, self.reduction)


# MindSpore's losses live in the package module `mindspore.nn.loss.loss`; scripts import
# `from mindspore.nn.loss.loss import LossBase`, so that name reaches this module too.
sys.modules[__name__ + ".loss"] = sys.modules[__name__]
loss = sys.modules[__name__]
