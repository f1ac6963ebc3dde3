"""Elementwise fusion: trees of `fuse_kind == "elementwise"` nodes whose intermediate
values are used only inside the tree become one `fused_elementwise` node.

The fused node's params hold its `steps` (a `FusedSteps`: per step the primitive, its
operand references, params, and a buffer planned at fusion time). Its impl runs
the steps writing into `out=` buffers that are reused across steps, so a chain like
`relu(x*y + 1)` allocates one array instead of three (PERF_NOTES: half the time of the
allocating form). A GPU backend can instead generate one kernel from `steps.exprs`
(each step's scalar expression).

On numpy a large fused node runs in blocks of ~128k elements along the output's outermost
memory axes (ops/cpu_kernels.py): each block's temporaries stay in cache, and the blocks
are shared out over mindlite's thread pool (core/threads.py), whose chunks are claimed
dynamically, so a busy second core costs little. (An earlier fixed two-halves split over a
2-thread pool lost on the shared machine: the second core was rarely free.) Temporaries take
the memory layout of a same-shaped operand, so channels-last tensors stay channels-last.

Fusion runs after autodiff, yet an optimised graph can still be differentiated (`grad`
of a `jit` function in PYNATIVE mode), so the fused primitive's bprop replays its steps'
bprops.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core import threads
from ..core.dims import is_static, typical
from ..ir.graph import Graph, Lit, Node, Var, aval_of_atom
from ..ops.cpu_kernels import block_of, elementwise_blocks
from ..ops.registry import Primitive
from .cse import freeze
from .outimpl import def_impl_out, impl_out, usable
from .rewrite import Builder

IN, STEP, CONST = 0, 1, 2  # operand kinds of a step: fused-node input k, earlier step j, inline constant


class Step:
    """One primitive application inside a fused node."""

    __slots__ = ("args", "buf", "dtype", "into", "params", "prim", "shape")

    def __init__(self, prim: Any, args: tuple, params: dict, out: Var) -> None:
        self.prim, self.args, self.params = prim, args, params
        self.shape, self.dtype = out.shape, out.dtype
        self.buf = -1       # buffer index, or -1: run the allocating impl
        self.into: Any = None  # impl_out entry when buf >= 0

    def key(self) -> tuple:
        return (self.prim, freeze(self.args), freeze(self.params), self.buf)

    def text(self, j: int) -> str:
        ops = [f"i{p}" if k == IN else f"s{p}" if k == STEP else repr(p) for k, p in self.args]
        ops += [f"{k}={getattr(v, 'name', v) if type(v).__name__ == 'Type' else repr(v)}"
                for k, v in self.params.items()]
        return f"s{j}={self.prim.name}({', '.join(ops)})"


class FusedSteps:
    """The `steps` param of a fused node: hashable (for cse) and printed in one line."""

    __slots__ = ("__weakref__", "_fn", "dtype", "n_bufs", "shape", "steps")

    def __init__(self, steps: tuple, n_bufs: int) -> None:
        self.steps, self.n_bufs = steps, n_bufs
        self.shape, self.dtype = steps[-1].shape, steps[-1].dtype
        self._fn: Any = None

    def compiled(self) -> Any:
        """The steps as one generated Python function `fn(xp, *inputs, out=None)` (made on
        first use): straight-line calls halve the per-call overhead of interpreting the steps."""
        if self._fn is None:
            self._fn = _generate(self)
        return self._fn

    @property
    def exprs(self) -> tuple:
        """Each step's scalar expression (`Primitive.expr`, None where it has none)."""
        return tuple(s.prim.expr for s in self.steps)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FusedSteps) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def _key(self) -> tuple:
        return tuple(s.key() for s in self.steps)

    def __repr__(self) -> str:
        return "[" + "; ".join(s.text(j) for j, s in enumerate(self.steps)) + "]"


