"""Eager reverse-mode: walk the recorded `Node`s backwards, calling each primitive's bprop.

bprops are written in mindlite ops, so when an outer gradient is being recorded the
backward computation is itself recorded (higher-order derivatives). The walk only visits
nodes of the current gradient level and generation.
"""
from __future__ import annotations

from typing import Any, Sequence

from .tensor import Tensor
from .trace import STATE, Node, wrap


def _toposort(roots: Sequence[Node], level: int) -> list[Node]:
    """Nodes reachable from `roots` (within this level), parents before children."""
    gen = STATE.gen
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(r, False) for r in roots]
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


def _out_tensors(node: Node) -> Any:
    if isinstance(node.outs, tuple):
        return tuple(wrap(o, node, i) for i, o in enumerate(node.outs))
    return wrap(node.outs, node, 0)


def _accumulate(slot: list, i: int, g: Tensor) -> None:
    slot[i] = g if slot[i] is None else slot[i] + g


def backward(roots: Sequence[Tensor], sens: Sequence[Tensor], targets: Sequence[Tensor],
             level: int) -> list[Tensor | None]:
    """Gradients of sum(<root, sens>) with respect to each tracked tensor in `targets`.

    Runs with recording at `level - 1`, so outer gradient levels see the backward ops.
    """
    from ..ops import functional as F

    grads: dict[int, list] = {}
    root_nodes = []
    for r, s in zip(roots, sens):
        node = r._node
        if node is None or node.gen != STATE.gen or node.level < level:
            continue  # output does not depend on any differentiated input
        slot = grads.setdefault(id(node), [None] * _n_outs(node))
        _accumulate(slot, r._idx, s)
        root_nodes.append(node)
    wanted = {id(t._node) for t in targets if t._node is not None}
    kept: dict[int, list] = {}
    for node in reversed(_toposort(root_nodes, level)):
        slot = grads.pop(id(node), None)
        if slot is None:
            continue
        if id(node) in wanted:
            kept[id(node)] = slot
        outs = _out_tensors(node)
        if isinstance(node.outs, tuple):
            dout: Any = tuple(F.zeros_like(o) if g is None else g for o, g in zip(outs, slot))
        else:
            dout = slot[0]
        in_grads = node.bprop(*node.inputs, out=outs, dout=dout, **node.params)
        if not isinstance(in_grads, (tuple, list)) or len(in_grads) != len(node.inputs):
            name = getattr(node.prim, "name", node.prim)
            raise RuntimeError(f"bprop of {name} must return one gradient per input "
                               f"({len(node.inputs)}), got {in_grads!r:.200}")
        for x, g in zip(node.inputs, in_grads):
            p = x._node if isinstance(x, Tensor) else None
            if g is None or p is None or p.gen != STATE.gen or p.level < level:
                continue
            if not isinstance(g, Tensor):
                g = F.fill(x.dtype, x.shape, g)
            if g.shape != x.shape:
                name = getattr(node.prim, "name", node.prim)
                raise RuntimeError(f"bprop of {name} returned a gradient of shape {g.shape} "
                                   f"for an input of shape {x.shape}")
            _accumulate(grads.setdefault(id(p), [None] * _n_outs(p)), x._idx, g)
    result: list[Tensor | None] = []
    for t in targets:
        slot = kept.get(id(t._node)) if t._node is not None else None
        result.append(None if slot is None else slot[t._idx])
    return result


def _n_outs(node: Node) -> int:
    return len(node.outs) if isinstance(node.outs, tuple) else 1
