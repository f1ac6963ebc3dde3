import numpy as np
import pytest

import mindlite as ms

from .nets import CNN, digits as _digits, evaluate, train


@pytest.fixture(params=["pynative", "graph"])
def mode(request):
    """Run the test in PYNATIVE_MODE and in GRAPH_MODE."""
    ms.set_context(mode=ms.GRAPH_MODE if request.param == "graph" else ms.PYNATIVE_MODE)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


@pytest.fixture(scope="session")
def digits():
    pytest.importorskip("sklearn", reason="the digits data set comes with scikit-learn (test extra)")
    return _digits()


@pytest.fixture(scope="session")
def trained_cnn(digits):
    """The digits CNN trained 3 epochs (compiled, a few seconds); tests must not change it."""
    xtr, ytr, xte, yte = digits
    ms.set_seed(0)
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        net = train(CNN(), xtr, ytr, epochs=3)
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    acc = evaluate(net, xte, yte)
    assert acc > 0.9, f"the shared digits CNN trained to only {acc:.3f}"
    return net, acc


@pytest.fixture
def tmp_file(tmp_path):
    return lambda name: str(tmp_path / name)
