"""Training cells of the BERT recipe (MindSpore's src/bert_for_pre_training.py): the networks
live in bert_model.py and are re-exported here under the same names.

``BertTrainOneStepCell`` and ``BertTrainOneStepWithLossScaleCell`` take any loss-returning
network (pre-training: the seven pre-training columns; fine-tuning: the four classifier
columns), so they also play the role of MindSpore's ``BertFinetuneCell``.

Step with loss scaling (what MindSpore's cell does, written so that it compiles in GRAPH_MODE):
    loss, grads = forward + backward with sensitivity = loss scale  (one pass: the dropout
    masks of the loss and of the gradients are the same)
    grads = grads / loss_scale;  overflow = any gradient not finite
    grads = clip(grads)                      # global norm 1.0 by default, see below
    loss scale update (DynamicLossScaleUpdateCell's rule, MindSpore's formula): on overflow
        scale = max(scale / factor, 1); after `scale_window` overflow-free steps scale *= factor
    if not overflow: optimizer(grads)        # an overflowing step is skipped
    return (loss, overflow, loss scale used by this step)

Gradient clipping: ``clip_type`` "global_norm" (default; ``ops.clip_by_global_norm``, Google
BERT's choice), "norm" (each gradient by its own L2 norm: ``nn.ClipByNorm``, what MindSpore's
recipe does with GRADIENT_CLIP_TYPE = 1), "value" (clip_by_value to +-clip_value) or "none".

Why not nn.TrainOneStepWithLossScaleCell.construct / nn.DynamicLossScaleUpdateCell directly:
in this mindlite they read tensor values on the host (``bool(overflow)``,
``float(scale.asnumpy())``), which raises GraphModeError under GRAPH_MODE; this cell keeps
their attributes (``scale_sense``, ``loss_scaling_manager`` and its ``cur_iter`` /
``last_overflow_iter`` Parameters) and does the same with ops.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from mindlite import Parameter, Tensor, nn, ops
from mindlite.common import dtype as mstype
from mindlite.core.autograd import vjp_call

from .bert_model import (BertConfig, BertModel, BertNetworkWithLoss, BertPreTraining,  # noqa: F401
                         BertPretrainingLoss, GetMaskedLMOutput, GetNextSentenceOutput)

GRADIENT_CLIP_TYPE = "global_norm"
GRADIENT_CLIP_VALUE = 1.0
_CLIP_TYPES = ("global_norm", "norm", "value", "none")


def clip_gradients(grads: tuple, clip_type: str = GRADIENT_CLIP_TYPE, clip_value: float = GRADIENT_CLIP_VALUE) -> tuple:
    """Clip a tuple of gradients (see the module docstring for the types)."""
    if clip_type == "global_norm":
        return ops.clip_by_global_norm(grads, clip_value)
    if clip_type == "norm":
        out = []
        for g in grads:
            norm = ops.sqrt(ops.sum(ops.square(ops.cast(g, mstype.float32))))
            out.append(g * ops.cast(clip_value / ops.maximum(norm, clip_value), g.dtype))
        return tuple(out)
    if clip_type == "value":
        return tuple(ops.clip_by_value(g, -clip_value, clip_value) for g in grads)
    if clip_type == "none":
        return tuple(grads)
    raise ValueError(f"clip_type must be one of {_CLIP_TYPES}, got {clip_type!r}")


def _all_finite(grads: tuple) -> Tensor:
    return ops.all(ops.stack([ops.all(ops.isfinite(g)) for g in grads]))


class BertTrainOneStepCell(nn.TrainOneStepCell):
    """One step without loss scaling: loss and gradients (sensitivity `sens`), clipping,
    gradient reduction, optimizer update; returns the loss."""

    def __init__(self, network: nn.Cell, optimizer: nn.Cell, sens: float = 1.0, enable_clip_grad: bool = True,
                 clip_type: str = GRADIENT_CLIP_TYPE, clip_value: float = GRADIENT_CLIP_VALUE) -> None:
        super().__init__(network, optimizer, sens)
        if clip_type not in _CLIP_TYPES:
            raise ValueError(f"clip_type must be one of {_CLIP_TYPES}, got {clip_type!r}")
        self.enable_clip_grad, self.clip_type, self.clip_value = enable_clip_grad, clip_type, float(clip_value)

    def set_sens(self, value: float) -> None:
        self.sens = value

    def construct(self, *inputs: Any) -> Tensor:
        loss, grads = self.forward_and_grads(*inputs)
        if self.enable_clip_grad:
            grads = clip_gradients(grads, self.clip_type, self.clip_value)
        grads = self.grad_reducer(grads)
        self.optimizer(grads)
        return loss


class BertTrainOneStepWithLossScaleCell(nn.TrainOneStepWithLossScaleCell):
    """One step with (dynamic or fixed) loss scaling, overflow skip and gradient clipping;
    returns ``(loss, overflow, loss_scale)``.

    `scale_update_cell`: an ``nn.DynamicLossScaleUpdateCell`` (dynamic scale), an
    ``nn.FixedLossScaleUpdateCell`` or a float (fixed scale; overflowing steps still skipped).

    `skip_by_select`: skip an overflowing step by running the optimizer and then keeping the
    old values of everything it changed (``where(overflow, old, new)``) instead of an ``if``
    around the optimizer call. Same results; needed under Model's data sinking, where an
    ``if`` that updates Parameters inside the sink loop does not compile in this mindlite
    (GraphModeError "a value of another, finished graph"); costs one extra pass over the
    parameters and optimizer state per step.
    """

    def __init__(self, network: nn.Cell, optimizer: nn.Cell, scale_update_cell: Any = None,
                 enable_clip_grad: bool = True, clip_type: str = GRADIENT_CLIP_TYPE,
                 clip_value: float = GRADIENT_CLIP_VALUE, skip_by_select: bool = False) -> None:
        if scale_update_cell is None or isinstance(scale_update_cell, (int, float)):
            scale_update_cell = nn.FixedLossScaleUpdateCell(float(scale_update_cell or 1.0))
        super().__init__(network, optimizer, scale_update_cell)
        if clip_type not in _CLIP_TYPES:
            raise ValueError(f"clip_type must be one of {_CLIP_TYPES}, got {clip_type!r}")
        self.enable_clip_grad, self.clip_type, self.clip_value = enable_clip_grad, clip_type, float(clip_value)
        self.skip_by_select = skip_by_select
        if skip_by_select:  # everything an optimizer step may write
            seen: dict = {}
            for p in list(self.weights) + list(optimizer.get_parameters()):
                seen.setdefault(id(p), p)
            self._guarded = list(seen.values())
        manager = self.loss_scaling_manager
        self.dynamic = isinstance(manager, nn.DynamicLossScaleUpdateCell)
        if self.dynamic:
            self.scale_factor = float(manager.scale_factor)
            self.scale_window = Tensor(np.array(manager.scale_window, np.int32))

    @property
    def loss_scale(self) -> Parameter:
        """MindSpore's attribute name for the current scale."""
        return self.scale_sense

    def _update_loss_scale(self, overflow: Tensor) -> None:
        """MindSpore's DynamicLossScaleUpdateCell.construct, with ops (graph-compatible)."""
        manager = self.loss_scaling_manager
        scale = self.scale_sense * 1.0
        cur_iter, last_overflow = manager.cur_iter * 1, manager.last_overflow_iter * 1
        on_overflow = ops.where(overflow, ops.maximum(scale / self.scale_factor, 1.0), scale)
        should_inc = ops.less_equal(self.scale_window, cur_iter - last_overflow)
        last_overflow = ops.where(ops.logical_or(overflow, should_inc), cur_iter, last_overflow)
        grow = ops.logical_and(should_inc, ops.logical_not(overflow))
        new_scale = ops.where(grow, on_overflow * self.scale_factor, on_overflow)
        self.scale_sense.assign_value(ops.cast(new_scale, mstype.float32))
        manager.last_overflow_iter.assign_value(ops.cast(last_overflow, mstype.int32))
        manager.cur_iter.assign_value(ops.cast(cur_iter + 1, mstype.int32))

    def construct(self, *inputs: Any) -> tuple:
        scaling_sens = self.scale_sense * 1.0  # the scale this step uses (the update rebinds the Parameter)
        loss, _, grads = vjp_call(self.network, inputs, (), self.weights, False, scaling_sens)
        grads = self.grad_reducer(tuple(grads))
        inv = ops.reciprocal(scaling_sens)
        grads = tuple(g * ops.cast(inv, g.dtype) for g in grads)
        finite = _all_finite(grads)
        overflow = ops.logical_not(finite)
        if self.enable_clip_grad:
            grads = clip_gradients(grads, self.clip_type, self.clip_value)
        if self.dynamic:
            self._update_loss_scale(overflow)
        if self.skip_by_select:
            before = [p * 1 for p in self._guarded]
            self.optimizer(grads)
            for p, old in zip(self._guarded, before):
                p.assign_value(ops.where(finite, p * 1, old))
        elif finite:
            self.optimizer(grads)
        return loss, overflow, scaling_sens


__all__ = ["BertNetworkWithLoss", "BertPreTraining", "BertPretrainingLoss", "BertTrainOneStepCell",
           "BertTrainOneStepWithLossScaleCell", "GRADIENT_CLIP_TYPE", "GRADIENT_CLIP_VALUE", "clip_gradients"]
