"""`bind`: the one entry point through which every primitive application passes.

Eager mode (no trace installed) runs `prim.impl` at once and, only while a gradient is
being taken (`STATE.level > 0`) and some input is being tracked, records a tape `Node`.
A graph trace (GRAPH_MODE / jit) is installed in `STATE.trace` and receives every bind
instead. The hot path is a few attribute look-ups and one array call.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .tensor import Tensor


class _State:
    __slots__ = ("xp", "trace", "level", "gen")

    def __init__(self) -> None:
        self.xp: Any = np        # array module of the current device
        self.trace: Any = None   # a graph trace, or None for eager
        self.level = 0           # grad nesting depth being recorded; 0 = no tape
        self.gen = 0             # id of the outermost grad call (stale nodes are ignored)


STATE = _State()
_new_tensor = Tensor.__new__
_ndarray = np.ndarray


class Node:
    """One recorded application on the eager tape.

    `inputs` are snapshots (data, node, index) of the argument tensors at call time, so
    later in-place rebinding of a tensor cannot change what the backward sees.
    """

    __slots__ = ("prim", "inputs", "params", "outs", "level", "gen", "bprop")

    def __init__(self, prim: Any, inputs: tuple, params: dict, outs: Any, bprop: Callable[..., Any]) -> None:
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.outs = outs          # output array, or tuple of arrays for multiple results
        self.level = STATE.level
        self.gen = STATE.gen
        self.bprop = bprop

    def __repr__(self) -> str:
        return f"Node({getattr(self.prim, 'name', self.prim)}, level={self.level})"


def wrap(arr: Any, node: Node | None = None, idx: int = 0) -> Tensor:
    """Fast internal Tensor constructor (no validation, no copy)."""
    t = _new_tensor(Tensor)
    t._data = arr
    t._node = node
    t._idx = idx
    return t


def snapshot(x: Any) -> Any:
    if isinstance(x, Tensor):
        return wrap(x._data, x._node, x._idx)
    return x


def bind(prim: Any, *args: Any, **params: Any) -> Any:
    """Apply primitive `prim` to `args` with attributes `params`."""
    if STATE.trace is not None:
        return STATE.trace.bind(prim, args, params)
    xs = []
    for a in args:  # a plain loop: cheaper than a comprehension's frame on 3.11
        xs.append(a._data if isinstance(a, Tensor) else a)
    try:
        out = prim.impl(STATE.xp, *xs, **params)
    except Exception as e:  # turn a backend error into one that names the op
        raise op_error(prim, args, params, e) from e
    if prim.multiple_results:
        res: Any = tuple(wrap(o) for o in out)
    else:
        if type(out) is not _ndarray:
            out = STATE.xp.asarray(out)  # numpy returns scalars for 0-d results
        res = _new_tensor(Tensor)  # inlined wrap()
        res._data = out
        res._node = None
        res._idx = 0
    if STATE.level and prim.bprop is not None:
        _record(prim, args, params, out, res)
    return res


def _is_live(t: Any) -> bool:  # used by record_custom
    n = t._node if isinstance(t, Tensor) else None
    return n is not None and n.gen == STATE.gen


def _record(prim: Any, args: tuple, params: dict, out: Any, res: Any) -> None:
    gen = STATE.gen
    for a in args:
        if isinstance(a, Tensor):
            n = a._node
            if n is not None and n.gen == gen:
                break
    else:
        return  # no input is being differentiated
    if prim.multiple_results:
        if not any(o._data.dtype.kind in _FLOAT_KINDS for o in res):
            return
        node = Node(prim, tuple([snapshot(a) for a in args]), params, out, prim.bprop)
        for i, o in enumerate(res):
            o._node, o._idx = node, i
    elif res._data.dtype.kind in _FLOAT_KINDS:  # integer/bool results carry no gradient
        res._node = Node(prim, tuple([snapshot(a) for a in args]), params, out, prim.bprop)


_FLOAT_KINDS = "fcV"  # "V": ml_dtypes' bfloat16


def record_custom(fn_name: str, args: tuple, outs: Any, bprop: Callable[..., Any]) -> None:
    """Record a node whose backward is a user function (Cell.bprop); `outs` are Tensors."""
    if not STATE.level or not any(_is_live(a) for a in args):
        return
    multiple = isinstance(outs, tuple)
    out_data = tuple(o._data for o in outs) if multiple else outs._data
    node = Node(fn_name, tuple(snapshot(a) for a in args), {}, out_data, bprop)
    for i, o in enumerate(outs if multiple else (outs,)):
        o._node, o._idx = node, i


def describe(args: tuple) -> str:
    parts = []
    for a in args:
        data = getattr(a, "_data", a)
        if hasattr(data, "shape") and hasattr(data, "dtype"):
            from .dtype import from_numpy_dtype
            try:
                dt = from_numpy_dtype(data.dtype).name
            except TypeError:
                dt = str(data.dtype)
            parts.append(f"{dt}{list(data.shape)}")
        else:
            parts.append(repr(a))
    return ", ".join(parts)


def op_error(prim: Any, args: tuple, params: dict, exc: Exception) -> Exception:
    """An error naming the op, the input shapes/dtypes and (from the shape rule) the cause."""
    if getattr(exc, "_mindlite", False):
        return exc
    from ..ops.registry import aval_of
    where = f"{prim.name}({describe(args)})"
    cause: Exception = exc
    if prim.infer is not None:
        try:
            prim.infer(*[aval_of(a) for a in args], **params)
        except (ValueError, TypeError, IndexError) as rule_err:
            cause = rule_err
        except Exception:  # noqa: BLE001 - a broken rule must not hide the real error
            pass
    kind = type(cause) if isinstance(cause, (ValueError, TypeError, IndexError)) else RuntimeError
    msg = str(cause)
    if not msg.startswith(prim.name):
        msg = f"{prim.name}: {msg}"
    err = kind(f"{msg}\n  in op {where}")
    err._mindlite = True  # type: ignore[attr-defined]
    return err


class AutocastTrace:
    """Casts the floating-point tensor inputs of every primitive to `dtype` (Cell.to_float).

    Installed as `STATE.trace` while a `to_float` Cell runs, on top of whatever trace was
    there; the casts themselves bind through the parent, so they are differentiated (float32
    master weights receive float32 gradients) and graph-captured like any op.
    """

    def __init__(self, dtype: Any, parent: Any) -> None:
        self.np_dtype = dtype.np
        self.parent = parent

    def __getattr__(self, name: str) -> Any:
        # graph hooks (rng_key, on_mutate, graph_cond, ...) belong to the trace below
        if self.parent is None:
            raise AttributeError(name)
        return getattr(self.parent, name)

    def bind(self, prim: Any, args: tuple, params: dict) -> Any:
        from ..ops.math import cast_p
        STATE.trace = self.parent
        try:
            if prim is not cast_p:
                target = self.np_dtype
                args = tuple(_autocast(a, target) for a in args)
            return bind(prim, *args, **params)
        finally:
            STATE.trace = self


def _autocast(a: Any, target: Any) -> Any:
    if isinstance(a, Tensor) and a._data.dtype.kind in "fV" and a._data.dtype != target:
        from ..ops.math import cast_p
        from .dtype import from_numpy_dtype
        return bind(cast_p, a, dtype=from_numpy_dtype(target))
    return a


def run_autocast(dtype: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run `fn` with every primitive's floating inputs cast to `dtype`. An inner cell's type
    replaces an outer one's (a float32 BatchNorm inside a float16 network stays float32)."""
    prev = STATE.trace
    base = prev.parent if isinstance(prev, AutocastTrace) else prev
    STATE.trace = AutocastTrace(dtype, base)
    try:
        return fn(*args, **kwargs)
    finally:
        STATE.trace = prev
