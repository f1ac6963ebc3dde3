"""Watchpoints: an injected NaN is found at the right node in both modes, halt=True stops at
the first hit before the step's updates are kept, a clean run has no hits, and the other
conditions (too large, all zero, gradients, weights not changed)."""
from __future__ import annotations

import numpy as np
import pytest

import mindlite as ms
from mindlite import insight, nn, ops

from . import reference as ref

NAN_NODE = "Default/network-WithLossCell/_backbone-Net/log-op0"


@pytest.fixture(params=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=ms.GRAPH_MODE if request.param == "graph" else ms.PYNATIVE_MODE)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


class Net(nn.Cell):
    """log(fc(x) + shift): NaN where fc(x) + shift < 0."""

    def __init__(self, shift):
        super().__init__()
        self.fc = nn.Dense(3, 2)
        self.shift = shift

    def construct(self, x):
        return ops.log(self.fc(x) + self.shift)


def _train_step(shift):
    net = Net(shift)
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params(), 0.01))
    return net, step


X = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]], np.float32)
Y = np.zeros((2, 2), np.float32)


def _run(step, dbg, steps=2):
    with dbg:
        for k in range(1, steps + 1):
            dbg.set_step(k)
            step(ms.Tensor(X), ms.Tensor(Y))
            dbg.end_step(k)


def test_nan_is_found_at_its_node(tmp_path, mode):
    net, step = _train_step(shift=-100.0)  # every log input is negative: NaN from the log on
    with ms.SummaryRecord(str(tmp_path)) as rec:
        dbg = insight.Debugger([insight.Watchpoint("tensor_overflow")], summary_record=rec)
        _run(step, dbg)
    first = dbg.hits[0]
    assert (first["node"], first["op"], first["step"]) == (NAN_NODE, "log", 1)
    assert first["scope"] == "Default/network-WithLossCell/_backbone-Net"
    assert first["stats"]["nan"] == 4 and first["stats"]["size"] == 4
    assert {h["step"] for h in dbg.hits} == {1, 2}
    written = [e for e in ref.run_events(str(tmp_path), "_MS") if e["plugin"] == "watchpoint_hit"]
    assert [e["tag"] for e in written] == [h["node"] for h in dbg.hits]
    grads = [h for h in dbg.hits if h["node"].startswith("Gradients/")]
    assert grads, "the NaN flows into the gradients too"


def test_halt_stops_at_the_first_hit(mode):
    net, step = _train_step(shift=-100.0)
    before = net.fc.weight.asnumpy().copy()
    dbg = insight.Debugger([insight.Watchpoint("tensor_overflow", halt=True)])
    with pytest.raises(insight.WatchpointHit, match=f"tensor_overflow hit at node {NAN_NODE} "):
        _run(step, dbg)
    assert len(dbg.hits) == 1 and dbg.hits[0]["node"] == NAN_NODE
    assert np.array_equal(net.fc.weight.asnumpy(), before)  # the step's update was not kept


def test_clean_run_has_no_hits(mode):
    _, step = _train_step(shift=100.0)
    dbg = insight.Debugger([insight.Watchpoint("tensor_overflow"), insight.Watchpoint("gradient_exploding")])
    _run(step, dbg)
    assert dbg.hits == []


def test_other_conditions(mode):
    net, step = _train_step(shift=100.0)
    wps = [insight.Watchpoint("tensor_too_large", targets="*/log-op*", max_gt=4.0),
           insight.Watchpoint("tensor_all_zero", targets="*/_backbone-Net/fc-Dense/*"),
           insight.Watchpoint("gradient_vanishing", abs_mean_lt=1e30, targets="*/fc-Dense/*"),
           insight.Watchpoint("weight_not_changed", targets="fc.bias", rtol=0.0, atol=1e-5)]
    net.fc.weight.set_data(ms.Tensor(np.zeros((2, 3), np.float32)))
    net.fc.bias.set_data(ms.Tensor(np.zeros(2, np.float32)))
    dbg = insight.Debugger(wps, network=step)
    _run(step, dbg, steps=1)
    by = {}
    for h in dbg.hits:
        by.setdefault(h["condition"], []).append(h["node"])
    assert by["tensor_too_large"] == [NAN_NODE]  # log(100) = 4.6 > 4
    assert "Default/network-WithLossCell/_backbone-Net/fc-Dense/matmul-op0" in by["tensor_all_zero"]
    assert all(n.startswith("Gradients/") for n in by["gradient_vanishing"])
    # the bias moves by lr * sum_batch(2 * log(100) / 4 / 100) ~ 4.6e-4 > atol: it changed
    assert "weight_not_changed" not in by


def test_weight_not_changed(mode):
    net = Net(100.0)
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params(), 0.0))
    dbg = insight.Debugger([insight.Watchpoint("weight_not_changed", targets="fc.*")], network=step)
    _run(step, dbg, steps=1)
    assert sorted(h["node"] for h in dbg.hits) == ["Parameter/fc.bias", "Parameter/fc.weight"]


def test_watchpoint_bad_input():
    with pytest.raises(ValueError, match="unknown condition 'nan'"):
        insight.Watchpoint("nan")
    with pytest.raises(ValueError, match="needs at least one of"):
        insight.Watchpoint("tensor_too_large")
    with pytest.raises(ValueError, match="unknown parameters"):
        insight.Watchpoint("tensor_overflow", max_gt=1.0)
    with pytest.raises(TypeError, match="Watchpoint objects"):
        insight.Debugger(["tensor_overflow"])
