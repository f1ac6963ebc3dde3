"""`init`, ranks and groups (MindSpore's `mindspore.communication.management`).

One communicator per process (`mpi`, `nccl`), or one per thread under the `sim` backend's
`spawn`. Launch: `mpiexec -n N python train.py`; the msrun-style variables RANK /
WORLD_SIZE (or RANK_ID / RANK_SIZE) are checked against what MPI reports. After `init`, a
`device_num` set in the auto-parallel context must equal the world size (a user asking for
8 devices never trains on one without being told).
"""
from __future__ import annotations

import os
import threading
from typing import Any

from ._base import WORLD_GROUP_NAMES, Communicator, CommLog


class GlobalComm:
    """MindSpore's `GlobalComm`: the backend name, the world group's name, whether init ran."""
    BACKEND = "mccl"
    WORLD_COMM_GROUP = "mccl_world_group"
    INITED = False


HCCL_WORLD_COMM_GROUP = "hccl_world_group"
NCCL_WORLD_COMM_GROUP = "nccl_world_group"
MCCL_WORLD_COMM_GROUP = "mccl_world_group"

_PROCESS: list = [None]           # the process's communicator (mpi, nccl, or a lone sim rank)
_THREAD = threading.local()       # a sim rank's communicator, bound by sim.spawn


def _bind_thread(comm: Communicator | None) -> None:
    _THREAD.comm = comm
    _THREAD.inited = False


def _thread_comm() -> Communicator | None:
    return getattr(_THREAD, "comm", None)


def current(required: bool = True) -> Communicator | None:
    """This rank's communicator; raises RuntimeError (as MindSpore) before `init()`."""
    c = _thread_comm()
    if c is not None and getattr(_THREAD, "inited", False):
        return c
    if _PROCESS[0] is not None:
        return _PROCESS[0]
    if required:
        raise RuntimeError("communication is not initialized: call mindlite.communication.init() first "
                           "(launch several processes with mpiexec -n N, or run ranks in one process with "
                           "mindlite.communication.sim.spawn)")
    return None


def is_initialized() -> bool:
    return current(required=False) is not None


_MPI_ENV = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS", "HYDRA_CONTROL_FD")


def _launched_by_mpi() -> bool:
    return any(k in os.environ for k in _MPI_ENV)


def _env_world() -> tuple:
    """(rank, size) from msrun-style variables, or (None, None)."""
    size = os.environ.get("WORLD_SIZE", os.environ.get("RANK_SIZE"))
    rank = os.environ.get("RANK", os.environ.get("RANK_ID"))
    return (int(rank) if rank is not None else None), (int(size) if size is not None else None)


def init(backend_name: str | None = None) -> None:
    """Initialise communication. `backend_name`: None (auto: the sim rank of this thread, MPI
    when launched by mpiexec, NCCL when device_target is GPU and MPI launched us), "mpi" or
    "mccl" (MPI on CPU), "nccl" (GPUs), "sim" (virtual ranks; see `sim.spawn`). "hccl" (Ascend)
    is not available and says so."""
    if backend_name is not None and not isinstance(backend_name, str):
        raise TypeError(f"init: backend_name must be a str or None, got {backend_name!r}")
    name = backend_name.lower() if backend_name else None
    if name == "hccl":
        raise ValueError("init('hccl'): HCCL is Ascend's library and is not available in mindlite; use 'mpi' "
                         "(CPU processes launched by mpiexec), 'nccl' (GPUs) or 'sim' (virtual ranks)")
    if name not in (None, "mpi", "mccl", "nccl", "sim"):
        raise ValueError(f"init: unknown backend {backend_name!r}; choose 'mpi', 'nccl' or 'sim'")
    sim_comm = _thread_comm()
    if sim_comm is not None:  # a rank of sim.spawn
        if name not in (None, "sim", "mccl"):
            raise ValueError(f"init({backend_name!r}) inside sim.spawn: this thread is a virtual rank of the 'sim' "
                             f"backend; call init() or init('sim')")
        _THREAD.inited = True
        _set_global("sim", sim_comm)
        _check_device_num(sim_comm)
        return
    if _PROCESS[0] is not None:
        return  # MindSpore: a second init is harmless
    if name is None:
        from ..core import context
        gpu = str(context.get_context("device_target")).upper() == "GPU"
        name = "nccl" if gpu else ("mpi" if _launched_by_mpi() else "sim")
    if name in ("mpi", "mccl"):
        from .mpi import MpiCommunicator
        comm: Communicator = MpiCommunicator()
    elif name == "nccl":
        from .nccl import NcclCommunicator
        comm = NcclCommunicator()
    else:
        from .sim import SimCommunicator, SimWorld
        comm = SimCommunicator(SimWorld(1, None), 0)
    env_rank, env_size = _env_world()
    if env_size is not None and env_size != comm.world_size:
        comm.release()
        raise RuntimeError(f"init({name!r}): the environment says WORLD_SIZE/RANK_SIZE={env_size} but the "
                           f"{comm.backend} backend sees {comm.world_size} process(es); launch with "
                           f"mpiexec -n {env_size} python ...")
    if env_rank is not None and env_rank != comm.world_rank:
        comm.release()
        raise RuntimeError(f"init({name!r}): the environment says RANK={env_rank} but the {comm.backend} backend "
                           f"gives this process rank {comm.world_rank}")
    _check_device_num(comm)
    _PROCESS[0] = comm
    _set_global(name, comm)


