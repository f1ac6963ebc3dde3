"""Helpers of the BERT recipe (MindSpore's src/utils.py and run_pretrain.py helpers):
optimizer construction with the decay filter, the train-cell Model, logging callbacks."""
from __future__ import annotations

import math
import os
import sys
import time
from typing import Any

import numpy as np

import mindlite as ms
from mindlite import nn
from mindlite.train.callback import Callback, RunContext

from .bert_for_pre_training import BertTrainOneStepCell, BertTrainOneStepWithLossScaleCell
from .lr import BertLearningRate, bert_lr_values


def decay_filter(param: Any) -> bool:
    """MindSpore's decay_filter: weight decay for every parameter except LayerNorm ones and biases."""
    name = param.name.lower()
    return "layernorm" not in name and "bias" not in name


def lr_settings(cfg: Any, decay_steps: int) -> dict:
    """BertLearningRate's arguments from ``cfg[cfg.optimizer]``: warmup_steps, or warmup_ratio
    of `decay_steps` (run_classifier.py's 10%)."""
    oc = cfg[cfg.optimizer]
    warmup = int(oc.warmup_steps) if "warmup_steps" in oc else int(decay_steps * float(oc.get("warmup_ratio", 0.0)))
    return dict(learning_rate=float(oc.learning_rate), end_learning_rate=float(oc.end_learning_rate),
                warmup_steps=warmup, decay_steps=max(int(decay_steps), 1), power=float(oc.power))


def get_optimizer(cfg: Any, network: nn.Cell, decay_steps: int) -> tuple[nn.Optimizer, BertLearningRate]:
    """Lamb or AdamWeightDecay (``cfg.optimizer``) with BertLearningRate over `decay_steps`
    and group parameters: weight decay on decay_filter's parameters, none on the others,
    ``order_params`` keeping the network's order (MindSpore's _get_optimizer)."""
    name = cfg.optimizer
    if name not in ("Lamb", "AdamWeightDecay"):
        raise ValueError(f"optimizer must be Lamb or AdamWeightDecay, got {name!r}")
    oc = cfg[name]
    lr = BertLearningRate(**lr_settings(cfg, decay_steps))
    params = network.trainable_params()
    decay = [p for p in params if decay_filter(p)]
    other = [p for p in params if not decay_filter(p)]
    groups = [{"params": decay, "weight_decay": float(oc.weight_decay)}, {"params": other, "weight_decay": 0.0},
              {"order_params": params}]
    cls = nn.Lamb if name == "Lamb" else nn.AdamWeightDecay
    return cls(groups, learning_rate=lr, eps=float(oc.eps)), lr


def build_train_cell(cfg: Any, network: nn.Cell, optimizer: nn.Optimizer) -> nn.Cell:
    """BertTrainOneStepWithLossScaleCell (``enable_lossscale``) or BertTrainOneStepCell."""
    clip = dict(enable_clip_grad=bool(cfg.enable_clip_grad), clip_type=cfg.clip_type, clip_value=cfg.clip_value)
    if cfg.enable_lossscale:
        update = nn.DynamicLossScaleUpdateCell(loss_scale_value=float(cfg.loss_scale_value),
                                               scale_factor=float(cfg.scale_factor),
                                               scale_window=int(cfg.scale_window))
        return BertTrainOneStepWithLossScaleCell(network, optimizer, update,
                                                 skip_by_select=bool(cfg.get("enable_data_sink", False)), **clip)
    return BertTrainOneStepCell(network, optimizer, **clip)


class TrainCellModel(ms.Model):
    """``Model(net_with_grads)`` as MindSpore's recipe writes it: the network already is a
    whole training step (loss, gradients, optimizer), so Model trains it as it is.

    mindlite's Model.train raises "Model.train needs an optimizer" when no optimizer is given
    (MindSpore's Model trains the network directly in that case); this subclass sets the
    train network to the given cell and otherwise uses Model unchanged (callbacks, progress
    bar, checkpoints, resume, data sinking)."""

    def __init__(self, train_cell: nn.Cell, optimizer: nn.Optimizer | None = None, **kwargs: Any) -> None:
        super().__init__(train_cell, **kwargs)
        self._train_network = train_cell
        self._optimizer = optimizer if optimizer is not None else getattr(train_cell, "optimizer", None)


