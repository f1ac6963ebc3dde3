"""numpy vs cupy parity (STYLE R13.5): every op of the table, and a compiled training step,
give the same numbers on the GPU backend. Skipped where cupy or a GPU is missing."""
from __future__ import annotations

import numpy as np
import pytest

import mindlite as ms
from mindlite import nn

from op_db import OP_DB
from test_ops import _samples, _to_ms

cupy = pytest.importorskip("cupy")
try:
    _HAS_GPU = cupy.cuda.runtime.getDeviceCount() > 0
except Exception:  # noqa: BLE001 - no driver
    _HAS_GPU = False
pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not _HAS_GPU, reason="no CUDA device")]


@pytest.fixture
def gpu():
    ms.set_context(device_target="GPU")
    yield
    ms.set_context(device_target="CPU")


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _flat(o)]
    return [out]


def _run(spec, sample):
    out = spec.fn(*_to_ms(sample))
    return [o.asnumpy() if isinstance(o, ms.Tensor) else np.asarray(o) for o in _flat(out)]


@pytest.mark.parametrize("spec", [s for s in OP_DB if s.check is None and s.ref is not None and not s.skip_reason],
                         ids=lambda s: s.name)
def test_op_parity(spec, gpu):
    for sample in _samples(spec):
        ms.set_context(device_target="CPU")
        want = _run(spec, sample)
        ms.set_context(device_target="GPU")
        got = _run(spec, sample)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-9, err_msg=spec.name)


def _train(target, mode):
    ms.set_context(device_target=target, mode=mode)
    try:
        ms.set_seed(0)
        net = nn.SequentialCell(nn.Conv2d(3, 8, 3, has_bias=True), nn.BatchNorm2d(8), nn.ReLU(),
                                nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(p=0.2), nn.Dense(8, 4))
        step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.CrossEntropyLoss()),
                                   nn.Momentum(net.trainable_params(), 0.1, 0.9))
        step.set_train()
        rng = np.random.default_rng(0)
        x = ms.Tensor(rng.standard_normal((4, 3, 8, 8)).astype(np.float32))
        y = ms.Tensor(np.array([0, 1, 2, 3], np.int32))
        return [float(step(x, y).asnumpy()) for _ in range(3)]
    finally:
        ms.set_context(device_target="CPU", mode=ms.PYNATIVE_MODE)


@pytest.mark.parametrize("mode", [ms.PYNATIVE_MODE, ms.GRAPH_MODE])
def test_training_step_parity(mode):
    np.testing.assert_allclose(_train("GPU", mode), _train("CPU", mode), rtol=1e-4)
