"""The GPU path on a real device (`pytest -m gpu`): generated kernels, row kernels with warp
reductions, multi-tensor updates, direct cuBLAS (also inside a CUDA graph), cuDNN vs the
im2col fallback, whole training steps captured as one CUDA graph against the CPU, and
bfloat16 amp. Skipped where cupy or a GPU is missing (the same logic runs on the CPU in
test_gpu_codegen.py and test_gpu_lowering.py)."""
from __future__ import annotations

import os

import numpy as np
import pytest

import mindlite as ms
from mindlite import nn
from mindlite.backend.gpu import conv, cublas, regions, rows, runtime
from mindlite.core import jit

cupy = pytest.importorskip("cupy")
try:
    _HAS_GPU = cupy.cuda.runtime.getDeviceCount() > 0
except Exception:  # noqa: BLE001 - no driver
    _HAS_GPU = False
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not _HAS_GPU, reason="no CUDA device")]

from test_gpu_codegen import CASES, BF16, _check, _reference, _region, _typed, adam_case, np_conv, np_layer_norm  # noqa: E402
from test_gpu_lowering import _data, _views, convnet, mlp  # noqa: E402


@pytest.fixture(scope="module")
def runner():
    r = runtime.runner_for(cupy)
    from test_gpu_codegen import _all_region_kernels
    r.prebuild(_all_region_kernels())  # the op table's region kernels in one NVRTC run
    return r


def _dev(arrays):
    return [cupy.asarray(a) if isinstance(a, np.ndarray) else a for a in arrays]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_region_kernels_on_the_device(case, runner):
    cid, name, params, arrays, ref = case
    dts = [np.float32, np.float16] + ([BF16] if BF16 is not None else []) if any(
        a.dtype.kind == "f" for a in arrays) else [np.float32]
    for dt in dts:
        ins = _typed(arrays, dt)
        region, out = _region(name, params, ins)
        (got,) = regions.launch(runner, region, _dev(ins))
        _check(cupy.asnumpy(got), _reference(ref, ins, out.dtype), dt, cid)


def test_dropout_mask_on_the_device_equals_the_host_draw(runner):
    from test_gpu_codegen import dropout_kernel
    _, (region, ins) = dropout_kernel(np.float32)
    relu, out = regions.launch(runner, region, _dev(ins))
    mask = np.random.Generator(np.random.Philox(key=777, counter=41)).random((4, 6, 5), dtype=np.float32) < \
        np.float32(0.9)
    np.testing.assert_array_equal(cupy.asnumpy(out) != 0, mask & (cupy.asnumpy(relu) != 0))


