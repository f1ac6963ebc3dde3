"""Nested tuples/lists with tensors at the leaves: flatten to a leaf list and back."""
from __future__ import annotations

from typing import Any

from .tensor import Tensor


def flatten(obj: Any, leaves: list) -> Any:
    """Structure of `obj` with tensors replaced by their index in `leaves`."""
    if isinstance(obj, Tensor):
        leaves.append(obj)
        return ("T", len(leaves) - 1)
    if isinstance(obj, (tuple, list)):
        return (type(obj), tuple(flatten(o, leaves) for o in obj))
    return ("C", obj)


def unflatten(struct: Any, values: list) -> Any:
    kind = struct[0]
    if kind == "T":
        return values[struct[1]]
    if kind == "C":
        return struct[1]
    items = [unflatten(s, values) for s in struct[1]]
    return tuple(items) if struct[0] is tuple else list(items)
