"""lite.prune: magnitude masks through training, remove, and structural channel pruning."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import lite, nn
from mindlite.lite import prune

from .nets import CNN, Residual, copy_weights, evaluate, randomize_bn, train


def _weights(net):
    return {n: p.asnumpy().copy() for n, p in prune.prunable(net)}


@pytest.mark.parametrize("amount", [0.0, 0.3, 0.5, 0.9])
def test_layer_sparsity_is_amount_per_tensor(amount):
    net = CNN()
    before = _weights(net)
    masks = prune.magnitude(net, amount, scope="layer")
    for name, w in before.items():
        p = dict(net.parameters_and_names())[name]
        zeros = int((p.asnumpy() == 0).sum())
        assert abs(zeros - amount * w.size) <= 1, (name, zeros, amount * w.size)
        kept, dropped = np.abs(w[masks[name] == 1]), np.abs(w[masks[name] == 0])
        assert dropped.size == 0 or kept.size == 0 or dropped.max() <= kept.min()


def test_global_sparsity_uses_one_threshold():
    net = CNN()
    before = _weights(net)
    masks = prune.magnitude(net, 0.6, scope="global")
    total = sum(w.size for w in before.values())
    zeros = sum(int((m == 0).sum()) for m in masks.values())
    assert abs(zeros - 0.6 * total) <= 1
    kept = np.concatenate([np.abs(w[masks[n] == 1]) for n, w in before.items()])
    dropped = np.concatenate([np.abs(w[masks[n] == 0]) for n, w in before.items()])
    assert dropped.max() <= kept.min()
    assert prune.sparsity(net) == pytest.approx(zeros / total)


def test_masks_survive_optimizer_steps_and_remove_makes_them_permanent(mode):
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 1, 8, 8)).astype(np.float32), rng.integers(0, 10, 64).astype(np.int32)
    net = CNN()
    masks = prune.magnitude(net, 0.5)
    before = _weights(net)
    train(net, x, y, epochs=2, batch=16)
    after = _weights(net)
    for name, m in masks.items():
        assert (after[name][m == 0] == 0).all(), name
        assert not np.array_equal(after[name][m == 1], before[name][m == 1]), name
    assert sorted(prune.remove(net)) == sorted(masks)
    assert all(type(p) is ms.Parameter for _, p in net.parameters_and_names())
    np.testing.assert_array_equal(_weights(net)["fc.weight"], after["fc.weight"])  # zeros kept
    train(net, x, y, epochs=1, batch=16)
    assert (_weights(net)["fc.weight"][masks["fc.weight"] == 0] != 0).any()  # no mask any more


def test_amount_and_scope_errors():
    for bad in (-0.1, 1.0, 1.5, "half", True):
        with pytest.raises(ValueError, match=r"amount must be a number in \[0, 1\)"):
            prune.magnitude(CNN(), bad)
    with pytest.raises(ValueError, match="scope must be 'layer' or 'global'"):
        prune.magnitude(CNN(), 0.5, scope="net")
    with pytest.raises(ValueError, match=r"amount must be a number in \[0, 1\)"):
        prune.channels(CNN(), 1.0, inputs=ms.Tensor(np.zeros((1, 1, 8, 8), np.float32)))


def _masked_reference(net):
    """A copy of net whose readers ignore the channels channels() will remove (L1 norm, 50%)."""
    ref = copy_weights(CNN(), net)
    for conv, reader in ((net.conv1, "conv2"), (net.conv2, "fc")):
        w = conv.weight.asnumpy()
        l1 = np.abs(w).reshape(w.shape[0], -1).sum(1)
        removed = np.argsort(l1, kind="stable")[: w.shape[0] // 2]
        r = getattr(ref, reader).weight.asnumpy().copy()
        if reader == "conv2":
            r[:, removed] = 0
        else:  # flatten of (C, 4, 4): channel c owns inputs c*16 .. c*16+15
            r[:, (removed[:, None] * 16 + np.arange(16)).reshape(-1)] = 0
        getattr(ref, reader).weight.set_data(ms.Tensor(r))
    return ref


def test_channel_pruning_shrinks_and_equals_the_masked_model(mode):
    net = randomize_bn(CNN())
    ref = _masked_reference(net)
    x = ms.Tensor(np.random.default_rng(1).standard_normal((5, 1, 8, 8)).astype(np.float32))
    kept = prune.channels(net, 0.5, inputs=x)
    assert {k: len(v) for k, v in kept.items()} == {"conv1": 4, "conv2": 8}
    assert tuple(net.conv1.weight.shape) == (4, 1, 3, 3) and tuple(net.conv1.bias.shape) == (4,)
    assert tuple(net.bn1.gamma.shape) == (4,) and tuple(net.bn1.moving_variance.shape) == (4,)
    assert tuple(net.conv2.weight.shape) == (8, 4, 3, 3) and tuple(net.bn2.beta.shape) == (8,)
    assert tuple(net.fc.weight.shape) == (10, 128) and net.fc.in_channels == 128
    net.set_train(False)
    ref.set_train(False)
    np.testing.assert_allclose(net(x).asnumpy(), ref(x).asnumpy(), rtol=1e-5, atol=1e-5)


def test_channel_pruning_refuses_a_residual_consumer():
    x = ms.Tensor(np.zeros((2, 1, 8, 8), np.float32))
    with pytest.raises(ValueError, match=r"cannot remove channels of stem \(Conv2d\).*read by 2 operations"):
        prune.channels(Residual(), 0.5, inputs=x)
    with pytest.raises(ValueError, match=r"cannot remove channels of body \(Conv2d\).*reaches add"):
        prune.channels(Residual(), 0.5, inputs=x, layers=["body"])  # relu, then the residual add


def test_channel_pruning_layer_selection():
    net = CNN()
    x = ms.Tensor(np.zeros((2, 1, 8, 8), np.float32))
    with pytest.raises(ValueError, match="not prunable convolutions"):
        prune.channels(net, 0.5, inputs=x, layers=["fc"])
    kept = prune.channels(net, 0.25, inputs=x, layers=["conv2"])
    assert list(kept) == ["conv2"] and len(kept["conv2"]) == 12
    assert tuple(net.conv1.weight.shape) == (8, 1, 3, 3)


@pytest.mark.slow
def test_fine_tuned_half_pruned_model_keeps_accuracy(trained_cnn, digits):
    trained, fp32_acc = trained_cnn
    xtr, ytr, xte, yte = digits
    net = copy_weights(CNN(), trained)
    prune.channels(net, 0.5, inputs=ms.Tensor(xte[:2]))
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        train(net, xtr, ytr, epochs=2, lr=0.02)
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    assert evaluate(net, xte, yte) >= fp32_acc - 0.02
