"""te ops as primitives: both modes, grad to any order, inside a trained Cell, the fusion
pass, ops.Custom, and the errors bad input gets."""
from __future__ import annotations

import numpy as np
import pytest

import mindlite as ms
from mindlite import Parameter, Tensor, nn, ops, te
from mindlite.passes import pipeline
from mindlite.te.lang import cce


def sigmoid(x):
    return cce.vrec(cce.vadds(cce.vexp(cce.vmuls(x, -1.0)), 1.0))


N = te.var("n")
_X = te.placeholder((N,), "float32", "x")
te_sigmoid = te.build(sigmoid(_X), [_X], "te_sigmoid")
_A, _B = te.placeholder((N, 4), "float32", "a"), te.placeholder((4,), "float32", "b")
te_softplus_bias = te.build(cce.vlog(cce.vadds(cce.vexp(cce.vadd(_A, _B)), 1.0)), [_A, _B], "te_softplus_bias")
_R = te.placeholder((N, 4), "float32", "r")
te_lse = te.build(cce.vlog(cce.sum(cce.vexp(_R), axis=1)), [_R], "te_lse")


def _s(a):
    return 1 / (1 + np.exp(-a))


def test_primitive_forward_and_infer(mode, rng):
    a = rng.standard_normal(9).astype(np.float32)
    f = ms.jit(te_sigmoid) if mode == "graph" else te_sigmoid
    y = f(Tensor(a))
    assert y.dtype == ms.float32 and y.shape == (9,)
    np.testing.assert_allclose(y.asnumpy(), _s(a), rtol=1e-6)
    assert te_sigmoid.fuse_kind == "elementwise" and te_sigmoid.expr == "(1 / (exp((a0 * -1.0)) + 1.0))"
    assert te_lse.fuse_kind == "opaque"
    r = rng.standard_normal((3, 4)).astype(np.float32)
    g = ms.jit(te_lse) if mode == "graph" else te_lse
    np.testing.assert_allclose(g(Tensor(r)).asnumpy(), np.log(np.exp(r).sum(1)), rtol=1e-6)


def test_grad_of_grad_equals_the_closed_form(mode, rng):
    a = rng.standard_normal(7)
    x = te.placeholder((N,), "float64", "x")
    op = te.build(sigmoid(x), [x], "sigmoid64")
    first = ms.grad(lambda t: op(t).sum())
    second = ms.grad(first)
    third = ms.grad(lambda t: second(t).sum())
    if mode == "graph":
        first, second, third = ms.jit(first), ms.jit(second), ms.jit(third)
    s = _s(a)
    np.testing.assert_allclose(first(Tensor(a)).asnumpy(), s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(second(Tensor(a)).asnumpy(), s * (1 - s) * (1 - 2 * s), rtol=1e-11)
    np.testing.assert_allclose(third(Tensor(a)).asnumpy(), s * (1 - s) * (1 - 6 * s + 6 * s * s), rtol=1e-10,
                               atol=1e-14)


def test_gradients_of_several_inputs_and_a_reduction(mode, rng):
    a, b = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    fn = ms.grad(lambda x, y: (te_softplus_bias(x, y) * te_lse(x).reshape(3, 1)).sum(), grad_position=(0, 1))
    fn = ms.jit(fn) if mode == "graph" else fn
    gx, gy = fn(Tensor(a), Tensor(b))
    sp, lse = np.log1p(np.exp(a + b)), np.log(np.exp(a).sum(1, keepdims=True))
    soft = np.exp(a) / np.exp(a).sum(1, keepdims=True)
    want_x = _s(a + b) * lse + sp.sum(1, keepdims=True) * soft
    np.testing.assert_allclose(gx.asnumpy(), want_x, rtol=1e-5)
    np.testing.assert_allclose(gy.asnumpy(), (_s(a + b) * lse).sum(0), rtol=1e-5)


class TeNet(nn.Cell):
    def __init__(self, w):
        super().__init__()
        self.w = Parameter(Tensor(w), name="w")

    def construct(self, x):
        h = te_softplus_bias(ops.matmul(x, self.w), ops.ones(4, ms.float32))
        return te_lse(h)


def _train(mode, w, x, y):
    ms.set_context(mode=mode)
    try:
        net = TeNet(w.copy())
        step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params(), 0.1))
        return [float(step(Tensor(x), Tensor(y)).asnumpy()) for _ in range(5)]
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def test_a_cell_with_te_ops_trains_with_equal_losses_in_both_modes(rng):
    w = rng.standard_normal((3, 4)).astype(np.float32) * 0.5
    x, y = rng.standard_normal((8, 3)).astype(np.float32), rng.standard_normal(8).astype(np.float32)
    eager, graph = _train(ms.PYNATIVE_MODE, w, x, y), _train(ms.GRAPH_MODE, w, x, y)
    np.testing.assert_allclose(eager, graph, rtol=1e-5)
    assert eager[-1] < eager[0]
    # the first loss against numpy
    h = np.log1p(np.exp(x @ w + 1))
    assert eager[0] == pytest.approx(float(((np.log(np.exp(h).sum(1)) - y) ** 2).mean()), rel=1e-5)


def _chain_ops():
    x = te.placeholder((256, 256), "float32", "x")
    return [te.build(f(x), [x], f"chain{k}") for k, f in enumerate([
        lambda t: cce.vmuls(t, -0.5), cce.vexp, lambda t: cce.vadds(t, 1.0), cce.vrec,
        lambda t: cce.vmuls(t, 3.0), cce.vtanh])]


