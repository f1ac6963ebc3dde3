"""MindSpore's twin spellings of one op: the Primitive class (`ops.Xxx()(...)`, `P.Xxx`) and the
functional form (`ops.xxx(...)`), each checked against an independent numpy reference, in
PYNATIVE and GRAPH mode. Also: every twin pair exists, and `TopK(sorted=False)` keeps input order.
"""
import numpy as np
import pytest

import mindlite as ms
from mindlite import ops
from mindlite.core.graph_trace import GraphModeError
from mindlite.ops import operations as P
from op_db import np_conv2d, np_conv_transpose, np_erf, np_log_softmax, np_mode_pads, np_pool, np_same_pads

RNG = np.random.default_rng(7)


def r(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, shape).astype(np.float32)


@pytest.fixture(params=[ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=request.param)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def run(fn, *args):
    """`fn` on Tensors: compiled with ms.jit in GRAPH_MODE, called directly in PYNATIVE_MODE."""
    tensors = [ms.Tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    if ms.get_context("mode") == ms.GRAPH_MODE:
        return ms.jit(fn)(*tensors)
    return fn(*tensors)


def to_np(x):
    if isinstance(x, (tuple, list)):
        return tuple(to_np(v) for v in x)
    return x.asnumpy() if isinstance(x, ms.Tensor) else np.asarray(x)


def check(got, ref, rtol=1e-5, atol=1e-6):
    got, ref = to_np(got), ref
    if isinstance(ref, tuple):
        assert isinstance(got, tuple) and len(got) == len(ref)
        for g, e in zip(got, ref):
            check(g, e, rtol, atol)
        return
    ref = np.asarray(ref)
    assert got.shape == ref.shape, f"shape {got.shape} != reference {ref.shape}"
    if ref.dtype.kind in "biu":
        np.testing.assert_array_equal(got, ref)
    else:
        np.testing.assert_allclose(got.astype(np.float64), ref, rtol=rtol, atol=atol)


# ---- the twin table: (id, class call, functional call, numpy reference, inputs) ------------------------------
X = r(2, 3, 4)
Y = r(2, 3, 4)
POS = r(2, 3, lo=0.5, hi=2.0)
PROB = r(2, 3, lo=0.05, hi=0.95)
LABEL = (RNG.random((2, 3)) > 0.5).astype(np.float32)
IDX = RNG.integers(0, 3, (2, 2, 4))
LOGP = np_log_softmax(r(4, 5).astype(np.float64), 1).astype(np.float32)
TARGET = np.array([0, 4, -100, 2], dtype=np.int32)
W5 = r(5, lo=0.5, hi=1.5)
SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805


def _np_nll(logp, t, w, reduction):
    valid = t != -100
    ts = np.where(valid, t, 0)
    wt = w[ts] * valid
    loss = -logp[np.arange(len(t)), ts] * wt
    total = wt.sum()
    return {"mean": loss.sum() / total, "sum": loss.sum(), "none": loss}[reduction], total


def _np_bce_logits(x, y, w, pw):
    log_sig = -np.logaddexp(0, -x)
    log_one_minus = -np.logaddexp(0, x)
    return -(w * (pw * y * log_sig + (1 - y) * log_one_minus))


def _np_scatter_nd(idx, upd, shape):
    out = np.zeros(shape, np.float32)
    np.add.at(out, tuple(idx[..., i] for i in range(idx.shape[-1])), upd)
    return out


TWINS = [
    ("Unstack", lambda x: P.Unstack(axis=1)(x), lambda x: ops.unstack(x, 1), lambda x: tuple(np.moveaxis(x, 1, 0)),
     (X,)),
    ("AddN", lambda a, b: P.AddN()((a, b, a)), lambda a, b: ops.addn([a, b, a]), lambda a, b: 2 * a + b, (X, Y)),
    ("Select", lambda c, a, b: P.Select()(c, a, b), ops.select, np.where, (X > 0, X, Y)),
    ("GatherD", lambda x, i: P.GatherD()(x, 1, i), lambda x, i: ops.gather_d(x, 1, i),
     lambda x, i: np.take_along_axis(x, i, 1), (X, IDX)),
    ("ScatterNd", lambda i, u: P.ScatterNd()(i, u, (4, 3)), lambda i, u: ops.scatter_nd(i, u, (4, 3)),
     lambda i, u: _np_scatter_nd(i, u, (4, 3)), (np.array([[0], [2], [0]]), r(3, 3))),
    ("Flatten", lambda x: P.Flatten()(x), ops.flatten, lambda x: x.reshape(x.shape[0], -1), (X,)),
    ("Softsign", lambda x: P.Softsign()(x), ops.softsign, lambda x: x / (1 + np.abs(x)), (X,)),
    ("Elu", lambda x: P.Elu(alpha=0.5)(x), lambda x: ops.elu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)),
     (X,)),
    ("CeLU", lambda x: P.CeLU(2.0)(x), lambda x: ops.celu(x, 2.0),
     lambda x: np.maximum(x, 0) + np.minimum(0, 2 * np.expm1(x / 2)), (X,)),
    ("SeLU", lambda x: P.SeLU()(x), ops.selu, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)), (X,)),
    ("Mish", lambda x: P.Mish()(x), ops.mish, lambda x: x * np.tanh(np.log1p(np.exp(x))), (X,)),
    ("HSigmoid", lambda x: P.HSigmoid()(x), ops.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6, (X * 3,)),
    ("HShrink", lambda x: P.HShrink(0.3)(x), lambda x: ops.hardshrink(x, 0.3),
     lambda x: np.where(np.abs(x) > 0.3, x, 0), (X,)),
    ("SoftShrink", lambda x: P.SoftShrink(0.3)(x), lambda x: ops.softshrink(x, 0.3),
     lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.3, 0), (X,)),
    ("PReLU", lambda x, w: P.PReLU()(x, w), ops.prelu, lambda x, w: np.where(x > 0, x, x * w.reshape(1, 3, 1)),
     (X, r(3, lo=0.1, hi=0.5))),
    ("Inv", lambda x: P.Inv()(x), ops.inv, lambda x: 1 / x, (POS,)),
    ("Invert", lambda x: P.Invert()(x), ops.invert, np.invert, (np.array([0, 5, -3, 127], np.int32),)),
    ("Rint", lambda x: P.Rint()(x), ops.rint, np.rint, (np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.4], np.float32),)),
    ("Trunc", lambda x: P.Trunc()(x), ops.trunc, np.trunc, (X * 3,)),
    ("L2Loss", lambda x: P.L2Loss()(x), ops.l2_loss, lambda x: np.sum(x.astype(np.float64) ** 2) / 2, (X,)),
    ("Erfc", lambda x: P.Erfc()(x), ops.erfc, lambda x: 1 - np_erf(x), (X,)),
    ("Tan", lambda x: P.Tan()(x), ops.tan, np.tan, (X / 2,)),
    ("ACos", lambda x: P.ACos()(x), ops.acos, np.arccos, (X / 3,)),
    ("Atanh", lambda x: P.Atanh()(x), ops.atanh, np.arctanh, (X / 3,)),
    ("Atan2", lambda a, b: P.Atan2()(a, b), ops.atan2, np.arctan2, (X, Y)),
    ("SquaredDifference", lambda a, b: P.SquaredDifference()(a, b), ops.squared_difference,
     lambda a, b: (a - b) ** 2, (X, Y)),
    ("DivNoNan", lambda a, b: P.DivNoNan()(a, b), ops.div_no_nan, lambda a, b: np.where(b == 0, 0, a / (b + (b == 0))),
     (X[0], np.where(Y[0] > 0, Y[0], 0).astype(np.float32))),
    ("Xlogy", lambda a, b: P.Xlogy()(a, b), ops.xlogy, lambda a, b: np.where(a == 0, 0, a * np.log(b)),
     (np.where(X[0] > 0, X[0], 0).astype(np.float32), r(3, 4, lo=0.5, hi=2.0))),
    ("TruncateDiv", lambda a, b: P.TruncateDiv()(a, b), ops.truncate_div, lambda a, b: np.trunc(a / b).astype(a.dtype),
     (np.array([7, -7, 9, -9], np.int32), np.array([2, 2, -4, -4], np.int32))),
    ("TruncateMod", lambda a, b: P.TruncateMod()(a, b), ops.truncate_mod, np.fmod,
     (np.array([7, -7, 9, -9], np.int32), np.array([2, 2, -4, -4], np.int32))),
    ("BitwiseXor", lambda a, b: P.BitwiseXor()(a, b), ops.bitwise_xor, np.bitwise_xor,
     (np.array([3, 5, -1], np.int32), np.array([6, 5, 8], np.int32))),
    ("LogicalXor", lambda a, b: P.LogicalXor()(a, b), ops.logical_xor, np.logical_xor, (X > 0, Y > 0)),
    ("IsClose", lambda a, b: P.IsClose(rtol=0.0, atol=0.5)(a, b), lambda a, b: ops.isclose(a, b, 0.0, 0.5, True),
     lambda a, b: np.isclose(a, b, 0.0, 0.5, True), (X, Y)),
    ("ReverseV2", lambda x: P.ReverseV2(axis=[0, 2])(x), lambda x: ops.reverse(x, (0, 2)),
     lambda x: x[::-1, :, ::-1], (X,)),
    ("Tril", lambda x: P.Tril()(x), ops.tril, np.tril, (X,)),
    ("Triu", lambda x: P.Triu()(x), ops.triu, np.triu, (X,)),
    ("MaskedFill", lambda x, m: P.MaskedFill()(x, m, 9.0), lambda x, m: ops.masked_fill(x, m, 9.0),
     lambda x, m: np.where(m, 9.0, x), (X, Y > 0)),
    ("Meshgrid", lambda a, b: P.Meshgrid(indexing="ij")((a, b)), lambda a, b: ops.meshgrid(a, b, indexing="ij"),
     lambda a, b: tuple(np.meshgrid(a, b, indexing="ij")), (r(3), r(2))),
    ("ArgMaxWithValue", lambda x: P.ArgMaxWithValue(axis=1)(x), lambda x: ops.max(x, 1)[::-1],
     lambda x: (x.argmax(1).astype(np.int32), x.max(1)), (X,)),
    ("ReduceStd", lambda x: P.ReduceStd(axis=1)(x), lambda x: (ops.std(x, 1, 1), ops.mean(x, 1)),
     lambda x: (x.std(1, ddof=1), x.mean(1)), (X,)),
    ("BiasAdd", lambda x, b: P.BiasAdd()(x, b), ops.bias_add, lambda x, b: x + b.reshape(1, 3, 1), (X, r(3))),
    ("BCEWithLogitsLoss", lambda x, y, w, pw: P.BCEWithLogitsLoss("none")(x, y, w, pw),
     lambda x, y, w, pw: ops.binary_cross_entropy_with_logits(x, y, w, pw, "none"), _np_bce_logits,
     (r(2, 3), LABEL, r(2, 3, lo=0.5, hi=1.5), r(3, lo=0.5, hi=2.0))),
    ("SigmoidCrossEntropyWithLogits", lambda x, y: P.SigmoidCrossEntropyWithLogits()(x, y),
     lambda x, y: ops.binary_cross_entropy_with_logits(x, y, reduction="none"),
     lambda x, y: _np_bce_logits(x, y, 1.0, 1.0), (r(2, 3), LABEL)),
    ("BinaryCrossEntropy", lambda p, y: P.BinaryCrossEntropy("sum")(p, y),
     lambda p, y: ops.binary_cross_entropy(p, y, reduction="sum"),
     lambda p, y: -np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)), (PROB, LABEL)),
    ("KLDivLoss", lambda lp, t: P.KLDivLoss("sum")(lp, t), lambda lp, t: ops.kl_div(lp, t, "sum"),
     lambda lp, t: np.sum(t * (np.log(t) - lp)), (LOGP, np.exp(np_log_softmax(r(4, 5), 1)).astype(np.float32))),
    ("SmoothL1Loss", lambda a, b: P.SmoothL1Loss(beta=0.5)(a, b), lambda a, b: ops.smooth_l1_loss(a, b, 0.5),
     lambda a, b: np.where(np.abs(a - b) < 0.5, 0.5 * (a - b) ** 2 / 0.5, np.abs(a - b) - 0.25), (X, Y)),
    ("NLLLoss", lambda lp, t, w: P.NLLLoss()(lp, t, w),
     lambda lp, t, w: (ops.nll_loss(lp, t, w), ops.sum(ops.gather(w, ops.select(t == -100, 0, t), 0)
                                                       * ops.cast(t != -100, ms.float32))),
     lambda lp, t, w: _np_nll(lp, t, w, "mean"), (LOGP, TARGET, W5)),
    ("AdaptiveAvgPool2D", lambda x: P.AdaptiveAvgPool2D((2, 1))(x), lambda x: ops.adaptive_avg_pool2d(x, (2, 1)),
     lambda x: np.stack([x[..., :2, :].mean((-2, -1)), x[..., 2:, :].mean((-2, -1))], -1)[..., None], (r(2, 3, 4, 5),)),
    ("Roll", lambda x: P.Roll(shift=(1, -2), axis=(0, 2))(x), lambda x: ops.roll(x, (1, -2), (0, 2)),
     lambda x: np.roll(x, (1, -2), (0, 2)), (X,)),
    ("Median", lambda x: P.Median(axis=1)(x), lambda x: ops.median(x, 1),
     lambda x: (np.sort(x, 1)[:, 1], np.argsort(x, 1, kind="stable")[:, 1]), (r(2, 4),)),
    ("Cross", lambda a, b: P.Cross()(a, b), ops.cross, lambda a, b: np.cross(a, b), (r(4, 3), r(4, 3))),
    ("NanToNum", lambda x: P.NanToNum(nan=2.0, posinf=5.0, neginf=-5.0)(x),
     lambda x: ops.nan_to_num(x, 2.0, 5.0, -5.0), lambda x: np.nan_to_num(x, nan=2.0, posinf=5.0, neginf=-5.0),
     (np.array([np.nan, np.inf, -np.inf, 1.0], np.float32),)),
    ("SoftMarginLoss", lambda x, y: P.SoftMarginLoss()(x, y), ops.soft_margin_loss,
     lambda x, y: np.mean(np.log1p(np.exp(-y * x))), (X, np.where(Y > 0, 1.0, -1.0).astype(np.float32))),
    ("Lerp", lambda a, b: P.Lerp()(a, b, 0.25), lambda a, b: ops.lerp(a, b, 0.25), lambda a, b: a + 0.25 * (b - a),
     (X, Y)),
    ("Addcmul", lambda a, b: P.Addcmul()(a, b, a, 0.5), lambda a, b: ops.addcmul(a, b, a, 0.5),
     lambda a, b: a + 0.5 * b * a, (X, Y)),
    ("Trace", lambda x: P.Trace()(x), ops.trace, np.trace, (r(3, 4),)),
    ("Diag", lambda x: P.Diag()(x), ops.diag, np.diag, (r(3),)),
    ("GLU", lambda x: P.GLU(axis=1)(x), lambda x: ops.glu(x, 1),
     lambda x: x[:, :2] / (1 + np.exp(-x[:, 2:])), (r(2, 4),)),
    ("Logit", lambda x: P.Logit(eps=0.1)(x), lambda x: ops.logit(x, 0.1),
     lambda x: np.log(np.clip(x, 0.1, 0.9) / (1 - np.clip(x, 0.1, 0.9))), (r(2, 3, lo=0.01, hi=0.99),)),
    ("Dense", lambda x, w, b: P.Dense()(x, w, b), ops.dense, lambda x, w, b: x @ w.T + b, (r(2, 3), r(4, 3), r(4))),
    ("EmbeddingLookup", lambda p, i: P.EmbeddingLookup()(p, i, 2), lambda p, i: ops.gather(p, i - 2, 0),
     lambda p, i: p[i - 2], (r(4, 3), np.array([[2, 5], [3, 4]]))),
    ("Range", lambda a, b, c: P.Range()(a, b, c), lambda a, b, c: ops.arange(a, b, c),
     lambda a, b, c: np.arange(a, b, c), (1, 11, 3)),
    ("LinSpace", lambda a, b: P.LinSpace()(a, b, 5), lambda a, b: ops.linspace(a, b, 5),
     lambda a, b: np.linspace(a, b, 5), (-1.0, 3.0)),
]


