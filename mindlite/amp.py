"""Mixed precision: `auto_mixed_precision`, `build_train_network` and loss-scale managers.

Levels (MindSpore's): O0 float32; O1 float16 for matmul/conv-style compute ops only;
O2 float16 everywhere except BatchNorm (and the loss), float32 master weights; O3 float16
everywhere. The network output is cast back to float32 so the loss runs in float32.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np

from . import ops
from .core import dtype as mstype
from .core.tensor import Tensor
from .nn.cell import Cell

_LEVELS = ("O0", "O1", "O2", "O3", "auto")
_log = logging.getLogger("mindlite.amp")


class _OutputTo32(Cell):
    def __init__(self, network: Cell) -> None:
        super().__init__(auto_prefix=False)
        self._network = network

    def construct(self, *inputs: Any) -> Any:
        return ops.mixed_precision_cast(mstype.float32, self._network(*inputs))


def _keep_fp32(network: Cell, types: tuple) -> None:
    for _, cell in network.cells_and_names():
        if isinstance(cell, types):
            cell.to_float(mstype.float32)


def auto_mixed_precision(network: Cell, amp_level: str = "O0", dtype: Any = mstype.float16) -> Cell:
    """Return `network` set up for `amp_level` (O0 returns it unchanged)."""
    from .nn.layer.normalization import _BatchNorm, GroupNorm, LayerNorm
    from .nn.loss import LossBase
    if amp_level not in _LEVELS:
        raise ValueError(f"amp_level must be one of {_LEVELS}, got {amp_level!r}")
    if amp_level == "O0":
        return network
    if amp_level in ("O1", "auto"):
        from .nn.layer.basic import Dense
        from .nn.layer import conv as _conv
        for _, cell in network.cells_and_names():
            if isinstance(cell, (Dense,) + _conv.CONV_TYPES):
                cell.to_float(dtype)
        return _OutputTo32(network)
    network.to_float(dtype)
    if amp_level == "O2":
        _keep_fp32(network, (_BatchNorm, LayerNorm, GroupNorm, LossBase))
    return _OutputTo32(network)


class LossScaleManager:
    """Base class of the loss-scale managers."""

    def get_loss_scale(self) -> float:
        raise TypeError(f"{type(self).__name__} does not define get_loss_scale()")

    def update_loss_scale(self, overflow: bool) -> None:
        raise TypeError(f"{type(self).__name__} does not define update_loss_scale()")

    def get_update_cell(self) -> Any:
        raise TypeError(f"{type(self).__name__} does not define get_update_cell()")


class FixedLossScaleManager(LossScaleManager):
    """A constant scale. With `drop_overflow_update=False` no overflow check is made and the
    optimizer divides the gradients by the scale."""

    def __init__(self, loss_scale: float = 128.0, drop_overflow_update: bool = True) -> None:
        if loss_scale < 1:
            raise ValueError(f"FixedLossScaleManager: loss_scale must be >= 1, got {loss_scale}")
        self.loss_scale, self.drop_overflow_update = float(loss_scale), drop_overflow_update

    def get_loss_scale(self) -> float:
        return self.loss_scale

    def get_drop_overflow_update(self) -> bool:
        return self.drop_overflow_update

    def update_loss_scale(self, overflow: bool) -> None:
        return None

    def get_update_cell(self) -> Any:
        from .nn.wrap.loss_scale import FixedLossScaleUpdateCell
        return FixedLossScaleUpdateCell(self.loss_scale) if self.drop_overflow_update else None


class DynamicLossScaleManager(LossScaleManager):
    def __init__(self, init_loss_scale: float = 2 ** 24, scale_factor: float = 2, scale_window: int = 2000) -> None:
        if init_loss_scale < 1 or scale_factor <= 1 or scale_window < 1:
            raise ValueError("DynamicLossScaleManager: need init_loss_scale >= 1, scale_factor > 1, scale_window >= 1")
        self.loss_scale, self.scale_factor, self.scale_window = float(init_loss_scale), float(scale_factor), scale_window
        self.cur_iter, self.last_overflow_iter = 1, 0

    def get_loss_scale(self) -> float:
        return self.loss_scale

    def get_drop_overflow_update(self) -> bool:
        return True

    def update_loss_scale(self, overflow: bool) -> None:
        if overflow:
            self.loss_scale = max(self.loss_scale / self.scale_factor, 1.0)
            self.last_overflow_iter = self.cur_iter
        elif self.cur_iter - self.last_overflow_iter >= self.scale_window:
            self.loss_scale *= self.scale_factor
            self.last_overflow_iter = self.cur_iter
        self.cur_iter += 1

    def get_update_cell(self) -> Any:
        from .nn.wrap.loss_scale import DynamicLossScaleUpdateCell
        return DynamicLossScaleUpdateCell(self.loss_scale, self.scale_factor, self.scale_window)


def build_train_network(network: Cell, optimizer: Cell, loss_fn: Cell | None = None, level: str = "O0",
                        boost_level: str = "O0", custom_list: Any = None, **kwargs: Any) -> Cell:
    """amp network + WithLossCell + TrainOneStepCell (or the loss-scale variant)."""
    if custom_list is not None:
        raise ValueError("build_train_network: custom_list is not supported by mindlite; the O1 list of "
                         "float16 cells is fixed (see amp.auto_mixed_precision)")
    from .nn.wrap import TrainOneStepCell, TrainOneStepWithLossScaleCell, WithLossCell
    net = auto_mixed_precision(network, level)
    if loss_fn is not None:
        net = WithLossCell(net, loss_fn)
    manager = kwargs.get("loss_scale_manager")
    if manager is None:
        return TrainOneStepCell(net, optimizer)
    update_cell = manager.get_update_cell()
    if update_cell is None:
        # Fixed scale without overflow check, as MindSpore: the loss is scaled by the manager's
        # loss_scale (the backward sens) and the optimizer divides the gradients by its own, so
        # the update sees gradients times manager.loss_scale / optimizer.loss_scale. MindSpore's
        # docs ask for equal values and do not check; a mismatch is accepted with a warning.
        opt_scale = getattr(optimizer, "loss_scale", 1.0)
        if opt_scale != manager.get_loss_scale():
            _log.warning("build_train_network: FixedLossScaleManager(loss_scale=%s, drop_overflow_update=False) "
                         "with an optimizer whose loss_scale is %s: gradients reach the update multiplied by %s "
                         "(MindSpore's docs ask for equal values)", manager.get_loss_scale(), opt_scale,
                         manager.get_loss_scale() / opt_scale)
        return TrainOneStepCell(net, optimizer, sens=manager.get_loss_scale())
    return TrainOneStepWithLossScaleCell(net, optimizer, scale_sense=update_cell)


class StaticLossScaler:
    """Functional 2.x loss scaling: `scale(x)`, `unscale(x)`, `adjust(grads_finite)`."""

    def __init__(self, scale_value: float) -> None:
        self.scale_value = Tensor(np.float32(scale_value))

    def scale(self, inputs: Any) -> Any:
        return _map(lambda t: t * ops.cast(self.scale_value, t.dtype), inputs)

    def unscale(self, inputs: Any) -> Any:
        return _map(lambda t: t / ops.cast(self.scale_value, t.dtype), inputs)

    def adjust(self, grads_finite: Any) -> bool:
        return False


class DynamicLossScaler(StaticLossScaler):
    def __init__(self, scale_value: float, scale_factor: float, scale_window: int) -> None:
        super().__init__(scale_value)
        self.scale_factor, self.scale_window, self.counter = float(scale_factor), int(scale_window), 0

    def adjust(self, grads_finite: Any) -> bool:
        value = float(self.scale_value.asnumpy())
        if bool(grads_finite):
            self.counter += 1
            if self.counter == self.scale_window:
                value, self.counter = value * self.scale_factor, 0
        else:
            value, self.counter = max(value / self.scale_factor, 1.0), 0
        self.scale_value = Tensor(np.float32(value))
        return True


def all_finite(inputs: Any) -> Tensor:
    """True when every tensor in `inputs` is free of inf/nan."""
    flags = [ops.all(ops.isfinite(t)) for t in inputs]
    out = flags[0]
    for f in flags[1:]:
        out = ops.logical_and(out, f)
    return out


def _map(fn: Any, inputs: Any) -> Any:
    if isinstance(inputs, (tuple, list)):
        return type(inputs)(fn(t) for t in inputs)
    return fn(inputs)


def __getattr__(name: str):  # noqa: ANN202 - a MindSpore name mindlite lacks gets an error saying so
    from ._api_names import missing_attribute
    raise missing_attribute(__name__, name, "amp")
