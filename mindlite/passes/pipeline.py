"""The optimisation pipeline applied to every compiled graph.

Order (autodiff already happened while tracing):
    simplify -> fold_constants -> cse -> dce -> fuse_elementwise -> plan_memory [-> update_in_place]
simplify first so folding and cse see canonical forms; dce after cse removes what both
orphaned; fusion needs the final node set; memory planning needs the final schedule.
With MINDLITE_CHECK=1 the graph is verified before and after each pass (R8);
`set_context(save_graphs=True, save_graphs_path=...)` writes the IR as captured and as
optimised (`<name>_0_captured.ir`, `<name>_9_optimized.ir`).
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence

from ..core import context
from ..core.graph_trace import save_graph as _save
from ..ir.graph import Graph
from ..ir.verify import IRError, verify
from .cse import cse
from .dce import dce
from .fold import fold_constants
from .fuse import fuse_elementwise
from .inplace import update_in_place
from .memory import plan_memory
from .simplify import simplify

Pass = Callable[[Graph], Graph]

DEFAULT_PASSES: tuple[Pass, ...] = (simplify, fold_constants, cse, dce, fuse_elementwise, plan_memory)


def optimize(g: Graph, passes: Sequence[Pass] | None = None, *, state_outs: dict[int, int] | None = None,
             check: bool | None = None) -> Graph:
    """Run `passes` (DEFAULT_PASSES if None; `[]` gives the graph as captured) over g.

    Args:
        state_outs: {output index: input index} of state written back after the call; if
            given, `update_in_place` runs last (its caller's duty: see passes/inplace.py).
        check: verify after every pass (default: MINDLITE_CHECK).
    """
    check = context.CHECK if check is None else check
    passes = list(DEFAULT_PASSES if passes is None else passes)
    if state_outs:
        passes.append(lambda x: update_in_place(x, state_outs))
    save = bool(context.get_context("save_graphs"))
    if save:
        _save(g, "0_captured")
    if check:
        verify(g)
    for p in passes:
        g = p(g)
        if check:
            try:
                verify(g)
            except IRError as e:
                raise IRError(f"after pass {getattr(p, '__name__', p)}: {e}") from e
    if save:
        _save(g, "9_optimized")
    return g
