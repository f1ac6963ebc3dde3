"""Resizing numpy images as MindSpore's C++ Resize does (OpenCV's `cv::resize` semantics).

MindSpore resizes a numpy image with OpenCV and a PIL image with pillow; the two differ on
downscaling. OpenCV's bilinear and bicubic interpolate 2 or 4 source pixels around each
output pixel's centre (no antialiasing), except that halving both sides bilinearly is done as
2x2 block means; AREA averages each output pixel's source footprint (exact coverage weights);
NEAREST takes source pixel floor(i * in / out). Pillow filters over a footprint scaled with
the reduction instead. Here each axis is resampled in turn from per-output tap lists (source
index, weight), written after OpenCV's documented rules, in float32 (float64 for float64 and
32/64-bit integer images).

Integer images are rounded back: halving bilinear/area rounds half up (OpenCV's 2x2 fast
path), everything else to the nearest even. OpenCV's uint8 bilinear uses 11-bit fixed-point
weights, so its results may differ from these by one grey level off the exact cases.
"""
from __future__ import annotations

import math

import numpy as np

_CUBIC_A = -0.75  # OpenCV's bicubic kernel parameter (pillow uses -0.5)


def _clamp(idx: np.ndarray, n: int) -> np.ndarray:
    return np.clip(idx, 0, n - 1)  # BORDER_REPLICATE


def _linear_taps(n_in: int, n_out: int, area_upscale: bool = False) -> tuple:
    scale = n_in / n_out
    dst = np.arange(n_out, dtype=np.float64)
    if area_upscale:  # INTER_AREA when enlarging: OpenCV's coverage-based fraction
        sx = np.floor(dst * scale)
        fx = (dst + 1) - (sx + 1) / scale
        fx = np.where(fx <= 0, 0.0, fx - np.floor(fx))
    else:
        pos = (dst + 0.5) * scale - 0.5
        sx = np.floor(pos)
        fx = pos - sx
        low, high = sx < 0, sx >= n_in - 1
        fx = np.where(low | high, 0.0, fx)
        sx = np.where(low, 0, np.where(high, n_in - 1, sx))
    sx = sx.astype(np.int64)
    idx = np.stack([sx, sx + 1], axis=1)
    return _clamp(idx, n_in), np.stack([1 - fx, fx], axis=1)


def _cubic_taps(n_in: int, n_out: int) -> tuple:
    pos = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
    sx = np.floor(pos)
    x = pos - sx
    a = _CUBIC_A
    w0 = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a
    w1 = ((a + 2) * x - (a + 3)) * x * x + 1
    w2 = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1
    weights = np.stack([w0, w1, w2, 1 - w0 - w1 - w2], axis=1)
    idx = sx.astype(np.int64)[:, None] + np.arange(-1, 3)[None, :]
    return _clamp(idx, n_in), weights


def _nearest_taps(n_in: int, n_out: int) -> tuple:
    sx = np.minimum(np.floor(np.arange(n_out) * (n_in / n_out)).astype(np.int64), n_in - 1)
    return sx[:, None], np.ones((n_out, 1))


def _area_taps(n_in: int, n_out: int) -> tuple:
    """Exact coverage weights of each output cell [i*s, (i+1)*s) over the source pixels."""
    scale = n_in / n_out
    width = int(math.ceil(scale)) + 1
    idx = np.zeros((n_out, width), np.int64)
    weights = np.zeros((n_out, width))
    for i in range(n_out):
        lo, hi = i * scale, min(i * scale + scale, n_in)
        first = int(math.floor(lo))
        for k, s in enumerate(range(first, int(math.ceil(hi)))):
            idx[i, k] = s
            weights[i, k] = min(hi, s + 1) - max(lo, s)
        weights[i] /= hi - lo
    return idx, weights


def _taps(mode: str, n_in: int, n_out: int, downscale_both: bool) -> tuple:
    if mode == "nearest":
        return _nearest_taps(n_in, n_out)
    if mode == "cubic":
        return _cubic_taps(n_in, n_out)
    if mode == "area":
        return _area_taps(n_in, n_out) if downscale_both else _linear_taps(n_in, n_out, area_upscale=True)
    return _linear_taps(n_in, n_out)


def _resample(img: np.ndarray, axis: int, idx: np.ndarray, weights: np.ndarray) -> np.ndarray:
    shape = (-1,) + (1,) * (img.ndim - 1 - axis)
    weights = weights.astype(img.dtype)
    out = np.take(img, idx[:, 0], axis=axis)
    out *= weights[:, 0].reshape(shape)
    for k in range(1, idx.shape[1]):
        term = np.take(img, idx[:, k], axis=axis)
        term *= weights[:, k].reshape(shape)
        out += term
    return out


def cv_resize(img: np.ndarray, out_h: int, out_w: int, mode: str) -> np.ndarray:
    """`img` (HW or HWC) resized to (out_h, out_w); mode: 'nearest' | 'linear' | 'cubic' | 'area'."""
    h, w = img.shape[:2]
    if (h, w) == (out_h, out_w):
        return img.copy()
    downscale_both = h >= out_h and w >= out_w
    halving = h == 2 * out_h and w == 2 * out_w
    if mode == "linear" and halving:
        mode = "area"  # OpenCV computes a 2x2 reduction as the block mean
    # float32 holds uint8/16 sums exactly enough (the result is rounded); float64 stays float64
    data = img.astype(np.float64 if img.dtype in (np.float64, np.int32, np.int64, np.uint32, np.uint64)
                      else np.float32)
    data = _resample(data, 0, *_taps(mode, h, out_h, downscale_both))
    data = _resample(data, 1, *_taps(mode, w, out_w, downscale_both))
    if img.dtype.kind in "iu":
        info = np.iinfo(img.dtype)
        rounded = np.floor(data + 0.5) if (mode == "area" and halving) else np.rint(data)
        return np.clip(rounded, info.min, info.max).astype(img.dtype)
    if img.dtype == np.bool_:
        return data >= 0.5
    return data.astype(img.dtype)


_CV_MODES = {0: "nearest", 2: "linear", 3: "cubic", 4: "area"}  # Inter values resized the OpenCV way


def resize_array(img: np.ndarray, out_h: int, out_w: int, inter, who: str) -> np.ndarray:
    """A numpy image resized as MindSpore's C++ op: NEAREST/BILINEAR/BICUBIC/AREA with OpenCV's
    rules, PILCUBIC and ANTIALIAS with pillow's bicubic and Lanczos filters (as MindSpore)."""
    from .utils import apply_pil, pil_filter
    mode = _CV_MODES.get(int(inter))
    if mode is not None:
        return cv_resize(img, out_h, out_w, mode)
    resample = pil_filter(inter)
    return apply_pil(img, lambda im, _: im.resize((out_w, out_h), resample), who)
