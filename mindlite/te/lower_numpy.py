"""Lowering to loop-free Python over an array module `xp` (numpy, or cupy: same calls).

Elementwise stages are first substituted into their users, so what is left are the
output and the reduction stages. Each stage becomes straight-line array code in which
every value is an array over the iteration variables it depends on (in canonical order),
so a term that depends on `i` only is computed once per `i` and broadcast, not once per
element of the stage. Tensor accesses become views (slices, diagonals via einsum,
transposes); an index that is not a plain variable or constant becomes a gather. A sum
of products is one `einsum` (BLAS for matmul-like contractions); other reductions are
`xp.sum/max/min(axis=...)`. Intermediates whose last use is the next operation are
overwritten with `out=` (half the cost of an elementwise op on numpy is allocating).
"""
from __future__ import annotations

from mindlite.core.prim import UnsupportedError

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .expr import Access, Axis, Const, Expr, Op, Reduce, ReduceVar, SizeVar, Tensor, Var
from .intrin import OPS
from .simplify import fold, inline
from .visit import children, free_vars, placeholders, postorder, tensors, var_order

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class Val:
    code: str                 # a Python expression (a name or a literal)
    vars: tuple = ()          # variables of its dimensions, canonical order; () = scalar
    temp: bool = False        # a fresh intermediate this stage owns (may be overwritten)
    node: Any = None


@dataclass
class Program:
    """The function being generated: its lines, constants and buffer counter."""
    name: str
    inputs: list
    lines: list = field(default_factory=list)
    ns: dict = field(default_factory=dict)
    sizes: dict = field(default_factory=dict)   # id(SizeVar) -> code
    n_tmp: int = 0

    def tmp(self) -> str:
        self.n_tmp += 1
        return f"t{self.n_tmp}"

    def const(self, value: Any, prefix: str = "C") -> str:
        name = f"{prefix}{len(self.ns)}"
        self.ns[name] = value
        return name

    def dim(self, d: Any) -> str:
        if isinstance(d, SizeVar):
            if id(d) not in self.sizes:
                raise ValueError(f"te.lower: size {d.name} is not the size of any input dimension")
            return self.sizes[id(d)]
        return str(d)

    def shape(self, dims: Sequence[Any]) -> str:
        return "(" + "".join(self.dim(d) + ", " for d in dims) + ")"


def check_inputs(out: Tensor, inputs: Sequence[Tensor] | None) -> list[Tensor]:
    """The leaf tensors of a lowering: every placeholder must be one of them."""
    leaves = placeholders(out) if inputs is None else list(inputs)
    for t in leaves:
        if not isinstance(t, Tensor):
            raise TypeError(f"te.lower: inputs must be te tensors, got {type(t).__name__}")
    ids = {id(t) for t in leaves}
    missing = [t.name for t in tensors([out], stop=lambda t: id(t) in ids) if t.is_placeholder and id(t) not in ids]
    if missing:
        raise ValueError(f"te.lower: {out.name} depends on placeholder(s) {missing} that are not among the inputs")
    return leaves


def emit_checks(prog: Program, leaves: Sequence[Tensor]) -> None:
    """Shape and dtype checks of the arguments; binds every size variable."""
    for k, t in enumerate(leaves):
        a = f"a{k}"
        prog.lines.append(f"if {a}.ndim != {t.ndim}: raise ValueError(f'{prog.name}: input {k} ({t.name}) must be "
                          f"{t.ndim}-d, got shape {{{a}.shape}}')")
        for j, d in enumerate(t.shape):
            if isinstance(d, SizeVar) and id(d) not in prog.sizes:
                prog.sizes[id(d)] = d.name
                prog.lines.append(f"{d.name} = {a}.shape[{j}]")
        want = prog.shape(t.shape)
        dims = ", ".join(str(getattr(d, "name", d)) for d in t.shape)
        prog.lines.append(f"if {a}.shape != {want}: raise ValueError(f'{prog.name}: input {k} ({t.name}) must have "
                          f"shape ({dims}) = {{{want}}}, got {{{a}.shape}}')")
        dname = prog.const(t.dtype, "D")
        prog.lines.append(f"if {a}.dtype != {dname}: raise TypeError(f'{prog.name}: input {k} ({t.name}) must be "
                          f"{t.dtype}, got {{{a}.dtype}}')")


