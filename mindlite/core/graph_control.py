"""Capture of `cond` / `while_loop` with a symbolic predicate into cond/while nodes.

Each branch (or the loop condition and body) is traced into its own subgraph; values of
the enclosing graph that a subgraph reads become extra inputs of the node (closure
conversion), shared by both subgraphs in one order so their signatures match.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..ir.graph import Graph, Lit, Var
from .graph_trace import GraphTrace, graph_error, run_traced
from .tensor import Tensor
from .trace import wrap


def _as_tensor(v: Any) -> Any:
    if isinstance(v, Tensor):
        return v
    if isinstance(v, (bool, int, float, np.number, np.ndarray)):
        return Tensor(v)
    return v


def trace_subgraph(parent: GraphTrace, fn: Callable, args: list, name: str) -> tuple[Graph, list, Any]:
    """Trace fn on symbolic stand-ins of `args` (Tensors) or constants (anything else).

    Returns (graph, captured outer vars, output structure) where graph inputs are the
    tensor args' stand-ins followed by captured values and outputs are the flat results.
    """
    t = GraphTrace(name, parent)
    call_args = [t.symbolic(a.shape, a._data.dtype) if isinstance(a, Tensor) else a for a in args]
    out = run_traced(t, fn, tuple(call_args))
    single = not isinstance(out, (tuple, list))
    outs = [_as_tensor(o) for o in ((out,) if single else out)]
    for o in outs:
        if not isinstance(o, Tensor):
            raise graph_error(f"a {name} returning {type(o).__name__}", "Branches and loop bodies may only "
                              "produce tensors and numbers.")
    g = t.graph(outs)
    return g, [outer for outer, _ in t.captures], (single, len(outs))


def _state_changes(parent: GraphTrace, trace_fns: list) -> list:
    """Trace each probe to find the Parameters a subgraph changes; returns [(param, value
    before)] and restores them after every probe (the caller re-traces with the parameters as
    explicit values)."""
    root = parent.root
    found: dict[int, tuple] = {}
    for fn in trace_fns:
        mark = len(root.mutation_log)
        try:
            fn()
        finally:
            seen: dict[int, tuple] = {}
            for p, before in root.mutation_log[mark:]:
                seen.setdefault(id(p), (p, before))
            del root.mutation_log[mark:]
            for key, (p, before) in seen.items():
                p._data = before
                found.setdefault(key, (p, before))
    return list(found.values())


def _threaded(parent: GraphTrace, state: list, trace: Callable) -> Any:
    """Run a trace whose parameters are threaded explicitly, then leave one log entry per
    parameter with its value from before the construct: the inner traces' entries name
    placeholders of finished subgraphs, which an enclosing probe must never restore."""
    root = parent.root
    mark = len(root.mutation_log)
    try:
        return trace()
    finally:
        del root.mutation_log[mark:]
        root.mutation_log.extend(state)


def _threading(params: list, fn: Callable, n: int) -> Callable:
    """fn over n values, with the params' values passed after them and returned after its results."""
    def wrapped(*vals: Any) -> tuple:
        for p, v in zip(params, vals[n:]):
            p._data = v._data
        out = fn(*vals[:n])
        out = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        return out + tuple(wrap(p._data) for p in params)
    return wrapped


def _align(graphs: list[tuple[Graph, list]], n_fixed: int) -> list:
    """Give every subgraph the inputs fixed + union of captures (same order); return the union."""
    union: list[Var] = []
    for _, caps in graphs:
        for v in caps:
            if all(v is not u for u in union):
                union.append(v)
    for g, caps in graphs:
        inner = g.inputs[n_fixed:]
        by_outer = {id(o): i for o, i in zip(caps, inner)}
        g.inputs = g.inputs[:n_fixed] + [by_outer.get(id(u)) or Var(u.shape, u.dtype) for u in union]
    return union


def _aval(a: Any) -> tuple:
    if isinstance(a, Var):
        return a.shape, a.dtype
    arr = np.asarray(a.value)
    return arr.shape, arr.dtype


def _unify_outputs(gt: Graph, gf: Graph, where: str) -> None:
    for i, (a, b) in enumerate(zip(gt.outputs, gf.outputs)):
        if _aval(a) == _aval(b):
            continue
        # a constant on one side takes the other side's type (x = 0 vs x = tensor)
        if isinstance(a, Lit) and not isinstance(b, Lit):
            gt.outputs[i] = Lit(np.broadcast_to(np.asarray(a.value, b.dtype), b.shape).copy())
        elif isinstance(b, Lit) and not isinstance(a, Lit):
            gf.outputs[i] = Lit(np.broadcast_to(np.asarray(b.value, a.dtype), a.shape).copy())
        else:
            raise graph_error(f"{where}: output {i} is {_aval(a)} in one branch and {_aval(b)} in the other",
                              "Both branches must give each variable the same shape and dtype.")


