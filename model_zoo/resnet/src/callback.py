"""Callbacks of the ResNet recipe: per-step loss record with images/s, and a step limit."""
from __future__ import annotations

import time

import numpy as np

from mindlite.train.callback import Callback, RunContext

__all__ = ["LossTimeMonitor", "StopAtStep"]


def _loss(outputs) -> float:
    if isinstance(outputs, (tuple, list)):
        outputs = outputs[0]
    return float(np.mean(outputs.asnumpy())) if hasattr(outputs, "asnumpy") else float(outputs)


class StopAtStep(Callback):
    """Request the end of training once the global step reaches `stop_step`."""

    def __init__(self, stop_step: int) -> None:
        self.stop_step = int(stop_step)

    def on_train_step_end(self, run_context: RunContext) -> None:
        if run_context.original_args().cur_step_num >= self.stop_step:
            run_context.request_stop()


class LossTimeMonitor(Callback):
    """Keeps every loss (``losses``: {global step: loss}); every `print_steps` steps prints epoch,
    step, loss, learning rate and images/s (MindSpore's recipe LossCallBack). Throughput
    excludes the first `warmup_steps` step calls of the run (GRAPH_MODE compiles in the first)."""

    def __init__(self, batch_size: int, print_steps: int = 10, lr: np.ndarray | None = None,
                 warmup_steps: int = 1, verbose: bool = True) -> None:
        self.batch_size, self.print_steps = int(batch_size), max(int(print_steps), 0)
        self.lr, self.warmup_steps, self.verbose = lr, int(warmup_steps), verbose
        self.losses: dict[int, float] = {}
        self.first_step_seconds: float | None = None
        self._t_begin = self._t_steady = self._t_window = self._t_last = 0.0
        self._calls = self._start = self._steady_start = self._window_start = self._last = 0

    def on_train_begin(self, run_context: RunContext) -> None:
        self._t_begin = self._t_window = time.perf_counter()
        self._start = self._steady_start = self._window_start = self._last = run_context.original_args().cur_step_num

    def on_train_step_end(self, run_context: RunContext) -> None:
        cb = run_context.original_args()
        now = time.perf_counter()
        self._t_last, self._last = now, cb.cur_step_num
        loss = _loss(cb.net_outputs)
        self.losses[cb.cur_step_num] = loss  # in sink mode: once per sink, the last step's loss
        self._calls += 1
        if self._calls == 1:
            self.first_step_seconds = now - self._t_begin
        if self._calls == self.warmup_steps:
            self._t_steady, self._steady_start = now, cb.cur_step_num
            self._t_window, self._window_start = now, cb.cur_step_num
        if not np.isfinite(loss):
            raise ValueError(f"epoch {cb.cur_epoch_num} step {cb.cur_step_num}: loss is {loss}, stopping")
        if self.verbose and self.print_steps and cb.cur_step_num % self.print_steps == 0:
            steps = cb.cur_step_num - self._window_start
            rate = f"{steps * self.batch_size / (now - self._t_window):.1f} images/s" if steps > 0 else "-"
            lr = ""
            if self.lr is not None and len(self.lr):
                lr = f", lr {self.lr[min(cb.cur_step_num - 1, len(self.lr) - 1)]:.6f}"
            step_in_epoch = (cb.cur_step_num - 1) % max(cb.batch_num, 1) + 1
            print(f"epoch {cb.cur_epoch_num}/{cb.epoch_num} step {step_in_epoch}/{cb.batch_num} "
                  f"(global {cb.cur_step_num}): loss {loss:.4f}{lr}, {rate}", flush=True)
            self._t_window, self._window_start = now, cb.cur_step_num

    def throughput(self) -> dict:
        """images/s after the warm-up steps, over the whole run, and the first step's seconds."""
        steady_steps = self._last - self._steady_start if self._calls > self.warmup_steps else 0
        steps, total = self._last - self._start, self._t_last - self._t_begin
        return {
            "images_per_second": (steady_steps * self.batch_size / (self._t_last - self._t_steady)
                                  if steady_steps > 0 and self._t_last > self._t_steady else None),
            "images_per_second_overall": steps * self.batch_size / total if steps and total > 0 else None,
            "steps": steps,
            "steady_steps": max(steady_steps, 0),
            "first_step_seconds": self.first_step_seconds,
            "train_seconds": total,
        }
