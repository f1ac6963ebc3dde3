"""nn.Cell and layers against numpy references."""
import math

import numpy as np
import pytest

import mindlite as ms
from mindlite import Parameter, Tensor, nn, ops

RNG = np.random.default_rng(0)


def np_(t):
    return t.asnumpy()


# ---- Cell ---------------------------------------------------------------------------------
class Block(nn.Cell):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(4, 4, 3)
        self.bn1 = nn.BatchNorm2d(4)

    def construct(self, x):
        return ops.relu(self.bn1(self.conv1(x)))


class Net(nn.Cell):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.SequentialCell([Block(), Block()])
        self.head = nn.Dense(4, 2)
        self.scale = Parameter(Tensor(np.float32(1.0)), name="scale", requires_grad=False)

    def construct(self, x):
        y = self.layer1(x)
        return self.head(ops.mean(y, (2, 3))) * self.scale


def test_hierarchical_parameter_names():
    net = Net()
    names = [n for n, _ in net.parameters_and_names()]
    assert names[:6] == ["scale", "layer1.0.conv1.weight", "layer1.0.bn1.gamma", "layer1.0.bn1.beta",
                         "layer1.0.bn1.moving_mean", "layer1.0.bn1.moving_variance"]
    assert "head.weight" in names and "layer1.1.conv1.weight" in names
    assert all(p.name == n for n, p in net.parameters_and_names())
    trainable = [p.name for p in net.trainable_params()]
    assert "scale" not in trainable and "layer1.0.bn1.moving_mean" not in trainable
    assert len(list(net.get_parameters())) == len(names)
    assert set(net.parameters_dict()) == set(names)
    assert [n for n, _ in net.cells_and_names()][:4] == ["", "layer1", "layer1.0", "layer1.0.conv1"]
    assert list(net.name_cells()) == ["layer1", "head"]
    net.update_parameters_name("model.")
    assert net.head.weight.name == "model.head.weight"


def test_set_train_recurses_and_repr_prints_tree():
    net = Net()
    assert not net.training
    net.set_train()
    assert all(c.training for _, c in net.cells_and_names())
    net.set_train(False)
    assert not net.layer1[0].bn1.training
    text = repr(net)
    assert "(layer1): SequentialCell" in text and "(conv1): Conv2d" in text and "(head): Dense" in text


def test_containers():
    seq = nn.SequentialCell(nn.Dense(3, 4), nn.ReLU())
    seq.append(nn.Dense(4, 2))
    assert len(seq) == 3 and isinstance(seq[1], nn.ReLU)
    assert seq(Tensor(np.ones((5, 3), np.float32))).shape == (5, 2)
    cl = nn.CellList([nn.ReLU()])
    cl.extend([nn.Tanh()])
    assert len(cl) == 2 and [type(c).__name__ for c in cl] == ["ReLU", "Tanh"]
    cd = nn.CellDict({"a": nn.ReLU(), "b": nn.Dense(2, 3)})
    assert list(cd) == ["a", "b"] and "b" in cd and cd["b"].weight.name == "b.weight"
    del cd["a"]
    assert len(cd) == 1
    outer = nn.Cell()
    outer.insert_child_to_cell("inner", nn.Dense(2, 2))
    assert outer.inner.weight.name == "inner.weight"
    with pytest.raises(KeyError):
        outer.insert_child_to_cell("a.b", nn.ReLU())


def test_assigning_tensor_to_parameter_attribute_sets_data():
    d = nn.Dense(2, 2)
    d.weight = Tensor(np.zeros((2, 2), np.float32))
    assert isinstance(d.weight, Parameter) and np_(d.weight).sum() == 0


