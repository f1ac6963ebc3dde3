"""The debugger: watchpoints on operation outputs, checked while training runs.

    dbg = insight.Debugger([insight.Watchpoint("tensor_overflow", halt=True)], summary_record=rec)
    with dbg:                       # or SummaryCollector(..., watchpoints=[...])
        for step ...: dbg.set_step(step); train(x, y); dbg.end_step(step)

Conditions (MindInsight's): tensor_overflow (NaN/Inf), tensor_too_large (abs_mean_gt,
max_gt, min_lt, mean_gt), tensor_all_zero (zero_percentage_ge, default 100),
gradient_vanishing (abs_mean_lt, max_lt, min_gt, mean_lt) and gradient_exploding (NaN/Inf,
or abs_mean_gt) on gradient operations, weight_not_changed (rtol, atol) on parameters
between the start and the end of a step.

Where the checks run:
  * PYNATIVE: a trace layered over eager evaluation (as the float-status watch is) looks at
    every primitive's result as it is computed;
  * GRAPH_MODE: the compiled step is run from a copy of its graph with a `watch` node after
    every floating-point result (inside control-flow bodies too). The copy is compiled the
    first time a step runs under an active debugger; the graph itself is never changed.
Operations are named `<scope>/<op>-op<k>` in both modes (scopes.py, graph_view.py), the
names the dashboard's graph uses, so a hit highlights its node. A hit is written to the
summary at once; `halt=True` raises `WatchpointHit` at the first hit, before the step's
parameter updates are written back.
"""
from __future__ import annotations

import fnmatch
import logging
import sys
import threading
from collections import defaultdict
from typing import Any

import numpy as np

from ..core import context
from ..core import jit as _jit
from ..core.prim import STATE, Aval, Primitive, Trace
from ..core.tensor import Tensor
from ..core.trace import bind
from ..ir.graph import Graph, Node, Var
from .graph_view import node_names
from .scopes import GRADIENTS, recording_scopes, scope_at

_log = logging.getLogger("mindlite.insight")

CONDITIONS: dict[str, tuple[tuple[str, ...], dict]] = {  # condition -> (parameters, defaults)
    "tensor_overflow": ((), {}),
    "tensor_too_large": (("abs_mean_gt", "max_gt", "min_lt", "mean_gt"), {}),
    "tensor_all_zero": (("zero_percentage_ge",), {"zero_percentage_ge": 100.0}),
    "gradient_vanishing": (("abs_mean_lt", "max_lt", "min_gt", "mean_lt"), {}),
    "gradient_exploding": (("abs_mean_gt",), {}),
    "weight_not_changed": (("rtol", "atol", "equal_nan"), {"rtol": 1e-5, "atol": 1e-8, "equal_nan": True}),
}
_NEEDS_ONE = {"tensor_too_large", "gradient_vanishing"}


class WatchpointHit(RuntimeError):
    """A watchpoint with `halt=True` was hit; `.hit` holds the step, node, scope, op and statistics."""

    def __init__(self, hit: dict) -> None:
        self.hit = hit
        super().__init__(f"watchpoint {hit['condition']} hit at node {hit['node']} (op {hit['op']}, step "
                         f"{hit['step']}): {_stats_text(hit['stats'])}")


def _stats_text(s: dict) -> str:
    return ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in s.items())


