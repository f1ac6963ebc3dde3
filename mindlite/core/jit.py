"""The one jit entry: compile a function or Cell into one graph, optimise it, run it as one call.

`jit(fn)`, `@jit` on a method (a Cell's `construct` included) and every Cell call in
GRAPH_MODE go through `JitFunction`. A call
  * inside another trace inlines the (control-flow converted) function;
  * otherwise looks up an `Executable` by the exact argument signature - tensor and numpy
    array shapes/dtypes (arrays are graph inputs, never constants), exact Python types and
    values of the other arguments, the Cell's training flags and parameter set - and
    checks its guards (Python values read while tracing, core/guards.py); a miss compiles
    (under `COMPILE_LOCK`), a guard failure recompiles and says why once at WARNING;
  * inside an eager `grad` runs as one differentiable `call` primitive (core/ad_graph.py),
    so gradients of any order flow through compiled code.
Each function keeps at most `cache_size` executables (least recently used go first).

The graph compiler (passes + executor) sits above the core; it registers itself with
`set_compiler`, so this module never imports it.
"""
from __future__ import annotations

import functools
import logging
import time
import weakref
from collections import OrderedDict
from typing import Any, Callable

import numpy as np

from . import rng
from .dims import DynamicDimError, fresh, unification_scope
from .graph_trace import GraphTrace, run_traced, user_frame_of
from .guards import recording
from .prim import COMPILE_LOCK, STATE
from .pytree import flatten, unflatten
from .tensor import Parameter, Tensor
from .trace import wrap

_log = logging.getLogger("mindlite")
DEFAULT_CACHE_SIZE = 64


def _no_compiler(graph: Any, state_outs: Any) -> Any:
    raise RuntimeError("mindlite.backend has not been imported: no graph compiler is installed")


_COMPILER: list = [_no_compiler]


def set_compiler(fn: Callable[[Any, Any], Any]) -> None:
    """`fn(graph, inplace_state_outs) -> (optimised graph, compiled callable)`."""
    _COMPILER[0] = fn


def get_compiler() -> Callable[[Any, Any], Any]:
    """The registered compiler (tools such as the debugger wrap it and set the wrapper)."""
    return _COMPILER[0]


# ---- arguments ------------------------------------------------------------------------------------
def _split_args(args: tuple) -> tuple[list, Any]:
    """Tensor leaves (numpy arrays become Tensors) and a hashable key of everything else."""
    leaves: list = []
    key = tuple(_arg_key(a, leaves) for a in args)
    return leaves, key


def _arg_key(a: Any, leaves: list) -> Any:
    if isinstance(a, Tensor):
        leaves.append(a)
        return ("T", tuple(a.shape), a._data.dtype.str)
    if isinstance(a, np.ndarray):
        t = Tensor(a)
        leaves.append(t)
        return ("T", tuple(a.shape), t._data.dtype.str)
    if isinstance(a, (tuple, list)):
        return (type(a), tuple(_arg_key(x, leaves) for x in a))
    if isinstance(a, dict):
        return (dict, tuple((k, _arg_key(v, leaves)) for k, v in sorted(a.items(), key=lambda kv: repr(kv[0]))))
    try:
        hash(a)
    except TypeError:  # an unhashable object: each object compiles its own graph
        return ("id", type(a), id(a))
    return ("C", type(a), a)  # exact types: 1, 1.0 and True differ


def _rebuild(args: tuple, leaves: list) -> tuple:
    it = iter(leaves)

    def build(a: Any) -> Any:
        if isinstance(a, (Tensor, np.ndarray)):
            return next(it)
        if isinstance(a, (tuple, list)):
            return type(a)(build(x) for x in a)
        if isinstance(a, dict):
            return {k: build(v) for k, v in a.items()}
        return a
    return tuple(build(a) for a in args)


