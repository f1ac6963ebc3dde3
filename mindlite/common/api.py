"""`mindlite.common.api` (MindSpore's home of `jit`, `ms_function`, `jit_class`, `ms_class`)."""
from __future__ import annotations

from ..core.jit import jit, ms_function  # noqa: F401


def jit_class(cls: type) -> type:
    """Marks a plain class whose instances' attributes and methods graph code may use.

    mindlite compiles a graph by running the Python code on symbolic tensors, so any object's
    attributes are readable while tracing; the decorator checks its argument and returns the
    class unchanged.
    """
    if not isinstance(cls, type):
        raise TypeError(f"jit_class: expects a class, got {type(cls).__name__}")
    return cls


ms_class = jit_class

__all__ = ["jit", "jit_class", "ms_class", "ms_function"]
