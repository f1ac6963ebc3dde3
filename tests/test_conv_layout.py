"""Channels-last CPU kernels (ops/conv_cl.py) and the layout pass (passes/layout.py).

Numbers: every conv/pool/BatchNorm configuration of the op table gives, with channels-last
kernels, the numbers of the NCHW kernels (`set_context(disable_format_transform=True)`)
within float32 tolerance - forward and gradients, for NCHW and channels-last inputs, in
PYNATIVE and GRAPH_MODE - and the float64 numbers of the direct-loop references.
Layout: convolutions return channels-last memory that BatchNorm/ReLU/add keep; the layout
pass's assignment (golden) and the planned buffers follow it.
"""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

import mindlite as ms
from mindlite import Tensor, nn, ops
from mindlite.core.graph_trace import GraphTrace, run_traced
from mindlite.ops import conv as C
from mindlite.ops import conv_cl
from mindlite.passes import pipeline
from mindlite.passes.layout import channels_last_values, layout_report
from op_db import OP_DB
from test_conv_pool import ref_conv, ref_conv_transpose

LAYOUT_OPS = ("conv2d", "conv1d", "conv2d_transpose", "conv_transpose2d", "max_pool2d", "max_pool2d_indices",
              "avg_pool2d", "MaxPool2d", "AvgPool2d", "adaptive_avg_pool2d", "batch_norm", "batch_norm_p",
              "batch_norm_running_stats")
SPECS = [s for s in OP_DB if s.name in LAYOUT_OPS]


@pytest.fixture
def nchw_kernels():
    """Run the body with the NCHW kernels; restore channels-last afterwards."""
    ms.set_context(disable_format_transform=True)
    try:
        yield
    finally:
        ms.set_context(disable_format_transform=False)


def channels_last(a):
    """The same values with NHWC memory (4-D arrays only)."""
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2) if a.ndim == 4 else a


def _to_tensors(sample, layout):
    out = []
    for a in sample:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            a = a.astype(np.float32)
            out.append(Tensor(channels_last(a) if layout == "cl" else a))
        elif isinstance(a, np.ndarray):
            out.append(Tensor(a))
        else:
            out.append(a)
    return out


def _leaves(r):
    return [x.asnumpy() for x in (r if isinstance(r, (tuple, list)) else (r,)) if isinstance(x, Tensor)]


def _forward_and_grads(spec, sample, layout, mode):
    """Outputs and gradients (of sum(out * weights), w.r.t. every float array) as numpy arrays."""
    args = _to_tensors(sample, layout)
    pos = [i for i, a in enumerate(sample) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    outs = _leaves(spec.fn(*args))
    weights = [Tensor(np.linspace(-1, 1, o.size).reshape(o.shape).astype(np.float32))
               if o.dtype.kind == "f" else None for o in outs]

    def loss(*diff):
        full = list(args)
        for i, d in zip(pos, diff):
            full[i] = d
        r = spec.fn(*full)
        r = r if isinstance(r, (tuple, list)) else (r,)
        terms = [ops.sum(o * w) for o, w in zip(r, weights) if w is not None and isinstance(o, Tensor)]
        return terms[0] if len(terms) == 1 else sum(terms[1:], terms[0])

    grads = []
    if spec.grad and pos and any(w is not None for w in weights):
        g = ms.grad(loss, grad_position=tuple(range(len(pos))))
        if mode == "graph":
            g = ms.jit(g)
        got = g(*[args[i] for i in pos])
        grads = _leaves(got)
    if mode == "graph":
        outs = _leaves(ms.jit(lambda *a: spec.fn(*a))(*args)) if not spec.name.startswith("batch_norm_running") \
            else outs
    return outs + grads


def _close(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        if w.dtype.kind == "f":
            scale = max(1.0, float(np.abs(w).max(initial=0)))
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-5 * scale)
        else:
            np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
@pytest.mark.parametrize("mode", ["pynative", "graph"])
def test_channels_last_matches_nchw(spec, mode):
    """Every op-table sample: channels-last kernels (on NCHW and on channels-last inputs) give
    the NCHW kernels' outputs and gradients."""
    samples = list(spec.sample_inputs(np.random.default_rng(0)))
    for sample in samples:
        ms.set_context(disable_format_transform=True)
        try:
            want = _forward_and_grads(spec, sample, "nchw", "pynative")
        finally:
            ms.set_context(disable_format_transform=False)
        for layout in ("nchw", "cl"):
            _close(_forward_and_grads(spec, sample, layout, mode), want)


# ---- the kernels against the direct-loop references, float64 ---------------------------------------
GEOMETRIES = [  # n, c, h, w, o, kernel, stride, pads, dilation
    (2, 3, 9, 8, 4, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1)),
    (2, 5, 9, 8, 4, (3, 2), (2, 1), (1, 0, 2, 1), (1, 2)),      # rectangular stride/dilation, uneven pads
    (2, 6, 7, 7, 5, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1)),      # 1x1: one GEMM on the (N*H*W, C) view
    (2, 6, 7, 7, 5, (1, 1), (2, 2), (0, 0, 0, 0), (1, 1)),      # 1x1 stride 2 (a downsampling shortcut)
    (2, 4, 6, 6, 3, (1, 1), (2, 2), (1, 1, 1, 1), (1, 1)),      # 1x1 with padding: the im2col path
    (3, 4, 11, 10, 6, (7, 7), (2, 2), (3, 3, 3, 3), (1, 1)),    # a ResNet stem
    (1, 4, 5, 5, 3, (3, 3), (2, 2), (0, 1, 0, 1), (1, 1)),      # 'same' with the extra pixel bottom/right
    (2, 3, 4, 4, 2, (3, 3), (1, 1), (3, 3, 3, 3), (1, 1)),      # padding wider than the kernel
    (2, 3, 8, 8, 4, (3, 3), (1, 1), (2, 2, 2, 2), (2, 2)),      # dilation 2, stride 1 (the flipped-kernel path)
]


