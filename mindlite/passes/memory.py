"""Memory planning: liveness-based buffer slots, recorded on the graph (not executed).

`plan_memory(g)` returns a copy of g whose `_cache["memory_plan"]` is a `MemoryPlan`:
  * every node output gets a slot; values whose lifetimes do not overlap share a slot (the
    slot grows to the largest value it holds), so `planned_bytes` is the arena size;
  * nodes whose primitive has an `impl_out` entry (outimpl.py) and whose result does not
    escape the graph get an `OutSpec`: the executor calls `impl_out(..., out=buffer)` with a
    buffer carved from their slot, allocated once per compiled graph and thread.

Lifetimes are alias-aware: a primitive without an `impl_out` entry may return a view of an
operand (reshape, transpose, cast(copy=False), a branch returning its input ...), so its
outputs keep its operands' buffers alive; a value that may alias a graph output is never
given a reused buffer (the caller would see it overwritten by the next call).
The plan is tied to the exact Graph object it annotates: any later pass builds a new Graph
without it, so a plan can never go stale.
"""
from __future__ import annotations

from typing import Any

from ..ir.graph import Graph, Var, aval_of_atom
from .outimpl import impl_out, usable
from .rewrite import Builder

PLAN_KEY = "memory_plan"


class OutSpec:
    """How node i writes its result: into planned buffer `buf`, or into the array of graph
    input `input` (in-place update, see inplace.py); `fn` is the primitive's impl_out."""

    __slots__ = ("fn", "buf", "input")

    def __init__(self, fn: Any, buf: int | None = None, input: int | None = None) -> None:  # noqa: A002
        self.fn, self.buf, self.input = fn, buf, input

    def __repr__(self) -> str:
        return f"OutSpec(buf={self.buf})" if self.input is None else f"OutSpec(input={self.input})"


class MemoryPlan:
    """slots: node index -> slot per output; buffers: (slot, shape, dtype) per OutSpec buffer;
    raw_bytes: bytes to allocate per slot for those buffers; report: the numbers."""

    def __init__(self) -> None:
        self.slots: dict[int, tuple] = {}
        self.outs: dict[int, OutSpec] = {}
        self.buffers: list[tuple] = []
        self.raw_bytes: dict[int, int] = {}
        self.report: dict[str, int] = {}

    def copy(self) -> "MemoryPlan":
        p = MemoryPlan()
        p.slots, p.outs, p.buffers = dict(self.slots), dict(self.outs), list(self.buffers)
        p.raw_bytes, p.report = dict(self.raw_bytes), dict(self.report)
        return p


def memory_plan(g: Graph) -> MemoryPlan | None:
    """The plan recorded on g by plan_memory (None if g was not planned)."""
    return g._cache.get(PLAN_KEY)


def fresh(n: Any) -> bool:
    """The node's outputs never alias its operands (its prim has an impl_out entry: see the
    contract in outimpl.py)."""
    return impl_out(n.prim) is not None


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
            if not escapes and len(n.outs) == 1 and usable(n.prim, ops, n.outs[0]):
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


def _assign_slots(g: Graph, end: dict[int, int]) -> tuple[dict[int, tuple], list[int]]:
    """Greedy best fit in program order: a slot is free once its value's (alias-aware) last
    use is behind us; a value takes the smallest free slot that fits, else grows the
    largest free one, else opens a new slot."""
    sizes: list[int] = []
    busy: dict[int, int] = {}  # slot -> end of its current value
    slots: dict[int, tuple] = {}
    for i, n in enumerate(g.nodes):
        free = sorted((s for s, e in busy.items() if e < i), key=lambda s: sizes[s])
        got = []
        for o in n.outs:
            if o.dtype == object:
                got.append(None)
                continue
            fit = [s for s in free if sizes[s] >= o.nbytes]
            s = fit[0] if fit else (free[-1] if free else len(sizes))
            if s == len(sizes):
                sizes.append(0)
            if s in free:
                free.remove(s)
            sizes[s] = max(sizes[s], o.nbytes)
            busy[s] = end.get(id(o), i)
            got.append(s)
        slots[i] = tuple(got)
    return slots, sizes


def _peak_live(g: Graph, end: dict[int, int]) -> int:
    delta = [0] * (len(g.nodes) + 2)
    for i, n in enumerate(g.nodes):
        for o in n.outs:
            if o.dtype != object:
                delta[i] += o.nbytes
                delta[min(end.get(id(o), i), len(g.nodes)) + 1] -= o.nbytes
    peak = live = 0
    for d in delta:
        live += d
        peak = max(peak, live)
    return peak


def plan_graph(g: Graph) -> MemoryPlan:
    """Compute the plan of one graph (its subgraphs are planned by plan_memory)."""
    plan = MemoryPlan()
    end = alias_ends(g)
    plan.slots, sizes = _assign_slots(g, end)
    for i in sorted(_out_candidates(g)):
        n, slot = g.nodes[i], plan.slots[i][0]
        plan.outs[i] = OutSpec(impl_out(n.prim), buf=len(plan.buffers))
        plan.buffers.append((slot, n.outs[0].shape, n.outs[0].dtype))
        plan.raw_bytes[slot] = max(plan.raw_bytes.get(slot, 0), n.outs[0].nbytes)
    plan.report = {
        "naive_bytes": sum(o.nbytes for n in g.nodes for o in n.outs if o.dtype != object),
        "peak_live_bytes": _peak_live(g, end),
        "planned_bytes": sum(sizes),
        "slots": len(sizes),
        "out_nodes": len(plan.outs),
        "out_buffer_bytes": sum(plan.raw_bytes.values()),
    }
    return plan


def plan_memory(g: Graph) -> Graph:
    """A copy of g (and of its subgraphs) annotated with a MemoryPlan; g if already planned."""
    if PLAN_KEY in g._cache:
        return g
    b = Builder(g, plan_memory)
    for n in g.nodes:
        b.append(b.prepare(n))
    new = Graph(g.name, g.inputs, b.nodes, g.outputs)
    new._cache[PLAN_KEY] = plan_graph(new)
    return new