# ---- the compiled form ------------------------------------------------------------------------------
class Executable:
    """One compiled graph plus where each input comes from and where state outputs go."""

    def __init__(self, captured: Any, graph: Any, compiled: Any, sources: list, state_outs: list, out_struct: Any,
                 n_out: int, inplace_inputs: frozenset, guards: Any) -> None:
        self.captured = captured          # the graph as traced (what gradients differentiate)
        self.graph = graph                # the optimised graph
        self.compiled = compiled
        self.sources = sources            # per graph input: ("arg", leaf index) | ("param", p) | ("rng", seed)
        self.state_outs = state_outs      # (param, output index)
        self.out_struct = out_struct
        self.n_out = n_out
        self.inplace_inputs = inplace_inputs
        self.guards = guards
        self.compile_seconds = 0.0
        self.seed_events: list = []                    # set_seed calls made while tracing (core/rng.py)
        self.sizes: dict[str, tuple[int, int]] = {}   # run-time size name -> (argument leaf, axis)
        self.assumed: dict = {}                        # answers about the sizes (core/dims.py)
        self._checked: dict[tuple, str | None] = {}  # sizes -> broken_assumption's answer

    def broken_assumption(self, leaves: list) -> str | None:
        """The first answer about the run-time sizes that tracing gave and these arguments'
        sizes contradict (as text), or None when all hold."""
        if not self.assumed:
            return None
        key = tuple(leaves[k].shape[ax] for k, ax in self.sizes.values())
        if key in self._checked:
            return self._checked[key]
        env = dict(zip(self.sizes, key))
        broken = None
        for (expr, kind), answer in self.assumed.items():
            v = expr.evaluate(env)
            if (v == 0 if kind == "eq" else v >= 0) != answer:
                op = ("==" if answer else "!=") if kind == "eq" else (">=" if answer else "<")
                broken = f"{expr} {op} 0 (sizes {env})"
                break
        if len(self._checked) > 256:
            self._checked.clear()
        self._checked[key] = broken
        return broken

    def _keys(self) -> Any:
        """The random ops' keys in input order (None: draw them one by one)."""
        if not self.seed_events:
            return None
        return iter(rng.draw_keys([ref for kind, ref in self.sources if kind == "rng"], self.seed_events))

    def inputs(self, leaves: list) -> list:
        xp = STATE.xp
        ins = []
        keys = self._keys()
        for kind, ref in self.sources:
            if kind == "arg":
                ins.append(leaves[ref]._data)
            elif kind == "param":
                ins.append(ref._data)
            else:
                key = rng.next_key(ref) if keys is None else next(keys)
                ins.append(key if xp.__name__ == "numpy" else xp.asarray(key))
        return ins

    def _unalias(self, ins: list) -> list:
        """Copy an argument that shares its array with a parameter updated in place."""
        updated = {id(ins[k]) for k in self.inplace_inputs}
        for k, (kind, _) in enumerate(self.sources):
            if kind == "arg" and id(ins[k]) in updated:
                ins[k] = ins[k].copy()
        return ins

    def run(self, leaves: list) -> Any:
        ins = self.inputs(leaves)
        if self.inplace_inputs:
            ins = self._unalias(ins)
        outs = self.compiled(*ins)
        xp = STATE.xp
        for p, i in self.state_outs:
            p._data = xp.asarray(outs[i]).astype(p._data.dtype, copy=False)
        return unflatten(self.out_struct, [wrap(xp.asarray(o)) for o in outs[:self.n_out]])

    def run_differentiable(self, leaves: list) -> Any:
        """Inside an eager `grad`: the whole graph is one `call` primitive on the tape."""
        from .ad_graph import call_graph
        xp = STATE.xp
        ins: list = []
        keys = self._keys()
        for kind, ref in self.sources:
            if kind == "arg":
                ins.append(leaves[ref])
            elif kind == "param":
                ins.append(ref)
            else:
                key = rng.next_key(ref) if keys is None else next(keys)
                ins.append(wrap(key if xp.__name__ == "numpy" else xp.asarray(key)))
        outs = call_graph(self.captured, ins)
        for p, i in self.state_outs:
            p._data = outs[i]._data.astype(p._data.dtype, copy=False)
        return unflatten(self.out_struct, list(outs[:self.n_out]))


def trace_to_executable(fn: Callable, args: tuple, name: str, watch: list, functions: list,
                        dynamic: Any = None) -> Executable:
    """Trace `fn(*args)` (tensor leaves become graph inputs) and compile it. `dynamic[i]`:
    the axes of leaf i declared None, traced as run-time sizes (core/dims.py)."""
    hints: dict = {}  # the sizes of this call, filled in as sizes are made
    with unification_scope(hints) as unified:
        try:
            exe = _trace_and_compile(fn, args, name, watch, functions, dynamic, hints)
        except DynamicDimError as e:
            if "\n  at " in str(e):
                raise
            raise DynamicDimError(f"{e}\n  at {user_frame_of(e.__traceback__)}") from None
    exe.assumed = {k: z for k, z in unified.assumed.items() if k[0].names() <= set(exe.sizes)}
    return exe


