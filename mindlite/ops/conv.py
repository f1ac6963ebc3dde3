"""Convolution and pooling primitives (NCHW), their gradient primitives, and MindSpore's
functional wrappers (`conv2d`, `conv1d`, `conv2d_transpose`, `max_pool2d`, `avg_pool2d`, ...).

Geometry is explicit in every primitive: `stride=(sh, sw)`, `pads=(top, bottom, left, right)`,
`dilation=(dh, dw)`. `conv_pads` / `pool_pads` turn MindSpore's `pad_mode` ('same' | 'valid' |
'pad') into those pads, so the nn layers call them and then the primitives.

Convs (PERF_NOTES.md): forward and filter gradient are one im2col copy (a strided view of the
padded input) and one batched matmul; on numpy, large stride-1 convs skip im2col and run one
GEMM per kernel tap on shifted flat slices. The input gradient of a stride-1 conv is a "full"
conv with the flipped kernel; otherwise it is a GEMM plus col2im. col2im and pooling work on
"phase planes" (the padded input split by row/column phase modulo the stride), so each of the
kh*kw taps is a unit-stride slice: col2im is kh*kw slice-adds, never np.add.at. Every gradient
primitive is linear or bilinear, so its bprop is again a conv/pool primitive and higher-order
derivatives work.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import conv_cl
from .registry import Aval, Primitive
from ..core.dims import dim_of
from ..core.tensor import Tensor


# ---- argument normalisation and pad_mode rules -------------------------------------------
def _pair(v: Any, name: str, op: str) -> tuple:
    """int | (a,) | (a, b) | (1, 1, a, b) -> (a, b) of positive ints."""
    t = (v,) if isinstance(v, (int, np.integer)) else tuple(v)
    t = t * 2 if len(t) == 1 else t[2:] if len(t) == 4 else t
    if len(t) != 2 or not all(isinstance(i, (int, np.integer)) and i >= 1 for i in t):
        raise ValueError(f"{op}: {name} must be a positive int or a tuple of 2 positive ints, got {v!r}")
    return int(t[0]), int(t[1])


def _out_pad(v: Any, op: str) -> tuple:
    """output_padding: int | (a,) | (a, b) -> (a, b) of non-negative ints (0 is the default)."""
    t = (v,) if isinstance(v, (int, np.integer)) else tuple(v)
    t = t * 2 if len(t) == 1 else t
    if len(t) != 2 or not all(isinstance(i, (int, np.integer)) and i >= 0 for i in t):
        raise ValueError(f"{op}: output_padding must be a non-negative int or a tuple of 2 of them, got {v!r}")
    return int(t[0]), int(t[1])


def _pads4(padding: Any, op: str) -> tuple:
    """int | (p,) | (ph, pw) | (top, bottom, left, right) -> 4 non-negative ints."""
    p = (padding,) if isinstance(padding, (int, np.integer)) else tuple(padding)
    p = p * 4 if len(p) == 1 else (p[0], p[0], p[1], p[1]) if len(p) == 2 else p
    if len(p) != 4 or not all(isinstance(i, (int, np.integer)) and i >= 0 for i in p):
        raise ValueError(f"{op}: padding must be a non-negative int or a tuple of 2 or 4 of them, got {padding!r}")
    return tuple(int(i) for i in p)


def conv_pads(in_hw: Any, kernel: Any, stride: Any = 1, dilation: Any = 1, pad_mode: str = "valid",
              padding: Any = 0, op: str = "conv2d") -> tuple:
    """MindSpore's pad_mode rules -> (top, bottom, left, right) padding for conv and pool.

    'same': out = ceil(in / stride); total = max((out-1)*stride + dilation*(k-1) + 1 - in, 0),
        top/left = total // 2, the extra pixel goes bottom/right. `padding` must be 0.
    'valid': no padding (`padding` must be 0).
    'pad': explicit `padding`, an int (all sides), (ph, pw), or (top, bottom, left, right).
    Example: `conv2d_p(x, w, stride=s, pads=conv_pads(x.shape[2:], w.shape[2:], s, d, 'same'), ...)`.
    """
    mode = str(pad_mode).lower()
    if mode not in ("same", "valid", "pad"):
        raise ValueError(f"{op}: pad_mode must be 'same', 'valid' or 'pad', got {pad_mode!r}")
    pads = _pads4(padding, op)
    if mode == "pad":
        return pads
    if any(pads):
        raise ValueError(f"{op}: padding must be 0 when pad_mode is {pad_mode!r}, got {padding!r}")
    if mode == "valid":
        return (0, 0, 0, 0)
    k, s, d = _pair(kernel, "kernel_size", op), _pair(stride, "stride", op), _pair(dilation, "dilation", op)
    return same_pads(tuple(in_hw)[-2:], k, s, d)


def same_pads(sizes: Any, kernel: Any, stride: Any, dilation: Any) -> tuple:
    """MindSpore's pad_mode 'same' for any number of spatial axes: per axis (before, after), the
    output being ceil(size / stride), the odd pixel going after."""
    out: list = []
    for n, k, s, d in zip(sizes, kernel, stride, dilation):
        total = max((-(-n // s) - 1) * s + d * (k - 1) + 1 - n, 0)
        out += [total // 2, total - total // 2]
    return tuple(out)


def pool_pads(in_hw: Any, kernel: Any, stride: Any = 1, dilation: Any = 1, pad_mode: str = "valid",
              padding: Any = 0, op: str = "pool2d") -> tuple:
    """`conv_pads` for pooling layers (max pool pads with -inf, avg pool with zeros)."""
    return conv_pads(in_hw, kernel, stride, dilation, pad_mode, padding, op)


def _out_len(n: int, k: int, s: int, d: int, lo: int, hi: int, ceil_mode: bool = False) -> tuple:
    """(output length, extra high-side padding needed by ceil_mode). With ceil_mode the last
    window must still start inside the input or the low padding (PyTorch/MindSpore rule)."""
    span = n + lo + hi - d * (k - 1) - 1
    if span < 0:
        return 0, 0
    if not ceil_mode:
        return span // s + 1, 0
    out = -(-span // s) + 1
    if (out - 1) * s >= n + lo:
        out -= 1
    return out, max((out - 1) * s + d * (k - 1) + 1 - (n + lo + hi), 0)


def _spatial(op: str, shape: tuple, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple,
             ceil_mode: bool = False) -> tuple:
    """(oh, ow, extra_h, extra_w) for an NCHW `shape`; ValueError when no window fits."""
    if len(shape) != 4:
        raise ValueError(f"{op}: expects a 4-D (N, C, H, W) input, got shape {list(shape)}")
    oh, eh = _out_len(shape[2], kernel[0], stride[0], dilation[0], pads[0], pads[1], ceil_mode)
    ow, ew = _out_len(shape[3], kernel[1], stride[1], dilation[1], pads[2], pads[3], ceil_mode)
    if oh <= 0 or ow <= 0:
        raise ValueError(f"{op}: kernel {list(kernel)} (dilation {list(dilation)}) is larger than the input "
                         f"{list(shape)} padded by {list(pads)}")
    return oh, ow, eh, ew


def _conv_check(op: str, x_shape: tuple, w_shape: tuple, stride: tuple, pads: tuple, dilation: tuple,
                groups: int) -> tuple:
    """Output (oh, ow) of conv2d for these shapes; ValueError naming the op and the shapes."""
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError(f"{op}: expects an NCHW input and an (out, in/groups, kh, kw) weight, got shapes "
                         f"{list(x_shape)} and {list(w_shape)}")
    c, o, cg = x_shape[1], w_shape[0], w_shape[1]
    if groups < 1 or c != cg * groups or o % groups:
        raise ValueError(f"{op}: input {list(x_shape)} has {c} channels, but weight {list(w_shape)} with "
                         f"groups={groups} needs {cg * groups} and out channels divisible by {groups}")
    oh, ow, _, _ = _spatial(op, x_shape, w_shape[2:], stride, pads, dilation)
    return oh, ow


def _same_dtype(op: str, a_name: str, a: Any, b_name: str, b: Any) -> None:
    """MindSpore's Conv2D family takes operands of one dtype (cast the other explicitly)."""
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: {a_name} and {b_name} must have the same dtype, got {Aval(tuple(a.shape), a.dtype)} "
                        f"and {Aval(tuple(b.shape), b.dtype)}; cast one of them (ops.cast)")


