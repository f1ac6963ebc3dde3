"""`mindlite.communication`: collective communication for data and model parallel training.

    >>> from mindlite.communication import init, get_rank, get_group_size
    >>> init()                      # under `mpiexec -n N python train.py`: MPI; on GPUs: NCCL
    >>> get_rank(), get_group_size()

Backends: `mpi` (mpi4py on numpy arrays), `nccl` (cupy.cuda.nccl), `sim` (N virtual ranks
in one process: `sim.spawn(fn, n)`). Every backend logs each rank's calls and bytes
(`comm_log()`). The collectives are primitives with bprops: `ops.AllReduce`, `AllGather`,
`ReduceScatter`, `AlltoAll`, `Broadcast` and their functional forms.
"""
from . import management, sim  # noqa: F401
from ._base import CommLog, CommRecord, ReduceOp  # noqa: F401
from .comm_ops import (AllGather, AllReduce, AlltoAll, Broadcast, ReduceScatter, all_gather_into_tensor,  # noqa: F401
                       all_reduce, all_to_all_single, barrier, broadcast, reduce_scatter_tensor)
from .management import (HCCL_WORLD_COMM_GROUP, MCCL_WORLD_COMM_GROUP, NCCL_WORLD_COMM_GROUP,  # noqa: F401
                         GlobalComm, comm_log, create_group, destroy_group, get_group_rank_from_world_rank,
                         get_group_size, get_local_rank, get_local_rank_size, get_rank,
                         get_world_rank_from_group_rank, init, is_initialized, release)
from . import comm_ops as comm_func  # noqa: F401  (MindSpore 2.3's functional module name)

__all__ = ["init", "release", "get_rank", "get_group_size", "get_local_rank", "get_local_rank_size",
           "get_world_rank_from_group_rank", "get_group_rank_from_world_rank", "create_group", "destroy_group",
           "GlobalComm", "HCCL_WORLD_COMM_GROUP", "NCCL_WORLD_COMM_GROUP", "MCCL_WORLD_COMM_GROUP", "ReduceOp",
           "AllReduce", "AllGather", "ReduceScatter", "AlltoAll", "Broadcast", "all_reduce",
           "all_gather_into_tensor", "reduce_scatter_tensor", "all_to_all_single", "broadcast", "barrier",
           "comm_log", "is_initialized", "sim"]
