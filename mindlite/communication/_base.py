"""What every communication backend shares: groups, argument checks and the per-rank log.

A `Communicator` is one rank's view of the world. Backends (`sim`, `mpi`, `nccl`) implement
the `_all_reduce`, `_all_gather`, `_reduce_scatter`, `_all_to_all`, `_broadcast` and `_barrier`
hooks on contiguous arrays; the public methods here check the arguments, arrange the data
(gather/scatter along any axis, all-to-all between any two axes) and log each call: the op,
the group, the dtype and shape, and the bytes of the local input buffer. The planner's cost
model predicts exactly these bytes, so logged and predicted bytes can be compared.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np


class ReduceOp:
    """MindSpore's `ops.ReduceOp`: the reduction of AllReduce / ReduceScatter."""
    SUM = "sum"
    MAX = "max"
    MIN = "min"
    PROD = "prod"


REDUCE_OPS = (ReduceOp.SUM, ReduceOp.MAX, ReduceOp.MIN, ReduceOp.PROD)
WORLD_GROUP_NAMES = ("hccl_world_group", "nccl_world_group", "mccl_world_group")


@dataclass(frozen=True)
class CommRecord:
    """One collective call as seen by one rank."""
    op: str
    group: tuple      # world ranks of the group, in group order
    dtype: str
    shape: tuple      # shape of the local input
    nbytes: int       # bytes of the local input buffer


@dataclass
class CommLog:
    """The calls one rank made, in order."""
    records: list = field(default_factory=list)

    def add(self, rec: CommRecord) -> None:
        self.records.append(rec)

    @property
    def calls(self) -> int:
        return len(self.records)

    @property
    def bytes(self) -> int:
        return sum(r.nbytes for r in self.records)

    def by_op(self) -> dict:
        """{op: (calls, bytes)}."""
        out: dict = {}
        for r in self.records:
            c, b = out.get(r.op, (0, 0))
            out[r.op] = (c + 1, b + r.nbytes)
        return out

    def clear(self) -> None:
        self.records.clear()

    def __repr__(self) -> str:
        return f"CommLog({self.calls} calls, {self.bytes} bytes, {self.by_op()})"


class Group:
    """A named set of world ranks; `rank` is this process's index in it (or -1)."""

    def __init__(self, name: str, ranks: tuple, my_world_rank: int, handle: Any = None) -> None:
        self.name = name
        self.ranks = ranks
        self.rank = ranks.index(my_world_rank) if my_world_rank in ranks else -1
        self.handle = handle  # the backend's sub-communicator, made when first needed

    @property
    def size(self) -> int:
        return len(self.ranks)

    def __repr__(self) -> str:
        return f"Group({self.name!r}, ranks={list(self.ranks)})"


def check_ranks(name: str, rank_ids: Any, world_size: int) -> tuple:
    if not isinstance(rank_ids, (list, tuple)) or not rank_ids:
        raise ValueError(f"create_group({name!r}): rank_ids must be a non-empty list of ranks, got {rank_ids!r}")
    ranks = []
    for r in rank_ids:
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)) or not 0 <= int(r) < world_size:
            raise ValueError(f"create_group({name!r}): rank {r!r} is not a rank of a world of size {world_size}")
        ranks.append(int(r))
    if len(set(ranks)) != len(ranks):
        raise ValueError(f"create_group({name!r}): rank_ids {list(rank_ids)} has duplicates")
    return tuple(ranks)