def trace_cond(parent: GraphTrace, pred: Tensor, true_fn: Callable, false_fn: Callable, operands: tuple,
               probe: bool = True) -> Any:
    from ..ops.control import cond_p
    if pred.size != 1:
        raise graph_error(f"`if` on a tensor of shape {list(pred.shape)}", "Reduce it to one element "
                          "(e.g. with .all() or .any()).")
    ops = [_as_tensor(o) if isinstance(o, (Tensor, bool, int, float)) else o for o in operands]
    state = probe and _state_changes(parent, [lambda f=f: trace_subgraph(parent, f, ops, "probe")
                                              for f in (true_fn, false_fn)])
    if state:
        params = [p for p, _ in state]
        n = len(ops)
        single_user = None

        def thread(fn: Callable) -> Callable:
            def wrapped(*vals: Any) -> tuple:
                nonlocal single_user
                for p, v in zip(params, vals[n:]):
                    p._data = v._data
                out = fn(*vals[:n])
                single_user = not isinstance(out, (tuple, list))
                out = (out,) if single_user else tuple(out)
                return out + tuple(wrap(p._data) for p in params)
            return wrapped
        # their current values (lifted inputs or earlier results), fixed before the branches rebind them
        extra = tuple(wrap(parent.atom(p)) for p in params)
        res = _threaded(parent, state, lambda: trace_cond(parent, pred, thread(true_fn), thread(false_fn),
                                                          tuple(ops) + extra, probe=False))
        k = len(res) - len(params)
        for p, r in zip(params, res[k:]):
            p._data = r._data
        return res[0] if single_user and k == 1 else res[:k]
    tensors = [o for o in ops if isinstance(o, Tensor)]
    gt, ct, (single, n_out) = trace_subgraph(parent, true_fn, ops, "if_true")
    gf, cf, (_, n_out_f) = trace_subgraph(parent, false_fn, ops, "if_false")
    if n_out != n_out_f:
        raise graph_error(f"an `if` whose branches give {n_out} and {n_out_f} values", "Assign the same "
                          "variables in both branches.")
    _unify_outputs(gt, gf, "if")
    union = _align([(gt, ct), (gf, cf)], len(tensors))
    ins = (parent.atom(pred),) + tuple(parent.atom(t) for t in tensors) + tuple(parent.atom(wrap(u)) for u in union)
    outs = parent.emit(cond_p, ins, {"branches": (gt, gf)})
    res = tuple(wrap(o) for o in outs)
    return res[0] if single else res


def trace_while(parent: GraphTrace, cond_fn: Callable, body_fn: Callable, init: tuple, probe: bool = True) -> tuple:
    from ..ops.control import while_p
    carry = [_as_tensor(v) for v in init]
    for v in carry:
        if not isinstance(v, Tensor):
            raise graph_error(f"a loop variable of type {type(v).__name__}", "Loop state must be tensors or numbers.")
    state = probe and _state_changes(parent, [lambda: trace_subgraph(parent, body_fn, carry, "probe")])
    if state:  # parameters updated in the loop (training steps in a loop) become loop variables
        params = [p for p, _ in state]
        n = len(carry)
        # current values (lifted inputs or earlier results, never constants), fixed before the body rebinds them
        init2 = tuple(carry) + tuple(wrap(parent.atom(p)) for p in params)
        res = _threaded(parent, state, lambda: trace_while(parent, lambda *v: cond_fn(*v[:n]),
                                                           _threading(params, body_fn, n), init2, probe=False))
        for p, r in zip(params, res[n:]):
            p._data = r._data
        return res[:n]
    gc, cc, _ = trace_subgraph(parent, cond_fn, carry, "while_cond")
    gb, cb, (_, n_out) = trace_subgraph(parent, body_fn, carry, "while_body")
    if n_out != len(carry):
        raise graph_error(f"a loop body returning {n_out} values for {len(carry)} loop variables",
                          "Return every loop variable.")
    for i, (o, c) in enumerate(zip(gb.outputs, carry)):
        if _aval(o) != (c.shape, c._data.dtype):
            if isinstance(o, Lit):
                gb.outputs[i] = Lit(np.broadcast_to(np.asarray(o.value, c._data.dtype), c.shape).copy())
                continue
            raise graph_error(f"loop variable {i} changing from {(c.shape, c._data.dtype)} to {_aval(o)} in the "
                              "loop body", "Keep each loop variable's shape and dtype fixed (cast it).")
    union = _align([(gc, cc), (gb, cb)], len(carry))
    ins = tuple(parent.atom(c) for c in carry) + tuple(parent.atom(wrap(u)) for u in union)
    outs = parent.emit(while_p, ins, {"cond": gc, "body": gb, "n_carry": len(carry)})
    return tuple(wrap(o) for o in outs)
