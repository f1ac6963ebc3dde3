"""Optimisation passes (STYLE R14): for each pass, golden printouts of small graphs before
and after, and a semantic check that random inputs give the same outputs before and
after. Graphs are captured with GraphTrace; source locations are stripped from goldens."""
from __future__ import annotations

import re
import textwrap
import threading

import numpy as np
import pytest

import mindlite as ms
from mindlite import Tensor, ops
from mindlite.backend.executor import compile_graph, run_graph
from mindlite.core.graph_trace import GraphTrace, run_traced
from mindlite.ir import Graph, Lit, Node, Var, verify
from mindlite.ir.verify import IRError
from mindlite.ops.array import broadcast_to_p, reshape_p
from mindlite.ops.control import cond, while_loop
from mindlite.ops.math import add_p, cast_p, exp_p, mul_p, neg_p
from mindlite.ops.random import uniform_p
from mindlite.passes import outimpl, pipeline
from mindlite.passes.cse import cse
from mindlite.passes.dce import dce
from mindlite.passes.fold import fold_constants
from mindlite.passes.fuse import fuse_elementwise, fused_elementwise_p
from mindlite.passes.inplace import update_in_place
from mindlite.passes.memory import memory_plan, plan_memory
from mindlite.passes.rewrite import Any_, LitPat, Pat, rewrite
from mindlite.passes.simplify import exact_widening, simplify

f16, f32, f64, i32 = np.float16, np.float32, np.float64, np.int32


# ---- helpers -------------------------------------------------------------------------------------
def trace(fn, *avals, name="f"):
    """Capture fn on symbolic inputs of the given (shape, dtype) pairs."""
    t = GraphTrace(name)
    args = [t.symbolic(s, d) for s, d in avals]
    out = run_traced(t, fn, tuple(args))
    return t.graph(list(out) if isinstance(out, (tuple, list)) else [out])


def text(g):
    """str(g) without the source-location comments (they depend on this file's line numbers)."""
    return "\n".join(re.sub(r"\s+# \S+:\d+$", "", line).rstrip() for line in str(g).splitlines())


def golden(got, want):
    assert text(got) == textwrap.dedent(want).strip("\n"), "\n" + text(got)


