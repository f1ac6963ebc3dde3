"""Enums and the numpy <-> pillow plumbing shared by the vision transforms.

Images are numpy HWC arrays (uint8 or float; HW for one channel) or PIL images.
Geometric ops return the same kind they were given: PIL in -> PIL out, numpy in ->
numpy out (MindSpore 2.x picks its Python implementation for PIL inputs).
uint8 images with 1, 3 or 4 channels go through pillow directly; any other dtype
or channel count is processed one channel at a time as a float32 ('F') image, which
pillow resamples exactly like the uint8 path but without rounding.
"""
from __future__ import annotations

from enum import Enum, IntEnum

import numpy as np
from PIL import Image

__all__ = [
    "Border",
    "ImageBatchFormat",
    "Inter",
    "apply_pil",
    "check_image",
    "get_image_num_channels",
    "get_image_size",
    "is_pil",
    "parse_size",
    "pil_filter",
]


class Inter(IntEnum):
    """Interpolation modes (MindSpore values). LINEAR == BILINEAR, CUBIC == BICUBIC."""
    NEAREST = 0
    ANTIALIAS = 1
    BILINEAR = LINEAR = 2
    BICUBIC = CUBIC = 3
    AREA = 4
    PILCUBIC = 5


class Border(str, Enum):
    """Padding modes: constant fill, repeat edge, reflect without / with the edge pixel."""
    CONSTANT = "constant"
    EDGE = "edge"
    REFLECT = "reflect"
    SYMMETRIC = "symmetric"


class ImageBatchFormat(IntEnum):
    NHWC = 0
    NCHW = 1


# AREA is OpenCV's box-average downscale; pillow's BOX filter is the same average.
_PIL_FILTERS = {Inter.NEAREST: Image.Resampling.NEAREST, Inter.ANTIALIAS: Image.Resampling.LANCZOS,
                Inter.BILINEAR: Image.Resampling.BILINEAR, Inter.BICUBIC: Image.Resampling.BICUBIC,
                Inter.AREA: Image.Resampling.BOX, Inter.PILCUBIC: Image.Resampling.BICUBIC}


def pil_filter(inter) -> Image.Resampling:
    try:
        return _PIL_FILTERS[Inter(inter)]
    except (ValueError, KeyError):
        raise TypeError(f"interpolation must be a vision.Inter, got {inter!r}") from None


def is_pil(img) -> bool:
    return isinstance(img, Image.Image)


def check_image(img, who: str, ndims=(2, 3)) -> np.ndarray:
    """Numpy view of an image argument, with an error naming the transform otherwise."""
    if is_pil(img):
        return np.asarray(img)
    if hasattr(img, "asnumpy"):
        img = img.asnumpy()
    if not isinstance(img, np.ndarray):
        raise TypeError(f"{who}: expected a numpy image or a PIL image, got {type(img).__name__}")
    if img.ndim not in ndims:
        raise ValueError(f"{who}: expected an image of rank {' or '.join(map(str, ndims))} "
                         f"(HW or HWC), got shape {img.shape}")
    return img


def parse_size(size, who: str) -> tuple:
    """int -> (s, s); (h, w) -> (h, w); both positive."""
    if isinstance(size, (int, np.integer)):
        size = (int(size), int(size))
    size = tuple(int(s) for s in size)
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(f"{who}: size must be a positive int or (height, width), got {size}")
    return size


def get_image_num_channels(image) -> int:
    if is_pil(image):
        return len(image.getbands())
    image = check_image(image, "get_image_num_channels")
    return 1 if image.ndim == 2 else image.shape[2]


def get_image_size(image) -> list:
    """[height, width] of a numpy or PIL image."""
    if is_pil(image):
        return [image.size[1], image.size[0]]
    image = check_image(image, "get_image_size")
    return [image.shape[0], image.shape[1]]


def _fast_mode(img: np.ndarray):
    if img.dtype != np.uint8:
        return None
    if img.ndim == 2:
        return "L"
    return {1: "L", 3: "RGB", 4: "RGBA"}.get(img.shape[2])


def apply_pil(img, fn, who: str, fill=0):
    """Run `fn(pil_image, fill)` on `img` and return the same kind as the input.

    `fill` is the per-image fill colour (int or per-channel tuple) for ops that
    uncover new pixels; on the per-channel path each channel gets its own value.
    """
    if is_pil(img):
        return fn(img, fill)
    img = check_image(img, who)
    mode = _fast_mode(img)
    if mode is not None:
        single = img.ndim == 3 and img.shape[2] == 1
        out = np.asarray(fn(Image.fromarray(img[..., 0] if single else img, mode), fill))
        return out[..., None] if single else out
    chans = img[..., None] if img.ndim == 2 else img
    fills = np.broadcast_to(np.asarray(fill, dtype=np.float64), (chans.shape[2],))
    outs = [np.asarray(fn(Image.fromarray(np.ascontiguousarray(chans[..., c], dtype=np.float32), "F"),
                          float(fills[c])))
            for c in range(chans.shape[2])]
    out = np.stack(outs, axis=-1)
    if img.dtype.kind in "iu":  # resampled values of integer images are rounded back
        info = np.iinfo(img.dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    out = out.astype(img.dtype, copy=False)
    return out[..., 0] if img.ndim == 2 else out
