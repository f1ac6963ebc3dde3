"""conv/pool primitives (mindlite/ops/conv.py): forward vs direct-loop float64 references,
gradients (first and second order) vs central differences, pad_mode rules, and bad input."""
import numpy as np
import pytest

import mindlite as ms
from mindlite.ops import conv as C
from mindlite.ops.registry import aval_of
from util import numeric_grad_check, second_order_check


def T(a):
    return ms.Tensor(np.asarray(a, dtype=np.float64))


def rnd(*shape):
    return np.random.standard_normal(shape)


def _out(n, k, s, d, lo, hi):
    return (n + lo + hi - d * (k - 1) - 1) // s + 1


# ---- direct-loop references (explicit loops over output positions and kernel taps) ----------
def ref_conv(x, w, stride, pads, dilation, groups):
    (n, _, h, wd), (o, cg, kh, kw) = x.shape, w.shape
    (sh, sw), (dh, dw), og = stride, dilation, o // groups
    xp = np.pad(x, ((0, 0), (0, 0), pads[:2], pads[2:]))
    oh, ow = _out(h, kh, sh, dh, *pads[:2]), _out(wd, kw, sw, dw, *pads[2:])
    out = np.zeros((n, o, oh, ow))
    for g in range(groups):
        ci, co = slice(g * cg, (g + 1) * cg), slice(g * og, (g + 1) * og)
        for r in range(oh):
            for q in range(ow):
                for i in range(kh):
                    for j in range(kw):
                        out[:, co, r, q] += xp[:, ci, r * sh + i * dh, q * sw + j * dw] @ w[co, :, i, j].T
    return out


def ref_conv_transpose(dy, w, input_shape, stride, pads, dilation, groups):
    """Adjoint of ref_conv in x: scatter every output position back through every tap."""
    (n, c, h, wd), (o, cg, kh, kw) = input_shape, w.shape
    (sh, sw), (dh, dw), og = stride, dilation, o // groups
    dx = np.zeros((n, c, h + pads[0] + pads[1], wd + pads[2] + pads[3]))
    for g in range(groups):
        ci, co = slice(g * cg, (g + 1) * cg), slice(g * og, (g + 1) * og)
        for r in range(dy.shape[2]):
            for q in range(dy.shape[3]):
                for i in range(kh):
                    for j in range(kw):
                        dx[:, ci, r * sh + i * dh, q * sw + j * dw] += dy[:, co, r, q] @ w[co, :, i, j]
    return dx[:, :, pads[0]:pads[0] + h, pads[2]:pads[2] + wd]


def ref_pool(x, k, s, pads, kind, dilation=(1, 1), include_pad=True, extra=(0, 0)):
    """Max (-inf padding) or average pool; `extra` = ceil_mode's additional bottom/right rows."""
    n, c, h, w = x.shape
    oh = _out(h, k[0], s[0], dilation[0], pads[0], pads[1] + extra[0])
    ow = _out(w, k[1], s[1], dilation[1], pads[2], pads[3] + extra[1])
    out = np.zeros((n, c, oh, ow))
    for r in range(oh):
        for q in range(ow):
            vals, cnt = [], 0
            for i in range(k[0]):
                for j in range(k[1]):
                    y, z = r * s[0] + i * dilation[0] - pads[0], q * s[1] + j * dilation[1] - pads[2]
                    inside = 0 <= y < h and 0 <= z < w
                    in_pad = -pads[0] <= y < h + pads[1] and -pads[2] <= z < w + pads[3]
                    if inside:
                        vals.append(x[:, :, y, z])
                    cnt += inside or (include_pad and in_pad)
            out[:, :, r, q] = np.max(vals, 0) if kind == "max" else np.sum(vals, 0) / cnt
    return out


def ref_adaptive(x, oh, ow):
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            hs, he = (i * h) // oh, -(-(i + 1) * h // oh)
            ws, we = (j * w) // ow, -(-(j + 1) * w // ow)
            out[..., i, j] = x[..., hs:he, ws:we].mean(axis=(-2, -1))
    return out


