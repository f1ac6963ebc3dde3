"""int8 post-training quantisation: exact GEMM emulation, formulas by hand, KL, accuracy."""
import math
import os

import numpy as np
import pytest

import mindlite as ms
from mindlite import lite, nn
from mindlite.lite import mindir
from mindlite.lite.qkernels import gemm_dtype, int8_matmul, qconv2d_p
from mindlite.lite.quant import kl_threshold, percentile_range, qparams, weight_qparams

from .nets import CNN, accuracy


def test_int8_gemm_equals_int32_reference():
    rng = np.random.default_rng(0)
    for k in (64, 1032, 1033, 3000):  # float32 while K*127*128 < 2**24 (K <= 1032), float64 beyond
        a = rng.integers(-128, 128, (17, k)).astype(np.int8)
        b = rng.integers(-127, 128, (k, 9)).astype(np.int8)
        a[0], b[:, 0] = -128, -127  # the extreme products
        got = int8_matmul(np, a, b)
        assert got.dtype == (np.float32 if k * 127 * 128 < 2 ** 24 else np.float64) == gemm_dtype(k)
        ref = a.astype(np.int32) @ b.astype(np.int32)
        np.testing.assert_array_equal(got.astype(np.int64), ref)


def test_qconv2d_matches_an_integer_reference():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 2, (2, 3, 6, 6)).astype(np.float32)
    qw = rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
    w_scale = rng.uniform(0.001, 0.01, 4).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    x_scale, x_zp = qparams(-1, 2)
    y = qconv2d_p.impl(np, x, qw, w_scale, b, x_scale=x_scale, x_zp=x_zp, stride=(1, 1), pads=(1, 1, 1, 1),
                       dilation=(1, 1), groups=1, act="none")
    # reference: int64 codes, zero padding in the centred domain, a direct 7-loop convolution
    q = np.clip(np.round(x / np.float32(x_scale)) + x_zp, -128, 127).astype(np.int64) - x_zp
    qp = np.pad(q, ((0, 0), (0, 0), (1, 1), (1, 1)))
    acc = np.zeros((2, 4, 6, 6), np.int64)
    for i in range(3):
        for j in range(3):
            acc += np.einsum("nchw,oc->nohw", qp[:, :, i:i + 6, j:j + 6], qw[:, :, i, j].astype(np.int64))
    ref = acc * (x_scale * w_scale.astype(np.float64))[None, :, None, None] + b[None, :, None, None]
    np.testing.assert_allclose(y, ref, rtol=1e-6, atol=1e-6)


def test_weight_and_activation_formulas_by_hand():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((5, 2, 3, 3)).astype(np.float32)
    q, scale = weight_qparams(w, axis=0)
    amax = np.abs(w).reshape(5, -1).max(1)
    np.testing.assert_allclose(scale, amax / 127, rtol=1e-7)
    np.testing.assert_array_equal(q, np.round(w / (amax / 127)[:, None, None, None]).astype(np.int8))
    assert np.abs(q).max() == 127
    deq = q * scale[:, None, None, None].astype(np.float64)
    assert (np.abs(deq - w) <= scale[:, None, None, None] / 2 + 1e-7).all()
    q_t, scale_t = weight_qparams(w, axis=None)  # per tensor: one scale
    np.testing.assert_allclose(scale_t, np.full(5, np.abs(w).max() / 127), rtol=1e-7)
    assert qparams(-1.0, 3.0) == (4 / 255, -64)  # zp = round(-128 + 1 / (4/255)) = round(-64.25)
    assert qparams(0.0, 2.55)[0] == pytest.approx(0.01) and qparams(0.0, 2.55)[1] == -128
    assert qparams(0.5, 2.0)[1] == -128  # the range is widened to hold 0


def _kl_reference(hist, num_q):
    """A direct transcription of the definition: loops, no reduceat."""
    def smooth(p):
        p = p / p.sum()
        zeros = [k for k in range(len(p)) if p[k] == 0]
        nz = len(p) - len(zeros)
        return np.array([1e-4 if p[k] == 0 else p[k] - 1e-4 * len(zeros) / nz for k in range(len(p))])

    best, best_i = math.inf, None
    for i in range(num_q, len(hist) + 1):
        p = [float(v) for v in hist[:i]]
        p[-1] += float(sum(hist[i:]))
        q = [0.0] * i
        for j in range(num_q):
            lo, hi = j * i // num_q, (j + 1) * i // num_q
            nonzero = [k for k in range(lo, hi) if hist[k] != 0]
            for k in nonzero:
                q[k] = float(sum(hist[lo:hi])) / len(nonzero)
        ps, qs = smooth(np.array(p)), smooth(np.array(q))
        if (qs <= 0).any():
            continue
        kl = sum(a * math.log(a / b) for a, b in zip(ps, qs) if a > 0)
        if kl < best:
            best, best_i = kl, i
    return best_i


def test_kl_threshold_on_known_histograms():
    # all mass in the first 100 bins, decreasing: keeping exactly num_quantized_bins loses nothing
    hist = np.zeros(2048)
    hist[:100] = np.arange(100, 0, -1)
    assert kl_threshold(hist, 0.5, 128) == 128 * 0.5
    # a Laplace-like body plus sparse outliers: the threshold clips the outliers, as the reference
    rng = np.random.default_rng(3)
    data = np.abs(rng.laplace(0, 1, 20000))
    data[:5] = 30.0
    hist, edges = np.histogram(data, bins=300, range=(0, 30))
    bw = edges[1]
    t = kl_threshold(hist, bw, 32)
    assert t == pytest.approx(_kl_reference(hist, 32) * bw)
    assert 3.0 < t < 29.0


