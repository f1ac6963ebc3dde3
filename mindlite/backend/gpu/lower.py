"""Lowering an optimised graph for the GPU: which kernel runs each node.

`lower_for_gpu(g, state_outs)` (a Graph -> Graph pass, run after the default pipeline's
passes with fusion down to single elements) rewrites
  * every `fused_elementwise` node and every lone elementwise node with a scalar expression
    into a `gpu_region` (one generated kernel, regions.py);
  * a `bernoulli`/`uniform` draw read only by one region of its shape into that region (the
    mask is drawn inside the kernel from the same counter-based stream as the host), and a
    lone draw into a region of its own;
  * a region feeding another of the same shape into one multi-output region (an elementwise
    epilogue computed once, e.g. Adam's moments and the parameter in one kernel), when every
    other reader of the producer's values comes after the consumer;
  * outputs that are state updates into in-place writes of the state's array when the old
    value is dead, and identical in-place update regions of different parameters into one
    multi-tensor region (the optimizer update as one launch);
  * softmax, log-softmax and LayerNorm over the last axis into `gpu_rows` (rows.py);
  * matmul into `gpu_matmul` (cuBLAS called directly, cublas.py), the convolutions into
    `gpu_conv` (cuDNN or im2col + cuBLAS, conv.py).
Every node kept as is runs its cupy impl. Every new primitive has a numpy reference, so a
lowered graph also runs (and is tested) on the CPU.
"""
from __future__ import annotations


from typing import Any

import numpy as np

from .. import codegen_cuda as cg
from ...ir.graph import Graph, Lit, Node, Var
from ...passes.dce import dce
from ...passes.inplace import _aliases
from ...passes.memory import fresh, last_uses
from .regions import CONST, IN, STEP, Draw, Region, RStep, gpu_region_p, has_expr

_DRAWS = ("bernoulli", "uniform")


def lower_for_gpu(g: Graph, state_outs: dict | None = None) -> Graph:
    """The GPU form of an optimised graph (see the module docstring)."""
    from .rows import lower_rows
    from .cublas import lower_matmul
    from .conv import lower_conv
    g = to_regions(g)
    g = absorb_draws(g)
    g = cluster(g)
    if state_outs:
        g = mark_in_place(g, state_outs)
        g = group_updates(g)
    g = lower_rows(g)
    g = lower_matmul(g)
    g = lower_conv(g)
    return dce(g)


def _copy(g: Graph, nodes: list) -> Graph:
    return Graph(g.name, g.inputs, nodes, g.outputs)


# ---- elementwise nodes -> regions --------------------------------------------------------------------
def _supported(dtype: Any) -> bool:
    try:
        cg.storage_ctype(dtype)
        return True
    except TypeError:
        return False


def _region_of(n: Node) -> tuple[Region, list] | None:
    """The region (and its inputs) of a fused or lone elementwise node, or None."""
    if n.prim.name == "fused_elementwise":
        steps = n.params["steps"].steps
        n_in = 1 + max((r for st in steps for k, r in st.args if k == IN), default=-1)
        rsteps = [RStep(st.prim, st.args, st.params, st.dtype) for st in steps]
        inputs = list(n.inputs[:n_in])
    elif (n.prim.fuse_kind == "elementwise" and not n.prim.multiple_results and len(n.outs) == 1
          and has_expr(n.prim, n.params) and not any(True for _ in n.subgraphs())):
        inputs, args = [], []
        for a in n.inputs:
            if isinstance(a, Lit) and not a.is_array:
                args.append((CONST, a.value))
            else:
                args.append((IN, len(inputs)))
                inputs.append(a)
        rsteps = [RStep(n.prim, tuple(args), n.params, n.outs[0].dtype)]
        n_in = len(inputs)
    else:
        return None
    if any(not has_expr(s.prim, s.params) or not _supported(s.dtype) for s in rsteps):
        return None
    if any(not _supported(getattr(a, "dtype", None) if not isinstance(a, Lit) else a.value.dtype)
           for a in inputs):
        return None
    if n.outs[0].dtype == object or n.outs[0].is_dynamic:
        return None
    rsteps, inputs = _inline_scalars(rsteps, inputs)
    return Region(rsteps, (len(rsteps) - 1,), len(inputs)), inputs


