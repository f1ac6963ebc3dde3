"""Optimizer update Primitive classes (`ops.ApplyMomentum`): they update their Parameter inputs
in place, as MindSpore's, and return the new value. The math is written with mindlite ops and
the writes go through `assign_value`, so a graph trace captures them as state updates.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import Tensor
from .primitive import PrimitiveOp, prim_attr_register
from . import functional as F


def _check_bool(value: Any, name: str, where: str) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"For '{where}', '{name}' must be a bool, got {type(value).__name__} {value!r}")


def _state_operand(x: Any, name: str, where: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"For '{where}', '{name}' must be a Parameter or Tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"For '{where}', '{name}' must be floating point, got {x.dtype}")
    return x


class ApplyMomentum(PrimitiveOp):
    """`ops.ApplyMomentum(use_nesterov=False, use_locking=False, gradient_scale=1.0)`.

    Called as `apply_momentum(variable, accumulation, learning_rate, gradient, momentum)`, it
    updates `accumulation` and `variable` in place and returns the new `variable`::

        accumulation = accumulation * momentum + gradient * gradient_scale
        variable -= learning_rate * accumulation                                   # default
        variable -= gradient * learning_rate + accumulation * momentum * learning_rate  # use_nesterov

    `variable`, `accumulation` and `gradient` follow the implicit type promotion, except that a
    Parameter is never converted: a `gradient` of a wider dtype than `variable` is a TypeError
    (MindSpore raises for a Parameter conversion too). `use_locking` has no effect here (updates
    never race in mindlite).

    Example:
        >>> opt = ops.ApplyMomentum()
        >>> new_w = opt(w, accum, 0.1, grad, 0.9)   # w and accum are Parameters, updated in place
    """

    @prim_attr_register
    def __init__(self, use_nesterov: bool = False, use_locking: bool = False, gradient_scale: float = 1.0) -> None:
        _check_bool(use_nesterov, "use_nesterov", "ApplyMomentum")
        _check_bool(use_locking, "use_locking", "ApplyMomentum")
        if not isinstance(gradient_scale, float):
            raise TypeError(f"For 'ApplyMomentum', 'gradient_scale' must be a float, got "
                            f"{type(gradient_scale).__name__} {gradient_scale!r}")

    def __call__(self, variable: Any, accumulation: Any, learning_rate: Any, gradient: Any, momentum: Any) -> Tensor:
        where = "ApplyMomentum"
        variable = _state_operand(variable, "variable", where)
        accumulation = _state_operand(accumulation, "accumulation", where)
        gradient = _state_operand(gradient, "gradient", where)
        if accumulation.shape != variable.shape or gradient.shape != variable.shape:
            raise ValueError(f"For '{where}', 'variable' {list(variable.shape)}, 'accumulation' "
                             f"{list(accumulation.shape)} and 'gradient' {list(gradient.shape)} must have one shape")
        for name, value in (("learning_rate", learning_rate), ("momentum", momentum)):
            if isinstance(value, Tensor):
                if value.size != 1 or not value.dtype.is_floating_point:
                    raise TypeError(f"For '{where}', '{name}' must be a float or a one-element float Tensor, got "
                                    f"{value.dtype}{list(value.shape)}")
            elif isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
                raise TypeError(f"For '{where}', '{name}' must be a float or a float Tensor, got "
                                f"{type(value).__name__}")
        dtype = variable.dtype
        for name, t in (("accumulation", accumulation), ("gradient", gradient)):
            if t.dtype != dtype and t.dtype.itemsize > dtype.itemsize:
                raise TypeError(f"For '{where}', '{name}' is {t.dtype} but 'variable' is {dtype}: promoting would "
                                f"convert the Parameter 'variable', which MindSpore does not allow")
        grad = F.cast(gradient, dtype)
        lr = F.reshape(F.cast(learning_rate, dtype), ()) if isinstance(learning_rate, Tensor) else learning_rate
        mom = F.reshape(F.cast(momentum, dtype), ()) if isinstance(momentum, Tensor) else momentum
        if self.gradient_scale != 1.0:
            grad = grad * self.gradient_scale
        accum = F.cast(accumulation, dtype) * mom + grad
        if self.use_nesterov:
            new_var = variable - (grad * lr + accum * mom * lr)
        else:
            new_var = variable - lr * accum
        accumulation.assign_value(F.cast(accum, accumulation.dtype))
        variable.assign_value(new_var)
        return variable


__all__ = ["ApplyMomentum"]
