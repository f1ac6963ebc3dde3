"""`mindlite.te`: a tensor-expression DSL for custom operators.

Write an op from elementwise and reduction expressions, differentiate it at operator
level, simplify the result, lower it to numpy or CUDA, and build it into a primitive that
works in both modes and under grad to any order:

    >>> from mindlite import te
    >>> from mindlite.te.lang import cce
    >>> x = te.placeholder((te.var("n"),), "float32", "x")
    >>> s = cce.vrec(cce.vadds(cce.vexp(cce.vmuls(x, -1.0)), 1.0))   # the paper's sigmoid
    >>> dout = te.placeholder(s.shape, "float32", "dout")
    >>> [dx] = te.differentiate(s, [x], dout)
    >>> te.count_nodes(te.simplify(dx))
    >>> sigmoid = te.build(s, [x], "sigmoid")        # a Primitive: sigmoid(ms.Tensor(...))

See docs/te.md.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..backend.nvrtc import nvrtc_available, nvrtc_check
from . import fuse as _fuse  # noqa: F401  (registers te's rule with the fusion pass)
from . import lang
from .expr import Expr, Tensor, compute, max, min, placeholder, reduce_axis, sum, var  # noqa: A004
from .grad import DifferentiationResult, differentiate
from .intrin import abs, cast, const, cos, exp, floor, log, maximum, minimum, register_intrinsic, select, sign, \
    sin, sqrt, tanh  # noqa: A004
from .lower_numpy import Lowered, lower_numpy
from .op import build
from .printer import tensor_text
from .simplify import count_nodes, inline, simplify


def lower(out: Tensor, target: str = "numpy", inputs: Sequence[Tensor] | None = None, name: str = "te_kernel") -> Any:
    """Lower `out` (computed from `inputs`, default its placeholders) for `target`:
    'numpy' (loop-free code over an array module) or 'cuda' (cupy Elementwise/Reduction
    kernels plus standalone `extern "C" __global__` sources). `.source` is readable."""
    if target == "numpy":
        return lower_numpy(out, inputs, name)
    if target == "cuda":
        from .lower_cuda import lower_cuda
        return lower_cuda(out, inputs, name)
    raise ValueError(f"te.lower: target must be 'numpy' or 'cuda', got {target!r}")


def kernel_count(graph: Any) -> int:
    """Kernels a compiled graph launches for te ops: one per te primitive node, one per
    fused node holding te steps (subgraphs included)."""
    from .op import TE_OPS
    count = 0
    for n in graph.nodes:
        steps = n.params.get("steps")
        if n.prim in TE_OPS or steps is not None and any(s.prim in TE_OPS for s in steps.steps):
            count += 1
        for sg in n.subgraphs():
            count += kernel_count(sg)
    return count


__all__ = ["Tensor", "Expr", "placeholder", "var", "compute", "reduce_axis", "sum", "max", "min", "exp", "log",
           "sqrt", "tanh", "sin", "cos", "floor", "abs", "sign", "select", "maximum", "minimum", "cast", "const",
           "register_intrinsic", "differentiate", "DifferentiationResult", "simplify", "inline", "count_nodes",
           "lower", "Lowered", "build", "kernel_count", "nvrtc_check", "nvrtc_available", "tensor_text", "lang"]
