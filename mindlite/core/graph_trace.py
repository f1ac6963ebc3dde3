"""GraphTrace: capture a Python function into an `ir.Graph` by running it on symbolic tensors.

While installed as `STATE.trace`, every `bind` appends a Node instead of computing. A
symbolic Tensor holds an `ir.Var` as its `_data`. What the function touches from outside
becomes explicit graph inputs (DESIGN 2.3, state threaded explicitly):
  * Parameters are lifted to inputs of the outermost graph; a Parameter rebound during
    capture (optimizer updates, BatchNorm statistics) yields a state output;
  * each random op takes a fresh RNG key input, drawn when the compiled graph runs;
  * symbolic values of an enclosing trace used inside a subgraph (if/while bodies) are
    captured as extra subgraph inputs.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable

import numpy as np

from ..ir.graph import Graph, Lit, Node, Var, aval_of_atom
from .dims import set_tensor_hook
from .prim import STATE, Aval, Primitive, Trace, bind
from .tensor import Parameter, Tensor
from .trace import wrap

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class GraphModeError(RuntimeError):
    """A construct that cannot be captured into a graph; the message names the user's code."""


def user_location() -> str:
    """file:line of the innermost frame outside the mindlite package (the user's code)."""
    f = sys._getframe(1)
    while f is not None:
        path = f.f_code.co_filename
        if not path.startswith(_PKG_DIR) and "importlib" not in path:
            return f"{os.path.basename(path)}:{f.f_lineno}"
        f = f.f_back
    return ""


def _user_frame_text() -> str:
    f = sys._getframe(1)
    while f is not None:
        path = f.f_code.co_filename
        if not path.startswith(_PKG_DIR):
            return f"{path}:{f.f_lineno}"
        f = f.f_back
    return "<unknown>"


def user_frame_of(tb: Any) -> str:
    """file:line of the innermost frame of a traceback that is the user's code."""
    where = "<unknown>"
    while tb is not None:
        path = tb.tb_frame.f_code.co_filename
        if not path.startswith(_PKG_DIR):
            where = f"{path}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def graph_error(what: str, fix: str) -> GraphModeError:
    return GraphModeError(f"{_user_frame_text()}: {what} cannot be compiled into a graph. {fix}")