# ---- layers ---------------------------------------------------------------------------------
def test_dense_forward_and_default_init():
    ms.set_seed(0)
    d = nn.Dense(64, 32, activation="relu")
    assert d.weight.shape == (32, 64) and d.bias.shape == (32,)
    bound = 1 / math.sqrt(64)  # HeUniform(sqrt(5)) == U(+-1/sqrt(fan_in))
    assert abs(np_(d.weight)).max() <= bound and abs(np_(d.bias)).max() <= bound
    x = RNG.standard_normal((5, 64)).astype(np.float32)
    ref = np.maximum(x @ np_(d.weight).T + np_(d.bias), 0)
    np.testing.assert_allclose(np_(d(Tensor(x))), ref, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="Dense: input last dimension 3"):
        d(Tensor(np.ones((2, 3), np.float32)))


def _bn_ref(x, gamma, beta, mean, var, eps):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * gamma.reshape(shape) + beta.reshape(shape)


def test_batchnorm2d_training_eval_and_moving_statistics():
    bn = nn.BatchNorm2d(3, momentum=0.9)
    bn.gamma.set_data(Tensor(np.array([1.0, 2.0, 0.5], np.float32)))
    bn.beta.set_data(Tensor(np.array([0.0, 1.0, -1.0], np.float32)))
    x = RNG.standard_normal((4, 3, 5, 5)).astype(np.float32) * 2 + 1
    bn.set_train()
    y = np_(bn(Tensor(x)))
    mu, var = x.mean((0, 2, 3)), x.var((0, 2, 3))
    np.testing.assert_allclose(y, _bn_ref(x, np_(bn.gamma), np_(bn.beta), mu, var, 1e-5), rtol=1e-4, atol=1e-5)
    n = 4 * 25
    np.testing.assert_allclose(np_(bn.moving_mean), 0.1 * mu, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np_(bn.moving_variance), 0.9 + 0.1 * var * n / (n - 1), rtol=1e-5)
    bn.set_train(False)
    mm, mv = np_(bn.moving_mean), np_(bn.moving_variance)
    np.testing.assert_allclose(np_(bn(Tensor(x))), _bn_ref(x, np_(bn.gamma), np_(bn.beta), mm, mv, 1e-5),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np_(bn.moving_mean), mm)  # eval leaves statistics alone
    with pytest.raises(ValueError, match="4-d input"):
        bn(Tensor(np.ones((2, 3), np.float32)))


@pytest.mark.parametrize("mode", [ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def test_batchnorm_training_on_an_empty_batch_raises_and_keeps_moving_statistics(mode):
    net = Block()
    net.set_train()
    x = RNG.standard_normal((2, 4, 6, 6)).astype(np.float32)
    ms.set_context(mode=mode)
    try:
        net(Tensor(x))
        mm, mv = np_(net.bn1.moving_mean).copy(), np_(net.bn1.moving_variance).copy()
        assert np.isfinite(mm).all() and np.isfinite(mv).all()
        with pytest.raises(ValueError, match=r"BatchNorm2d 'bn1'.*empty batch.*\[0, 4, 6, 6\]"):
            net(Tensor(np.zeros((0, 4, 6, 6), np.float32)))
        np.testing.assert_array_equal(np_(net.bn1.moving_mean), mm)  # not NaN for good
        np.testing.assert_array_equal(np_(net.bn1.moving_variance), mv)
        net.set_train(False)  # the moving statistics need no batch: an empty one is fine
        assert net.bn1(Tensor(np.zeros((0, 4, 3, 3), np.float32))).shape == (0, 4, 3, 3)
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"batch_norm: training needs a non-empty batch.*\[0, 3\]"):
        ops.batch_norm(Tensor(np.zeros((0, 3), np.float32)), bn.moving_mean, bn.moving_variance, bn.gamma, bn.beta,
                       training=True)
    np.testing.assert_array_equal(np_(bn.moving_mean), np.zeros(3, np.float32))


def test_batchnorm1d_and_use_batch_statistics():
    x = RNG.standard_normal((8, 3)).astype(np.float32)
    bn = nn.BatchNorm1d(3, use_batch_statistics=True)  # batch statistics even in eval
    y = np_(bn(Tensor(x)))
    np.testing.assert_allclose(y, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-4, atol=1e-5)
    bn2 = nn.BatchNorm1d(3, use_batch_statistics=False).set_train()
    np.testing.assert_allclose(np_(bn2(Tensor(x))), x / np.sqrt(1 + 1e-5), rtol=1e-5)


def test_layernorm_and_groupnorm():
    x = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    ln = nn.LayerNorm((3, 4), begin_norm_axis=1, begin_params_axis=1)
    ref = (x - x.mean((1, 2), keepdims=True)) / np.sqrt(x.var((1, 2), keepdims=True) + 1e-7)
    np.testing.assert_allclose(np_(ln(Tensor(x))), ref, rtol=1e-4, atol=1e-5)
    ln2 = nn.LayerNorm((4,))
    ref2 = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-7)
    np.testing.assert_allclose(np_(ln2(Tensor(x))), ref2, rtol=1e-4, atol=1e-5)
    xg = RNG.standard_normal((2, 4, 3, 3)).astype(np.float32)
    gn = nn.GroupNorm(2, 4)
    g = xg.reshape(2, 2, -1)
    refg = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)).reshape(xg.shape)
    np.testing.assert_allclose(np_(gn(Tensor(xg))), refg, rtol=1e-4, atol=1e-5)
    with pytest.raises(TypeError, match="normalized_shape"):
        nn.LayerNorm(4)


