"""Inference-only graph passes of the lite converter (optimize="O2"), each `Graph -> Graph`.

Weights are constants in an inference model, so `freeze_weights` first turns parameter
inputs into literals; then
  1. fold_constants_dce     constant folding (transposed weights, reshaped biases...) + dead nodes
  2. remove_identities      identity / stop_gradient, reshape chains, no-op transposes and casts
  3. fold_batch_norm        conv+BN and dense+BN (eval statistics) into the conv/dense constants:
                              W' = W * g / sqrt(var + eps),  b' = (b - mean) * g / sqrt(var + eps) + beta
  4. fuse_bias_act          conv/dense + bias [+ ReLU] -> lite_conv2d / lite_dense (kernels.py)
  5. plan_buffers           buffer reuse by liveness (passes/memory.py)
`run_o2` applies them in order and reports, per pass, its name and the node counts.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..ir.graph import Graph, Lit, Node, Var
from ..ops.conv import conv2d_p
from ..ops.linalg import matmul_p
from ..ops.math import add_p, identity_p, relu_p, stop_gradient_p
from ..ops.nn import batch_norm_p
from ..passes.dce import dce
from ..passes.fold import fold_constants
from ..passes.memory import memory_plan, plan_memory
from ..passes.rewrite import Any_, LitPat, Match, Pat, Rule, rewrite
from ..passes.simplify import rules_simplify
from .kernels import lite_conv2d_p, lite_dense_p

FOLD_ALL = 1 << 62  # an inference graph folds constants of any size (weights are constants)


def freeze_weights(g: Graph, sources: list, weights: dict) -> tuple[Graph, list]:
    """Parameter inputs become literal constants; returns (graph, sources of the inputs left)."""
    sub: dict[int, Lit] = {}
    inputs, kept = [], []
    for v, src in zip(g.inputs, sources):
        if src[0] == "param":
            sub[id(v)] = Lit(np.asarray(weights[src[1]]))
        else:
            inputs.append(v)
            kept.append(src)
    nodes = [Node(n.prim, tuple(sub.get(id(a), a) if isinstance(a, Var) else a for a in n.inputs), n.params,
                  n.outs, n.loc) for n in g.nodes]
    outputs = [sub.get(id(a), a) if isinstance(a, Var) else a for a in g.outputs]
    return Graph(g.name, inputs, nodes, outputs), kept


def fold_constants_dce(g: Graph) -> Graph:
    return dce(fold_constants(g, max_elems=FOLD_ALL))


# ---- 2. identities and layout no-ops ------------------------------------------------------------------
X = Any_("x")
# identity ops, then the algebraic identities and layout rules of passes/simplify.py (reshape
# chains, inverse transposes, no-op casts)
rules_identity: list[Rule] = [(Pat(identity_p, (X,)), lambda m: m["x"]),
                              (Pat(stop_gradient_p, (X,)), lambda m: m["x"])] + list(rules_simplify)


def remove_identities(g: Graph) -> Graph:
    return rewrite(g, rules_identity)


# ---- shared helpers of the rule passes -------------------------------------------------------------------
def use_counts(g: Graph) -> dict[int, int]:
    """Var id -> number of reads (node operands and graph outputs) in g's top level."""
    uses: dict[int, int] = {}
    for n in g.nodes:
        for a in n.inputs:
            if isinstance(a, Var):
                uses[id(a)] = uses.get(id(a), 0) + 1
    for a in g.outputs:
        if isinstance(a, Var):
            uses[id(a)] = uses.get(id(a), 0) + 1
    return uses


def _lit(m: Match, name: str) -> np.ndarray:
    return np.asarray(m[name].value)


def _bias_of(b: np.ndarray, channels: int, conv: bool) -> np.ndarray | None:
    """The per-channel bias vector of an add operand, or None if it is not one."""
    shapes = [(1, channels, 1, 1), (channels, 1, 1)] if conv else [(channels,), (1, channels)]
    return b.reshape(channels) if b.shape in shapes else None


