"""Small networks and the digits data shared by the lite tests."""
from __future__ import annotations

import numpy as np

import mindlite as ms
from mindlite import nn, ops


class MLP(nn.Cell):
    def __init__(self, d_in: int = 64, hidden: int = 32, classes: int = 10) -> None:
        super().__init__()
        self.fc1 = nn.Dense(d_in, hidden)
        self.bn = nn.BatchNorm1d(hidden)
        self.act = nn.ReLU()
        self.fc2 = nn.Dense(hidden, classes)

    def construct(self, x):
        return self.fc2(self.act(self.bn(self.fc1(x))))


class CNN(nn.Cell):
    """conv-BN-ReLU x2, max pool, flatten, dense: the digits model (8x8 inputs)."""

    def __init__(self, c1: int = 8, c2: int = 16, classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, c1, 3, pad_mode="pad", padding=1, has_bias=True)
        self.bn1 = nn.BatchNorm2d(c1)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(c1, c2, 3, pad_mode="pad", padding=1, has_bias=True)
        self.bn2 = nn.BatchNorm2d(c2)
        self.pool = nn.MaxPool2d(2, 2)
        self.flat = nn.Flatten()
        self.fc = nn.Dense(c2 * 4 * 4, classes)

    def construct(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.pool(self.relu(self.bn2(self.conv2(x))))
        return self.fc(self.flat(x))


class Residual(nn.Cell):
    """A conv whose output is added back: its channels cannot be removed."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, pad_mode="same")
        self.body = nn.Conv2d(4, 4, 3, pad_mode="same")
        self.fc = nn.Dense(4 * 8 * 8, 10)
        self.flat = nn.Flatten()

    def construct(self, x):
        h = self.stem(x)
        return self.fc(self.flat(h + ops.relu(self.body(h))))


def randomize_bn(net: nn.Cell, seed: int = 0) -> nn.Cell:
    """Non-trivial batch-norm statistics and affine parameters (fresh ones are 0/1)."""
    rng = np.random.default_rng(seed)
    for _, p in net.parameters_and_names():
        leaf = p.name.rsplit(".", 1)[-1]
        if leaf in ("gamma", "moving_variance"):
            p.set_data(ms.Tensor(rng.uniform(0.5, 1.5, p.shape).astype(np.float32)))
        elif leaf in ("beta", "moving_mean"):
            p.set_data(ms.Tensor(rng.uniform(-0.5, 0.5, p.shape).astype(np.float32)))
    return net


def copy_weights(dst: nn.Cell, src: nn.Cell) -> nn.Cell:
    mine = dict(dst.parameters_and_names())
    for name, p in src.parameters_and_names():
        mine[name].set_data(ms.Tensor(p.asnumpy().copy()))
    return dst


def digits():
    """sklearn's digits (1797 8x8 images, shipped inside scikit-learn): train/test split, fixed seed."""
    from sklearn.datasets import load_digits
    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None]
    y = d.target.astype(np.int32)
    perm = np.random.default_rng(0).permutation(len(x))
    x, y = x[perm], y[perm]
    return x[:1400], y[:1400], x[1400:], y[1400:]


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    return float((np.asarray(logits).argmax(-1) == y).mean())


def evaluate(net: nn.Cell, x: np.ndarray, y: np.ndarray) -> float:
    was = net.training
    net.set_train(False)
    try:
        return accuracy(net(ms.Tensor(x)).asnumpy(), y)
    finally:
        net.set_train(was)


def train(net: nn.Cell, x: np.ndarray, y: np.ndarray, epochs: int, lr: float = 0.05, batch: int = 50,
          seed: int = 0, loss_cell: nn.Cell | None = None) -> nn.Cell:
    """Momentum SGD over shuffled mini-batches (in the current mode)."""
    loss = loss_cell or nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean"))
    params = net.trainable_params()
    step = nn.TrainOneStepCell(loss, nn.Momentum(params, lr, 0.9))
    step.set_train(True)
    for ep in range(epochs):
        order = np.random.default_rng([seed, ep]).permutation(len(x))
        for i in range(0, len(x) - batch + 1, batch):
            b = order[i:i + batch]
            step(ms.Tensor(x[b]), ms.Tensor(y[b]))
    net.set_train(False)
    return net
