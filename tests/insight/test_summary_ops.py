"""ops.ScalarSummary / HistogramSummary / ImageSummary / TensorSummary inside construct, in
PYNATIVE and GRAPH_MODE (the values leave the compiled step through the summary primitive),
inside a differentiated training step, and their bad input."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops

from . import reference as ref


@pytest.fixture(params=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=ms.GRAPH_MODE if request.param == "graph" else ms.PYNATIVE_MODE)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


class Probe(nn.Cell):
    def __init__(self):
        super().__init__()
        self.scalar, self.hist = ops.ScalarSummary(), ops.HistogramSummary()
        self.image, self.tensor = ops.ImageSummary(), ops.TensorSummary()

    def construct(self, x, img):
        y = x * 2.0 + 1.0
        self.scalar("y_mean", y.mean())
        self.hist("y", y)
        self.image("img", img)
        self.tensor("y_tensor", y)
        return y.sum()


def _by_tag(run_dir):
    out = {}
    for e in ref.run_events(run_dir, "_MS"):
        out.setdefault(e["tag"], []).append(e)
    return out


def test_summary_ops_in_both_modes(tmp_path, mode):
    rng = np.random.default_rng(1)
    net = Probe()
    xs = [rng.normal(size=(6, 5)).astype(np.float32) for _ in range(3)]
    img = rng.random((1, 1, 4, 3)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # each step records each tag once
        with ms.SummaryRecord(str(tmp_path)) as rec:
            for step, x in enumerate(xs, 1):
                net(ms.Tensor(x), ms.Tensor(img))
                rec.record(step)
    got = _by_tag(str(tmp_path))
    assert sorted(got) == ["img", "y", "y_mean", "y_tensor"]
    for step, x in enumerate(xs, 1):
        y = x.astype(np.float64) * 2 + 1
        e = got["y_mean"][step - 1]
        assert e["step"] == step and e["value"] == pytest.approx(y.mean(), rel=1e-6)
        h = got["y"][step - 1]["value"]
        counts, _ = np.histogram(y, bins=len(h["counts"]), range=(h["min"], h["max"]))
        assert h["counts"] == counts.tolist() and h["min"] == pytest.approx(y.min(), rel=1e-6)
        t = got["y_tensor"][step - 1]["value"]
        assert t["shape"] == [6, 5] and t["dtype"] == "float32"
    pixels = ref.png_pixels(got["img"][0]["value"])
    assert np.array_equal(pixels, np.rint(img[0, 0].astype(np.float64) * 255).astype(np.uint8))


def test_summary_op_inside_a_training_step(tmp_path, mode):
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.fc = nn.Dense(3, 2)
            self.summary = ops.ScalarSummary()

        def construct(self, x):
            out = self.fc(x)
            self.summary("out_max", out.max())
            return out
    net = Net()
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params(), 0.1))
    x = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
    y = np.ones((4, 2), np.float32)
    expect = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the forward runs once per step: one value per step
        with ms.SummaryRecord(str(tmp_path)) as rec:
            for k in range(1, 4):
                w, b = net.fc.weight.asnumpy().astype(np.float64), net.fc.bias.asnumpy().astype(np.float64)
                expect.append((x @ w.T + b).max())
                step(ms.Tensor(x), ms.Tensor(y))
                rec.record(k)
    values = [e["value"] for e in _by_tag(str(tmp_path))["out_max"]]
    assert values == pytest.approx(expect, rel=1e-5)


def test_values_are_dropped_without_an_open_record(tmp_path, mode):
    net = Probe()
    net(ms.Tensor(np.ones((2, 2), np.float32)), ms.Tensor(np.zeros((1, 3, 2, 2), np.float32)))
    with ms.SummaryRecord(str(tmp_path)) as rec:
        rec.record(1)
    assert ref.run_events(str(tmp_path), "_MS") == []


def test_summary_op_bad_input():
    x = ms.Tensor(np.ones((2, 2), np.float32))
    with pytest.raises(ValueError, match="ScalarSummary: value must be a scalar"):
        ops.ScalarSummary()("s", x)
    with pytest.raises(TypeError, match="ScalarSummary: value must be a Tensor"):
        ops.ScalarSummary()("s", 1.0)
    with pytest.raises(ValueError, match="ScalarSummary: name must be a non-empty str"):
        ops.ScalarSummary()("", ms.Tensor(1.0))
    with pytest.raises(ValueError, match="ImageSummary: value must be a 4-D NCHW"):
        ops.ImageSummary()("i", x)
    with pytest.raises(ValueError, match="HistogramSummary: value must have rank >= 1"):
        ops.HistogramSummary()("h", ms.Tensor(1.0))
