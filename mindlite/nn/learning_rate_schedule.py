"""Learning-rate schedule Cells (`nn.ExponentialDecayLR`, ..., `nn.WarmUpLR`), MindSpore's formulas.

A schedule is a Cell whose `construct(global_step)` returns the learning rate of that step as
a 0-d float32 Tensor; an optimizer given one calls it with its `global_step` Parameter
before every update. The math is written with mindlite ops so a graph trace captures it.

    >>> lr = nn.PolynomialDecayLR(0.1, 0.01, decay_steps=4, power=0.5)
    >>> lr(ms.Tensor(2, ms.int32))          # (0.1 - 0.01) * (1 - 2/4) ** 0.5 + 0.01
    Tensor(shape=[], dtype=Float32, value= 0.07363961)
"""
from __future__ import annotations

import math
import numbers
from typing import Any

from ..core import dtype as mstype
from ..core.tensor import Tensor
from ..ops import functional as F
from .cell import Cell


class LearningRateSchedule(Cell):
    """Base class of learning-rate schedules: `construct(global_step)` -> 0-d float32 Tensor."""

    def __init__(self) -> None:
        super().__init__()

    def construct(self, global_step: Any) -> Tensor:
        raise TypeError(f"{type(self).__name__} must define construct(global_step)")


# ---- argument checks (shared with dynamic_lr) -------------------------------------------------
def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _check_float(value: Any, name: str, where: str, *, positive: bool = False) -> float:
    """A real number (ints accepted), > 0 if `positive` else >= 0."""
    if not _is_real(value):
        raise TypeError(f"{where}: '{name}' must be a float, got {type(value).__name__}")
    value = float(value)
    if positive and not value > 0:
        raise ValueError(f"{where}: '{name}' must be > 0, got {value}")
    if not positive and not value >= 0:
        raise ValueError(f"{where}: '{name}' must be >= 0, got {value}")
    return value