def test_dropout_semantics():
    assert nn.Dropout(0.8).p == pytest.approx(0.2)        # first positional is keep_prob
    assert nn.Dropout(p=0.3).p == pytest.approx(0.3)
    assert nn.Dropout(keep_prob=0.9, p=0.5).p == 0.5      # p wins
    with pytest.raises(ValueError):
        nn.Dropout(p=1.0)
    x = Tensor(np.ones((200, 200), np.float32))
    d = nn.Dropout(p=0.25)
    np.testing.assert_array_equal(np_(d(x)), np.ones((200, 200)))  # not training: identity
    d.set_train()
    y = np_(d(x))
    assert abs((y == 0).mean() - 0.25) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.75, rtol=1e-6)


def test_embedding():
    ms.set_seed(1)
    emb = nn.Embedding(10, 4, padding_idx=0)
    table = np_(emb.embedding_table)
    assert table.shape == (10, 4) and np.all(table[0] == 0) and 0.005 < table[1:].std() < 0.02
    ids = np.array([[1, 2, 0], [9, 9, 3]], np.int32)
    np.testing.assert_array_equal(np_(emb(Tensor(ids))), table[ids])
    emb_oh = nn.Embedding(10, 4, use_one_hot=True, embedding_table=Tensor(table))
    np.testing.assert_allclose(np_(emb_oh(Tensor(ids))), table[ids])
    g = ms.grad(lambda e: ops.sum(ops.gather(e, Tensor(ids), 0)))(Tensor(table))
    np.testing.assert_array_equal(np_(g)[9], [2, 2, 2, 2])


