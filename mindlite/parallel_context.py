"""Auto-parallel context names (`ms.ParallelMode`, `set_auto_parallel_context`).

Only the settings store lives here for now; the parallel engine reads it.
"""
from __future__ import annotations

from typing import Any


class ParallelMode:
    STAND_ALONE = "stand_alone"
    DATA_PARALLEL = "data_parallel"
    HYBRID_PARALLEL = "hybrid_parallel"
    SEMI_AUTO_PARALLEL = "semi_auto_parallel"
    AUTO_PARALLEL = "auto_parallel"
    MODE_LIST = [STAND_ALONE, DATA_PARALLEL, HYBRID_PARALLEL, SEMI_AUTO_PARALLEL, AUTO_PARALLEL]


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


def set_auto_parallel_context(**kwargs: Any) -> None:
    for k, v in kwargs.items():
        if k not in _DEFAULTS:
            raise ValueError(f"set_auto_parallel_context: unknown key {k!r}")
        if k == "parallel_mode" and v not in ParallelMode.MODE_LIST:
            raise ValueError(f"parallel_mode must be one of {ParallelMode.MODE_LIST}, got {v!r}")
        if k == "device_num" and (not isinstance(v, int) or v < 1):
            raise ValueError(f"device_num must be a positive int, got {v!r}")
        _ctx[k] = v


def get_auto_parallel_context(attr_key: str) -> Any:
    if attr_key not in _ctx:
        raise ValueError(f"get_auto_parallel_context: unknown key {attr_key!r}")
    return _ctx[attr_key]


def reset_auto_parallel_context() -> None:
    _ctx.clear()
    _ctx.update(_DEFAULTS)
