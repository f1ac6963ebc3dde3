"""int8 kernels of quantized models, emulated exactly with float BLAS.

numpy has no int8 BLAS (an int32 `@` ran 90x slower than float32 here), so an int8 GEMM is
computed on the int8 values held in floats: every product is an integer of magnitude at most
128*127 and every partial sum is an integer, so float32 is exact while K*127*128 < 2**24
(any summation order) and float64 beyond that (while < 2**53). `int8_matmul` is that GEMM.

    qconv2d(x, qw, w_scale, b, x_scale, x_zp, geometry..., act, out_scale, out_zp)
    qdense(x, qwt, w_scale, b, x_scale, x_zp, act, out_scale, out_zp)

quantize the float input x to int8 (asymmetric: q = clip(round(x / x_scale) + x_zp, -128, 127)),
multiply it with the int8 weights (symmetric per output channel, zero point 0) in integers,
remove the zero-point term (x_zp * sum of the channel's weights) and rescale to float:
    y = (sum_k q_k * qw_k - x_zp * sum_k qw_k) * x_scale * w_scale[c] + b[c],  then act.
A padded convolution pads q with x_zp (the int8 code of 0.0), so padding contributes nothing.
With out_scale > 0 the result is requantised to int8 and back, (q(y) - out_zp) * out_scale, as an
int8 pipeline hands int8 activations from layer to layer (and as the ONNX QDQ export runs).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import conv as _conv
from ..ops.linalg import matmul_p
from ..ops.registry import Aval, Primitive

F32_EXACT_LIMIT = 2 ** 24


def gemm_dtype(k: int) -> Any:
    """float32 when a K-long int8 dot product is exact in it, else float64."""
    return np.float32 if k * 127 * 128 < F32_EXACT_LIMIT else np.float64


def int8_matmul(xp: Any, a: Any, b: Any) -> Any:
    """a @ b for int8-valued operands (int8 arrays or integral floats in [-128, 127]), exact,
    as integral floats (float32 or float64, see gemm_dtype)."""
    ct = gemm_dtype(int(a.shape[-1]))
    return xp.matmul(a.astype(ct, copy=False), b.astype(ct, copy=False))


def quantize(xp: Any, x: Any, scale: float, zp: int, dtype: Any = np.float32) -> Any:
    """int8 codes of x (held in `dtype`): clip(round(x / scale) + zp, -128, 127), rounding half to even."""
    q = xp.round(x.astype(np.float32, copy=False) / np.float32(scale))
    q += zp
    return xp.clip(q, -128, 127, out=q).astype(dtype, copy=False)


def _act(xp: Any, y: Any, act: str, out_scale: float, out_zp: int) -> Any:
    if act == "relu":
        xp.maximum(y, 0, out=y)
    if out_scale > 0:
        q = quantize(xp, y, out_scale, out_zp)
        q -= out_zp
        y = q * np.float32(out_scale)
    return y


def _rescale(xp: Any, acc: Any, qsum: Any, w_scale: Any, b: Any, x_scale: float, x_zp: int, shape: tuple) -> Any:
    """(acc - x_zp * qsum) * x_scale * w_scale + b as float32 (acc holds exact integers)."""
    # float64: |acc - x_zp * qsum| may pass 2**24, where float32 stops holding every integer
    centred = acc.astype(np.float64) - (x_zp * qsum).reshape(shape)
    mult = (np.float64(x_scale) * w_scale.astype(np.float64)).reshape(shape)
    y = (centred * mult).astype(np.float32)
    y += b.reshape(shape).astype(np.float32)
    return y


def _qconv_impl(xp: Any, x: Any, qw: Any, w_scale: Any, b: Any, x_scale: float, x_zp: int, stride: tuple,
                pads: tuple, dilation: tuple, groups: int, act: str, out_scale: float = 0.0, out_zp: int = 0) -> Any:
    oh, ow = _conv._conv_check("qconv2d", x.shape, qw.shape, stride, pads, dilation, groups)
    n, o, kernel = x.shape[0], qw.shape[0], tuple(qw.shape[2:])
    ct = gemm_dtype(int(np.prod(qw.shape[1:])))
    q = _conv._pad(xp, quantize(xp, x, x_scale, x_zp, ct), pads, float(x_zp))
    cols = _conv._im2col(xp, q, kernel, stride, (0, 0, 0, 0), dilation, (oh, ow))
    w = qw.astype(ct).reshape(groups, o // groups, -1)
    acc = xp.matmul(w, cols.reshape(n, groups, -1, oh * ow)).reshape(n, o, oh, ow)
    qsum = qw.reshape(o, -1).astype(np.int64).sum(axis=1)
    return _act(xp, _rescale(xp, acc, qsum, w_scale, b, x_scale, x_zp, (1, o, 1, 1)), act, out_scale, out_zp)


def _qconv_infer(x: Aval, qw: Aval, w_scale: Aval, b: Aval, x_scale: float, x_zp: int, stride: tuple,
                 pads: tuple, dilation: tuple, groups: int, act: str, out_scale: float = 0.0, out_zp: int = 0) -> Aval:
    if qw.dtype != np.int8 or x.dtype != np.float32:
        raise TypeError(f"qconv2d: expects a float32 input and int8 weights, got {x} and {qw}")
    if tuple(w_scale.shape) != (qw.shape[0],) or tuple(b.shape) != (qw.shape[0],):
        raise ValueError(f"qconv2d: w_scale and bias must have shape [{qw.shape[0]}], got "
                         f"{list(w_scale.shape)} and {list(b.shape)}")
    oh, ow = _conv._conv_check("qconv2d", x.shape, qw.shape, stride, pads, dilation, groups)
    return Aval((x.shape[0], qw.shape[0], oh, ow), np.dtype(np.float32))


def _qdense_impl(xp: Any, x: Any, qwt: Any, w_scale: Any, b: Any, x_scale: float, x_zp: int, act: str,
                 out_scale: float = 0.0, out_zp: int = 0) -> Any:
    ct = gemm_dtype(int(qwt.shape[0]))
    acc = xp.matmul(quantize(xp, x, x_scale, x_zp, ct), qwt.astype(ct))
    qsum = qwt.astype(np.int64).sum(axis=0)
    return _act(xp, _rescale(xp, acc, qsum, w_scale, b, x_scale, x_zp, (qwt.shape[1],)), act, out_scale, out_zp)


def _qdense_infer(x: Aval, qwt: Aval, w_scale: Aval, b: Aval, x_scale: float, x_zp: int, act: str,
                  out_scale: float = 0.0, out_zp: int = 0) -> Aval:
    if qwt.dtype != np.int8 or x.dtype != np.float32 or qwt.ndim != 2:
        raise TypeError(f"qdense: expects a float32 input and 2-D int8 weights, got {x} and {qwt}")
    if tuple(w_scale.shape) != (qwt.shape[1],) or tuple(b.shape) != (qwt.shape[1],):
        raise ValueError(f"qdense: w_scale and bias must have shape [{qwt.shape[1]}], got "
                         f"{list(w_scale.shape)} and {list(b.shape)}")
    return Aval(matmul_p.infer(Aval(x.shape, np.dtype(np.float32)), Aval(qwt.shape, np.dtype(np.float32))).shape,
                np.dtype(np.float32))


qconv2d_p = Primitive("qconv2d", _qconv_impl, _qconv_infer)
qdense_p = Primitive("qdense", _qdense_impl, _qdense_infer)