@pytest.mark.parametrize("cols", [1, 31, 32, 33, 768, 4097])
def test_row_kernels_with_warp_reductions(runner, cols):
    """The warp-shuffle reductions (one lane on the host) over rows shorter and longer than a warp."""
    from mindlite.ops import nn as nn_ops
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((7, cols)) * 3).astype(np.float32)
    (y,) = rows.launch(runner, rows.RowOp(nn_ops.softmax_p, {"axis": -1}), (cupy.asarray(x),))
    e = np.exp(x - x.max(-1, keepdims=True))
    np.testing.assert_allclose(cupy.asnumpy(y), e / e.sum(-1, keepdims=True), rtol=2e-5, atol=1e-7)
    g, b = rng.standard_normal(cols).astype(np.float32), rng.standard_normal(cols).astype(np.float32)
    op = rows.RowOp(nn_ops.layer_norm_p, {"begin_norm_axis": 1, "begin_params_axis": 1, "eps": 1e-5})
    y, mu, rstd = rows.launch(runner, op, tuple(_dev([x, g, b])))
    wy, wmu, wr = np_layer_norm(x.astype(np.float64), g, b, 1e-5)
    np.testing.assert_allclose(cupy.asnumpy(y), wy, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(cupy.asnumpy(mu), wmu, rtol=1e-5, atol=1e-6)


def test_multi_tensor_adam_on_the_device(runner):
    region, _, _ = adam_case(np.float32)
    segs, wants = [], []
    for shape in [(3, 5), (70000,), (2, 33)]:
        _, ins, want = adam_case(np.float32, shape)
        segs += _dev(ins)
        wants.append(want)
    outs = regions.launch(runner, region.replace(segments=3), segs)
    for k, want in enumerate(wants):
        for j, w in enumerate(want):
            np.testing.assert_allclose(cupy.asnumpy(outs[3 * k + j]), w, rtol=3e-6, atol=1e-7)
    assert ("optimizer update", "multi-tensor kernel") in runtime.paths()


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_cublas_plans_on_the_device(runner, dtype):
    dt = BF16 if dtype == "bfloat16" else np.dtype(dtype)
    rng = np.random.default_rng(0)
    for x, y in _views(rng):
        xd, yd = cupy.asarray(np.ascontiguousarray(x).astype(dt)), cupy.asarray(np.ascontiguousarray(y).astype(dt))
        if x.ndim >= 2 and not x.flags.c_contiguous and x.strides[-2] < x.strides[-1]:
            xd = cupy.asarray(np.ascontiguousarray(x.T).astype(dt)).T  # keep the transposed view on the device
        got = cublas._matmul_impl(cupy, xd, yd)
        want = np.matmul(x.astype(np.float64), y.astype(np.float64))
        tol = {"float32": 1e-5, "float16": 2e-3, "bfloat16": 2e-2}[dtype]
        np.testing.assert_allclose(cupy.asnumpy(got).astype(np.float64), want, rtol=tol, atol=tol * 4)
    # BERT's attention scores: batched bfloat16/float16 through strided-batched cuBLAS
    q = rng.standard_normal((384, 128, 64)).astype(np.float32)
    k = rng.standard_normal((384, 64, 128)).astype(np.float32)
    got = cublas._matmul_impl(cupy, cupy.asarray(q.astype(dt)), cupy.asarray(k.astype(dt)))
    np.testing.assert_allclose(cupy.asnumpy(got[:2]).astype(np.float64), q[:2].astype(dt).astype(np.float64)
                               @ k[:2].astype(dt).astype(np.float64), rtol=3e-2, atol=3e-1)


def test_cublas_and_generated_kernels_inside_one_cuda_graph(runner):
    """A GEMM (direct cuBLAS) and a generated region captured together replay to the eager result."""
    from mindlite.ops import math as m
    rng = np.random.default_rng(1)
    a = cupy.asarray(rng.standard_normal((256, 128)).astype(np.float32))
    b = cupy.asarray(rng.standard_normal((128, 64)).astype(np.float32))
    region = regions.Region([regions.RStep(m.relu_p, ((regions.IN, 0),), {}, np.float32)], (0,), 1)
    stream = cupy.cuda.Stream(non_blocking=True)
    pool = cupy.cuda.MemoryPool()
    with cupy.cuda.using_allocator(pool.malloc), stream:
        eager = regions.launch(runner, region, [cublas._matmul_impl(cupy, a, b)])[0].copy()
        stream.begin_capture()
        out = regions.launch(runner, region, [cublas._matmul_impl(cupy, a, b)])[0]
        graph = stream.end_capture()
        out.fill(0)
        graph.launch(stream)
        stream.synchronize()
    np.testing.assert_allclose(cupy.asnumpy(out), cupy.asnumpy(eager), rtol=1e-6)


@pytest.mark.parametrize("kind", ["fprop", "dgrad", "wgrad"])
def test_convolution_cudnn_and_fallback_agree_with_numpy(runner, kind):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 8, 14, 14)).astype(np.float32)
    w = rng.standard_normal((16, 8, 3, 3)).astype(np.float32)
    params = {"stride": (2, 2), "pads": (1, 1, 1, 1), "dilation": (1, 1), "groups": 1}
    y = np_conv(x.astype(np.float64), w.astype(np.float64), (2, 2), (1, 1, 1, 1), (1, 1), 1)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    a, b, p = {"fprop": (x, w, params), "dgrad": (dy, w, dict(params, input_shape=x.shape)),
               "wgrad": (dy, x, dict(params, filter_shape=w.shape))}[kind]
    plan = conv.make_plan(kind, a, b, p)
    fallback = cupy.asnumpy(conv.im2col_conv(runner, plan, cupy.asarray(a), cupy.asarray(b)))
    if kind == "fprop":
        np.testing.assert_allclose(fallback, y, rtol=1e-4, atol=1e-4)
    else:  # adjoints: <dy, conv(x)> = <dgrad(dy), x> = <wgrad(dy), w>
        other = x if kind == "dgrad" else w
        np.testing.assert_allclose((fallback.astype(np.float64) * other).sum(), (dy * y).sum(), rtol=1e-4)
    if runner.conv.available():
        fast = cupy.asnumpy(runner.conv.run(plan, cupy.asarray(a), cupy.asarray(b)))
        np.testing.assert_allclose(fast, fallback, rtol=1e-4, atol=1e-4)


