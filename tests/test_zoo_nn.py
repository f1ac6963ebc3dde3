"""nn Cells the model zoo uses beyond the core set: activations with parameters, instance norm,
Conv2dBnAct/DenseBnAct, image quality (SSIM, PSNR), image rearrangement (PixelShuffle, Unfold,
CentralCrop), padding, MatMul/Range/Norm, channel dropout, EmbeddingLookup, extra losses,
ForwardValueAndGrad, ParameterUpdate, ROC/auc - each against numpy in both modes."""
from __future__ import annotations

import math

import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops

from util import numeric_grad_check

RNG = np.random.default_rng(42)


@pytest.fixture(params=[ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=request.param)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def _t(a, dtype=np.float32):
    return ms.Tensor(np.asarray(a, dtype))


def _close(got, want, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(got.asnumpy() if isinstance(got, ms.Tensor) else got, want, rtol=rtol, atol=atol)


# ---- activations ------------------------------------------------------------------------------------
def test_activation_cells(mode):
    x = RNG.uniform(-3, 3, (2, 3, 4)).astype(np.float32)
    prelu = nn.PReLU(3, [0.1, 0.2, 0.3])
    w = np.array([0.1, 0.2, 0.3]).reshape(1, 3, 1)
    _close(prelu(_t(x)), np.where(x > 0, x, w * x))
    assert [p.name for p in prelu.get_parameters()] == ["a"]
    _close(nn.PReLU()(_t(x)), np.where(x > 0, x, 0.25 * x))
    _close(nn.ELU(0.7)(_t(x)), np.where(x > 0, x, 0.7 * (np.exp(x) - 1)))
    _close(nn.HSigmoid()(_t(x)), np.clip(x + 3, 0, 6) / 6)
    _close(nn.LogSigmoid()(_t(x)), -np.log1p(np.exp(-x)))
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    _close(nn.SeLU()(_t(x)), scale * np.where(x > 0, x, alpha * (np.exp(x) - 1)))
    _close(nn.Hardtanh(-0.5, 2.0)(_t(x)), np.clip(x, -0.5, 2.0))


def test_prelu_slope_gradient():
    ms.set_seed(0)
    net = nn.PReLU(2, [0.3, -0.2])
    x = ms.Tensor(np.array([[[-1.5, 2.0]], [[0.5, -0.7]]]).transpose(0, 2, 1).astype(np.float32))  # (2, 2, 1)
    g = ms.grad(lambda t: ops.sum(net(t)), grad_position=None, weights=[net.w])(x)[0]
    xv = x.asnumpy()
    _close(g, np.minimum(xv, 0).sum((0, 2)))
    with pytest.raises(ValueError, match="one per channel"):
        nn.PReLU(3, [0.1, 0.2])


# ---- instance norm ------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,shape", [(nn.InstanceNorm1d, (2, 3, 5)), (nn.InstanceNorm2d, (2, 3, 4, 5)),
                                       (nn.InstanceNorm3d, (1, 3, 2, 3, 4))])
def test_instance_norm(mode, cls, shape):
    x = RNG.uniform(-2, 2, shape).astype(np.float32)
    net = cls(3, gamma_init=ms.Tensor(np.array([1.0, 2.0, 0.5], np.float32)),
              beta_init=ms.Tensor(np.array([0.0, -1.0, 3.0], np.float32)))
    axes = tuple(range(2, x.ndim))
    ref = (x - x.mean(axes, keepdims=True)) / np.sqrt(x.var(axes, keepdims=True) + 1e-5)
    bshape = (1, 3) + (1,) * (x.ndim - 2)
    want = ref * np.array([1.0, 2.0, 0.5]).reshape(bshape) + np.array([0.0, -1.0, 3.0]).reshape(bshape)
    _close(net(_t(x)), want, rtol=1e-4, atol=1e-5)
    net.set_train(False)
    _close(net(_t(x)), want, rtol=1e-4, atol=1e-5)     # instance statistics in evaluation too
    assert sorted(p.name for p in net.get_parameters()) == ["beta", "gamma"]


def test_instance_norm_gradient():
    net = nn.InstanceNorm2d(2, dtype=ms.float64)
    x = RNG.uniform(-1, 1, (2, 2, 3, 3))
    numeric_grad_check(net, [x])


