"""Training wrappers, loss scaling and mixed precision."""
import numpy as np
import pytest

import mindlite as ms
from mindlite import Parameter, Tensor, amp, nn, ops

RNG = np.random.default_rng(2)


class Linear(nn.Cell):
    def __init__(self, w):
        super().__init__()
        self.w = Parameter(Tensor(w), name="w")

    def construct(self, x):
        return ops.matmul(x, self.w)


def test_with_loss_and_eval_cells():
    w = RNG.standard_normal((3, 2)).astype(np.float32)
    x, y = RNG.standard_normal((4, 3)).astype(np.float32), RNG.standard_normal((4, 2)).astype(np.float32)
    net = Linear(w)
    wl = nn.WithLossCell(net, nn.MSELoss())
    assert float(wl(Tensor(x), Tensor(y)).asnumpy()) == pytest.approx(((x @ w - y) ** 2).mean(), rel=1e-5)
    assert wl.backbone_network is net
    assert [p.name for p in wl.trainable_params()] == ["w"]  # auto_prefix=False keeps names
    loss, out, label = nn.WithEvalCell(net, nn.MSELoss(), add_cast_fp32=True)(Tensor(x), Tensor(y))
    assert out.dtype == ms.float32 and out.shape == (4, 2)
    grads = nn.WithGradCell(net, nn.MSELoss())(Tensor(x), Tensor(y))
    np.testing.assert_allclose(grads[0].asnumpy(), x.T @ (2 * (x @ w - y) / y.size), rtol=1e-4, atol=1e-6)


def test_train_one_step_cell_matches_manual_sgd():
    w = RNG.standard_normal((3, 2)).astype(np.float32)
    x, y = RNG.standard_normal((4, 3)).astype(np.float32), RNG.standard_normal((4, 2)).astype(np.float32)
    net = Linear(w.copy())
    opt = nn.Momentum(net.trainable_params(), learning_rate=0.1, momentum=0.0)
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), opt)
    loss = step(Tensor(x), Tensor(y))
    assert float(loss.asnumpy()) == pytest.approx(((x @ w - y) ** 2).mean(), rel=1e-5)
    g = x.T @ (2 * (x @ w - y) / y.size)
    np.testing.assert_allclose(net.w.asnumpy(), w - 0.1 * g, rtol=1e-5, atol=1e-6)
    names = [p.name for p in step.get_parameters()]
    assert "w" in names and "moments.w" in names


def test_train_one_step_with_sens():
    w = np.ones((2, 1), np.float32)
    net = Linear(w.copy())
    opt = nn.Momentum(net.trainable_params(), learning_rate=1.0, momentum=0.0)
    nn.TrainOneStepCell(net, opt, sens=2.0)(Tensor(np.ones((1, 2), np.float32)))
    np.testing.assert_allclose(net.w.asnumpy(), w - 2.0)


def test_small_network_trains_to_target_loss():
    ms.set_seed(0)
    x = RNG.standard_normal((64, 8)).astype(np.float32)
    y = (x[:, :1] * 2 - x[:, 1:2] + 0.5 * np.sin(x[:, 2:3])).astype(np.float32)
    net = nn.SequentialCell(nn.Dense(8, 32, activation="tanh"), nn.Dense(32, 1))
    opt = nn.Momentum(net.trainable_params(), 0.05, 0.9)
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), opt)
    losses = [float(step(Tensor(x), Tensor(y)).asnumpy()) for _ in range(150)]
    assert losses[-1] < 0.05 * losses[0] and losses[-1] < 0.1


