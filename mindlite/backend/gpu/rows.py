"""Softmax, log-softmax and LayerNorm over the last axes as generated row kernels.

Each is an elementwise + reduction epilogue: per row, one or two reductions (max and
sum of exponentials; mean and variance) then an elementwise output, all in one kernel
(`codegen_cuda.row_kernel`: one warp per row, statistics in float). `gpu_rows` nodes are
made by `lower_rows` from `softmax`/`log_softmax` over the last axis and `layer_norm`
whose parameters cover exactly the normalised axes; other cases keep the primitive.
Without a device runner a `gpu_rows` node runs the original primitive's impl.
"""
from __future__ import annotations


import math
import threading
from typing import Any

import numpy as np

from .. import codegen_cuda as cg
from ...core.prim import Primitive
from ...ir.graph import Graph, Node
from ...passes.cse import freeze
from .runtime import record_path, runner_for

N = cg.CNode


class RowOp:
    """The `op` param of a gpu_rows node: the original primitive and its params."""

    __slots__ = ("_key", "params", "prim")

    def __init__(self, prim: Any, params: dict) -> None:
        self.prim, self.params = prim, dict(params)
        self._key = (prim.name, freeze(self.params))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RowOp) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"{self.prim.name}({', '.join(f'{k}={v}' for k, v in self.params.items())})"


def _infer(*avals: Any, op: RowOp) -> tuple:
    out = op.prim.infer(*avals, **op.params)
    return tuple(out) if op.prim.multiple_results else (out,)


def _impl(xp: Any, *arrays: Any, op: RowOp) -> list:
    runner = runner_for(xp)
    if runner is None or any(a.size == 0 for a in arrays):
        out = op.prim.impl(xp, *arrays, **op.params)
        return list(out) if op.prim.multiple_results else [out]
    return launch(runner, op, arrays)


gpu_rows_p = Primitive("gpu_rows", _impl, _infer, multiple_results=True)


def row_spec(kind: str, rows: int, cols: int, dtype: Any, eps: float = 0.0) -> cg.RawKernel:
    """The row kernel of `kind` for a (rows, cols) problem of `dtype` (statistics in float,
    or double for float64)."""
    dt = np.dtype(dtype)
    ct = cg.compute_dtype(dt)

    def c(v: float) -> cg.CNode:
        return N("const", value=v, dtype=ct)

    def v(name: str) -> cg.CNode:
        return N("in", value=name, dtype=ct)

    def op(name: str, *args: cg.CNode) -> cg.CNode:
        return N(name, list(args), dtype=ct)
    x = v("x")
    name = f"rows_{kind}_{rows}x{cols}_{dt.name}"
    if kind in ("softmax", "log_softmax"):
        m = cg.RowStat("m", "max", x, v("m_acc"))
        xm = op("sub", x, v("m"))
        s = cg.RowStat("s", "sum", op("exp", xm), v("s_acc"))
        y = op("div", op("exp", xm), v("s")) if kind == "softmax" else op("sub", xm, op("log", v("s")))
        return cg.row_kernel(name, rows, cols, [("x", dt)], [], [m, s], [("y", dt, y)])
    if kind == "layer_norm":
        # numpy's order: mu in x's type, xc = x - mu, rstd = 1 / sqrt(mean(xc^2) + eps) in
        # x's type, y = xc * rstd * gamma + beta
        mean = cg.RowStat("mean", "sum", x, cg.round_half(op("div", v("mean_acc"), c(float(cols))), dt))
        xc = op("sub", x, v("mean"))
        rstd_val = op("div", c(1.0), op("sqrt", op("add", op("div", v("rstd_acc"), c(float(cols))), c(float(eps)))))
        rstd = cg.RowStat("rstd", "sum", op("mul", xc, xc), cg.round_half(rstd_val, dt))
        y = op("add", op("mul", op("mul", xc, v("rstd")), v("gamma")), v("beta"))
        return cg.row_kernel(name, rows, cols, [("x", dt)], [("gamma", dt), ("beta", dt)], [mean, rstd],
                             [("y", dt, y)], [("mu", dt, v("mean")), ("rstd", dt, v("rstd"))])
    raise ValueError(f"row kernel: unknown kind {kind!r}")


_PLANS: dict[tuple, Any] = {}
_LOCK = threading.Lock()


def _split(op: RowOp, shape: tuple) -> tuple[int, int, int]:
    axis = op.params["axis"] if op.prim.name != "layer_norm" else op.params["begin_norm_axis"]
    axis = axis + len(shape) if axis < 0 else axis
    return axis, math.prod(shape[:axis]), math.prod(shape[axis:])


def launch(runner: Any, op: RowOp, arrays: tuple) -> list:
    xp = runner.xp
    x = arrays[0]
    _, rows, cols = _split(op, tuple(x.shape))
    arrays = [a if a.flags.c_contiguous else xp.ascontiguousarray(a) for a in arrays]
    kind = op.prim.name
    key = (kind, rows, cols, np.dtype(x.dtype).str, float(op.params.get("eps", 0.0)), runner.arch)
    kernel = _PLANS.get(key)
    if kernel is None:
        kernel = row_spec(kind, rows, cols, x.dtype, op.params.get("eps", 0.0))
        with _LOCK:
            _PLANS[key] = kernel
        record_path(kind, "generated row kernel")
    y = xp.empty(x.shape, x.dtype)
    if kind != "layer_norm":
        runner.launch(kernel, [arrays[0], y])
        return [y]
    avals = _infer(*[_aval(a) for a in arrays], op=op)
    mu, rstd = xp.empty(avals[1].shape, x.dtype), xp.empty(avals[2].shape, x.dtype)
    runner.launch(kernel, [arrays[0], arrays[1], arrays[2], y, mu, rstd])
    return [y, mu, rstd]


def _aval(a: Any) -> Any:
    from ...core.prim import Aval
    return Aval(tuple(a.shape), np.dtype(a.dtype))


def _lowerable(n: Node) -> bool:
    name = n.prim.name
    x = n.inputs[0]
    if not hasattr(x, "shape") or getattr(x, "is_dynamic", False) or x.ndim == 0:
        return False
    try:
        cg.storage_ctype(x.dtype)
    except TypeError:
        return False
    if name in ("softmax", "log_softmax"):
        axis = n.params["axis"]
        return axis in (-1, x.ndim - 1)
    if name == "layer_norm":
        b = n.params["begin_norm_axis"] % x.ndim
        p = n.params["begin_params_axis"] % x.ndim
        return b == p and all(getattr(a, "dtype", None) == x.dtype for a in n.inputs[1:3])
    return False


def lower_rows(g: Graph) -> Graph:
    nodes = []
    for n in g.nodes:
        if n.prim.name in ("softmax", "log_softmax", "layer_norm") and _lowerable(n):
            n = Node(gpu_rows_p, n.inputs, {"op": RowOp(n.prim, n.params)}, n.outs, n.loc)
        nodes.append(n)
    return Graph(g.name, g.inputs, nodes, g.outputs)
