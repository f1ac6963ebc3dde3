"""Python-to-Python rewrites that run before the conversion to cond / while_loop.

Each one keeps the meaning of the function in plain Python (the tests run the code after
every step), and together they leave the converter only `if` and `while` statements with no
`break`, `continue` or `return` that would have to leave a nested function:

1. `prepare`        private-name mangling and explicit `super(__class__, self)`, which a
                    method loses when its source is compiled outside its class
2. `lower_range_for` `for i in range(...)` -> a `while` over a counter
3. `lower_jumps`    `return` inside a loop -> flag + value + break; `break` / `continue` ->
                    flags, with the rest of the body guarded by `if not flag:` (AutoGraph)
4. `fold_returns`   the statements after an `if` that returns move into its branches, so
                    that both branches of a returning `if` end in `return`
"""
from __future__ import annotations

import ast
import copy
from typing import Any

from .analysis import (
    LOOPS,
    SCOPES,
    TRY,
    always_returns,
    contains,
    is_range_for,
    walk_stmts,
)
from .build import (
    RETF,
    RETV,
    UNDEF,
    Namer,
    assign,
    at,
    const,
    ctrl,
    load,
    store,
    tuple_of,
)


class _Scoped(ast.NodeTransformer):
    """A transformer that stays inside one function scope."""

    def visit_FunctionDef(self, n: ast.FunctionDef) -> ast.AST:
        return n  # a nested function is converted on its own

    def visit_AsyncFunctionDef(self, n: ast.AsyncFunctionDef) -> ast.AST:
        return n

    def visit_Lambda(self, n: ast.Lambda) -> ast.AST:
        return n

    def visit_ClassDef(self, n: ast.ClassDef) -> ast.AST:
        return n

    def run(self, fdef: ast.FunctionDef) -> None:
        body: list[ast.stmt] = []
        for s in fdef.body:
            r = self.visit(s)
            body.extend(r if isinstance(r, list) else [r])
        fdef.body = body


# ---- 1. prepare --------------------------------------------------------------------------

def prepare(fdef: ast.FunctionDef, class_name: str | None, explicit_super: bool) -> None:
    """Make the source mean the same outside its class body.

    Python mangles `__name` to `_Class__name` inside a class, and zero-argument `super()` reads
    the first argument of the function it is called in, which a converted branch is not.
    """
    if class_name and class_name.lstrip("_"):
        _Mangler(class_name).visit(fdef)
    if explicit_super:
        _ExplicitSuper().visit(fdef)


