"""Federated averaging (McMahan et al., FedAvg), simulated in one process.

Each round a `client_fraction` of the clients (at least one, drawn with the round's seed)
start from the global weights, train `local_epochs` epochs of mini-batch SGD on their own
data, and the server replaces the global weights by the average of theirs weighted by their
sample counts (every parameter, batch-norm statistics included). Local batch order: client k
in round r, epoch e visits its samples in the order `np.random.default_rng([seed, r, k, e])
.permutation(n_k)`, in batches of `batch_size` (the last one may be smaller); the optimizer
state (momentum) restarts every round.
"""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

from ..core.tensor import Tensor

SPLITS = ("iid", "dirichlet")


def split_dataset(x: np.ndarray, y: np.ndarray, num_clients: int, split: str = "iid", alpha: float = 0.5,
                  seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split (x, y) over `num_clients`: "iid" (a shuffled even split) or "dirichlet" (per class,
    client shares drawn from Dirichlet(alpha), the usual non-IID benchmark split)."""
    if split not in SPLITS:
        raise ValueError(f"split_dataset: split must be one of {SPLITS}, got {split!r}")
    if not isinstance(num_clients, int) or num_clients < 1:
        raise ValueError(f"split_dataset: num_clients must be a positive int, got {num_clients!r}")
    if len(x) != len(y):
        raise ValueError(f"split_dataset: x has {len(x)} samples, y has {len(y)}")
    rng = np.random.default_rng(seed)
    if split == "iid":
        parts = np.array_split(rng.permutation(len(x)), num_clients)
    else:
        if alpha <= 0:
            raise ValueError(f"split_dataset: alpha must be positive, got {alpha}")
        buckets: list[list] = [[] for _ in range(num_clients)]
        for c in np.unique(y):
            idx = rng.permutation(np.flatnonzero(y == c))
            shares = rng.dirichlet(np.full(num_clients, float(alpha)))
            cuts = (np.cumsum(shares)[:-1] * len(idx)).astype(int)
            for k, part in enumerate(np.split(idx, cuts)):
                buckets[k].extend(part.tolist())
        parts = [np.sort(np.asarray(b, dtype=np.int64)) for b in buckets]
    return [(x[p], y[p]) for p in parts]


def average(client_params: list[dict], num_samples: list[int]) -> dict:
    """Weighted average of parameter dicts ({name: array}) by sample counts."""
    if not client_params or len(client_params) != len(num_samples):
        raise ValueError(f"average: {len(client_params)} parameter sets for {len(num_samples)} sample counts")
    for k, n in enumerate(num_samples):
        if not n or n < 0:
            raise ValueError(f"average: client {k} has {n} samples; every client needs at least one")
    names = list(client_params[0])
    for k, params in enumerate(client_params[1:], 1):
        if set(params) != set(names):
            raise ValueError(f"average: client {k}'s parameter names differ from client 0's: missing "
                             f"{sorted(set(names) - set(params))}, extra {sorted(set(params) - set(names))}")
    total = float(sum(num_samples))
    out = {}
    for name in names:
        shapes = {np.shape(p[name]) for p in client_params}
        if len(shapes) != 1:
            raise ValueError(f"average: parameter {name} has different shapes across clients: {sorted(shapes)}")
        acc = sum(np.asarray(p[name], np.float64) * (n / total) for p, n in zip(client_params, num_samples))
        dtype = np.asarray(client_params[0][name]).dtype
        out[name] = (np.round(acc) if dtype.kind in "iub" else acc).astype(dtype)
    return out


def _params(net: Any) -> dict:
    return {name: p.asnumpy().copy() for name, p in net.parameters_and_names()}


def _load(net: Any, values: dict) -> None:
    for name, p in net.parameters_and_names():
        p.set_data(Tensor(values[name]))


class FedAvgSim:
    """`FedAvgSim(net_fn, client_datasets, rounds, local_epochs, client_fraction, seed, split, alpha)`.

    Args:
        net_fn: builds a fresh network (called for the global and the client model; both must
            have the same parameter names).
        client_datasets: a list of (x, y) numpy pairs, one per client; or one (x, y) pair split
            over `num_clients` with `split` ("iid" | "dirichlet", Dirichlet `alpha`).
        rounds, local_epochs, client_fraction, seed: the FedAvg schedule.
        batch_size, lr, momentum: local SGD; loss_fn: default softmax cross-entropy (mean).
        eval_data: (x, y) to report the global model's accuracy after every round.

    `run()` returns the history: one dict per round (round, clients, samples, accuracy,
    seconds); `global_net` holds the result.
    """

    def __init__(self, net_fn: Callable[[], Any], client_datasets: Any, rounds: int = 10, local_epochs: int = 1,
                 client_fraction: float = 1.0, seed: int = 0, split: str | None = None, alpha: float = 0.5,
                 num_clients: int | None = None, batch_size: int = 32, lr: float = 0.05, momentum: float = 0.0,
                 loss_fn: Any = None, eval_data: tuple | None = None) -> None:
        from .. import nn
        if split is not None:
            if not (isinstance(client_datasets, tuple) and len(client_datasets) == 2) or num_clients is None:
                raise ValueError("FedAvgSim: with split=..., pass client_datasets=(x, y) and num_clients")
            client_datasets = split_dataset(*client_datasets, num_clients, split, alpha, seed)
        self.clients = [(np.asarray(x), np.asarray(y)) for x, y in client_datasets]
        if not self.clients:
            raise ValueError("FedAvgSim: no clients")
        for k, (x, y) in enumerate(self.clients):
            if len(x) == 0 or len(x) != len(y):
                raise ValueError(f"FedAvgSim: client {k} has {len(x)} samples and {len(y)} labels; every client "
                                 "needs at least one sample with one label each")
        for name, v, low in (("rounds", rounds, 1), ("local_epochs", local_epochs, 1), ("batch_size", batch_size, 1)):
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ValueError(f"FedAvgSim: {name} must be an int >= {low}, got {v!r}")
        if not 0.0 < client_fraction <= 1.0:
            raise ValueError(f"FedAvgSim: client_fraction must be in (0, 1], got {client_fraction}")
        self.rounds, self.local_epochs, self.client_fraction = rounds, local_epochs, float(client_fraction)
        self.seed, self.batch_size, self.eval_data = int(seed), batch_size, eval_data
        self.global_net, self.client_net = net_fn(), net_fn()
        g_names = [(n, tuple(p.shape)) for n, p in self.global_net.parameters_and_names()]
        c_names = [(n, tuple(p.shape)) for n, p in self.client_net.parameters_and_names()]
        if [n for n, _ in g_names] != [n for n, _ in c_names]:
            raise ValueError(f"FedAvgSim: net_fn built networks with different parameter names: {g_names} vs {c_names}")
        if g_names != c_names:
            raise ValueError(f"FedAvgSim: net_fn built networks whose parameters have different shapes: "
                             f"{sorted(set(g_names) ^ set(c_names))}")
        _load(self.client_net, _params(self.global_net))
        loss_fn = loss_fn or nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean")
        self.optimizer = nn.SGD(self.client_net.trainable_params(), learning_rate=lr, momentum=momentum)
        self._opt_init = {n: p.asnumpy().copy() for n, p in self.optimizer.parameters_and_names()
                          if not any(p is q for q in self.client_net.get_parameters())}
        self.step = nn.TrainOneStepCell(nn.WithLossCell(self.client_net, loss_fn), self.optimizer)
        self.history: list[dict] = []

    def _reset_optimizer(self) -> None:
        for n, p in self.optimizer.parameters_and_names():
            if n in self._opt_init:
                p.set_data(Tensor(self._opt_init[n]))

    def local_train(self, k: int, rnd: int, start: dict) -> dict:
        """Client k's weights after its local epochs of round `rnd` from `start`."""
        x, y = self.clients[k]
        _load(self.client_net, start)
        self._reset_optimizer()
        self.step.set_train(True)
        for epoch in range(self.local_epochs):
            order = np.random.default_rng([self.seed, rnd, k, epoch]).permutation(len(x))
            for i in range(0, len(x), self.batch_size):
                b = order[i:i + self.batch_size]
                self.step(Tensor(x[b]), Tensor(y[b]))
        return _params(self.client_net)

    def select(self, rnd: int) -> list[int]:
        m = max(1, int(round(self.client_fraction * len(self.clients))))
        if m == len(self.clients):
            return list(range(m))
        return sorted(np.random.default_rng([self.seed, rnd]).choice(len(self.clients), m, replace=False).tolist())

    def evaluate(self) -> float | None:
        if self.eval_data is None:
            return None
        x, y = self.eval_data
        self.global_net.set_train(False)
        pred = self.global_net(Tensor(np.asarray(x))).asnumpy().argmax(-1)
        return float((pred == np.asarray(y)).mean())

    def run(self) -> list[dict]:
        for rnd in range(self.rounds):
            start = time.perf_counter()
            chosen = self.select(rnd)
            global_params = _params(self.global_net)
            results = [self.local_train(k, rnd, global_params) for k in chosen]
            counts = [len(self.clients[k][0]) for k in chosen]
            _load(self.global_net, average(results, counts))
            self.history.append({"round": rnd, "clients": chosen, "samples": int(sum(counts)),
                                 "accuracy": self.evaluate(), "seconds": time.perf_counter() - start})
        return self.history
