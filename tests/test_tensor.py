"""Tensor, Parameter, dtypes, initializers, context and seeds."""
import math

import numpy as np
import pytest

import mindlite as ms
from mindlite import Parameter, Tensor, ops
from mindlite.common import initializer as init


# ---- construction and dtypes ---------------------------------------------------------------
def test_dtype_inference_follows_mindspore():
    assert Tensor(1.0).dtype == ms.float32
    assert Tensor([1.5, 2.0]).dtype == ms.float32
    assert Tensor(3).dtype == ms.int64
    assert Tensor(True).dtype == ms.bool_
    assert Tensor(np.zeros(2, np.float64)).dtype == ms.float64
    assert Tensor(np.zeros(2, np.int32)).dtype == ms.int32
    assert Tensor([1, 2], dtype=ms.float16).dtype == ms.float16
    assert Tensor(Tensor([1, 2]), ms.float32).dtype == ms.float32


@pytest.mark.parametrize("data, dtype, error, match", [
    (2 ** 70, None, ValueError, r"the int 1180591620717411303424 is outside Int64's range"),
    (2 ** 63, None, ValueError, r"the int 9223372036854775808 is outside Int64's range.*dtype=mindlite.uint64"),
    (-2 ** 63 - 1, None, ValueError, "outside Int64's range"),
    ([1, 2 ** 63], None, ValueError, r"the int 9223372036854775808 at index \[1\] is outside Int64's range"),
    ([[0.5, 1.5], [2.5, 2 ** 70]], None, ValueError, r"at index \[1, 1\] is outside Int64's range"),
    ([1, None], None, TypeError, r"holds None at index \[1\]; every element must be a number"),
    ([1, None], ms.float32, TypeError, r"holds None at index \[1\]"),  # numpy would make it NaN
    ([[1, 2], [3, "x"]], None, TypeError, r"holds a str \('x'\) at index \[1, 1\]"),
    (["1.5"], ms.float32, TypeError, r"holds a str"),
    ([[1, 2], [3]], None, ValueError, r"ragged: its elements have lengths \[2, 1\]"),
    ([[1, 2], [3]], ms.float32, ValueError, "ragged"),
    (2 ** 63, ms.int64, ValueError, "does not fit Int64"),
    (300, ms.uint8, ValueError, "does not fit UInt8"),
])
def test_construction_errors_say_what_is_wrong(data, dtype, error, match):
    with pytest.raises(error, match=match):
        Tensor(data, dtype)


def test_construction_at_the_edges_keeps_values():
    for value in (2 ** 63 - 1, -2 ** 63):  # Int64's limits: exact, not UInt64 or float
        t = Tensor(value)
        assert t.dtype == ms.int64 and int(t.asnumpy()) == value
    assert Tensor([2 ** 63 - 1, 0]).asnumpy().tolist() == [2 ** 63 - 1, 0]
    big = Tensor(2 ** 63, ms.uint64)  # the dtype chosen explicitly: fine
    assert big.dtype == ms.uint64 and int(big.asnumpy()) == 2 ** 63
    assert Tensor(np.uint64(2 ** 63)).dtype == ms.uint64  # numpy data keeps its dtype
    assert Tensor([1, 2 ** 70], ms.float64).asnumpy().tolist() == [1.0, float(2 ** 70)]
    assert Tensor([float("inf"), 1.0]).asnumpy().tolist() == [np.inf, 1.0]


def test_dtype_objects():
    assert repr(ms.float32) == "Float32" and str(ms.int64) == "Int64"
    assert ms.dtype_to_nptype(ms.float16) is np.float16
    assert ms.pytype_to_dtype(bool) == ms.bool_
    assert ms.dtype.float32 == ms.common.dtype.float32
    assert ms.float32 in ms.common.dtype.float_type
    assert ms.dtype_to_pytype(ms.int8) is int


def test_construction_copies_data():
    a = np.ones(3, np.float32)
    t = Tensor(a)
    a[0] = 5
    assert t.asnumpy()[0] == 1.0
    out = t.asnumpy()
    out[1] = 7
    assert t.asnumpy()[1] == 1.0


