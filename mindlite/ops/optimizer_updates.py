"""Fused optimizer-step Primitive classes of MindSpore's op set: `Adam`, `AdamWeightDecay` and
`FusedWeightScaleApplyMomentum`. They update their Parameter inputs in place (through
`assign_value`, so a graph trace records state updates) and return the new values."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import Tensor
from .primitive import PrimitiveOp


def _state(op: str, name: str, x: Any) -> Tensor:
    if not isinstance(x, Tensor) or not x.dtype.is_floating_point:
        raise TypeError(f"For '{op}', '{name}' must be a float Parameter or Tensor, got "
                        f"{getattr(x, 'dtype', type(x).__name__)}")
    return x


def _scalar(op: str, name: str, v: Any, dtype: Any) -> Any:
    from . import functional as F
    if isinstance(v, Tensor):
        if v.size != 1:
            raise ValueError(f"For '{op}', '{name}' must be a scalar, got shape {list(v.shape)}")
        return F.reshape(F.cast(v, dtype), ())
    if isinstance(v, bool) or not isinstance(v, (int, float, np.floating)):
        raise TypeError(f"For '{op}', '{name}' must be a float or a scalar Tensor, got {type(v).__name__}")
    return float(v)


def _same_shape(op: str, **tensors: Tensor) -> None:
    shapes = {tuple(t.shape) for t in tensors.values()}
    if len(shapes) > 1:
        listed = ", ".join(f"'{k}' {list(t.shape)}" for k, t in tensors.items())
        raise ValueError(f"For '{op}', {listed} must have one shape")


class Adam(PrimitiveOp):
    """`ops.Adam(use_locking=False, use_nesterov=False)(var, m, v, beta1_power, beta2_power, lr, beta1,
    beta2, epsilon, gradient)` -> (var, m, v), all three updated in place:
    m = beta1*m + (1-beta1)*g, v = beta2*v + (1-beta2)*g^2,
    var -= lr*sqrt(1-beta2_power)/(1-beta1_power) * m/(sqrt(v)+eps) (with nesterov, m is replaced by
    beta1*m + (1-beta1)*g)."""

    def __init__(self, use_locking: bool = False, use_nesterov: bool = False) -> None:
        for name, v in (("use_locking", use_locking), ("use_nesterov", use_nesterov)):
            if not isinstance(v, bool):
                raise TypeError(f"For 'Adam', '{name}' must be a bool, got {type(v).__name__}")
        super().__init__(use_locking=use_locking, use_nesterov=use_nesterov)

    def __call__(self, var: Tensor, m: Tensor, v: Tensor, beta1_power: Any, beta2_power: Any, lr: Any, beta1: Any,
                 beta2: Any, epsilon: Any, gradient: Tensor) -> tuple:
        from . import functional as F
        op = "Adam"
        var, m, v, g = (_state(op, n, t) for n, t in (("var", var), ("m", m), ("v", v), ("gradient", gradient)))
        _same_shape(op, var=var, m=m, v=v, gradient=g)
        dt = var.dtype
        b1p, b2p, lr_, b1, b2, eps = (_scalar(op, n, s, dt) for n, s in (
            ("beta1_power", beta1_power), ("beta2_power", beta2_power), ("lr", lr), ("beta1", beta1),
            ("beta2", beta2), ("epsilon", epsilon)))
        g = F.cast(g, dt)
        new_m = b1 * m + (1 - b1) * g
        new_v = b2 * v + (1 - b2) * g * g
        step = lr_ * ((1 - b2p) ** 0.5) / (1 - b1p)   # bias-corrected learning rate
        direction = b1 * new_m + (1 - b1) * g if self.use_nesterov else new_m
        new_var = var - step * direction / (F.sqrt(new_v) + eps)
        return (var.assign_value(F.cast(new_var, dt)), m.assign_value(F.cast(new_m, m.dtype)),
                v.assign_value(F.cast(new_v, v.dtype)))


class AdamWeightDecay(PrimitiveOp):
    """`ops.AdamWeightDecay(use_locking=False)(var, m, v, lr, beta1, beta2, epsilon, decay, gradient)`
    -> (var, m, v), updated in place: m and v as Adam, then var -= lr * (m/(sqrt(v)+eps) + decay*var)
    (no bias correction, as MindSpore's)."""

    def __init__(self, use_locking: bool = False) -> None:
        if not isinstance(use_locking, bool):
            raise TypeError(f"For 'AdamWeightDecay', 'use_locking' must be a bool, got {type(use_locking).__name__}")
        super().__init__(use_locking=use_locking)

    def __call__(self, var: Tensor, m: Tensor, v: Tensor, lr: Any, beta1: Any, beta2: Any, epsilon: Any, decay: Any,
                 gradient: Tensor) -> tuple:
        from . import functional as F
        op = "AdamWeightDecay"
        var, m, v, g = (_state(op, n, t) for n, t in (("var", var), ("m", m), ("v", v), ("gradient", gradient)))
        _same_shape(op, var=var, m=m, v=v, gradient=g)
        dt = var.dtype
        lr_, b1, b2, eps, wd = (_scalar(op, n, s, dt) for n, s in (
            ("lr", lr), ("beta1", beta1), ("beta2", beta2), ("epsilon", epsilon), ("decay", decay)))
        g = F.cast(g, dt)
        new_m = b1 * m + (1 - b1) * g
        new_v = b2 * v + (1 - b2) * g * g
        update = new_m / (F.sqrt(new_v) + eps) + wd * var
        new_var = var - lr_ * update
        return (var.assign_value(F.cast(new_var, dt)), m.assign_value(F.cast(new_m, m.dtype)),
                v.assign_value(F.cast(new_v, v.dtype)))


class FusedWeightScaleApplyMomentum(PrimitiveOp):
    """`ops.FusedWeightScaleApplyMomentum()(weight_decay, loss_scale, variable, accumulation,
    learning_rate, gradient, momentum)` -> variable, with accumulation and variable updated in place:
    accumulation = momentum * accumulation + (weight_decay * variable + gradient * loss_scale);
    variable -= learning_rate * accumulation. (`loss_scale` multiplies: MindSpore's optimizers pass
    the reciprocal of the loss scale.)"""

    def __call__(self, weight_decay: Any, loss_scale: Any, variable: Tensor, accumulation: Tensor,
                 learning_rate: Any, gradient: Tensor, momentum: Any) -> Tensor:
        from . import functional as F
        op = "FusedWeightScaleApplyMomentum"
        var, acc, g = (_state(op, n, t) for n, t in (("variable", variable), ("accumulation", accumulation),
                                                     ("gradient", gradient)))
        _same_shape(op, variable=var, accumulation=acc, gradient=g)
        dt = var.dtype
        wd, scale, lr_, mom = (_scalar(op, n, s, dt) for n, s in (
            ("weight_decay", weight_decay), ("loss_scale", loss_scale), ("learning_rate", learning_rate),
            ("momentum", momentum)))
        new_acc = mom * acc + (wd * var + F.cast(g, dt) * scale)
        acc.assign_value(F.cast(new_acc, acc.dtype))
        return var.assign_value(F.cast(var - lr_ * new_acc, dt))