@pytest.mark.parametrize("name, cls_call, fn_call, ref, inputs", TWINS, ids=[t[0] for t in TWINS])
def test_class_and_function_twins_match_numpy(mode, name, cls_call, fn_call, ref, inputs):
    expect = ref(*[np.asarray(a) if isinstance(a, np.ndarray) else a for a in inputs])
    check(run(cls_call, *inputs), expect, rtol=1e-4, atol=1e-5)
    check(run(fn_call, *inputs), expect, rtol=1e-4, atol=1e-5)


# ---- convolution and pooling classes: MindSpore's attributes -------------------------------------------
@pytest.mark.parametrize("pad_mode, pad, stride, dilation, group", [
    ("valid", 0, 1, 1, 1), ("same", 0, 2, 1, 1), ("pad", (1, 0, 2, 1), (1, 1, 2, 1), 2, 1), ("same", 0, 1, 1, 2)])
def test_conv2d_class(mode, pad_mode, pad, stride, dilation, group):
    x, w = r(2, 4, 7, 6), r(6, 4 // group, 3, 3)
    conv = P.Conv2D(out_channel=6, kernel_size=3, pad_mode=pad_mode, pad=pad, stride=stride, dilation=dilation,
                    group=group)
    s, d = (stride[2:] if isinstance(stride, tuple) else stride), dilation
    pads = np_mode_pads(x.shape[2:], (3, 3), s, d, pad_mode, pad)
    expect = np_conv2d(x.astype(np.float64), w.astype(np.float64), s, pads, d, group)
    check(run(lambda a, b: conv(a, b), x, w), expect, rtol=1e-4, atol=1e-4)
    check(run(lambda a, b: ops.conv2d(a, b, None, s, pad_mode, pad, d, group), x, w), expect, rtol=1e-4, atol=1e-4)


def test_conv2d_backprop_input_class(mode):
    dy, w = r(2, 6, 4, 3), r(6, 4, 3, 3)
    size = (2, 4, 7, 6)
    pads = np_same_pads(size[2:], (3, 3), (2, 2), (1, 1))
    expect = np_conv_transpose(dy.astype(np.float64), w.astype(np.float64), size, 2, pads, 1, 1)
    for cls in (P.Conv2DBackpropInput, P.Conv2DTranspose):
        op = cls(out_channel=6, kernel_size=3, pad_mode="same", stride=2)
        check(run(lambda a, b: op(a, b, size), dy, w), expect, rtol=1e-4, atol=1e-4)


def test_conv2d_class_checks_its_attributes():
    with pytest.raises(ValueError, match="weight shape"):
        P.Conv2D(out_channel=5, kernel_size=3)(ms.Tensor(r(1, 2, 5, 5)), ms.Tensor(r(4, 2, 3, 3)))
    with pytest.raises(ValueError, match="pad must be 0"):
        P.Conv2D(4, 3, pad_mode="same", pad=1)
    with pytest.raises(ValueError, match="pad_mode"):
        P.Conv2D(4, 3, pad_mode="full")
    with pytest.raises(ValueError, match="data_format"):
        P.Conv2D(4, 3, data_format="NHWC")


@pytest.mark.parametrize("pad_mode", ["valid", "same"])
def test_max_and_avg_pool_classes(mode, pad_mode):
    x = r(2, 3, 7, 6)
    k, s = (3, 2), (2, 2)
    pads = np_same_pads(x.shape[2:], k, s, (1, 1)) if pad_mode == "same" else (0, 0, 0, 0)
    x64 = x.astype(np.float64)
    check(run(lambda t: P.MaxPool(kernel_size=k, strides=s, pad_mode=pad_mode)(t), x), np_pool(x64, k, s, pads, "max"))
    # MindSpore's AvgPool averages only the input elements a 'same' window covers
    check(run(lambda t: P.AvgPool(kernel_size=k, strides=s, pad_mode=pad_mode)(t), x),
          np_pool(x64, k, s, pads, "avg", count_include_pad=False), rtol=1e-5, atol=1e-6)
    check(run(lambda t: ops.max_pool2d(t, k, s, pads), x), np_pool(x64, k, s, pads, "max"))


def test_batch_norm_class_updates_running_statistics(mode):
    x = r(4, 3, 2, 2)
    mean = ms.Parameter(ms.Tensor(np.zeros(3, np.float32)), name="mean")
    var = ms.Parameter(ms.Tensor(np.ones(3, np.float32)), name="var")
    scale, bias = ms.Tensor(r(3, lo=0.5, hi=1.5)), ms.Tensor(r(3))
    bn = P.BatchNorm(is_training=True, epsilon=1e-5, momentum=0.1)
    y, bmean, bvar, _, _ = run(lambda t: bn(t, scale, bias, mean, var), x)
    x64 = x.astype(np.float64)
    mu, v = x64.mean((0, 2, 3)), x64.var((0, 2, 3))
    expect = (x64 - mu.reshape(1, 3, 1, 1)) / np.sqrt(v.reshape(1, 3, 1, 1) + 1e-5) \
        * scale.asnumpy().reshape(1, 3, 1, 1) + bias.asnumpy().reshape(1, 3, 1, 1)
    check(y, expect, rtol=1e-4, atol=1e-5)
    check(bmean, mu)
    unbiased = x64.var((0, 2, 3), ddof=1)
    check(bvar, unbiased, rtol=1e-4)
    check(mean, 0.1 * mu, rtol=1e-4)
    check(var, 0.9 + 0.1 * unbiased, rtol=1e-4)


# ---- parameters: Assign / assign and friends -----------------------------------------------------------
@pytest.mark.parametrize("cls, fn, ref", [
    (P.Assign, ops.assign, lambda p, v: v), (P.AssignAdd, ops.assign_add, lambda p, v: p + v),
    (P.AssignSub, ops.assign_sub, lambda p, v: p - v)])
def test_assign_twins(mode, cls, fn, ref):
    start, value = r(2, 3), r(2, 3)
    for call in (lambda p, v: cls()(p, v), fn):
        p = ms.Parameter(ms.Tensor(start), name="p")
        out = run(lambda v, p=p: call(p, v), value)
        check(p, ref(start, value))
        check(out, ref(start, value))


def test_assign_rejects_a_value_of_another_shape():
    p = ms.Parameter(ms.Tensor(np.zeros((2, 3), np.float32)), name="p")
    with pytest.raises(ValueError, match="shape"):
        ops.assign(p, ms.Tensor(np.zeros((3, 2), np.float32)))


# ---- order and value-dependent shapes ------------------------------------------------------------------
def test_topk_sorted_false_keeps_input_order(mode):
    x = np.array([[1.0, 9.0, 3.0, 7.0, 5.0], [8.0, 2.0, 6.0, 4.0, 0.0]], np.float32)
    values, idx = run(lambda t: P.TopK(sorted=False)(t, 3), x)
    np.testing.assert_array_equal(idx.asnumpy(), [[1, 3, 4], [0, 2, 3]])  # ascending positions
    assert idx.dtype == ms.int32  # MindSpore's TopK indices
    np.testing.assert_array_equal(values.asnumpy(), [[9.0, 7.0, 5.0], [8.0, 6.0, 4.0]])
    values, idx = run(lambda t: P.TopK()(t, 3), x)
    np.testing.assert_array_equal(values.asnumpy(), [[9.0, 7.0, 5.0], [8.0, 6.0, 4.0]])
    np.testing.assert_array_equal(idx.asnumpy(), [[1, 3, 4], [0, 2, 3]])
    values, idx = run(lambda t: ops.topk(t, 2, sorted=False), np.array([2.0, 8.0, 1.0, 9.0], np.float32))
    np.testing.assert_array_equal(values.asnumpy(), [8.0, 9.0])
    np.testing.assert_array_equal(idx.asnumpy(), [1, 3])


def test_unique_twins_and_graph_error(mode):
    x = np.array([5, 1, 5, 3, 1], np.int32)
    if mode == ms.GRAPH_MODE:
        with pytest.raises(GraphModeError, match="unique"):
            run(lambda t: P.Unique()(t), x)
        return
    for y, idx in (P.Unique()(ms.Tensor(x)), ops.unique(ms.Tensor(x))):
        np.testing.assert_array_equal(y.asnumpy(), [1, 3, 5])
        np.testing.assert_array_equal(idx.asnumpy(), [2, 0, 2, 1, 0])
        assert idx.dtype == ms.int32


@pytest.mark.parametrize("masks, index", [
    ((0, 0, 0, 0, 0), lambda x: x[1:3, 0:4:2]), ((1, 2, 0, 0, 0), lambda x: x[:3, 0::2]),
    ((0, 0, 0, 0, 1), lambda x: x[1, 0:4:2]), ((0, 0, 0, 1, 0), lambda x: x[None, 0:4:2])])
def test_strided_slice_masks(mode, masks, index):
    x = r(4, 5)
    begin, end, strides = (1, 0), (3, 4), (1, 2)
    if masks[3]:
        begin, end = (0, 0), (1, 4)
    op = P.StridedSlice(*masks)
    check(run(lambda t: op(t, begin, end, strides), x), index(x))
    check(run(lambda t: ops.strided_slice(t, begin, end, strides, *masks), x), index(x))


def test_bernoulli_class_with_a_probability_tensor():
    x = ms.Tensor(np.zeros((2, 4), np.float32))
    p = ms.Tensor(np.array([0.0, 1.0, 0.0, 1.0], np.float32))
    out = P.Bernoulli()(x, p).asnumpy()
    assert out.dtype == np.float32 and out.shape == (2, 4)
    np.testing.assert_array_equal(out, np.tile([0.0, 1.0, 0.0, 1.0], (2, 1)))  # p of 0 and 1 are certain
    np.testing.assert_array_equal(ops.bernoulli(x, 1.0).asnumpy(), np.ones((2, 4)))


def test_embedding_lookup_class_zeroes_rows_out_of_range():
    params = np.arange(12.0, dtype=np.float32).reshape(4, 3)
    out = P.EmbeddingLookup()(ms.Tensor(params), ms.Tensor(np.array([[5, 6], [9, 3]])), 5).asnumpy()
    np.testing.assert_array_equal(out, [[params[0], params[1]], [np.zeros(3), np.zeros(3)]])


def test_random_classes_respect_ranges_and_seeds():
    ms.set_seed(3)
    a = P.UniformInt(seed=2)((4, 5), ms.Tensor(2, ms.int32), ms.Tensor(6, ms.int32))
    assert a.dtype == ms.int32 and a.shape == (4, 5)
    assert a.asnumpy().min() >= 2 and a.asnumpy().max() < 6
    ms.set_seed(3)
    b = P.UniformInt(seed=2)((4, 5), 2, 6)
    np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())  # the same draw again under the same seeds
    perm = P.Randperm(max_length=6, pad=-1)(ms.Tensor(4, ms.int32)).asnumpy()
    assert sorted(perm[:4].tolist()) == [0, 1, 2, 3] and perm[4:].tolist() == [-1, -1]


