"""Strategy search: dynamic programming by graph elimination, sharding propagation, brute force.

`dynamic_programming` minimises  sum of node costs + sum of edge costs  exactly, by
eliminating nodes one at a time (fewest neighbours first): a node's best strategy is
tabulated for every combination of its neighbours' strategies and the node disappears
into a factor on those neighbours. MindSpore's DP eliminations (operator, edge, merge,
contract, triangle, star) are the special cases of one or two neighbours; this is the
general form, so any graph is exact, at a cost exponential only in the neighbourhood
size met while eliminating (small for layer chains with residual branches).

Memory: node memories add up, so the search minimises time + lambda * memory; lambda = 0
unless the best plan does not fit `device_memory_capacity`, then the smallest lambda whose
plan fits is found by bisection (plans over capacity are never returned). If even the
least-memory plan does not fit, the error gives both numbers.

`sharding_propagation` starts from the nodes whose strategies are fixed (user `shard`
calls) and the network's inputs, and gives each neighbouring node the strategy that
takes its decided neighbours' layouts at least cost, breadth first.
"""
from __future__ import annotations

import itertools
import math
import time
from typing import Any, Sequence

import numpy as np

from .planner import Problem, _plain
from .strategy import distinct, follow_inputs, follow_output, out_layouts, replicated_strategy

INF = float("inf")


class _Factor:
    __slots__ = ("vars", "table")

    def __init__(self, vars_: tuple, table: np.ndarray) -> None:
        self.vars, self.table = vars_, table


def _tables(prob: Problem, domains: dict, lam: float) -> tuple:
    """Unary cost vectors and pairwise cost matrices of the search graph."""
    unary = {}
    mem = {}
    for v, dom in domains.items():
        tm = [prob.node_cost(v, s) for s in dom]
        unary[v] = np.array([t + (lam * m if lam else 0.0) for t, m in tm])  # 0 * inf is nan
        mem[v] = np.array([m for _, m in tm])
    pair: dict = {}
    for e in prob.edges:
        u, v = e.src[1], e.dst[0]
        if u == v:
            continue
        m = np.array([[prob.edge_cost(e, su, sv) for sv in domains[v]] for su in domains[u]])
        key = (u, v) if u < v else (v, u)
        m = m if u < v else m.T
        pair[key] = pair[key] + m if key in pair else m
    for (u, k, var, kind, gi) in prob.out_uses:
        if kind != "state":
            continue
        f = prob.param_first[gi][0]
        m = np.array([[prob.state_cost(u, k, var, gi, su, sf) for sf in domains[f]] for su in domains[u]])
        if u == f:
            unary[u] = unary[u] + np.diag(m)
            continue
        key = (u, f) if u < f else (f, u)
        m = m if u < f else m.T
        pair[key] = pair[key] + m if key in pair else m
    return unary, pair, mem


def eliminate(unary: dict, pair: dict) -> dict:
    """Exact minimum of sum(unary) + sum(pair) by variable elimination; returns {var: index}."""
    factors: list = [_Factor((v,), t) for v, t in unary.items()]
    factors += [_Factor(k, t) for k, t in pair.items()]
    remaining = set(unary)
    trail: list = []
    while remaining:
        nb: dict = {v: set() for v in remaining}
        for f in factors:
            for a in f.vars:
                nb[a].update(b for b in f.vars if b != a)
        sizes = {v: len(unary[v]) for v in unary}
        v = min(remaining, key=lambda x: (len(nb[x]), math.prod(sizes[n] for n in nb[x]), x))
        mine = [f for f in factors if v in f.vars]
        factors = [f for f in factors if v not in f.vars]
        scope = tuple(sorted(nb[v]))
        axes = (v,) + scope
        total = np.zeros([sizes[a] for a in axes])
        for f in mine:
            perm = [axes.index(a) for a in f.vars]
            shape = [1] * len(axes)
            for a, s in zip(perm, f.table.shape):
                shape[a] = s
            order = np.argsort(perm)
            total = total + np.transpose(f.table, order).reshape(shape) if len(perm) > 1 else \
                total + f.table.reshape(shape)
        best = np.argmin(total, axis=0)
        factors.append(_Factor(scope, np.min(total, axis=0)))
        trail.append((v, scope, best))
        remaining.discard(v)
    choice: dict = {}
    for v, scope, best in reversed(trail):
        choice[v] = int(best[tuple(choice[s] for s in scope)]) if scope else int(best)
    return choice


def brute_force(unary: dict, pair: dict) -> tuple:
    """(minimum, choice) by trying every combination (tests: graphs of a few nodes)."""
    vs = sorted(unary)
    best, arg = INF, None
    for combo in itertools.product(*[range(len(unary[v])) for v in vs]):
        c = dict(zip(vs, combo))
        total = sum(unary[v][c[v]] for v in vs) + sum(t[c[a], c[b]] for (a, b), t in pair.items())
        if total < best:
            best, arg = total, c
    return best, arg


def objective(unary: dict, pair: dict, c: dict) -> float:
    return float(sum(unary[v][c[v]] for v in unary) + sum(t[c[a], c[b]] for (a, b), t in pair.items()))


