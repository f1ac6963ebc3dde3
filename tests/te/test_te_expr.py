"""The te DSL: construction, hash-consing, reductions, broadcast, symbolic sizes, errors."""
from __future__ import annotations

import numpy as np
import pytest

from mindlite import te
from mindlite.te import lang
from mindlite.te.lang import cce

from te_refs import run


def test_cce_is_the_papers_spelling_of_lang():
    assert cce.vrec is lang.vrec and cce.sum is lang.sum and te.lang.cce.vexp is te.lang.vexp
    import mindlite.te.lang.cce as cce_module
    assert cce_module.vadds is lang.vadds


def test_hash_consing_gives_common_subexpressions_for_free():
    x = te.placeholder((4,), "float32", "x")
    a = te.compute((4,), lambda i: te.exp(x[i]) + 1.0, "a")
    b = te.compute((4,), lambda j: te.exp(x[j]) + 1.0, "b")
    assert a is b  # equal stages are one object (iteration variables are positional)
    assert cce.vexp(x) is cce.vexp(x)
    assert te.exp(x[a.body.args[0].args[0].indices]) is a.body.args[0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_reductions_over_axes(rng, dtype):
    x = te.placeholder((3, 4, 5), dtype, "x")
    a = rng.standard_normal((3, 4, 5)).astype(dtype)
    for fn, ref in [(cce.sum, np.sum), (cce.reduce_max, np.max), (cce.reduce_min, np.min)]:
        for axis in [None, 0, 1, 2, (0, 2), -1]:
            for keep in (False, True):
                got = run(fn(x, axis, keep), [x], a)
                want = ref(a, axis=axis, keepdims=keep)
                assert got.dtype == np.dtype(dtype) and got.shape == want.shape
                np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == "float32" else 1e-13)


def test_reduce_axis_with_an_offset_and_nested_reductions(rng):
    x = te.placeholder((3, 6), "float64", "x")
    k = te.reduce_axis((2, 5), "k")
    part = te.compute((3,), lambda i: te.sum(x[i, k], axis=k), "part")
    a = rng.standard_normal((3, 6))
    np.testing.assert_allclose(run(part, [x], a), a[:, 2:5].sum(1))
    j = te.reduce_axis((0, 6), "j")
    centred = te.compute((3, 6), lambda i, c: x[i, c] - te.max(x[i, j], axis=j), "centred")
    np.testing.assert_allclose(run(centred, [x], a), a - a.max(1, keepdims=True))


