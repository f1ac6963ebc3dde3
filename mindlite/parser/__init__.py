"""Source (AST) transformation of tensor-dependent control flow (DESIGN.md 2.3, "Capture").

`convert(fn)` rewrites the `if` / `elif` / `else`, `while` and `for <name> in range(...)`
statements and the `a if c else b` expressions of a function (and of the `def`s and lambdas
nested in it) into calls of `mindlite.ops.control.cond` / `while_loop`, with branches and
loop bodies as nested functions over the variables they carry; `and` / `or` / `not` and
chained comparisons in their conditions become logical ops once a value is symbolic. Loops
over anything else (lists, CellLists) stay Python loops, unrolled when traced.

With `recursive=True` (the default) every call in the function becomes a *converted call*:
while a graph is traced, the callee is converted too before it runs (helpers, methods,
lambdas, partials, nested functions, recursively, each converted once per code object);
mindlite's own code, the standard library, installed packages, builtins, classes and Cells
run as they are. `converted(f)` is that rule, for callers that invoke user callables.

With Python values or concrete tensors as conditions a converted function behaves exactly
like the original; under a graph trace with a symbolic condition the calls become
control-flow nodes. Constructs a graph cannot capture raise `GraphSyntaxError` (file, line,
construct, what to change) only when their condition is symbolic. `show(fn)` returns the
converted source.

    >>> def f(x):
    ...     if x.sum() > 0:
    ...         x = x * 2
    ...     return x
    >>> print(mindlite.parser.show(f))      # what convert(f) runs

Contract of the generated code: see transformer.py and calls.py (the shapes of the calls)
and runtime.py (what `__ml_ctrl__.cond` / `while_loop` / `ifexp` check before they call
mindlite.ops.control).
"""
from .api import convert, converted, show
from .runtime import UNDEFINED, GraphSyntaxError

__all__ = ["UNDEFINED", "GraphSyntaxError", "convert", "converted", "show"]
