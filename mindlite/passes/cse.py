"""Common-subexpression elimination: of two pure nodes with the same primitive, operands
and params, the second is dropped and its outputs replaced by the first's.

Operands compare by identity for Vars and by value for literals (arrays of up to
`_SMALL` elements by their bytes, larger ones by identity); params are frozen to hashable
keys, with Graph-valued params (control-flow bodies) compared by identity. Floats are keyed
by their repr too, since `0.0 == -0.0` (and hash equal) but they are different constants.
Each subgraph is handled on its own (subgraphs are closed: they see outer values only as
their own inputs).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ir.graph import Graph, Lit, Var
from .rewrite import Builder

_SMALL = 64


def freeze(v: Any) -> Any:
    """A hashable key for a param or literal value that is equal only for equal values."""
    if isinstance(v, Graph):
        return ("graph", id(v))
    if isinstance(v, (float, complex, np.floating, np.complexfloating)):
        return (type(v), repr(v))
    if isinstance(v, (tuple, list)):
        return (type(v), tuple(freeze(i) for i in v))
    if isinstance(v, dict):
        return ("dict", tuple(sorted((k, freeze(i)) for k, i in v.items())))
    if isinstance(v, np.ndarray):
        if v.size <= _SMALL and v.dtype != object:
            return ("array", v.dtype.str, v.shape, v.tobytes())
        return ("id", id(v))
    try:
        hash(v)
    except TypeError:
        return ("id", id(v))
    return (type(v), v)


def _operand_key(a: Any) -> Any:
    if isinstance(a, Var):
        return ("var", id(a))
    if isinstance(a, Lit):
        return ("lit", freeze(a.value))
    return ("other", id(a))


def cse(g: Graph) -> Graph:
    """Return g with repeated pure computations merged (the same object if none)."""
    b = Builder(g, cse)
    seen: dict[Any, tuple] = {}
    for n in g.nodes:
        n2 = b.prepare(n)
        if not n2.has_effects:
            key = (n2.prim, tuple(_operand_key(a) for a in n2.inputs),
                   tuple(sorted((k, freeze(v)) for k, v in n2.params.items())))
            first = seen.get(key)
            if first is not None:
                for old, new in zip(n.outs, first):
                    b.replace(old, new)
                continue
            seen[key] = n2.outs
        b.append(n2)
    return b.finish()
