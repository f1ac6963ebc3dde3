"""Operator-info rules: how each op family may be sharded (MindSpore's OperatorInfo classes).

A rule describes a node as an einsum-like iteration space: every tensor dimension of every
input and output gets a *label* (or None when it cannot be split, e.g. a broadcast size-1
dimension). Splitting a label by device axes splits every dimension carrying it; splitting a
`reduce` label (a matmul's contraction, a reduce_sum's axis, a convolution's input channels)
leaves each rank with an addend, so the outputs become partial sums; `fixed` labels must not
be split (a softmax axis, layer-norm's normalised axes, a gather's table axis, convolution
windows). `linear` inputs may arrive as pending sums (the op is linear in them), which is
how a partial matmul output flows through reshape, transpose and a scaling before one
all-reduce. Ops without a rule run replicated: always correct, never cheaper.

The rule also gives the local attributes (a reshape's target shape on the local block) and
the FLOPs the cost model uses.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from ..ir.graph import Lit, Node, Var


@dataclass
class OpSpec:
    in_labels: list      # per input: tuple of labels/None per dim, or None for a non-tensor input
    out_labels: list     # per output: tuple of labels/None per dim
    sizes: dict          # label -> size (the largest split must divide it)
    reduce: frozenset = frozenset()
    fixed: frozenset = frozenset()
    linear: tuple = ()   # input indices that may carry a pending sum
    linear_mode: str = "one"  # "one": at most one linear input partial; "all": every tensor input equally partial
    flops: float = 0.0
    sync: frozenset = frozenset()  # labels whose split needs cross-rank statistics (batch norm's batch)
    local_params: Callable[[dict, list, list], dict] | None = None
    label_order: list = field(default_factory=list)  # MindSpore's device-matrix order of the op's dimensions

    def splittable(self) -> list:
        return [lb for lb in self.label_order if lb not in self.fixed and self.sizes.get(lb, 1) > 1]


def _shape(a: Any) -> tuple | None:
    if isinstance(a, Var):
        return a.shape
    if isinstance(a, Lit) and a.is_array:
        return tuple(a.value.shape)
    return None


def _order(in_labels: list, out_labels: list) -> list:
    seen: list = []
    for labels in list(in_labels) + list(out_labels):
        for lb in labels or ():
            if lb is not None and lb not in seen:
                seen.append(lb)
    return seen


def _spec(node: Node, in_labels: list, out_labels: list, sizes: dict, **kw: Any) -> OpSpec:
    spec = OpSpec(in_labels, out_labels, sizes, **kw)
    spec.label_order = _order(in_labels, out_labels)
    return spec


def _size(shape: tuple) -> int:
    return math.prod(shape) if shape else 1


# ---- families ----------------------------------------------------------------------------------------
_LINEAR_ALL = {"add", "sub"}            # linear when every tensor operand carries the same sum
_LINEAR_ONE = {"mul": (0, 1), "div": (0,), "neg": (0,), "cast": (0,), "identity": (0,), "copy": (0,)}
_UNARY_EXTRA = {"identity", "copy", "stop_gradient"}


def elementwise(node: Node) -> OpSpec:
    out = node.outs[0].shape
    labels = tuple(f"e{i}" for i in range(len(out)))
    sizes = {lb: n for lb, n in zip(labels, out)}
    ins = []
    for a in node.inputs:
        s = _shape(a)
        if s is None:
            ins.append(None)
            continue
        off = len(out) - len(s)
        ins.append(tuple(labels[off + i] if s[i] == out[off + i] and s[i] > 1 else None for i in range(len(s))))
    name = node.prim.name
    tensors = [i for i, a in enumerate(node.inputs) if isinstance(a, Var)]
    has_scalar = any(isinstance(a, Lit) for a in node.inputs)
    if name in _LINEAR_ALL and not has_scalar:
        linear, mode = tuple(tensors), "all"
    elif name in _LINEAR_ONE and not (name == "cast" and node.outs[0].dtype.kind not in "fc"):
        linear, mode = tuple(i for i in _LINEAR_ONE[name] if i < len(node.inputs)), "one"
    else:
        linear, mode = (), "one"
    return _spec(node, ins, [labels], sizes, linear=linear, linear_mode=mode, flops=float(_size(out)))


def matmul(node: Node) -> OpSpec | None:
    x, y = node.inputs
    xs, ys, out = _shape(x), _shape(y), node.outs[0].shape
    if xs is None or ys is None or len(xs) < 2 or len(ys) < 2:
        return None
    nb = len(out) - 2
    batch = tuple(f"b{i}" for i in range(nb))
    sizes = {lb: n for lb, n in zip(batch, out[:nb])}
    sizes.update(m=xs[-2], k=xs[-1], n=ys[-1])

    def bl(s: tuple) -> tuple:
        off = nb - (len(s) - 2)
        return tuple(batch[off + i] if s[i] == out[off + i] and s[i] > 1 else None for i in range(len(s) - 2))
    flops = 2.0 * _size(out) * xs[-1]
    return _spec(node, [bl(xs) + ("m", "k"), bl(ys) + ("k", "n")], [batch + ("m", "n")], sizes,
                 reduce=frozenset({"k"}), linear=(0, 1), flops=flops)


def transpose(node: Node) -> OpSpec:
    perm = node.params["perm"]
    s = _shape(node.inputs[0])
    labels = tuple(f"t{i}" for i in range(len(s)))
    return _spec(node, [labels], [tuple(labels[p] for p in perm)], dict(zip(labels, s)), linear=(0,),
                 flops=0.0)


def _reshape_groups(src: tuple, dst: tuple) -> list | None:
    """Pairs of (source dims, target dims) with equal products, in order."""
    groups, i, j = [], 0, 0
    while i < len(src) or j < len(dst):
        a, b, pa, pb = [], [], 1, 1
        if i < len(src):
            a.append(i)
            pa *= src[i]
            i += 1
        if j < len(dst):
            b.append(j)
            pb *= dst[j]
            j += 1
        while pa != pb:
            if pa < pb and i < len(src):
                a.append(i)
                pa *= src[i]
                i += 1
            elif pb < pa and j < len(dst):
                b.append(j)
                pb *= dst[j]
                j += 1
            else:
                return None
        groups.append((a, b))
    return groups


def reshape(node: Node) -> OpSpec:
    src, dst = _shape(node.inputs[0]), node.outs[0].shape
    ins: list = [None] * len(src)
    outs: list = [None] * len(dst)
    sizes: dict = {}
    for g, (a, b) in enumerate(_reshape_groups(src, dst) or []):
        a = [i for i in a if src[i] > 1]
        b = [j for j in b if dst[j] > 1]
        if a and b:  # only the outermost dims of a group keep contiguous blocks
            ins[a[0]] = outs[b[0]] = f"r{g}"
            sizes[f"r{g}"] = math.gcd(src[a[0]], dst[b[0]])

    def local(params: dict, in_shapes: list, out_shapes: list) -> dict:
        return {**params, "shape": tuple(out_shapes[0])}
    return _spec(node, [tuple(ins)] + [None] * (len(node.inputs) - 1), [tuple(outs)], sizes, linear=(0,),
                 local_params=local)


def broadcast_to(node: Node) -> OpSpec:
    spec = elementwise(node)
    spec.linear, spec.flops = (), 0.0

    def local(params: dict, in_shapes: list, out_shapes: list) -> dict:
        return {**params, "shape": tuple(out_shapes[0])}
    spec.local_params = local
    return spec


def reduction(node: Node) -> OpSpec:
    s = _shape(node.inputs[0])
    axes = set(node.params.get("axis") or range(len(s)))
    keep = node.params.get("keepdims", node.params.get("keep_dims", False))
    labels = tuple(f"d{i}" for i in range(len(s)))
    out = tuple((None if i in axes else labels[i]) for i in range(len(s)) if keep or i not in axes)
    reduced = frozenset(labels[i] for i in axes)
    is_sum = node.prim.name == "reduce_sum"
    return _spec(node, [labels], [out], dict(zip(labels, s)), reduce=reduced if is_sum else frozenset(),
                 fixed=frozenset() if is_sum else reduced, linear=(0,) if is_sum else (), flops=float(_size(s)))


def along_axis(node: Node, axis_param: str = "axis") -> OpSpec:
    """softmax / log_softmax / cumsum: the axis is not split; every output has the input's dims."""
    s = _shape(node.inputs[0])
    ax = node.params[axis_param]
    axes = {a % len(s) for a in (ax if isinstance(ax, (tuple, list)) else (ax,))}
    labels = tuple(f"d{i}" for i in range(len(s)))
    return _spec(node, [labels] + [None] * (len(node.inputs) - 1), [labels] * len(node.outs),
                 dict(zip(labels, s)), fixed=frozenset(labels[a] for a in axes), flops=5.0 * _size(s))


