"""Every primitive's shape/dtype rule (`infer`) agrees with what its impl returns, over the whole
op table and every dtype an op accepts: float16, float32, float64, int32/int64, and mixed
float16/float32 operands (amp O1: float16 activations with float32 parameters).

This is the table-driven form of the MINDLITE_CHECK=1 mode: while a test runs, each registered
primitive's impl is wrapped so that every application - forward, backward (bprop primitives)
and graph execution - compares its result with `infer` on the same inputs. A graph is built
from the rules and run by the impls, so a disagreement makes GRAPH_MODE compute something
else than PYNATIVE (a dropped cast, a float32 where the graph planned float16).

Also: each gradient has its input's dtype and shape, a float16 or mixed-precision program gives
the same output dtypes in both modes, and a dtype eager mode rejects is rejected by the graph too.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops
from mindlite.ops.registry import REGISTRY, aval_of
from mindlite.te.op import USER_DEFINED  # primitives users make at run time (te.build, ops.Custom)

from op_db import OP_DB, OpSpec
from test_ops import _params, _rng, _samples

FLOATS = ("float16", "float32", "float64")
INTS = ("int32", "int64")
MIXED = ("mixed16_32", "mixed32_16")  # first float operand in the first dtype, the others in the second


# Their rule raises on purpose: the result's shape depends on the values (eager only).
VALUE_SHAPED = frozenset({"unique", "nonzero", "masked_select"})


class RuleChecker:
    """Within `with RuleChecker() as rc:` every primitive application compares its impl's output
    shapes/dtypes with the primitive's `infer` rule; `rc.problems` lists each disagreement once."""

    def __init__(self) -> None:
        self.problems: list = []
        self.applied: set = set()
        self._saved: dict = {}

    def __enter__(self) -> "RuleChecker":
        for prim in REGISTRY.values():
            self._saved[prim] = prim.impl
            prim.impl = self._wrap(prim, prim.impl)
        return self

    def __exit__(self, *exc: Any) -> None:
        for prim, impl in self._saved.items():
            prim.impl = impl

    def _report(self, msg: str) -> None:
        if msg not in self.problems:
            self.problems.append(msg)

    def _wrap(self, prim: Any, impl: Any) -> Any:
        def checked(xp: Any, *args: Any, **params: Any) -> Any:
            out = impl(xp, *args, **params)
            self.applied.add(prim.name)
            self._check(prim, args, params, out)
            return out
        return checked

    def _check(self, prim: Any, args: tuple, params: dict, out: Any) -> None:
        if prim.name in VALUE_SHAPED:
            return
        avals = [aval_of(a) for a in args]
        shown = f"{prim.name}({', '.join(str(a) for a in avals)}; {_brief(params)})"
        if prim.infer is None:
            self._report(f"{shown}: no shape/dtype rule")
            return
        try:
            expect = prim.infer(*avals, **params)
        except Exception as e:  # noqa: BLE001 - any rule failure on inputs the impl accepted
            self._report(f"{shown}: the rule rejects inputs the impl accepts ({type(e).__name__}: {e})")
            return
        outs = tuple(out) if prim.multiple_results else (out,)
        expects = tuple(expect) if prim.multiple_results else (expect,)
        if len(outs) != len(expects):
            self._report(f"{shown}: the rule gives {len(expects)} results, the impl {len(outs)}")
            return
        for k, (e, o) in enumerate(zip(expects, outs)):
            o = np.asarray(o) if not hasattr(o, "dtype") else o
            if tuple(e.shape) != tuple(o.shape) or np.dtype(e.dtype) != np.dtype(o.dtype):
                self._report(f"{shown} result {k}: the rule says {e}, the impl gives {aval_of(o)}")


def _brief(params: dict) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return text if len(text) < 120 else text[:117] + "..."


# ---- dtype variants of a sample -----------------------------------------------------------------
def _float_positions(sample: tuple) -> list:
    return [i for i, a in enumerate(sample) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]


