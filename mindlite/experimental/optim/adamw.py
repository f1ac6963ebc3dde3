"""`experimental.optim.AdamW`: Adam with decoupled weight decay (PyTorch's formula, as MindSpore's)."""
from __future__ import annotations

from typing import Any

from ...nn.optim.optimizer import _assign
from ...ops import functional as F
from .adam import _AdamFamily
from .optimizer import _step_count


class AdamW(_AdamFamily):
    """`AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False)`.

    Per step t, per parameter (`g` negated if `maximize`)::

        p = p * (1 - lr * weight_decay)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v) / sqrt(1 - beta2^t) + eps          # vmax = max(vmax, v) in place of v if amsgrad
        p = p - lr / (1 - beta1^t) * m / denom

    State: `exp_avg.<p>`, `exp_avg_sq.<p>`, `max_exp_avg_sq.<p>` (zeros), int32 `state_step`.
    """

    def __init__(self, params: Any, lr: Any = 1e-3, betas: Any = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize, "AdamW")

    def construct(self, gradients: Any) -> bool:
        gradients = self._check_gradients(gradients)
        step = _step_count(self)
        for gid, group, params, grads in self._groups(gradients):
            beta1, beta2 = group["betas"]
            lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
            step_size = lr / (1.0 - beta1 ** step)
            bias_correction2_sqrt = F.sqrt(1.0 - beta2 ** step)
            start = self.group_start_id[gid]
            for i, (p, g) in enumerate(zip(params, grads)):
                m, v, vmax = self.exp_avg[start + i], self.exp_avg_sq[start + i], self.max_exp_avg_sq[start + i]
                decayed = p * F.cast(1.0 - lr * wd, p.dtype)
                m_new = m * beta1 + g * (1.0 - beta1)
                v_new = v * beta2 + g * g * (1.0 - beta2)
                if group["amsgrad"]:
                    vmax_new = F.maximum(vmax, v_new)
                    _assign(vmax, vmax_new)
                    denom = F.sqrt(vmax_new) / bias_correction2_sqrt + eps
                else:
                    denom = F.sqrt(v_new) / bias_correction2_sqrt + eps
                _assign(m, m_new)
                _assign(v, v_new)
                _assign(p, decayed - F.cast(step_size, p.dtype) * (m_new / denom))
        return True


__all__ = ["AdamW"]