def _with_rules(make: Callable[[dict], list]) -> Callable[[Graph], Graph]:
    """A pass applying rules built for the graph's use counts (single-use checks)."""
    def run(g: Graph) -> Graph:
        return rewrite(g, make(use_counts(g)))
    return run


# ---- 3. batch-norm folding ----------------------------------------------------------------------------------
def _bn_foldable(uses: dict, inner: str) -> Callable[[Match], bool]:
    def where(m: Match) -> bool:
        n = m.node
        if n.params.get("training") or any(uses.get(id(o), 0) for o in n.outs[1:]) or \
                any(m.is_output(o) for o in n.outs[1:]):
            return False
        for name in ("g", "b", "mu", "var"):
            if _lit(m, name).ndim != 1:
                return False
        y = m.nodes[inner].outs[0]
        if uses.get(id(y), 0) != 1 or m.is_output(y):
            return False
        core = m.nodes["core"]
        if uses.get(id(core.outs[0]), 0) != 1 or core.outs[0].dtype.kind != "f":
            return False
        if core.prim is matmul_p:
            return core.outs[0].ndim == 2 and _lit(m, "w").ndim == 2
        return core.outs[0].ndim == 4
    return where


def _fold_bn(m: Match) -> Any:
    core, bn = m.nodes["core"], m.node
    w = _lit(m, "w")
    conv = core.prim is conv2d_p
    c = w.shape[0] if conv else w.shape[1]
    bias = np.zeros(c) if "bias" not in m.atoms else _bias_of(_lit(m, "bias"), c, conv)
    if bias is None or _lit(m, "g").shape != (c,):
        return None
    g, beta, mu, var = (_lit(m, k).astype(np.float64) for k in ("g", "b", "mu", "var"))
    s = g / np.sqrt(var + bn.params["eps"])
    w2 = (w.astype(np.float64) * (s[:, None, None, None] if conv else s[None, :])).astype(w.dtype)
    b2 = ((bias.astype(np.float64) - mu) * s + beta).astype(w.dtype)
    y = m.emit(core.prim, (core.inputs[0], Lit(w2)), core.params)
    y = m.emit(add_p, (y, Lit(b2.reshape((1, c, 1, 1) if conv else (c,)))))
    # the two statistics outputs are unused (checked); their constants keep the node's types
    probe = np.zeros((1, c) + (1,) * (bn.outs[0].ndim - 2), bn.outs[0].dtype)
    _, mean_out, invstd_out = batch_norm_p.impl(np, probe, *[a.value for a in bn.inputs[1:]], **bn.params)
    return y, Lit(np.asarray(mean_out)), Lit(np.asarray(invstd_out))


def _rules_bn(uses: dict) -> list[Rule]:
    stats = (LitPat(name="g"), LitPat(name="b"), LitPat(name="mu"), LitPat(name="var"))
    rules = []
    for core_prim in (conv2d_p, matmul_p):
        core = Pat(core_prim, (Any_("x"), LitPat(name="w")), name="core")
        with_bias = Pat(add_p, (core, LitPat(name="bias")), name="add")
        rules.append((Pat(batch_norm_p, (with_bias,) + stats, where=_bn_foldable(uses, "add")), _fold_bn))
        rules.append((Pat(batch_norm_p, (core,) + stats, where=_bn_foldable(uses, "core")), _fold_bn))
    return rules


fold_batch_norm = _with_rules(_rules_bn)
fold_batch_norm.__name__ = "fold_batch_norm"


# ---- 4. bias and activation fusion --------------------------------------------------------------------------
def _single(uses: dict, name: str) -> Callable[[Match], bool]:
    def where(m: Match) -> bool:
        v = m.nodes[name].outs[0]
        return uses.get(id(v), 0) == 1 and not m.is_output(v) and v.dtype.kind == "f"
    return where