def random_inputs(g, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for v in g.inputs:
        if v.dtype.kind == "f":
            out.append(rng.standard_normal(v.shape).astype(v.dtype))
        elif v.dtype.kind == "b":
            out.append(rng.random(v.shape) > 0.5)
        else:
            out.append(rng.integers(-5, 5, v.shape).astype(v.dtype))
    return out


def same_outputs(before, after, seed=0, exact=False):
    """Semantic check: random inputs give equal outputs before and after a pass."""
    verify(after)
    args = random_inputs(before, seed)
    want = run_graph(before, [a.copy() for a in args])
    got = run_graph(after, [a.copy() for a in args])
    assert len(want) == len(got)
    for w, x in zip(want, got):
        assert np.shape(w) == np.shape(x) and np.asarray(w).dtype == np.asarray(x).dtype
        if exact:
            np.testing.assert_array_equal(x, w)
        else:
            np.testing.assert_allclose(x, w, rtol=1e-6, atol=1e-6)


def unchanged_input(p, g, *args, **kw):
    """Run pass p; check it did not mutate g (same printout, same node objects)."""
    before, nodes = str(g), list(g.nodes)
    out = p(g, *args, **kw)
    assert str(g) == before and g.nodes == nodes
    return out


# ---- rewrite driver ------------------------------------------------------------------------------
NEG_NEG = [(Pat(neg_p, (Pat(neg_p, (Any_("x"),)),)), lambda m: m["x"])]


def test_rewrite_applies_rules_to_a_fixpoint():
    g = trace(lambda x: ops.neg(ops.neg(ops.neg(ops.neg(x)))) * 2.0, ((3,), f32))
    golden(g, """
    graph f(%0:f32[3]) {
      %1:f32[3] = neg %0
      %2:f32[3] = neg %1
      %3:f32[3] = neg %2
      %4:f32[3] = neg %3
      %5:f32[3] = mul %4 2.0
      return %5 }""")
    out = unchanged_input(rewrite, g, NEG_NEG)
    golden(out, """
    graph f(%0:f32[3]) {
      %1:f32[3] = mul %0 2.0
      return %1 }""")
    same_outputs(g, out, exact=True)
    assert rewrite(out, NEG_NEG) is out  # nothing fires: the same object


def test_rewrite_refuses_type_changing_replacements_and_emits_through_rules():
    g = trace(lambda x, y: ops.neg(ops.neg(x)) + y, ((2, 3), f32), ((3,), f32))
    bad = [(Pat(add_p, (Any_("x"), Any_("y"))), lambda m: m["y"])]  # [3] cannot stand for [2,3]
    assert rewrite(g, bad) is g
    # a rule may build nodes; they are rewritten in turn (here the neg(neg(.)) it builds goes)
    expand = [(Pat(exp_p, (Any_("x"),)), lambda m: m.emit(mul_p, (m.emit(neg_p, (m.emit(neg_p, (m["x"],)),)), 1.0)))]
    g2 = trace(lambda x: ops.exp(x) + 1.0, ((3,), f32))
    declines = [(Pat(exp_p, (Any_("x"),)), lambda m: (m.emit(neg_p, (m["x"],)), None)[1])]
    assert rewrite(g2, declines) is g2  # a rule that builds nodes and then declines leaves none
    golden(rewrite(g2, expand + NEG_NEG, max_sweeps=1), """
    graph f(%0:f32[3]) {
      %1:f32[3] = mul %0 1.0
      %2:f32[3] = add %1 1.0
      return %2 }""")


def test_lit_patterns_match_scalars_and_uniform_arrays():
    one = LitPat(1)
    assert one.matches(Lit(1)) and one.matches(Lit(1.0)) and one.matches(Lit(np.ones((2, 2), f32)))
    assert not one.matches(Lit(np.array([1.0, 2.0]))) and not one.matches(Lit(np.float32("nan")))
    assert not one.matches(Var((), f32)) and LitPat().matches(Lit("anything"))


# ---- simplify --------------------------------------------------------------------------------------
def _arith(x, n, b):
    a = (1 * (x * 1 + 0) - 0) / 1
    keep_broadcast = b + Tensor(np.zeros((1, 3), f32))  # [2,1] + 0 is [2,3]: not b
    keep_promotion = n * 1.0                            # i32 * 1.0 is f32: not n
    keep_nan = x * 0                                    # nan * 0 is nan: never 0
    return ops.neg(ops.neg(a)), keep_broadcast, keep_promotion, keep_nan


def test_simplify_arithmetic_identities_only_when_types_are_kept():
    g = trace(_arith, ((2, 3), f32), ((3,), i32), ((2, 1), f32))
    golden(g, """
    graph f(%0:f32[2,3], %1:i32[3], %2:f32[2,1]) {
      %3:f32[2,3] = mul %0 1
      %4:f32[2,3] = add %3 0
      %5:f32[2,3] = mul 1 %4
      %6:f32[2,3] = sub %5 0
      %7:f32[2,3] = div %6 1
      %8:f32[2,3] = add %2 [[0.0, 0.0, 0.0]]
      %9:f32[3] = mul %1 1.0
      %10:f32[2,3] = mul %0 0
      %11:f32[2,3] = neg %7
      %12:f32[2,3] = neg %11
      return %12, %8, %9, %10 }""")
    out = unchanged_input(simplify, g)
    golden(out, """
    graph f(%0:f32[2,3], %1:i32[3], %2:f32[2,1]) {
      %3:f32[2,3] = add %2 [[0.0, 0.0, 0.0]]
      %4:f32[3] = mul %1 1.0
      %5:f32[2,3] = mul %0 0
      return %0, %3, %4, %5 }""")
    same_outputs(g, out, exact=True)


def _layout(x):
    t = ops.transpose(ops.transpose(x, (1, 2, 0)), (2, 0, 1))  # a permutation and its inverse
    u = ops.transpose(ops.transpose(x, (1, 0, 2)), (0, 2, 1))  # two that compose into one
    r = ops.reshape(ops.reshape(x, (6, 4)), (4, 6))
    return t, u, r, reshape_p(x, shape=(2, 3, 4)) + broadcast_to_p(x, shape=(2, 3, 4))


def test_simplify_eliminates_transposes_reshapes_and_broadcasts():
    g = trace(_layout, ((2, 3, 4), f32))
    golden(g, """
    graph f(%0:f32[2,3,4]) {
      %1:f32[3,4,2] = transpose %0 {perm=(1, 2, 0)}
      %2:f32[2,3,4] = transpose %1 {perm=(2, 0, 1)}
      %3:f32[3,2,4] = transpose %0 {perm=(1, 0, 2)}
      %4:f32[3,4,2] = transpose %3 {perm=(0, 2, 1)}
      %5:f32[6,4] = reshape %0 {shape=(6, 4)}
      %6:f32[4,6] = reshape %5 {shape=(4, 6)}
      %7:f32[2,3,4] = reshape %0 {shape=(2, 3, 4)}
      %8:f32[2,3,4] = broadcast_to %0 {shape=(2, 3, 4)}
      %9:f32[2,3,4] = add %7 %8
      return %2, %4, %6, %9 }""")
    out = unchanged_input(simplify, g)
    golden(out, """
    graph f(%0:f32[2,3,4]) {
      %1:f32[3,4,2] = transpose %0 {perm=(1, 2, 0)}
      %2:f32[4,6] = reshape %0 {shape=(4, 6)}
      %3:f32[2,3,4] = add %0 %0
      return %0, %1, %2, %3 }""")
    same_outputs(g, out, exact=True)


def _casts(h, d, x):
    widen = cast_p(cast_p(h, dtype=ms.float32), dtype=ms.float64)   # f16->f32 is exact: one cast
    narrow = cast_p(cast_p(d, dtype=ms.float32), dtype=ms.float64)  # f64->f32 rounds: both stay
    same = cast_p(x, dtype=ms.float32)
    trunc = cast_p(cast_p(x, dtype=ms.int64), dtype=ms.float32)      # f32->i64 truncates: both stay
    return widen, narrow, same, trunc


def test_simplify_casts():
    g = trace(_casts, ((3,), f16), ((3,), f64), ((3,), f32))
    golden(g, """
    graph f(%0:f16[3], %1:f64[3], %2:f32[3]) {
      %3:f32[3] = cast %0 {dtype=Float32}
      %4:f64[3] = cast %3 {dtype=Float64}
      %5:f32[3] = cast %1 {dtype=Float32}
      %6:f64[3] = cast %5 {dtype=Float64}
      %7:f32[3] = cast %2 {dtype=Float32}
      %8:i64[3] = cast %2 {dtype=Int64}
      %9:f32[3] = cast %8 {dtype=Float32}
      return %4, %6, %7, %9 }""")
    out = unchanged_input(simplify, g)
    golden(out, """
    graph f(%0:f16[3], %1:f64[3], %2:f32[3]) {
      %3:f64[3] = cast %0 {dtype=Float64}
      %4:f32[3] = cast %1 {dtype=Float32}
      %5:f64[3] = cast %4 {dtype=Float64}
      %6:i64[3] = cast %2 {dtype=Int64}
      %7:f32[3] = cast %6 {dtype=Float32}
      return %3, %5, %2, %7 }""")
    same_outputs(g, out, exact=True)


def test_exact_widening():
    assert exact_widening(f16, f32) and exact_widening(np.int8, np.int32) and exact_widening(i32, f64)
    assert exact_widening(np.bool_, f32) and exact_widening(np.int16, f32)
    assert not exact_widening(np.int64, f64)  # numpy calls it safe, but 2**53 + 1 rounds
    assert not exact_widening(i32, f32) and not exact_widening(f64, f32) and not exact_widening(f32, f32)


# ---- constant folding ------------------------------------------------------------------------------
def _consts(x):
    c = ops.ones((3,), ms.float32) * 2 + ops.exp(Tensor(np.float32(0.0)))
    a, b = ops.split(Tensor(np.arange(4.0, dtype=f32)), 2)  # a multi-output node
    big = ops.zeros((400, 400), ms.float32)  # 160000 elements: stays a node
    return x + c + a.sum() * b.sum() + ops.sum(big), ops.ones((2,), ms.float32)


def test_fold_constants():
    g = trace(_consts, ((3,), f32))
    golden(g, """
    graph f(%0:f32[3]) {
      %1:f32[3] = fill  {shape=(3,) dtype=Float32 value=1}
      %2:f32[3] = mul %1 2
      %3:f32[] = exp 0.0
      %4:f32[3] = add %2 %3
      %5:f32[2], %6:f32[2] = split [0.0, 1.0, 2.0, 3.0] {axis=0 sizes=(2, 2)}
      %7:f32[400,400] = fill  {shape=(400, 400) dtype=Float32 value=0}
      %8:f32[3] = add %0 %4
      %9:f32[] = reduce_sum %5 {axis=(0,) keepdims=False}
      %10:f32[] = reduce_sum %6 {axis=(0,) keepdims=False}
      %11:f32[] = mul %9 %10
      %12:f32[3] = add %8 %11
      %13:f32[] = reduce_sum %7 {axis=(0, 1) keepdims=False}
      %14:f32[3] = add %12 %13
      %15:f32[2] = fill  {shape=(2,) dtype=Float32 value=1}
      return %14, %15 }""")
    out = unchanged_input(fold_constants, g)
    # the returned fill stays a node: a literal output would be one shared array for every call
    golden(out, """
    graph f(%0:f32[3]) {
      %1:f32[400,400] = fill  {shape=(400, 400) dtype=Float32 value=0}
      %2:f32[3] = add %0 [3.0, 3.0, 3.0]
      %3:f32[3] = add %2 5.0
      %4:f32[] = reduce_sum %1 {axis=(0, 1) keepdims=False}
      %5:f32[3] = add %3 %4
      %6:f32[2] = fill  {shape=(2,) dtype=Float32 value=1}
      return %5, %6 }""")
    same_outputs(g, out, exact=True)
    assert all(isinstance(a.value, np.ndarray) and a.value.dtype == f32 for n in out.nodes for a in n.inputs
               if isinstance(a, Lit) and n.prim is add_p)  # typed 0-d arrays, not weak Python floats
    assert "400,400" not in text(fold_constants(g, max_elems=10**6))  # a larger budget folds it too


def _random_graph():
    key = Lit(np.array([1, 2], np.uint64))
    outs = [Var((3,), f32), Var((3,), f32)]
    nodes = [Node(uniform_p, (key,), {"shape": (3,), "dtype": ms.float32, "minval": 0.0, "maxval": 1.0}, (o,))
             for o in outs]
    x, y = Var((3,), f32), Var((3,), f32)
    nodes.append(Node(add_p, (outs[0], outs[1]), {}, (x,)))
    nodes.append(Node(mul_p, (x, Lit(2.0)), {}, (y,)))
    return Graph("r", [], nodes, [y])


def test_random_ops_are_neither_folded_nor_merged():
    g = verify(_random_graph())
    assert fold_constants(g) is g and cse(g) is g


# ---- cse ---------------------------------------------------------------------------------------------
def _repeats(x):
    a = ops.exp(x) + ops.exp(x)
    b = (x + 1.0) * (x + 1.0)
    c = (x + 0.0) - (x + -0.0)  # 0.0 == -0.0 in Python, but they are different constants
    s1, s2 = ops.split(x, 2)
    t1, t2 = ops.split(x, 2)    # multi-output nodes merge output by output
    return a + b + c, s1 * t2 + t1 * s2


def test_cse():
    g = trace(_repeats, ((4,), f32))
    golden(g, """
    graph f(%0:f32[4]) {
      %1:f32[4] = exp %0
      %2:f32[4] = exp %0
      %3:f32[4] = add %1 %2
      %4:f32[4] = add %0 1.0
      %5:f32[4] = add %0 1.0
      %6:f32[4] = mul %4 %5
      %7:f32[4] = add %0 0.0
      %8:f32[4] = add %0 -0.0
      %9:f32[4] = sub %7 %8
      %10:f32[2], %11:f32[2] = split %0 {axis=0 sizes=(2, 2)}
      %12:f32[2], %13:f32[2] = split %0 {axis=0 sizes=(2, 2)}
      %14:f32[4] = add %3 %6
      %15:f32[4] = add %14 %9
      %16:f32[2] = mul %10 %13
      %17:f32[2] = mul %12 %11
      %18:f32[2] = add %16 %17
      return %15, %18 }""")
    out = unchanged_input(cse, g)
    golden(out, """
    graph f(%0:f32[4]) {
      %1:f32[4] = exp %0
      %2:f32[4] = add %1 %1
      %3:f32[4] = add %0 1.0
      %4:f32[4] = mul %3 %3
      %5:f32[4] = add %0 0.0
      %6:f32[4] = add %0 -0.0
      %7:f32[4] = sub %5 %6
      %8:f32[2], %9:f32[2] = split %0 {axis=0 sizes=(2, 2)}
      %10:f32[4] = add %2 %4
      %11:f32[4] = add %10 %7
      %12:f32[2] = mul %8 %9
      %13:f32[2] = add %12 %12
      return %11, %13 }""")
    same_outputs(g, out, exact=True)
    assert cse(out) is out


def test_cse_compares_subgraph_params_by_identity():
    body = trace(lambda x: ops.exp(x) + ops.exp(x), ((3,), f32))
    twin = trace(lambda x: ops.exp(x) + ops.exp(x), ((3,), f32))  # equal text, another object
    p = ops.control.cond_p
    x, pred = Var((3,), f32), Var((), np.bool_)
    o1, o2, o3 = Var((3,), f32), Var((3,), f32), Var((3,), f32)
    nodes = [Node(p, (pred, x), {"branches": (body, body)}, (o1,)),
             Node(p, (pred, x), {"branches": (body, body)}, (o2,)),
             Node(p, (pred, x), {"branches": (twin, twin)}, (o3,))]
    g = verify(Graph("outer", [pred, x], nodes, [o1, o2, o3]))
    out = unchanged_input(cse, g)
    assert [n.outs[0] for n in out.nodes] == [o1, o3]  # shared bodies stay shared after their own cse
    golden(out.nodes[0].params["branches"][0], """
    graph f(%0:f32[3]) {
      %1:f32[3] = exp %0
      %2:f32[3] = add %1 %1
      return %2 }""")
    same_outputs(g, out, exact=True)


# ---- control flow: every rule pass recurses into subgraphs -------------------------------------------
def _branchy(x):
    return cond(ops.sum(x) > 0,
                lambda a: (a * 1 + ops.exp(a) * ops.exp(a),),
                lambda a: (ops.neg(ops.neg(a)) * ops.sum(Tensor(np.ones(3, f32))),), (x,))[0]


CF_BEFORE = """
graph f(%0:f32[3]) {
  %1:f32[] = reduce_sum %0 {axis=(0,) keepdims=False}
  %2:bool[] = greater %1 0
  %3:f32[3] = cond %2 %0 {branches=(<graph if_true>, <graph if_false>)}
    graph if_true(%4:f32[3]) {
      %5:f32[3] = mul %4 1
      %6:f32[3] = exp %4
      %7:f32[3] = exp %4
      %8:f32[3] = mul %6 %7
      %9:f32[3] = add %5 %8
      return %9 }
    graph if_false(%10:f32[3]) {
      %11:f32[3] = neg %10
      %12:f32[3] = neg %11
      %13:f32[] = reduce_sum [1.0, 1.0, 1.0] {axis=(0,) keepdims=False}
      %14:f32[3] = mul %12 %13
      return %14 }
  return %3 }"""

CF_AFTER = {
    simplify: """
graph f(%0:f32[3]) {
  %1:f32[] = reduce_sum %0 {axis=(0,) keepdims=False}
  %2:bool[] = greater %1 0
  %3:f32[3] = cond %2 %0 {branches=(<graph if_true>, <graph if_false>)}
    graph if_true(%4:f32[3]) {
      %5:f32[3] = exp %4
      %6:f32[3] = exp %4
      %7:f32[3] = mul %5 %6
      %8:f32[3] = add %4 %7
      return %8 }
    graph if_false(%9:f32[3]) {
      %10:f32[] = reduce_sum [1.0, 1.0, 1.0] {axis=(0,) keepdims=False}
      %11:f32[3] = mul %9 %10
      return %11 }
  return %3 }""",
    fold_constants: """
graph f(%0:f32[3]) {
  %1:f32[] = reduce_sum %0 {axis=(0,) keepdims=False}
  %2:bool[] = greater %1 0
  %3:f32[3] = cond %2 %0 {branches=(<graph if_true>, <graph if_false>)}
    graph if_true(%4:f32[3]) {
      %5:f32[3] = mul %4 1
      %6:f32[3] = exp %4
      %7:f32[3] = exp %4
      %8:f32[3] = mul %6 %7
      %9:f32[3] = add %5 %8
      return %9 }
    graph if_false(%10:f32[3]) {
      %11:f32[3] = neg %10
      %12:f32[3] = neg %11
      %13:f32[3] = mul %12 3.0
      return %13 }
  return %3 }""",
    cse: """
graph f(%0:f32[3]) {
  %1:f32[] = reduce_sum %0 {axis=(0,) keepdims=False}
  %2:bool[] = greater %1 0
  %3:f32[3] = cond %2 %0 {branches=(<graph if_true>, <graph if_false>)}
    graph if_true(%4:f32[3]) {
      %5:f32[3] = mul %4 1
      %6:f32[3] = exp %4
      %7:f32[3] = mul %6 %6
      %8:f32[3] = add %5 %7
      return %8 }
    graph if_false(%9:f32[3]) {
      %10:f32[3] = neg %9
      %11:f32[3] = neg %10
      %12:f32[] = reduce_sum [1.0, 1.0, 1.0] {axis=(0,) keepdims=False}
      %13:f32[3] = mul %11 %12
      return %13 }
  return %3 }""",
}


@pytest.mark.parametrize("p", list(CF_AFTER), ids=lambda p: p.__name__)
def test_passes_rewrite_cond_branches(p):
    g = trace(_branchy, ((3,), f32))
    golden(g, CF_BEFORE)
    out = unchanged_input(p, g)
    golden(out, CF_AFTER[p])
    for seed in range(4):  # both branches are taken
        same_outputs(g, out, seed=seed)


# ---- elementwise fusion --------------------------------------------------------------------------------
def _chain(x, y, b):
    t = x * y + 1.0       # used by two trees: a group of its own
    u = ops.relu(t) * b   # b broadcasts; u is used outside (reduce_sum): a boundary
    v = ops.exp(t) - Tensor(np.full((4,), 2.0, f32))
    return ops.sum(u, 1), u * v


def test_fuse_elementwise():
    g = trace(_chain, ((3, 4), f32), ((3, 4), f32), ((4,), f32))
    golden(g, """
    graph f(%0:f32[3,4], %1:f32[3,4], %2:f32[4]) {
      %3:f32[3,4] = mul %0 %1
      %4:f32[3,4] = add %3 1.0
      %5:f32[3,4] = relu %4
      %6:f32[3,4] = mul %5 %2
      %7:f32[3,4] = exp %4
      %8:f32[3,4] = sub %7 [2.0, 2.0, 2.0, 2.0]
      %9:f32[3] = reduce_sum %6 {axis=(1,) keepdims=False}
      %10:f32[3,4] = mul %6 %8
      return %9, %10 }""")
    out = unchanged_input(fuse_elementwise, g, min_elems=0)
    golden(out, """
    graph f(%0:f32[3,4], %1:f32[3,4], %2:f32[4]) {
      %3:f32[3,4] = fused_elementwise %0 %1 {steps=[s0=mul(i0, i1); s1=add(s0, 1.0)]}
      %4:f32[3,4] = fused_elementwise %3 %2 {steps=[s0=relu(i0); s1=mul(s0, i1)]}
      %5:f32[3] = reduce_sum %4 {axis=(1,) keepdims=False}
      %6:f32[3,4] = fused_elementwise %3 [2.0, 2.0, 2.0, 2.0] %4 {steps=[s0=exp(i0); s1=sub(s0, i1); s2=mul(i2, s1)]}
      return %5, %6 }""")
    same_outputs(g, out, exact=True)
    steps = out.nodes[-1].params["steps"]
    assert steps.exprs == ("exp(x)", "x - y", "x * y")  # what a GPU code generator reads
    assert [s.buf for s in steps.steps] == [0, 0, 0]    # one buffer, rewritten in place by each step
    assert fuse_elementwise(g) is g  # below the default size threshold nothing is fused


def _mixed(x, y):
    mask = ops.cast(x > 0, ms.float32)
    return ops.where(y > 0.5, x * mask, 0.5) + ops.cast(ops.cast(y, ms.float16), ms.float32) * 3.0


def test_fused_results_are_bit_identical():
    g = trace(_mixed, ((33, 8), f32), ((33, 8), f32))
    out = fuse_elementwise(g, min_elems=0)
    assert [n.prim for n in out.nodes] == [fused_elementwise_p]
    for seed in range(3):
        same_outputs(g, out, seed=seed, exact=True)


@pytest.mark.parametrize("alias", [False, True], ids=["into_buffer", "into_an_operand"])
def test_fused_impl_out(alias):
    g = fuse_elementwise(trace(lambda x, y: ops.tanh(x * y + x) - y, ((5, 7), f32), ((5, 7), f32)), min_elems=0)
    steps = g.nodes[0].params["steps"]
    x, y = random_inputs(g)
    want = run_graph(g, [x, y])[0]
    out = x if alias else np.empty_like(x)  # an operand: the steps must not scribble on it early
    res = outimpl.impl_out(fused_elementwise_p)(np, x.copy() if not alias else x, y, out=out, steps=steps)
    assert res is out
    np.testing.assert_array_equal(res, want)


def test_fusion_inside_loop_bodies():
    body = lambda a, i: (ops.tanh(a * 1.5 + 1.0), i + 1)
    g = trace(lambda x: while_loop(lambda a, i: i < 3, body, (x, Tensor(0)))[0], ((3,), f32))
    out = unchanged_input(fuse_elementwise, g, min_elems=0)
    golden(out, """
    graph f(%0:f32[3]) {
      %1:bool[] = less 0 3
      %2:f32[3], %3:i64[] = while %0 0 {cond=<graph while_cond> body=<graph while_body> n_carry=2}
        graph while_cond(%4:f32[3], %5:i64[]) {
          %6:bool[] = less %5 3
          return %6 }
        graph while_body(%7:f32[3], %8:i64[]) {
          %9:f32[3] = fused_elementwise %7 {steps=[s0=mul(i0, 1.5); s1=add(s0, 1.0); s2=tanh(s1)]}
          %10:i64[] = add %8 1
          return %9, %10 }
      return %2 }""")
    same_outputs(g, out, exact=True)


def test_grad_of_a_jit_function_with_fused_nodes():
    # a fused node stays differentiable (its bprop replays the steps)
    fn = lambda x, y: ops.sum(ops.tanh(x * y + 1.0) * x)
    rng = np.random.default_rng(0)
    x, y = Tensor(rng.standard_normal((256, 256))), Tensor(rng.standard_normal((256, 256)))
    f = ms.jit(fn)
    assert fused_elementwise_p in [n.prim for n in f.executable((x, y)).graph.nodes]
    for got, want in zip(ms.grad(f, (0, 1))(x, y), ms.grad(fn, (0, 1))(x, y)):
        np.testing.assert_allclose(got.asnumpy(), want.asnumpy(), rtol=1e-12, atol=1e-12)


# ---- memory planning ---------------------------------------------------------------------------------
def _views(x):
    c = ops.tanh(ops.exp(x) * 2.0)
    d = ops.reshape(c, (64, 4))  # a view of c: c's buffer stays busy while d lives
    e = x * 3.0                  # so e must not take c's slot
    return ops.sum(d, 1) + ops.sum(e)


def source(g):
    return re.sub(r" @ \S+:\d+", "", compile_graph(g, np).source).strip()


def test_plan_memory():
    g = trace(_views, ((256,), f32))
    out = unchanged_input(plan_memory, g)
    assert text(out) == text(g) and memory_plan(g) is None  # an annotated copy
    plan = memory_plan(out)
    assert plan.report == {"naive_bytes": 5636, "peak_live_bytes": 3328, "planned_bytes": 3328, "slots": 4,
                           "out_nodes": 4, "out_buffer_bytes": 2048,
                           "dynamic_values": 0}
    assert plan.slots[4] not in (plan.slots[2], plan.slots[3])  # alias-aware lifetimes: e avoids c's slot
    # exp -> mul -> tanh each read their predecessor for the last time: one buffer, updated in place
    assert plan.slots[0] == plan.slots[1] == plan.slots[2] and plan.outs[0].buf == plan.outs[2].buf
    assert source(out) == textwrap.dedent("""
    def run(v0):
        B = _buffers()
        v1 = f0(xp, v0, out=B[0])  # exp
        v2 = f1(xp, v1, 2.0, out=B[0])  # mul
        del v1
        v3 = f2(xp, v2, out=B[0])  # tanh
        del v2
        v4 = f3(xp, v3, **p3)  # reshape
        del v3
        v5 = f4(xp, v0, 3.0, out=B[1])  # mul
        del v0
        v6 = f5(xp, v4, **p5)  # reduce_sum
        del v4
        v7 = f6(xp, v5, **p6)  # reduce_sum
        del v5
        v8 = f7(xp, v6, v7)  # add
        del v6, v7
        return [v8]""").strip()
    for seed in range(3):  # buffers are reused across calls
        same_outputs(g, out, seed=seed, exact=True)
    assert plan_memory(out) is out
    assert memory_plan(fuse_elementwise(out, min_elems=0)) is None  # a changed graph drops the stale plan


def test_in_place_chain_through_a_fused_node():
    def fn(x, y):
        t = ops.exp(x)
        u = ops.matmul(t, y)  # t is read again below: not fused with what follows
        return ops.sum(ops.tanh(t * 2.0 + 1.0) - t) + ops.sum(u)
    g = fuse_elementwise(trace(fn, ((8, 8), f32), ((8, 8), f32)), min_elems=0)
    out = plan_memory(g)
    specs = memory_plan(out).outs
    assert [g.nodes[i].prim.name for i in sorted(specs)] == ["exp", "fused_elementwise"]
    assert len({s.buf for s in specs.values()}) == 1  # the fused node overwrites exp's buffer in place
    for seed in range(3):
        same_outputs(g, out, seed=seed, exact=True)


def test_returned_values_never_live_in_planned_buffers():
    g = trace(lambda x: (ops.reshape(ops.exp(x) * 2.0, (4, 4)), ops.exp(x) + 1.0), ((16,), f32))
    out = plan_memory(g)
    specs = memory_plan(out).outs
    assert set(specs) == {0, 3}  # exp twice; mul and add reach an output
    run = compile_graph(out, np)
    x1, x2 = np.ones(16, f32), np.zeros(16, f32)
    first = [a.copy() for a in run(x1)]
    kept = run(x1)
    run(x2)  # a second call must not overwrite what the first returned
    for a, b in zip(first, kept):
        np.testing.assert_array_equal(a, b)


def test_planned_buffers_are_per_thread():
    g = trace(lambda x: ops.sum(ops.tanh(ops.exp(x) * 0.5)), ((50_000,), f32))
    run = compile_graph(plan_memory(g), np)
    inputs = [np.full(50_000, k / 10, f32) for k in range(8)]
    want = [run_graph(g, [a])[0] for a in inputs]
    got: dict = {}

    def work(k):
        for _ in range(20):
            got.setdefault(k, []).append(run(inputs[k])[0])
    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(8):
        assert all(v == want[k] for v in got[k])


@pytest.mark.parametrize("fuse", [False, True], ids=["unfused", "fused"])
def test_memory_plan_of_subgraphs(fuse):
    g = trace(_branchy, ((3,), f32))
    g = fuse_elementwise(g, min_elems=0) if fuse else g
    out = plan_memory(g)
    branches = out.nodes[-1].params["branches"]
    assert all(memory_plan(b) is not None for b in branches)
    assert bool(memory_plan(branches[0]).outs) != fuse  # unfused: mul and both exps get buffers
    for seed in range(4):
        same_outputs(g, out, seed=seed, exact=True)


# ---- in-place parameter updates ----------------------------------------------------------------------
def _sgd(p, g):
    return ops.sum(p * p), p - (g * 2.0 + p * 0.01) * 0.1


def _sgd_unsafe(p, g):
    new = p - g * 0.1
    return new, p * 2.0  # the old value is read after the update


@pytest.mark.parametrize("fuse", [False, True], ids=["unfused", "fused"])
def test_update_in_place(fuse):
    g = trace(_sgd, ((64,), f32), ((64,), f32))
    if fuse:
        g = fuse_elementwise(g, min_elems=0)
    out = unchanged_input(update_in_place, g, {1: 0})
    assert memory_plan(out).report["in_place_updates"] == 1 and memory_plan(g) is None
    p, gr = random_inputs(g)
    want = run_graph(g, [p.copy(), gr.copy()])
    got = compile_graph(out, np)(p, gr)
    assert got[1] is p  # the new value is in the parameter's own array
    for w, x in zip(want, got):
        np.testing.assert_array_equal(x, w)


def test_update_in_place_refuses_unsafe_updates():
    g = trace(_sgd_unsafe, ((8,), f32), ((8,), f32))
    assert update_in_place(g, {0: 0}) is g
    returned = trace(lambda p, g: (p - g, p), ((8,), f32), ((8,), f32))
    assert update_in_place(returned, {0: 0}) is returned  # the old value is handed back
    view = trace(lambda p, g: p - ops.reshape(ops.reshape(p, (2, 4)), (8,)), ((8,), f32), ((8,), f32))
    assert update_in_place(view, {0: 0}) is view  # a view of p is read while p is written
    early = trace(lambda p, g: p - ops.reshape(ops.reshape(p, (2, 4)), (8,)) * g, ((8,), f32), ((8,), f32))
    assert update_in_place(early, {0: 0}) is not early  # the view is read (by mul) before: safe


# ---- pipeline -------------------------------------------------------------------------------------------
def test_pipeline_order_and_explicit_pass_lists():
    assert [p.__name__ for p in pipeline.DEFAULT_PASSES] == [
        "simplify", "fold_constants", "cse", "dce", "fuse_elementwise", "plan_memory"]
    g = trace(_arith, ((2, 3), f32), ((3,), i32), ((2, 1), f32))
    assert pipeline.optimize(g, passes=[]) is g  # the graph as captured
    out = pipeline.optimize(g, check=True)
    assert memory_plan(out) is not None and len(out.nodes) == 3
    same_outputs(g, out)
    assert memory_plan(pipeline.optimize(trace(_sgd, ((8,), f32), ((8,), f32)), state_outs={1: 0})).report[
        "in_place_updates"] == 1


def test_pipeline_check_names_the_failing_pass():
    def broken(g):
        return Graph(g.name, g.inputs, g.nodes[1:], g.outputs)
    g = trace(lambda x: ops.exp(x) + 1.0, ((3,), f32))
    with pytest.raises(IRError, match="after pass broken"):
        pipeline.optimize(g, passes=[dce, broken], check=True)


def test_save_graphs(tmp_path):
    ms.set_context(save_graphs=True, save_graphs_path=str(tmp_path))
    try:
        f = ms.jit(lambda x: ops.relu(x * 1.0 + 0.0))
        f(Tensor(np.ones((2, 3), f32)))
    finally:
        ms.set_context(save_graphs=False, save_graphs_path=".")
    captured = (tmp_path / "lambda_0_captured.ir").read_text()
    optimized = (tmp_path / "lambda_9_optimized.ir").read_text()
    assert "mul" in captured and "add" in captured and "relu" in captured
    assert "mul" not in optimized and "= relu %0" in optimized