def test_loss_scale_overflow_skips_step_and_lowers_scale():
    w = np.ones((2, 1), np.float32)
    net = Linear(w.copy())
    opt = nn.Momentum(net.trainable_params(), learning_rate=0.1, momentum=0.0)
    update = nn.DynamicLossScaleUpdateCell(loss_scale_value=2.0 ** 10, scale_factor=2, scale_window=2)
    step = nn.TrainOneStepWithLossScaleCell(nn.WithLossCell(net, nn.MSELoss()), opt, scale_sense=update)
    x, y = Tensor(np.ones((1, 2), np.float32)), Tensor(np.zeros((1, 1), np.float32))
    bad = Tensor(np.array([[np.inf, 1.0]], np.float32))
    loss, overflow, scale = step(bad, y)
    assert bool(overflow.asnumpy()) and float(scale.asnumpy()) == 2.0 ** 10
    np.testing.assert_array_equal(net.w.asnumpy(), w)  # skipped
    assert float(step.scale_sense.asnumpy()) == 2.0 ** 9
    loss, overflow, _ = step(x, y)
    assert not bool(overflow.asnumpy())
    # the gradient is unscaled: d/dw (x.w)^2 = 2 (x.w) x = 4 per entry
    np.testing.assert_allclose(net.w.asnumpy(), w - 0.1 * 4.0, rtol=1e-6)
    step(x, y)  # second good step in the window -> the scale grows back
    assert float(step.scale_sense.asnumpy()) == 2.0 ** 10
    fixed = nn.TrainOneStepWithLossScaleCell(nn.WithLossCell(Linear(w.copy()), nn.MSELoss()),
                                             nn.Momentum([Parameter(Tensor(w.copy()), "v")], 0.1, 0.0),
                                             scale_sense=Tensor(np.float32(8.0)))
    assert float(fixed.scale_sense.asnumpy()) == 8.0


def test_loss_scale_managers():
    m = amp.DynamicLossScaleManager(init_loss_scale=16, scale_factor=2, scale_window=2)
    m.update_loss_scale(True)
    assert m.get_loss_scale() == 8
    m.update_loss_scale(False)
    m.update_loss_scale(False)
    assert m.get_loss_scale() == 16
    assert isinstance(m.get_update_cell(), nn.DynamicLossScaleUpdateCell)
    f = amp.FixedLossScaleManager(128.0, drop_overflow_update=False)
    assert f.get_loss_scale() == 128.0 and f.get_update_cell() is None
    assert isinstance(amp.FixedLossScaleManager().get_update_cell(), nn.FixedLossScaleUpdateCell)
    s = amp.DynamicLossScaler(1024, 2, 1)
    assert float(s.scale(Tensor(np.float32(1.0))).asnumpy()) == 1024
    s.adjust(Tensor(False))
    assert float(s.scale_value.asnumpy()) == 512
    assert bool(amp.all_finite([Tensor(np.ones(2)), Tensor(np.zeros(1))]).asnumpy())


class ConvBN(nn.Cell):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, has_bias=True)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Dense(4, 2)

    def construct(self, x):
        y = ops.relu(self.bn(self.conv(x)))
        self.seen_dtypes = (y.dtype,)
        return self.fc(ops.mean(y, (2, 3)))


def test_amp_o2_keeps_float32_masters_and_batchnorm():
    ms.set_seed(0)
    net = ConvBN()
    train_net = amp.build_train_network(net, nn.Momentum(net.trainable_params(), 0.01, 0.9), nn.MSELoss(),
                                        level="O2", loss_scale_manager=amp.DynamicLossScaleManager(2.0 ** 8))
    train_net.set_train()
    x = Tensor(RNG.standard_normal((2, 3, 6, 6)).astype(np.float32))
    y = Tensor(np.zeros((2, 2), np.float32))
    w0 = net.conv.weight.asnumpy().copy()
    loss, overflow, _ = train_net(x, y)
    assert loss.dtype == ms.float32 and not bool(overflow.asnumpy())
    assert all(p.dtype == ms.float32 for p in net.get_parameters())
    assert not np.array_equal(net.conv.weight.asnumpy(), w0)  # the fp32 master moved
    assert net.bn.moving_mean.dtype == ms.float32
    assert net._mixed_precision_type == ms.float16 and net.bn._mixed_precision_type == ms.float32
    out = amp.auto_mixed_precision(ConvBN(), "O3")(x)
    assert out.dtype == ms.float32  # cast back for the loss
    with pytest.raises(ValueError, match="amp_level"):
        amp.auto_mixed_precision(net, "O4")


def test_inner_to_float_wins_over_the_outer_one():
    seen = {}

    class Spy(nn.Cell):
        def __init__(self, key):
            super().__init__()
            self.key = key

        def construct(self, x):
            y = x * 1.0  # an op: its inputs take the enclosing cell's type
            seen[self.key] = y.dtype
            return y

    class Outer(nn.Cell):
        def __init__(self):
            super().__init__()
            self.a = Spy("outer_child")
            self.b = Spy("float32_child").to_float(ms.float32)

        def construct(self, x):
            return self.b(self.a(x))
    net = Outer().to_float(ms.float16)
    net(Tensor(np.ones((2, 2), np.float32)))
    assert seen == {"outer_child": ms.float16, "float32_child": ms.float32}