def test_broadcast_and_binary_broadcasting(rng):
    x, y = te.placeholder((3, 1), "float32", "x"), te.placeholder((4,), "float32", "y")
    a, b = rng.standard_normal((3, 1)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    np.testing.assert_allclose(run(cce.vadd(x, y), [x, y], a, b), a + b)
    np.testing.assert_allclose(run(cce.broadcast(x, (2, 3, 5)), [x], a), np.broadcast_to(a, (2, 3, 5)))
    np.testing.assert_allclose(run(cce.broadcast(2.5, (2, 2)), [], ), np.full((2, 2), 2.5, np.float32))
    with pytest.raises(ValueError, match=r"cannot be broadcast"):
        cce.vadd(te.placeholder((3, 2), "float32", "p"), y)


def test_symbolic_sizes(rng):
    n, m = te.var("n"), te.var("m")
    assert te.var("n") is n
    x = te.placeholder((n, m), "float32", "x")
    k = te.reduce_axis((0, m), "k")
    mean = te.compute((n,), lambda i: te.sum(x[i, k], axis=k) / te.cast(m, "float32"), "mean")
    for shape in [(2, 3), (5, 7)]:
        a = rng.standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(run(mean, [x], a), a.mean(1), rtol=1e-6)
    lowered = te.lower(mean, "numpy", [x])
    with pytest.raises(ValueError, match=r"must be 2-d"):
        lowered(np.zeros(3, np.float32))
    with pytest.raises(TypeError, match=r"must be float32, got float64"):
        lowered(np.zeros((2, 2)))


def test_select_comparisons_and_iteration_variables_as_values(rng):
    x = te.placeholder((4, 4), "float64", "x")
    tri = te.compute((4, 4), lambda i, j: te.select(i >= j, x[i, j], 0.0), "tril")
    a = rng.standard_normal((4, 4))
    np.testing.assert_allclose(run(tri, [x], a), np.tril(a))
    eye = te.compute((3, 3), lambda i, j: te.cast(i == j, "float32"), "eye")
    np.testing.assert_array_equal(run(eye, []), np.eye(3, dtype=np.float32))


# ---- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(0, 3), (-1,), (2.5,), ("n",), (True,)])
def test_non_positive_or_non_int_dims_are_value_errors(shape):
    with pytest.raises(ValueError, match="dimension"):
        te.placeholder(shape, "float32", "x")
    with pytest.raises(ValueError, match="dimension"):
        te.compute(shape, lambda *i: 1.0, "c")


def test_fcompute_arity_and_result_are_type_errors():
    x = te.placeholder((3, 4), "float32", "x")
    with pytest.raises(TypeError, match=r"take 2 iteration variable"):
        te.compute((3, 4), lambda i: x[i, 0], "bad")
    with pytest.raises(TypeError, match="must return a te expression, got list"):
        te.compute((3, 4), lambda i, j: [x[i, j]], "bad")


def test_reduce_axis_outside_a_reduction_is_a_value_error():
    x = te.placeholder((3, 4), "float32", "x")
    k = te.reduce_axis((0, 4), "k")
    with pytest.raises(ValueError, match="reduce_axis 'k' is used outside a reduction"):
        te.compute((3,), lambda i: x[i, k], "bad")


def test_v_ops_with_mismatched_dtypes_name_both():
    a, b = te.placeholder((3,), "float32", "a"), te.placeholder((3,), "float64", "b")
    with pytest.raises(TypeError, match="float32 and float64"):
        cce.vadd(a, b)
    with pytest.raises(TypeError, match="needs a floating-point tensor, got int32"):
        cce.vexp(te.placeholder((3,), "int32", "i"))
    with pytest.raises(TypeError, match="does not fit the int32 tensor"):
        cce.vmuls(te.placeholder((3,), "int32", "i"), 0.5)


def test_index_errors():
    x = te.placeholder((3, 4), "float32", "x")
    with pytest.raises(ValueError, match="has 2 dimension"):
        te.compute((3,), lambda i: x[i], "bad")
    with pytest.raises(IndexError, match="out of range"):
        te.compute((3,), lambda i: x[i, 4], "bad")
    with pytest.raises(TypeError, match="not slices"):
        x[0:1, 0]
    with pytest.raises(TypeError, match="no truth value"):
        te.compute((3,), lambda i: x[i, 0] if x[i, 0] > 0 else 0.0, "bad")


def test_lower_needs_every_placeholder_among_the_inputs():
    x, y = te.placeholder((3,), "float32", "x"), te.placeholder((3,), "float32", "y")
    with pytest.raises(ValueError, match=r"placeholder\(s\) \['y'\]"):
        te.lower(cce.vadd(x, y), "numpy", [x])
    with pytest.raises(ValueError, match="target must be 'numpy' or 'cuda'"):
        te.lower(x, "opencl")


def test_a_stage_reads_the_part_of_a_tensor_its_axes_cover(rng):
    x = te.placeholder((3, 5), "float64", "x")
    corner = te.compute((2, 3), lambda i, j: x[i, j] * 2.0, "corner")
    a = rng.standard_normal((3, 5))
    np.testing.assert_allclose(run(corner, [x], a), 2 * a[:2, :3])
    [dx] = te.differentiate(corner, [x])
    np.testing.assert_array_equal(run(dx, [x], a), np.pad(np.full((2, 3), 2.0), ((0, 1), (0, 2))))
    big = te.compute((4, 5), lambda i, j: x[i, j], "big")
    with pytest.raises(IndexError, match=r"x \(size 3\) is read up to index 3"):
        te.lower(big, "numpy", [x])
