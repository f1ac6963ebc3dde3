"""Source (AST) transformation of tensor-dependent control flow (DESIGN.md 2.3, "Capture").

`convert(fn)` rewrites the `if` / `elif` / `else`, `while` and `for <name> in range(...)`
statements of a function (and of the plain `def`s nested in it) into calls of
`mindlite.ops.control.cond` / `while_loop`, with branches and loop bodies as nested
functions over the variables they carry. Loops over anything else (lists, CellLists) stay
Python loops, unrolled when traced. With Python values or concrete tensors as conditions the
converted function behaves exactly like the original; under a graph trace with a symbolic
condition the calls become control-flow nodes. Constructs a graph cannot capture raise
`GraphSyntaxError` (file, line, construct, what to change) only when their condition is
symbolic. `show(fn)` returns the converted source.

    >>> def f(x):
    ...     if x.sum() > 0:
    ...         x = x * 2
    ...     return x
    >>> print(mindlite.parser.show(f))      # what convert(f) runs

Contract of the generated code: see transformer.py (the shapes of the calls) and runtime.py
(what `__ml_ctrl__.cond` / `while_loop` check before they call mindlite.ops.control).
"""
from .api import convert, show
from .runtime import UNDEFINED, GraphSyntaxError

__all__ = ["UNDEFINED", "GraphSyntaxError", "convert", "show"]
