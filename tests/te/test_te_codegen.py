"""Generated code: the numpy source (loop-free, compiles), the CUDA kernel texts (golden
snippets; NVRTC compiles every one where the `codegen` extra is installed), and the CUDA
host code plus kernel bodies run through a numpy emulation of the emitted C."""
from __future__ import annotations

import re

import numpy as np
import pytest

import mindlite as ms
from mindlite import te
from mindlite.backend import codegen_cuda as cg
from mindlite.ops.registry import REGISTRY
from mindlite.te.lang import cce

import cuda_emulator

needs_nvrtc = pytest.mark.skipif(not cg.nvrtc_available(), reason="NVRTC not installed (pip install "
                                 "'mindlite[codegen]')")


def sigmoid(x):
    return cce.vrec(cce.vadds(cce.vexp(cce.vmuls(x, -1.0)), 1.0))


def _lse(x):
    m = cce.reduce_max(x, axis=1, keepdims=True)
    return cce.vadd(cce.vlog(cce.sum(cce.vexp(cce.vsub(x, cce.broadcast(m, x.shape))), axis=1, keepdims=True)), m)


def _matmul(a, b):
    k = te.reduce_axis((0, a.shape[1]), "k")
    return te.compute((a.shape[0], b.shape[1]), lambda i, j: te.sum(a[i, k] * b[k, j], axis=k), "mm")