def _write(line: str) -> None:
    """Print without breaking Model's tqdm progress bar."""
    try:
        from tqdm import tqdm
        tqdm.write(line, file=sys.stdout)
    except ImportError:  # pragma: no cover
        print(line, flush=True)
    sys.stdout.flush()


class StopAtStep(Callback):
    """Request the end of training once `cur_step_num` reaches `stop_step`."""

    def __init__(self, stop_step: int) -> None:
        self.stop_step = int(stop_step)

    def on_train_step_end(self, run_context: RunContext) -> None:
        if run_context.original_args().cur_step_num >= self.stop_step:
            run_context.request_stop()


class LossCallBack(Callback):
    """Every `log_steps` steps print step, loss, loss scale and overflow (when the cell
    returns them), learning rate and sequences/s; keeps every reported loss in `self.losses`
    ({global step: loss}). Sequences/s exclude the first `warmup_steps` reports (compilation).
    At the end prints the overall throughput. Under data sinking one report covers a whole
    sink (its last loss), and the rates count all of its steps."""

    def __init__(self, batch_size: int, log_steps: int = 10, lr_args: dict | None = None, warmup_steps: int = 2,
                 verbose: bool = True) -> None:
        self.batch_size, self.log_steps, self.lr_args = batch_size, max(int(log_steps), 1), lr_args
        self.warmup_steps, self.verbose = warmup_steps, verbose
        self.losses: dict[int, float] = {}
        self.overflows = 0
        self._reports = 0
        self._window = (0.0, 0)      # (time, step) where the current logging window began
        self._timed = (0.0, 0)       # (time, step) after the warm-up reports
        self._last_log = 0
        self.sequences_per_second: float | None = None
        self._steps_timed = 0

    def on_train_begin(self, run_context: RunContext) -> None:
        step = int(run_context.original_args().cur_step_num)
        self._window = (time.perf_counter(), step)
        self._last_log = step

    def on_train_step_end(self, run_context: RunContext) -> None:
        cb = run_context.original_args()
        out = cb.net_outputs
        now = time.perf_counter()
        self._reports += 1
        loss = out[0] if isinstance(out, (tuple, list)) else out
        loss = float(np.mean(loss.asnumpy()))
        step = int(cb.cur_step_num)
        self.losses[step] = loss
        overflow = scale = None
        if isinstance(out, (tuple, list)) and len(out) >= 3:
            overflow, scale = bool(out[1].asnumpy()), float(out[2].asnumpy())
            self.overflows += int(overflow)
        if self._reports == self.warmup_steps:
            self._timed = (now, step)
        if step - self._last_log >= self.log_steps or step % self.log_steps == 0:
            self._last_log = step
            t0, s0 = self._window
            rate = (step - s0) * self.batch_size / (now - t0) if now > t0 else float("nan")
            if self.verbose:
                parts = [f"epoch: {cb.cur_epoch_num}", f"step: {step}", f"loss: {loss:.4f}"]
                if scale is not None:
                    parts += [f"overflow: {overflow}", f"loss scale: {scale:g}"]
                if self.lr_args:
                    opt = getattr(cb, "optimizer", None)
                    # the lr of the last update: the schedule at the optimizer's global_step before it
                    done = int(opt.global_step.asnumpy().reshape(-1)[0]) if opt is not None else step
                    parts.append(f"lr: {float(bert_lr_values(steps=max(done - 1, 0), **self.lr_args)):.3e}")
                parts.append(f"{rate:.1f} sequences/s")
                _write(", ".join(parts))
            self._window = (time.perf_counter(), step)

    def on_train_end(self, run_context: RunContext) -> None:
        step = int(run_context.original_args().cur_step_num)
        t0, s0 = self._timed
        if self._reports > self.warmup_steps and step > s0:
            dt = time.perf_counter() - t0
            self._steps_timed = step - s0
            self.sequences_per_second = self._steps_timed * self.batch_size / dt
            if self.verbose:
                _write(f"throughput: {self.sequences_per_second:.1f} sequences/s ({self._steps_timed} steps of batch "
                       f"{self.batch_size} after the first {self.warmup_steps}, "
                       f"{dt / self._steps_timed * 1000:.1f} ms/step)")


