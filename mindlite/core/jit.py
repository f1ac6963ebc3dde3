"""Compile a function or Cell into one graph, optimise it and run it as one call.

`jit(fn)` (and every Cell call in GRAPH_MODE) traces `fn` on symbolic tensors into an
`ir.Graph`, runs the pass pipeline, lowers it with the executor and caches the result by
input shapes/dtypes, constant arguments, training flags and the parameter set. A call
feeds tensors, parameters and fresh RNG keys to the compiled function and writes the new
values of mutated parameters (optimizer state, BatchNorm statistics) back.
"""
from __future__ import annotations

import functools
import logging
import time
from typing import Any, Callable

from .graph_trace import GraphTrace, run_traced
from .tensor import Parameter, Tensor
from .trace import STATE, wrap
from . import rng

_log = logging.getLogger("mindlite")


def _flatten(obj: Any, leaves: list) -> Any:
    """Structure of `obj` with tensors replaced by their index in `leaves`."""
    if isinstance(obj, Tensor):
        leaves.append(obj)
        return ("T", len(leaves) - 1)
    if isinstance(obj, (tuple, list)):
        return (type(obj), tuple(_flatten(o, leaves) for o in obj))
    return ("C", obj)


def _unflatten(struct: Any, values: list) -> Any:
    kind = struct[0]
    if kind == "T":
        return values[struct[1]]
    if kind == "C":
        return struct[1]
    items = [_unflatten(s, values) for s in struct[1]]
    return tuple(items) if struct[0] is tuple else list(items)


class Executable:
    """One compiled graph plus where each input comes from and where state outputs go."""

    def __init__(self, graph: Any, sources: list, state_outs: list, out_struct: Any, n_out: int) -> None:
        from ..backend.executor import compile_graph
        self.graph = graph
        self.sources = sources          # per graph input: ("arg", i) | ("param", p) | ("rng", seed)
        self.state_outs = state_outs    # (param, output index)
        self.out_struct = out_struct
        self.n_out = n_out
        self.compiled = compile_graph(graph)

    def _unalias(self, ins: list) -> list:
        """Copy an argument that shares its array with a parameter updated in place."""
        args = [k for k, (kind, _) in enumerate(self.sources) if kind == "arg"]
        if args:
            updated = {id(ins[k]) for k in self.inplace_inputs}
            for k in args:
                if id(ins[k]) in updated:
                    ins[k] = ins[k].copy()
        return ins

    def inputs(self, args: tuple) -> list:
        xp = STATE.xp
        ins = []
        for kind, ref in self.sources:
            if kind == "arg":
                ins.append(args[ref]._data)
            elif kind == "param":
                ins.append(ref._data)
            else:
                key = rng.next_key(ref)
                ins.append(key if xp.__name__ == "numpy" else xp.asarray(key))
        return ins

    inplace_inputs: frozenset = frozenset()

    def __call__(self, *args: Any) -> Any:
        ins = self.inputs(args)
        if self.inplace_inputs:
            ins = self._unalias(ins)
        outs = self.compiled(*ins)
        xp = STATE.xp
        for p, i in self.state_outs:
            p._data = xp.asarray(outs[i]).astype(p._data.dtype, copy=False)
        values = [wrap(xp.asarray(o)) for o in outs[:self.n_out]]
        return _unflatten(self.out_struct, values)


def trace_to_executable(fn: Callable, args: tuple, name: str) -> Executable:
    """Trace `fn(*args)` (tensor args become graph inputs) and compile it."""
    from ..passes.pipeline import optimize
    t = GraphTrace(name)
    by_var: dict[int, tuple] = {}
    call_args = []
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            s = t.symbolic(a.shape, a._data.dtype, f"arg{i}")
            by_var[id(s._data)] = ("arg", i)
            call_args.append(s)
        else:
            call_args.append(a)
    try:
        out = run_traced(t, fn, tuple(call_args))
        leaves: list = []
        struct = _flatten(out, leaves)
        state = [p for p, _ in t.mutated.values()]
        graph = t.graph(leaves + [wrap(p._data) for p in state])
    finally:
        for p, original in t.mutated.values():
            p._data, p._node, p._idx = original, None, 0
    for p, var, _ in t.params.values():
        by_var[id(var)] = ("param", p)
    for var, seed in t.rng_inputs:
        by_var[id(var)] = ("rng", seed)
    sources = [by_var[id(v)] for v in t.inputs]
    state_outs = [(p, len(leaves) + k) for k, p in enumerate(state)]
    # new parameter values may overwrite the old arrays when nothing in the graph reads them after
    param_input = {id(ref): k for k, (kind, ref) in enumerate(sources) if kind == "param"}
    inplace = {out: param_input[id(p)] for p, out in state_outs if id(p) in param_input}
    graph = optimize(graph, state_outs=inplace or None)
    exe = Executable(graph, sources, state_outs, struct, len(leaves))
    exe.inplace_inputs = frozenset(inplace.values())
    return exe


def _key_of(a: Any) -> Any:
    if isinstance(a, Tensor):
        return ("T", tuple(a.shape), a._data.dtype.str)
    try:
        hash(a)
        return ("C", a)
    except TypeError:
        return ("R", repr(a))


class JitFunction:
    """A function compiled on first call for each input signature (MindSpore `ms.jit`)."""

    def __init__(self, fn: Callable, name: str | None = None) -> None:
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "jit_fn")
        self.cache: dict = {}
        self._logged = False
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]

    def signature(self, args: tuple, extra: Any = ()) -> tuple:
        return tuple(_key_of(a) for a in args) + (extra,)

    def executable(self, args: tuple, extra: Any = ()) -> Executable:
        key = self.signature(args, extra)
        exe = self.cache.get(key)
        if exe is None:
            if self.cache and not self._logged:
                _log.info("mindlite: recompiling %s for a new input signature %s", self.name, key)
                self._logged = True
            start = time.perf_counter()
            exe = trace_to_executable(self.fn, args, self.name)
            exe.compile_seconds = time.perf_counter() - start  # type: ignore[attr-defined]
            self.cache[key] = exe
        return exe

    def __call__(self, *args: Any) -> Any:
        if STATE.trace is not None:  # already inside a graph: inline
            return self.fn(*args)
        exe = self.executable(args)
        if STATE.level:
            from .jit_grad import call_differentiable
            return call_differentiable(exe, args)
        return exe(*args)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return functools.partial(self.__call__, obj)


def jit(fn: Callable | None = None, *args: Any, **kwargs: Any) -> Any:
    """`mindlite.jit`: compile `fn` (a function or a Cell's construct) into one graph,
    whatever the global mode. Usable bare (`@jit`) or with MindSpore's keywords
    (`@jit(mode="PSJit")`, `capture_mode=...`, `jit_level=...`), which are accepted."""
    if fn is None or isinstance(fn, str):
        return lambda f: jit(f)
    if hasattr(fn, "construct") and hasattr(fn, "parameters_and_names"):
        fn.__dict__["_jit_forced"] = True
        return fn
    return JitFunction(fn)


ms_function = jit