class Communicator:
    """One rank's endpoint of a backend. Subclasses set `backend`, `world_rank`, `world_size`."""

    backend = "base"
    world_group_name = "mccl_world_group"

    def __init__(self, world_rank: int, world_size: int) -> None:
        self.world_rank = world_rank
        self.world_size = world_size
        self.log = CommLog()
        self._groups: dict = {}
        self._by_ranks: dict = {}
        self._lock = threading.Lock()
        world = Group(self.world_group_name, tuple(range(world_size)), world_rank)
        self._by_ranks[world.ranks] = world
        for n in WORLD_GROUP_NAMES:
            self._groups[n] = world

    # ---- groups -------------------------------------------------------------------------------
    def create_group(self, name: str, rank_ids: Sequence[int]) -> Group:
        if not isinstance(name, str) or not name:
            raise TypeError(f"create_group: group name must be a non-empty str, got {name!r}")
        if name in self._groups:
            raise ValueError(f"create_group: group {name!r} already exists")
        ranks = check_ranks(name, rank_ids, self.world_size)
        if self.world_rank not in ranks:
            raise ValueError(f"create_group({name!r}): rank {self.world_rank} is not in rank_ids {list(ranks)}; "
                             f"only the members of a group create it")
        g = self.group_for(ranks)
        self._groups[name] = g
        return g

    def destroy_group(self, name: str) -> None:
        if name in WORLD_GROUP_NAMES:
            raise ValueError(f"destroy_group: the world group {name!r} cannot be destroyed")
        if name not in self._groups:
            raise ValueError(f"destroy_group: no group named {name!r}")
        del self._groups[name]

    def group_for(self, ranks: tuple) -> Group:
        """The group of these world ranks (created on first use, by its members only)."""
        with self._lock:
            g = self._by_ranks.get(ranks)
            if g is None:
                g = self._by_ranks[ranks] = Group("ranks" + "-".join(map(str, ranks)), ranks, self.world_rank)
            return g

    def group(self, group: Any) -> Group:
        """Resolve a group argument: None (world), a name, or a tuple of world ranks."""
        if group is None:
            g = self._groups[self.world_group_name]
        elif isinstance(group, str):
            g = self._groups.get(group)
            if g is None:
                raise ValueError(f"communication: no group named {group!r} (create it with create_group; "
                                 f"known: {sorted(self._groups)})")
        elif isinstance(group, tuple):
            g = self.group_for(check_ranks("<ranks>", group, self.world_size))
        else:
            raise TypeError(f"communication: group must be a name or a tuple of ranks, got {group!r}")
        if g.rank < 0:
            raise ValueError(f"communication: rank {self.world_rank} is not a member of group {g.name!r} "
                             f"(ranks {list(g.ranks)})")
        return g

    # ---- public collectives -------------------------------------------------------------------
    def all_reduce(self, x: Any, op: str = ReduceOp.SUM, group: Any = None) -> Any:
        _check_op("all_reduce", op)
        g = self.group(group)
        self._record("all_reduce", g, x)
        if g.size == 1:
            return x.copy()
        return self._all_reduce(_contig(x), op, g)

    def all_gather(self, x: Any, group: Any = None, axis: int = 0) -> Any:
        """Concatenation of every member's `x` along `axis`, in group order."""
        g = self.group(group)
        axis = _axis("all_gather", axis, x.ndim)
        self._record("all_gather", g, x)
        if g.size == 1:
            return x.copy()
        stacked = self._all_gather(_contig(x), g)  # (size, *x.shape)
        return stacked_to_concat(stacked, axis)

    def reduce_scatter(self, x: Any, op: str = ReduceOp.SUM, group: Any = None, axis: int = 0) -> Any:
        """Member k gets block k (along `axis`) of the reduction of every member's `x`."""
        _check_op("reduce_scatter", op)
        g = self.group(group)
        axis = _axis("reduce_scatter", axis, x.ndim)
        if x.shape[axis] % g.size:
            raise ValueError(f"reduce_scatter: dimension {axis} of the input {list(x.shape)} is not divisible by "
                             f"the group size {g.size}")
        self._record("reduce_scatter", g, x)
        if g.size == 1:
            return x.copy()
        return self._reduce_scatter(split_to_stacked(x, g.size, axis), op, g)

    def all_to_all(self, x: Any, split_dim: int, concat_dim: int, group: Any = None) -> Any:
        """Split `x` along `split_dim` into one block per member, send block k to member k, and
        concatenate the received blocks along `concat_dim` in group order."""
        g = self.group(group)
        split_dim = _axis("all_to_all", split_dim, x.ndim)
        concat_dim = _axis("all_to_all", concat_dim, x.ndim)
        if x.shape[split_dim] % g.size:
            raise ValueError(f"all_to_all: dimension {split_dim} of the input {list(x.shape)} is not divisible by "
                             f"the group size {g.size}")
        self._record("all_to_all", g, x)
        if g.size == 1:
            return x.copy()
        received = self._all_to_all(split_to_stacked(x, g.size, split_dim), g)
        return stacked_to_concat(received, concat_dim)

    def broadcast(self, x: Any, root: int = 0, group: Any = None) -> Any:
        """`x` of the member whose world rank is `root`, on every member."""
        g = self.group(group)
        if root not in g.ranks:
            raise ValueError(f"broadcast: root rank {root} is not in group {g.name!r} (ranks {list(g.ranks)})")
        self._record("broadcast", g, x)
        if g.size == 1:
            return x.copy()
        return self._broadcast(_contig(x), g.ranks.index(root), g)

    def barrier(self, group: Any = None) -> None:
        g = self.group(group)
        self.log.add(CommRecord("barrier", g.ranks, "", (), 0))
        if g.size > 1:
            self._barrier(g)

    def _record(self, op: str, g: Group, x: Any) -> None:
        if not (hasattr(x, "shape") and hasattr(x, "dtype")):
            raise TypeError(f"{op}: expected an array, got {type(x).__name__}")
        self.log.add(CommRecord(op, g.ranks, str(x.dtype), tuple(x.shape), int(x.nbytes)))

    def release(self) -> None:
        """Free backend resources (sub-communicators)."""

    # ---- backend hooks: contiguous arrays; `stacked` arrays have the member index first ----
    def _all_reduce(self, x: Any, op: str, g: Group) -> Any:
        raise TypeError(f"{type(self).__name__} does not implement all_reduce")

    def _all_gather(self, x: Any, g: Group) -> Any:
        raise TypeError(f"{type(self).__name__} does not implement all_gather")

    def _reduce_scatter(self, stacked: Any, op: str, g: Group) -> Any:
        raise TypeError(f"{type(self).__name__} does not implement reduce_scatter")

    def _all_to_all(self, stacked: Any, g: Group) -> Any:
        raise TypeError(f"{type(self).__name__} does not implement all_to_all")

    def _broadcast(self, x: Any, root_index: int, g: Group) -> Any:
        raise TypeError(f"{type(self).__name__} does not implement broadcast")

    def _barrier(self, g: Group) -> None:
        raise TypeError(f"{type(self).__name__} does not implement barrier")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rank {self.world_rank} of {self.world_size})"


