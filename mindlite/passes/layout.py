"""Layout assignment: which 4-D values of a graph will hold channels-last memory on CPU.

On numpy, convolutions and max pooling compute in NHWC and return NCHW-shaped views of NHWC
memory (ops/conv_cl.py), and numpy's elementwise ops and BatchNorm follow their operands'
layout. Layout is therefore a property of the *memory*, not of the IR: no transposes are
inserted, the network's input is transposed inside the first convolution (the graph's edge)
and the values never change shape. What the compiler must get right is the buffers it
allocates itself: writing a channels-last result into an NCHW buffer is a transposing copy,
~30x slower than a matching one (8x56x56x256 float32: 80 ms vs 2.4 ms). So the memory planner
asks this pass which values will be channels-last and allocates their buffers in that layout.

The rules follow what the kernels do (a wrong guess costs speed, never correctness):
* conv2d / conv2d_backprop_input / max_pool2d / max_pool2d_grad: channels-last when the
  channels-last kernels run (numpy, groups == 1, format transform not disabled);
* elementwise primitives, fused elementwise nodes and batch_norm's output: channels-last
  when an operand of the same 4-D shape is (numpy allocates in the operands' layout);
* everything else (reshape, transpose, reductions, GEMMs ...): as allocated, C-ordered.
Rules are an optional per-primitive table (`LAYOUT_RULES`); a primitive without one gets
the default: the elementwise rule if its `fuse_kind` is "elementwise", else C order.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..ir.graph import Graph, Var
from ..ir.printer import _Names
from ..ops import conv as _conv
from ..ops import conv_cl
from ..ops import nn as _nn
from .fuse import fused_elementwise_p

Rule = Callable[[Any, Callable[[Any], bool]], tuple]  # (node, is_cl) -> one bool per output
LAYOUT_RULES: dict[Any, Rule] = {}


def _follows_operands(n: Any, is_cl: Callable[[Any], bool]) -> tuple:
    """numpy's rule: a result takes the layout of a same-shaped operand."""
    out = n.outs[0]
    cl = out.ndim == 4 and any(isinstance(a, Var) and a.shape == out.shape and is_cl(a) for a in n.inputs)
    return (cl,) + (False,) * (len(n.outs) - 1)


def _conv_rule(n: Any, is_cl: Callable[[Any], bool]) -> tuple:
    import numpy as np
    return (conv_cl.enabled(np, n.params.get("groups", 1)),)


def _pool_rule(n: Any, is_cl: Callable[[Any], bool]) -> tuple:
    import numpy as np
    return (conv_cl.enabled(np) and n.outs[0].ndim == 4,)


for _p in (_conv.conv2d_p, _conv.conv2d_backprop_input_p):
    LAYOUT_RULES[_p] = _conv_rule
for _p in (_conv.max_pool2d_p, _conv.max_pool2d_grad_p):
    LAYOUT_RULES[_p] = _pool_rule
LAYOUT_RULES[_nn.batch_norm_p] = _follows_operands
LAYOUT_RULES[fused_elementwise_p] = _follows_operands


def channels_last_values(g: Graph) -> set[int]:
    """ids of the Vars of g (not of its subgraphs) expected to hold channels-last memory."""
    cl: set[int] = set()

    def is_cl(v: Any) -> bool:
        return id(v) in cl
    for n in g.nodes:
        rule = LAYOUT_RULES.get(n.prim)
        if rule is None:
            if n.prim.fuse_kind != "elementwise" or not n.outs:
                continue
            rule = _follows_operands
        for o, flag in zip(n.outs, rule(n, is_cl)):
            if flag and isinstance(o, Var) and o.ndim == 4:
                cl.add(id(o))
    return cl


def layout_report(g: Graph) -> str:
    """One line per node, `%k = prim: NHWC|-` per output, numbered as `str(g)` numbers values."""
    cl = channels_last_values(g)
    names = _Names()
    for v in g.inputs:
        names(v)
    lines = []
    for n in g.nodes:
        outs = ", ".join(names(o) for o in n.outs)
        marks = " ".join("NHWC" if id(o) in cl else "-" for o in n.outs)
        lines.append(f"{outs} = {n.prim.name}: {marks}")
    return "\n".join(lines)
