"""Collective communication primitives, their bprops, and MindSpore's op classes.

The primitives are in the one table, so they run eagerly, inside compiled graphs (they are
impure: never folded, merged or dropped) and under `grad`. Under SPMD each rank's
cotangent is its share of the true one (the true adjoint of a replicated value is the sum
of the ranks' cotangents), which makes the bprops the textbook pairs:
all-reduce(sum) <-> all-reduce(sum), all-gather <-> reduce-scatter(sum), all-to-all <->
the reverse all-to-all, broadcast -> all-reduce kept at the root.

`group` is a group name, None for the world, or a tuple of world ranks (the sharding
planner's groups). The classes (`ops.AllReduce(op, group)`, ...) call the primitives.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.prim import Aval, Primitive
from ..ops import functional as F
from ..ops.primitive import PrimitiveOp
from ._base import REDUCE_OPS, WORLD_GROUP_NAMES, ReduceOp
from .management import current


def _group_size(op: str, group: Any) -> int:
    if isinstance(group, tuple):
        return len(group)
    return current().group(None if group in WORLD_GROUP_NAMES else group).size


def _group(group: Any) -> Any:
    return None if group in WORLD_GROUP_NAMES else group


def _tensor_aval(op: str, x: Any) -> Aval:
    if not isinstance(x, Aval):
        raise TypeError(f"{op}: the input must be a tensor, got {type(x).__name__}")
    return x


def _check_reduce(op_name: str, op: Any) -> None:
    if op not in REDUCE_OPS:
        raise ValueError(f"{op_name}: op must be one of {REDUCE_OPS}, got {op!r}")


def _axis(op: str, axis: int, ndim: int) -> int:
    if ndim == 0:
        raise ValueError(f"{op}: the input must have at least one dimension")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for a {ndim}-d input")
    return axis % ndim


# ---- all_reduce ------------------------------------------------------------------------------------
def _all_reduce_infer(x: Aval, op: str, group: Any) -> Aval:
    _check_reduce("all_reduce", op)
    return _tensor_aval("all_reduce", x)


all_reduce_p = Primitive("all_reduce", lambda xp, x, op, group: current().all_reduce(x, op, _group(group)),
                         _all_reduce_infer, is_pure=False)


@all_reduce_p.def_bprop
def _all_reduce_bprop(x, *, out, dout, op, group):
    if op == ReduceOp.SUM:
        return (all_reduce_p(dout, op=ReduceOp.SUM, group=group),)
    if op in (ReduceOp.MAX, ReduceOp.MIN):  # the rank(s) holding the extreme value get the gradient
        return (all_reduce_p(dout, op=ReduceOp.SUM, group=group) * F.cast(F.equal(x, out), dout.dtype),)
    return (all_reduce_p(dout * out, op=ReduceOp.SUM, group=group) / x,)  # prod


# ---- all_gather --------------------------------------------------------------------------------------
def _all_gather_infer(x: Aval, group: Any, axis: int) -> Aval:
    x = _tensor_aval("all_gather", x)
    axis = _axis("all_gather", axis, x.ndim)
    shape = list(x.shape)
    shape[axis] *= _group_size("all_gather", group)
    return Aval(tuple(shape), x.dtype)


all_gather_p = Primitive("all_gather", lambda xp, x, group, axis: current().all_gather(x, _group(group), axis),
                         _all_gather_infer, is_pure=False)
all_gather_p.def_bprop(lambda x, *, out, dout, group, axis:
                       (reduce_scatter_p(dout, op=ReduceOp.SUM, group=group, axis=axis),))


# ---- reduce_scatter ----------------------------------------------------------------------------------
def _reduce_scatter_infer(x: Aval, op: str, group: Any, axis: int) -> Aval:
    _check_reduce("reduce_scatter", op)
    x = _tensor_aval("reduce_scatter", x)
    axis = _axis("reduce_scatter", axis, x.ndim)
    n = _group_size("reduce_scatter", group)
    if x.shape[axis] % n:
        raise ValueError(f"reduce_scatter: dimension {axis} of the input {list(x.shape)} is not divisible by the "
                         f"group size {n}")
    shape = list(x.shape)
    shape[axis] //= n
    return Aval(tuple(shape), x.dtype)


reduce_scatter_p = Primitive("reduce_scatter",
                             lambda xp, x, op, group, axis: current().reduce_scatter(x, op, _group(group), axis),
                             _reduce_scatter_infer, is_pure=False)


@reduce_scatter_p.def_bprop
def _reduce_scatter_bprop(x, *, out, dout, op, group, axis):
    if op != ReduceOp.SUM:
        raise ValueError(f"reduce_scatter: only op=sum is differentiable, got {op!r}")
    return (all_gather_p(dout, group=group, axis=axis),)


# ---- all_to_all ----------------------------------------------------------------------------------------
def _all_to_all_infer(x: Aval, split_dim: int, concat_dim: int, group: Any) -> Aval:
    x = _tensor_aval("all_to_all", x)
    split_dim = _axis("all_to_all", split_dim, x.ndim)
    concat_dim = _axis("all_to_all", concat_dim, x.ndim)
    n = _group_size("all_to_all", group)
    if x.shape[split_dim] % n:
        raise ValueError(f"all_to_all: split dimension {split_dim} of the input {list(x.shape)} is not divisible by "
                         f"the group size {n}")
    shape = list(x.shape)
    shape[split_dim] //= n
    shape[concat_dim] *= n
    return Aval(tuple(shape), x.dtype)


all_to_all_p = Primitive("all_to_all", lambda xp, x, split_dim, concat_dim, group:
                         current().all_to_all(x, split_dim, concat_dim, _group(group)),
                         _all_to_all_infer, is_pure=False)
all_to_all_p.def_bprop(lambda x, *, out, dout, split_dim, concat_dim, group:
                       (all_to_all_p(dout, split_dim=concat_dim, concat_dim=split_dim, group=group),))


# ---- broadcast -------------------------------------------------------------------------------------------
def _broadcast_infer(x: Aval, root: int, group: Any) -> Aval:
    return _tensor_aval("broadcast", x)


broadcast_p = Primitive("broadcast", lambda xp, x, root, group: current().broadcast(x, root, _group(group)),
                        _broadcast_infer, is_pure=False)


@broadcast_p.def_bprop
def _broadcast_bprop(x, *, out, dout, root, group):
    total = all_reduce_p(dout, op=ReduceOp.SUM, group=group)
    return (total if current().world_rank == root else F.zeros_like(total),)


# ---- functional forms (MindSpore's communication.comm_func names) --------------------------------------
def all_reduce(tensor: Any, op: str = ReduceOp.SUM, group: Any = None) -> Any:
    return all_reduce_p(tensor, op=op, group=group)


def all_gather_into_tensor(tensor: Any, group: Any = None, axis: int = 0) -> Any:
    return all_gather_p(tensor, group=group, axis=axis)


def reduce_scatter_tensor(tensor: Any, op: str = ReduceOp.SUM, group: Any = None, axis: int = 0) -> Any:
    return reduce_scatter_p(tensor, op=op, group=group, axis=axis)


def all_to_all_single(tensor: Any, split_dim: int = 0, concat_dim: int = 0, group: Any = None) -> Any:
    return all_to_all_p(tensor, split_dim=split_dim, concat_dim=concat_dim, group=group)


def broadcast(tensor: Any, src: int = 0, group: Any = None) -> Any:
    return broadcast_p(tensor, root=src, group=group)


def barrier(group: Any = None) -> None:
    """Wait until every member of `group` arrives (eager only: a graph has no use for it)."""
    from ..core.prim import STATE
    if STATE.trace is not None:
        raise RuntimeError("communication.barrier() cannot be compiled into a graph; call it outside the network")
    current().barrier(_group(group))


# ---- MindSpore's op classes ------------------------------------------------------------------------------
class AllReduce(PrimitiveOp):
    """`ops.AllReduce(op=ReduceOp.SUM, group=GlobalComm.WORLD_COMM_GROUP)(x)`."""

    def __init__(self, op: str = ReduceOp.SUM, group: Any = None) -> None:
        _check_reduce("AllReduce", op)
        super().__init__("AllReduce", op=op, group=group)

    def __call__(self, x: Any) -> Any:
        return all_reduce_p(x, op=self.op, group=self.group)


class AllGather(PrimitiveOp):
    """`ops.AllGather(group)(x)`: concatenation along dimension 0 in rank order."""

    def __init__(self, group: Any = None) -> None:
        super().__init__("AllGather", group=group)

    def __call__(self, x: Any) -> Any:
        return all_gather_p(x, group=self.group, axis=0)


class ReduceScatter(PrimitiveOp):
    """`ops.ReduceScatter(op=ReduceOp.SUM, group)(x)`: rank k gets block k (dimension 0) of the reduction."""

    def __init__(self, op: str = ReduceOp.SUM, group: Any = None) -> None:
        _check_reduce("ReduceScatter", op)
        super().__init__("ReduceScatter", op=op, group=group)

    def __call__(self, x: Any) -> Any:
        return reduce_scatter_p(x, op=self.op, group=self.group, axis=0)


class AlltoAll(PrimitiveOp):
    """`ops.AlltoAll(split_count, split_dim, concat_dim, group)(x)`; split_count must be the group size."""

    def __init__(self, split_count: int, split_dim: int, concat_dim: int, group: Any = None) -> None:
        for name, v in (("split_count", split_count), ("split_dim", split_dim), ("concat_dim", concat_dim)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise TypeError(f"AlltoAll: {name} must be an int, got {v!r}")
        if split_count < 1:
            raise ValueError(f"AlltoAll: split_count must be positive, got {split_count}")
        super().__init__("AlltoAll", split_count=int(split_count), split_dim=int(split_dim),
                         concat_dim=int(concat_dim), group=group)

    def __call__(self, x: Any) -> Any:
        n = _group_size("AlltoAll", self.group)
        if n != self.split_count:
            raise ValueError(f"AlltoAll: split_count {self.split_count} must equal the group size {n}")
        return all_to_all_p(x, split_dim=self.split_dim, concat_dim=self.concat_dim, group=self.group)


class Broadcast(PrimitiveOp):
    """`ops.Broadcast(root_rank, group)(inputs)`: every rank gets the root's tensors; takes and
    returns a tuple of tensors, as MindSpore (a single tensor gives a 1-tuple)."""

    def __init__(self, root_rank: int, group: Any = None) -> None:
        if isinstance(root_rank, bool) or not isinstance(root_rank, (int, np.integer)) or root_rank < 0:
            raise ValueError(f"Broadcast: root_rank must be a non-negative int, got {root_rank!r}")
        super().__init__("Broadcast", root_rank=int(root_rank), group=group)

    def __call__(self, inputs: Any) -> tuple:
        items = inputs if isinstance(inputs, (tuple, list)) else (inputs,)
        return tuple(broadcast_p(x, root=self.root_rank, group=self.group) for x in items)


__all__ = ["ReduceOp", "AllReduce", "AllGather", "ReduceScatter", "AlltoAll", "Broadcast", "all_reduce",
           "all_gather_into_tensor", "reduce_scatter_tensor", "all_to_all_single", "broadcast", "barrier",
           "all_reduce_p", "all_gather_p", "reduce_scatter_p", "all_to_all_p", "broadcast_p"]
