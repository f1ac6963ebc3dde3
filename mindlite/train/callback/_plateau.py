"""EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, OnRequestExit."""
from __future__ import annotations

import os
import signal
from typing import Any, Callable

import numpy as np

from ._callback import Callback, RunContext
from ._monitors import loss_value


class _Watch(Callback):
    """Shared logic: read `monitor` at epoch end ('loss' or a metric name, 'eval_' prefix optional)."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{type(self).__name__}: mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor = monitor
        if mode == "auto":
            mode = "max" if any(k in monitor for k in ("acc", "f1", "precision", "recall")) else "min"
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.best: float | None = None

    def _current(self, cb: Any) -> float | None:
        if self.monitor == "loss":
            return loss_value(cb.net_outputs)
        metrics = cb.get("metrics") or {}
        key = self.monitor[5:] if self.monitor.startswith("eval_") and self.monitor not in metrics else self.monitor
        value = metrics.get(key)
        return None if value is None else float(np.mean(value))

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(_Watch):
    """Stop when `monitor` has not improved by `min_delta` for `patience` epochs."""

    def __init__(self, monitor: str = "eval_loss", min_delta: float = 0, patience: int = 0, verbose: bool = False,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False) -> None:
        super().__init__(monitor, mode, min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights = restore_best_weights
        self.wait, self.stopped_epoch, self._best_weights = 0, 0, None

    def on_train_begin(self, run_context: RunContext) -> None:
        self.wait, self.stopped_epoch, self.best = 0, 0, self.baseline

    def on_train_epoch_end(self, run_context: RunContext) -> None:
        cb = run_context.original_args()
        value = self._current(cb)
        if value is None:
            return
        if self._improved(value):
            self.best, self.wait = value, 0
            if self.restore_best_weights:
                self._best_weights = {n: p.asnumpy().copy() for n, p in cb.train_network.parameters_and_names()}
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = cb.cur_epoch_num
            run_context.request_stop()
            if self.verbose:
                print(f"Epoch {self.stopped_epoch}: early stopping", flush=True)
            if self._best_weights is not None:
                from ...core.tensor import Tensor
                for n, p in cb.train_network.parameters_and_names():
                    p.set_data(Tensor(self._best_weights[n]))


class ReduceLROnPlateau(_Watch):
    """Multiply the optimizer's learning rate by `factor` when `monitor` stalls for `patience` epochs."""

    def __init__(self, monitor: str = "eval_loss", factor: float = 0.1, patience: int = 10, verbose: bool = False,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0, min_lr: float = 0) -> None:
        if not 0 < factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor}")
        super().__init__(monitor, mode, min_delta)
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr
        self.wait, self.cooldown_counter = 0, 0

    def on_train_epoch_end(self, run_context: RunContext) -> None:
        cb = run_context.original_args()
        value = self._current(cb)
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(value):
            self.best, self.wait = value, 0
            return
        self.wait += 1
        if self.wait >= self.patience and self.cooldown_counter <= 0:
            lr = cb.optimizer.learning_rate
            old = float(np.asarray(lr.asnumpy()).reshape(-1)[0])
            new = max(old * self.factor, self.min_lr)
            _set_lr(lr, new)
            if self.verbose:
                print(f"Epoch {cb.cur_epoch_num}: reducing learning rate to {new}", flush=True)
            self.cooldown_counter, self.wait = self.cooldown, 0


def _set_lr(lr_param: Any, value: float) -> None:
    from ...core.tensor import Tensor
    lr_param.set_data(Tensor(np.full(lr_param.shape, value, lr_param.dtype.np)))


class LearningRateScheduler(Callback):
    """At each step end set the learning rate to `learning_rate_function(lr, cur_step_num)`."""

    def __init__(self, learning_rate_function: Callable[[float, int], float]) -> None:
        self.learning_rate_function = learning_rate_function

    def on_train_step_end(self, run_context: RunContext) -> None:
        cb = run_context.original_args()
        lr = cb.optimizer.learning_rate
        old = float(np.asarray(lr.asnumpy()).reshape(-1)[0])
        new = self.learning_rate_function(old, cb.cur_step_num)
        if new != old:
            _set_lr(lr, new)


class OnRequestExit(Callback):
    """On `sig` (SIGTERM by default), save a checkpoint at the end of the current step and stop."""

    def __init__(self, save_ckpt: bool = True, save_mindir: bool = False, file_name: str = "Net",
                 directory: str = "./", sig: int = signal.SIGTERM) -> None:
        self.save_ckpt, self.file_name, self.directory, self.sig = save_ckpt, file_name, directory, sig
        self._requested = False
        self._previous: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        self._requested = True

    def on_train_begin(self, run_context: RunContext) -> None:
        self._previous = signal.signal(self.sig, self._handler)

    def on_train_step_end(self, run_context: RunContext) -> None:
        if not self._requested:
            return
        cb = run_context.original_args()
        if self.save_ckpt:
            from ..serialization import save_checkpoint
            os.makedirs(self.directory, exist_ok=True)
            save_checkpoint(cb.train_network, os.path.join(self.directory, f"{self.file_name}.ckpt"),
                            append_dict={"epoch_num": cb.cur_epoch_num, "step_num": cb.cur_step_num})
        run_context.request_stop()

    def on_train_end(self, run_context: RunContext) -> None:
        if self._previous is not None:
            signal.signal(self.sig, self._previous)
            self._previous = None
