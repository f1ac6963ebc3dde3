"""Auto-parallel context (`ms.ParallelMode`, `set_auto_parallel_context`).

The settings the parallel engine reads (`mindlite.parallel`, `nn.DistributedGradReducer`,
`nn.TrainOneStepCell`). `device_num` left unset means "the world size"; set explicitly it
must equal the world size once communication is initialised (`check_world_size`), so a
user asking for 8 devices never silently trains on one.
"""
from __future__ import annotations

import numbers
from typing import Any


class ParallelMode:
    STAND_ALONE = "stand_alone"
    DATA_PARALLEL = "data_parallel"
    HYBRID_PARALLEL = "hybrid_parallel"
    SEMI_AUTO_PARALLEL = "semi_auto_parallel"
    AUTO_PARALLEL = "auto_parallel"
    MODE_LIST = [STAND_ALONE, DATA_PARALLEL, HYBRID_PARALLEL, SEMI_AUTO_PARALLEL, AUTO_PARALLEL]


SEARCH_MODES = ("dynamic_programming", "sharding_propagation", "recursive_programming")

_DEFAULTS: dict[str, Any] = {
    "device_num": 1, "global_rank": 0, "gradients_mean": False, "gradient_fp32_sync": True,
    "parallel_mode": ParallelMode.STAND_ALONE, "search_mode": "dynamic_programming",
    "auto_parallel_search_mode": "dynamic_programming", "parameter_broadcast": False,
    "strategy_ckpt_load_file": "", "strategy_ckpt_save_file": "", "full_batch": False,
    "dataset_strategy": "data_parallel", "enable_parallel_optimizer": False, "parallel_optimizer_config": None,
    "all_reduce_fusion_config": None, "pipeline_stages": 1, "grad_accumulation_step": 1, "comm_fusion": None,
    "enable_alltoall": False, "strategy_ckpt_config": None,
}
_ctx: dict[str, Any] = dict(_DEFAULTS)
_explicit: set = set()  # keys the user set (device_num / global_rank otherwise follow the world)


def _check(k: str, v: Any) -> Any:
    if k == "parallel_mode" and v not in ParallelMode.MODE_LIST:
        raise ValueError(f"parallel_mode must be one of {ParallelMode.MODE_LIST}, got {v!r}")
    if k in ("device_num", "pipeline_stages", "grad_accumulation_step") and \
            (isinstance(v, bool) or not isinstance(v, int) or v < 1):
        raise ValueError(f"{k} must be a positive int, got {v!r}")
    if k == "global_rank" and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
        raise ValueError(f"global_rank must be a non-negative int, got {v!r}")
    if k in ("gradients_mean", "gradient_fp32_sync", "parameter_broadcast", "full_batch",
             "enable_parallel_optimizer", "enable_alltoall") and not isinstance(v, bool):
        raise TypeError(f"{k} must be a bool, got {v!r}")
    if k in ("search_mode", "auto_parallel_search_mode") and v not in SEARCH_MODES:
        raise ValueError(f"{k} must be one of {SEARCH_MODES}, got {v!r}")
    if k in ("strategy_ckpt_load_file", "strategy_ckpt_save_file") and not isinstance(v, str):
        raise TypeError(f"{k} must be a file path str, got {v!r}")
    if k == "all_reduce_fusion_config" and v is not None:
        if not isinstance(v, (list, tuple)) or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0
                                                       for i in v) or list(v) != sorted(set(v)):
            raise ValueError(f"all_reduce_fusion_config must be a strictly increasing list of positive parameter "
                             f"indices (e.g. [85, 160]), got {v!r}")
    if k == "comm_fusion" and v is not None:
        _check_comm_fusion(v)
    if k == "dataset_strategy" and not (v in ("data_parallel", "full_batch") or _is_strategy(v)):
        raise ValueError(f"dataset_strategy must be 'data_parallel', 'full_batch' or a tuple of tuples of positive "
                         f"ints (one per input), got {v!r}")
    return v


def _is_strategy(v: Any) -> bool:
    return isinstance(v, tuple) and all(isinstance(s, tuple) and all(isinstance(d, int) and d > 0 for d in s)
                                        for s in v)


