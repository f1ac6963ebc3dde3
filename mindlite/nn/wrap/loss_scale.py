"""Loss scaling: update cells and TrainOneStepWithLossScaleCell (overflow check, skipped steps)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import ops
from ...core import dtype as mstype
from ...core.autograd import vjp_call
from ...core.tensor import Parameter, Tensor
from ..cell import Cell
from .cell_wrapper import TrainOneStepCell


class DynamicLossScaleUpdateCell(Cell):
    """On overflow: scale /= scale_factor (not below 1); after `scale_window` overflow-free
    steps: scale *= scale_factor. `construct(loss_scale, overflow) -> overflow`."""

    def __init__(self, loss_scale_value: float, scale_factor: float, scale_window: int) -> None:
        super().__init__()
        if loss_scale_value < 1 or scale_factor <= 1 or scale_window < 1:
            raise ValueError(f"DynamicLossScaleUpdateCell: need loss_scale_value >= 1, scale_factor > 1, "
                             f"scale_window >= 1; got {loss_scale_value}, {scale_factor}, {scale_window}")
        self.loss_scale_value = float(loss_scale_value)
        self.scale_factor, self.scale_window = float(scale_factor), int(scale_window)
        self.cur_iter = Parameter(Tensor(np.array(1, np.int32)), name="current_iterator_step", requires_grad=False)
        self.last_overflow_iter = Parameter(Tensor(np.array(0, np.int32)), name="last_overflow_iterator_step",
                                            requires_grad=False)

    def get_loss_scale(self) -> float:
        return self.loss_scale_value

    def construct(self, loss_scale: Parameter, overflow: Any) -> Any:
        # written with ops (no host reads), so it compiles into the training graph
        overflow = ops.cast(overflow, mstype.bool_)
        cur, last = self.cur_iter, self.last_overflow_iter
        grow = ops.logical_and(ops.logical_not(overflow), ops.greater_equal(cur - last, self.scale_window))
        shrunk = ops.maximum(loss_scale / self.scale_factor, 1.0)
        new_scale = ops.where(overflow, shrunk, ops.where(grow, loss_scale * self.scale_factor, loss_scale))
        loss_scale.assign_value(ops.cast(new_scale, loss_scale.dtype))
        last.assign_value(ops.where(ops.logical_or(overflow, grow), cur, last))
        cur.assign_value(cur + 1)
        return overflow


class FixedLossScaleUpdateCell(Cell):
    """A constant loss scale; `construct(loss_scale, overflow) -> overflow`."""

    def __init__(self, loss_scale_value: float) -> None:
        super().__init__()
        self.loss_scale_value = float(loss_scale_value)

    def get_loss_scale(self) -> float:
        return self.loss_scale_value

    def construct(self, loss_scale: Any, overflow: Any) -> Any:
        return overflow


class _SensLike:
    """A scalar sensitivity tensor broadcast to the loss's shape and dtype by vjp_call."""

    def __init__(self, value: Tensor) -> None:
        self.value = value


class TrainOneStepWithLossScaleCell(TrainOneStepCell):
    """A training step with loss scaling: the sensitivity is the loss scale, gradients are
    unscaled, and a step whose gradients are not all finite is skipped (and, with a
    DynamicLossScaleUpdateCell, lowers the scale). Returns `(loss, overflow, loss_scale)`."""

    def __init__(self, network: Cell, optimizer: Cell, scale_sense: Any) -> None:
        super().__init__(network, optimizer, sens=None)
        self.loss_scaling_manager = None
        if isinstance(scale_sense, Cell):
            self.loss_scaling_manager = scale_sense
            self.scale_sense = Parameter(Tensor(np.array(scale_sense.get_loss_scale(), np.float32)), name="scale_sense",
                                         requires_grad=False)
        elif isinstance(scale_sense, Tensor):
            if scale_sense.size != 1:
                raise ValueError(f"scale_sense must be a scalar Tensor, got shape {list(scale_sense.shape)}")
            self.scale_sense = Parameter(ops.reshape(ops.cast(scale_sense, mstype.float32), ()), name="scale_sense",
                                         requires_grad=False)
        else:
            raise TypeError(f"scale_sense must be a Cell or a Tensor, got {type(scale_sense).__name__}")

    def construct(self, *inputs: Any) -> tuple:
        scaling_sens = self.scale_sense.value()  # the scale used by this step (the update rebinds the Parameter)
        status, scaling_sens = self.start_overflow_check(None, scaling_sens)
        loss, _, grads = vjp_call(self.network, inputs, (), self.weights, False, _SensLike(scaling_sens))
        grads = self.grad_reducer(tuple(grads))
        grads = tuple(g / ops.cast(scaling_sens, g.dtype) for g in grads)
        cond = self.get_overflow_status(status, grads)
        overflow = self.process_loss_scale(cond)
        self._update_unless(overflow, grads)
        return loss, cond, scaling_sens

    def _update_unless(self, overflow: Any, grads: tuple) -> None:
        """Apply the optimizer unless `overflow`. Eagerly a Python branch; in a graph every
        parameter and optimizer state keeps its old value by a select (no host read)."""
        data = getattr(overflow, "_data", None)
        if not getattr(data, "is_symbolic", False):
            if not bool(overflow):
                self.optimizer(grads)
            return
        state = list(dict.fromkeys(list(self.weights) + list(self.optimizer.get_parameters())))
        before = [p.value() for p in state]
        self.optimizer(grads)
        for p, old in zip(state, before):
            p.assign_value(ops.where(overflow, old, p.value()))

    def set_sense_scale(self, sens: Tensor) -> None:
        self.scale_sense.set_data(ops.reshape(ops.cast(sens, mstype.float32), ()))

    def start_overflow_check(self, pre_cond: Any, compute_input: Any) -> tuple:
        return Tensor(np.array(False)), compute_input

    def get_overflow_status(self, status: Any, compute_output: Any) -> Tensor:
        """True when any gradient holds inf or nan."""
        finite = True
        for g in compute_output:
            finite = ops.logical_and(finite, ops.all(ops.isfinite(g)))
        return ops.logical_not(finite)

    def process_loss_scale(self, overflow: Any) -> Any:
        if self.loss_scaling_manager is not None:
            return self.loss_scaling_manager(self.scale_sense, overflow)
        return overflow