class StageGen:
    """Emits one stage's code into a Program."""

    def __init__(self, prog: Program, t: Tensor, arrays: dict) -> None:
        self.prog, self.t, self.arrays = prog, t, arrays   # arrays: id(tensor) -> Val of its full array
        self.memo: dict[int, Val] = {}
        self.uses: dict[int, int] = {}

    # ---- helpers -------------------------------------------------------------------------
    def emit(self, line: str) -> None:
        self.prog.lines.append(line)

    def extent(self, v: Var) -> str:
        if isinstance(v, Axis):
            return self.prog.dim(self.t.shape[v.k])
        lo = v.lo
        return self.prog.dim(v.hi) if lo == 0 else f"({self.prog.dim(v.hi)} - {lo})"

    def align(self, v: Val, target: tuple) -> str:
        """v's array with size-1 dims where it lacks a variable of `target`."""
        if not v.vars or v.vars == target:
            return v.code
        missing = [k for k, x in enumerate(target) if x not in v.vars]
        if missing == list(range(len(missing))):
            return v.code  # only leading dims missing: numpy broadcasting aligns the rest
        return f"xp.expand_dims({v.code}, {tuple(missing)})"

    def fresh(self, code: str, vars_: tuple, node: Any) -> Val:
        name = self.prog.tmp()
        self.emit(f"{name} = {code}")
        return Val(name, vars_, True, node)

    # ---- values ------------------------------------------------------------------------------
    def value(self, e: Expr) -> Val:
        # indices of accesses are lowered only where needed (a gather): a plain variable
        # index is a view and needs no index array
        for n in postorder([e], into_indices=False):
            if id(n) not in self.memo:
                self.memo[id(n)] = self.node(n)
        return self.memo[id(e)]

    def node(self, n: Expr) -> Val:
        if isinstance(n, Const):
            return self.constant(n)
        if isinstance(n, (Axis, ReduceVar)):
            lo = 0 if isinstance(n, Axis) else n.lo
            rng = self.extent(n) if lo == 0 else f"{lo}, {self.prog.dim(n.hi)}"
            return self.fresh(f"xp.arange({rng}, dtype=xp.int64)", (n,), n)
        if isinstance(n, SizeVar):
            return Val(f"xp.int64({self.prog.dim(n)})")
        if isinstance(n, Access):
            return self.access(n)
        if isinstance(n, Op):
            return self.operation(n)
        raise UnsupportedError(f"te.lower: a reduction inside the body of {self.t.name} (not at its top)")

    def constant(self, c: Const) -> Val:
        v = c.value
        if c.weak and (not isinstance(v, float) or np.isfinite(v)):
            return Val(repr(v))
        return Val(self.prog.const(np.asarray(v, c.dtype)[()] if not c.weak else v))

    def operation(self, n: Op) -> Val:
        vals = [self.memo[id(a)] for a in n.args]
        if not any(v.vars for v in vals) and not any(isinstance(a, SizeVar) for a in postorder([n])):
            folded = fold(n)  # constants only: fold now so Python numbers keep numpy's weak typing
            if folded is not None:
                return self.constant(folded)
        target = tuple(sorted({x for v in vals for x in v.vars}, key=var_order))
        spec = OPS[n.name]
        if n.name == "cast":
            dname = self.prog.const(n.dtype, "D")
            code = f"{vals[0].code}.astype({dname})" if vals[0].vars else f"xp.asarray({vals[0].code}, {dname})"
            return self.fresh(code, target, n)
        args = ", ".join(self.align(v, target) for v in vals)
        if n.name == "select":
            return self.fresh(f"xp.where({args})", target, n)
        buf = next((v for v in vals if v.temp and v.vars == target and self.uses.get(id(v.node), 0) <= 1
                    and getattr(v.node, "dtype", None) == n.dtype), None)
        if buf is not None and target:
            buf.temp = False  # its value is consumed here; the result takes over the buffer
            self.emit(f"{buf.code} = xp.{spec.xp_fn}({args}, out={buf.code})")
            return Val(buf.code, target, True, n)
        return self.fresh(f"xp.{spec.xp_fn}({args})", target, n)

    def access(self, n: Access) -> Val:
        """A[idx] as a view where each index is a variable or a constant, else a gather."""
        parts = self.sliced(n)
        if parts is None:
            return self.gather(n, self.arrays[id(n.tensor)].code)
        code, kept = parts
        distinct = sorted(set(kept), key=var_order)
        if len(distinct) < len(kept) or kept != distinct:
            letters = {id(v): _LETTERS[k] for k, v in enumerate(distinct)}
            spec = "".join(letters[id(v)] for v in kept) + "->" + "".join(letters[id(v)] for v in distinct)
            code = f"xp.einsum('{spec}', {code})"  # a transpose and/or a diagonal, as a view
        return Val(code, tuple(distinct), False, n)

    def sliced(self, n: Access) -> tuple[str, list] | None:
        """(code of A with constant indices applied and reduction ranges sliced, the variable
        of each remaining dim), or None if an index is not a variable or a constant."""
        if not all(isinstance(i, (Axis, ReduceVar, Const)) for i in n.indices):
            return None
        sl, kept = [], []
        for d, i in zip(n.tensor.shape, n.indices):
            if isinstance(i, Const):
                sl.append(str(i.value))
                continue
            lo, hi = (0, self.t.shape[i.k]) if isinstance(i, Axis) else (i.lo, i.hi)
            if isinstance(hi, int) and isinstance(d, int) and hi > d:
                raise IndexError(f"te.lower: {n.tensor.name} (size {d}) is read up to index {hi - 1} by "
                                 f"variable {i.name} of stage {self.t.name}")
            full = lo == 0 and (hi is d or (isinstance(hi, int) and isinstance(d, int) and hi == d))
            sl.append(":" if full else f"{lo}:{self.prog.dim(hi)}")
            kept.append(i)
        base = self.arrays[id(n.tensor)].code
        return (base if all(x == ":" for x in sl) else f"{base}[{', '.join(sl)}]"), kept

    def gather(self, n: Access, base: str) -> Val:
        idx = [self.value(i) for i in n.indices]
        target = tuple(sorted({x for v in idx for x in v.vars}, key=var_order))
        parts = []
        for k, (v, d) in enumerate(zip(idx, n.tensor.shape)):
            name = self.prog.tmp()
            self.emit(f"{name} = xp.asarray({self.align(v, target)})")
            self.emit(f"if {name}.size and ({name}.min() < 0 or {name}.max() >= {self.prog.dim(d)}): "
                      f"raise IndexError('{self.prog.name}: index {k} of {n.tensor.name} is out of range')")
            parts.append(name)
        return self.fresh(f"{base}[{', '.join(parts)}]", target, n)

    # ---- reductions --------------------------------------------------------------------------
    def reduce(self, r: Reduce) -> Val:
        factors = _factors(r.body) if r.kind == "sum" else []
        arrays = [f for f in factors if free_vars(f)]
        if len(arrays) >= 2 and all(f.dtype == r.dtype for f in arrays):
            return self.contraction(r, factors)
        v = self.value(r.body)
        present = [x for x in r.rvars if x in v.vars]
        absent = [x for x in r.rvars if x not in v.vars]
        out_vars = tuple(x for x in v.vars if x not in r.rvars)
        code = v.code
        if present:
            axes = tuple(v.vars.index(x) for x in present)
            fn = {"sum": "sum", "max": "max", "min": "min"}[r.kind]
            dt = f", dtype={self.prog.const(r.dtype, 'D')}" if r.kind == "sum" else ""
            code = f"xp.{fn}({code}, axis={axes}{dt})"
        if absent and r.kind == "sum":
            code = f"({code}) * ({' * '.join(self.extent(x) for x in absent)})"
        return self.fresh(code, out_vars, r) if code != v.code else v

    def contraction(self, r: Reduce, factors: list[Expr]) -> Val:
        arrays, scale = [], []
        for f in factors:
            (arrays if free_vars(f) else scale).append(f)
        for f in arrays:  # einsum reads every factor: none may be overwritten before
            self.uses[id(f)] = self.uses.get(id(f), 0) + 2
        operands = []  # (code, variable per dim): plain accesses go in untransposed
        for f in arrays:
            parts = self.sliced(f) if isinstance(f, Access) else None
            if parts is None:
                v = self.value(f)
                parts = (v.code, list(v.vars))
            operands.append(parts)
        allv = sorted({id(x): x for _, vs in operands for x in vs}.values(), key=var_order)
        letters = {id(x): _LETTERS[k] for k, x in enumerate(allv)}
        out_vars = tuple(x for x in allv if not any(x is r_ for r_ in r.rvars))
        spec = ",".join("".join(letters[id(x)] for x in vs) for _, vs in operands) + "->" + \
            "".join(letters[id(x)] for x in out_vars)
        code = f"xp.einsum('{spec}', {', '.join(c for c, _ in operands)}, optimize=True)"
        absent = [x for x in r.rvars if not any(x is y for y in allv)]
        mult = [self.value(s).code for s in scale] + [self.extent(x) for x in absent]
        if mult:
            code = f"{code} * ({' * '.join(mult)})"
        return self.fresh(code, out_vars, r)

    # ---- the stage ---------------------------------------------------------------------------------
    def run(self) -> Val:
        body = self.t.body
        for n in postorder([body]):
            for c in children(n):
                self.uses[id(c)] = self.uses.get(id(c), 0) + 1
        v = self.reduce(body) if isinstance(body, Reduce) else self.value(body)
        axes = tuple(Axis.make(k) for k in range(self.t.ndim))
        if v.vars == axes:
            return v
        full = self.prog.shape(self.t.shape)
        if not v.vars:
            dname = self.prog.const(self.t.dtype, "D")
            return self.fresh(f"xp.full({full}, {v.code}, dtype={dname})", axes, None)
        name = self.prog.tmp()  # a broadcast view: not fresh, never overwritten
        self.emit(f"{name} = xp.broadcast_to({self.align(v, axes)}, {full})")
        return Val(name, axes, False)


