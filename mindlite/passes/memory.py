"""Memory planning: liveness-based buffer slots, recorded on the graph (not executed).

`plan_memory(g)` returns a copy of g whose `memory_plan` field is a `MemoryPlan`:
  * every node output gets a slot; values whose lifetimes do not overlap share a slot (the
    slot grows to the largest value it holds), so `planned_bytes` is the arena size;
  * nodes whose primitive has an `impl_out` entry (outimpl.py) and whose result does not
    escape the graph get an `OutSpec`: the executor calls `impl_out(..., out=buffer)` with a
    buffer carved from their slot, allocated once per compiled graph and thread; a chain of
    such nodes each reading its predecessor for the last time shares one buffer, updated in
    place (`t = add(x, y, out=t); t = maximum(t, 0, out=t)`).

Lifetimes are alias-aware: a primitive without an `impl_out` entry may return a view of an
operand (reshape, transpose, cast(copy=False), a branch returning its input ...), so its
outputs keep its operands' buffers alive; a value that may alias a graph output is never
given a reused buffer (the caller would see it overwritten by the next call).
The plan is tied to the exact Graph object it annotates: any later pass builds a new Graph
without it, so a plan can never go stale.
"""
from __future__ import annotations

import bisect
from typing import Any

from ..core.dims import Dim, evaluate, typical
from ..ir.graph import Graph, Var, aval_of_atom
from .layout import channels_last_values
from .outimpl import impl_out, returns_fresh, usable
from .rewrite import Builder



class OutSpec:
    """How node i writes its result: into planned buffer `buf`, or into the array of graph
    input `input` (in-place update, see inplace.py); `fn` is the primitive's impl_out."""

    __slots__ = ("buf", "fn", "input")

    def __init__(self, fn: Any, buf: int | None = None, input: int | None = None) -> None:
        self.fn, self.buf, self.input = fn, buf, input

    def __repr__(self) -> str:
        return f"OutSpec(buf={self.buf})" if self.input is None else f"OutSpec(input={self.input})"


class MemoryPlan:
    """slots: node index -> slot per output; buffers: (slot, shape, dtype) per OutSpec buffer;
    channels_last: the buffers whose values will be channels-last on numpy (layout.py), to be
    allocated with NHWC memory; raw_bytes: bytes to allocate per slot for those buffers;
    sized_bytes: per slot, the sizes (expressions of run-time sizes, core/dims.py) of its
    buffers whose shapes hold run-time sizes, so a slot is as large as the largest of them
    for the sizes of a call (`bytes_for`); report: the numbers."""

    def __init__(self) -> None:
        self.slots: dict[int, tuple] = {}
        self.outs: dict[int, OutSpec] = {}
        self.buffers: list[tuple] = []
        self.channels_last: set[int] = set()
        self.raw_bytes: dict[int, int] = {}
        self.sized_bytes: dict[int, list] = {}
        self.report: dict[str, int] = {}

    def bytes_for(self, env: dict) -> dict[int, int]:
        """Bytes per slot for the run-time sizes `env`."""
        out = dict(self.raw_bytes)
        for s, sizes in self.sized_bytes.items():
            out[s] = max([out.get(s, 0)] + [evaluate(n, env) for n in sizes])
        return out

    def copy(self) -> MemoryPlan:
        p = MemoryPlan()
        p.slots, p.outs, p.buffers = dict(self.slots), dict(self.outs), list(self.buffers)
        p.channels_last = set(self.channels_last)
        p.raw_bytes, p.report = dict(self.raw_bytes), dict(self.report)
        p.sized_bytes = {s: list(v) for s, v in self.sized_bytes.items()}
        return p


def memory_plan(g: Graph) -> MemoryPlan | None:
    """The plan recorded on g by plan_memory (None if g was not planned)."""
    return g.memory_plan


