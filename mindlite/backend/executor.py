"""Executor: lower a Graph once to generated Python source over the device's array module.

The generated function calls each node's `prim.impl(xp, ...)` in order, deletes values after
their last use (so memory follows liveness) and returns the outputs; it is printable for
debugging (`compile_graph(g).source`). Subgraphs (if/while bodies) are compiled the same way
by the control-flow primitives' impls through `run_graph`.

A graph whose shapes hold run-time sizes (`Dim`, an axis declared None, core/dims.py) binds
each size from its inputs' shapes on every call, evaluates the attributes that hold sizes
(a reshape's target, a zeros' shape) for those sizes - once per distinct set of sizes - and
checks every value's shape against the graph, so a shape rule's answer that does not hold
for this call's sizes raises instead of computing something else.

A memory plan recorded on the graph (`g.memory_plan`, see passes/memory.py) is
honoured: a node with an `OutSpec` is called as `spec.fn(xp, ..., out=B[k])` with buffer k
allocated once per compiled graph and thread, or `out=<graph input>` for an in-place
parameter update. The executor only follows the plan; the passes decide what is safe.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

import numpy as np

from ..core.dims import Dim, evaluate, has_dims, size_names
from ..core.prim import STATE, UnsupportedError, exec_context
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


def _buffer_factory(g: Graph, xp: Any) -> Callable[..., list]:
    """`B()` -> this thread's list of planned buffers (views into one raw array per slot),
    allocated on first use: each thread (and each compiled graph) owns its buffers.
    `B(sizes)` for a graph with run-time sizes: the views for those sizes, carved from raw
    arrays that grow to the largest sizes met (the views of up to 64 sets of sizes are kept)."""
    plan = g.memory_plan
    local = threading.local()
    nhwc = plan.channels_last if xp is np else set()  # the layout the values will have (passes/layout.py)

    def view(raw: Any, k: int, shape: tuple, dt: Any) -> Any:
        flat = raw[:np.dtype(dt).itemsize * int(np.prod(shape))].view(dt)
        if k in nhwc:
            n, c, h, w = shape
            return flat.reshape(n, h, w, c).transpose(0, 3, 1, 2)
        return flat.reshape(shape)

    def buffers(sizes: Any = None) -> list:
        if sizes is not None:
            return sized(*sizes)
        b = getattr(local, "b", None)
        if b is None:
            raw = {s: xp.empty(n, np.uint8) for s, n in plan.raw_bytes.items()}
            b = local.b = [view(raw[s], k, shape, dt) for k, (s, shape, dt) in enumerate(plan.buffers)]
        return b

    def sized(key: tuple, env: dict) -> list:
        views = getattr(local, "views", None)
        if views is None:
            views = local.views = {}
            local.raw = {}
        b = views.get(key)
        if b is None:
            raw = local.raw
            for s, n in plan.bytes_for(env).items():
                if s not in raw or raw[s].size < n:
                    raw[s] = xp.empty(n, np.uint8)
                    views.clear()  # views of the smaller arrays go with them
            if len(views) >= 64:  # views share the raw arrays: cheap to keep for many sizes
                views.clear()
            b = views[key] = [view(raw[s], k, evaluate(shape, env), dt) for k, (s, shape, dt) in enumerate(plan.buffers)]
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


class RuntimeSizes:
    """Run-time sizes of one graph: how each is bound from the inputs, and per set of sizes
    the evaluated attributes and the shape every value must have."""

    MAX_CACHED = 256

    def __init__(self, g: Graph) -> None:
        self.name = g.name
        self.binds: list[tuple[str, int, int]] = []     # (size name, input, axis)
        self.derived: list[tuple[int, int, Any]] = []   # input sizes that are expressions: checked
        for k, v in enumerate(g.inputs):
            for ax, d in enumerate(v.shape):
                if isinstance(d, Dim):
                    if d.name is not None and d.name not in {b[0] for b in self.binds}:
                        self.binds.append((d.name, k, ax))
                    else:
                        self.derived.append((k, ax, d))
        self.params: dict[Any, Any] = {i: n.params for i, n in enumerate(g.nodes) if has_dims(n.params)}
        for i, n in enumerate(g.nodes):  # sizes used as numbers (x.sum() / x.shape[0]): literal operands
            for j, a in enumerate(n.inputs):
                if isinstance(a, Lit) and has_dims(a.value):
                    self.params[(i, j)] = a.value
        self.shapes = {i: tuple(o.shape if isinstance(o, Var) and o.dtype != object
                                and any(isinstance(d, Dim) for d in o.shape) else None for o in n.outs)
                       for i, n in enumerate(g.nodes) if any(isinstance(d, Dim) for o in n.outs for d in o.shape)}
        self.nodes = g.nodes
        bound = {b[0] for b in self.binds}
        used = size_names(list(self.params.values()) + [s for ss in self.shapes.values() for s in ss if s])
        if used - bound:
            raise UnsupportedError(f"graph {g.name}: the run-time sizes {sorted(used - bound)} are not the size "
                                   f"of any input axis, so they cannot be known when it runs")
        self.cache: dict[tuple, tuple] = {}

    def resolve(self, *inputs: Any) -> tuple:
        """(attributes by node, shapes by node, (sizes, env)) for the sizes of these inputs."""
        key = tuple(inputs[k].shape[ax] for _, k, ax in self.binds)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        env = {name: size for (name, _, _), size in zip(self.binds, key)}
        for (name, k, ax), size in zip(self.binds, key):
            if size < 1:
                raise ValueError(f"graph {self.name}: input {k} has size {size} along axis {ax}, declared None; "
                                 f"a run-time size must be at least 1")
        for k, ax, d in self.derived:
            want = d.evaluate(env)
            if inputs[k].shape[ax] != want:
                raise ValueError(f"graph {self.name}: input {k} has size {inputs[k].shape[ax]} along axis {ax}; "
                                 f"the graph needs {d} = {want} there")
        hit = ({i: evaluate(p, env) for i, p in self.params.items()},
               {i: tuple(None if s is None else evaluate(s, env) for s in ss) for i, ss in self.shapes.items()},
               (key, env))
        if len(self.cache) >= self.MAX_CACHED:
            self.cache.clear()
        self.cache[key] = hit
        return hit

    def mismatch(self, i: int, k: int, got: Any, want: tuple) -> Exception:
        n = self.nodes[i]
        where = f" at {n.loc}" if n.loc else ""
        return ValueError(f"graph {self.name}: {n.prim.name}{where} gave shape {list(got)} for output {k}; compiled "
                          f"for run-time sizes it should be {list(want)} ({list(n.outs[k].shape)}). The shape rule "
                          f"decided something these sizes contradict (a size-1 axis where the graph assumed more?)")


def has_runtime_sizes(g: Graph) -> bool:
    """Whether g's shapes or attributes hold run-time sizes (core/dims.py)."""
    return any(isinstance(d, Dim) for v in g.inputs for d in v.shape) or \
        any(has_dims(n.params) or any(isinstance(d, Dim) for o in n.outs for d in o.shape)
            or any(isinstance(a, Lit) and has_dims(a.value) for a in n.inputs) for n in g.nodes)


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
    sizes = None
    if has_runtime_sizes(g):
        sizes = ns["_sizes"] = RuntimeSizes(g)
        lines.append(f"    RP, RS, RE = _sizes.resolve({', '.join(params)})")
    if any(s.buf is not None for s in specs.values()):
        ns["_buffers"] = _buffer_factory(g, xp)
        lines.append("    B = _buffers(RE)" if sizes is not None else "    B = _buffers()")
    unused = [p for v, p in zip(g.inputs, params) if id(v) not in last]
    if unused:
        lines.append(f"    del {', '.join(unused)}")
    for i, n in enumerate(g.nodes):
        f, p = f"f{i}", f"p{i}"
        ns[f], ns[p] = n.prim.impl, n.params
        if sizes is not None and i in sizes.params:
            p = f"RP[{i}]"
        args = ", ".join(["ctx" if n.prim.needs_context else "xp"]
                         + [f"RP[{(i, j)!r}]" if sizes is not None and (i, j) in sizes.params else operand(a)
                            for j, a in enumerate(n.inputs)])
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
        lines.append(f"    {lhs} = {call}{comment}" if n.outs else f"    {call}{comment}")  # no outputs: an effect
        if sizes is not None and i in sizes.shapes:
            for k, (o, want) in enumerate(zip(n.outs, sizes.shapes[i])):
                if want is not None and id(o) in last:
                    lines.append(f"    if {name(o)}.shape != RS[{i}][{k}]: raise _sizes.mismatch({i}, {k}, "
                                 f"{name(o)}.shape, RS[{i}][{k}])")
        dead = sorted({name(a) for a in n.inputs if isinstance(a, Var) and last.get(id(a)) == i})
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    lines.append(f"    return [{', '.join(operand(a) for a in g.outputs)}]")
    return "\n".join(lines) + "\n", ns
