"""The `mpi` backend: MPI through mpi4py's buffer API on numpy arrays (no pickling).

Launch with `mpiexec -n N python train.py`. Sub-groups are MPI communicators made with
`Create_group` by their members when first used (every member reaches a collective at the
same point of an SPMD program, so they create it together). MPI has no half-precision
reduction type: float16/bfloat16 reductions run in float32 and are cast back; data that is
only moved (gather, all-to-all, broadcast) travels as raw bytes, so any dtype works.
"""
from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from ._base import Communicator, Group, ReduceOp


def _mpi() -> Any:
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError("communication backend 'mpi' needs mpi4py and an MPI library: "
                           "pip install mpi4py mpich (then launch with mpiexec -n N python ...)") from e
    return MPI


_REDUCIBLE = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
                                               np.uint8, np.uint16, np.uint32, np.uint64, np.complex64,
                                               np.complex128))


class MpiCommunicator(Communicator):
    backend = "mpi"

    def __init__(self) -> None:
        MPI = _mpi()
        if not MPI.Is_initialized():
            MPI.Init()
        self.MPI = MPI
        self.comm = MPI.COMM_WORLD
        super().__init__(self.comm.Get_rank(), self.comm.Get_size())
        self._ops = {ReduceOp.SUM: MPI.SUM, ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN, ReduceOp.PROD: MPI.PROD}
        self._by_ranks[tuple(range(self.world_size))].handle = self.comm

    def _comm(self, g: Group) -> Any:
        if g.handle is None:
            world_group = self.comm.Get_group()
            sub = world_group.Incl(list(g.ranks))
            tag = zlib.crc32(",".join(map(str, g.ranks)).encode()) & 0x7FFF
            g.handle = self.comm.Create_group(sub, tag)
            sub.Free()
            world_group.Free()
        return g.handle

    def _all_reduce(self, x: Any, op: str, g: Group) -> Any:
        work = _reducible(x)
        out = np.empty_like(work)
        self._comm(g).Allreduce(work, out, self._ops[op])
        return out.astype(x.dtype, copy=False)

    def _all_gather(self, x: Any, g: Group) -> Any:
        out = np.empty((g.size,) + x.shape, x.dtype)
        self._comm(g).Allgather(_bytes(x), _bytes(out))
        return out

    def _reduce_scatter(self, stacked: Any, op: str, g: Group) -> Any:
        work = _reducible(stacked)
        out = np.empty(work.shape[1:], work.dtype)
        self._comm(g).Reduce_scatter_block(work, out, self._ops[op])
        return out.astype(stacked.dtype, copy=False)

    def _all_to_all(self, stacked: Any, g: Group) -> Any:
        out = np.empty_like(stacked)
        self._comm(g).Alltoall(_bytes(stacked), _bytes(out))
        return out

    def _broadcast(self, x: Any, root_index: int, g: Group) -> Any:
        buf = x.copy()
        self._comm(g).Bcast(_bytes(buf), root=root_index)
        return buf

    def _barrier(self, g: Group) -> None:
        self._comm(g).Barrier()

    def release(self) -> None:
        for g in self._by_ranks.values():
            if g.handle is not None and g.handle is not self.comm:
                g.handle.Free()
                g.handle = None


def _reducible(x: Any) -> Any:
    """x in a dtype MPI can reduce (half precision and bool go through float32 / uint8)."""
    if x.dtype in _REDUCIBLE:
        return x
    if x.dtype == np.bool_:
        return x.astype(np.uint8)
    if x.dtype.kind in "fV":
        return x.astype(np.float32)
    raise TypeError(f"mpi backend: cannot reduce arrays of dtype {x.dtype}")


def _bytes(a: Any) -> Any:
    """A byte view of a contiguous array: moving data needs no MPI datatype of its dtype."""
    return a.reshape(-1).view(np.uint8)