# ---- data arrangement shared by the backends ------------------------------------------------------
def _xp(x: Any) -> Any:
    if type(x).__module__.startswith("cupy"):
        import cupy
        return cupy
    return np


def _contig(x: Any) -> Any:
    return _xp(x).ascontiguousarray(x).reshape(x.shape)  # ascontiguousarray makes 0-d arrays 1-d


def split_to_stacked(x: Any, parts: int, axis: int) -> Any:
    """(parts, *block shape): x cut into `parts` equal blocks along `axis`, contiguous."""
    xp = _xp(x)
    shape = x.shape
    block = shape[axis] // parts
    y = x.reshape(shape[:axis] + (parts, block) + shape[axis + 1:])
    return xp.ascontiguousarray(xp.moveaxis(y, axis, 0))


def stacked_to_concat(stacked: Any, axis: int) -> Any:
    """Inverse of `split_to_stacked`: concatenate the leading index along `axis`."""
    xp = _xp(stacked)
    parts = stacked.shape[0]
    block_shape = stacked.shape[1:]
    y = xp.moveaxis(stacked, 0, axis)  # (..., parts, block, ...)
    out_shape = block_shape[:axis] + (parts * block_shape[axis],) + block_shape[axis + 1:]
    return xp.ascontiguousarray(y.reshape(out_shape))


def reduce_arrays(arrays: Sequence[Any], op: str) -> Any:
    """Reduction of equal-shaped arrays in the given order (every rank sums in the same order)."""
    fn = {ReduceOp.SUM: np.add, ReduceOp.MAX: np.maximum, ReduceOp.MIN: np.minimum, ReduceOp.PROD: np.multiply}[op]
    out = arrays[0].copy()
    for a in arrays[1:]:
        fn(out, a, out=out)
    return out


def _check_op(name: str, op: Any) -> None:
    if op not in REDUCE_OPS:
        raise ValueError(f"{name}: op must be one of ReduceOp.SUM/MAX/MIN/PROD ({', '.join(REDUCE_OPS)}), "
                         f"got {op!r}")


def _axis(name: str, axis: Any, ndim: int) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"{name}: axis {axis!r} is out of range for a {ndim}-d input")
    if ndim == 0:
        raise ValueError(f"{name}: the input must have at least one dimension")
    return int(axis) % ndim
