"""Eager autodiff: every spelling of grad, weights, has_aux, sens, higher order, custom bprop."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops, Tensor, Parameter
from mindlite.ops import composite as C


def f_paper(x, y):
    return x * (x + y)


def _vals(gs):
    return tuple(float(g.asnumpy()) for g in gs)


X, Y = Tensor(2.0), Tensor(1.0)  # d/dx = 2x + y = 5, d/dy = x = 2


def test_paper_example_every_spelling():
    assert _vals(ms.grad(f_paper, grad_position=(0, 1))(X, Y)) == (5.0, 2.0)
    assert float(ms.grad(f_paper)(X, Y).asnumpy()) == 5.0
    assert float(ms.grad(f_paper, grad_position=1)(X, Y).asnumpy()) == 2.0
    assert _vals(C.grad_all(f_paper)(X, Y)) == (5.0, 2.0)
    assert _vals(ops.composite.grad_all(f_paper)(X, Y)) == (5.0, 2.0)
    assert _vals(ops.GradOperation(get_all=True)(f_paper)(X, Y)) == (5.0, 2.0)
    assert float(ops.GradOperation()(f_paper)(X, Y).asnumpy()) == 5.0
    value, grads = ms.value_and_grad(f_paper, grad_position=(0, 1))(X, Y)
    assert float(value.asnumpy()) == 6.0 and _vals(grads) == (5.0, 2.0)
    assert _vals(C.grad_all_with_sens(f_paper)(X, Y, Tensor(3.0))) == (15.0, 6.0)


def test_non_scalar_output_uses_all_ones_sensitivity():
    x = Tensor(np.array([1.0, 2.0, 3.0]))
    g = ms.grad(lambda t: t * t)(x)
    np.testing.assert_allclose(g.asnumpy(), [2.0, 4.0, 6.0])


def test_tuple_output_sums_gradients():
    x = Tensor(np.array([1.0, 2.0]))
    g = ms.grad(lambda t: (t * 3, t * t))(x)
    np.testing.assert_allclose(g.asnumpy(), [5.0, 7.0])


def test_sens_param_with_tensor_sensitivity():
    x = Tensor(np.array([1.0, 2.0]))
    sens = Tensor(np.array([10.0, 100.0]))
    g = ops.GradOperation(sens_param=True)(lambda t: t * t)(x, sens)
    np.testing.assert_allclose(g.asnumpy(), [20.0, 400.0])


def test_has_aux():
    x = Tensor(np.array([1.0, 2.0]))
    g, aux = ms.grad(lambda t: (ops.sum(t * t), t + 1), has_aux=True)(x)
    np.testing.assert_allclose(g.asnumpy(), [2.0, 4.0])
    np.testing.assert_allclose(aux[0].asnumpy(), [2.0, 3.0])
    (loss, a), g2 = ms.value_and_grad(lambda t: (ops.sum(t * t), t + 1), has_aux=True)(x)
    assert float(loss.asnumpy()) == 5.0
    np.testing.assert_allclose(g2.asnumpy(), [2.0, 4.0])


def test_closure_does_not_confuse_argument():
    x = Tensor(3.0)
    # a is a fresh variable even though the same tensor is also captured: d(a*x)/da = x
    assert float(ms.grad(lambda a: a * x)(x).asnumpy()) == 3.0


def test_unused_input_gets_zero_gradient():
    g = ms.grad(lambda a, b: a * 2, grad_position=(0, 1))(Tensor(1.0), Tensor(np.ones((2, 2))))
    assert float(g[0].asnumpy()) == 2.0
    np.testing.assert_array_equal(g[1].asnumpy(), np.zeros((2, 2)))


def test_stop_gradient():
    g = ms.grad(lambda x: x * ops.stop_gradient(x))(Tensor(3.0))
    assert float(g.asnumpy()) == 3.0


@pytest.mark.parametrize("order,expected", [(1, 3 * 4.0), (2, 6 * 2.0), (3, 6.0), (4, 0.0)])
def test_higher_order(order, expected):
    f = lambda x: x * x * x  # noqa: E731
    for _ in range(order):
        f = ms.grad(f)
    assert float(f(Tensor(2.0)).asnumpy()) == pytest.approx(expected)


def test_higher_order_mixed_partial():
    # d/dy (d/dx x^2 y^3) = 2x * 3y^2 = 2*2*3*1 = 12 at (2, 1)
    def dfdx(x, y):
        return ms.grad(lambda a, b: a * a * b * b * b, grad_position=0)(x, y)
    assert float(ms.grad(dfdx, grad_position=1)(Tensor(2.0), Tensor(1.0)).asnumpy()) == pytest.approx(12.0)


def test_higher_order_through_nonlinear_ops():
    x = np.array([0.3, -0.7, 1.2])
    d2 = ms.grad(ms.grad(lambda t: ops.sum(ops.tanh(t))))(Tensor(x))
    t = np.tanh(x)
    np.testing.assert_allclose(d2.asnumpy(), -2 * t * (1 - t * t), rtol=1e-6)


class Linear(nn.Cell):
    def __init__(self):
        super().__init__()
        self.w = Parameter(Tensor(np.array([[1.0, 2.0], [3.0, 4.0]])), name="w")
        self.b = Parameter(Tensor(np.array([0.5, -0.5])), name="b")

    def construct(self, x):
        return ops.matmul(x, self.w) + self.b


def test_weight_gradients_of_a_cell():
    net = Linear()
    x = Tensor(np.array([[1.0, 1.0], [2.0, 0.0]]))
    gw, gb = ms.grad(net, grad_position=None, weights=net.trainable_params())(x)
    np.testing.assert_allclose(gw.asnumpy(), x.asnumpy().T @ np.ones((2, 2)))
    np.testing.assert_allclose(gb.asnumpy(), [2.0, 2.0])
    gx, (gw2, gb2) = ms.grad(net, grad_position=0, weights=net.trainable_params())(x)
    np.testing.assert_allclose(gx.asnumpy(), np.ones((2, 2)) @ net.w.asnumpy().T)
    by_list = ops.GradOperation(get_by_list=True)(net, ms.ParameterTuple(net.trainable_params()))(x)
    np.testing.assert_allclose(by_list[0].asnumpy(), gw.asnumpy())
    both = ops.GradOperation(get_all=True, get_by_list=True)(net, net.trainable_params())(x)
    np.testing.assert_allclose(both[0][0].asnumpy(), gx.asnumpy())
    np.testing.assert_allclose(both[1][1].asnumpy(), gb.asnumpy())
    # parameters are untracked again afterwards
    assert net.w._node is None and net.b._node is None


def test_return_ids():
    net = Linear()
    x = Tensor(np.ones((1, 2)))
    gx, gws = ms.grad(net, 0, net.trainable_params(), return_ids=True)(x)
    assert gx[0] == 0 and [name for name, _ in gws] == ["w", "b"]


def test_canonical_training_step():
    net = Linear()
    x, y = Tensor(np.ones((4, 2))), Tensor(np.zeros((4, 2)))

    def forward(a, b):
        logits = net(a)
        return ops.mse_loss(logits, b), logits
    grad_fn = ms.value_and_grad(forward, None, net.trainable_params(), has_aux=True)
    (loss, logits), grads = grad_fn(x, y)
    pred = np.ones((4, 2)) @ net.w.asnumpy() + net.b.asnumpy()
    assert float(loss.asnumpy()) == pytest.approx(np.mean(pred ** 2))
    np.testing.assert_allclose(grads[1].asnumpy(), (2 * pred / pred.size).sum(0))


class ClippedIdentity(nn.Cell):
    """Identity forward, custom backward that scales the gradient by 10."""

    def construct(self, x, y):
        return x + y

    def bprop(self, x, y, out, dout):
        return dout * 10, dout * 0


def test_custom_cell_bprop():
    cell = ClippedIdentity()
    gx, gy = ms.grad(lambda a, b: cell(a, b) * 2, grad_position=(0, 1))(Tensor(1.0), Tensor(2.0))
    assert float(gx.asnumpy()) == 20.0 and float(gy.asnumpy()) == 0.0
    # outside a gradient the cell just runs construct
    assert float(cell(Tensor(1.0), Tensor(2.0)).asnumpy()) == 3.0


def test_custom_bprop_wrong_arity_is_an_error():
    class Bad(nn.Cell):
        def construct(self, x):
            return x * 2

        def bprop(self, x, out, dout):
            return dout, dout
    with pytest.raises(ValueError, match="Bad.bprop must return 1 gradients"):
        ms.grad(lambda a: Bad()(a))(Tensor(1.0))


def test_setitem_inside_grad_is_functional():
    def f(x):
        y = x * 1.0
        y[0] = y[1] * 3  # y = [3 x1, x1, x2]
        return ops.sum(y * y)
    g = ms.grad(f)(Tensor(np.array([1.0, 2.0, 3.0])))
    # d/dx1 of 9x1^2 + x1^2 = 20 x1, d/dx2 = 2 x2, d/dx0 = 0
    np.testing.assert_allclose(g.asnumpy(), [0.0, 40.0, 6.0])


def test_no_tape_outside_grad():
    x = Tensor(np.ones(3))
    y = x * 2 + 1
    assert y._node is None


def test_grad_of_integer_input_is_a_type_error():
    with pytest.raises(TypeError, match="input 0 must be a floating-point Tensor.*Int64"):
        ms.grad(lambda x: x * 2)(Tensor(np.array([1, 2])))
    with pytest.raises(TypeError, match="input 1 .* got int"):
        ms.grad(lambda x, y: x * y, grad_position=1)(Tensor(1.0), 3)


def test_grad_argument_errors():
    with pytest.raises(ValueError, match="cannot both be None"):
        ms.grad(f_paper, grad_position=None)
    with pytest.raises(IndexError, match="grad_position 5"):
        ms.grad(f_paper, grad_position=5)(X, Y)
    with pytest.raises(TypeError, match="grad_position"):
        ms.grad(f_paper, grad_position="x")(X, Y)
    with pytest.raises(ValueError, match="has_aux"):
        ms.grad(lambda x: x, has_aux=True)(X)
