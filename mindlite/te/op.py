"""`te.build`: a te tensor becomes a primitive of the one table (R11).

The primitive's shape rule comes from the te shapes (symbolic sizes bind to the inputs'),
its forward is the lowered code (numpy, or generated CUDA kernels when the device is a
GPU), and its bprop applies primitives that are themselves built from
`te.differentiate`, lazily, so `grad(grad(op))` works to any order. Elementwise te ops are
`fuse_kind="elementwise"` with a scalar `expr`, so the fusion pass takes them, and a
fused group made only of te ops becomes one te op (one generated kernel).
"""
from __future__ import annotations

from mindlite.core.prim import UnsupportedError

from typing import Any, Sequence

import numpy as np

from ..ops.registry import REGISTRY, Aval, Primitive
from .expr import Access, Axis, Const, SizeVar, Tensor, placeholder
from .grad import differentiate
from .lower_numpy import check_inputs, lower_numpy
from .printer import scalar_dialect
from .simplify import inline, simplify
from .visit import placeholders, postorder, replace_tensors, tensors

TE_OPS: "dict[Primitive, TeOp]" = {}  # side table: Primitive has fixed slots
USER_DEFINED: set[str] = set()  # names of the primitives made at run time (te.build, ops.Custom)


def _unique(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(f"te.build: name must be an identifier, got {name!r}")
    if name not in REGISTRY:
        return name
    k = 2
    while f"{name}_{k}" in REGISTRY:
        k += 1
    return f"{name}_{k}"


class TeOp:
    """The definition behind one te primitive."""

    def __init__(self, out: Tensor, inputs: Sequence[Tensor], name: str) -> None:
        self.out, self.inputs, self.name = out, list(inputs), name
        self.lowered = lower_numpy(out, self.inputs, name)
        self.elementwise, self.expr = _elementwise_expr(out, self.inputs)
        self.static = all(isinstance(d, int) for t in self.inputs for d in t.shape)
        self._grads: list | None = None
        self._cuda: Any = None
        self.prim: Primitive | None = None

    # ---- forward ----------------------------------------------------------------------------
    def _args(self, xp: Any, arrays: tuple) -> list:
        if len(arrays) != len(self.inputs):
            raise TypeError(f"te op {self.name} takes {len(self.inputs)} input(s), got {len(arrays)}")
        return [a if hasattr(a, "ndim") else xp.asarray(a, t.dtype) for a, t in zip(arrays, self.inputs)]

    def impl(self, xp: Any, *arrays: Any) -> Any:
        return self.kernel(xp)(xp, *self._args(xp, arrays))

    def impl_out(self, xp: Any, *arrays: Any, out: Any) -> Any:
        return self.kernel(xp)(xp, *self._args(xp, arrays), out=out)

    def kernel(self, xp: Any) -> Any:
        if xp is np:
            return self.lowered.fn
        if self._cuda is None:
            from .lower_cuda import lower_cuda
            try:
                self._cuda = lower_cuda(self.out, self.inputs, self.name).fn
            except UnsupportedError:  # e.g. float16: the generic code runs on cupy too
                self._cuda = self.lowered.fn
        return self._cuda

    def infer(self, *avals: Any) -> Aval:
        if len(avals) != len(self.inputs):
            raise TypeError(f"te op {self.name} takes {len(self.inputs)} input(s), got {len(avals)}")
        sizes: dict[int, int] = {}
        for k, (a, t) in enumerate(zip(avals, self.inputs)):
            if isinstance(a, (bool, int, float)):
                a = Aval((), t.dtype)
            if not isinstance(a, Aval):
                raise TypeError(f"te op {self.name}: input {k} ({t.name}) must be a tensor, got {type(a).__name__}")
            if np.dtype(a.dtype) != t.dtype:
                raise TypeError(f"te op {self.name}: input {k} ({t.name}) must be {t.dtype}, got {np.dtype(a.dtype)}")
            ok = len(a.shape) == t.ndim
            for d, n in zip(t.shape, a.shape) if ok else ():
                if isinstance(d, SizeVar):
                    ok = ok and sizes.setdefault(id(d), n) == n
                else:
                    ok = ok and d == n
            if not ok:
                dims = [getattr(d, "name", d) for d in t.shape]
                raise ValueError(f"te op {self.name}: input {k} ({t.name}) must have shape {dims}, got "
                                 f"{list(a.shape)}")
        shape = tuple(sizes[id(d)] if isinstance(d, SizeVar) else d for d in self.out.shape)
        return Aval(shape, self.out.dtype)

    # ---- backward -----------------------------------------------------------------------------
    def bprop(self, *args: Any, out: Any, dout: Any) -> tuple:
        grads = []
        for g in self.grad_ops():
            if g is None:
                grads.append(None)
                continue
            prim, sources = g
            vals = [args[k] if kind == "in" else out if kind == "out" else dout for kind, k in sources]
            grads.append(prim(*vals))
        return tuple(grads)

    def grad_ops(self) -> list:
        """Per input: None (no gradient) or (primitive, its arguments as ("in", k) | ("out",
        0) | ("dout", 0)). Built on first use from te.differentiate."""
        if self._grads is not None:
            return self._grads
        floats = [t for t in self.inputs if t.dtype.kind == "f"]
        head = placeholder(self.out.shape, self.out.dtype, "dout")
        out_ph = placeholder(self.out.shape, self.out.dtype, "out")
        res = differentiate(self.out, floats, head) if floats else []
        by_input = dict(zip(map(id, floats), res))
        grads: list = []
        for k, t in enumerate(self.inputs):
            g = by_input.get(id(t))
            if g is not None:
                g = simplify(g, keep=[self.out] + self.inputs)
                if isinstance(g.body, Const) and g.body.value == 0 and g.body.structural:
                    g = None  # no gradient flows to this input
            if g is None:
                grads.append(None)
                continue
            if not self.out.is_placeholder:
                g = replace_tensors(g, {self.out: out_ph})
            leaves = [(x, ("in", j)) for j, x in enumerate(self.inputs)] + [(out_ph, ("out", 0)), (head, ("dout", 0))]
            used = {id(x) for x in tensors([g], stop=lambda x: any(x is y for y, _ in leaves))}
            chosen = [(x, src) for x, src in leaves if id(x) in used]
            prim = build(g, [x for x, _ in chosen], f"{self.name}_grad{k}")
            grads.append((prim, [src for _, src in chosen]))
        self._grads = grads
        return grads


def _elementwise_expr(out: Tensor, inputs: list[Tensor]) -> tuple[bool, str | None]:
    """(is the op elementwise with numpy broadcasting of its inputs, its scalar expression)."""
    from .lang import broadcast_shape
    from .expr import Reduce
    body = inline(out, keep=inputs).body
    if body is None or isinstance(body, Reduce):
        return False, None
    names: dict[int, str] = {}
    for n in postorder([body], into_indices=False):
        if not isinstance(n, Access):
            continue
        k = next((j for j, x in enumerate(inputs) if x is n.tensor), None)
        if k is None or not _broadcast_access(n, out):
            return False, None
        if any(v == f"a{k}" for v in names.values()):
            return False, None  # the same input read at two different places
        names[id(n)] = f"a{k}"
    try:
        if not _same_shape(broadcast_shape("build", *[x.shape for x in inputs] or [()]), out.shape):
            return False, None
    except ValueError:
        return False, None
    return True, scalar_dialect(body, names)


def _same_shape(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x is y if isinstance(x, SizeVar) else x == y for x, y in zip(a, b))


def _broadcast_access(n: Access, out: Tensor) -> bool:
    lead = out.ndim - n.tensor.ndim
    if lead < 0:
        return False
    for j, (i, d) in enumerate(zip(n.indices, n.tensor.shape)):
        o = out.shape[lead + j]
        if isinstance(i, Axis) and i.k == lead + j and (d is o or d == o):
            continue
        if isinstance(i, Const) and i.value == 0 and d == 1:
            continue
        return False
    return True


def build(out: Tensor, inputs: Sequence[Tensor] | None = None, name: str = "te_op") -> Primitive:
    """A primitive computing `out` from `inputs` (default: out's placeholders, in first-use
    order), usable like any op in PYNATIVE and GRAPH mode and under grad to any order.

        >>> x = te.placeholder((te.var("n"),), "float32", "x")
        >>> sigmoid_p = te.build(cce.vrec(cce.vadds(cce.vexp(cce.vmuls(x, -1.0)), 1.0)), [x], "sigmoid")
        >>> y = sigmoid_p(ms.Tensor(np.ones(8, np.float32)))
    """
    if not isinstance(out, Tensor):
        raise TypeError(f"te.build: out must be a te tensor, got {type(out).__name__}")
    inputs = check_inputs(out, placeholders(out) if inputs is None else inputs)
    definition = TeOp(out, inputs, _unique(name))
    kind = "elementwise" if definition.elementwise else "opaque"
    prim = Primitive(definition.name, definition.impl, definition.infer, fuse_kind=kind, expr=definition.expr)
    if out.dtype.kind == "f":
        prim.def_bprop(definition.bprop)
    definition.prim = prim
    TE_OPS[prim] = definition
    USER_DEFINED.add(prim.name)
    _register_out(prim, definition)
    return prim


def _register_out(prim: Primitive, definition: TeOp) -> None:
    """The compute-into-a-buffer form used by elementwise fusion and memory planning."""
    from ..passes.outimpl import def_impl_out
    def_impl_out(prim, definition.impl_out)


def definition_of(prim: Any) -> TeOp | None:
    return TE_OPS.get(prim)
