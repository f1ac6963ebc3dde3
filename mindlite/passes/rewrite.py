"""Pattern rules and the one driver that applies them: `rewrite(graph, rules)`.

A rule is `(pattern, fn)`. The pattern matches a node by primitive and, optionally, by
what produces its inputs (sub-patterns), by literal operands and by a predicate; `fn(m)`
gets the `Match` and returns replacement atoms for the node's outputs, or None to decline
[tinygrad PatternMatcher / UPat]:

    rules_simplify = [
        (Pat(neg_p, (Pat(neg_p, (Any_("x"),)),)), lambda m: m["x"]),      # neg(neg(x)) -> x
        (Pat(mul_p, (Any_("x"), LitPat(1))), same_type_as("x")),            # x * 1 -> x
    ]

The driver walks the graph once in order (producers before consumers, so a node is
matched against its already-rewritten inputs), substitutes replaced values everywhere
downstream (SSA is kept: old Vars are never redefined), recurses into the subgraphs of
control-flow nodes, and repeats until nothing changes. Nodes a rule builds with
`m.emit(...)` are themselves rewritten. A replacement whose shape/dtype differs from the
value it replaces is refused, so a sloppy rule cannot change types. The input graph is
never mutated; if no rule fires, the same Graph object is returned.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from ..ir.graph import Graph, Lit, Node, Var
from .dce import dce

ANY = object()  # LitPat(value=ANY): any literal


class Any_:
    """Matches any operand (Var or Lit) and binds it to `name`."""

    __slots__ = ("name",)

    def __init__(self, name: str | None = None) -> None:
        self.name = name


class LitPat:
    """Matches a literal operand; `value` (if given) must equal every element of it."""

    __slots__ = ("name", "value")

    def __init__(self, value: Any = ANY, name: str | None = None) -> None:
        self.value = value
        self.name = name

    def matches(self, a: Any) -> bool:
        if not isinstance(a, Lit):
            return False
        if self.value is ANY:
            return True
        v = a.value
        if isinstance(v, (bool, int, float, complex, np.number, np.ndarray)):
            arr = np.asarray(v)
            return arr.dtype != object and bool(arr.size) and bool(np.all(arr == self.value))
        return False


class Pat:
    """Matches a node: `prim` is a Primitive, a name, a tuple of those, or None (any);
    `inputs` (if given) holds one sub-pattern per operand (None: anything); a Pat used as
    a sub-pattern matches the node producing that operand. `where(m)` is a final check."""

    __slots__ = ("inputs", "name", "prims", "where")

    def __init__(self, prim: Any = None, inputs: Sequence[Any] | None = None, name: str | None = None,
                 where: Callable[[Match], bool] | None = None) -> None:
        prims = prim if isinstance(prim, tuple) else ((prim,) if prim is not None else None)
        self.prims = None if prims is None else frozenset(p if isinstance(p, str) else p.name for p in prims)
        self.inputs = None if inputs is None else tuple(inputs)
        self.name = name
        self.where = where


Rule = tuple  # (Pat, Callable[[Match], Any])


class Match:
    """What a rule's fn sees: the node, the bound operands/nodes, and a way to add nodes."""

    def __init__(self, node: Node, builder: _RuleBuilder) -> None:
        self.node = node
        self.atoms: dict[str, Any] = {}
        self.nodes: dict[str, Node] = {}
        self._b = builder

    def __getitem__(self, name: str) -> Any:
        return self.atoms[name]

    def emit(self, prim: Any, inputs: Sequence[Any], params: dict | None = None) -> Any:
        """Add `prim(*inputs, **params)` (located at the matched node; operands that are not
        Vars or Lits become Lits) and return its output (a tuple for multiple results),
        after rewriting it in turn."""
        ins = tuple(a if isinstance(a, (Var, Lit)) else Lit(a) for a in inputs)
        outs = self._b.emit(prim, ins, dict(params or {}), self.node.loc)
        return outs if prim.multiple_results else outs[0]

    def is_output(self, v: Any) -> bool:
        """True if `v` is returned by the graph being rewritten (it escapes)."""
        return id(v) in self._b.output_ids


def _match(pat: Any, a: Any, m: Match, producer: dict) -> bool:
    """Match a sub-pattern against operand `a`, binding names into `m`."""
    if pat is None:
        return True
    if isinstance(pat, Any_):
        ok = True
    elif isinstance(pat, LitPat):
        ok = pat.matches(a)
    else:
        n: Node | None = producer.get(id(a)) if isinstance(a, Var) else None
        ok = n is not None and _match_node(pat, n, m, producer)
        if n is not None and ok and pat.name:
            m.nodes[pat.name] = n
    if ok and pat.name:
        m.atoms[pat.name] = a
    return ok


def _match_node(pat: Pat, n: Node, m: Match, producer: dict) -> bool:
    if pat.prims is not None and n.prim.name not in pat.prims:
        return False
    if pat.inputs is not None:
        if len(pat.inputs) != len(n.inputs):
            return False
        if not all(_match(p, a, m, producer) for p, a in zip(pat.inputs, n.inputs)):
            return False
    return pat.where is None or bool(pat.where(m))


def same_type(a: Any, v: Var) -> bool:
    """True if atom `a` can stand for `v`: same shape and dtype (array literals included)."""
    if isinstance(a, Var):
        return a.shape == v.shape and a.dtype == v.dtype
    if isinstance(a, Lit) and a.is_array:
        return tuple(a.value.shape) == v.shape and a.value.dtype == v.dtype
    return False  # a Python scalar is weakly typed: it would change downstream promotion


