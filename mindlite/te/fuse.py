"""te's rule for the elementwise fusion pass (passes/fuse.py GROUP_RULES): a fused group
made only of te ops becomes one te op, whose expression is the composition of theirs, so
the group runs as one generated kernel (one numpy function, one CUDA kernel)."""
from __future__ import annotations

from typing import Any

from ..ir.graph import aval_of_atom
from ..passes.fuse import CONST, GROUP_RULES, IN
from .expr import placeholder
from .op import TE_OPS, build
from .visit import replace_tensors

_MERGED: dict = {}  # (steps, input avals) -> merged primitive, so recompiling reuses it


def merge_te_group(steps: Any, inputs: list) -> tuple | None:
    """(merged te primitive, {}) for a group of te ops with static shapes, else None."""
    defs = [TE_OPS.get(s.prim) for s in steps.steps]
    if any(d is None or not d.static for d in defs):
        return None
    if any(k == CONST for s in steps.steps for k, _ in s.args):
        return None  # an inline Python number: te ops take tensors only
    avals = [aval_of_atom(a) for a in inputs]
    key = (steps, tuple((tuple(a.shape), str(a.dtype)) for a in avals))
    prim = _MERGED.get(key)
    if prim is None:
        phs = [placeholder(tuple(a.shape), a.dtype, f"in{k}") for k, a in enumerate(avals)]
        vals: list = []
        for st, d in zip(steps.steps, defs):
            ops = [phs[p] if k == IN else vals[p] for k, p in st.args]
            vals.append(replace_tensors(d.out, dict(zip(d.inputs, ops))))
        names = "_".join(d.name for d in defs)
        prim = build(vals[-1], phs, f"fused_{names}"[:60])
        _MERGED[key] = prim
    return prim, {}


if merge_te_group not in GROUP_RULES:
    GROUP_RULES.append(merge_te_group)