def test_dtype_predicates():
    f, i = ms.Tensor(np.zeros(2, np.float16)), ms.Tensor(np.zeros(2, np.int32))
    assert ops.is_floating_point(f) and not ops.is_floating_point(i) and f.is_floating_point()
    assert not ops.is_complex(f) and not i.is_complex()
    with pytest.raises(TypeError, match="positive"):
        ops.positive(ms.Tensor(np.array([True])))


def test_print_twins(capsys):
    P.Print()(ms.Tensor(np.array([1.5, 2.0], np.float32)), "tag")
    ops.print_("tag", 3)
    out = capsys.readouterr().out.splitlines()
    assert out == ["[1.5 2. ] tag", "tag 3"]


def test_print_in_a_compiled_graph_prints_every_run(capsys):
    """GRAPH_MODE prints when the graph runs (not while compiling), in program order, inside a
    tensor-dependent branch too, and under a gradient - the text PYNATIVE prints."""
    class Net(ms.nn.Cell):
        def construct(self, x):
            y = x * 2
            ops.print_("y", y)
            if y.sum() > 5:
                P.Print()("big", y.sum())
            return (y * y).sum()

    def run(mode):
        ms.set_context(mode=mode)
        try:
            net = Net()
            for v in (1.0, 2.0):
                net(ms.Tensor(np.full(2, v, np.float32)))
            ms.grad(net)(ms.Tensor(np.full(2, 3.0, np.float32)))
        finally:
            ms.set_context(mode=ms.PYNATIVE_MODE)
        return capsys.readouterr().out.splitlines()

    want = ["y [2. 2.]", "y [4. 4.]", "big 8.0", "y [6. 6.]", "big 12.0"]
    assert run(ms.PYNATIVE_MODE) == want
    assert run(ms.GRAPH_MODE) == want


