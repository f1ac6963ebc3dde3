"""Same program, same numbers: each case that once differed between modes or threads,
checked against an independent reference (closed form, finite differences, a separately
computed eager result) in PYNATIVE and GRAPH_MODE."""
from __future__ import annotations

import logging
import threading

import numpy as np
import pytest

import mindlite as ms
from mindlite import Tensor, nn, ops

MODES = [ms.PYNATIVE_MODE, ms.GRAPH_MODE]


@pytest.fixture(params=MODES, ids=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=request.param)
    yield request.param
    ms.set_context(mode=ms.PYNATIVE_MODE)


class Cube(nn.Cell):
    def construct(self, x):
        return x * x * x


class Hundred(nn.Cell):
    """x -> 3x^2 whose user bprop says the derivative is 100 (not 6x)."""

    def construct(self, x):
        return x * x * 3.0

    def bprop(self, x, out, dout):
        return (dout * 100.0,)


# ---- one differentiation machinery ----------------------------------------------------------------
def test_custom_bprop_is_honoured_in_both_modes(mode):
    assert float(ms.grad(Hundred())(Tensor(1.0)).asnumpy()) == 100.0


def test_custom_bprop_inside_a_bigger_network(mode):
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.inner = Hundred()
            self.w = ms.Parameter(Tensor(np.array([2.0, -1.0], np.float32)), name="w")

        def construct(self, x):
            return ops.sum(ops.sin(self.inner(x * self.w)))

    net = Net()
    x = np.array([0.3, 0.7], np.float32)
    gx, (gw,) = ms.grad(net, grad_position=0, weights=net.trainable_params())(Tensor(x))
    w = np.array([2.0, -1.0])
    inner = 3.0 * (x * w) ** 2
    # d/du sin(inner(u)) with the user rule inner'(u) = 100, chained through u = x * w
    np.testing.assert_allclose(gx.asnumpy(), np.cos(inner) * 100.0 * w, rtol=1e-5)
    np.testing.assert_allclose(gw.asnumpy(), np.cos(inner) * 100.0 * x, rtol=1e-5)


def test_third_order_of_a_jit_function():
    f = ms.jit(lambda x: ops.sin(x) * x)
    x = 0.7
    want = -3 * np.sin(x) - x * np.cos(x)  # d3/dx3 (x sin x)
    got = ms.grad(ms.grad(ms.grad(f)))(Tensor(x))
    np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5)


def test_higher_order_of_a_cell(mode):
    np.testing.assert_allclose(ms.grad(ms.grad(Cube()))(Tensor(3.0)).asnumpy(), 18.0)
    np.testing.assert_allclose(ms.grad(ms.grad(ms.grad(Cube())))(Tensor(3.0)).asnumpy(), 6.0)


def test_jit_with_weights_and_state_under_grad(mode):
    ms.set_seed(3)
    net = nn.SequentialCell(nn.Dense(3, 4), nn.Tanh(), nn.Dense(4, 1))
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    loss = lambda t: ops.sum(net(t) ** 2)
    g = ms.grad(loss, grad_position=None, weights=net.trainable_params())(Tensor(x))
    # finite differences on the first weight, in float64 on the host
    w0 = net.trainable_params()[0]
    base = w0.asnumpy().astype(np.float64)
    eps = 1e-3
    for idx in [(0, 0), (2, 1)]:
        vals = []
        for sgn in (1, -1):
            b = base.copy()
            b[idx] += sgn * eps
            w0.set_data(Tensor(b.astype(np.float32)))
            ms.set_context(mode=ms.PYNATIVE_MODE)
            vals.append(float(loss(Tensor(x)).asnumpy()))
            ms.set_context(mode=mode)
        w0.set_data(Tensor(base.astype(np.float32)))
        np.testing.assert_allclose(g[0].asnumpy()[idx], (vals[0] - vals[1]) / (2 * eps), rtol=2e-2, atol=1e-3)