def test_fusion_pass_makes_one_kernel_of_six_te_ops(rng):
    chain = _chain_ops()

    def fn(t):
        for p in chain:
            t = p(t)
        return t
    a = rng.standard_normal((256, 256)).astype(np.float32)
    want = np.tanh(3 / (1 + np.exp(-0.5 * a)))
    f = ms.jit(fn)
    np.testing.assert_allclose(f(Tensor(a)).asnumpy(), want, rtol=1e-6)
    graph = f.executable((Tensor(a),)).graph
    assert te.kernel_count(graph) == 1 and len(graph.nodes) == 1
    saved = pipeline.DEFAULT_PASSES
    pipeline.DEFAULT_PASSES = tuple(p for p in saved if p.__name__ != "fuse_elementwise")
    try:
        g6 = ms.jit(fn)
        np.testing.assert_allclose(g6(Tensor(a)).asnumpy(), want, rtol=1e-6)
        assert te.kernel_count(g6.executable((Tensor(a),)).graph) == 6
    finally:
        pipeline.DEFAULT_PASSES = saved
    grad = ms.jit(ms.grad(lambda t: fn(t).sum()))(Tensor(a))
    np.testing.assert_allclose(grad.asnumpy(), ms.grad(lambda t: fn(t).sum())(Tensor(a)).asnumpy(), rtol=1e-5)


def test_ops_custom_te_and_pyfunc(mode, rng):
    a = rng.standard_normal(6).astype(np.float32)
    sig = ops.Custom(sigmoid, func_type="te")
    sq = ops.Custom(lambda v: v * v, out_shape=lambda s: s, out_dtype=lambda d: d, func_type="pyfunc",
                    bprop=lambda v, out, dout: (2 * v * dout,))
    fn = ms.grad(lambda t: (sig(t) + sq(t)).sum())
    fn = ms.jit(fn) if mode == "graph" else fn
    np.testing.assert_allclose(fn(Tensor(a)).asnumpy(), _s(a) * (1 - _s(a)) + 2 * a, rtol=1e-5)
    user = ops.Custom(sigmoid, func_type="te", bprop=lambda v, out, dout: (dout * 0 + 7,))
    np.testing.assert_allclose(ms.grad(lambda t: user(t).sum())(Tensor(a)).asnumpy(), np.full(6, 7.0))


# ---- bad input -----------------------------------------------------------------------------------
def test_bad_arguments_of_a_te_primitive(mode):
    f = ms.jit(te_softplus_bias) if mode == "graph" else te_softplus_bias
    a = np.zeros((3, 4), np.float32)
    with pytest.raises(TypeError, match=r"input 0 \(a\) must be float32, got float64"):
        f(Tensor(a.astype(np.float64)), Tensor(np.zeros(4, np.float32)))
    with pytest.raises(ValueError, match=r"input 1 \(b\) must have shape \[4\], got \[5\]"):
        f(Tensor(a), Tensor(np.zeros(5, np.float32)))
    with pytest.raises(TypeError, match="takes 2 input"):
        f(Tensor(a))


def test_bad_arguments_of_build_and_custom():
    x = te.placeholder((3,), "float32", "x")
    with pytest.raises(TypeError, match="out must be a te tensor"):
        te.build(x[0], [x])
    with pytest.raises(ValueError, match="not among the inputs"):
        te.build(cce.vadd(x, te.placeholder((3,), "float32", "y")), [x])
    with pytest.raises(ValueError, match="func_type 'aot' is not supported"):
        ops.Custom(sigmoid, func_type="aot")
    with pytest.raises(TypeError, match="must return a te tensor"):
        ops.Custom(lambda v: 1.0, func_type="te")(Tensor(np.zeros(3, np.float32)))
    with pytest.raises(ValueError, match="needs out_shape and out_dtype"):
        ops.Custom(lambda v: v, func_type="pyfunc")(Tensor(np.zeros(3, np.float32)))
    again = te.build(x, [x], "te_sigmoid").name  # names never clash in the table
    assert again.startswith("te_sigmoid_") and again[len("te_sigmoid_"):].isdigit()


# ---- on a GPU --------------------------------------------------------------------------------------
def _gpu():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - no cupy, no driver
        return False


@pytest.mark.gpu
@pytest.mark.skipif(not _gpu(), reason="needs cupy and a CUDA device")
def test_cupy_kernels_equal_numpy_forward_and_backward(rng):
    a = rng.standard_normal((64, 4)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)

    def fn(x, y):
        return (te_softplus_bias(x, y) * te_lse(x).reshape(64, 1) + te_sigmoid(y).reshape(1, 4)).sum()
    want = [g.asnumpy() for g in ms.grad(fn, (0, 1))(Tensor(a), Tensor(b))]
    ms.set_context(device_target="GPU")
    try:
        got = [g.asnumpy() for g in ms.grad(fn, (0, 1))(Tensor(a), Tensor(b))]
        fwd = fn(Tensor(a), Tensor(b)).asnumpy()
    finally:
        ms.set_context(device_target="CPU")
    np.testing.assert_allclose(fwd, fn(Tensor(a), Tensor(b)).asnumpy(), rtol=1e-6)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)