def _set_global(name: str, comm: Communicator) -> None:
    GlobalComm.BACKEND = {"mpi": "mccl", "mccl": "mccl", "sim": "mccl"}.get(name, name)
    GlobalComm.WORLD_COMM_GROUP = comm.world_group_name
    GlobalComm.INITED = True


def _check_device_num(comm: Communicator) -> None:
    from ..parallel_context import check_world_size
    check_world_size(comm.world_size, "init()")


def release() -> None:
    """Free the communicator (MindSpore `release`)."""
    c = _thread_comm()
    if c is not None:
        _THREAD.inited = False
        return
    if _PROCESS[0] is not None:
        _PROCESS[0].release()
        _PROCESS[0] = None
    GlobalComm.INITED = False


def get_rank(group: Any = None) -> int:
    """This process's rank in `group` (default: the world)."""
    return current().group(_group_arg(group)).rank


def get_group_size(group: Any = None) -> int:
    return current().group(_group_arg(group)).size


def get_local_rank(group: Any = None) -> int:
    """Rank within this node (MPI's local rank variables; the sim backend is one node)."""
    comm = current()
    for key in ("OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "LOCAL_RANK"):
        if key in os.environ and comm.backend != "sim":
            return int(os.environ[key])
    return comm.group(_group_arg(group)).rank


def get_local_rank_size(group: Any = None) -> int:
    comm = current()
    for key in ("OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "LOCAL_WORLD_SIZE"):
        if key in os.environ and comm.backend != "sim":
            return int(os.environ[key])
    return comm.group(_group_arg(group)).size


def get_world_rank_from_group_rank(group: str, group_rank_num: int) -> int:
    g = current().group(group)
    if not 0 <= group_rank_num < g.size:
        raise ValueError(f"get_world_rank_from_group_rank: group {group!r} has {g.size} ranks, got {group_rank_num}")
    return g.ranks[group_rank_num]


def get_group_rank_from_world_rank(world_rank_id: int, group: str) -> int:
    g = current().group(group)
    if world_rank_id not in g.ranks:
        raise ValueError(f"get_group_rank_from_world_rank: world rank {world_rank_id} is not in group {group!r}")
    return g.ranks.index(world_rank_id)


def create_group(group: str, rank_ids: Any) -> None:
    """Create a named group of world ranks (called by its members)."""
    current().create_group(group, rank_ids)


def destroy_group(group: str) -> None:
    current().destroy_group(group)


def comm_log() -> CommLog:
    """This rank's log of collective calls (op, group, dtype, shape, bytes)."""
    return current().log


def _group_arg(group: Any) -> Any:
    return None if group in WORLD_GROUP_NAMES else group
