"""Op-table entries for the ops the model zoo reaches for (image resampling, detection, overflow
status, 3-d convolution and pooling, recurrent cells, scatter updates, ...). Imported at the
end of tests/op_db.py, so they run through the same forward / gradient / graph-parity / rule
tests. References are written independently of the implementations: per-element loops over
MindSpore's documented (CPU kernel) formulas.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import mindlite as ms
from mindlite import ops
from mindlite.ops import image as image_ops

from op_db import NOT_DIFFERENTIABLE, REQUIRED, _a, away, rnd, spec

ZOO_REQUIRED: list = []
ZOO_NOT_DIFFERENTIABLE: list = []


def zspec(name: str, *args: Any, **kw: Any) -> Any:
    ZOO_REQUIRED.append(name)
    if kw.get("grad", True) is False:
        ZOO_NOT_DIFFERENTIABLE.append(name)
    return spec(name, *args, **kw)


# ---- image resampling ------------------------------------------------------------------------------
def _np_resize_nearest(x: np.ndarray, size: tuple, align_corners: bool, half_pixel: bool) -> np.ndarray:
    n, c, h, w = x.shape
    oh, ow = size
    out = np.zeros((n, c, oh, ow), x.dtype)

    def src(i: int, n_in: int, n_out: int) -> int:
        scale = (n_in - 1) / (n_out - 1) if align_corners and n_out > 1 else n_in / n_out
        v = (i + 0.5) * scale if half_pixel else i * scale
        j = math.floor(v + 0.5) if align_corners else math.floor(v)
        return min(max(j, 0), n_in - 1)
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = x[:, :, src(i, h, oh), src(j, w, ow)]
    return out


def _resize_samples(rng: np.random.Generator) -> list:
    return [(rnd(rng, (1, 2, 3, 4)), (5, 7), False, False), (rnd(rng, (2, 1, 6, 5)), (3, 2), False, False),
            (rnd(rng, (1, 1, 4, 4)), (7, 3), True, False), (rnd(rng, (1, 2, 5, 3)), (2, 6), False, True)]


zspec("resize_nearest_neighbor", lambda x, s, a, h: ops.ResizeNearestNeighbor(s, a, h)(x), _np_resize_nearest,
      _resize_samples)


def _np_lerp_axis(x: np.ndarray, src: np.ndarray, axis: int) -> np.ndarray:
    """Linear interpolation along `axis` at positions `src`, clamped to the edges (loop form)."""
    x = np.moveaxis(x, axis, -1)
    n = x.shape[-1]
    out = np.zeros(x.shape[:-1] + (len(src),))
    for k, v in enumerate(src):
        v = min(max(v, 0.0), n - 1)
        lo = int(math.floor(v))
        hi = min(lo + 1, n - 1)
        out[..., k] = x[..., lo] * (1 - (v - lo)) + x[..., hi] * (v - lo)
    return np.moveaxis(out, -1, axis)


def _np_resize_bilinear(x: np.ndarray, size: tuple, align_corners: bool, half_pixel: bool) -> np.ndarray:
    def src(n_in: int, n_out: int) -> np.ndarray:
        scale = (n_in - 1) / (n_out - 1) if align_corners and n_out > 1 else n_in / n_out
        i = np.arange(n_out, dtype=np.float64)
        return (i + 0.5) * scale - 0.5 if half_pixel else i * scale
    y = _np_lerp_axis(x, src(x.shape[2], size[0]), 2)
    return _np_lerp_axis(y, src(x.shape[3], size[1]), 3)


zspec("resize_bilinear", lambda x, s, a, h: ops.ResizeBilinear(s, a, h)(x), _np_resize_bilinear, _resize_samples)


def _np_cubic_axis(x: np.ndarray, src: np.ndarray, axis: int, a: float = -0.75) -> np.ndarray:
    def w(t: float) -> float:
        t = abs(t)
        if t <= 1:
            return ((a + 2) * t - (a + 3)) * t * t + 1
        if t < 2:
            return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
        return 0.0
    x = np.moveaxis(x, axis, -1)
    n = x.shape[-1]
    out = np.zeros(x.shape[:-1] + (len(src),))
    for k, v in enumerate(src):
        base = math.floor(v)
        for off in (-1, 0, 1, 2):
            out[..., k] += x[..., min(max(base + off, 0), n - 1)] * w(v - base - off)
    return np.moveaxis(out, -1, axis)


def _np_interpolate(x: np.ndarray, size: Any, scale: Any, mode: str, align_corners: Any) -> np.ndarray:
    nsp = x.ndim - 2
    if size is not None:
        sizes = (size,) * nsp if isinstance(size, int) else tuple(size)
        scales = (None,) * nsp
    else:
        scales = (scale,) * nsp if isinstance(scale, (int, float)) else tuple(scale)
        sizes = tuple(int(math.floor(d * s)) for d, s in zip(x.shape[2:], scales))
    y = x
    for k in range(nsp):
        n_in, n_out, sc = x.shape[2 + k], sizes[k], scales[k]
        step = n_in / n_out if sc is None else 1.0 / sc
        i = np.arange(n_out, dtype=np.float64)
        if mode in ("nearest", "nearest-exact"):
            idx = np.minimum(np.floor((i + (0.5 if mode == "nearest-exact" else 0.0)) * step), n_in - 1).astype(int)
            y = np.take(y, idx, axis=2 + k)
        elif mode == "area":
            ym = np.moveaxis(y, 2 + k, -1)
            out = np.zeros(ym.shape[:-1] + (n_out,))
            for j in range(n_out):
                s0, s1 = (j * n_in) // n_out, -(-((j + 1) * n_in) // n_out)
                out[..., j] = ym[..., s0:s1].mean(-1)
            y = np.moveaxis(out, -1, 2 + k)
        else:
            if align_corners:
                src = i * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
            else:
                src = (i + 0.5) * step - 0.5
            y = _np_cubic_axis(y, src, 2 + k) if mode == "bicubic" else _np_lerp_axis(y, src, 2 + k)
    return y


def _interp_samples(rng: np.random.Generator) -> list:
    return [(rnd(rng, (1, 2, 5)), 8, None, "linear", False), (rnd(rng, (1, 2, 7)), 3, None, "linear", True),
            (rnd(rng, (1, 1, 4, 5)), (6, 3), None, "bilinear", False),
            (rnd(rng, (1, 2, 4, 4)), None, 1.5, "bilinear", True),
            (rnd(rng, (1, 1, 5, 4)), (7, 6), None, "bicubic", False),
            (rnd(rng, (1, 1, 4, 5)), (3, 8), None, "bicubic", True),
            (rnd(rng, (1, 1, 3, 4, 2)), (4, 2, 3), None, "trilinear", False),
            (rnd(rng, (2, 1, 6, 7)), (4, 3), None, "area", None), (rnd(rng, (1, 2, 3, 5)), (7, 2), None, "nearest", None),
            (rnd(rng, (1, 1, 4, 6)), None, (2.0, 0.5), "nearest", None),
            (rnd(rng, (1, 1, 5, 3)), (3, 7), None, "nearest-exact", None)]


zspec("interpolate", lambda x, s, sf, m, ac: ops.interpolate(x, s, sf, m, ac), _np_interpolate, _interp_samples)


def _np_depth_to_space(x: np.ndarray, b: int) -> np.ndarray:
    n, cb, h, w = x.shape
    c = cb // (b * b)
    out = np.zeros((n, c, h * b, w * b), x.dtype)
    for i in range(b):
        for j in range(b):
            for k in range(c):
                out[:, k, i::b, j::b] = x[:, (i * b + j) * c + k]
    return out


def _np_space_to_depth(x: np.ndarray, b: int) -> np.ndarray:
    n, c, hb, wb = x.shape
    out = np.zeros((n, c * b * b, hb // b, wb // b), x.dtype)
    for i in range(b):
        for j in range(b):
            for k in range(c):
                out[:, (i * b + j) * c + k] = x[:, k, i::b, j::b]
    return out


zspec("depth_to_space", lambda x, b: ops.DepthToSpace(b)(x), _np_depth_to_space,
      lambda rng: [(rnd(rng, (2, 8, 2, 3)), 2), (rnd(rng, (1, 9, 2, 2)), 3)])
zspec("space_to_depth", lambda x, b: ops.SpaceToDepth(b)(x), _np_space_to_depth,
      lambda rng: [(rnd(rng, (2, 2, 4, 6)), 2), (rnd(rng, (1, 1, 3, 6)), 3)])


def _np_crop_and_resize(img: np.ndarray, boxes: np.ndarray, idx: np.ndarray, crop: tuple, method: str,
                        extrap: float) -> np.ndarray:
    _, h, w, d = img.shape
    ch, cw = crop
    out = np.zeros((len(boxes), ch, cw, d))
    for b, (y1, x1, y2, x2) in enumerate(boxes):
        for i in range(ch):
            y = y1 * (h - 1) + i * (y2 - y1) * (h - 1) / (ch - 1) if ch > 1 else 0.5 * (y1 + y2) * (h - 1)
            for j in range(cw):
                x = x1 * (w - 1) + j * (x2 - x1) * (w - 1) / (cw - 1) if cw > 1 else 0.5 * (x1 + x2) * (w - 1)
                if not (0 <= y <= h - 1 and 0 <= x <= w - 1):
                    out[b, i, j] = extrap
                    continue
                im = img[idx[b]]
                if method == "nearest":
                    out[b, i, j] = im[int(math.floor(y + 0.5)), int(math.floor(x + 0.5))]
                    continue
                y0, x0 = int(math.floor(y)), int(math.floor(x))
                y1_, x1_ = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
                dy, dx = y - y0, x - x0
                top = im[y0, x0] * (1 - dx) + im[y0, x1_] * dx
                bottom = im[y1_, x0] * (1 - dx) + im[y1_, x1_] * dx
                out[b, i, j] = top + (bottom - top) * dy
    return out


def _crop_samples(rng: np.random.Generator) -> list:
    img = rnd(rng, (2, 5, 6, 3))
    boxes = _a([[0.12, 0.21, 0.83, 0.71], [0.91, 0.13, 0.17, 0.87], [-0.2, 0.1, 0.6, 1.3]])
    idx = np.array([0, 1, 1], np.int32)
    return [(img, boxes, idx, (3, 4), "bilinear", 0.0), (img, boxes[:2], idx[:2], (1, 5), "bilinear", -1.5)]


def _crop_nearest_samples(rng: np.random.Generator) -> list:
    img, boxes, idx = _crop_samples(rng)[0][:3]
    return [(img, boxes + 0.013, idx, (4, 3), "nearest", 0.5)]  # no sample exactly between two pixels


# the values before MindSpore's float32 result cast (tests/test_zoo_ops.py checks the cast), so gradients are
# checked in float64
zspec("crop_and_resize", image_ops.crop_and_resize_values, _np_crop_and_resize, _crop_samples)
# MindSpore gives 'nearest' no gradient (zeros)
zspec("crop_and_resize_nearest", image_ops.crop_and_resize_values, _np_crop_and_resize, _crop_nearest_samples,
      grad=False)


# ---- detection ------------------------------------------------------------------------------------
def _boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    xy = rng.uniform(0, 20, (n, 2))
    wh = rng.uniform(1, 12, (n, 2))
    return _a(np.concatenate([xy, xy + wh], 1))


def _np_iou(anchor: np.ndarray, gt: np.ndarray, mode: str) -> np.ndarray:
    out = np.zeros((len(gt), len(anchor)))
    for i, g in enumerate(gt):
        for j, a in enumerate(anchor):
            iw = max(0.0, min(a[2], g[2]) - max(a[0], g[0]) + 1)
            ih = max(0.0, min(a[3], g[3]) - max(a[1], g[1]) + 1)
            area_a = (a[2] - a[0] + 1) * (a[3] - a[1] + 1)
            area_g = (g[2] - g[0] + 1) * (g[3] - g[1] + 1)
            out[i, j] = iw * ih / ((area_a + area_g - iw * ih if mode == "iou" else area_g) + 1e-10)
    return out


zspec("iou", lambda a, g, m: ops.iou(a, g, m), _np_iou,
      lambda rng: [(_boxes(rng, 5), _boxes(rng, 3), "iou"), (_boxes(rng, 4), _boxes(rng, 4), "iof"),
                   (_boxes(rng, 1), _boxes(rng, 6), "iou")], grad=False)


def _np_nms(b: np.ndarray, thr: float) -> tuple:
    order = sorted(range(len(b)), key=lambda i: -b[i, 4])  # stable: ties keep input order
    out = b[order]
    keep = [True] * len(b)
    for i in range(len(b)):
        if not keep[i]:
            continue
        for j in range(i + 1, len(b)):
            w = max(min(out[i, 2], out[j, 2]) - max(out[i, 0], out[j, 0]), 0.0)
            h = max(min(out[i, 3], out[j, 3]) - max(out[i, 1], out[j, 1]), 0.0)
            area_i = (out[i, 2] - out[i, 0]) * (out[i, 3] - out[i, 1])
            area_j = (out[j, 2] - out[j, 0]) * (out[j, 3] - out[j, 1])
            if w * h / (area_i + area_j - w * h) > thr:
                keep[j] = False
    return out, np.arange(len(b), dtype=np.int32), np.array(keep)


def _nms_samples(rng: np.random.Generator) -> list:
    out = []
    for n, thr in ((8, 0.3), (6, 0.5), (1, 0.5)):
        b = _boxes(rng, n) / 2
        out.append((_a(np.concatenate([b, rng.uniform(0, 1, (n, 1))], 1)), thr))
    doc = _a([[100.0, 100.0, 50.0, 68.0, 0.63], [150.0, 75.0, 165.0, 115.0, 0.55],
              [12.0, 190.0, 288.0, 200.0, 0.9], [28.0, 130.0, 106.0, 172.0, 0.3]])
    return out + [(doc, 0.1)]


zspec("nms_with_mask", lambda b, t: ops.NMSWithMask(t)(b), _np_nms, _nms_samples, grad=False)


def _np_encode(a: np.ndarray, g: np.ndarray, means: tuple, stds: tuple) -> np.ndarray:
    out = np.zeros_like(a)
    for i in range(len(a)):
        pw, ph = a[i, 2] - a[i, 0] + 1, a[i, 3] - a[i, 1] + 1
        gw, gh = g[i, 2] - g[i, 0] + 1, g[i, 3] - g[i, 1] + 1
        px, py = (a[i, 0] + a[i, 2]) / 2, (a[i, 1] + a[i, 3]) / 2
        gx, gy = (g[i, 0] + g[i, 2]) / 2, (g[i, 1] + g[i, 3]) / 2
        d = [(gx - px) / pw, (gy - py) / ph, math.log(gw / pw), math.log(gh / ph)]
        out[i] = [(v - m) / s for v, m, s in zip(d, means, stds)]
    return out


def _np_decode(a: np.ndarray, d: np.ndarray, max_shape: tuple, means: tuple, stds: tuple, clip: float) -> np.ndarray:
    out = np.zeros_like(a)
    r = abs(math.log(clip))
    for i in range(len(a)):
        dx, dy, dw, dh = [v * s + m for v, m, s in zip(d[i], means, stds)]
        dw, dh = min(max(dw, -r), r), min(max(dh, -r), r)
        pw, ph = a[i, 2] - a[i, 0] + 1, a[i, 3] - a[i, 1] + 1
        px, py = (a[i, 0] + a[i, 2]) / 2, (a[i, 1] + a[i, 3]) / 2
        gx, gy, gw, gh = px + pw * dx, py + ph * dy, pw * math.exp(dw), ph * math.exp(dh)
        h, w = max_shape
        out[i] = [min(max(gx - gw / 2 + 0.5, 0), w), min(max(gy - gh / 2 + 0.5, 0), h),
                  min(max(gx + gw / 2 - 0.5, 0), w), min(max(gy + gh / 2 - 0.5, 0), h)]
    return out


zspec("bounding_box_encode", lambda a, g, m, s: ops.BoundingBoxEncode(m, s)(a, g), _np_encode,
      lambda rng: [(_boxes(rng, 5), _boxes(rng, 5), (0.0, 0.0, 0.0, 0.0), (1.0, 1.0, 1.0, 1.0)),
                   (_boxes(rng, 3), _boxes(rng, 3), (0.1, -0.2, 0.0, 0.05), (0.1, 0.1, 0.2, 0.2))], grad=False)
zspec("bounding_box_decode", lambda a, d, ms_, m, s, c: ops.BoundingBoxDecode(ms_, m, s, c)(a, d), _np_decode,
      lambda rng: [(_boxes(rng, 6), rnd(rng, (6, 4), -1, 1), (20, 25), (0.0, 0.0, 0.0, 0.0), (1.0, 1.0, 1.0, 1.0),
                    0.016),
                   (_boxes(rng, 4), rnd(rng, (4, 4), -6, 6), (768, 1280), (0.0, 0.0, 0.0, 0.0), (0.1, 0.1, 0.2, 0.2),
                    0.1)], grad=False)


def _np_check_valid(b: np.ndarray, meta: np.ndarray) -> np.ndarray:
    h, w, r = meta
    return np.array([x1 >= 0 and y1 >= 0 and x2 <= w * r - 1 and y2 <= h * r - 1 for x1, y1, x2, y2 in b])


zspec("check_valid", ops.check_valid, _np_check_valid,
      lambda rng: [(_a([[20, 20, 100, 100], [-1, 0, 10, 10], [0, 0, 299, 199], [0, 0, 300, 199.5]]),
                    _a([200.0, 300.0, 1.0])), (_boxes(rng, 6), _a([15.0, 18.0, 1.5]))], grad=False)


def _np_roi_align(x: np.ndarray, rois: np.ndarray, ph: int, pw: int, scale: float, sample: int,
                  end_mode: int) -> np.ndarray:
    """MindSpore's ROIAlign CPU kernel, one output element at a time."""
    _, c, h, w = x.shape
    out = np.zeros((len(rois), c, ph, pw))

    def bilinear(img: np.ndarray, y: float, xx: float) -> Any:
        if y < -1.0 or y > h or xx < -1.0 or xx > w:
            return 0.0
        y, xx = max(y, 0.0), max(xx, 0.0)
        yl = 0 if y <= 0.00007 else int(math.floor(y))
        xl = 0 if xx <= 0.00007 else int(math.floor(xx))
        if yl >= h - 1:
            yl = yh = h - 1
            y = float(yl)
        else:
            yh = yl + 1
        if xl >= w - 1:
            xl = xh = w - 1
            xx = float(xl)
        else:
            xh = xl + 1
        ly, lx = y - yl, xx - xl
        return ((1 - ly) * (1 - lx) * img[yl, xl] + (1 - ly) * lx * img[yl, xh] + ly * (1 - lx) * img[yh, xl]
                + ly * lx * img[yh, xh])
    for r, roi in enumerate(rois):
        b = int(np.rint(roi[0]))
        x0, y0 = roi[1] * scale, roi[2] * scale
        rw, rh = (roi[3] + end_mode) * scale - x0, (roi[4] + end_mode) * scale - y0
        if end_mode == 0:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / ph, rw / pw
        gh = sample if sample > 0 else int(math.floor(rh / ph))
        gw = sample if sample > 0 else int(math.floor(rw / pw))
        for ci in range(c):
            for i in range(ph):
                for j in range(pw):
                    acc = 0.0
                    for iy in range(gh):
                        y = y0 + i * bh + (iy + 0.5) * bh / gh
                        for ix in range(gw):
                            xx = x0 + j * bw + (ix + 0.5) * bw / gw
                            acc += bilinear(x[b, ci], y, xx)
                    out[r, ci, i, j] = acc / (gh * gw) if gh * gw else 0.0
    return out