# ---- conv2d -------------------------------------------------------------------------------
# (x shape, w shape, stride, pad_mode, padding, dilation, groups)
CONV_CASES = [
    ((2, 3, 7, 7), (4, 3, 3, 3), 1, "same", 0, 1, 1),
    ((2, 3, 8, 8), (4, 3, 3, 3), 2, "same", 0, 1, 1),          # asymmetric 'same' pad (0, 1)
    ((2, 3, 7, 6), (4, 3, 3, 3), 2, "valid", 0, 1, 1),
    ((1, 2, 6, 7), (3, 2, 3, 3), 1, "pad", (1, 2, 0, 1), 1, 1),
    ((1, 2, 9, 9), (3, 2, 3, 3), 1, "same", 0, 2, 1),           # dilation 2
    ((2, 4, 6, 6), (6, 2, 3, 3), 1, "same", 0, 1, 2),           # groups 2
    ((2, 4, 7, 7), (8, 1, 3, 3), 2, "pad", 1, 1, 4),            # depthwise, multiplier 2
    ((2, 5, 4, 4), (3, 5, 1, 1), 1, "valid", 0, 1, 1),          # 1x1: plain matmul
    ((2, 5, 5, 5), (3, 5, 1, 1), 2, "valid", 0, 1, 1),          # 1x1 stride 2
    ((1, 2, 7, 8), (3, 2, 2, 3), (2, 1), "same", 0, 1, 1),      # rectangular kernel and stride
    ((1, 2, 5, 5), (2, 2, 3, 3), 1, "pad", 3, 1, 1),            # padding wider than the kernel
    ((1, 32, 20, 21), (32, 32, 3, 3), 1, "same", 0, 1, 1),      # big enough for the flat stride-1 path
]


def _conv_fn(case):
    _, _, s, mode, p, d, g = case
    return lambda x, w: C.conv2d(x, w, stride=s, pad_mode=mode, padding=p, dilation=d, groups=g)


def _geometry(case):
    xs, ws, s, mode, p, d, _ = case
    s, d = C._pair(s, "stride", "t"), C._pair(d, "dilation", "t")
    return s, C.conv_pads(xs[2:], ws[2:], s, d, mode, p), d


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_forward_and_grad(case):
    x, w = rnd(*case[0]), rnd(*case[1])
    s, pads, d = _geometry(case)
    got = _conv_fn(case)(T(x), T(w)).asnumpy()
    np.testing.assert_allclose(got, ref_conv(x, w, s, pads, d, case[6]), rtol=1e-10, atol=1e-10)
    numeric_grad_check(_conv_fn(case), [x, w])


@pytest.mark.parametrize("case", [CONV_CASES[1], CONV_CASES[5], CONV_CASES[10], CONV_CASES[11]])
def test_conv2d_second_order(case):
    second_order_check(_conv_fn(case), [rnd(*case[0]), rnd(*case[1])])


@pytest.mark.parametrize("case", [CONV_CASES[i] for i in (0, 1, 4, 6, 10)])
def test_conv2d_backprops_match_adjoint_reference_and_grads(case):
    x, w = rnd(*case[0]), rnd(*case[1])
    s, pads, d = _geometry(case)
    geo = dict(stride=s, pads=pads, dilation=d, groups=case[6])
    dy = rnd(*ref_conv(x, w, s, pads, d, case[6]).shape)
    dx = C.conv2d_backprop_input_p(T(dy), T(w), input_shape=x.shape, **geo).asnumpy()
    np.testing.assert_allclose(dx, ref_conv_transpose(dy, w, x.shape, s, pads, d, case[6]), atol=1e-10)
    dw = C.conv2d_backprop_filter_p(T(dy), T(x), filter_shape=w.shape, **geo).asnumpy()
    np.testing.assert_allclose(np.sum(dw * w), np.sum(dy * ref_conv(x, w, s, pads, d, case[6])), rtol=1e-10)
    numeric_grad_check(lambda a, b: C.conv2d_backprop_input_p(a, b, input_shape=x.shape, **geo), [dy, w])
    numeric_grad_check(lambda a, b: C.conv2d_backprop_filter_p(a, b, filter_shape=w.shape, **geo), [dy, x])


# (x shape, w shape, pads, dilation, groups): the stride-1 flat path at any size, incl. kw == 1
@pytest.mark.parametrize("xs,ws,pads,d,g", [
    ((1, 4, 6, 7), (5, 4, 3, 3), (1, 1, 1, 1), (1, 1), 1), ((2, 4, 7, 6), (4, 2, 2, 3), (0, 1, 2, 0), (2, 1), 2),
    ((2, 3, 5, 5), (2, 3, 3, 1), (1, 1, 0, 0), (1, 1), 1), ((1, 2, 6, 6), (2, 2, 3, 3), (0, 0, 0, 0), (1, 1), 1)])
