"""Object-detection primitives with MindSpore's CPU semantics: `IOU`, `NMSWithMask`,
`BoundingBoxEncode` / `BoundingBoxDecode`, `CheckValid`, `ROIAlign`, `RandomChoiceWithMask`.

Boxes are (x1, y1, x2, y2) rows. IOU, the box codecs and CheckValid use MindSpore's
pixel-inclusive convention (a box's width is x2 - x1 + 1); NMSWithMask measures overlap
without the +1, as MindSpore's kernels do. MindSpore defines the gradients of IOU and the
box codecs as zero and NMSWithMask/CheckValid/RandomChoiceWithMask as not differentiable,
so those primitives have no bprop. ROIAlign is differentiable in the features (its gradient
is a scatter of the same bilinear weights, whose own gradient is ROIAlign again).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..core.tensor import Tensor
from .primitive import PrimitiveOp
from .registry import Aval, Primitive, aval_of


def _checked(prim: Primitive, *args: Any, **params: Any) -> Any:
    """Apply `prim` after its shape/dtype rule accepted the inputs (eager mode would otherwise
    only consult the rule when the kernel fails, and these kernels accept malformed boxes)."""
    prim.infer(*[aval_of(a) for a in args], **params)
    return prim(*args, **params)


def _host(xp: Any, a: Any) -> np.ndarray:
    return a if xp is np else xp.asnumpy(a)


def _same_dtype(op: str, names: tuple, a: Tensor, b: Tensor) -> None:
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: {names[0]} and {names[1]} must have one dtype, got {a.dtype} and {b.dtype}")


def _check_boxes(op: str, name: str, b: Aval, cols: int = 4) -> None:
    if b.ndim != 2 or b.shape[1] != cols:
        raise ValueError(f"{op}: {name} must have shape (N, {cols}), got {list(b.shape)}")
    if b.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be float16, float32 or float64, got {b.dtype}")


def _tensor_arg(op: str, name: str, v: Any, floating: bool = False) -> Tensor:
    if not isinstance(v, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(v).__name__}")
    if floating and not v.dtype.is_floating_point:
        raise TypeError(f"{op}: {name} must be float16, float32 or float64, got {v.dtype}")
    return v


# ---- IOU -----------------------------------------------------------------------------------------
def _iou_impl(xp: Any, anchor: Any, gt: Any, mode: str) -> Any:
    a, g = anchor[None, :, :], gt[:, None, :]          # (1, N, 4), (M, 1, 4) -> (M, N)
    w = xp.maximum(0, xp.minimum(a[..., 2], g[..., 2]) - xp.maximum(a[..., 0], g[..., 0]) + 1)
    h = xp.maximum(0, xp.minimum(a[..., 3], g[..., 3]) - xp.maximum(a[..., 1], g[..., 1]) + 1)
    overlap = w * h
    area_a = (a[..., 2] - a[..., 0] + 1) * (a[..., 3] - a[..., 1] + 1)
    area_g = (g[..., 2] - g[..., 0] + 1) * (g[..., 3] - g[..., 1] + 1)
    eps = anchor.dtype.type(1e-10)
    denom = area_a + area_g - overlap + eps if mode == "iou" else area_g + eps
    return (overlap / denom).astype(anchor.dtype)


def _iou_infer(anchor: Aval, gt: Aval, mode: str) -> Aval:
    _check_boxes("IOU", "anchor_boxes", anchor)
    _check_boxes("IOU", "gt_boxes", gt)
    if anchor.dtype != gt.dtype:
        raise TypeError(f"IOU: anchor_boxes and gt_boxes must have one dtype, got {anchor.dtype} and {gt.dtype}")
    return Aval((gt.shape[0], anchor.shape[0]), anchor.dtype)


iou_p = Primitive("iou", _iou_impl, _iou_infer)


def _check_mode(mode: Any) -> str:
    if mode not in ("iou", "iof"):
        raise KeyError(f"IOU: mode must be 'iou' or 'iof', got {mode!r}")
    return mode


def iou(anchor_boxes: Tensor, gt_boxes: Tensor, mode: str = "iou") -> Tensor:
    """(M, N) overlap of every gt box (rows) with every anchor box (columns): intersection over
    union ('iou') or over the gt box's area ('iof')."""
    _tensor_arg("IOU", "anchor_boxes", anchor_boxes, floating=True)
    _tensor_arg("IOU", "gt_boxes", gt_boxes, floating=True)
    _same_dtype("IOU", ("anchor_boxes", "gt_boxes"), anchor_boxes, gt_boxes)
    return _checked(iou_p, anchor_boxes, gt_boxes, mode=_check_mode(mode))