class Watchpoint:
    """A condition on tensors whose node name matches `targets` (glob patterns, '*': all).

    Args:
        condition: one of CONDITIONS.
        targets: a pattern or a list of patterns over node names (`Default/fc1-Dense/matmul-op0`)
            or, for weight_not_changed, parameter names.
        halt: raise `WatchpointHit` at the first hit.
        **params: the condition's thresholds (see the module docstring).
    """

    def __init__(self, condition: str, targets: Any = "*", halt: bool = False, **params: Any) -> None:
        if condition not in CONDITIONS:
            raise ValueError(f"Watchpoint: unknown condition {condition!r}; expected one of {sorted(CONDITIONS)}")
        names, defaults = CONDITIONS[condition]
        unknown = set(params) - set(names)
        if unknown:
            raise ValueError(f"Watchpoint({condition!r}): unknown parameters {sorted(unknown)}; it takes "
                             f"{list(names) or 'none'}")
        if condition in _NEEDS_ONE and not params:
            raise ValueError(f"Watchpoint({condition!r}) needs at least one of {list(names)}")
        for k, v in params.items():
            if k != "equal_nan" and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise TypeError(f"Watchpoint({condition!r}): {k} must be a number, got {v!r}")
        pats = [targets] if isinstance(targets, str) else list(targets)
        if not pats or not all(isinstance(p, str) and p for p in pats):
            raise ValueError(f"Watchpoint: targets must be a non-empty pattern or list of patterns, got {targets!r}")
        self.condition = condition
        self.targets = pats
        self.halt = bool(halt)
        self.params = {**defaults, **params}

    def matches(self, name: str) -> bool:
        if self.condition.startswith("gradient_") and not name.startswith(GRADIENTS + "/"):
            return False
        return any(fnmatch.fnmatchcase(name, p) for p in self.targets)

    def check(self, x: np.ndarray) -> bool:
        """Whether the condition holds for the values `x` (a float array)."""
        c, p = self.condition, self.params
        if c == "tensor_overflow":
            return not bool(np.isfinite(x).all())
        if c == "gradient_exploding":
            return not bool(np.isfinite(x).all()) or ("abs_mean_gt" in p and _abs_mean(x) > p["abs_mean_gt"])
        if c == "tensor_all_zero":
            return x.size > 0 and 100.0 * (x.size - np.count_nonzero(x)) / x.size >= p["zero_percentage_ge"]
        if x.size == 0:
            return False
        tests = {"abs_mean_gt": lambda t: _abs_mean(x) > t, "abs_mean_lt": lambda t: _abs_mean(x) < t,
                 "max_gt": lambda t: float(np.max(x)) > t, "max_lt": lambda t: float(np.max(x)) < t,
                 "min_lt": lambda t: float(np.min(x)) < t, "min_gt": lambda t: float(np.min(x)) > t,
                 "mean_gt": lambda t: float(np.mean(x)) > t, "mean_lt": lambda t: float(np.mean(x)) < t}
        return any(tests[k](v) for k, v in p.items())

    def __repr__(self) -> str:
        return f"Watchpoint({self.condition!r}, targets={self.targets}, halt={self.halt}, {self.params})"


def _abs_mean(x: np.ndarray) -> float:
    return float(np.mean(np.abs(x)))


def tensor_stats(x: np.ndarray) -> dict:
    a = np.asarray(x, dtype=np.float64)
    finite = a[np.isfinite(a)]
    out: dict[str, Any] = {"shape": list(a.shape), "size": int(a.size), "nan": int(np.isnan(a).sum()),
                           "pos_inf": int(np.isposinf(a).sum()), "neg_inf": int(np.isneginf(a).sum()),
                           "zero": int(a.size - np.count_nonzero(a))}
    if finite.size:
        out.update(min=float(finite.min()), max=float(finite.max()), mean=float(finite.mean()),
                   abs_mean=float(np.abs(finite).mean()))
    return out


# ---- the debugger ---------------------------------------------------------------------------------------------
_ACTIVE: list["Debugger"] = []  # started debuggers (graph steps consult them)
_ACTIVE_LOCK = threading.Lock()