# ---- combined blocks ------------------------------------------------------------------------------------
def test_conv2d_bn_act_and_dense_bn_act(mode):
    ms.set_seed(1)
    block = nn.Conv2dBnAct(3, 4, 3, has_bn=True, activation="relu")
    assert [n for n, _ in block.cells_and_names()][1:] == ["conv", "batchnorm", "activation"]
    block.set_train(False)
    x = RNG.uniform(-1, 1, (2, 3, 5, 5)).astype(np.float32)
    conv = ops.conv2d(_t(x), block.conv.weight, pad_mode="same").asnumpy()
    bn = block.batchnorm
    ref = (conv - bn.moving_mean.asnumpy().reshape(1, -1, 1, 1)) / np.sqrt(
        bn.moving_variance.asnumpy().reshape(1, -1, 1, 1) + 1e-5) * bn.gamma.asnumpy().reshape(1, -1, 1, 1) \
        + bn.beta.asnumpy().reshape(1, -1, 1, 1)
    _close(block(_t(x)), np.maximum(ref, 0), rtol=1e-4, atol=1e-5)
    leaky = nn.Conv2dBnAct(3, 2, 1, activation="leakyrelu", alpha=0.1)
    y = ops.conv2d(_t(x), leaky.conv.weight).asnumpy()
    _close(leaky(_t(x)), np.where(y > 0, y, 0.1 * y), rtol=1e-4, atol=1e-5)
    dense = nn.DenseBnAct(5, 3, activation="tanh")
    v = RNG.uniform(-1, 1, (4, 5)).astype(np.float32)
    _close(dense(_t(v)), np.tanh(v @ dense.dense.weight.asnumpy().T + dense.dense.bias.asnumpy()), rtol=1e-4,
           atol=1e-5)


# ---- image quality ------------------------------------------------------------------------------------
def _np_ssim(x, y, max_val=1.0, size=11, sigma=1.5, k1=0.01, k2=0.03):
    c = np.arange(size) - (size - 1) / 2
    g = np.exp(-c ** 2 / (2 * sigma ** 2))
    win = np.outer(g, g) / np.outer(g, g).sum()

    def filt(a):
        n, ch, h, w = a.shape
        out = np.zeros((n, ch, h - size + 1, w - size + 1))
        for i in range(out.shape[2]):
            for j in range(out.shape[3]):
                out[:, :, i, j] = (a[:, :, i:i + size, j:j + size] * win).sum((2, 3))
        return out
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mx, my = filt(x), filt(y)
    sxx, syy, sxy = filt(x * x) - mx ** 2, filt(y * y) - my ** 2, filt(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (sxx + syy + c2))
    return s.mean((1, 2, 3))


def test_ssim_and_psnr(mode):
    a = RNG.uniform(0, 1, (2, 3, 16, 14)).astype(np.float32)
    b = np.clip(a + RNG.normal(0, 0.1, a.shape), 0, 1).astype(np.float32)
    _close(nn.SSIM()(_t(a), _t(b)), _np_ssim(a.astype(np.float64), b.astype(np.float64)), rtol=1e-4, atol=1e-5)
    _close(nn.SSIM(max_val=255.0, filter_size=5, filter_sigma=1.0)(_t(a * 255), _t(b * 255)),
           _np_ssim(a * 255.0, b * 255.0, 255.0, 5, 1.0), rtol=1e-4, atol=1e-5)
    _close(nn.SSIM()(_t(a), _t(a)), np.ones(2), rtol=1e-5)
    mse = ((a.astype(np.float64) - b) ** 2).mean((1, 2, 3))
    _close(nn.PSNR()(_t(a), _t(b)), 10 * np.log10(1.0 / mse), rtol=1e-4)
    with pytest.raises(ValueError, match="smaller than filter_size"):
        nn.SSIM()(_t(a[:, :, :8]), _t(b[:, :, :8]))


def test_ssim_gradient():
    a = RNG.uniform(0, 1, (1, 1, 7, 7))
    b = RNG.uniform(0, 1, (1, 1, 7, 7))
    numeric_grad_check(nn.SSIM(filter_size=3), [a, b])


