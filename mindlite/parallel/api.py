"""Planning entry points: `build_plan` (what TrainOneStepCell calls in SEMI_AUTO/AUTO_PARALLEL),
`plan_graph` (planning without running: any device number, no communication needed),
strategy checkpoints and `get_strategies`.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any, Sequence

from ..parallel_context import ParallelMode, get_auto_parallel_context
from .cost_model import CostModel
from .layout import TensorLayout, axis_map, refine, to_matrix
from .planner import (Captured, ParallelPlan, Problem, capture, dataset_layouts, global_avals, group_input_layouts,
                      op_label)
from .search import dynamic_programming, logical_meshes, sharding_propagation
from .strategy import Strategy, check, follow_inputs, in_layouts


def _user_groups(cap: Captured, device_num: int, specs: list) -> list:
    """(group input layouts, first node, end node, label) of every sharded op call."""
    out = []
    nodes = cap.graph.nodes
    for op, atoms, first, end in cap.annotations:
        label = op_label(op, cap.names)
        lays = group_input_layouts(op, atoms, nodes, specs, first, end, device_num, label)
        out.append((lays, first, end, label))
    return out


def _fix_groups(prob: Problem, groups: list) -> dict:
    """Strategies of the nodes inside sharded op calls: they take the required input layouts."""
    fixed: dict = {}
    produced: dict = {}
    for lays, first, end, label in groups:
        required = {k: to_matrix(v, prob.dm) for k, v in lays.items()}
        for n in range(first, end):
            node, spec = prob.graph.nodes[n], prob.specs[n]
            given = []
            for a in node.inputs:
                if id(a) in required:
                    given.append(required[id(a)])
                else:
                    given.append(produced.get(id(a)))
            st = follow_inputs(spec, given, prob.dm, len(node.inputs))
            have = in_layouts(spec, st, prob.dm)
            for i, a in enumerate(node.inputs):
                want = required.get(id(a))
                if want is not None and have[i] is not None and \
                        (have[i].tensor_map, have[i].partial) != (want.tensor_map, want.partial):
                    raise ValueError(f"{label}: its strategy splits input {i} of {node.prim.name} as {want}, which "
                                     f"the {node.prim.name} rule cannot take (it would need {have[i]}); a dimension "
                                     f"that must stay whole (softmax axis, window, table) is split")
            from .strategy import out_layouts
            for o, lay in zip(node.outs, out_layouts(spec, st, prob.dm)):
                produced[id(o)] = lay
            fixed[n] = st
    return fixed


def plan_graph(cap: Captured, device_num: int, mode: str | None = None, search_mode: str | None = None,
               data_layouts: Sequence[TensorLayout] | None = None, cost: CostModel | None = None) -> ParallelPlan:
    """Plan a captured graph for `device_num` devices (no communication needed)."""
    mode = mode or get_auto_parallel_context("parallel_mode")
    search_mode = search_mode or get_auto_parallel_context("search_mode")
    cost = cost or CostModel()
    if data_layouts is None:
        data_layouts = [TensorLayout((device_num,), ((),) * len(cap.graph.inputs[gi].shape))
                        for gi in cap.data_inputs]
    from .rules import spec_of
    specs = [spec_of(n) for n in cap.graph.nodes]
    groups = _user_groups(cap, device_num, specs)
    mats = [lay.dev_matrix for g in groups for lay in g[0].values()] + [lay.dev_matrix for lay in data_layouts]
    start = time.perf_counter()
    if mode == ParallelMode.SEMI_AUTO_PARALLEL or search_mode == "sharding_propagation":
        dm = refine(mats + [(device_num,)])
        prob = Problem(cap, dm, data_layouts, cost)
        prob.fixed = _fix_groups(prob, groups)
        choice = sharding_propagation(prob)
        return prob.plan(choice, "sharding_propagation" if mode == ParallelMode.AUTO_PARALLEL else "semi_auto",
                         time.perf_counter() - start)
    if mode != ParallelMode.AUTO_PARALLEL:
        raise ValueError(f"plan_graph: parallel_mode must be semi_auto_parallel or auto_parallel, got {mode!r}")
    best = None
    errors = []
    for mesh, logical in logical_meshes(device_num):
        try:
            dm = refine(mats + [mesh])
        except ValueError:
            continue  # the user's strategies do not nest in this arrangement
        amap = axis_map(mesh, dm)
        groups_on_dm = [tuple(a for ax in g for a in amap[ax]) for g in logical]
        prob = Problem(cap, dm, data_layouts, cost)
        prob.fixed = _fix_groups(prob, groups)
        try:
            choice = dynamic_programming(prob, groups_on_dm)
        except MemoryError as e:
            errors.append(e)
            continue
        plan = prob.plan(choice, f"dynamic_programming dp x mp = {list(mesh)}")
        if best is None or plan.time < best.time:
            best = plan
    if best is None:
        if errors:
            raise MemoryError(min(errors, key=lambda e: float(str(e).split(" needs ")[1].split(" MiB")[0])).args[0])
        raise ValueError(f"auto parallel: the shard strategies fit no two-level arrangement of {device_num} devices")
    best.search_seconds = time.perf_counter() - start
    return best


def build_plan(network: Any, local_args: Sequence[Any]) -> ParallelPlan:
    """Plan `network` for this world (SEMI_AUTO / AUTO_PARALLEL), from this rank's inputs."""
    from ..parallel_context import check_parallel_ready
    device_num = check_parallel_ready("parallel compile")
    strategy = get_auto_parallel_context("dataset_strategy")
    layouts = dataset_layouts([(tuple(a.shape), None) for a in local_args], strategy, device_num)
    avals = global_avals(local_args, layouts)
    cap = capture(network, avals, type(network).__name__)
    load = get_auto_parallel_context("strategy_ckpt_load_file")
    if load:
        plan = load_strategy(cap, load, layouts)
    else:
        plan = plan_graph(cap, device_num, data_layouts=layouts)
    save = get_auto_parallel_context("strategy_ckpt_save_file")
    if save:
        from ..communication.management import current
        if current().world_rank == 0:
            save_strategy(plan, save)
    return plan