def plannable(v: Var) -> bool:
    """A value that can live in a planned buffer: an array whose sizes are ints or run-time
    sizes (a -1, a loop's stacked iterations, is known only after the value exists)."""
    return v.dtype != object and not v.unsized


def fresh(n: Any) -> bool:
    """The node's outputs never alias its operands (outimpl.returns_fresh)."""
    return returns_fresh(n)


def last_uses(g: Graph) -> dict[int, int]:
    """Var id -> index of the last node reading it; graph outputs live to len(g.nodes)."""
    last: dict[int, int] = {}
    for i, n in enumerate(g.nodes):
        for o in n.outs:
            last.setdefault(id(o), i)
        for a in n.inputs:
            if isinstance(a, Var):
                last[id(a)] = i
    for a in g.outputs:
        if isinstance(a, Var):
            last[id(a)] = len(g.nodes)
    return last


def _out_candidates(g: Graph) -> set[int]:
    """Nodes that may write into a reused buffer: an impl_out entry computing in the node's
    dtype, one output, and no path to a graph output through possibly-aliasing nodes."""
    esc = {id(a) for a in g.outputs if isinstance(a, Var)}
    cands: set[int] = set()
    for i in reversed(range(len(g.nodes))):
        n = g.nodes[i]
        escapes = any(id(o) in esc for o in n.outs)
        if fresh(n):
            ops = tuple(aval_of_atom(a) for a in n.inputs)
            if not escapes and len(n.outs) == 1 and plannable(n.outs[0]) and usable(n.prim, ops, n.outs[0]):
                cands.add(i)
        elif escapes:
            esc.update(id(a) for a in n.inputs if isinstance(a, Var))
    return cands


def alias_ends(g: Graph) -> dict[int, int]:
    """Var id -> the last node index at which its buffer may still be read (through views)."""
    end = last_uses(g)
    for n in reversed(g.nodes):
        if fresh(n):
            continue
        out_end = max((end[id(o)] for o in n.outs), default=-1)
        for a in n.inputs:
            if isinstance(a, Var) and end.get(id(a), -1) < out_end:
                end[id(a)] = out_end
    return end


def _in_place_chains(g: Graph, cands: set[int], end: dict[int, int]) -> dict[int, int]:
    """Candidate node -> the first node of its chain. A candidate continues the chain of an
    operand made by a candidate when that operand has its shape and dtype and is read for
    the last time (views included) by this node: it then writes into the operand's own
    buffer, `add(t, y, out=t)` (exact overlap, which impl_out entries allow)."""
    made = {id(g.nodes[i].outs[0]): i for i in cands}
    head: dict[int, int] = {}
    tail: dict[int, int] = {}
    for i in sorted(cands):
        o = g.nodes[i].outs[0]
        head[i] = i
        for a in g.nodes[i].inputs:
            j = made.get(id(a)) if isinstance(a, Var) else None
            if j is not None and end[id(a)] == i and a.shape == o.shape and a.dtype == o.dtype \
                    and tail[head[j]] == j:
                head[i] = head[j]
                break
        tail[head[i]] = i
    return head


def _values(g: Graph, end: dict[int, int], head: dict[int, int]) -> list[tuple[int, int, int, int]]:
    """(nbytes, defining node, output index, last node it is alive at) per value to place;
    an in-place chain is one value that lives from its first node to its last one's end. A
    value with run-time sizes weighs its typical size: sizes order the placement only, slots
    are sized per call (MemoryPlan.bytes_for)."""
    chain_end = {h: end[id(g.nodes[i].outs[0])] for i, h in sorted(head.items())}
    return [(typical(o.nbytes), i, k, chain_end[i] if i in chain_end else end.get(id(o), i))
            for i, n in enumerate(g.nodes) if head.get(i, i) == i
            for k, o in enumerate(n.outs) if plannable(o)]