def _ref_filter_grad(x, w, dy, stride, pads, dilation):
    """dW[o, c, i, j] = sum over n, r, q of dy[n, o, r, q] * xpad[n, c, r*sh + i*dh, q*sw + j*dw], tap by tap."""
    (sh, sw), (dh, dw), (oh, ow) = stride, dilation, dy.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), pads[:2], pads[2:]))
    out = np.zeros_like(w)
    for i in range(w.shape[2]):
        for j in range(w.shape[3]):
            patch = xp[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw]
            out[:, :, i, j] = np.einsum("nohw,nchw->oc", dy, patch)
    return out


@pytest.mark.parametrize("geo", GEOMETRIES, ids=lambda g: "x".join(map(str, g[5])) + f"s{g[6][0]}{g[6][1]}")
@pytest.mark.parametrize("layout", ["nchw", "cl"])
def test_kernels_against_loops(geo, layout):
    n, c, h, w, o, k, s, p, d = geo
    rng = np.random.default_rng(1)
    x, wt = rng.standard_normal((n, c, h, w)), rng.standard_normal((o, c) + k)
    want = ref_conv(x, wt, s, p, d, 1)
    dy = rng.standard_normal(want.shape)
    xl, dyl = (channels_last(x), channels_last(dy)) if layout == "cl" else (x, dy)
    y = C._conv2d_impl(np, xl, wt, s, p, d, 1)
    assert conv_cl.is_channels_last(y)
    np.testing.assert_allclose(y, want, rtol=1e-10, atol=1e-10)
    want_dx = ref_conv_transpose(dy, wt, x.shape, s, p, d, 1)
    dx = conv_cl.conv2d_input(dyl, wt, x.shape, s, p, d)
    assert conv_cl.is_channels_last(dx)
    np.testing.assert_allclose(dx, want_dx, rtol=1e-10, atol=1e-10)
    # the primitive (fewer than 8 input channels take the NCHW col2im)
    np.testing.assert_allclose(C._conv2d_input_impl(np, dyl, wt, x.shape, s, p, d, 1), want_dx, rtol=1e-10,
                               atol=1e-10)
    dw = C._conv2d_filter_impl(np, dyl, xl, wt.shape, s, p, d, 1)
    assert dw.flags.c_contiguous
    np.testing.assert_allclose(dw, _ref_filter_grad(x, wt, dy, s, p, d), rtol=1e-10, atol=1e-10)


def test_filter_gradient_partial_sums():
    """Enough output rows for the chunked partial products (summed in chunk order)."""
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((3, 4, 48, 48)), rng.standard_normal((5, 4, 3, 3))
    dy = rng.standard_normal((3, 5, 48, 48))
    got = conv_cl.conv2d_filter(dy, x, w.shape, (1, 1), (1, 1, 1, 1), (1, 1))
    cols = np.lib.stride_tricks.sliding_window_view(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3), (2, 3))
    want = np.einsum("nohw,nchwij->ocij", dy, cols)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-9)


def test_max_pool_routes_ties_to_the_first_tap():
    x = np.zeros((1, 2, 4, 4))  # every window is a tie
    dy = np.arange(8.0).reshape(1, 2, 2, 2) + 1
    y = C._max_pool_impl(np, x, (2, 2), (2, 2), (0, 0, 0, 0))
    dx = C._max_pool_grad_impl(np, x, y, dy, (2, 2), (2, 2), (0, 0, 0, 0))
    want = np.zeros_like(x)
    want[:, :, ::2, ::2] = dy  # the top-left of each window
    np.testing.assert_array_equal(dx, want)
    assert conv_cl.is_channels_last(dx)


def test_layouts_propagate_in_pynative():
    """conv -> BatchNorm -> ReLU -> add -> max pool stays channels-last; the NCHW kernels
    give the same numbers."""
    ms.set_seed(0)
    conv, bn = nn.Conv2d(3, 8, 3, pad_mode="same"), nn.BatchNorm2d(8)
    bn.set_train()
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 10, 10)).astype(np.float32))

    def net(t):
        y = conv(t)
        z = ops.relu(bn(y)) + y
        return ops.max_pool2d(z, 3, 2, 1)
    y = conv(x)
    assert conv_cl.is_channels_last(y.asnumpy()) and not conv_cl.is_channels_last(x.asnumpy())
    z = net(x).asnumpy()
    assert conv_cl.is_channels_last(z)
    ms.set_context(disable_format_transform=True)
    try:
        z_nchw = net(x).asnumpy()
    finally:
        ms.set_context(disable_format_transform=False)
    assert z_nchw.flags.c_contiguous
    np.testing.assert_allclose(z, z_nchw, rtol=1e-5, atol=1e-5)


