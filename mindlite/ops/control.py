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

from ..core.trace import STATE


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
from .registry import Aval, Primitive  # noqa: E402


def _cond_impl(xp: Any, pred: Any, *args: Any, branches: tuple) -> tuple:
    from ..backend.executor import run_graph
    return tuple(run_graph(branches[0] if bool(pred) else branches[1], args))


def _graph_out_avals(g: Any) -> tuple:
    from ..ir.graph import aval_of_atom
    out = []
    for a in g.outputs:
        av = aval_of_atom(a)
        out.append(av if isinstance(av, Aval) else Aval((), __import__("numpy").asarray(av).dtype))
    return tuple(out)


def _cond_infer(pred: Any, *args: Any, branches: tuple) -> tuple:
    return _graph_out_avals(branches[0])


cond_p = Primitive("cond", _cond_impl, _cond_infer, multiple_results=True)


def _while_impl(xp: Any, *args: Any, cond: Any, body: Any, n_carry: int) -> tuple:
    from ..backend.executor import compile_graph
    c, b = compile_graph(cond, xp), compile_graph(body, xp)
    carry, rest = list(args[:n_carry]), list(args[n_carry:])
    while bool(c(*carry, *rest)[0]):
        carry = b(*carry, *rest)
    return tuple(carry)


def _while_infer(*args: Any, cond: Any, body: Any, n_carry: int) -> tuple:
    return _graph_out_avals(body)


while_p = Primitive("while", _while_impl, _while_infer, multiple_results=True)
