"""The eager evaluator: what `bind` does when no graph trace is active.

It runs `prim.impl` at once and, only while a gradient is being taken (`STATE.level > 0`)
and some input is being tracked, records a `TapeEntry` for the backward walk (core/ad.py).
The hot path is a few attribute look-ups and one array call. With MINDLITE_CHECK=1 every
application also checks the impl's result against the primitive's shape/dtype rule, so a
rule that disagrees with its impl (and would make GRAPH_MODE differ) fails loudly.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import context
from .prim import REGISTRY, STATE, Aval, Trace, ValueDependentShape, aval_of, exec_context, install_dispatch, new_generation
from .tensor import Parameter, Tensor

_new_tensor = Tensor.__new__
_ndarray = np.ndarray
_FLOAT_KINDS = "fcV"  # "V": ml_dtypes' bfloat16


class TapeEntry:
    """One recorded application on the eager tape.

    `inputs` are snapshots (data, entry, index) of the argument tensors at call time, so a
    later rebinding of a tensor cannot change what the backward sees.
    """

    __slots__ = ("prim", "inputs", "params", "outs", "level", "gen")

    def __init__(self, prim: Any, inputs: tuple, params: dict, outs: Any, level: int | None = None,
                 gen: int | None = None) -> None:
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.outs = outs          # output array, or tuple of arrays for multiple results
        self.level = STATE.level if level is None else level
        self.gen = STATE.gen if gen is None else gen

    @property
    def n_outs(self) -> int:
        return len(self.outs) if isinstance(self.outs, tuple) else 1

    def __repr__(self) -> str:
        return f"TapeEntry({self.prim.name}, level={self.level})"


def wrap(arr: Any, entry: TapeEntry | None = None, idx: int = 0) -> Tensor:
    """Fast internal Tensor constructor (no validation, no copy)."""
    t = _new_tensor(Tensor)
    t._data = arr
    t._node = entry
    t._idx = idx
    return t


def tracked(t: Any) -> Any:
    """The tape entry `t` belongs to in this thread's current gradient, or None."""
    if not isinstance(t, Tensor):
        return None
    n = t._node
    if n is not None and n.gen == STATE.gen:
        return n
    marks = STATE.marks
    return marks.get(id(t)) if marks else None


def snapshot(x: Any) -> Any:
    if isinstance(x, Tensor):
        n = tracked(x)
        return wrap(x._data, n, x._idx if n is x._node else 0)
    return x


def bind(prim: Any, *args: Any, **params: Any) -> Any:
    """Apply primitive `prim` to `args` with attributes `params`."""
    st = STATE
    if st.trace is not None:
        return st.trace.bind(prim, args, params)
    xs = []
    for a in args:  # a plain loop: cheaper than a comprehension's frame on 3.11
        xs.append(a._data if isinstance(a, Tensor) else a)
    try:
        out = prim.impl(exec_context(st.xp) if prim.needs_context else st.xp, *xs, **params)
    except Exception as e:  # turn a backend error into one that names the op
        raise op_error(prim, args, params, e) from e
    if prim.multiple_results:
        out = tuple(o if type(o) is _ndarray else st.xp.asarray(o) for o in out)
        res: Any = tuple(wrap(o) for o in out)
    else:
        if type(out) is not _ndarray:
            out = st.xp.asarray(out)  # numpy returns scalars for 0-d results
        res = _new_tensor(Tensor)  # inlined wrap()
        res._data = out
        res._node = None
        res._idx = 0
    if context.CHECK:
        check_rule(prim, args, params, out)
    if st.level and prim.bprop is not None:
        _record(prim, args, params, out, res)
    return res


install_dispatch(bind)


def _record(prim: Any, args: tuple, params: dict, out: Any, res: Any) -> None:
    # one pass over the arguments: resolve each tracked input and snapshot it (hot path)
    st = STATE
    gen, marks = st.gen, st.marks
    snaps = []
    live = False
    for a in args:
        if isinstance(a, Tensor):
            n = a._node
            if n is not None and n.gen == gen:
                live = True
                snaps.append(wrap(a._data, n, a._idx))
            elif marks and id(a) in marks:
                live = True
                snaps.append(wrap(a._data, marks[id(a)], 0))
            else:
                snaps.append(wrap(a._data))
        else:
            snaps.append(a)
    if not live:
        return  # no input is being differentiated
    if prim.multiple_results:
        if not any(o._data.dtype.kind in _FLOAT_KINDS for o in res):
            return
        entry = TapeEntry(prim, tuple(snaps), params, out, st.level, gen)
        for i, o in enumerate(res):
            o._node, o._idx = entry, i
    elif res._data.dtype.kind in _FLOAT_KINDS:  # integer/bool results carry no gradient
        res._node = TapeEntry(prim, tuple(snaps), params, out, st.level, gen)


