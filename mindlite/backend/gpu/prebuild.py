"""Compile a lowered graph's kernels before its first run, in one NVRTC module.

Kernels are specialised to their operands' strides, known exactly only when the step runs;
compiling each at its first launch costs one NVRTC run per kernel (0.05-0.5 s on the probe's
H100, ~150 kernels for ResNet-50). `predicted_kernels` walks the graph with the strides the
arrays will have - graph inputs and fresh results C-contiguous, transposes permuted,
reshapes of contiguous values contiguous, in-place outputs those of their target - and
plans the kernels of every GPU node it can predict; `prebuild_graph` compiles them as one
module. A kernel predicted wrong is simply compiled at its first launch as before.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...ir.graph import Graph, Lit, Var
from .runtime import log


class _Like:
    """What the planners read of an array: shape, dtype, strides (bytes), size, flags."""

    __slots__ = ("dtype", "flags", "shape", "size", "strides")

    def __init__(self, shape: tuple, dtype: Any, strides: tuple | None = None) -> None:
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        item = self.dtype.itemsize
        c = tuple(s * item for s in _c_elems(self.shape))
        self.strides = c if strides is None else tuple(strides)
        self.size = int(np.prod(self.shape, dtype=np.int64))
        self.flags = type("F", (), {"c_contiguous": self.strides == c or self.size <= 1})()


def _c_elems(shape: tuple) -> tuple:
    out, acc = [], 1
    for s in reversed(shape):
        out.append(acc)
        acc *= s
    return tuple(reversed(out))


def _predict(g: Graph) -> dict[int, Any]:
    """Var id -> _Like with the strides its array will have (None where not predictable)."""
    like: dict[int, Any] = {id(v): _Like(v.shape, v.dtype) for v in g.inputs}
    for n in g.nodes:
        ins = [like.get(id(a)) if isinstance(a, Var) else _lit(a) for a in n.inputs]
        name = n.prim.name
        for k, o in enumerate(n.outs):
            if o.is_dynamic or o.dtype == object:
                like[id(o)] = None
                continue
            if name == "transpose" and ins[0] is not None:
                perm = n.params["perm"]
                like[id(o)] = _Like(o.shape, o.dtype, tuple(ins[0].strides[p] for p in perm))
            elif name in ("reshape", "expand_dims", "squeeze"):
                like[id(o)] = _Like(o.shape, o.dtype) if ins[0] is not None and ins[0].flags.c_contiguous else None
            elif name == "gpu_region" and k in dict(n.params["region"].inplace):
                target = ins[dict(n.params["region"].inplace)[k]]
                like[id(o)] = target
            elif name in _VIEWS:
                like[id(o)] = None  # a view of unknown layout (or the operand itself)
            else:
                like[id(o)] = _Like(o.shape, o.dtype)
    return like


# primitives whose result may be a view of (or be) an operand: their layout is not predicted
_VIEWS = frozenset({"broadcast_to", "getitem", "stop_gradient", "identity", "cast", "depend", "slice", "strided_slice",
                    "flip", "split", "unstack", "diagonal", "real", "imag", "view", "cond", "while", "call",
                    "while_save", "scan", "custom_vjp"})


def _lit(a: Any) -> Any:
    if isinstance(a, Lit) and a.is_array:
        return _Like(a.value.shape, a.value.dtype)
    return a


def predicted_kernels(g: Graph, conv_fallback: bool = True) -> list:
    """The kernels the GPU nodes of a lowered graph will launch, as far as predictable."""
    from . import conv, regions, rows
    like = _predict(g)
    out: list = []
    for n in g.nodes:
        ins = [like.get(id(a)) if isinstance(a, Var) else _lit(a) for a in n.inputs]
        if any(a is None for a in ins):
            continue
        try:
            if n.prim.name == "gpu_region":
                r = n.params["region"]
                k = r.n_in
                segs = [ins[s * k:(s + 1) * k] for s in range(r.segments)]
                if r.segments > 1 and len(r.inplace) == len(r.outs) and not r.draws:
                    kinds = tuple("s" if a.size == 1 else "e" for a in segs[0])
                    out.append(regions._plan_multi(r, segs[0], kinds)[0])
                else:
                    out += [regions._plan_one(r, seg)[0] for seg in segs]
            elif n.prim.name == "gpu_rows":
                op = n.params["op"]
                _, nrows, ncols = rows._split(op, tuple(ins[0].shape))
                out.append(rows.row_spec(op.prim.name, nrows, ncols, ins[0].dtype, op.params.get("eps", 0.0)))
            elif n.prim.name == "gpu_conv" and conv_fallback:
                op = n.params["op"]
                plan = conv.make_plan(op.kind, ins[0], ins[1], op.params)
                out += conv.fallback_kernels(plan)
        except Exception:  # noqa: BLE001 - a node the prediction cannot plan compiles at its launch
            continue
    return out


def prebuild_graph(g: Graph, runner: Any) -> int:
    """Compile the predicted kernels of `g` on `runner` in one go; returns how many."""
    if not hasattr(runner, "prebuild"):
        return 0
    convs = getattr(runner, "conv", None)
    kernels = predicted_kernels(g, conv_fallback=convs is None or not convs.available())
    try:
        runner.prebuild(kernels)
    except Exception as e:  # noqa: BLE001 - compile them one by one at their launches instead
        log.warning("prebuilding %d kernels of %s failed (%s); they compile at first launch", len(kernels), g.name, e)
        return 0
    return len(kernels)

