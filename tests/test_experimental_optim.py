"""mindlite.experimental.optim: Adam / AdamW / SGD against numpy implementations of their
update rules, param groups, and the lr schedulers against closed forms and MindSpore's
documented sequences; functional training loops in both modes."""
import math

import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops
from mindlite.experimental import optim
from mindlite.experimental.optim import lr_scheduler


@pytest.fixture(params=[ms.PYNATIVE_MODE, ms.GRAPH_MODE], ids=["pynative", "graph"])
def mode(request):
    ms.set_context(mode=request.param)
    try:
        yield request.param
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)


def _params(seed=0):
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal((3, 2)).astype(np.float32), rng.standard_normal((2,)).astype(np.float32)]
    return values, [ms.Parameter(ms.Tensor(v), name=f"p{i}") for i, v in enumerate(values)]


def _grads(steps, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal((3, 2)).astype(np.float32), rng.standard_normal((2,)).astype(np.float32)]
            for _ in range(steps)]


def _run(opt, grads_seq):
    """Apply each gradient tuple; in graph mode through one compiled step."""
    step = (lambda *g: opt(g))
    if ms.get_context("mode") == ms.GRAPH_MODE:
        step = ms.jit(step)
    for gs in grads_seq:
        step(*[ms.Tensor(g) for g in gs])


# ---- numpy references of the update rules ---------------------------------------------------------
def ref_adam(p, gs, lr, b1, b2, eps, wd, amsgrad=False, maximize=False):
    p = p.astype(np.float64)
    m = v = vmax = np.zeros_like(p)
    for t, g in enumerate(gs, 1):
        g = (-g if maximize else g).astype(np.float64) + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        lr_t = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        p = p - lr_t * m / (np.sqrt(vmax if amsgrad else v) + eps)
    return p


def ref_adamw(p, gs, lr, b1, b2, eps, wd, amsgrad=False, maximize=False):
    p = p.astype(np.float64)
    m = v = vmax = np.zeros_like(p)
    for t, g in enumerate(gs, 1):
        g = (-g if maximize else g).astype(np.float64)
        p = p * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        denom = np.sqrt(vmax if amsgrad else v) / math.sqrt(1 - b2 ** t) + eps
        p = p - lr / (1 - b1 ** t) * m / denom
    return p


def ref_sgd(p, gs, lr, momentum=0.0, dampening=0.0, wd=0.0, nesterov=False, maximize=False):
    p = p.astype(np.float64)
    buf = None
    for g in gs:
        g = (-g if maximize else g).astype(np.float64)
        if wd:
            g = g + wd * p
        if momentum:
            buf = g if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


@pytest.mark.parametrize("amsgrad, maximize, wd", [(False, False, 0.0), (True, False, 0.1), (False, True, 0.05)])
def test_adam_matches_its_update_rule(mode, amsgrad, maximize, wd):
    values, params = _params()
    gs = _grads(4)
    opt = optim.Adam(params, lr=0.05, betas=(0.8, 0.9), eps=1e-3, weight_decay=wd, amsgrad=amsgrad,
                     maximize=maximize)
    _run(opt, gs)
    for k, p in enumerate(params):
        want = ref_adam(values[k], [g[k] for g in gs], 0.05, 0.8, 0.9, 1e-3, wd, amsgrad, maximize)
        np.testing.assert_allclose(p.asnumpy(), want, rtol=1e-5, atol=1e-6)
    assert int(opt.state_step.asnumpy()) == 4


@pytest.mark.parametrize("amsgrad, maximize", [(False, False), (True, True)])
def test_adamw_matches_its_update_rule(mode, amsgrad, maximize):
    values, params = _params()
    gs = _grads(4)
    opt = optim.AdamW(params, lr=0.05, eps=1e-6, weight_decay=0.1, amsgrad=amsgrad, maximize=maximize)
    _run(opt, gs)
    for k, p in enumerate(params):
        want = ref_adamw(values[k], [g[k] for g in gs], 0.05, 0.9, 0.999, 1e-6, 0.1, amsgrad, maximize)
        np.testing.assert_allclose(p.asnumpy(), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kw", [dict(), dict(momentum=0.9), dict(momentum=0.9, dampening=0.3, weight_decay=0.01),
                                dict(momentum=0.5, nesterov=True), dict(momentum=0.9, maximize=True)])
