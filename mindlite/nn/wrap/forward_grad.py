"""nn.ForwardValueAndGrad (the network's output together with its gradients, one call) and
nn.ParameterUpdate (a Cell that assigns its input to a Parameter)."""
from __future__ import annotations

from typing import Any

from ... import _checkparam as validator
from ... import ops
from ...core.autograd import GradOperation, value_and_grad
from ...core.tensor import Parameter, ParameterTuple, Tensor
from ..cell import Cell


class ForwardValueAndGrad(Cell):
    """`nn.ForwardValueAndGrad(network, weights=None, get_all=False, get_by_list=False,
    sens_param=False)`: construct(*inputs[, sens]) -> (network(*inputs), gradients), the gradients
    shaped as GradOperation's with the same flags (first input; all inputs; the weights; or both)."""

    def __init__(self, network: Cell, weights: Any = None, get_all: bool = False, get_by_list: bool = False,
                 sens_param: bool = False) -> None:
        super().__init__(auto_prefix=False)
        owner = "ForwardValueAndGrad"
        if not isinstance(network, Cell) and not callable(network):
            raise TypeError(f"For '{owner}', 'network' must be a Cell or a function, got {type(network).__name__}")
        for name, v in (("get_all", get_all), ("get_by_list", get_by_list), ("sens_param", sens_param)):
            validator.check_bool(v, name, owner)
        if get_by_list and weights is None:
            raise TypeError(f"For '{owner}', get_by_list=True needs 'weights' (a ParameterTuple or list of them)")
        if weights is not None and not isinstance(weights, (ParameterTuple, list, tuple, Parameter)):
            raise TypeError(f"For '{owner}', 'weights' must be a ParameterTuple or a list of Parameters, got "
                            f"{type(weights).__name__}")
        self.network = network
        self.weights = weights
        self.get_all, self.get_by_list, self.sens_param = get_all, get_by_list, sens_param
        self.grad_op = GradOperation(get_all=get_all, get_by_list=get_by_list, sens_param=sens_param)

    def construct(self, *inputs: Any) -> tuple:
        if self.sens_param:  # the sensitivity is the last input; GradOperation takes it as such
            loss = self.network(*inputs[:-1])
            grad_fn = self.grad_op(self.network, self.weights) if self.get_by_list else self.grad_op(self.network)
            return loss, grad_fn(*inputs)
        positions = tuple(range(len(inputs))) if self.get_all else (0 if not self.get_by_list else None)
        weights = self.weights if self.get_by_list else None
        loss, grads = value_and_grad(self.network, positions, weights)(*inputs)
        return loss, grads


class ParameterUpdate(Cell):
    """`nn.ParameterUpdate(param)`: construct(x) assigns x to `param` (cast to its dtype) and returns it."""

    def __init__(self, param: Parameter) -> None:
        super().__init__()
        if not isinstance(param, Parameter):
            raise TypeError(f"For 'ParameterUpdate', 'param' must be a Parameter, got {type(param).__name__}")
        self._param = param

    def construct(self, x: Tensor) -> Tensor:
        return ops.assign(self._param, x)
