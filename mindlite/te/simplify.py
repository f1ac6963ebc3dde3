"""The simplifier: inline elementwise stages, fold constants and apply exact algebraic
identities, bottom-up to a fixed point.

Rules (all exact in IEEE arithmetic unless noted):
  * constant folding (in the node's own dtype);
  * x*1, 1*x, x/1, x+0, 0+x, x-0 -> x;  0-x -> -x;  --x -> x;  x*-1 -> -x;
  * negations move outwards: (-a)*b, a*(-b) -> -(a*b); (-a)/b -> -(a/b); a+(-b) -> a-b; a-(-b) -> a+b;
  * select with a constant condition or equal branches;
  * x*0 -> 0 and 0/x -> 0 only for *structural* zeros (made by differentiation): for a user's
    0 it would turn NaN/Inf into 0. `strict=True` turns these two off.
Elementwise stages (no reduction at the top) are substituted into their users, so a chain
of `te.lang` stages becomes one expression; reduction stages stay stages.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from .expr import Access, Axis, Const, Expr, Op, Reduce, ReduceVar, Tensor, op, stage
from .intrin import OPS
from .visit import postorder, substitute, tensors


def _zero_like(n: Expr) -> Const:
    value = {"b": False, "i": 0, "u": 0}.get(n.dtype.kind, 0.0)
    return Const.make(value, None if n.weak else n.dtype, structural=True)


def _is_const(e: Expr, v: float) -> bool:
    return isinstance(e, Const) and not isinstance(e.value, bool) and e.value == v


def _is_neg(e: Expr) -> bool:
    return isinstance(e, Op) and e.name == "neg"


def fold(n: Op) -> Const | None:
    """The constant value of an operation on constants, in the node's dtype (None for
    extern intrinsics)."""
    spec = OPS[n.name]
    if spec.kind == "extern":
        return None
    vals = [a.value if a.weak else np.asarray(a.value, a.dtype) for a in n.args]
    with np.errstate(all="ignore"):
        if n.name == "cast":
            r = np.asarray(vals[0]).astype(n.attr)
        else:
            r = getattr(np, spec.xp_fn)(*vals)
    r = np.asarray(r).astype(n.dtype).item()
    structural = r == 0 and any(a.structural for a in n.args)
    return Const.make(r, None if n.weak else n.dtype, structural)


class Simplifier:
    """One simplification run (memoised over nodes and tensors)."""

    def __init__(self, strict: bool = False, rules: bool = True, keep: Iterable[Tensor] = ()) -> None:
        self.strict, self.rules = strict, rules
        self.keep = {id(t) for t in keep}
        self.memo: dict[int, tuple[Expr, Expr]] = {}      # id(node) -> (node, result); node kept alive
        self.tmemo: dict[int, tuple[Tensor, Tensor]] = {}

    def tensor(self, t: Tensor) -> Tensor:
        if t.is_placeholder or id(t) in self.keep:
            return t
        hit = self.tmemo.get(id(t))
        if hit is not None:
            return hit[1]
        body = t.body
        if self.rules:  # an axis of size 1 is the constant 0 (so `j == 0` folds, selects go)
            ones = {Axis.make(k): Const.make(0) for k, d in enumerate(t.shape) if isinstance(d, int) and d == 1}
            body = substitute(body, ones) if ones else body
        body = _retype(self.expr(body), t.dtype)
        new = stage(t.shape, body, t.name, t.origin)
        self.tmemo[id(t)] = (t, new)
        return new

    def expr(self, e: Expr) -> Expr:
        for n in postorder([e]):
            if id(n) not in self.memo:
                self.memo[id(n)] = (n, self._node(n))
        return self.memo[id(e)][1]

    def _get(self, n: Expr) -> Expr:
        return self.memo[id(n)][1]

    def _node(self, n: Expr) -> Expr:
        if isinstance(n, Access):
            t = self.tensor(n.tensor)
            idx = [self._get(i) for i in n.indices]
            if not t.is_placeholder and id(t) not in self.keep and not isinstance(t.body, Reduce):
                inlined = substitute(t.body, {Axis.make(k): i for k, i in enumerate(idx)})
                return self.expr(inlined)
            return Access.make(t, idx)
        if isinstance(n, Op):
            args = [self._get(a) for a in n.args]
            new = n if all(a is b for a, b in zip(args, n.args)) else op(n.name, *args, attr=n.attr)
            return self.rewrite(new) if self.rules else new
        if isinstance(n, Reduce):
            body = self._get(n.body)
            if self.rules and isinstance(body, Const) and body.structural and body.value == 0:
                return body
            single = [r for r in n.rvars if isinstance(r.hi, int) and r.hi - r.lo == 1]
            if self.rules and single:  # a reduction over one element is that element
                body = self.expr(substitute(body, {r: Const.make(r.lo) for r in single}))
                rest = [r for r in n.rvars if not any(r is q for q in single)]
                return Reduce.make(n.kind, body, rest) if rest else body
            return n if body is n.body else Reduce.make(n.kind, body, n.rvars)
        return n

    def mk(self, name: str, *args: Expr) -> Expr:
        return self.rewrite(op(name, *args))

    def rewrite(self, n: Expr) -> Expr:
        for _ in range(64):  # each rule shrinks the node or moves a negation up: this ends fast
            if not isinstance(n, Op):
                return n
            r = self._rule(n)
            if r is None or r is n:
                return n
            n = r
        return n

    def _rule(self, n: Op) -> Expr | None:  # noqa: C901 - one flat list of rules reads best
        a = n.args
        if a and all(isinstance(x, Const) for x in a):
            return fold(n)
        same = lambda x: x.dtype == n.dtype and x.weak == n.weak  # noqa: E731
        s0 = lambda x: isinstance(x, Const) and x.structural and x.value == 0  # noqa: E731
        name = n.name
        if name == "mul":
            x, y = a
            if _is_const(y, 1) and same(x):
                return x
            if _is_const(x, 1) and same(y):
                return y
            if not self.strict and (s0(x) or s0(y)):
                return _zero_like(n)
            if _is_const(y, -1) and same(x):
                return self.mk("neg", x)
            if _is_const(x, -1) and same(y):
                return self.mk("neg", y)
            if _is_neg(x):
                return self.mk("neg", self.mk("mul", x.args[0], y))
            if _is_neg(y):
                return self.mk("neg", self.mk("mul", x, y.args[0]))
        elif name == "div":
            x, y = a
            if _is_const(y, 1) and same(x):
                return x
            if not self.strict and s0(x):
                return _zero_like(n)
            if _is_neg(x):
                return self.mk("neg", self.mk("div", x.args[0], y))
            if _is_neg(y):
                return self.mk("neg", self.mk("div", x, y.args[0]))
        elif name == "add":
            x, y = a
            if _is_const(y, 0) and same(x):
                return x
            if _is_const(x, 0) and same(y):
                return y
            if _is_neg(y):
                return self.mk("sub", x, y.args[0])
            if _is_neg(x):
                return self.mk("sub", y, x.args[0])
        elif name == "sub":
            x, y = a
            if _is_const(y, 0) and same(x):
                return x
            if _is_const(x, 0) and same(y):
                return self.mk("neg", y)
            if _is_neg(y):
                return self.mk("add", x, y.args[0])
        elif name == "neg":
            if _is_neg(a[0]) and same(a[0].args[0]):
                return a[0].args[0]
            if s0(a[0]):
                return _zero_like(n)
        elif name == "select":
            c, x, y = a
            if isinstance(c, Const):
                pick = x if c.value else y
                return pick if same(pick) else None
            if x is y and same(x):
                return x
        elif name == "cast" and a[0].dtype == n.dtype and not a[0].weak:
            return a[0]
        return None


def _retype(body: Expr, dtype: np.dtype) -> Expr:
    if body.dtype == dtype and not body.weak:
        return body
    if isinstance(body, Const):
        return Const.make(body.value, dtype, body.structural)
    if isinstance(body, Reduce):
        return Reduce.make(body.kind, _retype(body.body, dtype), body.rvars)
    return op("cast", body, attr=dtype)


def simplify(expr: Any, strict: bool = False, keep: Iterable[Tensor] = ()) -> Any:
    """Simplify a te tensor (every stage it depends on), a list of tensors, or an expression.

    Args:
        strict: keep x*0 and 0/x even for structural zeros (NaN/Inf propagate exactly).
        keep: tensors that stay as they are (not inlined, not rewritten).
    Returns:
        the same kind of object, simplified (an unchanged tensor is returned as is).
    """
    s = Simplifier(strict=strict, keep=keep)
    return _apply(s, expr)


def inline(expr: Any, keep: Iterable[Tensor] = ()) -> Any:
    """Substitute elementwise stages into their users (no algebraic rewriting)."""
    return _apply(Simplifier(rules=False, keep=keep), expr)


def _apply(s: Simplifier, expr: Any) -> Any:
    if isinstance(expr, Tensor):
        return s.tensor(expr)
    if isinstance(expr, Expr):
        return s.expr(expr)
    if isinstance(expr, (list, tuple)):
        return type(expr)(_apply(s, e) for e in expr)
    raise TypeError(f"te.simplify takes te tensors or expressions, got {type(expr).__name__}")


def count_nodes(expr: Any) -> int:
    """Distinct expression nodes (constants, operations, tensor accesses, reductions, sizes)
    in the DAG of a te tensor (all the stages it depends on), tensors or an expression;
    iteration and reduction variables are not counted."""
    roots = expr if isinstance(expr, (list, tuple)) else [expr]
    exprs: list[Expr] = []
    for r in roots:
        if isinstance(r, Tensor):
            exprs += [t.body for t in tensors([r]) if t.body is not None]
        elif isinstance(r, Expr):
            exprs.append(r)
            exprs += [t.body for t in tensors(_accessed(r)) if t.body is not None]
        else:
            raise TypeError(f"te.count_nodes takes te tensors or expressions, got {type(r).__name__}")
    return sum(1 for n in postorder(exprs) if not isinstance(n, (Axis, ReduceVar)))


def _accessed(e: Expr) -> list[Tensor]:
    return [n.tensor for n in postorder([e]) if isinstance(n, Access)]


__all__ = ["simplify", "inline", "count_nodes", "fold", "Simplifier"]
