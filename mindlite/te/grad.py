"""Operator-level reverse-mode differentiation of te tensors (`te.differentiate`).

Stages are visited from the output back to the inputs. For each stage the adjoint of
every tensor access in its body comes from per-operation rules (as TVM's jacobian.cc);
each access's index map (identity, permutation, broadcast, constant, diagonal or a
reduction variable) is then transposed directly into a compute stage over the accessed
tensor's shape: variables the access does not use are summed, repeated or constant
indices become conditions. No Jacobian tensor is ever formed. Adjoints are te tensors,
so differentiating them again gives higher orders.
"""
from __future__ import annotations

from mindlite.core.prim import UnsupportedError

from typing import Any, Callable, Sequence

from ..ir import walk
from . import intrin as I
from .expr import Access, Axis, Const, Expr, Op, Reduce, ReduceVar, SizeVar, Tensor, make_stage
from .printer import expr_text
from .visit import accessed_tensors, postorder, substitute

Rule = Callable[[tuple, Expr, Expr], tuple]


def _z() -> Const:
    return Const.make(0.0, structural=True)


def _minmax(cmp: str) -> Rule:
    def rule(a: tuple, out: Expr, h: Expr) -> tuple:
        first = a[0] >= a[1] if cmp == "ge" else a[0] <= a[1]  # ties go to the first operand
        return I.select(first, h, _z()), I.select(first, _z(), h)
    return rule


RULES: dict[str, Rule] = {
    "add": lambda a, out, h: (h, h),
    "sub": lambda a, out, h: (h, -h),
    "mul": lambda a, out, h: (h * a[1], h * a[0]),
    # c / b with a constant c (a reciprocal): -h*c/b^2 = -h*out*out/c, which needs no b
    "div": lambda a, out, h: (h / a[1], -(h * out * out) / a[0] if isinstance(a[0], Const) else
                              -(h * out) / a[1]),
    "neg": lambda a, out, h: (-h,),
    "exp": lambda a, out, h: (h * out,),
    "log": lambda a, out, h: (h / a[0],),
    "sqrt": lambda a, out, h: (h * 0.5 / out,),
    "tanh": lambda a, out, h: (h * (1 - out * out),),
    "sin": lambda a, out, h: (h * I.cos(a[0]),),
    "cos": lambda a, out, h: (-(h * I.sin(a[0])),),
    "abs": lambda a, out, h: (h * I.sign(a[0]),),
    "sign": lambda a, out, h: (_z(),),
    "floor": lambda a, out, h: (_z(),),
    "floordiv": lambda a, out, h: (_z(), _z()),
    "mod": lambda a, out, h: (h, -(h * I.floor(a[0] / a[1]))),
    "max": _minmax("ge"),
    "min": _minmax("le"),
    "select": lambda a, out, h: (None, I.select(a[0], h, _z()), I.select(a[0], _z(), h)),
    "cast": lambda a, out, h: (I.cast(h, a[0].dtype),),
}


class DifferentiationResult:
    """What `te.differentiate` returns: `.result` (one adjoint per input, in order; the
    object unpacks as that list), `.adjoints` ({tensor: its adjoint} for every tensor
    visited) and `.adjoint_summands` ({tensor: [contributions]})."""

    def __init__(self, result: list, adjoints: dict, summands: dict) -> None:
        self.result, self.adjoints, self.adjoint_summands = result, adjoints, summands

    def __iter__(self) -> Any:
        return iter(self.result)

    def __len__(self) -> int:
        return len(self.result)

    def __getitem__(self, k: int) -> Tensor:
        return self.result[k]

    def __repr__(self) -> str:
        return f"DifferentiationResult({[t.name for t in self.result]})"


def _same_dim(a: Any, b: Any) -> bool:
    return a is b if isinstance(a, SizeVar) or isinstance(b, SizeVar) else a == b


def _dims(shape: Sequence[Any]) -> list:
    return [getattr(d, "name", d) for d in shape]


