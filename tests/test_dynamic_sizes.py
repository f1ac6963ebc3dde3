"""Run-time sizes (core/dims.py): an axis declared None with `Cell.set_inputs` or
`jit(input_signature=...)` compiles ONE graph that serves every size along it, in both
modes with the numbers of a numpy reference; questions about a size that tracing cannot
answer raise an error naming the user's line; answers that a call's sizes contradict make
that call compile its exact shapes instead of computing something else."""
from __future__ import annotations

import logging

import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops, Parameter, Tensor
from mindlite.core.dims import Dim, DynamicDimError, unification_scope
from mindlite.core.jit import cell_function

MODES = [ms.PYNATIVE_MODE, ms.GRAPH_MODE]


@pytest.fixture(autouse=True)
def _restore_mode():
    yield
    ms.set_context(mode=ms.PYNATIVE_MODE)


def _count(jf) -> int:
    return sum(len(v) for v in jf.cache.values())


# ---- the size algebra -------------------------------------------------------------------------------
def test_size_arithmetic_is_exact_where_provable():
    s, t = Dim.var("ta"), Dim.var("tb")
    assert (s * 400) // s == 400 and (2 * s + 1) // 2 == s and (2 * s + 1) % 2 == 1
    out = (t + 2 * 1 - 3) // 2 + 1  # a convolution's output size
    for h in (1, 2, 3, 8, 9, 224):
        assert out.evaluate({"tb": h}) == (h + 2 - 3) // 2 + 1
    assert s >= 1 and s > 0 and not (s < 1)
    with pytest.raises(DynamicDimError, match="depends on the sizes"):
        _ = s > 5
    with pytest.raises(DynamicDimError, match="known only when the graph runs"):
        int(s)
    with pytest.raises(DynamicDimError):
        range(s)


def test_equal_sizes_are_unified_and_recorded():
    a, b = Dim.var("ua"), Dim.var("ub")
    with unification_scope() as u:
        assert a == b and 3 * a == 3 * b and a + b == 2 * a
        assert not (a == 1)
    assert u.assumed[(a - b, "eq")] is True and u.assumed[(a - 1, "eq")] is False


def test_orderings_are_answered_for_the_traced_sizes_and_guarded():
    a = Dim.var("uc")
    with unification_scope({"uc": 7}) as u:
        assert a >= 5 and not (a > 9)
    assert u.assumed == {(a - 5, "ge"): True, (a - 10, "ge"): False}
    with pytest.raises(DynamicDimError):  # no sizes to answer with: the question is refused
        _ = a >= 5


@pytest.mark.parametrize("mode", MODES)
def test_slicing_a_none_axis_with_a_fixed_bound(mode):
    """position_ids[:, :seq] of a fixed table, x[:4] of a None axis: one graph for the sizes
    that answer "is it within the bound" as the traced call did, exact shapes for the others."""
    ms.set_context(mode=mode)

    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.table = Tensor(np.arange(32, dtype=np.float32).reshape(1, 32))

        def construct(self, x):
            return x[:, :4] * 2 + self.table[:, :x.shape[1]].sum()

    net = Net()
    net.set_inputs(Tensor(shape=[2, None], dtype=ms.float32))
    for s in (6, 9, 3, 12, 2, 30):
        x = np.random.default_rng(s).random((2, s), dtype=np.float32)
        want = x[:, :4] * 2 + np.arange(32, dtype=np.float32)[:s].sum()
        np.testing.assert_allclose(net(Tensor(x)).asnumpy(), want, rtol=1e-6)
    if mode == ms.GRAPH_MODE:
        assert _count(cell_function(net)) == 3  # sizes >= 4 share one graph; 3 and 2 have their own


