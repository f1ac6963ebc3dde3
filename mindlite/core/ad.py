"""Reverse mode: the one backward walk, shared by the eager tape and graph autodiff.

`backward(entries, ct, ...)` visits primitive applications in reverse order and calls each
primitive's bprop on the cotangents of its outputs. The eager tape (recorded by
core/trace.py) and the graph autodiff (core/ad_graph.py) only differ in how they name
values; both hand this walk the same kind of records and the same "needs a gradient"
information, which bprops receive (`needs`, as Chainer's `target_input_indexes`) so they
skip gradients nobody uses (a convolution's data gradient when only the weights are
trained).

bprops are written in mindlite ops, so when an outer gradient is being recorded the
backward computation is itself recorded (higher-order derivatives).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from .prim import REGISTRY, STATE
from .tensor import Tensor


def call_bprop(prim: Any, ins: Sequence[Any], out: Any, dout: Any, params: dict, needs: tuple) -> tuple:
    """Run `prim`'s bprop and validate what it returns (one gradient or None per input)."""
    if prim.bprop_needs:
        grads = prim.bprop(*ins, out=out, dout=dout, needs=needs, **params)
    else:
        grads = prim.bprop(*ins, out=out, dout=dout, **params)
    if not isinstance(grads, (tuple, list)) or len(grads) != len(ins):
        raise RuntimeError(f"bprop of {prim.name} must return one gradient per input ({len(ins)}), "
                           f"got {grads!r:.200}")
    return tuple(grads)


def _functional() -> Any:
    """`mindlite.ops.functional` (ops sit in the same layer and import this module first)."""
    global _F
    if _F is None:
        from ..ops import functional
        _F = functional
    return _F


_F: Any = None


def _as_grad(g: Any, like: Any, prim: Any) -> Any:
    if isinstance(g, Tensor) and g._data.shape == like._data.shape:
        return g
    if not isinstance(g, Tensor):
        g = _functional().fill(like.dtype, tuple(like.shape), g)
    if tuple(g.shape) != tuple(like.shape):
        raise RuntimeError(f"bprop of {prim.name} returned a gradient of shape {list(g.shape)} for an input of "
                           f"shape {list(like.shape)}")
    return g


def accumulate(ct: dict, key: Any, g: Any) -> None:
    prev = ct.get(key)
    ct[key] = g if prev is None else prev + g


def backward(entries: Iterable[Any], ct: dict, view: Callable[[Any], tuple]) -> None:
    """Propagate cotangents `ct` (key -> Tensor) backwards through `entries` (latest first).

    `view(entry)` gives (prim, params, inputs, in_keys, outs, out_keys): the input values,
    a key per input (None when that input needs no gradient), the output values (Tensors)
    and a key per output. Cotangents of inputs are accumulated into `ct`.
    """
    F = _functional()
    for e in entries:
        prim, params, ins, in_keys, outs, out_keys = view(e)
        if prim.bprop is None:
            continue
        if len(out_keys) == 1:
            if out_keys[0] not in ct:
                continue
        elif not any(k in ct for k in out_keys):
            continue
        needs = tuple([k is not None for k in in_keys])
        if True not in needs:
            continue
        if prim.multiple_results:
            zero = (lambda o: None) if prim.symbolic_zeros else F.zeros_like
            dout: Any = tuple(ct[k] if k in ct else zero(o) for k, o in zip(out_keys, outs))
            out: Any = tuple(outs)
        else:
            dout, out = ct[out_keys[0]], outs[0]
        grads = call_bprop(prim, ins, out, dout, params, needs)
        for key, x, g in zip(in_keys, ins, grads):
            if key is None or g is None:
                continue
            accumulate(ct, key, _as_grad(g, x, prim))


# ---- the eager tape -------------------------------------------------------------------------------
def _toposort(roots: Sequence[Any], level: int) -> list:
    """Tape entries reachable from `roots` (within this level), parents before children.

    ir/walk.postorder written out: this runs on every eager backward, and the generic walk's
    per-node callback costs about 8% of a small network's gradient."""
    gen = STATE.gen
    order: list = []
    seen: set[int] = set()
    stack: list = [(r, False) for r in roots]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for x in node.inputs:
            p = x._node if isinstance(x, Tensor) else None
            if p is not None and p.gen == gen and p.level >= level and id(p) not in seen:
                stack.append((p, False))
    return order


def tape_backward(roots: Sequence[Tensor], sens: Sequence[Tensor], targets: Sequence[Tensor],
                  level: int) -> list:
    """Gradients of sum(<root, sens>) with respect to each tracked tensor in `targets`
    (None where a target does not influence the roots). Runs with recording at `level - 1`,
    so outer gradient levels see the backward ops."""
    from .trace import wrap
    gen = STATE.gen

    def live(x: Any) -> Any:
        p = x._node if isinstance(x, Tensor) else None
        return p if p is not None and p.gen == gen and p.level >= level else None

    ct: dict = {}
    root_entries = []
    for r, s in zip(roots, sens):
        node = live(r)
        if node is not None:
            accumulate(ct, (id(node), r._idx), s)
            root_entries.append(node)
    wanted = {(id(t._node), t._idx) for t in targets if t._node is not None}
    kept: dict = {}

    def view(node: Any) -> tuple:
        nid = id(node)
        if isinstance(node.outs, tuple):
            outs = tuple(wrap(o, node, i) for i, o in enumerate(node.outs))
            out_keys = [(nid, i) for i in range(len(outs))]
        else:
            outs = (wrap(node.outs, node, 0),)
            out_keys = [(nid, 0)]
        for k in out_keys:  # a target's cotangent is final once its producer is reached
            if k in wanted and k in ct:
                kept[k] = ct[k]
        in_keys = []
        for x in node.inputs:
            p = x._node if isinstance(x, Tensor) else None
            if p is None or p.gen != gen or p.level < level or x._data.dtype.kind not in "fcV":
                in_keys.append(None)
            else:
                in_keys.append((id(p), x._idx))
        return node.prim, node.params, node.inputs, in_keys, outs, out_keys
    backward(reversed(_toposort(root_entries, level)), ct, view)
    return [kept.get((id(t._node), t._idx)) if t._node is not None else None for t in targets]


def identity_prim() -> Any:
    return REGISTRY["identity"]
