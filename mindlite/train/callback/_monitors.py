"""LossMonitor, TimeMonitor, History, LambdaCallback."""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from ._callback import Callback, RunContext


def loss_value(outputs: Any) -> float | None:
    """The loss from a train network's outputs (a scalar Tensor or the first of a tuple)."""
    if isinstance(outputs, (tuple, list)):
        outputs = outputs[0] if outputs else None
    if outputs is None:
        return None
    if hasattr(outputs, "asnumpy"):
        return float(np.mean(outputs.asnumpy()))
    return float(outputs)


class LossMonitor(Callback):
    """Print the loss every `per_print_times` steps (and stop on nan/inf, as MindSpore does)."""

    def __init__(self, per_print_times: int = 1) -> None:
        if not isinstance(per_print_times, int) or per_print_times < 0:
            raise ValueError(f"LossMonitor: per_print_times must be a non-negative int, got {per_print_times!r}")
        self._per_print_times = per_print_times
        self._last_print_step = 0

    def on_train_step_end(self, run_context: RunContext) -> None:
        cb = run_context.original_args()
        loss = loss_value(cb.net_outputs)
        step_in_epoch = (cb.cur_step_num - 1) % max(cb.batch_num, 1) + 1
        if loss is not None and not np.isfinite(loss):
            raise ValueError(f"epoch: {cb.cur_epoch_num} step: {step_in_epoch}: invalid loss {loss}, "
                             "terminating training")
        if self._per_print_times and cb.cur_step_num - self._last_print_step >= self._per_print_times:
            self._last_print_step = cb.cur_step_num
            print(f"epoch: {cb.cur_epoch_num} step: {step_in_epoch}, loss is {loss}", flush=True)

    def on_eval_end(self, run_context: RunContext) -> None:
        cb = run_context.original_args()
        if cb.get("metrics"):
            print(f"Eval result: {cb.metrics}", flush=True)


class TimeMonitor(Callback):
    """Print per-epoch time and per-step time (`data_size` steps per epoch)."""

    def __init__(self, data_size: int | None = None, data_time: bool = False) -> None:
        self.data_size = data_size
        self.epoch_time = 0.0

    def on_train_epoch_begin(self, run_context: RunContext) -> None:
        self.epoch_time = time.perf_counter()

    def on_train_epoch_end(self, run_context: RunContext) -> None:
        cb = run_context.original_args()
        ms = (time.perf_counter() - self.epoch_time) * 1000
        steps = self.data_size or cb.batch_num or 1
        print(f"epoch time: {ms:.3f} ms, per step time: {ms / steps:.3f} ms", flush=True)


class History(Callback):
    """Records the loss of each epoch's last step (`history.epoch`, `history.history['net_output']`)."""

    def __init__(self) -> None:
        self.epoch: list[int] = []
        self.history: dict[str, list] = {}

    def on_train_epoch_end(self, run_context: RunContext) -> None:
        cb = run_context.original_args()
        self.epoch.append(cb.cur_epoch_num)
        self.history.setdefault("net_output", []).append(loss_value(cb.net_outputs))
        for k, v in (cb.get("metrics") or {}).items():
            self.history.setdefault(k, []).append(v)


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. `LambdaCallback(on_train_step_end=fn)`."""

    _HOOKS = ("on_train_begin", "on_train_end", "on_train_epoch_begin", "on_train_epoch_end",
              "on_train_step_begin", "on_train_step_end", "on_eval_begin", "on_eval_end", "on_eval_epoch_begin",
              "on_eval_epoch_end", "on_eval_step_begin", "on_eval_step_end")

    def __init__(self, **hooks: Callable[[RunContext], None]) -> None:
        for name, fn in hooks.items():
            if name not in self._HOOKS:
                raise ValueError(f"LambdaCallback: unknown hook {name!r}; known: {self._HOOKS}")
            setattr(self, name, fn)
