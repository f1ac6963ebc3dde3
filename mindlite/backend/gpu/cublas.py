"""Matrix products through cuBLAS called directly (ctypes), so they can be captured.

cupy's own matmul refuses to run while a CUDA graph is being captured (its cuBLAS wrapper
raises), and its batched bfloat16 product fails; the probe (benchmarks/RESULTS.md) showed
that `cublasGemmStridedBatchedEx` called through ctypes, with the handle's stream and a
preallocated workspace set before capture, records into a graph and replays exactly.

`plan_matmul` turns numpy's matmul (broadcast batch dimensions, 1-D operands, transposed
views) into cuBLAS's column-major calls without copying operands: a row-major (M, K)
matrix is a column-major (K, M) one, so C = X Y is computed as C^T = Y^T X^T; a transposed
view becomes a transpose flag. A plan is plain data: `run_plan_on_host` executes it with
numpy (tests check the index math without a GPU), `Cublas.run` on the device.
"""
from __future__ import annotations

from mindlite.core.prim import UnsupportedError

import contextlib
import ctypes
import ctypes.util
import glob
import math
import os
import site
import sys
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core.prim import Primitive
from ...ir.graph import Graph, Node
from .runtime import record_path, runner_for

OP_N, OP_T = 0, 1
CUDA_TYPES = {"float32": 0, "float64": 1, "float16": 2, "bfloat16": 14}
COMPUTE_32F, COMPUTE_32F_FAST_TF32, COMPUTE_64F = 68, 77, 70
GEMM_DEFAULT = -1
WORKSPACE_BYTES = 32 << 20

_TF32 = [os.environ.get("MINDLITE_TF32", "0") == "1"]


def set_tf32(enabled: bool) -> None:
    """Let float32 GEMMs (and cuDNN convolutions) use TF32 tensor cores: about 8x the
    float32 rate on Hopper with a 10-bit mantissa in the products. Off by default;
    also `MINDLITE_TF32=1`."""
    _TF32[0] = bool(enabled)


def tf32_enabled() -> bool:
    return _TF32[0]


@dataclass(frozen=True)
class GemmCall:
    """One cublasGemmStridedBatchedEx call in cuBLAS's column-major terms: its A is our Y,
    its B our X; offsets and strides are in elements from each array's first element."""
    transa: int
    transb: int
    m: int
    n: int
    k: int
    lda: int
    ldb: int
    ldc: int
    stride_a: int
    stride_b: int
    stride_c: int
    off_a: int
    off_b: int
    off_c: int
    batch: int


@dataclass(frozen=True)
class GemmPlan:
    """How to compute matmul(x, y): the calls, the output's shape, and which operands must
    first be copied to C order (a layout cuBLAS cannot read, e.g. a broadcast inside a matrix)."""
    calls: tuple
    out_shape: tuple
    dtype: str
    copy_x: bool
    copy_y: bool


def _layout(r: int, c: int, s0: int, s1: int) -> tuple[int, int] | None:
    """(op, ld) reading a row-major view (r, c) with element strides (s0, s1) as cuBLAS's
    column-major transposed matrix: OP_N with ld = s0 if rows are contiguous, OP_T with
    ld = s1 if columns are; None if neither (copy first)."""
    if r == 0 or c == 0:
        return OP_N, max(c, 1)
    if c == 1 or s1 == 1:
        ld = s0 if r > 1 else max(c, 1)
        if ld >= max(c, 1):
            return OP_N, ld
    if r == 1 or s0 == 1:
        ld = s1 if c > 1 else max(r, 1)
        if ld >= max(r, 1):
            return OP_T, ld
    return None


def _batch_strides(shape: tuple, strides: tuple, batch: tuple) -> tuple:
    lead = len(batch) - len(shape)
    return (0,) * lead + tuple(0 if n == 1 else s for n, s in zip(shape, strides))


