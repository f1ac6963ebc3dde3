"""`experimental.optim.Adam`: MindSpore's Adam kernel with torch-style groups and options."""
from __future__ import annotations

from typing import Any

import numpy as np

from ... import _checkparam as validator
from ...core.tensor import Parameter, Tensor
from ...nn.optim.optimizer import _assign
from ...ops import functional as F
from .optimizer import Optimizer, _check_betas, _check_lr, _step_count


class _AdamFamily(Optimizer):
    """What Adam and AdamW share: the options and their checks, the moment buffers and the step."""

    def __init__(self, params: Any, lr: Any, betas: Any, eps: float, weight_decay: float, amsgrad: bool,
                 maximize: bool, where: str) -> None:
        lr = _check_lr(lr, where)
        betas = _check_betas(betas, where)
        eps = validator.check_non_negative_float(eps, "eps", where)
        weight_decay = validator.check_non_negative_float(weight_decay, "weight_decay", where)
        validator.check_bool(amsgrad, "amsgrad", where)
        validator.check_bool(maximize, "maximize", where)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))
        for group in self.param_groups:  # options a group overrides get the same checks
            group["betas"] = _check_betas(group["betas"], where)
            group["eps"] = validator.check_non_negative_float(group["eps"], "eps", where)
        self._add_state("exp_avg", "exp_avg")
        self._add_state("exp_avg_sq", "exp_avg_sq")
        self._add_state("max_exp_avg_sq", "max_exp_avg_sq")
        self.state_step = Parameter(Tensor(np.int32(0)), name="state_step", requires_grad=False)


class Adam(_AdamFamily):
    """`Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *, maximize=False)`.

    Per step t (`state_step`), per parameter, with `g` the gradient (negated if `maximize`)
    plus `weight_decay * p` (L2, coupled)::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
        p = p - lr_t * m / (sqrt(v) + eps)                           # amsgrad=False
        vmax = max(vmax, v);  p = p - lr_t * m / (sqrt(vmax) + eps)   # amsgrad=True

    This is MindSpore's Adam / ApplyAdamWithAmsgrad kernel, which its docs write in the
    equivalent-up-to-eps form m_hat / (sqrt(v_hat) + eps): here eps meets the uncorrected
    sqrt(v), so PyTorch's Adam equals this rule with eps replaced by `eps * sqrt(1 - beta2^t)`
    (the difference matters only while v is tiny, early in training).

    State: `exp_avg.<p>`, `exp_avg_sq.<p>`, `max_exp_avg_sq.<p>` (zeros) and the int32
    `state_step`.
    """

    def __init__(self, params: Any, lr: Any = 1e-3, betas: Any = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize, "Adam")

    def construct(self, gradients: Any) -> bool:
        gradients = self._check_gradients(gradients)
        step = _step_count(self)
        for gid, group, params, grads in self._groups(gradients):
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            grads = self._decay_weight(group["weight_decay"], params, grads)
            lr_t = group["lr"] * F.sqrt(1.0 - beta2 ** step) / (1.0 - beta1 ** step)
            start = self.group_start_id[gid]
            for i, (p, g) in enumerate(zip(params, grads)):
                m, v, vmax = self.exp_avg[start + i], self.exp_avg_sq[start + i], self.max_exp_avg_sq[start + i]
                m_new = m + (g - m) * (1.0 - beta1)
                v_new = v + (g * g - v) * (1.0 - beta2)
                if group["amsgrad"]:
                    vmax_new = F.maximum(vmax, v_new)
                    _assign(vmax, vmax_new)
                    denom = F.sqrt(vmax_new) + eps
                else:
                    denom = F.sqrt(v_new) + eps
                _assign(m, m_new)
                _assign(v, v_new)
                _assign(p, p - F.cast(lr_t, p.dtype) * m_new / denom)
        return True


__all__ = ["Adam"]