def test_properties_and_conversions():
    t = Tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert t.shape == (2, 3) and t.ndim == 2 and t.size == 6 and t.itemsize == 4 and t.nbytes == 24
    assert np.asarray(t).shape == (2, 3)
    assert t.astype(ms.int32).dtype == ms.int32 and t.half().dtype == ms.float16 and t.int().dtype == ms.int32
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert Tensor([[7.0]]).item() == 7.0
    assert len(t) == 2 and [r.shape for r in t] == [(3,), (3,)]
    assert float(Tensor(2.5)) == 2.5 and int(Tensor(3)) == 3 and bool(Tensor(True))
    assert "shape=[2, 3]" in repr(t) and "Float32" in repr(t)
    np.testing.assert_array_equal(t.T.asnumpy(), np.arange(6).reshape(2, 3).T)


def test_lazy_init_and_from_numpy():
    t = Tensor(shape=(2, 3), dtype=ms.float32, init=init.One())
    np.testing.assert_array_equal(t.asnumpy(), np.ones((2, 3)))
    a = np.arange(4.0)
    assert Tensor.from_numpy(a).shape == (4,)


def test_operators_broadcast_like_numpy():
    a = np.arange(6, dtype=np.float32).reshape(2, 3) + 1
    b = np.array([1.0, 2.0, 4.0], np.float32)
    ta, tb = Tensor(a), Tensor(b)
    for got, want in [(ta + tb, a + b), (ta - tb, a - b), (ta * tb, a * b), (ta / tb, a / b),
                      (ta // tb, a // b), (ta % tb, a % b), (ta ** 2, a ** 2), (2 - ta, 2 - a),
                      (1 / ta, 1 / a), (-ta, -a), (abs(-ta), a), (ta @ Tensor(a.T), a @ a.T),
                      (np.float32(2) * ta, 2 * a)]:
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-6)
    assert (ta > tb).dtype == ms.bool_
    np.testing.assert_array_equal((ta >= 3).asnumpy(), a >= 3)
    np.testing.assert_array_equal(((ta > 2) & (ta < 5)).asnumpy(), (a > 2) & (a < 5))
    np.testing.assert_array_equal((~(ta > 2)).asnumpy(), ~(a > 2))
    np.testing.assert_array_equal((Tensor([6]) ^ Tensor([3])).asnumpy(), [5])


def test_scalar_weak_typing_keeps_dtype():
    assert (Tensor([1.0], ms.float16) * 2.0).dtype == ms.float16
    assert (Tensor([1], ms.int32) * 2).dtype == ms.int32
    assert (Tensor([1, 2], ms.int32) / Tensor([2, 2], ms.int32)).dtype == ms.float32


def test_indexing():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    t = Tensor(a)
    for idx in [0, -1, (1, 2), slice(None, None, -1), (Ellipsis, 1), (None, 0), (slice(0, 2), None, 1, slice(1, 3)),
                (0, slice(None), slice(None, None, 2))]:
        np.testing.assert_array_equal(t[idx].asnumpy(), a[idx])
    np.testing.assert_array_equal(t[Tensor([1, 0, 1])].asnumpy(), a[[1, 0, 1]])
    np.testing.assert_array_equal(t[:, [0, 2]].asnumpy(), a[:, [0, 2]])
    mask = a[0, :, 0] > 3
    np.testing.assert_array_equal(t[0][Tensor(mask)].asnumpy(), a[0][mask])
    np.testing.assert_array_equal(t[t > 20].asnumpy(), a[a > 20])


def test_setitem():
    a = np.zeros((3, 4), np.float32)
    t = Tensor(a)
    view = t[0]
    t[0] = 1.0
    t[1, 1:3] = Tensor([5.0, 6.0])
    t[Tensor([2]), 0] = 9
    a[0] = 1
    a[1, 1:3] = [5, 6]
    a[2, 0] = 9
    np.testing.assert_array_equal(t.asnumpy(), a)
    np.testing.assert_array_equal(view.asnumpy(), np.zeros(4))  # earlier results never alias
    t[t > 4] = 0
    a[a > 4] = 0
    np.testing.assert_array_equal(t.asnumpy(), a)