# ---- the primitive ---------------------------------------------------------------------------
def _generate(fs: FusedSteps) -> Any:
    """Source of `fused(xp, *inputs, out=None, alias=False)`: one straight-line call per step.

    The result's buffer is `out` when given; steps before the last may use it as their
    scratch buffer too, unless `alias` (out is one of the inputs, an in-place update):
    then they get their own and only the last step writes `out`. With `blk` (a block of the
    arrays) or for 4-D values (whose layout may be channels-last) buffers are allocated from
    the operands at run time (`_buf`), else from the static shapes."""
    n_in = 1 + max((p for st in fs.steps for k, p in st.args if k == IN), default=-1)
    ns: dict[str, Any] = {"_buf": _buf}
    lines = [f"def fused(xp, {''.join(f'i{k}, ' for k in range(n_in))}out=None, alias=False, blk=False):"]
    last = len(fs.steps) - 1
    final = fs.steps[last].buf
    made: set[int] = set()
    for j, st in enumerate(fs.steps):
        ops = []
        for q, (k, p) in enumerate(st.args):
            ns[f"c{j}_{q}"] = p
            ops.append(f"i{p}" if k == IN else f"s{p}" if k == STEP else f"c{j}_{q}")
        ns[f"f{j}"], ns[f"k{j}"], ns[f"S{j}"], ns[f"D{j}"] = st.into or st.prim.impl, st.params, st.shape, st.dtype
        if st.buf < 0:
            lines.append(f"    s{j} = f{j}(xp, {', '.join(ops)}, **k{j})")
            continue
        new = f"_buf(xp, D{j}, {', '.join(ops)})"  # runtime shape (a block) and layout (4-D: channels-last?)
        if len(st.shape) != 4 and is_static(st.shape):  # run-time sizes: from the operands
            new = f"({new} if blk else xp.empty(S{j}, D{j}))"
        if st.buf == final and j == last and final not in made:
            target = f"{new} if out is None else out"
        elif st.buf == final:
            if final not in made:
                lines.append(f"    b{final} = {new} if out is None or alias else out")
            target = f"out if alias else b{final}" if j == last else f"b{final}"
        else:
            if st.buf not in made:
                lines.append(f"    b{st.buf} = {new}")
            target = f"b{st.buf}"
        made.add(st.buf)
        lines.append(f"    s{j} = f{j}(xp, {', '.join(ops)}, out={target})")
    if final < 0:
        lines += ["    if out is not None:", f"        out[...] = s{last}", f"        s{last} = out"]
    lines.append(f"    return s{last}")
    exec(compile("\n".join(lines) + "\n", "<fused_elementwise>", "exec"), ns)  # noqa: S102 - generated here
    return ns["fused"]


def _buf(xp: Any, dtype: Any, *ops: Any) -> Any:
    """An empty array of the operands' broadcast shape, laid out like a same-shaped operand
    (numpy's `empty_like` keeps a channels-last layout), else C-ordered."""
    shape = np.broadcast_shapes(*(getattr(o, "shape", ()) for o in ops))
    if xp is np:
        for o in ops:
            if getattr(o, "shape", None) == shape and len(shape) > 1 and not o.flags.c_contiguous:
                return np.empty_like(o, dtype=dtype)
    return xp.empty(shape, dtype)


def _like_inputs(args: tuple, shape: tuple, dtype: Any) -> Any:
    """The result buffer of a fused node, laid out like its first same-shaped input."""
    for a in args:
        if getattr(a, "shape", None) == shape and isinstance(a, np.ndarray):
            return np.empty_like(a, dtype=dtype)
    return np.empty(shape, dtype)


def _in_blocks(xp: Any, args: tuple, out: Any, steps: FusedSteps, alias: bool) -> Any:
    """Run the steps block by block over the thread pool (numpy, large results), or None
    when the node is too small to split."""
    if xp is not np or steps.shape == ():
        return None
    shape = steps.shape if is_static(steps.shape) else np.broadcast_shapes(*(getattr(a, "shape", ()) for a in args))
    if math.prod(shape) < 4 * (1 << 17):
        return None
    target = _like_inputs(args, shape, steps.dtype) if out is None else out
    blocks = elementwise_blocks(target)
    if blocks is None:
        return None
    fn, shape = steps.compiled(), target.shape

    def block(k: int) -> None:
        idx = blocks[k]
        fn(xp, *(block_of(a, shape, idx) for a in args), out=target[idx], alias=alias, blk=True)
    threads.parallel_for(len(blocks), block)
    return target


