"""CUDA C code generation from scalar expression DAGs: the one generator for every kernel
mindlite writes (tensor-expression ops from `mindlite.te`, fused elementwise regions of the IR).

Input is a DAG of `CNode`s (an operation, its operands, a numpy dtype). Shared nodes become
one temporary each, so a DAG is never expanded into a tree. From it this module makes
  * `elementwise_kernel(...)` -> the arguments of `cupy.ElementwiseKernel` (cupy does the
    indexing and broadcasting; inputs may be strided views);
  * `reduction_kernel(...)`  -> the arguments of `cupy.ReductionKernel` (one map-reduce);
  * `raw_kernel_source(...)` -> a standalone `extern "C" __global__` function over flat,
    contiguous arrays (what NVRTC compile checks and a RawModule take);
  * `dag_from_steps(steps, ...)` -> one DAG from a fused IR region, by parsing each step's
    `Primitive.expr` (the scalar-expression dialect of ops/math.py);
  * `nvrtc_check(src)` -> the compiled cubin (or PTX), or the compiler log as an error
    (backend/nvrtc.py; it needs only the NVRTC library, the `codegen` extra: no GPU, no driver).
"""
from __future__ import annotations

from mindlite.core.prim import UnsupportedError

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..ir.walk import postorder
from .nvrtc import NVRTC_HINT, nvrtc_available, nvrtc_check  # noqa: F401  (part of this module's API)

# numpy dtype -> (cupy parameter type, C type)
_TYPES = {
    "float32": ("float32", "float"), "float64": ("float64", "double"),
    "int8": ("int8", "signed char"), "int16": ("int16", "short"), "int32": ("int32", "int"),
    "int64": ("int64", "long long"), "uint8": ("uint8", "unsigned char"), "uint16": ("uint16", "unsigned short"),
    "uint32": ("uint32", "unsigned int"), "uint64": ("uint64", "unsigned long long"), "bool": ("bool", "bool"),
}


def ctype(dtype: Any) -> str:
    """The C type of a numpy dtype; raises for the ones the generator does not support."""
    name = np.dtype(dtype).name
    if name not in _TYPES:
        raise UnsupportedError(f"CUDA code generation does not support dtype {name}; cast to float32 first")
    return _TYPES[name][1]


def param_type(dtype: Any) -> str:
    ctype(dtype)
    return _TYPES[np.dtype(dtype).name][0]


# Device helpers every generated kernel may call: numpy semantics where C differs (NaN in
# max/min/sign, floor division and modulo of integers).
PRELUDE = r"""
template <typename T> __device__ __forceinline__ T te_max(T a, T b) { return (a != a || a > b) ? a : b; }
template <typename T> __device__ __forceinline__ T te_min(T a, T b) { return (a != a || a < b) ? a : b; }
template <typename T> __device__ __forceinline__ T te_sign(T a) { return a != a ? a : (T)((a > (T)0) - (a < (T)0)); }
template <typename T> __device__ __forceinline__ T te_floordiv(T a, T b) {
  T q = a / b; return (q * b != a && ((a < (T)0) != (b < (T)0))) ? q - (T)1 : q; }
template <typename T> __device__ __forceinline__ T te_mod(T a, T b) {
  T r = a % b; return (r != (T)0 && ((r < (T)0) != (b < (T)0))) ? r + b : r; }
__device__ __forceinline__ float te_floordiv(float a, float b) { return floorf(a / b); }
__device__ __forceinline__ double te_floordiv(double a, double b) { return floor(a / b); }
__device__ __forceinline__ float te_mod(float a, float b) { return a - floorf(a / b) * b; }
__device__ __forceinline__ double te_mod(double a, double b) { return a - floor(a / b) * b; }
""".strip()

# operation -> C template over operand texts {0}, {1}, {2}
_UNARY = {"neg": "(-{0})", "not": "(!{0})", "invert": "(~{0})", "abs": "abs({0})", "sign": "te_sign({0})",
          "exp": "exp({0})", "expm1": "expm1({0})", "log": "log({0})", "log1p": "log1p({0})",
          "sqrt": "sqrt({0})", "rsqrt": "rsqrt({0})", "tanh": "tanh({0})", "sin": "sin({0})", "cos": "cos({0})",
          "tan": "tan({0})", "asin": "asin({0})", "acos": "acos({0})", "atan": "atan({0})", "sinh": "sinh({0})",
          "cosh": "cosh({0})", "asinh": "asinh({0})", "acosh": "acosh({0})", "atanh": "atanh({0})",
          "floor": "floor({0})", "ceil": "ceil({0})", "rint": "rint({0})", "erf": "erf({0})",
          "isnan": "isnan({0})", "isinf": "isinf({0})", "isfinite": "isfinite({0})"}
_BINARY = {"add": "({0} + {1})", "sub": "({0} - {1})", "mul": "({0} * {1})", "div": "({0} / {1})",
           "floordiv": "te_floordiv({0}, {1})", "mod": "te_mod({0}, {1})", "max": "te_max({0}, {1})",
           "min": "te_min({0}, {1})", "pow": "pow({0}, {1})", "atan2": "atan2({0}, {1})",
           "lt": "({0} < {1})", "le": "({0} <= {1})", "gt": "({0} > {1})", "ge": "({0} >= {1})",
           "eq": "({0} == {1})", "ne": "({0} != {1})", "and": "({0} && {1})", "or": "({0} || {1})",
           "bitand": "({0} & {1})", "bitor": "({0} | {1})", "bitxor": "({0} ^ {1})"}
_COMPARE = {"lt", "le", "gt", "ge", "eq", "ne"}
_LOGICAL = {"and", "or", "not"}


class CNode:
    """One node of a scalar expression DAG.

    op: "in" (a kernel input or scalar parameter; `value` is its name), "const" (`value` is a
    Python number), "cast", "select" (cond, a, b), "call" (`value` is a device function name),
    or a name of `_UNARY` / `_BINARY`. dtype: the numpy dtype of the result."""

    __slots__ = ("op", "args", "value", "dtype")

    def __init__(self, op: str, args: Sequence["CNode"] = (), value: Any = None, dtype: Any = np.float32) -> None:
        if op not in ("in", "const", "cast", "select", "call") and op not in _UNARY and op not in _BINARY:
            raise ValueError(f"CNode: unknown operation {op!r}")
        self.op, self.args, self.value, self.dtype = op, tuple(args), value, np.dtype(dtype)

    def __repr__(self) -> str:
        return f"CNode({self.op}, {self.value!r}, {self.dtype.name})"


