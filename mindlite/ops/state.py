"""Updates of a Parameter's value (`ops.assign`, `assign_add`, `assign_sub`) and `print_`.

An assignment rebinds the variable's value (arrays are never written in place, see
core/tensor.py); under a graph trace the rebinding is recorded as a state update, so the new
value is written back after the step, as MindSpore's Assign with its UpdateState ordering.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import Tensor
from .registry import Aval, Primitive


def _value_for(op: str, variable: Any, value: Any) -> Tensor:
    if not isinstance(variable, Tensor):
        raise TypeError(f"{op}: variable must be a Parameter (or Tensor), got {type(variable).__name__}")
    v = value if isinstance(value, Tensor) else Tensor(np.asarray(value), dtype=variable.dtype)
    if v.shape != variable.shape:
        try:
            np.broadcast_shapes(v.shape, variable.shape)
        except ValueError:
            raise ValueError(f"{op}: value shape {list(v.shape)} does not match variable "
                             f"{getattr(variable, 'name', '')} shape {list(variable.shape)}") from None
        if np.broadcast_shapes(v.shape, variable.shape) != tuple(variable.shape):
            raise ValueError(f"{op}: value shape {list(v.shape)} does not broadcast to variable shape "
                             f"{list(variable.shape)}")
        v = F.broadcast_to(v, variable.shape)
    return F.cast(v, variable.dtype)


def assign(variable: Tensor, value: Any) -> Tensor:
    """Set `variable` to `value` (cast to its dtype, broadcast to its shape); returns the variable."""
    return variable.assign_value(_value_for("assign", variable, value))


def assign_add(variable: Tensor, value: Any) -> Tensor:
    """variable += value; returns the variable."""
    return variable.assign_value(F.cast(variable + _value_for("assign_add", variable, value), variable.dtype))


def assign_sub(variable: Tensor, value: Any) -> Tensor:
    """variable -= value; returns the variable."""
    return variable.assign_value(F.cast(variable - _value_for("assign_sub", variable, value), variable.dtype))


def _host(x: Any) -> np.ndarray:
    if hasattr(x, "get") and not isinstance(x, np.ndarray):  # cupy
        return x.get()
    return np.asarray(x)


def _print_impl(xp: Any, *arrays: Any, layout: tuple) -> Any:
    values = iter(arrays)
    print(*[_host(next(values)) if kind == "T" else value for kind, value in layout])
    return xp.zeros((), np.int32)


# impure: a compiled graph keeps it (dead-code elimination, CSE and folding leave it alone) and
# prints when the graph runs, in program order, as PYNATIVE prints when the call is made
print_p = Primitive("print", _print_impl, lambda *avals, layout: Aval((), np.dtype(np.int32)), is_pure=False)


def print_(*input_x: Any) -> None:
    """Print the inputs (tensors as their values), as `ops.Print`: in PYNATIVE when called, in a
    compiled graph each time the graph runs (the same text)."""
    layout = tuple(("T", None) if isinstance(x, Tensor) else ("V", x) for x in input_x)
    print_p(*[x for x in input_x if isinstance(x, Tensor)], layout=layout)


from . import functional as F  # noqa: E402  (resolved at call time)
