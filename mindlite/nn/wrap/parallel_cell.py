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


# ---- Cell.shard --------------------------------------------------------------------------------------
class _CellShardRecorded:
    """Mixin of a Cell given `shard(in_strategy)`: while the planner captures, its tensor
    inputs pass through an identity node whose layout the strategy fixes, and the cell's
    own ops follow by sharding propagation (MindSpore's Cell.shard)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from ...ops.primitive import _SHARD_CALLS
        from ...core.prim import STATE
        from ...core.tensor import Tensor
        calls = getattr(_SHARD_CALLS, "calls", None)
        trace = STATE.trace
        if calls is None or trace is None or not hasattr(trace, "nodes"):
            return super().__call__(*args, **kwargs)
        from ...ops.math import identity_p
        start = len(trace.nodes)
        tensors = [a for a in args if isinstance(a, Tensor)]
        if len(tensors) != len(self.in_strategy):
            raise ValueError(f"{type(self).__name__}.shard: in_strategy has {len(self.in_strategy)} entries but the "
                             f"cell was called with {len(tensors)} tensor inputs")
        new_args = tuple(identity_p(a) if isinstance(a, Tensor) else a for a in args)
        calls.append((self, tensors, start, len(trace.nodes)))
        return super().__call__(*new_args, **kwargs)


_CELL_CLASSES: dict = {}


def enable_cell_shard(cell: Cell, in_strategy: Any, out_strategy: Any, parameter_plan: Any) -> Cell:
    from ...ops.primitive import _is_layout_spec
    if not isinstance(in_strategy, tuple) or not all(
            _is_layout_spec(s) or (isinstance(s, tuple) and all(isinstance(d, int) and not isinstance(d, bool)
                                                                 and d > 0 for d in s)) for s in in_strategy):
        raise ValueError(f"{type(cell).__name__}.shard: in_strategy must be a tuple with one tuple of positive ints "
                         f"(or Layout result) per tensor input, got {in_strategy!r}")
    if out_strategy is not None:
        raise ValueError(f"{type(cell).__name__}.shard: out_strategy is not supported: the cell's outputs take the "
                         f"layout their consumers want")
    if parameter_plan is not None:
        raise ValueError(f"{type(cell).__name__}.shard: parameter_plan is not supported: parameters are stored the way "
                         f"their first use in the plan wants them")
    object.__setattr__(cell, "in_strategy", in_strategy)
    cls = type(cell)
    if not issubclass(cls, _CellShardRecorded):
        sub = _CELL_CLASSES.get(cls)
        if sub is None:
            sub = _CELL_CLASSES[cls] = type(cls.__name__, (_CellShardRecorded, cls), {"__module__": cls.__module__,
                                                                                     "__doc__": cls.__doc__})
        object.__setattr__(cell, "__class__", sub)
    return cell
