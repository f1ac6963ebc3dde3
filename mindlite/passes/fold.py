"""Constant folding: a pure node whose operands are all literals is evaluated at compile
time with numpy (`prim.impl(numpy, ...)`) and replaced by literal arrays.

One wildcard rule (`rules_fold`) run by the rewrite driver. Results are stored as numpy
arrays of exactly the node's shape and dtype (a 0-d array, not a Python scalar, so
downstream type promotion is unchanged). Not folded: impure nodes (random ops), control
flow (it would run subgraphs, maybe a long loop, at compile time), results larger than
`max_elems` (creation ops of huge shape would bloat the graph), and values the graph
returns (a returned literal would be the same array object on every call).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ir.graph import Graph, Lit
from .rewrite import Match, Pat, Rule, rewrite


def _foldable(max_elems: int) -> Any:
    def where(m: Match) -> bool:
        n = m.node
        if not n.prim.is_pure or any(True for _ in n.subgraphs()):
            return False
        if not all(isinstance(a, Lit) for a in n.inputs):
            return False
        for o in n.outs:
            if o.dtype == object or o.is_dynamic or m.is_output(o):
                return False
            if o.size > max_elems and o.ndim > 0:
                return False
        return True
    return where


def _host(v: Any) -> Any:
    get = getattr(v, "get", None)
    return get() if get is not None and type(v).__module__.startswith("cupy") else v


def _evaluate(m: Match) -> Any:
    n = m.node
    try:
        with np.errstate(all="ignore"):
            # folding runs on the host: device literals (cupy arrays) are brought over first
            res = n.prim.impl(np, *[_host(a.value) for a in n.inputs], **n.params)
    except Exception:  # noqa: BLE001 - leave the error to run time, where it names the user's line
        return None
    res = res if n.prim.multiple_results else (res,)
    out = []
    for r, o in zip(res, n.outs):
        arr = np.array(r)  # a copy: never a view into another literal or a broadcast
        if arr.shape != o.shape or arr.dtype != o.dtype:
            return None  # the shape rule and the impl disagree: do not paper over it here
        out.append(Lit(arr))
    return tuple(out)


def rules_fold(max_elems: int = 100_000) -> list[Rule]:
    """The folding rule list; results with more than `max_elems` elements stay nodes."""
    return [(Pat(None, where=_foldable(max_elems)), _evaluate)]


def fold_constants(g: Graph, max_elems: int = 100_000) -> Graph:
    """Replace every foldable node of g (and its subgraphs) by literals."""
    return rewrite(g, rules_fold(max_elems))
