"""`nn.Momentum`: heavy-ball momentum with coupled L2 weight decay (MindSpore's ApplyMomentum rule)."""
from __future__ import annotations

from typing import Any

from ...core import dtype as mstype
from ...core.tensor import Parameter, Tensor
from .optimizer import Optimizer, _assign, _check_bool, _check_float


class Momentum(Optimizer):
    """`nn.Momentum(params, learning_rate, momentum, weight_decay=0.0, loss_scale=1.0, use_nesterov=False)`.

    Per parameter, with `g` the gradient after `decay_weight` (`g + wd * p`, for names without
    'beta'/'gamma' when ungrouped) and `scale_grad` (`/ loss_scale`)::

        v = momentum * v + g
        p = p - lr * v                          # use_nesterov=False
        p = p - (g * lr + v * momentum * lr)    # use_nesterov=True

    State: `moments.<param name>` (zeros) and the float32 Parameter `momentum`.
    """

    def __init__(self, params: Any, learning_rate: Any, momentum: float, weight_decay: Any = 0.0,
                 loss_scale: float = 1.0, use_nesterov: bool = False) -> None:
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        momentum = _check_float(momentum, "momentum", self.cls_name, low=0.0)
        self.use_nesterov = _check_bool(use_nesterov, "use_nesterov", self.cls_name)
        self.momentum = Parameter(Tensor(momentum, mstype.float32), name="momentum")
        self.params = self.parameters
        self.moments = self._clone_state("moments", "zeros")

    def construct(self, gradients: Any) -> bool:
        gradients = self._check_gradients(gradients)
        gradients = self.decay_weight(gradients)
        gradients = self.gradients_centralization(gradients)
        gradients = self.scale_grad(gradients)
        lr = self.get_lr()
        for p, v, g, lr_p in zip(self.params, self.moments, gradients, self._per_param(lr)):
            _apply_momentum(p, v, g, lr_p, self.momentum, self.use_nesterov)
        return True


def _apply_momentum(param: Parameter, moment: Parameter, grad: Tensor, lr: Tensor, momentum: Tensor,
                    use_nesterov: bool) -> None:
    v = moment * momentum + grad
    if use_nesterov:
        new_p = param - (grad * lr + v * momentum * lr)
    else:
        new_p = param - lr * v
    _assign(moment, v)
    _assign(param, new_p)


__all__ = ["Momentum"]
