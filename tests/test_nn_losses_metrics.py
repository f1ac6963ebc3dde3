"""Loss Cells against formulas; metrics against hand counts."""
import numpy as np
import pytest

from mindlite import Tensor, nn

RNG = np.random.default_rng(1)


def _log_softmax(x, axis=-1):
    s = x - x.max(axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis, keepdims=True))


def test_softmax_cross_entropy_with_logits():
    logits = RNG.standard_normal((4, 5))
    labels = np.array([0, 3, 4, 1])
    onehot = np.eye(5)[labels]
    want = -_log_softmax(logits)[np.arange(4), labels]
    loss = nn.SoftmaxCrossEntropyWithLogits(sparse=True)  # default reduction 'none'
    np.testing.assert_allclose(loss(Tensor(logits), Tensor(labels)).asnumpy(), want, rtol=1e-10)
    dense = nn.SoftmaxCrossEntropyWithLogits(reduction="mean")
    np.testing.assert_allclose(dense(Tensor(logits), Tensor(onehot)).asnumpy(), want.mean(), rtol=1e-10)
    with pytest.raises(ValueError, match="reduction"):
        nn.SoftmaxCrossEntropyWithLogits(reduction="avg")


def test_cross_entropy_loss_options():
    logits = RNG.standard_normal((6, 4))
    t = np.array([0, 1, 2, 3, -100, 1])
    w = np.array([1.0, 2.0, 0.5, 1.5])
    logp = _log_softmax(logits)
    valid = t != -100
    tt = np.where(valid, t, 0)
    wt = w[tt] * valid
    nll = -logp[np.arange(6), tt] * wt
    eps = 0.1
    smooth = -(logp * w).sum(1) / 4 * valid
    per = (1 - eps) * nll + eps * smooth
    got = nn.CrossEntropyLoss(weight=Tensor(w), label_smoothing=eps)(Tensor(logits), Tensor(t))
    np.testing.assert_allclose(got.asnumpy(), per.sum() / wt.sum(), rtol=1e-10)
    got = nn.CrossEntropyLoss(reduction="none")(Tensor(logits), Tensor(t))
    np.testing.assert_allclose(got.asnumpy(), -logp[np.arange(6), tt] * valid, rtol=1e-10)
    probs = np.abs(RNG.standard_normal((6, 4)))
    probs /= probs.sum(1, keepdims=True)
    got = nn.CrossEntropyLoss()(Tensor(logits), Tensor(probs))
    np.testing.assert_allclose(got.asnumpy(), -(probs * logp).sum(1).mean(), rtol=1e-10)


def test_regression_and_other_losses():
    x, y = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    np.testing.assert_allclose(nn.MSELoss()(Tensor(x), Tensor(y)).asnumpy(), ((x - y) ** 2).mean())
    np.testing.assert_allclose(nn.L1Loss(reduction="sum")(Tensor(x), Tensor(y)).asnumpy(), np.abs(x - y).sum())
    d = np.abs(x - y)
    np.testing.assert_allclose(nn.SmoothL1Loss(beta=0.5)(Tensor(x), Tensor(y)).asnumpy(),
                               np.where(d < 0.5, 0.5 * d ** 2 / 0.5, d - 0.25))
    lab = (RNG.random((3, 4)) > 0.5).astype(np.float64)
    pw = np.array([1.0, 2.0, 3.0, 0.5])
    sig = 1 / (1 + np.exp(-x))
    bce = -(pw * lab * np.log(sig) + (1 - lab) * np.log(1 - sig))
    np.testing.assert_allclose(nn.BCEWithLogitsLoss(pos_weight=Tensor(pw))(Tensor(x), Tensor(lab)).asnumpy(),
                               bce.mean(), rtol=1e-10)
    logp = _log_softmax(x)
    q = np.exp(_log_softmax(y))
    np.testing.assert_allclose(nn.KLDivLoss(reduction="batchmean")(Tensor(logp), Tensor(q)).asnumpy(),
                               (q * (np.log(q) - logp)).sum() / 3, rtol=1e-10)
    nll = nn.NLLLoss()(Tensor(logp), Tensor(np.array([1, 0, 3])))
    np.testing.assert_allclose(nll.asnumpy(), -logp[np.arange(3), [1, 0, 3]].mean(), rtol=1e-10)
    assert nn.LossBase("sum").get_loss(Tensor(x), 2.0).asnumpy() == pytest.approx(2 * x.sum())


def test_classification_metrics():
    y_pred = np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    y = np.array([1, 0, 1, 2])
    acc = nn.Accuracy()
    acc.update(Tensor(y_pred), Tensor(y))
    assert acc.eval() == pytest.approx(0.5)
    acc.update(y_pred, np.eye(3)[[1, 0, 2, 0]])  # one-hot labels, numpy inputs
    assert acc.eval() == pytest.approx(6 / 8)  # the second batch is all correct
    acc.clear()
    with pytest.raises(RuntimeError):
        acc.eval()
    top1, top2 = nn.Top1CategoricalAccuracy(), nn.TopKCategoricalAccuracy(2)
    for m in (top1, top2):
        m.update(Tensor(y_pred), Tensor(y))
    assert top1.eval() == pytest.approx(0.5) and top2.eval() == pytest.approx(0.75)
    pred = y_pred.argmax(1)
    prec, rec, f1 = nn.Precision(), nn.Recall(), nn.F1()
    for m in (prec, rec, f1):
        m.update(Tensor(y_pred), Tensor(y))
    want_p = np.array([((pred == c) & (y == c)).sum() / max((pred == c).sum(), 1) for c in range(3)])
    want_r = np.array([((pred == c) & (y == c)).sum() / max((y == c).sum(), 1) for c in range(3)])
    np.testing.assert_allclose(prec.eval(), want_p)
    np.testing.assert_allclose(rec.eval(), want_r)
    denom = want_p + want_r
    want_f = np.divide(2 * want_p * want_r, denom, out=np.zeros(3), where=denom > 0)
    np.testing.assert_allclose(f1.eval(), want_f)
    assert prec.eval(average=True) == pytest.approx(want_p.mean())


def test_regression_metrics_and_loss_metric():
    a, b = RNG.standard_normal((5, 2)), RNG.standard_normal((5, 2))
    mae, mse, loss = nn.MAE(), nn.MSE(), nn.Loss()
    mae.update(Tensor(a), Tensor(b))
    mse.update(Tensor(a), Tensor(b))
    assert mae.eval() == pytest.approx(np.abs(a - b).sum() / 5)
    assert mse.eval() == pytest.approx(((a - b) ** 2).sum() / 5)
    loss.update(Tensor(2.0))
    loss.update(Tensor(np.array([1.0, 3.0])))
    assert loss.eval() == pytest.approx(2.0)
