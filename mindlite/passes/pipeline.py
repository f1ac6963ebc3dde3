"""The optimisation pipeline applied to every compiled graph (each pass verified in check mode)."""
from __future__ import annotations

from ..core.context import CHECK
from ..ir.graph import Graph
from ..ir.verify import verify
from .dce import dce


def optimize(g: Graph) -> Graph:
    passes = [dce]
    if CHECK:
        verify(g)
    for p in passes:
        g = p(g)
        if CHECK:
            verify(g)
    return g
