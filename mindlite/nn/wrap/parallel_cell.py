"""`ShardedForward`: a network replaced by this rank's share of its parallel plan.

TrainOneStepCell builds it on its first call under SEMI_AUTO_PARALLEL / AUTO_PARALLEL
(`mindlite.parallel`): the plan is made from the first inputs' shapes, the parameters and
their optimizer states are cut to this rank's blocks, and the forward runs the local
program (redistributions included), so gradients and updates are local too.
"""
from __future__ import annotations

from typing import Any

from ...core.pytree import unflatten
from ..cell import Cell


class ShardedForward(Cell):
    def __init__(self, network: Cell, plan: Any, rank: int) -> None:
        super().__init__(auto_prefix=False)
        from ...parallel.executor import LocalProgram
        self.network = network
        object.__setattr__(self, "_parallel_plan", plan)
        object.__setattr__(self, "_program", LocalProgram(plan, rank))

    def construct(self, *inputs: Any) -> Any:
        outs, state = self._program(inputs)
        for p, value in zip(self._parallel_plan.problem.cap.state, state):
            p.assign_value(value)
        return unflatten(self._parallel_plan.problem.cap.out_struct, list(outs))


def shard_train_cell(cell: Any, args: tuple) -> None:
    """Plan `cell.network` from `args`, slice parameters and optimizer states, swap in the
    ShardedForward (called once, before the first step compiles)."""
    from ...communication.management import current
    from ...parallel.api import build_plan
    from ...parallel.executor import slice_parameters
    from ...nn.optim.lamb import Lamb
    if isinstance(cell.optimizer, Lamb):
        raise ValueError("Lamb's trust ratio needs whole-parameter norms, which sharded parameters do not have; use "
                         "Adam/AdamWeightDecay/Momentum/SGD under SEMI_AUTO_PARALLEL or AUTO_PARALLEL")
    plan = build_plan(cell.network, args)
    rank = current().world_rank
    slice_parameters(plan, rank, cell.optimizer)
    cell.network = ShardedForward(cell.network, plan, rank)