def _check_dout(op: str, dout_shape: tuple, x_shape: tuple, w_shape: tuple, geo: tuple) -> None:
    oh, ow = _conv_check(op, x_shape, w_shape, *geo)
    expect = (x_shape[0], w_shape[0], oh, ow)
    if tuple(dout_shape) != expect:
        raise ValueError(f"{op}: dout shape {list(dout_shape)} is not the conv2d output {list(expect)} of "
                         f"input {list(x_shape)} and weight {list(w_shape)}")


# ---- strided-view building blocks (generic over xp) --------------------------------------
def _pad(xp: Any, x: Any, pads: tuple, value: Any) -> Any:
    t, b, l, r = pads
    if not (t or b or l or r):
        return x
    n, c, h, w = x.shape
    out = xp.full((n, c, h + t + b, w + l + r), value, dtype=x.dtype)
    out[:, :, t:t + h, l:l + w] = x
    return out


def _windows(xp: Any, xpad: Any, kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> Any:
    """View (N, C, kh, kw, oh, ow) of every window of the padded input; no copy."""
    sn, sc, sh, sw = xpad.strides
    shape = xpad.shape[:2] + tuple(kernel) + tuple(out_hw)
    strides = (sn, sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1])
    return xp.lib.stride_tricks.as_strided(xpad, shape, strides)