def test_index_out_of_range_is_index_error():
    t = Tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError):
        t[5]
    with pytest.raises(IndexError):
        t[0, 3]
    with pytest.raises(IndexError):
        t[Tensor([0, 7])]
    with pytest.raises(IndexError):
        t[Tensor([0.5])]


def test_methods():
    a = np.arange(12, dtype=np.float32).reshape(3, 4) - 5
    t = Tensor(a)
    np.testing.assert_array_equal(t.reshape(4, 3).asnumpy(), a.reshape(4, 3))
    np.testing.assert_array_equal(t.reshape((2, -1)).asnumpy(), a.reshape(2, -1))
    np.testing.assert_array_equal(t.view(12).asnumpy(), a.reshape(12))
    np.testing.assert_array_equal(t.transpose().asnumpy(), a.T)
    np.testing.assert_array_equal(t.transpose(1, 0).asnumpy(), a.T)
    np.testing.assert_allclose(t.sum().asnumpy(), a.sum())
    np.testing.assert_allclose(t.sum(1, keepdims=True).asnumpy(), a.sum(1, keepdims=True))
    np.testing.assert_allclose(t.mean(0).asnumpy(), a.mean(0))
    np.testing.assert_allclose(t.max().asnumpy(), a.max())
    np.testing.assert_allclose(t.min(axis=1).asnumpy(), a.min(1))
    np.testing.assert_array_equal(t.argmax(1).asnumpy(), a.argmax(1))
    assert t.argmax(1).dtype == ms.int32
    np.testing.assert_array_equal(t.expand_dims(0).shape, (1, 3, 4))
    np.testing.assert_array_equal(t.expand_dims(0).squeeze().shape, (3, 4))
    assert t.flatten().shape == (12,)
    np.testing.assert_array_equal(t.copy().asnumpy(), a)
    np.testing.assert_array_equal(t.fill(2.0).asnumpy(), np.full((3, 4), 2.0))
    np.testing.assert_allclose(t.std().asnumpy(), a.std(), rtol=1e-6)
    np.testing.assert_allclose(t.var(axis=0, ddof=1).asnumpy(), a.var(0, ddof=1), rtol=1e-6)
    np.testing.assert_array_equal(t.clip(-1, 1).asnumpy(), np.clip(a, -1, 1))
    np.testing.assert_allclose(t.abs().asnumpy(), np.abs(a))
    np.testing.assert_allclose(t.cumsum(0).asnumpy(), a.cumsum(0))
    assert [p.shape for p in t.split(2, 1)] == [(3, 2), (3, 2)]
    t2 = Tensor(a)
    t2.fill_(1.0)
    np.testing.assert_array_equal(t2.asnumpy(), np.ones((3, 4)))


def test_shape_errors_name_op_and_shapes():
    with pytest.raises(ValueError, match=r"add.*\[2, 3\].*\[4\]"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(4))
    with pytest.raises(ValueError, match=r"matmul.*\[2, 3\].*\[2, 3\]"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"reshape.*6 elements.*\[4\]"):
        Tensor(np.ones((2, 3))).reshape(4)


def test_dtype_argument_errors():
    with pytest.raises(TypeError, match="dtype"):
        Tensor([1.0], dtype="float")
    with pytest.raises(TypeError, match="dtype"):
        ops.cast(Tensor([1.0]), 42)
    with pytest.raises(TypeError, match="numeric"):
        Tensor("hello")


# ---- Parameter ---------------------------------------------------------------------------------
def test_parameter():
    p = Parameter(Tensor(np.ones((2, 2), np.float32)), name="w")
    assert isinstance(p, Tensor) and p.name == "w" and p.requires_grad
    p.set_data(Tensor(np.zeros((2, 2))))
    assert p.dtype == ms.float32 and p.asnumpy().sum() == 0
    with pytest.raises(ValueError, match="set_data got shape"):
        p.set_data(Tensor(np.zeros(3)))
    c = p.clone()
    assert c.name == "w" and c is not p
    c.set_data(Tensor(np.ones((2, 2))))
    assert p.asnumpy().sum() == 0
    frozen = Parameter(Tensor([1.0]), name="f", requires_grad=False)
    assert not frozen.requires_grad
    assert Parameter(1.0, name="s").dtype == ms.float32
    q = Parameter(init.initializer("zeros", (3,), ms.float32), name="z")
    assert q.shape == (3,)
    pt = ms.ParameterTuple([p, q]).clone("moments", init="zeros")
    assert [x.name for x in pt] == ["moments.w", "moments.z"]
    with pytest.raises(ValueError, match="appears twice"):
        ms.ParameterTuple([p, p])


