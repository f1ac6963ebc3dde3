"""Per-step learning-rate lists (`nn.piecewise_constant_lr`, `nn.cosine_decay_lr`, ...), MindSpore's formulas.

Each builder returns a Python list of `total_step` floats to pass as an optimizer's
`learning_rate` (the optimizer reads entry `global_step`, reusing the last one after the
end). Values change at epoch boundaries only: step `i` belongs to epoch
`current_epoch = floor(i / step_per_epoch)`.

    >>> nn.cosine_decay_lr(0.01, 0.1, total_step=6, step_per_epoch=2, decay_epoch=2)
    [0.1, 0.1, 0.05500000000000001, 0.05500000000000001, 0.01, 0.01]
"""
from __future__ import annotations

import math
from typing import Any

from .learning_rate_schedule import _check_bool, _check_float, _check_int, _is_real


def piecewise_constant_lr(milestone: Any, learning_rates: Any) -> list:
    """`learning_rates[t]` for steps in `[milestone[t-1], milestone[t])`; length `milestone[-1]`.

        >>> piecewise_constant_lr([2, 5, 10], [0.1, 0.05, 0.01])
        [0.1, 0.1, 0.05, 0.05, 0.05, 0.01, 0.01, 0.01, 0.01, 0.01]
    """
    where = "piecewise_constant_lr"
    if not isinstance(milestone, (list, tuple)):
        raise TypeError(f"{where}: 'milestone' must be a list or tuple, got {type(milestone).__name__}")
    if not isinstance(learning_rates, (list, tuple)):
        raise TypeError(f"{where}: 'learning_rates' must be a list or tuple, got {type(learning_rates).__name__}")
    if len(milestone) != len(learning_rates):
        raise ValueError(f"{where}: 'milestone' and 'learning_rates' must have the same length, got "
                         f"{len(milestone)} and {len(learning_rates)}")
    lr: list = []
    last = 0
    for i, (item, rate) in enumerate(zip(milestone, learning_rates)):
        item = _check_int(item, f"milestone[{i}]", where)
        if not _is_real(rate):
            raise TypeError(f"{where}: 'learning_rates[{i}]' must be a float, got {type(rate).__name__}")
        if item < last:
            raise ValueError(f"{where}: 'milestone' must be increasing, got milestone[{i}]={item} < "
                             f"milestone[{i - 1}]={last}")
        lr += [float(rate)] * (item - last)
        last = item
    return lr


def _check_decay_args(where: str, learning_rate: Any, decay_rate: Any, total_step: Any, step_per_epoch: Any,
                      decay_epoch: Any, is_stair: Any) -> tuple:
    return (_check_float(learning_rate, "learning_rate", where, positive=True),
            _check_float(decay_rate, "decay_rate", where, positive=True),
            _check_int(total_step, "total_step", where), _check_int(step_per_epoch, "step_per_epoch", where),
            _check_int(decay_epoch, "decay_epoch", where), _check_bool(is_stair, "is_stair", where))


def exponential_decay_lr(learning_rate: float, decay_rate: float, total_step: int, step_per_epoch: int,
                         decay_epoch: int, is_stair: bool = False) -> list:
    """`lr * decay_rate ** (current_epoch / decay_epoch)` (exponent floored if `is_stair`)."""
    lr0, rate, total, spe, de, stair = _check_decay_args("exponential_decay_lr", learning_rate, decay_rate,
                                                         total_step, step_per_epoch, decay_epoch, is_stair)
    out = []
    for i in range(total):
        epoch = math.floor(i / spe)
        out.append(lr0 * rate ** (math.floor(epoch / de) if stair else epoch / de))
    return out


def natural_exp_decay_lr(learning_rate: float, decay_rate: float, total_step: int, step_per_epoch: int,
                         decay_epoch: int, is_stair: bool = False) -> list:
    """`lr * e ** (-decay_rate * current_epoch)`.

    As in MindSpore (and surprising): the exponent uses the raw epoch, not
    `current_epoch / decay_epoch`; `is_stair` rounds the epoch down to a multiple of
    `decay_epoch` (`floor(epoch / decay_epoch) * decay_epoch`).
    """
    lr0, rate, total, spe, de, stair = _check_decay_args("natural_exp_decay_lr", learning_rate, decay_rate,
                                                         total_step, step_per_epoch, decay_epoch, is_stair)
    out = []
    for i in range(total):
        epoch = math.floor(i / spe)
        p = math.floor(epoch / de) * de if stair else epoch
        out.append(lr0 * math.e ** (-rate * p))
    return out


