"""The conversion proper: `if` -> `cond`, `while` -> `while_loop`, on lowered code (lowering.py).

For an `if` that does not return, the generated code is

    def __ml_then_1(y, z):          # state in: the names the branches bind that are live
        <body>                      #   afterwards or read before they are written
        return (y, z)               # state out: the same names, in the same order
    def __ml_else_1(y, z): ...
    (y, z) = __ml_ctrl__.cond(<test>, __ml_then_1, __ml_else_1, (y, z))

For an `if` whose branches both return: branches return `(value,)` and the statement is
`return __ml_ctrl__.cond(...)[0]`. A `while` becomes `__ml_cond_N` / `__ml_body_N` over the
loop-carried state and `(state) = __ml_ctrl__.while_loop(cond, body, (state))`. Names only
read are closed over. A name that may be unbound is passed as `__ml_undefined__` and made
unbound again afterwards, so reading it raises as in Python. A statement holding something a
graph cannot capture stays Python, its test wrapped in `__ml_ctrl__.concrete(...)`.
"""
from __future__ import annotations

import ast
import contextlib
from dataclasses import dataclass, replace

from .analysis import (
    SCOPES,
    TRY,
    Names,
    always_returns,
    contains,
    reads,
    stores,
    unsupported,
    walk_stmts,
)
from .build import (
    UNDEF,
    Namer,
    arg_names,
    at,
    const,
    ctrl,
    del_if_undefined,
    function,
    load,
    maybe_load,
    store,
    thunk,
    tuple_of,
)
from .dataflow import Liveness, maybe_unbound, maybe_unbound_stmt

_INTROSPECT = frozenset({"locals", "vars", "eval", "exec", "dir"})


@dataclass(frozen=True)
class _Ctx:
    """Where a statement list sits. `ret_wrap`: in a returning branch, so `return v` becomes
    `return (v,)`. `try_line`: inside the body of the `try` at that line; a converted body that
    raised would lose its assignments, which the handler or later code may read, so nothing
    there is converted."""

    ret_wrap: bool = False
    try_line: int | None = None


