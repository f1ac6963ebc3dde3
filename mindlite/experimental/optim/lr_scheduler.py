"""`experimental.optim.lr_scheduler`: learning-rate schedules that rewrite the optimizer's
per-group lr Parameters between steps (MindSpore 2.x's, with PyTorch's semantics).

A scheduler runs on the host, outside compiled steps: `scheduler.step()` after an epoch (or a
step) computes the new rates and writes them into `optimizer.param_groups[i]["lr"]`, which a
compiled training step reads as an input. `step()` uses the chainable (recursive) form, so
several schedulers can act on one optimizer (`ChainedScheduler`); `step(epoch)` jumps with the
closed form where one exists. `get_last_lr()` returns the current rates as 0-d Tensors.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from typing import Any, Callable

import numpy as np

from ... import _checkparam as validator
from ...core.tensor import Tensor
from .optimizer import Optimizer

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
           "LambdaLR", "MultiplicativeLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "CyclicLR",
           "SequentialLR", "ChainedScheduler", "ReduceLROnPlateau"]


def _value(p: Any) -> float:
    return float(p.asnumpy())


def _write(group: dict, value: float) -> None:
    group["lr"].set_data(Tensor(np.float32(value)))


def _check_optimizer(optimizer: Any, where: str) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"For '{where}', 'optimizer' must be a mindlite.experimental.optim.Optimizer, got "
                        f"{type(optimizer).__name__} (nn optimizers take a LearningRateSchedule instead)")
    return optimizer


class LRScheduler:
    """Base class: `LRScheduler(optimizer, last_epoch=-1)`; subclasses define `get_lr()` (the
    chainable form, from the current rates) and optionally `_get_closed_form_lr()`.

    With `last_epoch=-1` each group's current lr is recorded as `'initial_lr'`; resuming with
    `last_epoch >= 0` needs that key already in every group (KeyError otherwise).
    """

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        where = type(self).__name__
        self.optimizer = _check_optimizer(optimizer, where)
        validator.check_is_int(last_epoch, "last_epoch", where)
        if last_epoch < -1:
            raise ValueError(f"For '{where}', 'last_epoch' must be >= -1, got {last_epoch}")
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", _value(group["lr"]))
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] when resuming an "
                                   f"optimizer (last_epoch={last_epoch})")
        self.base_lrs = [float(group["initial_lr"]) for group in optimizer.param_groups]
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self.groups_num = len(optimizer.param_groups)
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self) -> list:
        raise TypeError(f"{type(self).__name__} must define get_lr()")

    def _current(self) -> list:
        return [_value(p) for p in self._last_lr]

    def get_last_lr(self) -> list:
        """The rates the last `step()` set, one 0-d float32 Tensor per group."""
        return [Tensor(np.float32(_value(p))) for p in self._last_lr]

    def step(self, epoch: Any = None) -> bool:
        """Advance one epoch (or jump to `epoch`) and write the new rates."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = validator.check_is_int(epoch, "epoch", type(self).__name__)
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, value in zip(self.optimizer.param_groups, values):
            _write(group, float(value))
        return True


class StepLR(LRScheduler):
    """`StepLR(optimizer, step_size, gamma=0.1, last_epoch=-1)`: lr * gamma every `step_size` epochs."""

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = validator.check_positive_int(step_size, "step_size", "StepLR")
        self.gamma = validator.check_is_float(gamma, "gamma", "StepLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]

    def _get_closed_form_lr(self) -> list:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """`MultiStepLR(optimizer, milestones, gamma=0.1, last_epoch=-1)`: lr * gamma at each milestone."""

    def __init__(self, optimizer: Any, milestones: list, gamma: float = 0.1, last_epoch: int = -1) -> None:
        validator.check_value_type("milestones", milestones, [list, tuple], "MultiStepLR")
        for i, m in enumerate(milestones):
            validator.check_is_int(m, f"milestones[{i}]", "MultiStepLR")
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = validator.check_is_float(gamma, "gamma", "MultiStepLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self.last_epoch not in self.milestones:
            return lrs
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in lrs]

    def _get_closed_form_lr(self) -> list:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma ** passed for base in self.base_lrs]