# ---- every twin pair exists ---------------------------------------------------------------------------
# MindSpore 2.x exports both spellings for these: class -> functional
PAIRS = {
    "Abs": "abs", "Add": "add", "AddN": "addn", "Assign": "assign", "AssignAdd": "assign_add",
    "AssignSub": "assign_sub", "Atan2": "atan2", "AvgPool": "avg_pool2d", "BatchMatMul": "bmm",
    "BatchNorm": "batch_norm", "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
    "BiasAdd": "bias_add", "BinaryCrossEntropy": "binary_cross_entropy", "BitwiseAnd": "bitwise_and",
    "BitwiseOr": "bitwise_or", "BitwiseXor": "bitwise_xor", "BroadcastTo": "broadcast_to", "Cast": "cast",
    "Ceil": "ceil", "CeLU": "celu", "Concat": "concat", "Conv2D": "conv2d", "Cos": "cos", "Cosh": "cosh",
    "CumSum": "cumsum", "Depend": "depend", "Div": "div", "DivNoNan": "div_no_nan", "Dropout": "dropout",
    "DType": "dtype", "Elu": "elu", "Equal": "equal", "Erf": "erf", "Erfc": "erfc", "Exp": "exp",
    "ExpandDims": "expand_dims", "Expm1": "expm1", "Eye": "eye", "FastGeLU": "fast_gelu", "Fill": "fill",
    "Flatten": "flatten", "Floor": "floor", "FloorDiv": "floor_div", "FloorMod": "floor_mod", "Gather": "gather",
    "GatherD": "gather_d", "GatherNd": "gather_nd", "GeLU": "gelu", "Greater": "greater",
    "GreaterEqual": "greater_equal", "HShrink": "hardshrink", "HSigmoid": "hardsigmoid", "HSwish": "hardswish",
    "Identity": "identity", "Inv": "inv", "Invert": "invert", "IsClose": "isclose", "IsFinite": "isfinite",
    "IsInf": "isinf", "IsNan": "isnan", "KLDivLoss": "kl_div", "L2Loss": "l2_loss", "LayerNorm": "layer_norm",
    "Less": "less", "LessEqual": "less_equal", "LinSpace": "linspace", "Log": "log", "Log1p": "log1p",
    "LogicalAnd": "logical_and", "LogicalNot": "logical_not", "LogicalOr": "logical_or",
    "LogicalXor": "logical_xor", "LogSoftmax": "log_softmax", "MaskedFill": "masked_fill",
    "MaskedSelect": "masked_select", "MatMul": "matmul", "Maximum": "maximum", "MaxPool": "max_pool2d",
    "Meshgrid": "meshgrid", "Minimum": "minimum", "Mish": "mish", "Mul": "mul", "Neg": "neg", "NLLLoss": "nll_loss",
    "NonZero": "nonzero", "NotEqual": "not_equal", "OneHot": "one_hot", "OnesLike": "ones_like", "Pad": "pad",
    "Pow": "pow", "PReLU": "prelu", "Print": "print_", "Randperm": "randperm", "Range": "range", "Rank": "rank",
    "Reciprocal": "reciprocal", "ReduceMax": "amax", "ReduceMean": "mean", "ReduceMin": "amin",
    "ReduceProd": "prod", "ReduceSum": "sum", "ReLU": "relu", "ReLU6": "relu6", "Reshape": "reshape",
    "ReverseV2": "reverse", "Round": "round", "Rsqrt": "rsqrt", "ScatterNd": "scatter_nd", "Select": "select",
    "SeLU": "selu", "Shape": "shape", "Sigmoid": "sigmoid", "Sign": "sign", "Sin": "sin", "Sinh": "sinh",
    "Size": "size", "Slice": "slice", "SmoothL1Loss": "smooth_l1_loss", "Softmax": "softmax",
    "Softplus": "softplus", "SoftShrink": "softshrink", "Softsign": "softsign", "Sort": "sort", "Split": "split",
    "Sqrt": "sqrt", "Square": "square", "SquaredDifference": "squared_difference", "Squeeze": "squeeze",
    "Stack": "stack", "StandardNormal": "standard_normal", "StopGradient": "stop_gradient",
    "StridedSlice": "strided_slice", "Sub": "sub", "Tan": "tan", "Tanh": "tanh",
    "TensorScatterAdd": "tensor_scatter_add", "TensorScatterUpdate": "tensor_scatter_update", "Tile": "tile",
    "TopK": "topk", "Transpose": "transpose", "Tril": "tril", "Triu": "triu", "Trunc": "trunc",
    "TruncateDiv": "truncate_div", "TruncateMod": "truncate_mod", "UniformReal": "uniform", "Unique": "unique",
    "Unstack": "unstack", "Xdivy": "xdivy", "Xlogy": "xlogy", "ZerosLike": "zeros_like", "Zeros": "zeros",
    "Ones": "ones", "Acosh": "acosh", "ACos": "acos", "Asin": "asin", "Asinh": "asinh", "Atan": "atan",
    "Atanh": "atanh", "AdaptiveAvgPool2D": "adaptive_avg_pool2d", "Argmax": "argmax", "Argmin": "argmin",
    "ArgMaxWithValue": "max", "ArgMinWithValue": "min", "SiLU": "silu", "Rint": "rint", "UniformInt": "randint",
    "Conv2DTranspose": "conv2d_transpose", "ApproximateEqual": "approximate_equal", "Lerp": "lerp", "Hypot": "hypot",
    "Heaviside": "heaviside", "Sinc": "sinc", "Addcdiv": "addcdiv", "Addcmul": "addcmul", "Ger": "ger",
    "Trace": "trace", "NanToNum": "nan_to_num", "Cross": "cross", "Median": "median", "Diag": "diag", "Roll": "roll",
    "SoftMarginLoss": "soft_margin_loss", "Bernoulli": "bernoulli", "Dense": "dense", "GLU": "glu", "Logit": "logit",
    # classes of the other op families (image, detection, constants, scatter, 3-D conv, ...)
    "AvgPool3D": "avg_pool3d", "Conv3D": "conv3d", "Conv3DTranspose": "conv3d_transpose", "MaxPool3D": "max_pool3d",
    "BoundingBoxDecode": "bounding_box_decode", "BoundingBoxEncode": "bounding_box_encode",
    "CheckValid": "check_valid", "CropAndResize": "crop_and_resize", "CumProd": "cumprod",
    "DepthToSpace": "depth_to_space", "SpaceToDepth": "space_to_depth", "IOU": "iou", "IndexAdd": "index_add",
    "InplaceAdd": "inplace_add", "L2Normalize": "l2_normalize", "LRN": "lrn", "LpNorm": "lp_norm",
    "MatrixInverse": "inverse", "Einsum": "einsum", "ReverseSequence": "reverse_sequence",
    "ScalarCast": "scalar_cast", "ScalarToArray": "scalar_to_array", "ScalarToTensor": "scalar_to_tensor",
    "TupleToArray": "tuple_to_array", "ScatterAdd": "scatter_add", "ScatterNdAdd": "scatter_nd_add",
    "ScatterNdSub": "scatter_nd_sub", "ScatterNdUpdate": "scatter_nd_update", "ScatterUpdate": "scatter_update",
    "NMSWithMask": "nms_with_mask", "ROIAlign": "roi_align", "RandomChoiceWithMask": "choice_with_mask",
    "RandomCategorical": "random_categorical", "ResizeBilinear": "resize_bilinear",
    "ResizeNearestNeighbor": "resize_nearest_neighbor", "FloatStatus": "float_status", "DiagPart": "diag_part",
}


