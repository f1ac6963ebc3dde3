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


def _while_save_impl(ctx: Any, *args: Any, cond: Any, body: Any, n_carry: int) -> Any:
    """Run the loop forward, keeping every iteration's carried values (the loop tape)."""
    c, b = ctx.compiled(cond), ctx.compiled(body)
    carry, rest = list(args[:n_carry]), list(args[n_carry:])
    tape = []
    while bool(c(*carry, *rest)[0]):
        tape.append(carry)
        carry = b(*carry, *rest)
    return tape


while_save_p = Primitive("while_save", _while_save_impl,
                         lambda *a, cond, body, n_carry: Aval((), __import__("numpy").dtype(object)),
                         needs_context=True)


def _while_reverse_impl(ctx: Any, tape: list, *rest: Any, body_vjp: Any, n_carry: int, float_idx: tuple) -> tuple:
    """Walk the loop tape backwards applying the body's vjp; returns the cotangents of the
    initial carries followed by those of the loop-invariant inputs."""
    xp = ctx.xp
    f = ctx.compiled(body_vjp)
    n_inv = len(rest) - n_carry
    inv, ct_carry = list(rest[:n_inv]), list(rest[n_inv:])
    ct_inv = [xp.zeros_like(v) for v in inv]
    for carry in reversed(tape):
        grads = f(*carry, *inv, *ct_carry)
        new_ct = [xp.zeros_like(c) for c in ct_carry]
        for g, i in zip(grads, float_idx):
            if i < n_carry:
                new_ct[i] = g
            else:
                ct_inv[i - n_carry] = ct_inv[i - n_carry] + g
        ct_carry = new_ct
    return tuple(ct_carry) + tuple(ct_inv)


def _while_reverse_infer(tape: Any, *rest: Any, body_vjp: Any, n_carry: int, float_idx: tuple) -> tuple:
    n_inv = len(rest) - n_carry
    return tuple(rest[n_inv:]) + tuple(rest[:n_inv])


while_reverse_p = Primitive("while_reverse", _while_reverse_impl, _while_reverse_infer, multiple_results=True,
                            needs_context=True)
