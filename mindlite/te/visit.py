"""Walks over te expressions: post-order, free variables, substitution, reachable tensors,
and the normalisation that puts every reduction at the top of a stage of its own."""
from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from ..ir import walk
from .expr import Access, Axis, Const, Expr, Op, Reduce, ReduceVar, Tensor, Var, op


def children(e: Expr) -> tuple:
    if isinstance(e, Op):
        return e.args
    if isinstance(e, Access):
        return e.indices
    if isinstance(e, Reduce):
        return (e.body,)
    return ()


def postorder(roots: Sequence[Expr], into_indices: bool = True) -> list[Expr]:
    """Distinct nodes reachable from roots, operands before users (iterative)."""
    return walk.postorder(roots, lambda n: () if isinstance(n, Access) and not into_indices else children(n))


def free_vars(e: Expr) -> list[Var]:
    """Axis and reduction variables free in e (SizeVars are global), sorted: axes by
    position, then reduction variables by creation."""
    free: dict[int, set] = {}
    for n in postorder([e]):
        if isinstance(n, (Axis, ReduceVar)):
            s = {n}
        else:
            s = set().union(*[free[id(c)] for c in children(n)]) if children(n) else set()
            if isinstance(n, Reduce):
                s = s - set(n.rvars)
        free[id(n)] = s
    return sorted(free[id(e)], key=var_order)


def var_order(v: Var) -> tuple:
    return (0, v.k) if isinstance(v, Axis) else (1, v.uid)


def rebuild(e: Expr, leaf: Callable[[Expr], Expr | None], memo: dict | None = None) -> Expr:
    """e with every node for which `leaf` returns an Expr replaced by it (bottom-up, memoised);
    Op types are recomputed, so replacing variables by constants stays well typed."""
    memo = {} if memo is None else memo
    for n in postorder([e]):
        if id(n) in memo:
            continue
        got = leaf(n)
        if got is not None:
            memo[id(n)] = got
        elif isinstance(n, Op):
            args = [memo[id(a)] for a in n.args]
            memo[id(n)] = n if all(a is b for a, b in zip(args, n.args)) else op(n.name, *args, attr=n.attr)
        elif isinstance(n, Access):
            idx = [memo[id(i)] for i in n.indices]
            memo[id(n)] = n if all(a is b for a, b in zip(idx, n.indices)) else Access.make(n.tensor, idx)
        elif isinstance(n, Reduce):
            body = memo[id(n.body)]
            rvars = [memo[id(r)] if id(r) in memo else (leaf(r) or r) for r in n.rvars]
            memo[id(n)] = n if body is n.body and all(a is b for a, b in zip(rvars, n.rvars)) else \
                Reduce.make(n.kind, body, rvars)
        else:
            memo[id(n)] = n
    return memo[id(e)]


def substitute(e: Expr, mapping: dict) -> Expr:
    """Simultaneous substitution of variables: `mapping` is {var: Expr}."""
    by_id = {id(k): v for k, v in mapping.items()}
    if not by_id:
        return e
    return rebuild(e, lambda n: by_id.get(id(n)) if isinstance(n, Var) else None)


def accessed_tensors(e: Expr) -> list[Tensor]:
    seen: dict[int, Tensor] = {}
    for n in postorder([e]):
        if isinstance(n, Access):
            seen.setdefault(id(n.tensor), n.tensor)
    return list(seen.values())


def tensors(roots: Iterable[Tensor], stop: Callable[[Tensor], bool] = lambda t: False) -> list[Tensor]:
    """Tensors reachable from roots (through stage bodies), producers first. `stop(t)`: do
    not look inside t (it is treated as a leaf)."""
    return walk.postorder(roots, lambda t: accessed_tensors(t.body) if t.body is not None and not stop(t) else ())


def placeholders(t: Tensor) -> list[Tensor]:
    """The placeholders t depends on, in first-use order (depth first from t's body)."""
    return [s for s in tensors([t]) if s.is_placeholder]


def dim_of(v: Var, shape: Sequence[Any]) -> Any:
    """The extent a stage gives to variable v (an axis of `shape`, or 0..hi of a reduction var)."""
    return shape[v.k] if isinstance(v, Axis) else v.hi


def hoist_reductions(body: Expr, shape: tuple, name: str, origin: str) -> Expr:
    """body with each reduction that is not the whole body replaced by an access to a stage
    of its own, over the variables the reduction uses."""
    from .expr import make_stage
    top = body if isinstance(body, Reduce) else None

    def leaf(n: Expr) -> Expr | None:
        if not isinstance(n, Reduce) or n is top:
            return None
        inner = Reduce.make(n.kind, hoist_reductions(n.body, shape, name, origin), n.rvars)
        fv = free_vars(inner)
        sub_shape = tuple(dim_of(v, shape) for v in fv)
        moved = substitute(inner, {v: Axis.make(j) for j, v in enumerate(fv)})
        return Access.make(make_stage(sub_shape, moved, f"{name}_{n.kind}", origin), fv)

    if not any(isinstance(n, Reduce) and n is not top for n in postorder([body])):
        return body
    if top is not None:
        return Reduce.make(top.kind, rebuild(top.body, leaf), top.rvars)
    return rebuild(body, leaf)


def is_zero(e: Expr, structural_only: bool = False) -> bool:
    return isinstance(e, Const) and e.value == 0 and (e.structural or not structural_only)


def replace_tensors(t: Tensor, mapping: dict) -> Tensor:
    """t with every access to a key of `mapping` reading its value instead (stages that
    depend on a replaced tensor are rebuilt; the others are kept)."""
    from .expr import stage
    by_id = {id(k): v for k, v in mapping.items()}
    memo: dict[int, tuple] = {}

    def tens(T: Tensor) -> Tensor:
        if id(T) in by_id:
            return by_id[id(T)]
        if T.is_placeholder:
            return T
        if id(T) not in memo:
            body = rebuild(T.body, leaf)
            memo[id(T)] = (T, T if body is T.body else stage(T.shape, body, T.name, T.origin))
        return memo[id(T)][1]

    def leaf(n: Expr) -> Expr | None:
        if isinstance(n, Access):
            new = tens(n.tensor)
            idx = [rebuild(i, leaf) for i in n.indices]
            if new is not n.tensor or any(a is not b for a, b in zip(idx, n.indices)):
                return Access.make(new, idx)
        return None
    return tens(t)


__all__ = ["children", "postorder", "free_vars", "rebuild", "substitute", "tensors", "placeholders",
           "accessed_tensors", "hoist_reductions", "is_zero", "dim_of", "var_order", "replace_tensors"]