def test_bprop_is_told_which_inputs_need_a_gradient():
    from mindlite.core.prim import Primitive
    seen = []
    p = Primitive("probe_needs_mul", lambda xp, x, y: x * y, lambda x, y: x)

    @p.def_bprop
    def _bp(x, y, *, out, dout, needs):
        seen.append(needs)
        return (dout * y if needs[0] else None, dout * x if needs[1] else None)
    x, y = Tensor(2.0), Tensor(5.0)
    assert float(ms.grad(lambda a, b: p(a, b), grad_position=0)(x, y).asnumpy()) == 5.0
    assert seen[-1] == (True, False)
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        assert float(ms.jit(ms.grad(lambda a, b: p(a, b), grad_position=1))(x, y).asnumpy()) == 2.0
        assert seen[-1] == (False, True)
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def test_conv_data_gradient_is_skipped_when_only_weights_train():
    from mindlite.ops.conv import conv2d_backprop_input_p
    from mindlite.core import trace
    ms.set_seed(0)
    conv = nn.Conv2d(2, 3, 3)
    x = Tensor(np.random.default_rng(0).standard_normal((1, 2, 6, 6)).astype(np.float32))
    calls = []
    impl = conv2d_backprop_input_p.impl
    conv2d_backprop_input_p.impl = lambda *a, **k: calls.append(1) or impl(*a, **k)
    try:
        ms.grad(lambda t: ops.sum(conv(t)), grad_position=None, weights=conv.trainable_params())(x)
        assert calls == []
        ms.grad(lambda t: ops.sum(conv(t)), grad_position=0)(x)
        assert calls == [1]
    finally:
        conv2d_backprop_input_p.impl = impl
    assert trace is not None


# ---- one jit entry with guards ---------------------------------------------------------------------
def test_attribute_change_recompiles_and_says_so(caplog):
    class Scale(nn.Cell):
        def __init__(self):
            super().__init__()
            self.k = 2.0

        def construct(self, x):
            return x * self.k
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        net = Scale()
        assert float(net(Tensor(1.0)).asnumpy()) == 2.0
        net.k = 5.0
        with caplog.at_level(logging.WARNING, logger="mindlite"):
            assert float(net(Tensor(1.0)).asnumpy()) == 5.0
        assert "Scale.k changed from 2.0 to 5.0" in caplog.text
        net.k = 2.0  # the first graph is still valid for the old value
        assert float(net(Tensor(1.0)).asnumpy()) == 2.0
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


SCALE = 3.0


def test_global_constant_change_recompiles():
    global SCALE
    f = ms.jit(lambda x: x * SCALE)
    assert float(f(Tensor(1.0)).asnumpy()) == 3.0
    SCALE = 4.0
    try:
        assert float(f(Tensor(1.0)).asnumpy()) == 4.0
    finally:
        SCALE = 3.0


def test_numpy_arrays_are_graph_inputs_not_constants():
    f = ms.jit(lambda x, a: ops.sum(x * a))
    a1 = np.full(2000, 1.0, np.float32)
    a2 = np.full(2000, 2.0, np.float32)
    assert float(f(Tensor(1.0), a1).asnumpy()) == 2000.0
    assert float(f(Tensor(1.0), a2).asnumpy()) == 4000.0
    assert len(f.cache) == 1


@pytest.mark.parametrize("c", [1, 1.0, True])
def test_int_float_bool_arguments_compile_separately(c):
    fn = lambda x, k: x + k
    f = ms.jit(fn)
    x = Tensor(np.array([1, 2], np.int32))
    for k in (1, 1.0, True):  # warm the cache with the other kinds first
        f(x, k)
    got, want = f(x, c), fn(x, c)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.asnumpy(), np.array([1, 2]) + c)


def test_cache_is_bounded(caplog):
    f = ms.jit(lambda x: x * 2.0)
    f.cache_size = 4
    with caplog.at_level(logging.WARNING, logger="mindlite"):
        for n in range(1, 9):
            np.testing.assert_allclose(f(Tensor(np.ones(n, np.float32))).asnumpy(), 2.0)
    assert len(f.cache) == 4
    assert "argument shapes keep changing" in caplog.text


# ---- control flow in every traced function -------------------------------------------------------------
def test_jit_plain_function_with_tensor_if():
    @ms.jit
    def f(x):
        if x.sum() > 0:
            y = x * 2.0
        else:
            y = x - 1.0
        return y
    np.testing.assert_allclose(f(Tensor([1.0, 2.0])).asnumpy(), [2.0, 4.0])
    np.testing.assert_allclose(f(Tensor([-1.0, -2.0])).asnumpy(), [-2.0, -3.0])


def test_jit_on_construct_with_tensor_while():
    class Halve(nn.Cell):
        @ms.jit
        def construct(self, x):
            while x.sum() > 1.0:
                x = x / 2.0
            return x
    net = Halve()
    np.testing.assert_allclose(net(Tensor([8.0, 8.0])).asnumpy(), [0.5, 0.5])
    np.testing.assert_allclose(net(Tensor([0.25])).asnumpy(), [0.25])


