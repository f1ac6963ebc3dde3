"""`nn.Adagrad`: per-element adaptive learning rate (MindSpore's ApplyAdagrad rule)."""
from __future__ import annotations

from typing import Any

from ...ops import functional as F
from .optimizer import Optimizer, _assign, _check_bool, _check_float


class Adagrad(Optimizer):
    """`nn.Adagrad(params, accum=0.1, learning_rate=0.001, update_slots=True, loss_scale=1.0, weight_decay=0.0)`.

    With `g` after `decay_weight` (L2) and `scale_grad`::

        h = h + g * g                  # only if update_slots
        p = p - lr * g / sqrt(h)

    Surprising but MindSpore's: the kernel has no epsilon (its nn.Adagrad docstring shows
    `sqrt(h) + eps` and `h_0 = 0`), and `h` starts at `accum` (default 0.1), which is what
    keeps the division finite. `accum=0` with a zero gradient therefore gives NaN, as there.

    State: `accum.<param name>` (filled with `accum`).
    """

    def __init__(self, params: Any, accum: float = 0.1, learning_rate: Any = 0.001, update_slots: bool = True,
                 loss_scale: float = 1.0, weight_decay: Any = 0.0) -> None:
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        accum = _check_float(accum, "accum", self.cls_name, low=0.0)
        self.update_slots = _check_bool(update_slots, "update_slots", self.cls_name)
        self.accum = self._clone_state("accum", accum)

    def construct(self, grads: Any) -> bool:
        grads = self._check_gradients(grads)
        grads = self.decay_weight(grads)
        grads = self.gradients_centralization(grads)
        grads = self.scale_grad(grads)
        lr = self.get_lr()
        for p, h, g, lr_p in zip(self.parameters, self.accum, grads, self._per_param(lr)):
            h_new = h + g * g if self.update_slots else h
            if self.update_slots:
                _assign(h, h_new)
            _assign(p, p - lr_p * g / F.sqrt(h_new))
        return True


__all__ = ["Adagrad"]
