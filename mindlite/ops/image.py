"""Image resampling: `ResizeNearestNeighbor`, `ResizeBilinear`, `ops.interpolate`,
`CropAndResize`, `DepthToSpace` / `SpaceToDepth`.

All are composites of existing primitives, so they are differentiable (to any order) and
capture in GRAPH_MODE without new rules:
  * nearest-neighbour resizing gathers rows then columns with constant index vectors;
  * every other mode is separable: one constant (out, in) interpolation matrix per spatial
    axis, applied with a matmul. The gradient is the transposed matrix, which is exactly the
    scatter of the resampling weights.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..core.tensor import Tensor
from .primitive import PrimitiveOp


# ---- index and weight tables (numpy, computed from static shapes) ------------------------------
def _nearest_index(n_in: int, n_out: int, align_corners: bool, half_pixel: bool) -> np.ndarray:
    """TF/MindSpore ResizeNearestNeighbor source index for each output position."""
    if align_corners and n_out > 1:
        scale = (n_in - 1) / (n_out - 1)
    else:
        scale = n_in / n_out
    pos = (np.arange(n_out) + (0.5 if half_pixel else 0.0)) * scale
    idx = np.floor(pos + 0.5) if align_corners else np.floor(pos)  # align_corners rounds
    return np.clip(idx, 0, n_in - 1).astype(np.int64)


def _linear_matrix(src: np.ndarray, n_in: int) -> np.ndarray:
    """(out, in) weights of linear interpolation at source positions `src` (clamped to the edges)."""
    src = np.clip(src, 0.0, n_in - 1)
    lo = np.floor(src).astype(np.int64)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    m = np.zeros((len(src), n_in))
    rows = np.arange(len(src))
    np.add.at(m, (rows, lo), 1.0 - frac)
    np.add.at(m, (rows, hi), frac)
    return m


def _cubic_matrix(src: np.ndarray, n_in: int, a: float = -0.75) -> np.ndarray:
    """(out, in) weights of Keys cubic convolution (a=-0.75, PyTorch/MindSpore bicubic),
    taps clamped to the border."""
    def w(t: np.ndarray) -> np.ndarray:
        t = np.abs(t)
        return np.where(t <= 1, ((a + 2) * t - (a + 3)) * t * t + 1,
                        np.where(t < 2, ((a * t - 5 * a) * t + 8 * a) * t - 4 * a, 0.0))
    base = np.floor(src).astype(np.int64)
    frac = src - base
    m = np.zeros((len(src), n_in))
    rows = np.arange(len(src))
    for k in (-1, 0, 1, 2):
        np.add.at(m, (rows, np.clip(base + k, 0, n_in - 1)), w(frac - k))
    return m


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(out, in) averaging weights of adaptive average pooling (mode='area')."""
    m = np.zeros((n_out, n_in))
    for i in range(n_out):
        start, end = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
        m[i, start:end] = 1.0 / (end - start)
    return m


