"""The `nccl` backend: NCCL through `cupy.cuda.nccl` on cupy arrays, one GPU per process.

Launch with `mpiexec -n N python train.py` (one process per GPU): rank 0 makes the NCCL
unique id and MPI broadcasts it (as bytes); with one process no MPI is needed. Each process
uses GPU `local rank` (ranks on one node are numbered consecutively). Collectives run on
the current cupy stream. Sub-groups get their own NCCL communicator, with the id sent over
an MPI sub-communicator of the same ranks. NCCL has no all-to-all call: it is grouped
send/recv, as NCCL's documentation shows.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._base import Communicator, Group, ReduceOp


def _nccl() -> Any:
    try:
        from cupy.cuda import nccl
    except ImportError as e:
        raise RuntimeError("communication backend 'nccl' needs cupy with NCCL: pip install cupy-cuda13x "
                           "'nvidia-nccl-cu13>=2.27.7,<3'") from e
    if not getattr(nccl, "available", True):
        raise RuntimeError("communication backend 'nccl': cupy cannot load libnccl "
                           "(pip install 'nvidia-nccl-cu13>=2.27.7,<3')")
    return nccl


# numpy dtype -> name of the NCCL data type constant in cupy.cuda.nccl
NCCL_DTYPE_NAMES = {
    np.dtype(np.int8): "NCCL_INT8", np.dtype(np.uint8): "NCCL_UINT8", np.dtype(np.bool_): "NCCL_UINT8",
    np.dtype(np.int32): "NCCL_INT32", np.dtype(np.uint32): "NCCL_UINT32", np.dtype(np.int64): "NCCL_INT64",
    np.dtype(np.uint64): "NCCL_UINT64", np.dtype(np.float16): "NCCL_FLOAT16", np.dtype(np.float32): "NCCL_FLOAT32",
    np.dtype(np.float64): "NCCL_FLOAT64",
}
NCCL_OP_NAMES = {ReduceOp.SUM: "NCCL_SUM", ReduceOp.PROD: "NCCL_PROD", ReduceOp.MAX: "NCCL_MAX",
                 ReduceOp.MIN: "NCCL_MIN"}


def nccl_dtype(nccl: Any, dtype: Any, op: str) -> int:
    """The NCCL type code for `dtype` (bfloat16 needs NCCL_BFLOAT16; bool only for moves)."""
    dtype = np.dtype(dtype)
    name = NCCL_DTYPE_NAMES.get(dtype)
    if name is None and dtype.kind == "V" and dtype.itemsize == 2:  # ml_dtypes' bfloat16
        name = "NCCL_BFLOAT16"
    if name is None or not hasattr(nccl, name):
        raise TypeError(f"nccl backend: {op} does not support dtype {dtype}")
    if dtype == np.bool_ and op in ("all_reduce", "reduce_scatter"):
        raise TypeError(f"nccl backend: {op} cannot reduce bool arrays; cast them to an integer type first")
    return int(getattr(nccl, name))


def _world_from_mpi() -> tuple:
    """(rank, size, MPI world communicator or None): MPI if launched by mpiexec, else the
    RANK/WORLD_SIZE variables (which must then say one process)."""
    size_env = os.environ.get("OMPI_COMM_WORLD_SIZE") or os.environ.get("PMI_SIZE") or os.environ.get("WORLD_SIZE")
    if size_env is not None and int(size_env) > 1:
        from .mpi import _mpi
        MPI = _mpi()
        return MPI.COMM_WORLD.Get_rank(), MPI.COMM_WORLD.Get_size(), MPI.COMM_WORLD
    return 0, 1, None


class NcclCommunicator(Communicator):
    backend = "nccl"
    world_group_name = "nccl_world_group"

    def __init__(self, nccl: Any = None, rank: int | None = None, size: int | None = None,
                 mpi_comm: Any = None) -> None:
        self.nccl = nccl if nccl is not None else _nccl()
        if rank is None:
            rank, size, mpi_comm = _world_from_mpi()
        super().__init__(rank, size)
        self.mpi_comm = mpi_comm
        if self.nccl is not None and nccl is None:
            import cupy
            n_gpu = cupy.cuda.runtime.getDeviceCount()
            local = int(os.environ.get("LOCAL_RANK", os.environ.get("MPI_LOCALRANKID", rank % max(n_gpu, 1))))
            cupy.cuda.Device(local % max(n_gpu, 1)).use()
        world = self._by_ranks[tuple(range(self.world_size))]
        world.handle = self._make_comm(world, mpi_comm)

    # ---- communicators --------------------------------------------------------------------------
    def _make_comm(self, g: Group, mpi_comm: Any) -> Any:
        uid = self.nccl.get_unique_id() if g.rank == 0 else None
        if g.size > 1:
            if mpi_comm is None:
                raise RuntimeError("nccl backend: more than one process needs MPI (mpiexec) to send the NCCL id")
            buf = np.zeros(128, np.int8) if uid is None else np.asarray(uid, dtype=np.int8)
            mpi_comm.Bcast(buf, root=0)
            uid = tuple(int(v) for v in buf)
        return self.nccl.NcclCommunicator(g.size, uid, g.rank)

    def _comm(self, g: Group) -> Any:
        if g.handle is None:
            sub_mpi = None
            if self.mpi_comm is not None:
                grp = self.mpi_comm.Get_group().Incl(list(g.ranks))
                sub_mpi = self.mpi_comm.Create_group(grp)
            g.handle = self._make_comm(g, sub_mpi)
        return g.handle

    def _stream(self) -> int:
        import cupy
        return cupy.cuda.get_current_stream().ptr

    @staticmethod
    def _buf(a: Any) -> Any:
        return a.data.ptr

    @staticmethod
    def _empty(shape: tuple, dtype: Any, like: Any) -> Any:
        xp = type(like).__module__.startswith("cupy") and __import__("cupy") or np
        return xp.empty(shape, dtype)

    # ---- collectives ------------------------------------------------------------------------------
    def _all_reduce(self, x: Any, op: str, g: Group) -> Any:
        out = self._empty(x.shape, x.dtype, x)
        self._comm(g).allReduce(self._buf(x), self._buf(out), x.size, nccl_dtype(self.nccl, x.dtype, "all_reduce"),
                                int(getattr(self.nccl, NCCL_OP_NAMES[op])), self._stream())
        return out

    def _all_gather(self, x: Any, g: Group) -> Any:
        out = self._empty((g.size,) + x.shape, x.dtype, x)
        self._comm(g).allGather(self._buf(x), self._buf(out), x.size, nccl_dtype(self.nccl, x.dtype, "all_gather"),
                                self._stream())
        return out

    def _reduce_scatter(self, stacked: Any, op: str, g: Group) -> Any:
        out = self._empty(stacked.shape[1:], stacked.dtype, stacked)
        self._comm(g).reduceScatter(self._buf(stacked), self._buf(out), out.size,
                                    nccl_dtype(self.nccl, stacked.dtype, "reduce_scatter"),
                                    int(getattr(self.nccl, NCCL_OP_NAMES[op])), self._stream())
        return out

    def _all_to_all(self, stacked: Any, g: Group) -> Any:
        out = self._empty(stacked.shape, stacked.dtype, stacked)
        comm, stream = self._comm(g), self._stream()
        code = nccl_dtype(self.nccl, stacked.dtype, "all_to_all")
        count = stacked[0].size
        self.nccl.groupStart()
        try:
            for peer in range(g.size):
                comm.send(self._buf(stacked[peer]), count, code, peer, stream)
                comm.recv(self._buf(out[peer]), count, code, peer, stream)
        finally:
            self.nccl.groupEnd()
        return out

    def _broadcast(self, x: Any, root_index: int, g: Group) -> Any:
        out = x.copy()
        self._comm(g).broadcast(self._buf(x), self._buf(out), x.size, nccl_dtype(self.nccl, x.dtype, "broadcast"),
                                root_index, self._stream())
        return out

    def _barrier(self, g: Group) -> None:
        # an all-reduce of one byte, then wait for it: NCCL has no barrier of its own
        like = self._empty((1,), np.uint8, self._probe())
        like[...] = 0
        self._all_reduce(like, ReduceOp.SUM, g)
        self._sync()

    def _probe(self) -> Any:
        import cupy
        return cupy.empty(0)

    def _sync(self) -> None:
        import cupy
        cupy.cuda.get_current_stream().synchronize()

    def release(self) -> None:
        for g in self._by_ranks.values():
            if g.handle is not None and hasattr(g.handle, "destroy"):
                g.handle.destroy()
            g.handle = None