def begin_grad() -> tuple:
    """Enter one more gradient level in this thread; returns what `end_grad` restores."""
    st = STATE
    saved = (st.level, st.gen, st.marks)
    if st.level == 0:
        st.gen = new_generation()
        st.marks = {}
    else:
        st.marks = dict(st.marks)
    st.level += 1
    return saved


def end_grad(saved: tuple) -> None:
    STATE.level, STATE.gen, STATE.marks = saved


def mark_leaf(x: Tensor, identity_prim: Any) -> Tensor:
    """A tensor equal to `x`, tracked as a fresh leaf of the current level."""
    entry = TapeEntry(identity_prim, (snapshot(x),), {}, x._data)
    return wrap(x._data, entry, 0)


def mark_weight(w: Tensor, identity_prim: Any) -> Tensor:
    """Track Parameter `w` (shared by every thread) without changing it: uses of `w` in
    this thread resolve to the returned leaf through `STATE.marks`."""
    leaf = mark_leaf(w, identity_prim)
    STATE.marks[id(w)] = leaf._node
    return leaf


# ---- checks and errors ------------------------------------------------------------------------
def check_rule(prim: Any, args: tuple, params: dict, out: Any) -> None:
    """MINDLITE_CHECK: the impl's result must have the shape and dtype the rule predicts."""
    if prim.infer is None:
        return
    try:
        want = prim.infer(*[aval_of(a) for a in args], **params)
    except ValueDependentShape:
        return  # nothing to compare: the op runs eagerly only
    except Exception as e:  # noqa: BLE001
        raise RuntimeError(f"MINDLITE_CHECK: the shape rule of {prim.name} failed on inputs that its impl "
                           f"accepted ({describe(args)}): {e}") from e
    wants = tuple(want) if isinstance(want, (tuple, list)) else (want,)
    outs = out if isinstance(out, tuple) else (out,)
    for k, (w, o) in enumerate(zip(wants, outs)):
        if isinstance(w, Aval) and (not _shape_matches(w.shape, o.shape) or np.dtype(w.dtype) != o.dtype):
            raise RuntimeError(f"MINDLITE_CHECK: {prim.name}({describe(args)}) output {k}: the rule says "
                               f"{w}, the impl gave {Aval(tuple(o.shape), o.dtype)}; GRAPH_MODE would differ "
                               f"from PYNATIVE")


def _shape_matches(rule: tuple, got: tuple) -> bool:
    """A rule's -1 (a size only known at run time: unique, nonzero, loop stacks) matches any size."""
    return len(rule) == len(got) and all(r < 0 or r == g for r, g in zip(rule, got))


def describe(args: tuple) -> str:
    parts = []
    for a in args:
        av = aval_of(a)
        parts.append(str(av) if isinstance(av, Aval) else repr(a))
    return ", ".join(parts)


def op_error(prim: Any, args: tuple, params: dict, exc: Exception) -> Exception:
    """An error naming the op, the input shapes/dtypes and (from the shape rule) the cause."""
    if getattr(exc, "_mindlite", False):
        return exc
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


# ---- mixed precision ----------------------------------------------------------------------------
class AutocastTrace(Trace):
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
        STATE.trace = self.parent
        try:
            if prim is not REGISTRY["cast"]:
                target = self.np_dtype
                args = tuple(_autocast(a, target) for a in args)
            return bind(prim, *args, **params)
        finally:
            STATE.trace = self


def _autocast(a: Any, target: Any) -> Any:
    if isinstance(a, Tensor) and a._data.dtype.kind in "fV" and a._data.dtype != target:
        from .dtype import from_numpy_dtype
        return bind(REGISTRY["cast"], a, dtype=from_numpy_dtype(target))
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


__all__ = ["STATE", "TapeEntry", "bind", "wrap", "snapshot", "tracked", "Parameter"]
