"""Optimizers, lr lists and lr schedule Cells against independent numpy transcriptions of
MindSpore's documented rules (mindspore.nn.* / mindspore.ops.Apply* docs and kernels)."""
import math

import numpy as np
import pytest

import mindlite as ms
from mindlite import Parameter, Tensor, nn, ops
from mindlite.nn import dynamic_lr as dlr
from mindlite.nn import learning_rate_schedule as lrs
from mindlite.nn.optim import SGD, Adagrad, Adam, AdamWeightDecay, Lamb, Momentum, Optimizer, RMSProp

STEPS = 3
SHAPES = {"fc.weight": (2, 3), "ln.gamma": (3,)}  # 'gamma' is excluded from ungrouped weight decay


def _init_values():
    rng = np.random.RandomState(7)
    return {n: rng.normal(size=s).astype(np.float32) for n, s in SHAPES.items()}


def _grads():
    rng = np.random.RandomState(11)
    return [[rng.normal(size=s).astype(np.float32) for s in SHAPES.values()] for _ in range(STEPS)]


def _params():
    return [Parameter(Tensor(v), name=n) for n, v in _init_values().items()]


# ---- numpy references (float64), one function per MindSpore rule --------------------------------
# Each takes the initial values p0, the per-step gradients (unscaled), per-step/per-param lrs and
# effective weight decays (0 where the decay flag is off) and returns the params after each step.
def ref_momentum(p0, grads, lrs, wds, mu=0.9, nesterov=False):
    p = [x.astype(np.float64) for x in p0]
    v = [np.zeros_like(x) for x in p]
    out = []
    for t, gs in enumerate(grads):
        for i, g in enumerate(gs):
            g = g + wds[t][i] * p[i]
            v[i] = mu * v[i] + g
            p[i] = p[i] - (g * lrs[t][i] + v[i] * mu * lrs[t][i]) if nesterov else p[i] - lrs[t][i] * v[i]
        out.append([x.copy() for x in p])
    return out


def ref_sgd(p0, grads, lrs, wds, mu=0.0, dampening=0.0, nesterov=False):
    p = [x.astype(np.float64) for x in p0]
    v = [np.zeros_like(x) for x in p]
    out = []
    for t, gs in enumerate(grads):
        for i, g in enumerate(gs):
            g = g + wds[t][i] * p[i]
            if mu > 0:
                v[i] = g if t == 0 else mu * v[i] + (1 - dampening) * g
                g = g + mu * v[i] if nesterov else v[i]
            p[i] = p[i] - lrs[t][i] * g
        out.append([x.copy() for x in p])
    return out


