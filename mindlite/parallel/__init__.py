"""`mindlite.parallel`: semi-automatic and automatic parallelism (sharding planner).

    ms.set_auto_parallel_context(parallel_mode=ms.ParallelMode.AUTO_PARALLEL, device_num=8)

`TrainOneStepCell` then plans the network on its first call: op rules (rules.py), layouts
and redistribution (layout.py, redistribution.py), the cost model (cost_model.py), the
search (search.py: dynamic programming or sharding propagation from `shard` seeds), and each
rank runs its shard (executor.py). `plan_graph` plans without running, for any device
number; strategies can be saved and reloaded (`strategy_ckpt_save_file` / `_load_file`).
"""
from ..parallel_context import ParallelMode  # noqa: F401
from .api import build_plan, get_strategies, load_strategy, plan_graph, save_strategy  # noqa: F401
from .cost_model import (CostModel, get_cost_model_context, reset_cost_model_context,  # noqa: F401
                         set_cost_model_context)
from .executor import LocalProgram, gather_parameters, merged_parameters, slice_parameters  # noqa: F401
from .layout import Layout, TensorLayout  # noqa: F401
from .planner import ParallelPlan, capture  # noqa: F401

_ALGO: dict = {}


def set_algo_parameters(**kwargs):  # noqa: ANN001,ANN201 - MindSpore's signature
    """Accepted for MindSpore compatibility (its search's tuning switches); stored, not used."""
    _ALGO.update(kwargs)


def get_algo_parameters(attr_key):  # noqa: ANN001,ANN201
    return _ALGO.get(attr_key)


def reset_algo_parameters():  # noqa: ANN201
    _ALGO.clear()


__all__ = ["ParallelMode", "Layout", "TensorLayout", "build_plan", "plan_graph", "get_strategies", "save_strategy",
           "load_strategy", "set_cost_model_context", "get_cost_model_context", "reset_cost_model_context",
           "CostModel", "ParallelPlan", "capture", "LocalProgram", "slice_parameters", "gather_parameters",
           "merged_parameters",
           "set_algo_parameters", "get_algo_parameters", "reset_algo_parameters"]