@pytest.mark.parametrize("cls_name, fn_name", sorted(PAIRS.items()))
def test_every_twin_pair_exists(cls_name, fn_name):
    cls, fn = getattr(ops, cls_name), getattr(ops, fn_name)
    assert isinstance(cls, type) and issubclass(cls, ops.Primitive), cls_name
    assert callable(fn) and not isinstance(fn, type), fn_name
    assert getattr(P, cls_name) is cls  # P reaches the same class
    assert getattr(ops.function, fn_name) is fn  # one definition, also under ops.functional where it lives
    if fn_name != "range":  # ops.range is bound outside functional.py, whose code uses the builtin range
        assert getattr(ops.functional, fn_name) is fn


def test_every_primitive_class_has_a_listed_twin_or_none_in_mindspore():  # ops and P: every family
    """A new Primitive class must be added to PAIRS, or to the classes MindSpore gives no twin."""
    no_twin = {"Primitive", "PrimitiveOp", "PrimitiveWithInfer", "PrimitiveWithCheck", "RealDiv", "Mod",
               "LeakyReLU", "SoftmaxCrossEntropyWithLogits", "SparseSoftmaxCrossEntropyWithLogits", "TensorShape",
               "DynamicShape", "GatherV2", "Pack", "Unpack", "FastGelu", "Conv2DBackpropInput",
               "SigmoidCrossEntropyWithLogits",
               "ReduceAll", "ReduceAny", "ReduceStd", "Identity", "EmbeddingLookup", "Gelu", "TensorAdd",
               # MindSpore has no functional form of these (or one with another API: ops.ctc_loss is CTCLossV2's)
               "ApplyMomentum", "CTCLoss", "DropoutDoMask", "DropoutGenMask", "MaxPoolWithArgmax",
               "NPUAllocFloatStatus", "NPUClearFloatStatus", "NPUGetFloatStatus", "ScatterSub",
               # fused optimizer steps and Ascend recurrent kernels: Primitive classes only in MindSpore
               "Adam", "AdamWeightDecay", "FusedWeightScaleApplyMomentum", "DynamicRNN", "DynamicGRUV2",
               # collectives: their functional forms live in mindspore.communication.comm_func, not ops
               "AllGather", "AllReduce", "AlltoAll", "Broadcast", "ReduceScatter",
               # summary operators: Primitive classes only in MindSpore
               "HistogramSummary", "ImageSummary", "ScalarSummary", "TensorSummary"}
    classes = {n for n in dir(ops) if isinstance(getattr(ops, n), type) and issubclass(getattr(ops, n), ops.Primitive)}
    unlisted = sorted(classes - set(PAIRS) - no_twin)
    assert not unlisted, f"Primitive classes without a twin entry: {unlisted}"


