"""Neural-network primitives (softmax, log_softmax, batch/layer norm) and composites
(dense, dropout, activations, losses). Convolution and pooling live in conv.py."""
from __future__ import annotations

from typing import Any

import numpy as np

from . import cpu_kernels
from ._sizes import numel
from ..core.dims import Dim
from .registry import Aval, Primitive
from ..core import dtype as mstype
from ..core.tensor import Tensor


def _require_float(op: str, **dtypes: Any) -> None:
    """TypeError naming the argument unless every dtype is floating (float16/32/64, bfloat16)."""
    for name, dt in dtypes.items():
        if np.dtype(dt).kind not in "fV":
            raise TypeError(f"{op}: {name} must be floating point (float16, float32 or float64), got {np.dtype(dt)}")


# ---- softmax family ---------------------------------------------------------------------------
def _softmax_impl(xp: Any, x: Any, axis: int) -> Any:
    if x.dtype.kind not in "fV":
        _require_float("softmax", input=x.dtype)
    e = xp.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax_impl(xp: Any, x: Any, axis: int) -> Any:
    if x.dtype.kind not in "fV":
        _require_float("log_softmax", input=x.dtype)
    s = x - x.max(axis=axis, keepdims=True)
    return s - xp.log(xp.exp(s).sum(axis=axis, keepdims=True))


def _axis_infer(name: str) -> Any:
    def infer(x: Aval, axis: int) -> Aval:
        if not -x.ndim <= axis < max(x.ndim, 1):
            raise ValueError(f"{name}: axis {axis} is out of range for shape {list(x.shape)}")
        _require_float(name, input=x.dtype)
        return x
    return infer


softmax_p = Primitive("softmax", _softmax_impl, _axis_infer("softmax"))
log_softmax_p = Primitive("log_softmax", _log_softmax_impl, _axis_infer("log_softmax"))


@softmax_p.def_bprop
def _softmax_bprop(x, *, out, dout, axis):
    return (out * (dout - F.sum(dout * out, axis, keepdims=True)),)


@log_softmax_p.def_bprop
def _log_softmax_bprop(x, *, out, dout, axis):
    return (dout - F.exp(out) * F.sum(dout, axis, keepdims=True),)


def _axis(axis: Any, op: str) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int, got {type(axis).__name__} {axis!r}")
    return int(axis)


def softmax(input: Tensor, axis: int = -1, *, dtype: Any = None) -> Tensor:  # noqa: A002 - MindSpore's name
    """exp(x) / sum(exp(x)) along `axis`; `dtype` casts the input first."""
    x = input if dtype is None else F.cast(input, dtype)
    return softmax_p(x, axis=_axis(axis, "softmax") % max(x.ndim, 1))


def log_softmax(logits: Tensor, axis: int = -1) -> Tensor:
    return log_softmax_p(logits, axis=_axis(axis, "log_softmax") % max(logits.ndim, 1))


# ---- batch norm --------------------------------------------------------------------------------
def _bn_axes(ndim: int) -> tuple:
    return tuple(i for i in range(ndim) if i != 1)


def _bn_shape(ndim: int, c: int) -> tuple:
    return (1, c) + (1,) * (ndim - 2)


def _bn_check_dtypes(x: Any, gamma: Any, beta: Any, mean: Any, var: Any) -> None:
    """MindSpore's BatchNorm rule: x and scale floating; bias, mean and variance have scale's dtype."""
    _require_float("batch_norm", input_x=x, scale=gamma)
    for name, dt in (("bias", beta), ("mean", mean), ("variance", var)):
        if np.dtype(dt) != np.dtype(gamma):
            raise TypeError(f"batch_norm: {name} must have the dtype of scale ({np.dtype(gamma)}), got {np.dtype(dt)}")


