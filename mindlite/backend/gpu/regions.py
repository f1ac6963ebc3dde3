"""Elementwise regions on the GPU: one generated kernel per region.

A `gpu_region` node (made by lower.py from the optimised IR) computes one or more outputs of
a chain of elementwise primitives. Its `Region` param holds the steps (primitive, operand
references, params, dtype - the same encoding as passes/fuse.py's `FusedSteps`), which step
values are outputs, the inputs that are random-number keys (a `bernoulli` or `uniform` draw
computed inside the kernel, from the same counter-based stream as the host), the outputs
written into an input's array (an in-place parameter update), and the number of segments:
several identical regions over different tensors (the optimizer's per-parameter updates)
grouped into one multi-tensor launch.

On a device runner (runtime.py) the region becomes one kernel generated from the steps'
scalar expressions (`Primitive.expr`, or `EXPRS` here for parameterised primitives)
through the one generator, backend/codegen_cuda.py: `strided_kernel` specialised to the
operands' shapes, strides and dtypes, or `multi_tensor_kernel` for segments. Plans are
cached by (region, operand signature); kernels by source hash and arch (runtime.py).
Without a runner (numpy) the node runs its steps' own impls: the reference the kernels are
tested against, and what makes the lowered graph runnable anywhere.
"""
from __future__ import annotations

from mindlite.core.prim import UnsupportedError

import hashlib
import threading
from typing import Any, Sequence

import numpy as np

from .. import codegen_cuda as cg
from ...core.prim import Aval, Primitive
from ...passes.cse import freeze
from .runtime import record_path, runner_for

IN, STEP, CONST = 0, 1, 2  # operand kinds, as in passes/fuse.py


# ---- expressions of primitives that have no fixed one -------------------------------------------
def _gelu_expr(params: dict) -> str:
    if params.get("approximate", "none") == "tanh":
        return "0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))"
    return "0.5 * x * (1 + erf(x * 0.7071067811865476))"


EXPRS: dict[str, Any] = {"gelu": _gelu_expr}  # primitive name -> expr(params)

# Where a primitive's own expression is not numpy's semantics for some operand types:
# integer floor division and modulo round toward -inf (C's `/` truncates, and `floor` of an
# integer quotient is too late), logical_xor compares truth values, not values.
_INT_OVERRIDES = {"floor_div": "te_floordiv(x, y)", "mod": "te_mod(x, y)"}
_OVERRIDES = {"logical_xor": "!x != !y"}


def expr_of(step: Any) -> str | None:
    """The scalar expression of a step: an override where the primitive's own is not exact
    for the step's types, else the primitive's `expr`, else one from `EXPRS`."""
    name = step.prim.name
    if name in _INT_OVERRIDES and np.dtype(step.dtype).kind in "iu":
        return _INT_OVERRIDES[name]
    if name in _OVERRIDES:
        return _OVERRIDES[name]
    if step.prim.expr is not None:
        return step.prim.expr
    fn = EXPRS.get(name)
    return fn(step.params) if fn is not None else None


def has_expr(prim: Any, params: dict) -> bool:
    return prim.expr is not None or prim.name in EXPRS


# ---- the region ----------------------------------------------------------------------------------------
class RStep:
    """One primitive application of a region (hashable by structure, not by shape)."""

    __slots__ = ("_key", "args", "dtype", "params", "prim")

    def __init__(self, prim: Any, args: tuple, params: dict, dtype: Any) -> None:
        self.prim, self.args, self.params, self.dtype = prim, tuple(args), dict(params), np.dtype(dtype)
        self._key = (prim.name, freeze(self.args), freeze(self.params), self.dtype.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RStep) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def text(self, j: int) -> str:
        ops = [f"i{p}" if k == IN else f"s{p}" if k == STEP else repr(p) for k, p in self.args]
        ops += [f"{k}={getattr(v, 'name', v)!s}" for k, v in self.params.items()]
        return f"s{j}={self.prim.name}({', '.join(ops)})"


class Draw:
    """A region input that is a random-number key: the value used is `prim`'s draw
    (bernoulli or uniform) of the region's shape from that key, made inside the kernel."""

    __slots__ = ("_key", "params", "prim")

    def __init__(self, prim: Any, params: dict) -> None:
        self.prim, self.params = prim, dict(params)
        self._key = (prim.name, freeze(self.params))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Draw) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    @property
    def aval(self) -> Aval:
        return Aval(tuple(self.params["shape"]), np.dtype(self.params["dtype"].np))


