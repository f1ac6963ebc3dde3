"""`verify(graph)`: re-run every shape rule and check SSA form and dominance.

Called after every pass when MINDLITE_CHECK=1 (core.context.CHECK)."""
from __future__ import annotations

from typing import Any

from .graph import Graph, Lit, Var, aval_of_atom


class IRError(RuntimeError):
    """A graph that breaks an IR invariant (SSA, dominance, a shape rule, subgraph arity)."""


def verify(g: Graph, outer: frozenset = frozenset()) -> Graph:
    defined: set[int] = set(outer)
    for v in g.inputs:
        if id(v) in defined:
            raise IRError(f"graph {g.name}: input {v} defined twice")
        defined.add(id(v))
    for n in g.nodes:
        for a in n.inputs:
            if isinstance(a, Var) and id(a) not in defined:
                raise IRError(f"graph {g.name}: {n.prim.name} at {n.loc or '?'} uses a value before it is defined")
            if not isinstance(a, (Var, Lit)):
                raise IRError(f"graph {g.name}: {n.prim.name} has a non-atom input {a!r}")
        _check_rule(g, n)
        for o in n.outs:
            if id(o) in defined:
                raise IRError(f"graph {g.name}: {n.prim.name} redefines a value (not SSA)")
            defined.add(id(o))
        for sg in n.subgraphs():
            verify(sg)
    for a in g.outputs:
        if isinstance(a, Var) and id(a) not in defined:
            raise IRError(f"graph {g.name}: output {a} is not defined")
    return g


def _check_rule(g: Graph, n: Any) -> None:
    if n.prim.infer is None:
        return
    got = n.prim.infer(*[aval_of_atom(a) for a in n.inputs], **n.params)
    got = tuple(got) if isinstance(got, (tuple, list)) else (got,)
    if len(got) != len(n.outs):
        raise IRError(f"graph {g.name}: {n.prim.name} yields {len(got)} values, node has {len(n.outs)}")
    for a, o in zip(got, n.outs):
        if tuple(a.shape) != o.shape or a.dtype != o.dtype:
            raise IRError(f"graph {g.name}: {n.prim.name} at {n.loc or '?'}: rule gives {a}, node says "
                          f"{list(o.shape)}:{o.dtype}")
