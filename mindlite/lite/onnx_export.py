"""ONNX export (opset 17) of a captured graph; needs the `mindlite[onnx]` extra.

The graph's weights are frozen into initializers, constants are folded, identities removed
and bias adds fused (optimize.py), so Dense becomes one Gemm and Conv takes its bias; batch
norm stays a BatchNormalization node. Every node maps to ONNX ops by the table `_MAPPERS`;
an op without a mapping raises UnsupportedError naming it, its scope and the supported
list. int8 models (quant.py) are written in QDQ form: QuantizeLinear/DequantizeLinear around
float Conv/Gemm with int8 weights and int32 biases, which onnxruntime runs as int8 kernels.
A dynamic batch becomes the symbolic dimension "N"; Reshape targets that follow the batch
get 0 (copy) or -1 there. The model passes `onnx.checker.check_model(full_check=True)`.
"""
from __future__ import annotations

from mindlite.core.prim import UnsupportedError

import logging
from typing import Any, Callable

import numpy as np

from ..ir.graph import Graph, Lit, Var
from .optimize import fold_constants_dce, freeze_weights, fuse_bias_act, remove_identities

OPSET = 17
_log = logging.getLogger("mindlite")


def require_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install mindlite[onnx]") from None
    return onnx


def _prepare(mg: Any, batch: int) -> tuple[Graph, Any]:
    spec = mg.specialize(batch)
    g, sources = freeze_weights(spec.graph, spec.sources, mg.weights)
    if any(s[0] != "input" for s in sources):
        raise UnsupportedError("ONNX export: graphs with random ops cannot be exported")
    g = fuse_bias_act(remove_identities(fold_constants_dce(g)))
    return g, spec


class _Emitter:
    """Builds the ONNX node list and initializers for one graph."""

    def __init__(self, onnx: Any, g: Graph, scopes: dict, batch_dims: dict) -> None:
        self.onnx, self.g, self.scopes, self.batch_dims = onnx, g, scopes, batch_dims
        self.nodes: list = []
        self.inits: list = []
        self.names: dict[int, str] = {}
        self.keep: list = []
        self.counter = 0
        self.producer = {id(o): n for n in g.nodes for o in n.outs}
        self.uses: dict[int, int] = {}
        for n in g.nodes:
            for a in n.inputs:
                if isinstance(a, Var):
                    self.uses[id(a)] = self.uses.get(id(a), 0) + 1
        self.skip: set[int] = set()

    def fresh(self, hint: str) -> str:
        self.counter += 1
        return f"{hint}_{self.counter}"

    def name(self, v: Var) -> str:
        if id(v) not in self.names:
            self.names[id(v)] = self.fresh("v")
            self.keep.append(v)
        return self.names[id(v)]

    def const(self, arr: Any, hint: str = "const") -> str:
        from onnx import numpy_helper
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(np.asarray(arr)), name))
        return name

    def operand(self, a: Any, dtype: Any = None) -> str:
        """The ONNX name of an operand, cast to `dtype` when given (constants converted)."""
        if isinstance(a, Lit):
            arr = np.asarray(a.value)
            return self.const(arr if dtype is None else arr.astype(dtype))
        if dtype is not None and a.dtype != np.dtype(dtype):
            return self.op("Cast", [self.name(a)], to=_onnx_type(self.onnx, dtype))
        return self.name(a)

    def op(self, op_type: str, inputs: list, outputs: list | None = None, **attrs: Any) -> Any:
        outs = outputs or [self.fresh(op_type.lower())]
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, outs, name=self.fresh(op_type), **attrs))
        return outs[0] if len(outs) == 1 else outs

    def out(self, n: Any, k: int = 0) -> list:
        return [self.name(n.outs[k])]


def _onnx_type(onnx: Any, dtype: Any) -> int:
    return onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def _promoted(n: Any) -> Any:
    kinds = [a.dtype for a in n.inputs if isinstance(a, Var)]
    arrays = [np.asarray(a.value).dtype for a in n.inputs if isinstance(a, Lit) and hasattr(a.value, "dtype")]
    return np.result_type(*(kinds + arrays)) if kinds or arrays else n.outs[0].dtype