_BLAS_SUFFIXES = ("", "64_")


def _openblas_functions() -> list:
    """(get, set) ctypes functions of every OpenBLAS library loaded in this process."""
    import ctypes
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line})
    except OSError:
        return []
    found = []
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("openblas", "scipy_openblas"):
            for suffix in _BLAS_SUFFIXES:
                get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    found.append((get, put))
    return found


def blas_threads() -> int | None:
    """Threads numpy's OpenBLAS uses (None when it cannot be found)."""
    funcs = _openblas_functions()
    return int(funcs[0][0]()) if funcs else None


def set_blas_threads(n: int) -> int | None:
    """Set the threads of numpy's OpenBLAS (threadpoolctl when installed, else OpenBLAS's own
    setter through ctypes); returns the previous count (None if no OpenBLAS was found).

    Why the recipe does this: mindlite runs on numpy, whose OpenBLAS uses every core for each
    matmul. The tiny configuration's matrices are too small to gain from threads, and on a
    machine shared with other processes the threads' synchronisation made each small matmul
    10-80 ms instead of 0.1 ms (measured here on 2 cores: the tiny pre-training step went
    from ~550 ms to ~100 ms with one thread)."""
    previous = blas_threads()
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=int(n), user_api="blas")
        return previous
    except ImportError:
        pass
    for _, put in _openblas_functions():
        put(int(n))
    return previous


def apply_blas_threads(setting: Any, network: str) -> None:
    """Config field blas_threads: an int > 0 sets it, 0 leaves numpy's default, "auto" uses
    1 thread for the tiny network and the default for base/large."""
    if setting == "auto":
        setting = 1 if network == "tiny" else 0
    if int(setting) > 0:
        set_blas_threads(int(setting))


def output_dir(cfg: Any, name: str) -> str:
    """cfg.output_dir, or <temp dir>/<name> when it is empty (keeps checkouts clean)."""
    import tempfile
    return make_directory(cfg.output_dir or os.path.join(tempfile.gettempdir(), name))


def make_directory(path: str) -> str:
    path = os.path.abspath(os.path.expanduser(path))
    os.makedirs(path, exist_ok=True)
    return path


def set_mode(mode: str, device_target: str | None = None) -> None:
    """set_context(mode=GRAPH_MODE | PYNATIVE_MODE[, device_target=...]) from config strings."""
    mode = str(mode).upper()
    if mode not in ("GRAPH", "PYNATIVE", "GRAPH_MODE", "PYNATIVE_MODE"):
        raise ValueError(f"mode must be GRAPH or PYNATIVE, got {mode!r}")
    ms.set_context(mode=ms.GRAPH_MODE if mode.startswith("GRAPH") else ms.PYNATIVE_MODE)
    if device_target:
        ms.set_context(device_target=device_target)


def epochs_for(train_steps: int, steps_per_epoch: int, epoch_size: int) -> tuple[int, int]:
    """(epochs to run, total steps): `train_steps` > 0 caps the run, else epoch_size epochs."""
    if steps_per_epoch <= 0:
        raise ValueError("the dataset yields no batch: use a smaller batch_size or more data")
    if train_steps and train_steps > 0:
        return max(1, math.ceil(train_steps / steps_per_epoch)), int(train_steps)
    return int(epoch_size), int(epoch_size) * steps_per_epoch


__all__ = ["LossCallBack", "StopAtStep", "TrainCellModel", "apply_blas_threads", "blas_threads", "build_train_cell",
           "decay_filter", "epochs_for", "get_optimizer", "lr_settings", "make_directory", "output_dir",
           "set_blas_threads", "set_mode"]