def _assign_slots(g: Graph, end: dict[int, int], head: dict[int, int]) -> tuple[dict[int, tuple], list[int]]:
    """Greedy by size [TFLite's arena planner]: values (an in-place chain counts as one)
    from largest to smallest each take the smallest slot none of whose values' lifetimes
    (definition to alias-aware last use) overlaps its own, else a new slot. Placing large
    values first keeps big slots from being split among small ones, so the arena stays
    near the liveness peak."""
    values = sorted(_values(g, end, head), key=lambda v: (-v[0], v[1], v[2]))
    sizes: list[int] = []
    starts: list[list[int]] = []  # slot -> starts of its values' lifetimes, sorted (they never overlap,
    ends: list[list[int]] = []    # so their ends are sorted too)
    where: dict[tuple[int, int], int] = {}
    for nbytes, i, k, e in values:
        best = None
        for s in range(len(sizes)):
            if best is not None and sizes[s] >= sizes[best]:
                continue
            j = bisect.bisect_right(starts[s], e) - 1  # the last value starting before we end
            if j < 0 or ends[s][j] < i:
                best = s
        if best is None:
            best = len(sizes)
            sizes.append(nbytes)
            starts.append([])
            ends.append([])
        j = bisect.bisect_right(starts[best], i)
        starts[best].insert(j, i)
        ends[best].insert(j, e)
        where[(i, k)] = best
    slots = {i: tuple(where.get((head.get(i, i), k)) for k in range(len(n.outs))) for i, n in enumerate(g.nodes)}
    return slots, sizes


def _peak_live(values: list[tuple[int, int, int, int]], n_nodes: int) -> int:
    delta = [0] * (n_nodes + 2)
    for nbytes, i, _, e in values:
        delta[i] += nbytes
        delta[min(e, n_nodes) + 1] -= nbytes
    peak = live = 0
    for d in delta:
        live += d
        peak = max(peak, live)
    return peak


def plan_graph(g: Graph) -> MemoryPlan:
    """Compute the plan of one graph (its subgraphs are planned by plan_memory)."""
    plan = MemoryPlan()
    end = alias_ends(g)
    head = _in_place_chains(g, _out_candidates(g), end)
    plan.slots, sizes = _assign_slots(g, end, head)
    buf_of: dict[int, int] = {}  # chain head -> buffer: a chain passes one array object along
    cl = channels_last_values(g) if head else set()
    for i, h in sorted(head.items()):
        n, slot = g.nodes[i], plan.slots[i][0]
        if h not in buf_of:
            buf_of[h] = len(plan.buffers)
            if id(n.outs[0]) in cl:
                plan.channels_last.add(len(plan.buffers))
            plan.buffers.append((slot, n.outs[0].shape, n.outs[0].dtype))
            nbytes = n.outs[0].nbytes
            if isinstance(nbytes, Dim):
                plan.sized_bytes.setdefault(slot, []).append(nbytes)
            else:
                plan.raw_bytes[slot] = max(plan.raw_bytes.get(slot, 0), nbytes)
        plan.outs[i] = OutSpec(impl_out(n.prim), buf=buf_of[h])
    plan.report = {
        "naive_bytes": sum(o.nbytes for n in g.nodes for o in n.outs if o.dtype != object and not o.is_dynamic),
        "dynamic_values": sum(o.is_dynamic for n in g.nodes for o in n.outs),
        "peak_live_bytes": _peak_live(_values(g, end, head), len(g.nodes)),
        "planned_bytes": sum(sizes),
        "slots": len(sizes),
        "out_nodes": len(plan.outs),
        "out_buffer_bytes": sum(plan.raw_bytes.values()),
    }
    return plan


def plan_memory(g: Graph) -> Graph:
    """A copy of g (and of its subgraphs) annotated with a MemoryPlan; g if already planned."""
    if g.memory_plan is not None:
        return g
    b = Builder(g, plan_memory)
    for n in g.nodes:
        b.append(b.prepare(n))
    new = Graph(g.name, g.inputs, b.nodes, g.outputs)
    new.memory_plan = plan_graph(new)
    return new