# ---- rearrangement / padding ------------------------------------------------------------------------------
def test_pixel_shuffle_unfold_central_crop(mode):
    x = RNG.uniform(-1, 1, (2, 8, 3, 2)).astype(np.float32)
    want = np.zeros((2, 2, 6, 4), np.float32)
    for c in range(2):
        for i in range(2):
            for j in range(2):
                want[:, c, i::2, j::2] = x[:, c * 4 + i * 2 + j]
    _close(nn.PixelShuffle(2)(_t(x)), want)
    img = RNG.uniform(-1, 1, (1, 2, 6, 5)).astype(np.float32)
    out = nn.Unfold([1, 2, 3, 1], [1, 2, 1, 1], [1, 1, 2, 1])(_t(img))
    ref = np.zeros((1, 2 * 3 * 2, 3, 1))
    for oi in range(3):
        for oj in range(1):
            for i in range(2):
                for j in range(3):
                    ref[:, (i * 3 + j) * 2:(i * 3 + j) * 2 + 2, oi, oj] = img[:, :, oi * 2 + i, oj + j * 2]
    _close(out, ref)
    assert nn.Unfold([1, 3, 3, 1], [1, 1, 1, 1], [1, 1, 1, 1], "same")(_t(img)).shape == (1, 18, 6, 5)
    crop = nn.CentralCrop(0.5)(_t(RNG.uniform(0, 1, (3, 8, 6))))
    assert crop.shape == (3, 4, 4)


def test_padding_cells(mode):
    x = RNG.uniform(-1, 1, (1, 2, 3, 4)).astype(np.float32)
    _close(nn.ZeroPad2d((1, 2, 0, 1))(_t(x)), np.pad(x, ((0, 0), (0, 0), (0, 1), (1, 2))))
    _close(nn.ZeroPad2d(1)(_t(x)), np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))))
    _close(nn.ReflectionPad2d((2, 1, 1, 2))(_t(x)), np.pad(x, ((0, 0), (0, 0), (1, 2), (2, 1)), "reflect"))
    _close(nn.ReplicationPad1d((1, 3))(_t(x[0])), np.pad(x[0], ((0, 0), (0, 0), (1, 3)), "edge"))
    _close(nn.ConstantPad3d(1, 0.5)(_t(x)), np.pad(x, ((0, 0), (1, 1), (1, 1), (1, 1)), constant_values=0.5))
    with pytest.raises(ValueError, match="reflection padding"):
        nn.ReflectionPad2d(3)(_t(x))
    with pytest.raises(TypeError, match="tuple of 4 ints"):
        nn.ZeroPad2d((1, 2))


# ---- math cells, dropout, embedding lookup ----------------------------------------------------------------
def test_matmul_range_norm(mode):
    a = RNG.uniform(-1, 1, (2, 3, 4)).astype(np.float32)
    b = RNG.uniform(-1, 1, (5, 4)).astype(np.float32)
    _close(nn.MatMul(transpose_x2=True)(_t(a), _t(b)), a @ b.T, rtol=1e-5)
    _close(nn.MatMul(True, False)(_t(a), _t(a)), np.swapaxes(a, -1, -2) @ a, rtol=1e-5)
    r = nn.Range(1, 10, 3)()
    assert r.dtype == ms.int32 and r.asnumpy().tolist() == [1, 4, 7]
    _close(nn.Range(0.5, 2.0, 0.5)(), np.arange(0.5, 2.0, 0.5))
    assert nn.Range(4)().asnumpy().tolist() == [0, 1, 2, 3]
    _close(nn.Norm()(_t(a)), np.sqrt((a.astype(np.float64) ** 2).sum()), rtol=1e-5)
    _close(nn.Norm(axis=(0, 2), keep_dims=True)(_t(a)), np.sqrt((a ** 2).sum((0, 2), keepdims=True)), rtol=1e-5)


def test_channel_dropout():
    ms.set_seed(3)
    x = np.ones((8, 50, 3, 3), np.float32)
    net = nn.Dropout2d(p=0.4)
    net.set_train(True)
    y = net(_t(x)).asnumpy()
    planes = y.reshape(8, 50, 9)
    assert np.all((planes == 0).all(-1) | np.isclose(planes, 1 / 0.6).all(-1))   # whole channels
    assert abs((planes[:, :, 0] == 0).mean() - 0.4) < 0.08
    net.set_train(False)
    _close(net(_t(x)), x)
    assert nn.Dropout3d(0.5)(_t(np.ones((2, 4, 2, 2, 2)))).shape == (2, 4, 2, 2, 2)


def test_embedding_lookup(mode):
    ms.set_seed(0)
    emb = nn.EmbeddingLookup(10, 4, max_norm=0.5)
    table = emb.embedding_table.asnumpy()
    idx = np.array([[1, 7], [7, 0]], np.int32)
    rows = table[idx]
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    _close(emb(ms.Tensor(idx)), rows * np.minimum(1, 0.5 / norms), rtol=1e-5)
    assert emb.embedding_table.name == "embedding_table"