def _source_positions(n_in: int, n_out: int, scale: float | None, align_corners: bool) -> np.ndarray:
    """PyTorch/MindSpore `interpolate` coordinate transform for the linear/cubic modes."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        return dst * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    s = n_in / n_out if scale is None else 1.0 / scale
    return (dst + 0.5) * s - 0.5


# ---- applying a table along one axis ----------------------------------------------------------------
def _gather_axis(x: Tensor, idx: np.ndarray, axis: int) -> Tensor:
    from . import functional as F
    if idx.shape[0] == x.shape[axis] and np.array_equal(idx, np.arange(idx.shape[0])):
        return x
    return F.gather(x, Tensor(idx), axis)


def _matrix_axis(x: Tensor, m: np.ndarray, axis: int) -> Tensor:
    from . import functional as F
    if m.shape[0] == m.shape[1] and np.array_equal(m, np.eye(m.shape[0])):
        return x
    mt = Tensor(m.astype(x.dtype.np))
    nd = x.ndim
    if axis == nd - 2:
        return F.matmul(mt, x)
    if axis == nd - 1:
        return F.matmul(x, F.transpose(mt, (1, 0)))
    perm = list(range(nd))
    perm[axis], perm[nd - 2] = perm[nd - 2], perm[axis]
    y = F.matmul(mt, F.transpose(x, perm))
    return F.transpose(y, perm)


def _check_float(op: str, x: Tensor) -> None:
    if not x.dtype.is_floating_point:
        raise TypeError(f"{op}: this mode needs a floating-point input, got {x.dtype}")


# ---- ResizeNearestNeighbor / ResizeBilinear ------------------------------------------------------------
def _size2(op: str, size: Any) -> tuple:
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{op}: size must be a tuple or list of 2 ints, got {type(size).__name__}")
    if len(size) != 2 or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0
                                 for s in size):
        raise ValueError(f"{op}: size must hold 2 positive ints, got {size!r}")
    return int(size[0]), int(size[1])


def _check_nchw(op: str, x: Any) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{op}: expects a 4-D (N, C, H, W) input, got shape {list(x.shape)}")


def _check_flags(op: str, align_corners: Any, half_pixel_centers: Any) -> None:
    for name, v in (("align_corners", align_corners), ("half_pixel_centers", half_pixel_centers)):
        if not isinstance(v, bool):
            raise TypeError(f"{op}: {name} must be a bool, got {type(v).__name__}")
    if align_corners and half_pixel_centers:
        raise ValueError(f"{op}: half_pixel_centers=True needs align_corners=False")


def resize_nearest_neighbor(input_x: Tensor, size: Sequence[int], align_corners: bool = False,
                            half_pixel_centers: bool = False) -> Tensor:
    """Nearest-neighbour resize of an NCHW tensor to `size` (TF/MindSpore index rule)."""
    op = "ResizeNearestNeighbor"
    _check_nchw(op, input_x)
    _check_flags(op, align_corners, half_pixel_centers)
    oh, ow = _size2(op, size)
    _, _, h, w = input_x.shape
    y = _gather_axis(input_x, _nearest_index(h, oh, align_corners, half_pixel_centers), 2)
    return _gather_axis(y, _nearest_index(w, ow, align_corners, half_pixel_centers), 3)


def _tf_linear_src(n_in: int, n_out: int, align_corners: bool, half_pixel: bool) -> np.ndarray:
    scale = (n_in - 1) / (n_out - 1) if align_corners and n_out > 1 else n_in / n_out
    dst = np.arange(n_out, dtype=np.float64)
    return (dst + 0.5) * scale - 0.5 if half_pixel else dst * scale


def resize_bilinear(x: Tensor, size: Sequence[int], align_corners: bool = False,
                    half_pixel_centers: bool = False) -> Tensor:
    """Bilinear resize of an NCHW float tensor to `size` (TF/MindSpore ResizeBilinear rule)."""
    op = "ResizeBilinear"
    _check_nchw(op, x)
    _check_float(op, x)
    _check_flags(op, align_corners, half_pixel_centers)
    oh, ow = _size2(op, size)
    _, _, h, w = x.shape
    y = _matrix_axis(x, _linear_matrix(_tf_linear_src(h, oh, align_corners, half_pixel_centers), h), 2)
    return _matrix_axis(y, _linear_matrix(_tf_linear_src(w, ow, align_corners, half_pixel_centers), w), 3)


class ResizeNearestNeighbor(PrimitiveOp):
    """`ops.ResizeNearestNeighbor(size, align_corners=False, half_pixel_centers=False)(input_x)`."""

    def __init__(self, size: Any, align_corners: bool = False, half_pixel_centers: bool = False) -> None:
        _check_flags("ResizeNearestNeighbor", align_corners, half_pixel_centers)
        super().__init__(size=_size2("ResizeNearestNeighbor", size), align_corners=align_corners,
                         half_pixel_centers=half_pixel_centers)

    def __call__(self, input_x: Tensor) -> Tensor:
        return resize_nearest_neighbor(input_x, self.size, self.align_corners, self.half_pixel_centers)


class ResizeBilinear(PrimitiveOp):
    """`ops.ResizeBilinear(size, align_corners=False, half_pixel_centers=False)(x)`."""

    def __init__(self, size: Any, align_corners: bool = False, half_pixel_centers: bool = False) -> None:
        _check_flags("ResizeBilinear", align_corners, half_pixel_centers)
        super().__init__(size=_size2("ResizeBilinear", size), align_corners=align_corners,
                         half_pixel_centers=half_pixel_centers)

    def __call__(self, x: Tensor) -> Tensor:
        return resize_bilinear(x, self.size, self.align_corners, self.half_pixel_centers)


# ---- ops.interpolate ------------------------------------------------------------------------------------
_MODE_RANK = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _interp_sizes(x: Tensor, size: Any, scale_factor: Any, recompute: Any) -> tuple:
    n = x.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * n if isinstance(size, (int, np.integer)) else tuple(size)
        if len(sizes) != n or not all(isinstance(s, (int, np.integer)) and s > 0 for s in sizes):
            raise ValueError(f"interpolate: size must be a positive int or {n} of them for a {x.ndim}-d input, "
                             f"got {size!r}")
        return tuple(int(s) for s in sizes), (None,) * n
    scales = (scale_factor,) * n if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(scales) != n or not all(isinstance(s, (int, float)) and s > 0 for s in scales):
        raise ValueError(f"interpolate: scale_factor must be a positive number or {n} of them, got {scale_factor!r}")
    sizes = tuple(int(math.floor(d * s)) for d, s in zip(x.shape[2:], scales))
    if any(s <= 0 for s in sizes):
        raise ValueError(f"interpolate: scale_factor {scale_factor!r} gives an empty output for {list(x.shape)}")
    return sizes, (None,) * n if recompute else tuple(float(s) for s in scales)


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None, mode: str = "nearest",  # noqa: A002
                align_corners: Any = None, recompute_scale_factor: Any = None) -> Tensor:
    """`ops.interpolate`: resample the spatial axes of an (N, C, *spatial) tensor.

    Modes: 'nearest', 'nearest-exact', 'area' (any rank 3-5), 'linear' (3-d), 'bilinear' /
    'bicubic' (4-d), 'trilinear' (5-d). `align_corners` applies to the linear and cubic modes."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4, 5):
        raise ValueError(f"interpolate: expects a 3-d, 4-d or 5-d input, got shape {list(input.shape)}")
    if mode in _MODE_RANK and input.ndim != _MODE_RANK[mode]:
        raise ValueError(f"interpolate: mode {mode!r} needs a {_MODE_RANK[mode]}-d input, got {list(input.shape)}")
    if mode not in _MODE_RANK and mode not in ("nearest", "nearest-exact", "area"):
        raise ValueError(f"interpolate: mode must be one of 'nearest', 'nearest-exact', 'linear', 'bilinear', "
                         f"'bicubic', 'trilinear', 'area', got {mode!r}")
    if align_corners and mode not in _MODE_RANK:
        raise ValueError(f"interpolate: align_corners is only valid with the linear and cubic modes, not {mode!r}")
    sizes, scales = _interp_sizes(input, size, scale_factor, recompute_scale_factor)
    y = input
    for k, (n_in, n_out, sc) in enumerate(zip(input.shape[2:], sizes, scales)):
        axis = 2 + k
        if mode in ("nearest", "nearest-exact"):
            s = n_in / n_out if sc is None else 1.0 / sc
            pos = (np.arange(n_out) + (0.5 if mode == "nearest-exact" else 0.0)) * s
            y = _gather_axis(y, np.minimum(np.floor(pos), n_in - 1).astype(np.int64), axis)
            continue
        _check_float("interpolate", input)
        if mode == "area":
            m = _area_matrix(n_in, n_out)
        elif mode == "bicubic":
            m = _cubic_matrix(_source_positions(n_in, n_out, sc, bool(align_corners)), n_in)
        else:
            m = _linear_matrix(_source_positions(n_in, n_out, sc, bool(align_corners)), n_in)
        y = _matrix_axis(y, m, axis)
    return y