def literal(value: Any, dtype: Any) -> str:
    """A C literal of `value` in `dtype` (non-finite floats through bit patterns)."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return "true" if value else "false"
    if dt.kind in "iu":
        return f"(({ctype(dt)}){int(value)})"
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        bits = np.array(v, dt).view(np.uint32 if dt.itemsize == 4 else np.uint64).item()
        return f"__int_as_float(0x{bits:08x})" if dt.itemsize == 4 else f"__longlong_as_double(0x{bits:016x}LL)"
    text = repr(v) if dt == np.float64 else repr(float(np.float32(v)))
    if "e" not in text and "." not in text:
        text += ".0"
    return text + ("f" if dt == np.float32 else "")


def _operand_type(n: CNode) -> np.dtype:
    """The type a node's operands are computed in (numpy's promotion of the operands)."""
    if n.op in _COMPARE:
        return np.result_type(*[a.dtype for a in n.args])
    if n.op in ("isnan", "isinf", "isfinite"):  # a bool of a number: test the number itself
        return n.args[0].dtype
    if n.op in _LOGICAL:
        return np.dtype(bool)
    return n.dtype


def emit_statements(outputs: Sequence[tuple[str, CNode]], prefix: str = "t") -> str:
    """Straight-line C: one `const T tK = ...;` per operation node (in dependency order),
    then `name = value;` per output. Inputs and constants are used in place."""
    lines, texts = emit_values([n for _, n in outputs], prefix)
    return "\n".join(lines + [f"{name} = {t};" for (name, _), t in zip(outputs, texts)])


def emit_values(nodes: Sequence[CNode], prefix: str = "t") -> tuple[list[str], list[str]]:
    """The statements computing `nodes` (shared nodes once) and the C text of each value."""
    names: dict[int, str] = {}
    lines: list[str] = []

    def text(n: CNode, want: np.dtype | None = None) -> str:
        if n.op == "const":
            return literal(n.value, want if want is not None else n.dtype)
        s = n.value if n.op == "in" else names[id(n)]
        return s if want is None or want == n.dtype else f"(({ctype(want)}){s})"

    for n in _postorder(nodes):
        if n.op in ("in", "const"):
            continue
        t = _operand_type(n)
        if n.op == "cast":
            expr = f"(({ctype(n.dtype)}){text(n.args[0])})"
        elif n.op == "select":
            expr = f"({text(n.args[0], np.dtype(bool))} ? {text(n.args[1], n.dtype)} : {text(n.args[2], n.dtype)})"
        elif n.op == "call":
            expr = f"{n.value}({', '.join(text(a, t) for a in n.args)})"
        elif n.op in _UNARY:
            expr = _UNARY[n.op].format(text(n.args[0], t))
        else:
            expr = _BINARY[n.op].format(*[text(a, t) for a in n.args])
        names[id(n)] = f"{prefix}{len(names)}"
        lines.append(f"const {ctype(n.dtype)} {names[id(n)]} = {expr};")
    return lines, [text(n) for n in nodes]


def _postorder(roots: Sequence[CNode]) -> list[CNode]:
    """Nodes reachable from roots, operands first."""
    return postorder(roots, lambda n: n.args)


def inputs_of(nodes: Sequence[CNode]) -> list[CNode]:
    """The distinct "in" nodes reachable from `nodes`, in first-visit order."""
    found: dict[str, CNode] = {}
    seen: set[int] = set()
    stack = list(reversed(nodes))
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if n.op == "in":
            found.setdefault(n.value, n)
        stack.extend(reversed(n.args))
    return list(found.values())


# ---- kernel specifications --------------------------------------------------------------------
@dataclass(frozen=True)
class ElementwiseSpec:
    """The arguments of `cupy.ElementwiseKernel(in_params, out_params, operation, name, preamble=)`."""
    name: str
    in_params: str
    out_params: str
    operation: str
    preamble: str = PRELUDE

    def build(self) -> Any:
        return _cached_kernel(self)

    @property
    def source(self) -> str:
        return (f"// cupy.ElementwiseKernel {self.name}\n// in:  {self.in_params}\n// out: {self.out_params}\n"
                f"{self.operation}")


@dataclass(frozen=True)
class ReductionSpec:
    """The arguments of `cupy.ReductionKernel(in_params, out_params, map_expr, reduce_expr,
    post_map_expr, identity, name, preamble=)`; the map is a device function in the preamble."""
    name: str
    in_params: str
    out_params: str
    map_expr: str
    reduce_expr: str
    post_map_expr: str
    identity: str
    preamble: str
    map_body: str = ""  # the map function's statements, for tests that check them

    def build(self) -> Any:
        return _cached_kernel(self)

    @property
    def source(self) -> str:
        return (f"// cupy.ReductionKernel {self.name}\n// in:  {self.in_params}\n// out: {self.out_params}\n"
                f"// map: {self.map_expr}  reduce: {self.reduce_expr}  post: {self.post_map_expr}  "
                f"identity: {self.identity}\n{self.preamble}")


def _params(pairs: Sequence[tuple[str, Any]]) -> str:
    return ", ".join(f"{param_type(dt)} {name}" for name, dt in pairs)


def elementwise_kernel(name: str, inputs: Sequence[tuple[str, Any]], outputs: Sequence[tuple[str, Any, CNode]],
                       ) -> ElementwiseSpec:
    """Spec of one fused elementwise kernel computing each output's DAG from `inputs`
    ((name, dtype) of arrays or scalars, as the DAG's "in" nodes name them)."""
    _check_names(name, [n for n, _ in inputs] + [n for n, _, _ in outputs])
    body = emit_statements([(o, n) for o, _, n in outputs])
    return ElementwiseSpec(name, _params(inputs), _params([(o, dt) for o, dt, _ in outputs]), body)


def _identity(kind: str, dtype: Any) -> str:
    dt = np.dtype(dtype)
    if kind == "sum":
        return literal(0, dt)
    if dt.kind == "f":
        return literal(-math.inf if kind == "max" else math.inf, dt)
    info = np.iinfo(dt) if dt.kind in "iu" else None
    if info is None:
        raise UnsupportedError(f"CUDA {kind}-reduction of {dt.name} is not supported")
    return literal(info.min if kind == "max" else info.max, dt)


def reduction_kernel(name: str, inputs: Sequence[tuple[str, Any]], value: CNode, kind: str, out: str = "y",
                     ) -> ReductionSpec:
    """Spec of one map-reduce kernel: `kind` ("sum" | "max" | "min") of `value` over the
    reduced axes (given to the kernel call as `axis=`)."""
    if kind not in ("sum", "max", "min"):
        raise ValueError(f"reduction kind must be 'sum', 'max' or 'min', got {kind!r}")
    _check_names(name, [n for n, _ in inputs] + [out])
    t = ctype(value.dtype)
    lines, (result,) = emit_values([value])
    body = "\n".join(lines + [f"return {result};"])
    args = ", ".join(f"{ctype(dt)} {n}" for n, dt in inputs)
    fn = f"__device__ __forceinline__ {t} {name}_map({args}) {{\n" + _indent(body) + "\n}"
    reduce_expr = {"sum": "a + b", "max": "te_max(a, b)", "min": "te_min(a, b)"}[kind]
    return ReductionSpec(name, _params(inputs), _params([(out, value.dtype)]),
                         f"{name}_map({', '.join(n for n, _ in inputs)})", reduce_expr, f"{out} = a",
                         _identity(kind, value.dtype), PRELUDE + "\n" + fn, body)


def raw_kernel_source(name: str, inputs: Sequence[tuple[str, Any]], outputs: Sequence[tuple[str, Any, CNode]],
                      scalars: Sequence[tuple[str, Any]] = ()) -> str:
    """A standalone `extern "C" __global__` kernel over flat contiguous arrays of n elements
    (a grid-stride loop): every input and output has the same number of elements."""
    _check_names(name, [n for n, _ in inputs] + [n for n, _ in scalars] + [n for n, _, _ in outputs])
    params = [f"const {ctype(dt)}* __restrict__ {n}_ptr" for n, dt in inputs]
    params += [f"const {ctype(dt)} {n}" for n, dt in scalars]
    params += [f"{ctype(dt)}* __restrict__ {n}_ptr" for n, dt, _ in outputs]
    loads = [f"const {ctype(dt)} {n} = {n}_ptr[i];" for n, dt in inputs]
    body = emit_statements([(f"{o}_ptr[i]", n) for o, _, n in outputs])
    return (f'{PRELUDE}\n\nextern "C" __global__ void {name}({", ".join(params + ["const long long n"])}) {{\n'
            f"  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;\n"
            f"       i += (long long)blockDim.x * gridDim.x) {{\n" + _indent("\n".join(loads + [body]), 4)
            + "\n  }\n}\n")


def _indent(text: str, n: int = 2) -> str:
    return "\n".join(" " * n + line for line in text.splitlines())


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_names(kernel: str, names: Sequence[str]) -> None:
    for n in [kernel, *names]:
        if not _NAME.match(n):
            raise ValueError(f"CUDA codegen: {n!r} is not a C identifier")
    if len(set(names)) != len(names):
        raise ValueError(f"CUDA codegen: kernel {kernel} has duplicate parameter names {list(names)}")


_KERNELS: dict[Any, Any] = {}


def _cached_kernel(spec: Any) -> Any:
    """The cupy kernel object of a spec, made once per process (cupy memoises compiled
    binaries per kernel object, so a new object per call would recompile: cupy#2469)."""
    k = _KERNELS.get(spec)
    if k is None:
        import cupy
        if isinstance(spec, ElementwiseSpec):
            k = cupy.ElementwiseKernel(spec.in_params, spec.out_params, spec.operation, spec.name,
                                       preamble=spec.preamble)
        else:
            k = cupy.ReductionKernel(spec.in_params, spec.out_params, spec.map_expr, spec.reduce_expr,
                                     spec.post_map_expr, spec.identity, spec.name, preamble=spec.preamble)
        _KERNELS[spec] = k
    return k


# ---- the scalar-expression dialect of Primitive.expr -----------------------------------------------
_TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+(?:LL)?|\d+\.\d*(?:[eE][-+]?\d+)?f?|\.\d+(?:[eE][-+]?\d+)?f?|"
                    r"\d+[eE][-+]?\d+f?|\d+)|([A-Za-z_][A-Za-z0-9_]*)|"
                    r"(==|!=|<=|>=|&&|\|\||[-+*/%<>!~&|^?:(),]))")