def test_sgd_matches_its_update_rule(mode, kw):
    values, params = _params()
    gs = _grads(3)
    opt = optim.SGD(params, lr=0.1, **kw)
    _run(opt, gs)
    ref_kw = {("wd" if k == "weight_decay" else k): v for k, v in kw.items()}
    for k, p in enumerate(params):
        np.testing.assert_allclose(p.asnumpy(), ref_sgd(values[k], [g[k] for g in gs], 0.1, **ref_kw),
                                   rtol=1e-5, atol=1e-6)


def test_param_groups_options_and_add_param_group(mode):
    values, params = _params()
    extra_value = np.array([1.0, -2.0], np.float32)
    extra = ms.Parameter(ms.Tensor(extra_value), name="extra")
    opt = optim.SGD([{"params": [params[0]], "lr": 0.5, "weight_decay": 0.1}, {"params": [params[1]]}],
                    lr=0.1, momentum=0.9)
    assert opt.group_start_id == [0, 1, 2]
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["weight_decay"] == 0.0
    opt.add_param_group({"params": extra, "lr": 0.2, "momentum": 0.0})
    assert len(opt.parameters) == 3 and len(opt.accum) == 3 and opt.group_start_id[-1] == 3
    gs = _grads(2)
    extra_g = [np.array([0.5, 0.25], np.float32), np.array([1.0, 1.0], np.float32)]
    _run(opt, [g + [e] for g, e in zip(gs, extra_g)])
    np.testing.assert_allclose(params[0].asnumpy(), ref_sgd(values[0], [g[0] for g in gs], 0.5, 0.9, wd=0.1),
                               rtol=1e-5)
    np.testing.assert_allclose(params[1].asnumpy(), ref_sgd(values[1], [g[1] for g in gs], 0.1, 0.9), rtol=1e-5)
    np.testing.assert_allclose(extra.asnumpy(), ref_sgd(extra_value, extra_g, 0.2), rtol=1e-6)


def test_custom_optimizer_from_the_base_class(mode):
    class MySGD(optim.Optimizer):
        def __init__(self, params, lr):
            super().__init__(params, dict(lr=lr))

        def construct(self, gradients):
            for group_id, group in enumerate(self.param_groups):
                start = self.group_start_id[group_id]
                for i, param in enumerate(group["params"]):
                    ops.assign(param, param - gradients[start + i] * group["lr"])
            return True

    values, params = _params()
    gs = _grads(2)
    _run(MySGD(params, 0.25), gs)
    for k, p in enumerate(params):
        np.testing.assert_allclose(p.asnumpy(), ref_sgd(values[k], [g[k] for g in gs], 0.25), rtol=1e-6)


def test_argument_errors():
    _, params = _params()
    with pytest.raises(ValueError, match="'lr' must be >= 0"):
        optim.Adam(params, lr=-1.0)
    with pytest.raises(ValueError, match=r"betas\[1\]"):
        optim.AdamW(params, betas=(0.9, 1.0))
    with pytest.raises(TypeError, match="'eps' must be a float"):
        optim.Adam(params, eps="small")
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD(params, lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match="'nesterov' must be a bool"):
        optim.SGD(params, lr=0.1, momentum=0.9, nesterov=1)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD([{"params": set(params)}], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": params}, {"params": params[:1]}], lr=0.1)
    opt = optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match="1 gradients for 2 parameters"):
        opt((ms.Tensor(np.zeros((3, 2), np.float32)),))
    with pytest.raises(TypeError, match="must be a mindlite.experimental.optim.Optimizer"):
        lr_scheduler.StepLR(nn.SGD(params, 0.1), 2)


# ---- lr schedulers ------------------------------------------------------------------------------------
def _lrs(scheduler, steps):
    out = []
    for _ in range(steps):
        scheduler.step()
        out.append([float(t.asnumpy()) for t in scheduler.get_last_lr()])
    return np.array(out)


def _opt(lr=0.05, groups=1):
    _, params = _params()
    if groups == 1:
        return optim.Adam(params, lr)
    return optim.Adam([{"params": [params[0]]}, {"params": [params[1]], "lr": 2 * lr}], lr)


