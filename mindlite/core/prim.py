"""The bottom of the core: abstract values, primitives, `bind` and the trace state.

Nothing here knows what a Tensor is. A *trace* decides what applying a primitive means:
the eager evaluator (core/trace.py) computes it and records it on the tape while a
gradient is taken; a graph trace (core/graph_trace.py) appends an IR node. `bind` hands
every application to the current thread's trace, or to the eager evaluator installed by
core/trace.py when no trace is active.

Trace state is per thread (`STATE` is a `threading.local`), so several Python threads can
take gradients and compile graphs at once; the array module of the device (`STATE.xp`) is
process-wide. Compilation holds `COMPILE_LOCK`.
"""
from __future__ import annotations

import inspect
import itertools
import threading
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True, slots=True)
class Aval:
    """Abstract value: what the shape/dtype rules see of a tensor."""
    shape: tuple
    dtype: Any  # numpy dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __str__(self) -> str:
        from .dtype import from_numpy_dtype
        try:
            name = from_numpy_dtype(self.dtype).name
        except TypeError:
            name = str(self.dtype)
        return f"{name}{list(self.shape)}"


def aval_of(x: Any) -> Any:
    """Aval for tensors/arrays/IR values; Python scalars and other values pass through
    (scalars are weakly typed; the shape rule judges anything else)."""
    if isinstance(x, (bool, int, float, complex)) or x is None:
        return x
    data = getattr(x, "_data", x)
    if not (hasattr(data, "shape") and hasattr(data, "dtype")):
        return x
    return Aval(tuple(data.shape), np.dtype(data.dtype))


class UnsupportedError(TypeError):
    """A case mindlite does not build (a dtype a kernel generator lacks, an op an exporter cannot
    map); the message names it and what is supported."""


class ValueDependentShape(ValueError):
    """Raised by a shape rule whose output shape depends on the input values (unique,
    nonzero, masked_select): such ops run eagerly only."""


class _ThreadState(threading.local):
    """Per-thread trace state. `xp` (a class attribute) is shared by every thread."""

    xp: Any = np  # array module of the current device

    def __init__(self) -> None:
        self.trace: Any = None   # the innermost trace, or None for eager evaluation
        self.level = 0           # grad nesting depth being recorded; 0 = no tape
        self.gen = 0             # id of this thread's outermost grad call (stale tape nodes are ignored)
        self.marks: dict = {}    # id(Parameter) -> its tape leaf while a grad w.r.t. weights runs
        self.guards: Any = None  # Python values read while tracing (core/guards.py), or None


STATE = _ThreadState()
COMPILE_LOCK = threading.RLock()
_GEN = itertools.count(1)  # grad generations are unique across threads


def new_generation() -> int:
    return next(_GEN)


def set_array_module(xp: Any) -> None:
    """Switch every thread to a device's array module (set_context(device_target=...))."""
    _ThreadState.xp = xp


class Trace:
    """Base of every trace. `bind(prim, args, params)` applies a primitive under it."""

    parent: Any = None

    def bind(self, prim: "Primitive", args: tuple, params: dict) -> Any:
        raise TypeError(f"{type(self).__name__} must define bind()")


class Primitive:
    """One op of the table. Call it like a function: `add_p(x, y)` binds it.

    * `impl(xp, *arrays, **params)` - the forward on the array module `xp`; a primitive
      with `needs_context=True` (subgraph primitives: cond, while, call) receives an
      execution context instead of `xp` (see `ExecContext`);
    * `infer(*avals, **params)` - the pure shape/dtype rule;
    * `bprop(*inputs, out, dout, **params)` - the backward in mindlite ops; a bprop that
      declares a `needs` argument receives a tuple of booleans (which inputs need a
      gradient) and may return None for the others.

    Shapes may hold -1 for a dimension known only at run time (a loop's stacked iterations).
    """

    __slots__ = ("name", "impl", "infer", "bprop", "bprop_needs", "multiple_results", "fuse_kind", "expr",
                 "is_pure", "needs_context", "residual_form", "symbolic_zeros", "__weakref__")

    def __init__(self, name: str, impl: Callable[..., Any], infer: Callable[..., Any] | None = None, *,
                 multiple_results: bool = False, fuse_kind: str = "opaque", expr: str | None = None,
                 is_pure: bool = True, needs_context: bool = False) -> None:
        # residual_form(params) -> (prim, params): what runs instead when the application is
        # differentiated, returning the same outputs followed by what the bprop needs (a loop's
        # stacked iterations), so the forward runs once. symbolic_zeros: the bprop gets None
        # (not a zeros tensor) for outputs without a cotangent.
        self.residual_form: Callable[[dict], tuple] | None = None
        self.symbolic_zeros = False
        if name in REGISTRY:
            raise ValueError(f"primitive {name!r} is defined twice")
        self.name = name
        self.impl = impl
        self.infer = infer
        self.bprop: Callable[..., Any] | None = None  # None: not differentiable
        self.bprop_needs = False
        self.multiple_results = multiple_results
        self.fuse_kind = fuse_kind
        self.expr = expr
        self.is_pure = is_pure
        self.needs_context = needs_context
        REGISTRY[name] = self

    def def_bprop(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        self.bprop = fn
        self.bprop_needs = "needs" in inspect.signature(fn).parameters
        return fn

    def __call__(self, *args: Any, **params: Any) -> Any:
        return _DISPATCH[0](self, *args, **params)

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


REGISTRY: dict[str, Primitive] = {}


def _no_evaluator(prim: Primitive, *args: Any, **params: Any) -> Any:
    raise RuntimeError("mindlite.core.trace has not been imported: no eager evaluator is installed")


_DISPATCH: list = [_no_evaluator]  # the eager-aware `bind`, installed by core/trace.py


def bind(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Apply `prim` to `args` under the current thread's trace (or evaluate it eagerly)."""
    return _DISPATCH[0](prim, *args, **params)


def install_dispatch(fn: Callable[..., Any]) -> None:
    _DISPATCH[0] = fn


class ExecContext:
    """What a subgraph primitive's impl gets in place of `xp`: the array module plus a way
    to run a graph. The executor installs the runner (`set_graph_runner`), so primitives
    never import the executor or the passes."""

    __slots__ = ("xp",)

    def __init__(self, xp: Any) -> None:
        self.xp = xp

    def run(self, graph: Any, args: Any) -> list:
        """Evaluate `graph` on arrays (compiled once per graph and device)."""
        return _GRAPH_RUNNER[0](graph, self.xp)(*args)

    def compiled(self, graph: Any) -> Callable[..., list]:
        return _GRAPH_RUNNER[0](graph, self.xp)

    def optimized(self, graph: Any) -> Callable[..., list]:
        """The graph optimised by the pass pipeline, then compiled (for whole vjp graphs)."""
        return _GRAPH_RUNNER[1](graph, self.xp)


def _no_runner(graph: Any, xp: Any) -> Any:
    raise RuntimeError("mindlite.backend has not been imported: no graph executor is installed")


_GRAPH_RUNNER: list = [_no_runner, _no_runner]


def set_graph_runner(compile_fn: Callable[[Any, Any], Callable[..., list]],
                     optimize_compile_fn: Callable[[Any, Any], Callable[..., list]]) -> None:
    _GRAPH_RUNNER[0] = compile_fn
    _GRAPH_RUNNER[1] = optimize_compile_fn


_CONTEXTS: dict[int, ExecContext] = {}


def exec_context(xp: Any) -> ExecContext:
    ctx = _CONTEXTS.get(id(xp))
    if ctx is None:
        ctx = _CONTEXTS[id(xp)] = ExecContext(xp)
    return ctx
