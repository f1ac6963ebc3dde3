"""MindSpore 1.x functional spellings that model code still calls through `ops.functional`
(`F.tensor_add`, `F.tensor_mul`, `F.pows`, ...) and the `add_flags` decorator: aliases of the
one definition of each op."""
from __future__ import annotations

from typing import Any, Callable

from . import functional as F

tensor_add = F.add
tensor_sub = F.sub
tensor_mul = F.mul
tensor_div = F.div
tensor_pow = pows = F.pow
tensor_floordiv = F.floor_div
tensor_mod = F.mod
tensor_lt, tensor_le, tensor_gt, tensor_ge = F.less, F.less_equal, F.greater, F.greater_equal


def add_flags(fn: Callable | None = None, **flags: Any) -> Any:
    """`ops.add_flags(fn=None, **flags)`: record compilation flags on a function (MindSpore reads
    them when it compiles the function; mindlite keeps them in `fn._func_graph_flags` and
    compiles the same way). Usable as `@add_flags(has_effect=True)` or `add_flags(fn, ...)`."""
    def deco(f: Callable) -> Callable:
        if not callable(f):
            raise TypeError(f"add_flags: expected a function, got {type(f).__name__}")
        current = dict(getattr(f, "_func_graph_flags", {}))
        current.update(flags)
        try:
            f._func_graph_flags = current
        except AttributeError:  # builtins and other objects without a __dict__
            raise TypeError(f"add_flags: cannot set flags on {f!r}") from None
        return f
    return deco if fn is None else deco(fn)