class IOU(PrimitiveOp):
    """`ops.IOU(mode='iou')(anchor_boxes, gt_boxes)`."""

    def __init__(self, mode: str = "iou") -> None:
        super().__init__(mode=_check_mode(mode))

    def __call__(self, anchor_boxes: Tensor, gt_boxes: Tensor) -> Tensor:
        return iou(anchor_boxes, gt_boxes, self.mode)


# ---- NMSWithMask -------------------------------------------------------------------------------------
def _nms_impl(xp: Any, bboxes: Any, iou_threshold: float) -> tuple:
    b = _host(xp, bboxes)
    n = b.shape[0]
    order = np.argsort(-b[:, 4], kind="stable")   # highest score first
    out = b[order]
    x1, y1, x2, y2 = (out[:, k] for k in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.maximum(np.minimum(x2[:, None], x2[None, :]) - np.maximum(x1[:, None], x1[None, :]), 0)
        h = np.maximum(np.minimum(y2[:, None], y2[None, :]) - np.maximum(y1[:, None], y1[None, :]), 0)
        inter = w * h
        area = (x2 - x1) * (y2 - y1)
        overlap = inter / (area[:, None] + area[None, :] - inter)
    suppress = overlap > iou_threshold            # nan (empty union) never suppresses
    keep = np.ones(n, dtype=bool)
    for i in range(n - 1):                        # a kept box suppresses the lower-scored ones it overlaps
        if keep[i]:
            keep[i + 1:] &= ~suppress[i, i + 1:]
    return (xp.asarray(out), xp.asarray(np.arange(n, dtype=np.int32)), xp.asarray(keep))


def _nms_infer(bboxes: Aval, iou_threshold: float) -> tuple:
    _check_boxes("NMSWithMask", "bboxes", bboxes, cols=5)
    n = bboxes.shape[0]
    return (Aval((n, 5), bboxes.dtype), Aval((n,), np.dtype(np.int32)), Aval((n,), np.dtype(np.bool_)))


nms_with_mask_p = Primitive("nms_with_mask", _nms_impl, _nms_infer, multiple_results=True)


def nms_with_mask(bboxes: Tensor, iou_threshold: float = 0.5) -> tuple:
    """Non-maximum suppression over (N, 5) rows (x1, y1, x2, y2, score).

    Returns (selected_boxes, selected_idx, selected_mask): the boxes sorted by descending score,
    int32 indices 0..N-1 into selected_boxes, and a bool mask of the boxes kept (a box is dropped
    when its IoU with a kept, higher-scored box exceeds `iou_threshold`). The kept boxes are
    `selected_boxes[selected_idx[selected_mask]]`."""
    _tensor_arg("NMSWithMask", "bboxes", bboxes, floating=True)
    return _checked(nms_with_mask_p, bboxes, iou_threshold=float(iou_threshold))


class NMSWithMask(PrimitiveOp):
    """`ops.NMSWithMask(iou_threshold=0.5)(bboxes)`; see `nms_with_mask`."""

    def __init__(self, iou_threshold: float = 0.5) -> None:
        if not isinstance(iou_threshold, (int, float)) or isinstance(iou_threshold, bool):
            raise TypeError(f"NMSWithMask: iou_threshold must be a float, got {type(iou_threshold).__name__}")
        super().__init__(iou_threshold=float(iou_threshold))

    def __call__(self, bboxes: Tensor) -> tuple:
        return nms_with_mask(bboxes, self.iou_threshold)


# ---- BoundingBoxEncode / Decode ---------------------------------------------------------------------
def _centers(xp: Any, b: Any) -> tuple:
    return ((b[:, 0] + b[:, 2]) * 0.5, (b[:, 1] + b[:, 3]) * 0.5, b[:, 2] - b[:, 0] + 1, b[:, 3] - b[:, 1] + 1)


def _encode_impl(xp: Any, anchor: Any, gt: Any, means: tuple, stds: tuple) -> Any:
    px, py, pw, ph = _centers(xp, anchor)
    gx, gy, gw, gh = _centers(xp, gt)
    d = xp.stack([(gx - px) / pw, (gy - py) / ph, xp.log(gw / pw), xp.log(gh / ph)], axis=1)
    return ((d - xp.asarray(means, d.dtype)) / xp.asarray(stds, d.dtype)).astype(anchor.dtype)


def _decode_impl(xp: Any, anchor: Any, deltas: Any, means: tuple, stds: tuple, max_shape: tuple,
                 wh_ratio_clip: float) -> Any:
    d = deltas * xp.asarray(stds, deltas.dtype) + xp.asarray(means, deltas.dtype)
    max_ratio = abs(math.log(wh_ratio_clip))
    dw, dh = xp.clip(d[:, 2], -max_ratio, max_ratio), xp.clip(d[:, 3], -max_ratio, max_ratio)
    px, py, pw, ph = _centers(xp, anchor)
    gx, gy = px + pw * d[:, 0], py + ph * d[:, 1]
    gw, gh = pw * xp.exp(dw), ph * xp.exp(dh)
    h, w = max_shape
    x1 = xp.clip(gx - gw * 0.5 + 0.5, 0, w)
    y1 = xp.clip(gy - gh * 0.5 + 0.5, 0, h)
    x2 = xp.clip(gx + gw * 0.5 - 0.5, 0, w)
    y2 = xp.clip(gy + gh * 0.5 - 0.5, 0, h)
    return xp.stack([x1, y1, x2, y2], axis=1).astype(anchor.dtype)


def _pair_infer(op: str, names: tuple) -> Any:
    def infer(a: Aval, b: Aval, **params: Any) -> Aval:
        _check_boxes(op, names[0], a)
        _check_boxes(op, names[1], b)
        if a.shape != b.shape or a.dtype != b.dtype:
            raise ValueError(f"{op}: {names[0]} and {names[1]} must have one shape and dtype, got "
                             f"{a.dtype}{list(a.shape)} and {b.dtype}{list(b.shape)}")
        return a
    return infer


bounding_box_encode_p = Primitive("bounding_box_encode", _encode_impl,
                                  _pair_infer("BoundingBoxEncode", ("anchor_box", "groundtruth_box")))
bounding_box_decode_p = Primitive("bounding_box_decode", _decode_impl,
                                  _pair_infer("BoundingBoxDecode", ("anchor_box", "deltas")))


def _four(op: str, name: str, v: Any) -> tuple:
    t = (v,) * 4 if isinstance(v, (int, float)) and not isinstance(v, bool) else tuple(v)
    if len(t) != 4 or not all(isinstance(i, (int, float)) and not isinstance(i, bool) for i in t):
        raise TypeError(f"{op}: {name} must be a float or a tuple of 4 floats, got {v!r}")
    return tuple(float(i) for i in t)


def bounding_box_encode(anchor_box: Tensor, groundtruth_box: Tensor, means: Any = (0.0, 0.0, 0.0, 0.0),
                        stds: Any = (1.0, 1.0, 1.0, 1.0)) -> Tensor:
    """Regression deltas (dx, dy, dw, dh) of `groundtruth_box` from `anchor_box`, normalised by means/stds."""
    op = "BoundingBoxEncode"
    stds = _four(op, "stds", stds)
    if 0.0 in stds:
        raise ValueError(f"{op}: stds must not contain 0, got {stds}")
    _same_dtype(op, ("anchor_box", "groundtruth_box"), anchor_box, groundtruth_box)
    return _checked(bounding_box_encode_p, _tensor_arg(op, "anchor_box", anchor_box, floating=True),
                                 _tensor_arg(op, "groundtruth_box", groundtruth_box, floating=True),
                                 means=_four(op, "means", means), stds=stds)


def bounding_box_decode(anchor_box: Tensor, deltas: Tensor, max_shape: Sequence[int],
                        means: Any = (0.0, 0.0, 0.0, 0.0), stds: Any = (1.0, 1.0, 1.0, 1.0),
                        wh_ratio_clip: float = 0.016) -> Tensor:
    """Boxes from anchors and deltas (inverse of `bounding_box_encode`), with dw/dh clipped to
    |log(wh_ratio_clip)| and x to [0, max_shape[1]], y to [0, max_shape[0]]."""
    op = "BoundingBoxDecode"
    if not isinstance(max_shape, (tuple, list)) or len(max_shape) != 2:
        raise TypeError(f"{op}: max_shape must be a tuple (height, width), got {max_shape!r}")
    if not isinstance(wh_ratio_clip, (int, float)) or isinstance(wh_ratio_clip, bool) or wh_ratio_clip <= 0:
        raise ValueError(f"{op}: wh_ratio_clip must be a positive float, got {wh_ratio_clip!r}")
    _same_dtype(op, ("anchor_box", "deltas"), anchor_box, deltas)
    return _checked(bounding_box_decode_p, _tensor_arg(op, "anchor_box", anchor_box, floating=True),
                                 _tensor_arg(op, "deltas", deltas, floating=True),
                                 means=_four(op, "means", means), stds=_four(op, "stds", stds),
                                 max_shape=(int(max_shape[0]), int(max_shape[1])), wh_ratio_clip=float(wh_ratio_clip))


class BoundingBoxEncode(PrimitiveOp):
    """`ops.BoundingBoxEncode(means=(0., 0., 0., 0.), stds=(1., 1., 1., 1.))(anchor_box, groundtruth_box)`."""

    def __init__(self, means: Any = (0.0, 0.0, 0.0, 0.0), stds: Any = (1.0, 1.0, 1.0, 1.0)) -> None:
        super().__init__(means=_four("BoundingBoxEncode", "means", means),
                         stds=_four("BoundingBoxEncode", "stds", stds))

    def __call__(self, anchor_box: Tensor, groundtruth_box: Tensor) -> Tensor:
        return bounding_box_encode(anchor_box, groundtruth_box, self.means, self.stds)


class BoundingBoxDecode(PrimitiveOp):
    """`ops.BoundingBoxDecode(max_shape, means=(0., 0., 0., 0.), stds=(1., 1., 1., 1.), wh_ratio_clip=0.016)`."""

    def __init__(self, max_shape: Sequence[int], means: Any = (0.0, 0.0, 0.0, 0.0),
                 stds: Any = (1.0, 1.0, 1.0, 1.0), wh_ratio_clip: float = 0.016) -> None:
        super().__init__(max_shape=tuple(max_shape), means=_four("BoundingBoxDecode", "means", means),
                         stds=_four("BoundingBoxDecode", "stds", stds), wh_ratio_clip=wh_ratio_clip)

    def __call__(self, anchor_box: Tensor, deltas: Tensor) -> Tensor:
        return bounding_box_decode(anchor_box, deltas, self.max_shape, self.means, self.stds, self.wh_ratio_clip)


# ---- CheckValid ---------------------------------------------------------------------------------------
def _check_valid_impl(xp: Any, boxes: Any, metas: Any) -> Any:
    h, w, ratio = metas[0], metas[1], metas[2]
    return ((boxes[:, 0] >= 0) & (boxes[:, 1] >= 0) & (boxes[:, 2] <= w * ratio - 1)
            & (boxes[:, 3] <= h * ratio - 1))


def _check_valid_infer(boxes: Aval, metas: Aval) -> Aval:
    if boxes.ndim != 2 or boxes.shape[1] != 4 or metas.shape != (3,):
        raise ValueError(f"CheckValid: expects bboxes (N, 4) and img_metas (3,), got {list(boxes.shape)} and "
                         f"{list(metas.shape)}")
    return Aval((boxes.shape[0],), np.dtype(np.bool_))


check_valid_p = Primitive("check_valid", _check_valid_impl, _check_valid_infer)


def check_valid(bboxes: Tensor, img_metas: Tensor) -> Tensor:
    """Bool (N,): the box lies inside the image img_metas = (height, width, ratio), i.e.
    x1 >= 0, y1 >= 0, x2 <= width * ratio - 1, y2 <= height * ratio - 1."""
    return _checked(check_valid_p, _tensor_arg("CheckValid", "bboxes", bboxes),
                    _tensor_arg("CheckValid", "img_metas", img_metas))


class CheckValid(PrimitiveOp):
    """`ops.CheckValid()(bboxes, img_metas)`."""

    def __call__(self, bboxes: Tensor, img_metas: Tensor) -> Tensor:
        return check_valid(bboxes, img_metas)


# ---- ROIAlign --------------------------------------------------------------------------------------------
def _roi_tables(rois: np.ndarray, shape: tuple, pooled: tuple, scale: float, sample_num: int,
                end_mode: int) -> tuple:
    """Per output bin, the flat (n*H*W) source positions and bilinear weights of its samples,
    averaged over the sampling grid: (index (R, P, K) int64, weight (R, P, K) float64)."""
    n_img, _, height, width = shape
    ph, pw = pooled
    idx_rows, w_rows = [], []
    for roi in rois:
        b = int(np.rint(roi[0] + 0.00007)) if rois.shape[1] == 5 else 0
        box = roi[1:] if rois.shape[1] == 5 else roi
        x0, y0 = box[0] * scale, box[1] * scale
        rw, rh = (box[2] + end_mode) * scale - x0, (box[3] + end_mode) * scale - y0
        if end_mode == 0:
            rw, rh = max(rw, 1.0), max(rh, 1.0)
        bh, bw = rh / ph, rw / pw
        gh = sample_num if sample_num > 0 else int(math.floor(rh / ph))
        gw = sample_num if sample_num > 0 else int(math.floor(rw / pw))
        skip = abs(box[0]) < 0.001 and abs(box[2]) < 0.001  # MindSpore leaves such ROIs at zero
        if skip or gh <= 0 or gw <= 0 or not 0 <= b < n_img:
            idx_rows.append(np.zeros((ph * pw, 0), np.int64))
            w_rows.append(np.zeros((ph * pw, 0)))
            continue
        ys = y0 + (np.arange(ph)[:, None] * bh + (np.arange(gh)[None, :] + 0.5) * bh / gh).reshape(-1)  # (ph*gh,)
        xs = x0 + (np.arange(pw)[:, None] * bw + (np.arange(gw)[None, :] + 0.5) * bw / gw).reshape(-1)
        yl, yh, ly, oky = _bilinear_1d(ys, height)
        xl, xh, lx, okx = _bilinear_1d(xs, width)
        # (ph, gh, pw, gw) samples x 4 corners
        ok = oky.reshape(ph, gh, 1, 1) & okx.reshape(1, 1, pw, gw)
        wy = [(1 - ly).reshape(ph, gh, 1, 1), ly.reshape(ph, gh, 1, 1)]
        wx = [(1 - lx).reshape(1, 1, pw, gw), lx.reshape(1, 1, pw, gw)]
        iy = [yl.reshape(ph, gh, 1, 1), yh.reshape(ph, gh, 1, 1)]
        ix = [xl.reshape(1, 1, pw, gw), xh.reshape(1, 1, pw, gw)]
        idx = [np.broadcast_to(b * height * width + iy[a] * width + ix[c], (ph, gh, pw, gw)) for a in (0, 1) for c in (0, 1)]
        wts = [np.where(ok, wy[a] * wx[c], 0.0) / (gh * gw) for a in (0, 1) for c in (0, 1)]
        # -> (ph, pw, 4 * gh * gw)
        idx_rows.append(np.stack(idx, -1).transpose(0, 2, 1, 3, 4).reshape(ph * pw, -1))
        w_rows.append(np.stack(wts, -1).transpose(0, 2, 1, 3, 4).reshape(ph * pw, -1))
    k = max((a.shape[1] for a in idx_rows), default=0)
    index = np.zeros((len(rois), ph * pw, k), np.int64)
    weight = np.zeros((len(rois), ph * pw, k))
    for r, (a, w) in enumerate(zip(idx_rows, w_rows)):
        index[r, :, :a.shape[1]] = a
        weight[r, :, :w.shape[1]] = w
    return index, weight


def _bilinear_1d(v: np.ndarray, size: int) -> tuple:
    """MindSpore ROIAlign's 1-d bilinear rule: (low, high, fraction, in-range) per sample."""
    ok = (v >= -1.0) & (v <= size)
    v = np.maximum(v, 0.0)
    low = np.where(v <= 0.00007, 0, np.floor(v)).astype(np.int64)
    at_end = low >= size - 1
    low = np.where(at_end, size - 1, low)
    high = np.where(at_end, size - 1, low + 1)
    v = np.where(at_end, low.astype(np.float64), v)
    return low, high, v - low, ok


def _roi_params_check(features: Aval, rois: Aval, pooled_height: int, pooled_width: int, **_: Any) -> None:
    if features.ndim != 4:
        raise ValueError(f"ROIAlign: features must be 4-D (N, C, H, W), got {list(features.shape)}")
    if rois.ndim != 2 or rois.shape[1] not in (4, 5):
        raise ValueError(f"ROIAlign: rois must have shape (R, 5) [batch, x1, y1, x2, y2], got {list(rois.shape)}")


def _roi_align_impl(xp: Any, features: Any, rois: Any, pooled_height: int, pooled_width: int, spatial_scale: float,
                    sample_num: int, roi_end_mode: int) -> Any:
    n, c, h, w = features.shape
    index, weight = _roi_tables(_host(xp, rois).astype(np.float64), features.shape, (pooled_height, pooled_width),
                                spatial_scale, sample_num, roi_end_mode)
    flat = xp.moveaxis(features, 1, -1).reshape(n * h * w, c)          # (N*H*W, C)
    vals = flat[xp.asarray(index)]                                       # (R, P, K, C)
    out = xp.einsum("rpkc,rpk->rcp", vals, xp.asarray(weight.astype(features.dtype)))
    return out.reshape(len(index), c, pooled_height, pooled_width)


def _roi_align_infer(features: Aval, rois: Aval, pooled_height: int, pooled_width: int, **params: Any) -> Aval:
    _roi_params_check(features, rois, pooled_height, pooled_width)
    return Aval((rois.shape[0], features.shape[1], pooled_height, pooled_width), features.dtype)


roi_align_p = Primitive("roi_align", _roi_align_impl, _roi_align_infer)


def _roi_align_grad_impl(xp: Any, dout: Any, rois: Any, shape: tuple, pooled_height: int, pooled_width: int,
                         spatial_scale: float, sample_num: int, roi_end_mode: int) -> Any:
    from .array import segment_sum
    n, c, h, w = shape
    index, weight = _roi_tables(_host(xp, rois).astype(np.float64), shape, (pooled_height, pooled_width),
                                spatial_scale, sample_num, roi_end_mode)
    r, p, k = index.shape
    g = dout.reshape(r, c, p)
    contrib = xp.einsum("rcp,rpk->rpkc", g, xp.asarray(weight.astype(dout.dtype))).reshape(r * p * k, c)
    flat = segment_sum(xp, contrib, xp.asarray(index.reshape(-1)), n * h * w)   # (N*H*W, C)
    return xp.ascontiguousarray(xp.moveaxis(flat.reshape(n, h, w, c), -1, 1))


roi_align_grad_p = Primitive("roi_align_grad", _roi_align_grad_impl,
                             lambda dout, rois, shape, **p: Aval(tuple(shape), dout.dtype))


@roi_align_p.def_bprop
def _roi_align_bprop(features, rois, *, out, dout, **params):
    return roi_align_grad_p(dout, rois, shape=features.shape, **params), None


@roi_align_grad_p.def_bprop
def _roi_align_grad_bprop(g, rois, *, out, dout, shape, **params):
    return roi_align_p(dout, rois, **params), None


def roi_align(features: Tensor, rois: Tensor, pooled_height: int, pooled_width: int, spatial_scale: float,
              sample_num: int = 2, roi_end_mode: int = 1) -> Tensor:
    """ROIAlign over NCHW `features` for rois (R, 5) [batch_index, x1, y1, x2, y2] -> (R, C, ph, pw)."""
    op = "ROIAlign"
    for name, v in (("pooled_height", pooled_height), ("pooled_width", pooled_width), ("sample_num", sample_num)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
            raise TypeError(f"{op}: {name} must be an int, got {type(v).__name__}")
    if pooled_height <= 0 or pooled_width <= 0 or sample_num < 0:
        raise ValueError(f"{op}: pooled sizes must be positive and sample_num >= 0, got "
                         f"({pooled_height}, {pooled_width}), {sample_num}")
    if roi_end_mode not in (0, 1):
        raise ValueError(f"{op}: roi_end_mode must be 0 or 1, got {roi_end_mode!r}")
    return _checked(roi_align_p, _tensor_arg(op, "features", features, floating=True),
                       _tensor_arg(op, "rois", rois, floating=True),
                       pooled_height=int(pooled_height), pooled_width=int(pooled_width),
                       spatial_scale=float(spatial_scale), sample_num=int(sample_num), roi_end_mode=int(roi_end_mode))


class ROIAlign(PrimitiveOp):
    """`ops.ROIAlign(pooled_height, pooled_width, spatial_scale, sample_num=2, roi_end_mode=1)(features, rois)`."""

    def __init__(self, pooled_height: int, pooled_width: int, spatial_scale: float, sample_num: int = 2,
                 roi_end_mode: int = 1) -> None:
        super().__init__(pooled_height=pooled_height, pooled_width=pooled_width, spatial_scale=spatial_scale,
                         sample_num=sample_num, roi_end_mode=roi_end_mode)

    def __call__(self, features: Tensor, rois: Tensor) -> Tensor:
        return roi_align(features, rois, self.pooled_height, self.pooled_width, self.spatial_scale, self.sample_num,
                         self.roi_end_mode)


# ---- RandomChoiceWithMask ------------------------------------------------------------------------------
def _choice_impl(xp: Any, key: Any, x: Any, count: int) -> tuple:
    from ..core import rng
    true_pos = np.argwhere(_host(xp, x))                     # (T, rank), row-major order
    g = rng.generator(key)
    picked = true_pos[g.permutation(len(true_pos))[:count]]
    index = np.zeros((count, x.ndim), np.int32)
    mask = np.zeros(count, bool)
    index[:len(picked)] = picked
    mask[:len(picked)] = True
    return xp.asarray(index), xp.asarray(mask)


def _choice_infer(key: Aval, x: Aval, count: int) -> tuple:
    if x.dtype.kind != "b" or not 1 <= x.ndim <= 5:
        raise TypeError(f"RandomChoiceWithMask: input_x must be a bool tensor of rank 1 to 5, got "
                        f"{x.dtype}{list(x.shape)}")
    return Aval((count, x.ndim), np.dtype(np.int32)), Aval((count,), np.dtype(np.bool_))


random_choice_with_mask_p = Primitive("random_choice_with_mask", _choice_impl, _choice_infer,
                                      multiple_results=True, is_pure=False)


def random_choice_with_mask(input_x: Tensor, count: int = 256, seed: int = 0, seed2: int = 0) -> tuple:
    """(index (count, rank) int32, mask (count,) bool): `count` positions of True entries drawn at
    random without replacement; when there are fewer, the rest are zero rows with mask False."""
    from .random import _key
    op = "RandomChoiceWithMask"
    if not isinstance(count, (int, np.integer)) or isinstance(count, bool) or count <= 0:
        raise ValueError(f"{op}: count must be a positive int, got {count!r}")
    _tensor_arg(op, "input_x", input_x)
    key = _key(seed or seed2 or None)
    return _checked(random_choice_with_mask_p, key, input_x, count=int(count))


class RandomChoiceWithMask(PrimitiveOp):
    """`ops.RandomChoiceWithMask(count=256, seed=0, seed2=0)(input_x)`."""

    def __init__(self, count: int = 256, seed: int = 0, seed2: int = 0) -> None:
        super().__init__(count=count, seed=seed, seed2=seed2)

    def __call__(self, input_x: Tensor) -> tuple:
        return random_choice_with_mask(input_x, self.count, self.seed, self.seed2)

