"""Liveness (backward) and "maybe unbound" (forward) analyses over one scope's statements.

They decide the state of a converted statement: a name bound inside an `if` / loop body
is passed in and out only if it is live afterwards or read before it is written.
"""
from __future__ import annotations

import ast
import contextlib
from collections.abc import Iterator, Sequence

from .analysis import TRY, Names, kills, reads, stores

Block = Sequence[ast.stmt]


class Liveness:
    """Backward liveness. `always` holds names that are live everywhere: names captured by a
    nested function or lambda (it may read them at any later time) and names an exception
    handler or `finally` reads (an exception can jump there from anywhere)."""

    def __init__(self, always: set[str]) -> None:
        self.always = frozenset(always)
        self._loops: list[tuple[set[str], set[str]]] = []  # (live after loop, live at loop head)

    def block(self, stmts: Block, out: set[str]) -> set[str]:
        live = set(out)
        for s in reversed(stmts):
            live = self.stmt(s, live)
        return live

    def after_each(self, stmts: Block, out: set[str]) -> list[set[str]]:
        """Live names after each statement of `stmts`."""
        res: list[set[str]] = []
        live = set(out) | self.always
        for s in reversed(stmts):
            res.append(live)
            live = self.stmt(s, live)
        return res[::-1]

    def stmt(self, s: ast.stmt, out: set[str]) -> set[str]:
        if isinstance(s, ast.If):
            live = reads(s.test) | self.block(s.body, out) | self.block(s.orelse, out)
        elif isinstance(s, (ast.While, ast.For, ast.AsyncFor)):
            live = self._loop_entry(s, out)
        elif isinstance(s, (ast.Return, ast.Raise)):
            live = reads(s)
        elif isinstance(s, ast.Break):
            live = set(self._loops[-1][0]) if self._loops else set(out)
        elif isinstance(s, ast.Continue):
            live = set(self._loops[-1][1]) if self._loops else set(out)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            targets = [i.optional_vars for i in s.items if i.optional_vars]
            live = reads([i.context_expr for i in s.items] + targets) | (self.block(s.body, out) - stores(targets))
        elif isinstance(s, TRY):
            live = self._try(s, out)  # type: ignore[arg-type]
        elif isinstance(s, ast.Match):
            live = reads(s) | set(out)  # NOTE: no kills through match: a safe superset
        else:
            live = reads(s) | (set(out) - kills(s))
        return live | self.always

    @contextlib.contextmanager
    def in_loop(self, after: set[str], head: set[str]) -> Iterator[None]:
        """Targets of `break` / `continue` while a loop's body is analysed on its own."""
        self._loops.append((set(after), set(head)))
        try:
            yield
        finally:
            self._loops.pop()

    def loop_head(self, s: ast.While | ast.For | ast.AsyncFor, out: set[str]) -> set[str]:
        """Names live at the top of each iteration (before the test / the next item)."""
        after_else = self.block(s.orelse, out)
        target = stores(s.target) if not isinstance(s, ast.While) else set()
        test = reads(s.test) if isinstance(s, ast.While) else reads(s.target)
        head = test | after_else | self.always
        while True:  # monotone fixpoint; converges in a few rounds
            self._loops.append((set(out), head))
            try:
                new = test | after_else | (self.block(s.body, head) - target) | self.always
            finally:
                self._loops.pop()
            if new <= head:
                return head
            head = head | new

    def _loop_entry(self, s: ast.While | ast.For | ast.AsyncFor, out: set[str]) -> set[str]:
        head = self.loop_head(s, out)
        return head if isinstance(s, ast.While) else head | reads(s.iter)

    def _try(self, s: ast.Try, out: set[str]) -> set[str]:
        fin = self.block(s.finalbody, out)
        after_body = self.block(s.orelse, fin)
        handlers: set[str] = set()
        for h in s.handlers:
            handlers |= reads(h.type) | (self.block(h.body, fin) - ({h.name} if h.name else set()))
        return self.block(s.body, after_body | handlers) | handlers | fin

    def sub_blocks(self, s: ast.stmt, out: set[str]) -> list[tuple[ast.AST, str, set[str]]]:
        """The statement lists nested in a statement that stays Python, as (owner, field, live
        after), the live set being a superset; used to convert the statements inside."""
        if isinstance(s, ast.If):
            return [(s, "body", out), (s, "orelse", out)]
        if isinstance(s, (ast.While, ast.For, ast.AsyncFor)):
            return [(s, "body", self.loop_head(s, out) | out), (s, "orelse", out)]
        if isinstance(s, (ast.With, ast.AsyncWith)):
            return [(s, "body", out)]
        if isinstance(s, ast.Match):
            return [(c, "body", out) for c in s.cases]
        if isinstance(s, TRY):
            fin = self.block(s.finalbody, out)  # type: ignore[attr-defined]
            after_body = self.block(s.orelse, fin) | self.stmt(s, out)  # type: ignore[attr-defined]
            handlers = [(h, "body", fin) for h in s.handlers]  # type: ignore[attr-defined]
            return [(s, "body", after_body), (s, "orelse", fin), (s, "finalbody", out)] + handlers
        return []


def maybe_unbound(stmts: Block, maybe: set[str]) -> set[str]:
    """Forward: names that may be unbound after `stmts`, given those before."""
    m = set(maybe)
    for s in stmts:
        m = maybe_unbound_stmt(s, m)
    return m


def maybe_unbound_stmt(s: ast.stmt, maybe: set[str]) -> set[str]:
    if isinstance(s, ast.If):
        return maybe_unbound(s.body, maybe) | maybe_unbound(s.orelse, maybe)
    if isinstance(s, (ast.While, ast.For, ast.AsyncFor)):
        first = maybe | maybe_unbound(s.body, maybe)   # the body may run zero times
        again = first | maybe_unbound(s.body, first)   # ... or after a `del` in an earlier pass
        return again | maybe_unbound(s.orelse, again)
    if isinstance(s, (ast.With, ast.AsyncWith)):
        return maybe_unbound(s.body, maybe - stores([i.optional_vars for i in s.items if i.optional_vars]))
    if isinstance(s, TRY + (ast.Match,)):
        return maybe | Names.of(s).deleted  # any assignment inside may have been skipped
    if isinstance(s, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
        return maybe
    n = Names.of(s)
    return (maybe - (n.stores - n.walrus)) | n.deleted
