"""nn.BCELoss / ops.binary_cross_entropy, nn.MAELoss, ops.ApplyMomentum, amp's float-only casts
(int labels under O2) and build_train_network's fixed loss scale, against numpy formulas."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops
from util import numeric_grad_check


@pytest.fixture(params=[ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=request.param)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


RNG = np.random.default_rng(3)
PROBS = RNG.uniform(0.02, 0.98, (4, 3)).astype(np.float32)
TARGETS = (RNG.uniform(size=(4, 3)) > 0.5).astype(np.float32)
WEIGHT = RNG.uniform(0.5, 2.0, (4, 3)).astype(np.float32)


def _bce_ref(x, y, w=None):
    x, y = x.astype(np.float64), y.astype(np.float64)
    loss = -(y * np.log(x + 1e-12) + (1 - y) * np.log(1 - x + 1e-12))
    return loss if w is None else loss * w


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_loss(mode, reduction, weighted):
    w = ms.Tensor(WEIGHT) if weighted else None
    loss = nn.BCELoss(weight=w, reduction=reduction)
    got = loss(ms.Tensor(PROBS), ms.Tensor(TARGETS)).asnumpy()
    ref = _bce_ref(PROBS, TARGETS, WEIGHT if weighted else None)
    ref = {"mean": ref.mean(), "sum": ref.sum(), "none": ref}[reduction]
    np.testing.assert_allclose(got, ref, rtol=1e-5)
    fn = ops.binary_cross_entropy(ms.Tensor(PROBS), ms.Tensor(TARGETS), w, reduction)
    np.testing.assert_allclose(fn.asnumpy(), ref, rtol=1e-5)


def test_bce_gradient_matches_the_closed_form_and_finite_differences():
    x = PROBS.astype(np.float64)
    y = TARGETS.astype(np.float64)
    g = ms.grad(lambda p: ops.binary_cross_entropy(p, ms.Tensor(y), reduction="sum"))(ms.Tensor(x))
    # d/dx of -(y log x + (1 - y) log(1 - x)) = (x - y) / (x (1 - x)) (the 1e-12 is below float64 noise here)
    np.testing.assert_allclose(g.asnumpy(), (x - y) / (x * (1 - x)), rtol=1e-8)
    numeric_grad_check(lambda p: ops.binary_cross_entropy(p, ms.Tensor(y), ms.Tensor(WEIGHT.astype(np.float64))),
                       [x])


def test_bce_errors():
    with pytest.raises(ValueError, match="same shape"):
        ops.binary_cross_entropy(ms.Tensor(PROBS), ms.Tensor(TARGETS[:2]))
    with pytest.raises(ValueError, match="reduction"):
        nn.BCELoss(reduction="avg")
    with pytest.raises(TypeError, match="'weight' must be a Tensor"):
        nn.BCELoss(weight=[1.0, 2.0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mae_loss(mode, reduction):
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    y = RNG.standard_normal((1, 4)).astype(np.float32)  # broadcast
    got = nn.MAELoss(reduction)(ms.Tensor(x), ms.Tensor(y)).asnumpy()
    ref = np.abs(x - y)
    np.testing.assert_allclose(got, {"mean": ref.mean(), "sum": ref.sum(), "none": ref}[reduction], rtol=1e-6)


# ---- ApplyMomentum -----------------------------------------------------------------------------------
class _MomentumNet(nn.Cell):
    def __init__(self, use_nesterov=False, gradient_scale=1.0):
        super().__init__()
        self.apply_momentum = ops.ApplyMomentum(use_nesterov=use_nesterov, gradient_scale=gradient_scale)
        self.variable = ms.Parameter(ms.Tensor(np.array([[0.6, 0.4], [0.1, 0.5]], np.float32)), name="variable")
        self.accumulate = ms.Parameter(ms.Tensor(np.array([[0.6, 0.5], [0.2, 0.6]], np.float32)), name="accumulate")

    def construct(self, lr, grad, momentum):
        return self.apply_momentum(self.variable, self.accumulate, lr, grad, momentum)


@pytest.mark.parametrize("use_nesterov, scale", [(False, 1.0), (True, 1.0), (False, 0.5)])
def test_apply_momentum(mode, use_nesterov, scale):
    net = _MomentumNet(use_nesterov, scale)
    var, acc = net.variable.asnumpy().astype(np.float64), net.accumulate.asnumpy().astype(np.float64)
    grad = np.array([[0.3, 0.7], [0.1, 0.8]], np.float32)
    out = net(ms.Tensor(np.float32(0.1)), ms.Tensor(grad), ms.Tensor(np.float32(0.9)))
    g = grad * scale
    acc = acc * 0.9 + g
    var = var - (g * 0.1 + acc * 0.9 * 0.1) if use_nesterov else var - 0.1 * acc
    np.testing.assert_allclose(out.asnumpy(), var, rtol=1e-6)
    np.testing.assert_allclose(net.variable.asnumpy(), var, rtol=1e-6)
    np.testing.assert_allclose(net.accumulate.asnumpy(), acc, rtol=1e-6)
    if not use_nesterov and scale == 1.0:  # the values MindSpore's documentation prints
        np.testing.assert_allclose(out.asnumpy(), [[0.51600003, 0.285], [0.072, 0.366]], rtol=1e-6)


def test_apply_momentum_argument_errors():
    with pytest.raises(TypeError, match="'use_nesterov' must be a bool"):
        ops.ApplyMomentum(use_nesterov=1)
    with pytest.raises(TypeError, match="'gradient_scale' must be a float"):
        ops.ApplyMomentum(gradient_scale=1)
    w = ms.Parameter(ms.Tensor(np.zeros(2, np.float16)), name="w")
    a = ms.Parameter(ms.Tensor(np.zeros(2, np.float16)), name="a")
    with pytest.raises(TypeError, match="convert the Parameter"):
        ops.ApplyMomentum()(w, a, 0.1, ms.Tensor(np.ones(2, np.float32)), 0.9)


# ---- amp: integer tensors are left alone -------------------------------------------------------------
def test_mixed_precision_cast_casts_float_tensors_only():
    out = ops.mixed_precision_cast(ms.float16, (ms.Tensor([1.5], ms.float32), ms.Tensor([3], ms.int32),
                                                {"k": ms.Tensor([2.0], ms.float64)}, "text"))
    assert [out[0].dtype, out[1].dtype, out[2]["k"].dtype, out[3]] == [ms.float16, ms.int32, ms.float16, "text"]


def _classification_data(n=24):
    import mindlite.dataset as ds
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = (np.argmax(x[:, :3], axis=1)).astype(np.int32)
    return x, y, ds.NumpySlicesDataset({"x": x, "y": y}, shuffle=False).batch(8)


def test_model_o2_eval_with_int32_labels(mode):
    x, y, data = _classification_data()
    net = nn.SequentialCell([nn.Dense(4, 16), nn.ReLU(), nn.Dense(16, 3)])
    loss = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
    model = ms.Model(net, loss, nn.Momentum(net.trainable_params(), 0.1, 0.9), metrics={"acc", "loss"},
                     amp_level="O2")
    model.train(2, data)
    result = model.eval(data)
    net.set_train(False)
    logits = np.concatenate([net(ms.Tensor(x[i:i + 8])).asnumpy().astype(np.float64) for i in range(0, len(x), 8)])
    np.testing.assert_allclose(result["acc"], np.mean(logits.argmax(1) == y))
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    np.testing.assert_allclose(result["loss"], -logp[np.arange(len(y)), y].mean(), rtol=2e-3)


# ---- build_train_network with a fixed loss scale and no overflow check -------------------------------
@pytest.mark.parametrize("optimizer_scale", [1024.0, 1.0])
def test_fixed_loss_scale_without_overflow_check(mode, optimizer_scale):
    w0 = np.array([[0.5, -1.0, 2.0]], np.float32)
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]], np.float32)
    y = np.array([[1.0], [0.0]], np.float32)
    net = nn.Dense(3, 1, weight_init=ms.Tensor(w0), has_bias=False)
    opt = nn.SGD(net.trainable_params(), learning_rate=1e-4, loss_scale=optimizer_scale)
    manager = ms.FixedLossScaleManager(1024.0, drop_overflow_update=False)
    train = ms.amp.build_train_network(net, opt, nn.MSELoss(), level="O0", loss_scale_manager=manager)
    train.set_train()
    train(ms.Tensor(x), ms.Tensor(y))
    grad = 2 * ((x @ w0.T - y) * x).mean(0, keepdims=True)  # d/dw of mean((x w^T - y)^2)
    # MindSpore's combination: the loss is scaled by the manager's scale, the optimizer divides by its own
    want = w0 - 1e-4 * grad * (1024.0 / optimizer_scale)
    np.testing.assert_allclose(net.weight.asnumpy(), want, rtol=1e-5)