def _factors(e: Expr) -> list[Expr]:
    if isinstance(e, Op) and e.name == "mul" and e.args[0].dtype == e.dtype and e.args[1].dtype == e.dtype:
        return _factors(e.args[0]) + _factors(e.args[1])
    return [e]


class Lowered:
    """A lowered te tensor: `.source` (readable), called as `fn(*arrays, xp=numpy)`."""

    def __init__(self, name: str, source: str, fn: Any, inputs: list, out: Tensor, target: str) -> None:
        self.name, self.source, self.fn, self.inputs, self.out, self.target = name, source, fn, inputs, out, target

    def __call__(self, *arrays: Any, xp: Any = np, out: Any = None) -> Any:
        return self.fn(xp, *arrays, out=out)

    def __repr__(self) -> str:
        return f"Lowered({self.name}, target={self.target!r})"


def lower_numpy(out: Tensor, inputs: Sequence[Tensor] | None = None, name: str = "te_kernel") -> Lowered:
    """Generate, compile and return the array-module code of `out` from `inputs`."""
    leaves = check_inputs(out, inputs)
    ids = {id(t) for t in leaves}
    norm = inline(out, keep=leaves)
    prog = Program(name, leaves)
    emit_checks(prog, leaves)
    arrays = {id(t): Val(f"a{k}") for k, t in enumerate(leaves)}
    result = Val("a0")
    stages = [s for s in tensors([norm], stop=lambda t: id(t) in ids) if id(s) not in ids]
    for s in stages:
        if s.is_placeholder:
            continue
        result = StageGen(prog, s, arrays).run()
        arrays[id(s)] = result
        if s is not stages[-1]:
            prog.lines.append(f"# ^ stage {s.name}")
    if id(norm) in ids:
        result = arrays[id(norm)]
    body = _finish(prog, result)
    src = f"def {name}(xp, {''.join(f'a{k}, ' for k in range(len(leaves)))}out=None):\n" + \
        "\n".join("    " + line for line in body if line) + "\n"
    ns = dict(prog.ns)
    _register_source(f"<te {name}>", src)
    exec(compile(src, f"<te {name}>", "exec"), ns)  # noqa: S102 - source generated above
    return Lowered(name, src, ns[name], leaves, out, "numpy")


def _register_source(filename: str, src: str) -> None:
    """Let tracebacks through generated code show its lines."""
    import linecache
    linecache.cache[filename] = (len(src), None, src.splitlines(True), filename)


def _is_ufunc_line(line: str) -> bool:
    fn = line.split(" = xp.", 1)[1].split("(", 1)[0]
    return fn in {s.xp_fn for s in OPS.values() if s.kind not in ("select", "cast", "extern")}


def _finish(prog: Program, result: Val) -> list[str]:
    """The body with the result written to `out` when given (the last ufunc writes there
    directly), and a fresh array returned otherwise."""
    lines = list(prog.lines)
    last = lines[-1] if lines else ""
    if result.temp and last.startswith(f"{result.code} = xp.") and _is_ufunc_line(last):
        if "out=" in last:
            buf = last[last.rindex("out=") + 4:-1]
            lines[-1] = f"{last[:last.rindex('out=')]}out={buf} if out is None else out)"
        else:
            lines[-1] = last[:-1] + ", out=out)"
        return lines + [f"return {result.code}"]
    ret = result.code if result.temp else f"xp.array({result.code}, copy=True)"
    return lines + ["if out is not None:", f"    out[...] = {result.code}", "    return out", f"return {ret}"]
