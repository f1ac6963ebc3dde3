"""`nn.SGD`: stochastic gradient descent with optional momentum/dampening/Nesterov (MindSpore's SGD kernel)."""
from __future__ import annotations

from typing import Any

from ...core import dtype as mstype
from ...core.tensor import Parameter, Tensor
from ...ops import functional as F
from .optimizer import Optimizer, _assign, _check_bool, _check_float


class SGD(Optimizer):
    """`nn.SGD(params, learning_rate=0.1, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
    loss_scale=1.0)`.

    MindSpore's SGD kernel, per element, with `g` the gradient after `scale_grad` (`/ loss_scale`)::

        g = g + wd * p                       # if wd > 0
        if momentum > 0:
            v = g  on the first step (state `stat` is 1), else  v = momentum * v + (1 - dampening) * g
            g = g + momentum * v  if nesterov  else  v
        p = p - lr * g

    State: `accum.<param name>` (v, zeros), `stat.<param name>` (ones; 0 after the first
    step) and the float32 Parameter `momentum`.

    Surprising MindSpore behaviour kept here: the weight decay is applied inside the kernel,
    so, unlike the other optimizers, it is NOT filtered by name ('beta'/'gamma' parameters are
    decayed too when ungrouped) and a dynamic (Cell) weight decay is rejected. One MindSpore
    quirk is NOT kept: with groups, MindSpore multiplies the group weight decay by
    `loss_scale` (after the gradients were unscaled); here it is `wd` in both cases.
    """

    def __init__(self, params: Any, learning_rate: Any = 0.1, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: Any = 0.0, nesterov: bool = False, loss_scale: float = 1.0) -> None:
        super().__init__(learning_rate, params, weight_decay, loss_scale)
        momentum = _check_float(momentum, "momentum", self.cls_name, low=0.0)
        self.dampening = _check_float(dampening, "dampening", self.cls_name, low=0.0)
        self.nesterov = _check_bool(nesterov, "nesterov", self.cls_name)
        if nesterov and (momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError(f"For 'SGD', nesterov=True needs momentum > 0 and dampening == 0, got momentum={momentum}, "
                             f"dampening={self.dampening}")
        if self.dynamic_weight_decay:
            raise TypeError("For 'SGD', a dynamic (Cell) weight_decay is not supported; give a float or int")
        if self.is_group:
            self._sgd_weight_decay = tuple(float(w) for w in self.group_weight_decay_raw)
        else:
            self._sgd_weight_decay = (float(weight_decay),) * self.param_length
        self.exec_weight_decay = False  # the update applies it (after unscaling), not decay_weight
        self._use_momentum = momentum > 0.0
        self.momentum = Parameter(Tensor(momentum, mstype.float32), name="momentum")
        self.accum = self._clone_state("accum", "zeros")
        self.stat = self._clone_state("stat", "ones")

    def construct(self, gradients: Any) -> bool:
        gradients = self._check_gradients(gradients)
        gradients = self.gradients_centralization(gradients)
        gradients = self.scale_grad(gradients)
        lr = self.get_lr()
        for p, v, s, g, lr_p, wd in zip(self.parameters, self.accum, self.stat, gradients, self._per_param(lr),
                                        self._sgd_weight_decay):
            if wd > 0.0:
                g = g + p * wd
            if self._use_momentum:
                m = self.momentum
                v_new = F.where(s > 0, g, v * m + (1.0 - self.dampening) * g)
                g = g + v_new * m if self.nesterov else v_new
                _assign(v, v_new)
                _assign(s, F.zeros_like(s))
            _assign(p, p - lr_p * g)
        return True


__all__ = ["SGD"]
