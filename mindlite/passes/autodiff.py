"""Reverse-mode autodiff as a graph transformation (source to source).

`vjp_graph(g, wrt, n_ct)` returns a new graph that takes g's inputs plus one cotangent per
each of g's first `n_ct` outputs and returns g's outputs followed by the gradients of
<outputs, cotangents> with respect to the inputs listed in `wrt`. It replays g's nodes and
then calls each primitive's bprop — written in mindlite ops — under a graph trace, so the
backward computation is emitted as ordinary nodes. Control-flow primitives have bprops that
transform their subgraphs (cond of branch vjps; a reversed loop for while), so loops are
never unrolled, and applying vjp_graph to a vjp graph gives higher-order derivatives.
"""
from __future__ import annotations

from typing import Any

from ..ir.graph import Graph, Lit, Var


def _float(v: Any) -> bool:
    return isinstance(v, Var) and v.dtype.kind in "fcV"


def vjp_graph(g: Graph, wrt: list[int], n_ct: int | None = None) -> Graph:
    from ..core.graph_trace import GraphTrace, run_traced
    from ..core.trace import wrap
    n_ct = len(g.outputs) if n_ct is None else n_ct
    t = GraphTrace(f"vjp_{g.name}")
    env: dict[int, Any] = {}
    for v in g.inputs:
        env[id(v)] = wrap(t.new_input(v.shape, v.dtype, v.hint))
    cts_in = []
    for a in g.outputs[:n_ct]:
        shape, dtype = (a.shape, a.dtype) if isinstance(a, Var) else _lit_aval(a)
        cts_in.append(t.symbolic(shape, dtype, "ct"))

    def body() -> list:
        _replay(g, env)
        ct: dict[int, Any] = {}
        for a, c in zip(g.outputs[:n_ct], cts_in):
            if _float(a):
                _acc(ct, a, c)
        _backward(g, env, ct)
        outs = [_value(a, env) for a in g.outputs]
        grads = []
        for i in wrt:
            v = g.inputs[i]
            grads.append(ct.get(id(v)) if id(v) in ct else _zeros(v))
        return outs + grads
    outs = run_traced(t, body, ())
    return t.graph(outs)


def _lit_aval(a: Lit) -> tuple:
    import numpy as np
    arr = np.asarray(a.value)
    return arr.shape, arr.dtype


def _value(a: Any, env: dict) -> Any:
    from ..core.tensor import Tensor
    from ..core.trace import wrap
    if isinstance(a, Var):
        return env[id(a)]
    if a.is_array:
        return wrap(a.value)
    return Tensor(a.value) if isinstance(a.value, (bool, int, float)) else a.value


def _operand(a: Any, env: dict) -> Any:
    from ..core.trace import wrap
    if isinstance(a, Var):
        return env[id(a)]
    return wrap(a.value) if a.is_array else a.value


def _replay(g: Graph, env: dict) -> None:
    from ..core.trace import bind
    for n in g.nodes:
        res = bind(n.prim, *[_operand(a, env) for a in n.inputs], **n.params)
        outs = res if n.prim.multiple_results else (res,)
        for o, r in zip(n.outs, outs):
            env[id(o)] = r


def _zeros(v: Var) -> Any:
    from ..ops import functional as F
    from ..core import dtype as mstype
    return F.fill(mstype.from_numpy_dtype(v.dtype), v.shape, 0)


def _acc(ct: dict, v: Var, g: Any) -> None:
    prev = ct.get(id(v))
    ct[id(v)] = g if prev is None else prev + g


def _backward(g: Graph, env: dict, ct: dict) -> None:
    for n in reversed(g.nodes):
        if n.prim.bprop is None or not any(id(o) in ct for o in n.outs):
            continue
        if n.prim.multiple_results:
            dout: Any = tuple(ct[id(o)] if id(o) in ct else _zeros(o) for o in n.outs)
            out: Any = tuple(env[id(o)] for o in n.outs)
        else:
            dout, out = ct[id(n.outs[0])], env[id(n.outs[0])]
        ins = [_operand(a, env) for a in n.inputs]
        grads = n.prim.bprop(*ins, out=out, dout=dout, **n.params)
        if len(grads) != len(n.inputs):
            raise RuntimeError(f"bprop of {n.prim.name} returned {len(grads)} gradients for {len(n.inputs)} inputs")
        for a, gr in zip(n.inputs, grads):
            if gr is None or not _float(a):
                continue
            if not hasattr(gr, "_data"):
                from ..ops import functional as F
                from ..core import dtype as mstype
                gr = F.fill(mstype.from_numpy_dtype(a.dtype), a.shape, gr)
            if tuple(gr.shape) != a.shape:
                raise RuntimeError(f"bprop of {n.prim.name} gave a gradient of shape {list(gr.shape)} for an input "
                                   f"of shape {list(a.shape)}")
            _acc(ct, a, gr)


def inline(g: Graph, args: list) -> list:
    """Emit g's nodes into the current trace with `args` (Tensors) as its inputs; returns
    its outputs as Tensors."""
    env: dict[int, Any] = {id(v): a for v, a in zip(g.inputs, args)}
    _replay(g, env)
    return [_value(a, env) for a in g.outputs]
