"""`experimental.optim.SGD`: stochastic gradient descent with momentum (MindSpore's SGD kernel)."""
from __future__ import annotations

from typing import Any

from ... import _checkparam as validator
from ...nn.optim.optimizer import _assign
from ...ops import functional as F
from .optimizer import Optimizer, _check_lr


class SGD(Optimizer):
    """`SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False)`.

    Per parameter (`g` negated if `maximize`)::

        g = g + weight_decay * p                         # if weight_decay > 0
        buf = g                                          # first step (state `stat` is 1)
        buf = momentum * buf + (1 - dampening) * g       # later steps          } if momentum > 0
        g = g + momentum * buf if nesterov else buf      #                      }
        p = p - lr * g

    State: `accum.<p>` (zeros) and `stat.<p>` (ones until the first step), as MindSpore's.
    """

    def __init__(self, params: Any, lr: Any, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False) -> None:
        where = "SGD"
        lr = _check_lr(lr, where)
        momentum = validator.check_non_negative_float(momentum, "momentum", where)
        dampening = validator.check_is_float(dampening, "dampening", where)
        weight_decay = validator.check_non_negative_float(weight_decay, "weight_decay", where)
        validator.check_bool(nesterov, "nesterov", where)
        validator.check_bool(maximize, "maximize", where)
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))
        for group in self.param_groups:
            group["momentum"] = validator.check_non_negative_float(group["momentum"], "momentum", where)
            group["dampening"] = validator.check_is_float(group["dampening"], "dampening", where)
            if group["nesterov"] and (group["momentum"] <= 0.0 or group["dampening"] != 0.0):
                raise ValueError(f"For 'SGD', nesterov needs momentum > 0 and dampening 0, got momentum "
                                 f"{group['momentum']} and dampening {group['dampening']}")
        self._add_state("accum", "accum", "zeros")
        self._add_state("stat", "stat", "ones")

    def construct(self, gradients: Any) -> bool:
        gradients = self._check_gradients(gradients)
        for gid, group, params, grads in self._groups(gradients):
            momentum, dampening = group["momentum"], group["dampening"]
            grads = self._decay_weight(group["weight_decay"], params, grads)
            start = self.group_start_id[gid]
            for i, (p, g) in enumerate(zip(params, grads)):
                if momentum > 0.0:
                    buf, stat = self.accum[start + i], self.stat[start + i]
                    buf_new = F.where(stat > 0, g, buf * momentum + g * (1.0 - dampening))
                    _assign(buf, buf_new)
                    _assign(stat, F.zeros_like(stat))
                    g = g + buf_new * momentum if group["nesterov"] else buf_new
                _assign(p, p - F.cast(group["lr"], p.dtype) * g)
        return True


__all__ = ["SGD"]