def ref_adam(p0, grads, lrs, wds, b1=0.9, b2=0.999, eps=1e-8, nesterov=False, amsgrad=False):
    p = [x.astype(np.float64) for x in p0]
    m = [np.zeros_like(x) for x in p]
    v = [np.zeros_like(x) for x in p]
    vh = [np.zeros_like(x) for x in p]
    out = []
    for t, gs in enumerate(grads):
        k = t + 1
        for i, g in enumerate(gs):
            g = g + wds[t][i] * p[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            lr_t = lrs[t][i] * math.sqrt(1 - b2 ** k) / (1 - b1 ** k)
            if amsgrad:
                vh[i] = np.maximum(vh[i], v[i])
                p[i] = p[i] - lr_t * m[i] / (np.sqrt(vh[i]) + eps)
            elif nesterov:
                p[i] = p[i] - lr_t * (m[i] * b1 + (1 - b1) * g) / (np.sqrt(v[i]) + eps)
            else:
                p[i] = p[i] - lr_t * m[i] / (np.sqrt(v[i]) + eps)
        out.append([x.copy() for x in p])
    return out


def ref_adamw(p0, grads, lrs, wds, b1=0.9, b2=0.999, eps=1e-6):
    p = [x.astype(np.float64) for x in p0]
    m = [np.zeros_like(x) for x in p]
    v = [np.zeros_like(x) for x in p]
    out = []
    for t, gs in enumerate(grads):
        for i, g in enumerate(gs):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            u = m[i] / (eps + np.sqrt(v[i])) + wds[t][i] * p[i]
            p[i] = p[i] - lrs[t][i] * u
        out.append([x.copy() for x in p])
    return out


def ref_lamb(p0, grads, lrs, wds, b1=0.9, b2=0.999, eps=1e-6):
    p = [x.astype(np.float64) for x in p0]
    m = [np.zeros_like(x) for x in p]
    v = [np.zeros_like(x) for x in p]
    out = []
    for t, gs in enumerate(grads):
        k = t + 1
        for i, g in enumerate(gs):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            mh, vh = m[i] / (1 - b1 ** k), v[i] / (1 - b2 ** k)
            u = mh / (np.sqrt(vh) + eps) + wds[t][i] * p[i]
            r = mh / np.sqrt(vh + eps) + wds[t][i] * p[i]
            wn, rn = np.linalg.norm(p[i]), np.linalg.norm(r)
            ratio = wn / rn if wn > 0 and rn > 0 else 1.0
            ratio = min(max(ratio, 0.0), 10.0)
            p[i] = p[i] - lrs[t][i] * ratio * u
        out.append([x.copy() for x in p])
    return out


def ref_rmsprop(p0, grads, lrs, wds, decay=0.9, mu=0.0, eps=1e-10, centered=False):
    p = [x.astype(np.float64) for x in p0]
    ms_ = [np.ones_like(x) for x in p]
    mg = [np.zeros_like(x) for x in p]
    mom = [np.zeros_like(x) for x in p]
    out = []
    for t, gs in enumerate(grads):
        for i, g in enumerate(gs):
            g = g + wds[t][i] * p[i]
            ms_[i] = decay * ms_[i] + (1 - decay) * g * g
            if centered:
                mg[i] = decay * mg[i] + (1 - decay) * g
                denom = np.sqrt(ms_[i] - mg[i] ** 2 + eps)
            else:
                denom = np.sqrt(ms_[i] + eps)
            mom[i] = mu * mom[i] + lrs[t][i] * g / denom
            p[i] = p[i] - mom[i]
        out.append([x.copy() for x in p])
    return out


def ref_adagrad(p0, grads, lrs, wds, accum=0.1, update_slots=True):
    p = [x.astype(np.float64) for x in p0]
    h = [np.full_like(x, accum) for x in p]
    out = []
    for t, gs in enumerate(grads):
        for i, g in enumerate(gs):
            g = g + wds[t][i] * p[i]
            if update_slots:
                h[i] = h[i] + g * g
            p[i] = p[i] - lrs[t][i] * g / np.sqrt(h[i])
        out.append([x.copy() for x in p])
    return out


# (id, constructor(params, **kw), reference, base lr, takes loss_scale, decays 'gamma' when ungrouped)
CASES = [
    ("momentum", lambda ps, **kw: Momentum(ps, momentum=0.9, **kw), ref_momentum, 0.1, True, False),
    ("momentum_nesterov", lambda ps, **kw: Momentum(ps, momentum=0.8, use_nesterov=True, **kw),
     lambda *a: ref_momentum(*a, mu=0.8, nesterov=True), 0.1, True, False),
    ("sgd", lambda ps, **kw: SGD(ps, **kw), ref_sgd, 0.1, True, True),
    ("sgd_momentum", lambda ps, **kw: SGD(ps, momentum=0.9, dampening=0.3, **kw),
     lambda *a: ref_sgd(*a, mu=0.9, dampening=0.3), 0.1, True, True),
    ("sgd_nesterov", lambda ps, **kw: SGD(ps, momentum=0.9, nesterov=True, **kw),
     lambda *a: ref_sgd(*a, mu=0.9, nesterov=True), 0.1, True, True),
    ("adam", lambda ps, **kw: Adam(ps, **kw), ref_adam, 0.01, True, False),
    ("adam_nesterov", lambda ps, **kw: Adam(ps, beta1=0.8, beta2=0.99, eps=1e-6, use_nesterov=True, **kw),
     lambda *a: ref_adam(*a, b1=0.8, b2=0.99, eps=1e-6, nesterov=True), 0.01, True, False),
    ("adam_amsgrad", lambda ps, **kw: Adam(ps, use_amsgrad=True, **kw),
     lambda *a: ref_adam(*a, amsgrad=True), 0.01, True, False),
    ("adamw", lambda ps, **kw: AdamWeightDecay(ps, **kw), ref_adamw, 0.01, False, False),
    ("lamb", lambda ps, **kw: Lamb(ps, **kw), ref_lamb, 0.01, False, False),
    ("lamb_big_eps", lambda ps, **kw: Lamb(ps, beta1=0.8, beta2=0.9, eps=0.5, **kw),  # eps placement shows
     lambda *a: ref_lamb(*a, b1=0.8, b2=0.9, eps=0.5), 0.01, False, False),
    ("rmsprop", lambda ps, **kw: RMSProp(ps, **kw), ref_rmsprop, 0.01, True, False),
    ("rmsprop_centered", lambda ps, **kw: RMSProp(ps, decay=0.8, momentum=0.5, epsilon=1e-6, centered=True, **kw),
     lambda *a: ref_rmsprop(*a, decay=0.8, mu=0.5, eps=1e-6, centered=True), 0.01, True, False),
    ("adagrad", lambda ps, **kw: Adagrad(ps, **kw), ref_adagrad, 0.1, True, False),
    ("adagrad_no_slots", lambda ps, **kw: Adagrad(ps, accum=0.5, update_slots=False, **kw),
     lambda *a: ref_adagrad(*a, accum=0.5, update_slots=False), 0.1, True, False),
]
IDS = [c[0] for c in CASES]


def _run(opt, params, grads, scale=1.0):
    out = []
    for gs in grads:
        by_name = dict(zip(SHAPES, gs))
        assert opt(tuple(Tensor(by_name[p.name] * np.float32(scale)) for p in opt.parameters)) is True
        vals = {p.name: p.asnumpy() for p in params}
        out.append([vals[n] for n in SHAPES])
    return out


def _check(got, want):
    for t, (g_step, w_step) in enumerate(zip(got, want)):
        for g, w in zip(g_step, w_step):
            assert g.dtype == np.float32
            np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6, err_msg=f"step {t}")


