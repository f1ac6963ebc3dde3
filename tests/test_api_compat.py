"""MindSpore 2.x behaviours users rely on: torch-style reduction spellings on Tensor methods,
load_param_into_net's return convention, build_train_network's loss-scale combination."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops


@pytest.fixture(params=[ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=request.param)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


# ---- Tensor methods: dim= / keepdim= ------------------------------------------------------------
X = np.random.default_rng(1).standard_normal((3, 4, 5)).astype(np.float32)


def _run(fn, *args):
    """fn compiled with ms.jit in graph mode, called directly in pynative."""
    if ms.get_context("mode") == ms.GRAPH_MODE:
        return ms.jit(fn)(*args)
    return fn(*args)


@pytest.mark.parametrize("method, ref", [
    ("sum", lambda a, d, k: a.sum(d, keepdims=k)),
    ("mean", lambda a, d, k: a.mean(d, keepdims=k)),
    ("prod", lambda a, d, k: a.prod(d, keepdims=k)),
])
def test_reductions_accept_dim_and_keepdim(mode, method, ref):
    for dim, keep in [(1, True), ((0, 2), False), (-1, False)]:
        out = _run(lambda t: getattr(t, method)(dim=dim, keepdim=keep), ms.Tensor(X))
        np.testing.assert_allclose(out.asnumpy(), ref(X.astype(np.float64), dim, keep), rtol=1e-5, atol=1e-6)


def test_argmax_argmin_all_any_with_dim(mode):
    x = ms.Tensor(X)
    got = _run(lambda t: (t.argmax(dim=2, keepdim=True), t.argmin(dim=0), (t > 0).all(dim=1),
                          (t > 0).any(dim=1, keepdim=True)), x)
    np.testing.assert_array_equal(got[0].asnumpy(), X.argmax(2)[..., None])
    np.testing.assert_array_equal(got[1].asnumpy(), X.argmin(0))
    np.testing.assert_array_equal(got[2].asnumpy(), (X > 0).all(1))
    np.testing.assert_array_equal(got[3].asnumpy(), (X > 0).any(1, keepdims=True))


def test_max_min_with_dim_return_values_and_indices(mode):
    x = ms.Tensor(X)
    (vmax, imax), (vmin, imin) = _run(lambda t: (t.max(dim=1), t.min(dim=-1, keepdim=True)), x)
    np.testing.assert_array_equal(vmax.asnumpy(), X.max(1))
    np.testing.assert_array_equal(imax.asnumpy(), X.argmax(1))
    np.testing.assert_array_equal(vmin.asnumpy(), X.min(-1, keepdims=True))
    np.testing.assert_array_equal(imin.asnumpy(), X.argmin(-1)[..., None])
    assert imax.dtype == ms.int64 and imin.dtype == ms.int64
    # the numpy-style forms keep returning values only
    np.testing.assert_array_equal(_run(lambda t: t.max(1), x).asnumpy(), X.max(1))
    np.testing.assert_array_equal(_run(lambda t: t.max(), x).asnumpy(), X.max())


def test_max_where_and_initial_are_applied():
    x = ms.Tensor(np.array([[1.0, 5.0, 3.0], [7.0, 2.0, 0.5]], np.float32))
    mask = ms.Tensor(np.array([True, False, True]))
    np.testing.assert_array_equal(x.max(axis=1, where=mask, initial=-10.0).asnumpy(), [3.0, 7.0])
    np.testing.assert_array_equal(x.min(axis=1, where=mask, initial=10.0).asnumpy(), [1.0, 0.5])
    with pytest.raises(ValueError, match="initial"):
        x.max(axis=1, where=mask)


def test_var_std_overloads(mode):
    x = ms.Tensor(X)
    got = _run(lambda t: (t.var(dim=1), t.var(1), t.std(dim=(0, 2), correction=0, keepdim=True), t.std()), x)
    a = X.astype(np.float64)
    np.testing.assert_allclose(got[0].asnumpy(), a.var(1, ddof=1), rtol=1e-5)  # the dim form is unbiased
    np.testing.assert_allclose(got[1].asnumpy(), a.var(1), rtol=1e-5)          # the axis form is biased
    np.testing.assert_allclose(got[2].asnumpy(), a.std((0, 2), keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(got[3].asnumpy(), a.std(), rtol=1e-5)


def test_cumsum_logsumexp_mean_dtype_with_dim():
    x = ms.Tensor(X)
    np.testing.assert_allclose(x.cumsum(dim=1).asnumpy(), X.cumsum(1), rtol=1e-5, atol=1e-6)
    ref = np.log(np.exp(X.astype(np.float64)).sum(2, keepdims=True))
    np.testing.assert_allclose(x.logsumexp(dim=2, keepdim=True).asnumpy(), ref, rtol=1e-5)
    assert ms.Tensor([1, 2], ms.int32).mean(dim=0, dtype=ms.float64).dtype == ms.float64


def test_both_spellings_of_one_argument_raise():
    x = ms.Tensor(X)
    with pytest.raises(TypeError, match="'axis' and 'dim'"):
        x.sum(axis=0, dim=1)
    with pytest.raises(TypeError, match="'keepdims' and 'keepdim'"):
        x.argmax(keepdims=True, keepdim=True, dim=0)
    with pytest.raises(TypeError, match="return_indices"):
        x.max(dim=0, return_indices=True)


# ---- load_param_into_net ------------------------------------------------------------------------
class _Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc = nn.Dense(3, 2)

    def construct(self, x):
        return self.fc(x)


class _Wrapper(nn.Cell):
    def __init__(self, net):
        super().__init__()
        self.network = net  # auto_prefix: the inner parameters are named "network.fc.*"


def test_load_param_into_net_returns_full_names_of_parameters_not_loaded():
    net = _Net()
    _Wrapper(net)
    assert [p.name for p in net.get_parameters()] == ["network.fc.weight", "network.fc.bias"]
    ckpt = {"network.fc.weight": ms.Tensor(np.ones((2, 3), np.float32)),
            "extra.step": ms.Tensor(np.int32(3))}
    param_not_load, ckpt_not_load = ms.load_param_into_net(net, ckpt)
    assert param_not_load == ["network.fc.bias"]  # the full name, not the path below net ("fc.bias")
    assert ckpt_not_load == ["extra.step"]
    np.testing.assert_array_equal(net.fc.weight.asnumpy(), np.ones((2, 3)))


def test_load_param_into_net_filtered_checkpoint(tmp_path):
    net = _Net()
    path = str(tmp_path / "net.ckpt")
    ms.save_checkpoint(net, path)
    loaded = ms.load_checkpoint(path, filter_prefix="fc.bias")
    assert ms.load_param_into_net(_Net(), loaded) == (["fc.bias"], [])