# ---- mappers: fn(emitter, node) ---------------------------------------------------------------------------
def _unary(op_type: str) -> Callable:
    def emit(e: _Emitter, n: Any) -> None:
        e.op(op_type, [e.operand(n.inputs[0], n.outs[0].dtype)], e.out(n))
    return emit


def _binary(op_type: str, compare: bool = False) -> Callable:
    def emit(e: _Emitter, n: Any) -> None:
        dt = _promoted(n) if compare else n.outs[0].dtype
        e.op(op_type, [e.operand(a, dt) for a in n.inputs], e.out(n))
    return emit


def _not_equal(e: _Emitter, n: Any) -> None:
    dt = _promoted(n)
    eq = e.op("Equal", [e.operand(a, dt) for a in n.inputs])
    e.op("Not", [eq], e.out(n))


def _rsqrt(e: _Emitter, n: Any) -> None:
    e.op("Reciprocal", [e.op("Sqrt", [e.operand(n.inputs[0], n.outs[0].dtype)])], e.out(n))


def _square(e: _Emitter, n: Any) -> None:
    x = e.operand(n.inputs[0], n.outs[0].dtype)
    e.op("Mul", [x, x], e.out(n))


def _gelu(e: _Emitter, n: Any) -> None:
    dt = n.outs[0].dtype
    x = e.operand(n.inputs[0], dt)
    if n.params.get("approximate", "none") == "tanh":
        c = np.sqrt(2 / np.pi)
        cube = e.op("Mul", [e.op("Mul", [x, x]), x])
        inner = e.op("Mul", [e.op("Add", [x, e.op("Mul", [cube, e.const(np.array(0.044715, dt))])]),
                             e.const(np.array(c, dt))])
        t = e.op("Tanh", [inner])
    else:
        t = e.op("Erf", [e.op("Mul", [x, e.const(np.array(1 / np.sqrt(2), dt))])])
    half = e.op("Mul", [x, e.const(np.array(0.5, dt))])
    e.op("Mul", [half, e.op("Add", [t, e.const(np.array(1.0, dt))])], e.out(n))


def _onnx_pads(pads: tuple) -> list:
    t, b, l, r = pads
    return [int(t), int(l), int(b), int(r)]


def _conv_attrs(p: dict) -> dict:
    return {"strides": list(p["stride"]), "pads": _onnx_pads(p["pads"]), "dilations": list(p["dilation"]),
            "group": int(p["groups"])}


def _conv(e: _Emitter, n: Any) -> None:
    w = n.inputs[1]
    kernel = list(w.shape[2:]) if isinstance(w, Var) else list(np.asarray(w.value).shape[2:])
    ins = [e.operand(a) for a in n.inputs[:3 if n.prim.name == "lite_conv2d" else 2]]
    act = n.params.get("act", "none")
    y = e.op("Conv", ins, None if act == "relu" else e.out(n), kernel_shape=kernel, **_conv_attrs(n.params))
    if act == "relu":
        e.op("Relu", [y], e.out(n))


def _dense(e: _Emitter, n: Any) -> None:
    x, wt, b = n.inputs
    act = n.params["act"]
    target = None if act == "relu" else e.out(n)
    if x.ndim == 2:  # Dense -> Gemm
        y = e.op("Gemm", [e.operand(x), e.operand(wt), e.operand(b)], target)
    else:
        y = e.op("Add", [e.op("MatMul", [e.operand(x), e.operand(wt)]), e.operand(b)], target)
    if act == "relu":
        e.op("Relu", [y], e.out(n))


def _matmul(e: _Emitter, n: Any) -> None:
    e.op("MatMul", [e.operand(a, n.outs[0].dtype) for a in n.inputs], e.out(n))


