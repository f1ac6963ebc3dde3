"""The computational graph for the dashboard: an IR graph as JSON, and its layout.

`graph_json(g)` names every node `<scope>/<op>-op<k>` (k counts that op within that scope,
in execution order), the names the debugger reports hits under, so a hit finds its node.
`layout(doc, expanded)` collapses scopes until at most 300 units are visible, then places
the units in layers by longest path from the inputs and orders each layer by the mean
position of its neighbours (barycenter sweeps), all in Python so the page only draws.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from ..ir.graph import Graph, Lit, Var
from .scopes import ROOT, graph_scope

MAX_VISIBLE = 300
_SWEEPS = 4


def node_names(g: Graph) -> dict[int, tuple[str, str]]:
    """id(node) -> (name, scope) for every node of g and of its subgraphs."""
    out: dict[int, tuple[str, str]] = {}
    counts: dict[tuple[str, str], int] = defaultdict(int)

    def visit(graph: Graph, fallback: str) -> None:
        for n in graph.nodes:
            scope = (graph_scope(n.outs[0]) if n.outs else None) or fallback
            k = counts[(scope, n.prim.name)]
            counts[(scope, n.prim.name)] += 1
            name = f"{scope}/{n.prim.name}-op{k}"
            out[id(n)] = (name, scope)
            for sub in n.subgraphs():
                visit(sub, name)
    visit(g, ROOT)
    return out


def input_name(v: Var, k: int) -> str:
    """`Parameter/<name>` for a parameter input, `Input/<hint>-<k>` for the others."""
    if v.hint and not v.hint.startswith(("arg", "rng")):
        return f"Parameter/{v.hint}"
    return f"Input/{v.hint or 'arg'}-{k}"


def _brief(v: Any) -> Any:
    if isinstance(v, (bool, int, float, str)) or v is None:
        return v
    if isinstance(v, (tuple, list)) and len(v) <= 8 and all(isinstance(x, (bool, int, float, str)) for x in v):
        return list(v)
    if isinstance(v, Graph):
        return f"graph {v.name} ({v.node_count()} nodes)"
    return type(v).__name__


def graph_json(g: Graph) -> dict:
    """Nodes (id, op, scope, inputs, shape, dtype, loc, attrs) of g, inputs first."""
    names = node_names(g)
    nodes: list[dict] = []
    ids: dict[int, str] = {}
    for k, v in enumerate(g.inputs):
        vid = input_name(v, k)
        ids[id(v)] = vid
        nodes.append({"id": vid, "op": vid.split("/", 1)[0], "scope": "input", "inputs": [], "shape": list(v.shape),
                      "dtype": v.dtype.name, "loc": ""})

    def visit(graph: Graph) -> None:
        for n in graph.nodes:
            name, scope = names[id(n)]
            for o in n.outs:
                ids[id(o)] = name
            first = n.outs[0] if n.outs else None
            nodes.append({"id": name, "op": n.prim.name, "scope": scope,
                          "inputs": [ids[id(a)] for a in n.inputs if isinstance(a, Var) and id(a) in ids],
                          "shape": list(first.shape) if first is not None else [],
                          "dtype": first.dtype.name if first is not None else "", "loc": n.loc,
                          "attrs": {k: _brief(v) for k, v in n.params.items()}})
            for sub in n.subgraphs():
                for v in sub.inputs:
                    ids.setdefault(id(v), name)
                visit(sub)
    visit(g)
    outputs = [ids.get(id(a), "") if isinstance(a, Var) else repr(a.value if isinstance(a, Lit) else a)
               for a in g.outputs]
    return {"name": g.name, "nodes": nodes, "outputs": outputs}


# ---- layout -----------------------------------------------------------------------------------------
def _prefixes(scope: str) -> list[str]:
    parts = scope.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _unit_of(node: dict, expanded: set[str]) -> str:
    """The visible unit a node belongs to: itself, or its outermost collapsed scope."""
    if node["scope"] == "input":
        return node["id"]
    for p in _prefixes(node["scope"]):
        if p not in expanded:
            return "scope:" + p
    return node["id"]


def default_expanded(doc: dict, limit: int = MAX_VISIBLE) -> set[str]:
    """Expand scopes breadth-first while the number of visible units stays within `limit`."""
    all_scopes = {p for n in doc["nodes"] if n["scope"] != "input" for p in _prefixes(n["scope"])}
    expanded: set[str] = set()
    depth = 1
    while True:
        level = sorted(s for s in all_scopes if s.count("/") + 1 == depth)
        if not level:
            return expanded
        trial = expanded | set(level)
        if len({_unit_of(n, trial) for n in doc["nodes"]}) > limit:
            return expanded
        expanded = trial
        depth += 1


def layout(doc: dict, expanded: set[str] | None = None) -> dict:
    """Visible units with x/y positions and the edges between them."""
    expanded = default_expanded(doc) if expanded is None else expanded
    unit_of = {n["id"]: _unit_of(n, expanded) for n in doc["nodes"]}
    units: dict[str, dict] = {}
    for n in doc["nodes"]:
        u = unit_of[n["id"]]
        if u not in units:
            if u.startswith("scope:"):
                units[u] = {"id": u, "kind": "scope", "label": u[len("scope:"):].rsplit("/", 1)[-1],
                            "scope": u[len("scope:"):], "count": 0}
            else:
                is_input = n["scope"] == "input"
                units[u] = {"id": u, "kind": "input" if is_input else "op",
                            "label": n["id"].split("/", 1)[-1] if is_input else n["op"],
                            "scope": n["scope"], "op": n["op"], "shape": n["shape"], "dtype": n["dtype"],
                            "loc": n.get("loc", ""), "count": 1}
        if units[u]["kind"] == "scope":
            units[u]["count"] += 1
    edges = sorted({(unit_of[i], unit_of[n["id"]]) for n in doc["nodes"] for i in n["inputs"]
                    if i in unit_of and unit_of[i] != unit_of[n["id"]]})
    order = list(units)
    layer = _longest_path_layers(order, edges)
    rows = _barycenter_order(order, edges, layer)
    for li, row in enumerate(rows):
        for pos, u in enumerate(row):
            units[u]["layer"], units[u]["x"], units[u]["y"] = li, pos - (len(row) - 1) / 2.0, li
    return {"name": doc.get("name", ""), "nodes": [units[u] for u in order], "edges": [list(e) for e in edges],
            "expanded": sorted(expanded), "total": len(doc["nodes"]), "layers": len(rows)}


def _longest_path_layers(order: list[str], edges: list) -> dict[str, int]:
    preds: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        preds[b].append(a)
    layer: dict[str, int] = {}
    # units appear in execution order, except where collapsing made a cycle: iterate to a fixed point
    for _ in range(len(order) + 1):
        changed = False
        for u in order:
            best = max((layer.get(p, 0) + 1 for p in preds[u] if p in layer), default=0)
            if layer.get(u) != best and best < len(order):
                layer[u] = best
                changed = True
        if not changed:
            break
    return layer


def _barycenter_order(order: list[str], edges: list, layer: dict[str, int]) -> list[list[str]]:
    n_layers = max(layer.values(), default=-1) + 1
    rows: list[list[str]] = [[] for _ in range(n_layers)]
    for u in order:
        rows[layer[u]].append(u)
    up: dict[str, list[str]] = defaultdict(list)
    down: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        down[a].append(b)
        up[b].append(a)
    for sweep in range(_SWEEPS):
        rng = range(1, n_layers) if sweep % 2 == 0 else range(n_layers - 2, -1, -1)
        nbrs = up if sweep % 2 == 0 else down
        for li in rng:
            pos = {u: i for r in (rows[li - 1] if sweep % 2 == 0 else rows[li + 1],) for i, u in enumerate(r)}
            keyed = []
            for i, u in enumerate(rows[li]):
                ps = [pos[p] for p in nbrs[u] if p in pos]
                keyed.append((float(np.mean(ps)) if ps else float(i), i, u))
            rows[li] = [u for _, _, u in sorted(keyed)]
    return rows
