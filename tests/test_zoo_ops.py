"""The model-zoo helpers that are not plain ops: ops.partial / HyperMap / Map /
MultitypeFuncGraph (as optimizers and gradient clipping use them, in both modes), Zeros/Ones
and the tuple/scalar constants, mindlite.log, the NPU overflow-status emulation and
FloatStatus, and the primitive-class spellings of the detection and image ops (their numbers
are checked by the op table, tests/op_db_zoo.py)."""
from __future__ import annotations

import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops
from mindlite.ops import composite as C, functional as F, operations as P


@pytest.fixture(params=[ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=request.param)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


# ---- MultitypeFuncGraph / HyperMap / Map / partial ------------------------------------------------
clip_grad = C.MultitypeFuncGraph("clip_grad")


@clip_grad.register("Number", "Number", "Tensor")
def _clip_grad(clip_type, clip_value, grad):
    if clip_type == 0:
        return ops.clip_by_value(grad, -clip_value, clip_value)
    return grad * (clip_value / ops.maximum(ops.norm(grad), clip_value))


scale_grad = C.MultitypeFuncGraph("scale_grad")


@scale_grad.register("Tensor", "Tensor")
def _scale_tensor(scale, grad):
    return grad * ops.reciprocal(scale)


@scale_grad.register("Tensor", "Tuple")
def _scale_tuple(scale, grads):
    return tuple(g * 10.0 for g in grads)


class ClipAndScale(nn.Cell):
    """The loss-scale / gradient-clipping pattern of the zoo's training cells."""

    def __init__(self):
        super().__init__()
        self.hyper_map = C.HyperMap()

    def construct(self, scale, g1, g2):
        grads = (g1, g2)
        grads = self.hyper_map(F.partial(scale_grad, scale), grads)
        return self.hyper_map(F.partial(clip_grad, 0, 1.0), grads)


def test_hypermap_partial_multitype_in_a_cell(mode):
    g1 = np.array([[4.0, -6.0], [1.0, 0.5]], np.float32)
    g2 = np.array([3.0, -1.0, 8.0], np.float32)
    out = ClipAndScale()(ms.Tensor(np.float32(2.0)), ms.Tensor(g1), ms.Tensor(g2))
    assert isinstance(out, tuple) and len(out) == 2
    np.testing.assert_allclose(out[0].asnumpy(), np.clip(g1 / 2, -1, 1))
    np.testing.assert_allclose(out[1].asnumpy(), np.clip(g2 / 2, -1, 1))


def test_hypermap_gradients_in_both_modes(mode):
    w = ms.Parameter(ms.Tensor(np.array([1.0, -2.0, 3.0], np.float32)), name="w")

    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.w = w
            self.map = ops.HyperMap()

        def construct(self, x):
            ys = self.map(ops.partial(clip_grad, 1, 2.0), (x * self.w, x + self.w))
            return ops.sum(ys[0]) + ops.sum(ys[1] * ys[1])

    x = ms.Tensor(np.array([0.5, 0.25, -1.0], np.float32))
    grads = ms.grad(Net(), grad_position=None, weights=[w])(x)
    xv, wv = x.asnumpy().astype(np.float64), w.asnumpy().astype(np.float64)

    def ref(wv):
        a, b = xv * wv, xv + wv
        a = a * (2.0 / max(np.linalg.norm(a), 2.0))
        b = b * (2.0 / max(np.linalg.norm(b), 2.0))
        return a.sum() + (b * b).sum()
    num = np.array([(ref(wv + 1e-6 * e) - ref(wv - 1e-6 * e)) / 2e-6 for e in np.eye(3)])
    np.testing.assert_allclose(grads[0].asnumpy(), num, rtol=1e-3, atol=1e-4)


def test_hypermap_nested_and_map_top_level():
    sq = ops.MultitypeFuncGraph("sq")

    @sq.register("Tensor")
    def _(x):
        return x * x

    @sq.register("Tuple")
    def _(t):
        return len(t)

    nest = ((ms.Tensor(1.0), ms.Tensor(2.0)), (ms.Tensor(3.0),))
    out = ops.HyperMap(sq)(nest)
    assert [[float(v) for v in t] for t in out] == [[1.0, 4.0], [9.0]]
    assert ops.Map()(sq, nest) == (2, 1)           # Map passes the inner tuples whole
    lst = ops.HyperMap()(sq, [ms.Tensor(2.0), ms.Tensor(5.0)])
    assert isinstance(lst, list) and [float(v) for v in lst] == [4.0, 25.0]
    order = []
    ops.HyperMap(reverse=True)(lambda a: order.append(float(a)), (ms.Tensor(1.0), ms.Tensor(2.0)))
    assert order == [2.0, 1.0]


def test_multitype_dispatch_prefers_the_specific_signature():
    f = ops.MultitypeFuncGraph("f")
    f.register("Number")(lambda v: "number")
    f.register("Int")(lambda v: "int")
    f.register("Bool")(lambda v: "bool")
    f.register("Tensor", "List")(lambda t, l: "tensor-list")
    assert f(1.5) == "number" and f(3) == "int" and f(True) == "bool"
    assert f(ms.Tensor(1.0), [1]) == "tensor-list"
    with pytest.raises(TypeError, match=r"no implementation registered for arguments \(str\)"):
        f("text")
    with pytest.raises(TypeError, match="unknown type"):
        f.register("Matrix")


def test_hypermap_mismatched_inputs_raise():
    add = ops.MultitypeFuncGraph("add")
    add.register("Tensor", "Tensor")(lambda a, b: a + b)
    with pytest.raises(ValueError, match="different lengths"):
        ops.HyperMap(add)((ms.Tensor(1.0),), (ms.Tensor(1.0), ms.Tensor(2.0)))
    with pytest.raises(TypeError, match="all be tuples or all be lists"):
        ops.HyperMap(add)((ms.Tensor(1.0),), ms.Tensor(1.0))
    with pytest.raises(TypeError, match="first input must be the function"):
        ops.HyperMap()((ms.Tensor(1.0),))
    with pytest.raises(TypeError, match="callable"):
        ops.partial(3, 1)


# ---- constants -------------------------------------------------------------------------------------
def test_zeros_ones_and_constant_helpers(mode):
    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.zeros, self.ones = P.Zeros(), P.Ones()

        def construct(self, x):
            z = self.zeros((2, 3), ms.float32)
            o = self.ones(3, ms.int32)
            t = F.tuple_to_array((1.0, 2.0, 3.0))
            s = F.scalar_to_tensor(2, ms.float32)
            r = F.make_range(1, 7, 2)
            return z + x * t * s + ops.cast(o, ms.float32), F.tuple_len(r) + r[-1]

    x = np.array([0.5, 1.0, -1.0], np.float32)
    out, n = Net()(ms.Tensor(x))
    np.testing.assert_allclose(out.asnumpy(), np.zeros((2, 3)) + x * np.array([1.0, 2.0, 3.0]) * 2 + 1)
    assert int(n) == 3 + 5


def test_constant_helpers_follow_mindspore():
    t = ops.TupleToArray()((1, 2, 3))
    assert t.dtype == ms.int64 and t.asnumpy().tolist() == [1, 2, 3]
    assert ops.tuple_to_array(((1.0, 2.0), (3.0, 4.0))).dtype == ms.float32
    assert ops.ScalarToTensor()(7).dtype == ms.float32 and float(ops.ScalarToTensor()(7, ms.int32)) == 7
    assert ops.ScalarToArray()(1).dtype == ms.int64 and ops.ScalarToArray()(1.5).dtype == ms.float32
    assert ops.ScalarCast()(255.9, ms.int32) == 255 and isinstance(ops.scalar_cast(3, ms.float32), float)
    assert F.make_range(4) == (0, 1, 2, 3) and F.make_range(5, 0, -2) == (5, 3, 1)
    assert ops.Zeros()(4).dtype == ms.float32 and ops.Ones()((2, 2), ms.bool_).asnumpy().all()
    with pytest.raises(TypeError, match="tuple_to_array: input_x must be a tuple"):
        ops.tuple_to_array(3)
    with pytest.raises(ValueError, match="must not be empty"):
        ops.tuple_to_array(())
    with pytest.raises(ValueError, match="delta must not be 0"):
        F.make_range(0, 3, 0)
    with pytest.raises(TypeError, match="Zeros: size must be"):
        ops.Zeros()(2.5, ms.float32)


# ---- mindlite.log ------------------------------------------------------------------------------------
@pytest.fixture
def fresh_log(monkeypatch):
    from mindlite import log
    for name in ("GLOG_v", "GLOG_logtostderr", "GLOG_log_dir", "logger_maxBytes", "logger_backupCount",
                 "GLOG_stderrthreshold"):
        monkeypatch.delenv(name, raising=False)
    log._reset()
    yield log, monkeypatch
    log._reset()


def test_log_level_from_environment(fresh_log, capsys):
    log, mp = fresh_log
    assert ms.get_level() == "2" and ms.get_log_config() == {"GLOG_v": "2", "GLOG_logtostderr": "1"}
    log.info("hidden at the default WARNING level")
    log.warning("shown %d", 7)
    err = capsys.readouterr().err
    assert "hidden" not in err and "[WARNING]" in err and "shown 7" in err and "test_zoo_ops.py" in err
    log._reset()
    mp.setenv("GLOG_v", "1")
    assert log.get_level() == "1"
    log.info("now shown")
    assert "[INFO]" in capsys.readouterr().err
    log._reset()
    mp.setenv("GLOG_v", "7")
    with pytest.raises(ValueError, match="GLOG_v='7' must be one of"):
        log.get_level()


def test_log_to_rotating_file(fresh_log, tmp_path):
    log, mp = fresh_log
    mp.setenv("GLOG_logtostderr", "0")
    mp.setenv("GLOG_log_dir", str(tmp_path))
    mp.setenv("GLOG_v", "0")
    log.debug("debug line")
    log.error("error line")
    for h in log.get_logger().handlers:
        h.flush()
    text = "".join(p.read_text() for p in tmp_path.iterdir())
    assert "debug line" in text and "error line" in text and "[DEBUG]" in text
    cfg = log.get_log_config()
    assert cfg["GLOG_log_dir"] == str(tmp_path) and cfg["logger_maxBytes"] == "52428800"
    log._reset()
    mp.delenv("GLOG_log_dir")
    with pytest.raises(ValueError, match="needs GLOG_log_dir"):
        log.info("x")


# ---- overflow status ------------------------------------------------------------------------------------
class OverflowCheck(nn.Cell):
    """The zoo's Ascend loss-scale pattern: alloc, clear, compute gradients, read the status."""

    def __init__(self):
        super().__init__()
        self.alloc = ops.NPUAllocFloatStatus()
        self.clear = ops.NPUClearFloatStatus()
        self.get = ops.NPUGetFloatStatus()

    def construct(self, x, scale):
        status = self.alloc()
        status = F.depend(status, x)
        clear = self.clear(status)
        scale = F.depend(scale, clear)
        grads = ms.grad(lambda v: ops.sum(ops.log(v) * scale))(x)
        status = F.depend(status, grads)
        got = self.get(status)
        status = F.depend(status, got)
        return ops.sum(status, 0) >= 1.0, grads, got


def test_npu_float_status_detects_overflow_in_gradients(mode):
    net = OverflowCheck()
    f32 = lambda v: ms.Tensor(np.array(v, np.float32))  # noqa: E731
    overflow, grads, got = net(f32([1.0, 2.0]), f32(3.0))
    assert not bool(overflow) and np.allclose(grads.asnumpy(), [3.0, 1.5]) and not got.asnumpy().any()
    with np.errstate(all="ignore"):
        overflow, _, _ = net(f32([1e-30, 2.0]), f32(1e10))   # the gradient 1e40 overflows float32
        assert bool(overflow)
        overflow, _, _ = net(f32([-1.0, 2.0]), f32(1.0))      # log(-1) is nan in the forward
        assert bool(overflow)
    overflow, _, _ = net(f32([4.0, 2.0]), f32(1.0))
    assert not bool(overflow)
    from mindlite.core.trace import STATE
    assert STATE.trace is None, "the status watch outlived NPUGetFloatStatus"


def test_npu_status_ops_check_their_input():
    assert ops.NPUAllocFloatStatus()().shape == (8,)
    with pytest.raises(ValueError, match=r"shape \(8,\)"):
        ops.NPUGetFloatStatus()(ms.Tensor(np.zeros(3, np.float32)))
    with pytest.raises(TypeError, match="must be the Tensor"):
        ops.NPUClearFloatStatus()(np.zeros(8))
    st = ops.NPUAllocFloatStatus()()
    assert not ops.NPUGetFloatStatus()(st).asnumpy().any() and not st.asnumpy().any()  # never cleared: clear


def test_float_status(mode):
    fs = ops.FloatStatus()
    assert fs(ms.Tensor(np.array([1.0, 2.0], np.float32))).asnumpy().tolist() == [0.0]
    out = ms.jit(lambda x: fs(x * 2))(ms.Tensor(np.array([1.0, np.inf], np.float32)))
    assert out.dtype == ms.float32 and out.asnumpy().tolist() == [1.0]
    with pytest.raises(TypeError, match="FloatStatus: input_x must be float"):
        fs(ms.Tensor(np.array([1, 2])))


# ---- detection / image classes: MindSpore's spellings and argument checks -----------------------------
def test_class_and_functional_spellings_agree():
    rng = np.random.default_rng(0)
    a = ms.Tensor(np.array([[0, 0, 4, 4], [2, 2, 9, 7]], np.float32))
    g = ms.Tensor(np.array([[1, 1, 5, 5], [0, 0, 3, 9], [6, 1, 9, 4]], np.float32))
    np.testing.assert_array_equal(P.IOU()(a, g).asnumpy(), ops.iou(a, g).asnumpy())
    assert P.IOU("iof")(a, g).shape == (3, 2)
    x = ms.Tensor(rng.standard_normal((1, 2, 3, 3)).astype(np.float32))
    np.testing.assert_array_equal(P.ResizeNearestNeighbor((6, 6))(x).asnumpy(),
                                  ops.resize_nearest_neighbor(x, (6, 6)).asnumpy())
    img = ms.Tensor(rng.standard_normal((1, 4, 4, 2)))
    out = P.CropAndResize()(img, ms.Tensor(np.array([[0.1, 0.1, 0.9, 0.8]])), ms.Tensor(np.array([0], np.int32)),
                            (2, 3))
    assert out.dtype == ms.float32 and out.shape == (1, 2, 3, 2)   # MindSpore's float32 result


def test_bad_arguments_raise_mindspore_exception_types():
    box = ms.Tensor(np.ones((2, 4), np.float32))
    with pytest.raises(KeyError, match="mode must be 'iou' or 'iof'"):
        ops.IOU("giou")
    with pytest.raises(TypeError, match="anchor_boxes must be float"):
        ops.iou(ms.Tensor(np.ones((2, 4), np.int32)), box)
    with pytest.raises(TypeError, match="must have one dtype"):
        ops.iou(box, ms.Tensor(np.ones((2, 4))))
    with pytest.raises(ValueError, match=r"gt_boxes must have shape \(N, 4\)"):
        ops.iou(box, ms.Tensor(np.ones((2, 5), np.float32)))
    with pytest.raises(ValueError, match="half_pixel_centers=True needs align_corners=False"):
        ops.ResizeNearestNeighbor((2, 2), True, True)
    with pytest.raises(TypeError, match="size must be a tuple or list"):
        ops.ResizeNearestNeighbor(3)
    with pytest.raises(ValueError, match="mode 'bicubic' needs a 4-d input"):
        ops.interpolate(ms.Tensor(np.ones((1, 1, 4))), size=3, mode="bicubic")
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        ops.interpolate(ms.Tensor(np.ones((1, 1, 4, 4))), size=3, scale_factor=2.0)
    with pytest.raises(ValueError, match="not divisible by block_size"):
        ops.DepthToSpace(2)(ms.Tensor(np.ones((1, 6, 2, 2))))
    with pytest.raises(ValueError, match="bilinear_v2' is not supported"):
        ops.crop_and_resize(ms.Tensor(np.ones((1, 2, 2, 1))), ms.Tensor(np.ones((1, 4))),
                            ms.Tensor(np.zeros(1, np.int32)), (2, 2), "bilinear_v2")
    with pytest.raises(ValueError, match="count must be a positive int"):
        ops.random_choice_with_mask(ms.Tensor(np.ones(3, bool)), 0)
    with pytest.raises(TypeError, match="must be a bool tensor"):
        ops.RandomChoiceWithMask(2)(ms.Tensor(np.ones(3)))


def test_detection_ops_have_no_gradient_as_in_mindspore():
    a = ms.Tensor(np.array([[0.0, 0.0, 4.0, 4.0]]))
    g = ms.Tensor(np.array([[1.0, 1.0, 5.0, 6.0]]))
    grads = ms.grad(lambda a, g: ops.sum(ops.iou(a, g)) + ops.sum(ops.bounding_box_encode(a, g)),
                    grad_position=(0, 1))(a, g)
    assert all(not v.asnumpy().any() for v in grads)



# ---- in-place scatter updates of Parameters ------------------------------------------------------------
class ScatterStep(nn.Cell):
    """Updates a Parameter with the zoo's scatter ops inside construct (as embedding caches do)."""

    def __init__(self):
        super().__init__()
        self.table = ms.Parameter(ms.Tensor(np.arange(12, dtype=np.float32).reshape(4, 3)), name="table")
        self.nd_update, self.nd_add = ops.ScatterNdUpdate(), ops.ScatterNdAdd()
        self.add, self.update = ops.ScatterAdd(), ops.ScatterUpdate()
        self.index_add = ops.IndexAdd(axis=1)

    def construct(self, idx_nd, upd_nd, rows, upd_rows, cols, upd_cols):
        self.nd_update(self.table, idx_nd, upd_nd)
        self.nd_add(self.table, idx_nd, upd_nd)
        self.add(self.table, rows, upd_rows)
        self.update(self.table, rows[:1], upd_rows[:1] * 10)
        return self.index_add(self.table, cols, upd_cols) * 1.0


def test_inplace_scatter_updates_both_modes(mode):
    net = ScatterStep()
    idx_nd = np.array([[0, 1], [3, 2]], np.int32)
    upd_nd = np.array([-1.0, -2.0], np.float32)
    rows = np.array([2, 1, 2], np.int32)
    upd_rows = np.ones((3, 3), np.float32)
    cols = np.array([0, 0], np.int32)
    upd_cols = np.full((4, 2), 0.5, np.float32)
    want = np.arange(12, dtype=np.float64).reshape(4, 3)
    want[0, 1], want[3, 2] = -1.0, -2.0
    want[0, 1] += -1.0
    want[3, 2] += -2.0
    np.add.at(want, rows, upd_rows)
    want[rows[0]] = upd_rows[0] * 10
    want[:, 0] += 1.0
    out = net(*[ms.Tensor(a) for a in (idx_nd, upd_nd, rows, upd_rows, cols, upd_cols)])
    np.testing.assert_allclose(out.asnumpy(), want)
    np.testing.assert_allclose(net.table.asnumpy(), want)   # the Parameter itself was updated


def test_scatter_update_errors():
    p = ms.Parameter(ms.Tensor(np.zeros((3, 2), np.float32)), name="p")
    with pytest.raises(ValueError, match=r"updates shape \[2\] should be \[2, 2\]"):
        ops.ScatterUpdate()(p, ms.Tensor(np.array([0, 1])), ms.Tensor(np.zeros(2, np.float32)))
    with pytest.raises(TypeError, match="indices must be int32 or int64"):
        ops.ScatterNdUpdate()(p, ms.Tensor(np.zeros((1, 1), np.float32)), ms.Tensor(np.zeros((1, 2), np.float32)))
    with pytest.raises(ValueError, match=r"indices must be in \[0, 2\)"):
        ops.IndexAdd(1)(p, ms.Tensor(np.array([2], np.int32)), ms.Tensor(np.zeros((3, 1), np.float32)))


# ---- fused recurrent primitives ------------------------------------------------------------------------
def _sig(x):
    return 1 / (1 + np.exp(-x))


def test_dynamic_rnn_matches_numpy(mode):
    rng = np.random.default_rng(0)
    t, b, i, h = 4, 2, 3, 5
    x = rng.uniform(-1, 1, (t, b, i)).astype(np.float32)
    w = rng.uniform(-0.5, 0.5, (i + h, 4 * h)).astype(np.float32)
    bias = rng.uniform(-0.5, 0.5, (4 * h,)).astype(np.float32)
    h0, c0 = rng.uniform(-1, 1, (1, b, h)).astype(np.float32), rng.uniform(-1, 1, (1, b, h)).astype(np.float32)
    out = ops.DynamicRNN(forget_bias=1.0, cell_clip=2.0)(*[ms.Tensor(a) for a in (x, w, bias)], None,
                                                        ms.Tensor(h0), ms.Tensor(c0))
    hh, cc = h0[0].astype(np.float64), c0[0].astype(np.float64)
    ys, cs, ts = [], [], []
    for s in range(t):
        g = np.concatenate([x[s], hh], 1) @ w + bias
        gi, gj, gf, go = np.split(g, 4, 1)
        cc = np.clip(_sig(gf + 1.0) * cc + _sig(gi) * np.tanh(gj), -2.0, 2.0)
        hh = _sig(go) * np.tanh(cc)
        ys.append(hh)
        cs.append(cc)
        ts.append(np.tanh(cc))
    assert len(out) == 8
    np.testing.assert_allclose(out[0].asnumpy(), np.array(ys), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[1].asnumpy(), np.array(ys), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[2].asnumpy(), np.array(cs), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[7].asnumpy(), np.array(ts), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("gate_order,reset_after", [("rzh", True), ("zrh", False)])
def test_dynamic_gru_v2_matches_numpy(mode, gate_order, reset_after):
    rng = np.random.default_rng(1)
    t, b, i, h = 3, 2, 4, 3
    x = rng.uniform(-1, 1, (t, b, i)).astype(np.float32)
    wi, wh = rng.uniform(-0.5, 0.5, (i, 3 * h)).astype(np.float32), rng.uniform(-0.5, 0.5, (h, 3 * h)).astype(np.float32)
    bi, bh = rng.uniform(-0.5, 0.5, (3 * h,)).astype(np.float32), rng.uniform(-0.5, 0.5, (3 * h,)).astype(np.float32)
    h0 = rng.uniform(-1, 1, (b, h)).astype(np.float32)
    out = ops.DynamicGRUV2(gate_order=gate_order, reset_after=reset_after)(
        *[ms.Tensor(a) for a in (x, wi, wh, bi, bh)], None, ms.Tensor(h0))

    def split(v):
        a, c, n = np.split(v, 3, -1)
        return (a, c, n) if gate_order == "rzh" else (c, a, n)
    hh = h0.astype(np.float64)
    ys = []
    for s in range(t):
        xr, xz, xn = split(x[s] @ wi + bi)
        hr, hz, hn = split(hh @ wh + bh)
        r, z = _sig(xr + hr), _sig(xz + hz)
        if reset_after:
            n = np.tanh(xn + r * hn)
        else:
            n = np.tanh(xn + (r * hh) @ split(wh)[2] + split(bh)[2])
        hh = z * hh + (1 - z) * n
        ys.append(hh)
    assert len(out) == 6
    np.testing.assert_allclose(out[0].asnumpy(), np.array(ys), rtol=1e-5, atol=1e-6)


def test_legacy_functional_spellings_and_add_flags():
    a, b = ms.Tensor(np.array([2.0, 3.0])), ms.Tensor(np.array([4.0, 0.5]))
    assert F.tensor_mul(a, b).asnumpy().tolist() == [8.0, 1.5] and F.tensor_add(a, b).asnumpy().tolist() == [6.0, 3.5]
    assert ops.pows(a, 2).asnumpy().tolist() == [4.0, 9.0] and F.tensor_floordiv(b, a).asnumpy().tolist() == [2.0, 0.0]

    @ops.add_flags(has_effect=True)
    def f(x):
        return x
    assert f._func_graph_flags == {"has_effect": True}
    g = ops.add_flags(lambda x: x, loop_can_unroll=True)
    assert g._func_graph_flags == {"loop_can_unroll": True}


# ---- fused optimizer steps --------------------------------------------------------------------------------
class OptimizerSteps(nn.Cell):
    def __init__(self, nesterov):
        super().__init__()
        init = np.array([0.5, -1.0, 2.0], np.float32)
        self.var = ms.Parameter(ms.Tensor(init), name="var")
        self.m = ms.Parameter(ms.Tensor(np.array([0.1, 0.0, -0.2], np.float32)), name="m")
        self.v = ms.Parameter(ms.Tensor(np.array([0.01, 0.02, 0.0], np.float32)), name="v")
        self.var2 = ms.Parameter(ms.Tensor(init), name="var2")
        self.m2 = ms.Parameter(ms.Tensor(np.zeros(3, np.float32)), name="m2")
        self.v2 = ms.Parameter(ms.Tensor(np.zeros(3, np.float32)), name="v2")
        self.var3 = ms.Parameter(ms.Tensor(init), name="var3")
        self.acc = ms.Parameter(ms.Tensor(np.array([0.3, 0.3, 0.3], np.float32)), name="acc")
        self.adam = ops.Adam(use_nesterov=nesterov)
        self.adamw = ops.AdamWeightDecay()
        self.mom = ops.FusedWeightScaleApplyMomentum()

    def construct(self, g):
        self.adam(self.var, self.m, self.v, 0.81, 0.998, 0.01, 0.9, 0.999, 1e-8, g)
        self.adamw(self.var2, self.m2, self.v2, 0.01, 0.9, 0.999, 1e-6, 0.1, g)
        return self.mom(0.01, 0.5, self.var3, self.acc, 0.1, g, 0.9)


@pytest.mark.parametrize("nesterov", [False, True])
def test_fused_optimizer_steps(mode, nesterov):
    net = OptimizerSteps(nesterov)
    g = np.array([0.2, -0.4, 0.6])
    var = np.array([0.5, -1.0, 2.0])
    net(ms.Tensor(g.astype(np.float32)))
    m = 0.9 * np.array([0.1, 0.0, -0.2]) + 0.1 * g
    v = 0.999 * np.array([0.01, 0.02, 0.0]) + 0.001 * g * g
    d = 0.9 * m + 0.1 * g if nesterov else m
    want = var - 0.01 * np.sqrt(1 - 0.998) / (1 - 0.81) * d / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(net.var.asnumpy(), want, rtol=1e-5)
    np.testing.assert_allclose(net.m.asnumpy(), m, rtol=1e-6)
    m2, v2 = 0.1 * g, 0.001 * g * g
    np.testing.assert_allclose(net.var2.asnumpy(), var - 0.01 * (m2 / (np.sqrt(v2) + 1e-6) + 0.1 * var), rtol=1e-5)
    acc = 0.9 * 0.3 + (0.01 * var + g * 0.5)
    np.testing.assert_allclose(net.acc.asnumpy(), acc, rtol=1e-6)
    np.testing.assert_allclose(net.var3.asnumpy(), var - 0.1 * acc, rtol=1e-6)
