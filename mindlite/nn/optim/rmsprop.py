"""`nn.RMSProp`: root-mean-square propagation, optionally centered (MindSpore's ApplyRMSProp rules)."""
from __future__ import annotations

from typing import Any

from ...ops import functional as F
from .optimizer import Optimizer, _assign, _check_bool, _check_float


class RMSProp(Optimizer):
    """`nn.RMSProp(params, learning_rate=0.1, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
    centered=False, loss_scale=1.0, weight_decay=0.0)`.

    With `g` after `decay_weight` (L2) and `scale_grad`::

        ms  = decay * ms + (1 - decay) * g * g
        mg  = decay * mg + (1 - decay) * g                            # centered only
        mom = momentum * mom + lr * g / sqrt(ms + epsilon)            # centered: sqrt(ms - mg**2 + epsilon)
        p   = p - mom

    Surprising but MindSpore's: the mean square starts at ONE (`mean_square` is initialised
    with ones), so early steps are much smaller than with a zero start; epsilon is inside the
    square root.

    State: `mean_square.<p>` (ones), `moment.<p>` (zeros), `mean_grad.<p>` (zeros, centered).
    """

    def __init__(self, params: Any, learning_rate: Any = 0.1, decay: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-10, use_locking: bool = False, centered: bool = False, loss_scale: float = 1.0,
                 weight_decay: Any = 0.0) -> None:
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        self.decay = _check_float(decay, "decay", self.cls_name, low=0.0)
        self.momentum = _check_float(momentum, "momentum", self.cls_name, low=0.0)
        self.epsilon = _check_float(epsilon, "epsilon", self.cls_name, low=0.0, low_inclusive=False)
        self.use_locking = _check_bool(use_locking, "use_locking", self.cls_name)
        self.centered = _check_bool(centered, "centered", self.cls_name)
        if self.centered:
            self.mg = self._clone_state("mean_grad", "zeros")
        self.ms = self._clone_state("mean_square", "ones")
        self.moment = self._clone_state("moment", "zeros")

    def construct(self, gradients: Any) -> bool:
        gradients = self._check_gradients(gradients)
        gradients = self.decay_weight(gradients)
        gradients = self.gradients_centralization(gradients)
        gradients = self.scale_grad(gradients)
        lr = self.get_lr()
        rho, mu, eps = self.decay, self.momentum, self.epsilon
        mgs = self.mg if self.centered else (None,) * self.param_length
        for p, mg, ms, mom, g, lr_p in zip(self.parameters, mgs, self.ms, self.moment, gradients,
                                           self._per_param(lr)):
            ms_new = rho * ms + (1.0 - rho) * F.square(g)
            if mg is not None:
                mg_new = rho * mg + (1.0 - rho) * g
                denom = F.sqrt(ms_new - F.square(mg_new) + eps)
                _assign(mg, mg_new)
            else:
                denom = F.sqrt(ms_new + eps)
            mom_new = mu * mom + lr_p * g / denom
            _assign(ms, ms_new)
            _assign(mom, mom_new)
            _assign(p, p - mom_new)
        return True


__all__ = ["RMSProp"]
