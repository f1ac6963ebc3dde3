"""Generated GPU kernels checked without a GPU: every kernel the GPU lowering generates for
the op table's fusible primitives, the elementwise + reduction epilogues (softmax,
log-softmax, LayerNorm, bias-add + GELU, dropout masks), the random draws, the
multi-tensor optimizer update and the im2col/col2im kernels

  * compiles with NVRTC to sm_90 (where the `codegen` extra's NVRTC is installed);
  * runs through the C emulator (tests/te/cuda_emulator.py) for the kernel bodies, and as a
    host build of the exact source (tests/gpu_host.py, where a C++ compiler exists),
against numpy formulas written here (never mindlite's own ops)."""
from __future__ import annotations

import math
import os
import sys

import numpy as np
import pytest

from mindlite.backend import codegen_cuda as cg
from mindlite.backend.gpu import regions, rows
from mindlite.backend.gpu.regions import IN, Region, RStep
from mindlite.core.prim import REGISTRY, Aval
from mindlite.core import dtype as mstype

import gpu_host

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "te"))
import cuda_emulator  # noqa: E402

try:
    import ml_dtypes
    BF16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - optional
    BF16 = None

needs_nvrtc = pytest.mark.skipif(not cg.nvrtc_available(), reason="NVRTC not installed (pip install "
                                 "'mindlite[codegen]')")
needs_cxx = pytest.mark.skipif(not gpu_host.available(), reason="no C++ compiler for the host build of kernels")
needs_bf16 = pytest.mark.skipif(BF16 is None, reason="ml_dtypes not installed")

_erf = np.vectorize(math.erf, otypes=[np.float64])


def np_gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1 + _erf(x / math.sqrt(2)))


def _u(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


ANY, POS, UNIT, BIG1 = _u(-2, 2), _u(0.3, 3), _u(-0.9, 0.9), _u(1.1, 3)
NONZERO = lambda rng, shape: rng.uniform(0.5, 2.5, shape) * rng.choice([-1, 1], shape)  # noqa: E731

# primitive -> (numpy reference on float64 (or bool/int) operands, kind, operand generators)
# kind: "f" float in/out, "cmp" float in / bool out, "b" bool in/out, "i" int in/out
FLOAT_UNARY = {
    "neg": (np.negative, ANY), "abs": (np.abs, ANY), "sign": (np.sign, NONZERO), "exp": (np.exp, ANY),
    "expm1": (np.expm1, ANY), "log": (np.log, POS), "log1p": (np.log1p, POS), "sqrt": (np.sqrt, POS),
    "square": (np.square, ANY), "sin": (np.sin, ANY), "cos": (np.cos, ANY), "tanh": (np.tanh, ANY),
    "floor": (np.floor, ANY), "ceil": (np.ceil, ANY), "round": (np.rint, ANY),
    "rsqrt": (lambda x: 1 / np.sqrt(x), POS), "reciprocal": (lambda x: 1 / x, NONZERO),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), ANY), "erf": (_erf, ANY), "relu": (lambda x: np.maximum(x, 0), ANY),
    "tan": (np.tan, UNIT), "asin": (np.arcsin, UNIT), "acos": (np.arccos, UNIT), "atan": (np.arctan, ANY),
    "sinh": (np.sinh, ANY), "cosh": (np.cosh, ANY), "asinh": (np.arcsinh, ANY), "acosh": (np.arccosh, BIG1),
    "atanh": (np.arctanh, UNIT)}
FLOAT_BINARY = {
    "add": (np.add, ANY, ANY), "sub": (np.subtract, ANY, ANY), "mul": (np.multiply, ANY, ANY),
    "div": (np.true_divide, ANY, NONZERO), "floor_div": (np.floor_divide, ANY, NONZERO),
    "mod": (np.mod, ANY, NONZERO), "pow": (np.power, POS, ANY), "maximum": (np.maximum, ANY, ANY),
    "minimum": (np.minimum, ANY, ANY), "atan2": (np.arctan2, ANY, NONZERO)}
COMPARE = {"equal": np.equal, "not_equal": np.not_equal, "less": np.less, "less_equal": np.less_equal,
           "greater": np.greater, "greater_equal": np.greater_equal}