def test_grad_through_tensor_while_matches_closed_form(mode):
    def f(x):
        i = Tensor(0)
        while i < 3:
            x = x * x
            i = i + 1
        return ops.sum(x)
    g = ms.grad(ms.jit(f))(Tensor(np.array([1.1, 0.9], np.float32)))
    x = np.array([1.1, 0.9])
    np.testing.assert_allclose(g.asnumpy(), 8 * x ** 7, rtol=1e-5)


# ---- threads ------------------------------------------------------------------------------------------
@pytest.mark.timeout(120)
def test_grads_from_four_threads_equal_the_single_thread_result():
    ms.set_seed(1)
    net = nn.Dense(4, 3)
    x = Tensor(np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32))
    gf = ms.grad(lambda t: ops.sum(ops.tanh(net(t)) ** 2), grad_position=0, weights=net.trainable_params())
    ref = [gf(x)[0].asnumpy()] + [g.asnumpy() for g in gf(x)[1]]
    bad = []

    def work():
        for _ in range(200):
            g = gf(x)
            got = [g[0].asnumpy()] + [w.asnumpy() for w in g[1]]
            if not all(np.array_equal(a, b) for a, b in zip(got, ref)):
                bad.append(got)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert bad == []


@pytest.mark.timeout(120)
def test_concurrent_first_compile_of_one_cell():
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.d = nn.Dense(4, 3)

        def construct(self, x):
            y = self.d(x)
            if y.sum() > 0:
                y = y * 2.0
            return y
    ms.set_seed(2)
    net = Net()
    x = Tensor(np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32))
    want = net(x).asnumpy()  # eager reference
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        out: list = [None] * 4
        errors: list = []

        def run(i):
            try:
                out[i] = net(x).asnumpy()
            except Exception as e:  # noqa: BLE001
                errors.append(e)
        threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        for o in out:
            np.testing.assert_allclose(o, want, rtol=1e-6)
        assert len(net._jit_fn.cache) == 1
        from mindlite.core.prim import STATE
        assert STATE.trace is None and STATE.level == 0
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


# ---- loops under differentiation -----------------------------------------------------------------------
def _loop(x):
    i = Tensor(0)
    while i < 3:
        x = x * ops.sin(x)
        i = i + 1
    return ops.sum(x)


def _loop_np(x):
    for _ in range(3):
        x = x * np.sin(x)
    return x.sum()


def _fd_grad(f, x, eps=1e-5):
    return np.array([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(x.size)])


def test_loop_body_forward_runs_once_under_value_and_grad(mode):
    from mindlite.ops.math import sin_p
    calls = []
    impl = sin_p.impl
    sin_p.impl = lambda xp, x: calls.append(1) or impl(xp, x)
    try:
        x = Tensor(np.array([1.1, 0.9]))
        value, g = ms.jit(ms.value_and_grad(_loop))(x)
    finally:
        sin_p.impl = impl
    np.testing.assert_allclose(value.asnumpy(), _loop_np(np.array([1.1, 0.9])), rtol=1e-12)
    np.testing.assert_allclose(g.asnumpy(), _fd_grad(_loop_np, np.array([1.1, 0.9])), rtol=1e-6)
    # 3 forward iterations + 3 backward iterations (the backward needs sin(x) again for the product rule)
    assert len(calls) == 6


def test_second_and_third_order_through_a_tensor_while():
    x0 = np.array([1.1, 0.9])
    f = ms.jit(_loop)
    g2 = ms.grad(lambda t: ops.sum(ms.grad(f)(t)))(Tensor(x0))
    fd2 = _fd_grad(lambda x: _fd_grad(_loop_np, x).sum(), x0, eps=1e-4)
    np.testing.assert_allclose(g2.asnumpy(), fd2, rtol=1e-5)
    g3 = ms.grad(lambda t: ops.sum(ms.grad(lambda u: ops.sum(ms.grad(f)(u)))(t)))(Tensor(x0))
    fd3 = _fd_grad(lambda x: _fd_grad(lambda y: _fd_grad(_loop_np, y).sum(), x, eps=1e-3).sum(), x0, eps=1e-3)
    np.testing.assert_allclose(g3.asnumpy(), fd3, rtol=1e-3)


def test_loop_with_zero_iterations_has_identity_gradient(mode):
    g = ms.jit(ms.grad(_loop))
    def never(x):
        i = Tensor(5)
        while i < 3:
            x = x * ops.sin(x)
            i = i + 1
        return ops.sum(x * 2.0)
    np.testing.assert_allclose(ms.jit(ms.grad(never))(Tensor(np.array([0.5]))).asnumpy(), [2.0])
    assert g is not None


