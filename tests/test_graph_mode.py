"""GRAPH_MODE and jit: capture, caching, state, RNG, control flow, autodiff, errors."""
import logging

import numpy as np
import pytest

import mindlite as ms
from mindlite import Parameter, Tensor, nn, ops
from mindlite.core.graph_trace import GraphModeError
from mindlite.ops.control import cond, while_loop


@pytest.fixture
def graph_mode():
    ms.set_context(mode=ms.GRAPH_MODE)
    yield
    ms.set_context(mode=ms.PYNATIVE_MODE)


def test_jit_function_compiles_once_per_signature(caplog):
    calls = []

    @ms.jit
    def f(x, scale):
        calls.append(1)  # Python side effects run at capture time only
        return ops.relu(x) * scale

    a = Tensor(np.array([-1.0, 2.0], np.float32))
    np.testing.assert_allclose(f(a, 3.0).asnumpy(), [0, 6])
    np.testing.assert_allclose(f(a * 2, 3.0).asnumpy(), [0, 12])
    assert len(calls) == 1
    with caplog.at_level(logging.INFO, logger="mindlite"):
        f(a, 4.0)  # a different constant argument recompiles, and says so (once)
        f(Tensor(np.ones((3,), np.float32)), 3.0)  # so does a new shape
    assert len(calls) == 3 and len(f.cache) == 3
    assert "recompiling" in caplog.text


def test_printed_graph_reads_like_code():
    f = ms.jit(lambda x, y: ops.relu(x * y + 1))
    a = Tensor(np.ones((2, 3), np.float32))
    text = str(f.executable((a, a)).graph)
    assert text.startswith("graph <lambda>(%0:f32[2,3], %1:f32[2,3]) {")
    assert "= mul %0 %1" in text and "relu" in text and "test_graph_mode.py" in text
    assert "def run(" in f.executable((a, a)).compiled.source


class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Dense(6, 16)
        self.bn = nn.BatchNorm1d(16)
        self.drop = nn.Dropout(p=0.5)
        self.fc2 = nn.Dense(16, 3)

    def construct(self, x):
        return self.fc2(self.drop(ops.relu(self.bn(self.fc1(x)))))


def _train(mode, steps=4):
    ms.set_context(mode=mode)
    try:
        ms.set_seed(5)
        net = Net()
        opt = nn.Adam(net.trainable_params(), 0.01)
        step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.CrossEntropyLoss()), opt)
        step.set_train()
        x = Tensor(np.random.default_rng(0).standard_normal((8, 6)).astype(np.float32))
        y = Tensor(np.array([0, 1, 2, 0, 1, 2, 0, 1], np.int32))
        losses = [float(step(x, y).asnumpy()) for _ in range(steps)]
        return losses, {n: p.asnumpy() for n, p in step.parameters_and_names()}, step
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def test_training_step_equal_in_both_modes():
    le, pe, _ = _train(ms.PYNATIVE_MODE)
    lg, pg, step = _train(ms.GRAPH_MODE)
    np.testing.assert_allclose(lg, le, rtol=1e-6)
    assert le[0] != le[1]  # dropout masks change step to step (and match across modes)
    for name in pe:
        np.testing.assert_allclose(pg[name], pe[name], rtol=1e-5, atol=1e-7, err_msg=name)
    assert len(step._jit_fn.cache) == 1  # compiled once


def test_eval_mode_is_a_separate_compilation(graph_mode):
    net = Net()
    x = Tensor(np.ones((4, 6), np.float32))
    net.set_train(True)
    a = net(x)
    net.set_train(False)
    b = net(x)
    assert len(net._jit_fn.cache) == 2
    np.testing.assert_allclose(b.asnumpy(), net(x).asnumpy())  # eval is deterministic
    assert not np.allclose(a.asnumpy(), b.asnumpy())


def test_jit_inside_pynative_is_differentiable():
    w = Parameter(Tensor(np.array([1.0, 2.0])), name="w")

    @ms.jit
    def f(x):
        return ops.sum(ops.sin(x) * w)
    x = Tensor(np.array([0.5, -0.3]))
    gx, gw = ms.grad(f, 0, [w])(x)
    np.testing.assert_allclose(gx.asnumpy(), np.cos([0.5, -0.3]) * [1, 2])
    np.testing.assert_allclose(gw[0].asnumpy(), np.sin([0.5, -0.3]))


def test_higher_order_in_graph():
    f = lambda x: ops.sum(x * x * x)  # noqa: E731
    d2 = ms.jit(lambda x: ms.grad(ms.grad(f))(x))
    np.testing.assert_allclose(d2(Tensor(np.array([1.0, 2.0]))).asnumpy(), [6.0, 12.0])