class Converter:
    """Converts the statements of one function scope (nested functions are converted apart)."""

    def __init__(self, fdef: ast.FunctionDef, namer: Namer) -> None:
        self.fdef = fdef
        self.namer = namer
        names = Names.of(fdef.body)
        self.declared = names.declared
        self.captured = names.nested_free & names.stores  # this scope's variables read by closures
        # live everywhere: captured by a closure, or read where an exception may jump to
        always = set(names.nested_free)
        for n in walk_stmts(fdef.body):
            if isinstance(n, TRY):
                always |= reads(n.handlers) | reads(n.finalbody)  # type: ignore[attr-defined]
        if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _INTROSPECT
               for n in walk_stmts(fdef.body)):
            always |= names.stores  # locals() / eval() may read any variable
        self.live = Liveness(always)

    def run(self) -> None:
        params = set(arg_names(self.fdef.args))
        maybe = stores(self.fdef.body) - params - self.declared
        self.fdef.body = self.block(self.fdef.body, set(), maybe, _Ctx())

    def block(self, stmts: list[ast.stmt], out: set[str], maybe: set[str], ctx: _Ctx) -> list[ast.stmt]:
        """Convert a statement list; `out`: names live after it; `maybe`: names maybe unbound
        before it."""
        res: list[ast.stmt] = []
        for s, after in zip(stmts, self.live.after_each(stmts, out)):
            nxt = maybe_unbound_stmt(s, maybe)  # analyse before `s` is rewritten in place
            res.extend(self.stmt(s, after, maybe, ctx))
            maybe = nxt
        return res

    def stmt(self, s: ast.stmt, after: set[str], maybe: set[str], ctx: _Ctx) -> list[ast.stmt]:
        if isinstance(s, ast.If):
            return self.if_stmt(s, after, maybe, ctx)
        if isinstance(s, ast.While):
            return self.while_stmt(s, after, maybe, ctx)
        if isinstance(s, ast.Return) and ctx.ret_wrap:
            return [at(ast.Return(value=tuple_of([s.value or const(None)])), s)]
        if not isinstance(s, SCOPES):
            self._inside(s, after, maybe, ctx)  # for / with / try / match stay Python
        return [s]

    def _inside(self, s: ast.stmt, after: set[str], maybe: set[str], ctx: _Ctx) -> None:
        """Convert the statements nested in a statement that itself stays Python."""
        wide = maybe | maybe_unbound_stmt(s, maybe)  # covers a second loop iteration too
        for owner, field, out in self.live.sub_blocks(s, after):
            inner = ctx
            loop: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
            if owner is s and field == "body" and isinstance(s, TRY):
                inner = replace(ctx, try_line=s.lineno)
            if owner is s and field == "body" and isinstance(s, (ast.For, ast.AsyncFor, ast.While)):
                loop = self.live.in_loop(after, out)  # a `break` in there jumps to `after`
            with loop:
                setattr(owner, field, self.block(getattr(owner, field), out, wide, inner))

    # ---- if -------------------------------------------------------------------------------

    def if_stmt(self, s: ast.If, after: set[str], maybe: set[str], ctx: _Ctx) -> list[ast.stmt]:
        keep = getattr(s, "_ml_keep", None)
        bad = (keep, s.lineno) if keep else self._unsupported(s.body + s.orelse, ctx)
        returning = contains(s.body + s.orelse, (ast.Return,))
        if not bad and returning and not (always_returns(s.body) and always_returns(s.orelse)):
            # only inside with/try, where fold_returns cannot move the rest into the branches
            bad = ("return", _first(s, ast.Return))
        if bad:
            stmt_kind = "for" if keep else "if"
            return self._guarded(s, stmt_kind, bad, after, maybe, ctx)
        if returning:
            return self._returning_if(s, maybe, ctx.ret_wrap)
        return self._state_if(s, after, maybe)

    def _state_if(self, s: ast.If, after: set[str], maybe: set[str]) -> list[ast.stmt]:
        bound = stores(s.body + s.orelse)
        live_then, live_else = self.live.block(s.body, after), self.live.block(s.orelse, after)
        state = sorted(bound & (after | live_then | live_else))
        out = set(state)
        needed = self.live.block(s.body, out) | self.live.block(s.orelse, out)
        maybe_after = maybe_unbound_stmt(s, maybe)
        k = self.namer.number()
        then = self._branch(f"__ml_then_{k}", state, s.body, out, maybe, ret_wrap=False)
        orelse = self._branch(f"__ml_else_{k}", state, s.orelse, out, maybe, ret_wrap=False)
        call = ctrl("cond", self._test(s.test), load(then.name), load(orelse.name),
                    tuple_of([self._operand(v, needed, maybe) for v in state]))
        res: list[ast.stmt] = [then, orelse, _bind(state, call)]
        res += [del_if_undefined(v) for v in state if v in maybe_after]
        return [at(r, s) for r in res]

    def _returning_if(self, s: ast.If, maybe: set[str], ret_wrap: bool) -> list[ast.stmt]:
        needed = self.live.block(s.body, set()) | self.live.block(s.orelse, set())
        params = sorted(stores(s.body + s.orelse) & needed)  # bound in a branch, read before
        k = self.namer.number()
        then = self._branch(f"__ml_then_{k}", params, s.body, set(), maybe, ret_wrap=True)
        orelse = self._branch(f"__ml_else_{k}", params, s.orelse, set(), maybe, ret_wrap=True)
        call = ctrl("cond", self._test(s.test), load(then.name), load(orelse.name),
                    tuple_of([self._operand(v, needed, maybe) for v in params]))
        # nested in another returning branch, pass the 1-tuple on; at the top, unpack it
        value = call if ret_wrap else ast.Subscript(value=call, slice=const(0), ctx=ast.Load())
        return [at(then, s), at(orelse, s), at(ast.Return(value=value), s)]

    # ---- while ----------------------------------------------------------------------------

    def while_stmt(self, s: ast.While, after: set[str], maybe: set[str], ctx: _Ctx) -> list[ast.stmt]:
        stmt_kind = getattr(s, "_ml_origin", "while")
        bad = self._unsupported(s.body, ctx) or unsupported([s.test], self.declared, self.captured)
        if not bad and contains([s.test], (ast.NamedExpr,)):
            bad = ("walrus", s.lineno)  # the test runs in a nested function
        if bad:
            return self._guarded(s, stmt_kind, bad, after, maybe, ctx)
        state = sorted(stores(s.body) & self.live.loop_head(s, after))
        out = set(state)
        each = maybe_unbound_stmt(s, maybe)  # maybe unbound at the start of some iteration
        k = self.namer.number()
        test_pre = [del_if_undefined(v) for v in state if v in each and v in reads(s.test)]
        test = function(f"__ml_cond_{k}", state, test_pre + [ast.Return(value=self._test(s.test))])
        body = self._branch(f"__ml_body_{k}", state, s.body, out, each, ret_wrap=False)
        init = tuple_of([maybe_load(v) if v in maybe else load(v) for v in state])
        res: list[ast.stmt] = [test, body, _bind(state, ctrl("while_loop", load(test.name), load(body.name), init))]
        res += [del_if_undefined(v) for v in state if v in each]
        return [at(r, s) for r in res]

    # ---- shared pieces --------------------------------------------------------------------

    def _branch(self, name: str, params: list[str], body: list[ast.stmt], out: set[str], maybe: set[str],
                ret_wrap: bool) -> ast.FunctionDef:
        """A nested function over `params` running `body`; unless it returns by itself
        (`ret_wrap`), it ends with `return (params...)`."""
        entry_live = self.live.block(body, out)
        maybe_in = {p for p in params if p in maybe} | (stores(body) - set(params))
        # a parameter that arrives as the sentinel and is read must be unbound, as in Python
        pre = [del_if_undefined(p) for p in params if p in maybe and p in entry_live]
        new_body = pre + self.block(body, out, maybe_in, _Ctx(ret_wrap=ret_wrap))
        if not ret_wrap:
            end = maybe_unbound(body, maybe_in)
            new_body.append(ast.Return(value=tuple_of([maybe_load(p) if p in end else load(p) for p in params])))
        return function(name, params, new_body)

    def _guarded(self, s: ast.If | ast.While, stmt_kind: str, bad: tuple[str, int], after: set[str],
                 maybe: set[str], ctx: _Ctx) -> list[ast.stmt]:
        kind, line = bad
        s.test = at(ctrl("concrete", s.test, const(stmt_kind), const(kind), const(line)), s.test)
        self._inside(s, after, maybe, ctx)
        return [s]

    def _unsupported(self, region: list[ast.stmt], ctx: _Ctx) -> tuple[str, int] | None:
        if ctx.try_line is not None:
            return "in_try", ctx.try_line
        return unsupported(region, self.declared, self.captured)

    @staticmethod
    def _operand(name: str, needed: set[str], maybe: set[str]) -> ast.expr:
        if name not in needed:
            return load(UNDEF)  # every branch binds it before reading it: no value to pass
        return maybe_load(name) if name in maybe else load(name)

    @staticmethod
    def _test(e: ast.expr) -> ast.expr:
        """The test of an `if` / `while`, see `lazy_test`."""
        if contains([e], (ast.NamedExpr, ast.Yield, ast.YieldFrom, ast.Await)):
            return e  # moving these into a lambda would change their scope
        return lazy_test(e)


