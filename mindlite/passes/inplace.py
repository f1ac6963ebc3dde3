"""In-place parameter updates: the last op of an update chain writes the new value of a
parameter straight into the parameter's existing array (`out=param`), so a training step
does not allocate one new array per parameter and optimizer moment.

`update_in_place(g, state_outs)` takes `{graph output index: graph input index}` (the
output holds the new value of the state whose old value is that input) and records an
in-place `OutSpec` in the graph's memory plan for each update that is safe:
  * the output is produced by a node with an `impl_out` entry computing in its dtype, with
    the input's shape and dtype;
  * the old value (and every value that may alias it: views, branch results) has no use
    after that node, and none of them is returned by the graph.

NOTE: the pass proves safety inside the graph only. The caller must guarantee that nobody
outside holds the parameter's array expecting the old value (an argument that is the same
array, a tensor sharing it, a tape entry of an eager gradient). `core/jit.py` does not call
it yet: `Executable.state_outs` would have to be turned into this mapping there, by its owner.
"""
from __future__ import annotations

from ..ir.graph import Graph, Var, aval_of_atom
from .memory import MemoryPlan, OutSpec, fresh, last_uses
from .outimpl import impl_out, usable


def _alias_edges(g: Graph) -> dict[int, list[int]]:
    """Var id -> ids of the outputs of non-fresh nodes reading it (values that may share its
    buffer), built once per graph."""
    edges: dict[int, list[int]] = {}
    for n in g.nodes:
        if fresh(n):
            continue
        outs = [id(o) for o in n.outs]
        for a in n.inputs:
            if isinstance(a, Var):
                edges.setdefault(id(a), []).extend(outs)
    return edges


def _aliases(v: Var, edges: dict[int, list[int]]) -> set[int]:
    """Ids of v and of every value that may share its buffer (through non-fresh nodes)."""
    alias, work = {id(v)}, [id(v)]
    while work:
        for o in edges.get(work.pop(), ()):
            if o not in alias:
                alias.add(o)
                work.append(o)
    return alias


def _safe(g: Graph, i: int, param: Var, last: dict[int, int], edges: dict[int, list[int]],
          returned: set[int]) -> bool:
    n, out = g.nodes[i], g.nodes[i].outs[0]
    if len(n.outs) != 1 or out.shape != param.shape or out.dtype != param.dtype:
        return False
    if not usable(n.prim, tuple(aval_of_atom(a) for a in n.inputs), out):
        return False
    for a in _aliases(param, edges):
        if a in returned:
            return False  # the old value (or a view of it) is handed back to the caller
        if last.get(a, -1) > i or (a != id(param) and last.get(a, -1) == i):
            return False  # read after (or, as a view, while) the parameter is overwritten
    return True


def update_in_place(g: Graph, state_outs: dict[int, int]) -> Graph:
    """A copy of g whose memory plan writes each safe state output into its input's array
    (g itself if none is safe). See the module docstring for the caller's duty."""
    prod = {id(o): i for i, n in enumerate(g.nodes) for o in n.outs}
    last = last_uses(g)
    plan = (g.memory_plan or MemoryPlan()).copy()  # adds to plan_memory's plan, if any
    done: set[int] = set()
    edges = _alias_edges(g)
    returned = {id(a) for a in g.outputs if isinstance(a, Var)}
    for out_idx, in_idx in sorted(state_outs.items()):
        v, param = g.outputs[out_idx], g.inputs[in_idx]
        i = prod.get(id(v)) if isinstance(v, Var) else None
        if i is None or i in plan.outs or in_idx in done or impl_out(g.nodes[i].prim) is None:
            continue
        if _safe(g, i, param, last, edges, returned):
            plan.outs[i] = OutSpec(impl_out(g.nodes[i].prim), input=in_idx)
            done.add(in_idx)
    if not done:
        return g
    new = Graph(g.name, g.inputs, g.nodes, g.outputs)
    new.memory_plan = plan
    plan.report["in_place_updates"] = len(done)
    return new