def test_conv_layers_defaults_and_shapes():
    conv = nn.Conv2d(3, 8, 3, stride=2)
    assert conv.pad_mode == "same" and conv.bias is None and conv.weight.shape == (8, 3, 3, 3)
    x = Tensor(RNG.standard_normal((2, 3, 9, 9)).astype(np.float32))
    assert conv(x).shape == (2, 8, 5, 5)  # same: ceil(9 / 2)
    conv_valid = nn.Conv2d(3, 8, 3, pad_mode="valid", has_bias=True)
    assert conv_valid(x).shape == (2, 8, 7, 7) and conv_valid.bias.shape == (8,)
    conv_pad = nn.Conv2d(3, 8, 3, pad_mode="pad", padding=(1, 2, 0, 1))
    assert conv_pad(x).shape == (2, 8, 10, 8)
    ref = ops.conv2d(x, conv_valid.weight, conv_valid.bias, pad_mode="valid")
    np.testing.assert_allclose(np_(conv_valid(x)), np_(ref), rtol=1e-5)
    with pytest.raises(ValueError, match="padding must be 0"):
        nn.Conv2d(3, 8, 3, padding=1)
    with pytest.raises(ValueError, match="divisible by group"):
        nn.Conv2d(3, 8, 3, group=2)
    with pytest.raises(ValueError, match="3 channels"):
        conv(Tensor(np.ones((1, 4, 5, 5), np.float32)))
    c1 = nn.Conv1d(3, 5, 3, has_bias=True)
    assert c1.weight.shape == (5, 3, 1, 3)
    assert c1(Tensor(np.ones((2, 3, 10), np.float32))).shape == (2, 5, 10)
    ct = nn.Conv2dTranspose(8, 3, 3, stride=2)
    assert ct.weight.shape == (8, 3, 3, 3)
    assert ct(Tensor(np.ones((1, 8, 5, 5), np.float32))).shape == (1, 3, 10, 10)


def test_pool_layers():
    x = RNG.standard_normal((2, 3, 6, 6)).astype(np.float32)
    mp = nn.MaxPool2d(kernel_size=2, stride=2)
    np.testing.assert_array_equal(np_(mp(Tensor(x))), x.reshape(2, 3, 3, 2, 3, 2).max((3, 5)))
    assert nn.MaxPool2d(3)(Tensor(x)).shape == (2, 3, 4, 4)  # stride defaults to 1
    assert nn.MaxPool2d(3, 2, pad_mode="same")(Tensor(x)).shape == (2, 3, 3, 3)
    ap = nn.AvgPool2d(2, 2)
    np.testing.assert_allclose(np_(ap(Tensor(x))), x.reshape(2, 3, 3, 2, 3, 2).mean((3, 5)), rtol=1e-6)
    np.testing.assert_allclose(np_(nn.AdaptiveAvgPool2d(1)(Tensor(x))), x.mean((2, 3), keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(np_(nn.AdaptiveAvgPool2d((3, 2))(Tensor(x))),
                               x.reshape(2, 3, 3, 2, 2, 3).mean((3, 5)), rtol=1e-6)


def test_activation_defaults():
    x = np.linspace(-3, 3, 13).astype(np.float32)
    np.testing.assert_allclose(np_(nn.LeakyReLU()(Tensor(x))), np.where(x > 0, x, 0.2 * x), rtol=1e-6)
    tanh_gelu = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(np_(nn.GELU()(Tensor(x))), tanh_gelu, rtol=1e-5, atol=1e-6)
    exact = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x])
    np.testing.assert_allclose(np_(nn.GELU(approximate=False)(Tensor(x))), exact, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np_(nn.ReLU6()(Tensor(x * 3))), np.clip(x * 3, 0, 6))
    np.testing.assert_allclose(np_(nn.SiLU()(Tensor(x))), x / (1 + np.exp(-x)), rtol=1e-5)
    np.testing.assert_allclose(np_(nn.Softmax()(Tensor(x))), np.exp(x) / np.exp(x).sum(), rtol=1e-5)
    assert isinstance(nn.get_activation("relu"), nn.ReLU)
    with pytest.raises(KeyError):
        nn.get_activation("nope")