def _trace_and_compile(fn: Callable, args: tuple, name: str, watch: list, functions: list,
                       dynamic: Any, hints: dict) -> Executable:
    t = GraphTrace(name)
    leaves, _ = _split_args(args)
    by_var: dict[int, tuple] = {}
    sizes: dict[str, tuple[int, int]] = {}
    sym = []
    for i, a in enumerate(leaves):
        shape = list(a.shape)
        for ax in (dynamic[i] if dynamic else ()):
            shape[ax] = fresh()
            sizes[shape[ax].name] = (i, ax)
            hints[shape[ax].name] = a.shape[ax]
        s = t.symbolic(tuple(shape), a._data.dtype, f"arg{i}")
        by_var[id(s._data)] = ("arg", i)
        sym.append(s)
    call_args = _rebuild(args, sym)
    rng_before = rng.snapshot()
    with recording(watch, functions) as guards:
        try:
            out = run_traced(t, fn, call_args)
            out_leaves: list = []
            struct = flatten(out, out_leaves)
            state = [p for p, _ in t.mutated.values()]
            captured = t.graph(out_leaves + [wrap(p._data) for p in state])
        finally:
            for p, original in t.mutated.values():
                p._data, p._node, p._idx = original, None, 0
            if t.seed_events:  # tracing reseeded: the calls replay it (Executable._keys), not the trace
                rng.restore(rng_before)
    for p, var, _ in t.params.values():
        by_var[id(var)] = ("param", p)
    for var, seed in t.rng_inputs:
        by_var[id(var)] = ("rng", seed)
    sources = [by_var[id(v)] for v in t.inputs]
    state_outs = [(p, len(out_leaves) + k) for k, p in enumerate(state)]
    # new parameter values may overwrite the old arrays when nothing in the graph reads them after
    param_input = {id(ref): k for k, (kind, ref) in enumerate(sources) if kind == "param"}
    inplace = {out: param_input[id(p)] for p, out in state_outs if id(p) in param_input}
    unification_scope.optimizing()
    graph, compiled = _COMPILER[0](captured, inplace or None)
    exe = Executable(captured, graph, compiled, sources, state_outs, struct, len(out_leaves),
                     frozenset(inplace.values()), guards)
    exe.seed_events = list(t.seed_events)
    exe.sizes = sizes
    return exe