_BINOPS = {"||": (1, "or"), "&&": (2, "and"), "|": (3, "bitor"), "^": (4, "bitxor"), "&": (5, "bitand"),
           "==": (6, "eq"), "!=": (6, "ne"), "<": (7, "lt"), "<=": (7, "le"), ">": (7, "gt"), ">=": (7, "ge"),
           "+": (8, "add"), "-": (8, "sub"), "*": (9, "mul"), "/": (9, "div"), "%": (9, "mod")}
_FUNCS = {"max": "max", "min": "min", "pow": "pow", "atan2": "atan2", "rint": "rint", **{k: k for k in _UNARY}}
_CASTS = {"float": np.float32, "double": np.float64, "int": np.int32, "bool": np.bool_, "cast": None}
# the generator's own helpers and C spellings, so its output parses back (tests emulate it)
_FUNCS.update({"te_max": "max", "te_min": "min", "te_sign": "sign", "te_floordiv": "floordiv", "te_mod": "mod",
               "fmaxf": "max", "fminf": "min"})
_C_TYPE_WORDS = {v[1]: np.dtype(k) for k, v in _TYPES.items()}


def parse_expr(text: str) -> Any:
    """Parse a C-like scalar expression (`1 / (1 + exp(-x))`, `c ? x : y`, `max(x, 0)`) into a
    tree of tuples: ("var", name) | ("const", number) | (op, *operands) | ("cast", dtype, arg)."""
    tokens: list[str] = []
    pos = 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"cannot parse expression {text!r} at {text[pos:]!r}")
        tokens.append(m.group(m.lastindex))
        pos = m.end()
    tree, k = _parse_ternary(tokens, 0, text)
    if k != len(tokens):
        raise ValueError(f"cannot parse expression {text!r}: unexpected {tokens[k]!r}")
    return tree


def _expect(tokens: list[str], k: int, tok: str, text: str) -> int:
    if k >= len(tokens) or tokens[k] != tok:
        raise ValueError(f"cannot parse expression {text!r}: expected {tok!r}")
    return k + 1


def _parse_ternary(tokens: list[str], k: int, text: str) -> tuple[Any, int]:
    cond, k = _parse_binary(tokens, k, 1, text)
    if k < len(tokens) and tokens[k] == "?":
        a, k = _parse_ternary(tokens, k + 1, text)
        k = _expect(tokens, k, ":", text)
        b, k = _parse_ternary(tokens, k, text)
        return ("select", cond, a, b), k
    return cond, k


def _parse_binary(tokens: list[str], k: int, level: int, text: str) -> tuple[Any, int]:
    left, k = _parse_unary(tokens, k, text)
    while k < len(tokens) and tokens[k] in _BINOPS and _BINOPS[tokens[k]][0] >= level:
        prec, op = _BINOPS[tokens[k]]
        right, k = _parse_binary(tokens, k + 1, prec + 1, text)
        left = (op, left, right)
    return left, k


def _parse_unary(tokens: list[str], k: int, text: str) -> tuple[Any, int]:
    if k >= len(tokens):
        raise ValueError(f"cannot parse expression {text!r}: it ends early")
    tok = tokens[k]
    if tok in ("-", "!", "~"):
        arg, k = _parse_unary(tokens, k + 1, text)
        if tok == "-" and arg[0] == "const":
            return ("const", -arg[1]), k
        return ({"-": "neg", "!": "not", "~": "invert"}[tok], arg), k
    if tok == "(":
        j = k + 1
        while j < len(tokens) and _NAME.match(tokens[j]):
            j += 1
        words = " ".join(tokens[k + 1:j])
        if j > k + 1 and j < len(tokens) and tokens[j] == ")" and words in _C_TYPE_WORDS:  # a C cast
            arg, k = _parse_unary(tokens, j + 1, text)
            return ("cast", _C_TYPE_WORDS[words], arg), k
        inner, k = _parse_ternary(tokens, k + 1, text)
        return inner, _expect(tokens, k, ")", text)
    if tok[:2] in ("0x", "0X"):
        return ("const", int(tok.rstrip("L"), 16)), k + 1
    if tok[0].isdigit() or tok[0] == ".":
        is_float = any(c in tok for c in ".eE")
        return ("const", float(tok.rstrip("f")) if is_float else int(tok)), k + 1
    if tok in ("true", "false"):
        return ("const", tok == "true"), k + 1
    if tok in ("__int_as_float", "__longlong_as_double") and k + 3 < len(tokens) and tokens[k + 1] == "(":
        bits = int(tokens[k + 2].rstrip("L"), 16)
        value = np.array(bits, np.uint32 if tok == "__int_as_float" else np.uint64).view(
            np.float32 if tok == "__int_as_float" else np.float64).item()
        return ("const", value), _expect(tokens, k + 3, ")", text)
    if _NAME.match(tok):
        if k + 1 < len(tokens) and tokens[k + 1] == "(":
            args, k = [], k + 2
            while True:
                a, k = _parse_ternary(tokens, k, text)
                args.append(a)
                if k < len(tokens) and tokens[k] == ",":
                    k += 1
                    continue
                k = _expect(tokens, k, ")", text)
                break
            if tok in _CASTS:
                return ("cast", _CASTS[tok], args[0]), k
            if tok not in _FUNCS:
                raise ValueError(f"expression {text!r} calls unknown function {tok!r}")
            return (_FUNCS[tok], *args), k
        return ("var", tok), k + 1
    raise ValueError(f"cannot parse expression {text!r}: unexpected {tok!r}")