def plan_matmul(x_shape: tuple, x_strides: tuple, y_shape: tuple, y_strides: tuple, dtype: Any) -> GemmPlan:
    """The cuBLAS calls for numpy's `matmul(x, y)`; strides are in elements."""
    name = np.dtype(dtype).name
    if name not in CUDA_TYPES:
        raise UnsupportedError(f"matmul through cuBLAS: dtype {name} is not supported (float16, bfloat16, "
                                  f"float32, float64)")
    xs, xst, ys, yst = tuple(x_shape), tuple(x_strides), tuple(y_shape), tuple(y_strides)
    x_vec, y_vec = len(xs) == 1, len(ys) == 1
    if x_vec:
        xs, xst = (1,) + xs, (0,) + xst
    if y_vec:
        ys, yst = ys + (1,), yst + (0,)
    if xs[-1] != ys[-2]:
        raise ValueError(f"matmul: shapes {list(x_shape)} and {list(y_shape)} are not aligned")
    batch = tuple(np.broadcast_shapes(xs[:-2], ys[:-2]))
    M, K, N = xs[-2], xs[-1], ys[-1]
    out_shape = batch + (M, N)
    if x_vec:
        out_shape = out_shape[:-2] + out_shape[-1:]
    if y_vec:
        out_shape = out_shape[:-1]
    lx, ly = _layout(M, K, *xst[-2:]), _layout(K, N, *yst[-2:])
    copy_x, copy_y = lx is None, ly is None
    if copy_x:  # C-ordered copy of the broadcast operand
        xst = _c_strides(xs)
        lx = _layout(M, K, *xst[-2:])
    if copy_y:
        yst = _c_strides(ys)
        ly = _layout(K, N, *yst[-2:])
    bx = _batch_strides(xs[:-2], xst[:-2], batch)
    by = _batch_strides(ys[:-2], yst[:-2], batch)
    bc = _c_strides(batch + (M, N))[:-2] if batch else ()
    # the longest run of inner batch dimensions one strided call covers; outer ones loop
    inner = len(batch)
    while inner > 0:
        dims = batch[inner - 1:]
        if all(_collapsible(dims, st[inner - 1:]) for st in (bx, by, bc)):
            inner -= 1
        else:
            break
    outer_dims = batch[:inner]
    count = math.prod(batch[inner:]) if batch else 1
    sa, sb, sc = (_step(batch[inner:], st[inner:]) for st in (by, bx, bc))
    calls = []
    for idx in np.ndindex(*outer_dims) if outer_dims else [()]:
        oa = sum(i * s for i, s in zip(idx, by))
        ob = sum(i * s for i, s in zip(idx, bx))
        oc = sum(i * s for i, s in zip(idx, bc))
        calls.append(GemmCall(ly[0], lx[0], N, M, K, ly[1], lx[1], max(N, 1), sa, sb, sc if count > 1 else M * N,
                              oa, ob, oc, count))
    if M == 0 or N == 0 or count == 0:
        calls = []
    return GemmPlan(tuple(calls), out_shape, name, copy_x, copy_y)


def _c_strides(shape: tuple) -> tuple:
    out, acc = [], 1
    for s in reversed(shape):
        out.append(acc)
        acc *= s
    return tuple(reversed(out))


def _collapsible(dims: tuple, strides: tuple) -> bool:
    """Walking `dims` in C order visits offsets k * stride for one stride."""
    dims_strides = [(d, s) for d, s in zip(dims, strides) if d != 1]
    for (d0, s0), (d1, s1) in zip(dims_strides, dims_strides[1:]):
        if s0 != s1 * d1:
            return False
    return True


def _step(dims: tuple, strides: tuple) -> int:
    real = [s for d, s in zip(dims, strides) if d != 1]
    return real[-1] if real else 0


def run_plan_on_host(plan: GemmPlan, x: np.ndarray, y: np.ndarray, c: np.ndarray) -> None:
    """Execute a plan with numpy exactly as cuBLAS reads it (column-major, lda/ldb/ldc,
    strides and offsets from each array's first element): the host check of the index math."""
    if plan.copy_x:
        x = np.ascontiguousarray(x)
    if plan.copy_y:
        y = np.ascontiguousarray(y)
    if not plan.calls:
        c[...] = 0
        return

    def view(arr: np.ndarray, off: int, rows: int, cols: int, ld: int, stride: int, batch: int) -> np.ndarray:
        it = arr.itemsize
        buf = (ctypes.c_char * it).from_address(arr.ctypes.data + off * it)  # from arr's first element
        flat = np.frombuffer(buf, dtype=arr.dtype, count=1)
        return np.lib.stride_tricks.as_strided(flat, shape=(batch, rows, cols), strides=(stride * it, it, ld * it))

    for call in plan.calls:
        ra, ca = (call.m, call.k) if call.transa == OP_N else (call.k, call.m)
        rb, cb = (call.k, call.n) if call.transb == OP_N else (call.n, call.k)
        a = view(y, call.off_a, ra, ca, call.lda, call.stride_a, call.batch).astype(np.float64)
        b = view(x, call.off_b, rb, cb, call.ldb, call.stride_b, call.batch).astype(np.float64)
        a = a if call.transa == OP_N else a.transpose(0, 2, 1)
        b = b if call.transb == OP_N else b.transpose(0, 2, 1)
        out = view(c, call.off_c, call.m, call.n, call.ldc, call.stride_c, call.batch)
        out[...] = np.matmul(a, b).astype(c.dtype)


