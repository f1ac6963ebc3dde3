"""Convolutions on the GPU: cuDNN through NVIDIA's frontend where it is installed, else
im2col + cuBLAS; the path taken (and why) is recorded (runtime.record_path).

`conv2d`, `conv2d_backprop_input` and `conv2d_backprop_filter` nodes become `gpu_conv`
nodes. At the first run of a shape a `ConvPlan` describes the problem (kind, NCHW sizes,
strides of every tensor - so NHWC/channels-last views are described, not copied -
padding, stride, dilation, groups, dtypes, math mode); it is plain data, printed by
`describe()` and unit-tested without a GPU.
  * cuDNN (`gpu` extra: nvidia-cudnn-frontend and the cuDNN runtime wheel): the plan
    becomes a frontend graph (conv_fprop / conv_dgrad / conv_wgrad), built once per plan
    (validate, heuristics A then fallback, check support, build) with its workspace and
    cached; execution takes cupy arrays and runs on cupy's current stream, so it can be
    captured. cuDNN wants symmetric padding here: other paddings take the fallback.
  * im2col + cuBLAS: generated im2col/col2im kernels (codegen_cuda.py) and the direct
    cuBLAS GEMMs of cublas.py (capturable as well).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import codegen_cuda as cg
from ...core.prim import Aval, Primitive
from ...ir.graph import Graph, Node
from ...passes.cse import freeze
from .cublas import plan_matmul, tf32_enabled
from .runtime import record_path, runner_for

KINDS = {"conv2d": "fprop", "conv2d_backprop_input": "dgrad", "conv2d_backprop_filter": "wgrad"}


@dataclass(frozen=True)
class ConvPlan:
    """One convolution problem (NCHW sizes; strides in elements per NCHW/KCRS dimension)."""
    kind: str                 # fprop | dgrad | wgrad
    x: tuple                  # (N, C, H, W)
    w: tuple                  # (K, C/groups, R, S)
    y: tuple                  # (N, K, OH, OW)
    stride: tuple
    pads: tuple               # (top, bottom, left, right)
    dilation: tuple
    groups: int
    dtype: str
    x_strides: tuple
    w_strides: tuple
    y_strides: tuple
    tf32: bool = False

    @property
    def layout(self) -> str:
        """NHWC when the image tensor's channels are innermost (channels-last), else NCHW."""
        st = self.x_strides
        return "NHWC" if st[1] == 1 and self.x[1] > 1 else "NCHW"

    def cudnn_reason(self) -> str | None:
        """Why cuDNN cannot take this plan (None: it can)."""
        if self.dtype not in ("float16", "bfloat16", "float32", "float64"):
            return f"dtype {self.dtype}"
        if self.pads[0] != self.pads[1] or self.pads[2] != self.pads[3]:
            return f"asymmetric padding {list(self.pads)}"
        return None

    def describe(self) -> dict:
        """The plan as the cuDNN graph will see it (shapes, strides, layout, math)."""
        io = {"X": (self.x, self.x_strides), "W": (self.w, self.w_strides), "Y": (self.y, self.y_strides)}
        role = {"fprop": ("X", "W", "Y"), "dgrad": ("DY", "W", "DX"), "wgrad": ("X", "DY", "DW")}[self.kind]
        names = {"fprop": {"X": "X", "W": "W", "Y": "Y"}, "dgrad": {"X": "DX", "W": "W", "Y": "DY"},
                 "wgrad": {"X": "X", "W": "DW", "Y": "DY"}}[self.kind]
        tensors = {names[k]: {"dim": list(d), "stride": list(s)} for k, (d, s) in io.items()}
        return {"op": {"fprop": "conv_fprop", "dgrad": "conv_dgrad", "wgrad": "conv_wgrad"}[self.kind],
                "inputs": list(role[:2]), "output": role[2], "tensors": tensors, "layout": self.layout,
                "padding": [self.pads[0], self.pads[2]], "stride": list(self.stride),
                "dilation": list(self.dilation), "groups": self.groups, "io_type": self.dtype,
                "compute_type": "double" if self.dtype == "float64" else "float",
                "tf32": bool(self.tf32 and self.dtype == "float32")}


