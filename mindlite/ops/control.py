"""Structured control flow: `cond` and `while_loop` (and `fori_loop` on top).

In eager mode (and whenever the predicate is a concrete value) they are plain Python
control flow. Under a graph trace with a symbolic predicate they emit one `cond` / `while`
node holding the traced branches / body as subgraphs, never unrolled. The source (AST)
transformation in `mindlite.parser` rewrites `if` / `while` / `for ... in range(...)`
statements of a `construct` into calls of these functions.

    cond(pred, true_fn, false_fn, operands)   -> true_fn(*operands) if pred else false_fn(*operands)
    while_loop(cond_fn, body_fn, init_val)    -> val = init_val; while cond_fn(*val): val = body_fn(*val)

`operands` / `init_val` are tuples; the branch and body functions take them unpacked and
return tuples of the same structure (loop state keeps its shapes and dtypes).
"""
from __future__ import annotations

from typing import Any, Callable

from ..core.prim import STATE


def is_symbolic(x: Any) -> bool:
    """True for a tensor whose value is only known when the compiled graph runs."""
    data = getattr(x, "_data", None)
    return data is not None and getattr(data, "is_symbolic", False)


def cond(pred: Any, true_fn: Callable[..., Any], false_fn: Callable[..., Any], operands: tuple = ()) -> Any:
    """`true_fn(*operands)` if `pred` else `false_fn(*operands)`."""
    if STATE.trace is not None and is_symbolic(pred):
        return STATE.trace.graph_cond(pred, true_fn, false_fn, tuple(operands))
    return true_fn(*operands) if bool(pred) else false_fn(*operands)


def while_loop(cond_fn: Callable[..., Any], body_fn: Callable[..., Any], init_val: tuple) -> tuple:
    """Run `body_fn` on the loop state while `cond_fn(*state)` holds; returns the final state."""
    val = tuple(init_val)
    first = cond_fn(*val)
    if STATE.trace is not None and is_symbolic(first):
        return STATE.trace.graph_while(cond_fn, body_fn, val)
    while bool(first):
        out = body_fn(*val)
        val = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        first = cond_fn(*val)
        if STATE.trace is not None and is_symbolic(first):
            # the condition became data-dependent after some concrete iterations
            return STATE.trace.graph_while(cond_fn, body_fn, val)
    return val


def fori_loop(lower: Any, upper: Any, body_fn: Callable[..., Any], init_val: tuple) -> tuple:
    """`for i in range(lower, upper): val = body_fn(i, *val)` as a while_loop."""
    from . import functional as F

    def c(i: Any, *v: Any) -> Any:
        return F.less(i, upper) if hasattr(i, "_data") or hasattr(upper, "_data") else i < upper

    def b(i: Any, *v: Any) -> tuple:
        out = body_fn(i, *v)
        out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        return (i + 1,) + out
    return while_loop(c, b, (lower,) + tuple(init_val))[1:]


# ---- the primitives -----------------------------------------------------------------------------
# Subgraph primitives get an execution context (`ctx.run(graph, arrays)`) from whoever runs
# them; their differentiation rules live with the autodiff (core/ad_graph.py).
from .registry import Aval, Primitive  # noqa: E402


def _graph_out_avals(g: Any) -> tuple:
    from ..core.prim import aval_of
    out = []
    for a in g.outputs:
        av = Aval(a.shape, a.dtype) if hasattr(a, "is_symbolic") else aval_of(a.value)
        out.append(av if isinstance(av, Aval) else Aval((), __import__("numpy").asarray(av).dtype))
    return tuple(out)


def _cond_impl(ctx: Any, pred: Any, *args: Any, branches: tuple) -> tuple:
    return tuple(ctx.run(branches[0] if bool(pred) else branches[1], args))


def _cond_infer(pred: Any, *args: Any, branches: tuple) -> tuple:
    return _graph_out_avals(branches[0])


cond_p = Primitive("cond", _cond_impl, _cond_infer, multiple_results=True, needs_context=True)


