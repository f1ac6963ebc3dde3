"""The cost model of the strategy search: compute, communication and memory of a plan.

Time of one training step on one rank, in seconds:
  * compute: `costmodel_gamma` s/FLOP x the node's FLOPs on its shard, x3 for forward +
    backward;
  * a collective over a group of g ranks moving a local buffer of b bytes (ring
    algorithms): all-reduce 2(g-1)/g*b, all-gather (g-1)*b, reduce-scatter and all-to-all
    (g-1)/g*b bytes on the wire, each at `costmodel_beta` s/byte inside a node or
    `costmodel_beta_inter_node` s/byte when the group spans nodes (`device_num_per_node`
    consecutive ranks form a node), plus `costmodel_alpha` s per message step (g-1, or
    2(g-1) for all-reduce); a redistribution's backward costs its adjoint collective;
  * parameter gradients replicated over g ranks: one all-reduce of the local gradient.
Memory per rank, in bytes: each parameter shard x (2 + `optimizer_state_factor`)
(value, gradient, optimizer moments) plus every node's output shard (kept for backward).

`set_cost_model_context` takes MindSpore's names (`costmodel_alpha/beta/gamma`,
`device_memory_capacity`, and accepts its other tuning keys) plus mindlite's
`costmodel_beta_inter_node`, `device_num_per_node` and `optimizer_state_factor`.
"""
from __future__ import annotations

import logging
import math
from typing import Any, Sequence

_log = logging.getLogger("mindlite")

_DEFAULTS: dict = {
    "costmodel_alpha": 5e-6,             # s per message step
    "costmodel_beta": 1.0 / 100e9,       # s per byte inside a node
    "costmodel_beta_inter_node": 1.0 / 12.5e9,  # s per byte between nodes
    "costmodel_gamma": 1.0 / 50e12,      # s per FLOP
    "device_memory_capacity": 32.0 * 2 ** 30,
    "device_num_per_node": 8,
    "optimizer_state_factor": 2,
    # MindSpore's tuning knobs that mindlite's model does not use: kept so scripts setting them run,
    # and a value other than the default is reported (the strategy search ignores it)
    "costmodel_communi_threshold": 2048.0, "costmodel_communi_const": 3072.0, "costmodel_communi_bias": 1024.0,
    "multi_subgraphs": False, "run_phase": 0, "tensor_slice_align_enable": False, "tensor_slice_align_size": 16,
    "fully_use_devices": True, "elementwise_op_strategy_follow": False, "enable_algo_approxi": False,
    "algo_approxi_epsilon": 0.1,
}
_ctx: dict = dict(_DEFAULTS)
_UNUSED = frozenset({"costmodel_communi_threshold", "costmodel_communi_const", "costmodel_communi_bias",
                     "multi_subgraphs", "run_phase", "tensor_slice_align_enable", "tensor_slice_align_size",
                     "fully_use_devices", "elementwise_op_strategy_follow", "enable_algo_approxi",
                     "algo_approxi_epsilon"})


def set_cost_model_context(**kwargs: Any) -> None:
    for k, v in kwargs.items():
        if k not in _DEFAULTS:
            raise ValueError(f"set_cost_model_context: unknown key {k!r} (known: {sorted(_DEFAULTS)})")
        if k in ("costmodel_alpha", "costmodel_beta", "costmodel_beta_inter_node", "costmodel_gamma",
                 "device_memory_capacity") and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0):
            raise ValueError(f"set_cost_model_context: {k} must be a non-negative number, got {v!r}")
        if k in ("device_num_per_node", "optimizer_state_factor") and \
                (isinstance(v, bool) or not isinstance(v, int) or v < (1 if k == "device_num_per_node" else 0)):
            kind = "positive" if k == "device_num_per_node" else "non-negative"
            raise ValueError(f"set_cost_model_context: {k} must be a {kind} int, got {v!r}")
        if k in _UNUSED and v != _DEFAULTS[k]:
            _log.warning("set_cost_model_context: %s=%r is kept but mindlite's cost model does not use it; "
                         "the strategy search is the same as with the default %r", k, v, _DEFAULTS[k])
    _ctx.update(kwargs)


def get_cost_model_context(key: str) -> Any:
    if key not in _ctx:
        raise ValueError(f"get_cost_model_context: unknown key {key!r}")
    return _ctx[key]


def reset_cost_model_context() -> None:
    _ctx.clear()
    _ctx.update(_DEFAULTS)


class CostModel:
    """A snapshot of the context, with the formulas."""

    def __init__(self, **overrides: Any) -> None:
        c = {**_ctx, **overrides}
        self.alpha = float(c["costmodel_alpha"])
        self.beta = float(c["costmodel_beta"])
        self.beta_inter = float(c["costmodel_beta_inter_node"])
        self.gamma = float(c["costmodel_gamma"])
        self.capacity = float(c["device_memory_capacity"])
        self.per_node = int(c["device_num_per_node"])
        self.state_factor = int(c["optimizer_state_factor"])

    def spans_nodes(self, ranks: Sequence[int]) -> bool:
        return len({r // self.per_node for r in ranks}) > 1

    def collective(self, kind: str, group: Sequence[int], nbytes: float) -> float:
        g = len(group)
        if g <= 1 or kind == "slice":
            return 0.0
        beta = self.beta_inter if self.spans_nodes(group) else self.beta
        if kind == "all_reduce":
            return 2.0 * (g - 1) * self.alpha + 2.0 * (g - 1) / g * nbytes * beta
        if kind == "all_gather":
            return (g - 1) * self.alpha + (g - 1) * nbytes * beta
        if kind in ("reduce_scatter", "all_to_all"):
            return (g - 1) * self.alpha + (g - 1) / g * nbytes * beta
        raise ValueError(f"cost model: unknown collective {kind!r}")

    def compute(self, flops: float, shards: int) -> float:
        return 3.0 * self.gamma * flops / max(shards, 1)


def adjoint(kind: str) -> str:
    """The collective a redistribution step's backward runs (slices need none)."""
    return {"all_reduce": "all_reduce", "all_gather": "reduce_scatter", "reduce_scatter": "all_gather",
            "all_to_all": "all_to_all", "slice": "slice"}[kind]


def adjoint_bytes(kind: str, in_bytes: int, group_size: int) -> int:
    """Bytes of the local input of the adjoint collective (the cotangent of the step's output)."""
    if kind == "all_gather":
        return in_bytes * group_size
    if kind == "reduce_scatter":
        return in_bytes // group_size
    if kind == "slice":
        return 0
    return in_bytes


def group_size(dm: Sequence[int], axes: Sequence[int]) -> int:
    return math.prod(dm[a] for a in axes)
