"""`grad` / `value_and_grad` / GradOperation while a graph is being captured.

The differentiated function is traced into its own subgraph, `passes.autodiff.vjp_graph`
turns it into a forward+backward graph, and that graph is inlined into the enclosing one.
Parameters the function changes (BatchNorm statistics) leave the subgraph as extra outputs
and are rebound to them in the enclosing graph.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..ir.graph import Var
from .graph_trace import GraphTrace, run_traced
from .tensor import Tensor
from .trace import wrap


def _root_mutated_in(sub: GraphTrace) -> list:
    return [p for p, _ in sub.root.mutated.values() if isinstance(p._data, Var) and id(p._data) in sub.owned]


def graph_vjp_call(gt: GraphTrace, fn: Callable, args: Sequence[Any], positions: Sequence[int],
                   weights: Sequence[Tensor], has_aux: bool, sens: Any) -> tuple:
    from ..ops import functional as F
    from ..passes.autodiff import inline, vjp_graph
    from .autograd import _flatten_outputs, _main_output
    from .jit import _flatten, _unflatten
    sub = GraphTrace(f"grad_{getattr(fn, '__name__', type(fn).__name__)}", parent=gt)
    sym = list(args)
    arg_vars = {}
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            sym[i] = sub.symbolic(a.shape, a._data.dtype, f"arg{i}")
            arg_vars[i] = sym[i]._data
    saved = [(w, w._data) for w in weights]
    w_vars = []
    try:
        for w in weights:
            v = sub.new_input(w.shape, w._data.dtype, getattr(w, "name", ""))
            w._data = v
            w_vars.append(v)
        out = run_traced(sub, fn, tuple(sym))
        roots = _flatten_outputs(_main_output(out, has_aux))
        leaves: list = []
        struct = _flatten(out, leaves)
        mutated = _root_mutated_in(sub)
        g = sub.graph(roots + leaves + [wrap(p._data) for p in mutated])
    finally:
        for w, d in saved:
            w._data = d
    index = {id(v): k for k, v in enumerate(g.inputs)}
    wrt = [index[id(arg_vars[p % len(args)])] for p in positions] + [index[id(v)] for v in w_vars]
    vg = vjp_graph(g, wrt, n_ct=len(roots))
    from . import context
    if context.get_context("save_graphs"):  # the differentiated function before and after autodiff
        from ..passes.pipeline import _save
        _save(g, "1_grad_forward")
        _save(vg, "2_autodiff")
    feeds = []
    for v in g.inputs:
        feeds.append(_feed(v, args, arg_vars, weights, w_vars, sub))
    cts = []
    for k, r in enumerate(roots):
        s = sens if not isinstance(sens, (tuple, list)) else sens[k]
        if isinstance(s, Tensor):
            cts.append(s)
        elif hasattr(s, "value") and isinstance(s.value, Tensor):  # a scalar scale to broadcast
            cts.append(F.broadcast_to(F.cast(s.value, r.dtype), r.shape))
        else:
            cts.append(F.fill(r.dtype, r.shape, 1.0 if s is None else s))
    res = inline(vg, feeds + cts)
    n_r, n_l = len(roots), len(leaves)
    for k, p in enumerate(mutated):
        p._data = res[n_r + n_l + k]._data
    grads = res[len(g.outputs):]
    result = _unflatten(struct, res[n_r:n_r + n_l])
    return result, list(grads[:len(positions)]), list(grads[len(positions):])


def _feed(v: Var, args: Sequence[Any], arg_vars: dict, weights: Sequence[Tensor], w_vars: list,
          sub: GraphTrace) -> Any:
    for i, av in arg_vars.items():
        if av is v:
            return args[i]
    for w, wv in zip(weights, w_vars):
        if wv is v:
            return w
    for outer, inner in sub.captures:
        if inner is v:
            return wrap(outer)
    raise RuntimeError(f"graph grad: no value for subgraph input {v}")
