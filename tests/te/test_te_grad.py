"""te.differentiate against central finite differences (float64) and closed forms."""
from __future__ import annotations

import numpy as np
import pytest

from mindlite.core.prim import UnsupportedError

from mindlite import te
from mindlite.te.lang import cce

from te_refs import fd_check, run

f64 = "float64"


def paper_sigmoid(x):
    return cce.vrec(cce.vadds(cce.vexp(cce.vmuls(x, -1.0)), 1.0))


def test_paper_sigmoid_verbatim_matches_closed_form(rng):
    x = te.placeholder((6, 5), f64, "x")
    sigmoid = cce.vrec(cce.vadds(cce.vexp(cce.vmuls(x, -1.0)), 1.0))
    a = rng.standard_normal((6, 5))
    np.testing.assert_allclose(run(sigmoid, [x], a), 1 / (1 + np.exp(-a)), rtol=1e-15)
    dout = te.placeholder(sigmoid.shape, f64, "dout")
    [dx] = te.differentiate(sigmoid, [x], dout)
    h = rng.standard_normal((6, 5))
    s = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(run(dx, [x, dout], a, h), h * s * (1 - s), rtol=1e-13)
    fd_check(sigmoid, [x], [a])


def _softplus(x):
    return cce.vlog(cce.vadds(cce.vexp(x), 1.0))


def _lse(x):
    m = cce.reduce_max(x, axis=1, keepdims=True)
    e = cce.vexp(cce.vsub(x, cce.broadcast(m, x.shape)))
    return cce.vadd(cce.vlog(cce.sum(e, axis=1, keepdims=True)), m)


def _matmul(a, b):
    k = te.reduce_axis((0, a.shape[1]), "k")
    return te.compute((a.shape[0], b.shape[1]), lambda i, j: te.sum(a[i, k] * b[k, j], axis=k), "matmul")


def _normalise(x):
    n = x.shape[1]
    mean = cce.vmuls(cce.sum(x, axis=1, keepdims=True), 1.0 / n)
    c = cce.vsub(x, cce.broadcast(mean, x.shape))
    var = cce.vmuls(cce.sum(cce.vmul(c, c), axis=1, keepdims=True), 1.0 / n)
    return cce.vdiv(c, cce.broadcast(cce.vsqrt(cce.vadds(var, 1e-5)), x.shape))


CASES = {
    "sigmoid": (lambda x: paper_sigmoid(x), [(4, 5)]),
    "tanh": (lambda x: cce.vtanh(x), [(4, 5)]),
    "softplus": (_softplus, [(4, 5)]),
    "log_sum_exp": (_lse, [(4, 5)]),
    "matmul": (_matmul, [(3, 4), (4, 5)]),
    "normalisation": (_normalise, [(3, 6)]),
    "broadcast_add": (lambda a, b: cce.vadd(a, b), [(3, 4), (4,)]),
    "broadcast_keepdims": (lambda a, b: cce.vmul(a, b), [(3, 4), (3, 1)]),
    "transpose": (lambda a: te.compute((a.shape[1], a.shape[0]), lambda i, j: a[j, i] * a[j, i], "t"), [(3, 4)]),
    "diagonal": (lambda a: te.compute((a.shape[0],), lambda i: a[i, i] * 2.0, "diag"), [(4, 4)]),
    "constant_index": (lambda a: te.compute((a.shape[1],), lambda j: te.exp(a[1, j]), "row1"), [(3, 4)]),
    "reduce_min": (lambda a: cce.reduce_min(cce.vmul(a, a), axis=0), [(5, 3)]),
    "sum_all": (lambda a: cce.sum(cce.vexp(a)), [(3, 4)]),
    "partial_range": (lambda a: te.compute((3,), lambda i: te.sum(
        a[i, rk] * a[i, rk], axis=rk), "part"), [(3, 6)]),
    "select_relu": (lambda a: cce.vmul(cce.vrelu(a), a), [(4, 5)]),
    "max_min": (lambda a, b: cce.vsub(cce.vmax(a, b), cce.vmin(a, b)), [(4, 5), (4, 5)]),
}
rk = te.reduce_axis((1, 5), "rk")


@pytest.mark.parametrize("name", sorted(CASES))
def test_finite_differences(name, rng):
    fn, shapes = CASES[name]
    xs = [te.placeholder(s, f64, f"x{k}") for k, s in enumerate(shapes)]
    arrays = [rng.standard_normal(s) for s in shapes]
    fd_check(fn(*xs), xs, arrays)


def test_symbolic_dims_and_head_prefix(rng):
    n = te.var("n")
    x = te.placeholder((n, 3), f64, "x")
    y = cce.vtanh(x)
    head = te.placeholder((2, n, 3), f64, "head")  # two stacked vector-Jacobian products
    [dx] = te.differentiate(y, [x], head)
    assert dx.shape == (2, n, 3)
    a, h = rng.standard_normal((5, 3)), rng.standard_normal((2, 5, 3))
    np.testing.assert_allclose(run(dx, [x, head], a, h), h * (1 - np.tanh(a) ** 2), rtol=1e-13)


def test_head_none_is_ones_and_unused_input_gets_zeros(rng):
    x, z = te.placeholder((4,), f64, "x"), te.placeholder((4,), f64, "z")
    dx, dz = te.differentiate(cce.vexp(x), [x, z])
    a = rng.standard_normal(4)
    np.testing.assert_allclose(run(dx, [x], a), np.exp(a))
    np.testing.assert_array_equal(run(dz, [z], a), np.zeros(4))


