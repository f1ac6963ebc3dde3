"""A compiled graph called inside an eager `grad` (jit in PYNATIVE): the call is recorded
on the tape as one node whose backward runs the compiled vjp of the graph.

First order only: the backward runs compiled code on arrays, so differentiating it again
(grad of grad through a jit function in PYNATIVE) is not supported.
"""
from __future__ import annotations

from typing import Any

from .tensor import Tensor
from .trace import STATE, record_custom, wrap


def _vjp_compiled(exe: Any, wrt: tuple) -> Any:
    from ..backend.executor import compile_graph
    from ..passes.autodiff import vjp_graph
    key = ("vjp", wrt)
    cached = exe.graph._cache.get(key)
    if cached is None:
        cached = exe.graph._cache[key] = compile_graph(vjp_graph(exe.graph, list(wrt), exe.n_out))
    return cached


def call_differentiable(exe: Any, args: tuple) -> Any:
    """Run `exe` and, if any tensor input is being differentiated, record its backward."""
    tensors = []
    for k, (kind, ref) in enumerate(exe.sources):
        t = args[ref] if kind == "arg" else ref if kind == "param" else None
        if isinstance(t, Tensor) and t._node is not None and t._node.gen == STATE.gen \
                and t._data.dtype.kind in "fc":
            tensors.append((k, t))
    if not tensors:
        return exe(*args)
    ins = exe.inputs(args)
    # the backward reads these inputs again: parameters updated in place must not change them
    ins = [a.copy() if k in exe.inplace_inputs else a for k, a in enumerate(ins)]
    run_ins = [a.copy() if k in exe.inplace_inputs else a for k, a in enumerate(ins)]
    outs = exe.compiled(*run_ins)
    xp = STATE.xp
    for p, i in exe.state_outs:
        p._data = xp.asarray(outs[i]).astype(p._data.dtype, copy=False)
    results = [wrap(xp.asarray(o)) for o in outs[:exe.n_out]]
    wrt = tuple(k for k, _ in tensors)
    vjp = _vjp_compiled(exe, wrt)

    def bprop(*inputs: Any, out: Any, dout: Any) -> tuple:
        douts = dout if isinstance(dout, tuple) else (dout,)
        res = vjp(*ins, *[d._data for d in douts])
        return tuple(wrap(r) for r in res[len(exe.graph.outputs):])
    flat_out = tuple(results) if len(results) != 1 else results[0]
    record_custom("jit", tuple(t for _, t in tensors), flat_out, bprop)
    from .jit import _unflatten
    return _unflatten(exe.out_struct, results)