def _scalar_lit(a: Any) -> Any:
    """The Python value of a 0-d numeric array literal (inlined into the kernel), else None."""
    if isinstance(a, Lit) and a.is_array and isinstance(a.value, np.ndarray) and a.value.ndim == 0 \
            and a.value.dtype.kind in "biuf":
        return a.value.item()
    return None


def _inline_scalars(steps: list, inputs: list) -> tuple[list, list]:
    """0-d constant inputs become inline constants of the steps reading them (the value is
    the same in the step's type: the step's dtype already accounts for the promotion)."""
    values = {k: _scalar_lit(a) for k, a in enumerate(inputs)}
    values = {k: v for k, v in values.items() if v is not None}
    if not values:
        return steps, inputs
    keep = [k for k in range(len(inputs)) if k not in values]
    new_index = {k: j for j, k in enumerate(keep)}
    out = []
    for st in steps:
        args = tuple((CONST, values[r]) if kind == IN and r in values else (IN, new_index[r]) if kind == IN
                     else (kind, r) for kind, r in st.args)
        out.append(RStep(st.prim, args, st.params, st.dtype))
    return out, [inputs[k] for k in keep]


def to_regions(g: Graph) -> Graph:
    nodes = []
    for n in g.nodes:
        got = _region_of(n)
        if got is None:
            nodes.append(n)
            continue
        region, inputs = got
        nodes.append(Node(gpu_region_p, tuple(inputs), {"region": region}, n.outs, n.loc))
    return _copy(g, nodes)


# ---- random draws into the regions that read them -------------------------------------------------------
def _uses(g: Graph) -> dict[int, int]:
    uses: dict[int, int] = {}
    for a in [a for n in g.nodes for a in n.inputs] + list(g.outputs):
        if isinstance(a, Var):
            uses[id(a)] = uses.get(id(a), 0) + 1
    return uses


def _is_region(n: Node) -> bool:
    return n.prim is gpu_region_p


def absorb_draws(g: Graph) -> Graph:
    uses = _uses(g)
    prod = {id(o): i for i, n in enumerate(g.nodes) for o in n.outs}
    drop: set[int] = set()
    new_nodes: dict[int, Node] = {}
    for i, n in enumerate(g.nodes):
        if not _is_region(n) or n.params["region"].segments != 1:
            continue
        region, inputs = n.params["region"], list(n.inputs)
        shape = n.outs[0].shape
        draws = dict(region.draws)
        for k, a in enumerate(inputs):
            p = prod.get(id(a)) if isinstance(a, Var) else None
            if p is None or p in drop or g.nodes[p].prim.name not in _DRAWS:
                continue
            if uses[id(a)] != 1 or tuple(a.shape) != tuple(shape) or any(tuple(o.shape) != shape for o in n.outs):
                continue
            if sum(1 for b in inputs if b is a) != 1:
                continue
            draw_node = g.nodes[p]
            inputs[k] = draw_node.inputs[0]  # the key
            draws[k] = Draw(draw_node.prim, draw_node.params)
            drop.add(p)
        if len(draws) != len(region.draws):
            new_nodes[i] = Node(gpu_region_p, tuple(inputs), {"region": region.replace(draws=draws)}, n.outs, n.loc)
    nodes = []
    for i, n in enumerate(g.nodes):
        if i in drop:
            continue
        n = new_nodes.get(i, n)
        if n.prim.name in _DRAWS and not n.outs[0].is_dynamic and _supported(n.outs[0].dtype):
            n = _lone_draw(n)
        nodes.append(n)
    return _copy(g, nodes)