def _variants(sample: tuple) -> dict:
    """name -> the sample with its float arrays cast (integer variants round the values)."""
    fl = _float_positions(sample)
    if not fl:
        return {"as_given": sample}

    def cast(pick: Any) -> tuple:
        return tuple(a.astype(pick(i)) if i in fl else a for i, a in enumerate(sample))
    out = {d: cast(lambda i, d=d: d) for d in FLOATS + INTS}
    if len(fl) > 1:
        out["mixed16_32"] = cast(lambda i: np.float16 if i == fl[0] else np.float32)
        out["mixed32_16"] = cast(lambda i: np.float32 if i == fl[0] else np.float16)
    return out


def _tensors(sample: tuple) -> tuple:
    return tuple(ms.Tensor(a) if isinstance(a, np.ndarray) else a for a in sample)


def _flat(out: Any) -> list:
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _flat(o)]
    return [out]


def _closed(spec: OpSpec, sample: tuple) -> tuple:
    """spec.fn taking only the array arguments (the others fixed), and their positions."""
    pos = [i for i, a in enumerate(sample) if isinstance(a, np.ndarray)]

    def fn(*tensors: Any) -> Any:
        args = list(_tensors(sample))
        for p, t in zip(pos, tensors):
            args[p] = t
        return spec.fn(*args)
    return fn, pos


def _projected(spec: OpSpec, sample: tuple, rng: np.random.Generator) -> Any:
    """(scalar <fn(sample), w> over the float outputs, its tensor arguments, the positions to
    differentiate) - or None when nothing is differentiable."""
    fn, pos = _closed(spec, sample)
    diff = tuple(k for k, p in enumerate(pos) if sample[p].dtype.kind == "f"
                 and (spec.diff_args is None or p in spec.diff_args))
    tensors = [ms.Tensor(sample[p]) for p in pos]
    outs = [o for o in _flat(fn(*tensors)) if isinstance(o, ms.Tensor) and o.dtype.is_floating_point]
    if not diff or not outs:
        return None
    weights = [ms.Tensor(rng.standard_normal(o.shape).astype(o.dtype.np)) for o in outs]

    def scalar(*ts: Any) -> Any:
        floats = [o for o in _flat(fn(*ts)) if isinstance(o, ms.Tensor) and o.dtype.is_floating_point]
        return sum(ops.sum(ops.cast(o * w, ms.float32)) for o, w in zip(floats, weights))
    return scalar, tensors, diff, pos


def _grads(spec: OpSpec, sample: tuple, rng: np.random.Generator, second: bool = False) -> None:
    """Take the gradient of <fn(sample), w> and check every gradient's dtype and shape; with
    `second`, also differentiate <gradient, v> (the double-backward primitives)."""
    projected = _projected(spec, sample, rng)
    if projected is None:
        return
    scalar, tensors, diff, pos = projected
    grads = ms.grad(scalar, diff)(*tensors)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for k, g in zip(diff, grads):
        x = tensors[k]
        assert g.dtype == x.dtype and g.shape == x.shape, \
            f"{spec.name}: the gradient of input {pos[k]} ({x.dtype}{list(x.shape)}) is {g.dtype}{list(g.shape)}"
    if second:
        vs = [ms.Tensor(rng.standard_normal(g.shape).astype(g.dtype.np)) for g in grads]

        def first_order(*ts: Any) -> Any:
            gs = ms.grad(scalar, diff)(*ts)
            gs = gs if isinstance(gs, tuple) else (gs,)
            return sum(ops.sum(ops.cast(g * v, ms.float32)) for g, v in zip(gs, vs))
        ms.grad(first_order, diff)(*tensors)


