"""`nn.Adam` (bias-corrected, coupled L2) and `nn.AdamWeightDecay` (decoupled, no bias correction)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...core import dtype as mstype
from ...core.tensor import Parameter, Tensor
from ...ops import functional as F
from .optimizer import Optimizer, _assign, _check_bool, _check_float


def _check_betas_eps(beta1: Any, beta2: Any, eps: Any, where: str) -> tuple:
    return (_check_float(beta1, "beta1", where, low=0.0, low_inclusive=False, high=1.0, high_inclusive=False),
            _check_float(beta2, "beta2", where, low=0.0, low_inclusive=False, high=1.0, high_inclusive=False),
            _check_float(eps, "eps", where, low=0.0, low_inclusive=False))


class Adam(Optimizer):
    """`nn.Adam(params, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, use_locking=False,
    use_nesterov=False, weight_decay=0.0, loss_scale=1.0, use_amsgrad=False, **kwargs)`.

    MindSpore's Adam kernel, with `g` after `decay_weight` (L2: `g + wd * p`) and `scale_grad`;
    `beta1_power`/`beta2_power` are multiplied by beta1/beta2 first, so at step t they are
    `beta^t`::

        m = m + (g - m) * (1 - beta1)
        v = v + (g * g - v) * (1 - beta2)
        lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power)
        p = p - lr_t * m / (sqrt(v) + eps)                                   # default
        p = p - lr_t * (m * beta1 + (1 - beta1) * g) / (sqrt(v) + eps)       # use_nesterov
        vhat = max(vhat, v);  p = p - lr_t * m / (sqrt(vhat) + eps)           # use_amsgrad

    Note `eps` is added to `sqrt(v)`, not to the bias-corrected `sqrt(v_hat)` (TF-style), and
    with `use_amsgrad` MindSpore's kernel ignores `use_nesterov`; so do we.

    State: `moment1.<p>`, `moment2.<p>` (zeros), `vhat.<p>` (amsgrad), float32 scalars
    `beta1_power`, `beta2_power` (start at 1). `use_locking`, `use_lazy` and `use_offload`
    are accepted; lazy/offload change nothing for dense gradients here.
    """

    def __init__(self, params: Any, learning_rate: Any = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, use_locking: bool = False, use_nesterov: bool = False, weight_decay: Any = 0.0,
                 loss_scale: float = 1.0, use_amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        unknown = set(kwargs) - {"use_lazy", "use_offload"}
        if unknown:
            raise TypeError(f"For 'Adam', unexpected keyword argument(s) {sorted(unknown)}")
        beta1, beta2, eps = _check_betas_eps(beta1, beta2, eps, self.cls_name)
        self.use_locking = _check_bool(use_locking, "use_locking", self.cls_name)
        self.use_nesterov = _check_bool(use_nesterov, "use_nesterov", self.cls_name)
        self.use_amsgrad = _check_bool(use_amsgrad, "use_amsgrad", self.cls_name)
        self.use_lazy = _check_bool(kwargs.get("use_lazy", False), "use_lazy", self.cls_name)
        self.use_offload = _check_bool(kwargs.get("use_offload", False), "use_offload", self.cls_name)
        if self.use_lazy and self.use_offload:
            raise ValueError("For 'Adam', 'use_lazy' and 'use_offload' can not both be True")
        if self.use_amsgrad and (self.use_lazy or self.use_offload):
            raise ValueError("For 'Adam', 'use_amsgrad' can not be combined with 'use_lazy' or 'use_offload'")
        self.beta1 = Tensor(beta1, mstype.float32)
        self.beta2 = Tensor(beta2, mstype.float32)
        self.eps = Tensor(eps, mstype.float32)
        self.beta1_power = Parameter(Tensor(np.float32(1.0)), name="beta1_power")
        self.beta2_power = Parameter(Tensor(np.float32(1.0)), name="beta2_power")
        self.moment1 = self._clone_state("moment1", "zeros")
        self.moment2 = self._clone_state("moment2", "zeros")
        if self.use_amsgrad:
            self.vhat = self._clone_state("vhat", "zeros")

    def construct(self, gradients: Any) -> bool:
        gradients = self._check_gradients(gradients)
        gradients = self.decay_weight(gradients)
        gradients = self.gradients_centralization(gradients)
        gradients = self.scale_grad(gradients)
        lr = self.get_lr()
        _assign(self.beta1_power, self.beta1_power * self.beta1)
        _assign(self.beta2_power, self.beta2_power * self.beta2)
        b1, b2 = self.beta1, self.beta2
        correction = F.sqrt(1.0 - self.beta2_power) / (1.0 - self.beta1_power)
        vhats = self.vhat if self.use_amsgrad else (None,) * self.param_length
        for p, m, v, vh, g, lr_p in zip(self.parameters, self.moment1, self.moment2, vhats, gradients,
                                        self._per_param(lr)):
            lr_t = lr_p * correction
            m_new = m + (g - m) * (1.0 - b1)
            v_new = v + (g * g - v) * (1.0 - b2)
            if vh is not None:
                vh_new = F.maximum(vh, v_new)
                new_p = p - lr_t * m_new / (F.sqrt(vh_new) + self.eps)
                _assign(vh, vh_new)
            elif self.use_nesterov:
                new_p = p - lr_t * (m_new * b1 + (1.0 - b1) * g) / (F.sqrt(v_new) + self.eps)
            else:
                new_p = p - lr_t * m_new / (F.sqrt(v_new) + self.eps)
            _assign(m, m_new)
            _assign(v, v_new)
            _assign(p, new_p)
        return True


class AdamWeightDecay(Optimizer):
    """`nn.AdamWeightDecay(params, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-6, weight_decay=0.0)`.

    MindSpore's actual rule (BERT / TF `AdamWeightDecayOptimizer`), computed in float32::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        u = m / (eps + sqrt(v))
        u = u + wd * p                       # decay flag: name w/o 'beta'/'gamma', or group wd > 0
        p = p - lr * u

    Surprising: there is NO bias correction, and the decay is multiplied by lr — although
    MindSpore's docstring shows bias-corrected `m_hat`/`v_hat` and `w - (lr * ... + wd * w)`.
    We follow the code (both the Python path and the fused CPU kernel). No `loss_scale`
    argument and no gradient centralization, as in MindSpore.

    State: `adam_m.<param name>`, `adam_v.<param name>` (zeros).
    """

    def __init__(self, params: Any, learning_rate: Any = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-6, weight_decay: Any = 0.0) -> None:
        super().__init__(learning_rate, params, weight_decay)
        beta1, beta2, eps = _check_betas_eps(beta1, beta2, eps, self.cls_name)
        self.beta1 = Tensor(beta1, mstype.float32)
        self.beta2 = Tensor(beta2, mstype.float32)
        self.eps = Tensor(eps, mstype.float32)
        self.moments1 = self._clone_state("adam_m", "zeros")
        self.moments2 = self._clone_state("adam_v", "zeros")

    def construct(self, gradients: Any) -> bool:
        gradients = self._check_gradients(gradients)
        weight_decay = self._per_param(self.get_weight_decay())
        lr = self.get_lr()
        f32 = mstype.float32
        for p, m, v, g, lr_p, wd, flag in zip(self.parameters, self.moments1, self.moments2, gradients,
                                              self._per_param(lr), weight_decay, self.decay_flags):
            p32, g32 = F.cast(p, f32), F.cast(g, f32)
            m_new = self.beta1 * F.cast(m, f32) + (1.0 - self.beta1) * g32
            v_new = self.beta2 * F.cast(v, f32) + (1.0 - self.beta2) * F.square(g32)
            update = m_new / (self.eps + F.sqrt(v_new))
            if flag:
                update = wd * p32 + update
            _assign(p, p32 - lr_p * update)
            _assign(m, m_new)
            _assign(v, v_new)
        return True


__all__ = ["Adam", "AdamWeightDecay"]