BOOL = {"logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor}
INT_BINARY = {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
              "floor_div": np.floor_divide, "mod": np.mod, "add": np.add, "mul": np.multiply}
PREDICATES = {"isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite}


def cases():
    """(id, primitive, params, operand arrays (float64 / bool / int), numpy reference) for every
    fusible primitive with a scalar expression; operands broadcast and (unary) strided."""
    rng = np.random.default_rng(0)
    out = []

    def strided(gen):  # a transposed view: the kernel's index math must follow its strides
        return np.ascontiguousarray(gen(rng, (5, 4, 3))).transpose(2, 1, 0)
    for name, (ref, gen) in FLOAT_UNARY.items():
        out.append((name, name, {}, [strided(gen)], ref))
    out.append(("gelu_erf", "gelu", {"approximate": "none"}, [strided(ANY)], np_gelu))
    out.append(("gelu_tanh", "gelu", {"approximate": "tanh"}, [strided(ANY)],
                lambda x: np_gelu(x, "tanh")))
    for name, (ref, gx, gy) in FLOAT_BINARY.items():
        out.append((name, name, {}, [gx(rng, (3, 4, 5)), gy(rng, (4, 1))], ref))
    for name, ref in COMPARE.items():
        a = rng.integers(-2, 3, (3, 4, 5)).astype(np.float64)
        out.append((name, name, {}, [a, rng.integers(-2, 3, (5,)).astype(np.float64)], ref))
    for name, ref in BOOL.items():
        out.append((name, name, {}, [rng.random((3, 4, 5)) < 0.5, rng.random((4, 5)) < 0.5], ref))
    out.append(("logical_xor_float", "logical_xor", {}, [rng.integers(0, 3, (3, 4)).astype(np.float64),
                                                         rng.integers(0, 3, (3, 4)).astype(np.float64)],
                np.logical_xor))
    out.append(("logical_not", "logical_not", {}, [rng.random((3, 4)) < 0.5], np.logical_not))
    for name, ref in INT_BINARY.items():
        b = rng.integers(1, 6, (4, 1)) * rng.choice([-1, 1], (4, 1)) if name in ("floor_div", "mod") \
            else rng.integers(-20, 20, (4, 1))
        out.append((f"{name}_int", name, {}, [rng.integers(-20, 20, (3, 4, 5)), b], ref))
    out.append(("bitwise_not_int", "bitwise_not", {}, [rng.integers(-20, 20, (3, 4))], np.invert))
    for name, ref in PREDICATES.items():
        x = rng.standard_normal((3, 4))
        x[0, 0], x[1, 1], x[2, 2] = np.nan, np.inf, -np.inf
        out.append((name, name, {}, [x], ref))
    c = rng.random((3, 4, 5)) < 0.5
    out.append(("where", "where", {}, [c, rng.standard_normal((3, 4, 5)), rng.standard_normal((1,))],
                lambda c, x, y: np.where(c, x, y)))
    out.append(("cast_f2i", "cast", {"dtype": mstype.int32}, [rng.uniform(-9, 9, (3, 4))],
                lambda x: x.astype(np.int32)))
    out.append(("cast_b2f", "cast", {"dtype": mstype.float32}, [rng.random((3, 4)) < 0.5],
                lambda x: x.astype(np.float64)))
    return out


CASES = cases()


def _typed(arrays, dt):
    """Float operands in dtype dt (others as they are)."""
    return [a.astype(dt) if a.dtype.kind == "f" else (a.astype(np.int32) if a.dtype.kind == "i" else a)
            for a in arrays]


def _region(prim_name, params, arrays):
    prim = REGISTRY[prim_name]
    avals = [Aval(a.shape, a.dtype) for a in arrays]
    out = prim.infer(*avals, **params)
    step = RStep(prim, tuple((IN, k) for k in range(len(arrays))), params, out.dtype)
    return Region([step], (0,), len(arrays)), out


def _reference(ref, arrays, out_dtype):
    with np.errstate(all="ignore"):
        want = ref(*[a.astype(np.float64) if a.dtype.kind == "f" or (a.dtype.kind == "V") else a for a in arrays])
    return np.asarray(want)


def _check(got, want, dt, name):
    got = np.asarray(got)
    if got.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want.astype(got.dtype), err_msg=name)
        return
    g = got.astype(np.float64)
    tol = {"float32": 2e-6, "float64": 1e-12, "float16": 2 ** -10, "bfloat16": 2 ** -7}[np.dtype(dt).name]
    scale = np.maximum(np.abs(want), 1.0 if np.dtype(dt).name in ("float16", "bfloat16") else 1e-3)
    bad = ~(np.isclose(g, want, rtol=0, atol=0) | (np.abs(g - want) <= 4 * tol * scale)
            | (np.isnan(g) & np.isnan(want)))
    assert not bad.any(), f"{name} {np.dtype(dt).name}: got {g[bad][:5]} want {want[bad][:5]}"


# ---- NVRTC: every generated source compiles -----------------------------------------------------------
def _dtypes():
    return [np.float32, np.float16] + ([BF16] if BF16 is not None else [])


def _all_region_kernels():
    kernels = []
    for cid, name, params, arrays, _ in CASES:
        for dt in _dtypes() if any(a.dtype.kind == "f" for a in arrays) else [np.float32]:
            ins = _typed(arrays, dt)
            region, _ = _region(name, params, ins)
            kernels.append(regions._plan_one(region, ins)[0])
    return kernels


def _epilogue_kernels():
    ks = []
    for dt in _dtypes() + [np.float64]:
        for kind in ("softmax", "log_softmax", "layer_norm"):
            ks.append(rows.row_spec(kind, 6, 33, dt, 1e-5))
        ks.append(cg.im2col_kernel(f"im2col_{np.dtype(dt).name}", (2, 3, 7, 6), (3, 2), (2, 1), (1, 0, 1, 1),
                                   (1, 2), (4, 6), dt))
        ks.append(cg.col2im_kernel(f"col2im_{np.dtype(dt).name}", (2, 3, 7, 6), (3, 2), (2, 1), (1, 0, 1, 1),
                                   (1, 2), (4, 6), dt))
    ks += [k for k, _ in _adam_kernels()]
    ks += [dropout_kernel(dt)[0] for dt in _dtypes()]
    return ks


@needs_nvrtc
def test_nvrtc_compiles_every_region_kernel_of_the_op_table():
    kernels = _all_region_kernels()
    assert len(kernels) >= 150
    cubin = cg.nvrtc_check(gpu_host.translation_unit(kernels), arch="sm_90")
    assert cubin[:4] == b"\x7fELF"
    for k in kernels[:3] + kernels[-3:]:  # standalone sources (their own preludes) compile too
        cg.nvrtc_check(k.source, arch="sm_90")


@needs_nvrtc
def test_nvrtc_compiles_epilogue_rng_optimizer_and_conv_kernels():
    ks = _epilogue_kernels()
    assert cg.nvrtc_check(gpu_host.translation_unit(ks), arch="sm_90")[:4] == b"\x7fELF"
    for k in ks:
        if k.name.startswith(("rows_layer_norm", "mt_", "im2col_float16", "col2im_bfloat16", "drop")):
            cg.nvrtc_check(k.source, arch="sm_80")


@needs_nvrtc
def test_nvrtc_reports_the_log_of_a_bad_kernel():
    with pytest.raises(RuntimeError, match="undefined"):
        cg.nvrtc_check('extern "C" __global__ void k(float* y) { y[0] = undefined_fn(1.0f); }')


# ---- the emulator: kernel bodies against numpy ------------------------------------------------------
@pytest.fixture
def emulator(monkeypatch):
    # functions the op table's expressions use that numpy spells differently
    monkeypatch.setitem(cuda_emulator._NP, "erf", _erf)
    monkeypatch.setitem(cuda_emulator._NP, "rsqrt", lambda x: 1 / np.sqrt(x))
    return cuda_emulator


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_emulated_region_bodies(case, emulator):
    """The DAG of each primitive's region as a cupy ElementwiseKernel body, run by the C
    emulator, in float32 (and float64), against numpy."""
    cid, name, params, arrays, ref = case
    for dt in (np.float32, np.float64) if any(a.dtype.kind == "f" for a in arrays) else (np.float32,):
        ins = _typed(arrays, dt)
        region, out = _region(name, params, ins)
        nodes = [cg.CNode("in", value=f"a{k}", dtype=a.dtype) for k, a in enumerate(ins)]
        dag = cg.dag_from_steps(region.steps, nodes, expr_of=regions.expr_of)
        spec = cg.elementwise_kernel(f"k_{cid}", [(f"a{k}", a.dtype) for k, a in enumerate(ins)],
                                     [("y", out.dtype, dag)])
        y = np.empty(out.shape, out.dtype)
        with np.errstate(all="ignore"):
            emulator.emulate(spec)(*ins, y)
        _check(y, _reference(ref, ins, out.dtype), dt, cid)


def test_emulated_multi_output_adam_body(emulator):
    """A multi-output region (Adam's moments and parameter in one body) emulated."""
    region, ins, want = adam_case(np.float32)
    nodes = [cg.CNode("in", value=f"a{k}", dtype=a.dtype) for k, a in enumerate(ins)]
    vals: list = []
    cg.dag_from_steps(region.steps, nodes, expr_of=regions.expr_of, values=vals)
    spec = cg.elementwise_kernel("adam", [(f"a{k}", a.dtype) for k, a in enumerate(ins)],
                                 [(f"y{p}", np.float32, vals[j]) for p, j in enumerate(region.outs)])
    outs = [np.empty(ins[0].shape, np.float32) for _ in region.outs]
    emulator.emulate(spec)(*ins, *outs)
    for got, w in zip(outs, want):
        np.testing.assert_allclose(got, w, rtol=2e-6, atol=1e-7)


def test_emulated_softmax_and_layernorm_pieces(emulator):
    """The row kernels' statistics (as reductions) and outputs (as elementwise bodies)."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 33)).astype(np.float32)
    k = rows.row_spec("softmax", 6, 33, np.float32)
    src = k.source
    assert "te_lanes_max(acc)" in src and "te_lanes_sum(acc)" in src
    # max, then the sum of exp(x - max), then exp(x - max) / sum: rebuilt from the same DAG nodes
    xin = cg.CNode("in", value="x", dtype=np.float32)
    m = emulator.emulate(cg.reduction_kernel("m", [("x", np.float32)], xin, "max"))(x, axis=1)[:, None]
    e = cg.CNode("exp", [cg.CNode("sub", [xin, cg.CNode("in", value="m", dtype=np.float32)], dtype=np.float32)],
                 dtype=np.float32)
    s = emulator.emulate(cg.reduction_kernel("s", [("x", np.float32), ("m", np.float32)], e, "sum"))(x, m, axis=1)
    y = np.empty_like(x)
    body = cg.elementwise_kernel("sm", [("x", np.float32), ("m", np.float32), ("s", np.float32)],
                                 [("y", np.float32, cg.CNode("div", [e, cg.CNode("in", value="s", dtype=np.float32)],
                                                             dtype=np.float32))])
    emulator.emulate(body)(x, m, s[:, None], y)
    ex = np.exp(x.astype(np.float64) - x.max(1, keepdims=True))
    np.testing.assert_allclose(y, ex / ex.sum(1, keepdims=True), rtol=2e-6)


# ---- host builds of the exact sources ------------------------------------------------------------------
@pytest.fixture(scope="module")
def host():
    if not gpu_host.available():
        pytest.skip("no C++ compiler for the host build of kernels")
    return gpu_host.HostRunner()


@needs_cxx
def test_host_build_of_every_region_kernel(host):
    """Every primitive's generated region kernel (float32, float16, bfloat16; broadcast and
    transposed operands) through the launcher, against numpy in float64 rounded to the type."""
    host.prebuild(_all_region_kernels())
    for cid, name, params, arrays, ref in CASES:
        for dt in _dtypes() if any(a.dtype.kind == "f" for a in arrays) else [np.float32]:
            ins = _typed(arrays, dt)
            region, out = _region(name, params, ins)
            (got,) = regions.launch(host, region, ins)
            assert got.shape == out.shape and got.dtype == out.dtype, cid
            _check(got, _reference(ref, ins, out.dtype), dt, cid)


@needs_cxx
def test_half_conversions_are_exact(host):
    """float16 words -> float (all 65536) and float -> float16/bfloat16 (round to nearest even,
    overflow, subnormals, NaN) equal numpy's/ml_dtypes' conversions bit for bit."""
    x = cg.CNode("in", value="a0", dtype=np.float32)
    h = np.arange(65536, dtype=np.uint16).view(np.float16)
    k = cg.strided_kernel("h2f_all", (65536,), [("a0", np.float16, (1,))], [("y", np.float32, x, (1,))])
    out = np.empty(65536, np.float32)
    host.launch(k, [h, out])
    np.testing.assert_array_equal(out.view(np.uint32), h.astype(np.float32).view(np.uint32))
    rng = np.random.default_rng(0)
    f = np.concatenate([rng.standard_normal(30000) * 10.0 ** rng.integers(-9, 6, 30000), h.astype(np.float64),
                        [65519.0, 65520.0, 65504.0, 1e9, -np.inf, np.nan, 2.0 ** -25, 2.0 ** -24 * 1.5]])
    f = f.astype(np.float32)
    ties = (h[:2000].astype(np.float32).view(np.uint32) + 0x1000).view(np.float32)  # exactly between halves
    f = np.concatenate([f, ties])
    for dt in [np.float16] + ([BF16] if BF16 is not None else []):
        k = cg.strided_kernel(f"f2{np.dtype(dt).name}", f.shape, [("a0", np.float32, (1,))], [("y", dt, x, (1,))])
        got = np.empty(f.shape, dt)
        host.launch(k, [f, got])
        with np.errstate(all="ignore"):
            want = f.astype(dt)
        same = (got.view(np.uint16) == want.view(np.uint16)) | (np.isnan(got.astype(np.float32))
                                                                & np.isnan(want.astype(np.float32)))
        assert same.all(), np.flatnonzero(~same)[:5]


@needs_cxx
@pytest.mark.parametrize("seed,offset", [(0x5EED, 0), (12345678901234, 7), (3, 2 ** 64 - 2)])
def test_device_draws_equal_numpy_philox_bit_for_bit(host, seed, offset):
    """The kernel's uniform draws (float32 as bernoulli uses them, float64 as uniform does)
    equal numpy's Generator(Philox(key=seed, counter=offset)) element by element, across
    the 64-bit counter carry."""
    key = np.array([seed, offset], np.uint64)
    for kind, dt in (("f32", np.float32), ("f64", np.float64)):
        r = cg.CNode("in", value="r0", dtype=dt)
        k = cg.strided_kernel(f"draw_{kind}", (7, 11), [], [("y", dt, r, cg.contiguous_strides((7, 11)))],
                              rng=[("r0", "k0", kind)])
        y = np.empty((7, 11), dt)
        host.launch(k, [key, y])
        g = np.random.Generator(np.random.Philox(key=seed, counter=offset))
        want = g.random((7, 11), dtype=np.float32) if kind == "f32" else g.random((7, 11))
        np.testing.assert_array_equal(y, want)


def dropout_kernel(dt):
    """bias-add + ReLU + dropout (mask drawn in the kernel) as the lowering makes it."""
    from mindlite.ops.random import bernoulli_p
    from mindlite.ops import math as m
    params = {"shape": (4, 6, 5), "dtype": mstype.to_type(np.dtype(dt)) if np.dtype(dt) != BF16 else mstype.bfloat16,
              "p": 0.9}
    steps = [RStep(m.add_p, ((IN, 0), (IN, 1)), {}, dt), RStep(m.relu_p, ((1, 0),), {}, dt),
             RStep(m.mul_p, ((1, 1), (IN, 2)), {}, dt), RStep(m.mul_p, ((1, 2), (2, 1 / 0.9)), {}, dt)]
    region = Region(steps, (1, 3), 3, draws={2: regions.Draw(bernoulli_p, params)})
    rng = np.random.default_rng(3)
    x, b = rng.standard_normal((4, 6, 5)).astype(dt), rng.standard_normal((6, 1)).astype(dt)
    key = np.array([777, 41], np.uint64)
    return regions._plan_one(region, [x, b, key])[0], (region, [x, b, key])


@needs_cxx
def test_dropout_mask_drawn_in_the_kernel_equals_the_host_mask(host):
    """One kernel: bias-add, ReLU, dropout with the mask drawn from the key; the mask is
    numpy's bernoulli draw exactly (float32 and float16)."""
    for dt in (np.float32, np.float16):
        _, (region, ins) = dropout_kernel(dt)
        relu, out = regions.launch(host, region, ins)
        x, b, key = ins
        mask = np.random.Generator(np.random.Philox(key=777, counter=41)).random((4, 6, 5), dtype=np.float32) < \
            np.float32(0.9)
        r = np.maximum(x.astype(np.float32) + b.astype(np.float32), 0).astype(dt)
        np.testing.assert_array_equal(relu, r)
        want = (r.astype(np.float32) * mask * np.float32(np.asarray(1 / 0.9, dt))).astype(dt)
        np.testing.assert_allclose(out.astype(np.float32), want.astype(np.float32), rtol=2e-3 if dt == np.float16
                                   else 1e-6)
        assert ((out == 0) == ~mask | (r == 0)).all()