class Region:
    """The `region` param of a gpu_region node (see the module docstring)."""

    __slots__ = ("__weakref__", "_digest", "_key", "draws", "inplace", "n_in", "outs", "segments", "steps")

    def __init__(self, steps: Sequence[RStep], outs: Sequence[int], n_in: int, draws: dict | None = None,
                 inplace: dict | None = None, segments: int = 1) -> None:
        self.steps, self.outs, self.n_in = tuple(steps), tuple(outs), int(n_in)
        self.draws = tuple(sorted((draws or {}).items()))        # (input index, Draw)
        self.inplace = tuple(sorted((inplace or {}).items()))    # (output position, input index)
        self.segments = int(segments)
        self._key = (self.steps, self.outs, self.n_in, self.draws, self.inplace, self.segments)
        self._digest = ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Region) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def replace(self, **kw: Any) -> Region:
        args = dict(steps=self.steps, outs=self.outs, n_in=self.n_in, draws=dict(self.draws),
                    inplace=dict(self.inplace), segments=self.segments)
        args.update(kw)
        return Region(**args)

    @property
    def digest(self) -> str:
        """A stable hash of the region's structure (kernel names, cache keys)."""
        if not self._digest:
            self._digest = hashlib.sha1(repr(self).encode()).hexdigest()[:16]
        return self._digest

    def __repr__(self) -> str:
        parts = "; ".join(s.text(j) for j, s in enumerate(self.steps))
        extra = [f"outs={list(self.outs)}"]
        if self.draws:
            extra.append("draws={" + ", ".join(f"i{k}: {d.prim.name}" for k, d in self.draws) + "}")
        if self.inplace:
            extra.append("inplace={" + ", ".join(f"o{o}->i{i}" for o, i in self.inplace) + "}")
        if self.segments > 1:
            extra.append(f"segments={self.segments}")
        return f"[{parts}] {' '.join(extra)}"


# ---- shape rule and numpy reference ----------------------------------------------------------------
def _segment_avals(region: Region, avals: Sequence[Any]) -> list:
    ins = list(avals)
    for k, d in region.draws:
        ins[k] = d.aval
    vals: list = []
    for st in region.steps:
        ops = [ins[r] if kind == IN else vals[r] if kind == STEP else r for kind, r in st.args]
        vals.append(st.prim.infer(*ops, **st.params))
    return [vals[j] for j in region.outs]


def _region_infer(*avals: Any, region: Region) -> tuple:
    n = region.n_in
    return tuple(a for s in range(region.segments) for a in _segment_avals(region, avals[s * n:(s + 1) * n]))


def _reference(xp: Any, region: Region, arrays: Sequence[Any]) -> list:
    """The steps' own impls, segment by segment (the semantics every kernel must match)."""
    out = []
    n = region.n_in
    inplace = dict(region.inplace)
    for s in range(region.segments):
        ins = list(arrays[s * n:(s + 1) * n])
        for k, d in region.draws:
            ins[k] = d.prim.impl(xp, ins[k], **d.params)
        vals: list = []
        for st in region.steps:
            ops = [ins[r] if kind == IN else vals[r] if kind == STEP else r for kind, r in st.args]
            v = st.prim.impl(xp, *ops, **st.params)
            if getattr(v, "dtype", st.dtype) != st.dtype:  # e.g. numpy's exp of bfloat16 answers bfloat16
                v = v.astype(st.dtype)                       # where the graph says float32: the graph wins
            vals.append(v)
        for pos, j in enumerate(region.outs):
            v = vals[j]
            target = arrays[s * n + inplace[pos]] if pos in inplace else None
            if target is not None and getattr(getattr(target, "flags", None), "writeable", False):
                target[...] = v
                v = target
            elif any(v is a for a in arrays):
                v = v.copy()  # e.g. a same-dtype cast returns its operand: outputs are fresh
            out.append(v)
    return out


def _region_impl(xp: Any, *arrays: Any, region: Region) -> list:
    runner = runner_for(xp)
    if runner is None:
        return _reference(xp, region, arrays)
    return launch(runner, region, arrays)


gpu_region_p = Primitive("gpu_region", _region_impl, _region_infer, multiple_results=True)
# NOTE: no bprop: gpu_region nodes exist only in graphs lowered for running (lower.py runs
# after autodiff; gradients are taken of the captured graph, never of a lowered one).


# ---- device launch ----------------------------------------------------------------------------------
_PLANS: dict[tuple, Any] = {}
_PLAN_LOCK = threading.Lock()