def inverse_decay_lr(learning_rate: float, decay_rate: float, total_step: int, step_per_epoch: int,
                     decay_epoch: int, is_stair: bool = False) -> list:
    """`lr / (1 + decay_rate * current_epoch / decay_epoch)` (the ratio floored if `is_stair`)."""
    lr0, rate, total, spe, de, stair = _check_decay_args("inverse_decay_lr", learning_rate, decay_rate,
                                                         total_step, step_per_epoch, decay_epoch, is_stair)
    out = []
    for i in range(total):
        epoch = math.floor(i / spe)
        if stair:
            out.append(lr0 / (1 + rate * math.floor(epoch / de)))
        else:
            out.append(lr0 / (1 + rate * epoch / de))
    return out


def cosine_decay_lr(min_lr: float, max_lr: float, total_step: int, step_per_epoch: int, decay_epoch: int) -> list:
    """`min_lr + 0.5 * (max_lr - min_lr) * (1 + cos(pi * min(current_epoch, decay_epoch) / decay_epoch))`."""
    where = "cosine_decay_lr"
    min_lr = _check_float(min_lr, "min_lr", where)
    max_lr = _check_float(max_lr, "max_lr", where, positive=True)
    total, spe, de = (_check_int(total_step, "total_step", where), _check_int(step_per_epoch, "step_per_epoch", where),
                      _check_int(decay_epoch, "decay_epoch", where))
    if min_lr >= max_lr:
        raise ValueError(f"{where}: 'max_lr' must be greater than 'min_lr', got max_lr={max_lr}, min_lr={min_lr}")
    delta = 0.5 * (max_lr - min_lr)
    out = []
    for i in range(total):
        epoch = min(math.floor(i / spe), de)
        out.append(min_lr + delta * (1 + math.cos(math.pi * epoch / de)))
    return out


def polynomial_decay_lr(learning_rate: float, end_learning_rate: float, total_step: int, step_per_epoch: int,
                        decay_epoch: int, power: float, update_decay_epoch: bool = False) -> list:
    """`(lr - end_lr) * (1 - tmp_epoch / tmp_decay_epoch) ** power + end_lr`.

    `tmp_epoch = min(current_epoch, decay_epoch)`, `tmp_decay_epoch = decay_epoch`; with
    `update_decay_epoch`, `tmp_epoch = current_epoch` and `tmp_decay_epoch = decay_epoch *
    max(ceil(current_epoch / decay_epoch), 1)`.
    """
    where = "polynomial_decay_lr"
    lr0 = _check_float(learning_rate, "learning_rate", where, positive=True)
    end = _check_float(end_learning_rate, "end_learning_rate", where)
    power = _check_float(power, "power", where, positive=True)
    total, spe, de = (_check_int(total_step, "total_step", where), _check_int(step_per_epoch, "step_per_epoch", where),
                      _check_int(decay_epoch, "decay_epoch", where))
    update = _check_bool(update_decay_epoch, "update_decay_epoch", where)
    delta = lr0 - end
    out = []
    for i in range(total):
        epoch = math.floor(i / spe)
        if update:
            tmp_decay, tmp_epoch = de * max(math.ceil(epoch / de), 1), epoch
        else:
            tmp_decay, tmp_epoch = de, min(epoch, de)
        out.append(delta * (1 - tmp_epoch / tmp_decay) ** power + end)
    return out


def warmup_lr(learning_rate: float, total_step: int, step_per_epoch: int, warmup_epoch: int) -> list:
    """`lr * min(current_epoch, warmup_epoch) / warmup_epoch` (0 during the first epoch)."""
    where = "warmup_lr"
    lr0 = _check_float(learning_rate, "learning_rate", where)
    total, spe, we = (_check_int(total_step, "total_step", where), _check_int(step_per_epoch, "step_per_epoch", where),
                      _check_int(warmup_epoch, "warmup_epoch", where))
    return [lr0 * min(math.floor(i / spe), we) / we for i in range(total)]


__all__ = [
    "cosine_decay_lr",
    "exponential_decay_lr",
    "inverse_decay_lr",
    "natural_exp_decay_lr",
    "piecewise_constant_lr",
    "polynomial_decay_lr",
    "warmup_lr",
]
