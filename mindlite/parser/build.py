"""Constructors for the AST nodes the parser generates, and the generated-name allocator.

Generated nodes get the source location of the user statement they replace (`at`), so a
traceback through converted code points at the user's file and line.
"""
from __future__ import annotations

import ast
import itertools
from collections.abc import Sequence
from typing import TypeVar

CTRL = "__ml_ctrl__"        # closure variable holding mindlite.parser.runtime
UNDEF = "__ml_undefined__"  # closure variable holding the UNDEFINED sentinel
PREFIX = "__ml_"            # every name the parser invents starts with this
RETF = "__ml_retf"          # set when a `return` inside a loop has run
RETV = "__ml_retv"          # ... and the value it returned

N = TypeVar("N", bound=ast.AST)


class Namer:
    """Hands out unique generated names (`__ml_then_3`) for one converted source."""

    def __init__(self) -> None:
        self._count = itertools.count(1)

    def number(self) -> int:
        """A fresh number, for a family of names that belong together (`__ml_it_2`, `__ml_stop_2`)."""
        return next(self._count)

    def new(self, tag: str) -> str:
        return f"{PREFIX}{tag}_{self.number()}"


def at(node: N, src: ast.AST) -> N:
    """Give every generated node under `node` (those without a location) the location of `src`."""
    for n in ast.walk(node):
        if "lineno" in n._attributes and getattr(n, "lineno", None) is None:
            ast.copy_location(n, src)
    return node


def load(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def store(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Store())


def assign(target: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[store(target)], value=value)


def const(value: str | int | bool | None) -> ast.Constant:
    return ast.Constant(value=value)


def generated(call: ast.Call) -> ast.Call:
    """Mark a call the parser made, so the converted-call rewrite leaves it alone."""
    call._ml_gen = True  # type: ignore[attr-defined]  # deepcopy keeps it
    return call


def is_generated(call: ast.Call) -> bool:
    return getattr(call, "_ml_gen", False)


def ctrl(fn: str, *args: ast.expr) -> ast.Call:
    """`__ml_ctrl__.<fn>(*args)`: a call of a mindlite.parser.runtime helper."""
    func = ast.Attribute(value=load(CTRL), attr=fn, ctx=ast.Load())
    return generated(ast.Call(func=func, args=list(args), keywords=[]))


def thunk(body: ast.expr) -> ast.Lambda:
    """`lambda: body`: an expression evaluated only when (and if) the runtime calls it."""
    args = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                         defaults=[])
    return ast.Lambda(args=args, body=body)


def tuple_of(elts: Sequence[ast.expr], ctx: ast.expr_context | None = None) -> ast.Tuple:
    return ast.Tuple(elts=list(elts), ctx=ctx or ast.Load())


def maybe_load(name: str) -> ast.expr:
    """Read `name` without raising when it is unbound: `locals().get('name', __ml_undefined__)`."""
    scope = generated(ast.Call(func=load("locals"), args=[], keywords=[]))
    get = ast.Attribute(value=scope, attr="get", ctx=ast.Load())
    return generated(ast.Call(func=get, args=[const(name), load(UNDEF)], keywords=[]))


def del_if_undefined(name: str) -> ast.If:
    """`if name is __ml_undefined__: del name` -- restores Python's 'unbound variable' state."""
    test = ast.Compare(left=load(name), ops=[ast.Is()], comparators=[load(UNDEF)])
    return ast.If(test=test, body=[ast.Delete(targets=[ast.Name(id=name, ctx=ast.Del())])], orelse=[])


def function(name: str, params: Sequence[str], body: list[ast.stmt]) -> ast.FunctionDef:
    """A plain nested `def name(*params): body` (no defaults, decorators or annotations)."""
    args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None, kwonlyargs=[],
                         kw_defaults=[], kwarg=None, defaults=[])
    fields: dict = {"type_params": []} if "type_params" in ast.FunctionDef._fields else {}
    return ast.FunctionDef(name=name, args=args, body=body or [ast.Pass()], decorator_list=[], returns=None,
                           **fields)


def arg_names(args: ast.arguments) -> list[str]:
    """Every parameter name of a signature, in order."""
    names = [a.arg for a in args.posonlyargs + args.args]
    if args.vararg:
        names.append(args.vararg.arg)
    names += [a.arg for a in args.kwonlyargs]
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names
