"""lite.DistillLoss: value and gradient against closed forms, a frozen eval-mode teacher."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import lite, nn, ops

from util import numeric_grad_check

from .nets import MLP, randomize_bn


class Linear64(nn.Cell):
    """A float64 teacher: logits = x @ w."""

    def __init__(self, w):
        super().__init__()
        self.w = ms.Parameter(ms.Tensor(w), name="w")

    def construct(self, x):
        return ops.matmul(x, self.w)


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _setup(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((6, 5))
    w = rng.standard_normal((5, 4))
    s = rng.standard_normal((6, 4))
    label = rng.integers(0, 4, 6).astype(np.int32)
    return x, w, s, label


def test_loss_value_matches_the_formula():
    x, w, s, label = _setup()
    T, alpha = 3.0, 0.6
    loss = lite.DistillLoss(Linear64(w), nn.CrossEntropyLoss(), T=T, alpha=alpha)
    got = float(loss(ms.Tensor(s), ms.Tensor(label), ms.Tensor(x)).asnumpy())
    pt, ps = _softmax(x @ w / T), _softmax(s / T)
    kl = np.mean(np.sum(pt * (np.log(pt) - np.log(ps)), -1))
    ce = np.mean(-np.log(_softmax(s)[np.arange(6), label]))
    assert got == pytest.approx(alpha * T * T * kl + (1 - alpha) * ce, rel=1e-10)


def test_gradient_matches_finite_differences_and_closed_form():
    x, w, s, label = _setup(1)
    T, alpha = 4.0, 0.7
    loss = lite.DistillLoss(Linear64(w), nn.CrossEntropyLoss(), T=T, alpha=alpha)
    lab, xt = ms.Tensor(label), ms.Tensor(x)
    numeric_grad_check(lambda logits: loss(logits, lab, xt), [s])
    g = ms.grad(lambda logits: loss(logits, lab, xt))(ms.Tensor(s)).asnumpy()
    onehot = np.eye(4)[label]
    closed = (alpha * T * (_softmax(s / T) - _softmax(x @ w / T)) + (1 - alpha) * (_softmax(s) - onehot)) / 6
    np.testing.assert_allclose(g, closed, rtol=1e-9, atol=1e-12)


def test_teacher_is_frozen_in_eval_mode_while_the_student_trains(mode):
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((32, 64)).astype(np.float32), rng.integers(0, 10, 32).astype(np.int32)
    teacher = randomize_bn(MLP(hidden=48))
    student = MLP(hidden=16)
    t_before = {n: p.asnumpy().copy() for n, p in teacher.parameters_and_names()}
    s_before = {n: p.asnumpy().copy() for n, p in student.parameters_and_names()}
    cell = lite.WithDistillLossCell(student, lite.DistillLoss(teacher, nn.CrossEntropyLoss()))
    step = nn.TrainOneStepCell(cell, nn.Momentum(student.trainable_params(), 0.05, 0.9))
    step.set_train(True)
    assert not teacher.training  # set_train(True) does not reach the teacher
    losses = [float(step(ms.Tensor(x), ms.Tensor(y)).asnumpy()) for _ in range(5)]
    for n, p in teacher.parameters_and_names():
        np.testing.assert_array_equal(p.asnumpy(), t_before[n])
    assert any(not np.array_equal(p.asnumpy(), s_before[n]) for n, p in student.parameters_and_names())
    assert losses[-1] < losses[0]


def test_bad_arguments():
    teacher = MLP()
    with pytest.raises(ValueError, match="T must be a positive number"):
        lite.DistillLoss(teacher, T=0)
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 1\]"):
        lite.DistillLoss(teacher, alpha=1.5)
    with pytest.raises(TypeError, match="teacher must be a Cell"):
        lite.DistillLoss(lambda x: x)
    loss = lite.DistillLoss(teacher)
    teacher.set_train(True)
    with pytest.raises(ValueError, match="teacher must be in eval mode"):
        loss(ms.Tensor(np.zeros((2, 10), np.float32)), ms.Tensor(np.zeros(2, np.int32)),
             ms.Tensor(np.zeros((2, 64), np.float32)))