class Debugger:
    """Checks watchpoints on every operation's output while started (see the module docstring).

    Args:
        watchpoints: Watchpoint objects.
        summary_record: where hits are written (plugin `watchpoint_hit`), or None.
        network: the Cell whose parameters weight_not_changed watches (or call watch_network).
    """

    def __init__(self, watchpoints: Any, summary_record: Any = None, network: Any = None) -> None:
        wps = [watchpoints] if isinstance(watchpoints, Watchpoint) else list(watchpoints)
        if not wps or not all(isinstance(w, Watchpoint) for w in wps):
            raise TypeError(f"Debugger: watchpoints must be Watchpoint objects, got {watchpoints!r}")
        self.watchpoints = wps
        self.summary_record = summary_record
        self.hits: list[dict] = []
        self.step = 0
        self._seen: set = set()
        self._counts: dict = defaultdict(int)
        self._entry_scopes: dict[int, tuple] = {}
        self._weights: list = []
        self._before: dict[str, np.ndarray] = {}
        self._trace: WatchTrace | None = None
        self._scopes: Any = None
        self._lock = threading.Lock()
        if network is not None:
            self.watch_network(network)

    # ---- control --------------------------------------------------------------------------------------
    def watch_network(self, network: Any) -> None:
        if network is None:
            return
        wanted = [w for w in self.watchpoints if w.condition == "weight_not_changed"]
        self._weights = [(p.name, p) for p in network.trainable_params()
                         if any(any(fnmatch.fnmatchcase(p.name, t) for t in w.targets) for w in wanted)]

    def start(self) -> "Debugger":
        with _ACTIVE_LOCK:
            if self not in _ACTIVE:
                _ACTIVE.append(self)
        if context.get_context("mode") == context.PYNATIVE_MODE and self._trace is None:
            self._trace = WatchTrace(self, STATE.trace)
            STATE.trace = self._trace
        elif self._scopes is None:  # steps compiled from now on get their nodes' cell scopes
            self._scopes = recording_scopes()
            self._scopes.__enter__()
        return self

    def stop(self) -> None:
        with _ACTIVE_LOCK:
            if self in _ACTIVE:
                _ACTIVE.remove(self)
        if self._trace is not None:
            if STATE.trace is self._trace:
                STATE.trace = self._trace.parent
            self._trace = None
        if self._scopes is not None:
            self._scopes.__exit__(None, None, None)
            self._scopes = None

    def __enter__(self) -> "Debugger":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def set_step(self, step: int) -> None:
        """A new step begins: op counters restart and watched weights are remembered."""
        self.step = int(step)
        self._counts.clear()
        self._entry_scopes.clear()
        self._before = {name: np.array(p.asnumpy(), copy=True) for name, p in self._weights}

    def end_step(self, step: int | None = None) -> None:
        """The step ended: weight_not_changed is checked against the weights at set_step."""
        step = self.step if step is None else int(step)
        for w in self.watchpoints:
            if w.condition != "weight_not_changed":
                continue
            for name, p in self._weights:
                before = self._before.get(name)
                if before is None or not any(fnmatch.fnmatchcase(name, t) for t in w.targets):
                    continue
                now = p.asnumpy()
                if np.allclose(now, before, rtol=w.params["rtol"], atol=w.params["atol"],
                               equal_nan=bool(w.params["equal_nan"])):
                    self._hit(w, f"Parameter/{name}", "Parameter", "Parameter", now, step)

    # ---- checking -----------------------------------------------------------------------------------------
    def eager_name(self, scope: str, op: str) -> str:
        k = self._counts[(scope, op)]
        self._counts[(scope, op)] = k + 1
        return f"{scope}/{op}-op{k}"

    def check(self, name: str, scope: str, op: str, x: Any) -> None:
        arr = x.get() if hasattr(x, "get") and not isinstance(x, np.ndarray) else np.asarray(x)
        for w in self.watchpoints:
            if w.condition == "weight_not_changed" or not w.matches(name):
                continue
            if w.check(arr):
                self._hit(w, name, scope, op, arr, self.step)

    def _hit(self, w: Watchpoint, name: str, scope: str, op: str, arr: np.ndarray, step: int) -> None:
        key = (id(w), name, step)
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
            hit = {"step": step, "node": name, "scope": scope, "op": op, "condition": w.condition,
                   "watchpoint": self.watchpoints.index(w), "params": {k: v for k, v in w.params.items()},
                   "stats": tensor_stats(arr), "mode": "graph" if context.get_context("mode") == context.GRAPH_MODE
                   else "pynative"}
            self.hits.append(hit)
        _log.warning("insight: %s", WatchpointHit(hit))
        if self.summary_record is not None:
            self.summary_record.write_now(step, "watchpoint_hit", name, hit)
        if w.halt:
            raise WatchpointHit(hit)