def _batch_norm_impl(xp: Any, x: Any, gamma: Any, beta: Any, mean: Any, var: Any, training: bool, eps: float) -> tuple:
    """(y, saved mean, saved 1/sqrt(var + eps)). y has x's dtype and the saved statistics have
    the parameters' dtype (MindSpore's rule); the arithmetic runs in the wider of the two, so
    a float16 activation with float32 parameters (amp O1) is normalised in float32."""
    if not (x.dtype.kind == gamma.dtype.kind == "f" and gamma.dtype == beta.dtype == mean.dtype == var.dtype):
        _bn_check_dtypes(x.dtype, gamma.dtype, beta.dtype, mean.dtype, var.dtype)
    ct = np.result_type(x.dtype, gamma.dtype)
    if training and xp is np and x.dtype == ct and x.size >= 1 << 16:
        rows = cpu_kernels.channel_rows(x)  # channels innermost (channels-last, or (N, C))
        if rows is not None:
            y, mu, invstd = cpu_kernels.batch_norm_rows(rows, gamma, beta, eps)
            y = y.reshape(x.shape) if x.ndim == 2 else y.reshape(x.shape[0], x.shape[2], x.shape[3], -1) \
                .transpose(0, 3, 1, 2)
            return y, mu.astype(gamma.dtype, copy=False), invstd.astype(gamma.dtype, copy=False)
    shape = _bn_shape(x.ndim, x.shape[1])
    xw = x.astype(ct, copy=False)
    if training:
        axes = _bn_axes(x.ndim)
        mu = xw.mean(axis=axes)
        xc = xw - mu.reshape(shape)
        v = xp.square(xc).mean(axis=axes)
    else:
        mu, v = mean.astype(ct, copy=False), var.astype(ct, copy=False)
        xc = xw - mu.reshape(shape)
    invstd = (1.0 / xp.sqrt(v + eps)).astype(ct, copy=False)
    scale = (gamma * invstd).reshape(shape)
    y = xc * scale
    y += beta.reshape(shape)
    return y.astype(x.dtype, copy=False), mu.astype(gamma.dtype, copy=False), invstd.astype(gamma.dtype, copy=False)


def _batch_norm_infer(x: Aval, gamma: Aval, beta: Aval, mean: Aval, var: Aval, training: bool, eps: float) -> tuple:
    if x.ndim < 2:
        raise ValueError(f"batch_norm: input must be at least 2-D (N, C, ...), got {list(x.shape)}")
    c = x.shape[1]
    for name, p in (("gamma", gamma), ("beta", beta), ("mean", mean), ("variance", var)):
        if tuple(p.shape) != (c,):
            raise ValueError(f"batch_norm: {name} must have shape [{c}] for input {list(x.shape)}, got {list(p.shape)}")
    _bn_check_dtypes(x.dtype, gamma.dtype, beta.dtype, mean.dtype, var.dtype)
    stat = Aval((c,), gamma.dtype)
    return x, stat, stat


batch_norm_p = Primitive("batch_norm", _batch_norm_impl, _batch_norm_infer, multiple_results=True)


def _wider(a: Any, b: Any) -> Any:
    """The mindlite dtype both `a`'s and `b`'s dtypes promote to (the compute dtype)."""
    return a.dtype if a.dtype == b.dtype else mstype.from_numpy_dtype(np.result_type(a.dtype.np, b.dtype.np))


def _as(t: Any, dtype: Any) -> Any:
    return t if t.dtype == dtype else F.cast(t, dtype)