@pytest.mark.parametrize("make, closed", [
    (lambda o: lr_scheduler.StepLR(o, step_size=2, gamma=0.1), lambda b, t: b * 0.1 ** (t // 2)),
    (lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 4, 4], gamma=0.5),
     lambda b, t: b * 0.5 ** ((t >= 2) + 2 * (t >= 4))),
    (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.7), lambda b, t: b * 0.7 ** t),
    (lambda o: lr_scheduler.ConstantLR(o, factor=0.5, total_iters=3), lambda b, t: b * (0.5 if t < 3 else 1.0)),
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0.25, end_factor=1.0, total_iters=4),
     lambda b, t: b * (0.25 + 0.75 * min(t, 4) / 4)),
    (lambda o: lr_scheduler.PolynomialLR(o, total_iters=5, power=2.0), lambda b, t: b * (1 - min(t, 5) / 5) ** 2),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=4, eta_min=0.001),
     lambda b, t: 0.001 + (b - 0.001) * (1 + math.cos(math.pi * t / 4)) / 2),
    (lambda o: lr_scheduler.LambdaLR(o, lr_lambda=lambda e: 1 / (1 + e)), lambda b, t: b / (1 + t)),
    (lambda o: lr_scheduler.MultiplicativeLR(o, lr_lambda=lambda e: 0.9), lambda b, t: b * 0.9 ** t),
])
def test_schedulers_follow_their_closed_forms(make, closed):
    opt = _opt(0.05, groups=2)
    scheduler = make(opt)
    got = _lrs(scheduler, 10)
    for g, base in enumerate([0.05, 0.1]):
        want = [closed(base, t) for t in range(1, 11)]
        np.testing.assert_allclose(got[:, g], want, rtol=1e-5, atol=1e-9)
        np.testing.assert_allclose(float(opt.param_groups[g]["lr"].asnumpy()), want[-1], rtol=1e-5, atol=1e-9)


def test_step_with_an_epoch_uses_the_closed_form():
    opt = _opt(0.05)
    scheduler = lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    scheduler.step(7)
    np.testing.assert_allclose(float(scheduler.get_last_lr()[0].asnumpy()), 0.05 * 0.25, rtol=1e-6)


@pytest.mark.parametrize("lr, make, want", [  # the sequences MindSpore's documentation prints
    (0.1, lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ConstantLR(o, factor=0.1, total_iters=2),
                                                 lr_scheduler.ExponentialLR(o, gamma=0.9)], milestones=[2]),
     [0.01, 0.1, 0.09, 0.081, 0.0729, 0.06561]),
    (0.01, lambda o: lr_scheduler.ChainedScheduler([lr_scheduler.PolynomialLR(o),
                                                    lr_scheduler.ExponentialLR(o, gamma=0.5)]),
     [0.004, 0.0015, 0.0005, 0.000125, 0, 0]),
    (0.1, lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=2), [0.05, 0, 0.05, 0.1, 0.05, 0]),
    (0.1, lambda o: lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1),
     [0.010045, 0.01009, 0.010135, 0.01018, 0.010225]),
])
def test_scheduler_sequences(lr, make, want):
    got = _lrs(make(_opt(lr)), len(want))[:, 0]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_cosine_warm_restarts_with_fractional_epochs():
    opt = _opt(0.1)
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(opt, 2)
    got = []
    for epoch in range(2):
        for i in range(3):
            scheduler.step(epoch + i / 3)
            got.append(float(scheduler.get_last_lr()[0].asnumpy()))
    np.testing.assert_allclose(got, [0.1, 0.0933013, 0.075, 0.05, 0.025, 0.00669873], rtol=1e-5)


def test_reduce_lr_on_plateau():
    opt = _opt(0.1)
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, "min", patience=0)
    got = []
    for metric in [1, 1.5, 1.8, 0.4, 0.5]:
        scheduler.step(metric)
        got.append(float(scheduler.get_last_lr()[0].asnumpy()))
    np.testing.assert_allclose(got, [0.1, 0.01, 0.001, 0.001, 0.0001], rtol=1e-5)


def test_scheduler_drives_a_compiled_step_without_recompiling(mode):
    """The lr Parameter is a graph input: a schedule changes the update, not the graph."""
    value = np.array([1.0, 2.0], np.float32)
    w = ms.Parameter(ms.Tensor(value), name="w")
    opt = optim.SGD([w], lr=0.5)
    scheduler = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    grad = np.array([1.0, -1.0], np.float32)
    step = (lambda g: opt((g,)))
    if mode == ms.GRAPH_MODE:
        step = ms.jit(step)
    for lr in [0.5, 0.25, 0.125]:
        step(ms.Tensor(grad))
        value = value - lr * grad
        np.testing.assert_allclose(w.asnumpy(), value, rtol=1e-6)
        scheduler.step()
