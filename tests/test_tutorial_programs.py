"""Small programs written the way MindSpore 2.x tutorials write them, run unchanged in both modes:
a quick start with `experimental.optim` and a schedule, mixed precision on an int-label dataset,
and mixed-dtype arithmetic under the type promotion rules. Numbers are checked against numpy
re-computations of the same programs."""
import math

import numpy as np
import pytest

import mindlite as ms
import mindlite.dataset as ds
from mindlite import amp, nn, ops
from mindlite.experimental import optim


@pytest.fixture(params=[ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=request.param)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def _blobs(n=64, classes=3, dim=4, seed=0):
    """Separable classes: class c is centred at 2 * e_c."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    data = rng.normal(0, 0.5, (n, dim)) + 2 * np.eye(classes, dim)[labels]
    return data.astype(np.float32), labels.astype(np.int32)


def _dataset(data, labels, batch):
    def generator():
        for x, y in zip(data, labels):
            yield x, y
    return ds.GeneratorDataset(generator, ["image", "label"], shuffle=False).batch(batch)


# ---- 1. quick start with experimental.optim ---------------------------------------------------------
def _quick_start(epochs=3, batch=16):
    """The quick-start loop: forward_fn / value_and_grad over optimizer.parameters / train_step."""
    data, labels = _blobs()
    train_dataset = _dataset(data, labels, batch)
    model = nn.Dense(4, 3, weight_init="zeros", bias_init="zeros")
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.trainable_params(), lr=0.1)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)

    def forward_fn(x, y):
        logits = model(x)
        return loss_fn(logits, y), logits

    grad_fn = ms.value_and_grad(forward_fn, None, optimizer.parameters, has_aux=True)

    def train_step(x, y):
        (loss, _), grads = grad_fn(x, y)
        optimizer(grads)
        return loss

    if ms.get_context("mode") == ms.GRAPH_MODE:
        train_step = ms.jit(train_step)
    losses, lrs = [], []
    for _ in range(epochs):
        model.set_train()
        for x, y in train_dataset.create_tuple_iterator():
            losses.append(float(train_step(x, y).asnumpy()))
        lrs.append(float(scheduler.get_last_lr()[0].asnumpy()))
        scheduler.step()
    model.set_train(False)
    correct = sum(int((model(x).argmax(1) == y).sum().asnumpy()) for x, y in train_dataset.create_tuple_iterator())
    return np.array(losses), lrs, correct / len(labels), model


def _quick_start_reference(epochs=3, batch=16):
    """The same training in numpy: softmax regression, mean cross entropy, Adam (MindSpore's kernel)."""
    data, labels = _blobs()
    w, b = np.zeros((3, 4)), np.zeros(3)
    m = [np.zeros_like(w), np.zeros_like(b)]
    v = [np.zeros_like(w), np.zeros_like(b)]
    losses, lrs, t = [], [], 0
    for epoch in range(epochs):
        lr = 0.1 * 0.5 ** (epoch // 2)
        lrs.append(lr)
        for s in range(0, len(labels), batch):
            x, y = data[s:s + batch].astype(np.float64), labels[s:s + batch]
            z = x @ w.T + b
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            losses.append(-np.log(p[np.arange(len(y)), y]).mean())
            dz = (p - np.eye(3)[y]) / len(y)
            t += 1
            lr_t = lr * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            for i, (param, g) in enumerate(((w, dz.T @ x), (b, dz.sum(0)))):
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.999 * v[i] + 0.001 * g * g
                param -= lr_t * m[i] / (np.sqrt(v[i]) + 1e-8)
    return np.array(losses), lrs, w, b


def test_quick_start_with_experimental_optim(mode):
    losses, lrs, accuracy, model = _quick_start()
    ref_losses, ref_lrs, w, b = _quick_start_reference()
    np.testing.assert_allclose(losses, ref_losses, rtol=2e-4, atol=1e-5)
    np.testing.assert_allclose(lrs, ref_lrs, rtol=1e-6)
    np.testing.assert_allclose(model.weight.asnumpy(), w, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(model.bias.asnumpy(), b, rtol=1e-3, atol=1e-4)
    assert losses[-1] < 0.5 * losses[0] and accuracy > 0.9


# ---- 2. mixed precision with an int-label dataset ----------------------------------------------------
class LeNetLike(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Dense(4, 16)
        self.relu = nn.ReLU()
        self.fc2 = nn.Dense(16, 3)

    def construct(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def test_mixed_precision_model_with_int_labels(mode):
    data, labels = _blobs(n=48)
    dataset = _dataset(data, labels, 12)
    net = LeNetLike()
    loss = nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
    optimizer = nn.Momentum(net.trainable_params(), learning_rate=0.05, momentum=0.9, loss_scale=128.0)
    model = ms.Model(net, loss_fn=loss, optimizer=optimizer, metrics={"accuracy", "loss"}, amp_level="O2",
                     loss_scale_manager=ms.FixedLossScaleManager(128.0, drop_overflow_update=False))
    model.train(4, dataset)
    result = model.eval(dataset)
    assert net.fc1.weight.dtype == ms.float32  # float32 master weights under O2
    net.set_train(False)
    logits = net(ms.Tensor(data)).asnumpy().astype(np.float64)  # float16 compute, as in eval
    logp = logits - logits.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    np.testing.assert_allclose(result["accuracy"], np.mean(logits.argmax(1) == labels))
    np.testing.assert_allclose(result["loss"], -logp[np.arange(len(labels)), labels].mean(), rtol=2e-3)
    assert result["accuracy"] > 0.9


def test_functional_mixed_precision_with_a_loss_scaler():
    """The functional amp recipe: auto_mixed_precision + loss scaler + all_finite (PYNATIVE: the
    scaler adjusts on the host)."""
    data, labels = _blobs(n=32)
    net = amp.auto_mixed_precision(LeNetLike(), "O2")
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.SGD(net.trainable_params(), learning_rate=0.1)
    loss_scaler = amp.DynamicLossScaler(scale_value=2 ** 10, scale_factor=2, scale_window=2)

    def forward_fn(x, y):
        logits = net(x)
        return loss_scaler.scale(loss_fn(logits, y)), logits

    grad_fn = ms.value_and_grad(forward_fn, None, optimizer.parameters, has_aux=True)

    def train_step(x, y):
        (loss, _), grads = grad_fn(x, y)
        loss = loss_scaler.unscale(loss)
        is_finite = amp.all_finite(grads)
        if is_finite:
            optimizer(loss_scaler.unscale(grads))
        loss_scaler.adjust(is_finite)
        return loss

    x, y = ms.Tensor(data), ms.Tensor(labels)
    assert y.dtype == ms.int32
    losses = [float(train_step(x, y).asnumpy()) for _ in range(6)]
    assert losses[-1] < losses[0]
    assert float(loss_scaler.scale_value.asnumpy()) == 2 ** 13  # doubled after every 2 finite steps


# ---- 3. the type promotion rules in a small program -----------------------------------------------------
def _scores(counts, weights, mask):
    """int counts, float16 weights, bool mask, Python numbers: MindSpore's promotion decides each dtype."""
    rate = counts * 0.5                      # int32 * float -> float32
    boosted = rate + weights                 # float32 + float16 -> float32
    kept = ops.where(mask, boosted, 0)       # float32 with an int -> float32
    total = counts.max() + 1                 # int32 + int -> int32
    halves = weights * 2                     # float16 * int -> float16
    return kept, total, halves, mask + 1     # bool + int -> int64


def test_type_promotion_program(mode):
    counts = ms.Tensor(np.array([1, 2, 3, 4], np.int32))
    weights = ms.Tensor(np.array([0.5, 0.25, 0.125, 1.0], np.float16))
    mask = ms.Tensor(np.array([True, False, True, True]))
    fn = ms.jit(_scores) if mode == ms.GRAPH_MODE else _scores
    kept, total, halves, shifted = fn(counts, weights, mask)
    assert (kept.dtype, total.dtype, halves.dtype, shifted.dtype) == (ms.float32, ms.int32, ms.float16, ms.int64)
    c, w, m = np.array([1, 2, 3, 4]), np.array([0.5, 0.25, 0.125, 1.0]), np.array([True, False, True, True])
    np.testing.assert_array_equal(kept.asnumpy(), np.where(m, c * 0.5 + w, 0).astype(np.float32))
    assert int(total.asnumpy()) == 5
    np.testing.assert_array_equal(halves.asnumpy(), (w * 2).astype(np.float16))
    np.testing.assert_array_equal(shifted.asnumpy(), m.astype(np.int64) + 1)