def lazy_test(e: ast.expr) -> ast.expr:
    """A condition with its `and` / `or` / `not` and chained comparisons (`a < b < c`) made
    runtime helpers: Python's short-circuit on Python values, logical ops on symbolic ones
    (where Python would call bool() on a tensor the graph cannot read)."""
    if isinstance(e, ast.BoolOp):
        rest = [thunk(lazy_test(v)) for v in e.values[1:]]
        fn = "and_" if isinstance(e.op, ast.And) else "or_"
        return at(ctrl(fn, lazy_test(e.values[0]), *rest), e)
    if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
        return at(ctrl("not_", lazy_test(e.operand)), e)
    if isinstance(e, ast.Compare) and len(e.ops) > 1:
        names = tuple_of([const(type(op).__name__) for op in e.ops])
        return at(ctrl("compare", e.left, names, *[thunk(c) for c in e.comparators]), e)
    return e


def _bind(state: list[str], call: ast.expr) -> ast.stmt:
    if not state:
        return ast.Expr(value=call)
    return ast.Assign(targets=[tuple_of([store(v) for v in state], ast.Store())], value=call)


def _first(s: ast.AST, kind: type) -> int:
    for n in walk_stmts([s]):
        if isinstance(n, kind):
            return n.lineno  # type: ignore[attr-defined]
    return s.lineno  # type: ignore[attr-defined]


def convert_function(fdef: ast.FunctionDef, namer: Namer) -> None:
    Converter(fdef, namer).run()
