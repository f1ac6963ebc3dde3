"""Losses beyond ops/nn.py's (MindSpore 2.x functional names): huber_loss, soft_margin_loss,
margin_ranking_loss, hinge_embedding_loss, cosine_embedding_loss."""
from __future__ import annotations

from ..core.tensor import Tensor
from .nn import _reduce


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0) -> Tensor:  # noqa: A002
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), with d = input - target."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    d = F.abs(input - target)
    return _reduce(F.where(F.less(d, delta), 0.5 * d * d, delta * (d - 0.5 * delta)), reduction, "huber_loss")


def soft_margin_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    """log(1 + exp(-target * input)), computed stably."""
    return _reduce(F.softplus(-target * input), reduction, "soft_margin_loss")


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: str = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin)."""
    return _reduce(F.relu(-target * (input1 - input2) + margin), reduction, "margin_ranking_loss")


def hinge_embedding_loss(inputs: Tensor, targets: Tensor, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """inputs where targets == 1, max(0, margin - inputs) where targets == -1."""
    loss = F.where(F.equal(targets, 1), inputs, F.zeros_like(inputs)) + \
        F.where(F.equal(targets, -1), F.relu(margin - inputs), F.zeros_like(inputs))
    return _reduce(loss, reduction, "hinge_embedding_loss")


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target == 1, max(0, cos(x1, x2) - margin) where target == -1 (cosine over axis 1)."""
    if not -1.0 <= margin <= 1.0:
        raise ValueError(f"cosine_embedding_loss: margin must be in [-1, 1], got {margin}")
    cos = F.cosine_similarity(input1, input2, 1, 1e-8)
    zero = F.zeros_like(cos)
    loss = F.where(F.equal(target, 1), 1 - cos, zero) + F.where(F.equal(target, -1), F.relu(cos - margin), zero)
    return _reduce(loss, reduction, "cosine_embedding_loss")



from . import functional as F  # noqa: E402  (composites resolve ops at call time)