def _graph_agrees(spec: OpSpec, sample: tuple, eager: Any) -> None:
    """The compiled program's outputs have the eager outputs' dtypes and shapes."""
    fn, pos = _closed(spec, sample)
    tensors = [ms.Tensor(sample[p]) for p in pos]
    ms.set_seed(0)
    try:
        graph = _flat(ms.jit(fn)(*tensors))
    except (TypeError, ValueError) as e:
        shown = ", ".join(f"{t.dtype}{list(t.shape)}" for t in tensors)
        pytest.fail(f"{spec.name}: eager mode accepts ({shown}) but the compiled graph rejects it "
                    f"(its shape rule or the impl must change so both agree): {e}")
    eager = _flat(eager)
    assert len(graph) == len(eager), f"{spec.name}: {len(eager)} eager outputs, {len(graph)} compiled"
    for k, (e, g) in enumerate(zip(eager, graph)):
        assert (g.dtype, g.shape) == (e.dtype, e.shape), \
            f"{spec.name} output {k}: compiled {g.dtype}{list(g.shape)}, eager {e.dtype}{list(e.shape)}"


def _graph_rejects(spec: OpSpec, sample: tuple) -> None:
    fn, pos = _closed(spec, sample)
    with pytest.raises((TypeError, ValueError)):
        ms.jit(fn)(*[ms.Tensor(sample[p]) for p in pos])


def _eager_only(spec: OpSpec, sample: tuple) -> bool:
    rule = spec.skips.get("graph_partial")
    return rule is not None and rule[1](sample)


@pytest.mark.parametrize("spec", _params("rules"))
def test_rules_match_impls_for_every_dtype(spec: OpSpec) -> None:
    rng = _rng(spec)
    accepted = 0
    with RuleChecker() as rc, warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # integer/float16 samples overflow or hit log(0)
        samples = _samples(spec)
        for sample in samples:
            for name, variant in _variants(sample).items():
                ms.set_seed(0)
                try:
                    out = spec.fn(*_tensors(variant))
                except (TypeError, ValueError):
                    # eager mode rejects this dtype (with a clear error): so must the graph
                    if name in INTS + MIXED and not _eager_only(spec, variant):
                        _graph_rejects(spec, variant)
                    continue
                accepted += 1
                if spec.grad and name in FLOATS + MIXED:
                    _grads(spec, variant, rng, second=spec.gradgrad and sample is samples[0])
                if name in ("float16",) + MIXED and not _eager_only(spec, variant):
                    _graph_agrees(spec, variant, out)
    assert accepted, f"{spec.name}: no dtype variant of any sample was accepted"
    assert not rc.problems, f"{spec.name}: rule/impl disagreements:\n  " + "\n  ".join(rc.problems)


# Primitives the op table does not reach, each with the reason (they have tests of their own).
NOT_IN_TABLE = {
    "print": "a side effect (ops.print_/Print), no numbers to compare (tests/test_api_twins.py, both modes)",
    "runtime_size": "a run-time size as a 0-d tensor inside graphs with axes declared None "
                    "(tests/test_dynamic_sizes.py)",
    "fused_elementwise": "made by the elementwise-fusion pass inside compiled graphs (tests/test_passes.py)",
    "summary": "side effect of the summary operators, no numbers to compare (tests/insight/test_summary_ops.py)",
    "watch": "the debugger's check inserted into watched compiled steps (tests/insight/test_debugger.py)",
    "cond": "tensor-dependent `if` of a captured graph (tests/test_graph_capture.py)",
    "while": "tensor-dependent `while`/`for` of a captured graph (tests/test_graph_capture.py)",
    "while_save": "the differentiated `while` (tests/test_graph_capture.py)",
    "scan": "the backward of a differentiated `while` and of itself (tests/test_same_numbers.py)",
    "call": "a compiled function inside an eager grad (tests/test_same_numbers.py)",
    "custom_vjp": "a Cell with a user bprop (tests/test_same_numbers.py, tests/test_autograd.py)",
    "lite_conv2d": "the inference runtime's fused kernels, made by lite's converter (tests/lite)",
    "lite_dense": "the inference runtime's fused kernels, made by lite's converter (tests/lite)",
    "qconv2d": "int8 kernels made by lite.quantize (tests/lite)",
    "qdense": "int8 kernels made by lite.quantize (tests/lite)",
    **{c: "a collective: needs a communication group (tests/parallel, against numpy per rank)"
       for c in ("all_gather", "all_reduce", "all_to_all", "broadcast", "reduce_scatter")},
    **{c: "SPMD markers of a sharded plan: identity forward, backward by the sum-over-ranks convention rather "
          "than the forward's derivative (tests/parallel/test_sharding.py, against single-process training)"
       for c in ("mirror", "parallel_output")},
    **{c: "made by the GPU lowering of compiled graphs (tests/test_gpu_lowering.py, tests/test_gpu_codegen.py)"
       for c in ("gpu_region", "gpu_rows", "gpu_matmul", "gpu_conv")},
}


