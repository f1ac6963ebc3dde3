"""MindSpore's ``src/CrossEntropySmooth.py``: label-smoothed softmax cross entropy built from
``ops.OneHot`` and ``nn.SoftmaxCrossEntropyWithLogits`` (on-value 1 - smooth, off-value
smooth / (num_classes - 1); unlike ``nn.CrossEntropyLoss(label_smoothing=s)``, which spreads s
over all classes including the true one)."""
from __future__ import annotations

from typing import Any

from mindlite import Tensor, nn, ops
from mindlite import dtype as mstype
from mindlite.nn.loss import LossBase


class CrossEntropySmooth(LossBase):
    """CrossEntropy with label smoothing; `sparse` labels are class indices."""

    def __init__(self, sparse: bool = True, reduction: str = "mean", smooth_factor: float = 0.0,
                 num_classes: int = 1000) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError(f"CrossEntropySmooth: num_classes must be >= 2, got {num_classes}")
        self.onehot = ops.OneHot()
        self.sparse = sparse
        self.num_classes = num_classes
        self.on_value = Tensor(1.0 - smooth_factor, mstype.float32)
        self.off_value = Tensor(1.0 * smooth_factor / (num_classes - 1), mstype.float32)
        self.ce = nn.SoftmaxCrossEntropyWithLogits(reduction=reduction)

    def construct(self, logit: Any, label: Any) -> Any:
        if self.sparse:
            label = self.onehot(label, ops.shape(logit)[1], self.on_value, self.off_value)
        return self.ce(logit, label)
