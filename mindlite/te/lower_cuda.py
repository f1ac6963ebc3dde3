"""Lowering to CUDA through cupy: each elementwise stage (after inlining, so a chain of
te.lang ops is one stage) becomes one `cupy.ElementwiseKernel`, each reduction stage one
`cupy.ReductionKernel` (a sum of products becomes an `einsum`, i.e. cuBLAS). Tensor
accesses are prepared on the host as strided views (slices, transposes, diagonals,
size-1 axes for broadcasting), so the kernel bodies are purely elementwise; cupy does
the indexing. The C text comes from the one generator, mindlite/backend/codegen_cuda.py.
"""
from __future__ import annotations

from mindlite.core.prim import UnsupportedError

from typing import Any, Sequence

import numpy as np

from ..backend import codegen_cuda as cg
from .expr import Access, Axis, Const, Expr, Op, Reduce, ReduceVar, SizeVar, Tensor
from .intrin import OPS, c_function
from .lower_numpy import Program, StageGen, Val, _factors, _register_source, check_inputs, emit_checks
from .simplify import inline
from .visit import free_vars, postorder, tensors, var_order


class _Kernel:
    """A spec whose cupy kernel is made on first call (cupy is imported only then)."""

    def __init__(self, spec: Any) -> None:
        self.spec = spec

    def __call__(self, *args: Any, **kw: Any) -> Any:
        return self.spec.build()(*args, **kw)


class CudaStageGen(StageGen):
    """Emits one stage as host code that prepares views and launches one kernel."""

    def __init__(self, prog: Program, t: Tensor, arrays: dict, kernels: list, raw: list) -> None:
        super().__init__(prog, t, arrays)
        self.kernels, self.raw = kernels, raw

    def leaves(self, body: Expr, frame: tuple) -> tuple[list, dict, list]:
        """Kernel inputs: (name, dtype, view code, variables) per distinct access and variable
        value, each a view of the frame's rank; {id(te node): CNode "in"}; scalar parameters."""
        ins: list = []
        nodes: dict[int, cg.CNode] = {}
        scalars: list = []
        for n in postorder([body], into_indices=False):
            if isinstance(n, SizeVar):
                name = f"s{len(scalars)}"
                scalars.append((name, n.dtype, self.prog.dim(n)))
                nodes[id(n)] = cg.CNode("in", value=name, dtype=n.dtype)
                continue
            if not isinstance(n, (Access, Axis, ReduceVar)):
                continue
            v = self.access(n) if isinstance(n, Access) else self.node(n)
            name = f"v{len(ins)}"
            ins.append((name, n.dtype, _full_rank(v, frame), v.vars))
            nodes[id(n)] = cg.CNode("in", value=name, dtype=n.dtype)
        return ins, nodes, scalars

    def run(self) -> Val:
        t, body = self.t, self.t.body
        axes = tuple(Axis.make(k) for k in range(t.ndim))
        if isinstance(body, Reduce):
            arrays = [f for f in _factors(body.body) if free_vars(f)] if body.kind == "sum" else []
            if len(arrays) >= 2 and all(f.dtype == body.dtype for f in arrays):
                v = self.contraction(body, _factors(body.body))  # cuBLAS through einsum
                return super_finish(self, v, axes)
            frame = axes + tuple(sorted(body.rvars, key=var_order))
            root = body.body
        else:
            frame, root = axes, body
        ins, nodes, scalars = self.leaves(root, frame)
        if not ins:  # a constant stage
            return super().run()
        self._cover(ins, frame)
        value = to_cnode(root, nodes)
        if value.dtype != t.dtype:
            value = cg.CNode("cast", [value], dtype=t.dtype)
        kname = f"{self.prog.name}_s{len(self.kernels)}"
        knl = self.prog.const(None, "K")
        args = [c for _, _, c, _ in ins] + [c for _, _, c in scalars]
        params = [(n, dt) for n, dt, _, _ in ins] + [(n, dt) for n, dt, _ in scalars]
        full = self.prog.shape(t.shape)
        dname = self.prog.const(t.dtype, "D")
        if isinstance(body, Reduce):
            spec = cg.reduction_kernel(kname, params, value, body.kind)
            axis = tuple(range(len(axes), len(frame)))
            out = self.fresh(f"{knl}({', '.join(args)}, axis={axis})", axes, None)
            self.raw.append(cg.spec_sources(spec))
        else:
            spec = cg.elementwise_kernel(kname, params, [("y", t.dtype, value)])
            out = self.fresh(f"xp.empty({full}, {dname})", axes, None)
            self.emit(f"{knl}({', '.join(args)}, {out.code})")
            self.raw.append(cg.raw_kernel_source(kname, [(n, dt) for n, dt, _, _ in ins],
                                                 [("y", t.dtype, value)], [(n, dt) for n, dt, _ in scalars]))
        self.prog.ns[knl] = _Kernel(spec)
        self.kernels.append(spec)
        return out

    def _cover(self, ins: list, frame: tuple) -> None:
        """cupy broadcasts the inputs together: make every frame variable appear in one."""
        covered = {id(x) for *_, vs in ins for x in vs}
        for v in frame:
            if id(v) not in covered:
                val = self.node(v)
                ins.append((f"v{len(ins)}", np.dtype(np.int64), _full_rank(val, frame), val.vars))


