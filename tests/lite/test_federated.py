"""lite.federated: weighted averaging by hand, 1 client == centralised SGD, IID accuracy, splits."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import nn
from mindlite.lite import federated

from .nets import MLP


def test_weighted_average_by_hand():
    a = {"w": np.array([1.0, 2.0], np.float32), "b": np.array([3.0], np.float32)}
    b = {"w": np.array([5.0, 6.0], np.float32), "b": np.array([-1.0], np.float32)}
    out = federated.average([a, b], [1, 3])
    np.testing.assert_allclose(out["w"], [(1 + 15) / 4, (2 + 18) / 4])  # [4.0, 5.0]
    np.testing.assert_allclose(out["b"], [(3 - 3) / 4])
    assert out["w"].dtype == np.float32
    with pytest.raises(ValueError, match="client 1's parameter names differ.*missing \\['b'\\]"):
        federated.average([a, {"w": b["w"]}], [1, 1])
    with pytest.raises(ValueError, match="client 1 has 0 samples"):
        federated.average([a, b], [2, 0])


def _net_fn():
    ms.set_seed(7)  # every call builds the same initial weights
    return MLP(d_in=16, hidden=8, classes=3)


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 16)).astype(np.float32), rng.integers(0, 3, n).astype(np.int32)


def test_one_client_is_centralised_sgd(mode):
    x, y = _data()
    sim = federated.FedAvgSim(_net_fn, [(x, y)], rounds=2, local_epochs=2, seed=3, batch_size=16, lr=0.1)
    sim.run()
    net = _net_fn()
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")),
                               nn.SGD(net.trainable_params(), learning_rate=0.1))
    step.set_train(True)
    for rnd in range(2):
        for epoch in range(2):
            order = np.random.default_rng([3, rnd, 0, epoch]).permutation(len(x))
            for i in range(0, len(x), 16):
                b = order[i:i + 16]
                step(ms.Tensor(x[b]), ms.Tensor(y[b]))
    ours = dict(sim.global_net.parameters_and_names())
    for name, p in net.parameters_and_names():
        np.testing.assert_allclose(ours[name].asnumpy(), p.asnumpy(), rtol=1e-6, atol=1e-7, err_msg=name)


def test_splits():
    x = np.arange(300, dtype=np.float32)[:, None]
    y = np.repeat(np.arange(3), 100).astype(np.int32)
    iid = federated.split_dataset(x, y, 4, "iid", seed=1)
    assert [len(c[0]) for c in iid] == [75] * 4
    non_iid = federated.split_dataset(x, y, 4, "dirichlet", alpha=0.1, seed=1)
    for parts in (iid, non_iid):
        seen = np.sort(np.concatenate([c[0][:, 0] for c in parts]))
        np.testing.assert_array_equal(seen, x[:, 0])  # every sample exactly once
    # a small alpha concentrates each class on few clients
    top_share = [np.bincount(c[1], minlength=3).max() / max(len(c[1]), 1) for c in non_iid if len(c[1])]
    assert np.mean(top_share) > 0.7
    again = federated.split_dataset(x, y, 4, "dirichlet", alpha=0.1, seed=1)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(non_iid, again))
    with pytest.raises(ValueError, match="split must be one of"):
        federated.split_dataset(x, y, 4, "random")


def test_bad_clients():
    x, y = _data()
    with pytest.raises(ValueError, match="client 1 has 0 samples"):
        federated.FedAvgSim(_net_fn, [(x, y), (x[:0], y[:0])])
    nets = iter([MLP(d_in=16, hidden=8, classes=3), MLP(d_in=16, hidden=8, classes=4)])
    with pytest.raises(ValueError, match="parameters have different shapes.*fc2"):
        federated.FedAvgSim(lambda: next(nets), [(x, y)])

    class Other(nn.Cell):
        def __init__(self):
            super().__init__()
            self.head = nn.Dense(16, 3)

        def construct(self, v):
            return self.head(v)
    nets = iter([MLP(d_in=16, hidden=8, classes=3), Other()])
    with pytest.raises(ValueError, match="different parameter names"):
        federated.FedAvgSim(lambda: next(nets), [(x, y)])


@pytest.mark.slow
def test_four_iid_clients_reach_90_percent(digits):
    xtr, ytr, xte, yte = digits
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        sim = federated.FedAvgSim(lambda: MLP(hidden=32), (xtr.reshape(len(xtr), -1), ytr), rounds=10,
                                  local_epochs=1, client_fraction=1.0, seed=0, split="iid", num_clients=4,
                                  batch_size=32, lr=0.1, eval_data=(xte.reshape(len(xte), -1), yte))
        history = sim.run()
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    assert len(history) == 10 and history[-1]["samples"] == len(xtr)
    assert history[-1]["accuracy"] >= 0.90, [h["accuracy"] for h in history]