def test_flat_stride1_path(xs, ws, pads, d, g):
    x, w, v = rnd(*xs), rnd(*ws), rnd(*ws)
    oh, ow = C._conv_check("t", xs, ws, (1, 1), pads, d, g)
    np.testing.assert_allclose(C._conv_flat(np, x, w, pads, d, g, (oh, ow)), ref_conv(x, w, (1, 1), pads, d, g),
                               atol=1e-10)
    dy = rnd(xs[0], ws[0], oh, ow)
    dw = C._filter_flat(np, dy, x, ws, pads, d, g)  # adjoint identity <dw, v> = <dy, conv(x, v)>
    np.testing.assert_allclose(np.sum(dw * v), np.sum(dy * ref_conv(x, v, (1, 1), pads, d, g)), rtol=1e-10)
    assert C._use_flat(np, (1, 1), 32, (3, 3), (20, 21)) and not C._use_flat(np, (2, 2), 32, (3, 3), (20, 21))


def test_conv2d_float32_and_bias():
    x, w, b = rnd(2, 3, 6, 6).astype(np.float32), rnd(4, 3, 3, 3).astype(np.float32), rnd(4).astype(np.float32)
    out = C.conv2d(ms.Tensor(x), ms.Tensor(w), ms.Tensor(b), pad_mode="same")
    assert out.dtype == ms.float32
    ref = ref_conv(x.astype(np.float64), w.astype(np.float64), (1, 1), (1, 1, 1, 1), (1, 1), 1) + b[:, None, None]
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-4, atol=1e-4)
    numeric_grad_check(lambda x, w, b: C.conv2d(x, w, b, pad_mode="same"), [x.astype(float), w.astype(float), b * 1.])


def test_conv1d():
    x, w = rnd(2, 3, 9), rnd(4, 3, 3)
    got = C.conv1d(T(x), T(w), stride=2, pad_mode="pad", padding=(1, 2), dilation=1).asnumpy()
    ref = ref_conv(x[:, :, None], w[:, :, None], (1, 2), (0, 0, 1, 2), (1, 1), 1)[:, :, 0]
    np.testing.assert_allclose(got, ref, atol=1e-10)
    numeric_grad_check(lambda x, w: C.conv1d(x, w, pad_mode="same", dilation=2), [x, w])


# ---- transposed convolution ----------------------------------------------------------------
@pytest.mark.parametrize("mode,padding,stride,dilation,groups", [
    ("same", 0, 2, 1, 1), ("valid", 0, 2, 1, 2), ("valid", 0, 1, 2, 1), ("pad", (1, 0, 2, 1), 2, 1, 1)])
def test_conv2d_transpose_mindspore_shapes(mode, padding, stride, dilation, groups):
    x, w = rnd(2, 4, 4, 5), rnd(4, 3, 3, 3)
    out = C.conv2d_transpose(T(x), T(w), stride=stride, pad_mode=mode, padding=padding, dilation=dilation,
                             groups=groups)
    dk = dilation * 2 + 1
    p = C._pads4(padding, "t")
    size = {"same": lambda n: n * stride, "valid": lambda n: n * stride + max(dk - stride, 0),
            "pad": None}[mode]
    hw = (size(4), size(5)) if size else ((4 - 1) * stride + dk - p[0] - p[1], (5 - 1) * stride + dk - p[2] - p[3])
    assert out.shape == (2, 3 * groups, *hw)
    pads = C.conv_pads(hw, (3, 3), stride, dilation, mode, padding)
    ref = ref_conv_transpose(x, w, out.shape, (stride,) * 2, pads, (dilation,) * 2, groups)
    np.testing.assert_allclose(out.asnumpy(), ref, atol=1e-10)


def test_conv_transpose2d_pytorch_style_and_grads():
    x, w, b = rnd(1, 2, 3, 4), rnd(2, 3, 3, 3), rnd(3)
    f = lambda x, w, b: C.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)  # noqa: E731
    out = f(T(x), T(w), T(b))
    assert out.shape == (1, 3, (3 - 1) * 2 - 2 + 3 + 1, (4 - 1) * 2 - 2 + 3 + 1)
    ref = ref_conv_transpose(x, w, out.shape, (2, 2), (1, 1, 1, 1), (1, 1), 1) + b[:, None, None]
    np.testing.assert_allclose(out.asnumpy(), ref, atol=1e-10)
    numeric_grad_check(f, [x, w, b])
    second_order_check(lambda x, w: C.conv_transpose2d(x, w, stride=2, padding=1), [x, w])


# ---- pooling ---------------------------------------------------------------------------------
@pytest.mark.parametrize("k,s,mode,padding,d", [
    (3, 2, "same", 0, 1), (2, 2, "valid", 0, 1), (3, 1, "pad", (1, 0, 1, 1), 1), ((2, 3), (1, 2), "valid", 0, 1),
    (2, 1, "valid", 0, 2)])