def _mha_ref(q, k, v, w_in, b_in, w_out, b_out, heads, key_padding_mask=None):
    e = q.shape[-1]
    qp, kp, vp = q @ w_in[:e].T + b_in[:e], k @ w_in[e:2 * e].T + b_in[e:2 * e], v @ w_in[2 * e:].T + b_in[2 * e:]
    L, N, _ = q.shape
    S = k.shape[0]
    d = e // heads
    qh = qp.reshape(L, N, heads, d).transpose(1, 2, 0, 3) / math.sqrt(d)
    kh = kp.reshape(S, N, heads, d).transpose(1, 2, 0, 3)
    vh = vp.reshape(S, N, heads, d).transpose(1, 2, 0, 3)
    s = qh @ kh.transpose(0, 1, 3, 2)
    if key_padding_mask is not None:
        s = np.where(key_padding_mask[:, None, None, :], -np.inf, s)
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    o = (w @ vh).transpose(2, 0, 1, 3).reshape(L, N, e)
    return o @ w_out.T + b_out, w.mean(1)


def test_multihead_attention_against_numpy():
    ms.set_seed(2)
    mha = nn.MultiheadAttention(8, 2)
    mha.in_proj_bias.set_data(Tensor(RNG.standard_normal(24).astype(np.float32)))
    q = RNG.standard_normal((5, 3, 8)).astype(np.float32)
    k = RNG.standard_normal((4, 3, 8)).astype(np.float32)
    v = RNG.standard_normal((4, 3, 8)).astype(np.float32)
    mask = np.array([[False, False, True, False], [False] * 4, [True, False, False, False]])
    out, w = mha(Tensor(q), Tensor(k), Tensor(v), key_padding_mask=Tensor(mask))
    ref_o, ref_w = _mha_ref(q, k, v, np_(mha.in_proj_weight), np_(mha.in_proj_bias), np_(mha.out_proj.weight),
                            np_(mha.out_proj.bias), 2, mask)
    np.testing.assert_allclose(np_(out), ref_o, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np_(w), ref_w, rtol=1e-4, atol=1e-6)
    bf = nn.MultiheadAttention(8, 2, batch_first=True)
    bf.in_proj_weight.set_data(mha.in_proj_weight)
    bf.in_proj_bias.set_data(mha.in_proj_bias)
    bf.out_proj.weight.set_data(mha.out_proj.weight)
    out_bf, _ = bf(Tensor(q.transpose(1, 0, 2)), Tensor(k.transpose(1, 0, 2)), Tensor(v.transpose(1, 0, 2)),
                   key_padding_mask=Tensor(mask))
    np.testing.assert_allclose(np_(out_bf).transpose(1, 0, 2), ref_o, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(10, 3)


def test_transformer_encoder_layer_against_numpy():
    ms.set_seed(3)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    x = RNG.standard_normal((4, 2, 8)).astype(np.float32)
    a = layer.self_attn
    attn, _ = _mha_ref(x, x, x, np_(a.in_proj_weight), np_(a.in_proj_bias), np_(a.out_proj.weight),
                       np_(a.out_proj.bias), 2)

    def ln(t):
        return (t - t.mean(-1, keepdims=True)) / np.sqrt(t.var(-1, keepdims=True) + 1e-5)
    h = ln(x + attn)
    ff = np.maximum(h @ np_(layer.linear1.weight).T + np_(layer.linear1.bias), 0) @ np_(layer.linear2.weight).T \
        + np_(layer.linear2.bias)
    np.testing.assert_allclose(np_(layer(Tensor(x))), ln(h + ff), rtol=1e-4, atol=1e-5)
    enc = nn.TransformerEncoder(layer, 2)
    assert enc(Tensor(x)).shape == (4, 2, 8)
    assert enc.layers[1].linear1.weight.name == "layers.1.linear1.weight"
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight


def test_to_float_runs_compute_in_float16_with_float32_masters():
    d = nn.Dense(4, 3).to_float(ms.float16)
    y = d(Tensor(np.ones((2, 4), np.float32)))
    assert y.dtype == ms.float16 and d.weight.dtype == ms.float32
    gw = ms.grad(lambda x: ops.sum(d(x)), None, d.trainable_params())(Tensor(np.ones((2, 4), np.float32)))
    assert gw[0].dtype == ms.float32
    np.testing.assert_allclose(np_(gw[0]), np.full((3, 4), 2.0))
