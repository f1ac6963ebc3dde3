"""A numpy interpreter of the C the CUDA generator emits (its statement subset), standing
in for cupy's Elementwise/Reduction kernels on machines without a GPU: the generated
kernel bodies and the host code around them are then checked for numbers on the CPU."""
from __future__ import annotations

from typing import Any

import numpy as np

from mindlite.backend import codegen_cuda as cg

_NP = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "floordiv": np.floor_divide, "mod": np.mod,
       "max": np.maximum, "min": np.minimum, "pow": np.power, "atan2": np.arctan2, "lt": np.less,
       "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal, "eq": np.equal, "ne": np.not_equal,
       "and": np.logical_and, "or": np.logical_or, "bitand": np.bitwise_and, "bitor": np.bitwise_or,
       "bitxor": np.bitwise_xor, "neg": np.negative, "not": np.logical_not, "invert": np.invert,
       "abs": np.abs, "sign": np.sign, "exp": np.exp, "expm1": np.expm1, "log": np.log, "log1p": np.log1p,
       "sqrt": np.sqrt, "tanh": np.tanh, "sin": np.sin, "cos": np.cos, "floor": np.floor, "ceil": np.ceil,
       "rint": np.rint, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
       "sinh": np.sinh, "cosh": np.cosh, "asinh": np.arcsinh, "acosh": np.arccosh, "atanh": np.arctanh,
       "isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite}


def _div(a: Any, b: Any) -> Any:
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":  # C integer division truncates
        return (np.trunc(a / b)).astype(np.result_type(a, b))
    return np.true_divide(a, b)


def evaluate(tree: Any, env: dict) -> Any:
    op = tree[0]
    if op == "var":
        return env[tree[1]]
    if op == "const":
        return tree[1]
    if op == "cast":
        return np.asarray(evaluate(tree[2], env)).astype(tree[1])
    if op == "select":
        return np.where(evaluate(tree[1], env), evaluate(tree[2], env), evaluate(tree[3], env))
    args = [evaluate(a, env) for a in tree[1:]]
    with np.errstate(all="ignore"):
        if op == "div":
            return _div(*args)
        if op in _NP:
            return _NP[op](*args)
        return getattr(np, op)(*args)


def run_statements(body: str, env: dict) -> Any:
    for line in body.splitlines():
        line = line.strip().rstrip(";")
        if not line:
            continue
        if line.startswith("return "):
            return evaluate(cg.parse_expr(line[7:]), env)
        target, expr = line.split(" = ", 1)
        val = evaluate(cg.parse_expr(expr), env)
        if target.startswith("const "):
            words = target[6:].rsplit(" ", 1)
            val = np.asarray(val).astype(cg._C_TYPE_WORDS[words[0]])
            target = words[1]
        env[target] = val
    return None


def _names(params: str) -> list[tuple[str, np.dtype]]:
    out = []
    for p in filter(None, (s.strip() for s in params.split(","))):
        t, n = p.rsplit(" ", 1)
        out.append((n, np.dtype(t)))
    return out


class EmulatedElementwise:
    def __init__(self, spec: cg.ElementwiseSpec) -> None:
        self.spec = spec

    def __call__(self, *args: Any) -> Any:
        ins, outs = _names(self.spec.in_params), _names(self.spec.out_params)
        assert len(args) == len(ins) + len(outs), (len(args), ins, outs)
        out_arrays = args[len(ins):]
        shape = out_arrays[0].shape
        env = {n: np.broadcast_to(np.asarray(a, dt), shape) for (n, dt), a in zip(ins, args)}
        run_statements(self.spec.operation, env)
        for (n, dt), o in zip(outs, out_arrays):
            o[...] = np.broadcast_to(np.asarray(env[n]).astype(dt), shape)
        return out_arrays[0] if len(out_arrays) == 1 else out_arrays


class EmulatedReduction:
    def __init__(self, spec: cg.ReductionSpec) -> None:
        self.spec = spec

    def __call__(self, *args: Any, axis: Any = None) -> Any:
        ins, ((_, odt),) = _names(self.spec.in_params), _names(self.spec.out_params)
        arrays = np.broadcast_arrays(*[np.asarray(a, dt) for (_, dt), a in zip(ins, args)])
        env = {n: a for (n, _), a in zip(ins, arrays)}
        mapped = np.asarray(run_statements(self.spec.map_body, env)).astype(odt)
        mapped = np.broadcast_to(mapped, arrays[0].shape)
        kind = {"a + b": np.sum, "te_max(a, b)": np.max, "te_min(a, b)": np.min}[self.spec.reduce_expr]
        return np.asarray(kind(mapped, axis=axis)).astype(odt)


def emulate(spec: Any) -> Any:
    return EmulatedElementwise(spec) if isinstance(spec, cg.ElementwiseSpec) else EmulatedReduction(spec)