LOADED_ON_USE = {"lite_conv2d", "lite_dense", "qconv2d", "qdense",
                 "all_gather", "all_reduce", "all_to_all", "broadcast", "reduce_scatter",  # lite / communication
                 "gpu_region", "gpu_rows", "gpu_matmul", "gpu_conv"}  # registered on import of backend.gpu


def test_the_table_reaches_every_primitive() -> None:
    """Forward, backward and (for `gradgrad` entries) double backward of every entry, in float64,
    apply every registered primitive but the few listed in NOT_IN_TABLE (so the test above
    checks all the others)."""
    rng = np.random.default_rng(0)
    with RuleChecker() as rc, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for spec in OP_DB:
            if spec.skip_reason:
                continue
            for sample in _samples(spec):
                ms.set_seed(0)
                spec.fn(*_tensors(sample))
                if spec.grad:
                    _grads(spec, sample, rng, second=spec.gradgrad)
    missing = sorted(set(REGISTRY) - rc.applied - set(NOT_IN_TABLE) - USER_DEFINED)
    assert not missing, f"primitives no op-table entry applies (add entries, or a reason): {missing}"
    stale = sorted(set(NOT_IN_TABLE) - set(REGISTRY) - LOADED_ON_USE)
    assert not stale, f"NOT_IN_TABLE names primitives that do not exist: {stale}"
    assert not rc.problems, "rule/impl disagreements:\n  " + "\n  ".join(rc.problems)


# ---- the case: amp O1 puts a float16 activation into a float32 BatchNorm ------------------
class _ConvBN(nn.Cell):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, pad_mode="valid", has_bias=False)
        self.bn = nn.BatchNorm2d(4)

    def construct(self, x: Any) -> Any:
        return self.bn(self.conv(x))


def _np_bn_f16(h: np.ndarray, gamma: np.ndarray, beta: np.ndarray, mean: Any, var: Any) -> np.ndarray:
    """BatchNorm of a float16 activation with float32 parameters: float32 arithmetic, float16 out."""
    x = h.astype(np.float32)
    if mean is None:
        mean, var = x.mean((0, 2, 3)), x.var((0, 2, 3))
    y = (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5) * gamma[:, None, None] + beta[:, None, None]
    return y.astype(np.float16)