def _elem_strides(a: Any) -> tuple:
    item = np.dtype(a.dtype).itemsize
    return tuple(int(s) // item for s in a.strides)


def _cs(shape: tuple) -> tuple:
    out, acc = [], 1
    for s in reversed(shape):
        out.append(acc)
        acc *= s
    return tuple(reversed(out))


def make_plan(kind: str, a: Any, b: Any, params: dict) -> ConvPlan:
    """The plan of a conv node from its operands (arrays or avals with strides)."""
    stride, pads, dilation, groups = (tuple(params["stride"]), tuple(params["pads"]), tuple(params["dilation"]),
                                      int(params["groups"]))
    if kind == "fprop":
        x, w = a, b
        n, c, h, wd = x.shape
        k, _, r, s = w.shape
        oh = (h + pads[0] + pads[1] - dilation[0] * (r - 1) - 1) // stride[0] + 1
        ow = (wd + pads[2] + pads[3] - dilation[1] * (s - 1) - 1) // stride[1] + 1
        y_shape = (n, k, oh, ow)
        xs, ws, ys = _elem_strides(x), _elem_strides(w), _cs(y_shape)
        x_shape, w_shape = tuple(x.shape), tuple(w.shape)
    elif kind == "dgrad":
        dy, w = a, b
        x_shape, w_shape, y_shape = tuple(params["input_shape"]), tuple(w.shape), tuple(dy.shape)
        xs, ws, ys = _cs(x_shape), _elem_strides(w), _elem_strides(dy)
    else:
        dy, x = a, b
        x_shape, w_shape, y_shape = tuple(x.shape), tuple(params["filter_shape"]), tuple(dy.shape)
        xs, ws, ys = _elem_strides(x), _cs(w_shape), _elem_strides(dy)
    return ConvPlan(kind, x_shape, w_shape, tuple(y_shape), stride, pads, dilation, groups, np.dtype(a.dtype).name,
                    xs, ws, ys, tf32_enabled())


# ---- the im2col + cuBLAS path ---------------------------------------------------------------------------
def _gemm(runner: Any, a: Any, b: Any) -> Any:
    plan = plan_matmul(a.shape, _elem_strides(a), b.shape, _elem_strides(b), a.dtype)
    xp = runner.xp
    c = xp.empty(plan.out_shape, a.dtype)
    runner.gemm(plan, xp.ascontiguousarray(a) if plan.copy_x else a, xp.ascontiguousarray(b) if plan.copy_y else b, c)
    return c


def fallback_kernels(plan: ConvPlan) -> list:
    """The generated kernels the im2col + cuBLAS path of a plan launches."""
    kh, kw = plan.w[2:]
    oh, ow = plan.y[2:]
    geo = (plan.x, (kh, kw), plan.stride, plan.pads, plan.dilation, (oh, ow), plan.dtype)
    if plan.kind == "dgrad":
        return [cg.col2im_kernel(f"col2im_{_tag(plan)}", *geo)]
    return [cg.im2col_kernel(f"im2col_{_tag(plan)}", *geo)]


def _im2col(runner: Any, plan: ConvPlan, x: Any) -> Any:
    xp = runner.xp
    n, c, h, w = plan.x
    _, _, kh, kw = plan.w
    oh, ow = plan.y[2:]
    col = xp.empty((c * kh * kw, n * oh * ow), x.dtype)
    runner.launch(fallback_kernels(plan)[0], [xp.ascontiguousarray(x), col])
    return col


def _tag(plan: ConvPlan) -> str:
    import hashlib
    return hashlib.sha1(repr((plan.x, plan.w, plan.stride, plan.pads, plan.dilation, plan.dtype)).encode()).hexdigest()[:12]


def im2col_conv(runner: Any, plan: ConvPlan, a: Any, b: Any) -> Any:
    """fprop / dgrad / wgrad through im2col (or col2im) and cuBLAS GEMMs."""
    xp = runner.xp
    g = plan.groups
    n, c, h, w = plan.x
    k, cg_, kh, kw = plan.w
    oh, ow = plan.y[2:]
    p = n * oh * ow
    if plan.kind == "fprop":
        col = _im2col(runner, plan, a).reshape(g, cg_ * kh * kw, p)
        wm = xp.ascontiguousarray(b).reshape(g, k // g, cg_ * kh * kw)
        y = _gemm(runner, wm, col)                                  # (g, K/g, N*OH*OW)
        return xp.ascontiguousarray(y.reshape(k, n, oh, ow).transpose(1, 0, 2, 3))
    dy = xp.ascontiguousarray(xp.ascontiguousarray(a).transpose(1, 0, 2, 3)).reshape(g, k // g, p)
    if plan.kind == "wgrad":
        col = _im2col(runner, plan, b).reshape(g, cg_ * kh * kw, p)
        dw = _gemm(runner, dy, col.transpose(0, 2, 1))              # (g, K/g, C/g*KH*KW)
        return dw.reshape(plan.w)
    wm = xp.ascontiguousarray(b).reshape(g, k // g, cg_ * kh * kw)
    gcol = _gemm(runner, wm.transpose(0, 2, 1), dy)                 # (g, C/g*KH*KW, N*OH*OW)
    dx = xp.empty(plan.x, a.dtype)
    runner.launch(fallback_kernels(plan)[0], [xp.ascontiguousarray(gcol), dx])
    return dx


# ---- the cuDNN path -----------------------------------------------------------------------------------
def _preload_cudnn() -> None:
    """Load the cuDNN runtime of an `nvidia-cudnn-cu*` wheel on sys.path (globally), so the
    frontend finds it wherever the two wheels were installed (a --target folder, say)."""
    import ctypes
    import glob
    import os
    import sys
    for root in sys.path:
        for path in sorted(glob.glob(os.path.join(root or ".", "nvidia", "cudnn", "lib", "libcudnn.so*"))):
            try:
                ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
                return
            except OSError:
                continue


def cudnn_module() -> Any:
    """The cuDNN frontend module, or None when the `gpu` extra's frontend (or the cuDNN
    runtime) is not installed."""
    try:
        _preload_cudnn()  # before the import: the frontend resolves the library when first used
        import cudnn  # noqa: F401  (nvidia-cudnn-frontend)
        cudnn.backend_version()
        return cudnn
    except Exception:  # noqa: BLE001 - missing wheel or runtime library
        return None


_IO = {"float16": "HALF", "bfloat16": "BFLOAT16", "float32": "FLOAT", "float64": "DOUBLE"}


def build_cudnn_graph(cudnn: Any, plan: ConvPlan, handle: Any = None) -> tuple:
    """The frontend graph of a plan and its (first input, second input, output) tensors, built
    up to `str(graph)` (no GPU needed); `finalize` makes it executable."""
    io = getattr(cudnn.data_type, _IO[plan.dtype])
    comp = cudnn.data_type.DOUBLE if plan.dtype == "float64" else cudnn.data_type.FLOAT
    kw = dict(io_data_type=io, intermediate_data_type=comp, compute_data_type=comp)
    if handle is not None:
        kw["handle"] = handle
    try:  # the step is replayed from a captured CUDA graph: say so, where the frontend asks
        graph = cudnn.pygraph(is_cuda_graph_replay_expected=True, **kw)
    except TypeError:
        graph = cudnn.pygraph(**kw)
    d = plan.describe()
    geo = dict(padding=d["padding"], stride=d["stride"], dilation=d["dilation"])
    t = d["tensors"]

    def tensor(name: str) -> Any:
        return graph.tensor(name=name, dim=t[name]["dim"], stride=t[name]["stride"], data_type=io)
    if plan.kind == "fprop":
        a, b = tensor("X"), tensor("W")
        out = graph.conv_fprop(image=a, weight=b, **geo)
        name = "Y"
    elif plan.kind == "dgrad":
        a, b = tensor("DY"), tensor("W")
        out = graph.conv_dgrad(loss=a, filter=b, **geo)
        name = "DX"
    else:
        a, b = tensor("X"), tensor("DY")
        out = graph.conv_wgrad(image=a, loss=b, **geo)
        name = "DW"
    out.set_output(True).set_dim(t[name]["dim"]).set_stride(t[name]["stride"]).set_data_type(io)
    return graph, a, b, out


def finalize(cudnn: Any, graph: Any, plan: ConvPlan) -> None:
    """Validate, pick engines (heuristics A, then fallback) and build the plans (needs a GPU)."""
    graph.validate()
    graph.build_operation_graph()
    if plan.dtype == "float32" and not plan.tf32:
        deselect = getattr(graph, "deselect_numeric_notes", None)
        if deselect is not None:  # keep float32 exact: no TF32 tensor-core engines (a filter on the plans)
            deselect([cudnn.numerical_note.TENSOR_CORE])
    graph.create_execution_plans([cudnn.heur_mode.A, cudnn.heur_mode.FALLBACK])
    graph.check_support()
    graph.build_plans()


class CudnnConvs:
    """cuDNN convolution plans of one device, built once per ConvPlan (with their workspace)."""

    def __init__(self, cp: Any) -> None:
        self.cp = cp
        self.cudnn = cudnn_module()
        self._graphs: dict[ConvPlan, tuple] = {}
        self._local = threading.local()
        self._lock = threading.Lock()

    def available(self) -> bool:
        return self.cudnn is not None

    def _handle(self) -> Any:
        st = self._local
        if getattr(st, "handle", None) is None:
            st.handle, st.stream = self.cudnn.create_handle(), None
        stream = self.cp.cuda.get_current_stream().ptr
        if stream != st.stream:
            self.cudnn.set_stream(handle=st.handle, stream=stream)
            st.stream = stream
        return st.handle

    def run(self, plan: ConvPlan, a: Any, b: Any) -> Any:
        handle = self._handle()
        entry = self._graphs.get(plan)
        if entry is None:
            graph, ta, tb, tout = build_cudnn_graph(self.cudnn, plan, handle)
            finalize(self.cudnn, graph, plan)
            ws = self.cp.empty(max(1, graph.get_workspace_size()), self.cp.uint8)
            entry = (graph, ta, tb, tout, ws)
            with self._lock:
                self._graphs[plan] = entry
        graph, ta, tb, tout, ws = entry
        out_shape = {"fprop": plan.y, "dgrad": plan.x, "wgrad": plan.w}[plan.kind]
        out = self.cp.empty(out_shape, a.dtype)
        graph.execute({ta: a, tb: b, tout: out}, ws, handle=handle)
        return out


# ---- the primitive --------------------------------------------------------------------------------------
class ConvOp:
    __slots__ = ("_key", "kind", "params", "prim")

    def __init__(self, prim: Any, params: dict) -> None:
        self.prim, self.params, self.kind = prim, dict(params), KINDS[prim.name]
        self._key = (prim.name, freeze(self.params))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConvOp) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"{self.kind}({', '.join(f'{k}={v}' for k, v in self.params.items())})"


_DECIDED: dict[tuple, str] = {}


def _conv_impl(xp: Any, a: Any, b: Any, op: ConvOp) -> Any:
    runner = runner_for(xp)
    if runner is None:
        return op.prim.impl(xp, a, b, **op.params)
    plan = make_plan(op.kind, a, b, op.params)
    convs = runner.conv
    reason = plan.cudnn_reason() if convs is not None and convs.available() else "cuDNN frontend not installed"
    if reason is None and _DECIDED.get(plan) != "fallback":
        try:
            out = convs.run(plan, a, b)
            _DECIDED[plan] = "cudnn"
            record_path(op.prim.name, "cuDNN", f"{plan.layout} {plan.dtype}")
            return out
        except Exception as e:  # noqa: BLE001 - an unsupported configuration: fall back, say why
            reason = f"cuDNN refused the plan: {type(e).__name__}: {e}"
            _DECIDED[plan] = "fallback"
    record_path(op.prim.name, "im2col + cuBLAS", reason or "an earlier cuDNN failure")
    return im2col_conv(runner, plan, a, b)


def _conv_infer(a: Any, b: Any, op: ConvOp) -> Aval:
    return op.prim.infer(a, b, **op.params)


gpu_conv_p = Primitive("gpu_conv", _conv_impl, _conv_infer)


def lower_conv(g: Graph) -> Graph:
    nodes = []
    for n in g.nodes:
        if n.prim.name in KINDS and np.dtype(n.outs[0].dtype).name in _IO and len(n.inputs) == 2:
            n = Node(gpu_conv_p, n.inputs, {"op": ConvOp(n.prim, n.params)}, n.outs, n.loc)
        nodes.append(n)
    return Graph(g.name, g.inputs, nodes, g.outputs)