@batch_norm_p.def_bprop
def _batch_norm_bprop(x, gamma, beta, mean, var, *, out, dout, training, eps):
    # computed in the forward's compute dtype; each gradient is returned in its input's dtype
    ct = _wider(x, gamma)
    _, mu, invstd = out
    dy, dmu, dinv = dout
    xw, dy, gw = _as(x, ct), _as(dy, ct), _as(gamma, ct)
    mu, invstd, dmu, dinv = _as(mu, ct), _as(invstd, ct), _as(dmu, ct), _as(dinv, ct)
    axes = _bn_axes(x.ndim)
    shape = _bn_shape(x.ndim, x.shape[1])
    n = x.size // x.shape[1]
    mu_b, inv_b, g_b = F.reshape(mu, shape), F.reshape(invstd, shape), F.reshape(gw, shape)
    xhat = (xw - mu_b) * inv_b
    dbeta = F.sum(dy, axes)
    dgamma = F.sum(dy * xhat, axes)
    if not training:
        # the saved statistics are the given mean and 1/sqrt(var + eps): their cotangents
        # flow to mean and var (they matter for higher-order grads)
        dx = dy * g_b * inv_b
        dvar = -0.5 * (dgamma * gw + dinv * invstd) * invstd * invstd
        return (_as(dx, x.dtype), _as(dgamma, gamma.dtype), _as(dbeta, beta.dtype),
                _as(dmu - F.sum(dx, axes), mean.dtype), _as(dvar, var.dtype))
    # NOTE: divide the reductions by n rather than multiply dy by n: n * dy overflows float16
    dx = (g_b * inv_b) * (dy - F.reshape(dbeta / n, shape) - xhat * F.reshape(dgamma / n, shape))
    # the saved statistics are outputs too: their cotangents matter for higher-order grads
    dx = dx + F.reshape(dmu, shape) / n - F.reshape(dinv * invstd * invstd, shape) * xhat / n
    return _as(dx, x.dtype), _as(dgamma, gamma.dtype), _as(dbeta, beta.dtype), None, None