@needs_cxx
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_bias_add_gelu_region(host, approximate):
    from mindlite.ops import math as m
    steps = [RStep(m.add_p, ((IN, 0), (IN, 1)), {}, np.float32),
             RStep(m.gelu_p, ((1, 0),), {"approximate": approximate}, np.float32)]
    region = Region(steps, (1,), 2)
    rng = np.random.default_rng(4)
    x, b = rng.standard_normal((8, 16)).astype(np.float32), rng.standard_normal(16).astype(np.float32)
    (y,) = regions.launch(host, region, [x, b])
    np.testing.assert_allclose(y, np_gelu(x.astype(np.float64) + b, approximate), rtol=3e-6, atol=1e-6)
    compiles = host.cache.compiles  # the plan and the kernel are made once per region and signature
    regions.launch(host, region, [x * 2, b])
    assert host.cache.compiles == compiles
    regions.launch(host, region, [np.asfortranarray(x), b])  # other strides: another kernel
    assert host.cache.compiles == compiles + 1


def np_layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    rstd = 1 / np.sqrt(var + eps)
    return (x - mu) * rstd * g + b, mu, rstd


@needs_cxx
@pytest.mark.parametrize("dt", ["float32", "float16", "bfloat16"])
def test_row_kernels_against_numpy(host, dt):
    """softmax, log-softmax and LayerNorm row kernels (statistics in float) against numpy."""
    dt = BF16 if dt == "bfloat16" else np.dtype(dt)
    if dt is None:
        pytest.skip("ml_dtypes not installed")
    from mindlite.ops import nn as nn_ops
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((3, 5, 37)) * 3).astype(dt)
    x64 = x.astype(np.float64)
    tol = {"float32": 3e-6, "float16": 2e-3, "bfloat16": 1.6e-2}[np.dtype(dt).name]
    (y,) = rows.launch(host, rows.RowOp(nn_ops.softmax_p, {"axis": -1}), (x,))
    e = np.exp(x64 - x64.max(-1, keepdims=True))
    np.testing.assert_allclose(y.astype(np.float64), e / e.sum(-1, keepdims=True), rtol=tol, atol=tol * 0.1)
    (y,) = rows.launch(host, rows.RowOp(nn_ops.log_softmax_p, {"axis": 2}), (x,))
    s = x64 - x64.max(-1, keepdims=True)
    np.testing.assert_allclose(y.astype(np.float64), s - np.log(np.exp(s).sum(-1, keepdims=True)), rtol=tol,
                               atol=tol * 4)
    g, b = rng.standard_normal(37).astype(dt), rng.standard_normal(37).astype(dt)
    op = rows.RowOp(nn_ops.layer_norm_p, {"begin_norm_axis": 2, "begin_params_axis": 2, "eps": 1e-5})
    y, mu, rstd = rows.launch(host, op, (x, g, b))
    wy, wmu, wrstd = np_layer_norm(x64, g.astype(np.float64), b.astype(np.float64), 1e-5)
    assert mu.shape == (3, 5, 1) and rstd.shape == (3, 5, 1) and y.dtype == dt
    np.testing.assert_allclose(mu.astype(np.float64), wmu, rtol=tol, atol=tol)
    np.testing.assert_allclose(rstd.astype(np.float64), wrstd, rtol=tol * 2)
    np.testing.assert_allclose(y.astype(np.float64), wy, rtol=tol * 4, atol=tol * 8)


