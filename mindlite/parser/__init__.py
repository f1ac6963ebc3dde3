"""Source (AST) transformation of tensor-dependent control flow (DESIGN.md 2.3, "Capture").

`convert(fn)` rewrites the `if` / `elif` / `else`, `while` and `for <name> in range(...)`
statements of a function into calls of `mindlite.ops.control.cond` / `while_loop`, with the
branches and loop bodies as nested functions over the variables they carry. With Python
values (or concrete tensors) as conditions the converted function behaves exactly like the
original; under a graph trace with a symbolic condition the calls become control-flow nodes.
Constructs a graph cannot capture raise `GraphSyntaxError` (file, line, construct, what to do)
only when their condition is symbolic. `show(fn)` returns the converted source.

    >>> from mindlite import parser
    >>> print(parser.show(f))          # what convert(f) runs
"""
from .api import convert, show
from .runtime import UNDEFINED, GraphSyntaxError

__all__ = ["convert", "show", "GraphSyntaxError", "UNDEFINED"]
