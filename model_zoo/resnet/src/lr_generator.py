"""Per-step learning rates of the ResNet recipe (MindSpore's ``src/lr_generator.py:get_lr``).

``get_lr(lr_init, lr_end, lr_max, warmup_epochs, total_epochs, start_epoch, steps_per_epoch,
lr_decay_mode)`` -> float32 array with one value per training step, from step
``start_epoch * steps_per_epoch`` on. Modes (the same formulas as MindSpore):

* ``linear`` (the ImageNet default): linear warm-up lr_init -> lr_max over the warm-up steps
  (value at step i: lr_init + (lr_max - lr_init) * i / warmup), then linear decay to lr_end.
* ``cosine``: warm-up (value at step i: lr_init + (lr_max - lr_init) * (i + 1) / warmup), then
  lr_max * (linear_decay * 0.5 * (1 + cos(2 * 0.47 * pi * i / decay_steps)) + 1e-5) - MindSpore's
  "linear x cosine" form, which ends near 0.
* ``poly`` (the CIFAR-10 default): warm-up, then lr_max * (1 - progress)^2.
* ``steps``: warm-up, then lr_max x 1, 0.1, 0.01, 0.001 at 30 / 60 / 80 % of the steps.
* ``step``: no warm-up; lr_max x 1, 0.1, 0.01, 0.001 at 20 / 50 / 70 / 90 %, then 5e-5.
* ``constant``: lr_max throughout (a mindlite addition for experiments).

``total_steps`` (optional) replaces ``total_epochs * steps_per_epoch`` when a run is cut to a
number of steps (train.py --steps), so a short run still warms up and anneals.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["LR_MODES", "get_lr"]

LR_MODES = ("linear", "cosine", "poly", "steps", "step", "constant")


def _lr_at(i: int, total: int, warmup: int, lr_init: float, lr_end: float, lr_max: float, mode: str) -> float:
    if mode == "step":
        edges, scale = (0.2, 0.5, 0.7, 0.9), (1.0, 0.1, 0.01, 0.001)
        for edge, s in zip(edges, scale):
            if i < edge * total:
                return lr_max * s
        return 0.00005
    if mode == "constant":
        return lr_max
    if i < warmup:
        if mode == "cosine":
            return lr_init + (lr_max - lr_init) * (i + 1) / warmup
        return lr_init + (lr_max - lr_init) * i / warmup
    if mode == "linear":
        return lr_max - (lr_max - lr_end) * (i - warmup) / (total - warmup)
    if mode == "cosine":
        decay = total - warmup
        return lr_max * ((total - i) / decay * 0.5 * (1 + math.cos(math.pi * 2 * 0.47 * i / decay)) + 0.00001)
    if mode == "poly":
        base = 1.0 - (i - warmup) / (total - warmup)
        return max(lr_max * base * base, 0.0)
    if mode == "steps":
        for edge, s in zip((0.3, 0.6, 0.8), (1.0, 0.1, 0.01)):
            if i < edge * total:
                return lr_max * s
        return lr_max * 0.001
    raise ValueError(f"lr_decay_mode must be one of {LR_MODES}, got {mode!r}")


def get_lr(lr_init: float, lr_end: float, lr_max: float, warmup_epochs: float, total_epochs: int,
           start_epoch: int, steps_per_epoch: int, lr_decay_mode: str = "linear",
           total_steps: int | None = None) -> np.ndarray:
    """One learning rate per step (float32), starting at epoch `start_epoch`."""
    if lr_decay_mode not in LR_MODES:
        raise ValueError(f"lr_decay_mode must be one of {LR_MODES}, got {lr_decay_mode!r}")
    total = int(total_steps) if total_steps else int(steps_per_epoch * total_epochs)
    if total <= 0:
        raise ValueError(f"get_lr: need a positive number of steps, got {total}")
    warmup = min(int(steps_per_epoch * warmup_epochs), total - 1)
    lrs = [_lr_at(i, total, warmup, lr_init, lr_end, lr_max, lr_decay_mode) for i in range(total)]
    return np.asarray(lrs[int(steps_per_epoch * start_epoch):], dtype=np.float32)
