import pytest

import mindlite as ms


@pytest.fixture(params=["pynative", "graph"])
def mode(request):
    """Run a test in PYNATIVE_MODE and in GRAPH_MODE."""
    ms.set_context(mode=ms.GRAPH_MODE if request.param == "graph" else ms.PYNATIVE_MODE)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


@pytest.fixture(autouse=True)
def _clean_parallel_context():
    ms.reset_auto_parallel_context()
    yield
    ms.reset_auto_parallel_context()
    from mindlite.communication import release
    release()