def operand_names(tree: Any, n: int) -> list[str]:
    """Names of a primitive's n operands in its expression, by position: generated primitives
    (te) name them a0, a1, ...; the built-in table uses x / x, y / c, x, y."""
    names = _var_names(tree)
    if any(re.fullmatch(r"a\d+", v) for v in names):
        return [f"a{k}" for k in range(n)]
    return {1: ["x"], 2: ["x", "y"], 3: ["c", "x", "y"]}.get(n, [f"a{k}" for k in range(n)])


def _var_names(tree: Any) -> set[str]:
    if tree[0] == "var":
        return {tree[1]}
    if tree[0] == "const":
        return set()
    args = tree[2:] if tree[0] == "cast" else tree[1:]
    return set().union(*[_var_names(a) for a in args])


_RESULT_BOOL = _COMPARE | _LOGICAL | {"isnan", "isinf", "isfinite"}


def dag_from_expr(tree: Any, operands: dict[str, CNode], dtype: Any) -> CNode:
    """A CNode DAG of a parsed expression whose variables are `operands`; the result has
    `dtype` (the primitive's output type; a bare `cast(x)` casts to it)."""
    dtype = np.dtype(dtype)

    def build(t: Any, want: np.dtype) -> CNode:
        op = t[0]
        if op == "var":
            if t[1] not in operands:
                raise ValueError(f"expression variable {t[1]!r} is not one of {sorted(operands)}")
            return operands[t[1]]
        if op == "const":
            return CNode("const", value=t[1], dtype=want)
        if op == "cast":
            return CNode("cast", [build(t[2], want)], dtype=want if t[1] is None else np.dtype(t[1]))
        if op == "select":
            return CNode("select", [build(t[1], np.dtype(bool)), build(t[2], want), build(t[3], want)], dtype=want)
        inner = want
        if op in _COMPARE:  # operands keep their own type: take it from a variable operand
            inner = next((operands[a[1]].dtype for a in t[1:] if a[0] == "var" and a[1] in operands), want)
        args = [build(a, inner) for a in t[1:]]
        return CNode(op, args, dtype=np.dtype(bool) if op in _RESULT_BOOL else want)
    return build(tree, dtype)


def dag_from_steps(steps: Sequence[Any], inputs: Sequence[CNode], expr_of: Any = None,
                   widen_half: bool = False, values: list | None = None) -> CNode:
    """One DAG for a fused elementwise region (passes/fuse.py `FusedSteps.steps`): step j
    applies `step.prim.expr` to operands `(kind, ref)` = (0, input k) | (1, step j) |
    (2, inline constant). `inputs` are the region's inputs as "in" nodes. Raises
    UnsupportedError naming a step whose primitive has no scalar expression.

    expr_of: `expr_of(step) -> str | None` gives each step's expression instead of
        `prim.expr` (a backend's table: parameterised primitives such as gelu, and forms
        exact for the step's types).
    widen_half: float16/bfloat16 steps are computed in float and rounded to their type
        after every step (`round_half`), as numpy's half loops do; their "in" nodes must
        then be float32 (the kernel loads half words as float).
    values: if given, receives every step's value (multi-output regions read several)."""
    vals: list[CNode] = [] if values is None else values
    for st in steps:
        expr = st.prim.expr if expr_of is None else expr_of(st)
        if expr is None:
            raise UnsupportedError(f"primitive {st.prim.name} has no scalar expression (Primitive.expr)")
        dtype = compute_dtype(st.dtype) if widen_half else np.dtype(st.dtype)
        ops = [inputs[r] if k == 0 else vals[r] if k == 1 else _const_in(r, st.dtype, dtype)
               for k, r in st.args]
        tree = parse_expr(expr)
        val = dag_from_expr(tree, dict(zip(operand_names(tree, len(ops)), ops)), dtype)
        vals.append(round_half(val, st.dtype) if widen_half else val)
    return vals[-1]


def _const_in(value: Any, dtype: Any, compute: np.dtype) -> CNode:
    """An inline (weakly typed) constant of a step: converted to the step's type first, as
    numpy does with a Python scalar (0.1 in a float16 step is float16(0.1))."""
    if is_half(dtype) and isinstance(value, float):
        value = float(np.asarray(value, dtype))
    return CNode("const", value=value, dtype=compute)


def spec_sources(spec: Any) -> str:
    """A compilable translation unit for an Elementwise/Reduction spec (its body wrapped in a
    `__global__` function over flat arrays), for NVRTC checks of exactly what cupy compiles."""
    def params(text: str, const: bool) -> list[tuple[str, str]]:
        out = []
        for p in filter(None, (s.strip() for s in text.split(","))):
            t, n = p.rsplit(" ", 1)
            out.append((("const " if const else "") + _TYPES[t][1], n))
        return out
    ins, outs = params(spec.in_params, True), params(spec.out_params, False)
    args = [f"{t}* __restrict__ {n}_ptr" for t, n in ins + outs] + ["long long n"]
    loads = [f"{t} {n} = {n}_ptr[i];" for t, n in ins] + [f"{t} {n};" for t, n in outs]
    stores = [f"{n}_ptr[i] = {n};" for _, n in outs]
    if isinstance(spec, ElementwiseSpec):
        body = spec.operation
    else:
        body = (f"{_TYPES[spec.out_params.split()[0]][1]} a = {spec.identity}, b = {spec.map_expr};\n"
                f"a = {spec.reduce_expr};\n{spec.post_map_expr};")
    return (f'{spec.preamble}\n\nextern "C" __global__ void {spec.name}({", ".join(args)}) {{\n'
            f"  long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;\n  if (i >= n) return;\n"
            + _indent("\n".join(loads + [body] + stores)) + "\n}\n")


# ---- half-precision storage ---------------------------------------------------------------------
# float16 and bfloat16 are stored as 16-bit words and computed in float: a kernel loads them
# with te_h2f / te_bf2f and stores with te_f2h / te_f2bf (round to nearest even). No header is
# included (the device image may lack the CUDA headers), so the conversions are written
# here: inline PTX on the device for float16, integer code elsewhere (a host build of the same
# source, used to check kernels on machines without a GPU, compiles the #else branch).
_HALF = {"float16": ("te_h2f", "te_f2h", "te_round_f16"), "bfloat16": ("te_bf2f", "te_f2bf", "te_round_bf16")}

