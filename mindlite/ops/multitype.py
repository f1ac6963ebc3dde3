"""Composite helpers MindSpore code uses to apply one function over many tensors:
`MultitypeFuncGraph` (dispatch on argument types), `HyperMap` / `Map` (apply over sequences)
and `partial`.

They are plain Python: in GRAPH_MODE the tracer runs them and records only the tensor ops
they apply, so gradient clipping and optimizer updates written with them compile the same
way they run eagerly.

    >>> scale = ops.MultitypeFuncGraph("scale")
    >>> @scale.register("Number", "Tensor")
    ... def _scale(s, g):
    ...     return g * s
    >>> ops.HyperMap()(ops.partial(scale, 0.5), (g1, g2))
"""
from __future__ import annotations

import functools
from typing import Any, Callable

import numpy as np

from ..core import dtype as mstype
from ..core.tensor import Tensor


# ---- the type names `register` accepts, and what each one matches -----------------------------
def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


_MATCHERS: dict[str, Callable[[Any], bool]] = {
    "tensor": lambda v: isinstance(v, Tensor),
    "number": lambda v: _is_number(v) or isinstance(v, (bool, np.bool_)),
    "int": lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)),
    "float": lambda v: isinstance(v, (float, np.floating)),
    "bool": lambda v: isinstance(v, (bool, np.bool_)),
    "tuple": lambda v: isinstance(v, tuple),
    "list": lambda v: isinstance(v, list),
    "dictionary": lambda v: isinstance(v, dict),
    "dict": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
    "str": lambda v: isinstance(v, str),
    "none": lambda v: v is None,
    "function": callable,
    "slice": lambda v: isinstance(v, slice),
    "type": lambda v: isinstance(v, mstype.Type),
    "ellipsis": lambda v: v is Ellipsis,
}
# Sparse tensors are not implemented; a signature naming one can never match.
for _sparse in ("rowtensor", "cootensor", "csrtensor", "maptensor", "undeterminedtype"):
    _MATCHERS[_sparse] = lambda v: False

# How specific a type name is: a more specific match wins when several signatures fit.
_RANK = {"tensor": 3, "int": 3, "float": 3, "bool": 3, "tuple": 3, "list": 3, "string": 3, "str": 3, "none": 3,
         "dictionary": 3, "dict": 3, "slice": 3, "type": 3, "ellipsis": 3, "number": 2, "function": 1}


def _type_key(t: Any) -> str:
    """Normalise what `register` was given: a MindSpore type name, or a Python class."""
    if isinstance(t, str):
        key = t.strip().lower()
    elif isinstance(t, type):
        key = {Tensor: "tensor", bool: "bool", int: "int", float: "float", tuple: "tuple", list: "list",
               dict: "dictionary", str: "string", type(None): "none"}.get(t, "")
        if not key and issubclass(t, Tensor):
            key = "tensor"
    elif t is None:
        key = "none"
    else:
        key = ""
    if key not in _MATCHERS:
        raise TypeError(f"MultitypeFuncGraph.register: unknown type {t!r}; use one of "
                        f"{sorted(k for k in _MATCHERS if k not in ('dict', 'str'))} (case-insensitive)")
    return key


def _describe(v: Any) -> str:
    if isinstance(v, Tensor):
        return f"Tensor[{v.dtype}]"
    return type(v).__name__