def _while_impl(ctx: Any, *args: Any, cond: Any, body: Any, n_carry: int) -> tuple:
    c, b = ctx.compiled(cond), ctx.compiled(body)
    carry, rest = list(args[:n_carry]), list(args[n_carry:])
    while bool(c(*carry, *rest)[0]):
        carry = b(*carry, *rest)
    return tuple(carry)


def _while_infer(*args: Any, cond: Any, body: Any, n_carry: int) -> tuple:
    return _graph_out_avals(body)


while_p = Primitive("while", _while_impl, _while_infer, multiple_results=True, needs_context=True)


def _stack(xp: Any, items: list, aval: Any) -> Any:
    """Stack per-iteration values along a new leading axis (empty for zero iterations)."""
    if items:
        return xp.stack(items)
    return xp.empty((0,) + tuple(aval.shape), aval.dtype)


def _while_save_impl(ctx: Any, *args: Any, cond: Any, body: Any, n_carry: int) -> tuple:
    """The loop, differentiated: final carries, then each carry stacked over the iterations
    (the values it had entering each iteration) - typed arrays with a run-time leading axis."""
    xp = ctx.xp
    c, b = ctx.compiled(cond), ctx.compiled(body)
    carry, rest = list(args[:n_carry]), list(args[n_carry:])
    seen: list = []
    while bool(c(*carry, *rest)[0]):
        seen.append(carry)
        carry = b(*carry, *rest)
    avals = _graph_out_avals(body)
    stacks = tuple(_stack(xp, [it[i] for it in seen], avals[i]) for i in range(n_carry))
    return tuple(carry) + stacks


def _while_save_infer(*args: Any, cond: Any, body: Any, n_carry: int) -> tuple:
    outs = _graph_out_avals(body)
    return outs + tuple(Aval((-1,) + tuple(a.shape), a.dtype) for a in outs)


while_save_p = Primitive("while_save", _while_save_impl, _while_save_infer, multiple_results=True,
                         needs_context=True)
while_p.residual_form = lambda params: (while_save_p, params)


def _scan_impl(ctx: Any, *args: Any, body: Any, n_carry: int, n_x: int, reverse: bool, save: bool) -> tuple:
    """`scan`: carry through `body` once per leading index of the stacked inputs `xs`.

    body(carry..., x_k..., consts...) -> (carry'..., y_k...). Returns the final carry, each y
    stacked over k (in xs order), and with `save` each carry as it entered iteration k."""
    xp = ctx.xp
    f = ctx.compiled(body)
    carry = list(args[:n_carry])
    xs, consts = args[n_carry:n_carry + n_x], args[n_carry + n_x:]
    n = int(xs[0].shape[0])
    ys: list = [None] * n
    saved: list = [None] * n
    for k in (range(n - 1, -1, -1) if reverse else range(n)):
        if save:
            saved[k] = carry
        outs = f(*carry, *[x[k] for x in xs], *consts)
        carry, ys[k] = list(outs[:n_carry]), outs[n_carry:]
    avals = _graph_out_avals(body)
    out = tuple(carry) + tuple(_stack(xp, [y[j] for y in ys], avals[n_carry + j])
                               for j in range(len(avals) - n_carry))
    if save:
        out += tuple(_stack(xp, [c[i] for c in saved], avals[i]) for i in range(n_carry))
    return out


def _scan_infer(*args: Any, body: Any, n_carry: int, n_x: int, reverse: bool, save: bool) -> tuple:
    avals = _graph_out_avals(body)
    n = args[n_carry].shape[0] if n_x else -1
    ys = tuple(Aval((n,) + tuple(a.shape), a.dtype) for a in avals[n_carry:])
    saved = tuple(Aval((n,) + tuple(a.shape), a.dtype) for a in avals[:n_carry]) if save else ()
    return avals[:n_carry] + ys + saved


scan_p = Primitive("scan", _scan_impl, _scan_infer, multiple_results=True, needs_context=True)
scan_p.residual_form = lambda params: (scan_p, {**params, "save": True})
scan_p.symbolic_zeros = True
while_save_p.symbolic_zeros = True
