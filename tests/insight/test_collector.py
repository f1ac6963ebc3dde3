"""SummaryCollector on a 2-epoch MLP in both modes: steps, tags, parameter histograms against
numpy.histogram of the trained weights, the graph with cell scopes, one lineage row."""
from __future__ import annotations

import numpy as np
import pytest

import mindlite as ms
from mindlite import insight, nn

from . import reference as ref


@pytest.fixture(params=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=ms.GRAPH_MODE if request.param == "graph" else ms.PYNATIVE_MODE)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


class MLP(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc1, self.relu, self.fc2 = nn.Dense(4, 8), nn.ReLU(), nn.Dense(8, 2)

    def construct(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def _dataset():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 4)).astype(np.float32)
    y = rng.normal(size=(24, 2)).astype(np.float32)
    return ms.dataset.NumpySlicesDataset((x, y), ["x", "y"], shuffle=False).batch(4)


def test_collector_two_epochs(tmp_path, mode):
    net = MLP()
    opt = nn.Momentum(net.trainable_params(), 0.05, 0.9)
    model = ms.train.Model(net, nn.MSELoss(), opt)
    collector = ms.SummaryCollector(str(tmp_path), collect_freq=4, custom_lineage_data={"owner": "tests"})
    model.train(2, _dataset(), callbacks=[collector])  # 6 steps per epoch: 12 steps
    evs = ref.run_events(str(tmp_path), "_MS")
    by = {}
    for e in evs:
        by.setdefault((e["plugin"], e["tag"]), []).append(e)
    want_steps = [1, 4, 8, 12]
    assert [e["step"] for e in by[("scalar", "loss/auto")]] == want_steps
    assert [e["step"] for e in by[("scalar", "learning_rate/auto")]] == want_steps
    assert all(e["value"] == pytest.approx(0.05) for e in by[("scalar", "learning_rate/auto")])
    hist_tags = sorted(t for p, t in by if p == "histogram")
    assert hist_tags == ["fc1.bias/auto", "fc1.weight/auto", "fc2.bias/auto", "fc2.weight/auto"]
    final = by[("histogram", "fc1.weight/auto")][-1]
    assert final["step"] == 12
    w = net.fc1.weight.asnumpy().astype(np.float64)
    counts, edges = np.histogram(w, bins=len(final["value"]["counts"]), range=(w.min(), w.max()))
    assert final["value"]["counts"] == counts.tolist() and np.allclose(final["value"]["edges"], edges)
    graph = by[("graph", "train_network")][0]["value"]
    ids = [n["id"] for n in graph["nodes"]]
    assert "Default/network-WithLossCell/_backbone-MLP/fc1-Dense/matmul-op0" in ids
    assert any(i.startswith("Gradients/Default/network-WithLossCell/_backbone-MLP/fc2-Dense/") for i in ids)
    assert "Parameter/fc1.weight" in ids
    lineage = ref.run_events(str(tmp_path), "_lineage")
    assert sorted(e["plugin"] for e in lineage) == ["custom_lineage_data", "dataset_graph", "train_lineage"]
    run = insight.load_run(str(tmp_path))
    row = run.lineage_row()
    assert row["learning_rate"] == pytest.approx(0.05) and row["optimizer"] == "Momentum"
    assert row["loss_function"] == "MSELoss" and row["epoch"] == 2 and row["batch_size"] == 4
    assert row["custom/owner"] == "tests" and row["model/steps"] == 12
    assert row["train/loss"] == pytest.approx(by[("scalar", "loss/auto")][-1]["value"], rel=1e-6)


def test_collector_specified_data(tmp_path, mode):
    net = MLP()
    model = ms.train.Model(net, nn.MSELoss(), nn.SGD(net.trainable_params(), 0.1))
    collector = ms.SummaryCollector(str(tmp_path), collect_freq=100, keep_default_action=False,
                                    collect_specified_data={"collect_metric": True, "histogram_regular": "^fc2"})
    model.train(1, _dataset(), callbacks=[collector])
    tags = sorted({(e["plugin"], e["tag"]) for e in ref.run_events(str(tmp_path))})
    assert tags == [("histogram", "fc2.bias/auto"), ("histogram", "fc2.weight/auto"), ("scalar", "learning_rate/auto"),
                    ("scalar", "loss/auto")]
