"""The last rewrite, over expressions: converted calls and conditional expressions.

It runs after the statements are converted (transformer.py), over the whole function
(nested `def`s and lambdas included; class bodies excluded, their methods are converted
when they are called), and leaves the parser's own calls alone:

    f(a, *b, **c)      ->  __ml_ctrl__.converted(f)(a, *b, **c)
    a if test else b   ->  __ml_ctrl__.ifexp(test, lambda: a, lambda: b)

`converted(f)` (api.py) returns the converted `f` while a graph is traced and `f` itself
otherwise. The call itself stays in the user's frame, so zero-argument `super()`,
`locals()`, `sys._getframe()` and tracebacks see the same frames as before. Calls of
builtins (names no code in the function, its closure or its module rebinds) stay direct.
"""
from __future__ import annotations

import ast
import builtins
import types
from collections.abc import Iterable

from .analysis import contains
from .build import at, ctrl, is_generated, thunk
from .transformer import lazy_test

_SCOPE_CHANGERS = (ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await)  # their meaning needs this scope


def builtin_calls(node: ast.AST, code: types.CodeType, module_globals: dict) -> frozenset[str]:
    """Names of builtins called by name in `node` that nothing rebinds: called directly."""
    called = {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    candidates = {name for name in called if name in vars(builtins)}
    if not candidates:
        return frozenset()
    taken = _bound_names(node) | set(code.co_freevars) | set(module_globals)
    return frozenset(candidates - taken)


def needs_rewrite(node: ast.AST, recursive: bool, direct: frozenset[str]) -> bool:
    """Whether `rewrite` would change anything in `node`."""
    for n in ast.walk(node):
        if isinstance(n, ast.IfExp):
            return True
        if recursive and isinstance(n, ast.Call) and not _stays_direct(n, direct):
            return True
    return False


def rewrite(node: ast.AST, recursive: bool, direct: frozenset[str]) -> None:
    """Rewrite the calls (when `recursive`) and conditional expressions of `node` in place."""
    _Rewriter(recursive, direct).visit(node)


class _Rewriter(ast.NodeTransformer):
    def __init__(self, recursive: bool, direct: frozenset[str]) -> None:
        self.recursive = recursive
        self.direct = direct

    def visit_ClassDef(self, n: ast.ClassDef) -> ast.ClassDef:
        return n

    def visit_Call(self, n: ast.Call) -> ast.Call:
        self.generic_visit(n)
        if self.recursive and not _stays_direct(n, self.direct):
            n.func = at(ctrl("converted", n.func), n.func)
        return n

    def visit_IfExp(self, n: ast.IfExp) -> ast.expr:
        self.generic_visit(n)
        if contains([n], _SCOPE_CHANGERS):
            return n  # inside a lambda they would mean something else (or not compile)
        return at(ctrl("ifexp", lazy_test(n.test), thunk(n.body), thunk(n.orelse)), n)


def _stays_direct(n: ast.Call, direct: frozenset[str]) -> bool:
    return is_generated(n) or (isinstance(n.func, ast.Name) and n.func.id in direct)


def _bound_names(node: ast.AST) -> set[str]:
    """Every name bound anywhere in `node`, in any scope (an over-approximation is safe)."""
    out: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            out.add(n.id)
        elif isinstance(n, ast.arg):
            out.add(n.arg)
        elif isinstance(n, ast.alias):
            out.add(n.asname or n.name.split(".")[0])
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
        elif isinstance(n, (ast.Global, ast.Nonlocal)):
            out.update(n.names)
        else:
            out.update(_other_bindings(n))
    return out


def _other_bindings(n: ast.AST) -> Iterable[str]:
    for field in ("name", "rest"):  # except handlers, match patterns
        value = getattr(n, field, None) if isinstance(n, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar,
                                                          ast.MatchMapping)) else None
        if isinstance(value, str):
            yield value
