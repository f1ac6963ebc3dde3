"""numpy CPU kernels: work split over mindlite's thread pool (core/threads.py), and a
branch-free select.

numpy on CPU only (`xp is numpy`); anything else, and work too small to pay for waking a
worker, takes the plain call. Chunk boundaries come from the shapes alone, so a result is
bitwise the same for every thread count (see core/threads.py). NOTE: they differ in the last
bits from one unsplit `numpy.matmul` (BLAS blocks each GEMM by its size) - as OpenBLAS's own
results differ between its thread counts.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import threads

# a chunk should be worth ~0.2 ms of one core: waking a sleeping worker costs ~10 us, and a worker
# preempted mid-chunk on a busy machine stalls the region for a scheduler round (milliseconds), so
# small products (an MLP's) are not worth splitting
GEMM_CHUNK_FLOPS = 32e6
GEMM_MIN_SIDE = 64          # rows (or columns) per GEMM chunk at least: thinner GEMMs lose BLAS efficiency
ELEMWISE_CHUNK = 1 << 17   # elements per elementwise chunk (512 KiB of float32: stays in L2)


def gemm_chunks(rows: int, flops_per_row: float, least: int = 1) -> list[tuple[int, int]]:
    """Ranges of a GEMM-like loop, each worth at least GEMM_CHUNK_FLOPS and `least` rows, and
    no more than two per CPU of the machine: every chunk packs the shared operand again
    (1024x768x3072 float32 on one core: 193 GFLOP/s whole, 157 in 8 row chunks, 125 in 16).
    NOTE: the count follows the machine's CPUs, never runtime_num_threads or the load, so on
    one machine results are the same bits for any pool size."""
    most = max(4, 2 * threads.available_cpus())
    grain = max(least, -(-rows // most), int(-(-GEMM_CHUNK_FLOPS // max(flops_per_row, 1.0))))
    return threads.chunks(rows, grain, max_chunks=most)


def matmul(xp: Any, a: Any, b: Any, out: Any = None) -> Any:
    """`xp.matmul(a, b)`, split over the pool when it is large: by the leading batch axis
    (when it is not broadcast), else along the longer of the rows of `a` and the columns of
    `b` (each chunk packs its own part of that operand once); 1-D operands and non-float
    arrays take the plain call."""
    if xp is not np or a.ndim < 2 or b.ndim < 2 or a.dtype.kind not in "fc":
        return xp.matmul(a, b) if out is None else xp.matmul(a, b, out=out)
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    if a.ndim == b.ndim == 2:
        shape, batch = (m, n), 1
    else:
        shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (m, n)
        batch = int(np.prod(shape[:-2], dtype=np.int64))
    flops = 2.0 * batch * m * k * n
    if not threads.blas_pinned() or flops < 2 * GEMM_CHUNK_FLOPS:  # (pins BLAS on first use)
        return xp.matmul(a, b) if out is None else xp.matmul(a, b, out=out)
    if out is None:
        out = np.empty(shape, np.result_type(a.dtype, b.dtype))
    nd = len(shape)
    if nd >= 3 and shape[0] >= 2:
        a_b = a.ndim == nd and a.shape[0] == shape[0]  # the operand has the batch axis (not broadcast)
        b_b = b.ndim == nd and b.shape[0] == shape[0]
        bounds = gemm_chunks(shape[0], flops / shape[0])

        def part(lo: int, hi: int) -> None:
            np.matmul(a[lo:hi] if a_b else a, b[lo:hi] if b_b else b, out=out[lo:hi])
    elif m >= n:
        bounds = gemm_chunks(m, flops / m, GEMM_MIN_SIDE)

        def part(lo: int, hi: int) -> None:
            np.matmul(a[..., lo:hi, :], b, out=out[..., lo:hi, :])
    else:  # column slices of b and out are strided: GEMM leading dimensions, no copies
        bounds = gemm_chunks(n, flops / n, GEMM_MIN_SIDE)

        def part(lo: int, hi: int) -> None:
            np.matmul(a, b[..., lo:hi], out=out[..., lo:hi])
    if len(bounds) == 1:
        return np.matmul(a, b, out=out)
    threads.map_chunks(bounds, part)
    return out


def _split_axes(shape: tuple, strides: tuple) -> list[int]:
    """Axes of `shape` from the outermost in memory (largest stride) inwards."""
    return sorted(range(len(shape)), key=lambda ax: (-abs(strides[ax]), ax))


def elementwise_blocks(out: Any, min_elems: int = 4 * ELEMWISE_CHUNK) -> list[tuple] | None:
    """Index tuples splitting `out` into blocks of about ELEMWISE_CHUNK elements along its
    outermost memory axes (one axis, or the outermost fully and the next one in ranges), or
    None when it is too small to split. Blocks follow memory order, so each is contiguous
    when `out` is (in any axis order, channels-last included)."""
    if out.size < min_elems or out.ndim == 0:
        return None
    order = _split_axes(out.shape, out.strides)
    a0 = order[0]
    inner = out.size // max(out.shape[a0], 1)
    if inner <= ELEMWISE_CHUNK or len(order) == 1:  # whole slabs of the outermost axis per block
        bounds = threads.chunks(out.shape[a0], max(1, ELEMWISE_CHUNK // max(inner, 1)), max_chunks=256)
        return [_index(out.ndim, ((a0, lo, hi),)) for lo, hi in bounds]
    a1 = order[1]  # each outer slab is large: split it along the next axis too
    inner1 = inner // max(out.shape[a1], 1)
    bounds1 = threads.chunks(out.shape[a1], max(1, ELEMWISE_CHUNK // max(inner1, 1)), max_chunks=64)
    return [_index(out.ndim, ((a0, i, i + 1), (a1, lo, hi))) for i in range(out.shape[a0]) for lo, hi in bounds1]


def _index(ndim: int, cuts: tuple) -> tuple:
    idx = [slice(None)] * ndim
    for ax, lo, hi in cuts:
        idx[ax] = slice(lo, hi)
    return tuple(idx)


def block_of(arg: Any, out_shape: tuple, idx: tuple) -> Any:
    """The part of a broadcast operand that meets output block `idx` (scalars and broadcast
    axes are passed whole)."""
    nd = getattr(arg, "ndim", 0)
    if nd == 0:
        return arg
    lead = len(out_shape) - nd
    sub = tuple(s if arg.shape[ax - lead] == out_shape[ax] else slice(None)
                for ax, s in enumerate(idx) if ax >= lead)
    return arg[sub]


# ---- select -------------------------------------------------------------------------------------------
_BITS = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}
SELECT_MIN = 4096  # below this numpy's where is as fast


def _bits_of(v: Any, dtype: Any, it: Any) -> Any:
    """v (array of `dtype`, or a scalar exactly representable in it) viewed as integers; None otherwise."""
    if isinstance(v, np.ndarray):
        return v.view(it) if v.dtype == dtype else None
    a = np.asarray(v, dtype)
    return a.view(it) if a == v else None  # NaN, overflow or rounding: leave it to np.where


def select(c: Any, x: Any, y: Any, out: Any = None) -> Any:
    """`np.where(c, x, y)` (bool c, x/y of one dtype or exact scalars) with bit masks, or None
    when that does not apply. NOTE: numpy's where branches per element: on a random mask
    (a ReLU's gradient) it ran 20x slower than these two or three branch-free integer passes
    (131k float32: 540 us vs 27 us); the bits are exactly np.where's. `out` may be x or y."""
    if getattr(c, "dtype", None) != np.bool_ or c.size < SELECT_MIN:
        return None
    dtype = out.dtype if out is not None else np.result_type(x, y)
    it = _BITS.get(dtype.itemsize)
    if it is None or dtype.kind not in "biuf":
        return None
    xb, yb = _bits_of(x, dtype, it), _bits_of(y, dtype, it)
    if xb is None or yb is None:
        return None
    if out is None:
        shape = np.broadcast_shapes(c.shape, xb.shape, yb.shape)
        proto = next((a for a in (x, y, c) if isinstance(a, np.ndarray) and a.shape == shape), None)
        out = np.empty_like(proto, dtype=dtype) if proto is not None else np.empty(shape, dtype)
    ob = out.view(it)
    m = np.negative(c.view(np.int8))  # 0 / -1: all bits clear / set
    if yb.ndim == 0 and not yb:        # where(c, x, 0): x & m
        np.bitwise_and(xb, m, out=ob)
    elif xb.ndim == 0 and not xb:      # where(c, 0, y): y & ~m
        np.bitwise_and(yb, np.invert(m, out=m), out=ob)
    elif isinstance(y, np.ndarray) and np.may_share_memory(out, y):
        np.bitwise_xor(xb, yb, out=ob)   # x ^ ((x ^ y) & ~m): y is read first
        np.bitwise_and(ob, np.invert(m, out=m), out=ob)
        np.bitwise_xor(ob, xb, out=ob)
    else:
        np.bitwise_xor(xb, yb, out=ob)   # y ^ ((x ^ y) & m)
        np.bitwise_and(ob, m, out=ob)
        np.bitwise_xor(ob, yb, out=ob)
    return out


# ---- batch norm over rows -----------------------------------------------------------------------------
def channel_rows(x: Any) -> Any:
    """The (rows, C) C-contiguous view of x whose channel axis 1 is innermost in memory
    (channels-last 4-D, or a C-ordered 2-D (N, C)); None when there is none."""
    if x.ndim == 2:
        return x if x.flags.c_contiguous else None
    if x.ndim != 4:
        return None
    v = x.transpose(0, 2, 3, 1)
    return v.reshape(-1, x.shape[1]) if v.flags.c_contiguous else None


def batch_norm_rows(x2: Any, gamma: Any, beta: Any, eps: float) -> tuple:
    """Training BatchNorm of (M, C) rows: (y (M, C), batch mean, 1/sqrt(var + eps)), in three
    passes over blocks of rows shared out over the pool: sums, centred squares (the two-pass
    variance), then `y = (x - mean) * gamma * invstd + beta` in place. Per-block partial sums
    are added in block order (the same bits for any thread count)."""
    m, c = x2.shape
    bounds = threads.chunks(m, max(1, ELEMWISE_CHUNK // max(c, 1)), max_chunks=256)
    parts = np.empty((len(bounds), c), x2.dtype)
    threads.parallel_for(len(bounds), lambda j: np.add.reduce(x2[bounds[j][0]:bounds[j][1]], axis=0, out=parts[j]))
    mu = np.add.reduce(parts, axis=0) / m
    y = np.empty_like(x2)

    def centred(j: int) -> None:
        a, b = bounds[j]
        yc = np.subtract(x2[a:b], mu, out=y[a:b])
        np.add.reduce(np.square(yc), axis=0, out=parts[j])
    threads.parallel_for(len(bounds), centred)
    invstd = (1.0 / np.sqrt(np.add.reduce(parts, axis=0) / m + eps)).astype(x2.dtype, copy=False)
    scale = gamma * invstd

    def affine(j: int) -> None:
        a, b = bounds[j]
        np.multiply(y[a:b], scale, out=y[a:b])
        np.add(y[a:b], beta, out=y[a:b])
    threads.parallel_for(len(bounds), affine)
    return y, mu, invstd