def _elem_strides(a: Any, shape: tuple) -> tuple:
    """`a`'s strides in elements, aligned to (broadcast into) `shape`."""
    a_shape, a_strides = tuple(getattr(a, "shape", ())), tuple(getattr(a, "strides", ()))
    item = np.dtype(a.dtype).itemsize
    lead = len(shape) - len(a_shape)
    out = [0] * lead
    for d, (n, st) in enumerate(zip(a_shape, a_strides)):
        out.append(0 if n == 1 else st // item)
    return tuple(out)


def _in_nodes(region: Region, dtypes: Sequence[Any], shape: tuple) -> tuple[list, list]:
    """The DAG's "in" node per region input (draws become their value) and the rng operands."""
    draws = dict(region.draws)
    nodes, rng = [], []
    for k, dt in enumerate(dtypes):
        if k not in draws:
            nodes.append(cg.CNode("in", value=f"a{k}", dtype=cg.compute_dtype(dt)))
            continue
        d = draws[k]
        out_dt = np.dtype(d.params["dtype"].np)
        comp = cg.compute_dtype(out_dt)
        if d.prim.name == "bernoulli":  # numpy: random(float32) < p, as 0/1 of dtype
            u = cg.CNode("in", value=f"r{k}", dtype=np.float32)
            keep = cg.CNode("lt", [u, cg.CNode("const", value=float(np.float32(d.params["p"])), dtype=np.float32)],
                            dtype=bool)
            one, zero = cg.CNode("const", value=1, dtype=comp), cg.CNode("const", value=0, dtype=comp)
            nodes.append(cg.CNode("select", [keep, one, zero], dtype=comp))
            rng.append((f"r{k}", f"k{k}", "f32"))
        elif d.prim.name == "uniform":  # numpy: low + (high - low) * random(float64), then astype
            u = cg.CNode("in", value=f"r{k}", dtype=np.float64)
            lo = cg.CNode("const", value=float(d.params["minval"]), dtype=np.float64)
            span = cg.CNode("const", value=float(d.params["maxval"]) - float(d.params["minval"]), dtype=np.float64)
            val = cg.CNode("add", [lo, cg.CNode("mul", [span, u], dtype=np.float64)], dtype=np.float64)
            nodes.append(cg.round_half(cg.CNode("cast", [val], dtype=comp), out_dt))
            rng.append((f"r{k}", f"k{k}", "f64"))
        else:
            raise UnsupportedError(f"gpu_region: no device draw for {d.prim.name}")
    return nodes, rng


def _out_dags(region: Region, nodes: list) -> list:
    vals: list = []
    cg.dag_from_steps(region.steps, nodes, expr_of=expr_of, widen_half=True, values=vals)
    return [vals[j] for j in region.outs]


def _signature(arrays: Sequence[Any]) -> tuple:
    return tuple((tuple(a.shape), tuple(a.strides), np.dtype(a.dtype).str) for a in arrays)


def launch(runner: Any, region: Region, arrays: Sequence[Any]) -> list:
    """Run a region on a device runner: one kernel (one per segment when the segments do
    not fit the multi-tensor form)."""
    if region.segments > 1:
        got = _launch_multi(runner, region, arrays)
        if got is not None:
            return got
    out: list = []
    n = region.n_in
    for s in range(region.segments):
        out += _launch_one(runner, region, list(arrays[s * n:(s + 1) * n]))
    return out


def _launch_one(runner: Any, region: Region, ins: list) -> list:
    xp = runner.xp
    key = ("one", region, _signature(ins), runner.arch)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _plan_one(region, ins)
        with _PLAN_LOCK:
            _PLANS[key] = plan
    kernel, avals, aliased_inputs = plan
    inplace = dict(region.inplace)
    outs = [ins[inplace[p]] if p in inplace else xp.empty(av.shape, av.dtype) for p, av in enumerate(avals)]
    draws = dict(region.draws)
    args = [a for k, a in enumerate(ins) if k not in draws] + [ins[k] for k, _ in region.draws] + outs
    runner.launch(kernel, args)
    return outs


def _plan_one(region: Region, ins: list) -> tuple:
    avals = _segment_avals(region, [Aval(tuple(a.shape), np.dtype(a.dtype)) for a in ins])
    shape = tuple(avals[0].shape)
    if any(tuple(av.shape) != shape for av in avals):
        raise ValueError(f"gpu_region: outputs of one region must share a shape, got {[av.shape for av in avals]}")
    draws = dict(region.draws)
    nodes, rng = _in_nodes(region, [a.dtype for a in ins], shape)
    dags = _out_dags(region, nodes)
    inplace = dict(region.inplace)
    inputs = [(f"a{k}", a.dtype, _elem_strides(a, shape)) for k, a in enumerate(ins) if k not in draws]
    outputs = []
    for p, (av, node) in enumerate(zip(avals, dags)):
        st = _elem_strides(ins[inplace[p]], shape) if p in inplace else cg.contiguous_strides(shape)
        outputs.append((f"y{p}", av.dtype, node, st))
    aliased = [f"a{i}" for i in inplace.values()] + [f"y{p}" for p in inplace]
    name = f"region_{region.digest}_{_sig_hash(ins)}"
    kernel = cg.strided_kernel(name, shape, inputs, outputs, rng=rng, aliased=aliased)
    record_path("elementwise region", "generated kernel")
    return kernel, avals, aliased


def _sig_hash(arrays: Sequence[Any]) -> str:
    return hashlib.sha1(repr(_signature(arrays)).encode()).hexdigest()[:8]


# ---- multi-tensor ---------------------------------------------------------------------------------------
def _operand_kinds(region: Region, ins: Sequence[Any], shape: tuple) -> tuple | None:
    """Per input: "e" (one element per output element, C-contiguous) or "s" (one element);
    None if an input is neither (broadcast along some axes, strided) or is a draw."""
    if region.draws:
        return None
    kinds = []
    for a in ins:
        if a.size == 1:
            kinds.append("s")
        elif tuple(a.shape) == shape and _c_contiguous(a):
            kinds.append("e")
        else:
            return None
    return tuple(kinds)


def _c_contiguous(a: Any) -> bool:
    return bool(a.flags.c_contiguous)


def _launch_multi(runner: Any, region: Region, arrays: Sequence[Any]) -> list | None:
    """All segments in one launch over a table of per-chunk pointers. Only for regions whose
    outputs are written in place (state updates: their arrays are the same every step, so
    the table built on the first call stays valid, also inside a captured CUDA graph).
    Returns None when the segments do not fit that form."""
    n = region.n_in
    inplace = dict(region.inplace)
    if len(inplace) != len(region.outs):
        return None
    segs = [list(arrays[s * n:(s + 1) * n]) for s in range(region.segments)]
    kinds = None
    for ins in segs:
        shape = tuple(ins[inplace[0]].shape)
        k = _operand_kinds(region, ins, shape)
        if k is None or (kinds is not None and k != kinds):
            return None
        if any(not _c_contiguous(ins[i]) for i in inplace.values()):
            return None
        kinds = k
    dtypes = tuple(np.dtype(a.dtype).str for a in segs[0])
    if any(tuple(np.dtype(a.dtype).str for a in ins) != dtypes for ins in segs):
        return None
    key = ("multi", region, kinds, dtypes, runner.arch)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _plan_multi(region, segs[0], kinds)
        with _PLAN_LOCK:
            _PLANS[key] = plan
    kernel, order = plan
    ptrs = tuple(tuple(runner.pointer(ins[k]) for k in order) + tuple(runner.pointer(ins[inplace[p]])
                                                                      for p in range(len(region.outs)))
                 for ins in segs)
    sizes = tuple(int(ins[inplace[0]].size) for ins in segs)
    table = _TABLES.get((id(plan), ptrs, sizes))
    if table is None:
        itemsizes = [0 if kinds[k] == "s" else np.dtype(segs[0][k].dtype).itemsize for k in order]
        itemsizes += [np.dtype(segs[0][inplace[p]].dtype).itemsize for p in range(len(region.outs))]
        host = cg.multi_tensor_table(sizes, ptrs, itemsizes)
        table = (runner.to_device(host), len(host))
        _TABLES[(id(plan), ptrs, sizes)] = table
    runner.launch(kernel, [table[0], table[1]], blocks=table[1])
    return [ins[inplace[p]] for ins in segs for p in range(len(region.outs))]


_TABLES: dict[tuple, Any] = {}


def _plan_multi(region: Region, ins: list, kinds: tuple) -> tuple:
    nodes = [cg.CNode("in", value=f"a{k}", dtype=cg.compute_dtype(a.dtype)) for k, a in enumerate(ins)]
    dags = _out_dags(region, nodes)
    inplace = dict(region.inplace)
    elems = [(f"a{k}", ins[k].dtype) for k in range(len(ins)) if kinds[k] == "e"]
    scalars = [(f"a{k}", ins[k].dtype) for k in range(len(ins)) if kinds[k] == "s"]
    order = [k for k in range(len(ins)) if kinds[k] == "e"] + [k for k in range(len(ins)) if kinds[k] == "s"]
    outputs = [(f"y{p}", ins[inplace[p]].dtype, node) for p, node in enumerate(dags)]
    tag = hashlib.sha1(repr((kinds, [np.dtype(a.dtype).str for a in ins])).encode()).hexdigest()[:8]
    kernel = cg.multi_tensor_kernel(f"mt_{region.digest}_{tag}", elems, scalars, outputs)
    record_path("optimizer update", "multi-tensor kernel", f"{region.segments} tensors, one launch")
    return kernel, order