HALF_PRELUDE = r"""
#if defined(__CUDA_ARCH__)
__device__ __forceinline__ float te_h2f(unsigned short h) {
  float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f; }
__device__ __forceinline__ unsigned short te_f2h(float f) {
  unsigned short h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h; }
#else
__device__ __forceinline__ float te_h2f(unsigned short h) {
  unsigned int sign = ((unsigned int)h & 0x8000u) << 16, e = ((unsigned int)h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0x1fu) return __uint_as_float(sign | 0x7f800000u | (m << 13));
  if (e == 0u) {
    if (m == 0u) return __uint_as_float(sign);
    e = 113u;
    while (!(m & 0x400u)) { m <<= 1; --e; }
    return __uint_as_float(sign | (e << 23) | ((m & 0x3ffu) << 13));
  }
  return __uint_as_float(sign | ((e + 112u) << 23) | (m << 13)); }
__device__ __forceinline__ unsigned short te_f2h(float f) {
  unsigned int x = __float_as_uint(f), sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) return (unsigned short)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0u));
  if (ax >= 0x47800000u) return (unsigned short)(sign | 0x7c00u);
  if (ax < 0x38800000u) {
    if (ax < 0x33000000u) return (unsigned short)sign;
    unsigned int m = (ax & 0x7fffffu) | 0x800000u, shift = 126u - (ax >> 23);
    unsigned int r = m >> shift, rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return (unsigned short)(sign | r);
  }
  unsigned int r = (ax - 0x38000000u) >> 13, rem = ax & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) ++r;
  return (unsigned short)(sign | r); }
#endif
__device__ __forceinline__ float te_bf2f(unsigned short h) { return __uint_as_float(((unsigned int)h) << 16); }
__device__ __forceinline__ unsigned short te_f2bf(float f) {
  unsigned int u = __float_as_uint(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40u);
  return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16); }
__device__ __forceinline__ float te_round_f16(float f) { return te_h2f(te_f2h(f)); }
__device__ __forceinline__ float te_round_bf16(float f) { return te_bf2f(te_f2bf(f)); }
""".strip()


def is_half(dtype: Any) -> bool:
    """float16 or bfloat16 (ml_dtypes): stored as 16-bit words, computed in float."""
    return np.dtype(dtype).name in _HALF


def compute_dtype(dtype: Any) -> np.dtype:
    """The type a kernel computes a value of `dtype` in: float32 for half types."""
    return np.dtype(np.float32) if is_half(dtype) else np.dtype(dtype)


def storage_ctype(dtype: Any) -> str:
    """The C type of an array element of `dtype` in a raw kernel's signature."""
    return "unsigned short" if is_half(dtype) else ctype(dtype)


def load_value(dtype: Any, text: str) -> str:
    """C reading one stored element (`text`) as its compute type."""
    return f"{_HALF[np.dtype(dtype).name][0]}({text})" if is_half(dtype) else text


def store_value(dtype: Any, text: str) -> str:
    """C converting a computed value to the element type stored for `dtype`."""
    return f"{_HALF[np.dtype(dtype).name][1]}({text})" if is_half(dtype) else text


def round_half(node: CNode, dtype: Any) -> CNode:
    """`node` (computed in float) rounded to `dtype` if that is a half type."""
    if not is_half(dtype):
        return node
    return CNode("call", [node], value=_HALF[np.dtype(dtype).name][2], dtype=np.float32)


# ---- counter-based random numbers: the host's stream, drawn on the device -------------------
# numpy's `Generator(Philox(key=seed, counter=offset))` (what core/rng.py hands every random
# op) is Philox4x64-10 with key (seed, 0); its n-th 64-bit output is word n % 4 of the block
# for counter offset + 1 + n // 4, and `random(dtype=float32)` takes 32-bit halves (low
# first) and keeps the top 24 bits. Element i of a draw therefore needs no sequential state:
# te_philox_f32(seed, offset, i) equals numpy's value i, bit for bit.
PHILOX_PRELUDE = r"""
__device__ __forceinline__ unsigned long long te_philox_word(unsigned long long seed, unsigned long long offset,
                                                             unsigned long long n) {
  unsigned long long blk = n >> 2, c0 = offset + 1ULL + blk, c1 = c0 < offset ? 1ULL : 0ULL, c2 = 0ULL, c3 = 0ULL;
  unsigned long long k0 = seed, k1 = 0ULL;
  for (int r = 0; r < 10; ++r) {
    if (r) { k0 += 0x9E3779B97F4A7C15ULL; k1 += 0xBB67AE8584CAA73BULL; }
    const unsigned long long lo0 = 0xD2E7470EE14C6C93ULL * c0, hi0 = __umul64hi(0xD2E7470EE14C6C93ULL, c0);
    const unsigned long long lo1 = 0xCA5A826395121157ULL * c2, hi1 = __umul64hi(0xCA5A826395121157ULL, c2);
    c0 = hi1 ^ c1 ^ k0; c1 = lo1; c2 = hi0 ^ c3 ^ k1; c3 = lo0;
  }
  const unsigned int w = (unsigned int)(n & 3ULL);
  return w == 0u ? c0 : w == 1u ? c1 : w == 2u ? c2 : c3;
}
__device__ __forceinline__ float te_philox_f32(unsigned long long seed, unsigned long long offset,
                                               unsigned long long i) {
  const unsigned long long v = te_philox_word(seed, offset, i >> 1);
  const unsigned int u = (i & 1ULL) ? (unsigned int)(v >> 32) : (unsigned int)v;
  return (float)(u >> 8) * (1.0f / 16777216.0f);
}
__device__ __forceinline__ double te_philox_f64(unsigned long long seed, unsigned long long offset,
                                                unsigned long long i) {
  return (double)(te_philox_word(seed, offset, i) >> 11) * (1.0 / 9007199254740992.0);
}
""".strip()

RNG_KINDS = {"f32": ("te_philox_f32", np.float32), "f64": ("te_philox_f64", np.float64)}


# ---- raw kernels with the indexing generated: strided/broadcast operands -----------------------
def coalesce(shape: Sequence[int], strides: Sequence[Sequence[int]]) -> tuple[tuple, list]:
    """Merge adjacent dimensions that every operand walks contiguously (and drop size-1
    ones): the fewest index divisions for the same addresses. `strides` are in elements."""
    dims = [(s, [st[k] for st in strides]) for k, s in enumerate(shape) if s != 1]
    out: list = []
    for s, st in dims:
        if out and all(prev == cur * s for prev, cur in zip(out[-1][1], st)):
            out[-1] = (out[-1][0] * s, list(st))
        else:
            out.append((s, list(st)))
    return tuple(s for s, _ in out), [tuple(st[k] for _, st in out) for k in range(len(strides))]


def contiguous_strides(shape: Sequence[int]) -> tuple:
    out, acc = [], 1
    for s in reversed(shape):
        out.append(acc if s != 1 else 0)
        acc *= s
    return tuple(reversed(out))