def _fused(m: Match, b: np.ndarray | None, act: str) -> Any:
    core = m.nodes["core"]
    w = _lit(m, "w")
    conv = core.prim is conv2d_p
    c = w.shape[0] if conv else w.shape[1]
    b = np.zeros(c, w.dtype) if b is None else b.astype(w.dtype)
    if conv:
        return m.emit(lite_conv2d_p, (core.inputs[0], Lit(w), Lit(b)), dict(core.params, act=act))
    if w.ndim != 2:
        return None
    return m.emit(lite_dense_p, (core.inputs[0], Lit(w), Lit(b)), {"act": act})


def _add_bias(m: Match) -> Any:
    core = m.nodes["core"]
    w = _lit(m, "w")
    c = w.shape[0] if core.prim is conv2d_p else w.shape[-1]
    b = _bias_of(_lit(m, "bias"), c, core.prim is conv2d_p)
    return None if b is None else _fused(m, b, "none")


def _rules_bias(uses: dict) -> list[Rule]:
    rules = []
    for core_prim in (conv2d_p, matmul_p):
        core = Pat(core_prim, (Any_("x"), LitPat(name="w")), name="core")
        rules.append((Pat(add_p, (core, LitPat(name="bias")), where=_single(uses, "core")), _add_bias))
    return rules


def _relu_into(m: Match) -> Any:
    f = m.nodes["core"]
    if f.params["act"] != "none":
        return None
    return m.emit(f.prim, f.inputs, dict(f.params, act="relu"))


def _rules_act(uses: dict) -> list[Rule]:
    rules = []
    for core_prim in (conv2d_p, matmul_p):
        core = Pat(core_prim, (Any_("x"), LitPat(name="w")), name="core")
        rules.append((Pat(relu_p, (core,), where=_single(uses, "core")), lambda m: _fused(m, None, "relu")))
    for fused in (lite_conv2d_p, lite_dense_p):
        rules.append((Pat(relu_p, (Pat(fused, name="core"),), where=_single(uses, "core")), _relu_into))
    return rules


_fuse_bias = _with_rules(_rules_bias)
_fuse_act = _with_rules(_rules_act)


def fuse_bias_act(g: Graph) -> Graph:
    return _fuse_act(_fuse_bias(g))


# ---- the O2 pipeline ---------------------------------------------------------------------------------------
O2_PASSES: tuple = (("fold_constants_dce", fold_constants_dce), ("remove_identities", remove_identities),
                    ("fold_batch_norm", fold_batch_norm), ("fuse_bias_act", fuse_bias_act),
                    ("plan_buffers", plan_memory))


def count_ops(g: Graph, names: tuple) -> int:
    return sum(1 for n in g.nodes if n.prim.name in names) + sum(
        count_ops(sg, names) for n in g.nodes for sg in n.subgraphs())


def run_o2(g: Graph) -> tuple[Graph, list[dict]]:
    """Apply the O2 passes to a frozen graph; returns (graph, report), one report entry per pass:
    {"pass", "nodes_before", "nodes_after"} plus what the pass counts (folded BNs, fused ops, bytes)."""
    report = []
    for name, fn in O2_PASSES:
        before = g.node_count()
        bn_before = count_ops(g, ("batch_norm",))
        g = fn(g)
        entry: dict = {"pass": name, "nodes_before": before, "nodes_after": g.node_count()}
        if name == "fold_batch_norm":
            entry["batch_norms_folded"] = bn_before - count_ops(g, ("batch_norm",))
        elif name == "fuse_bias_act":
            entry["fused_ops"] = count_ops(g, ("lite_conv2d", "lite_dense"))
        elif name == "plan_buffers":
            plan = memory_plan(g)
            entry.update({k: plan.report[k] for k in ("naive_bytes", "planned_bytes", "out_nodes")})
        report.append(entry)
    return g, report
