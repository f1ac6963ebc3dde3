"""Dead-code elimination: drop nodes without effects none of whose outputs is used (an if/while
whose body prints or records a summary is kept, see Node.has_effects)."""
from __future__ import annotations

from ..ir.graph import Graph, Node, Var


def dce(g: Graph) -> Graph:
    """Return `g` without unused pure nodes (the same object when nothing is removed)."""
    live: set[int] = {id(a) for a in g.outputs if isinstance(a, Var)}
    kept: list[Node] = []
    for n in reversed(g.nodes):
        if not n.has_effects and not any(id(o) in live for o in n.outs):
            continue
        kept.append(n)
        for a in n.inputs:
            if isinstance(a, Var):
                live.add(id(a))
    if len(kept) == len(g.nodes):
        return g
    kept.reverse()
    return Graph(g.name, g.inputs, kept, g.outputs)