class MultitypeFuncGraph:
    """`ops.MultitypeFuncGraph(name, read_value=False)`: one name, several implementations
    chosen by the types of the arguments (`@f.register("Tensor", "Number")`).

    With `read_value=True` Parameters are passed as their current values (a plain Tensor)."""

    def __init__(self, name: str, read_value: bool = False, doc_url: str = "", need_raise: bool = False) -> None:
        if not isinstance(name, str):
            raise TypeError(f"MultitypeFuncGraph: name must be a str, got {type(name).__name__}")
        self.name = name
        self.read_value = bool(read_value)
        self.doc_url = doc_url
        self.need_raise = need_raise
        self.entries: list[tuple[tuple[str, ...], Callable]] = []

    def register(self, *type_names: Any) -> Callable[[Callable], Callable]:
        """Decorator adding an implementation for arguments of these types."""
        keys = tuple(_type_key(t) for t in type_names)

        def deco(fn: Callable) -> Callable:
            self.entries = [(k, f) for k, f in self.entries if k != keys] + [(keys, fn)]
            return fn
        return deco

    def _match(self, args: tuple) -> Callable:
        best, best_rank = None, -1
        for keys, fn in self.entries:
            if len(keys) == len(args) and all(_MATCHERS[k](a) for k, a in zip(keys, args)):
                rank = sum(_RANK.get(k, 0) for k in keys)
                if rank > best_rank:
                    best, best_rank = fn, rank
        if best is None:
            got = ", ".join(_describe(a) for a in args)
            known = "; ".join("(" + ", ".join(k) + ")" for k, _ in self.entries) or "none"
            raise TypeError(f"MultitypeFuncGraph {self.name!r}: no implementation registered for arguments "
                            f"({got}); registered signatures: {known}")
        return best

    def __call__(self, *args: Any) -> Any:
        if self.read_value:
            from ..core.tensor import Parameter
            args = tuple(a.value() if isinstance(a, Parameter) else a for a in args)
        return self._match(args)(*args)

    def __repr__(self) -> str:
        return f"MultitypeFuncGraph({self.name!r}, {len(self.entries)} signatures)"


def partial(func: Callable, *args: Any) -> Callable:
    """`ops.partial(func, *args)` (also `ops.functional.partial`): `func` with its first
    arguments fixed, e.g. `hyper_map(ops.partial(apply_decay, weight_decay), params, grads)`."""
    if not callable(func):
        raise TypeError(f"partial: func must be callable, got {type(func).__name__}")
    return functools.partial(func, *args)


def _is_seq(v: Any) -> bool:
    return isinstance(v, (tuple, list))


def _check_sequences(who: str, args: tuple) -> None:
    kinds = {type(a) if _is_seq(a) else None for a in args}
    if len(kinds) > 1:
        got = ", ".join(type(a).__name__ for a in args)
        raise TypeError(f"{who}: the inputs must all be tuples or all be lists of the same length, got ({got})")
    lengths = {len(a) for a in args}
    if len(lengths) > 1:
        raise ValueError(f"{who}: the input sequences have different lengths {sorted(lengths)}")


def _map(who: str, fn: Callable, args: tuple, reverse: bool, nested: bool) -> Any:
    if not args:
        raise TypeError(f"{who}: needs at least one input sequence")
    if not any(_is_seq(a) for a in args):
        return fn(*args)
    _check_sequences(who, args)
    n = len(args[0])
    order = range(n - 1, -1, -1) if reverse else range(n)
    results: list = [None] * n
    for i in order:  # reverse only changes the order the applications happen in
        items = tuple(a[i] for a in args)
        if nested and any(_is_seq(v) for v in items):
            results[i] = _map(who, fn, items, reverse, nested)
        else:
            results[i] = fn(*items)
    return type(args[0])(results)


class HyperMap:
    """`ops.HyperMap(ops=None, reverse=False)`: apply `ops` to corresponding elements of the
    input sequences, descending into nested tuples/lists; the result has the inputs' structure.
    Without `ops`, the first call argument is the function."""

    def __init__(self, ops: Any = None, reverse: bool = False) -> None:
        if ops is not None and not callable(ops):
            raise TypeError(f"HyperMap: ops must be a MultitypeFuncGraph, a function or None, got {type(ops).__name__}")
        self.ops = ops
        self.reverse = bool(reverse)

    def __call__(self, *args: Any) -> Any:
        fn, args = (self.ops, args) if self.ops is not None else _split_fn("HyperMap", args)
        return _map("HyperMap", fn, args, self.reverse, nested=True)


class Map:
    """`ops.Map(ops=None, reverse=False)`: like HyperMap but over the top level of the
    sequences only (nested sequences are passed to the function whole)."""

    def __init__(self, ops: Any = None, reverse: bool = False) -> None:
        if ops is not None and not callable(ops):
            raise TypeError(f"Map: ops must be a MultitypeFuncGraph, a function or None, got {type(ops).__name__}")
        self.ops = ops
        self.reverse = bool(reverse)

    def __call__(self, *args: Any) -> Any:
        fn, args = (self.ops, args) if self.ops is not None else _split_fn("Map", args)
        return _map("Map", fn, args, self.reverse, nested=False)


def _split_fn(who: str, args: tuple) -> tuple:
    if not args or not callable(args[0]):
        raise TypeError(f"{who}: constructed without ops, so the first input must be the function to apply")
    return args[0], args[1:]