@pytest.mark.parametrize("cls_name, fn_name", [("Softsign", "softsign"), ("Abs", "abs"), ("GatherD", "gather_d"),
                                               ("Assign", "assign"), ("Select", "select"), ("Inv", "inv")])
def test_class_and_tensor_method_call_the_functional_definition(cls_name, fn_name):
    fn = getattr(ops, fn_name)
    cells = [c.cell_contents for c in getattr(P, cls_name).__call__.__closure__ or ()]
    assert fn in cells, f"P.{cls_name} does not call ops.{fn_name}"
    if fn_name != "select" and hasattr(ms.Tensor, fn_name):  # Tensor.select(condition, y) reorders
        assert getattr(ms.Tensor, fn_name) is fn


@pytest.mark.parametrize("method", ["add", "sub", "mul", "div", "gt", "ge", "lt", "le", "eq", "ne", "equal", "minimum",
                                    "maximum", "bmm", "matmul", "logical_and", "logical_or", "logical_not",
                                    "logical_xor", "abs", "exp", "log", "sqrt", "pow", "neg", "greater", "less",
                                    "not_equal", "multiply", "subtract", "divide"])
def test_tensor_methods_mirror_functional_ops(mode, method):
    a, b = r(2, 3, lo=0.5, hi=2.0), r(2, 3, lo=0.5, hi=2.0)
    if method in ("bmm", "matmul"):
        a, b = r(2, 3, 4), r(2, 4, 5)
    unary = method in ("abs", "exp", "log", "sqrt", "neg", "logical_not")
    if method.startswith("logical"):
        a, b = a > 1, b > 1
    fn = getattr(ops, method)
    got = run((lambda x: getattr(x, method)()) if unary else (lambda x, y: getattr(x, method)(y)),
              *((a,) if unary else (a, b)))
    expect = run(fn if unary else (lambda x, y: fn(x, y)), *((a,) if unary else (a, b)))
    np_name = {"gt": "greater", "ge": "greater_equal", "lt": "less", "le": "less_equal", "eq": "equal",
               "ne": "not_equal", "neg": "negative", "pow": "power", "bmm": "matmul", "div": "divide",
               "sub": "subtract", "mul": "multiply"}.get(method, method)
    ref = getattr(np, np_name)(a) if unary else getattr(np, np_name)(a, b)
    check(got, ref, rtol=1e-5, atol=1e-5)
    check(expect, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("call, ref", [
    (lambda t: t.ptp(1), lambda a: np.ptp(a, 1)),
    (lambda t: t.mT, lambda a: np.swapaxes(a, -1, -2)),
    (lambda t: t.short(), lambda a: a.astype(np.int16)),
    (lambda t: t.roll(1, 1), lambda a: np.roll(a, 1, 1)),
    (lambda t: t.diagonal(), lambda a: np.diagonal(a)),
    (lambda t: t.trace(), lambda a: np.trace(a)),
    (lambda t: t.t(), lambda a: a.T),
    (lambda t: t.nelement(), lambda a: a.size),
    (lambda t: t.lerp(t * 2, 0.5), lambda a: 1.5 * a),
    (lambda t: t.reverse((0,)), lambda a: a[::-1]),
    (lambda t: t.argmax_with_value(1), lambda a: (a.argmax(1).astype(np.int32), a.max(1))),
], ids=["ptp", "mT", "short", "roll", "diagonal", "trace", "t", "nelement", "lerp", "reverse", "argmax_with_value"])
def test_more_tensor_methods(mode, call, ref):
    a = r(3, 4)
    check(run(call, a), ref(a), rtol=1e-5, atol=1e-5)