def _check_float(t: Any, role: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"te.differentiate: {role} must be a te tensor, got {type(t).__name__}")
    if t.dtype.kind != "f":
        raise TypeError(f"te.differentiate: {role} {t.name} has dtype {t.dtype}; only floating-point "
                        "tensors can be differentiated")
    return t


def _head(out: Tensor, head: Any) -> tuple[tuple, Tensor]:
    if head is None:
        return (), make_stage(out.shape, Const.make(1, out.dtype), "ones", "grad")
    if not isinstance(head, Tensor):
        raise TypeError(f"te.differentiate: head must be a te tensor, got {type(head).__name__}")
    nd = out.ndim
    tail = head.shape[len(head.shape) - nd:] if nd else ()
    if len(head.shape) < nd or not all(_same_dim(a, b) for a, b in zip(tail, out.shape)):
        raise ValueError(f"operands could not be broadcast together with head shape {_dims(head.shape)} and "
                         f"output shape {_dims(out.shape)} (te.differentiate: head must be prefix + output shape)")
    if head.dtype != out.dtype:
        raise TypeError(f"te.differentiate: head dtype {head.dtype} differs from output dtype {out.dtype}")
    return tuple(head.shape[:len(head.shape) - nd]), head


def _check_override(override: Any) -> dict:
    if override is None:
        return {}
    if not isinstance(override, dict):
        raise TypeError(f"te.differentiate: override must be a dict {{tensor: ([deps], fdiff)}}, got "
                        f"{type(override).__name__}")
    for t, v in override.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"te.differentiate: override keys must be te tensors, got {type(t).__name__}")
        if not (isinstance(v, (tuple, list)) and len(v) == 2 and isinstance(v[0], (tuple, list))
                and callable(v[1]) and all(isinstance(d, Tensor) for d in v[0])):
            raise ValueError(f"te.differentiate: override[{t.name}] must be ([dep tensors], fdiff)")
    return override


def differentiate(out: Tensor, inputs: Sequence[Tensor] | None = None, head: Tensor | None = None,
                  override: dict | None = None) -> DifferentiationResult:
    """Adjoints of `inputs` for the output `out` (reverse mode at operator level).

    Args:
        out: the tensor to differentiate (floating point).
        inputs: tensors to differentiate with respect to (default: every placeholder of out).
        head: the adjoint of out, of shape prefix + out.shape (default: ones, so each result
            is the gradient of sum(out)); with a prefix, every adjoint gets that prefix.
        override: {tensor: ([deps], fdiff)}: instead of looking inside `tensor`, call
            `fdiff(tensor, deps, head_of_tensor)`, which returns one adjoint per dep.
    Returns:
        a DifferentiationResult; `[dx] = te.differentiate(out, [x], dout)` unpacks it.
    """
    from .visit import placeholders
    _check_float(out, "output")
    override = _check_override(override)
    inputs = list(placeholders(out) if inputs is None else inputs)
    for x in inputs:
        _check_float(x, "input")
    prefix, head_t = _head(out, head)

    def kids(t: Tensor) -> list[Tensor]:
        if t in override:
            return list(override[t][0])
        return [] if t.body is None else accessed_tensors(t.body)
    order = _topo(out, kids)
    wanted = {id(x) for x in inputs}
    needed: set[int] = set()
    for t in order:  # producers first: t is needed if a wanted input is reachable from it
        if id(t) in wanted or any(id(c) in needed for c in kids(t)):
            needed.add(id(t))
    contribs: dict[int, list[Tensor]] = {id(out): [head_t]}
    adjoints: dict[Tensor, Tensor] = {}
    summands: dict[Tensor, list[Tensor]] = {}
    for t in reversed(order):
        parts = contribs.pop(id(t), None)
        if parts is None or id(t) not in needed:
            continue
        adj = parts[0] if len(parts) == 1 else _sum_stage(parts, t)
        adjoints[t], summands[t] = adj, parts
        if t in override:
            deps, fdiff = override[t]
            got = _call_override(t, deps, fdiff, adj, prefix)
            pairs = list(zip(deps, got))
        elif t.body is not None:
            pairs = stage_contributions(t, adj, prefix)
        else:
            pairs = []
        for a, c in pairs:
            if c is not None and id(a) in needed:
                contribs.setdefault(id(a), []).append(c)
    result = [adjoints.get(x) or make_stage(tuple(prefix) + x.shape, Const.make(0, x.dtype, structural=True),
                                            f"d_{x.name}", "grad") for x in inputs]
    return DifferentiationResult(result, adjoints, summands)