@dataclass(frozen=True)
class RawKernel:
    """A generated `extern "C" __global__` kernel: its source, entry name, parameter list
    (C type, name) and the launch geometry it wants (elements or rows to cover)."""
    name: str
    source: str
    params: tuple
    work: int          # elements (or rows) the grid must cover
    per_block: int = 256  # threads per block
    rows: bool = False    # a row kernel: TE_LANES threads per unit of work


def strided_kernel(name: str, shape: Sequence[int], inputs: Sequence[tuple], outputs: Sequence[tuple],
                   scalars: Sequence[tuple] = (), rng: Sequence[tuple] = (), aliased: Sequence[str] = ()
                   ) -> RawKernel:
    """One elementwise kernel over the C-ordered elements of `shape` whose operands are
    arbitrary strided views (broadcast dimensions have stride 0), with the index arithmetic
    generated for these exact shapes and strides (constants the compiler strength-reduces).

    inputs:  (name, dtype, strides in elements) - the DAG's "in" node of that name has the
             compute dtype (float32 for half inputs: they are loaded and widened);
    outputs: (name, dtype, CNode, strides) - written after converting to the storage type;
    scalars: (name, dtype) passed by value;
    rng:     (name, key, kind) - "in" node `name` is the uniform draw (kind "f32"/"f64") of
             element i of the stream whose [seed, offset] words are at device pointer `key`
             (element i = the C-order position in `shape`, as numpy's draw of that shape);
    aliased: operands that share memory with another (an output written into an input, each
             element read before it is written by the same thread): no __restrict__."""
    shape = tuple(int(s) for s in shape)
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    all_strides = [tuple(st) for _, _, st in inputs] + [tuple(o[3]) for o in outputs]
    for (op, _, st) in [(i[0], i[1], i[2]) for i in inputs] + [(o[0], o[1], o[3]) for o in outputs]:
        if len(st) != len(shape):
            raise ValueError(f"strided kernel {name}: operand {op} has {len(st)} strides for shape {list(shape)}")
    cshape, cstrides = coalesce(shape, all_strides) if shape else ((), all_strides)
    keys = list(dict.fromkeys(k for _, k, _ in rng))
    _check_names(name, [i[0] for i in inputs] + [s[0] for s in scalars] + [r[0] for r in rng] + keys
                 + [o[0] for o in outputs])
    big = n >= 2 ** 31 or any(abs(s) * max(d - 1, 0) >= 2 ** 31 for st in cstrides for s, d in zip(st, cshape))
    it = "long long" if big else "int"
    def restrict(nm: str) -> str:
        return "" if nm in aliased else " __restrict__"
    params = [(f"const {storage_ctype(dt)}*{restrict(nm)}", f"{nm}_ptr") for nm, dt, _ in inputs]
    params += [("const unsigned long long* __restrict__", f"{k}_ptr") for k in keys]
    params += [(f"const {ctype(dt)}", nm) for nm, dt in scalars]
    params += [(f"{storage_ctype(dt)}*{restrict(nm)}", f"{nm}_ptr") for nm, dt, _, _ in outputs]
    # coordinates: c_k of dimension k, from the innermost out (only those some operand needs)
    needed = {k for st, cont in zip(cstrides, [_is_contiguous(cshape, s) for s in cstrides]) if not cont
              for k, s in enumerate(st) if s != 0}
    idx: list[str] = []
    rest = "i"
    for k in reversed(range(len(cshape))):
        if not needed or k < min(needed):
            break
        if k in needed:
            idx.append(f"const {it} c{k} = {rest} % {cshape[k]};" if k else f"const {it} c{k} = {rest};")
        if k > min(needed):
            idx.append(f"const {it} q{k} = {rest} / {cshape[k]};")
            rest = f"q{k}"

    def offset(st: tuple) -> str:
        if _is_contiguous(cshape, st):
            return "i"
        terms = [f"c{k}" if s == 1 else f"c{k} * {s}" for k, s in enumerate(st) if s != 0]
        return " + ".join(terms) if terms else "0"

    lines = list(idx)
    for (nm, dt, _), st in zip(inputs, cstrides):
        lines.append(f"const {ctype(compute_dtype(dt))} {nm} = {load_value(dt, f'{nm}_ptr[{offset(st)}]')};")
    for nm, k, kind in rng:
        fn, dt = RNG_KINDS[kind]
        lines.append(f"const {ctype(dt)} {nm} = {fn}({k}_ptr[0], {k}_ptr[1], (unsigned long long)i);")
    body, texts = emit_values([o[2] for o in outputs])
    lines += body
    for (nm, dt, node, _), st, t in zip(outputs, cstrides[len(inputs):], texts):
        if node.dtype != compute_dtype(dt):
            t = f"(({ctype(compute_dtype(dt))}){t})"
        lines.append(f"{nm}_ptr[{offset(st)}] = {store_value(dt, t)};")
    sig = ", ".join(f"{t} {nm}" for t, nm in params)
    src = (f"{_preludes(inputs, outputs, rng)}\n\nextern \"C\" __global__ void {name}({sig}) {{\n"
           f"  for ({it} i = ({it})(blockIdx.x * blockDim.x + threadIdx.x); i < ({it}){n}; "
           f"i += ({it})(blockDim.x * gridDim.x)) {{\n" + _indent("\n".join(lines), 4) + "\n  }\n}\n")
    return RawKernel(name, src, tuple(params), n)


def _is_contiguous(shape: tuple, strides: tuple) -> bool:
    return tuple(strides) == contiguous_strides(shape)


def _preludes(inputs: Sequence[tuple], outputs: Sequence[tuple], rng: Sequence[tuple] = ()) -> str:
    parts = [PRELUDE, HALF_PRELUDE]  # te_round_* may appear in any region that casts to a half type
    if rng:
        parts.append(PHILOX_PRELUDE)
    return "\n".join(parts)


# ---- multi-tensor kernels: one launch for the same update over many tensors ----------------------
MT_CHUNK = 65536  # elements per table row: a block's unit of work