@pytest.mark.parametrize("training", [False, True])
def test_amp_o1_batchnorm_same_dtype_and_numbers_in_both_modes(training: bool) -> None:
    x = ms.Tensor(np.random.default_rng(1).standard_normal((2, 3, 6, 6)).astype(np.float32))
    results = {}
    try:
        for mode in (ms.PYNATIVE_MODE, ms.GRAPH_MODE):
            ms.set_context(mode=mode)
            ms.set_seed(0)
            net = _ConvBN()
            net.bn.gamma.set_data(ms.Tensor(np.linspace(0.5, 1.5, 4, dtype=np.float32)))
            net.bn.moving_mean.set_data(ms.Tensor(np.array([0.1, -0.2, 0.3, 0.0], np.float32)))
            net.bn.moving_variance.set_data(ms.Tensor(np.array([1.5, 0.7, 2.0, 1.0], np.float32)))
            net.set_train(training)
            amp_net = ms.amp.auto_mixed_precision(net, "O1")
            stats = (None, None) if training else (net.bn.moving_mean.asnumpy(), net.bn.moving_variance.asnumpy())
            results[mode] = amp_net(x).asnumpy()
        # the reference, eagerly: O1 runs the conv in float16, BatchNorm gets that float16 activation
        ms.set_context(mode=ms.PYNATIVE_MODE)
        h = net.conv(x)
        assert h.dtype == ms.float16 and net.bn(h).dtype == ms.float16
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    ref = _np_bn_f16(h.asnumpy(), net.bn.gamma.asnumpy(), net.bn.beta.asnumpy(), *stats).astype(np.float32)
    np.testing.assert_array_equal(results[ms.GRAPH_MODE], results[ms.PYNATIVE_MODE])
    np.testing.assert_allclose(results[ms.PYNATIVE_MODE], ref, rtol=2e-3, atol=2e-3)


def test_batch_norm_rule_follows_mindspore_dtypes() -> None:
    """y takes the input's dtype, the saved statistics the parameters'; gradients their inputs'."""
    from mindlite.ops.nn import batch_norm_p
    rng = np.random.default_rng(2)
    x = ms.Tensor(rng.standard_normal((4, 3, 2)).astype(np.float16))
    p = [ms.Tensor(v.astype(np.float32)) for v in (rng.uniform(0.5, 1.5, 3), rng.standard_normal(3),
                                                   rng.standard_normal(3), rng.uniform(0.5, 1.5, 3))]
    for training in (True, False):
        y, mu, invstd = batch_norm_p(x, *p, training=training, eps=1e-5)
        assert (y.dtype, mu.dtype, invstd.dtype) == (ms.float16, ms.float32, ms.float32)
        g = ms.grad(lambda x, *p: ops.sum(ops.cast(batch_norm_p(x, *p, training=training, eps=1e-5)[0],
                                                  ms.float32)), (0, 1, 2))(x, *p)
        assert [t.dtype for t in g] == [ms.float16, ms.float32, ms.float32]
    with pytest.raises(TypeError, match="mean must have the dtype of scale"):
        batch_norm_p(x, p[0], p[1], ops.cast(p[2], ms.float16), p[3], training=False, eps=1e-5)
    with pytest.raises(TypeError, match="input_x must be floating point"):
        batch_norm_p(ms.Tensor(np.ones((2, 3), np.int32)), *p, training=True, eps=1e-5)


def test_rule_checker_reports_a_disagreement(monkeypatch) -> None:
    """The checker itself: a primitive whose impl returns float32 where its rule says float16."""
    from mindlite.core import context
    from mindlite.ops.math import exp_p
    monkeypatch.setattr(context, "CHECK", False)  # the built-in check would raise first
    saved = exp_p.impl
    exp_p.impl = lambda xp, x: xp.exp(x).astype(np.float32)
    try:
        with RuleChecker() as rc:
            ops.exp(ms.Tensor(np.ones(3, np.float16)))
    finally:
        exp_p.impl = saved
    assert len(rc.problems) == 1 and "exp(Float16[3]" in rc.problems[0] and "Float32[3]" in rc.problems[0]


def test_mindlite_check_raises_on_a_disagreement(monkeypatch) -> None:
    """MINDLITE_CHECK=1: every eager application is checked against its rule."""
    from mindlite.core import context
    from mindlite.ops.math import exp_p
    monkeypatch.setattr(context, "CHECK", True)
    monkeypatch.setattr(exp_p, "impl", lambda xp, x: xp.exp(x).astype(np.float32))
    with pytest.raises(RuntimeError, match=r"MINDLITE_CHECK: exp\(Float16\[3\]\) output 0: the rule says "
                                           r"Float16\[3\], the impl gave Float32\[3\]"):
        ops.exp(ms.Tensor(np.ones(3, np.float16)))