class _Mangler(ast.NodeVisitor):
    def __init__(self, class_name: str) -> None:
        self.prefix = "_" + class_name.lstrip("_")

    def m(self, name: str) -> str:
        return self.prefix + name if name.startswith("__") and not name.endswith("__") else name

    def visit_Name(self, n: ast.Name) -> None:
        n.id = self.m(n.id)

    def visit_Attribute(self, n: ast.Attribute) -> None:
        n.attr = self.m(n.attr)
        self.generic_visit(n)

    def visit_arg(self, n: ast.arg) -> None:
        n.arg = self.m(n.arg)
        self.generic_visit(n)

    def visit_keyword(self, n: ast.keyword) -> None:
        n.arg = self.m(n.arg) if n.arg else None
        self.generic_visit(n)

    def visit_FunctionDef(self, n: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        n.name = self.m(n.name)
        self.generic_visit(n)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Global(self, n: ast.Global | ast.Nonlocal) -> None:
        n.names = [self.m(x) for x in n.names]

    visit_Nonlocal = visit_Global  # type: ignore[assignment]

    def visit_ClassDef(self, n: ast.ClassDef) -> None:
        for part in n.decorator_list + n.bases + n.keywords:
            self.visit(part)
        inner = _Mangler(n.name) if n.name.lstrip("_") else None
        n.name = self.m(n.name)
        for s in n.body:
            if inner is not None:
                inner.visit(s)


class _ExplicitSuper(ast.NodeTransformer):
    def __init__(self) -> None:
        self.first: list[str | None] = []

    def visit_FunctionDef(self, n: ast.FunctionDef) -> ast.FunctionDef:
        params = n.args.posonlyargs + n.args.args
        self.first.append(params[0].arg if params else None)
        self.generic_visit(n)
        self.first.pop()
        return n

    def visit_ClassDef(self, n: ast.ClassDef) -> ast.ClassDef:
        return n  # its methods get their own __class__ cell

    def visit_Call(self, n: ast.Call) -> ast.Call:
        self.generic_visit(n)
        if (isinstance(n.func, ast.Name) and n.func.id == "super" and not n.args and not n.keywords
                and self.first and self.first[-1]):
            n.args = [at(load("__class__"), n), at(load(self.first[-1]), n)]
        return n


# ---- 2. for i in range(...) ------------------------------------------------------------------

class _RangeFor(_Scoped):
    def __init__(self, namer: Namer) -> None:
        self.namer = namer

    def visit_For(self, n: ast.For) -> Any:
        self.generic_visit(n)
        if not is_range_for(n):
            return n
        k = self.namer.number()
        it, stop, step = (f"__ml_{tag}_{k}" for tag in ("it", "stop", "step"))
        # range() evaluates its arguments once; the counter is separate from the loop
        # variable, so assigning to `i` in the body cannot change the iteration (as in Python)
        setup = ast.Assign(targets=[tuple_of([store(it), store(stop), store(step)], ast.Store())],
                           value=ctrl("range_args", *n.iter.args))  # type: ignore[attr-defined]
        step_up = assign(it, ast.BinOp(left=load(it), op=ast.Add(), right=load(step)))
        body = [ast.Assign(targets=[n.target], value=load(it)), step_up] + n.body
        loop = ast.While(test=ctrl("range_test", load(it), load(stop), load(step)), body=body, orelse=n.orelse)
        loop._ml_origin = "for"  # type: ignore[attr-defined]  # error messages say `for`
        return [at(setup, n), at(loop, n)]


def lower_range_for(fdef: ast.FunctionDef, namer: Namer) -> None:
    _RangeFor(namer).run(fdef)


# ---- 3. break / continue / return in loops ---------------------------------------------------

class _ReturnToBreak(_Scoped):
    def visit_Return(self, n: ast.Return) -> Any:
        if isinstance(n.value, ast.Name) and n.value.id == RETV:
            return at(ast.Break(), n)  # re-raised from an inner loop: flag and value are set
        value = n.value if n.value is not None else const(None)
        return [at(assign(RETV, value), n), at(assign(RETF, const(True)), n), at(ast.Break(), n)]


class _Jumps(_Scoped):
    def __init__(self, namer: Namer) -> None:
        self.namer = namer

    def visit_While(self, n: ast.While | ast.For) -> Any:
        self.generic_visit(n)  # inner loops first
        return self._lower(n)

    visit_For = visit_While  # type: ignore[assignment]

    def _lower(self, loop: ast.While | ast.For) -> Any:
        pre: list[ast.stmt] = []
        post: list[ast.stmt] = []
        if contains(loop.body, (ast.Return,)):  # no loop keeps a `return` after this pass
            loop.body = _flat(_ReturnToBreak().visit(s) for s in loop.body)
            pre += [assign(RETF, const(False)), assign(RETV, load(UNDEF))]
            post.append(ast.If(test=load(RETF), body=[ast.Return(value=load(RETV))], orelse=[]))
        is_while = isinstance(loop, ast.While)
        if is_while or _jump_in_if(loop.body):  # a Python `for` keeps jumps no `if` hides
            pre += self._flags(loop)
        if is_while and loop.orelse:  # `while ... else` runs the else part unless it broke
            brk = getattr(loop, "_ml_brk", None)
            post[:0] = [ast.If(test=_not(brk), body=loop.orelse, orelse=[])] if brk else loop.orelse
            loop.orelse = []
        return [at(s, loop) for s in pre] + [loop] + [at(s, loop) for s in post]

    def _flags(self, loop: ast.While | ast.For) -> list[ast.stmt]:
        has_brk = contains(loop.body, (ast.Break,), stop=LOOPS)
        has_cont = contains(loop.body, (ast.Continue,), stop=LOOPS)
        if not (has_brk or has_cont):
            return []
        k = self.namer.number()
        brk = f"__ml_brk_{k}" if has_brk else None
        skip = f"__ml_cont_{k}" if has_cont else brk  # guards the rest of an iteration
        assert skip is not None
        body = _lower_block(loop.body, brk, skip)
        if has_cont:
            body.insert(0, at(assign(skip, const(False)), loop.body[0]))
        pre: list[ast.stmt] = []
        if brk:
            pre.append(assign(brk, const(False)))
            loop._ml_brk = brk  # type: ignore[union-attr]
            if isinstance(loop, ast.While):
                loop.test = ast.BoolOp(op=ast.And(), values=[_not(brk), loop.test])
            else:  # a Python `for` is left by a real `break`, checked once per iteration
                leave = at(ast.If(test=load(brk), body=[ast.Break()], orelse=[]), loop)
                leave._ml_keep = "break"  # type: ignore[attr-defined]  # stays a Python `if`
                body.append(leave)
        loop.body = body
        return pre


def _lower_block(stmts: list[ast.stmt], brk: str | None, skip: str) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for i, s in enumerate(stmts):
        if isinstance(s, ast.Break):
            flags = [brk] + ([skip] if skip != brk else [])
            return out + [at(assign(f, const(True)), s) for f in flags if f]
        if isinstance(s, ast.Continue):
            return out + [at(assign(skip, const(True)), s)]
        jumps = contains([s], (ast.Break, ast.Continue), stop=LOOPS)
        if jumps:
            for owner, field in _blocks(s):
                setattr(owner, field, _lower_block(getattr(owner, field), brk, skip))
        out.append(s)
        rest = stmts[i + 1:]
        if jumps and rest:
            guard = ast.If(test=_not(skip), body=_lower_block(rest, brk, skip), orelse=[])
            return out + [at(guard, rest[0])]
    return out


def _blocks(s: ast.stmt) -> list[tuple[ast.AST, str]]:
    """The statement lists directly inside a non-loop compound statement."""
    if isinstance(s, ast.If):
        return [(s, "body"), (s, "orelse")]
    if isinstance(s, (ast.With, ast.AsyncWith)):
        return [(s, "body")]
    if isinstance(s, TRY):
        return [(s, "body"), (s, "orelse"), (s, "finalbody")] + [(h, "body") for h in s.handlers]  # type: ignore
    if isinstance(s, ast.Match):
        return [(c, "body") for c in s.cases]
    return []


def _jump_in_if(stmts: list[ast.stmt], inside: bool = False) -> bool:
    """A break/continue of this loop sits inside an `if` (which becomes a nested function)."""
    for s in stmts:
        if isinstance(s, (ast.Break, ast.Continue)) and inside:
            return True
        if isinstance(s, LOOPS + SCOPES):
            continue
        for owner, field in _blocks(s):
            if _jump_in_if(getattr(owner, field), inside or isinstance(s, ast.If)):
                return True
    return False


def _not(name: str) -> ast.UnaryOp:
    return ast.UnaryOp(op=ast.Not(), operand=load(name))


def _flat(items: Any) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for r in items:
        out.extend(r if isinstance(r, list) else [r])
    return out


def lower_jumps(fdef: ast.FunctionDef, namer: Namer) -> None:
    _Jumps(namer).run(fdef)


# ---- 4. returns in ifs -----------------------------------------------------------------------

def fold_returns(fdef: ast.FunctionDef) -> None:
    """Move the continuation of each returning `if` into its branches.

    `if c: return a` + rest becomes `if c: return a` / `else: rest`; a branch that can fall
    through gets its own copy of the rest. Both branches then return, so the `if` becomes
    `return cond(c, ...)[0]` and no flag variable with a placeholder value is needed (which a
    graph could not type). Copies are bounded by a budget; past it an `if` keeps its rest after
    it and stays Python (converted code then raises only if its condition is symbolic).
    """
    if not any(isinstance(n, ast.If) and contains(n.body + n.orelse, (ast.Return,))
               for n in walk_stmts(fdef.body)):
        return
    if not always_returns(fdef.body):
        fdef.body.append(at(ast.Return(value=None), fdef.body[-1]))
    fdef.body = _Folder().fold(fdef.body)


class _Folder:
    BUDGET = 300  # statements copied per function; a chain of k such `if`s could copy 2**k times

    def __init__(self) -> None:
        self.budget = self.BUDGET

    def fold(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        for i, s in enumerate(stmts):
            if isinstance(s, ast.If) and contains(s.body + s.orelse, (ast.Return,)):
                s.body, s.orelse = self.fold(s.body), self.fold(s.orelse)
                rest = self.fold(stmts[i + 1:])
                extra = (_ends(s.body) + _ends(s.orelse) - 1) * _size(rest)
                if extra > self.budget:
                    return stmts[:i] + [s] + rest
                self.budget -= max(extra, 0)
                if rest:
                    both = not always_returns(s.body) and not always_returns(s.orelse)
                    s.body = _push(s.body, copy.deepcopy(rest) if both else rest)
                    s.orelse = _push(s.orelse, rest)
                return stmts[:i] + [s]
            for owner, field in _blocks(s):  # with / try / match bodies: fold inside only
                setattr(owner, field, self.fold(getattr(owner, field)))
        return stmts


def _ends(stmts: list[ast.stmt]) -> int:
    """How many paths through `stmts` fall through (as `_push` counts them)."""
    if always_returns(stmts):
        return 0
    last = stmts[-1] if stmts else None
    if isinstance(last, ast.If) and contains(last.body + last.orelse, (ast.Return,)):
        return _ends(last.body) + _ends(last.orelse)
    return 1


def _size(stmts: list[ast.stmt]) -> int:
    return sum(isinstance(n, ast.stmt) for s in stmts for n in ast.walk(s))


def _push(stmts: list[ast.stmt], rest: list[ast.stmt]) -> list[ast.stmt]:
    """Append `rest` to every path through `stmts` that falls through."""
    if always_returns(stmts):
        return stmts
    last = stmts[-1] if stmts else None
    if isinstance(last, ast.If) and contains(last.body + last.orelse, (ast.Return,)):
        both = not always_returns(last.body) and not always_returns(last.orelse)
        last.body = _push(last.body, copy.deepcopy(rest) if both else rest)
        last.orelse = _push(last.orelse, rest)
        return stmts
    return stmts + rest