class Builder:
    """Rebuilds a graph node by node with a substitution of values (old Var -> atom).

    Shared by the rule driver and the passes that are global walks (cse): a node whose
    inputs did not change is kept as the same object."""

    def __init__(self, g: Graph, sub: Callable[[Graph], Graph]) -> None:
        self.g = g
        self.sub_pass = sub          # applied to every subgraph of a control-flow node
        self.env: dict[int, Any] = {}
        self.keep: list[Any] = []    # keeps every Var used as an env key alive (ids stay unique)
        self.nodes: list[Node] = []
        self.producer: dict[int, Node] = {}
        self.changed = False
        self.output_ids = {id(a) for a in g.outputs if isinstance(a, Var)}
        self._subs: dict[int, tuple[Graph, Graph]] = {}

    def sub(self, sg: Graph) -> Graph:
        """sub_pass(sg), once per subgraph object: nodes sharing a body keep sharing it."""
        hit = self._subs.get(id(sg))
        if hit is None:
            hit = self._subs[id(sg)] = (sg, self.sub_pass(sg))
        return hit[1]

    def atom(self, a: Any) -> Any:
        return self.env.get(id(a), a) if isinstance(a, Var) else a

    def replace(self, old: Var, new: Any) -> None:
        self.keep.append(old)
        self.env[id(old)] = new
        self.changed = True
        if id(old) in self.output_ids and isinstance(new, Var):
            self.output_ids.add(id(new))

    def prepare(self, n: Node) -> Node:
        """n with substituted inputs and rewritten subgraphs (the same object if unchanged)."""
        ins = tuple(self.atom(a) for a in n.inputs)
        params = _map_subgraphs(n.params, self.sub)
        if params is n.params and all(x is y for x, y in zip(ins, n.inputs)):
            return n
        self.changed = True
        return Node(n.prim, ins, params, n.outs, n.loc)

    def append(self, n: Node) -> None:
        self.nodes.append(n)
        for o in n.outs:
            self.producer[id(o)] = n

    def finish(self) -> Graph:
        if not self.changed:
            return self.g
        outs = [self.atom(a) for a in self.g.outputs]
        return Graph(self.g.name, self.g.inputs, self.nodes, outs)


def _map_subgraphs(params: dict, fn: Callable[[Graph], Graph]) -> dict:
    """params with fn applied to every Graph (also inside tuples); the same dict if unchanged."""
    new: dict | None = None
    for k, v in params.items():
        if isinstance(v, Graph):
            w: Any = fn(v)
        elif isinstance(v, tuple) and any(isinstance(i, Graph) for i in v):
            w = tuple(fn(i) if isinstance(i, Graph) else i for i in v)
            w = v if all(x is y for x, y in zip(w, v)) else w
        else:
            continue
        if w is not v:
            new = dict(params) if new is None else new
            new[k] = w
    return params if new is None else new


class _RuleBuilder(Builder):
    MAX_DEPTH = 32  # emitted nodes are rewritten recursively; a cycle of rules stops here

    def __init__(self, g: Graph, rules: Sequence[Rule], index: dict, wild: list) -> None:
        super().__init__(g, lambda sg: rewrite(sg, rules))
        self.index, self.wild, self.depth = index, wild, 0

    def process(self, n: Node) -> tuple:
        """Rewrite node n (already in the new graph's terms); returns atoms for its outputs."""
        for pat, fn in self.index.get(n.prim.name, []) + self.wild:
            m = Match(n, self)
            if not _match_node(pat, n, m, self.producer):
                continue
            mark, changed = len(self.nodes), self.changed
            res = fn(m)
            if res is not None:
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) == len(n.outs) and all(same_type(a, o) for a, o in zip(res, n.outs)):
                    return res
            del self.nodes[mark:]  # a declined or refused rule leaves no nodes behind
            self.changed = changed
        self.append(n)
        return n.outs

    def emit(self, prim: Any, ins: tuple, params: dict, loc: str) -> tuple:
        from ..ir.graph import aval_of_atom
        avals = prim.infer(*[aval_of_atom(a) for a in ins], **params)
        avals = avals if isinstance(avals, tuple) else (avals,)
        outs = tuple(Var(a.shape, a.dtype) for a in avals)
        self.changed = True
        self.depth += 1
        try:
            if self.depth > self.MAX_DEPTH:
                self.append(Node(prim, ins, params, outs, loc))
                return outs
            return self.process(Node(prim, ins, params, outs, loc))
        finally:
            self.depth -= 1


def _index(rules: Iterable[Rule]) -> tuple[dict, list]:
    index: dict[str, list] = {}
    wild: list = []
    for pat, fn in rules:
        if pat.prims is None:
            wild.append((pat, fn))
        else:
            for name in pat.prims:
                index.setdefault(name, []).append((pat, fn))
    return index, wild


def rewrite(g: Graph, rules: Sequence[Rule], max_sweeps: int = 8) -> Graph:
    """Apply `rules` to every node of g (and its subgraphs) until none fires.

    Nodes left without users by a rewrite are dropped (dce), so rules need not clean up.
    Returns g itself when no rule fired.
    """
    index, wild = _index(rules)
    for _ in range(max_sweeps):
        b = _RuleBuilder(g, rules, index, wild)
        for n in g.nodes:
            n2 = b.prepare(n)
            for old, new in zip(n.outs, b.process(n2)):
                if new is not old:
                    b.replace(old, new)
        new_g = b.finish()
        if new_g is g:
            return g
        g = dce(new_g)
    return g