def _lone_draw(n: Node) -> Node:
    """A draw no region absorbed: a region of its own (its value, cast to its dtype)."""
    from ...ops.math import cast_p
    dtype = n.params["dtype"]
    region = Region([RStep(cast_p, ((IN, 0),), {"dtype": dtype}, n.outs[0].dtype)], (0,), 1,
                    draws={0: Draw(n.prim, n.params)})
    return Node(gpu_region_p, (n.inputs[0],), {"region": region}, n.outs, n.loc)


# ---- multi-output regions -------------------------------------------------------------------------
def cluster(g: Graph) -> Graph:
    """Merge each region into the region of the same shape that reads it, when every other
    reader of its values comes after that consumer (so the merged node, placed at the
    consumer, still precedes them all). Repeats until nothing merges."""
    changed = True
    while changed:
        g, changed = _cluster_once(g)
    return g


def _readers(g: Graph) -> dict[int, list[int]]:
    readers: dict[int, list[int]] = {}
    for i, n in enumerate(g.nodes):
        for a in n.inputs:
            if isinstance(a, Var):
                readers.setdefault(id(a), []).append(i)
    return readers


def _cluster_once(g: Graph) -> tuple[Graph, bool]:
    prod = {id(o): i for i, n in enumerate(g.nodes) for o in n.outs}
    readers = _readers(g)
    outputs = {id(a) for a in g.outputs if isinstance(a, Var)}
    for c, cn in enumerate(g.nodes):
        if not _is_region(cn) or cn.params["region"].segments != 1:
            continue
        shape = cn.outs[0].shape
        for a in cn.inputs:
            p = prod.get(id(a)) if isinstance(a, Var) else None
            if p is None or not _is_region(g.nodes[p]):
                continue
            pn = g.nodes[p]
            if pn.params["region"].segments != 1 or any(o.shape != shape for o in pn.outs):
                continue
            if any(r != c and r < c for o in pn.outs for r in readers.get(id(o), ())):
                continue  # read by a node between producer and consumer
            merged = _merge(pn, cn, readers, outputs, c)
            nodes = [n for i, n in enumerate(g.nodes) if i != p]
            nodes[nodes.index(cn)] = merged
            return _copy(g, nodes), True
    return g, False


def _merge(pn: Node, cn: Node, readers: dict, outputs: set, c: int) -> Node:
    """One region computing pn's and cn's steps; pn's values read only by cn become internal."""
    pr, cr = pn.params["region"], cn.params["region"]
    inputs = list(pn.inputs)
    draws = dict(pr.draws)

    def input_index(a: Any, draw: Any) -> int:
        for k, b in enumerate(inputs):
            if b is a and draws.get(k) == draw:
                return k
        inputs.append(a)
        if draw is not None:
            draws[len(inputs) - 1] = draw
        return len(inputs) - 1

    pout = {id(o): pr.outs[j] for j, o in enumerate(pn.outs)}
    steps = list(pr.steps)
    base = len(steps)
    cdraws = dict(cr.draws)
    remap = {}
    for k, a in enumerate(cn.inputs):
        if isinstance(a, Var) and id(a) in pout and k not in cdraws:
            remap[k] = (STEP, pout[id(a)])
        else:
            remap[k] = (IN, input_index(a, cdraws.get(k)))
    for st in cr.steps:
        args = tuple(remap[r] if kind == IN else (STEP, base + r) if kind == STEP else (kind, r) for kind, r in st.args)
        steps.append(RStep(st.prim, args, st.params, st.dtype))
    keep = [(o, pr.outs[j]) for j, o in enumerate(pn.outs)
            if id(o) in outputs or any(r != c for r in readers.get(id(o), ()))]
    outs = [s for _, s in keep] + [base + s for s in cr.outs]
    region = Region(steps, outs, len(inputs), draws=draws)
    return Node(gpu_region_p, tuple(inputs), {"region": region}, tuple(o for o, _ in keep) + cn.outs, cn.loc)