def _roi_samples(rng: np.random.Generator) -> list:
    x = rnd(rng, (2, 2, 7, 8))
    rois = _a([[0, 0.7, 1.3, 5.2, 4.9], [1, 2.1, 0.4, 7.6, 6.3], [1, -1.2, 3.1, 3.3, 8.4], [0, 5.5, 5.5, 5.9, 6.0]])
    return [(x, rois, 2, 3, 1.0, 2, 1), (x, rois, 3, 2, 0.5, 0, 0),
            (x, rois[:2] * np.array([1, 2, 2, 2, 2]), 2, 2, 0.5, 1, 1)]


zspec("roi_align", lambda x, r, ph, pw, s, n, e: ops.ROIAlign(ph, pw, s, n, e)(x, r), _np_roi_align, _roi_samples,
      diff_args=[0], gradgrad=True)


def _random_choice_check(rng: np.random.Generator) -> None:
    mask = np.zeros((4, 5), bool)
    mask[[0, 1, 1, 3, 3, 3], [2, 0, 4, 1, 3, 4]] = True
    for count in (3, 6, 9):
        ms.set_seed(5)
        idx, m = ops.RandomChoiceWithMask(count)(ms.Tensor(mask))
        idx, m = idx.asnumpy(), m.asnumpy()
        assert idx.shape == (count, 2) and idx.dtype == np.int32 and m.shape == (count,) and m.dtype == bool
        chosen = [tuple(p) for p in idx[m]]
        assert len(chosen) == min(count, 6) and len(set(chosen)) == len(chosen)   # no repeats
        assert all(mask[p] for p in chosen)
        assert not idx[~m].any()                                                   # padding rows are zeros
        ms.set_seed(5)
        again = ops.RandomChoiceWithMask(count)(ms.Tensor(mask))[0].asnumpy()
        np.testing.assert_array_equal(again, idx)                                  # repeats under a seed
    orders = {tuple(map(tuple, ops.RandomChoiceWithMask(6)(ms.Tensor(mask))[0].asnumpy())) for _ in range(6)}
    assert len(orders) > 1, "the choice order never changes between calls"