def test_max_pool2d(k, s, mode, padding, d):
    x = rnd(2, 3, 7, 8)
    k2, s2, d2 = C._pair(k, "k", "t"), C._pair(s, "s", "t"), C._pair(d, "d", "t")
    pads = C.pool_pads(x.shape[2:], k2, s2, d2, mode, padding)
    f = lambda x: C.max_pool2d_p(x, kernel=k2, stride=s2, pads=pads, dilation=d2)  # noqa: E731
    np.testing.assert_allclose(f(T(x)).asnumpy(), ref_pool(x, k2, s2, pads, "max", d2), atol=0)
    numeric_grad_check(f, [x])
    second_order_check(f, [x])


def test_max_pool2d_ties_go_to_first_and_indices():
    x = np.array([[[[1., 3., 3.], [3., 0., 2.], [1., 1., 1.]]]])
    y = C.max_pool2d(T(x), 2, 1)
    grad = ms.grad(lambda x: C.max_pool2d(x, 2, 1).sum())(T(x)).asnumpy()
    np.testing.assert_array_equal(grad[0, 0], [[0, 2, 0], [1, 0, 1], [0, 0, 0]])
    out, idx = C.max_pool2d(T(x), 2, 1, return_indices=True)
    np.testing.assert_array_equal(out.asnumpy(), y.asnumpy())
    np.testing.assert_array_equal(idx.asnumpy()[0, 0], [[1, 1], [3, 5]])


def test_max_pool2d_functional_ceil_mode_and_3d_input():
    x = rnd(2, 3, 7, 7)
    out = C.max_pool2d(T(x), 3, 2, padding=1, ceil_mode=True)
    np.testing.assert_allclose(out.asnumpy(), ref_pool(x, (3, 3), (2, 2), (1, 1, 1, 1), "max", extra=(1, 1)))
    assert C.max_pool2d(T(x[0]), 2).shape == (3, 3, 3)
    numeric_grad_check(lambda x: C.max_pool2d(x, 3, 2, padding=1, ceil_mode=True), [x])


def test_max_pool2d_grad_primitives():
    x = rnd(2, 2, 6, 6)
    p = dict(kernel=(3, 3), stride=(2, 2), pads=(1, 1, 1, 1))
    y = C.max_pool2d_p(T(x), **p)
    dy, g = rnd(*y.shape), rnd(*x.shape)
    numeric_grad_check(lambda x, y, dy: C.max_pool2d_grad_p(x, y, dy, **p), [x, y.asnumpy(), dy], diff_args=[2])
    numeric_grad_check(lambda x, y, g: C.max_pool2d_gather_p(x, y, g, **p), [x, y.asnumpy(), g], diff_args=[2])


@pytest.mark.parametrize("k,s,padding,ceil,include,div", [
    (3, 2, 1, False, True, None), (3, 2, 1, False, False, None), (2, 2, 0, True, True, None),
    (3, 2, (1, 0, 0, 1), True, False, None), (2, 1, 1, False, True, 3)])
def test_avg_pool2d(k, s, padding, ceil, include, div):
    x = rnd(2, 3, 7, 6)
    f = lambda x: C.avg_pool2d(x, k, s, padding, ceil, include, div)  # noqa: E731
    pads = C._pads4(padding, "t")
    extra = [C._out_len(n, k, s, 1, pads[2 * a], pads[2 * a + 1], ceil)[1] for a, n in enumerate((7, 6))]
    ref = ref_pool(x, (k, k), (s, s), pads, "avg", include_pad=include, extra=extra)
    if div:
        ref = ref_pool(x, (k, k), (s, s), pads, "avg", include_pad=True) * (k * k) / div
    np.testing.assert_allclose(f(T(x)).asnumpy(), ref, rtol=1e-12, atol=1e-12)
    numeric_grad_check(f, [x])
    second_order_check(f, [x])
    y = rnd(*f(T(x)).shape)
    prm = dict(kernel=(k, k), stride=(s, s), pads=pads, ceil_mode=ceil, count_include_pad=include,
               divisor_override=div)
    numeric_grad_check(lambda dy: C.avg_pool2d_grad_p(dy, input_shape=x.shape, **prm), [y])


@pytest.mark.parametrize("shape,size", [((2, 3, 8, 6), (4, 3)), ((2, 3, 7, 5), (3, 2)), ((2, 3, 5, 5), 1),
                                        ((3, 7, 9), (4, None)), ((1, 2, 3, 3), (5, 4))])