# ---- in-place state updates and the multi-tensor optimizer update ------------------------------------
def _alias_closure(g: Graph, v: Var) -> set[int]:
    """Ids of v and every value that may share its buffer (outputs of non-fresh readers)."""
    edges: dict[int, list[int]] = {}
    for n in g.nodes:
        if fresh(n) or _is_region(n):
            continue
        for a in n.inputs:
            if isinstance(a, Var):
                edges.setdefault(id(a), []).extend(id(o) for o in n.outs)
    return _aliases(v, edges)


def mark_in_place(g: Graph, state_outs: dict) -> Graph:
    """Regions producing a state output write it into the state's own array when that is
    safe: same shape and dtype, read by the region as a plain operand, and the old value
    (or any view of it) is neither read after the region, nor another operand of it, nor
    returned."""
    prod = {id(o): i for i, n in enumerate(g.nodes) for o in n.outs}
    last = last_uses(g)
    returned = {id(a) for a in g.outputs if isinstance(a, Var)}
    new: dict[int, Node] = {}
    claimed: set[int] = set()
    for out_idx, in_idx in sorted(state_outs.items()):
        v, param = g.outputs[out_idx], g.inputs[in_idx]
        i = prod.get(id(v)) if isinstance(v, Var) else None
        if i is None or not _is_region(g.nodes[i]) or id(param) in claimed:
            continue
        n = new.get(i, g.nodes[i])
        region = n.params["region"]
        pos = list(n.outs).index(v)
        ks = [k for k, a in enumerate(n.inputs) if a is param and k not in dict(region.draws)]
        if (region.segments != 1 or not ks or pos in dict(region.inplace) or v.shape != param.shape
                or v.dtype != param.dtype):
            continue
        alias = _alias_closure(g, param)
        if any(a in returned for a in alias):
            continue
        if any(last.get(a, -1) > i for a in alias):
            continue
        if any(isinstance(b, Var) and id(b) in alias and b is not param for b in n.inputs):
            continue
        inplace = dict(region.inplace)
        inplace[pos] = ks[0]
        new[i] = Node(gpu_region_p, n.inputs, {"region": region.replace(inplace=inplace)}, n.outs, n.loc)
        claimed.add(id(param))
    return _copy(g, [new.get(i, n) for i, n in enumerate(g.nodes)])


def group_updates(g: Graph) -> Graph:
    """Identical regions whose every output is an in-place state update read by no node
    (the optimizer's per-parameter updates) become one multi-tensor region, placed at the
    last member (the update runs after everything that reads the old values)."""
    readers = _readers(g)
    cands: dict[Region, list[int]] = {}
    for i, n in enumerate(g.nodes):
        if not _is_region(n):
            continue
        r = n.params["region"]
        if r.segments != 1 or r.draws or len(r.inplace) != len(r.outs) or not r.outs:
            continue
        if any(readers.get(id(o)) for o in n.outs):
            continue
        cands.setdefault(r, []).append(i)
    merged: dict[int, Node] = {}
    gone: set[int] = set()
    for region, members in cands.items():
        if len(members) < 2:
            continue
        targets = [{id(n.inputs[k]) for _, k in region.inplace} for n in (g.nodes[i] for i in members)]
        ins = [{id(a) for a in g.nodes[i].inputs if isinstance(a, Var)} for i in members]
        if any(t & ins[j] for a, t in enumerate(targets) for j in range(len(members)) if j != a):
            continue  # one member reads what another overwrites
        nodes = [g.nodes[i] for i in members]
        inputs = tuple(a for n in nodes for a in n.inputs)
        outs = tuple(o for n in nodes for o in n.outs)
        merged[members[-1]] = Node(gpu_region_p, inputs, {"region": region.replace(segments=len(members))}, outs,
                                   nodes[-1].loc)
        gone.update(members[:-1])
    if not merged:
        return g
    return _copy(g, [merged.get(i, n) for i, n in enumerate(g.nodes) if i not in gone])


def region_nodes(g: Graph) -> list[Node]:
    return [n for n in g.nodes if _is_region(n)]
