"""Test helpers: float64 finite-difference gradient checks against mindlite's autodiff."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

import mindlite as ms


def to_np(x: Any) -> Any:
    if isinstance(x, ms.Tensor):
        return x.asnumpy()
    if isinstance(x, (tuple, list)):
        return type(x)(to_np(v) for v in x)
    return x


def _scalarize(out: Any, weights: Sequence[np.ndarray]) -> float:
    """<out, w> summed over every tensor output (a fixed random projection)."""
    outs = out if isinstance(out, (tuple, list)) else (out,)
    total = 0.0
    for o, w in zip(outs, weights):
        total += float(np.sum(np.asarray(to_np(o), dtype=np.float64) * w))
    return total


def numeric_grad_check(fn: Callable[..., Any], args: Sequence[np.ndarray], diff_args: Sequence[int] | None = None,
                       eps: float = 1e-6, rtol: float = 1e-5, seed: int = 0) -> None:
    """Check ms.grad of `fn` against central differences along one random direction per input.

    `fn` takes mindlite Tensors; `args` are float64 numpy arrays (non-float args pass through).
    The scalar differentiated is <fn(*args), W> for fixed random W, so every output element counts.
    """
    rng = np.random.default_rng(seed)
    tensors = [ms.Tensor(a) if isinstance(a, np.ndarray) else a for a in args]
    if diff_args is None:
        diff_args = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    out0 = fn(*tensors)
    outs0 = out0 if isinstance(out0, (tuple, list)) else (out0,)
    weights = [rng.standard_normal(np.shape(to_np(o))) for o in outs0]

    def scalar_fn(*ts: Any) -> Any:
        out = fn(*ts)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        total = None
        for o, w in zip(outs, weights):
            if not o.dtype.is_floating_point:
                continue
            term = ms.ops.sum(o * ms.Tensor(w.astype(np.float64)))
            total = term if total is None else total + term
        return total

    grads = ms.grad(scalar_fn, grad_position=tuple(diff_args))(*tensors)
    for k, i in enumerate(diff_args):
        a = args[i]
        direction = rng.standard_normal(a.shape)
        plus = list(tensors)
        minus = list(tensors)
        plus[i] = ms.Tensor(a + eps * direction)
        minus[i] = ms.Tensor(a - eps * direction)
        numeric = (_scalarize(fn(*plus), weights) - _scalarize(fn(*minus), weights)) / (2 * eps)
        analytic = float(np.sum(grads[k].asnumpy() * direction))
        err = abs(numeric - analytic) / max(1.0, abs(numeric), abs(analytic))
        assert err < rtol, f"input {i}: analytic {analytic!r} vs numeric {numeric!r} (rel err {err:.2e})"


def second_order_check(fn: Callable[..., Any], args: Sequence[np.ndarray], eps: float = 1e-5, rtol: float = 1e-5,
                       seed: int = 1) -> None:
    """Check the gradient of <grad(fn)(x), v> w.r.t. x (a Hessian-vector product) numerically."""
    rng = np.random.default_rng(seed)
    n = len(args)
    out_w = None

    def scalar(*ts: Any) -> Any:
        nonlocal out_w
        o = fn(*ts)
        if out_w is None:
            out_w = rng.standard_normal(o.shape)
        return ms.ops.sum(o * ms.Tensor(out_w))

    vs = [rng.standard_normal(a.shape) for a in args]

    def gv(*ts: Any) -> Any:
        g = ms.grad(scalar, grad_position=tuple(range(n)))(*ts)
        total = None
        for gi, v in zip(g, vs):
            term = ms.ops.sum(gi * ms.Tensor(v))
            total = term if total is None else total + term
        return total

    numeric_grad_check(gv, args, eps=eps, rtol=rtol, seed=seed + 1)
