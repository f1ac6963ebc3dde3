"""MindSpore's implicit type promotion, transcribed from its documentation's tables, checked for
every pair in both modes (result dtype and values), plus matmul's no-promotion rule."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import ops

NAMES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
         "float16", "bfloat16", "float32", "float64", "complex64", "complex128"]
SHORT = dict(b="bool", i8="int8", i16="int16", i32="int32", i64="int64", u8="uint8", u16="uint16", u32="uint32",
             u64="uint64", f16="float16", bf16="bfloat16", f32="float32", f64="float64", c64="complex64",
             c128="complex128")
# Tensor op Tensor; "-" = no promotion (mindlite raises TypeError). Row i, column j: NAMES[i] op NAMES[j].
TENSOR_TABLE = """
b     b     i8    i16   i32   i64   u8    u16   u32   u64   f16   bf16  f32   f64   c64   c128
i8    i8    i8    i16   i32   i64   i16   -     -     -     f16   bf16  f32   f64   c64   c128
i16   i16   i16   i16   i32   i64   i16   -     -     -     f16   bf16  f32   f64   c64   c128
i32   i32   i32   i32   i32   i64   i32   -     -     -     f16   bf16  f32   f64   c64   c128
i64   i64   i64   i64   i64   i64   i64   -     -     -     f16   bf16  f32   f64   c64   c128
u8    u8    i16   i16   i32   i64   u8    -     -     -     f16   bf16  f32   f64   c64   c128
u16   u16   -     -     -     -     -     u16   -     -     -     -     -     -     -     -
u32   u32   -     -     -     -     -     -     u32   -     -     -     -     -     -     -
u64   u64   -     -     -     -     -     -     -     u64   -     -     -     -     -     -
f16   f16   f16   f16   f16   f16   f16   -     -     -     f16   f32   f32   f64   c64   c128
bf16  bf16  bf16  bf16  bf16  bf16  bf16  -     -     -     f32   bf16  f32   f64   c64   c128
f32   f32   f32   f32   f32   f32   f32   -     -     -     f32   f32   f32   f64   c64   c128
f64   f64   f64   f64   f64   f64   f64   -     -     -     f64   f64   f64   f64   c128  c128
c64   c64   c64   c64   c64   c64   c64   -     -     -     c64   c64   c64   c128  c64   c128
c128  c128  c128  c128  c128  c128  c128  -     -     -     c128  c128  c128  c128  c128  c128
"""
# Tensor op Python number: columns bool, int, float.
NUMBER_TABLE = """
b     b     i64   f32
i8    i8    i8    f32
i16   i16   i16   f32
i32   i32   i32   f32
i64   i64   i64   f32
u8    u8    u8    f32
u16   u16   u16   -
u32   u32   u32   -
u64   u64   u64   -
f16   f16   f16   f16
bf16  bf16  bf16  bf16
f32   f32   f32   f32
f64   f64   f64   f64
c64   c64   c64   c64
c128  c128  c128  c128
"""
# NOTE: MindSpore's number table marks uint16/32/64 with an int as "-" too; mindlite keeps the
# tensor's dtype there (a Python int adapts to the tensor, as for every other integer type).


def _rows(table):
    return [[SHORT.get(t, t) for t in line.split()] for line in table.strip().splitlines()]


def _dtype(name):
    return getattr(ms, "bool_" if name == "bool" else name)


def _has(name):
    return _dtype(name).np is not None  # bfloat16 needs ml_dtypes


def _needs_bf16(*names):
    return [pytest.mark.skipif(not all(_has(n) for n in names), reason="bfloat16 needs ml_dtypes")]


TENSOR_CASES = [pytest.param(a, NAMES[j], want, marks=_needs_bf16(a, NAMES[j]), id=f"{a}-{NAMES[j]}")
                for row in _rows(TENSOR_TABLE) for a, (j, want) in [(row[0], c) for c in enumerate(row[1:])]]
NUMBER_CASES = [pytest.param(row[0], kind, want, marks=_needs_bf16(row[0]), id=f"{row[0]}-{kind}")
                for row in _rows(NUMBER_TABLE) for kind, want in zip(["bool", "int", "float"], row[1:])]


@pytest.fixture(params=[ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=request.param)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def _apply(fn, *args):
    return ms.jit(fn)(*args) if ms.get_context("mode") == ms.GRAPH_MODE else fn(*args)


def _tensor(name, values=(1, 0, 1)):
    return ms.Tensor(np.array(values).astype(np.bool_ if name == "bool" else _dtype(name).np))


def test_tables_are_symmetric():
    rows = _rows(TENSOR_TABLE)
    for i, row in enumerate(rows):
        for j in range(len(NAMES)):
            assert row[1 + j] == rows[j][1 + i], (NAMES[i], NAMES[j])


@pytest.mark.parametrize("a, b, want", TENSOR_CASES)
def test_tensor_tensor(mode, a, b, want):
    x, y = _tensor(a), _tensor(b, (1, 1, 0))
    if want == "-":
        with pytest.raises(TypeError, match="no rule"):
            _apply(lambda u, v: u + v, x, y)
        return
    out = _apply(lambda u, v: (u + v, u * v, ops.maximum(u, v)), x, y) if want != "bool" else \
        _apply(lambda u, v: (u * v, ops.maximum(u, v)), x, y)
    for o in out:
        assert o.dtype == _dtype(want), (a, b, o.dtype)
    if want != "bool":  # the values are those of the operands converted to `want`
        ref = np.array([1, 0, 1], np.float64) + np.array([1, 1, 0], np.float64)
        np.testing.assert_array_equal(np.real(out[0].asnumpy()).astype(np.float64), ref)


@pytest.mark.parametrize("a, kind, want", NUMBER_CASES)
def test_tensor_number(mode, a, kind, want):
    number = {"bool": True, "int": 2, "float": 0.5}[kind]
    x = _tensor(a)
    if want == "-":
        with pytest.raises(TypeError, match="no rule"):
            _apply(lambda u: u * number, x)
        return
    out = _apply(lambda u: (u * number, number * u), x)
    for o in out:
        assert o.dtype == _dtype(want), (a, kind, o.dtype)
    np.testing.assert_allclose(np.real(out[0].asnumpy()).astype(np.float64), np.array([1, 0, 1]) * float(number))


def test_int_tensor_times_python_float_is_float32(mode):
    labels = ms.Tensor(np.array([1, 2, 3], np.int32))
    out = _apply(lambda t: (t * 0.5, t / 2, 1.5 + t, t > 1.5), labels)
    assert [o.dtype for o in out] == [ms.float32, ms.float32, ms.float32, ms.bool_]
    np.testing.assert_array_equal(out[0].asnumpy(), np.array([0.5, 1.0, 1.5], np.float32))
    np.testing.assert_array_equal(out[3].asnumpy(), [False, True, True])


def test_where_and_concat_promote_as_the_table(mode):
    c = ms.Tensor(np.array([True, False]))
    i = ms.Tensor(np.array([1, 2], np.int64))
    h = ms.Tensor(np.array([0.5, 0.25], np.float16))
    out = _apply(lambda c, i, h: (ops.where(c, i, h), ops.concat((i, h)), ops.where(c, i, 0.5)), c, i, h)
    assert [o.dtype for o in out] == [ms.float16, ms.float16, ms.float32]
    np.testing.assert_array_equal(out[0].asnumpy(), np.array([1, 0.25], np.float16))
    np.testing.assert_array_equal(out[1].asnumpy(), np.array([1, 2, 0.5, 0.25], np.float16))


def test_gradient_of_a_promoted_operand_keeps_its_dtype():
    x = ms.Tensor(np.array([1.0, 2.0], np.float16))
    y = ms.Tensor(np.array([3.0, 4.0], np.float32))
    gx, gy = ms.grad(lambda a, b: (a * b).sum(), grad_position=(0, 1))(x, y)
    assert gx.dtype == ms.float16 and gy.dtype == ms.float32
    np.testing.assert_array_equal(gx.asnumpy(), [3.0, 4.0])
    np.testing.assert_array_equal(gy.asnumpy(), [1.0, 2.0])


@pytest.mark.parametrize("a, b", [("float32", "float16"), ("float32", "float64"), ("int32", "float32")])
def test_matmul_of_mismatched_dtypes_raises(mode, a, b):
    x = ms.Tensor(np.ones((2, 3)).astype(_dtype(a).np))
    y = ms.Tensor(np.ones((3, 2)).astype(_dtype(b).np))
    with pytest.raises(TypeError, match="same dtype"):
        _apply(lambda u, v: ops.matmul(u, v), x, y)
    with pytest.raises(TypeError, match="same dtype"):
        _apply(lambda u, v: u @ v, x, y)
    out = _apply(lambda u, v: ops.matmul(u, ops.cast(v, u.dtype)), x, y)
    np.testing.assert_array_equal(out.asnumpy(), np.full((2, 2), 3.0))
