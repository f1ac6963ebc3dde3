"""Layers the model zoo uses: recurrent layers (nn.LSTM/GRU/RNN and their cells) against a numpy
loop reference, 3-d and transposed convolutions against the scatter/gather references of the op
table, each in PYNATIVE and GRAPH_MODE, with float64 gradients by central differences."""
from __future__ import annotations

import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops

from op_db_zoo import _np_conv3d, _np_conv3d_transpose
from util import numeric_grad_check


@pytest.fixture(params=[ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=request.param)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def _sig(x):
    return 1 / (1 + np.exp(-x))


# ---- numpy reference for the recurrent layers ------------------------------------------------------
def np_step(mode, x, state, w_ih, w_hh, b_ih, b_hh):
    gi = x @ w_ih.T + (0 if b_ih is None else b_ih)
    h = state[0] if mode == "LSTM" else state
    gh = h @ w_hh.T + (0 if b_hh is None else b_hh)
    if mode == "LSTM":
        i, f, g, o = np.split(gi + gh, 4, -1)
        c = _sig(f) * state[1] + _sig(i) * np.tanh(g)
        return _sig(o) * np.tanh(c), c
    if mode == "GRU":
        xr, xz, xn = np.split(gi, 3, -1)
        hr, hz, hn = np.split(gh, 3, -1)
        r, z = _sig(xr + hr), _sig(xz + hz)
        n = np.tanh(xn + r * hn)
        return (1 - z) * n + z * h
    return np.tanh(gi + gh) if mode == "RNN_TANH" else np.maximum(gi + gh, 0)


def np_rnn(mode, net, x, hx=None, seq_length=None):
    """Per sequence, per layer, per direction: a plain loop over the valid steps."""
    p = {q.name: q.asnumpy().astype(np.float64) for q in net.get_parameters()}
    if net.batch_first:
        x = x.transpose(1, 0, 2)
    t_len, batch, _ = x.shape
    nd, nl, hs = net.num_directions, net.num_layers, net.hidden_size
    lengths = [t_len] * batch if seq_length is None else list(seq_length)
    out = np.zeros((t_len, batch, nd * hs))
    h_n = np.zeros((nl * nd, batch, hs))
    c_n = np.zeros((nl * nd, batch, hs))
    for b in range(batch):
        inp = x[:lengths[b], b]
        for layer in range(nl):
            outs = []
            for d in range(nd):
                k = layer * nd + d
                sfx = "_reverse" if d else ""
                names = [f"weight_ih_l{layer}{sfx}", f"weight_hh_l{layer}{sfx}", f"bias_ih_l{layer}{sfx}",
                         f"bias_hh_l{layer}{sfx}"]
                w_ih, w_hh, b_ih, b_hh = (p.get(n) for n in names)
                if hx is None:
                    state = (np.zeros(hs), np.zeros(hs)) if mode == "LSTM" else np.zeros(hs)
                else:
                    state = (hx[0][k, b], hx[1][k, b]) if mode == "LSTM" else hx[k, b]
                seq = inp[::-1] if d else inp
                ys = []
                for xt in seq:
                    state = np_step(mode, xt, state, w_ih, w_hh, b_ih, b_hh)
                    ys.append(state[0] if mode == "LSTM" else state)
                ys = np.array(ys).reshape(len(seq), hs)
                outs.append(ys[::-1] if d else ys)
                h_n[k, b] = state[0] if mode == "LSTM" else state
                if mode == "LSTM":
                    c_n[k, b] = state[1]
            inp = np.concatenate(outs, -1)
        out[:lengths[b], b] = inp
    if net.batch_first:
        out = out.transpose(1, 0, 2)
    return (out, (h_n, c_n)) if mode == "LSTM" else (out, h_n)


RNN_CONFIGS = [
    ("LSTM", dict(num_layers=1)),
    ("LSTM", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("GRU", dict(num_layers=2)),
    ("GRU", dict(bidirectional=True, has_bias=False)),
    ("RNN_TANH", dict(num_layers=2, bidirectional=True)),
    ("RNN_RELU", dict(batch_first=True)),
]


def _make(mode_name, cfg, dtype=ms.float32):
    cls = {"LSTM": nn.LSTM, "GRU": nn.GRU}.get(mode_name)
    if cls is None:
        return nn.RNN(3, 4, nonlinearity="tanh" if mode_name == "RNN_TANH" else "relu", dtype=dtype, **cfg)
    return cls(3, 4, dtype=dtype, **cfg)


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [v for o in out for v in _flat(o)]
    return [out]


@pytest.mark.parametrize("cfg", RNN_CONFIGS, ids=[f"{m}-{i}" for i, (m, _) in enumerate(RNN_CONFIGS)])
@pytest.mark.parametrize("with_lengths", [False, True], ids=["full", "seq_length"])
def test_recurrent_layers_match_numpy(mode, cfg, with_lengths):
    mode_name, kw = cfg
    ms.set_seed(1)
    net = _make(mode_name, kw)
    rng = np.random.default_rng(2)
    shape = (3, 5, 3) if kw.get("batch_first") else (5, 3, 3)
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    k = net.num_layers * net.num_directions
    h0 = rng.uniform(-1, 1, (k, 3, 4)).astype(np.float32)
    hx = (h0, rng.uniform(-1, 1, (k, 3, 4)).astype(np.float32)) if mode_name == "LSTM" else h0
    lengths = np.array([5, 2, 4], np.int32) if with_lengths else None
    ms_hx = tuple(ms.Tensor(h) for h in hx) if mode_name == "LSTM" else ms.Tensor(hx)
    got = net(ms.Tensor(x), ms_hx, None if lengths is None else ms.Tensor(lengths))
    want = np_rnn(mode_name, net, x.astype(np.float64), hx, lengths)
    for g, w in zip(_flat(got), _flat(want)):
        np.testing.assert_allclose(g.asnumpy(), w, rtol=2e-5, atol=2e-6)


def test_recurrent_defaults_shapes_and_parameters():
    net = nn.LSTM(10, 16, num_layers=2, bidirectional=True)
    names = [p.name for p in net.get_parameters()]
    assert names[:4] == ["weight_ih_l0", "weight_ih_l0_reverse", "weight_ih_l1", "weight_ih_l1_reverse"]
    shapes = {p.name: p.shape for p in net.get_parameters()}
    assert shapes["weight_ih_l0"] == (64, 10) and shapes["weight_ih_l1"] == (64, 32)
    assert shapes["weight_hh_l1_reverse"] == (64, 16) and shapes["bias_ih_l0"] == (64,)
    bound = 1 / np.sqrt(16)
    assert all(np.abs(p.asnumpy()).max() <= bound for p in net.get_parameters())
    out, (h, c) = net(ms.Tensor(np.zeros((7, 2, 10), np.float32)))
    assert out.shape == (7, 2, 32) and h.shape == c.shape == (4, 2, 16)
    gru = nn.GRU(5, 6, has_bias=False)
    assert [p.name for p in gru.get_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    assert gru.w_ih_list[0].shape == (18, 5)


def test_recurrent_errors():
    with pytest.raises(ValueError, match="input_size 3"):
        nn.LSTM(3, 4)(ms.Tensor(np.zeros((2, 1, 5), np.float32)))
    with pytest.raises(ValueError, match=r"initial state must have shape \[1, 1, 4\]"):
        nn.GRU(3, 4)(ms.Tensor(np.zeros((2, 1, 3), np.float32)), ms.Tensor(np.zeros((2, 1, 4), np.float32)))
    with pytest.raises(TypeError, match="hx must be a tuple"):
        nn.LSTM(3, 4)(ms.Tensor(np.zeros((2, 1, 3), np.float32)), ms.Tensor(np.zeros((1, 1, 4), np.float32)))
    with pytest.raises(ValueError, match="dropout"):
        nn.LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")


@pytest.mark.parametrize("cell_name", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cells_match_numpy(mode, cell_name):
    ms.set_seed(4)
    cell = getattr(nn, cell_name)(3, 4)
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (2, 3)).astype(np.float32)
    h = rng.uniform(-1, 1, (2, 4)).astype(np.float32)
    c = rng.uniform(-1, 1, (2, 4)).astype(np.float32)
    p = {q.name: q.asnumpy().astype(np.float64) for q in cell.get_parameters()}
    m = {"LSTMCell": "LSTM", "GRUCell": "GRU", "RNNCell": "RNN_TANH"}[cell_name]
    state = (h, c) if m == "LSTM" else h
    want = np_step(m, x.astype(np.float64), state, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    got = cell(ms.Tensor(x), tuple(ms.Tensor(s) for s in state) if m == "LSTM" else ms.Tensor(h))
    for g, w in zip(_flat(got), _flat(want)):
        np.testing.assert_allclose(g.asnumpy(), w, rtol=2e-5, atol=2e-6)


def check_weight_grads(fn, params, args, eps=1e-6, rtol=1e-5, seed=0):
    """ms.grad of sum(fn(*args) * W) w.r.t. `params` (and args) against central differences along
    one random direction per parameter (float64 parameters)."""
    rng = np.random.default_rng(seed)
    tensors = [ms.Tensor(a) for a in args]
    w_out = rng.standard_normal(fn(*tensors).shape)

    def loss(*a):
        return ops.sum(fn(*a) * ms.Tensor(w_out))
    numeric_grad_check(fn, list(args))
    grads = ms.grad(loss, grad_position=None, weights=params)(*tensors)
    for p, g in zip(params, grads):
        base = p.asnumpy().copy()
        d = rng.standard_normal(base.shape)
        vals = []
        for sign in (1, -1):
            p.set_data(ms.Tensor(base + sign * eps * d))
            vals.append(float(loss(*tensors).asnumpy()))
        p.set_data(ms.Tensor(base))
        numeric = (vals[0] - vals[1]) / (2 * eps)
        analytic = float(np.sum(g.asnumpy() * d))
        assert abs(numeric - analytic) / max(1.0, abs(numeric)) < rtol, f"{p.name}: {analytic} vs {numeric}"


@pytest.mark.parametrize("cfg", [("LSTM", dict(bidirectional=True)), ("GRU", dict(num_layers=2)),
                                 ("RNN_TANH", dict())], ids=["lstm", "gru", "rnn"])
def test_recurrent_gradients_by_central_differences(cfg):
    mode_name, kw = cfg
    ms.set_seed(7)
    net = _make(mode_name, kw, dtype=ms.float64)
    lengths = ms.Tensor(np.array([4, 2], np.int32))
    x = np.random.default_rng(8).uniform(-1, 1, (4, 2, 3))
    check_weight_grads(lambda x: _flat(net(x, None, lengths))[0], list(net.get_parameters()), [x])


def test_recurrent_training_matches_between_modes():
    """A few SGD steps of an LSTM classifier give the same losses in both modes."""
    def run(graph):
        ms.set_context(mode=ms.GRAPH_MODE if graph else ms.PYNATIVE_MODE)
        try:
            ms.set_seed(11)
            lstm, head = nn.LSTM(3, 5, batch_first=True), nn.Dense(5, 2)

            class Net(nn.Cell):
                def __init__(self):
                    super().__init__()
                    self.lstm, self.head = lstm, head

                def construct(self, x):
                    out, (h, _) = self.lstm(x)
                    return self.head(h[0])
            net = nn.WithLossCell(Net(), nn.SoftmaxCrossEntropyWithLogits(sparse=True, reduction="mean"))
            step = nn.TrainOneStepCell(net, nn.SGD(net.trainable_params(), 0.5))
            rng = np.random.default_rng(0)
            x = ms.Tensor(rng.uniform(-1, 1, (4, 6, 3)).astype(np.float32))
            y = ms.Tensor(np.array([0, 1, 1, 0], np.int32))
            return [float(step(x, y)) for _ in range(4)]
        finally:
            ms.set_context(mode=ms.PYNATIVE_MODE)
    eager, graph = run(False), run(True)
    np.testing.assert_allclose(graph, eager, rtol=1e-5)
    assert eager[-1] < eager[0]


# ---- convolution layers -------------------------------------------------------------------------------
def test_conv3d_layer(mode):
    ms.set_seed(3)
    net = nn.Conv3d(2, 4, (3, 2, 3), stride=(1, 2, 1), pad_mode="pad", padding=(1, 0, 1, 1, 0, 2), has_bias=True)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 2, 4, 5, 4)).astype(np.float32)
    want = _np_conv3d(x.astype(np.float64), net.weight.asnumpy().astype(np.float64),
                      net.bias.asnumpy().astype(np.float64), (1, 2, 1), "pad", (1, 0, 1, 1, 0, 2), 1, 1)
    np.testing.assert_allclose(net(ms.Tensor(x)).asnumpy(), want, rtol=1e-5, atol=1e-5)
    same = nn.Conv3d(2, 6, 3, stride=2, group=2)(ms.Tensor(x))
    assert same.shape == (2, 6, 2, 3, 2)            # pad_mode 'same': ceil(in / stride)
    assert nn.Conv3d(2, 4, 3, pad_mode="valid")(ms.Tensor(x)).shape == (2, 4, 2, 3, 2)


def test_conv3d_transpose_layer(mode):
    ms.set_seed(3)
    net = nn.Conv3dTranspose(4, 2, (2, 3, 3), stride=(2, 1, 2), pad_mode="pad", padding=1, output_padding=(1, 0, 1),
                             has_bias=True)
    x = np.random.default_rng(1).uniform(-1, 1, (1, 4, 3, 3, 2)).astype(np.float32)
    want = _np_conv3d_transpose(x.astype(np.float64), net.weight.asnumpy().astype(np.float64), "pad", 1, (2, 1, 2),
                                1, 1, (1, 0, 1)) + net.bias.asnumpy().reshape(1, -1, 1, 1, 1)
    np.testing.assert_allclose(net(ms.Tensor(x)).asnumpy(), want, rtol=1e-5, atol=1e-5)
    assert nn.Conv3dTranspose(4, 2, 3, stride=2)(ms.Tensor(x)).shape == (1, 2, 6, 6, 4)   # 'same': in * stride


def test_conv1d_transpose_layer(mode):
    ms.set_seed(3)
    net = nn.Conv1dTranspose(3, 2, 3, stride=2, pad_mode="pad", padding=1, has_bias=True)
    assert net.weight.shape == (3, 2, 1, 3)
    x = np.random.default_rng(2).uniform(-1, 1, (2, 3, 5)).astype(np.float32)
    w = net.weight.asnumpy()[:, :, 0].astype(np.float64)
    full = np.zeros((2, 2, (5 - 1) * 2 + 3))
    for i in range(5):
        for k in range(3):
            full[:, :, i * 2 + k] += x[:, :, i].astype(np.float64) @ w[:, :, k]
    want = full[:, :, 1:-1] + net.bias.asnumpy().reshape(1, -1, 1)
    np.testing.assert_allclose(net(ms.Tensor(x)).asnumpy(), want, rtol=1e-5, atol=1e-5)


def test_conv3d_layer_gradients():
    ms.set_seed(5)
    net = nn.Conv3d(2, 3, 2, stride=(2, 1, 1), pad_mode="same", has_bias=True, dtype=ms.float64)
    x = np.random.default_rng(3).uniform(-1, 1, (1, 2, 3, 4, 3))
    check_weight_grads(net, list(net.get_parameters()), [x])
    tnet = nn.Conv3dTranspose(2, 3, 2, stride=2, has_bias=True, dtype=ms.float64)
    check_weight_grads(tnet, list(tnet.get_parameters()), [x])


def test_conv3d_errors():
    with pytest.raises(TypeError, match="padding"):
        nn.Conv3d(2, 4, 3, pad_mode="pad", padding=(1, 1))
    with pytest.raises(ValueError, match="padding must be 0 unless pad_mode='pad'"):
        nn.Conv3d(2, 4, 3, padding=1)
    with pytest.raises(ValueError, match="expected a 5-d input with 2 channels"):
        nn.Conv3d(2, 4, 3)(ms.Tensor(np.zeros((1, 3, 4, 4, 4), np.float32)))
    with pytest.raises(ValueError, match="output_padding"):
        ops.conv3d_transpose(ms.Tensor(np.zeros((1, 2, 2, 2, 2))), ms.Tensor(np.zeros((2, 1, 2, 2, 2))),
                             output_padding=1)