# ---- losses ---------------------------------------------------------------------------------------------
def test_extra_losses(mode):
    logits = _t([[0.2, 0.5], [0.3, 0.1], [0.9, 0.6]])
    labels = _t([[0, 1], [1, 0], [0, 1]])
    _close(nn.DiceLoss(smooth=1e-5)(logits, labels), 0.38596618, rtol=1e-6)    # MindSpore's documented value
    a, b = RNG.uniform(-1, 1, (3, 4)), RNG.uniform(-1, 1, (3, 4))
    _close(nn.RMSELoss()(_t(a), _t(b)), np.sqrt(((a - b) ** 2).mean()), rtol=1e-5)
    y = np.sign(RNG.uniform(-1, 1, (3, 4)))
    _close(nn.SoftMarginLoss()(_t(a), _t(y)), np.log1p(np.exp(-y * a)).mean(), rtol=1e-5)
    t = np.array([1.0, -1.0, -1.0])
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    _close(nn.CosineEmbeddingLoss(0.1, "none")(_t(a), _t(b), _t(t)),
           np.where(t == 1, 1 - cos, np.maximum(0, cos - 0.1)), rtol=1e-5)


# ---- ForwardValueAndGrad / ParameterUpdate -----------------------------------------------------------------
class _Quad(nn.Cell):
    def __init__(self):
        super().__init__()
        self.w = ms.Parameter(_t([1.5, -2.0]), name="w")

    def construct(self, x, y):
        return ops.sum(self.w * x * x + y)


def test_forward_value_and_grad(mode):
    net = _Quad()
    x, y = _t([1.0, 3.0]), _t([0.5, 0.5])
    loss, g = nn.ForwardValueAndGrad(net)(x, y)
    _close(loss, 1.5 - 18.0 + 1.0)
    _close(g, 2 * net.w.asnumpy() * x.asnumpy())
    loss, (gi, gw) = nn.ForwardValueAndGrad(net, ms.ParameterTuple(net.trainable_params()), get_all=True,
                                            get_by_list=True)(x, y)
    _close(gi[1], [1.0, 1.0])
    _close(gw[0], x.asnumpy() ** 2)
    loss, gw = nn.ForwardValueAndGrad(net, net.trainable_params(), get_by_list=True, sens_param=True)(x, y, _t(2.0))
    _close(gw[0], 2 * x.asnumpy() ** 2)


def test_parameter_update(mode):
    p = ms.Parameter(_t([0.0, 0.0]), name="p")
    upd = nn.ParameterUpdate(p)
    upd(_t([1.0, 2.0]))
    _close(p, [1.0, 2.0])


# ---- ROC / auc ---------------------------------------------------------------------------------------------
def test_roc_and_auc():
    y_pred = np.array([0.1, 0.4, 0.35, 0.8])
    y = np.array([0, 0, 1, 1])
    roc = nn.ROC(pos_label=1)
    roc.update(_t(y_pred), ms.Tensor(y))
    fpr, tpr, thr = roc.eval()
    # hand-computed sweep of the thresholds 1.8, 0.8, 0.4, 0.35, 0.1
    _close(fpr, [0.0, 0.0, 0.5, 0.5, 1.0])
    _close(tpr, [0.0, 0.5, 0.5, 1.0, 1.0])
    _close(thr, [1.8, 0.8, 0.4, 0.35, 0.1])
    assert nn.auc(fpr, tpr) == pytest.approx(0.75)
    multi = nn.ROC(class_num=3)
    scores = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.5, 0.4, 0.1]])
    multi.update(_t(scores), ms.Tensor(np.array([0, 1, 2, 1])))
    fprs, tprs, _ = multi.eval()
    assert len(fprs) == 3 and nn.auc(fprs[0], tprs[0]) == pytest.approx(1.0)
    assert nn.auc([1.0, 0.5, 0.0], [1.0, 1.0, 0.0]) == pytest.approx(0.75)   # decreasing x
    with pytest.raises(ValueError, match="neither increasing nor decreasing"):
        nn.auc([0.0, 1.0, 0.5], [0.0, 1.0, 1.0])
    assert math.isclose(nn.auc([0.0, 1.0, 0.5], [0.0, 1.0, 0.5], reorder=True), 0.5)


def test_rearrange_inputs_follows_set_indexes():
    class Picky(nn.Metric):
        def clear(self):
            self.seen = None

        @nn.rearrange_inputs
        def update(self, *inputs):
            self.seen = inputs

        def eval(self):
            return self.seen
    m = Picky()
    m.update(1, 2, 3)
    assert m.eval() == (1, 2, 3)
    m.set_indexes([2, 0])
    m.update(1, 2, 3)
    assert m.eval() == (3, 1)