def adam_case(dt, shape=(5, 7)):
    """Adam's update as the lowering's multi-output region: outputs m', v', p' written in place."""
    from mindlite.ops import math as m
    b1, b2, eps = 0.9, 0.999, 1e-8
    S = 1
    steps = [RStep(m.sub_p, ((IN, 0), (IN, 1)), {}, dt),                 # g - m
             RStep(m.mul_p, ((S, 0), (2, 1 - b1)), {}, dt),
             RStep(m.add_p, ((IN, 1), (S, 1)), {}, dt),                  # m' = m + (g - m)(1 - b1)
             RStep(m.mul_p, ((IN, 0), (IN, 0)), {}, dt),
             RStep(m.sub_p, ((S, 3), (IN, 2)), {}, dt),
             RStep(m.mul_p, ((S, 4), (2, 1 - b2)), {}, dt),
             RStep(m.add_p, ((IN, 2), (S, 5)), {}, dt),                  # v'
             RStep(m.mul_p, ((IN, 3), (S, 2)), {}, dt),                  # lr_t * m'
             RStep(m.sqrt_p, ((S, 6),), {}, dt),
             RStep(m.add_p, ((S, 8), (2, eps)), {}, dt),
             RStep(m.div_p, ((S, 7), (S, 9)), {}, dt),
             RStep(m.sub_p, ((IN, 4), (S, 10)), {}, dt)]                 # p'
    region = Region(steps, (2, 6, 11), 5, inplace={0: 1, 1: 2, 2: 4})
    rng = np.random.default_rng(6)
    g, mo, p = (rng.standard_normal(shape).astype(dt) for _ in range(3))
    v = rng.uniform(0.1, 1, shape).astype(dt)
    lr = np.asarray(0.01, dt)
    g64, m64, v64, p64 = (a.astype(np.float64) for a in (g, mo, v, p))
    m1 = m64 + (g64 - m64) * np.float64(np.float32(1 - b1))
    v1 = v64 + (g64 * g64 - v64) * np.float64(np.float32(1 - b2))
    p1 = p64 - 0.01 * m1 / (np.sqrt(v1) + eps)
    return region, [g, mo, v, lr, p], [m1, v1, p1]