def _fused_impl(xp: Any, *args: Any, steps: FusedSteps) -> Any:
    res = _in_blocks(xp, args, None, steps, False)
    if res is not None:
        return res
    res = steps.compiled()(xp, *args)
    return res.copy() if any(res is a for a in args) else res  # e.g. a same-dtype cast: make it fresh


def _fused_into(xp: Any, *args: Any, out: Any, steps: FusedSteps) -> Any:
    alias = any(a is out for a in args)
    res = _in_blocks(xp, args, out, steps, alias)
    return res if res is not None else steps.compiled()(xp, *args, out=out, alias=alias)


def _fused_infer(*avals: Any, steps: FusedSteps) -> Any:
    vals: list = []
    for st in steps.steps:
        vals.append(st.prim.infer(*_operands(st, avals, vals), **st.params))
    return vals[-1]


fused_elementwise_p = Primitive("fused_elementwise", _fused_impl, _fused_infer)
def_impl_out(fused_elementwise_p, _fused_into)


@fused_elementwise_p.def_bprop
def _fused_bprop(*args: Any, out: Any, dout: Any, steps: FusedSteps) -> tuple:
    """Backward of a fused node = the steps' own bprops in reverse (R2: mindlite ops only).

    NOTE: fusion runs after autodiff, but `grad` of a `jit` function in PYNATIVE mode
    differentiates a graph the passes may have fused, so a fused node must be
    differentiable. The intermediates are recomputed from the inputs (rematerialised)."""
    from ..core.ad import call_bprop
    from ..core.trace import bind
    vals: list = []
    for st in steps.steps:
        vals.append(bind(st.prim, *_operands(st, args, vals), **st.params))
    cts: dict[int, Any] = {len(vals) - 1: dout}
    grads: list = [None] * len(args)
    for j in reversed(range(len(vals))):
        st = steps.steps[j]
        if j not in cts or st.prim.bprop is None:
            continue
        ops_ = _operands(st, args, vals)
        needs = tuple(k in (IN, STEP) for k, _ in st.args)
        got = call_bprop(st.prim, ops_, vals[j], cts[j], st.params, needs)
        for (k, p), gr in zip(st.args, got):
            if gr is not None and k == STEP:
                cts[p] = gr if p not in cts else cts[p] + gr
            elif gr is not None and k == IN:
                grads[p] = gr if grads[p] is None else grads[p] + gr
    return tuple(grads)


def _operands(st: Step, args: tuple, vals: list) -> list:
    return [args[p] if k == IN else vals[p] if k == STEP else p for k, p in st.args]


# ---- the pass ----------------------------------------------------------------------------------
# Optional group rules (R4): a family of primitives that can turn a whole fused group into one
# primitive of its own registers `rule(steps, inputs) -> (prim, params) | None` here (te merges
# a group of te ops into one generated kernel). The first rule that answers wins; by default
# a group becomes a `fused_elementwise` node.
GROUP_RULES: list = []


def _merge_group(steps: FusedSteps, inputs: list) -> tuple | None:
    for rule in GROUP_RULES:
        got = rule(steps, inputs)
        if got is not None:
            return got
    return None


def _fusible(n: Node) -> bool:
    return (n.prim.fuse_kind == "elementwise" and not n.prim.multiple_results and len(n.outs) == 1
            and n.outs[0].dtype != object and not n.outs[0].unsized
            and not any(True for _ in n.subgraphs()))


def _use_counts(g: Graph) -> dict[int, int]:
    uses: dict[int, int] = {}
    for a in [a for n in g.nodes for a in n.inputs] + list(g.outputs):
        if isinstance(a, Var):
            uses[id(a)] = uses.get(id(a), 0) + 1
    return uses