def _check_comm_fusion(v: Any) -> None:
    if not isinstance(v, dict):
        raise TypeError(f"comm_fusion must be a dict such as {{'allreduce': {{'mode': 'size', 'config': 32}}}}, "
                        f"got {v!r}")
    for kind, spec in v.items():
        if kind not in ("allreduce", "allgather", "reducescatter", "openstate"):
            raise ValueError(f"comm_fusion: unknown communication {kind!r} (allreduce, allgather, reducescatter)")
        if kind == "openstate":
            continue
        if not isinstance(spec, dict) or spec.get("mode") not in ("auto", "size", "index"):
            raise ValueError(f"comm_fusion[{kind!r}] must be {{'mode': 'auto'|'size'|'index', 'config': ...}}, "
                             f"got {spec!r}")
        cfg = spec.get("config")
        if spec["mode"] == "size" and not (isinstance(cfg, numbers.Real) and cfg > 0):
            raise ValueError(f"comm_fusion[{kind!r}]: mode 'size' needs config = bucket size in MB > 0, got {cfg!r}")
        if spec["mode"] == "index" and not (isinstance(cfg, (list, tuple)) and list(cfg) == sorted(set(cfg))):
            raise ValueError(f"comm_fusion[{kind!r}]: mode 'index' needs config = increasing parameter indices, "
                             f"got {cfg!r}")


def set_auto_parallel_context(**kwargs: Any) -> None:
    for k in kwargs:
        if k not in _DEFAULTS:
            raise ValueError(f"set_auto_parallel_context: unknown key {k!r}")
    for k, v in kwargs.items():
        _check(k, v)
    for k, v in kwargs.items():
        if k in ("search_mode", "auto_parallel_search_mode"):
            _ctx["search_mode"] = _ctx["auto_parallel_search_mode"] = v
            _explicit.update(("search_mode", "auto_parallel_search_mode"))
            continue
        if k == "full_batch":
            _ctx["dataset_strategy"] = "full_batch" if v else "data_parallel"
        _ctx[k] = v
        _explicit.add(k)
    if "device_num" in kwargs:
        _check_against_world("set_auto_parallel_context(device_num=...)")


def get_auto_parallel_context(attr_key: str) -> Any:
    if attr_key not in _ctx:
        raise ValueError(f"get_auto_parallel_context: unknown key {attr_key!r}")
    if attr_key in ("device_num", "global_rank") and attr_key not in _explicit:
        comm = _comm()
        if comm is not None:
            return comm.world_size if attr_key == "device_num" else comm.world_rank
    return _ctx[attr_key]


def reset_auto_parallel_context() -> None:
    _ctx.clear()
    _ctx.update(_DEFAULTS)
    _explicit.clear()


def _comm() -> Any:
    from .communication.management import current
    return current(required=False)


def check_world_size(world_size: int, where: str) -> None:
    """Raise if `device_num` was set to something other than the world size."""
    if "device_num" in _explicit and _ctx["device_num"] != world_size:
        raise ValueError(f"{where}: device_num={_ctx['device_num']} was set in set_auto_parallel_context but the "
                         f"communication world has {world_size} rank(s); launch {_ctx['device_num']} processes "
                         f"(mpiexec -n {_ctx['device_num']} python ...) or set device_num={world_size}")


def _check_against_world(where: str) -> None:
    comm = _comm()
    if comm is not None:
        check_world_size(comm.world_size, where)


def check_parallel_ready(where: str) -> int:
    """For code that starts parallel training: the world size, after checking that a parallel
    mode has communication initialised and a matching device_num."""
    mode = _ctx["parallel_mode"]
    comm = _comm()
    if comm is None:
        if mode != ParallelMode.STAND_ALONE:
            raise RuntimeError(f"{where}: parallel_mode={mode!r} needs communication: call "
                               f"mindlite.communication.init() first (launch N processes with mpiexec -n N)")
        if "device_num" in _explicit and _ctx["device_num"] != 1:
            raise RuntimeError(f"{where}: device_num={_ctx['device_num']} was set but communication is not "
                               f"initialised, so this would train on one device; call communication.init() "
                               f"under mpiexec -n {_ctx['device_num']} and set a parallel_mode")
        return 1
    check_world_size(comm.world_size, where)
    return comm.world_size