def test_adaptive_avg_pool2d(shape, size):
    x = rnd(*shape)
    f = lambda x: C.adaptive_avg_pool2d(x, size)  # noqa: E731
    oh, ow = (size, size) if isinstance(size, int) else (size[0], size[1] or shape[-1])
    np.testing.assert_allclose(f(T(x)).asnumpy(), ref_adaptive(x, oh, ow), rtol=1e-12, atol=1e-12)
    numeric_grad_check(f, [x])
    second_order_check(f, [x])


# ---- pad_mode rules, infer, errors --------------------------------------------------------------
def test_conv_pads_rules():
    assert C.conv_pads((224, 224), 7, 2, 1, "same") == (2, 3, 2, 3)        # ResNet stem conv
    assert C.pool_pads((112, 112), 3, 2, 1, "same") == (0, 1, 0, 1)        # ResNet stem max pool
    assert C.conv_pads((9, 9), 3, 1, 2, "SAME") == (2, 2, 2, 2)
    assert C.conv_pads((9, 9), 3, 1, 1, "valid") == (0, 0, 0, 0)
    assert C.conv_pads((9, 9), 3, 1, 1, "pad", 2) == (2, 2, 2, 2)
    assert C.conv_pads((9, 9), 3, 1, 1, "pad", (1, 2)) == (1, 1, 2, 2)
    assert C.conv_pads((9, 9), 3, 1, 1, "pad", (1, 2, 3, 4)) == (1, 2, 3, 4)


def test_infer_matches_output():
    x, w = aval_of(rnd(2, 4, 7, 7)), aval_of(rnd(6, 2, 3, 3))
    geo = dict(stride=(2, 1), pads=(0, 1, 1, 1), dilation=(1, 2), groups=2)
    assert C.conv2d_p.infer(x, w, **geo).shape == C.conv2d_p(T(rnd(2, 4, 7, 7)), T(rnd(6, 2, 3, 3)), **geo).shape
    p = dict(kernel=(3, 2), stride=(2, 2), pads=(1, 1, 0, 1), ceil_mode=True)
    assert C.max_pool2d_p.infer(x, **p).shape == C.max_pool2d_p(T(rnd(2, 4, 7, 7)), **p).shape
    assert C.avg_pool2d_p.infer(x, **p).shape == C.avg_pool2d_p(T(rnd(2, 4, 7, 7)), **p).shape


@pytest.mark.parametrize("call,words", [
    (lambda: C.conv2d(T(rnd(2, 3, 7)), T(rnd(4, 3, 3))), ["conv2d", "[2, 3, 7]"]),
    (lambda: C.conv2d(T(rnd(2, 3, 7, 7)), T(rnd(4, 2, 3, 3))), ["conv2d", "[4, 2, 3, 3]", "3 channels"]),
    (lambda: C.conv2d(T(rnd(2, 4, 7, 7)), T(rnd(3, 2, 3, 3)), groups=2), ["conv2d", "[3, 2, 3, 3]"]),
    (lambda: C.conv2d(T(rnd(1, 1, 2, 2)), T(rnd(1, 1, 3, 3))), ["conv2d", "[1, 1, 2, 2]", "larger"]),
    (lambda: C.conv2d(T(rnd(1, 1, 5, 5)), T(rnd(1, 1, 3, 3)), pad_mode="same", padding=1), ["conv2d", "padding"]),
    (lambda: C.conv2d(T(rnd(1, 1, 5, 5)), T(rnd(1, 1, 3, 3)), pad_mode="full"), ["conv2d", "pad_mode"]),
    (lambda: C.conv2d_transpose(T(rnd(1, 2, 3, 3)), T(rnd(2, 1, 3, 3)), input_size=(1, 1, 9, 9)),
     ["conv2d_backprop_input", "[1, 2, 3, 3]"]),
    (lambda: C.max_pool2d(T(rnd(1, 1, 2, 2)), 3), ["max_pool2d", "[1, 1, 2, 2]"]),
    (lambda: C.avg_pool2d(T(rnd(1, 1, 2, 2, 2)), 1), ["avg_pool2d", "[1, 1, 2, 2, 2]"]),
    (lambda: C.adaptive_avg_pool2d(T(rnd(4, 4)), 2), ["adaptive_avg_pool2d", "[4, 4]"]),
])
def test_bad_input_raises_value_error(call, words):
    with pytest.raises(ValueError) as e:
        call()
    for word in words:
        assert word in str(e.value)