# ---- the entry ---------------------------------------------------------------------------------------
class JitFunction:
    """A function compiled on first call for each argument signature (MindSpore `ms.jit`).

    Args:
        fn: the function; for a Cell, its call (`Cell._traced_call`).
        name: graph name.
        cell: the Cell whose training flags and parameter set join the cache key and whose
            attribute reads are guarded.
        cache_size: how many executables to keep (least recently used are dropped).
    """

    def __init__(self, fn: Callable, name: str | None = None, cell: Any = None,
                 cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "jit_fn")
        self.cell = cell
        self.cache: OrderedDict = OrderedDict()  # key -> list of executables (different guards)
        self.cache_size = cache_size
        self._warned: set = set()
        self._bound: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        if cell is None:
            functools.update_wrapper(self, fn)  # type: ignore[arg-type]

    # ---- what is traced -----------------------------------------------------------------------
    def _converted(self) -> Callable:
        from ..parser import convert
        return convert(self.fn)

    def _watch(self) -> tuple[list, list]:
        """Cells whose attributes are guarded and functions whose named constants are."""
        owner = self.cell if self.cell is not None else getattr(self.fn, "__self__", None)
        cells = [c for _, c in owner.cells_and_names()] if hasattr(owner, "cells_and_names") else []
        functions = [self.fn] + [type(c).construct for c in cells if hasattr(type(c), "construct")]
        return cells, functions

    def _signature(self) -> Any:
        owner = self.cell if self.cell is not None else getattr(self.fn, "__self__", None)
        if owner is not None and hasattr(owner, "__dict__") and "_input_signature" in owner.__dict__:
            return owner.__dict__["_input_signature"]
        if self.cell is not None:  # a Cell whose construct is @jit(input_signature=...)
            construct = getattr(type(self.cell), "construct", None)
            if isinstance(construct, JitFunction):
                return construct.input_signature
        return self.input_signature

    input_signature: Any = None

    def _extra_key(self) -> Any:
        owner = self.cell if self.cell is not None else getattr(self.fn, "__self__", None)
        return owner._graph_key() if hasattr(owner, "_graph_key") else ()

    # ---- lookup -------------------------------------------------------------------------------
    def executable(self, args: tuple) -> Executable:
        signature = self._signature()
        dynamic = None
        if signature is not None:
            check_signature(self.name, signature, args)
            dynamic = self._axes_declared_none(signature)
        leaves, key = _split_args(args)
        extra = self._extra_key()
        if dynamic is not None:  # one graph for every size along the axes declared None
            masked = tuple((k[0], tuple(None if ax in axes else d for ax, d in enumerate(k[1])), k[2])
                           for k, axes in zip(key, dynamic))
            exe = self._lookup((masked, extra), args, dynamic)
            broken = exe.broken_assumption(leaves)
            if broken is None:
                return exe
            # tracing answered a question about the sizes that these sizes answer otherwise (a
            # size-1 axis that squeeze would drop): these exact shapes get their own graph
            said = broken.split(" (sizes")[0]  # once per assumption, not per size
            if said not in self._warned:
                self._warned.add(said)
                _log.info("mindlite: compiling %s for the shapes %s: its graph for any size assumed %s",
                          self.name, key, broken)
        return self._lookup((key, extra), args, None)

    def _axes_declared_none(self, signature: tuple) -> list | None:
        """Per declared input, its None axes (None when there are none); worked out once per
        declaration, not per call."""
        known = self.__dict__.get("_declared")
        if known is None or known[0] is not signature:
            axes = [tuple(ax for ax, w in enumerate(decl.shape) if w < 0) for decl in signature]
            known = self._declared = (signature, axes if any(axes) else None)
        return known[1]

    def _lookup(self, key: Any, args: tuple, dynamic: Any) -> Executable:
        entries = self.cache.get(key)
        if entries is not None:
            for exe in entries:
                if exe.guards.holds():
                    self.cache.move_to_end(key)
                    return exe
        with COMPILE_LOCK:
            entries = self.cache.get(key)
            for exe in entries or ():
                if exe.guards.holds():
                    return exe
            self._explain(key, entries)
            start = time.perf_counter()
            cells, functions = self._watch()
            exe = trace_to_executable(self._converted(), args, self.name, cells, functions, dynamic)
            exe.compile_seconds = time.perf_counter() - start
            if entries is None:
                entries = self.cache[key] = []
                self._evict(key)
            entries.insert(0, exe)
            del entries[8:]  # at most 8 guard variants per signature
            return exe

    def _explain(self, key: Any, entries: list | None) -> None:
        if entries:
            broken = entries[0].guards.first_broken()
            if broken is not None and broken.where not in self._warned:
                self._warned.add(broken.where)
                _log.warning("mindlite: recompiling %s: %s changed from %r to %r", self.name, broken.where,
                             broken.value, broken.current())
        elif self.cache and "signature" not in self._warned:
            self._warned.add("signature")
            _log.info("mindlite: recompiling %s for a new argument signature %s", self.name, key[0])

    def _evict(self, new_key: Any) -> None:
        while len(self.cache) > self.cache_size:
            old_key, _ = self.cache.popitem(last=False)
            if "evict" not in self._warned:
                self._warned.add("evict")
                _log.warning("mindlite: %s has compiled more than %d signatures (argument shapes keep changing: "
                             "%s, then %s); dropping the least recently used. Pad inputs to a few fixed shapes "
                             "to avoid recompiling.", self.name, self.cache_size, old_key[0], new_key[0])

    # ---- calls --------------------------------------------------------------------------------
    def __call__(self, *args: Any) -> Any:
        if STATE.trace is not None:  # already inside a graph: inline
            return self._converted()(*args)
        exe = self.executable(args)
        leaves, _ = _split_args(args)
        if STATE.level:
            return exe.run_differentiable(leaves)
        return exe.run(leaves)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        bound = self._bound.get(obj)
        if bound is None:
            bound = JitFunction(self.fn.__get__(obj, objtype), name=self.name, cache_size=self.cache_size)
            bound.input_signature = self.input_signature
            self._bound[obj] = bound
        return bound