zspec("random_choice_with_mask", lambda m: ops.RandomChoiceWithMask(4)(m), None,
      lambda rng: [(np.array([[True, False, True], [True, True, False]]),)], grad=False, check=_random_choice_check)


def _special(rng: np.random.Generator) -> list:
    x = rnd(rng, (3, 4))
    y = x.copy()
    y[1, 2] = np.inf
    z = x.copy()
    z[0, 0] = np.nan
    return [(x,), (y,), (z,), (_a(-np.inf),)]


zspec("float_status", ops.float_status, lambda x: np.array([0.0 if np.isfinite(x).all() else 1.0]), _special,
      grad=False, dtype_follows=False)



# ---- 3-d convolution and pooling -------------------------------------------------------------------
def _trip(v: Any) -> tuple:
    return (v,) * 3 if isinstance(v, int) else tuple(v)


def _pads_for(shape: tuple, k: tuple, s: tuple, d: tuple, mode: str, padding: Any) -> tuple:
    if mode == "pad":
        p = (padding,) * 6 if isinstance(padding, int) else tuple(padding)
        return p if len(p) == 6 else (p[0], p[0], p[1], p[1], p[2], p[2])
    if mode == "valid":
        return (0,) * 6
    out = []
    for n, ki, si, di in zip(shape, k, s, d):   # 'same': output ceil(n / s), extra padding at the end
        total = max((math.ceil(n / si) - 1) * si + di * (ki - 1) + 1 - n, 0)
        out += [total // 2, total - total // 2]
    return tuple(out)


def _np_conv3d(x: np.ndarray, w: np.ndarray, b: Any, stride: Any, mode: str, padding: Any, dilation: Any,
               groups: int) -> np.ndarray:
    s, d, k = _trip(stride), _trip(dilation), w.shape[2:]
    p = _pads_for(x.shape[2:], k, s, d, mode, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[1]), (p[2], p[3]), (p[4], p[5])))
    out_sp = [(xp.shape[2 + a] - d[a] * (k[a] - 1) - 1) // s[a] + 1 for a in range(3)]
    n, o, cg = x.shape[0], w.shape[0], w.shape[1]
    og = o // groups
    out = np.zeros((n, o) + tuple(out_sp))
    for a in range(k[0]):
        for bb in range(k[1]):
            for c in range(k[2]):
                win = xp[:, :, a * d[0]:a * d[0] + s[0] * (out_sp[0] - 1) + 1:s[0],
                         bb * d[1]:bb * d[1] + s[1] * (out_sp[1] - 1) + 1:s[1],
                         c * d[2]:c * d[2] + s[2] * (out_sp[2] - 1) + 1:s[2]]
                for g in range(groups):
                    out[:, g * og:(g + 1) * og] += np.einsum("ncxyz,oc->noxyz", win[:, g * cg:(g + 1) * cg],
                                                             w[g * og:(g + 1) * og, :, a, bb, c])
    return out if b is None else out + b.reshape(1, -1, 1, 1, 1)


def _conv3d_samples(rng: np.random.Generator) -> list:
    x = rnd(rng, (2, 4, 5, 6, 5))
    return [(x, rnd(rng, (3, 4, 2, 3, 2)), rnd(rng, (3,)), 1, "valid", 0, 1, 1),
            (x, rnd(rng, (4, 2, 3, 3, 3)), None, (2, 1, 2), "same", 0, 1, 2),
            (x, rnd(rng, (2, 4, 2, 2, 3)), None, 1, "pad", (1, 0, 2, 1, 0, 2), (2, 1, 1), 1),
            (x[:1], rnd(rng, (2, 4, 3, 1, 2)), rnd(rng, (2,)), (1, 2, 2), "pad", 1, 1, 1)]


zspec("conv3d", lambda x, w, b, s, m, p, d, g: ops.conv3d(x, w, b, s, m, p, d, g), _np_conv3d, _conv3d_samples)


def _np_conv3d_transpose(x: np.ndarray, w: np.ndarray, mode: str, padding: Any, stride: Any, dilation: Any,
                         groups: int, out_pad: Any) -> np.ndarray:
    """The scatter form: every input element adds w * x at (i*s + tap*d), then the padding is cut."""
    s, d, k, op_ = _trip(stride), _trip(dilation), w.shape[2:], _trip(out_pad)
    n, cin = x.shape[:2]
    cg_out = w.shape[1]
    cg_in = cin // groups
    given = _pads_for((0, 0, 0), k, s, d, "pad", padding) if mode == "pad" else (0,) * 6
    size = []
    for a in range(3):
        dk = d[a] * (k[a] - 1) + 1
        m = x.shape[2 + a]
        size.append(m * s[a] if mode == "same" else m * s[a] + max(dk - s[a], 0) if mode == "valid"
                    else (m - 1) * s[a] + dk - given[2 * a] - given[2 * a + 1] + op_[a])
    p = _pads_for(tuple(size), k, s, d, mode, padding)
    full = [max((x.shape[2 + a] - 1) * s[a] + d[a] * (k[a] - 1) + 1, p[2 * a] + size[a]) for a in range(3)]
    out = np.zeros((n, cg_out * groups) + tuple(full))
    for i in range(x.shape[2]):
        for j in range(x.shape[3]):
            for l in range(x.shape[4]):
                for a in range(k[0]):
                    for bb in range(k[1]):
                        for c in range(k[2]):
                            for g in range(groups):
                                v = np.einsum("nc,co->no", x[:, g * cg_in:(g + 1) * cg_in, i, j, l],
                                              w[g * cg_in:(g + 1) * cg_in, :, a, bb, c])
                                out[:, g * cg_out:(g + 1) * cg_out, i * s[0] + a * d[0], j * s[1] + bb * d[1],
                                    l * s[2] + c * d[2]] += v
    return out[:, :, p[0]:p[0] + size[0], p[2]:p[2] + size[1], p[4]:p[4] + size[2]]


def _deconv3d_samples(rng: np.random.Generator) -> list:
    x = rnd(rng, (2, 4, 3, 2, 3))
    return [(x, rnd(rng, (4, 2, 2, 3, 2)), "valid", 0, 1, 1, 1, 0),
            (x, rnd(rng, (4, 1, 3, 2, 2)), "same", 0, (2, 1, 2), 1, 2, 0),
            (x, rnd(rng, (4, 3, 2, 2, 3)), "pad", (1, 0, 0, 1, 1, 1), (2, 2, 1), (1, 2, 1), 1, (1, 1, 0)),
            (x[:1], rnd(rng, (4, 2, 1, 2, 2)), "valid", 0, (3, 1, 1), 1, 1, 0)]


zspec("conv3d_transpose", lambda x, w, m, p, s, d, g, o: ops.conv3d_transpose(x, w, m, p, s, d, g, o),
      _np_conv3d_transpose, _deconv3d_samples)


def _np_pool3d(x: np.ndarray, k: Any, s: Any, p: Any, kind: str, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor: int = 0) -> np.ndarray:
    k, s = _trip(k), _trip(s if s is not None else k)
    p = (p,) * 6 if isinstance(p, int) else tuple(p)
    sizes = []
    for a in range(3):
        n = x.shape[2 + a]
        span = n + p[2 * a] + p[2 * a + 1] - k[a]
        o = -(-span // s[a]) + 1 if ceil_mode else span // s[a] + 1
        if ceil_mode and (o - 1) * s[a] >= n + p[2 * a]:
            o -= 1
        sizes.append(o)
    out = np.zeros(x.shape[:2] + tuple(sizes))
    for idx in np.ndindex(*sizes):
        lo = [idx[a] * s[a] - p[2 * a] for a in range(3)]             # window start in input coordinates
        hi = [lo[a] + k[a] for a in range(3)]
        cl = [max(lo[a], 0) for a in range(3)]
        ch = [min(hi[a], x.shape[2 + a]) for a in range(3)]
        win = x[:, :, cl[0]:ch[0], cl[1]:ch[1], cl[2]:ch[2]]
        if kind == "max":
            out[(slice(None), slice(None)) + idx] = win.max((2, 3, 4))
            continue
        if divisor:
            cnt = divisor
        elif count_include_pad:   # padding counts, the part past the padding does not
            cnt = np.prod([min(hi[a], x.shape[2 + a] + p[2 * a + 1]) - lo[a] for a in range(3)])
        else:
            cnt = np.prod([ch[a] - cl[a] for a in range(3)])
        out[(slice(None), slice(None)) + idx] = win.sum((2, 3, 4)) / cnt
    return out


def _pool3d_samples(rng: np.random.Generator) -> list:
    x = rnd(rng, (2, 2, 5, 6, 7))
    return [(x, 2, None, 0, False), (x, (3, 2, 3), (2, 2, 1), (1, 1, 0, 1, 1, 1), False),
            (x, 3, 2, 1, True), (x[:1], (2, 3, 2), (1, 2, 3), 0, True)]


zspec("max_pool3d", lambda x, k, s, p, c: ops.max_pool3d(x, k, s, p, 1, c),
      lambda x, k, s, p, c: _np_pool3d(x, k, s, p, "max", c), _pool3d_samples)
zspec("avg_pool3d", lambda x, k, s, p, c, inc, div: ops.avg_pool3d(x, k, s, p, c, inc, div),
      lambda x, k, s, p, c, inc, div: _np_pool3d(x, k, s if s is not None else k, p, "avg", c, inc, div),
      lambda rng: [t + (True, 0) for t in _pool3d_samples(rng)[1:]] + [t + (False, 0) for t in
                                                                        _pool3d_samples(rng)[1:]]
      + [(rnd(rng, (1, 1, 4, 4, 4)), 2, 2, 1, False, True, 5)])


# ---- scatter forms that return a new tensor --------------------------------------------------------------
def _np_scatter_elements(x: np.ndarray, idx: np.ndarray, upd: np.ndarray, axis: int, reduction: str) -> np.ndarray:
    out = x.copy()
    for pos in np.ndindex(*idx.shape):
        target = list(pos)
        target[axis] = idx[pos] % x.shape[axis]
        if reduction == "add":
            out[tuple(target)] += upd[pos]
        else:
            out[tuple(target)] = upd[pos]
    return out


zspec("tensor_scatter_elements", lambda x, i, u, a, r: ops.tensor_scatter_elements(x, i, u, a, r),
      _np_scatter_elements,
      lambda rng: [(rnd(rng, (3, 4)), np.array([[1, 3], [0, 2], [3, 0]]), rnd(rng, (3, 2)), 1, "none"),
                   (rnd(rng, (3, 4)), np.array([[2, 0, 1, -1]]), rnd(rng, (1, 4)), 0, "none"),
                   (rnd(rng, (4, 3)), np.array([[1, 1, 0], [1, 3, 0]]), rnd(rng, (2, 3)), 0, "add")])


def _np_inplace_add(x: np.ndarray, v: np.ndarray, rows: Any) -> np.ndarray:
    out = x.copy()
    rows = (rows,) if isinstance(rows, int) else rows
    for k, r in enumerate(rows):
        out[r] += v.reshape((len(rows),) + x.shape[1:])[k]
    return out


zspec("inplace_add", lambda x, v, r: ops.InplaceAdd(r)(x, v), _np_inplace_add,
      lambda rng: [(rnd(rng, (4, 3)), rnd(rng, (2, 3)), (0, 2)), (rnd(rng, (3, 2)), rnd(rng, (1, 2)), 1)])


# ---- normalisation, tensor algebra, sequences --------------------------------------------------------------
zspec("l2_normalize", lambda x, a, e: ops.L2Normalize(a, e)(x),
      lambda x, a, e: x / np.sqrt(np.maximum((x * x).sum(a, keepdims=True), e)),
      lambda rng: [(rnd(rng, (3, 4)), 0, 1e-4), (rnd(rng, (2, 3, 4)), (1, 2), 1e-4), (rnd(rng, (5,)) * 1e-3, 0, 1e-4)])


def _np_lrn(x: np.ndarray, r: int, bias: float, alpha: float, beta: float) -> np.ndarray:
    out = np.zeros_like(x)
    c = x.shape[1]
    for k in range(c):
        lo, hi = max(0, k - r), min(c, k + r + 1)
        out[:, k] = x[:, k] / (bias + alpha * (x[:, lo:hi] ** 2).sum(1)) ** beta
    return out


zspec("lrn", lambda x, r, b, a, be: ops.LRN(r, b, a, be)(x), _np_lrn,
      lambda rng: [(rnd(rng, (2, 5, 3, 2)), 2, 1.0, 0.5, 0.75), (rnd(rng, (1, 3, 2, 2)), 5, 2.0, 1e-2, 0.5)])
zspec("lp_norm", lambda x, a, p, k: ops.LpNorm(a, p, k)(x),
      lambda x, a, p, k: np.maximum(np.sum(np.abs(x) ** p, axis=a, keepdims=k) ** (1.0 / p), 1e-12),
      lambda rng: [(away(rng, (3, 4)), 1, 2, False), (away(rng, (2, 3, 4)), (0, 2), 3, True),
                   (away(rng, (4, 2)), 0, 1, False)])
zspec("einsum", lambda eq, *xs: ops.einsum(eq, *xs), lambda eq, *xs: np.einsum(eq, *xs),
      lambda rng: [("ij,jk->ik", rnd(rng, (2, 3)), rnd(rng, (3, 4))), ("bij,bkj->bik", rnd(rng, (2, 3, 4)),
                                                                       rnd(rng, (2, 5, 4))),
                   ("ij->j", rnd(rng, (3, 4))), ("i,j->ij", rnd(rng, (3,)), rnd(rng, (2,))),
                   ("...ij,...j->...i", rnd(rng, (2, 3, 4)), rnd(rng, (2, 4))), ("ijk", rnd(rng, (2, 3, 2))),
                   ("ij,ij,j->i", rnd(rng, (3, 2)), rnd(rng, (3, 2)), rnd(rng, (2,)))], gradgrad=True)


def _well_conditioned(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rnd(rng, shape, -0.5, 0.5) + 2 * np.eye(shape[-1])


zspec("matrix_inverse", lambda x, adj: ops.MatrixInverse(adj)(x),
      lambda x, adj: np.linalg.inv(np.swapaxes(x, -1, -2) if adj else x),
      lambda rng: [(_well_conditioned(rng, (3, 3)), False), (_well_conditioned(rng, (2, 4, 4)), True)], gradgrad=True)
zspec("diag_part", ops.diag_part, lambda x: np.diagonal(x.reshape(int(np.prod(x.shape[:x.ndim // 2])), -1)).reshape(
          x.shape[:x.ndim // 2]),
      lambda rng: [(rnd(rng, (3, 3)),), (rnd(rng, (2, 3, 2, 3)),)])


def _np_batch_dot(x1: np.ndarray, x2: np.ndarray, axes: Any) -> np.ndarray:
    if axes is None:
        axes = (x1.ndim - 1, x2.ndim - 2 if x2.ndim > 2 else x2.ndim - 1)
    out = np.stack([np.tensordot(a, b, (axes[0] - 1, axes[1] - 1)) for a, b in zip(x1, x2)])
    return out.reshape(-1, 1) if out.ndim == 1 else out


zspec("batch_dot", lambda a, b, ax: ops.batch_dot(a, b, ax), _np_batch_dot,
      lambda rng: [(rnd(rng, (2, 3, 4)), rnd(rng, (2, 4, 5)), None), (rnd(rng, (3, 4)), rnd(rng, (3, 4)), None),
                   (rnd(rng, (2, 3, 4)), rnd(rng, (2, 3, 5)), (1, 1))])


def _np_cumprod(x: np.ndarray, axis: int, exclusive: bool, reverse: bool) -> np.ndarray:
    y = np.flip(x, axis) if reverse else x
    out = np.cumprod(y, axis)
    if exclusive:
        out = np.concatenate([np.ones_like(np.take(out, [0], axis)), np.delete(out, -1, axis)], axis)
    return np.flip(out, axis) if reverse else out


zspec("cumprod", lambda x, a, e, r: ops.CumProd(e, r)(x, a), _np_cumprod,
      lambda rng: [(rnd(rng, (3, 4)), 1, False, False), (rnd(rng, (3, 4)), 0, True, False),
                   (rnd(rng, (2, 3, 2)), -2, True, True), (_a([1.5, 0.0, -2.0, 3.0]), 0, False, True)])


def _np_reverse_sequence(x: np.ndarray, lengths: np.ndarray, seq_dim: int, batch_dim: int) -> np.ndarray:
    out = x.copy()
    for b, n in enumerate(lengths):
        src = [slice(None)] * x.ndim
        src[batch_dim] = b
        src[seq_dim] = slice(0, n)
        dst = list(src)
        dst[seq_dim] = slice(n - 1, None, -1) if n else slice(0, 0)
        out[tuple(src)] = x[tuple(dst)]
    return out


zspec("reverse_sequence", lambda x, l, s, b: ops.ReverseSequence(s, b)(x, l), _np_reverse_sequence,
      lambda rng: [(rnd(rng, (3, 5, 2)), np.array([5, 2, 0], np.int32), 1, 0),
                   (rnd(rng, (4, 3)), np.array([1, 4, 3]), 0, 1)])
zspec("sequence_mask", lambda l, m: ops.sequence_mask(l, m), lambda l, m: np.arange(m) < l[..., None],
      lambda rng: [(np.array([1, 3, 0]), 4), (np.array([[2, 5], [0, 1]]), 5)], grad=False)


# ---- pooling with argmax, CTC loss -----------------------------------------------------------------------------
def _np_max_pool_argmax(x: np.ndarray, k: int, s: int) -> tuple:
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    out, idx = np.zeros((n, c, oh, ow)), np.zeros((n, c, oh, ow), np.int32)
    for i in range(oh):
        for j in range(ow):
            win = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(n, c, -1)
            a = win.argmax(-1)
            out[:, :, i, j] = win.max(-1)
            idx[:, :, i, j] = (i * s + a // k) * w + (j * s + a % k)
    return out, idx


zspec("max_pool_with_argmax", lambda x, k, s: ops.MaxPoolWithArgmax(k, s)(x), _np_max_pool_argmax,
      lambda rng: [(rnd(rng, (2, 2, 6, 5)), 2, 2), (rnd(rng, (1, 1, 5, 5)), 3, 1)])


def _np_ctc(x: np.ndarray, idx: np.ndarray, vals: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """-log p by enumerating every alignment path (tiny sizes only)."""
    import itertools
    t_max, batch, n_cls = x.shape
    blank = n_cls - 1
    loss = np.zeros(batch)
    for b in range(batch):
        lab = [int(v) for (bb, _), v in zip(idx, vals) if bb == b]
        t = int(lengths[b])
        lp = x[:t, b] - np.log(np.exp(x[:t, b]).sum(-1, keepdims=True))
        total = 0.0
        for path in itertools.product(range(n_cls), repeat=t):
            out, prev = [], None
            for c in path:
                if c != prev and c != blank:
                    out.append(c)
                prev = c
            if out == lab:
                total += np.exp(sum(lp[i, c] for i, c in enumerate(path)))
        loss[b] = -np.log(total)
    return loss


zspec("ctc_loss", lambda x, i, v, l: ops.CTCLoss()(x, i, v, l)[0], _np_ctc,
      lambda rng: [(rnd(rng, (4, 2, 3)), np.array([[0, 0], [0, 1], [1, 0]], np.int64), np.array([1, 1, 0], np.int32),
                    np.array([4, 3], np.int32)),
                   (rnd(rng, (5, 1, 4)), np.array([[0, 0], [0, 1]], np.int64), np.array([2, 0], np.int32),
                    np.array([5], np.int32))])


# ---- sampling (property checks) --------------------------------------------------------------------------------
def _multinomial_check(rng: np.random.Generator) -> None:
    w = np.array([[0.0, 1.0, 3.0], [2.0, 2.0, 0.0]])
    ms.set_seed(3)
    draws = ops.multinomial(ms.Tensor(w), 4000).asnumpy()
    assert draws.shape == (2, 4000) and draws.dtype == np.int64
    for row, p in zip(draws, w / w.sum(1, keepdims=True)):
        np.testing.assert_allclose(np.bincount(row, minlength=3) / 4000, p, atol=0.03)
    ms.set_seed(3)
    np.testing.assert_array_equal(ops.multinomial(ms.Tensor(w), 4000).asnumpy(), draws)
    once = ops.multinomial(ms.Tensor(np.array([1.0, 1.0, 1.0, 0.0])), 3, replacement=False).asnumpy()
    assert sorted(once.tolist()) == [0, 1, 2]
    logits = ms.Tensor(np.log(np.array([[0.7, 0.2, 0.1]], np.float32)))
    cat = ops.RandomCategorical(ms.int32)(logits, 3000).asnumpy()
    assert cat.dtype == np.int32 and cat.shape == (1, 3000)
    np.testing.assert_allclose(np.bincount(cat[0], minlength=3) / 3000, [0.7, 0.2, 0.1], atol=0.03)


zspec("multinomial", lambda w: ops.multinomial(w, 2), None, lambda rng: [(_a([[1.0, 2.0], [3.0, 1.0]]),)],
      grad=False, check=_multinomial_check)


def _dropout_mask_check(rng: np.random.Generator) -> None:
    x = np.ones((7, 40), np.float32)
    ms.set_seed(9)
    mask = ops.DropoutGenMask()((7, 40), ms.Tensor(np.float32(0.75)))
    assert mask.dtype == ms.uint8 and mask.shape == (48,)        # 280 bits padded to 3 x 128
    keep = np.unpackbits(mask.asnumpy(), bitorder="little")[:280].reshape(7, 40)
    assert abs(keep.mean() - 0.75) < 0.08 and not np.unpackbits(mask.asnumpy(), bitorder="little")[280:].any()
    out = ops.DropoutDoMask()(ms.Tensor(x), mask, ms.Tensor(np.float32(0.75))).asnumpy()
    np.testing.assert_allclose(out, keep / 0.75, rtol=1e-6)


def _do_mask(x: Any) -> Any:
    ms.set_seed(2)
    mask = ops.DropoutGenMask()(x.shape, ms.Tensor(np.float32(0.6)))
    return ops.DropoutDoMask()(x, mask, ms.Tensor(np.float32(0.6)))


def _np_do_mask(x: np.ndarray) -> np.ndarray:
    ms.set_seed(2)
    mask = ops.DropoutGenMask()(x.shape, ms.Tensor(np.float32(0.6))).asnumpy()
    keep = np.unpackbits(mask, bitorder="little")[:x.size].reshape(x.shape)
    return x * keep / np.float32(0.6)


zspec("dropout_do_mask", _do_mask, _np_do_mask, lambda rng: [(rnd(rng, (3, 4)),), (rnd(rng, (5,)),)],
      check=_dropout_mask_check)


# every entry above is required, and the ones without gradients are listed as such
REQUIRED.extend(ZOO_REQUIRED)
NOT_DIFFERENTIABLE.extend(ZOO_NOT_DIFFERENTIABLE)
