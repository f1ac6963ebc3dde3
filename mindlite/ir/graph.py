"""Graph IR records.

A `Var` is an SSA value with a static shape and dtype; it quacks like an array for shape
queries (`shape`, `dtype`, `ndim`, `size`), so a symbolic `Tensor` simply holds a Var as
its `_data` during capture. A `Lit` is a constant (Python scalar, numpy array, dtype...).
A `Node` applies one primitive; `Graph` is an ordered node list with inputs and outputs.
"""
from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from ..core.dims import Dim, SizeScalar


class Var:
    """An SSA value. Identity is the object; printers number Vars per graph."""

    __slots__ = ("shape", "dtype", "hint", "__weakref__")
    is_symbolic = True

    def __init__(self, shape: tuple, dtype: Any, hint: str = "") -> None:
        self.shape = tuple(d if isinstance(d, Dim) else int(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.hint = hint  # a readable origin such as a parameter name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def is_dynamic(self) -> bool:
        """A dimension known only when the graph runs: -1 (a loop's stacked iterations) or a
        `Dim` (an axis declared None, core/dims.py)."""
        return any(isinstance(d, Dim) or d < 0 for d in self.shape)

    @property
    def unsized(self) -> bool:
        """A dimension is -1: its size exists only once the value does (a loop's stacked
        iterations), unlike a run-time size, which the inputs' shapes give before it runs."""
        return any(not isinstance(d, Dim) and d < 0 for d in self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    def __repr__(self) -> str:
        return f"Var({list(self.shape)}, {self.dtype}{', ' + self.hint if self.hint else ''})"


class Lit:
    """A constant operand: a Python value or a (small or large) numpy array."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    @property
    def is_array(self) -> bool:
        return isinstance(self.value, np.ndarray) or type(self.value).__module__.startswith("cupy")

    def __repr__(self) -> str:
        return f"Lit({_short(self.value)})"


def _short(v: Any) -> str:
    if hasattr(v, "shape") and getattr(v, "size", 2) > 1:
        return f"array{list(v.shape)}:{v.dtype}"
    if hasattr(v, "shape"):
        return repr(np.asarray(v).item() if hasattr(v, "item") else v)
    return repr(v)


Atom = Any  # Var | Lit


class Node:
    """`outs = prim(*inputs, **params)`; `loc` is the user's file:line that created it."""

    __slots__ = ("prim", "inputs", "params", "outs", "loc")

    def __init__(self, prim: Any, inputs: tuple, params: dict, outs: tuple, loc: str = "") -> None:
        self.prim = prim
        self.inputs = tuple(inputs)
        self.params = params
        self.outs = tuple(outs)
        self.loc = loc

    @property
    def has_effects(self) -> bool:
        """The node does something besides computing its outputs: an impure primitive (print,
        summary, random draws) or a subgraph (an if/while body) holding one, so removing or
        merging it would change what the program does."""
        if not self.prim.is_pure:
            return True
        return any(g.has_effects for g in self.subgraphs())

    def subgraphs(self) -> Iterator["Graph"]:
        for v in self.params.values():
            if isinstance(v, Graph):
                yield v
            elif isinstance(v, tuple):
                for item in v:
                    if isinstance(item, Graph):
                        yield item

    def __repr__(self) -> str:
        return f"Node({self.prim.name}, {len(self.inputs)} in, {len(self.outs)} out)"


class Graph:
    """inputs: Vars; nodes: in execution order; outputs: Vars or Lits."""

    __slots__ = ("name", "inputs", "nodes", "outputs", "memory_plan", "_cache", "__weakref__")

    def __init__(self, name: str, inputs: list, nodes: list, outputs: list) -> None:
        self.name = name
        self.inputs = list(inputs)
        self.nodes = list(nodes)
        self.outputs = list(outputs)
        self.memory_plan: Any = None  # buffer assignment from passes/memory.py, followed by the executor
        self._cache: dict = {}  # compiled forms, keyed by backend (owned by the executor)

    def __str__(self) -> str:
        from .printer import format_graph
        return format_graph(self)

    def __repr__(self) -> str:
        return f"Graph({self.name}, {len(self.inputs)} inputs, {len(self.nodes)} nodes, {len(self.outputs)} outputs)"

    @property
    def has_effects(self) -> bool:
        """Whether some node (here or in a subgraph) has effects (Node.has_effects); cached."""
        hit = self._cache.get("effects")
        if hit is None:
            hit = self._cache["effects"] = any(n.has_effects for n in self.nodes)
        return hit

    def node_count(self, recursive: bool = True) -> int:
        n = len(self.nodes)
        if recursive:
            for node in self.nodes:
                n += sum(sg.node_count(True) for sg in node.subgraphs())
        return n


def aval_of_atom(a: Any) -> Any:
    """What a shape rule sees of an operand: an Aval for Vars and array literals, else the value."""
    from ..core.prim import Aval
    if isinstance(a, Var):
        return Aval(a.shape, a.dtype)
    if isinstance(a, Lit):
        if a.is_array:
            return Aval(tuple(a.value.shape), a.value.dtype)
        if isinstance(a.value, Dim):
            return SizeScalar(2)
        return a.value
    return a