def _only_first_output(e: _Emitter, n: Any) -> None:
    for o in n.outs[1:]:
        if e.uses.get(id(o)) or any(o is a for a in e.g.outputs):
            raise UnsupportedError(f"ONNX export: {n.prim.name} (scope {e.scopes.get(id(n), '?')}) uses its "
                                      "statistics outputs, which have no ONNX equivalent")


def _batch_norm(e: _Emitter, n: Any) -> None:
    if n.params["training"]:
        raise UnsupportedError("ONNX export: batch_norm in training mode")
    _only_first_output(e, n)
    x, gamma, beta, mean, var = n.inputs
    e.op("BatchNormalization", [e.operand(x), e.operand(gamma), e.operand(beta), e.operand(mean), e.operand(var)],
         e.out(n), epsilon=float(n.params["eps"]))


def _layer_norm(e: _Emitter, n: Any) -> None:
    p = n.params
    if p["begin_norm_axis"] != p["begin_params_axis"]:
        raise UnsupportedError("ONNX export: layer_norm with begin_norm_axis != begin_params_axis")
    _only_first_output(e, n)
    e.op("LayerNormalization", [e.operand(a) for a in n.inputs], e.out(n), axis=int(p["begin_norm_axis"]),
         epsilon=float(p["eps"]))


def _max_pool(e: _Emitter, n: Any) -> None:
    p = n.params
    e.op("MaxPool", [e.operand(n.inputs[0])], e.out(n), kernel_shape=list(p["kernel"]), strides=list(p["stride"]),
         pads=_onnx_pads(p["pads"]), dilations=list(p.get("dilation", (1, 1))), ceil_mode=int(p.get("ceil_mode", 0)))


def _avg_pool(e: _Emitter, n: Any) -> None:
    p = n.params
    if p.get("divisor_override"):
        raise UnsupportedError("ONNX export: avg_pool2d with divisor_override")
    e.op("AveragePool", [e.operand(n.inputs[0])], e.out(n), kernel_shape=list(p["kernel"]),
         strides=list(p["stride"]), pads=_onnx_pads(p["pads"]), ceil_mode=int(p.get("ceil_mode", 0)),
         count_include_pad=int(p.get("count_include_pad", True)))