def _phase_pad(xp: Any, x: Any, pads: tuple, stride: tuple, fill: Any) -> Any:
    """x padded with `fill` and split by row/column phase: planes[pi, pj, :, :, q, p] is padded
    x at row q*sh + pi, column p*sw + pj; shape (sh, sw, N, C, ceil(Hp/sh), ceil(Wp/sw)). Every
    tap of a strided window is then a unit-stride slice of one plane (strided views made the
    per-tap passes of pooling ~3x slower)."""
    (sh, sw), (t, b, l, r), (n, c, h, w) = stride, pads, x.shape
    if sh == sw == 1:
        return _pad(xp, x, pads, fill)[None, None]
    hq, wq = -(-(h + t + b) // sh), -(-(w + l + r) // sw)
    planes = xp.zeros((sh, sw, n, c, hq, wq), x.dtype) if fill == 0 else xp.full((sh, sw, n, c, hq, wq), fill, x.dtype)
    for pi in range(sh):
        for pj in range(sw):
            r0, c0 = (pi - t) % sh, (pj - l) % sw  # first input row/column of this phase
            src = x[:, :, r0::sh, c0::sw]
            q0, p0 = (r0 + t) // sh, (c0 + l) // sw
            planes[pi, pj, :, :, q0:q0 + src.shape[2], p0:p0 + src.shape[3]] = src
    return planes


def _phase_crop(xp: Any, planes: Any, shape: tuple, pads: tuple, stride: tuple) -> Any:
    """Inverse of `_phase_pad` without the padding: the (N, C, H, W) array."""
    (sh, sw), (t, _, l, _), (_, _, h, w) = stride, pads, shape
    if sh == sw == 1:
        return xp.ascontiguousarray(planes[0, 0, :, :, t:t + h, l:l + w])
    out = xp.empty(tuple(shape), planes.dtype)
    for pi in range(sh):
        for pj in range(sw):
            r0, c0 = (pi - t) % sh, (pj - l) % sw
            dst = out[:, :, r0::sh, c0::sw]
            q0, p0 = (r0 + t) // sh, (c0 + l) // sw
            dst[...] = planes[pi, pj, :, :, q0:q0 + dst.shape[2], p0:p0 + dst.shape[3]]
    return out


def _taps(planes: Any, kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> list:
    """The kh*kw window taps (row-major), each an (N, C, oh, ow) unit-stride view of a plane."""
    (oh, ow), views = out_hw, []
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            (qi, pi), (qj, pj) = divmod(i * dilation[0], stride[0]), divmod(j * dilation[1], stride[1])
            views.append(planes[pi, pj, :, :, qi:qi + oh, qj:qj + ow])
    return views


def _col2im(xp: Any, tap: Callable[[int], Any], shape: tuple, kernel: tuple, stride: tuple, pads: tuple,
            dilation: tuple, out_hw: tuple, dtype: Any) -> Any:
    """Adjoint of taking window taps: add tap(t) (N, C, oh, ow) at every tap t's positions in
    zero phase planes and crop the padding; kh*kw unit-stride slice-adds, never a scatter."""
    n, c, h, w = shape
    hq, wq = -(-(h + pads[0] + pads[1]) // stride[0]), -(-(w + pads[2] + pads[3]) // stride[1])
    planes = xp.zeros((stride[0], stride[1], n, c, hq, wq), dtype)
    for t, view in enumerate(_taps(planes, kernel, stride, dilation, out_hw)):
        view += tap(t)
    return _phase_crop(xp, planes, shape, pads, stride)


def _im2col(xp: Any, x: Any, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple, out_hw: tuple) -> Any:
    """(N, C*kh*kw, oh*ow) patch matrix; a 1x1 stride-1 unpadded conv needs no copy at all."""
    n, c = x.shape[:2]
    if kernel == (1, 1) and stride == (1, 1) and not any(pads):
        return x.reshape(n, c, out_hw[0] * out_hw[1])
    cols = xp.ascontiguousarray(_windows(xp, _pad(xp, x, pads, 0), kernel, stride, dilation, out_hw))
    return cols.reshape(n, c * kernel[0] * kernel[1], out_hw[0] * out_hw[1])


# ---- conv2d and its two backward products ------------------------------------------------
def _flat_input(xp: Any, x: Any, pads: tuple, groups: int, kw: int) -> Any:
    """Padded x flattened over (H, W) as (N, g, C/g, Hp*Wp [+ Wp]). For a stride-1 conv, tap (i, j)
    of all outputs is then the contiguous slice [off, off + oh*Wp), off = i*dh*Wp + j*dw; the last
    (kw-1)*dw columns of each output row are junk. One spare row keeps the last slice in bounds."""
    t, b, l, r = pads
    xpad = _pad(xp, x, (t, b + (kw > 1), l, r), 0)
    return xpad.reshape(x.shape[0], groups, x.shape[1] // groups, -1)


def _use_flat(xp: Any, stride: tuple, c_group: int, kernel: tuple, out_hw: tuple) -> bool:
    """numpy-only fast path; im2col is the generic one. Measured, N=8: on 2 CPU cores per-tap
    GEMMs (K = C/g) beat im2col + one GEMM by 20-30% on 28x28+ maps with C/g >= 32 (smaller
    GEMMs lose); on an H100 with cupy one big GEMM wins 8x (0.17 vs 1.4 ms, 3x3 64ch 56x56)."""
    return xp is np and stride == (1, 1) and kernel != (1, 1) and c_group >= 32 and out_hw[0] * out_hw[1] >= 400


def _conv_flat(xp: Any, x: Any, w: Any, pads: tuple, dilation: tuple, groups: int, out_hw: tuple) -> Any:
    """Stride-1 conv as kh*kw GEMMs on shifted flat slices of the padded input: no im2col copy."""
    (n, _, _, wd), (o, cg, kh, kw), (oh, ow) = x.shape, w.shape, out_hw
    wp, length = wd + pads[2] + pads[3], oh * (wd + pads[2] + pads[3])
    xf = _flat_input(xp, x, pads, groups, kw)
    wt = xp.ascontiguousarray(w.reshape(groups, o // groups, cg, kh * kw).transpose(3, 0, 1, 2))
    out = tmp = None
    for t in range(kh * kw):
        off = (t // kw) * dilation[0] * wp + (t % kw) * dilation[1]
        if out is None:
            out = xp.matmul(wt[t], xf[..., off:off + length])
        else:  # reuse one temporary: fresh large buffers cost page faults
            tmp = xp.matmul(wt[t], xf[..., off:off + length], out=tmp)
            out += tmp
    return xp.ascontiguousarray(out.reshape(n, o, oh, wp)[..., :ow])


def _filter_flat(xp: Any, dy: Any, x: Any, filter_shape: tuple, pads: tuple, dilation: tuple, groups: int) -> Any:
    """Stride-1 filter gradient: per tap, dy (junk columns zeroed) times a shifted flat slice of x."""
    (n, o, oh, ow), (_, cg, kh, kw) = dy.shape, filter_shape
    wp = x.shape[3] + pads[2] + pads[3]
    xf = _flat_input(xp, x, pads, groups, kw)
    d = dy
    if wp != ow:
        d = xp.zeros((n, o, oh, wp), dy.dtype)
        d[..., :ow] = dy
    d = d.reshape(n, groups, o // groups, oh * wp)
    dw = xp.empty((kh * kw, groups, o // groups, cg), np.result_type(dy.dtype, x.dtype))
    for t in range(kh * kw):  # large maps only (see _use_flat): per-sample GEMMs are big enough here
        off = (t // kw) * dilation[0] * wp + (t % kw) * dilation[1]
        dw[t] = xp.matmul(d, xf[..., off:off + oh * wp].transpose(0, 1, 3, 2)).sum(axis=0)
    return dw.transpose(1, 2, 3, 0).reshape(filter_shape)


def _fold_batch(xp: Any, a: Any) -> Any:
    """(N, g, R, L) -> contiguous (g, R, N*L): the batch joins the reduction axis of a GEMM.

    NOTE: one GEMM over N*L instead of per-sample GEMMs summed afterwards; on small maps the
    per-sample form made a huge (N, O, K) intermediate from tiny GEMMs (measured 97 ms vs
    16 ms for 512 channels at 1x1, N=32; 26 vs 2 ms at 2x2)."""
    n, g, r, length = a.shape
    if n == 1:
        return a.reshape(g, r, length)
    return xp.ascontiguousarray(a.transpose(1, 2, 0, 3)).reshape(g, r, n * length)


def _conv2d_impl(xp: Any, x: Any, w: Any, stride: tuple, pads: tuple, dilation: tuple, groups: int) -> Any:
    if x.dtype != w.dtype:
        _same_dtype("conv2d", "input", x, "weight", w)
    oh, ow = _conv_check("conv2d", x.shape, w.shape, stride, pads, dilation, groups)
    if conv_cl.enabled(xp, groups):
        return conv_cl.conv2d(x, w, stride, pads, dilation, (oh, ow))
    n, o = x.shape[0], w.shape[0]
    if _use_flat(xp, stride, w.shape[1], tuple(w.shape[2:]), (oh, ow)):
        return _conv_flat(xp, x, w, pads, dilation, groups, (oh, ow))
    cols = _im2col(xp, x, tuple(w.shape[2:]), stride, pads, dilation, (oh, ow))
    if groups == 1:
        out = xp.matmul(w.reshape(o, -1), cols)
    else:  # (g, o/g, K) @ (N, g, K, L): one batched matmul, no loop over groups
        out = xp.matmul(w.reshape(groups, o // groups, -1), cols.reshape(n, groups, -1, oh * ow))
    return out.reshape(n, o, oh, ow)


def _conv2d_infer(x: Aval, w: Aval, stride: tuple, pads: tuple, dilation: tuple, groups: int) -> Aval:
    oh, ow = _conv_check("conv2d", x.shape, w.shape, stride, pads, dilation, groups)
    _same_dtype("conv2d", "input", x, "weight", w)
    return Aval((x.shape[0], w.shape[0], oh, ow), x.dtype)


def _flipped_kernel(xp: Any, w: Any, groups: int) -> Any:
    """(O, C/g, kh, kw) -> (C, O/g, kh, kw) rotated by 180 degrees: the kernel of conv's adjoint."""
    o, cg, kh, kw = w.shape
    wt = w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 2, 1, 3, 4)
    return xp.ascontiguousarray(wt[..., ::-1, ::-1]).reshape(groups * cg, o // groups, kh, kw)


def _conv2d_input_impl(xp: Any, dout: Any, w: Any, input_shape: tuple, stride: tuple, pads: tuple,
                       dilation: tuple, groups: int) -> Any:
    geo = (stride, pads, dilation, groups)
    if dout.dtype != w.dtype:
        _same_dtype("conv2d_backprop_input", "dout", dout, "weight", w)
    _check_dout("conv2d_backprop_input", dout.shape, input_shape, w.shape, geo)
    # NOTE: channels-last col2im adds C-wide vectors per tap: with an image's 3 channels the NCHW
    # phase planes are 3x faster (the ResNet stem's data gradient: 31 vs 97 ms, b8 224)
    if conv_cl.enabled(xp, groups) and input_shape[1] >= 8:
        return conv_cl.conv2d_input(dout, w, tuple(input_shape), stride, pads, dilation)
    n, c = input_shape[:2]
    o, _, kh, kw = w.shape
    oh, ow = dout.shape[2:]
    full = (dilation[0] * (kh - 1) - pads[0], dilation[0] * (kh - 1) - pads[1],
            dilation[1] * (kw - 1) - pads[2], dilation[1] * (kw - 1) - pads[3])
    if stride == (1, 1) and min(full) >= 0:
        # stride 1: the adjoint is a "full" conv of dout with the flipped kernel, cheaper than
        # GEMM + col2im
        return _conv2d_impl(xp, dout, _flipped_kernel(xp, w, groups), (1, 1), full, dilation, groups)
    if groups == 1:
        cols = xp.matmul(w.reshape(o, -1).T, dout.reshape(n, o, oh * ow))
    else:
        wg = w.reshape(groups, o // groups, -1).transpose(0, 2, 1)
        cols = xp.matmul(wg, dout.reshape(n, groups, o // groups, oh * ow))
    cols = cols.reshape(n, c, kh * kw, oh, ow)
    return _col2im(xp, lambda t: cols[:, :, t], input_shape, (kh, kw), stride, pads, dilation, (oh, ow), cols.dtype)


def _conv2d_input_infer(dout: Aval, w: Aval, input_shape: tuple, stride: tuple, pads: tuple, dilation: tuple,
                        groups: int) -> Aval:
    _check_dout("conv2d_backprop_input", dout.shape, tuple(input_shape), w.shape, (stride, pads, dilation, groups))
    _same_dtype("conv2d_backprop_input", "dout", dout, "weight", w)
    return Aval(tuple(input_shape), dout.dtype)


def _conv2d_filter_impl(xp: Any, dout: Any, x: Any, filter_shape: tuple, stride: tuple, pads: tuple,
                        dilation: tuple, groups: int) -> Any:
    if dout.dtype != x.dtype:
        _same_dtype("conv2d_backprop_filter", "dout", dout, "input", x)
    _check_dout("conv2d_backprop_filter", dout.shape, x.shape, filter_shape, (stride, pads, dilation, groups))
    if conv_cl.enabled(xp, groups):
        return conv_cl.conv2d_filter(dout, x, tuple(filter_shape), stride, pads, dilation)
    n, o, oh, ow = dout.shape
    if _use_flat(xp, stride, filter_shape[1], tuple(filter_shape[2:]), (oh, ow)):
        return _filter_flat(xp, dout, x, filter_shape, pads, dilation, groups)
    cols = _im2col(xp, x, tuple(filter_shape[2:]), stride, pads, dilation, (oh, ow))
    d = _fold_batch(xp, dout.reshape(n, groups, o // groups, oh * ow))
    c = _fold_batch(xp, cols.reshape(n, groups, -1, oh * ow))
    return xp.matmul(d, c.transpose(0, 2, 1)).reshape(filter_shape)


def _conv2d_filter_infer(dout: Aval, x: Aval, filter_shape: tuple, stride: tuple, pads: tuple,
                         dilation: tuple, groups: int) -> Aval:
    _check_dout("conv2d_backprop_filter", dout.shape, x.shape, tuple(filter_shape), (stride, pads, dilation, groups))
    _same_dtype("conv2d_backprop_filter", "dout", dout, "input", x)
    return Aval(tuple(filter_shape), dout.dtype)


conv2d_p = Primitive("conv2d", _conv2d_impl, _conv2d_infer)
conv2d_backprop_input_p = Primitive("conv2d_backprop_input", _conv2d_input_impl, _conv2d_input_infer)
conv2d_backprop_filter_p = Primitive("conv2d_backprop_filter", _conv2d_filter_impl, _conv2d_filter_infer)


@conv2d_p.def_bprop
def _conv2d_bprop(x, w, *, out, dout, needs, **geo):
    # the data gradient (a full col2im) is skipped for a network's first layer
    return (conv2d_backprop_input_p(dout, w, input_shape=x.shape, **geo) if needs[0] else None,
            conv2d_backprop_filter_p(dout, x, filter_shape=w.shape, **geo) if needs[1] else None)


# Both backward products are bilinear: <Bin(dy, w), a> = <dy, conv(a, w)> = <Bf(dy, a), w>.
@conv2d_backprop_input_p.def_bprop
def _conv2d_input_bprop(dy, w, *, out, dout, needs, input_shape, **geo):
    return (conv2d_p(dout, w, **geo) if needs[0] else None,
            conv2d_backprop_filter_p(dy, dout, filter_shape=w.shape, **geo) if needs[1] else None)


@conv2d_backprop_filter_p.def_bprop
def _conv2d_filter_bprop(dy, x, *, out, dout, needs, filter_shape, **geo):
    return (conv2d_p(x, dout, **geo) if needs[0] else None,
            conv2d_backprop_input_p(dy, dout, input_shape=x.shape, **geo) if needs[1] else None)


# ---- max pooling -----------------------------------------------------------------------
def _lowest(dtype: Any) -> Any:
    dtype = np.dtype(dtype)
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min if dtype.kind in "iu" else False


def _pool_taps(xp: Any, x: Any, fill: Any, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple,
               ceil_mode: bool, op: str) -> tuple:
    """Window taps of x padded with `fill` (ceil_mode's extra rows/cols included) + geometry."""
    oh, ow, eh, ew = _spatial(op, x.shape, kernel, stride, pads, dilation, ceil_mode)
    full = (pads[0], pads[1] + eh, pads[2], pads[3] + ew)
    planes = _phase_pad(xp, x, full, stride, fill)
    return _taps(planes, kernel, stride, dilation, (oh, ow)), full, (oh, ow)


def _first_max_hits(xp: Any, taps: list, y: Any) -> Any:
    """Per tap (row-major), the windows whose first maximum sits at that tap: ties go to the
    first, as MindSpore/PyTorch's argmax. Yields one fresh bool mask per tap."""
    free = None
    for v in taps:
        hit = v == y
        if free is None:
            free = ~hit
        else:
            xp.logical_and(hit, free, out=hit)
            xp.logical_xor(free, hit, out=free)  # hit is a subset of free: this clears hit
        yield hit


def _max_pool_impl(xp: Any, x: Any, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple = (1, 1),
                   ceil_mode: bool = False) -> Any:
    if conv_cl.enabled(xp) and x.ndim == 4:
        oh, ow, eh, ew = _spatial("max_pool2d", x.shape, kernel, stride, pads, dilation, ceil_mode)
        full = (pads[0], pads[1] + eh, pads[2], pads[3] + ew)
        return conv_cl.max_pool2d(x, kernel, stride, full, dilation, (oh, ow), _lowest(x.dtype))
    taps, _, _ = _pool_taps(xp, x, _lowest(x.dtype), kernel, stride, pads, dilation, ceil_mode, "max_pool2d")
    out = taps[0].copy()
    for v in taps[1:]:
        xp.maximum(out, v, out=out)
    return out


def _max_pool_grad_impl(xp: Any, x: Any, y: Any, dy: Any, kernel: tuple, stride: tuple, pads: tuple,
                        dilation: tuple = (1, 1), ceil_mode: bool = False) -> Any:
    """Route dy[window] to the window's first argmax in x (y = max_pool2d(x))."""
    if conv_cl.enabled(xp) and x.ndim == 4:
        oh, ow, eh, ew = _spatial("max_pool2d_grad", x.shape, kernel, stride, pads, dilation, ceil_mode)
        if tuple(y.shape) == tuple(dy.shape) == x.shape[:2] + (oh, ow):
            full = (pads[0], pads[1] + eh, pads[2], pads[3] + ew)
            return conv_cl.max_pool2d_grad(x, y, dy, kernel, stride, full, dilation, (oh, ow), _lowest(x.dtype))
    taps, full, ohw = _pool_taps(xp, x, _lowest(x.dtype), kernel, stride, pads, dilation, ceil_mode,
                                 "max_pool2d_grad")
    hits, tmp = list(_first_max_hits(xp, taps, y)), xp.empty_like(dy)
    # mask * dy into one reused buffer: 15x faster than xp.where (a non-finite dy stays non-finite)
    return _col2im(xp, lambda t: xp.multiply(hits[t], dy, out=tmp), x.shape, kernel, stride, full, dilation, ohw,
                   dy.dtype)


def _max_pool_gather_impl(xp: Any, x: Any, y: Any, g: Any, kernel: tuple, stride: tuple, pads: tuple,
                          dilation: tuple = (1, 1), ceil_mode: bool = False) -> Any:
    """g (shaped like x) read at each window's first argmax: the adjoint of max_pool2d_grad in dy."""
    taps, full, ohw = _pool_taps(xp, x, _lowest(x.dtype), kernel, stride, pads, dilation, ceil_mode,
                                 "max_pool2d_gather")
    gtaps = _taps(_phase_pad(xp, g, full, stride, 0), kernel, stride, dilation, ohw)
    res = xp.zeros(y.shape, g.dtype)
    for hit, gv in zip(_first_max_hits(xp, taps, y), gtaps):
        xp.copyto(res, gv, where=hit)
    return res


def _max_pool_argmax_impl(xp: Any, x: Any, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple = (1, 1),
                          ceil_mode: bool = False) -> Any:
    """Flat index into H*W of each window's max (return_indices=True), int64."""
    y = _max_pool_impl(xp, x, kernel, stride, pads, dilation, ceil_mode)
    taps, _, (oh, ow) = _pool_taps(xp, x, _lowest(x.dtype), kernel, stride, pads, dilation, ceil_mode, "max_pool2d")
    idx = xp.zeros(y.shape, np.int64)
    for t, hit in enumerate(_first_max_hits(xp, taps, y)):
        xp.copyto(idx, t, where=hit)
    rows = xp.arange(oh).reshape(oh, 1) * stride[0] - pads[0] + (idx // kernel[1]) * dilation[0]
    cols = xp.arange(ow) * stride[1] - pads[2] + (idx % kernel[1]) * dilation[1]
    return rows * x.shape[3] + cols


def _pool_infer(op: str, dtype: Any = None) -> Callable[..., Aval]:
    def infer(x: Aval, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple = (1, 1),
              ceil_mode: bool = False, **_: Any) -> Aval:
        oh, ow, _, _ = _spatial(op, x.shape, kernel, stride, pads, dilation, ceil_mode)
        return Aval((x.shape[0], x.shape[1], oh, ow), np.dtype(dtype) if dtype else x.dtype)
    return infer


def _pool_grad_infer(op: str, which: int) -> Callable[..., Aval]:
    def infer(x: Aval, y: Aval, g: Aval, **params: Any) -> Aval:
        expect = _pool_infer(op)(x, **params).shape
        if tuple(y.shape) != expect or tuple(g.shape) != (expect if which == 1 else tuple(x.shape)):
            raise ValueError(f"{op}: shapes x {list(x.shape)}, out {list(y.shape)}, grad {list(g.shape)} do not "
                             f"match the pooled shape {list(expect)}")
        return Aval(tuple(x.shape) if which == 1 else expect, g.dtype)
    return infer


max_pool2d_p = Primitive("max_pool2d", _max_pool_impl, _pool_infer("max_pool2d"))
max_pool2d_grad_p = Primitive("max_pool2d_grad", _max_pool_grad_impl, _pool_grad_infer("max_pool2d_grad", 1))
max_pool2d_gather_p = Primitive("max_pool2d_gather", _max_pool_gather_impl,
                                _pool_grad_infer("max_pool2d_gather", 2))
max_pool2d_argmax_p = Primitive("max_pool2d_argmax", _max_pool_argmax_impl, _pool_infer("max_pool2d", np.int64))


@max_pool2d_p.def_bprop
def _max_pool_bprop(x, *, out, dout, **p):
    return (max_pool2d_grad_p(x, out, dout, **p),)


# The argmax routing is piecewise constant in x and y, so their derivatives are zero almost
# everywhere (None); in dy and g the two primitives are each other's adjoint.
@max_pool2d_grad_p.def_bprop
def _max_pool_grad_bprop(x, y, dy, *, out, dout, **p):
    return None, None, max_pool2d_gather_p(x, y, dout, **p)


@max_pool2d_gather_p.def_bprop
def _max_pool_gather_bprop(x, y, g, *, out, dout, **p):
    return None, None, max_pool2d_grad_p(x, y, dout, **p)


# ---- average pooling -------------------------------------------------------------------
def _avg_divisor(shape: tuple, kernel: tuple, stride: tuple, pads: tuple, out_hw: tuple, count_include_pad: bool,
                 divisor_override: Any) -> Any:
    """Per-window divisor: a float, or an (oh, ow) host array where border windows differ.
    count_include_pad counts the explicit padding but never ceil_mode's extra cells."""
    if divisor_override:
        return float(divisor_override)
    counts = []
    for n, k, s, lo, hi, o in ((shape[2], kernel[0], stride[0], pads[0], pads[1], out_hw[0]),
                               (shape[3], kernel[1], stride[1], pads[2], pads[3], out_hw[1])):
        start = np.arange(o) * s  # in padded coordinates
        a, b = (0, lo + n + hi) if count_include_pad else (lo, lo + n)
        counts.append(np.clip(np.minimum(start + k, b) - np.maximum(start, a), 1, None))
    div = np.outer(counts[0], counts[1]).astype(np.float64)
    return float(div.flat[0]) if (div == div.flat[0]).all() else div


def _avg_pool_impl(xp: Any, x: Any, kernel: tuple, stride: tuple, pads: tuple, ceil_mode: bool = False,
                   count_include_pad: bool = True, divisor_override: Any = None) -> Any:
    taps, _, ohw = _pool_taps(xp, x, 0, kernel, stride, pads, (1, 1), ceil_mode, "avg_pool2d")
    acc = taps[0].copy()
    for v in taps[1:]:
        xp.add(acc, v, out=acc)
    div = _avg_divisor(x.shape, kernel, stride, pads, ohw, count_include_pad, divisor_override)
    acc /= div if isinstance(div, float) else xp.asarray(div, dtype=acc.dtype)
    return acc


def _avg_pool_grad_impl(xp: Any, dy: Any, input_shape: tuple, kernel: tuple, stride: tuple, pads: tuple,
                        ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: Any = None) -> Any:
    oh, ow, eh, ew = _spatial("avg_pool2d_grad", tuple(input_shape), kernel, stride, pads, (1, 1), ceil_mode)
    if tuple(dy.shape) != tuple(input_shape[:2]) + (oh, ow):
        raise ValueError(f"avg_pool2d_grad: dout {list(dy.shape)} does not match input {list(input_shape)}")
    div = _avg_divisor(input_shape, kernel, stride, pads, (oh, ow), count_include_pad, divisor_override)
    g = dy / (div if isinstance(div, float) else xp.asarray(div, dtype=dy.dtype))
    full = (pads[0], pads[1] + eh, pads[2], pads[3] + ew)
    return _col2im(xp, lambda t: g, tuple(input_shape), kernel, stride, full, (1, 1), (oh, ow), g.dtype)


def _avg_pool_infer(x: Aval, kernel: tuple, stride: tuple, pads: tuple, ceil_mode: bool = False, **_: Any) -> Aval:
    if x.dtype.kind != "f":
        raise TypeError(f"avg_pool2d: input must be floating point, got {x}")
    return _pool_infer("avg_pool2d")(x, kernel, stride, pads, (1, 1), ceil_mode)


def _avg_pool_grad_infer(dy: Aval, input_shape: tuple, kernel: tuple, stride: tuple, pads: tuple,
                         ceil_mode: bool = False, **_: Any) -> Aval:
    expect = _pool_infer("avg_pool2d_grad")(Aval(tuple(input_shape), dy.dtype), kernel, stride, pads, (1, 1),
                                            ceil_mode).shape
    if tuple(dy.shape) != expect:
        raise ValueError(f"avg_pool2d_grad: dout {list(dy.shape)} should be {list(expect)} for input "
                         f"{list(input_shape)}")
    return Aval(tuple(input_shape), dy.dtype)


avg_pool2d_p = Primitive("avg_pool2d", _avg_pool_impl, _avg_pool_infer)
avg_pool2d_grad_p = Primitive("avg_pool2d_grad", _avg_pool_grad_impl, _avg_pool_grad_infer)


@avg_pool2d_p.def_bprop
def _avg_pool_bprop(x, *, out, dout, **p):
    return (avg_pool2d_grad_p(dout, input_shape=x.shape, **p),)


@avg_pool2d_grad_p.def_bprop
def _avg_pool_grad_bprop(dy, *, out, dout, input_shape, **p):
    return (avg_pool2d_p(dout, **p),)


# ---- adaptive average pooling -------------------------------------------------------------
def _adaptive_weights(n: int, m: int) -> np.ndarray:
    """(m, n) averaging matrix over the bins [floor(i*n/m), ceil((i+1)*n/m))."""
    i = np.arange(m)
    start, end = (i * n) // m, -((-(i + 1) * n) // m)
    j = np.arange(n)
    return ((j >= start[:, None]) & (j < end[:, None])) / (end - start)[:, None]


def _adaptive_impl(xp: Any, x: Any, output_size: tuple) -> Any:
    if x.dtype.kind not in "fV":
        raise TypeError(f"adaptive_avg_pool2d: input must be floating point, got {x.dtype}")
    (h, w), (oh, ow), lead = x.shape[-2:], output_size, x.shape[:-2]
    if h % oh == 0 and w % ow == 0:  # equal bins: a reshape and a mean
        if oh == ow == 1:
            return x.reshape(lead + (h * w,)).mean(axis=-1).reshape(lead + (1, 1))
        return x.reshape(lead + (oh, h // oh, ow, w // ow)).mean(axis=(-3, -1))
    mh = xp.asarray(_adaptive_weights(h, oh), dtype=x.dtype)
    mw = xp.asarray(_adaptive_weights(w, ow), dtype=x.dtype)
    return xp.matmul(xp.matmul(mh, x), mw.T)


def _adaptive_grad_impl(xp: Any, dy: Any, input_shape: tuple) -> Any:
    (h, w), (oh, ow), lead = input_shape[-2:], dy.shape[-2:], dy.shape[:-2]
    if h % oh == 0 and w % ow == 0:
        g = dy[..., :, None, :, None] * (1.0 / ((h // oh) * (w // ow)))
        return xp.broadcast_to(g, lead + (oh, h // oh, ow, w // ow)).reshape(tuple(input_shape))
    mh = xp.asarray(_adaptive_weights(h, oh), dtype=dy.dtype)
    mw = xp.asarray(_adaptive_weights(w, ow), dtype=dy.dtype)
    return xp.matmul(xp.matmul(mh.T, dy), mw)


def _adaptive_infer(x: Aval, output_size: tuple) -> Aval:
    if x.ndim not in (3, 4) or len(output_size) != 2 or min(output_size) < 1:
        raise ValueError(f"adaptive_avg_pool2d: expects a 3-D or 4-D input and 2 positive output sizes, got "
                         f"input {list(x.shape)} and output_size {list(output_size)}")
    if x.dtype.kind not in "fV":  # MindSpore's AdaptiveAvgPool2D takes float16/32/64
        raise TypeError(f"adaptive_avg_pool2d: input must be floating point, got {x.dtype}")
    return Aval(tuple(x.shape[:-2]) + tuple(output_size), x.dtype)


def _adaptive_grad_infer(dy: Aval, input_shape: tuple) -> Aval:
    if tuple(dy.shape[:-2]) != tuple(input_shape[:-2]) or dy.ndim != len(input_shape):
        raise ValueError(f"adaptive_avg_pool2d_grad: dout {list(dy.shape)} does not match input {list(input_shape)}")
    return Aval(tuple(input_shape), dy.dtype)


adaptive_avg_pool2d_p = Primitive("adaptive_avg_pool2d", _adaptive_impl, _adaptive_infer)
adaptive_avg_pool2d_grad_p = Primitive("adaptive_avg_pool2d_grad", _adaptive_grad_impl, _adaptive_grad_infer)
adaptive_avg_pool2d_p.def_bprop(
    lambda x, *, out, dout, output_size: (adaptive_avg_pool2d_grad_p(dout, input_shape=x.shape),))
adaptive_avg_pool2d_grad_p.def_bprop(
    lambda dy, *, out, dout, input_shape: (adaptive_avg_pool2d_p(dout, output_size=tuple(dy.shape[-2:])),))


# ---- functional API (MindSpore 2.x signatures) ----------------------------------------------
def _add_bias(out: Tensor, bias: Any) -> Tensor:
    return out if bias is None else out + F.reshape(bias, (1, -1) + (1,) * (out.ndim - 2))


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           pad_mode: str = "valid", padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of an NCHW `input` with `weight` (C_out, C_in/groups, kh, kw).

    Note the functional default pad_mode is 'valid' (nn.Conv2d's is 'same'); `padding` (int,
    (ph, pw) or (top, bottom, left, right)) is only allowed with pad_mode='pad'.
    """
    if input.ndim != 4 or weight.ndim != 4:
        raise ValueError(f"conv2d: expects 4-D input and weight, got {list(input.shape)} and {list(weight.shape)}")
    s, d = _pair(stride, "stride", "conv2d"), _pair(dilation, "dilation", "conv2d")
    pads = conv_pads(input.shape[2:], weight.shape[2:], s, d, pad_mode, padding, "conv2d")
    return _add_bias(conv2d_p(input, weight, stride=s, pads=pads, dilation=d, groups=int(groups)), bias)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
           pad_mode: str = "valid", padding: Any = 0, dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D convolution of (N, C, L) with weight (C_out, C_in/groups, k): conv2d on a height-1 image.
    `padding` is an int or (left, right), only with pad_mode='pad'."""
    if input.ndim != 3 or weight.ndim != 3:
        raise ValueError(f"conv1d: expects 3-D input and weight, got {list(input.shape)} and {list(weight.shape)}")
    one = lambda v: v if isinstance(v, (int, np.integer)) else tuple(v)[-1]  # noqa: E731
    s, d = _pair((1, one(stride)), "stride", "conv1d"), _pair((1, one(dilation)), "dilation", "conv1d")
    p = (padding,) if isinstance(padding, (int, np.integer)) else tuple(padding)
    if len(p) not in (1, 2):
        raise ValueError(f"conv1d: padding must be an int or (left, right), got {padding!r}")
    pads = conv_pads((1, input.shape[2]), (1, weight.shape[2]), s, d, pad_mode, (0, 0, p[0], p[-1]), "conv1d")
    (n, c, length), (o, cg, k) = input.shape, weight.shape
    out = conv2d_p(F.reshape(input, (n, c, 1, length)), F.reshape(weight, (o, cg, 1, k)), stride=s, pads=pads,
                   dilation=d, groups=int(groups))
    return _add_bias(F.reshape(out, (n, o, out.shape[3])), bias)


def _deconv_len(n: int, k: int, s: int, d: int, mode: str, pad_total: int, output_padding: int) -> int:
    """nn.Conv2dTranspose output length for MindSpore's pad_mode."""
    dk = d * (k - 1) + 1
    if mode == "same":
        return n * s
    if mode == "valid":
        return n * s + max(dk - s, 0)
    return (n - 1) * s + dk - pad_total + output_padding


def conv2d_transpose(input: Tensor, weight: Tensor, input_size: Any = None, stride: Any = 1,  # noqa: A002
                     pad_mode: str = "valid", padding: Any = 0, dilation: Any = 1, groups: int = 1,
                     output_padding: Any = 0) -> Tensor:
    """Transposed conv = conv2d's gradient w.r.t. its input (ops.Conv2DTranspose /
    Conv2DBackpropInput; what nn.Conv2dTranspose computes). `weight` is (C_in, C_out/groups,
    kh, kw), i.e. the weight of the conv2d mapping the result back to `input`'s shape.
    `input_size` is the result shape (N, C_out, H, W); None derives it as nn.Conv2dTranspose:
    'same' in*s; 'valid' in*s + max(dk - s, 0); 'pad' (in-1)*s + dk - pad_total + output_padding,
    with dk = dilation*(k-1) + 1. Pads then follow `conv_pads` on that result size.
    """
    s, d = _pair(stride, "stride", "conv2d_transpose"), _pair(dilation, "dilation", "conv2d_transpose")
    k, (n, _, h, w) = tuple(weight.shape[2:]), input.shape
    op = _out_pad(output_padding, "conv2d_transpose")
    if any(op) and (input_size is not None or str(pad_mode).lower() != "pad"):
        raise ValueError(f"conv2d_transpose: output_padding {list(op)} only applies with pad_mode='pad' and no "
                         f"input_size (got pad_mode={pad_mode!r}, input_size={input_size!r})")
    if input_size is None:
        mode, p = str(pad_mode).lower(), _pads4(padding, "conv2d_transpose")
        hw = [_deconv_len(m, k[a], s[a], d[a], mode, p[2 * a] + p[2 * a + 1], op[a]) for a, m in enumerate((h, w))]
        input_size = (n, weight.shape[1] * int(groups), hw[0], hw[1])
    pads = conv_pads(tuple(input_size)[2:], k, s, d, pad_mode, padding, "conv2d_transpose")
    return conv2d_backprop_input_p(input, weight, input_shape=tuple(dim_of(v) for v in input_size), stride=s,
                                   pads=pads, dilation=d, groups=int(groups))


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,  # noqa: A002
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """PyTorch-style transposed conv (mint.nn.functional.conv_transpose2d): weight
    (C_in, C_out/groups, kh, kw), symmetric `padding` int or (ph, pw); out = (in-1)*s - 2p +
    d*(k-1) + output_padding + 1. output_padding must be smaller than stride."""
    s, d = _pair(stride, "stride", "conv_transpose2d"), _pair(dilation, "dilation", "conv_transpose2d")
    p = _pads4(padding, "conv_transpose2d")
    op = _out_pad(output_padding, "conv_transpose2d")
    if op[0] >= s[0] or op[1] >= s[1]:
        raise ValueError(f"conv_transpose2d: output_padding {list(op)} must be smaller than stride {list(s)}")
    (n, _, h, w), k = input.shape, weight.shape[2:]
    size = (n, weight.shape[1] * int(groups), (h - 1) * s[0] - p[0] - p[1] + d[0] * (k[0] - 1) + op[0] + 1,
            (w - 1) * s[1] - p[2] - p[3] + d[1] * (k[1] - 1) + op[1] + 1)
    out = conv2d_backprop_input_p(input, weight, input_shape=size, stride=s, pads=p, dilation=d, groups=int(groups))
    return _add_bias(out, bias)


def _pool_args(kernel_size: Any, stride: Any, padding: Any, op: str) -> tuple:
    k = _pair(kernel_size, "kernel_size", op)
    s = k if stride is None or stride == () else _pair(stride, "stride", op)
    return k, s, _pads4(padding, op)


def _as_4d(x: Tensor, op: str) -> tuple:
    if x.ndim == 3:
        return F.reshape(x, (1,) + tuple(x.shape)), True
    if x.ndim != 4:
        raise ValueError(f"{op}: expects a 3-D or 4-D input, got shape {list(x.shape)}")
    return x, False


def max_pool2d(x: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0, dilation: Any = 1,
               return_indices: bool = False, ceil_mode: bool = False) -> Any:
    """2-D max pooling (padding with -inf). `stride` None means kernel_size. With
    return_indices, also returns each max's flat index into H*W (int64)."""
    x4, squeeze = _as_4d(x, "max_pool2d")
    k, s, p = _pool_args(kernel_size, stride, padding, "max_pool2d")
    params = dict(kernel=k, stride=s, pads=p, dilation=_pair(dilation, "dilation", "max_pool2d"),
                  ceil_mode=bool(ceil_mode))
    out = max_pool2d_p(x4, **params)
    idx = max_pool2d_argmax_p(x4, **params) if return_indices else None
    if squeeze:
        out = F.reshape(out, out.shape[1:])
        idx = F.reshape(idx, idx.shape[1:]) if idx is not None else None
    return (out, idx) if return_indices else out


def avg_pool2d(input_x: Tensor, kernel_size: Any = 1, stride: Any = 1, padding: Any = 0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: Any = None) -> Tensor:
    """2-D average pooling; `padding` int, (ph, pw) or (top, bottom, left, right); divisor_override
    0 or None means the window size (with or without padding per count_include_pad)."""
    x4, squeeze = _as_4d(input_x, "avg_pool2d")
    k, s, p = _pool_args(kernel_size, stride, padding, "avg_pool2d")
    out = avg_pool2d_p(x4, kernel=k, stride=s, pads=p, ceil_mode=bool(ceil_mode),
                       count_include_pad=bool(count_include_pad), divisor_override=divisor_override or None)
    return F.reshape(out, out.shape[1:]) if squeeze else out


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Average over PyTorch/MindSpore adaptive bins; `output_size` int or (oh, ow), None keeps
    that input size."""
    sizes = (output_size, output_size) if isinstance(output_size, (int, np.integer)) or output_size is None \
        else tuple(output_size)
    if len(sizes) != 2 or input.ndim not in (3, 4):
        raise ValueError(f"adaptive_avg_pool2d: expects a 3-D or 4-D input and output_size int or (oh, ow), got "
                         f"input {list(input.shape)} and output_size {output_size!r}")
    size = tuple(int(input.shape[-2 + a]) if v is None else int(v) for a, v in enumerate(sizes))
    return adaptive_avg_pool2d_p(input, output_size=size)


from . import functional as F  # noqa: E402  (bprops and wrappers resolve ops at call time)