def test_differentiated_loop_stores_typed_stacks():
    graph = ms.jit(ms.value_and_grad(_loop)).executable((Tensor(np.array([1.1, 0.9])),)).graph
    saves = [n for n in graph.nodes if n.prim.name == "while_save"]
    assert len(saves) == 1 and not [n for n in graph.nodes if n.prim.name == "while"]
    stacks = saves[0].outs[2:]
    assert [(s.shape, s.dtype.name) for s in stacks] == [((-1,), "int64"), ((-1, 2), "float64")]


HELPER_GAIN = 2.0


def _helper_scale(x):
    return x * HELPER_GAIN


def test_globals_read_by_converted_helpers_are_guarded():
    global HELPER_GAIN

    class Net(nn.Cell):
        def construct(self, x):
            return _helper_scale(x) + 1.0
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        net = Net()
        assert float(net(Tensor(1.0)).asnumpy()) == 3.0
        HELPER_GAIN = 5.0
        assert float(net(Tensor(1.0)).asnumpy()) == 6.0
    finally:
        HELPER_GAIN = 2.0
        ms.set_context(mode=ms.PYNATIVE_MODE)


# ---- declared inputs -------------------------------------------------------------------------------------
def test_set_inputs_accepts_any_size_along_none_axes(mode):
    class Net(nn.Cell):
        def construct(self, x):
            return ops.sum(x * 2.0, 1)
    net = Net()
    net.set_inputs(Tensor(shape=[None, 3], dtype=ms.float32))
    for n in (1, 4, 7):
        x = np.arange(3 * n, dtype=np.float32).reshape(n, 3)
        np.testing.assert_allclose(net(Tensor(x)).asnumpy(), (x * 2).sum(1))
    with pytest.raises(ValueError, match=r"input 0 has shape \[2, 4\], declared \[None, 3\]"):
        net(Tensor(np.ones((2, 4), np.float32)))
    with pytest.raises(TypeError, match="declared float32, got float64"):
        net(Tensor(np.ones((2, 3), np.float64)))


def test_jit_input_signature():
    f = ms.jit(lambda x: x + 1.0, input_signature=(Tensor(shape=[None], dtype=ms.float32),))
    np.testing.assert_allclose(f(Tensor(np.zeros(5, np.float32))).asnumpy(), np.ones(5))
    with pytest.raises(ValueError, match="declared"):
        f(Tensor(np.zeros((2, 2), np.float32)))
    with pytest.raises(TypeError, match="Tensor declaration"):
        ms.jit(lambda x: x, input_signature=(3,))


# ---- global state changed by the compiled function -----------------------------------------------------
def test_set_seed_inside_a_compiled_function_is_replayed_each_call():
    """`ms.set_seed` inside the function reseeds on every call in PYNATIVE; the compiled graph
    replays it between the same draws, so every call draws what PYNATIVE draws (and the seed
    state after the call is the same)."""
    def f(x):
        a = ops.standard_normal((3,))  # drawn from the state before the reseed
        ms.set_seed(7)
        b = ops.uniform((4,), Tensor(0.0), Tensor(1.0))
        c = ops.standard_normal((2,))
        return x + a.sum(), b, c

    def calls(fn):
        ms.set_seed(1)
        out = [[o.asnumpy() for o in fn(Tensor(np.float32(1.0)))] for _ in range(3)]
        return out, ops.standard_normal((2,)).asnumpy()  # the state the calls leave

    eager, eager_after = calls(f)
    graph, graph_after = calls(ms.jit(f))
    for e, g in zip(eager, graph):
        for a, b in zip(e, g):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(eager_after, graph_after)
    # the reseeded draws repeat from call to call; the draw before the reseed does not
    np.testing.assert_array_equal(graph[0][1], graph[2][1])
    assert graph[0][0] != graph[1][0] or graph[1][0] != graph[2][0]


def test_a_host_random_draw_while_compiling_is_named(caplog):
    """np.random / random inside a compiled function run once, while compiling: the graph
    reuses the value, where PYNATIVE draws on every call. The compiler says so, naming the line."""
    import random

    def f(x):
        return x + Tensor(np.random.rand(2).astype(np.float32)) + random.random()

    with caplog.at_level(logging.WARNING, logger="mindlite"):
        jf = ms.jit(f)
        a = jf(Tensor(np.zeros(2, np.float32))).asnumpy()
        b = jf(Tensor(np.zeros(2, np.float32))).asnumpy()
    np.testing.assert_array_equal(a, b)  # the draw is a constant of the graph, as warned
    said = [r.getMessage() for r in caplog.records if "draws on the host" in r.getMessage()]
    assert len(said) == 2 and all("test_same_numbers.py:" in m for m in said)
    assert "RandomState.rand" in said[0] and "Random.random" in said[1]
