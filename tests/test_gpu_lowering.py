"""The GPU lowering and its runtime logic, without a GPU.

A lowered graph runs anywhere: its GPU primitives have numpy references, and the tests
install a host runner (tests/gpu_host.py) so the generated kernels, GEMM plans and
im2col convolutions run on the CPU. Training steps compiled through the GPU pipeline are
compared with PYNATIVE (eager numpy) losses and parameters; cuBLAS plans with a numpy
reading of the column-major calls; cuDNN plans by their descriptions; the CUDA-graph step
wrapper with a stand-in for cupy's streams and graphs."""
from __future__ import annotations

import contextlib

import numpy as np
import pytest

from mindlite.core.prim import UnsupportedError

import mindlite as ms
from mindlite import nn
from mindlite.backend.executor import compile_graph
from mindlite.backend.gpu import conv, cublas, runtime
from mindlite.backend.gpu.capture import ALIGN, CudaGraphStep, flat_layout
from mindlite.backend.gpu.compile import lower_graph
from mindlite.backend.gpu.lower import cluster, mark_in_place, to_regions
from mindlite.core import jit
from mindlite.ir.graph import Graph, Node, Var
from mindlite.ops import math as m

import gpu_host


# ---- training through the GPU pipeline ----------------------------------------------------------------
@contextlib.contextmanager
def gpu_pipeline(runner=None):
    """Compile GRAPH_MODE steps through the GPU pipeline (lowering included) on numpy; with a
    runner, the GPU primitives run their generated kernels on it."""
    old = jit._COMPILER[0]
    graphs = []

    def compile_step(graph, inplace):
        g = lower_graph(graph, inplace)
        graphs.append(g)
        return g, compile_graph(g, np)
    jit.set_compiler(compile_step)
    prev = runtime.set_runner(np, runner)
    try:
        yield graphs
    finally:
        jit.set_compiler(old)
        runtime.set_runner(np, prev)


def mlp():
    return nn.SequentialCell(nn.Dense(12, 32), nn.GELU(), nn.Dropout(p=0.2), nn.LayerNorm((32,)), nn.Dense(32, 5))


def convnet():
    return nn.SequentialCell(nn.Conv2d(3, 6, 3, stride=2, pad_mode="pad", padding=1, has_bias=True),
                             nn.BatchNorm2d(6), nn.ReLU(), nn.Conv2d(6, 4, 3, pad_mode="same"), nn.ReLU(),
                             nn.Flatten(), nn.Dense(4 * 4 * 4, 5))


def _train(make, opt, x, y, mode, steps=3):
    ms.set_context(mode=mode)
    try:
        ms.set_seed(0)
        net = make()
        optimizer = nn.Adam(net.trainable_params(), 1e-2) if opt == "adam" else \
            nn.Momentum(net.trainable_params(), 0.05, 0.9)
        step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True,
                                                                                          reduction="mean")), optimizer)
        step.set_train()
        losses = [float(step(ms.Tensor(x), ms.Tensor(y)).asnumpy()) for _ in range(steps)]
        return losses, [p.asnumpy().copy() for p in net.trainable_params()]
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def _data(shape, classes=5):
    rng = np.random.default_rng(0)
    return rng.standard_normal(shape).astype(np.float32), rng.integers(0, classes, shape[0]).astype(np.int32)


