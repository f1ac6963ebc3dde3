"""The simplifier: folding, identities, node counts, structural zeros, strict mode; and
the sympy check of 1st-3rd derivatives (sympy is a test-only extra)."""
from __future__ import annotations

import numpy as np
import pytest

from mindlite import te
from mindlite.te.expr import Access, Const, Op
from mindlite.te.lang import cce
from mindlite.te.visit import postorder

from te_refs import run

f64 = "float64"


def _body(t):
    return te.simplify(t).body


def test_constant_folding_and_identities(rng):
    x = te.placeholder((4,), f64, "x")
    y = te.compute((4,), lambda i: (x[i] * 1 + 0) / 1 - 0 + (2.0 * 3.0 - 6.0) + -(-x[i]), "y")
    assert te.count_nodes(y) > te.count_nodes(te.simplify(y))
    body = _body(y)
    assert isinstance(body, Op) and body.name == "add" and body.args[0] is body.args[1] is x[body.args[0].indices]
    a = rng.standard_normal(4)
    np.testing.assert_allclose(run(te.simplify(y), [x], a), 2 * a)
    c = te.compute((2,), lambda i: te.exp(te.const(0.0, f64)) * 4.0 + 1.0, "c")
    assert isinstance(_body(c), Const) and _body(c).value == 5.0


def test_negations_move_out_and_cancel():
    x, y = te.placeholder((3,), f64, "x"), te.placeholder((3,), f64, "y")
    t = te.compute((3,), lambda i: (-x[i] * -1.0) * (-y[i]) / (-x[i]) + (-(x[i] - 0)), "t")
    names = [n.name for n in postorder([_body(t)]) if isinstance(n, Op)]
    assert names == ["mul", "div", "sub"], names  # ((x*y)/x) - x: every negation cancelled
    a, b = np.array([1.0, 2.0, -3.0]), np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(run(te.simplify(t), [x, y], a, b), run(t, [x, y], a, b))


def test_sigmoid_gradient_is_small_and_keeps_its_values(rng):
    x = te.placeholder((8,), f64, "x")
    s = cce.vrec(cce.vadds(cce.vexp(cce.vmuls(x, -1.0)), 1.0))
    dout = te.placeholder((8,), f64, "dout")
    [dx] = te.differentiate(s, [x], dout)
    simple = te.simplify(dx)
    assert te.count_nodes(simple) <= 12 < te.count_nodes(dx)
    a, h = rng.standard_normal(8), rng.standard_normal(8)
    np.testing.assert_allclose(run(simple, [x, dout], a, h), run(dx, [x, dout], a, h), rtol=1e-15)


@pytest.mark.parametrize("name,fn", [("tanh", cce.vtanh),
                                     ("lse", lambda x: cce.vlog(cce.sum(cce.vexp(x), axis=1)))])
def test_gradients_shrink(name, fn):
    x = te.placeholder((3, 4), f64, "x")
    [dx] = te.differentiate(fn(x), [x])
    assert te.count_nodes(te.simplify(dx)) < te.count_nodes(dx)


def test_structural_zero_folds_but_a_users_zero_keeps_nan():
    x = te.placeholder((3,), f64, "x")
    user = te.compute((3,), lambda i: x[i] * 0.0, "user_zero")
    assert not isinstance(_body(user), Const)  # x*0 with the user's 0 stays: NaN*0 is NaN
    with np.errstate(invalid="ignore"):
        got = run(te.simplify(user), [x], np.array([np.nan, 1.0, np.inf]))
    np.testing.assert_array_equal(got, [np.nan, 0.0, np.nan])
    zs = te.const(0.0)
    structural = Const.make(0.0, structural=True)
    assert zs is not structural
    grad_zero = te.compute((3,), lambda i: x[i] * structural + 1.0, "g")
    assert isinstance(_body(grad_zero), Const) and _body(grad_zero).value == 1.0
    strict = te.simplify(grad_zero, strict=True).body
    assert not isinstance(strict, Const)  # strict=True keeps x*0
    np.testing.assert_array_equal(run(te.simplify(grad_zero, strict=True), [x], np.array([np.nan, 2.0, 3.0])),
                                  [np.nan, 1.0, 1.0])


def test_count_nodes_counts_shared_nodes_once():
    x = te.placeholder((3,), f64, "x")
    e = te.exp(x[Access.make(x, [te.expr.Axis.make(0)]).indices])
    y = te.compute((3,), lambda i: te.exp(x[i]) * te.exp(x[i]), "sq")
    assert te.count_nodes(y) == 3  # x[i], exp, mul
    assert te.count_nodes(e) == 2


# ---- sympy: derivatives equal the symbolic ones ----------------------------------------------------
sympy = pytest.importorskip("sympy")


def to_sympy(t, sym):
    """The scalar function of an elementwise te tensor of one placeholder, as sympy."""
    body = te.inline(t).body
    memo = {}
    for n in postorder([body], into_indices=False):
        if isinstance(n, Access):
            memo[id(n)] = sym
        elif isinstance(n, Const):
            memo[id(n)] = sympy.nsimplify(n.value, rational=True)
        elif isinstance(n, Op):
            a = [memo[id(c)] for c in n.args]
            memo[id(n)] = {
                "add": lambda: a[0] + a[1], "sub": lambda: a[0] - a[1], "mul": lambda: a[0] * a[1],
                "div": lambda: a[0] / a[1], "neg": lambda: -a[0], "exp": lambda: sympy.exp(a[0]),
                "log": lambda: sympy.log(a[0]), "tanh": lambda: sympy.tanh(a[0]), "sqrt": lambda: sympy.sqrt(a[0]),
                "cast": lambda: a[0],
            }[n.name]()
    return memo[id(body)]


FUNCS = {
    "sigmoid": (lambda x: cce.vrec(cce.vadds(cce.vexp(cce.vmuls(x, -1.0)), 1.0)), lambda s: 1 / (1 + sympy.exp(-s))),
    "tanh": (cce.vtanh, sympy.tanh),
    "x_exp_minus_x2": (lambda x: te.compute(x.shape, lambda i: x[i] * te.exp(-x[i] * x[i]), "f"),
                       lambda s: s * sympy.exp(-s * s)),
}


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_derivatives_match_sympy_to_third_order(name):
    fn, ref = FUNCS[name]
    s = sympy.Symbol("s", real=True)
    x = te.placeholder((5,), f64, "x")
    t = fn(x)
    assert sympy.simplify(to_sympy(t, s) - ref(s)) == 0
    for order in (1, 2, 3):
        [t] = te.differentiate(t, [x])
        for form in (t, te.simplify(t)):
            assert sympy.simplify(to_sympy(form, s) - sympy.diff(ref(s), s, order)) == 0, (name, order)