# ---- the layout pass --------------------------------------------------------------------------------
def _trace(fn, *avals):
    t = GraphTrace("f")
    args = [t.symbolic(s, d) for s, d in avals]
    out = run_traced(t, fn, tuple(args))
    return t.graph(list(out) if isinstance(out, (tuple, list)) else [out])


def _block(x, w1, w2, g, b, m, v):
    y = C.conv2d_p(x, w1, stride=(1, 1), pads=(1, 1, 1, 1), dilation=(1, 1), groups=1)
    z, _, _ = ms.ops.nn.batch_norm_p(y, g, b, m, v, training=True, eps=1e-5)
    r = ops.relu(z) + C.conv2d_p(x, w2, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1), groups=1)
    p = C.max_pool2d_p(r, kernel=(2, 2), stride=(2, 2), pads=(0, 0, 0, 0))
    return ops.reshape(p, (2, -1)) * 2.0


_AVALS = [((2, 3, 8, 8), np.float32), ((4, 3, 3, 3), np.float32), ((4, 3, 1, 1), np.float32)] + \
    [((4,), np.float32)] * 4


def test_layout_assignment_golden():
    g = _trace(_block, *_AVALS)
    got = layout_report(g)
    assert got == textwrap.dedent("""
        %7 = conv2d: NHWC
        %8, %9, %10 = batch_norm: NHWC - -
        %11 = relu: NHWC
        %12 = conv2d: NHWC
        %13 = add: NHWC
        %14 = max_pool2d: NHWC
        %15 = reshape: -
        %16 = mul: -""").strip("\n"), "\n" + got


def test_layout_assignment_with_format_transform_disabled(nchw_kernels):
    g = _trace(_block, *_AVALS)
    assert channels_last_values(g) == set()
    assert "NHWC" not in layout_report(g)


def test_planned_buffers_take_the_values_layout():
    """The memory plan allocates a channels-last buffer for a channels-last value, and the
    compiled graph gives the eager numbers."""
    g = pipeline.optimize(_trace(_block, *_AVALS))
    plan = g.memory_plan
    assert plan.channels_last, plan.buffers
    from mindlite.backend.executor import compile_graph
    run = compile_graph(g, np)
    bufs = run.fn.__globals__["_buffers"]()
    for k, b in enumerate(bufs):
        assert conv_cl.is_channels_last(b) == (k in plan.channels_last) or b.ndim != 4 or min(b.shape[1:]) == 1
        if k in plan.channels_last:
            assert not b.flags.c_contiguous
    rng = np.random.default_rng(0)
    args = [rng.standard_normal(s).astype(d) for s, d in _AVALS]
    got = run(*args)
    want = _block(*[Tensor(a) for a in args]).asnumpy()
    np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-5)


def test_resnet_like_training_step_both_modes():
    """A small conv net trained 3 steps: GRAPH_MODE and PYNATIVE give the same losses, and
    the channels-last and NCHW kernels agree."""
    def losses(mode, nchw):
        ms.set_context(mode=mode, disable_format_transform=nchw)
        try:
            ms.set_seed(0)
            net = nn.SequentialCell([nn.Conv2d(3, 8, 3, stride=2, has_bias=False), nn.BatchNorm2d(8), nn.ReLU(),
                                     nn.MaxPool2d(3, 2, pad_mode="same"), nn.Conv2d(8, 8, 1), nn.ReLU(),
                                     nn.Flatten(), nn.Dense(8 * 4 * 4, 5)])
            step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.SoftmaxCrossEntropyWithLogits(sparse=True,
                                                                                           reduction="mean")),
                                       nn.Momentum(net.trainable_params(), 0.1, 0.9))
            step.set_train()
            rng = np.random.default_rng(0)
            x = Tensor(rng.standard_normal((4, 3, 16, 16)).astype(np.float32))
            y = Tensor(rng.integers(0, 5, 4).astype(np.int32))
            return [float(step(x, y).asnumpy()) for _ in range(3)]
        finally:
            ms.set_context(mode=ms.PYNATIVE_MODE, disable_format_transform=False)
    ref = losses(ms.PYNATIVE_MODE, True)
    for mode in (ms.PYNATIVE_MODE, ms.GRAPH_MODE):
        np.testing.assert_allclose(losses(mode, False), ref, rtol=1e-4)
    np.testing.assert_allclose(losses(ms.GRAPH_MODE, True), ref, rtol=1e-4)


def test_disable_format_transform_is_validated():
    with pytest.raises(ValueError, match="disable_format_transform must be a bool"):
        ms.set_context(disable_format_transform="yes")
    assert ms.get_context("disable_format_transform") is False