def _adam_kernels():
    out = []
    for dt in (np.float32, np.float16):
        region, ins, _ = adam_case(dt)
        seg = region.replace(segments=3)
        out.append(regions._plan_multi(seg, ins, ("e", "e", "e", "s", "e")))
    return out


@needs_cxx
def test_multi_tensor_adam_over_a_list_and_over_a_flat_buffer(host):
    """One launch updates three tensors (sizes around the chunk size, so one tensor spans
    several table rows), in place; the same kernel over tensors packed in flat buffers runs
    from a table that merged them into one; both equal numpy's Adam."""
    rng = np.random.default_rng(7)
    sizes = [(3, 5), (cg.MT_CHUNK + 17,), (2, 33)]
    region, _, _ = adam_case(np.float32)
    for flat in (False, True):
        segs, wants = [], []
        if flat:
            total = sum(int(np.prod(s)) for s in sizes)
            bufs = [np.empty(total, np.float32) for _ in range(4)]
        off = 0
        for s in sizes:
            _, ins, want = adam_case(np.float32, s)
            if flat:
                n = int(np.prod(s))
                views = [b[off:off + n].reshape(s) for b in bufs]
                for v_, a in zip(views, [ins[0], ins[1], ins[2], ins[4]]):
                    v_[...] = a
                ins = [views[0], views[1], views[2], ins[3], views[3]]
                off += n
            segs += ins
            wants.append(want)
        outs = regions.launch(host, region.replace(segments=len(sizes)), segs)
        assert host.launches[-1].startswith("mt_")
        for k, want in enumerate(wants):
            for j, w in enumerate(want):
                got = outs[3 * k + j]
                assert got is segs[5 * k + (1, 2, 4)[j]]  # written in place
                np.testing.assert_allclose(got, w, rtol=3e-6, atol=1e-7)
    table = cg.multi_tensor_table([10, 20], [[1000, 9], [1040, 9]], [4, 0])
    assert table.tolist() == [[30, 0, 1000, 9]]  # back-to-back tensors and a shared scalar: one row