# ---- depth <-> space ----------------------------------------------------------------------------------
def _block(op: str, block_size: Any) -> int:
    if not isinstance(block_size, (int, np.integer)) or isinstance(block_size, bool):
        raise TypeError(f"{op}: block_size must be an int, got {type(block_size).__name__}")
    if block_size < 2:
        raise ValueError(f"{op}: block_size must be >= 2, got {block_size}")
    return int(block_size)


def depth_to_space(x: Tensor, block_size: int) -> Tensor:
    """(N, C*b*b, H, W) -> (N, C, H*b, W*b): out[n, c, h*b+i, w*b+j] = x[n, (i*b+j)*C + c, h, w]."""
    from . import functional as F
    op = "DepthToSpace"
    b = _block(op, block_size)
    _check_nchw(op, x)
    n, cb, h, w = x.shape
    if cb % (b * b):
        raise ValueError(f"{op}: channels {cb} of {list(x.shape)} are not divisible by block_size^2 = {b * b}")
    c = cb // (b * b)
    y = F.transpose(F.reshape(x, (n, b, b, c, h, w)), (0, 3, 4, 1, 5, 2))
    return F.reshape(y, (n, c, h * b, w * b))


def space_to_depth(x: Tensor, block_size: int) -> Tensor:
    """(N, C, H*b, W*b) -> (N, C*b*b, H, W), the inverse of `depth_to_space`."""
    from . import functional as F
    op = "SpaceToDepth"
    b = _block(op, block_size)
    _check_nchw(op, x)
    n, c, hb, wb = x.shape
    if hb % b or wb % b:
        raise ValueError(f"{op}: height and width of {list(x.shape)} must be divisible by block_size {b}")
    y = F.transpose(F.reshape(x, (n, c, hb // b, b, wb // b, b)), (0, 3, 5, 1, 2, 4))
    return F.reshape(y, (n, c * b * b, hb // b, wb // b))


class DepthToSpace(PrimitiveOp):
    """`ops.DepthToSpace(block_size)(x)` for NCHW input."""

    def __init__(self, block_size: int) -> None:
        super().__init__(block_size=_block("DepthToSpace", block_size))

    def __call__(self, x: Tensor) -> Tensor:
        return depth_to_space(x, self.block_size)


class SpaceToDepth(PrimitiveOp):
    """`ops.SpaceToDepth(block_size)(x)` for NCHW input."""

    def __init__(self, block_size: int) -> None:
        super().__init__(block_size=_block("SpaceToDepth", block_size))

    def __call__(self, x: Tensor) -> Tensor:
        return space_to_depth(x, self.block_size)


# ---- CropAndResize -------------------------------------------------------------------------------------
def crop_and_resize(image: Tensor, boxes: Tensor, box_indices: Tensor, crop_size: Sequence[int],
                    method: str = "bilinear", extrapolation_value: float = 0.0) -> Tensor:
    """Crop boxes [y1, x1, y2, x2] (normalised; y maps to y*(H-1)) out of NHWC images and
    resize each to `crop_size`; float32 (num_boxes, crop_h, crop_w, depth). Samples outside
    the image take `extrapolation_value`. Differentiable in image and boxes for 'bilinear';
    'nearest' has no gradient (MindSpore returns zeros)."""
    from . import functional as F
    return F.cast(crop_and_resize_values(image, boxes, box_indices, crop_size, method, extrapolation_value),
                  _float32())


def crop_and_resize_values(image: Tensor, boxes: Tensor, box_indices: Tensor, crop_size: Sequence[int],
                           method: str = "bilinear", extrapolation_value: float = 0.0) -> Tensor:
    """`crop_and_resize` computed in the boxes' float type (before MindSpore's float32 result cast)."""
    from . import functional as F
    op = "CropAndResize"
    if method not in ("bilinear", "nearest"):
        raise ValueError(f"{op}: method must be 'bilinear' or 'nearest' ('bilinear_v2' is not supported), "
                         f"got {method!r}")
    for name, t in (("image", image), ("boxes", boxes), ("box_indices", box_indices)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if image.ndim != 4 or boxes.ndim != 2 or boxes.shape[1] != 4 or box_indices.shape != (boxes.shape[0],):
        raise ValueError(f"{op}: expects image (batch, height, width, depth), boxes (num_boxes, 4) and box_indices "
                         f"(num_boxes,), got {list(image.shape)}, {list(boxes.shape)}, {list(box_indices.shape)}")
    if not boxes.dtype.is_floating_point or box_indices.dtype.kind not in ("int", "uint"):
        raise TypeError(f"{op}: boxes must be float and box_indices int, got {boxes.dtype} and {box_indices.dtype}")
    ch, cw = _size2(op, crop_size)
    _, h, w, _ = image.shape
    img = F.cast(image, boxes.dtype)
    y1, x1, y2, x2 = (boxes[:, k:k + 1] for k in range(4))

    def coords(lo: Tensor, hi: Tensor, n: int, size: int) -> Tensor:  # (num_boxes, n) source positions
        if n > 1:
            steps = Tensor(np.arange(n, dtype=boxes.dtype.np) / (n - 1))
            return (lo + (hi - lo) * steps) * (size - 1)
        return (lo + hi) * (0.5 * (size - 1)) + F.zeros((1, 1), boxes.dtype)

    ys, xs = coords(y1, y2, ch, h), coords(x1, x2, cw, w)
    inside = F.logical_and(F.expand_dims(F.logical_and(ys >= 0, ys <= h - 1), 2),
                           F.expand_dims(F.logical_and(xs >= 0, xs <= w - 1), 1))  # (B, ch, cw)
    bidx = F.broadcast_to(F.reshape(F.cast(box_indices, _int64()), (-1, 1, 1)),
                          (boxes.shape[0], ch, cw))

    def pick(yi: Tensor, xi: Tensor) -> Tensor:  # image values at integer (B, ch, 1) x (B, 1, cw) positions
        yi = F.broadcast_to(F.expand_dims(F.clamp(yi, 0, h - 1), 2), bidx.shape)
        xi = F.broadcast_to(F.expand_dims(F.clamp(xi, 0, w - 1), 1), bidx.shape)
        return F.gather_nd(img, F.stack([bidx, yi, xi], -1))  # (B, ch, cw, depth)

    if method == "nearest":
        ys_s, xs_s = F.stop_gradient(ys), F.stop_gradient(xs)
        out = F.stop_gradient(pick(F.cast(F.floor(ys_s + 0.5), _int64()), F.cast(F.floor(xs_s + 0.5), _int64())))
    else:
        y0f, x0f = F.floor(F.stop_gradient(ys)), F.floor(F.stop_gradient(xs))
        y0, x0 = F.cast(y0f, _int64()), F.cast(x0f, _int64())
        dy = F.expand_dims(F.expand_dims(ys - y0f, 2), 3)   # (B, ch, 1, 1)
        dx = F.expand_dims(F.expand_dims(xs - x0f, 1), 3)   # (B, 1, cw, 1)
        top = pick(y0, x0) * (1 - dx) + pick(y0, x0 + 1) * dx
        bottom = pick(y0 + 1, x0) * (1 - dx) + pick(y0 + 1, x0 + 1) * dx
        out = top + (bottom - top) * dy
    fill = F.fill(out.dtype, out.shape, float(extrapolation_value))
    return F.where(F.expand_dims(inside, 3), out, fill)


def _int64() -> Any:
    from ..core import dtype as mstype
    return mstype.int64


def _float32() -> Any:
    from ..core import dtype as mstype
    return mstype.float32


class CropAndResize(PrimitiveOp):
    """`ops.CropAndResize(method='bilinear', extrapolation_value=0.0)(x, boxes, box_index, crop_size)`."""

    def __init__(self, method: str = "bilinear", extrapolation_value: float = 0.0) -> None:
        if method not in ("bilinear", "nearest", "bilinear_v2"):
            raise ValueError(f"CropAndResize: method must be 'bilinear', 'nearest' or 'bilinear_v2', got {method!r}")
        if not isinstance(extrapolation_value, (int, float)) or isinstance(extrapolation_value, bool):
            raise TypeError(f"CropAndResize: extrapolation_value must be a float, got {extrapolation_value!r}")
        super().__init__(method=method, extrapolation_value=float(extrapolation_value))

    def __call__(self, x: Tensor, boxes: Tensor, box_index: Tensor, crop_size: Sequence[int]) -> Tensor:
        return crop_and_resize(x, boxes, box_index, crop_size, self.method, self.extrapolation_value)