def _find_groups(g: Graph, min_elems: int) -> list[list[int]]:
    """Maximal trees, grown from each root (walking backwards) through producers whose
    output is used only inside the tree. Returns member indices in order, root last."""
    uses = _use_counts(g)
    prod = {id(o): i for i, n in enumerate(g.nodes) for o in n.outs}
    taken: set[int] = set()
    groups: list[list[int]] = []
    for i in reversed(range(len(g.nodes))):
        root = g.nodes[i]
        if i in taken or not _fusible(root) or typical(root.outs[0].size) < min_elems:
            continue
        group, work = {i}, [i]
        seen: dict[int, int] = {}
        while work:
            for a in g.nodes[work.pop()].inputs:
                p = prod.get(id(a)) if isinstance(a, Var) else None
                if p is None:
                    continue
                seen[id(a)] = seen.get(id(a), 0) + 1
                # NOTE: every use must be inside the group, else the value is needed outside
                if seen[id(a)] == uses[id(a)] and p not in taken and _fusible(g.nodes[p]):
                    group.add(p)
                    work.append(p)
        if len(group) > 1:
            taken |= group
            groups.append(sorted(group))
    return groups


def _build_steps(g: Graph, members: list[int]) -> tuple[list, FusedSteps]:
    """The fused node's operands and steps for one group."""
    pos = {id(g.nodes[i].outs[0]): j for j, i in enumerate(members)}
    inputs: list = []
    steps = []
    for i in members:
        n = g.nodes[i]
        args = []
        for a in n.inputs:
            if isinstance(a, Var) and id(a) in pos:
                args.append((STEP, pos[id(a)]))
            elif isinstance(a, Lit) and not a.is_array:
                args.append((CONST, a.value))  # scalars stay inline: weak typing and codegen want them
            else:
                k = next((k for k, b in enumerate(inputs) if b is a), None)
                if k is None:
                    k = len(inputs)
                    inputs.append(a)
                args.append((IN, k))
        steps.append(Step(n.prim, tuple(args), n.params, n.outs[0]))
    return inputs, FusedSteps(tuple(steps), _plan_buffers(steps, inputs))


def _plan_buffers(steps: list, inputs: list) -> int:
    """Give each step that has an `impl_out` a buffer; a buffer is reused by a later step
    of the same shape and dtype once its value is read for the last time (a step may
    overwrite an operand it reads: ufuncs allow exact overlap). Returns the buffer count."""
    last_read = {j: j for j in range(len(steps))}
    for j, st in enumerate(steps):
        for k, p in st.args:
            if k == STEP:
                last_read[p] = j
    meta: list[tuple] = []      # buffer -> (shape, dtype)
    holder: dict[int, int] = {}  # buffer -> step whose value it holds
    for j, st in enumerate(steps):
        ops = [aval_of_atom(inputs[p]) if k == IN else steps[p] if k == STEP else p for k, p in st.args]
        fn = impl_out(st.prim)
        if fn is None or not usable(st.prim, tuple(ops), st):
            continue
        free = [b for b, h in holder.items() if last_read[h] <= j and meta[b] == (st.shape, st.dtype)]
        st.buf = free[0] if free else len(meta)
        if not free:
            meta.append((st.shape, st.dtype))
        st.into = fn
        holder[st.buf] = j
    return len(meta)


def fuse_elementwise(g: Graph, min_elems: int = 65536) -> Graph:
    """Fuse elementwise trees of g (and of its subgraphs) into `fused_elementwise` nodes.

    Args:
        min_elems: fuse only trees whose result has at least this many elements. NOTE:
            measured on numpy (2-core EPYC): below ~64k float32 elements allocation is cheap
            (malloc reuses memory) and fusion only adds its dispatch; from 1M elements up it
            gains 1.2x, at 6.4M (25 MB) 1.9-2.1x.
    Returns:
        the fused graph (g itself if nothing was fused).
    """
    b = Builder(g, lambda sg: fuse_elementwise(sg, min_elems))
    groups = _find_groups(g, min_elems)
    roots = {grp[-1]: grp for grp in groups}
    members = {i for grp in groups for i in grp[:-1]}
    for i, n in enumerate(g.nodes):
        if i in members:
            continue  # computed inside the fused node placed at its group's root
        if i in roots:
            inputs, steps = _build_steps(g, roots[i])
            merged = _merge_group(steps, inputs)
            prim, params = merged if merged is not None else (fused_elementwise_p, {"steps": steps})
            b.append(Node(prim, tuple(inputs), params, n.outs, n.loc))
            b.changed = True
        else:
            b.append(b.prepare(n))
    return b.finish()
