"""Capture a Cell in eval mode into the GRAPH_MODE IR for export.

`capture(net, args)` is the one function here that uses the core's capture internals
(`GraphTrace`, `run_traced`), as `core.jit.trace_to_executable` does; everything else in
`mindlite.lite` works on the `Captured` record it returns. Nodes are tagged with the
dotted path of the innermost Cell whose `construct` created them (their scope).
"""
from __future__ import annotations

import sys
from typing import Any

from ..core.tensor import Tensor
from ..ir.graph import Graph


class Captured:
    """A captured graph and where each of its inputs comes from.

    sources: per graph input, ("input", i) | ("param", name, array) | ("rng", seed).
    scopes: id(node) -> cell path ("" for the root cell, "?" for nodes in if/while bodies).
    parameters: per graph input, the Parameter object it reads (None for the others).
    out_struct: "single" | "tuple" | "list" (how the outputs were returned).
    """

    def __init__(self, graph: Graph, sources: list, scopes: dict, out_struct: str, parameters: list) -> None:
        self.graph, self.sources, self.scopes, self.out_struct = graph, sources, scopes, out_struct
        self.parameters = parameters  # per graph input: the Parameter it reads, or None


def _cell_paths(net: Any) -> dict:
    return {id(cell): path for path, cell in net.cells_and_names()}


def _innermost_scope(paths: dict) -> str:
    """The path of the innermost Cell among the callers (a `self` local of a net's cell)."""
    f = sys._getframe(2)
    while f is not None:
        owner = f.f_locals.get("self") if "self" in f.f_code.co_varnames else None
        if owner is not None and id(owner) in paths:
            return paths[id(owner)]
        f = f.f_back
    return ""


def capture(net: Any, args: tuple, name: str) -> Captured:
    """Trace `net(*args)` (args: Tensors, each a graph input) in its current train flag.

    Raises ValueError if the network changes parameters while running (inference graphs
    carry no state updates) or returns something other than tensors.
    """
    # NOTE: the only use of core capture internals in mindlite.lite; adapt here if they move.
    from ..core.graph_trace import GraphTrace, run_traced

    paths = _cell_paths(net)
    scopes: dict[int, str] = {}

    class _ScopedTrace(GraphTrace):
        def emit(self, prim: Any, ins: tuple, params: dict) -> tuple:
            outs = super().emit(prim, ins, params)
            scopes[id(self.nodes[-1])] = _innermost_scope(paths)
            return outs

    t = _ScopedTrace(name)
    by_var: dict[int, tuple] = {}
    call_args = []
    for i, a in enumerate(args):
        s = t.symbolic(a.shape, a._data.dtype, f"input{i}")
        by_var[id(s._data)] = ("input", i)
        call_args.append(s)
    try:
        out = run_traced(t, net, tuple(call_args))
        changed = sorted(p.name for p, _ in t.mutated.values())
        if changed:
            raise ValueError(f"export: {type(net).__name__} changes parameters {changed} when run in eval mode; "
                             "an exported inference graph cannot carry state updates")
        struct = "list" if isinstance(out, list) else "tuple" if isinstance(out, tuple) else "single"
        leaves = list(out) if struct != "single" else [out]
        for k, o in enumerate(leaves):
            if not isinstance(o, Tensor):
                raise ValueError(f"export: {type(net).__name__} output {k} is a {type(o).__name__}; "
                                 "only tensors (or a tuple/list of tensors) can be exported")
        graph = t.graph(leaves)
    finally:
        for p, original in t.mutated.values():
            p._data, p._node, p._idx = original, None, 0
    for p, var, _ in t.params.values():
        by_var[id(var)] = ("param", p.name, p._data)
    for var, seed in t.rng_inputs:
        by_var[id(var)] = ("rng", seed)
    sources = [by_var[id(v)] for v in t.inputs]
    owners = {id(var): p for p, var, _ in t.params.values()}
    return Captured(graph, sources, scopes, struct, [owners.get(id(v)) for v in t.inputs])