def dynamic_programming(prob: Problem, groups: Sequence[tuple]) -> dict:
    """{node: Strategy} minimising the step time within the memory capacity."""
    domains = {v: prob.candidates(v, groups) for v in prob.active}
    unary, pair, mem = _tables(prob, domains, 0.0)
    choice = eliminate(unary, pair)
    used = sum(mem[v][choice[v]] for v in mem)
    cap = prob.cost.capacity
    if used > cap:
        m_unary = {v: mem[v] for v in mem}
        m_pair = {k: np.where(np.isfinite(t), 0.0, INF) for k, t in pair.items()}
        least = eliminate(m_unary, m_pair)
        least_mem = sum(mem[v][least[v]] for v in mem)
        if least_mem > cap:
            raise MemoryError(f"auto parallel: no plan fits device_memory_capacity: the plan using least memory on "
                              f"device matrix {list(prob.dm)} needs {least_mem / 2 ** 20:.1f} MiB per device, the "
                              f"capacity is {cap / 2 ** 20:.1f} MiB "
                              f"(set_cost_model_context(device_memory_capacity=...) or use more devices)")
        lo, hi = 0.0, 1.0
        t_scale = max(float(np.nanmax(np.where(np.isfinite(unary[v]), unary[v], 0))) for v in unary) or 1.0
        hi = t_scale / max(least_mem, 1.0) * 1e3
        best = least
        for _ in range(24):  # bisection on lambda, to about 1e-7 of the starting bracket
            lam = (lo + hi) / 2
            u2 = {v: unary[v] + np.where(np.isfinite(mem[v]), lam * mem[v], np.inf) for v in unary}
            c = eliminate(u2, pair)
            if sum(mem[v][c[v]] for v in mem) <= cap:
                hi, best = lam, c
            else:
                lo = lam
        choice = best
    return {v: domains[v][i] for v, i in choice.items()}


def sharding_propagation(prob: Problem) -> dict:
    """{node: Strategy}: from the fixed nodes and the inputs, in program order (see the module
    notes); nodes that only read parameters (a weight's transpose) are decided last, from
    their consumers, so a weight is stored the way its use wants it."""
    decided: dict = dict(prob.fixed)
    consumers: dict = {}
    producers: dict = {}
    for e in prob.edges:
        consumers.setdefault(e.src[1], []).append(e)
        producers.setdefault(e.dst[0], []).append(e)
    fed = {v for v, *_ in prob.unary_inputs}
    param_only = [v for v in prob.active if v not in fed and
                  all(e.src[0] == "param" for e in producers.get(v, []))]
    late = set(param_only)
    for v in prob.active:
        if v not in decided and v not in late:
            decided[v] = _best_follow(prob, v, decided, producers.get(v, []), consumers.get(v, []))
    for v in reversed(param_only):
        if v not in decided:
            decided[v] = _best_follow(prob, v, decided, producers.get(v, []), consumers.get(v, []))
    return decided


def _best_follow(prob: Problem, v: int, decided: dict, ins: list, outs: list) -> Any:
    spec, node = prob.specs[v], prob.graph.nodes[v]
    n_in = len(node.inputs)
    layouts: list = [None] * n_in
    for e in ins:
        if e.src[1] in decided:
            kind, u, k = e.src
            su = decided[u]
            layouts[e.dst[1]] = out_layouts(prob.specs[u], su, prob.dm)[k] if kind == "node" else \
                prob.stored_layout(u, k, su)
    for (vv, i, var, lay) in prob.unary_inputs:
        if vv == v:
            layouts[i] = lay
    cands = [follow_inputs(spec, layouts, prob.dm, n_in)]
    for i, lay in enumerate(layouts):  # each input alone (its layout may conflict with another's)
        if lay is not None:
            only = [None] * n_in
            only[i] = lay
            cands.append(follow_inputs(spec, only, prob.dm, n_in))
    for e in outs:
        w, i = e.dst
        if w in decided:
            want = prob.consumer_layout(w, i, decided[w])
            if e.src[0] == "node":
                cands.append(follow_output(spec, e.src[2], _plain(want), prob.dm, n_in))
    cands.append(replicated_strategy(n_in))
    best, best_cost = None, INF
    for st in distinct(cands):
        t, _ = prob.node_cost(v, st)
        for e in ins:
            if e.src[1] in decided:
                t += prob.edge_cost(e, decided[e.src[1]], st)
        for e in outs:
            if e.dst[0] in decided:
                t += prob.edge_cost(e, st, decided[e.dst[0]])
        if t < best_cost:
            best, best_cost = st, t
    return best


def logical_meshes(device_num: int) -> list:
    """(device matrix, axis groups) of every two-level arrangement dp x mp of the devices, with
    the model-parallel axis inside (consecutive ranks) or outside."""
    out = []
    for mp in range(1, device_num + 1):
        if device_num % mp:
            continue
        dp = device_num // mp
        if dp == 1 or mp == 1:
            dm = (device_num,)
            if dm not in [m for m, _ in out]:
                out.append((dm, [(0,)]))
            continue
        out.append(((dp, mp), [(0,), (1,)]))   # mp inside a node
        out.append(((mp, dp), [(0,), (1,)]))   # mp across nodes
    return out


def timed(fn: Any, *args: Any) -> tuple:
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start