# ---- whole steps -------------------------------------------------------------------------------------
def _train(make, x, y, target, mode, steps=4, amp=None):
    ms.set_context(device_target=target, mode=mode)
    try:
        ms.set_seed(0)
        net = make()
        if amp:
            net = ms.amp.auto_mixed_precision(net, "O2", dtype=amp)
        step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True,
                                                                                          reduction="mean")),
                                   nn.Momentum(net.trainable_params(), 0.05, 0.9))
        step.set_train()
        losses = [float(step(ms.Tensor(x), ms.Tensor(y)).asnumpy()) for _ in range(steps)]
        exes = [e for v in jit.cell_function(step).cache.values() for e in v] if mode == ms.GRAPH_MODE else []
        return losses, exes
    finally:
        ms.set_context(device_target="CPU", mode=ms.PYNATIVE_MODE)


@pytest.mark.parametrize("make,shape", [(mlp, (16, 12)), (convnet, (4, 3, 8, 8))], ids=["mlp", "convnet"])
def test_training_step_as_one_cuda_graph_matches_the_cpu(make, shape):
    x, y = _data(shape)
    want, _ = _train(make, x, y, "CPU", ms.PYNATIVE_MODE)
    got, exes = _train(make, x, y, "GPU", ms.GRAPH_MODE)
    np.testing.assert_allclose(got, want, rtol=1e-4)
    step = exes[0].compiled
    assert getattr(step, "mode", None) == "graph", getattr(step, "reason", "")
    assert step.replays == 3
    pyn, _ = _train(make, x, y, "GPU", ms.PYNATIVE_MODE)
    np.testing.assert_allclose(pyn, want, rtol=1e-4)


def test_graph_replay_equals_eager_lowered_execution(monkeypatch):
    x, y = _data((4, 3, 8, 8))
    graph, _ = _train(convnet, x, y, "GPU", ms.GRAPH_MODE)
    monkeypatch.setenv("MINDLITE_CUDA_GRAPH", "0")
    eager, exes = _train(convnet, x, y, "GPU", ms.GRAPH_MODE)
    assert not hasattr(exes[0].compiled, "replays")
    np.testing.assert_allclose(graph, eager, rtol=1e-6)


@pytest.mark.skipif(BF16 is None, reason="ml_dtypes not installed")
def test_bfloat16_amp_steps_track_float32():
    x, y = _data((16, 3, 16, 16))
    want, _ = _train(convnet, x, y, "GPU", ms.GRAPH_MODE)
    got, _ = _train(convnet, x, y, "GPU", ms.GRAPH_MODE, amp=ms.bfloat16)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=5e-2, atol=5e-2)


def test_switches_fall_back_to_one_cupy_call_per_node(monkeypatch):
    monkeypatch.setenv("MINDLITE_GPU_KERNELS", "0")
    x, y = _data((16, 12))
    want, _ = _train(mlp, x, y, "CPU", ms.PYNATIVE_MODE)
    got, exes = _train(mlp, x, y, "GPU", ms.GRAPH_MODE)
    assert all(n.prim.name != "gpu_region" for n in exes[0].graph.nodes)
    np.testing.assert_allclose(got, want, rtol=1e-4)


def test_nvrtc_cache_dir_is_used():
    """Kernels compiled here persist in cupy's cache directory (kept across runs by the
    session script through CUPY_CACHE_DIR)."""
    d = os.environ.get("CUPY_CACHE_DIR", os.path.expanduser("~/.cupy/kernel_cache"))
    assert os.path.isdir(d) and os.listdir(d)