def batch_norm(input_x: Tensor, running_mean: Tensor, running_var: Tensor, weight: Tensor, bias: Tensor,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """`ops.batch_norm`: normalise over every axis but 1. In training, the batch statistics are
    used and the running statistics are updated as `running = (1 - momentum) * running +
    momentum * batch` (this functional's momentum weights the NEW value; `nn.BatchNorm2d`'s
    momentum weights the old one). The running variance is updated with the unbiased variance."""
    return batch_norm_with_stats(input_x, running_mean, running_var, weight, bias, training, momentum, eps)[0]


def batch_norm_with_stats(input_x: Tensor, running_mean: Tensor, running_var: Tensor, weight: Tensor, bias: Tensor,
                          training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> tuple:
    """`batch_norm` that also returns the statistics it normalised with: (y, mean, variance),
    the batch mean and unbiased batch variance in training, the running ones otherwise
    (what ops.BatchNorm reports)."""
    if training and input_x.size == 0:  # the mean of nothing is NaN: it would poison the running statistics
        raise ValueError(f"batch_norm: training needs a non-empty batch to compute batch statistics, got input shape "
                         f"{list(input_x.shape)}")
    y, mu, invstd = batch_norm_p(input_x, weight, bias, running_mean, running_var, training=bool(training),
                                 eps=float(eps))
    if not training:
        return y, running_mean, running_var
    n = input_x.size // input_x.shape[1]
    batch_mean = F.stop_gradient(mu)
    if isinstance(n, Dim):  # a run-time batch: max(n - 1, 1) as a size expression (n >= 1)
        batch_var = F.stop_gradient(1.0 / (invstd * invstd) - eps) * n / (n - 1 + 1 // n)
    else:
        batch_var = F.stop_gradient(1.0 / (invstd * invstd) - eps) * (n / max(n - 1, 1))
    new_mean = running_mean * (1 - momentum) + batch_mean * momentum
    new_var = running_var * (1 - momentum) + batch_var * momentum
    running_mean.assign_value(F.cast(new_mean, running_mean.dtype))
    running_var.assign_value(F.cast(new_var, running_var.dtype))
    return y, batch_mean, batch_var


# ---- layer norm ------------------------------------------------------------------------------------
def _layer_norm_impl(xp: Any, x: Any, gamma: Any, beta: Any, begin_norm_axis: int, begin_params_axis: int,
                     eps: float) -> tuple:
    _require_float("layer_norm", input_x=x.dtype, gamma=gamma.dtype, beta=beta.dtype)
    axes = tuple(range(begin_norm_axis, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    xc = x - mu
    rstd = (1.0 / xp.sqrt(xp.square(xc).mean(axis=axes, keepdims=True) + eps)).astype(x.dtype, copy=False)
    y = xc * rstd
    y *= gamma
    y += beta
    return y, mu, rstd


def _layer_norm_infer(x: Aval, gamma: Aval, beta: Aval, begin_norm_axis: int, begin_params_axis: int,
                      eps: float) -> tuple:
    _require_float("layer_norm", input_x=x.dtype, gamma=gamma.dtype, beta=beta.dtype)
    pshape = tuple(x.shape[begin_params_axis:])
    for name, p in (("gamma", gamma), ("beta", beta)):
        if tuple(p.shape) != pshape:
            raise ValueError(f"layer_norm: {name} shape {list(p.shape)} must equal input shape from axis "
                             f"{begin_params_axis}: {list(pshape)} (input {list(x.shape)})")
    stat = Aval(tuple(x.shape[:begin_norm_axis]) + (1,) * (x.ndim - begin_norm_axis), x.dtype)
    return x, stat, stat


layer_norm_p = Primitive("layer_norm", _layer_norm_impl, _layer_norm_infer, multiple_results=True)


@layer_norm_p.def_bprop
def _layer_norm_bprop(x, gamma, beta, *, out, dout, begin_norm_axis, begin_params_axis, eps):
    _, mu, rstd = out
    dy, dmu, drstd = dout
    axes = tuple(range(begin_norm_axis, x.ndim))
    m = numel(x.shape[a] for a in axes)
    xhat = (x - mu) * rstd
    lead = tuple(range(begin_params_axis))
    dgamma = F.sum(dy * xhat, lead) if lead else dy * xhat
    dbeta = F.sum(dy, lead) if lead else dy
    g = dy * gamma
    dx = rstd * (g - F.mean(g, axes, keep_dims=True) - xhat * F.mean(g * xhat, axes, keep_dims=True))
    dx = dx + dmu / m - drstd * rstd * rstd * xhat / m
    return _as(dx, x.dtype), _as(dgamma, gamma.dtype), _as(dbeta, beta.dtype)  # float32 params of a float16 x


def layer_norm(x: Tensor, gamma: Tensor, beta: Tensor, begin_norm_axis: int = -1, begin_params_axis: int = -1,
               epsilon: float = 1e-7) -> Tensor:
    """LayerNorm over axes >= begin_norm_axis; gamma/beta have shape x.shape[begin_params_axis:]."""
    return layer_norm_p(x, gamma, beta, begin_norm_axis=begin_norm_axis % x.ndim,
                        begin_params_axis=begin_params_axis % x.ndim, eps=float(epsilon))[0]


# ---- group norm (a composite) ------------------------------------------------------------------
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,  # noqa: A002
               eps: float = 1e-5) -> Tensor:
    """`ops.group_norm`: normalise each of `num_groups` channel groups of an (N, C, *) input
    over its channels and positions (biased variance), then scale and shift per channel."""
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)):
        raise TypeError(f"group_norm: num_groups must be an int, got {type(num_groups).__name__}")
    if num_groups < 1:
        raise ValueError(f"group_norm: num_groups must be at least 1, got {num_groups}")
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise ValueError(f"group_norm: input must be (N, C, ...) with C divisible by num_groups={num_groups}, "
                         f"got shape {list(input.shape)}")
    n, c = input.shape[:2]
    g = F.reshape(input, (n, int(num_groups), -1))
    mean = F.mean(g, 2, keep_dims=True)
    var = F.mean(F.square(g - mean), 2, keep_dims=True)
    y = F.reshape((g - mean) * F.rsqrt(var + eps), input.shape)
    shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * F.reshape(weight, shape)
    if bias is not None:
        y = y + F.reshape(bias, shape)
    return y


# ---- composites: linear, dropout, activations --------------------------------------------------------
def dense(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """y = input @ weight.T + bias, with weight of shape (out, in) as in MindSpore."""
    y = F.matmul(input, F.transpose(weight, (1, 0)) if weight.ndim == 2 else weight)
    return y if bias is None else y + bias


def dropout(input: Tensor, p: float = 0.5, training: bool = True, seed: Any = None) -> Tensor:  # noqa: A002
    """Zero each element with probability `p` and scale the rest by 1/(1-p) (training only)."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return input
    from .random import keep_mask
    mask = keep_mask(input.shape, 1.0 - p, input.dtype, seed)
    return input * (mask * (1.0 / (1.0 - p)))


def relu6(x: Tensor) -> Tensor:
    return F.minimum(F.relu(x), 6.0)


def leaky_relu(input: Tensor, alpha: float = 0.2) -> Tensor:  # noqa: A002
    return F.where(F.greater(input, 0), input, input * alpha)


def silu(input: Tensor) -> Tensor:  # noqa: A002
    return input * F.sigmoid(input)


def softplus(input: Tensor, beta: float = 1, threshold: float = 20) -> Tensor:  # noqa: A002
    """log(1 + exp(beta x)) / beta, linear above `threshold` (computed stably)."""
    bx = input * beta
    soft = (F.log1p(F.exp(-F.abs(bx))) + F.relu(bx)) / beta
    return F.where(F.greater(bx, threshold), input, soft)


def hardswish(x: Tensor) -> Tensor:
    return x * F.minimum(F.relu(x + 3), 6.0) / 6


def gelu(input_x: Tensor, approximate: str = "none") -> Tensor:
    """GELU; `approximate='none'` (exact, erf) or 'tanh'."""
    return F.gelu_p(input_x, approximate=approximate)


def fast_gelu(x: Tensor) -> Tensor:
    """MindSpore FastGelu: x / (1 + exp(-1.702 |x|)) * exp(0.851 (x - |x|))."""
    return x * F.sigmoid(1.702 * x)


# ---- losses ------------------------------------------------------------------------------------------
def _reduce(loss: Tensor, reduction: str, op: str) -> Tensor:
    if reduction == "mean":
        return F.mean(loss)
    if reduction == "sum":
        return F.sum(loss)
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _pick(logp: Tensor, target: Tensor, axis: int) -> Tensor:
    """logp[..., target, ...] along `axis` (target has logp's shape without that axis)."""
    idx = F.expand_dims(F.cast(target, mstype.int64), axis)
    return F.squeeze(F.take_along_axis(logp, idx, axis), axis)


def softmax_cross_entropy_with_logits(logits: Tensor, labels: Tensor, sparse: bool = False) -> Tensor:
    """Per-sample -sum(labels * log_softmax(logits)) over the last axis; `sparse` = int labels."""
    logp = log_softmax(logits, -1)
    if sparse:
        if labels.shape != logits.shape[:-1]:
            raise ValueError(f"softmax_cross_entropy: sparse labels shape {list(labels.shape)} must be "
                             f"logits shape without the class axis {list(logits.shape[:-1])}")
        return -_pick(logp, labels, logits.ndim - 1)
    if labels.shape != logits.shape:
        raise ValueError(f"softmax_cross_entropy: labels shape {list(labels.shape)} != logits shape "
                         f"{list(logits.shape)}")
    return -F.sum(F.cast(labels, logits.dtype) * logp, -1)


def nll_loss(inputs: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,
             reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Negative log-likelihood of log-probabilities `inputs` (N, C, ...) at class indices `target`."""
    c = inputs.shape[1] if inputs.ndim > 1 else inputs.shape[0]
    axis = 1 if inputs.ndim > 1 else 0
    valid = F.cast(F.not_equal(target, ignore_index), inputs.dtype)
    safe_t = F.where(F.not_equal(target, ignore_index), target, 0)
    w = F.gather(weight, F.cast(safe_t, mstype.int64), 0) * valid if weight is not None else valid
    loss = -_pick(inputs, safe_t, axis) * w
    if label_smoothing > 0:
        wc = inputs if weight is None else inputs * F.reshape(weight, (c,) + (1,) * (inputs.ndim - 2))
        smooth = -F.sum(wc, axis) / c * valid
        loss = (1 - label_smoothing) * loss + label_smoothing * smooth
    if reduction == "mean":
        return F.sum(loss) / F.sum(w)
    return _reduce(loss, reduction, "nll_loss")


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, ignore_index: int = -100,  # noqa: A002
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of logits `input` (N, C, ...) against class indices or class probabilities."""
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    axis = 1 if input.ndim > 1 else 0
    logp = log_softmax(input, axis)
    if target.dtype.is_floating_point:  # class probabilities
        if target.shape != input.shape:
            raise ValueError(f"cross_entropy: probability target shape {list(target.shape)} != input "
                             f"shape {list(input.shape)}")
        c = input.shape[axis]
        t = target * (1 - label_smoothing) + label_smoothing / c
        if weight is not None:
            t = t * F.reshape(weight, (c,) + (1,) * (input.ndim - 2))
        loss = -F.sum(t * logp, axis)
        return _reduce(loss, reduction, "cross_entropy")
    return nll_loss(logp, target, weight, ignore_index, reduction, label_smoothing)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    return _reduce(F.square(input - target), reduction, "mse_loss")


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:  # noqa: A002
    return _reduce(F.abs(input - target), reduction, "l1_loss")


def smooth_l1_loss(input: Tensor, target: Tensor, beta: float = 1.0, reduction: str = "none") -> Tensor:  # noqa: A002
    d = F.abs(input - target)
    loss = F.where(F.less(d, beta), 0.5 * d * d / beta, d - 0.5 * beta)
    return _reduce(loss, reduction, "smooth_l1_loss")


def binary_cross_entropy_with_logits(logits: Tensor, label: Tensor, weight: Tensor | None = None,
                                     pos_weight: Tensor | None = None, reduction: str = "mean") -> Tensor:
    """Stable BCE on logits: (1 - y) x + (1 + (pw - 1) y) * log(1 + exp(-x))."""
    log_sig_neg = F.log1p(F.exp(-F.abs(logits))) + F.relu(-logits)  # log(1 + exp(-x))
    coef = 1 if pos_weight is None else 1 + (pos_weight - 1) * label
    loss = (1 - label) * logits + coef * log_sig_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def binary_cross_entropy(logits: Tensor, labels: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """`ops.binary_cross_entropy`: BCE on probabilities `logits` in [0, 1], as MindSpore's kernel:
    `-weight * (y * log(x + 1e-12) + (1 - y) * log(1 - x + 1e-12))`, then `reduction`.

    Example:
        >>> ops.binary_cross_entropy(ms.Tensor([0.9, 0.2]), ms.Tensor([1.0, 0.0]), reduction="sum")
    """
    if not isinstance(logits, Tensor) or not isinstance(labels, Tensor):
        raise TypeError(f"binary_cross_entropy: logits and labels must be Tensors, got {type(logits).__name__} "
                        f"and {type(labels).__name__}")
    if logits.shape != labels.shape:
        raise ValueError(f"binary_cross_entropy: logits {list(logits.shape)} and labels {list(labels.shape)} "
                         f"must have the same shape")
    if not logits.dtype.is_floating_point:
        raise TypeError(f"binary_cross_entropy: logits must be float16 or float32 probabilities, got {logits.dtype}")
    eps = 1e-12
    loss = -(labels * F.log(logits + eps) + (1 - labels) * F.log(1 - logits + eps))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy")


def kl_div(logits: Tensor, labels: Tensor, reduction: str = "mean") -> Tensor:
    """KL divergence with log-probability `logits`: labels * (log(labels) - logits)."""
    safe = F.where(F.greater(labels, 0), labels, 1)
    loss = labels * (F.log(safe) - logits)
    if reduction == "batchmean":
        return F.sum(loss) / logits.shape[0]
    return _reduce(loss, reduction, "kl_div")


def masked_fill(input_x: Tensor, mask: Tensor, value: Any) -> Tensor:
    return F.where(mask, value, input_x)


def clip(x: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Clamp to [min, max]; either bound may be None."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    out = x
    if min is not None:
        out = F.maximum(out, min)
    if max is not None:
        out = F.minimum(out, max)
    return out


def clip_by_global_norm(x: Any, clip_norm: float = 1.0, use_norm: Any = None) -> tuple:
    """Scale every tensor of `x` by clip_norm / max(global_norm, clip_norm)."""
    tensors = tuple(x)
    gnorm = use_norm if use_norm is not None else F.sqrt(sum(F.sum(F.square(t)) for t in tensors))
    scale = clip_norm / F.maximum(gnorm, clip_norm)
    return tuple(t * F.cast(scale, t.dtype) for t in tensors)


from . import functional as F  # noqa: E402
