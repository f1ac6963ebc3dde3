"""Inference kernels of converted (O2) models: convolution / dense with the bias and the
activation applied in place on the GEMM result.

    lite_conv2d(x, w, b, stride, pads, dilation, groups, act)  = act(conv2d(x, w) + b[None, :, None, None])
    lite_dense(x, wt, b, act)                                  = act(x @ wt + b)      (wt: (in, out))

`act` is "none" | "relu". Both have an `impl_out` entry (passes/outimpl.py), so the memory
planner can hand them a reused buffer: the GEMM writes into it and bias and ReLU update it
in place, one array per layer instead of three. Inference only: no bprop.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import conv as _conv
from ..ops.linalg import matmul_p
from ..ops.registry import Aval, Primitive
from ..passes.outimpl import def_impl_out

ACTIVATIONS = ("none", "relu")


def _check_act(op: str, act: str) -> None:
    if act not in ACTIVATIONS:
        raise ValueError(f"{op}: act must be one of {ACTIVATIONS}, got {act!r}")


def _bias_act(xp: Any, y: Any, b: Any, act: str, bshape: tuple) -> Any:
    xp.add(y, b.reshape(bshape), out=y)
    if act == "relu":
        xp.maximum(y, 0, out=y)
    return y


def _conv_into(xp: Any, x: Any, w: Any, b: Any, stride: tuple, pads: tuple, dilation: tuple, groups: int,
               act: str, out: Any = None) -> Any:
    """im2col + one GEMM per sample, written into `out` when given (else a new array): the
    same arithmetic either way, so the planned and the allocating forms agree bit for bit.
    NOTE: NCHW im2col rather than conv2d's channels-last kernel: on ResNet-18 at 32x32 (2 busy
    cores) the whole O2 model ran 7x faster at batch 1, 2x at batch 8 and on par at batch 32."""
    oh, ow = _conv._conv_check("lite_conv2d", x.shape, w.shape, stride, pads, dilation, groups)
    n, o = x.shape[0], w.shape[0]
    cols = _conv._im2col(xp, x, tuple(w.shape[2:]), stride, pads, dilation, (oh, ow))
    if groups == 1:
        y = xp.empty((n, o, oh, ow), np.result_type(x.dtype, w.dtype)) if out is None else out
        xp.matmul(w.reshape(o, -1), cols, out=y.reshape(n, o, oh * ow))
    else:  # (g, o/g, K) @ (N, g, K, L): one batched matmul
        y = xp.matmul(w.reshape(groups, o // groups, -1), cols.reshape(n, groups, -1, oh * ow)).reshape(n, o, oh, ow)
        if out is not None:
            out[...] = y
            y = out
    return _bias_act(xp, y, b, act, (1, o, 1, 1))


def _conv_impl(xp: Any, x: Any, w: Any, b: Any, **p: Any) -> Any:
    return _conv_into(xp, x, w, b, **p)


def _conv_infer(x: Aval, w: Aval, b: Aval, stride: tuple, pads: tuple, dilation: tuple, groups: int,
                act: str) -> Aval:
    _check_act("lite_conv2d", act)
    out = _conv._conv2d_infer(x, w, stride, pads, dilation, groups)
    if tuple(b.shape) != (w.shape[0],):
        raise ValueError(f"lite_conv2d: bias must have shape [{w.shape[0]}], got {list(b.shape)}")
    return out


def _dense_into(xp: Any, x: Any, wt: Any, b: Any, act: str, out: Any = None) -> Any:
    y = xp.matmul(x, wt) if out is None else xp.matmul(x, wt, out=out)
    return _bias_act(xp, y, b, act, (wt.shape[1],))


def _dense_impl(xp: Any, x: Any, wt: Any, b: Any, act: str) -> Any:
    return _dense_into(xp, x, wt, b, act)


def _dense_infer(x: Aval, wt: Aval, b: Aval, act: str) -> Aval:
    _check_act("lite_dense", act)
    if wt.ndim != 2 or tuple(b.shape) != (wt.shape[1],):
        raise ValueError(f"lite_dense: weight must be 2-D (in, out) and bias (out,), got {list(wt.shape)} and "
                         f"{list(b.shape)}")
    return matmul_p.infer(x, wt)


lite_conv2d_p = Primitive("lite_conv2d", _conv_impl, _conv_infer)
lite_dense_p = Primitive("lite_dense", _dense_impl, _dense_infer)
def_impl_out(lite_conv2d_p, lambda xp, x, w, b, out, **p: _conv_into(xp, x, w, b, out=out, **p))
def_impl_out(lite_dense_p, lambda xp, x, wt, b, out, act: _dense_into(xp, x, wt, b, act, out=out))

from . import qkernels  # noqa: E402,F401  (the int8 kernels live in their own module)