def test_percentile_range_brackets_the_percentiles():
    rng = np.random.default_rng(4)
    x = rng.standard_normal(100000)
    hist, _ = np.histogram(x, bins=2048, range=(x.min(), x.max()))
    lo, hi = percentile_range(hist, x.min(), x.max(), 99.9)
    bw = (x.max() - x.min()) / 2048
    # the bin edges that hold the 0.1% / 99.9% order statistics
    assert (x < lo).mean() < 0.001 <= (x < lo + bw).mean()
    assert (x > hi).mean() <= 0.001 < (x > hi - bw).mean()
    assert lo <= np.percentile(x, 0.1) + bw and hi >= np.percentile(x, 99.9) - bw


class OneDense(nn.Cell):
    def __init__(self):
        super().__init__()
        self.fc = nn.Dense(20, 6)

    def construct(self, x):
        return self.fc(x)


def test_dense_error_within_the_hand_bound():
    rng = np.random.default_rng(5)
    net = OneDense()
    x = rng.uniform(-2, 3, (64, 20)).astype(np.float32)
    graph = lite.from_network(net, (ms.Tensor(x[:2]),))
    q = lite.quantize(graph, [x], method="MAX_MIN", bias_correction=False)
    got = lite.Model().build_from_graph(q).predict([x])[0].get_data_to_numpy().astype(np.float64)
    w = net.fc.weight.asnumpy().astype(np.float64).T  # (in, out)
    ref = x.astype(np.float64) @ w + net.fc.bias.asnumpy()
    sx, _ = qparams(x.min(), x.max())
    sw = np.abs(w).max(axis=0) / 127  # per output channel
    bound = (sx / 2) * np.abs(w).sum(0) + np.abs(x) @ np.broadcast_to(sw / 2, w.shape) + 20 * (sx / 2) * (sw / 2)
    assert (np.abs(got - ref) <= bound + 1e-5).all()


def test_bias_correction_is_the_mean_shift_of_weight_rounding():
    rng = np.random.default_rng(6)
    net = OneDense()
    x = rng.uniform(-1, 1, (40, 20)).astype(np.float32)
    graph = lite.from_network(net, (ms.Tensor(x[:2]),))
    plain = lite.quantize(graph, [x[:20], x[20:]], bias_correction=False)
    corrected = lite.quantize(graph, [x[:20], x[20:]], bias_correction=True)
    b0 = plain.specialize(2).graph.nodes[0].inputs[3].value
    b1 = corrected.specialize(2).graph.nodes[0].inputs[3].value
    w = net.fc.weight.asnumpy().astype(np.float64).T
    q, scale = weight_qparams(w.astype(np.float32), axis=1)
    w_dq = (q * scale.astype(np.float64)[None, :]).astype(np.float32)
    shift = (x.astype(np.float64) @ (w.astype(np.float32) - w_dq)).mean(0)
    np.testing.assert_allclose(b1 - b0, shift, rtol=1e-4, atol=1e-7)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["MAX_MIN", "KL", "PERCENTILE"])
def test_ptq_accuracy_drop_at_most_one_point(method, trained_cnn, digits, tmp_file):
    net, fp32_acc = trained_cnn
    xtr, _, xte, yte = digits
    path = ms.export(net, ms.Tensor(xte[:2]), file_name=tmp_file("digits"))
    report = lite.Converter().convert(path, tmp_file("digits_int8"), optimize="O2",
                                      quant_config={"calib_data": [xtr[:100], xtr[100:200]], "method": method})
    assert report[-1]["pass"] == "quantize_int8" and report[-1]["quantized_layers"] == 3
    model = lite.Model()
    model.build_from_file(tmp_file("digits_int8.ms"))
    int8_acc = accuracy(model.predict([xte])[0].get_data_to_numpy(), yte)
    assert int8_acc >= fp32_acc - 0.01, (method, fp32_acc, int8_acc)
    fp32_file = tmp_file("digits_fp32.ms")
    lite.Converter().convert(path, fp32_file, optimize="O2")
    weights_fp32 = sum(c.nbytes for c in mindir.load(fp32_file).consts)
    weights_int8 = sum(c.nbytes for c in model.graph.consts)
    assert weights_fp32 / weights_int8 > 3.0
    assert os.path.getsize(tmp_file("digits_int8.ms")) < os.path.getsize(fp32_file)


def test_quantize_errors():
    net = CNN()
    graph = lite.from_network(net, (ms.Tensor(np.zeros((2, 1, 8, 8), np.float32)),))
    calib = [np.zeros((2, 1, 8, 8), np.float32)]
    with pytest.raises(ValueError, match="calib_data is empty"):
        lite.quantize(graph, [])
    with pytest.raises(ValueError, match="method must be one of"):
        lite.quantize(graph, calib, method="MSE")
    with pytest.raises(ValueError, match=r"calibration batch 0: input 0 expected shape \[-1, 1, 8, 8\]"):
        lite.quantize(graph, [np.zeros((2, 1, 4, 4), np.float32)])
    with pytest.raises(ValueError, match="percentile must be in"):
        lite.quantize(graph, calib, method="PERCENTILE", percentile=10)