def test_higher_orders_by_repetition(rng):
    x = te.placeholder((7,), f64, "x")
    s = paper_sigmoid(x)
    [d1] = te.differentiate(s, [x])
    [d2] = te.differentiate(d1, [x])
    [d3] = te.differentiate(d2, [x])
    a = rng.standard_normal(7)
    v = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(run(d1, [x], a), v * (1 - v), rtol=1e-12)
    np.testing.assert_allclose(run(d2, [x], a), v * (1 - v) * (1 - 2 * v), rtol=1e-11)
    np.testing.assert_allclose(run(d3, [x], a), v * (1 - v) * (1 - 6 * v + 6 * v * v), rtol=1e-10, atol=1e-14)
    fd_check(d2, [x], [a])


def test_gradient_of_a_matmul_gradient(rng):
    a, b = te.placeholder((3, 4), f64, "a"), te.placeholder((4, 2), f64, "b")
    c = _matmul(a, b)
    da, db = te.differentiate(cce.vmul(c, c), [a, b])
    fd_check(da, [a, b], [rng.standard_normal((3, 4)), rng.standard_normal((4, 2))])


def test_max_ties_share_the_gradient():
    x = te.placeholder((2, 3), f64, "x")
    [dx] = te.differentiate(cce.reduce_max(x, axis=1), [x])
    got = run(dx, [x], np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]))
    np.testing.assert_array_equal(got, [[0, 0.5, 0.5], [1, 0, 0]])


def test_override_replaces_the_rule_and_fdiff_is_called_once(rng):
    x = te.placeholder((5,), f64, "x")
    s = paper_sigmoid(x)
    calls = []

    def custom_fdiff(out, deps, head):
        calls.append(out)
        return [te.compute(deps[0].shape, lambda i: head[i] * out[i] * (1 - out[i]), "dsig")]
    dout = te.placeholder((5,), f64, "dout")
    [auto] = te.differentiate(s, [x], dout)
    [over] = te.differentiate(s, [x], dout, override={s: ([x], custom_fdiff)})
    assert calls == [s]
    a, h = rng.standard_normal(5), rng.standard_normal(5)
    np.testing.assert_allclose(run(over, [x, dout], a, h), run(auto, [x, dout], a, h), rtol=1e-14)
    assert te.count_nodes(over) < te.count_nodes(auto)
    assert te.count_nodes(te.simplify(over)) <= te.count_nodes(te.simplify(auto))


def test_override_of_an_intermediate_stage(rng):
    x = te.placeholder((4,), f64, "x")
    e = cce.vexp(x)
    out = cce.vmuls(e, 3.0)
    over = {e: ([x], lambda t, deps, h: [te.compute(x.shape, lambda i: h[i] * t[i], "de")])}
    [dx] = te.differentiate(out, [x], override=over)
    a = rng.standard_normal(4)
    np.testing.assert_allclose(run(dx, [x], a), 3 * np.exp(a), rtol=1e-14)


# ---- errors --------------------------------------------------------------------------------------
def test_int_differentiation_is_a_type_error():
    i = te.placeholder((3,), "int32", "i")
    with pytest.raises(TypeError, match="int32.*floating-point"):
        te.differentiate(cce.vadds(i, 1), [i])
    x = te.placeholder((3,), f64, "x")
    with pytest.raises(TypeError, match="input i has dtype int32"):
        te.differentiate(cce.vexp(x), [x, i])


def test_head_shape_must_be_prefix_plus_output_shape():
    x = te.placeholder((3, 4), f64, "x")
    with pytest.raises(ValueError, match=r"operands could not be broadcast together with head shape \[4, 3\] "
                                         r"and output shape \[3, 4\]"):
        te.differentiate(cce.vexp(x), [x], te.placeholder((4, 3), f64, "h"))


def test_unsupported_index_expression_names_it_and_suggests_override():
    a = te.placeholder((6,), f64, "A")
    y = te.compute((3, 3), lambda i, j: a[i + j], "shift")
    with pytest.raises(UnsupportedError, match=r"\(i \+ j\).*A\[.*override="):
        te.differentiate(y, [a])
    fwd = run(y, [a], np.arange(6.0))  # the forward of such an index still runs (a gather)
    np.testing.assert_array_equal(fwd, np.arange(3)[:, None] + np.arange(3)[None, :])


def test_unsupported_intrinsic_names_it_and_suggests_override(rng):
    cbrt = te.register_intrinsic("cbrt_t", "cbrt")
    x = te.placeholder((4,), f64, "x")
    y = te.compute((4,), lambda i: cbrt(x[i]), "cube_root")
    with pytest.raises(UnsupportedError, match="'cbrt_t'.*override="):
        te.differentiate(y, [x])
    over = {y: ([x], lambda t, deps, h: [te.compute((4,), lambda i: h[i] / (3 * t[i] * t[i]), "d")])}
    [dx] = te.differentiate(y, [x], override=over)
    a = rng.uniform(0.5, 2.0, 4)
    np.testing.assert_allclose(run(dx, [x], a), a ** (-2 / 3) / 3, rtol=1e-13)


def test_override_with_wrong_count_or_shape():
    x = te.placeholder((4,), f64, "x")
    y = cce.vexp(x)
    with pytest.raises(ValueError, match="returned 2 adjoint"):
        te.differentiate(y, [x], override={y: ([x], lambda t, d, h: [h, h])})
    with pytest.raises(ValueError, match=r"shape \[5\].*expected \[4\]"):
        te.differentiate(y, [x], override={y: ([x], lambda t, d, h: [te.placeholder((5,), f64, "w")])})
    with pytest.raises(ValueError, match=r"\(\[dep tensors\], fdiff\)"):
        te.differentiate(y, [x], override={y: (x, None)})