def _adaptive_pool(e: _Emitter, n: Any) -> None:
    x = n.inputs[0]
    (h, w), (oh, ow) = x.shape[-2:], n.params["output_size"]
    if x.ndim != 4 or h % oh or w % ow:
        raise UnsupportedError(f"ONNX export: adaptive_avg_pool2d from {list(x.shape)} to {[oh, ow]} (only "
                                  "4-D inputs whose size divides evenly)")
    if (oh, ow) == (1, 1):
        e.op("GlobalAveragePool", [e.operand(x)], e.out(n))
    else:
        e.op("AveragePool", [e.operand(x)], e.out(n), kernel_shape=[h // oh, w // ow], strides=[h // oh, w // ow])


def _reshape(e: _Emitter, n: Any) -> None:
    target = e.batch_dims.get(id(n), list(n.params["shape"]))
    e.op("Reshape", [e.operand(n.inputs[0]), e.const(np.array(target, np.int64), "shape")], e.out(n))


def _pad(e: _Emitter, n: Any) -> None:
    paddings, mode = n.params["paddings"], n.params["mode"]
    onnx_mode = {"constant": "constant", "reflect": "reflect", "edge": "edge"}.get(mode)
    if onnx_mode is None or any(a < 0 or b < 0 for a, b in paddings):
        raise UnsupportedError(f"ONNX export: pad with mode {mode!r} and paddings {list(paddings)} (negative "
                                  "paddings crop; ONNX Pad takes constant/reflect/edge)")
    pads = [int(a) for a, _ in paddings] + [int(b) for _, b in paddings]
    ins = [e.operand(n.inputs[0]), e.const(np.array(pads, np.int64), "pads")]
    if onnx_mode == "constant":
        value = n.params.get("value")
        ins.append(e.const(np.array(0 if value is None else value, n.outs[0].dtype), "pad_value"))
    e.op("Pad", ins, e.out(n), mode=onnx_mode)


def _transpose(e: _Emitter, n: Any) -> None:
    e.op("Transpose", [e.operand(n.inputs[0])], e.out(n), perm=[int(i) for i in n.params["perm"]])


def _concat(e: _Emitter, n: Any) -> None:
    e.op("Concat", [e.operand(a, n.outs[0].dtype) for a in n.inputs], e.out(n), axis=int(n.params["axis"]))


def _softmax(op_type: str) -> Callable:
    def emit(e: _Emitter, n: Any) -> None:
        e.op(op_type, [e.operand(n.inputs[0])], e.out(n), axis=int(n.params["axis"]))
    return emit


def _cast(e: _Emitter, n: Any) -> None:
    e.op("Cast", [e.operand(n.inputs[0])], e.out(n), to=_onnx_type(e.onnx, n.outs[0].dtype))


def _reduce(op_type: str) -> Callable:
    def emit(e: _Emitter, n: Any) -> None:
        axes = [int(a) for a in n.params["axis"]]
        keep = int(n.params["keepdims"])
        if op_type == "ReduceSum":  # opset 13+: axes is an input
            e.op(op_type, [e.operand(n.inputs[0]), e.const(np.array(axes, np.int64), "axes")], e.out(n), keepdims=keep)
        else:
            e.op(op_type, [e.operand(n.inputs[0])], e.out(n), axes=axes, keepdims=keep)
    return emit


def _mean_of(e: _Emitter, n: Any) -> Any:
    """The reduce_sum node that `n` (a div by the element count) turns into a mean, or None."""
    x, d = n.inputs
    r = e.producer.get(id(x)) if isinstance(x, Var) else None
    if r is None or r.prim.name != "reduce_sum" or e.uses.get(id(x)) != 1 or not isinstance(d, Lit):
        return None
    count = int(np.prod([r.inputs[0].shape[a] for a in r.params["axis"]]))
    value = np.asarray(d.value)
    return r if value.size == 1 and float(value) == count and n.outs[0].dtype == x.dtype else None


def _div(e: _Emitter, n: Any) -> None:
    r = _mean_of(e, n)
    if r is None:
        return _binary("Div")(e, n)
    e.op("ReduceMean", [e.operand(r.inputs[0])], e.out(n), axes=[int(a) for a in r.params["axis"]],
         keepdims=int(r.params["keepdims"]))


def _reduce_sum(e: _Emitter, n: Any) -> None:
    users = [m for m in e.g.nodes if any(a is n.outs[0] for a in m.inputs)]
    if len(users) == 1 and users[0].prim.name == "div" and _mean_of(e, users[0]) is n:
        return  # written as ReduceMean by its div
    _reduce("ReduceSum")(e, n)


def _where(e: _Emitter, n: Any) -> None:
    c, x, y = n.inputs
    e.op("Where", [e.operand(c, np.bool_), e.operand(x, n.outs[0].dtype), e.operand(y, n.outs[0].dtype)], e.out(n))


def _identity(e: _Emitter, n: Any) -> None:
    e.op("Identity", [e.operand(n.inputs[0])], e.out(n))


def _qdq_input(e: _Emitter, x: Any, scale: float, zp: int) -> str:
    s, z = e.const(np.array(scale, np.float32), "x_scale"), e.const(np.array(zp, np.int8), "x_zp")
    return e.op("DequantizeLinear", [e.op("QuantizeLinear", [e.operand(x), s, z]), s, z])


def _qdq_output(e: _Emitter, n: Any, y: str) -> None:
    p = n.params
    if p["out_scale"] > 0:
        s, z = e.const(np.array(p["out_scale"], np.float32), "y_scale"), e.const(np.array(p["out_zp"], np.int8), "y_zp")
        y = e.op("QuantizeLinear", [y, s, z])
        e.op("DequantizeLinear", [y, s, z], e.out(n))
    else:
        e.op("Identity", [y], e.out(n))


def _q_weights(e: _Emitter, n: Any, axis: int) -> tuple[str, str]:
    p = n.params
    _, qw, w_scale, b = n.inputs
    ws = np.asarray(w_scale.value, np.float32)
    w = e.op("DequantizeLinear", [e.const(np.asarray(qw.value), "qweight"), e.const(ws, "w_scale"),
                                  e.const(np.zeros(ws.shape, np.int8), "w_zp")], axis=axis)
    bscale = (np.float64(p["x_scale"]) * ws.astype(np.float64)).astype(np.float32)
    bq = np.round(np.asarray(b.value, np.float64) / bscale).astype(np.int32)
    bias = e.op("DequantizeLinear", [e.const(bq, "qbias"), e.const(bscale, "b_scale"),
                                     e.const(np.zeros(ws.shape, np.int32), "b_zp")], axis=0)
    return w, bias


def _qconv(e: _Emitter, n: Any) -> None:
    p = n.params
    x = _qdq_input(e, n.inputs[0], p["x_scale"], p["x_zp"])
    w, bias = _q_weights(e, n, 0)
    kernel = list(np.asarray(n.inputs[1].value).shape[2:])
    y = e.op("Conv", [x, w, bias], kernel_shape=kernel, **_conv_attrs(p))
    _qdq_output(e, n, e.op("Relu", [y]) if p["act"] == "relu" else y)


def _qdense(e: _Emitter, n: Any) -> None:
    p = n.params
    x = _qdq_input(e, n.inputs[0], p["x_scale"], p["x_zp"])
    w, bias = _q_weights(e, n, 1)
    if n.inputs[0].ndim == 2:
        y = e.op("Gemm", [x, w, bias])
    else:
        y = e.op("Add", [e.op("MatMul", [x, w]), bias])
    _qdq_output(e, n, e.op("Relu", [y]) if p["act"] == "relu" else y)


_MAPPERS: dict[str, Callable] = {
    "add": _binary("Add"), "sub": _binary("Sub"), "mul": _binary("Mul"), "div": _div, "pow": _binary("Pow"),
    "maximum": _binary("Max"), "minimum": _binary("Min"),
    "equal": _binary("Equal", True), "not_equal": _not_equal, "less": _binary("Less", True),
    "less_equal": _binary("LessOrEqual", True), "greater": _binary("Greater", True),
    "greater_equal": _binary("GreaterOrEqual", True), "logical_and": _binary("And"), "logical_or": _binary("Or"),
    "logical_not": _unary("Not"), "neg": _unary("Neg"), "abs": _unary("Abs"), "exp": _unary("Exp"),
    "log": _unary("Log"), "sqrt": _unary("Sqrt"), "rsqrt": _rsqrt, "reciprocal": _unary("Reciprocal"),
    "square": _square, "sign": _unary("Sign"), "floor": _unary("Floor"), "ceil": _unary("Ceil"),
    "round": _unary("Round"), "sin": _unary("Sin"), "cos": _unary("Cos"), "erf": _unary("Erf"),
    "relu": _unary("Relu"), "sigmoid": _unary("Sigmoid"), "tanh": _unary("Tanh"), "gelu": _gelu,
    "softmax": _softmax("Softmax"), "log_softmax": _softmax("LogSoftmax"), "cast": _cast, "identity": _identity,
    "conv2d": _conv, "lite_conv2d": _conv, "lite_dense": _dense, "matmul": _matmul, "batch_norm": _batch_norm,
    "layer_norm": _layer_norm, "max_pool2d": _max_pool, "avg_pool2d": _avg_pool,
    "adaptive_avg_pool2d": _adaptive_pool, "reshape": _reshape, "transpose": _transpose, "concat": _concat,
    "pad": _pad,
    "reduce_sum": _reduce_sum, "reduce_max": _reduce("ReduceMax"), "reduce_min": _reduce("ReduceMin"),
    "where": _where, "qconv2d": _qconv, "qdense": _qdense,
}
SUPPORTED_OPS = tuple(sorted(_MAPPERS))


# ---- dynamic batch --------------------------------------------------------------------------------------------
def _batch_reshapes(g: Graph, g2: Graph) -> dict | None:
    """Reshape targets for a dynamic batch (id(node) -> shape list with 0 / -1), from the graphs
    at batch B and B+1; None when something other than a reshape target follows the batch."""
    if len(g.nodes) != len(g2.nodes):
        return None
    targets = {}
    for n, m in zip(g.nodes, g2.nodes):
        if n.prim is not m.prim:
            return None
        same_lits = all(type(a) is type(b) and (not isinstance(a, Lit) or _same(a.value, b.value))
                        for a, b in zip(n.inputs, m.inputs))
        if n.prim.name == "reshape":
            s1, s2 = list(n.params["shape"]), list(m.params["shape"])
            diff = [i for i, (a, b) in enumerate(zip(s1, s2)) if a != b]
            if len(diff) > 1:
                return None
            if diff:
                s1[diff[0]] = 0 if diff[0] == 0 and n.inputs[0].shape[0] == n.outs[0].shape[0] else -1
                targets[id(n)] = s1
        if not same_lits or (n.prim.name != "reshape" and not _same(n.params, m.params)):
            return None
    return targets


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.array_equal(a, b))
    if isinstance(a, Graph) or isinstance(b, Graph):
        return False
    return type(a) is type(b) and a == b


def _value_info(onnx: Any, name: str, v: Any, dynamic: bool) -> Any:
    dims: list = list(v.shape)
    if dynamic and dims:
        dims[0] = "N"
    return onnx.helper.make_tensor_value_info(name, _onnx_type(onnx, v.dtype), dims)


def to_onnx(mg: Any) -> Any:
    """The ONNX ModelProto (opset 17) of a MindIRGraph."""
    onnx = require_onnx()
    ref = mg.doc["reference_batch"]
    g, spec = _prepare(mg, ref)
    dynamic = mg.dynamic_batch
    targets: dict = {}
    if dynamic:
        g2, _ = _prepare(mg, ref + 1)
        found = _batch_reshapes(g, g2)
        if found is None:
            _log.warning("ONNX export: %s is written with a static batch of %d (batch-dependent constants)",
                         mg.name, ref)
            dynamic = False
        else:
            targets = found
    by_loc = {n.loc: spec.scopes.get(id(n), "?") for n in spec.graph.nodes}
    scopes = {id(n): spec.scopes.get(id(n), by_loc.get(n.loc, "?")) for n in g.nodes}
    e = _Emitter(onnx, g, scopes, targets)
    inputs = []
    for k, v in enumerate(g.inputs):
        e.names[id(v)] = f"input{k}"
        inputs.append(_value_info(onnx, f"input{k}", v, dynamic))
    for n in g.nodes:
        fn = _MAPPERS.get(n.prim.name)
        if fn is None or any(True for _ in n.subgraphs()):
            raise UnsupportedError(f"ONNX export: op {n.prim.name!r} (scope {scopes.get(id(n), '?') or 'root'}, "
                                      f"{n.loc or '?'}) has no ONNX mapping; supported ops: {', '.join(SUPPORTED_OPS)}")
        fn(e, n)
    outputs = []
    for k, a in enumerate(g.outputs):
        src = e.operand(a)
        e.op("Identity", [src], [f"output{k}"])
        outputs.append(_value_info(onnx, f"output{k}", a if isinstance(a, Var) else np.asarray(a.value), dynamic))
    graph = onnx.helper.make_graph(e.nodes, mg.name, inputs, outputs, e.inits)
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", OPSET)],
                                   producer_name="mindlite")
    model.ir_version = 8  # the IR version of opset 17; older runtimes reject newer ones
    return model


def save_onnx(mg: Any, path: str) -> str:
    """Write `mg` as an ONNX file after `onnx.checker.check_model(full_check=True)`; returns path."""
    onnx = require_onnx()
    model = to_onnx(mg)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)
    return path