def multi_tensor_kernel(name: str, elems: Sequence[tuple], scalars_in: Sequence[tuple], outputs: Sequence[tuple],
                        values: Sequence[tuple] = ()) -> RawKernel:
    """One kernel applying the same elementwise update to every tensor of a list (or to one
    flat buffer holding them all): the launch table has one row per chunk of up to
    MT_CHUNK elements, `[end, start, ptr_0, ..., ptr_{k-1}]` (int64), with one pointer per
    operand in the order elems, scalars_in, outputs. A block walks its rows.

    elems:      (name, dtype) operands with one element per updated element;
    scalars_in: (name, dtype) one-element device operands (a learning rate, a step count),
                read at [0];
    outputs:    (name, dtype, CNode) written per element;
    values:     (name, dtype) scalars passed by value."""
    _check_names(name, [e[0] for e in elems] + [s[0] for s in scalars_in] + [v[0] for v in values]
                 + [o[0] for o in outputs])
    ops = list(elems) + list(scalars_in)
    width = 2 + len(ops) + len(outputs)
    params = (("const long long* __restrict__", "table"), ("const int", "n_rows")) + tuple(
        (f"const {ctype(dt)}", nm) for nm, dt in values)
    head = ["const long long* row = table + (long long)r * %d;" % width,
            "const long long end = row[0];"]
    for k, (nm, dt) in enumerate(ops):
        head.append(f"const {storage_ctype(dt)}* {nm}_ptr = (const {storage_ctype(dt)}*)row[{k + 2}];")
    for k, (nm, dt, _) in enumerate(outputs):
        head.append(f"{storage_ctype(dt)}* {nm}_ptr = ({storage_ctype(dt)}*)row[{k + 2 + len(ops)}];")
    for nm, dt in scalars_in:
        head.append(f"const {ctype(compute_dtype(dt))} {nm} = {load_value(dt, f'{nm}_ptr[0]')};")
    inner = [f"const {ctype(compute_dtype(dt))} {nm} = {load_value(dt, f'{nm}_ptr[i]')};" for nm, dt in elems]
    body, texts = emit_values([o[2] for o in outputs])
    inner += body
    for (nm, dt, node), t in zip(outputs, texts):
        if node.dtype != compute_dtype(dt):
            t = f"(({ctype(compute_dtype(dt))}){t})"
        inner.append(f"{nm}_ptr[i] = {store_value(dt, t)};")
    sig = ", ".join(f"{t} {nm}" for t, nm in params)
    src = (f"{PRELUDE}\n{HALF_PRELUDE}\n\nextern \"C\" __global__ void {name}({sig}) {{\n"
           f"  for (int r = blockIdx.x; r < n_rows; r += gridDim.x) {{\n" + _indent("\n".join(head), 4)
           + "\n    for (long long i = row[1] + threadIdx.x; i < end; i += blockDim.x) {\n"
           + _indent("\n".join(inner), 6) + "\n    }\n  }\n}\n")
    return RawKernel(name, src, params, 0)


def multi_tensor_table(sizes: Sequence[int], pointers: Sequence[Sequence[int]], itemsizes: Sequence[int],
                       chunk: int = MT_CHUNK) -> np.ndarray:
    """The launch table of a multi-tensor kernel: tensors of `sizes` elements, operand k of
    tensor t at byte address `pointers[t][k]` (elements of `itemsizes[k]` bytes; a
    one-element operand has itemsize 0: it is read at [0], never offset). Rows that would
    split a tensor at `chunk` elements repeat its pointers with a later start. Tensors laid
    out back to back in flat buffers (every operand's next tensor starts where the previous
    ends, one-element operands shared) collapse into one tensor first."""
    sizes, pointers = list(sizes), [list(p) for p in pointers]
    merged_sizes: list[int] = []
    merged_ptrs: list[list[int]] = []
    for n, ptrs in zip(sizes, pointers):
        if merged_sizes:
            last, total = merged_ptrs[-1], merged_sizes[-1]
            if all(p == q + total * isz if isz else p == q for p, q, isz in zip(ptrs, last, itemsizes)):
                merged_sizes[-1] += n
                continue
        merged_sizes.append(n)
        merged_ptrs.append(ptrs)
    rows = []
    for n, ptrs in zip(merged_sizes, merged_ptrs):
        for start in range(0, n, chunk):
            rows.append([min(start + chunk, n), start] + ptrs)
    return np.array(rows, dtype=np.int64).reshape(len(rows), 2 + len(itemsizes))


# ---- row kernels: reductions along the last axis with elementwise prologue/epilogue ------------
@dataclass(frozen=True)
class RowStat:
    """One reduction over a row: `kind` ("sum" | "max") of `value` (a DAG over the row's
    element and column operands and earlier stats), then `post` (a DAG over "<name>_acc"
    and earlier stats) gives the stat `name` (an "in" node for later DAGs)."""
    name: str
    kind: str
    value: CNode
    post: CNode


ROW_PRELUDE = r"""
#if defined(__CUDA_ARCH__)
#define TE_LANES 32
template <typename T> __device__ __forceinline__ T te_lanes_sum(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v; }
template <typename T> __device__ __forceinline__ T te_lanes_max(T v) {
  for (int o = 16; o > 0; o >>= 1) v = te_max(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v; }
#else
#define TE_LANES 1
template <typename T> __device__ __forceinline__ T te_lanes_sum(T v) { return v; }
template <typename T> __device__ __forceinline__ T te_lanes_max(T v) { return v; }
#endif
""".strip()


def row_kernel(name: str, rows: int, cols: int, elems: Sequence[tuple], columns: Sequence[tuple],
               stats: Sequence[RowStat], outputs: Sequence[tuple], row_outputs: Sequence[tuple] = ()) -> RawKernel:
    """A kernel over a (rows, cols) C-contiguous problem: one warp (TE_LANES lanes) per row
    computes `stats` in order (each a lane-strided pass over the row, then a warp
    reduction), then writes `outputs` per element and `row_outputs` once per row (lane 0).
    Softmax, log-softmax and LayerNorm are instances (backend/gpu/rows.py).

    elems:       (name, dtype) operands shaped (rows, cols);
    columns:     (name, dtype) operands shaped (cols,) (LayerNorm's gamma and beta);
    outputs:     (name, dtype, CNode) shaped (rows, cols);
    row_outputs: (name, dtype, CNode) shaped (rows,), DAGs over the stats."""
    _check_names(name, [e[0] for e in elems] + [c[0] for c in columns] + [o[0] for o in outputs]
                 + [o[0] for o in row_outputs])
    params = [(f"const {storage_ctype(dt)}* __restrict__", f"{nm}_ptr") for nm, dt in list(elems) + list(columns)]
    params += [(f"{storage_ctype(dt)}* __restrict__", f"{nm}_ptr") for nm, dt, _ in list(outputs) + list(row_outputs)]
    it = "long long" if rows * cols >= 2 ** 31 else "int"

    def loads() -> list[str]:
        out = [f"const {ctype(compute_dtype(dt))} {nm} = {load_value(dt, f'{nm}_ptr[base + c]')};" for nm, dt in elems]
        out += [f"const {ctype(compute_dtype(dt))} {nm} = {load_value(dt, f'{nm}_ptr[c]')};" for nm, dt in columns]
        return out

    lines = [f"const {it} base = row * ({it}){cols};"]
    for k, st in enumerate(stats):
        if st.kind not in ("sum", "max"):
            raise ValueError(f"row kernel {name}: stat kind must be 'sum' or 'max', got {st.kind!r}")
        t = ctype(st.value.dtype)
        ident = _identity(st.kind, st.value.dtype)
        vbody, (vt,) = emit_values([st.value], prefix=f"p{k}_")
        step = f"acc = acc + {vt};" if st.kind == "sum" else f"acc = te_max(acc, {vt});"
        lines += [f"{t} {st.name}_acc;", "{", f"  {t} acc = {ident};",
                  f"  for (int c = lane; c < {cols}; c += TE_LANES) {{"]
        lines += ["    " + ln for ln in loads() + vbody + [step]]
        lines += ["  }", f"  {st.name}_acc = te_lanes_{st.kind}(acc);", "}"]
        pbody, (pt,) = emit_values([st.post], prefix=f"s{k}_")
        lines += pbody + [f"const {ctype(st.post.dtype)} {st.name} = {pt};"]
    obody, otexts = emit_values([o[2] for o in outputs], prefix="o")
    lines += [f"for (int c = lane; c < {cols}; c += TE_LANES) {{"]
    lines += ["  " + ln for ln in loads() + obody]
    for (nm, dt, node), t in zip(outputs, otexts):
        lines.append(f"  {nm}_ptr[base + c] = {store_value(dt, t if node.dtype == compute_dtype(dt) else f'(({ctype(compute_dtype(dt))}){t})')};")
    lines.append("}")
    if row_outputs:
        rbody, rtexts = emit_values([o[2] for o in row_outputs], prefix="r")
        lines += ["if (lane == 0) {"] + ["  " + ln for ln in rbody]
        for (nm, dt, node), t in zip(row_outputs, rtexts):
            lines.append(f"  {nm}_ptr[row] = {store_value(dt, t if node.dtype == compute_dtype(dt) else f'(({ctype(compute_dtype(dt))}){t})')};")
        lines.append("}")
    sig = ", ".join(f"{t} {nm}" for t, nm in params)
    src = (f"{PRELUDE}\n{HALF_PRELUDE}\n{ROW_PRELUDE}\n\nextern \"C\" __global__ void {name}({sig}) {{\n"
           f"  const int lane = (int)(threadIdx.x % TE_LANES);\n"
           f"  const {it} first = ({it})((blockIdx.x * blockDim.x + threadIdx.x) / TE_LANES);\n"
           f"  const {it} step = ({it})((gridDim.x * blockDim.x) / TE_LANES);\n"
           f"  for ({it} row = first; row < ({it}){rows}; row += step) {{\n"
           + _indent("\n".join(lines), 4) + "\n  }\n}\n")
    return RawKernel(name, src, tuple(params), rows, rows=True)


