"""`nn.Lamb`: layer-wise adaptive moments (BERT), MindSpore's Lamb kernel."""
from __future__ import annotations

from typing import Any

from ...core import dtype as mstype
from ...core.tensor import Tensor
from ...ops import functional as F
from .adam import _check_betas_eps
from .optimizer import Optimizer, _assign


class Lamb(Optimizer):
    """`nn.Lamb(params, learning_rate, beta1=0.9, beta2=0.999, eps=1e-6, weight_decay=0.0)`.

    MindSpore's Lamb kernel (GPU `ApplyLambEraly` + `CalcTrustRatio`), in float32, with `t` the
    step number (`global_step` after this step's increment, so 1 at the first step) and `wd`
    the decay when the parameter's decay flag is set, else 0::

        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t);      v_hat = v / (1 - beta2 ** t)
        u = m_hat / (sqrt(v_hat) + eps) + wd * p
        r = m_hat / sqrt(v_hat + eps) + wd * p                    # only for the norm below
        ratio = ||p|| / ||r||  if ||p|| > 0 and ||r|| > 0  else 1, clipped to [0, 10] (NaN -> 0)
        p = p - lr * ratio * u

    Surprising MindSpore details kept: the trust-ratio norm uses `sqrt(v_hat + eps)` (eps
    inside the root) while the update uses `sqrt(v_hat) + eps`, and the ratio is clipped at 10.
    Not kept: with a dynamic lr MindSpore's Lamb advances `global_step` twice per step
    (in `get_lr` and in `construct`), which skews its bias correction; here once.
    Gradients are not unscaled (no `loss_scale` argument, as in MindSpore).

    State: `lamb_m.<param name>`, `lamb_v.<param name>` (zeros).
    """

    def __init__(self, params: Any, learning_rate: Any, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-6,
                 weight_decay: Any = 0.0) -> None:
        super().__init__(learning_rate, params, weight_decay)
        beta1, beta2, eps = _check_betas_eps(beta1, beta2, eps, self.cls_name)
        self.beta1 = Tensor(beta1, mstype.float32)
        self.beta2 = Tensor(beta2, mstype.float32)
        self.eps = Tensor(eps, mstype.float32)
        self.params = self.parameters
        self.moments1 = self._clone_state("lamb_m", "zeros")
        self.moments2 = self._clone_state("lamb_v", "zeros")

    def construct(self, gradients: Any) -> bool:
        gradients = self._check_gradients(gradients)
        weight_decay = self._per_param(self.get_weight_decay())
        lr = self.get_lr()
        gradients = self.gradients_centralization(gradients)
        f32 = mstype.float32
        t = F.reshape(F.cast(self.global_step, f32), ())
        bias1 = 1.0 - F.pow(self.beta1, t)
        bias2 = 1.0 - F.pow(self.beta2, t)
        for p, m, v, g, lr_p, wd, flag in zip(self.params, self.moments1, self.moments2, gradients,
                                              self._per_param(lr), weight_decay, self.decay_flags):
            p32, g32 = F.cast(p, f32), F.cast(g, f32)
            m_new = self.beta1 * F.cast(m, f32) + (1.0 - self.beta1) * g32
            v_new = self.beta2 * F.cast(v, f32) + (1.0 - self.beta2) * F.square(g32)
            m_hat = m_new / bias1
            v_hat = v_new / bias2
            decay = wd * p32 if flag else None
            update = m_hat / (F.sqrt(v_hat) + self.eps)
            g_hat = m_hat / F.sqrt(v_hat + self.eps)
            if decay is not None:
                update = update + decay
                g_hat = g_hat + decay
            w_norm = F.norm(p32)
            g_norm = F.norm(g_hat)
            ok = F.logical_and(w_norm > 0, g_norm > 0)
            ratio = F.where(ok, w_norm / F.where(ok, g_norm, 1.0), 1.0)
            ratio = F.clip(F.where(F.isnan(ratio), 0.0, ratio), 0.0, 10.0)
            _assign(p, p32 - lr_p * ratio * update)
            _assign(m, m_new)
            _assign(v, v_new)
        return True


__all__ = ["Lamb"]
