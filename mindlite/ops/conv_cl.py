"""Channels-last (NHWC) CPU kernels behind the NCHW convolution and max-pooling primitives.

A tensor keeps its NCHW shape; only its memory is NHWC (`x.transpose(0, 2, 3, 1)` is
C-contiguous), as PyTorch's `channels_last` memory format. numpy's elementwise ops and
reductions follow their operands' layout, so once the first convolution returns
channels-last memory, BatchNorm, ReLU, residual adds and the gradients stay channels-last;
only the network's input is transposed (inside the stem convolution). Why (PERF_NOTES):

* a 1x1 convolution is one GEMM on the `(N*H*W, C)` view - no im2col, no copies;
* im2col copies contiguous channel vectors, and a stride-1 `kh x kw` input gradient is the
  same forward kernel with the flipped weight;
* per-channel statistics are reductions over axis 0 of `(N*H*W, C)`.

Every kernel works in chunks of output rows (chunk boundaries from the shapes only), run over
mindlite's thread pool (core/threads.py) with BLAS at one thread: im2col goes into a
per-thread scratch buffer that stays in cache, and a busy core only slows its own chunks.
Filter gradients sum per-chunk partial products in chunk order (deterministic).

numpy only and `groups == 1`; grouped convolutions, cupy and
`set_context(disable_format_transform=True)` use the NCHW kernels of ops/conv.py.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ..core import context, threads
from .cpu_kernels import GEMM_CHUNK_FLOPS

_local = threading.local()
ROWS_MIN = 128          # GEMM rows per chunk at least (BLAS efficiency)
ROWS_MAX = 2048         # ... and at most, where there is enough work (the chunk's im2col stays in cache)
ROWS_FILTER = 4096      # rows per partial product of a filter gradient


def enabled(xp: Any, groups: int = 1) -> bool:
    """True if a convolution/pooling on `xp` runs channels-last."""
    return xp is np and groups == 1 and not context.get_context("disable_format_transform")


def is_channels_last(a: Any) -> bool:
    """A 4-D array whose memory is NHWC (shapes where both layouts coincide count as both)."""
    return a.ndim == 4 and a.transpose(0, 2, 3, 1).flags.c_contiguous


def to_nhwc(a: Any) -> Any:
    """The (N, H, W, C) C-contiguous view of an NCHW-shaped array (a copy unless channels-last)."""
    v = a.transpose(0, 2, 3, 1)
    return v if v.flags.c_contiguous else np.ascontiguousarray(v)


def as_nchw(a: Any) -> Any:
    """(N, H, W, C) memory seen as NCHW (no copy)."""
    return a.transpose(0, 3, 1, 2)


def empty_channels_last(shape: tuple, dtype: Any) -> Any:
    """An uninitialised NCHW-shaped array with NHWC memory."""
    n, c, h, w = shape
    return as_nchw(np.empty((n, h, w, c), dtype))


def _scratch(n_items: int, dtype: Any) -> Any:
    """This thread's reusable buffer of n_items (fresh large arrays cost page faults)."""
    dtype = np.dtype(dtype)
    buf = getattr(_local, "buf", None)
    need = n_items * dtype.itemsize
    if buf is None or buf.nbytes < need:
        buf = _local.buf = np.empty(max(need, 1 << 20), np.uint8)
    return buf[:need].view(dtype)


def _pad(x: Any, pads: tuple, fill: Any = 0) -> Any:
    """NHWC x padded by (top, bottom, left, right)."""
    t, b, l, r = pads
    if not (t or b or l or r):
        return x
    n, h, w, c = x.shape
    out = np.empty((n, h + t + b, w + l + r, c), x.dtype)
    if fill == 0:  # zero only the border; the interior is copied over
        out[:, :t], out[:, t + h:], out[:, t:t + h, :l], out[:, t:t + h, l + w:] = 0, 0, 0, 0
    else:
        out.fill(fill)
    out[:, t:t + h, l:l + w] = x
    return out


def _windows(xpad: Any, n: int, r0: int, r1: int, kernel: tuple, stride: tuple, dilation: tuple, ow: int) -> Any:
    """View (rows, ow, kh, kw, C) of the windows of output rows r0:r1 of sample n; no copy."""
    sn, sh, sw, sc = xpad.strides
    shape = (r1 - r0, ow, kernel[0], kernel[1], xpad.shape[3])
    strides = (sh * stride[0], sw * stride[1], sh * dilation[0], sw * dilation[1], sc)
    base = xpad[n, r0 * stride[0]:]
    return np.lib.stride_tricks.as_strided(base, shape, strides)


