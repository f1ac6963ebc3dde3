"""Mode equivalence over the whole op table (DESIGN 4, STYLE R13.4): every entry of
tests/op_db.py, captured with `ms.jit`, gives bit for bit the numbers eager mode gives, and
so do its gradients computed by the graph autodiff pass. Random ops are compared after the
same `ms.set_seed`: a graph draws its key when it runs, as eager mode does.

The only samples allowed to stay eager are the ones an entry's `skips["graph_partial"]`
names; every other capture failure fails the test."""
from __future__ import annotations

import numpy as np
import pytest

import mindlite as ms
from mindlite import ops
from mindlite.core.graph_trace import GraphModeError

from test_ops import _params, _samples

SEED = 1234


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [x for o in out for x in _flat(o)]
    return [out]


def _np(x):
    return x.asnumpy() if isinstance(x, ms.Tensor) else np.asarray(x)


def _tensor_positions(sample):
    return [i for i, a in enumerate(sample) if isinstance(a, np.ndarray)]


def _closed(spec, sample):
    """spec.fn with the non-array arguments fixed, taking only the tensor arguments."""
    pos = _tensor_positions(sample)

    def fn(*tensors):
        args = list(sample)
        for p, t in zip(pos, tensors):
            args[p] = t
        return spec.fn(*args)
    return fn, pos


def _eager_only(spec, sample):
    """True for the samples the entry declares eager-only (`graph_partial` names a predicate)."""
    rule = spec.skips.get("graph_partial")
    return rule is not None and rule[1](sample)


def _run(fn, tensors):
    ms.set_seed(SEED)
    return fn(*tensors)


def _compare(spec, eager, graph, rtol, atol):
    assert len(eager) == len(graph), f"{spec.name}: {len(eager)} eager outputs, {len(graph)} graph outputs"
    for k, (e, g) in enumerate(zip(eager, graph)):
        e, g = _np(e), _np(g)
        assert g.dtype == e.dtype and g.shape == e.shape, \
            f"{spec.name} output {k}: graph {g.dtype}{list(g.shape)}, eager {e.dtype}{list(e.shape)}"
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol, err_msg=f"{spec.name} output {k}")


def _capture(spec, sample, fn, tensors):
    """The graph result, or None for a declared eager-only sample (which must fail to capture)."""
    if _eager_only(spec, sample):
        with pytest.raises(GraphModeError):
            _run(ms.jit(fn), tensors)
        return None
    return _run(ms.jit(fn), tensors)


@pytest.mark.parametrize("spec", _params("graph"))
def test_forward_parity(spec):
    compared = 0
    for sample in _samples(spec):
        fn, pos = _closed(spec, sample)
        tensors = [ms.Tensor(sample[p]) for p in pos]
        eager = _flat(_run(fn, tensors))
        graph = _capture(spec, sample, fn, tensors)
        if graph is not None:
            _compare(spec, eager, _flat(graph), rtol=1e-12, atol=1e-12)
            compared += 1
    assert compared or all(_eager_only(spec, s) for s in _samples(spec)), f"{spec.name}: no sample ran in graph mode"


def _scalar(fn, weights):
    def s(*tensors):
        out = _flat(fn(*tensors))
        total = None
        for o, w in zip(out, weights):
            if o.dtype.is_floating_point:
                term = ops.sum(o * ms.Tensor(w))
                total = term if total is None else total + term
        return total
    return s


@pytest.mark.parametrize("spec", _params("graph", lambda s: s.grad))
def test_gradient_parity(spec):
    rng = np.random.default_rng(0)
    compared = 0
    for sample in _samples(spec):
        fn, pos = _closed(spec, sample)
        tensors = [ms.Tensor(sample[p]) for p in pos]
        diff = tuple(k for k, p in enumerate(pos) if sample[p].dtype.kind == "f"
                     and (spec.diff_args is None or p in spec.diff_args))
        if not diff:
            continue
        weights = [rng.standard_normal(np.shape(_np(o))) for o in _flat(_run(fn, tensors))]
        s = _scalar(fn, weights)
        eager = _run(ms.grad(s, diff), tensors)
        graph = _capture(spec, sample, lambda *t: ms.grad(s, diff)(*t), tensors)
        if graph is not None:
            _compare(spec, _flat(eager), _flat(graph), rtol=1e-10, atol=1e-12)
            compared += 1
    assert compared or all(_eager_only(spec, s) for s in _samples(spec)), \
        f"{spec.name}: no sample has a float input to differentiate in graph mode"