def _full_rank(v: Val, frame: tuple) -> str:
    """v as a view of the frame's rank: a size-1 axis wherever it lacks a frame variable."""
    missing = tuple(k for k, x in enumerate(frame) if x not in v.vars)
    if not missing:
        return v.code
    return f"xp.expand_dims({v.code if v.vars else f'xp.asarray({v.code})'}, {missing})"


def super_finish(gen: StageGen, v: Val, axes: tuple) -> Val:
    if v.vars == axes:
        return v
    full = gen.prog.shape(gen.t.shape)
    name = gen.prog.tmp()
    gen.emit(f"{name} = xp.broadcast_to({gen.align(v, axes)}, {full})")
    return Val(name, axes, False)


def to_cnode(e: Expr, leaves: dict) -> cg.CNode:
    """The CNode DAG of a te scalar body whose leaves are kernel inputs."""
    memo: dict[int, cg.CNode] = dict(leaves)
    for n in postorder([e], into_indices=False):
        if id(n) in memo:
            continue
        if isinstance(n, Const):
            memo[id(n)] = cg.CNode("const", value=n.value, dtype=n.dtype)
        elif isinstance(n, Op):
            memo[id(n)] = _op_node(n, [memo[id(a)] for a in n.args])
        else:
            raise UnsupportedError(f"te CUDA lowering: unexpected node {n!r}")
    return memo[id(e)]


def _op_node(n: Op, args: list) -> cg.CNode:
    spec = OPS[n.name]
    # weak constants take the type the operation computes in (numpy's NEP 50)
    compute = np.result_type(*[a.dtype for a, e in zip(args, n.args) if not e.weak] or [n.dtype])
    args = [cg.CNode("const", value=a.value, dtype=compute if spec.kind != "select" else n.dtype)
            if e.weak and isinstance(e, Const) else a for a, e in zip(args, n.args)]
    if spec.kind == "select":
        args[0] = args[0] if args[0].dtype == np.bool_ else cg.CNode("cast", [args[0]], dtype=np.bool_)
        return cg.CNode("select", args, dtype=n.dtype)
    if spec.kind == "cast":
        return cg.CNode("cast", args, dtype=n.dtype)
    if spec.kind == "extern":
        return cg.CNode("call", args, value=c_function(n.name), dtype=n.dtype)
    return cg.CNode(spec.c_op, args, dtype=n.dtype)


class CudaLowered:
    """The CUDA lowering of a te tensor: `.source` (host code and every kernel), `.kernels`
    (the cupy kernel specs), `.raw_sources` (standalone translation units for NVRTC), and
    a call `fn(*cupy_arrays)` (needs cupy and a GPU)."""

    def __init__(self, name: str, host: str, fn: Any, kernels: list, raw: list, inputs: list, out: Tensor) -> None:
        self.name, self.host, self.fn, self.kernels, self.raw_sources = name, host, fn, kernels, raw
        self.inputs, self.out, self.target = inputs, out, "cuda"

    @property
    def source(self) -> str:
        return "\n\n".join([self.host] + [k.source for k in self.kernels])

    def __call__(self, *arrays: Any, out: Any = None) -> Any:
        import cupy
        return self.fn(cupy, *arrays, out=out)


def lower_cuda(out: Tensor, inputs: Sequence[Tensor] | None = None, name: str = "te_kernel") -> CudaLowered:
    """Host code plus cupy kernels computing `out` from `inputs` on a GPU."""
    from .lower_numpy import _finish
    leaves = check_inputs(out, inputs)
    for t in leaves + [out]:
        cg.ctype(t.dtype)  # UnsupportedError for dtypes the generator does not support
    ids = {id(t) for t in leaves}
    norm = inline(out, keep=leaves)
    prog = Program(name, leaves)
    emit_checks(prog, leaves)
    arrays = {id(t): Val(f"a{k}") for k, t in enumerate(leaves)}
    kernels: list = []
    raw: list = []
    result = arrays.get(id(norm), Val("a0"))
    for s in tensors([norm], stop=lambda t: id(t) in ids):
        if id(s) in ids or s.is_placeholder:
            continue
        result = CudaStageGen(prog, s, arrays, kernels, raw).run()
        arrays[id(s)] = result
    body = _finish(prog, result)
    host = f"def {name}(xp, {''.join(f'a{k}, ' for k in range(len(leaves)))}out=None):\n" + \
        "\n".join("    " + line for line in body if line) + "\n"
    ns = dict(prog.ns)
    _register_source(f"<te cuda {name}>", host)
    exec(compile(host, f"<te cuda {name}>", "exec"), ns)  # noqa: S102 - source generated above
    return CudaLowered(name, host, ns[name], kernels, raw, leaves, out)