def _check_int(value: Any, name: str, where: str) -> int:
    """A positive int (bool rejected)."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{where}: '{name}' must be an int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{where}: '{name}' must be a positive int, got {value}")
    return int(value)


def _check_bool(value: Any, name: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{where}: '{name}' must be a bool, got {type(value).__name__}")
    return value


def _step(global_step: Any) -> Tensor:
    """The step as a 0-d float32 Tensor (accepts an int, a 0-d or a one-element Tensor)."""
    t = global_step if isinstance(global_step, Tensor) else Tensor(global_step, mstype.int32)
    if t.size != 1:
        raise ValueError(f"learning-rate schedule: global_step must hold one value, got shape {list(t.shape)}")
    return F.reshape(F.cast(t, mstype.float32), ())


def _out(lr: Any) -> Tensor:
    return F.cast(lr, mstype.float32)


class _DecayLR(LearningRateSchedule):
    """Shared arguments of the exponential / natural-exp / inverse decay schedules."""

    def __init__(self, learning_rate: float, decay_rate: float, decay_steps: int, is_stair: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        self.learning_rate = _check_float(learning_rate, "learning_rate", name, positive=True)
        self.decay_rate = _check_float(decay_rate, "decay_rate", name, positive=True)
        self.decay_steps = _check_int(decay_steps, "decay_steps", name)
        self.is_stair = _check_bool(is_stair, "is_stair", name)


class ExponentialDecayLR(_DecayLR):
    """`lr * decay_rate ** p`, `p = step / decay_steps` (`floor(step / decay_steps)` if `is_stair`)."""

    def construct(self, global_step: Any) -> Tensor:
        p = _step(global_step) / float(self.decay_steps)
        if self.is_stair:
            p = F.floor(p)
        return _out(self.learning_rate * F.pow(self.decay_rate, p))


class NaturalExpDecayLR(_DecayLR):
    """`lr * exp(-decay_rate * p)`.

    Surprising, but MindSpore's code (all 1.x/2.x versions) does this and we follow it: `p` is
    the raw step, NOT `step / decay_steps` as its docstring says; with `is_stair`,
    `p = floor(step / decay_steps) * decay_steps`. So `decay_steps` only sets the stair width.
    """

    def construct(self, global_step: Any) -> Tensor:
        p = _step(global_step)
        if self.is_stair:
            p = F.floor(p / float(self.decay_steps)) * float(self.decay_steps)
        return _out(self.learning_rate * F.exp(-self.decay_rate * p))


class InverseDecayLR(_DecayLR):
    """`lr / (1 + decay_rate * p)`, `p = step / decay_steps` (floored if `is_stair`)."""

    def construct(self, global_step: Any) -> Tensor:
        p = _step(global_step) / float(self.decay_steps)
        if self.is_stair:
            p = F.floor(p)
        return _out(self.learning_rate / (1.0 + self.decay_rate * p))


class CosineDecayLR(LearningRateSchedule):
    """`min_lr + 0.5 * (max_lr - min_lr) * (1 + cos(pi * min(step, decay_steps) / decay_steps))`."""

    def __init__(self, min_lr: float, max_lr: float, decay_steps: int) -> None:
        super().__init__()
        name = type(self).__name__
        self.min_lr = _check_float(min_lr, "min_lr", name)
        self.max_lr = _check_float(max_lr, "max_lr", name, positive=True)
        self.decay_steps = _check_int(decay_steps, "decay_steps", name)
        if self.min_lr >= self.max_lr:
            raise ValueError(f"{name}: 'max_lr' must be greater than 'min_lr', got max_lr={self.max_lr}, "
                             f"min_lr={self.min_lr}")
        self.delta = 0.5 * (self.max_lr - self.min_lr)

    def construct(self, global_step: Any) -> Tensor:
        p = F.minimum(_step(global_step), float(self.decay_steps))
        return _out(self.min_lr + self.delta * (1.0 + F.cos(math.pi * p / float(self.decay_steps))))


class PolynomialDecayLR(LearningRateSchedule):
    """`(lr - end_lr) * (1 - s / d) ** power + end_lr`.

    Without `update_decay_steps`: `s = min(step, decay_steps)`, `d = decay_steps` (lr stays at
    `end_learning_rate` afterwards). With it: `s = step`, `d = decay_steps * max(ceil(step /
    decay_steps), 1)`, so the decay restarts from a smaller height every `decay_steps`.
    """

    def __init__(self, learning_rate: float, end_learning_rate: float, decay_steps: int, power: float,
                 update_decay_steps: bool = False) -> None:
        super().__init__()
        name = type(self).__name__
        self.start_learning_rate = _check_float(learning_rate, "learning_rate", name, positive=True)
        self.end_learning_rate = _check_float(end_learning_rate, "end_learning_rate", name)
        self.decay_steps = _check_int(decay_steps, "decay_steps", name)
        self.power = _check_float(power, "power", name, positive=True)
        self.update_decay_steps = _check_bool(update_decay_steps, "update_decay_steps", name)
        self.diff_learning_rate = self.start_learning_rate - self.end_learning_rate

    def construct(self, global_step: Any) -> Tensor:
        step = _step(global_step)
        decay = float(self.decay_steps)
        if self.update_decay_steps:
            tmp_decay: Any = decay * F.maximum(F.ceil(step / decay), 1.0)
        else:
            step, tmp_decay = F.minimum(step, decay), decay
        p = step / tmp_decay
        return _out(self.diff_learning_rate * F.pow(1.0 - p, self.power) + self.end_learning_rate)


class WarmUpLR(LearningRateSchedule):
    """`lr * min(step, warmup_steps) / warmup_steps` (0 at step 0)."""

    def __init__(self, learning_rate: float, warmup_steps: int) -> None:
        super().__init__()
        name = type(self).__name__
        self.learning_rate = _check_float(learning_rate, "learning_rate", name)
        self.warmup_steps = _check_int(warmup_steps, "warmup_steps", name)

    def construct(self, global_step: Any) -> Tensor:
        pct = F.minimum(_step(global_step), float(self.warmup_steps)) / float(self.warmup_steps)
        return _out(self.learning_rate * pct)


__all__ = [
    "CosineDecayLR",
    "ExponentialDecayLR",
    "InverseDecayLR",
    "LearningRateSchedule",
    "NaturalExpDecayLR",
    "PolynomialDecayLR",
    "WarmUpLR",
]