def test_cond_capture_and_gradient():
    def f(x, w):
        y = cond(ops.sum(x) > 0, lambda a: a * a * w, lambda a: ops.sin(a) * w, (x,))
        return ops.sum(y)
    g = ms.jit(lambda x, w: ms.grad(f, (0, 1))(x, w))
    for xv in ([1.0, 2.0], [-1.0, -2.0]):
        x, w = Tensor(np.array(xv)), Tensor(np.array(3.0))
        for got, want in zip(g(x, w), ms.grad(f, (0, 1))(x, w)):
            np.testing.assert_allclose(got.asnumpy(), want.asnumpy())
    assert len(g.cache) == 1  # one graph serves both branches
    text = str(g.executable((x, w)).graph)
    # only gradients are returned: the forward `if` is dead and the backward `if` of the
    # branch vjps (which recompute what they need) remains
    assert text.count("= cond") == 1 and "graph vjp_if_true" in text


def _loop_fn(x):
    y, _ = while_loop(lambda a, i: ops.sum(a) < 100.0, lambda a, i: (a * 1.5 + 1.0, i + 1), (x, Tensor(0)))
    return ops.sum(y * y)


def test_while_gradient_matches_eager_and_ir_size_is_constant():
    g = ms.jit(lambda x: ms.grad(_loop_fn)(x))
    sizes = []
    for xv in ([1.0, 2.0], [0.01, 0.02], [40.0, 50.0]):  # 6, 17 and 1 iterations
        x = Tensor(np.array(xv))
        np.testing.assert_allclose(g(x).asnumpy(), ms.grad(_loop_fn)(x).asnumpy(), rtol=1e-12)
        sizes.append(g.executable((x,)).graph.node_count())
    assert len(g.cache) == 1 and len(set(sizes)) == 1


def test_while_gradient_against_finite_differences():
    x = np.array([0.3, 0.7])
    g = ms.jit(lambda t: ms.grad(_loop_fn)(t))(Tensor(x)).asnumpy()
    eps = 1e-6
    num = [(float(_loop_fn(Tensor(x + eps * e)).asnumpy()) - float(_loop_fn(Tensor(x - eps * e)).asnumpy())) / (2 * eps)
           for e in np.eye(2)]
    np.testing.assert_allclose(g, num, rtol=1e-6)


def test_asnumpy_in_graph_names_the_user_line(graph_mode):
    class Bad(nn.Cell):
        def construct(self, x):
            return x * float(x.sum().asnumpy())
    with pytest.raises(GraphModeError, match=r"test_graph_mode.py:\d+: reading a tensor's value"):
        Bad()(Tensor(np.ones(2, np.float32)))


def test_shape_error_in_graph_names_the_user_line():
    f = ms.jit(lambda x: x @ x)
    with pytest.raises(ValueError, match=r"(?s)matmul.*\[2, 3\].*test_graph_mode.py:\d+"):
        f(Tensor(np.ones((2, 3), np.float32)))


def test_mutating_an_outside_tensor_is_an_error():
    outside = Tensor(np.zeros(2, np.float32))

    @ms.jit
    def f(x):
        outside[0] = x[0]
        return x
    with pytest.raises(GraphModeError, match="changing a tensor created outside"):
        f(Tensor(np.ones(2, np.float32)))


def test_training_loop_inside_one_graph_matches_eager_steps():
    from mindlite.ops.control import fori_loop

    def make():
        ms.set_seed(0)
        net = nn.SequentialCell(nn.Dense(3, 4, activation="tanh"), nn.Dense(4, 1))
        opt = nn.Momentum(net.trainable_params(), 0.1, 0.9)
        return nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), opt)
    rng = np.random.default_rng(1)
    xs, ys = rng.standard_normal((5, 8, 3)).astype(np.float32), rng.standard_normal((5, 8, 1)).astype(np.float32)
    eager = make()
    eager_total = sum(float(eager(Tensor(xs[i]), Tensor(ys[i])).asnumpy()) for i in range(5))
    step = make()

    @ms.jit
    def sink(X, Y):
        def body(i, total):
            return (total + step(ops.gather(X, i, 0), ops.gather(Y, i, 0)),)
        return fori_loop(ops.zeros((), ms.int64), X.shape[0], body, (Tensor(np.float32(0)),))[0]
    total = sink(Tensor(xs), Tensor(ys))
    assert float(total.asnumpy()) == pytest.approx(eager_total, rel=1e-6)
    for (n, a), (_, b) in zip(eager.parameters_and_names(), step.parameters_and_names()):
        np.testing.assert_allclose(b.asnumpy(), a.asnumpy(), rtol=1e-6, atol=1e-7, err_msg=n)
    g = sink.executable((Tensor(xs), Tensor(ys))).graph
    assert [n.prim.name for n in g.nodes].count("while") == 1  # one loop node, not 5 unrolled steps