def test_lowered_mlp_structure_and_numbers():
    """Dense-GELU-Dropout-LayerNorm-Dense with Adam: dropout drawn inside a region, LayerNorm
    and log-softmax as row kernels, every matmul on cuBLAS, the optimizer as one multi-tensor
    region updating in place; numbers equal PYNATIVE's (numpy references of the primitives)."""
    x, y = _data((16, 12))
    want = _train(mlp, "adam", x, y, ms.PYNATIVE_MODE)
    with gpu_pipeline() as graphs:
        got = _train(mlp, "adam", x, y, ms.GRAPH_MODE)
    g = graphs[0]
    names = [n.prim.name for n in g.nodes]
    assert "bernoulli" not in names and "fused_elementwise" not in names and "matmul" not in names
    assert names.count("gpu_rows") == 2 and names.count("gpu_matmul") == 5
    regions_ = [n.params["region"] for n in g.nodes if n.prim.name == "gpu_region"]
    assert any(r.draws for r in regions_)
    (update,) = [r for r in regions_ if r.segments > 1]
    assert update.segments == 6 and len(update.inplace) == len(update.outs) == 3  # m, v, parameter
    np.testing.assert_allclose(got[0], want[0], rtol=1e-5)
    for a, b in zip(got[1], want[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(not gpu_host.available(), reason="no C++ compiler for the host build of kernels")
@pytest.mark.parametrize("make,opt,shape", [(mlp, "adam", (16, 12)), (convnet, "momentum", (4, 3, 8, 8))],
                         ids=["mlp_adam", "convnet_momentum"])
def test_training_with_generated_kernels_on_the_host(make, opt, shape):
    """The same steps with every GPU primitive running its generated kernel (host build),
    cuBLAS plans and im2col convolutions: the losses and parameters of PYNATIVE."""
    x, y = _data(shape)
    want = _train(make, opt, x, y, ms.PYNATIVE_MODE)
    runtime.reset_paths()
    runner = gpu_host.HostRunner()
    with gpu_pipeline(runner) as graphs:
        got = _train(make, opt, x, y, ms.GRAPH_MODE)
    # the kernels predicted before the first run (compiled in one go) are ones the run launched
    from mindlite.backend.gpu.prebuild import predicted_kernels
    predicted, launched = {k.name for k in predicted_kernels(graphs[0])}, set(runner.launches)
    assert predicted <= launched and len(predicted) >= 0.8 * len(launched)
    np.testing.assert_allclose(got[0], want[0], rtol=2e-5)
    for a, b in zip(got[1], want[1]):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)
    paths = runtime.paths()
    assert ("optimizer update", "multi-tensor kernel") in paths
    assert ("elementwise region", "generated kernel") in paths
    if make is convnet:
        assert paths[("conv2d", "im2col + cuBLAS")][1] == "cuDNN frontend not installed"
        assert ("conv2d_backprop_filter", "im2col + cuBLAS") in paths
    assert any(k.startswith("mt_") for k in runner.launches)


def _graph(nodes, inputs, outputs):
    return Graph("t", inputs, nodes, outputs)


def test_in_place_only_when_the_old_value_is_dead():
    p, g_ = Var((4,), np.float32), Var((4,), np.float32)
    new, later = Var((4,), np.float32), Var((4,), np.float32)
    upd = Node(m.sub_p, (p, g_), {}, (new,))
    ok = to_regions(_graph([upd], [p, g_], [new]))
    assert mark_in_place(ok, {0: 0}).nodes[0].params["region"].inplace == ((0, 0),)
    read_after = to_regions(_graph([upd, Node(m.mul_p, (p, p), {}, (later,))], [p, g_], [new, later]))
    assert mark_in_place(read_after, {0: 0}).nodes[0].params["region"].inplace == ()
    returned = to_regions(_graph([upd], [p, g_], [new, p]))
    assert mark_in_place(returned, {0: 0}).nodes[0].params["region"].inplace == ()


def test_regions_merge_only_when_no_reader_sits_between():
    x = Var((4,), np.float32)
    a, b, d = (Var((4,), np.float32) for _ in range(3))
    prod = Node(m.exp_p, (x,), {}, (a,))
    cons = Node(m.mul_p, (a, x), {}, (b,))
    merged = cluster(to_regions(_graph([prod, cons], [x], [a, b])))
    (n,) = merged.nodes
    assert n.params["region"].outs == (0, 1) and n.outs == (a, b)  # a is also returned: a second output
    from mindlite.ops.reduce import reduce_sum_p
    s = Var((), np.float32)
    between = Node(reduce_sum_p, (a,), {"axis": (0,), "keepdims": False}, (s,))  # reads a before the consumer
    kept = cluster(to_regions(_graph([prod, between, Node(m.mul_p, (a, s), {}, (d,))], [x], [d])))
    assert [n.prim.name for n in kept.nodes] == ["gpu_region", "reduce_sum", "gpu_region"]


# ---- cuBLAS plans --------------------------------------------------------------------------------------
def _views(rng):
    """(x, y) pairs covering numpy matmul: transposed views, broadcast batches, 1-D operands,
    sliced rows, a broadcast inside a matrix (copied first)."""
    r = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    big = r(7, 9)
    return [(r(3, 4), r(4, 5)), (r(4, 3).T, r(4, 5)), (r(3, 4), r(5, 4).T), (r(4, 3).T, r(5, 4).T),
            (r(2, 3, 4), r(2, 4, 5)), (r(2, 3, 4), r(4, 5)), (r(4, 5), r(6, 5, 2)), (r(2, 1, 3, 4), r(1, 5, 4, 2)),
            (r(4), r(4, 5)), (r(3, 4), r(4)), (r(4), r(4)), (big[1:4, 2:6], r(4, 2)), (r(2, 4, 3).transpose(0, 2, 1),
                                                                                   r(2, 4, 5)),
            (np.broadcast_to(r(1, 4), (3, 4)), r(4, 2)), (r(3, 1), r(1, 4)), (r(0, 3), r(3, 2)), (r(2, 0), r(0, 3))]


def test_gemm_plans_compute_numpys_matmul():
    rng = np.random.default_rng(0)
    for x, y in _views(rng):
        plan = cublas.plan_matmul(x.shape, cublas._elem_strides(x), y.shape, cublas._elem_strides(y), x.dtype)
        c = np.empty(plan.out_shape, np.float32)
        cublas.run_plan_on_host(plan, x, y, c)
        np.testing.assert_allclose(c, np.matmul(x.astype(np.float64), y), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{x.shape} @ {y.shape}")


def test_gemm_plan_shapes():
    f = np.float32
    p = cublas.plan_matmul((8, 3, 4), (12, 4, 1), (4, 5), (5, 1), f)
    assert len(p.calls) == 1 and p.calls[0].batch == 8 and p.calls[0].stride_a == 0  # y broadcast: stride 0
    c = p.calls[0]
    assert (c.transa, c.transb, c.m, c.n, c.k, c.lda, c.ldb, c.ldc) == (0, 0, 5, 3, 4, 5, 4, 5)
    t = cublas.plan_matmul((3, 4), (1, 3), (4, 5), (5, 1), f)  # x is a transposed view: a flag, no copy
    assert t.calls[0].transb == cublas.OP_T and t.calls[0].ldb == 3 and not t.copy_x
    loop = cublas.plan_matmul((2, 1, 3, 4), (12, 12, 4, 1), (1, 5, 4, 2), (40, 8, 2, 1), f)
    assert len(loop.calls) == 2 and all(c.batch == 5 for c in loop.calls)  # outer batch loops
    assert cublas.plan_matmul((3, 4), (0, 1), (4, 2), (2, 1), f).copy_x  # a broadcast row: copied
    with pytest.raises(UnsupportedError, match="int32"):
        cublas.plan_matmul((3, 4), (4, 1), (4, 2), (2, 1), np.int32)


def test_transposed_product_folds_into_a_contiguous_product():
    from mindlite.ops.array import transpose_p
    from mindlite.ops.linalg import matmul_p
    a, b = Var((6, 3), np.float32), Var((6, 4), np.float32)
    at, prod, out = Var((3, 6), np.float32), Var((3, 4), np.float32), Var((4, 3), np.float32)
    g = _graph([Node(transpose_p, (a,), {"perm": (1, 0)}, (at,)), Node(matmul_p, (at, b), {}, (prod,)),
                Node(transpose_p, (prod,), {"perm": (1, 0)}, (out,))], [a, b], [out])
    low = cublas.lower_matmul(g)
    assert [n.prim.name for n in low.nodes] == ["transpose", "transpose", "transpose", "gpu_matmul"]
    rng = np.random.default_rng(1)
    av, bv = rng.standard_normal((6, 3)).astype(np.float32), rng.standard_normal((6, 4)).astype(np.float32)
    (res,) = compile_graph(low, np)(av, bv)
    np.testing.assert_allclose(res, (av.T.astype(np.float64) @ bv).T, rtol=1e-5)


# ---- cuDNN plans ---------------------------------------------------------------------------------------
def test_conv_plan_descriptions():
    x = np.zeros((8, 16, 32, 32), np.float16)
    w = np.zeros((32, 16, 3, 3), np.float16)
    p = conv.make_plan("fprop", x, w, {"stride": (2, 2), "pads": (1, 1, 1, 1), "dilation": (1, 1), "groups": 1})
    d = p.describe()
    assert d["op"] == "conv_fprop" and d["layout"] == "NCHW" and d["io_type"] == "float16"
    assert d["tensors"]["Y"] == {"dim": [8, 32, 16, 16], "stride": [8192, 256, 16, 1]}
    assert d["padding"] == [1, 1] and d["stride"] == [2, 2] and p.cudnn_reason() is None
    nhwc = np.zeros((8, 32, 32, 16), np.float32).transpose(0, 3, 1, 2)  # a channels-last view, not copied
    q = conv.make_plan("fprop", nhwc, w.astype(np.float32), {"stride": (1, 1), "pads": (0, 1, 0, 1),
                                                             "dilation": (1, 1), "groups": 1})
    assert q.layout == "NHWC" and q.describe()["tensors"]["X"]["stride"] == [16384, 1, 512, 16]
    assert q.cudnn_reason() == "asymmetric padding [0, 1, 0, 1]"
    dy = np.zeros((8, 32, 16, 16), np.float32)
    dg = conv.make_plan("dgrad", dy, w, {"stride": (2, 2), "pads": (1, 1, 1, 1), "dilation": (1, 1), "groups": 1,
                                         "input_shape": (8, 16, 32, 32)}).describe()
    assert dg["op"] == "conv_dgrad" and dg["inputs"] == ["DY", "W"] and dg["output"] == "DX"
    assert dg["tensors"]["DX"]["dim"] == [8, 16, 32, 32]
    wg = conv.make_plan("wgrad", dy, x, {"stride": (2, 2), "pads": (1, 1, 1, 1), "dilation": (1, 1), "groups": 1,
                                         "filter_shape": (32, 16, 3, 3)}).describe()
    assert wg["op"] == "conv_wgrad" and wg["inputs"] == ["X", "DY"] and wg["tensors"]["DW"]["dim"] == [32, 16, 3, 3]


class _FakeConvs:
    def __init__(self, available, fail=False):
        self._available, self.fail, self.runs = available, fail, 0

    def available(self):
        return self._available

    def run(self, plan, a, b):
        self.runs += 1
        if self.fail:
            raise RuntimeError("no engine")
        return np.full(plan.y, 7.0, np.float32)


class _ConvRunner:
    """The runner interface with stand-in cuDNN plans (GEMMs and kernels not needed)."""
    xp, lanes, arch, sm_count = np, 1, "fake", 1

    def __init__(self, convs):
        self.conv = convs


@pytest.mark.parametrize("convs,path,reason", [
    (None, "im2col + cuBLAS", "cuDNN frontend not installed"),
    (_FakeConvs(False), "im2col + cuBLAS", "cuDNN frontend not installed"),
    (_FakeConvs(True), "cuDNN", "NCHW float32"),
    (_FakeConvs(True, fail=True), "im2col + cuBLAS", "cuDNN refused the plan: RuntimeError: no engine")])
def test_conv_path_selection_says_which_path_ran(convs, path, reason, monkeypatch):
    calls = []
    monkeypatch.setattr(conv, "im2col_conv", lambda runner, plan, a, b: calls.append(plan) or np.zeros(plan.y))
    monkeypatch.setattr(conv, "_DECIDED", {})
    runtime.reset_paths()
    from mindlite.ops.conv import conv2d_p
    op = conv.ConvOp(conv2d_p, {"stride": (1, 1), "pads": (1, 1, 1, 1), "dilation": (1, 1), "groups": 1})
    prev = runtime.set_runner(np, _ConvRunner(convs))
    try:
        out = conv._conv_impl(np, np.zeros((1, 2, 5, 5), np.float32), np.zeros((3, 2, 3, 3), np.float32), op=op)
    finally:
        runtime.set_runner(np, prev)
    assert out.shape == (1, 3, 5, 5)
    assert runtime.paths()[("conv2d", path)] == (1, reason)
    assert bool(calls) == (path != "cuDNN")


def test_cudnn_graph_descriptions_build_without_a_gpu():
    """With the frontend (and cuDNN runtime) wheels installed, each plan becomes a frontend
    graph whose description has the plan's node, dims and strides (building the execution
    plan needs a GPU)."""
    import json
    cudnn = conv.cudnn_module()
    if cudnn is None:
        pytest.skip("nvidia-cudnn-frontend / nvidia-cudnn-cu13 not installed (the gpu extra)")
    x = np.zeros((8, 6, 6, 4), np.float16).transpose(0, 3, 1, 2)  # channels-last
    w, dy = np.zeros((5, 4, 3, 3), np.float16), np.zeros((8, 5, 3, 3), np.float16)
    geo = {"stride": (2, 2), "pads": (1, 1, 1, 1), "dilation": (1, 1), "groups": 1}
    for kind, a, b, extra, node, out in [("fprop", x, w, {}, "CONV_FPROP", "Y"),
                                         ("dgrad", dy, w, {"input_shape": (8, 4, 6, 6)}, "CONV_DGRAD", "DX"),
                                         ("wgrad", dy, x, {"filter_shape": (5, 4, 3, 3)}, "CONV_WGRAD", "DW")]:
        plan = conv.make_plan(kind, a, b, dict(geo, **extra))
        desc = json.loads(str(conv.build_cudnn_graph(cudnn, plan)[0]))
        assert desc["nodes"][0]["type"] == node
        tensors = desc["tensors"]
        named = {name: tensors.get(name) or tensors[desc["nodes"][0]["outputs"][out]]
                 for name in plan.describe()["tensors"]}
        for name, t in plan.describe()["tensors"].items():
            assert named[name]["dim"] == t["dim"] and named[name]["stride"] == t["stride"], (kind, name)
    assert plan.layout == "NHWC"


# ---- the CUDA-graph step wrapper with a stand-in for cupy -----------------------------------------------
class FakeCupy:
    """cupy's stream/graph/pool surface over numpy: a captured call records thunks that a
    graph launch replays into the same arrays, as a CUDA graph does."""
    __name__ = "cupy"

    def __init__(self, refuse=None):
        self.log, self.capturing, self.refuse = [], None, refuse
        fake = self

        class Event:
            pass

        class Stream:
            ptr = 1

            def __init__(self, non_blocking=False):
                self.thunks = None

            def __enter__(self):
                return self

            def __exit__(self, *a):
                return False

            def record(self):
                fake.log.append("record")
                return Event()

            def wait_event(self, e):
                fake.log.append("wait")

            def begin_capture(self):
                self.thunks, fake.capturing = [], self

            def end_capture(self):
                thunks, self.thunks, fake.capturing = self.thunks, None, None
                if fake.refuse:
                    raise RuntimeError(fake.refuse)
                return Graph(thunks)

        class Graph:
            def __init__(self, thunks):
                self.thunks = thunks

            def upload(self, stream):
                pass

            def launch(self, stream):
                fake.log.append("launch")
                for t in self.thunks:
                    t()

        class Pool:
            def malloc(self, n):
                return None

        class Cuda:
            MemoryPool = Pool

            @staticmethod
            def Stream(non_blocking=False):  # noqa: N802 - cupy's name
                return Stream(non_blocking)

            @staticmethod
            def get_current_stream():
                return Stream()

            @staticmethod
            @contextlib.contextmanager
            def using_allocator(fn):
                yield
        self.cuda = Cuda

    def empty(self, shape, dtype):
        return np.empty(shape, dtype)

    def asarray(self, a):
        return np.asarray(a)


def fake_step(cp):
    """A step `(w, m, x, key) -> [loss, w', m']` updating w and m in place: executed eagerly,
    or, while the fake stream captures, recorded to run at every launch."""
    runs = []

    def body(w, m_, x, loss):
        g = x.mean(0) * w
        m_ *= 0.5
        m_ += g
        w -= 0.1 * m_
        loss[...] = float((w * w).sum())

    def step(w, m_, x, key):
        loss = np.empty((), np.float32)
        if cp.capturing is not None:
            cp.capturing.thunks.append(lambda: body(w, m_, x, loss))
        else:
            body(w, m_, x, loss)
            runs.append(1)
        return [loss, w, m_]
    return step, runs


def _eager_reference(xs):
    w, m_ = np.ones(3, np.float32), np.zeros(3, np.float32)
    out = []
    for x in xs:
        g = x.mean(0) * w
        m_ = m_ * 0.5 + g
        w = w - 0.1 * m_
        out.append(float((w * w).sum()))
    return out, w


def _drive(step_fn, xs):
    """What core/jit.py does: parameters rebound to the returned state arrays each step."""
    w, m_ = np.ones(3, np.float32), np.zeros(3, np.float32)
    losses, held = [], []
    for i, x in enumerate(xs):
        loss, w, m_ = step_fn(w, m_, x, np.array([0, i], np.uint64))
        losses.append(loss)
        held.append(loss)
    return [float(v) for v in losses], w, held


def test_cuda_graph_step_replays_with_static_buffers():
    cp = FakeCupy()
    step, runs = fake_step(cp)
    wrapped = CudaGraphStep(step, cp, {1: 0, 2: 1})
    xs = [np.random.default_rng(i).standard_normal((4, 3)).astype(np.float32) for i in range(4)]
    losses, w, held = _drive(wrapped, xs)
    want, w_want = _eager_reference(xs)
    np.testing.assert_allclose(losses, want, rtol=1e-6)
    np.testing.assert_allclose(w, w_want, rtol=1e-6)
    assert wrapped.mode == "graph" and wrapped.replays == 3 and len(runs) == 1  # one warm-up, then replays
    assert cp.log.count("launch") == 3
    # returned losses are copies: later replays did not overwrite them
    np.testing.assert_allclose([float(h) for h in held], want, rtol=1e-6)
    # the state lives in one flat buffer, each view aligned; the caller holds those views
    s_w, s_m = wrapped.static_in[0], wrapped.static_in[1]
    assert s_w.base is not None and s_w.base is s_m.base and w is s_w
    assert (s_m.ctypes.data - s_w.ctypes.data) % ALIGN == 0
    # each replay: the side stream waits for the caller's, launches, and the caller waits for it
    assert cp.log[-5:] == ["record", "wait", "launch", "record", "wait"]


def test_cuda_graph_step_falls_back_to_eager_and_says_why():
    cp = FakeCupy(refuse="operation not permitted when stream is capturing")
    step, runs = fake_step(cp)
    wrapped = CudaGraphStep(step, cp, {1: 0, 2: 1})
    runtime.reset_paths()
    xs = [np.random.default_rng(i).standard_normal((4, 3)).astype(np.float32) for i in range(3)]
    losses, w, _ = _drive(wrapped, xs)
    want, w_want = _eager_reference(xs)
    np.testing.assert_allclose(losses, want, rtol=1e-6)
    np.testing.assert_allclose(w, w_want, rtol=1e-6)
    assert wrapped.mode == "eager" and "stream is capturing" in wrapped.reason
    assert runtime.paths()[("training step", "eager (no CUDA graph)")][1].startswith("RuntimeError")


def test_flat_layout_aligns_every_array():
    offsets, totals = flat_layout([(3,), (5, 2), (7,)], [np.float32, np.float32, np.float16])
    assert offsets == {0: ("float32", 0), 1: ("float32", 256), 2: ("float16", 0)}
    assert totals == {"float32": 256 + 40, "float16": 14}


def test_a_graph_the_lowering_cannot_take_runs_per_node(monkeypatch):
    """compile_gpu_step falls back to the plain pipeline when lowering raises, and says why."""
    from mindlite.backend.gpu import compile as gpu_compile
    x, y = Var((3,), np.float32), Var((3,), np.float32)
    g = _graph([Node(m.exp_p, (x,), {}, (y,))], [x], [y])

    def broken(graph, state_outs=None):
        raise UnsupportedError("no kernel for this")
    monkeypatch.setattr(gpu_compile, "lower_for_gpu", broken)
    monkeypatch.setenv("MINDLITE_CUDA_GRAPH", "0")
    runtime.reset_paths()
    lowered, fn = gpu_compile.compile_gpu_step(g, None, np)
    assert [n.prim.name for n in lowered.nodes] == ["exp"]
    np.testing.assert_allclose(fn(np.zeros(3, np.float32))[0], np.ones(3))
    assert runtime.paths()[("graph compile", "one cupy call per node")][1] == "UnsupportedError: no kernel for this"


@pytest.mark.skipif(not gpu_host.available(), reason="no C++ compiler for the host build of kernels")
def test_bfloat16_amp_step_with_generated_kernels_tracks_float32():
    """amp O2 in bfloat16 (casts, bfloat16 GEMM plans, half regions rounding per step, row
    kernels with float statistics) through the host-built kernels: losses within 0.1% of
    PYNATIVE float32 over four Adam steps."""
    pytest.importorskip("ml_dtypes")
    x, y = _data((16, 12))

    def train(mode, amp, runner=None):
        ms.set_context(mode=mode)
        try:
            ms.set_seed(0)
            net = mlp()
            loss = nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean"))
            if amp:
                loss = ms.amp.auto_mixed_precision(loss, "O2", dtype=ms.bfloat16)
            step = nn.TrainOneStepCell(loss, nn.Adam(net.trainable_params(), 1e-2))
            step.set_train()
            with gpu_pipeline(runner) if mode == ms.GRAPH_MODE else contextlib.nullcontext():
                return [float(step(ms.Tensor(x), ms.Tensor(y)).asnumpy()) for _ in range(4)]
        finally:
            ms.set_context(mode=ms.PYNATIVE_MODE)
    want = train(ms.PYNATIVE_MODE, False)
    got = train(ms.GRAPH_MODE, True, gpu_host.HostRunner())
    np.testing.assert_allclose(got, want, rtol=1e-3)
