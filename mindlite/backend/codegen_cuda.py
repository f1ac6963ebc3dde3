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

import math
import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

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
        raise NotImplementedError(f"CUDA code generation does not support dtype {name}; cast to float32 first")
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
    """Nodes reachable from roots, operands first (iterative: deep DAGs must not hit the
    recursion limit)."""
    order: list[CNode] = []
    seen: set[int] = set()
    stack: list[tuple[CNode, bool]] = [(n, False) for n in reversed(roots)]
    while stack:
        n, done = stack.pop()
        if done:
            order.append(n)
            continue
        if id(n) in seen:
            continue
        seen.add(id(n))
        stack.append((n, True))
        stack.extend((a, False) for a in reversed(n.args) if id(a) not in seen)
    return order


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
        raise NotImplementedError(f"CUDA {kind}-reduction of {dt.name} is not supported")
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


def dag_from_steps(steps: Sequence[Any], inputs: Sequence[CNode]) -> CNode:
    """One DAG for a fused elementwise region (passes/fuse.py `FusedSteps.steps`): step j
    applies `step.prim.expr` to operands `(kind, ref)` = (0, input k) | (1, step j) |
    (2, inline constant). `inputs` are the region's inputs as "in" nodes. Raises
    NotImplementedError naming a step whose primitive has no scalar expression."""
    vals: list[CNode] = []
    for st in steps:
        if st.prim.expr is None:
            raise NotImplementedError(f"primitive {st.prim.name} has no scalar expression (Primitive.expr)")
        ops = [inputs[r] if k == 0 else vals[r] if k == 1 else CNode("const", value=r, dtype=st.dtype)
               for k, r in st.args]
        tree = parse_expr(st.prim.expr)
        vals.append(dag_from_expr(tree, dict(zip(operand_names(tree, len(ops)), ops)), st.dtype))
    return vals[-1]


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