# ---- PYNATIVE: a trace over eager evaluation ----------------------------------------------------------------
class WatchTrace(Trace):
    """Checks each primitive's result as eager evaluation computes it."""

    def __init__(self, debugger: Debugger, parent: Any) -> None:
        self.debugger = debugger
        self.parent = parent

    def __getattr__(self, name: str) -> Any:
        if self.parent is None:  # eager: no graph hooks
            raise AttributeError(name)
        return getattr(self.parent, name)

    def _entry_scope(self, entry: Any) -> str | None:
        got = self.debugger._entry_scopes.get(id(entry))
        return got[1] if got is not None and got[0] is entry else None

    def bind(self, prim: Any, args: tuple, params: dict) -> Any:
        STATE.trace = self.parent
        try:
            res = bind(prim, *args, **params)
        finally:
            STATE.trace = self
        if self.parent is not None or prim is watch_p:
            return res
        outs = res if isinstance(res, tuple) else (res,)
        if not any(isinstance(o, Tensor) and o._data.dtype.kind in "fc" for o in outs):
            return res
        dbg = self.debugger
        scope = scope_at(sys._getframe(1), self._entry_scope)
        name = dbg.eager_name(scope, prim.name)
        for k, o in enumerate(outs):
            if isinstance(o, Tensor) and o._node is not None:
                dbg._entry_scopes[id(o._node)] = (o._node, scope)
            if isinstance(o, Tensor) and o._data.dtype.kind in "fc":
                dbg.check(name if k == 0 else f"{name}:{k}", scope, prim.name, o._data)
        return res


# ---- GRAPH_MODE: a watched copy of each compiled step ---------------------------------------------------------
def _watch_impl(xp: Any, x: Any, *, node: str, scope: str, op: str) -> Any:
    for dbg in list(_ACTIVE):
        dbg.check(node, scope, op, x)
    return xp.zeros((), np.int32)


watch_p = Primitive("watch", _watch_impl, lambda x, *, node, scope, op: Aval((), np.dtype(np.int32)), is_pure=False)


def instrument(g: Graph, names: dict[int, tuple[str, str]]) -> Graph:
    """A copy of g with a `watch` node after every floating-point result (recursively)."""
    nodes: list[Node] = []
    for n in g.nodes:
        name, scope = names.get(id(n), (None, None))
        if any(True for _ in n.subgraphs()):
            params = {k: _instrument_param(v, names) for k, v in n.params.items()}
            n = Node(n.prim, n.inputs, params, n.outs, n.loc)
        nodes.append(n)
        if name is None or n.prim is watch_p:
            continue
        for k, o in enumerate(n.outs):
            if o.dtype.kind in "fc":
                nodes.append(Node(watch_p, (o,), {"node": name if k == 0 else f"{name}:{k}", "scope": scope,
                                                  "op": n.prim.name}, (Var((), np.int32),), n.loc))
    return Graph(g.name, g.inputs, nodes, g.outputs)


def _instrument_param(v: Any, names: dict) -> Any:
    if isinstance(v, Graph):
        return instrument(v, names)
    if isinstance(v, tuple) and any(isinstance(x, Graph) for x in v):
        return tuple(instrument(x, names) if isinstance(x, Graph) else x for x in v)
    return v


class _WatchedStep:
    """The compiled step; runs a watched copy while a debugger is started."""

    def __init__(self, captured: Graph, inplace: Any, compiled: Any, compiler: Any) -> None:
        self.captured, self.inplace, self.compiled, self._compiler = captured, inplace, compiled, compiler
        self._watched: Any = None

    def __call__(self, *ins: Any) -> Any:
        if not _ACTIVE:
            return self.compiled(*ins)
        if self._watched is None:
            self._watched = self._compiler(instrument(self.captured, node_names(self.captured)), self.inplace)[1]
        return self._watched(*ins)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiled, name)


def _install_compile_hook() -> None:
    """Wrap the registered graph compiler (core/jit.py `set_compiler`) so compiled steps can be watched."""
    base = _jit.get_compiler()
    if getattr(base, "_insight_watch", False):
        return

    def compile_step(graph: Graph, inplace: Any) -> tuple:
        g, compiled = base(graph, inplace)
        return g, _WatchedStep(graph, inplace, compiled, base)
    compile_step._insight_watch = True  # type: ignore[attr-defined]
    _jit.set_compiler(compile_step)


_install_compile_hook()