def layer_norm(node: Node) -> OpSpec:
    s = _shape(node.inputs[0])
    bn, bp = node.params["begin_norm_axis"] % len(s), node.params["begin_params_axis"] % len(s)
    labels = tuple(f"d{i}" for i in range(len(s)))
    stat = tuple(labels[i] if i < bn else None for i in range(len(s)))
    return _spec(node, [labels, labels[bp:], labels[bp:]], [labels, stat, stat], dict(zip(labels, s)),
                 fixed=frozenset(labels[bn:]), flops=8.0 * _size(s))


def gather(node: Node) -> OpSpec | None:
    x, idx = node.inputs
    xs, ids = _shape(x), _shape(idx)
    if xs is None or ids is None:
        return None
    axis = node.params["axis"] % len(xs)
    xl = tuple(f"x{i}" for i in range(len(xs)))
    il = tuple(f"i{i}" for i in range(len(ids)))
    out = xl[:axis] + il + xl[axis + 1:]
    sizes = {**dict(zip(xl, xs)), **dict(zip(il, ids))}
    return _spec(node, [xl, il], [out], sizes, fixed=frozenset({xl[axis]}), flops=float(_size(node.outs[0].shape)))


def one_hot(node: Node) -> OpSpec:
    s = _shape(node.inputs[0])
    out = node.outs[0].shape
    axis = node.params.get("axis", -1) % len(out)
    labels = [f"d{i}" for i in range(len(s))]
    out_labels = labels[:axis] + ["depth"] + labels[axis:]
    sizes = {**dict(zip(labels, s)), "depth": out[axis]}
    return _spec(node, [tuple(labels)] + [None] * (len(node.inputs) - 1), [tuple(out_labels)], sizes,
                 fixed=frozenset({"depth"}), flops=float(_size(out)))