def _rows_cols(xpad: Any, u0: int, u1: int, oh: int, ow: int, kernel: tuple, stride: tuple, dilation: tuple,
               into: Any) -> Any:
    """im2col of flat output rows u0:u1 (row u = sample u // oh, row u % oh) into `into`,
    shape ((u1-u0)*ow, kh*kw*C)."""
    at = 0
    u = u0
    while u < u1:
        n, r = divmod(u, oh)
        r_end = min(oh, r + (u1 - u))
        rows = (r_end - r) * ow
        dst = into[at:at + rows].reshape(r_end - r, ow, kernel[0], kernel[1], xpad.shape[3])
        np.copyto(dst, _windows(xpad, n, r, r_end, kernel, stride, dilation, ow))
        at += rows
        u += r_end - r
    return into[:at]


def _is_pointwise(kernel: tuple, pads: tuple) -> bool:
    return kernel == (1, 1) and not any(pads)


def _row_chunks(units: int, ow: int, k: int, o: int) -> list:
    """Chunks of flat output rows (units of `ow` GEMM rows): two per CPU of the machine for
    balance (each chunk packs the weight again), each a GEMM of at least ROWS_MIN rows and
    GEMM_CHUNK_FLOPS, and at most ROWS_MAX rows (its im2col stays in cache) unless that
    minimum needs more. Depends on the shapes and the machine, not on the pool size."""
    per_row = 2.0 * ow * k * o
    least = max(-(-ROWS_MIN // ow), int(-(-GEMM_CHUNK_FLOPS // per_row)), 1)
    grain = max(least, min(-(-units // max(4, 2 * threads.available_cpus())), -(-ROWS_MAX // ow)))
    return threads.chunks(units, grain, max_chunks=256)


def _copy_chunks(units: int, unit_bytes: int) -> list:
    """Chunks of a copy: at least 256 KiB each, about 16 of them where there is enough."""
    grain = max(-(-(1 << 18) // max(unit_bytes, 1)), -(-units // 16), 1)
    return threads.chunks(units, grain, max_chunks=256)


# ---- forward ----------------------------------------------------------------------------------------
def conv2d(x: Any, w: Any, stride: tuple, pads: tuple, dilation: tuple, out_hw: tuple) -> Any:
    """conv2d (groups 1) of an NCHW-shaped x of any layout; the result is channels-last."""
    return as_nchw(conv2d_nhwc(to_nhwc(x), w, stride, pads, dilation, out_hw))


def conv2d_nhwc(x: Any, w: Any, stride: tuple, pads: tuple, dilation: tuple, out_hw: tuple) -> Any:
    """(N, H, W, C) * (O, C, kh, kw) -> (N, OH, OW, O)."""
    (n, _, _, c), (o, _, kh, kw), (oh, ow) = x.shape, w.shape, out_hw
    dtype = np.result_type(x.dtype, w.dtype)
    y = np.empty((n, oh, ow, o), dtype)
    y2 = y.reshape(n * oh * ow, o)
    if _is_pointwise((kh, kw), pads):
        wk = w.reshape(o, c).T  # the transpose is a GEMM flag, not a copy
        if stride == (1, 1):
            x2 = x.reshape(-1, c)
            bounds = _row_chunks(n * oh, ow, c, o)
            threads.map_chunks(bounds, lambda a, b: np.matmul(x2[a * ow:b * ow], wk, out=y2[a * ow:b * ow]))
            return y
        xs = x[:, ::stride[0], ::stride[1]][:, :oh, :ow]

        def strided(a: int, b: int) -> None:
            src = _scratch((b - a) * ow * c, x.dtype).reshape(b - a, ow, c)
            for u in range(a, b):  # rows of one sample at a time: (n, r) -> a contiguous copy
                src[u - a] = xs[u // oh, u % oh]
            np.matmul(src.reshape(-1, c), wk, out=y2[a * ow:b * ow])
        threads.map_chunks(_row_chunks(n * oh, ow, c, o), strided)
        return y
    xpad = _pad(x, pads)
    k = kh * kw * c
    wk = np.ascontiguousarray(w.transpose(2, 3, 1, 0)).reshape(k, o)  # K ordered (kh, kw, C)

    def chunk(a: int, b: int) -> None:
        cols = _rows_cols(xpad, a, b, oh, ow, (kh, kw), stride, dilation, _scratch((b - a) * ow * k, x.dtype)
                          .reshape(-1, k))
        np.matmul(cols, wk, out=y2[a * ow:b * ow])
    threads.map_chunks(_row_chunks(n * oh, ow, k, o), chunk)
    return y


# ---- input gradient ---------------------------------------------------------------------------------
def _flipped(w: Any) -> Any:
    """(O, C, kh, kw) -> (C, O, kh, kw) rotated by 180 degrees: the kernel of the adjoint."""
    return np.ascontiguousarray(w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])


def conv2d_input(dy: Any, w: Any, input_shape: tuple, stride: tuple, pads: tuple, dilation: tuple) -> Any:
    """Gradient of conv2d w.r.t. its NCHW input, channels-last."""
    return as_nchw(conv2d_input_nhwc(to_nhwc(dy), w, input_shape, stride, pads, dilation))


def conv2d_input_nhwc(dy: Any, w: Any, input_shape: tuple, stride: tuple, pads: tuple, dilation: tuple) -> Any:
    (n, c, h, wd), (o, _, kh, kw), (oh, ow) = input_shape, w.shape, dy.shape[1:3]
    dtype = np.result_type(dy.dtype, w.dtype)
    if _is_pointwise((kh, kw), pads):
        wk = w.reshape(o, c)
        dy2 = dy.reshape(-1, o)
        if stride == (1, 1):
            dx = np.empty((n, h, wd, c), dtype)
            dx2 = dx.reshape(-1, c)
            threads.map_chunks(_row_chunks(n * oh, ow, o, c),
                               lambda a, b: np.matmul(dy2[a * ow:b * ow], wk, out=dx2[a * ow:b * ow]))
            return dx
        dx = np.zeros((n, h, wd, c), dtype)
        dxs = dx[:, ::stride[0], ::stride[1]][:, :oh, :ow]

        def strided(a: int, b: int) -> None:
            part = np.matmul(dy2[a * ow:b * ow], wk).reshape(b - a, ow, c)
            for u in range(a, b):
                dxs[u // oh, u % oh] = part[u - a]
        threads.map_chunks(_row_chunks(n * oh, ow, o, c), strided)
        return dx
    full = (dilation[0] * (kh - 1) - pads[0], dilation[0] * (kh - 1) - pads[1],
            dilation[1] * (kw - 1) - pads[2], dilation[1] * (kw - 1) - pads[3])
    if stride == (1, 1) and min(full) >= 0:
        # stride 1: a "full" convolution of dy with the flipped kernel
        return conv2d_nhwc(dy, _flipped(w), (1, 1), full, dilation, (h, wd))
    return _col2im_input(dy, w, (n, c, h, wd), stride, pads, dilation, dtype)


def _col2im_input(dy: Any, w: Any, input_shape: tuple, stride: tuple, pads: tuple, dilation: tuple,
                  dtype: Any) -> Any:
    """GEMM to per-tap columns, then kh*kw strided slice-adds; one sample per chunk (samples
    never overlap, so chunks write disjoint memory)."""
    (n, c, h, wd), (o, _, kh, kw), (oh, ow) = input_shape, w.shape, dy.shape[1:3]
    t, b, l, r = pads
    wk = np.ascontiguousarray(w.transpose(0, 2, 3, 1)).reshape(o, kh * kw * c)
    dx = np.empty((n, h, wd, c), dtype)

    def sample(i: int) -> None:
        cols = np.matmul(dy[i].reshape(-1, o), wk).reshape(oh, ow, kh, kw, c)
        acc = np.zeros((h + t + b, wd + l + r, c), dtype)
        for p in range(kh):
            for q in range(kw):
                r0, c0 = p * dilation[0], q * dilation[1]
                acc[r0:r0 + stride[0] * (oh - 1) + 1:stride[0], c0:c0 + stride[1] * (ow - 1) + 1:stride[1]] \
                    += cols[:, :, p, q]
        dx[i] = acc[t:t + h, l:l + wd]
    threads.parallel_for(n, sample)
    return dx


# ---- filter gradient --------------------------------------------------------------------------------
def conv2d_filter(dy: Any, x: Any, filter_shape: tuple, stride: tuple, pads: tuple, dilation: tuple) -> Any:
    """Gradient of conv2d w.r.t. its (O, C, kh, kw) weight, from NCHW-shaped dy and x."""
    return conv2d_filter_nhwc(to_nhwc(dy), to_nhwc(x), filter_shape, stride, pads, dilation)


def conv2d_filter_nhwc(dy: Any, x: Any, filter_shape: tuple, stride: tuple, pads: tuple, dilation: tuple) -> Any:
    """dW[o, (kh, kw, C)] = sum over output positions of dy[pos, o] * cols[pos, (kh, kw, C)].

    Many positions (early layers, small dW): partial GEMMs over chunks of >= ROWS_FILTER
    rows, each on its own im2col in scratch, summed in chunk order. Few positions (late
    layers, large dW): one im2col (built in parallel), then the GEMM split by dW's columns."""
    (n, oh, ow, o), (_, c, kh, kw) = dy.shape, filter_shape
    k = kh * kw * c
    dtype = np.result_type(dy.dtype, x.dtype)
    dy2 = dy.reshape(-1, o)
    units = n * oh
    direct = _is_pointwise((kh, kw), pads) and stride == (1, 1)  # the columns are x itself
    xpad = x if direct else _pad(x, pads)
    bounds = threads.chunks(units, max(1, -(-ROWS_FILTER // ow)), max_chunks=16)
    if len(bounds) > 1:
        parts = np.empty((len(bounds), o, k), dtype)

        def partial(j: int) -> None:
            a, b = bounds[j]
            cols = x.reshape(-1, c)[a * ow:b * ow] if direct else _rows_cols(
                xpad, a, b, oh, ow, (kh, kw), stride, dilation, _scratch((b - a) * ow * k, x.dtype).reshape(-1, k))
            np.matmul(dy2[a * ow:b * ow].T, cols, out=parts[j])
        threads.parallel_for(len(bounds), partial)
        dwk = parts[0]
        for j in range(1, len(bounds)):  # in chunk order: the same bits for any thread count
            dwk += parts[j]
    else:
        if direct:
            cols = x.reshape(-1, c)
        else:  # the caller's scratch; chunks write disjoint rows of it
            cols = _scratch(units * ow * k, x.dtype).reshape(-1, k)
            threads.map_chunks(_copy_chunks(units, ow * k * x.itemsize), lambda a, b: _rows_cols(
                xpad, a, b, oh, ow, (kh, kw), stride, dilation, cols[a * ow:b * ow]))
        dwk = np.empty((o, k), dtype)
        per_col = 2.0 * units * ow * o
        most = max(4, 2 * threads.available_cpus())
        col_bounds = threads.chunks(k, max(32, -(-k // most), int(-(-GEMM_CHUNK_FLOPS // per_col))), max_chunks=most)
        threads.map_chunks(col_bounds, lambda a, b: np.matmul(dy2.T, cols[:, a:b], out=dwk[:, a:b]))
    return np.ascontiguousarray(dwk.reshape(o, kh, kw, c).transpose(0, 3, 1, 2))


# ---- max pooling --------------------------------------------------------------------------------------
def _tap_slices(kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> list:
    """Per window tap (row-major), the (rows, cols) slices of the padded map it reads."""
    (oh, ow), out = out_hw, []
    for p in range(kernel[0]):
        for q in range(kernel[1]):
            r0, c0 = p * dilation[0], q * dilation[1]
            out.append((slice(r0, r0 + stride[0] * (oh - 1) + 1, stride[0]),
                        slice(c0, c0 + stride[1] * (ow - 1) + 1, stride[1])))
    return out


def max_pool2d(x: Any, kernel: tuple, stride: tuple, full_pads: tuple, dilation: tuple, out_hw: tuple,
               lowest: Any) -> Any:
    """Max over windows of NCHW-shaped x (any layout) padded with `lowest`; channels-last result.
    `full_pads` include ceil_mode's extra bottom/right rows."""
    xpad = _pad(to_nhwc(x), full_pads, lowest)
    taps = _tap_slices(kernel, stride, dilation, out_hw)
    n = x.shape[0]
    y = np.empty((n,) + tuple(out_hw) + (x.shape[1],), x.dtype)

    def sample(i: int) -> None:
        xi, yi = xpad[i], y[i]
        np.copyto(yi, xi[taps[0]])
        for rs, cs in taps[1:]:
            np.maximum(yi, xi[rs, cs], out=yi)
    threads.parallel_for(n, sample)
    return as_nchw(y)


def max_pool2d_grad(x: Any, y: Any, dy: Any, kernel: tuple, stride: tuple, full_pads: tuple, dilation: tuple,
                    out_hw: tuple, lowest: Any) -> Any:
    """dy routed to each window's first maximum (ties go to the first tap, row-major, as
    MindSpore/PyTorch's argmax); channels-last result."""
    xpad = _pad(to_nhwc(x), full_pads, lowest)
    yn, dyn = to_nhwc(y), to_nhwc(dy)
    taps = _tap_slices(kernel, stride, dilation, out_hw)
    (n, c, h, w), (t, _, l, _) = x.shape, full_pads
    dx = np.empty((n, h, w, c), dy.dtype)

    def sample(i: int) -> None:
        xi, yi, gi = xpad[i], yn[i], dyn[i]
        acc = np.zeros(xi.shape, dy.dtype)
        free = np.ones(yi.shape, bool)
        hit = np.empty_like(free)
        tmp = np.empty(yi.shape, dy.dtype)
        for rs, cs in taps:
            np.equal(xi[rs, cs], yi, out=hit)
            np.logical_and(hit, free, out=hit)
            np.logical_xor(free, hit, out=free)  # hit is a subset of free: this clears it
            np.multiply(hit, gi, out=tmp)  # not where(): a non-finite dy stays non-finite
            acc[rs, cs] += tmp
        dx[i] = acc[t:t + h, l:l + w]
    threads.parallel_for(n, sample)
    return as_nchw(dx)