# ---- strategy checkpoints ------------------------------------------------------------------------------
def graph_signature(cap: Captured) -> str:
    h = hashlib.sha256()
    for node in cap.graph.nodes:
        h.update(node.prim.name.encode())
        for o in node.outs:
            h.update(repr((o.shape, o.dtype.str)).encode())
    return h.hexdigest()[:16]


def save_strategy(plan: ParallelPlan, path: str) -> None:
    """Write the plan's strategies (JSON): device matrix, one entry per node."""
    data = {"format": "mindlite-parallel-strategy-1", "device_num": plan.device_num, "dev_matrix": list(plan.dm),
            "search": plan.search, "graph": graph_signature(plan.problem.cap),
            "nodes": [{"index": v, "op": plan.graph.nodes[v].prim.name, "in_strategy": plan.node_strategy(v),
                       "assign": [[lb, list(ax)] for lb, ax in st.assign],
                       "carry": [sorted(c) for c in st.carry]}
                      for v, st in enumerate(plan.strategies)]}
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def load_strategy(cap: Captured, path: str, data_layouts: Sequence[TensorLayout] | None = None,
                  cost: CostModel | None = None) -> ParallelPlan:
    """Rebuild the plan saved by `save_strategy` for the same network and device number."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if data.get("format") != "mindlite-parallel-strategy-1":
        raise ValueError(f"{path}: not a mindlite strategy file")
    if data["graph"] != graph_signature(cap):
        raise ValueError(f"{path}: the strategies were saved for a different network or input shapes")
    dm = tuple(data["dev_matrix"])
    n = 1
    for d in dm:
        n *= d
    if data_layouts is None:
        data_layouts = [TensorLayout((n,), ((),) * len(cap.graph.inputs[gi].shape)) for gi in cap.data_inputs]
    prob = Problem(cap, dm, data_layouts, cost or CostModel())
    choice = {}
    for entry in data["nodes"]:
        v = entry["index"]
        st = Strategy(tuple((lb, tuple(ax)) for lb, ax in entry["assign"]),
                      tuple(frozenset(c) for c in entry["carry"]))
        if v in set(prob.active):
            why = check(prob.specs[v], st, dm)
            if why is not None:
                raise ValueError(f"{path}: the strategy of node {v} ({entry['op']}) is invalid: {why}")
            choice[v] = st
    return prob.plan(choice, f"loaded from {os.path.basename(path)}")


def get_strategies(network: Any) -> dict:
    """{"<node index>:<op>": in_strategy} of the plan a network was trained with."""
    plan = getattr(network, "_parallel_plan", None)
    if plan is None:
        for _, cell in network.cells_and_names():
            plan = getattr(cell, "_parallel_plan", None)
            if plan is not None:
                break
    if plan is None:
        raise ValueError("get_strategies: this network has no parallel plan (train it under SEMI_AUTO_PARALLEL or "
                         "AUTO_PARALLEL first)")
    return {f"{v}:{plan.graph.nodes[v].prim.name}": plan.node_strategy(v) for v in plan.problem.active}