# ---- the primitive ---------------------------------------------------------------------------------------
def _elem_strides(a: Any) -> tuple:
    item = np.dtype(a.dtype).itemsize
    return tuple(s // item for s in a.strides)


_PLANS: dict[tuple, GemmPlan] = {}


def _matmul_impl(xp: Any, x: Any, y: Any) -> Any:
    runner = runner_for(xp)
    if runner is None:
        from ...ops.linalg import matmul_p
        out = matmul_p.impl(xp, x, y)
        # numpy's matmul of bfloat16 (ml_dtypes) arrays answers float32: keep the graph's type
        return out.astype(x.dtype, copy=False) if out.dtype != x.dtype else out
    key = (tuple(x.shape), tuple(x.strides), tuple(y.shape), tuple(y.strides), np.dtype(x.dtype).str)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = plan_matmul(x.shape, _elem_strides(x), y.shape, _elem_strides(y), x.dtype)
        record_path("matmul", "cuBLAS (direct)", f"{len(plan.calls)} call(s) for {list(x.shape)} @ {list(y.shape)}")
    c = xp.empty(plan.out_shape, x.dtype)
    runner.gemm(plan, xp.ascontiguousarray(x) if plan.copy_x else x, xp.ascontiguousarray(y) if plan.copy_y else y, c)
    return c


def _matmul_infer(x: Any, y: Any) -> Any:
    from ...ops.linalg import matmul_p
    return matmul_p.infer(x, y)


gpu_matmul_p = Primitive("gpu_matmul", _matmul_impl, _matmul_infer)


def _lowerable(n: Node) -> bool:
    return (n.prim.name == "matmul" and np.dtype(n.outs[0].dtype).name in CUDA_TYPES and not n.outs[0].is_dynamic
            and all(hasattr(a, "shape") for a in n.inputs))


def _swap_last(ndim: int) -> tuple:
    return tuple(range(ndim - 2)) + (ndim - 1, ndim - 2)


def lower_matmul(g: Graph) -> Graph:
    """matmul of float types (not dynamic) -> gpu_matmul; others keep cupy's matmul.

    transpose(matmul(a, b)) over the last two axes, the matmul read by nothing else (a
    weight gradient), becomes matmul(b^T, a^T) on transposed views: cuBLAS reads the
    views for free and the result comes out C-contiguous (what the multi-tensor optimizer
    update wants), instead of a transposed view of a product."""
    from ...ir.graph import Var
    from ...ops.array import transpose_p
    uses: dict[int, int] = {}
    for a in [a for n in g.nodes for a in n.inputs] + list(g.outputs):
        if isinstance(a, Var):
            uses[id(a)] = uses.get(id(a), 0) + 1
    prod = {id(o): i for i, n in enumerate(g.nodes) for o in n.outs}
    folded: dict[int, list] = {}
    for i, n in enumerate(g.nodes):
        if n.prim.name != "transpose" or not isinstance(n.inputs[0], Var):
            continue
        p = prod.get(id(n.inputs[0]))
        if p is None or not _lowerable(g.nodes[p]) or uses[id(n.inputs[0])] != 1:
            continue
        a, b = g.nodes[p].inputs
        if a.ndim < 2 or b.ndim < 2 or n.outs[0].ndim != max(a.ndim, b.ndim) \
                or tuple(n.params["perm"]) != _swap_last(n.outs[0].ndim):
            continue
        bt = Var(b.shape[:-2] + (b.shape[-1], b.shape[-2]), b.dtype)
        at = Var(a.shape[:-2] + (a.shape[-1], a.shape[-2]), a.dtype)
        folded[i] = [Node(transpose_p, (b,), {"perm": _swap_last(b.ndim)}, (bt,), n.loc),
                     Node(transpose_p, (a,), {"perm": _swap_last(a.ndim)}, (at,), n.loc),
                     Node(gpu_matmul_p, (bt, at), {}, n.outs, n.loc)]
        folded[p] = []
    nodes = []
    for i, n in enumerate(g.nodes):
        if i in folded:
            nodes += folded[i]
            continue
        if _lowerable(n):
            n = Node(gpu_matmul_p, n.inputs, {}, n.outs, n.loc)
        nodes.append(n)
    return Graph(g.name, g.inputs, nodes, g.outputs)


# ---- the library --------------------------------------------------------------------------------------
def find_cublas() -> tuple[Any, str | None]:
    """libcublas: the one this process already loaded (through cupy), then NVIDIA's wheels,
    then the system's."""
    cands: list[str] = []
    with contextlib.suppress(OSError):
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if os.path.basename(path).startswith("libcublas.so") and path not in cands:
                    cands.append(path)
    roots = list(sys.path) + list(getattr(site, "getsitepackages", list)())
    for r in roots:
        for sub in ("nvidia/cublas/lib", "nvidia/cu13/lib", "nvidia/cu12/lib"):
            cands += [p for p in sorted(glob.glob(os.path.join(r, sub, "libcublas.so*"))) if p not in cands]
    found = ctypes.util.find_library("cublas")
    cands += [c for c in (found, "libcublas.so.13", "libcublas.so.12", "libcublas.so") if c]
    for c in cands:
        try:
            return ctypes.CDLL(c), c
        except OSError:
            continue
    return None, None


class Cublas:
    """One cuBLAS handle per thread, its stream set to cupy's current stream and its
    workspace to a buffer allocated once (both before any capture: the probe's order,
    cublasSetStream first since it resets the workspace)."""

    def __init__(self, cp: Any) -> None:
        self.cp = cp
        lib, self.path = find_cublas()
        if lib is None:
            raise RuntimeError("libcublas not found (install the CUDA toolkit or the nvidia-cublas wheel)")
        vp, i, ll = ctypes.c_void_p, ctypes.c_int, ctypes.c_longlong
        lib.cublasCreate_v2.argtypes = [ctypes.POINTER(vp)]
        lib.cublasSetStream_v2.argtypes = [vp, vp]
        lib.cublasSetWorkspace_v2.argtypes = [vp, vp, ctypes.c_size_t]
        lib.cublasGemmStridedBatchedEx.argtypes = [vp, i, i, i, i, i, vp, vp, i, i, ll, vp, i, i, ll, vp, vp, i, i,
                                                   ll, i, i, i]
        self.lib = lib
        self._local = threading.local()

    def _handle(self) -> Any:
        st = self._local
        if getattr(st, "handle", None) is None:
            h = ctypes.c_void_p()
            _check(self.lib.cublasCreate_v2(ctypes.byref(h)), "cublasCreate")
            st.handle, st.stream = h, None
            st.workspace = self.cp.empty(WORKSPACE_BYTES, self.cp.uint8)
        stream = self.cp.cuda.get_current_stream().ptr
        if stream != st.stream:
            _check(self.lib.cublasSetStream_v2(st.handle, ctypes.c_void_p(stream)), "cublasSetStream")
            _check(self.lib.cublasSetWorkspace_v2(st.handle, ctypes.c_void_p(st.workspace.data.ptr), WORKSPACE_BYTES),
                   "cublasSetWorkspace")
            st.stream = stream
        return st.handle

    def run(self, plan: GemmPlan, x: Any, y: Any, c: Any) -> None:
        h = self._handle()
        dt = CUDA_TYPES[plan.dtype]
        if plan.dtype == "float64":
            compute, alpha, beta = COMPUTE_64F, ctypes.c_double(1.0), ctypes.c_double(0.0)
        else:
            compute = COMPUTE_32F_FAST_TF32 if plan.dtype == "float32" and _TF32[0] else COMPUTE_32F
            alpha, beta = ctypes.c_float(1.0), ctypes.c_float(0.0)
        it = np.dtype(x.dtype).itemsize
        pa, pb, pc = y.data.ptr, x.data.ptr, c.data.ptr
        for call in plan.calls:
            st = self.lib.cublasGemmStridedBatchedEx(
                h, call.transa, call.transb, call.m, call.n, call.k, ctypes.byref(alpha),
                ctypes.c_void_p(pa + call.off_a * it), dt, call.lda, call.stride_a,
                ctypes.c_void_p(pb + call.off_b * it), dt, call.ldb, call.stride_b, ctypes.byref(beta),
                ctypes.c_void_p(pc + call.off_c * it), dt, call.ldc, call.stride_c, call.batch, compute, GEMM_DEFAULT)
            _check(st, "cublasGemmStridedBatchedEx")


_STATUS = {1: "NOT_INITIALIZED", 3: "ALLOC_FAILED", 7: "INVALID_VALUE", 8: "ARCH_MISMATCH", 11: "MAPPING_ERROR",
           13: "EXECUTION_FAILED", 14: "INTERNAL_ERROR", 15: "NOT_SUPPORTED", 16: "LICENSE_ERROR"}


def _check(status: int, fn: str) -> None:
    if status != 0:
        raise RuntimeError(f"{fn} failed: CUBLAS_STATUS_{_STATUS.get(status, status)}")
