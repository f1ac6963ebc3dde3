"""Plan a network for semi-auto / auto parallel: capture, strategies, layouts, costs.

1. `capture` traces the network's forward at global shapes into an IR graph (parameters as
   inputs, parameters it changes as extra outputs) and records which nodes each sharded
   op instance (`ops.MatMul().shard(...)`) emitted.
2. A `Problem` is that graph on one device matrix: a rule per node (rules.py), the edges
   between nodes (a node's output feeding another's input; a parameter's later uses tied to
   its first use, which decides how it is stored), and the cost model.
3. search.py chooses a strategy per node; `Problem.plan` turns the choice into a
   `ParallelPlan`: every value's layout, the redistributions between producer and
   consumer layouts, parameters' stored layouts, and the predicted costs and bytes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..ir.graph import Graph, Lit, Var
from . import redistribution as R
from .cost_model import CostModel, adjoint, adjoint_bytes, group_size
from .layout import TensorLayout, replicated, to_matrix
from .rules import spec_of
from .strategy import Strategy, check, in_layouts, out_layouts, replicated_strategy


# ---- capture ------------------------------------------------------------------------------------------
@dataclass
class Captured:
    graph: Graph
    n_out: int                  # network outputs (then one output per changed parameter)
    out_struct: Any
    params: dict                # graph input index -> Parameter
    state: list                 # parameters changed by the forward, in output order
    data_inputs: list           # graph input indices of the network's tensor arguments, in order
    annotations: list           # (op instance, arg atoms, first node, end node)
    names: dict = field(default_factory=dict)  # id(op instance) -> attribute path in the network


def capture(network: Any, avals: Sequence[tuple], name: str = "parallel") -> Captured:
    """Trace `network(*args)` with symbolic arguments of the given (shape, dtype)s."""
    from ..core.graph_trace import GraphTrace, run_traced
    from ..core.pytree import flatten
    from ..core.tensor import Parameter, Tensor
    from ..core.trace import wrap
    from ..ops.primitive import shard_recording
    t = GraphTrace(name)
    sym = [t.symbolic(tuple(s), d, f"arg{i}") for i, (s, d) in enumerate(avals)]
    calls: list = []
    try:
        with shard_recording(calls):
            out = run_traced(t, network, tuple(sym))
        leaves: list = []
        struct = flatten(out, leaves)
        state = [p for p, _ in t.mutated.values()]
        graph = t.graph(leaves + [wrap(p._data) for p in state])
    finally:
        for p, original in t.mutated.values():
            p._data, p._node, p._idx = original, None, 0
    index = {id(v): k for k, v in enumerate(graph.inputs)}
    params = {index[id(var)]: p for p, var, _ in t.params.values()}
    data = [index[id(s._data)] for s in sym]
    annotations = []
    for op, args, start, end in calls:
        atoms = []
        for a in args:
            if isinstance(a, Parameter) and id(a) in t.params:
                atoms.append(t.params[id(a)][1])
            elif isinstance(a, Tensor) and isinstance(a._data, Var):
                atoms.append(a._data)
            elif isinstance(a, Tensor):
                atoms.append(Lit(a._data))
            else:
                atoms.append(None)  # a Python value: not sharded
        annotations.append((op, atoms, start, end))
    names = {}
    for path, cell in network.cells_and_names():
        if getattr(cell, "in_strategy", None) is not None:
            names[id(cell)] = path or type(cell).__name__
        for attr, v in vars(cell).items():
            if getattr(v, "in_strategy", None) is not None:
                names.setdefault(id(v), f"{path}.{attr}" if path else attr)
    return Captured(graph, len(leaves), struct, params, state, data, annotations, names)


# ---- user strategies ----------------------------------------------------------------------------------
class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, x: Any) -> Any:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def op_label(op: Any, names: dict) -> str:
    path = names.get(id(op))
    kind = getattr(op, "name", type(op).__name__)
    return f"{kind} ({path})" if path else kind


def group_input_layouts(op: Any, atoms: list, nodes: list, specs: list, first: int, end: int, device_num: int,
                        label: str) -> dict:
    """Layouts (on the op's own device matrix) that `op.in_strategy` gives its tensor inputs:
    {id(var or Lit): TensorLayout}. Raises ValueError naming the op, input and dimension."""
    from .layout import TensorLayoutSpec
    strategy = op.in_strategy
    if hasattr(op, "cells_and_names"):  # Cell.shard: each input's layout on its own device matrix
        return _cell_input_layouts(op, atoms, device_num, label)
    tensors = [(i, a) for i, a in enumerate(atoms) if a is not None]
    if not isinstance(strategy, tuple) or len(strategy) != len(tensors):
        n = len(strategy) if isinstance(strategy, tuple) else strategy
        raise ValueError(f"{label}: in_strategy has {n} entries but the op has {len(tensors)} tensor inputs; give "
                         f"one tuple per input")
    shapes = []
    for k, ((_, a), s) in enumerate(zip(tensors, strategy)):
        shape = a.shape if isinstance(a, Var) else tuple(np.shape(a.value))
        shapes.append(shape)
        if isinstance(s, TensorLayoutSpec):
            if len(s.layout.tensor_map) != len(shape):
                raise ValueError(f"{label}: the layout of input {k} has {len(s.layout.tensor_map)} dimensions but the "
                                 f"input has {len(shape)} (shape {list(shape)})")
            if s.layout.device_num != device_num:
                raise ValueError(f"{label}: the layout of input {k} covers {s.layout.device_num} devices but "
                                 f"device_num is {device_num}")
            continue
        if not isinstance(s, tuple) or len(s) != len(shape):
            raise ValueError(f"{label}: strategy {s!r} of input {k} must have one split per dimension of its shape "
                             f"{list(shape)} ({len(shape)} values)")
        for d, v in enumerate(s):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{label}: input {k} dimension {d}: split {v!r} must be a positive int")
            if shape[d] % v:
                raise ValueError(f"{label}: input {k} dimension {d} of size {shape[d]} is not divisible by its split "
                                 f"{v}")
        if device_num % math.prod(s):
            raise ValueError(f"{label}: the splits {s} of input {k} multiply to {math.prod(s)}, which does not divide "
                             f"device_num {device_num}")
    if all(isinstance(s, TensorLayoutSpec) for s in strategy):
        return {id(a): s.layout for (_, a), s in zip(tensors, strategy)}
    if any(isinstance(s, TensorLayoutSpec) for s in strategy):
        raise ValueError(f"{label}: in_strategy mixes Layout objects and split tuples; use one kind")
    # which input dimensions are the same dimension of the op (a contraction, a batch dim ...)
    uf = _UnionFind()
    key_of_var: dict = {}
    for k, (_, a) in enumerate(tensors):
        for d in range(len(shapes[k])):
            uf.find(("in", k, d))
        key_of_var.setdefault(id(a), k)
    produced: dict = {}
    for n in range(first, end):
        node, spec = nodes[n], specs[n]
        reps: dict = {}
        for i, (a, labels) in enumerate(zip(node.inputs, spec.in_labels)):
            if labels is None:
                continue
            for d, lb in enumerate(labels):
                if lb is None:
                    continue
                if isinstance(a, Var) and id(a) in produced:
                    key = produced[id(a)] + (d,)
                elif id(a) in key_of_var:
                    key = ("in", key_of_var[id(a)], d)
                else:
                    continue
                if lb in reps:
                    uf.union(reps[lb], key)
                else:
                    reps[lb] = key
        for o, (var, labels) in enumerate(zip(node.outs, spec.out_labels)):
            produced[id(var)] = ("out", n, o)
            for d, lb in enumerate(labels):
                if lb in reps:
                    uf.union(reps[lb], ("out", n, o, d))
    splits: dict = {}
    order: list = []
    for k, s in enumerate(strategy):
        for d, v in enumerate(s):
            r = uf.find(("in", k, d))
            if r not in splits:
                splits[r] = v
                order.append(r)
            elif splits[r] != v:
                first_k, first_d = next((kk, dd) for kk, ss in enumerate(strategy) for dd in range(len(ss))
                                        if uf.find(("in", kk, dd)) == r)
                raise ValueError(f"{label}: input {k} dimension {d} is split {v} ways but it is the same dimension of "
                                 f"the op as input {first_k} dimension {first_d}, split {splits[r]} ways (e.g. a "
                                 f"matmul's contraction); give both the same split")
    order = [r for r in order if splits[r] > 1]
    used = math.prod(splits[r] for r in order)
    if device_num % used:
        raise ValueError(f"{label}: the strategy {strategy} uses {used} devices, which does not divide device_num "
                         f"{device_num}")
    dev = (device_num // used,) + tuple(splits[r] for r in order)
    out = {}
    for k, ((_, a), s) in enumerate(zip(tensors, strategy)):
        tmap = tuple((1 + order.index(uf.find(("in", k, d))),) if v > 1 else () for d, v in enumerate(s))
        out[id(a)] = TensorLayout(dev, tmap)
    return out


def _cell_input_layouts(cell: Any, atoms: list, device_num: int, label: str) -> dict:
    from .layout import TensorLayoutSpec
    out = {}
    for k, (a, s) in enumerate(zip(atoms, cell.in_strategy)):
        shape = a.shape if isinstance(a, Var) else tuple(np.shape(a.value))
        if isinstance(s, TensorLayoutSpec):
            lay = s.layout
        else:
            if len(s) != len(shape):
                raise ValueError(f"{label}: strategy {s!r} of input {k} must have one split per dimension of its "
                                 f"shape {list(shape)} ({len(shape)} values)")
            used = math.prod(s)
            if device_num % used:
                raise ValueError(f"{label}: the splits {s} of input {k} multiply to {used}, which does not divide "
                                 f"device_num {device_num}")
            tmap = tuple((d + 1,) if v > 1 else () for d, v in enumerate(s))
            lay = TensorLayout((device_num // used,) + tuple(s), tmap)
        for d, (n, k_) in enumerate(zip(shape, lay.splits())):
            if n % k_:
                raise ValueError(f"{label}: input {k} dimension {d} of size {n} is not divisible by its split {k_}")
        out[id(a)] = lay
    return out


# ---- the problem ----------------------------------------------------------------------------------------
@dataclass
class Edge:
    src: tuple      # ("node", u, k) | ("param", u, i): the first use of a parameter
    dst: tuple      # (v, i)
    var: Var


class Problem:
    """One captured graph on one device matrix `dm`, ready for the search."""

    def __init__(self, cap: Captured, dm: tuple, data_layouts: Sequence[TensorLayout], cost: CostModel,
                 fixed: dict | None = None) -> None:
        self.cap, self.graph, self.dm = cap, cap.graph, tuple(dm)
        self.n = math.prod(self.dm)
        self.cost = cost
        g = self.graph
        for node in g.nodes:
            if not node.prim.is_pure:  # a random op: each rank would draw its own numbers
                raise ValueError(f"parallel plan: {node.prim.name} (at {node.loc or 'the network'}) draws random "
                                 f"numbers, which the ranks of a sharded network would draw differently; set dropout "
                                 f"rates to 0 or train with DATA_PARALLEL")
        self.specs: list = [spec_of(node) for node in g.nodes]
        self.input_index = {id(v): k for k, v in enumerate(g.inputs)}
        self.producer: dict = {}
        for u, node in enumerate(g.nodes):
            for k, o in enumerate(node.outs):
                self.producer[id(o)] = (u, k)
        self.data_layout = {cap.data_inputs[k]: to_matrix(lay, self.dm) for k, lay in enumerate(data_layouts)}
        self.active = [v for v, node in enumerate(g.nodes) if any(isinstance(a, Var) for a in node.inputs)]
        active = set(self.active)
        self.fixed = dict(fixed or {})
        self.param_first: dict = {}
        self.edges: list = []
        self.unary_inputs: list = []   # (v, i, var, fixed layout) inputs with a fixed layout
        for v in self.active:
            for i, a in enumerate(g.nodes[v].inputs):
                if not isinstance(a, Var) or self.specs[v].in_labels[i] is None:
                    continue
                if id(a) in self.producer:
                    u, k = self.producer[id(a)]
                    if u in active:
                        self.edges.append(Edge(("node", u, k), (v, i), a))
                    else:
                        self.unary_inputs.append((v, i, a, replicated(len(a.shape), self.dm)))
                else:
                    gi = self.input_index[id(a)]
                    if gi in cap.params:
                        if gi not in self.param_first:
                            self.param_first[gi] = (v, i)
                        else:
                            u, j = self.param_first[gi]
                            self.edges.append(Edge(("param", u, j), (v, i), a))
                    else:
                        self.unary_inputs.append((v, i, a, self.data_layout.get(gi, replicated(len(a.shape), self.dm))))
        # outputs: network outputs end replicated; changed parameters go back to their stored layout
        self.out_uses: list = []   # (u, k, var, kind, param input index)
        for j, o in enumerate(g.outputs):
            if isinstance(o, Var) and id(o) in self.producer and self.producer[id(o)][0] in active:
                u, k = self.producer[id(o)]
                if j < cap.n_out:
                    self.out_uses.append((u, k, o, "out", None))
                else:
                    p = cap.state[j - cap.n_out]
                    gi = next(i for i, q in cap.params.items() if q is p)
                    self.out_uses.append((u, k, o, "state", gi))
        self._redis: dict = {}
        self._cands: dict = {}
        self._grad_vars = self._differentiated()

    # ---- which values get gradients (their redistributions have a backward) ----------------------------
    def _differentiated(self) -> set:
        g = self.graph
        needs: set = set()
        for gi, p in self.cap.params.items():
            if getattr(p, "requires_grad", False) and g.inputs[gi].dtype.kind in "fc":
                needs.add(id(g.inputs[gi]))
        for node in g.nodes:
            if node.prim.bprop is not None and any(isinstance(a, Var) and id(a) in needs for a in node.inputs):
                needs.update(id(o) for o in node.outs if o.dtype.kind in "fcV")
        reach: set = {id(o) for o in g.outputs[:self.cap.n_out] if isinstance(o, Var)}
        for node in reversed(g.nodes):
            if node.prim.bprop is not None and any(id(o) in reach for o in node.outs):
                reach.update(id(a) for a in node.inputs if isinstance(a, Var))
        return needs & reach

    # ---- costs ----------------------------------------------------------------------------------------------
    def redistribution(self, var: Var, src: TensorLayout, dst: TensorLayout) -> tuple:
        """(steps, device matrix, forward+backward time) from src to dst (dst without pending sums)."""
        key = (var.shape, var.dtype.str, src, dst, id(var) in self._grad_vars)
        hit = self._redis.get(key)
        if hit is None:
            steps = R.plan(var.shape, var.dtype, src, dst)
            dm = R.dev_matrix_of(src, dst)
            t = 0.0
            probe = TensorLayout(dm, ())
            for st in steps:
                grp = probe.group(0, st.axes)
                t += self.cost.collective(st.kind, grp, st.nbytes)
                if id(var) in self._grad_vars:
                    t += self.cost.collective(adjoint(st.kind), grp, adjoint_bytes(st.kind, st.nbytes, len(grp)))
            hit = self._redis[key] = (steps, dm, t)
        return hit

    def consumer_layout(self, v: int, i: int, st: Strategy) -> TensorLayout:
        lay = in_layouts(self.specs[v], st, self.dm)[i]
        return lay

    def stored_layout(self, v: int, i: int, st: Strategy) -> TensorLayout:
        lay = self.consumer_layout(v, i, st)
        return TensorLayout(lay.dev_matrix, lay.tensor_map)

    def node_cost(self, v: int, st: Strategy) -> tuple:
        """(time, memory) of node v under st, including its fixed-layout inputs, the
        parameters it stores and its outputs' final redistributions."""
        spec, node = self.specs[v], self.graph.nodes[v]
        outs = out_layouts(spec, st, self.dm)
        shards = 1
        for _, ax in st.assign:
            shards *= group_size(self.dm, ax)
        time = self.cost.compute(spec.flops, shards)
        for kind, grp, nbytes in self.sync_calls(v, st, 0):
            time += self.cost.collective(kind, grp, nbytes)
        mem = 0.0
        for o, lay in zip(node.outs, outs):
            mem += math.prod(lay.local_shape(o.shape)) * o.dtype.itemsize
        ins = in_layouts(spec, st, self.dm)
        for (vv, i, var, lay) in self.unary_inputs:
            if vv == v:
                time += self.redistribution(var, lay, _plain(ins[i]))[2] if not ins[i].partial else math.inf
        for gi, (u, i) in self.param_first.items():
            if u != v:
                continue
            if ins[i].partial:
                return math.inf, math.inf
            var = self.graph.inputs[gi]
            local = math.prod(ins[i].local_shape(var.shape)) * var.dtype.itemsize
            p = self.cap.params[gi]
            trainable = getattr(p, "requires_grad", False) and id(var) in self._grad_vars
            mem += local * ((2 + self.cost.state_factor) if trainable else 1)
            if trainable:
                replicas = self.n // math.prod(ins[i].splits())
                if replicas > 1:
                    grp = TensorLayout(self.dm, ins[i].tensor_map).group(0, _replica_axes(ins[i]))
                    time += self.cost.collective("all_reduce", grp, local)
        for (u, k, var, kind, gi) in self.out_uses:
            if u != v or kind != "out":
                continue
            time += self.redistribution(var, outs[k], replicated(len(var.shape), self.dm))[2]
        return time, mem

    def sync_calls(self, v: int, st: Strategy, rank: int, training: bool = True) -> list:
        """The all-reduces of a synchronised batch norm whose batch `st` splits: the per-channel
        sum and sum of squares, and in a training step their adjoints."""
        spec = self.specs[v]
        axes = tuple(a for lb in spec.sync for a in st.axes(lb))
        if not axes:
            return []
        x = self.graph.nodes[v].inputs[0]
        c_label = spec.in_labels[0][1]
        channels = x.shape[1] // group_size(self.dm, st.axes(c_label))
        grp = TensorLayout(self.dm, ()).group(rank, axes)
        calls = [("all_reduce", grp, channels * x.dtype.itemsize)] * 2
        if training and id(x) in self._grad_vars:
            calls = calls * 2
        return calls

    def edge_cost(self, e: Edge, su: Strategy, sv: Strategy) -> float:
        kind, u, k = e.src
        if kind == "node":
            src = out_layouts(self.specs[u], su, self.dm)[k]
        else:
            src = self.stored_layout(u, k, su)
        v, i = e.dst
        dst = self.consumer_layout(v, i, sv)
        if dst.partial:
            if src.partial == dst.partial and _plain(src) == _plain(dst):
                return 0.0
            return math.inf
        return self.redistribution(e.var, src, dst)[2]

    def state_cost(self, u: int, k: int, var: Var, gi: int, su: Strategy, sfirst: Strategy) -> float:
        src = out_layouts(self.specs[u], su, self.dm)[k]
        v, i = self.param_first[gi]
        return self.redistribution(var, src, self.stored_layout(v, i, sfirst))[2]

    # ---- candidates -------------------------------------------------------------------------------------------
    def candidates(self, v: int, groups: Sequence[tuple]) -> list:
        if v in self.fixed:
            return [self.fixed[v]]
        key = (v, tuple(groups))
        hit = self._cands.get(key)
        if hit is None:
            from .strategy import candidates
            hit = candidates(self.specs[v], groups, self.dm, len(self.graph.nodes[v].inputs))
            hit = hit or [replicated_strategy(len(self.graph.nodes[v].inputs))]
            self._cands[key] = hit
        return hit

    # ---- the plan -----------------------------------------------------------------------------------------------
    def plan(self, choice: dict, search: str = "", searched_seconds: float = 0.0) -> "ParallelPlan":
        return ParallelPlan(self, choice, search, searched_seconds)


def _plain(lay: TensorLayout) -> TensorLayout:
    return TensorLayout(lay.dev_matrix, lay.tensor_map)


def _replica_axes(lay: TensorLayout) -> tuple:
    used = lay.used_axes()
    return tuple(a for a in range(len(lay.dev_matrix)) if a not in used and lay.dev_matrix[a] > 1)


# ---- the plan ----------------------------------------------------------------------------------------------
@dataclass
class Transfer:
    """One redistribution the local program performs."""
    var: Var
    src: TensorLayout
    dst: TensorLayout
    steps: list
    dm: tuple
    backward: bool     # the value gets a gradient, so the adjoint collectives run too


class ParallelPlan:
    """The chosen strategies and everything that follows from them."""

    def __init__(self, prob: Problem, choice: dict, search: str, seconds: float) -> None:
        self.problem = prob
        self.graph, self.dm, self.device_num = prob.graph, prob.dm, prob.n
        self.search, self.search_seconds = search, seconds
        g = self.graph
        n_in = [len(node.inputs) for node in g.nodes]
        self.strategies: list = [choice.get(v, replicated_strategy(n_in[v])) if v in set(prob.active)
                                 else replicated_strategy(n_in[v]) for v in range(len(g.nodes))]
        for v in prob.active:
            why = check(prob.specs[v], self.strategies[v], self.dm)
            if why is not None:
                raise RuntimeError(f"parallel plan: node {v} ({g.nodes[v].prim.name}) got an invalid strategy: {why}")
        self.in_layouts = [in_layouts(prob.specs[v], s, self.dm) for v, s in enumerate(self.strategies)]
        self.out_layouts = [out_layouts(prob.specs[v], s, self.dm) for v, s in enumerate(self.strategies)]
        self.var_layout: dict = {}
        for v, node in enumerate(g.nodes):
            for o, lay in zip(node.outs, self.out_layouts[v]):
                self.var_layout[id(o)] = lay
        self.param_layout: dict = {}
        for gi in prob.cap.params:
            if gi in prob.param_first:
                v, i = prob.param_first[gi]
                self.param_layout[gi] = _plain(self.in_layouts[v][i])
            else:
                self.param_layout[gi] = replicated(len(g.inputs[gi].shape), self.dm)
        for gi, lay in self.param_layout.items():
            self.var_layout[id(g.inputs[gi])] = lay
        for gi, lay in prob.data_layout.items():
            self.var_layout[id(g.inputs[gi])] = lay
        # transfers, one per (value, destination layout), in program order
        self.transfers: dict = {}
        self.node_inputs: list = []
        for v, node in enumerate(g.nodes):
            row = []
            for i, a in enumerate(node.inputs):
                if isinstance(a, Var) and self.in_layouts[v][i] is not None:
                    row.append(self._transfer(a, self.in_layouts[v][i]))
                else:
                    row.append(None)
            self.node_inputs.append(row)
        self.output_transfers = []
        for j, o in enumerate(g.outputs):
            if not isinstance(o, Var):
                self.output_transfers.append(None)
            elif j < prob.cap.n_out:
                self.output_transfers.append(self._transfer(o, replicated(len(o.shape), self.dm)))
            else:
                p = prob.cap.state[j - prob.cap.n_out]
                gi = next(i for i, q in prob.cap.params.items() if q is p)
                self.output_transfers.append(self._transfer(o, self.param_layout[gi]))
        self.time, self.memory = self._totals()

    def _transfer(self, var: Var, dst: TensorLayout) -> Transfer | None:
        src = self.var_layout.get(id(var))
        if src is None:
            src = replicated(len(var.shape), self.dm)
        key = (id(var), dst)
        t = self.transfers.get(key)
        if t is None:
            if dst.partial:  # a linear input keeps the producer's pending sum
                if dst.partial != src.partial:
                    raise RuntimeError(f"parallel plan: {var} has pending sums over {sorted(src.partial)} but its "
                                       f"consumer expects {sorted(dst.partial)}")
                steps = R.plan(var.shape, var.dtype, _plain(src), _plain(dst))
                dm = R.dev_matrix_of(_plain(src), _plain(dst))
            else:
                steps = R.plan(var.shape, var.dtype, src, dst)
                dm = R.dev_matrix_of(src, dst)
            t = self.transfers[key] = Transfer(var, src, dst, steps, dm, id(var) in self.problem._grad_vars)
        return t

    def _totals(self) -> tuple:
        prob = self.problem
        time = mem = 0.0
        for v in prob.active:
            t, m = prob.node_cost(v, self.strategies[v])
            time, mem = time + t, mem + m
        for e in prob.edges:
            time += prob.edge_cost(e, self.strategies[e.src[1]], self.strategies[e.dst[0]])
        for (u, k, var, kind, gi) in prob.out_uses:
            if kind == "state":
                time += prob.state_cost(u, k, var, gi, self.strategies[u], self.strategies[prob.param_first[gi][0]])
        return time, mem

    # ---- bytes -------------------------------------------------------------------------------------------------
    def predicted_calls(self, rank: int = 0, training: bool = True) -> list:
        """(op, group, bytes) of every collective this rank makes in one forward (and, with
        `training`, backward) pass, in no particular order."""
        calls = []
        for t in self.transfers.values():
            probe = TensorLayout(t.dm, ())
            for st in t.steps:
                if st.kind == "slice":
                    continue
                grp = probe.group(rank, st.axes)
                calls.append((st.kind, grp, st.nbytes))
                if training and t.backward and len(grp) > 1:
                    calls.append((adjoint(st.kind), grp, adjoint_bytes(st.kind, st.nbytes, len(grp))))
        for v in self.problem.active:
            calls += self.problem.sync_calls(v, self.strategies[v], rank, training)
        if training:
            for gi, lay in self.param_layout.items():
                var = self.graph.inputs[gi]
                p = self.problem.cap.params[gi]
                if not (getattr(p, "requires_grad", False) and id(var) in self.problem._grad_vars):
                    continue
                axes = _replica_axes(lay)
                if axes:
                    grp = lay.group(rank, axes)
                    calls.append(("all_reduce", grp, math.prod(lay.local_shape(var.shape)) * var.dtype.itemsize))
        return calls

    def predicted_bytes(self, rank: int = 0, training: bool = True) -> int:
        return sum(b for _, _, b in self.predicted_calls(rank, training))

    # ---- strategies in MindSpore's form -------------------------------------------------------------------------
    def node_strategy(self, v: int) -> tuple:
        """Per input of node v: the number of slices of each dimension (MindSpore's in_strategy)."""
        out = []
        for a, lay in zip(self.graph.nodes[v].inputs, self.in_layouts[v]):
            if lay is None or not isinstance(a, (Var, Lit)):
                continue
            out.append(tuple(int(s) for s in lay.splits()))
        return tuple(out)

    def summary(self) -> str:
        lines = [f"parallel plan on device matrix {list(self.dm)} ({self.search}): predicted step "
                 f"{self.time * 1e3:.3f} ms, {self.memory / 2 ** 20:.1f} MiB per device, "
                 f"{self.predicted_bytes()} bytes communicated per step by rank 0"]
        for v, node in enumerate(self.graph.nodes):
            if v in set(self.problem.active):
                lines.append(f"  {v:4d} {node.prim.name:14s} {self.strategies[v]}  {node.loc}")
        return "\n".join(lines)


def dataset_layouts(avals: Sequence[tuple], dataset_strategy: Any, device_num: int) -> list:
    """Layouts of the network's inputs, from one rank's input shapes: batch split over every
    device ('data_parallel'), whole on every device ('full_batch'), or MindSpore's tuple of
    split tuples."""
    out = []
    for k, (shape, _) in enumerate(avals):
        if dataset_strategy == "full_batch" or len(shape) == 0:
            out.append(replicated(len(shape), (device_num,)))
        elif dataset_strategy == "data_parallel":  # `shape` is a rank's share: the global batch is n times it
            out.append(TensorLayout((device_num,), ((0,),) + ((),) * (len(shape) - 1)))
        else:
            if k >= len(dataset_strategy) or len(dataset_strategy[k]) != len(shape):
                raise ValueError(f"dataset_strategy {dataset_strategy}: input {k} of shape {list(shape)} needs one "
                                 f"split per dimension")
            s = dataset_strategy[k]
            used = math.prod(s)
            if device_num % used:
                raise ValueError(f"dataset_strategy: the splits {s} of input {k} do not divide device_num {device_num}")
            dev = (device_num // used,) + tuple(s)
            out.append(TensorLayout(dev, tuple((d + 1,) if v > 1 else () for d, v in enumerate(s))))
    return out


def global_avals(local: Sequence[Any], layouts: Sequence[TensorLayout]) -> list:
    """Global (shape, dtype) of inputs whose local shards have the given shapes."""
    out = []
    for x, lay in zip(local, layouts):
        shape = tuple(int(s) * k for s, k in zip(x.shape, lay.splits()))
        out.append((shape, np.dtype(getattr(x, "dtype", np.float32) if not hasattr(x, "_data") else x._data.dtype)))
    return out
