"""Shape arithmetic that accepts run-time sizes (core/dims.py): element counts, slice lengths
and comparisons a shape rule makes. For static shapes every helper gives exactly the plain
Python answer; with a `Dim` it answers symbolically where the answer holds for every size,
and otherwise raises `DynamicDimError` naming the op and what is unknown."""
from __future__ import annotations

import math
from typing import Any, Iterable

from ..core.dims import Dim, DynamicDimError


def numel(shape: Iterable) -> Any:
    """The product of the sizes (1 for none): an int, or a Dim."""
    return math.prod(shape)


def decide(op: str, what: str, question: Any) -> bool:
    """`question()` (a comparison of sizes), re-raising an undecidable one with the op's name."""
    try:
        return bool(question())
    except DynamicDimError:
        raise DynamicDimError(f"{op}: {what} depends on a run-time size (an axis declared None) and is "
                              f"unknown while compiling; declare that axis with a fixed size") from None


def slice_length(op: str, start: Any, stop: Any, step: Any, n: Any) -> Any:
    """len(range(n)[start:stop:step]) for an axis of size n (an int or a Dim)."""
    step = 1 if step is None else step
    if step == 0:
        raise ValueError(f"{op}: slice step cannot be zero")
    if not any(isinstance(v, Dim) for v in (n, start, stop)):
        return len(range(*slice(start, stop, step).indices(n)))
    what = f"the length of the slice {_fmt(start)}:{_fmt(stop)}:{step} of an axis of size {n}"

    def bound(v: Any, none: Any, lo: int) -> Any:
        # the bound clamped to [lo, n + lo]: provable only where the clamp cannot apply
        if v is None:
            return none
        if isinstance(v, int) and v < 0:
            v = n + v
            return v if decide(op, what, lambda: v >= lo) else lo
        if decide(op, what, lambda: n + lo >= v):
            return v
        return n + lo

    if step > 0:
        lo, hi = bound(start, 0, 0), bound(stop, n, 0)
        if not decide(op, what, lambda: hi >= lo):
            return 0
        return (hi - lo + step - 1) // step
    lo, hi = bound(start, n - 1, -1), bound(stop, -1, -1)
    if not decide(op, what, lambda: lo >= hi):
        return 0
    return (lo - hi - step - 1) // -step


def _fmt(v: Any) -> str:
    return "" if v is None else str(v)