class GraphTrace(Trace):
    """Builds one graph. `parent` is the enclosing trace for subgraphs (if/while bodies)."""

    def __init__(self, name: str, parent: "GraphTrace | None" = None) -> None:
        self.name = name
        self.parent = parent
        self.inputs: list[Var] = []
        self.nodes: list[Node] = []
        self.owned: set[int] = set()
        self.captures: list[tuple[Var, Var]] = []   # (outer var, our input var)
        self._capture_map: dict[int, Var] = {}
        # state (outermost trace only)
        self.params: dict[int, tuple[Parameter, Var, Any]] = {}  # id -> (param, input var, original array)
        self.mutated: dict[int, tuple[Tensor, Any]] = {}           # id -> (param, original array)
        self.rng_inputs: list[tuple[Var, Any]] = []                 # (input var, op seed)
        self.seed_events: list[tuple[int, int]] = []               # set_seed(s) before key k: (k, s)
        self.mutation_log: list[tuple[Tensor, Any]] = []            # (param, value before the change)

    @property
    def root(self) -> "GraphTrace":
        t = self
        while t.parent is not None:
            t = t.parent
        return t

    # ---- values ----------------------------------------------------------------------------
    def new_input(self, shape: tuple, dtype: Any, hint: str = "") -> Var:
        v = Var(shape, dtype, hint)
        self.inputs.append(v)
        self.owned.add(id(v))
        return v

    def symbolic(self, shape: tuple, dtype: Any, hint: str = "") -> Tensor:
        return wrap(self.new_input(shape, dtype, hint))

    def atom(self, a: Any) -> Any:
        """The IR operand for a bind argument."""
        if isinstance(a, Tensor):
            d = a._data
            if isinstance(d, Var):
                return d if id(d) in self.owned else self._capture(d)
            if isinstance(a, Parameter):
                return self._capture(self.root.lift_param(a)) if self.parent else self.lift_param(a)
            return Lit(d)
        if isinstance(a, (list, tuple)) and any(isinstance(x, Tensor) for x in a):
            raise graph_error("a list or tuple of tensors passed as one operand", "Pass tensors individually.")
        return Lit(a)

    def _capture(self, v: Var) -> Var:
        """Make an enclosing trace's value available here as an extra input."""
        mine = self._capture_map.get(id(v))
        if mine is None:
            if self.parent is None:
                raise graph_error("a value of another, finished graph", "Do not keep symbolic tensors "
                                  "(e.g. on self) across graph calls; return them instead.")
            outer = v if id(v) in self.parent.owned else self.parent._capture(v)
            mine = self.new_input(v.shape, v.dtype, v.hint)
            self._capture_map[id(v)] = mine
            self.captures.append((outer, mine))
        return mine

    def lift_param(self, p: Parameter) -> Var:
        entry = self.params.get(id(p))
        if entry is None:
            var = self.new_input(p.shape, p._data.dtype, p.name)
            entry = (p, var, p._data)
            self.params[id(p)] = entry
        return entry[1]

    def rng_key(self, seed: Any) -> Tensor:
        root = self.root
        v = root.new_input((2,), np.uint64, "rng")
        root.rng_inputs.append((v, seed))
        return wrap(v) if root is self else wrap(self._capture(v))

    def on_mutate(self, t: Tensor) -> None:
        """A tensor is about to be rebound (assign_value, set_data, x[i] = v)."""
        if isinstance(t, Parameter):
            self.root.mutation_log.append((t, t._data))
        if isinstance(t._data, Var):
            if isinstance(t, Parameter):
                return  # already rebound during this capture
            return  # a local symbolic tensor: rebinding it is just SSA renaming
        if not isinstance(t, Parameter):
            raise graph_error("changing a tensor created outside the compiled function",
                              "Make it a Parameter (state) or return the new value.")
        root = self.root
        if id(t) not in root.mutated:
            root.mutated[id(t)] = (t, t._data)

    # ---- nodes ----------------------------------------------------------------------------
    def emit(self, prim: Any, ins: tuple, params: dict) -> tuple:
        if prim.infer is None:
            raise graph_error(f"primitive {prim.name} (it has no shape rule)", "Use PYNATIVE_MODE for it.")
        try:
            avals = prim.infer(*[aval_of_atom(a) for a in ins], **params)
        except (ValueError, TypeError, IndexError) as e:
            raise type(e)(f"{e}\n  at {_user_frame_text()}") from None
        avals = avals if isinstance(avals, tuple) else (avals,)
        outs = tuple(Var(a.shape, a.dtype) for a in avals)
        for o in outs:
            self.owned.add(id(o))
        self.nodes.append(Node(prim, ins, params, outs, user_location()))
        return outs

    def bind(self, prim: Any, args: tuple, params: dict) -> Any:
        outs = self.emit(prim, tuple(self.atom(a) for a in args), params)
        if prim.multiple_results:
            return tuple(wrap(o) for o in outs)
        return wrap(outs[0])

    # ---- control flow (called by ops.control) -------------------------------------------------
    def graph_cond(self, pred: Tensor, true_fn: Callable, false_fn: Callable, operands: tuple) -> Any:
        from .graph_control import trace_cond
        return trace_cond(self, pred, true_fn, false_fn, operands)

    def graph_while(self, cond_fn: Callable, body_fn: Callable, init: tuple) -> tuple:
        from .graph_control import trace_while
        return trace_while(self, cond_fn, body_fn, init)

    # ---- finishing ----------------------------------------------------------------------------
    def graph(self, outputs: list) -> Graph:
        outs = [self.atom(o) if isinstance(o, Tensor) else Lit(o) for o in outputs]
        return Graph(self.name, self.inputs, self.nodes, outs)


# A run-time size used where a number must become a tensor (`1.0 / x.shape[0]`).
runtime_size_p = Primitive("runtime_size", lambda xp, *, size: xp.asarray(size, dtype=np.int64),
                           lambda *, size: Aval((), np.dtype(np.int64)))
set_tensor_hook(lambda d: bind(runtime_size_p, size=d))


def run_traced(trace: GraphTrace, fn: Callable, args: tuple) -> Any:
    """Call `fn(*args)` with `trace` installed (restoring the previous trace afterwards)."""
    prev = STATE.trace
    prev_level = STATE.level
    STATE.trace = trace
    STATE.level = 0  # the eager tape never records symbolic values
    try:
        return fn(*args)
    finally:
        STATE.trace = prev
        STATE.level = prev_level


def current_graph_trace() -> GraphTrace | None:
    t = STATE.trace
    while t is not None and not isinstance(t, GraphTrace):
        t = getattr(t, "parent", None)
    return t


def save_graph(g: Graph, stage: str) -> None:
    """`set_context(save_graphs=True)`: write g's text to `<save_graphs_path>/<name>_<stage>.ir`."""
    import re
    from . import context
    path = str(context.get_context("save_graphs_path") or ".")
    os.makedirs(path, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", g.name).strip("_") or "graph"
    with open(os.path.join(path, f"{name}_{stage}.ir"), "w", encoding="utf-8") as f:
        f.write(str(g) + "\n")