def np_conv(x, w, stride, pads, dilation, groups):
    n, c, h, wd = x.shape
    k, cg_, r, s = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[1]), (pads[2], pads[3])))
    oh = (h + pads[0] + pads[1] - dilation[0] * (r - 1) - 1) // stride[0] + 1
    ow = (wd + pads[2] + pads[3] - dilation[1] * (s - 1) - 1) // stride[1] + 1
    y = np.zeros((n, k, oh, ow))
    kg = k // groups
    for gi in range(groups):
        for i in range(r):
            for j in range(s):
                patch = xp[:, gi * cg_:(gi + 1) * cg_, i * dilation[0]:i * dilation[0] + stride[0] * (oh - 1) + 1:stride[0],
                           j * dilation[1]:j * dilation[1] + stride[1] * (ow - 1) + 1:stride[1]]
                y[:, gi * kg:(gi + 1) * kg] += np.einsum("nchw,kc->nkhw", patch, w[gi * kg:(gi + 1) * kg, :, i, j])
    return y


@needs_cxx
@pytest.mark.parametrize("geo", [((1, 1), (1, 1, 1, 1), (1, 1), 1), ((2, 1), (1, 0, 2, 1), (1, 2), 1),
                                 ((1, 2), (0, 0, 0, 0), (2, 1), 2)], ids=["same", "asym_dilated", "groups"])
