"""Static analysis of one function scope: which names a statement reads and binds, liveness,
"maybe unbound" names, and the constructs a graph cannot capture.

Every analysis here may over-approximate (treat more names as read, live or maybe unbound):
that only makes the generated code pass more state or check more names. None may
under-approximate, since that would drop a value the program needs.
"""
from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence

SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
LOOPS = (ast.For, ast.AsyncFor, ast.While)
TRY = (ast.Try, getattr(ast, "TryStar", ast.Try))  # TryStar: Python 3.11+


class Names(ast.NodeVisitor):
    """Names read (`loads`) and bound (`stores`) by code of one scope.

    Nested functions, lambdas and classes count as reading their free names (they may run
    later); comprehension targets are local to the comprehension, but `:=` inside one
    binds in the enclosing scope.
    """

    def __init__(self) -> None:
        self.loads: set[str] = set()
        self.stores: set[str] = set()
        self.walrus: set[str] = set()    # bound by `:=`, maybe conditionally
        self.deleted: set[str] = set()
        self.nested_free: set[str] = set()
        self.declared: set[str] = set()  # global / nonlocal

    @classmethod
    def of(cls, nodes: ast.AST | Iterable[ast.AST] | None) -> Names:
        c = cls()
        for n in _as_list(nodes):
            c.visit(n)
        return c

    def visit_Name(self, n: ast.Name) -> None:
        if isinstance(n.ctx, ast.Load):
            self.loads.add(n.id)
        else:
            self.stores.add(n.id)
            if isinstance(n.ctx, ast.Del):  # `del x` needs x bound: a read for liveness
                self.deleted.add(n.id)
                self.loads.add(n.id)

    def visit_AugAssign(self, n: ast.AugAssign) -> None:
        if isinstance(n.target, ast.Name):
            self.loads.add(n.target.id)
        self.generic_visit(n)

    def visit_AnnAssign(self, n: ast.AnnAssign) -> None:
        if n.value is not None:  # a bare `x: int` binds nothing
            self.visit(n.target)
            self.visit(n.value)
        elif not isinstance(n.target, ast.Name):
            self.visit(n.target)

    def visit_NamedExpr(self, n: ast.NamedExpr) -> None:
        self.walrus.add(n.target.id)
        self.generic_visit(n)

    def visit_Global(self, n: ast.Global) -> None:
        self.declared.update(n.names)

    visit_Nonlocal = visit_Global  # type: ignore[assignment]

    def visit_alias(self, n: ast.alias) -> None:
        if n.name != "*":
            self.stores.add(n.asname or n.name.split(".")[0])

    def visit_ExceptHandler(self, n: ast.ExceptHandler) -> None:
        if n.name:
            self.stores.add(n.name)
        self.generic_visit(n)

    def visit_MatchAs(self, n: ast.MatchAs) -> None:
        if n.name:
            self.stores.add(n.name)
        self.generic_visit(n)

    def visit_MatchStar(self, n: ast.MatchStar) -> None:
        if n.name:
            self.stores.add(n.name)

    def visit_MatchMapping(self, n: ast.MatchMapping) -> None:
        if n.rest:
            self.stores.add(n.rest)
        self.generic_visit(n)

    def _nested_scope(self, n: ast.AST, outer_parts: list) -> None:
        for part in outer_parts:  # decorators, defaults, bases: evaluated in this scope
            self.visit(part)
        free = free_names(n)
        self.loads |= free
        self.nested_free |= free
        if not isinstance(n, ast.Lambda):
            self.stores.add(n.name)  # type: ignore[attr-defined]

    def visit_FunctionDef(self, n: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        a = n.args
        anns = [x.annotation for x in a.posonlyargs + a.args + a.kwonlyargs if x.annotation]
        self._nested_scope(n, n.decorator_list + a.defaults + [d for d in a.kw_defaults if d] + anns
                           + ([n.returns] if n.returns else []))

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Lambda(self, n: ast.Lambda) -> None:
        self._nested_scope(n, n.args.defaults + [d for d in n.args.kw_defaults if d])

    def visit_ClassDef(self, n: ast.ClassDef) -> None:
        self._nested_scope(n, n.decorator_list + n.bases + [k.value for k in n.keywords])

    def _comprehension(self, n: ast.AST) -> None:
        inner = Names()
        targets: set[str] = set()
        for g in n.generators:  # type: ignore[attr-defined]
            inner.visit(g.iter)
            targets |= Names.of(g.target).stores
            for c in g.ifs:
                inner.visit(c)
        for field in ("elt", "key", "value"):
            if hasattr(n, field):
                inner.visit(getattr(n, field))
        self.loads |= inner.loads - targets
        self.stores |= inner.walrus  # `:=` binds in the enclosing function scope
        self.walrus |= inner.walrus
        self.nested_free |= inner.nested_free

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension  # type: ignore


def _as_list(nodes: ast.AST | Iterable[ast.AST] | None) -> list:
    if nodes is None:
        return []
    return [nodes] if isinstance(nodes, ast.AST) else list(nodes)


def free_names(scope: ast.AST) -> set[str]:
    """Names a nested function/lambda/class reads from outside (over-approximated)."""
    body = scope.body if isinstance(scope.body, list) else [scope.body]  # type: ignore[attr-defined]
    inner = Names.of(body)
    bound = set(inner.stores) - inner.declared
    if not isinstance(scope, ast.ClassDef):
        a = scope.args  # type: ignore[attr-defined]
        bound |= {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
        bound |= {x.arg for x in (a.vararg, a.kwarg) if x}
    return (inner.loads - bound) | inner.declared  # `nonlocal x` in there may rebind x


def reads(nodes: ast.AST | Iterable[ast.AST] | None) -> set[str]:
    return Names.of(nodes).loads


def stores(nodes: ast.AST | Iterable[ast.AST] | None) -> set[str]:
    return Names.of(nodes).stores


def kills(s: ast.stmt) -> set[str]:
    """Names a simple statement certainly rebinds (`:=` may be short-circuited, so it never kills)."""
    n = Names.of(s)
    return n.stores - n.walrus


def walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk` that yields nested function/lambda/class nodes but does not enter them."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if n is not node and isinstance(n, SCOPES):
            continue
        todo.extend(reversed(list(ast.iter_child_nodes(n))))


def walk_stmts(stmts: Sequence[ast.AST]) -> Iterator[ast.AST]:
    for s in stmts:
        yield from walk_scope(s)


def contains(stmts: Sequence[ast.AST], kinds: tuple, stop: tuple = ()) -> bool:
    """True if a node of `kinds` occurs in `stmts` (same scope, not inside nodes of `stop`)."""
    todo = list(stmts)
    while todo:
        n = todo.pop()
        if isinstance(n, kinds):
            return True
        if isinstance(n, SCOPES + stop):
            continue
        todo.extend(ast.iter_child_nodes(n))
    return False


def always_returns(stmts: Sequence[ast.stmt]) -> bool:
    """Every path through `stmts` ends in `return` or `raise`."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    return isinstance(last, ast.If) and always_returns(last.body) and always_returns(last.orelse)


def is_range_for(s: ast.AST) -> bool:
    """`for <name> in range(a[, b[, c]])` with plain positional arguments."""
    if not isinstance(s, ast.For) or not isinstance(s.target, ast.Name):
        return False
    it = s.iter
    return (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range"
            and 1 <= len(it.args) <= 3 and not it.keywords
            and not any(isinstance(a, ast.Starred) for a in it.args))


# Constructs that cannot be captured in a graph when they sit inside an `if` / loop whose
# condition depends on a tensor value. Their statement then stays Python, guarded by
# runtime.concrete, which raises GraphSyntaxError only if the condition is symbolic.
_UNSUPPORTED: tuple[tuple[type | tuple, str], ...] = (
    (TRY, "try"),
    ((ast.With, ast.AsyncWith), "with"),
    ((ast.Yield, ast.YieldFrom, ast.Await), "yield"),
    ((ast.Global, ast.Nonlocal), "global"),
    (ast.Delete, "del"),
    ((ast.Raise, ast.Assert), "raise"),
)


def unsupported(region: Sequence[ast.AST], declared: set[str], captured: set[str]) -> tuple[str, int] | None:
    """The first construct in `region` a graph cannot capture, as (kind, line), or None.

    `declared` holds the function's global/nonlocal names (rebinding one is a side effect);
    `captured` the names its nested functions and lambdas read: inside a converted body such a
    name is the body's own variable, so a closure called meanwhile would see a stale value.
    """
    for n in walk_stmts(region):
        for kinds, kind in _UNSUPPORTED:
            if isinstance(n, kinds):
                return kind, n.lineno  # type: ignore[attr-defined]
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            for t in targets:
                if _stores_into_object(t):
                    return "store", n.lineno
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            if n.id in declared:
                return "global", n.lineno
            if n.id in captured:
                return "closure", n.lineno
        if isinstance(n, SCOPES) and not isinstance(n, ast.Lambda) and n.name in captured:
            return "closure", n.lineno
    return None


def _stores_into_object(target: ast.AST) -> bool:
    if isinstance(target, (ast.Attribute, ast.Subscript)):
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_stores_into_object(e) for e in target.elts)
    return isinstance(target, ast.Starred) and _stores_into_object(target.value)