def cell_function(cell: Any) -> JitFunction:
    """The JitFunction a Cell is called through in GRAPH_MODE (one per Cell)."""
    jf = cell.__dict__.get("_jit_fn")
    if jf is None:
        jf = JitFunction(cell._traced_call, name=type(cell).__name__, cell=cell)
        object.__setattr__(cell, "_jit_fn", jf)
    return jf


def compiles(cell: Any) -> bool:
    """Whether calling `cell` now compiles it: GRAPH_MODE or `jit(cell)`, outside a trace."""
    from . import context
    return STATE.trace is None and (context.get_context("mode") == context.GRAPH_MODE
                                    or "_jit_forced" in cell.__dict__)


def jit(fn: Callable | None = None, mode: str = "PSJit", input_signature: Any = None, hash_args: Any = None,
        jit_config: Any = None, compile_once: bool = False, **kwargs: Any) -> Any:
    """`mindlite.jit`: compile `fn` (a function, a method, a Cell's construct, or a Cell)
    into one graph, whatever the global mode. Usable bare (`@jit`) or with MindSpore's
    keywords. `mode`, `hash_args`, `jit_config`, `compile_once` and MindSpore's other
    compile options select how MindSpore compiles; they cannot change the numbers, and
    mindlite always compiles one guarded graph per argument signature."""
    if mode not in ("PSJit", "PIJit"):
        raise ValueError(f"jit: mode must be 'PSJit' or 'PIJit', got {mode!r}")
    if input_signature is not None:
        input_signature = declared_inputs("jit(input_signature=...)", input_signature)
    if fn is None or isinstance(fn, str):
        return lambda f: jit(f, input_signature=input_signature)
    if hasattr(fn, "construct") and hasattr(fn, "parameters_and_names"):
        fn.__dict__["_jit_forced"] = True
        return fn
    if not callable(fn):
        raise TypeError(f"jit: expected a function or a Cell, got {type(fn).__name__}")
    jf = JitFunction(fn)
    jf.input_signature = input_signature
    return jf


# ---- declared inputs (Cell.set_inputs, jit(input_signature=)) ------------------------------------------
def declared_inputs(where: str, inputs: Any) -> tuple:
    """Validate a declaration: Tensors, with None (or -1) for a dimension of any size."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for k, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"{where}: input {k} must be a Tensor declaration such as "
                            f"Tensor(shape=[None, 3], dtype=ms.float32), got {type(t).__name__}")
    return inputs


def check_signature(name: str, signature: tuple, args: tuple) -> None:
    """Arguments must match the declared inputs: the dtype, the rank and every fixed size.

    A declared `None` dimension accepts any size: the graph is compiled once with a run-time
    size there (core/dims.py) and serves every size."""
    if len(args) != len(signature):
        raise TypeError(f"{name}: {len(signature)} inputs were declared (set_inputs / input_signature), "
                        f"got {len(args)}")
    for k, (decl, a) in enumerate(zip(signature, args)):
        if not isinstance(a, (Tensor, np.ndarray)):
            raise TypeError(f"{name}: input {k} was declared as a Tensor, got {type(a).__name__}")
        want, got = tuple(decl.shape), tuple(a.shape)
        dtype = a._data.dtype if isinstance(a, Tensor) else a.dtype
        if np.dtype(decl._data.dtype) != dtype:
            raise TypeError(f"{name}: input {k} was declared {np.dtype(decl._data.dtype).name}, got {dtype.name}")
        if len(want) != len(got) or any(w >= 0 and w != g for w, g in zip(want, got)):
            shown = [None if w < 0 else w for w in want]
            raise ValueError(f"{name}: input {k} has shape {list(got)}, declared {shown}")


def ms_function(fn: Callable | None = None, obj: Any = None, input_signature: Any = None) -> Any:
    """MindSpore 1.x's name for `jit` (`obj` is the instance a method is bound to)."""
    if fn is not None and obj is not None:
        fn = fn.__get__(obj, type(obj))
    return jit(fn, input_signature=input_signature)


__all__ = ["jit", "ms_function", "JitFunction", "Executable", "cell_function", "compiles", "set_compiler", "get_compiler",
           "Parameter"]