def concat(node: Node) -> OpSpec:
    out = node.outs[0].shape
    axis = node.params["axis"] % len(out)
    labels = tuple(f"d{i}" for i in range(len(out)))
    ins = [labels if _shape(a) is not None else None for a in node.inputs]
    return _spec(node, ins, [labels], dict(zip(labels, out)), fixed=frozenset({labels[axis]}), linear=(),
                 flops=0.0)


def split(node: Node) -> OpSpec:
    s = _shape(node.inputs[0])
    axis = node.params["axis"] % len(s)
    labels = tuple(f"d{i}" for i in range(len(s)))
    return _spec(node, [labels], [labels] * len(node.outs), dict(zip(labels, s)), fixed=frozenset({labels[axis]}),
                 linear=(0,), flops=0.0)


def conv2d(node: Node) -> OpSpec | None:
    x, w = node.inputs
    xs, ws = _shape(x), _shape(w)
    if xs is None or ws is None or node.params.get("groups", 1) != 1:
        return None
    out = node.outs[0].shape
    sizes = {"n": xs[0], "ci": xs[1], "h": xs[2], "w": xs[3], "co": ws[0], "kh": ws[2], "kw": ws[3]}
    flops = 2.0 * _size(out) * ws[1] * ws[2] * ws[3]
    return _spec(node, [("n", "ci", "h", "w"), ("co", "ci", "kh", "kw")], [("n", "co", "oh", "ow")],
                 {**sizes, "oh": out[2], "ow": out[3]}, reduce=frozenset({"ci"}),
                 fixed=frozenset({"h", "w", "kh", "kw", "oh", "ow"}), linear=(0, 1), flops=flops)


def pool(node: Node) -> OpSpec:
    s = _shape(node.inputs[0])
    out = node.outs[0].shape
    return _spec(node, [("n", "c", "h", "w")] + [None] * (len(node.inputs) - 1), [("n", "c", "oh", "ow")] *
                 len(node.outs), {"n": s[0], "c": s[1], "h": s[2], "w": s[3], "oh": out[2], "ow": out[3]},
                 fixed=frozenset({"h", "w", "oh", "ow"}), flops=float(_size(s)))


def batch_norm(node: Node) -> OpSpec:
    s = _shape(node.inputs[0])
    labels = ("n", "c") + tuple(f"s{i}" for i in range(len(s) - 2))
    stat = ("c",)
    training = node.params.get("training", False)
    # in training the statistics span the batch and the spatial dims: a batch split all-reduces
    # the per-channel sums (synchronised batch norm), spatial splits are not supported
    fixed = frozenset(labels[2:]) if training else frozenset()
    return _spec(node, [labels, stat, stat, stat, stat], [labels, stat, stat], dict(zip(labels, s)),
                 fixed=fixed, sync=frozenset({"n"}) if training else frozenset(), flops=10.0 * _size(s))


RULES: dict = {
    "matmul": matmul, "transpose": transpose, "reshape": reshape, "broadcast_to": broadcast_to,
    "reduce_sum": reduction, "reduce_max": reduction, "reduce_min": reduction, "reduce_prod": reduction,
    "reduce_all": reduction, "reduce_any": reduction,
    "softmax": along_axis, "log_softmax": along_axis, "cumsum": along_axis,
    "layer_norm": layer_norm, "gather": gather, "one_hot": one_hot, "concat": concat, "split": split,
    "conv2d": conv2d, "max_pool2d": pool, "avg_pool2d": pool, "batch_norm": batch_norm,
}


def replicated(node: Node) -> OpSpec:
    """No rule: every dimension fixed, the node runs on whole tensors on every rank."""
    ins = [None if _shape(a) is None else (None,) * len(_shape(a)) for a in node.inputs]
    outs = [(None,) * len(o.shape) for o in node.outs]
    return OpSpec(ins, outs, {}, flops=float(sum(_size(o.shape) for o in node.outs)))


def spec_of(node: Node) -> OpSpec:
    rule = RULES.get(node.prim.name)
    if rule is None and (node.prim.fuse_kind == "elementwise" or node.prim.name in _UNARY_EXTRA):
        rule = elementwise
    spec = rule(node) if rule is not None else None
    return spec if spec is not None else replicated(node)


def has_rule(node: Node) -> bool:
    return node.prim.name in RULES or node.prim.fuse_kind == "elementwise" or node.prim.name in _UNARY_EXTRA