# ---- one graph for every size ------------------------------------------------------------------------
class MLP(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc = nn.Dense(3, 4)

    def construct(self, x):
        y = ops.relu(self.fc(x))
        # a size used in a shape and as a number
        return y.reshape(x.shape[0], 2, 2), y.sum() / x.shape[0], ops.zeros((x.shape[0], 2), ms.float32)


@pytest.mark.parametrize("mode", MODES)
def test_set_inputs_none_batch_one_graph(mode):
    ms.set_context(mode=mode)
    net = MLP()
    net.set_inputs(Tensor(shape=[None, 3], dtype=ms.float32))
    w, bias = net.fc.weight.asnumpy(), net.fc.bias.asnumpy()
    for b in (2, 5, 1, 7):
        x = np.random.default_rng(b).random((b, 3), dtype=np.float32)
        y, m, z = net(Tensor(x))
        ref = np.maximum(x @ w.T + bias, 0)
        np.testing.assert_allclose(y.asnumpy(), ref.reshape(b, 2, 2), rtol=1e-6)
        np.testing.assert_allclose(m.asnumpy(), ref.sum() / b, rtol=1e-5)
        assert m.dtype == ms.float32 and z.shape == (b, 2)
    if mode == ms.GRAPH_MODE:
        assert _count(cell_function(net)) == 1
    with pytest.raises(ValueError, match=r"declared \[None, 3\]"):
        net(Tensor(np.ones((2, 4), np.float32)))


def test_jit_input_signature_several_axes_and_arange():
    sig = [Tensor(shape=[None, None], dtype=ms.float32)]

    @ms.jit(input_signature=sig)
    def f(x):
        pos = ops.arange(x.shape[1])
        return x * pos.astype(ms.float32), x.mean(axis=1), x.sum() / x.size

    for shape in [(2, 3), (4, 7), (1, 1), (3, 5)]:
        x = np.random.default_rng(sum(shape)).random(shape)
        x = x.astype(np.float32)
        a, m, avg = f(Tensor(x))
        np.testing.assert_allclose(a.asnumpy(), x * np.arange(shape[1], dtype=np.float32), rtol=1e-6)
        np.testing.assert_allclose(m.asnumpy(), x.mean(1), rtol=1e-5)
        np.testing.assert_allclose(avg.asnumpy(), x.mean(), rtol=1e-5)
    assert _count(f) == 1


def test_convolution_sizes_follow_the_input():
    """None height and width: conv/pool output sizes are expressions of them."""
    ms.set_context(mode=ms.GRAPH_MODE)
    conv = nn.Conv2d(2, 3, 3, stride=2, pad_mode="pad", padding=1, has_bias=False)
    conv.set_inputs(Tensor(shape=[1, 2, None, None], dtype=ms.float32))
    w = conv.weight.asnumpy().astype(np.float64)
    for h, wd in [(5, 6), (8, 8), (3, 9)]:
        x = np.random.default_rng(h * wd).standard_normal((1, 2, h, wd)).astype(np.float32)
        out = conv(Tensor(x)).asnumpy()
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        oh, ow = (h + 2 - 3) // 2 + 1, (wd + 2 - 3) // 2 + 1
        ref = np.zeros((1, 3, oh, ow))
        for i in range(oh):
            for j in range(ow):
                ref[0, :, i, j] = np.einsum("ckl,ockl->o", xp[0, :, 2 * i:2 * i + 3, 2 * j:2 * j + 3], w)
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    assert _count(cell_function(conv)) == 1


# ---- gradients -----------------------------------------------------------------------------------------
def test_gradients_of_any_order_through_one_graph():
    w = ms.Parameter(Tensor(np.random.default_rng(0).random((3, 4))), name="w")

    @ms.jit(input_signature=[Tensor(shape=[None, 3], dtype=ms.float64)])
    def f(x):
        return (ops.tanh(ops.matmul(x, w)) ** 2).sum() / x.shape[0]

    W = w.asnumpy()
    for b in (2, 5, 3):
        x = np.random.default_rng(b).random((b, 3))
        g = ms.grad(f)(Tensor(x)).asnumpy()
        h = np.tanh(x @ W)
        np.testing.assert_allclose(g, (2 * h * (1 - h ** 2)) @ W.T / b, rtol=1e-10)
        # second order against central differences of the first
        gg = ms.grad(lambda t: ms.grad(f)(t).sum())(Tensor(x)).asnumpy()
        eps, fd = 1e-6, np.zeros_like(x)
        for idx in np.ndindex(*x.shape):
            d = np.zeros_like(x)
            d[idx] = eps
            up, down = ms.grad(f)(Tensor(x + d)).asnumpy().sum(), ms.grad(f)(Tensor(x - d)).asnumpy().sum()
            fd[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(gg, fd, rtol=1e-5, atol=1e-7)
    assert _count(f) == 1


@pytest.mark.parametrize("mode", MODES)
def test_training_step_with_none_batch(mode):
    """A train step whose last batch is smaller: one graph, the numbers of a numpy SGD."""
    ms.set_context(mode=mode)
    net = nn.Dense(3, 2, weight_init="ones", bias_init="zeros")
    loss = nn.MSELoss()
    step = nn.TrainOneStepCell(nn.WithLossCell(net, loss), nn.SGD(net.trainable_params(), 0.1))
    step.set_inputs(Tensor(shape=[None, 3], dtype=ms.float32), Tensor(shape=[None, 2], dtype=ms.float32))
    W, bias = np.ones((2, 3), np.float32), np.zeros(2, np.float32)
    rng = np.random.default_rng(1)
    for b in (4, 4, 3, 1):  # a batch of 1 too: the backward's size-1 tests need no guard
        x, y = rng.random((b, 3), dtype=np.float32), rng.random((b, 2), dtype=np.float32)
        got = step(Tensor(x), Tensor(y)).asnumpy()
        err = x @ W.T + bias - y
        np.testing.assert_allclose(got, (err ** 2).mean(), rtol=1e-5)
        gw, gb = 2 * err.T @ x / err.size, 2 * err.sum(0) / err.size
        W, bias = W - 0.1 * gw, bias - 0.1 * gb
        np.testing.assert_allclose(net.weight.asnumpy(), W, rtol=1e-5)
    if mode == ms.GRAPH_MODE:
        assert _count(cell_function(step)) == 1


def test_two_none_batch_axes_are_assumed_equal_and_checked():
    """logits [None, 4] with labels [None]: the loss pairs them, so the graph assumes the sizes
    are equal; a call where they differ compiles its own shapes and fails as eager does."""
    ms.set_context(mode=ms.GRAPH_MODE)
    net = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
    net.set_inputs(Tensor(shape=[None, 4], dtype=ms.float32), Tensor(shape=[None], dtype=ms.int32))
    rng = np.random.default_rng(2)
    for b in (3, 1, 6):
        x, y = rng.standard_normal((b, 4)).astype(np.float32), rng.integers(0, 4, b).astype(np.int32)
        logp = x - x.max(1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
        np.testing.assert_allclose(net(Tensor(x), Tensor(y)).asnumpy(), -logp[np.arange(b), y].mean(), rtol=1e-5)
    assert _count(cell_function(net)) == 1
    with pytest.raises(ValueError):
        net(Tensor(np.zeros((3, 4), np.float32)), Tensor(np.zeros(2, np.int32)))


# ---- what tracing decided about a size -------------------------------------------------------------------
def test_a_call_that_contradicts_an_answer_gets_its_own_graph(caplog):
    """squeeze() keeps a None axis (a size is not assumed to be 1); a call of size 1 compiles
    its exact shapes and drops the axis, as eager mode does."""
    f = ms.jit(lambda a: ops.squeeze(a) * 2, input_signature=[Tensor(shape=[None, 3], dtype=ms.float32)])
    with caplog.at_level(logging.INFO, logger="mindlite"):
        for b, want in [(2, (2, 3)), (1, (3,)), (4, (4, 3)), (1, (3,))]:
            out = f(Tensor(np.full((b, 3), 1.5, np.float32)))
            assert out.shape == want
            np.testing.assert_array_equal(out.asnumpy(), np.full(want, 3.0, np.float32))
    assert _count(f) == 2
    assert any("assumed" in r.getMessage() for r in caplog.records)


def test_the_executor_checks_every_shape():
    """A graph whose recorded shapes a call contradicts raises naming the op (the safety net
    behind the size guards)."""
    from mindlite.backend.executor import compile_graph
    from mindlite.core.graph_trace import GraphTrace, run_traced
    s = Dim.var("chk0")
    t = GraphTrace("probe")
    x = t.symbolic((s, 3), np.float32, "x")
    out = run_traced(t, lambda a: ops.exp(a), (x,))
    g = t.graph([out])
    g.nodes[0].outs[0].shape = (s, 4)  # corrupt the recorded shape
    with pytest.raises(ValueError, match="exp"):
        compile_graph(g)(np.ones((2, 3), np.float32))


def test_unanswerable_questions_name_the_line():
    def f(x):
        n = int(x.shape[0])  # the size is not known while compiling
        return x * n

    jf = ms.jit(f, input_signature=[Tensor(shape=[None, 3], dtype=ms.float32)])
    with pytest.raises(DynamicDimError, match=r"test_dynamic_sizes.py:\d+"):
        jf(Tensor(np.ones((2, 3), np.float32)))


def test_a_none_axis_meeting_a_fixed_size_says_so():
    c = Tensor(np.ones((4, 1), np.float32))
    jf = ms.jit(lambda a: a + c, input_signature=[Tensor(shape=[None, 3], dtype=ms.float32)])
    with pytest.raises(ValueError, match="declared None.*meets the fixed size 4"):
        jf(Tensor(np.ones((4, 3), np.float32)))


def test_range_over_a_size_is_a_graph_loop():
    @ms.jit(input_signature=[Tensor(shape=[None], dtype=ms.float32)])
    def f(x):
        total = x.sum() * 0
        for i in range(x.shape[0]):
            total = total + x[i] * (i + 1)
        return total

    for b in (1, 3, 6):
        x = np.random.default_rng(b).random(b).astype(np.float32)
        np.testing.assert_allclose(f(Tensor(x)).asnumpy(), (x * np.arange(1, b + 1)).sum(), rtol=1e-5)
    assert _count(f) == 1


# ---- the compiler keeps its optimisations ------------------------------------------------------------
def _executable(jf):
    (entries,) = jf.cache.values()
    return entries[0]


def test_fusion_and_planned_buffers_follow_the_sizes():
    """Values with run-time sizes are fused and written into planned buffers; the buffers
    grow and shrink with the sizes of each call (the last size is the largest in the
    middle, then small again) and the numbers stay numpy's."""
    @ms.jit(input_signature=[Tensor(shape=[None, 2048], dtype=ms.float32)] * 2)
    def f(x, y):
        a = ops.exp(x) * y + 1.0
        b = ops.tanh(a) - x * 0.5
        return (b * b + a).sum(axis=1), ops.relu(b) * 3.0

    rng = np.random.default_rng(3)
    for b in (3, 300, 40, 2):  # 300 x 2048 runs the fused kernel block-parallel
        x, y = rng.standard_normal((2, b, 2048)).astype(np.float32)
        s, r = f(Tensor(x), Tensor(y))
        a = np.exp(x) * y + 1.0
        bb = np.tanh(a) - x * 0.5
        np.testing.assert_allclose(s.asnumpy(), (bb * bb + a).sum(axis=1), rtol=2e-5)
        np.testing.assert_allclose(r.asnumpy(), np.maximum(bb, 0) * 3.0, rtol=1e-6)
    assert _count(f) == 1
    exe = _executable(f)
    assert any(n.prim.name == "fused_elementwise" for n in exe.graph.nodes)
    assert exe.compiled.source.count("out=B[") >= 2  # written into planned buffers


@pytest.mark.parametrize("mode", MODES)
def test_jit_method_keeps_its_input_signature(mode):
    ms.set_context(mode=mode)

    class Net(nn.Cell):
        @ms.jit(input_signature=[Tensor(shape=[None, 3], dtype=ms.float32)])
        def construct(self, x):
            return x * 2 + x.shape[0]

    net = Net()
    for b in (2, 3, 4):
        np.testing.assert_array_equal(net(Tensor(np.ones((b, 3), np.float32))).asnumpy(), np.full((b, 3), 2.0 + b))
    jf = cell_function(net) if mode == ms.GRAPH_MODE else Net.construct._bound[net]
    assert _count(jf) == 1
    with pytest.raises(ValueError, match=r"declared \[None, 3\]"):
        net(Tensor(np.ones((2, 4), np.float32)))


# ---- a tutorial-style network ------------------------------------------------------------------------
class _Attention(nn.Cell):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.dh = h, d // h
        self.qkv = nn.Dense(d, 3 * d)
        self.proj = nn.Dense(d, d)
        self.softmax = nn.Softmax(axis=-1)

    def construct(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.h, self.dh).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = self.softmax(ops.matmul(q, k.swapaxes(-1, -2)) * (self.dh ** -0.5))
        out = ops.matmul(att, v).transpose(0, 2, 1, 3).reshape(b, n, d)
        return self.proj(out)


class _ViT(nn.Cell):
    def __init__(self, d=16, h=2, classes=5):
        super().__init__()
        self.patch = nn.Conv2d(3, d, 4, stride=4, has_bias=True)
        rng = np.random.default_rng(0)
        self.cls = Parameter(Tensor(rng.standard_normal((1, 1, d)).astype(np.float32)), name="cls")
        self.pos = Parameter(Tensor(rng.standard_normal((1, 17, d)).astype(np.float32)), name="pos")
        self.norm = nn.LayerNorm((d,))
        self.att = _Attention(d, h)
        self.head = nn.Dense(d, classes)

    def construct(self, x):
        p = self.patch(x)  # b, d, 4, 4
        b = p.shape[0]
        p = p.reshape(b, p.shape[1], -1).transpose(0, 2, 1)  # b, 16, d
        cls = ops.broadcast_to(self.cls, (b, 1, p.shape[2]))
        t = ops.concat((cls, p), axis=1) + self.pos
        t = t + self.att(self.norm(t))
        return self.head(t[:, 0])


def _vit_run(mode):
    ms.set_context(mode=mode)
    ms.set_seed(0)
    net = _ViT()
    net.set_inputs(Tensor(shape=[None, 3, 16, 16], dtype=ms.float32))
    loss = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
    step = nn.TrainOneStepCell(nn.WithLossCell(net, loss), nn.Adam(net.trainable_params(), 1e-3))
    step.set_inputs(Tensor(shape=[None, 3, 16, 16], dtype=ms.float32), Tensor(shape=[None], dtype=ms.int32))
    rng = np.random.default_rng(0)
    out = []
    for b in (4, 3, 1, 6):
        x = rng.standard_normal((b, 3, 16, 16)).astype(np.float32)
        y = rng.integers(0, 5, b).astype(np.int32)
        out.append(float(step(Tensor(x), Tensor(y)).asnumpy()))
    ev = net(Tensor(rng.standard_normal((2, 3, 16, 16)).astype(np.float32))).asnumpy()
    n = sum(len(v) for v in cell_function(step).cache.values()) if mode == ms.GRAPH_MODE else 0
    return out, ev, n


def test_vit_style_training_with_none_batch():
    """Patch embedding, a class token broadcast to the batch, attention reshapes by the batch
    read from the shape, LayerNorm, Adam: one training graph for batches 4, 3, 1, 6 with
    PYNATIVE's losses, and the evaluation call through the network's own declaration."""
    try:
        eager, eager_eval, _ = _vit_run(ms.PYNATIVE_MODE)
        graph, graph_eval, graphs = _vit_run(ms.GRAPH_MODE)
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    np.testing.assert_allclose(graph, eager, rtol=1e-5)
    np.testing.assert_allclose(graph_eval, eager_eval, rtol=1e-5, atol=1e-6)
    assert graphs == 1


@pytest.mark.parametrize("mode", MODES)
def test_dyn_shape_reads_each_calls_sizes(mode):
    """ops.dyn_shape / P.TensorShape: the shape as an int64 tensor, read when the op runs."""
    ms.set_context(mode=mode)

    class Net(nn.Cell):
        def construct(self, x):
            s = ops.dyn_shape(x)
            return s, x.sum() / s[0].astype(ms.float32), ops.TensorShape()(x), ops.DynamicShape()(x)

    net = Net()
    net.set_inputs(Tensor(shape=[None, None], dtype=ms.float32))
    for shape in [(2, 3), (5, 1), (1, 4)]:
        x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
        s, mean_row, t, d = net(Tensor(x))
        for got in (s, t, d):
            assert got.dtype == ms.int64
            np.testing.assert_array_equal(got.asnumpy(), np.array(shape))
        np.testing.assert_allclose(mean_row.asnumpy(), x.sum() / shape[0], rtol=1e-6)
    if mode == ms.GRAPH_MODE:
        assert _count(cell_function(net)) == 1


def test_model_trains_with_a_declared_train_network():
    """Model.train over batches 4, 4, 2 (drop_remainder=False) with the train network declared
    [None, 4] / [None]: one graph, and the weights of a numpy SGD on the same batches."""
    import mindlite.dataset as ds
    from mindlite.train import Model
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        net = nn.Dense(4, 3, weight_init="zeros", bias_init="zeros")
        model = Model(net, nn.MSELoss(), nn.SGD(net.trainable_params(), 0.1))
        model.train_network.set_inputs(Tensor(shape=[None, 4], dtype=ms.float32),
                                       Tensor(shape=[None, 3], dtype=ms.float32))
        rng = np.random.default_rng(4)
        x, y = rng.random((10, 4), dtype=np.float32), rng.random((10, 3), dtype=np.float32)
        model.train(1, ds.NumpySlicesDataset({"x": x, "y": y}, shuffle=False).batch(4, drop_remainder=False))
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    W, b = np.zeros((3, 4), np.float32), np.zeros(3, np.float32)
    for lo in (0, 4, 8):
        xb, yb = x[lo:lo + 4], y[lo:lo + 4]
        err = xb @ W.T + b - yb
        W, b = W - 0.1 * 2 * err.T @ xb / err.size, b - 0.1 * 2 * err.sum(0) / err.size
    np.testing.assert_allclose(net.weight.asnumpy(), W, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(net.bias.asnumpy(), b, rtol=1e-5, atol=1e-7)
    assert _count(cell_function(model.train_network)) == 1