def test_im2col_convolution_fprop_dgrad_wgrad(host, geo):
    """The fallback convolution (generated im2col/col2im + GEMM plans) against a direct numpy
    convolution and its adjoints (<dy, conv(x)> = <dgrad(dy), x> = <wgrad(dy), w>)."""
    from mindlite.backend.gpu import conv
    stride, pads, dilation, groups = geo
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 4, 7, 6)).astype(np.float32)
    w = rng.standard_normal((6, 4 // groups, 3, 2)).astype(np.float32)
    params = {"stride": stride, "pads": pads, "dilation": dilation, "groups": groups}
    plan = conv.make_plan("fprop", x, w, params)
    y = conv.im2col_conv(host, plan, x, w)
    want = np_conv(x.astype(np.float64), w.astype(np.float64), stride, pads, dilation, groups)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dx = conv.im2col_conv(host, conv.make_plan("dgrad", dy, w, dict(params, input_shape=x.shape)), dy, w)
    dw = conv.im2col_conv(host, conv.make_plan("wgrad", dy, x, dict(params, filter_shape=w.shape)), dy, x)
    inner = float((dy.astype(np.float64) * want).sum())
    assert dx.shape == x.shape and dw.shape == w.shape
    np.testing.assert_allclose(float((dx.astype(np.float64) * x).sum()), inner, rtol=1e-5)
    np.testing.assert_allclose(float((dw.astype(np.float64) * w).sum()), inner, rtol=1e-5)
    # the adjoint per element: dgrad of a one-hot dy is the filter placed in x's frame
    e = np.zeros_like(dy)
    e[1, 2, 1, 1] = 1
    dx1 = conv.im2col_conv(host, conv.make_plan("dgrad", e, w, dict(params, input_shape=x.shape)), e, w)
    for idx in [(0, 0, 0, 0), (1, 1, 2, 3), (1, 3, 4, 5)]:
        xe = np.zeros_like(x)
        xe[idx] = 1
        np.testing.assert_allclose(dx1[idx], np_conv(xe, w, stride, pads, dilation, groups)[1, 2, 1, 1], atol=1e-6)


# ---- golden snippets of the region generator ------------------------------------------------------
def test_region_kernel_golden_snippets():
    """bias-add + ReLU over (N, C, H, W) with a per-channel bias: the bias offset is the
    channel coordinate alone; the kernel reads float16 words and rounds every step."""
    from mindlite.ops import math as m
    steps = [RStep(m.add_p, ((IN, 0), (IN, 1)), {}, np.float16), RStep(m.relu_p, ((1, 0),), {}, np.float16)]
    region = Region(steps, (1,), 2)
    x, b = np.zeros((2, 3, 4, 5), np.float16), np.zeros((3, 1, 1), np.float16)
    kernel = regions._plan_one(region, [x, b])[0]
    src = kernel.source
    assert f'extern "C" __global__ void {kernel.name}(const unsigned short* __restrict__ a0_ptr, ' \
           f'const unsigned short* __restrict__ a1_ptr, unsigned short* __restrict__ y0_ptr)' in src
    assert "for (int i = (int)(blockIdx.x * blockDim.x + threadIdx.x); i < (int)120;" in src
    assert "const int c1 = q2 % 3;" in src and "const float a1 = te_h2f(a1_ptr[c1]);" in src
    assert "const float a0 = te_h2f(a0_ptr[i]);" in src
    assert "const float t0 = (a0 + a1);\nconst float t1 = te_round_f16(t0);" in src.replace("    ", "")
    assert "te_max(t1, 0.0f)" in src and "y0_ptr[i] = te_f2h(t3);" in src
    # the same structure on other shapes is another kernel; the same shapes the same one
    k2 = regions._plan_one(region, [np.zeros((2, 3, 4, 6), np.float16), b])[0]
    assert k2.name != kernel.name and regions._plan_one(region, [x, b])[0] == kernel


def test_kernel_cache_compiles_each_source_once_per_arch():
    from mindlite.backend.gpu import runtime
    built = []
    cache = runtime.KernelCache(lambda k: built.append(k.name) or k.name, "sm_90")
    a = cg.strided_kernel("ka", (4,), [("a0", np.float32, (1,))], [("y", np.float32, cg.CNode(
        "in", value="a0", dtype=np.float32), (1,))])
    b = cg.strided_kernel("ka", (5,), [("a0", np.float32, (1,))], [("y", np.float32, cg.CNode(
        "in", value="a0", dtype=np.float32), (1,))])
    for _ in range(3):
        cache.get(a)
    cache.get(b)
    assert built == ["ka", "ka"] and cache.compiles == 2 and len(cache) == 2
    assert runtime.kernel_key(a, "sm_90") != runtime.kernel_key(a, "sm_80")
    assert runtime.kernel_key(a, "sm_90")[1:] == ("ka", "sm_90")