def _topo(out: Tensor, kids: Callable[[Tensor], list]) -> list[Tensor]:
    return walk.postorder([out], kids)


def _sum_stage(parts: list[Tensor], t: Tensor) -> Tensor:
    axes = [Axis.make(k) for k in range(parts[0].ndim)]
    body: Expr = Access.make(parts[0], axes)
    for p in parts[1:]:
        body = body + Access.make(p, axes)
    return make_stage(parts[0].shape, body, f"adj_{t.name}", "grad")


def _call_override(t: Tensor, deps: Sequence[Tensor], fdiff: Callable, adj: Tensor, prefix: tuple) -> list:
    got = fdiff(t, list(deps), adj)
    if isinstance(got, Tensor) and len(deps) == 1:
        got = [got]
    if not isinstance(got, (list, tuple)) or len(got) != len(deps):
        n = len(got) if isinstance(got, (list, tuple)) else type(got).__name__
        raise ValueError(f"te.differentiate: override fdiff of {t.name} returned {n} adjoint(s) for "
                         f"{len(deps)} dep(s)")
    for d, g in zip(deps, got):
        want = tuple(prefix) + d.shape
        if g is not None and (not isinstance(g, Tensor) or len(g.shape) != len(want)
                              or not all(_same_dim(a, b) for a, b in zip(g.shape, want))):
            shape = _dims(g.shape) if isinstance(g, Tensor) else type(g).__name__
            raise ValueError(f"te.differentiate: override fdiff of {t.name} returned an adjoint of shape {shape} "
                             f"for {d.name}, expected {_dims(want)}")
    return list(got)


def stage_contributions(t: Tensor, adj: Tensor, prefix: tuple) -> list[tuple[Tensor, Tensor]]:
    """(accessed tensor, its adjoint contribution) for every float tensor access in t's body,
    given t's adjoint `adj` (of shape prefix + t.shape)."""
    p = len(prefix)
    axes = [Axis.make(k) for k in range(p + t.ndim)]
    h: Expr = Access.make(adj, axes)
    shift = {Axis.make(k): Axis.make(k + p) for k in range(t.ndim)} if p else {}
    here = Access.make(t, axes[p:])
    body, rvars, root = t.body, (), None
    if isinstance(body, Reduce):
        inner, rvars = substitute(body.body, shift), body.rvars
        if body.kind != "sum":  # max/min: the gradient goes to the maxima, shared equally by ties
            hit = I.select(inner == here, Const.make(1, t.dtype), Const.make(0, t.dtype))
            own = [Axis.make(k) for k in range(t.ndim)]
            count = make_stage(t.shape, Reduce.make("sum", I.select(body.body == Access.make(t, own),
                                                                    Const.make(1, t.dtype),
                                                                    Const.make(0, t.dtype)), rvars),
                               f"ties_{t.name}", "grad")
            h = h * hit / Access.make(count, axes[p:])
    else:
        inner = root = substitute(body, shift)
    out = []
    for acc, g in _scalar_adjoints(inner, h, root, here, t):
        if acc.tensor.dtype.kind == "f":
            out.append((acc.tensor, _transpose(acc, g, prefix, t, rvars)))
    return out