class ConstantLR(LRScheduler):
    """`ConstantLR(optimizer, factor=1/3, total_iters=5, last_epoch=-1)`: lr * factor until `total_iters`."""

    def __init__(self, optimizer: Any, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1) -> None:
        self.factor = validator.check_float_range(factor, 0.0, 1.0, validator.INC_BOTH, "factor", "ConstantLR")
        self.total_iters = validator.check_non_negative_int(total_iters, "total_iters", "ConstantLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self.last_epoch == 0:
            return [lr * self.factor for lr in lrs]
        if self.last_epoch != self.total_iters:
            return lrs
        return [lr / self.factor for lr in lrs]

    def _get_closed_form_lr(self) -> list:
        on = self.last_epoch >= self.total_iters
        return [base * (self.factor + on * (1 - self.factor)) for base in self.base_lrs]


class LinearLR(LRScheduler):
    """`LinearLR(optimizer, start_factor=1/3, end_factor=1.0, total_iters=5, last_epoch=-1)`: the
    factor moves linearly from `start_factor` to `end_factor` over `total_iters` epochs."""

    def __init__(self, optimizer: Any, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        self.start_factor = validator.check_float_range(start_factor, 0.0, 1.0, validator.INC_RIGHT, "start_factor",
                                                        "LinearLR")
        self.end_factor = validator.check_float_range(end_factor, 0.0, 1.0, validator.INC_BOTH, "end_factor",
                                                      "LinearLR")
        self.total_iters = validator.check_positive_int(total_iters, "total_iters", "LinearLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in lrs]
        if self.last_epoch > self.total_iters:
            return lrs
        s, e = self.start_factor, self.end_factor
        factor = 1.0 + (e - s) / (self.total_iters * s + (self.last_epoch - 1) * (e - s))
        return [lr * factor for lr in lrs]

    def _get_closed_form_lr(self) -> list:
        s, e = self.start_factor, self.end_factor
        return [base * (s + (e - s) * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """`ExponentialLR(optimizer, gamma, last_epoch=-1)`: lr * gamma every epoch."""

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = validator.check_is_float(gamma, "gamma", "ExponentialLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        return lrs if self.last_epoch == 0 else [lr * self.gamma for lr in lrs]

    def _get_closed_form_lr(self) -> list:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """`PolynomialLR(optimizer, total_iters=5, power=1.0, last_epoch=-1)`: base * (1 - t / total)^power."""

    def __init__(self, optimizer: Any, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        self.total_iters = validator.check_positive_int(total_iters, "total_iters", "PolynomialLR")
        self.power = validator.check_is_float(power, "power", "PolynomialLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self.last_epoch == 0 or self.last_epoch > self.total_iters:
            return lrs
        t, n = self.last_epoch, self.total_iters
        factor = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [lr * factor for lr in lrs]

    def _get_closed_form_lr(self) -> list:
        return [base * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters) ** self.power
                for base in self.base_lrs]


def _lambdas(optimizer: Any, lr_lambda: Any, where: str) -> list:
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != len(optimizer.param_groups):
            raise ValueError(f"For '{where}', expected {len(optimizer.param_groups)} lr_lambdas (one per group), got "
                             f"{len(lr_lambda)}")
        fns = list(lr_lambda)
    else:
        fns = [lr_lambda] * len(optimizer.param_groups)
    for f in fns:
        if not callable(f):
            raise TypeError(f"For '{where}', 'lr_lambda' must be a function or a list of functions, got "
                            f"{type(f).__name__}")
    return fns


class LambdaLR(LRScheduler):
    """`LambdaLR(optimizer, lr_lambda, last_epoch=-1)`: base_lr * lr_lambda(epoch)."""

    def __init__(self, optimizer: Any, lr_lambda: Callable | list, last_epoch: int = -1) -> None:
        self.lr_lambdas = _lambdas(_check_optimizer(optimizer, "LambdaLR"), lr_lambda, "LambdaLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(LRScheduler):
    """`MultiplicativeLR(optimizer, lr_lambda, last_epoch=-1)`: lr * lr_lambda(epoch) every epoch."""

    def __init__(self, optimizer: Any, lr_lambda: Callable | list, last_epoch: int = -1) -> None:
        self.lr_lambdas = _lambdas(_check_optimizer(optimizer, "MultiplicativeLR"), lr_lambda, "MultiplicativeLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self.last_epoch > 0:
            return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, lrs)]
        return lrs


class CosineAnnealingLR(LRScheduler):
    """`CosineAnnealingLR(optimizer, T_max, eta_min=0.0, last_epoch=-1)`:
    eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2, continued past T_max (SGDR's
    curve, PyTorch's recursive form)."""

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:  # noqa: N803
        self.T_max = validator.check_positive_int(T_max, "T_max", "CosineAnnealingLR")
        self.eta_min = validator.check_is_float(eta_min, "eta_min", "CosineAnnealingLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        t, n, lo = self.last_epoch, self.T_max, self.eta_min
        if t == 0:
            return lrs
        if self._step_count == 1 and t > 0:  # constructed with last_epoch >= 0: start on the curve
            return self._get_closed_form_lr()
        if (t - 1 - n) % (2 * n) == 0:
            return [lr + (base - lo) * (1 - math.cos(math.pi / n)) / 2 for base, lr in zip(self.base_lrs, lrs)]
        return [(1 + math.cos(math.pi * t / n)) / (1 + math.cos(math.pi * (t - 1) / n)) * (lr - lo) + lo
                for lr in lrs]

    def _get_closed_form_lr(self) -> list:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """`CosineAnnealingWarmRestarts(optimizer, T_0, T_mult=1, eta_min=0, last_epoch=-1)`: cosine
    annealing restarted after T_0, T_0 * T_mult, ... epochs; `step(epoch)` takes fractional epochs."""

    def __init__(self, optimizer: Any, T_0: int, T_mult: int = 1, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        self.T_0 = validator.check_positive_int(T_0, "T_0", "CosineAnnealingWarmRestarts")
        self.T_mult = validator.check_int(T_mult, 1, validator.GE, "T_mult", "CosineAnnealingWarmRestarts")
        self.eta_min = validator.check_is_float(eta_min, "eta_min", "CosineAnnealingWarmRestarts")
        self.T_i = self.T_0
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base in self.base_lrs]

    def step(self, epoch: Any = None) -> bool:
        self._step_count += 1
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur - self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            epoch = validator.check_number("epoch", epoch, 0, validator.GE, "CosineAnnealingWarmRestarts")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, value in zip(self.optimizer.param_groups, self.get_lr()):
            _write(group, value)
        return True


class CyclicLR(LRScheduler):
    """`CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode='triangular',
    gamma=1.0, scale_fn=None, scale_mode='cycle', last_epoch=-1)`: the rate cycles between
    `base_lr` and `max_lr` (Smith's cyclical learning rates); call `step()` after every batch."""

    def __init__(self, optimizer: Any, base_lr: Any, max_lr: Any, step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular", gamma: float = 1.0,
                 scale_fn: Callable | None = None, scale_mode: str = "cycle", last_epoch: int = -1) -> None:
        where = "CyclicLR"
        optimizer = _check_optimizer(optimizer, where)
        base_lrs = self._per_group(optimizer, base_lr, "base_lr")
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                _write(group, lr)
                group["initial_lr"] = lr
        self.max_lrs = self._per_group(optimizer, max_lr, "max_lr")
        up = float(validator.check_positive_int(step_size_up, "step_size_up", where))
        down = up if step_size_down is None else float(validator.check_positive_int(step_size_down,
                                                                                    "step_size_down", where))
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if scale_fn is None:
            validator.check_string(mode, ["triangular", "triangular2", "exp_range"], "mode", where)
        self.mode, self.gamma = mode, validator.check_is_float(gamma, "gamma", where)
        if scale_fn is not None:
            self._scale_fn, self.scale_mode = scale_fn, validator.check_string(scale_mode, ["cycle", "iterations"],
                                                                               "scale_mode", where)
        elif mode == "triangular":
            self._scale_fn, self.scale_mode = (lambda x: 1.0), "cycle"
        elif mode == "triangular2":
            self._scale_fn, self.scale_mode = (lambda x: 1 / (2.0 ** (x - 1))), "cycle"
        else:
            self._scale_fn, self.scale_mode = (lambda x: self.gamma ** x), "iterations"
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    @staticmethod
    def _per_group(optimizer: Any, value: Any, name: str) -> list:
        if isinstance(value, (list, tuple)):
            if len(value) != len(optimizer.param_groups):
                raise ValueError(f"For 'CyclicLR', expected {len(optimizer.param_groups)} values for {name}, got "
                                 f"{len(value)}")
            return [validator.check_is_float(v, name, "CyclicLR") for v in value]
        return [validator.check_is_float(value, name, "CyclicLR")] * len(optimizer.param_groups)

    def get_lr(self) -> list:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        at = cycle if self.scale_mode == "cycle" else self.last_epoch
        return [base + (top - base) * scale * self._scale_fn(at) for base, top in zip(self.base_lrs, self.max_lrs)]


class SequentialLR:
    """`SequentialLR(optimizer, schedulers, milestones, last_epoch=-1)`: `schedulers[i]` drives the
    rate from `milestones[i-1]` on (each restarted at its epoch 0 when it takes over)."""

    def __init__(self, optimizer: Any, schedulers: list, milestones: list, last_epoch: int = -1) -> None:
        optimizer = _check_optimizer(optimizer, "SequentialLR")
        for i, s in enumerate(schedulers):
            if getattr(s, "optimizer", None) is not optimizer:
                raise ValueError(f"SequentialLR expects all schedulers to belong to the optimizer passed in, but "
                                 f"scheduler {i} does not")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR expects one milestone fewer than schedulers, got {len(schedulers)} "
                             f"schedulers and {len(milestones)} milestones")
        self._schedulers, self.milestones, self.optimizer = list(schedulers), list(milestones), optimizer
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:  # undo what constructing the schedulers did
            _write(group, group["initial_lr"])
        for s in self._schedulers:
            s.last_epoch -= 1
        self._schedulers[0].step()
        self._last_lr = self._schedulers[0]._last_lr

    def step(self) -> None:
        self.last_epoch += 1
        idx = bisect_right(self.milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self.milestones[idx - 1] == self.last_epoch:
            scheduler.step(0)
        else:
            scheduler.step()

    def get_last_lr(self) -> list:
        return [Tensor(np.float32(_value(p))) for p in self._last_lr]


class ChainedScheduler:
    """`ChainedScheduler(schedulers)`: every `step()` steps each scheduler in turn (their effects compose)."""

    def __init__(self, schedulers: list) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler needs at least one scheduler")
        self._schedulers = schedulers
        self.optimizer = schedulers[0].optimizer
        self._last_lr = list(schedulers[-1]._last_lr)

    def step(self) -> None:
        for s in self._schedulers:
            s.step()

    def get_last_lr(self) -> list:
        return [Tensor(np.float32(_value(p))) for p in self._last_lr]


class ReduceLROnPlateau:
    """`ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4,
    threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8)`: `step(metric)` multiplies the rates
    by `factor` after `patience` epochs without improvement."""

    def __init__(self, optimizer: Any, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0, min_lr: Any = 0,
                 eps: float = 1e-8) -> None:
        where = "ReduceLROnPlateau"
        self.factor = validator.check_is_float(factor, "factor", where)
        if self.factor >= 1.0:
            raise ValueError(f"For '{where}', 'factor' must be < 1.0, got {factor}")
        self.optimizer = _check_optimizer(optimizer, where)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"For '{where}', expected {len(optimizer.param_groups)} min_lrs, got {len(min_lr)}")
            self.min_lrs = [validator.check_is_float(v, "min_lr", where) for v in min_lr]
        else:
            self.min_lrs = [validator.check_is_float(min_lr, "min_lr", where)] * len(optimizer.param_groups)
        self.mode = validator.check_string(mode, ["min", "max"], "mode", where)
        self.threshold_mode = validator.check_string(threshold_mode, ["rel", "abs"], "threshold_mode", where)
        self.patience = validator.check_non_negative_int(patience, "patience", where)
        self.cooldown = validator.check_non_negative_int(cooldown, "cooldown", where)
        self.threshold = validator.check_is_float(threshold, "threshold", where)
        self.eps = validator.check_is_float(eps, "eps", where)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_better(self, current: float) -> bool:
        if self.mode == "min":
            bound = self.best * (1 - self.threshold) if self.threshold_mode == "rel" else self.best - self.threshold
            return current < bound
        bound = self.best * (1 + self.threshold) if self.threshold_mode == "rel" else self.best + self.threshold
        return current > bound

    def step(self, metrics: Any) -> bool:
        current = float(metrics.asnumpy()) if isinstance(metrics, Tensor) else float(metrics)
        self.last_epoch += 1
        if self._is_better(current):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs):
                old = _value(group["lr"])
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    _write(group, new)
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        return True

    def get_last_lr(self) -> list:
        return [Tensor(np.float32(_value(p))) for p in self._last_lr]
