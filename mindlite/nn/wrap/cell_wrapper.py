"""WithLossCell, WithEvalCell, WithGradCell, TrainOneStepCell."""
from __future__ import annotations

from typing import Any

from ... import ops
from ...core.autograd import GradOperation, vjp_call
from ...core.tensor import ParameterTuple, Tensor
from ..cell import Cell


class WithLossCell(Cell):
    """`construct(data, label) -> loss_fn(backbone(data), label)`."""

    def __init__(self, backbone: Cell, loss_fn: Cell) -> None:
        super().__init__(auto_prefix=False)
        self._backbone = backbone
        self._loss_fn = loss_fn

    def construct(self, data: Tensor, label: Tensor) -> Tensor:
        return self._loss_fn(self._backbone(data), label)

    @property
    def backbone_network(self) -> Cell:
        return self._backbone


class WithEvalCell(Cell):
    """`construct(data, label) -> (loss, outputs, label)`; `add_cast_fp32` casts outputs to float32."""

    def __init__(self, network: Cell, loss_fn: Cell, add_cast_fp32: bool = False) -> None:
        super().__init__(auto_prefix=False)
        self._network, self._loss_fn, self.add_cast_fp32 = network, loss_fn, add_cast_fp32

    def construct(self, data: Tensor, label: Tensor) -> tuple:
        outputs = self._network(data)
        if self.add_cast_fp32:  # float tensors only: int32 class labels stay int32
            label = ops.mixed_precision_cast(_f32(), label)
            outputs = ops.mixed_precision_cast(_f32(), outputs)
        return self._loss_fn(outputs, label), outputs, label


def _f32() -> Any:
    from ...core import dtype as mstype
    return mstype.float32


class WithGradCell(Cell):
    """Gradients of `loss_fn(network(*inputs))` (or of `network` alone) w.r.t. its weights."""

    def __init__(self, network: Cell, loss_fn: Cell | None = None, sens: Any = None) -> None:
        super().__init__(auto_prefix=False)
        self.network = WithLossCell(network, loss_fn) if loss_fn is not None else network
        self.weights = ParameterTuple(network.trainable_params())
        self.sens = sens
        self.grad = GradOperation(get_by_list=True, sens_param=sens is not None)

    def construct(self, *inputs: Any) -> tuple:
        if self.sens is None:
            return self.grad(self.network, self.weights)(*inputs)
        return self.grad(self.network, self.weights)(*inputs, self.sens)


class TrainOneStepCell(Cell):
    """One training step: loss, gradients w.r.t. the optimizer's parameters (sensitivity
    `sens`, default 1.0), gradient reduction, optimizer update; returns the loss.

    The attributes MindSpore's subclasses use are kept: `network`, `optimizer`, `weights`,
    `grad` (GradOperation(get_by_list=True, sens_param=True)), `sens`, `reducer_flag`,
    `grad_reducer`. The default step runs the network once (forward and backward share
    one pass, so dropout masks are not drawn twice).
    """

    def __init__(self, network: Cell, optimizer: Cell, sens: Any = None, return_grad: bool = False) -> None:
        super().__init__(auto_prefix=False)
        self.network = network
        self.network.set_grad()
        self.optimizer = optimizer
        self.weights = optimizer.parameters
        self.grad = GradOperation(get_by_list=True, sens_param=True)
        self.sens = 1.0 if sens is None else sens
        self.return_grad = return_grad
        self.reducer_flag = False
        self.grad_reducer = _identity
        from ...parallel_context import ParallelMode, check_parallel_ready, get_auto_parallel_context
        self.parallel_mode = get_auto_parallel_context("parallel_mode")
        self.reducer_flag = self.parallel_mode in (ParallelMode.DATA_PARALLEL, ParallelMode.HYBRID_PARALLEL)
        check_parallel_ready(type(self).__name__)  # a parallel mode without communication is an error
        if self.reducer_flag:
            from .grad_reducer import DistributedGradReducer, broadcast_parameters, warn_shard_in_data_parallel
            warn_shard_in_data_parallel(network)
            if get_auto_parallel_context("parameter_broadcast"):
                broadcast_parameters(network.get_parameters())
            self.grad_reducer = DistributedGradReducer(self.weights, get_auto_parallel_context("gradients_mean"))
        # SEMI_AUTO / AUTO_PARALLEL: the network is planned and sharded on the first call (shapes known then)
        object.__setattr__(self, "_shard_pending", self.parallel_mode in (ParallelMode.SEMI_AUTO_PARALLEL,
                                                                          ParallelMode.AUTO_PARALLEL))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.__dict__.get("_shard_pending"):
            from .parallel_cell import shard_train_cell
            object.__setattr__(self, "_shard_pending", False)
            shard_train_cell(self, args)
        return super().__call__(*args, **kwargs)

    def forward_and_grads(self, *inputs: Any) -> tuple:
        """(loss, gradients) in one forward/backward pass."""
        loss, _, grads = vjp_call(self.network, inputs, (), self.weights, False, self.sens)
        return loss, tuple(grads)

    def construct(self, *inputs: Any) -> Any:
        loss, grads = self.forward_and_grads(*inputs)
        grads = self.grad_reducer(grads)
        self.optimizer(grads)
        return (loss, grads) if self.return_grad else loss


def _identity(x: Any) -> Any:
    return x