# ---- convolution by im2col + GEMM (the path without cuDNN) ------------------------------------
def im2col_kernel(name: str, x_shape: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                  pads: Sequence[int], dilation: Sequence[int], out_hw: Sequence[int], dtype: Any) -> RawKernel:
    """col[(c*KH + i)*KW + j, (n*OH + oy)*OW + ox] = x[n, c, oy*SH - PT + i*DH, ox*SW - PL + j*DW]
    (0 outside) for a C-contiguous NCHW x: the matrix a convolution multiplies by its filter.
    pads = (top, bottom, left, right); only top/left move the window (the output size
    accounts for the others). Elements are copied as stored words."""
    n, c, h, w = (int(v) for v in x_shape)
    kh, kw = (int(v) for v in kernel)
    oh, ow = (int(v) for v in out_hw)
    total = c * kh * kw * n * oh * ow
    it = "long long" if total >= 2 ** 31 or n * c * h * w >= 2 ** 31 else "int"
    t = storage_ctype(dtype)
    params = ((f"const {t}* __restrict__", "x"), (f"{t}* __restrict__", "col"))
    body = (f"const {it} q = idx % {n * oh * ow}, r = idx / {n * oh * ow};\n"
            f"const {it} ox = q % {ow}, t = q / {ow}, oy = t % {oh}, b = t / {oh};\n"
            f"const {it} j = r % {kw}, t2 = r / {kw}, i = t2 % {kh}, ch = t2 / {kh};\n"
            f"const {it} y = oy * {stride[0]} - {pads[0]} + i * {dilation[0]}, xx = ox * {stride[1]} - {pads[2]} "
            f"+ j * {dilation[1]};\n"
            f"col[idx] = (y >= 0 && y < {h} && xx >= 0 && xx < {w}) ? x[((b * {c} + ch) * {h} + y) * {w} + xx] "
            f": ({t})0;")
    src = (f'extern "C" __global__ void {name}({", ".join(f"{p} {q}" for p, q in params)}) {{\n'
           f"  for ({it} idx = ({it})(blockIdx.x * blockDim.x + threadIdx.x); idx < ({it}){total}; "
           f"idx += ({it})(blockDim.x * gridDim.x)) {{\n" + _indent(body, 4) + "\n  }\n}\n")
    return RawKernel(name, src, params, total)


def col2im_kernel(name: str, x_shape: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                  pads: Sequence[int], dilation: Sequence[int], out_hw: Sequence[int], dtype: Any) -> RawKernel:
    """The adjoint of `im2col_kernel`, gather style: one thread per x element sums the col
    entries that read it (no atomics), accumulating in float (double for float64)."""
    n, c, h, w = (int(v) for v in x_shape)
    kh, kw = (int(v) for v in kernel)
    oh, ow = (int(v) for v in out_hw)
    total = n * c * h * w
    it = "long long" if c * kh * kw * n * oh * ow >= 2 ** 31 or total >= 2 ** 31 else "int"
    t, acc_t = storage_ctype(dtype), ctype(compute_dtype(dtype))
    params = ((f"const {t}* __restrict__", "col"), (f"{t}* __restrict__", "dx"))
    np_ = n * oh * ow
    body = (f"const {it} xx = idx % {w}, t = idx / {w}, y = t % {h}, t2 = t / {h}, ch = t2 % {c}, b = t2 / {c};\n"
            f"{acc_t} acc = ({acc_t})0;\n"
            f"for (int i = 0; i < {kh}; ++i) {{\n"
            f"  const {it} ys = y + {pads[0]} - i * {dilation[0]};\n"
            f"  if (ys < 0 || ys % {stride[0]}) continue;\n"
            f"  const {it} oy = ys / {stride[0]};\n"
            f"  if (oy >= {oh}) continue;\n"
            f"  for (int j = 0; j < {kw}; ++j) {{\n"
            f"    const {it} xs = xx + {pads[2]} - j * {dilation[1]};\n"
            f"    if (xs < 0 || xs % {stride[1]}) continue;\n"
            f"    const {it} ox = xs / {stride[1]};\n"
            f"    if (ox >= {ow}) continue;\n"
            f"    acc += {load_value(dtype, f'col[((ch * {kh} + i) * {kw} + j) * ({it}){np_} + (b * {oh} + oy) * {ow} + ox]')};\n"
            f"  }}\n}}\n"
            f"dx[idx] = {store_value(dtype, 'acc')};")
    src = (f"{HALF_PRELUDE}\n\nextern \"C\" __global__ void {name}({', '.join(f'{p} {q}' for p, q in params)}) {{\n"
           f"  for ({it} idx = ({it})(blockIdx.x * blockDim.x + threadIdx.x); idx < ({it}){total}; "
           f"idx += ({it})(blockDim.x * gridDim.x)) {{\n" + _indent(body, 4) + "\n  }\n}\n")
    return RawKernel(name, src, params, total)


def translation_unit(kernels: Sequence[RawKernel]) -> str:
    """One source holding many generated kernels with their shared preludes once: one
    compiler run (NVRTC, or a host compiler in the tests) instead of one per kernel."""
    pre = (PRELUDE, HALF_PRELUDE, PHILOX_PRELUDE, ROW_PRELUDE)
    body = []
    for k in {k.name: k for k in kernels}.values():
        src = k.source
        for p in pre:
            src = src.replace(p, "")
        body.append(src)
    return "\n".join(pre) + "\n" + "\n".join(body)