def test_in_place_update_is_safe_when_an_argument_aliases_the_parameter():
    w = Parameter(Tensor(np.array([1.0, 2.0, 3.0], np.float32)), name="w")

    @ms.jit
    def step(x):
        w.assign_value(w * 2.0 - x)
        return x + 0.0

    out = step(w)  # the argument is the very array being updated
    np.testing.assert_allclose(w.asnumpy(), [1.0, 2.0, 3.0])
    np.testing.assert_allclose(out.asnumpy(), [1.0, 2.0, 3.0])
    step(Tensor(np.ones(3, np.float32)))
    np.testing.assert_allclose(w.asnumpy(), [1.0, 3.0, 5.0])


def test_parameter_update_inside_if_inside_loop():
    from mindlite.ops.control import cond, fori_loop
    w = Parameter(Tensor(np.array(1.0, np.float32)), name="w")

    def maybe_double(x):
        def yes():
            w.assign_value(w * 2.0)
            return w + 0.0

        def no():
            return w + 0.0
        return cond(x > 0, yes, no, ())

    @ms.jit
    def run(xs):
        def body(i, acc):
            return (acc + maybe_double(ops.gather(xs, i, 0)),)
        return fori_loop(ops.zeros((), ms.int64), xs.shape[0], body, (Tensor(np.float32(0)),))[0]
    total = run(Tensor(np.array([1.0, -1.0, 1.0, 1.0], np.float32)))
    assert float(w.asnumpy()) == 8.0 and float(total.asnumpy()) == 2 + 2 + 4 + 8


def test_loss_scaled_amp_training_compiles_and_matches_eager():
    from mindlite import amp

    def run(mode):
        ms.set_context(mode=mode)
        try:
            ms.set_seed(0)
            net = nn.SequentialCell(nn.Dense(4, 8, activation="relu"), nn.Dense(8, 2))
            opt = nn.Momentum(net.trainable_params(), 0.1, 0.9)
            step = amp.build_train_network(net, opt, nn.MSELoss(), level="O2",
                                           loss_scale_manager=amp.DynamicLossScaleManager(2.0 ** 4, 2, 2))
            x = Tensor(np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32))
            y = Tensor(np.zeros((8, 2), np.float32))
            bad = Tensor(np.full((8, 4), np.inf, np.float32))
            out = [step(x, y), step(bad, y), step(x, y), step(x, y)]
            return [(float(l.asnumpy()), bool(o.asnumpy()), float(s.asnumpy())) for l, o, s in out], \
                [p.asnumpy() for p in net.get_parameters()]
        finally:
            ms.set_context(mode=ms.PYNATIVE_MODE)
    eager, we = run(ms.PYNATIVE_MODE)
    graph, wg = run(ms.GRAPH_MODE)
    assert [o for _, o, _ in eager] == [False, True, False, False]
    assert [s for _, _, s in eager] == [16.0, 16.0, 8.0, 8.0]
    for (le, oe, se), (lg, og, sg) in zip(eager, graph):
        assert oe == og and se == sg and (le == pytest.approx(lg, rel=1e-3) or np.isnan(le) and np.isnan(lg))
    for a, b in zip(we, wg):
        np.testing.assert_allclose(b, a, rtol=1e-3, atol=1e-4)


def test_save_graphs_writes_the_ir_at_each_stage(tmp_path):
    ms.set_context(save_graphs=True, save_graphs_path=str(tmp_path))
    try:
        f = ms.jit(lambda x: ms.grad(lambda t: ops.sum(ops.tanh(t) * t))(x))
        f(Tensor(np.array([0.5, 1.0])))
    finally:
        ms.set_context(save_graphs=False)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert any(n.endswith("_0_captured.ir") for n in names)
    assert any(n.endswith("_2_autodiff.ir") for n in names)
    assert any(n.endswith("_9_optimized.ir") for n in names)
    text = next(p for p in tmp_path.iterdir() if p.name.endswith("_2_autodiff.ir")).read_text()
    assert "tanh" in text and text.startswith("graph vjp_")
