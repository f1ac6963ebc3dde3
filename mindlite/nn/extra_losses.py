"""More loss Cells of MindSpore's nn: RMSELoss, SoftMarginLoss, CosineEmbeddingLoss, DiceLoss."""
from __future__ import annotations

from typing import Any

from .. import _checkparam as validator
from .. import ops
from ..core.tensor import Tensor
from .loss import LossBase


def _pair(owner: str, a: Any, b: Any, names: tuple = ("logits", "labels")) -> None:
    for name, t in zip(names, (a, b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"For '{owner}', '{name}' must be a Tensor, got {type(t).__name__}")


class RMSELoss(LossBase):
    """`nn.RMSELoss()`: sqrt(mean((logits - label)^2)) (broadcasting)."""

    def __init__(self) -> None:
        super().__init__("mean")

    def construct(self, logits: Tensor, label: Tensor) -> Tensor:
        _pair("RMSELoss", logits, label)
        return ops.sqrt(ops.mean(ops.square(logits - label)))


class SoftMarginLoss(LossBase):
    """`nn.SoftMarginLoss(reduction='mean')`: log(1 + exp(-y * x)) for labels y in {-1, 1}."""

    def construct(self, logits: Tensor, labels: Tensor) -> Tensor:
        _pair("SoftMarginLoss", logits, labels)
        if logits.shape != labels.shape:
            raise ValueError(f"For 'SoftMarginLoss', logits {list(logits.shape)} and labels {list(labels.shape)} must "
                             f"have one shape")
        return ops.soft_margin_loss(logits, labels, self.reduction)


class CosineEmbeddingLoss(LossBase):
    """`nn.CosineEmbeddingLoss(margin=0.0, reduction='mean')`: 1 - cos(x1, x2) where y = 1 and
    max(0, cos(x1, x2) - margin) where y = -1 (cosine over axis 1)."""

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = validator.check_float_range(margin, -1.0, 1.0, validator.INC_BOTH, "margin",
                                                  "CosineEmbeddingLoss")

    def construct(self, logits_x1: Tensor, logits_x2: Tensor, labels: Tensor) -> Tensor:
        _pair("CosineEmbeddingLoss", logits_x1, logits_x2, ("logits_x1", "logits_x2"))
        return ops.cosine_embedding_loss(logits_x1, logits_x2, labels, self.margin, self.reduction)


class DiceLoss(LossBase):
    """`nn.DiceLoss(smooth=1e-5)`: 1 - 2 * sum(logits * labels) / (sum(logits^2) + sum(labels^2) + smooth),
    over the whole batch (a scalar)."""

    def __init__(self, smooth: float = 1e-5) -> None:
        super().__init__("mean")
        self.smooth = validator.check_positive_float(smooth, "smooth", "DiceLoss")

    def construct(self, logits: Tensor, label: Tensor) -> Tensor:
        _pair("DiceLoss", logits, label)
        if logits.ndim != label.ndim:
            raise ValueError(f"For 'DiceLoss', logits {list(logits.shape)} and labels {list(label.shape)} must have "
                             f"the same number of dimensions")
        intersection = ops.sum(logits * label)
        union = ops.sum(logits * logits) + ops.sum(label * label)
        return 1 - 2 * intersection / (union + self.smooth)