def programs():
    """(name, out, inputs, input arrays) covering every lowering path."""
    rng = np.random.default_rng(0)
    n = te.var("n")
    x = te.placeholder((n, 5), "float32", "x")
    a, b = te.placeholder((3, 4), "float32", "a"), te.placeholder((4, 2), "float32", "b")
    d = te.placeholder((4, 4), "float64", "d")
    v = te.placeholder((5,), "float32", "v")
    xs = rng.standard_normal((3, 5)).astype(np.float32)
    head = te.placeholder((3, 5), "float32", "head")
    [dsig] = te.differentiate(sigmoid(te.placeholder((3, 5), "float32", "x3")), None, head)
    x3 = [t for t in te.visit.placeholders(dsig) if t.name == "x3"][0]
    k = te.reduce_axis((1, 4), "k")
    return [
        ("sigmoid", sigmoid(x), [x], [xs]),
        ("lse", _lse(x), [x], [xs]),
        ("matmul", _matmul(a, b), [a, b], [rng.standard_normal((3, 4)).astype(np.float32),
                                          rng.standard_normal((4, 2)).astype(np.float32)]),
        ("diag_tril", te.compute((4, 4), lambda i, j: te.select(i >= j, d[i, j] * d[j, j], 0.0), "dt"), [d],
         [rng.standard_normal((4, 4))]),
        ("broadcast", cce.vmax(cce.vadd(x, cce.broadcast(v, (3, 5)) if False else v), x), [x, v],
         [xs, rng.standard_normal(5).astype(np.float32)]),
        ("sigmoid_grad", te.simplify(dsig), [x3, head], [xs, rng.standard_normal((3, 5)).astype(np.float32)]),
        ("partial_min", te.compute((3,), lambda i: te.min(a[i, k] * 2.0, axis=k), "pm"), [a],
         [rng.standard_normal((3, 4)).astype(np.float32)]),
        ("int_ops", te.compute((6,), lambda i: te.cast(i // 2 + i % 4, "float32") / 2, "io"), [], []),
    ]


def _numpy_result(out, inputs, arrays):
    return te.lower(out, "numpy", inputs)(*arrays)


@pytest.mark.parametrize("case", programs(), ids=lambda c: c[0])
def test_numpy_source_is_loop_free_and_compiles(case):
    name, out, inputs, arrays = case
    low = te.lower(out, "numpy", inputs, name=f"k_{name}")
    assert not re.search(r"\bfor\b|\bwhile\b", low.source), low.source
    compile(low.source, "<check>", "exec")
    assert low(*arrays).shape == tuple(a if isinstance(a, int) else arrays[0].shape[0] for a in out.shape)


def test_numpy_lowering_reuses_buffers_and_uses_einsum():
    x = te.placeholder((8,), "float32", "x")
    src = te.lower(sigmoid(x), "numpy", [x], name="sig").source
    assert src.count("xp.empty") == 0 and src.count("out=t") == 3  # one allocation, three in place
    a, b = te.placeholder((3, 4), "float32", "a"), te.placeholder((4, 2), "float32", "b")
    assert "xp.einsum('ac,cb->ab', a0, a1, optimize=True)" in te.lower(_matmul(a, b), "numpy", [a, b]).source


@pytest.mark.parametrize("case", programs(), ids=lambda c: c[0])
def test_cuda_lowering_emulated_on_the_cpu(case, monkeypatch):
    monkeypatch.setattr(cg, "_cached_kernel", cuda_emulator.emulate)
    name, out, inputs, arrays = case
    low = te.lower(out, "cuda", inputs, name=f"k_{name}")
    got = low.fn(np, *arrays)
    want = _numpy_result(out, inputs, arrays)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6)


def test_cuda_kernel_golden_snippets():
    x = te.placeholder((te.var("n"),), "float32", "x")
    low = te.lower(sigmoid(x), "cuda", [x], name="sig")
    (k,) = low.kernels
    assert (k.in_params, k.out_params) == ("float32 v0", "float32 y")
    assert k.operation == ("const float t0 = (v0 * -1.0f);\nconst float t1 = exp(t0);\n"
                           "const float t2 = (t1 + 1.0f);\nconst float t3 = (1.0f / t2);\ny = t3;")
    raw = low.raw_sources[0]
    assert 'extern "C" __global__ void sig_s0(const float* __restrict__ v0_ptr, float* __restrict__ y_ptr, ' \
           'const long long n)' in raw
    r = te.placeholder((4, 6), "float64", "r")
    red = te.lower(cce.reduce_max(cce.vmuls(r, 2.0), axis=1), "cuda", [r], name="rmax").kernels[0]
    assert red.reduce_expr == "te_max(a, b)" and red.identity == "__longlong_as_double(0xfff0000000000000LL)"
    assert red.map_expr == "rmax_s0_map(v0)" and "return t0;" in red.map_body
    assert red.post_map_expr == "y = a"


def _all_sources():
    out = []
    for name, t, inputs, _ in programs():
        out += [(f"{name}_{k}", s) for k, s in enumerate(te.lower(t, "cuda", inputs, name=f"k_{name}").raw_sources)]
    return out


@needs_nvrtc
@pytest.mark.parametrize("name_src", _all_sources(), ids=lambda c: c[0])
def test_every_cuda_source_compiles_with_nvrtc(name_src):
    cubin = te.nvrtc_check(name_src[1])
    assert cubin[:4] == b"\x7fELF"


@needs_nvrtc
def test_nvrtc_reports_the_compiler_log():
    with pytest.raises(RuntimeError, match=r"identifier \"undefined_thing\" is undefined"):
        te.nvrtc_check('extern "C" __global__ void f(float* y) { y[0] = undefined_thing; }')
    assert b".entry" in te.nvrtc_check('extern "C" __global__ void f(float* y) { y[0] = 1.0f; }', ptx=True)


def test_without_nvrtc_the_error_says_how_to_install(monkeypatch):
    from mindlite.backend import nvrtc
    monkeypatch.setattr(nvrtc, "_NVRTC", None)
    monkeypatch.setattr(nvrtc, "_load_nvrtc", lambda: (_ for _ in ()).throw(ImportError(nvrtc.NVRTC_HINT)))
    with pytest.raises(ImportError, match=r"mindlite\[codegen\]"):
        te.nvrtc_check("")


# ---- the shared generator on fused IR regions (what the GPU fused-kernel work reuses) ---------
def test_every_builtin_scalar_expression_parses():
    for prim in list(REGISTRY.values()):
        if prim.expr is not None:
            cg.parse_expr(prim.expr)


def test_dag_from_steps_of_a_fused_region(monkeypatch):
    from mindlite.passes.fuse import fuse_elementwise
    from mindlite.core.graph_trace import GraphTrace, run_traced
    t = GraphTrace("f")
    args = [t.symbolic((4, 3), np.float32) for _ in range(2)]
    g = t.graph([run_traced(t, lambda x, y: ms.ops.tanh(x * y + 1.0) - ms.ops.where(x > y, x, y), tuple(args))])
    fused = fuse_elementwise(g, min_elems=0)
    (node,) = fused.nodes
    inputs = [cg.CNode("in", value=f"i{k}", dtype=np.float32) for k in range(len(node.inputs))]
    dag = cg.dag_from_steps(node.params["steps"].steps, inputs)
    spec = cg.elementwise_kernel("fused", [(f"i{k}", np.float32) for k in range(len(inputs))], [("y", np.float32, dag)])
    monkeypatch.setattr(cg, "_cached_kernel", cuda_emulator.emulate)
    a, b = np.random.default_rng(0).standard_normal((2, 4, 3)).astype(np.float32)
    out = np.empty((4, 3), np.float32)
    spec.build()(a, b, out)
    np.testing.assert_allclose(out, np.tanh(a * b + 1) - np.where(a > b, a, b), rtol=1e-6)
    if cg.nvrtc_available():
        cg.nvrtc_check(cg.spec_sources(spec))