# ---- initializers -----------------------------------------------------------------------------
def test_initializer_statistics():
    ms.set_seed(1)
    shape = (256, 128, 3, 3)
    fan_in, fan_out = 128 * 9, 256 * 9
    w = init.initializer(init.HeUniform(negative_slope=math.sqrt(5)), shape).asnumpy()
    bound = math.sqrt(2 / (1 + 5)) * math.sqrt(3 / fan_in)
    assert w.dtype == np.float32 and abs(w).max() <= bound and abs(w).max() > 0.99 * bound
    w = init.initializer(init.HeNormal(mode="fan_out", nonlinearity="relu"), shape).asnumpy()
    assert w.std() == pytest.approx(math.sqrt(2 / fan_out), rel=0.02)
    w = init.initializer(init.XavierUniform(), (300, 200)).asnumpy()
    assert abs(w).max() <= math.sqrt(6 / 500)
    w = init.initializer(init.XavierNormal(gain=2), (300, 200)).asnumpy()
    assert w.std() == pytest.approx(2 * math.sqrt(2 / 500), rel=0.03)
    w = init.initializer("normal", (100, 100)).asnumpy()
    assert w.std() == pytest.approx(0.01, rel=0.05)
    w = init.initializer(init.TruncatedNormal(sigma=1.0, a=-0.5, b=0.5), (1000,)).asnumpy()
    assert w.min() >= -0.5 and w.max() <= 0.5
    w = init.initializer(init.Uniform(scale=0.2), (1000,)).asnumpy()
    assert abs(w).max() <= 0.2 and abs(w).max() > 0.19
    np.testing.assert_array_equal(init.initializer(init.Constant(3), (2,)).asnumpy(), [3, 3])
    np.testing.assert_array_equal(init.initializer("ones", (2,), ms.int32).asnumpy(), [1, 1])
    np.testing.assert_array_equal(init.initializer(init.Zero(), (2,)).asnumpy(), [0, 0])
    q = init.initializer(init.Orthogonal(), (4, 4)).asnumpy()
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=1e-5)


def test_initializer_is_seeded():
    ms.set_seed(7)
    a = init.initializer("normal", (5,)).asnumpy()
    ms.set_seed(7)
    b = init.initializer("normal", (5,)).asnumpy()
    np.testing.assert_array_equal(a, b)


def test_initializer_errors():
    with pytest.raises(ValueError, match="unknown name"):
        init.initializer("gaussian", (2,))
    with pytest.raises(TypeError):
        init.initializer(object(), (2,))


# ---- context and seeds ---------------------------------------------------------------------------
def test_context():
    assert ms.get_context("mode") == ms.PYNATIVE_MODE
    ms.set_context(mode=ms.GRAPH_MODE)
    assert ms.context.get_context("mode") == ms.context.GRAPH_MODE == 0
    ms.context.set_context(mode=ms.context.PYNATIVE_MODE)
    assert ms.get_context("mode") == 1
    ms.set_context(device_target="CPU", enable_graph_kernel=True)
    assert ms.get_context("device_target") == "CPU"
    with pytest.raises(ValueError, match="unknown key"):
        ms.set_context(not_a_key=1)
    with pytest.raises(ValueError, match="mode"):
        ms.set_context(mode=5)
    with pytest.raises(ValueError, match="device_target"):
        ms.set_context(device_target="TPU")


def test_random_ops_follow_set_seed():
    ms.set_seed(3)
    a1, a2 = ops.uniform((4,)).asnumpy(), ops.uniform((4,)).asnumpy()
    ms.set_seed(3)
    b1, b2 = ops.uniform((4,)).asnumpy(), ops.uniform((4,)).asnumpy()
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)
    assert ms.get_seed() == 3