def _scalar_adjoints(body: Expr, seed: Expr, root: Expr | None, here: Expr, t: Tensor) -> list:
    """Reverse mode over one stage body: [(access node, its adjoint expression)]."""
    adj: dict[int, list[Expr]] = {id(body): [seed]}
    res = []
    for n in reversed(postorder([body], into_indices=False)):
        parts = adj.pop(id(n), None)
        if not parts:
            continue
        g = parts[0]
        for q in parts[1:]:
            g = g + q
        if isinstance(n, Access):
            res.append((n, g))
            continue
        if isinstance(n, Reduce):
            raise UnsupportedError(f"te.differentiate: a reduction inside {t.name}'s body (not at its top)")
        if not isinstance(n, Op) or n.dtype.kind != "f":
            continue  # constants, variables, and int/bool values carry no gradient
        rule = RULES.get(n.name) or I.OPS[n.name].grad
        if rule is None:
            raise UnsupportedError(f"te.differentiate: no derivative rule for intrinsic {n.name!r} "
                                      f"(in {t.name}); give {t.name}'s gradient with "
                                      f"override={{{t.name}: ([inputs], fdiff)}}")
        for a, ga in zip(n.args, rule(n.args, here if n is root else n, g)):
            if ga is not None and a.dtype.kind == "f" and not isinstance(a, Const):
                adj.setdefault(id(a), []).append(ga)
    return res


def _transpose(acc: Access, g: Expr, prefix: tuple, t: Tensor, rvars: tuple) -> Tensor:
    """The contribution of one access A[idx] (adjoint g, over t's axes shifted by p and t's
    reduction variables) to A's adjoint: a stage over prefix + A.shape."""
    A, p = acc.tensor, len(prefix)
    targets = [Axis.make(p + j) for j in range(A.ndim)]
    t_axes = {id(Axis.make(p + m)): m for m in range(t.ndim)}
    rv_ids = {id(r) for r in rvars}
    bound: dict[int, Expr] = {}
    conds: list[Expr] = []
    for j, e in enumerate(acc.indices):
        tgt = targets[j]
        if isinstance(e, Const):
            conds.append(tgt == e.value)
        elif id(e) in t_axes or id(e) in rv_ids:
            if id(e) in bound:
                conds.append(tgt == bound[id(e)])  # a repeated variable: a diagonal
                continue
            bound[id(e)] = tgt
            lo, hi = (0, t.shape[t_axes[id(e)]]) if id(e) in t_axes else (e.lo, e.hi)
            if lo != 0:
                conds.append(tgt >= lo)
            if not _same_dim(hi, A.shape[j]):
                conds.append(tgt < hi)
        else:
            idx = ", ".join(expr_text(i) for i in acc.indices)
            raise UnsupportedError(f"te.differentiate: index expression {expr_text(e)} in {A.name}[{idx}] "
                                      f"(stage {t.name}) is not supported: only iteration variables and "
                                      f"constants; give {t.name}'s gradient with override=")
    mapping: dict[Any, Expr] = {}
    new_rvars: list[ReduceVar] = []
    for m in range(t.ndim):
        ax = Axis.make(p + m)
        if id(ax) in bound:
            mapping[ax] = bound[id(ax)]
        else:  # t's axis is not in the access: A was broadcast along it, so sum
            r = ReduceVar(0, t.shape[m], f"r{m}")
            mapping[ax], new_rvars = r, new_rvars + [r]
    for r in rvars:
        if id(r) in bound:
            mapping[r] = bound[id(r)]
        else:
            r2 = ReduceVar(r.lo, r.hi, r.name)
            mapping[r], new_rvars = r2, new_rvars + [r2]
    body = substitute(g, mapping)
    if conds:
        cond = conds[0]
        for c in conds[1:]:
            cond = cond & c
        body = I.select(cond, body, _z())
    if body.dtype != A.dtype or body.weak:
        body = I.cast(body, A.dtype)
    if new_rvars:
        body = Reduce.make("sum", body, new_rvars)
    return make_stage(tuple(prefix) + A.shape, body, f"d_{A.name}", "grad")


__all__ = ["differentiate", "DifferentiationResult", "RULES", "stage_contributions"]