def _flat(value, n=STEPS):
    return [[value] * len(SHAPES) for _ in range(n)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_three_steps_plain(case):
    _, make, ref, lr, _, _ = case
    params = _params()
    opt = make(params, learning_rate=lr)
    _check(_run(opt, params, _grads()), ref(list(_init_values().values()), _grads(), _flat(lr), _flat(0.0)))
    assert opt.global_step.asnumpy().tolist() == [STEPS] and opt.global_step.dtype == ms.int32


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_three_steps_weight_decay(case):
    _, make, ref, lr, _, decays_gamma = case
    params = _params()
    opt = make(params, learning_rate=lr, weight_decay=0.05)
    wds = [[0.05, 0.05 if decays_gamma else 0.0]] * STEPS
    _check(_run(opt, params, _grads()), ref(list(_init_values().values()), _grads(), _flat(lr), wds))


@pytest.mark.parametrize("case", [c for c in CASES if c[4]], ids=[c[0] for c in CASES if c[4]])
def test_three_steps_loss_scale(case):
    _, make, ref, lr, _, decays_gamma = case
    params = _params()
    opt = make(params, learning_rate=lr, weight_decay=0.05, loss_scale=8.0)
    wds = [[0.05, 0.05 if decays_gamma else 0.0]] * STEPS
    got = _run(opt, params, _grads(), scale=8.0)  # gradients arrive scaled by the loss scale
    _check(got, ref(list(_init_values().values()), _grads(), _flat(lr), wds))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_three_steps_groups(case):
    _, make, ref, lr, _, _ = case
    params = _params()
    w, gamma = params
    groups = [{"params": [w], "lr": 2 * lr, "weight_decay": 0.02},
              {"params": [gamma], "weight_decay": 0.03},  # grouped: decayed although named 'gamma'
              {"order_params": [gamma, w]}]
    opt = make(groups, learning_rate=lr)
    assert [p.name for p in opt.parameters] == ["ln.gamma", "fc.weight"]
    assert opt.is_group and opt.is_group_lr
    np.testing.assert_allclose(opt.get_lr_parameter(w).asnumpy(), 2 * lr, rtol=1e-6)
    np.testing.assert_allclose(opt.get_lr_parameter([gamma])[0].asnumpy(), lr, rtol=1e-6)
    lrs_ = [[2 * lr, lr]] * STEPS
    wds = [[0.02, 0.03]] * STEPS
    _check(_run(opt, params, _grads()), ref(list(_init_values().values()), _grads(), lrs_, wds))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_three_steps_lr_list(case):
    _, make, ref, lr, _, _ = case
    params = _params()
    opt = make(params, learning_rate=[lr, 0.5 * lr])  # shorter than the run: the last value is reused
    lrs_ = [[lr] * 2, [0.5 * lr] * 2, [0.5 * lr] * 2]
    _check(_run(opt, params, _grads()), ref(list(_init_values().values()), _grads(), lrs_, _flat(0.0)))
    assert opt.global_step.asnumpy().tolist() == [3]
    assert opt.get_lr_parameter(params[0]).name == "learning_rate"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_three_steps_lr_schedule(case):
    _, make, ref, lr, _, _ = case
    params = _params()
    opt = make(params, learning_rate=nn_exp(lr))
    lrs_ = [[lr * 0.5 ** t] * 2 for t in range(STEPS)]
    _check(_run(opt, params, _grads()), ref(list(_init_values().values()), _grads(), lrs_, _flat(0.0)))


def nn_exp(lr):
    return lrs.ExponentialDecayLR(lr, 0.5, 1)


def test_dynamic_lr_in_groups_and_tensor_lrs():
    params = _params()
    w, gamma = params
    sched = lrs.WarmUpLR(0.2, 2)  # 0, 0.1, 0.2
    opt = Momentum([{"params": [w], "lr": sched}, {"params": [gamma]}], learning_rate=Tensor(0.05), momentum=0.0)
    lr = opt.get_lr()
    assert isinstance(lr, tuple) and len(lr) == 2
    np.testing.assert_allclose([x.asnumpy() for x in lr], [0.0, 0.05], rtol=1e-6)
    np.testing.assert_allclose([x.asnumpy() for x in opt.get_lr()], [0.1, 0.05], rtol=1e-6)
    assert opt.global_step.asnumpy().tolist() == [2]
    assert opt.get_lr_parameter(w) is sched
    # a 1-d Tensor lr behaves like a list
    params = _params()
    opt = SGD(params, learning_rate=Tensor(np.array([0.1, 0.2, 0.3], np.float32)))
    np.testing.assert_allclose([opt.get_lr().asnumpy() for _ in range(4)], [0.1, 0.2, 0.3, 0.3], rtol=1e-6)


def test_dynamic_weight_decay_cell():
    class WD(nn.Cell):  # 0.01 * (step + 1), read before the step's increment
        def construct(self, global_step):
            return 0.01 * (ops.cast(global_step, ms.float32).reshape(()) + 1.0)

    params = _params()
    opt = Momentum(params, learning_rate=0.1, momentum=0.9, weight_decay=WD(), loss_scale=4.0)
    wds = [[0.01 * (t + 1), 0.0] for t in range(STEPS)]
    got = _run(opt, params, _grads(), scale=4.0)
    _check(got, ref_momentum(list(_init_values().values()), _grads(), _flat(0.1), wds))
    with pytest.raises(TypeError, match="dynamic"):
        SGD(_params(), weight_decay=WD())


def test_gradient_centralization():
    w = Parameter(Tensor(np.ones((2, 16), np.float32)), name="conv.weight")
    b = Parameter(Tensor(np.ones((2, 3), np.float32)), name="other.weight")  # dim 1 not a multiple of 16
    opt = SGD([{"params": [w], "grad_centralization": True}, {"params": [b], "grad_centralization": True}],
              learning_rate=1.0)
    gw = np.arange(32, dtype=np.float32).reshape(2, 16)
    gb = np.arange(6, dtype=np.float32).reshape(2, 3)
    opt((Tensor(gw), Tensor(gb)))
    np.testing.assert_allclose(w.asnumpy(), 1 - (gw - gw.mean(axis=1, keepdims=True)), rtol=1e-6)
    np.testing.assert_allclose(b.asnumpy(), 1 - gb, rtol=1e-6)


STATE_NAMES = {
    "momentum": {"moments.fc.weight", "moments.ln.gamma", "momentum"},
    "sgd": {"accum.fc.weight", "accum.ln.gamma", "stat.fc.weight", "stat.ln.gamma", "momentum"},
    "adam": {"moment1.fc.weight", "moment1.ln.gamma", "moment2.fc.weight", "moment2.ln.gamma", "beta1_power",
             "beta2_power"},
    "adam_amsgrad": {"moment1.fc.weight", "moment1.ln.gamma", "moment2.fc.weight", "moment2.ln.gamma",
                     "vhat.fc.weight", "vhat.ln.gamma", "beta1_power", "beta2_power"},
    "adamw": {"adam_m.fc.weight", "adam_m.ln.gamma", "adam_v.fc.weight", "adam_v.ln.gamma"},
    "lamb": {"lamb_m.fc.weight", "lamb_m.ln.gamma", "lamb_v.fc.weight", "lamb_v.ln.gamma"},
    "rmsprop": {"mean_square.fc.weight", "mean_square.ln.gamma", "moment.fc.weight", "moment.ln.gamma"},
    "rmsprop_centered": {"mean_square.fc.weight", "mean_square.ln.gamma", "moment.fc.weight", "moment.ln.gamma",
                         "mean_grad.fc.weight", "mean_grad.ln.gamma"},
    "adagrad": {"accum.fc.weight", "accum.ln.gamma"},
}


@pytest.mark.parametrize("name", sorted(STATE_NAMES))
def test_state_parameter_names(name):
    make = {c[0]: c[1] for c in CASES}[name]
    params = _params()
    opt = make(params, learning_rate=0.1)
    names = set(opt.parameters_dict())
    assert names == STATE_NAMES[name] | {"global_step", "learning_rate", "fc.weight", "ln.gamma"}
    assert isinstance(opt.parameters, ms.ParameterTuple) and list(opt.parameters) == params
    assert opt.learning_rate.name == "learning_rate" and opt.learning_rate.dtype == ms.float32
    assert opt.global_step.shape == (1,)
    # initial state values as MindSpore initialises them
    d = opt.parameters_dict()
    init = {"stat": 1.0, "mean_square": 1.0, "accum": 0.1 if name == "adagrad" else 0.0}
    for k, p in d.items():
        prefix = k.split(".")[0]
        if "." in k and prefix not in ("fc", "ln"):
            assert p.shape == SHAPES[k[len(prefix) + 1:]]
            np.testing.assert_allclose(p.asnumpy(), init.get(prefix, 0.0), rtol=1e-6)
    if "beta1_power" in d:
        assert d["beta1_power"].shape == () and float(d["beta1_power"].asnumpy()) == 1.0


def test_lr_list_parameter_and_group_lr_names():
    params = _params()
    opt = Adam(params, learning_rate=[0.1, 0.2])
    d = opt.parameters_dict()
    np.testing.assert_allclose(d["learning_rate"].asnumpy(), [0.1, 0.2], rtol=1e-6)
    opt = Momentum([{"params": [params[0]], "lr": 0.3}, {"params": [params[1]]}], 0.1, 0.9)
    d = opt.parameters_dict()
    assert "learning_rate_group_0" in d and "learning_rate" in d


def test_beta_power_progression():
    params = _params()
    opt = Adam(params, beta1=0.8, beta2=0.9)
    for _ in range(3):
        opt(tuple(ops.ones_like(p) for p in params))
    np.testing.assert_allclose(opt.beta1_power.asnumpy(), 0.8 ** 3, rtol=1e-6)
    np.testing.assert_allclose(opt.beta2_power.asnumpy(), 0.9 ** 3, rtol=1e-6)


# ---- argument errors -----------------------------------------------------------------------------
def test_argument_errors():
    p = _params()
    with pytest.raises(ValueError, match="learning_rate"):
        Momentum(p, -0.1, 0.9)
    with pytest.raises(ValueError, match="learning_rate"):
        SGD(p, learning_rate=[0.1, -0.1])
    with pytest.raises(ValueError, match="learning_rate"):
        SGD(p, learning_rate=Tensor(np.ones((2, 2), np.float32)))
    with pytest.raises(TypeError, match="learning_rate"):
        SGD(p, learning_rate="0.1")
    with pytest.raises(TypeError, match="learning_rate"):
        SGD(p, learning_rate=nn.Cell())
    with pytest.raises(ValueError, match="momentum"):
        Momentum(p, 0.1, -0.5)
    with pytest.raises(TypeError, match="momentum"):
        Momentum(p, 0.1, "0.9")
    with pytest.raises(ValueError, match="momentum"):
        SGD(p, momentum=-1.0)
    with pytest.raises(ValueError, match="nesterov"):
        SGD(p, nesterov=True)
    with pytest.raises(ValueError, match="dampening"):
        SGD(p, momentum=0.9, dampening=-0.1)
    with pytest.raises(ValueError, match="must not be empty"):
        Adam([])
    with pytest.raises(ValueError, match="can not be None"):
        Adam(None)
    with pytest.raises(ValueError, match="appears twice"):
        Adam([p[0], p[0]])
    with pytest.raises(ValueError, match="appears twice"):
        Adam([{"params": [p[0]]}, {"params": [p[0], p[1]]}])
    with pytest.raises(ValueError, match="both named"):
        Adam([p[0], Parameter(Tensor(np.zeros(2, np.float32)), name="fc.weight")])
    with pytest.raises(TypeError, match="Parameter"):
        Adam([p[0], Tensor(np.zeros(2, np.float32))])
    with pytest.raises(TypeError, match="Parameter"):
        Adam([{"params": [p[0], 3.0]}])
    with pytest.raises(TypeError, match="parameters"):
        Adam(p[0])
    with pytest.raises(ValueError, match="unknown key"):
        Adam([{"params": p, "momentum": 0.9}])
    with pytest.raises(ValueError, match="order_params"):
        Adam([{"params": [p[0]]}, {"params": [p[1]]},
              {"order_params": [p[0], Parameter(Tensor(np.zeros(2, np.float32)), name="x")]}])
    with pytest.raises(ValueError, match="order_params"):
        Adam([{"params": [p[0]]}, {"params": [p[1]]}, {"order_params": [p[0]]}])
    with pytest.raises(ValueError, match="beta1"):
        Adam(p, beta1=1.0)
    with pytest.raises(ValueError, match="beta2"):
        Lamb(p, 0.1, beta2=0.0)
    with pytest.raises(ValueError, match="eps"):
        AdamWeightDecay(p, eps=0.0)
    with pytest.raises(ValueError, match="weight_decay"):
        Adam(p, weight_decay=-1e-4)
    with pytest.raises(TypeError, match="weight_decay"):
        Adam(p, weight_decay="0.1")
    with pytest.raises(ValueError, match="loss_scale"):
        Momentum(p, 0.1, 0.9, loss_scale=0.0)
    with pytest.raises(TypeError, match="use_nesterov"):
        Momentum(p, 0.1, 0.9, use_nesterov=1)
    with pytest.raises(ValueError, match="epsilon"):
        RMSProp(p, epsilon=0.0)
    with pytest.raises(ValueError, match="decay"):
        RMSProp(p, decay=-0.9)
    with pytest.raises(ValueError, match="accum"):
        Adagrad(p, accum=-0.1)
    with pytest.raises(TypeError, match="grad_centralization"):
        Adam([{"params": p, "grad_centralization": 1}])
    with pytest.raises(ValueError, match="same length"):
        Adam([{"params": [p[0]], "lr": [0.1, 0.2]}, {"params": [p[1]]}], learning_rate=[0.1, 0.2, 0.3])
    opt = Adam(p)
    with pytest.raises(ValueError, match="gradients"):
        opt((ops.ones_like(p[0]),))
    with pytest.raises(ValueError, match="not in this optimizer"):
        opt.get_lr_parameter(Parameter(Tensor(np.zeros(1, np.float32)), name="other"))
    with pytest.raises(TypeError, match="must define construct"):
        Optimizer(0.1, p)(tuple(ops.ones_like(x) for x in p))


def test_schedule_and_list_argument_errors():
    with pytest.raises(ValueError, match="decay_steps"):
        lrs.ExponentialDecayLR(0.1, 0.9, 0)
    with pytest.raises(TypeError, match="decay_steps"):
        lrs.InverseDecayLR(0.1, 0.9, 2.5)
    with pytest.raises(ValueError, match="learning_rate"):
        lrs.NaturalExpDecayLR(-0.1, 0.9, 2)
    with pytest.raises(ValueError, match="max_lr"):
        lrs.CosineDecayLR(0.1, 0.05, 4)
    with pytest.raises(ValueError, match="power"):
        lrs.PolynomialDecayLR(0.1, 0.01, 4, 0.0)
    with pytest.raises(TypeError, match="is_stair"):
        lrs.ExponentialDecayLR(0.1, 0.9, 2, is_stair=1)
    with pytest.raises(ValueError, match="warmup_steps"):
        lrs.WarmUpLR(0.1, 0)
    with pytest.raises(ValueError, match="same length"):
        dlr.piecewise_constant_lr([1, 2], [0.1])
    with pytest.raises(ValueError, match="increasing"):
        dlr.piecewise_constant_lr([3, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="total_step"):
        dlr.exponential_decay_lr(0.1, 0.9, 0, 1, 1)
    with pytest.raises(ValueError, match="step_per_epoch"):
        dlr.cosine_decay_lr(0.0, 0.1, 4, 0, 1)
    with pytest.raises(TypeError, match="decay_epoch"):
        dlr.polynomial_decay_lr(0.1, 0.0, 4, 1, None, 1.0)
    with pytest.raises(ValueError, match="warmup_epoch"):
        dlr.warmup_lr(0.1, 4, 1, 0)


# ---- lr lists and schedule Cells against hand-computed values ------------------------------------
def test_dynamic_lr_builders():
    close = np.testing.assert_allclose
    close(dlr.piecewise_constant_lr([2, 5, 10], [0.1, 0.05, 0.01]), [0.1] * 2 + [0.05] * 3 + [0.01] * 5)
    close(dlr.exponential_decay_lr(0.1, 0.9, 6, 2, 1), [0.1, 0.1, 0.09, 0.09, 0.081, 0.081])
    close(dlr.exponential_decay_lr(0.1, 0.9, 6, 2, 2), [0.1, 0.1, 0.1 * 0.9 ** 0.5, 0.1 * 0.9 ** 0.5, 0.09, 0.09])
    close(dlr.exponential_decay_lr(0.1, 0.9, 6, 2, 2, True), [0.1] * 4 + [0.09] * 2)
    e18 = 0.1 * math.exp(-1.8)
    close(dlr.natural_exp_decay_lr(0.1, 0.9, 6, 2, 2, True), [0.1] * 4 + [0.016529888822158657] * 2)
    close(dlr.natural_exp_decay_lr(0.1, 0.9, 6, 2, 2), [0.1, 0.1, 0.1 * math.exp(-0.9), 0.1 * math.exp(-0.9),
                                                         e18, e18])
    close(dlr.inverse_decay_lr(0.1, 0.5, 6, 1, 1, True), [0.1, 0.1 / 1.5, 0.05, 0.04, 0.1 / 3, 0.1 / 3.5])
    close(dlr.inverse_decay_lr(0.1, 0.5, 4, 1, 2), [0.1, 0.1 / 1.25, 0.1 / 1.5, 0.1 / 1.75])
    close(dlr.inverse_decay_lr(0.1, 0.5, 4, 1, 2, True), [0.1, 0.1, 0.1 / 1.5, 0.1 / 1.5])
    close(dlr.cosine_decay_lr(0.01, 0.1, 8, 2, 2), [0.1, 0.1, 0.055, 0.055, 0.01, 0.01, 0.01, 0.01])
    close(dlr.polynomial_decay_lr(0.1, 0.01, 6, 2, 2, 0.5),
          [0.1, 0.1, 0.01 + 0.09 * 0.5 ** 0.5, 0.01 + 0.09 * 0.5 ** 0.5, 0.01, 0.01])
    close(dlr.polynomial_decay_lr(0.1, 0.01, 8, 1, 2, 1.0, update_decay_epoch=True),
          [0.1, 0.055, 0.01, 0.0325, 0.01, 0.025, 0.01, 0.02125])
    close(dlr.warmup_lr(0.1, 6, 2, 2), [0.0, 0.0, 0.05, 0.05, 0.1, 0.1])
    close(dlr.warmup_lr(0.1, 3, 1, 1), [0.0, 0.1, 0.1])
    for out in (dlr.warmup_lr(0.1, 6, 2, 2), dlr.cosine_decay_lr(0.01, 0.1, 6, 2, 2)):
        assert isinstance(out, list) and len(out) == 6 and all(isinstance(x, float) for x in out)


SCHEDULES = [
    (lrs.ExponentialDecayLR(0.1, 0.9, 4), {0: 0.1, 2: 0.1 * 0.9 ** 0.5, 8: 0.081}),
    (lrs.ExponentialDecayLR(0.1, 0.9, 4, True), {2: 0.1, 5: 0.09}),
    (lrs.NaturalExpDecayLR(0.1, 0.9, 4), {0: 0.1, 2: 0.1 * math.exp(-1.8)}),  # p = step (MindSpore)
    (lrs.NaturalExpDecayLR(0.1, 0.9, 4, True), {2: 0.1, 5: 0.1 * math.exp(-3.6)}),
    (lrs.InverseDecayLR(0.1, 0.9, 4), {2: 0.1 / 1.45}),
    (lrs.InverseDecayLR(0.1, 0.9, 4, True), {2: 0.1, 5: 0.1 / 1.9}),
    (lrs.CosineDecayLR(0.01, 0.1, 4), {0: 0.1, 2: 0.055, 4: 0.01, 6: 0.01}),
    (lrs.PolynomialDecayLR(0.1, 0.01, 4, 0.5), {0: 0.1, 2: 0.01 + 0.09 * 0.5 ** 0.5, 6: 0.01}),
    (lrs.PolynomialDecayLR(0.1, 0.01, 4, 1.0, update_decay_steps=True), {0: 0.1, 2: 0.055, 6: 0.0325}),
    (lrs.WarmUpLR(0.1, 2), {0: 0.0, 1: 0.05, 3: 0.1}),
]


@pytest.mark.parametrize("sched,expected", SCHEDULES, ids=[f"{type(s).__name__}{i}" for i, (s, _) in
                                                          enumerate(SCHEDULES)])
def test_schedule_cells(sched, expected):
    assert isinstance(sched, lrs.LearningRateSchedule)
    for step, want in expected.items():
        for arg in (Tensor(step, ms.int32), Tensor(np.array([step], np.int32)), step):
            out = sched(arg)
            assert isinstance(out, Tensor) and out.shape == () and out.dtype == ms.float32
            np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-5)


# ---- integration: minimise sum((W x - y)^2) -------------------------------------------------------
class _Quadratic(nn.Cell):
    def __init__(self):
        super().__init__()
        rng = np.random.RandomState(3)
        self.w = Parameter(Tensor((0.1 * rng.normal(size=(3, 4))).astype(np.float32)), name="w")
        self.b = Parameter(Tensor(np.zeros(3, np.float32)), name="b")

    def construct(self, x, y):
        pred = ops.matmul(x, self.w.T) + self.b
        return ops.sum(ops.square(pred - y)) / x.shape[0]


INTEGRATION = [
    ("SGD", lambda ps: SGD(ps, learning_rate=0.1)),
    ("SGD-momentum", lambda ps: SGD(ps, learning_rate=0.05, momentum=0.9, nesterov=True)),
    ("Momentum", lambda ps: Momentum(ps, 0.05, 0.9)),
    ("Adam", lambda ps: Adam(ps, learning_rate=0.05)),
    ("AdamWeightDecay", lambda ps: AdamWeightDecay(ps, learning_rate=0.05)),
    ("Lamb", lambda ps: Lamb(ps, learning_rate=0.1)),
    ("RMSProp", lambda ps: RMSProp(ps, learning_rate=0.05)),
    ("RMSProp-centered", lambda ps: RMSProp(ps, learning_rate=0.01, momentum=0.5, centered=True)),
    ("Adagrad", lambda ps: Adagrad(ps, learning_rate=0.5)),
]


@pytest.mark.parametrize("make", [m for _, m in INTEGRATION], ids=[n for n, _ in INTEGRATION])
def test_minimise_quadratic(make):
    rng = np.random.RandomState(5)
    x = rng.normal(size=(16, 4)).astype(np.float32)
    y = x @ rng.normal(size=(4, 3)).astype(np.float32) + np.float32(0.5)
    x, y = Tensor(x), Tensor(y)
    net = _Quadratic()
    opt = make(net.trainable_params())
    grad_fn = ms.value_and_grad(net, None, net.trainable_params())
    first = None
    for _ in range(100):
        loss, grads = grad_fn(x, y)
        first = float(loss.asnumpy()) if first is None else first
        opt(grads)
    last = float(net(x, y).asnumpy())
    assert np.isfinite(last) and last < first / 100, (first, last)
