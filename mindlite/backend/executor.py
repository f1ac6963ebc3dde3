"""Executor: lower a Graph once to generated Python source over the device's array module.

The generated function calls each node's `prim.impl(xp, ...)` in order, deletes values after
their last use (so memory follows liveness) and returns the outputs; it is printable for
debugging (`compile_graph(g).source`). Subgraphs (if/while bodies) are compiled the same way
by the control-flow primitives' impls through `run_graph`.

A memory plan recorded on the graph (`g.memory_plan`, see passes/memory.py) is
honoured: a node with an `OutSpec` is called as `spec.fn(xp, ..., out=B[k])` with buffer k
allocated once per compiled graph and thread, or `out=<graph input>` for an in-place
parameter update. The executor only follows the plan; the passes decide what is safe.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

import numpy as np

from ..core.prim import STATE, exec_context
from ..ir.graph import Graph, Lit, Var

_SIMPLE = (bool, int, float, type(None), str)


class CompiledGraph:
    """A Graph lowered to a Python function `fn(*inputs) -> list of outputs`."""

    def __init__(self, graph: Graph, xp: Any) -> None:
        self.graph = graph
        self.xp = xp
        self.source, namespace = _generate(graph, xp)
        code = compile(self.source, f"<mindlite graph {graph.name}>", "exec")
        exec(code, namespace)  # noqa: S102 - our own generated source
        self.fn: Callable[..., list] = namespace["run"]

    def __call__(self, *args: Any) -> list:
        return self.fn(*args)


def compile_graph(g: Graph, xp: Any = None) -> CompiledGraph:
    """The compiled form of `g` for `xp` (cached on the graph)."""
    if xp is None:
        xp = STATE.xp
    key = ("compiled", id(xp))
    c = g._cache.get(key)
    if c is None:
        c = g._cache[key] = CompiledGraph(g, xp)
    return c


def run_graph(g: Graph, args: Any) -> list:
    """Evaluate a (sub)graph on arrays."""
    return compile_graph(g)(*args)


def optimize_and_compile(g: Graph, xp: Any = None) -> CompiledGraph:
    """`g` through the default pass pipeline, compiled for `xp` (cached on g): how whole
    graphs called as one primitive (`call`, vjp graphs) run."""
    xp = STATE.xp if xp is None else xp
    key = ("optimized", id(xp))
    c = g._cache.get(key)
    if c is None:
        from ..passes.pipeline import optimize
        c = g._cache[key] = compile_graph(optimize(g), xp)
    return c


def _plan_outs(g: Graph) -> dict:
    plan = g.memory_plan
    return plan.outs if plan is not None else {}


def _buffer_factory(g: Graph, xp: Any) -> Callable[[], list]:
    """`B()` -> this thread's list of planned buffers (views into one raw array per slot),
    allocated on first use: each thread (and each compiled graph) owns its buffers."""
    plan = g.memory_plan
    local = threading.local()
    nhwc = plan.channels_last if xp is np else set()  # the layout the values will have (passes/layout.py)

    def view(raw: Any, k: int, shape: tuple, dt: Any) -> Any:
        flat = raw[:np.dtype(dt).itemsize * int(np.prod(shape))].view(dt)
        if k in nhwc:
            n, c, h, w = shape
            return flat.reshape(n, h, w, c).transpose(0, 3, 1, 2)
        return flat.reshape(shape)

    def buffers() -> list:
        b = getattr(local, "b", None)
        if b is None:
            raw = {s: xp.empty(n, np.uint8) for s, n in plan.raw_bytes.items()}
            b = local.b = [view(raw[s], k, shape, dt) for k, (s, shape, dt) in enumerate(plan.buffers)]
        return b
    return buffers


def _last_uses(g: Graph) -> dict[int, int]:
    last: dict[int, int] = {}
    specs = _plan_outs(g)
    for i, n in enumerate(g.nodes):
        for a in n.inputs:
            if isinstance(a, Var):
                last[id(a)] = i
        spec = specs.get(i)
        if spec is not None and spec.input is not None:  # written in place: keep the name alive
            last[id(g.inputs[spec.input])] = i
    for a in g.outputs:
        if isinstance(a, Var):
            last[id(a)] = len(g.nodes)
    return last


def _generate(g: Graph, xp: Any) -> tuple[str, dict]:
    ns: dict[str, Any] = {"xp": xp, "ctx": exec_context(xp)}
    names: dict[int, str] = {}

    def name(v: Var) -> str:
        if id(v) not in names:
            names[id(v)] = f"v{len(names)}"
        return names[id(v)]

    def operand(a: Any) -> str:
        if isinstance(a, Var):
            return name(a)
        v = a.value if isinstance(a, Lit) else a
        if isinstance(v, _SIMPLE) and not (isinstance(v, float) and not np.isfinite(v)):
            return repr(v)
        key = f"c{len(ns)}"
        ns[key] = v if not isinstance(v, np.ndarray) or xp is np else xp.asarray(v)
        return key

    last = _last_uses(g)
    specs = _plan_outs(g)
    params = [name(v) for v in g.inputs]
    lines = [f"def run({', '.join(params)}):"]
    if any(s.buf is not None for s in specs.values()):
        ns["_buffers"] = _buffer_factory(g, xp)
        lines.append("    B = _buffers()")
    unused = [p for v, p in zip(g.inputs, params) if id(v) not in last]
    if unused:
        lines.append(f"    del {', '.join(unused)}")
    for i, n in enumerate(g.nodes):
        f, p = f"f{i}", f"p{i}"
        ns[f], ns[p] = n.prim.impl, n.params
        args = ", ".join(["ctx" if n.prim.needs_context else "xp"] + [operand(a) for a in n.inputs])
        call = f"{f}({args}, **{p})" if n.params else f"{f}({args})"
        spec = specs.get(i)
        if spec is not None:  # the memory plan: write into a planned buffer or a parameter
            ns[f] = spec.fn
            target = f"B[{spec.buf}]" if spec.input is None else name(g.inputs[spec.input])
            call = f"{f}({args}, out={target}, **{p})" if n.params else f"{f}({args}, out={target})"
        outs = [name(o) if id(o) in last else "_" for o in n.outs]
        lhs = ", ".join(outs) + ("," if n.prim.multiple_results and len(outs) == 1 else "")
        if not n.prim.multiple_results:
            lhs = outs[0]
        comment = f"  # {n.prim.name}" + (f" @ {n.loc}" if n.loc else "")
        lines.append(f"    {lhs} = {call}{comment}")
        dead = sorted({name(a) for a in n.inputs if isinstance(a, Var) and last.get(id(a)) == i})
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    lines.append(f"    return [{', '.join(operand(a) for a in g.outputs)}]")
    return "\n".join(lines) + "\n", ns
