"""Deterministic vision transforms (MindSpore 2.x names, signatures and defaults).

Inputs are numpy HWC images (uint8 or float; HW for one channel) or PIL images.
Random transforms live in `random_transforms.py`.
"""
from __future__ import annotations

import numpy as np
from PIL import Image

from ..transforms._base import TensorOperation, to_np_dtype
from ._decode import decode_rgb
from ._resize import resize_array
from .utils import Border, Inter, apply_pil, check_image, is_pil, parse_size, pil_filter

__all__ = [
    "HWC2CHW",
    "CenterCrop",
    "Crop",
    "Decode",
    "Grayscale",
    "HorizontalFlip",
    "Normalize",
    "Pad",
    "Rescale",
    "Resize",
    "ToNumpy",
    "ToPIL",
    "ToTensor",
    "VerticalFlip",
    "crop_or_pad",
    "pad_image",
    "resized_shape",
]


class Decode(TensorOperation):
    """Encoded image bytes (1-D uint8) -> HWC uint8 RGB array, or a PIL image if `to_pil`."""

    def __init__(self, to_pil=False):
        self.to_pil = bool(to_pil)

    def _execute(self, data):
        im = decode_rgb(data, "Decode")
        return im if self.to_pil else np.asarray(im)


def resized_shape(height, width, size):
    """MindSpore's Resize rule: an int resizes the shorter side keeping the aspect ratio."""
    if isinstance(size, (int, np.integer)):
        if height <= width:
            return int(size), int(size * width / height)
        return int(size * height / width), int(size)
    return parse_size(size, "Resize")


class Resize(TensorOperation):
    """Resize to `size` ((h, w), or shorter side = size) with `interpolation`."""

    def __init__(self, size, interpolation=Inter.LINEAR):
        if isinstance(size, (int, np.integer)):
            parse_size(size, "Resize")
        else:
            size = parse_size(size, "Resize")
        self.size = size
        self.interpolation = Inter(interpolation)
        self._filter = pil_filter(interpolation)

    def _execute(self, img):
        if is_pil(img):  # pillow's filters, as MindSpore's Python path for PIL images
            oh, ow = resized_shape(img.size[1], img.size[0], self.size)
            return img.resize((ow, oh), self._filter)
        img = check_image(img, "Resize")
        oh, ow = resized_shape(img.shape[0], img.shape[1], self.size)
        return resize_array(img, oh, ow, self.interpolation, "Resize")  # OpenCV's rules, as MindSpore's C++ op


def crop_or_pad(img: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    """img[top:top+height, left:left+width]; parts outside the image are zero (as MindSpore pads)."""
    h, w = img.shape[:2]
    if top >= 0 and left >= 0 and top + height <= h and left + width <= w:
        return img[top:top + height, left:left + width]
    out = np.zeros((height, width) + img.shape[2:], dtype=img.dtype)
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + height, h), min(left + width, w)
    if y1 > y0 and x1 > x0:
        out[y0 - top:y1 - top, x0 - left:x1 - left] = img[y0:y1, x0:x1]
    return out


def _crop(img, top, left, height, width):
    if is_pil(img):  # pillow fills outside pixels with zeros too
        return img.crop((left, top, left + width, top + height))
    return np.ascontiguousarray(crop_or_pad(img, top, left, height, width))


class CenterCrop(TensorOperation):
    """Crop the centre `size`; an image smaller than the crop is zero-padded around it."""

    def __init__(self, size):
        self.size = parse_size(size, "CenterCrop")

    def _execute(self, img):
        h, w = (img.size[1], img.size[0]) if is_pil(img) else check_image(img, "CenterCrop").shape[:2]
        ch, cw = self.size
        return _crop(img, (h - ch) // 2, (w - cw) // 2, ch, cw)


class Crop(TensorOperation):
    """Crop `size` starting at `coordinates` = (top, left)."""

    def __init__(self, coordinates, size):
        self.coordinates = tuple(int(c) for c in coordinates)
        self.size = parse_size(size, "Crop")

    def _execute(self, img):
        h, w = (img.size[1], img.size[0]) if is_pil(img) else check_image(img, "Crop").shape[:2]
        (top, left), (ch, cw) = self.coordinates, self.size
        if top < 0 or left < 0 or top + ch > h or left + cw > w:
            raise ValueError(f"Crop: box top={top} left={left} size={self.size} exceeds image {h}x{w}")
        return _crop(img, top, left, ch, cw)


def _channel_vector(values, who, name):
    arr = np.asarray(values, dtype=np.float32).reshape(-1)
    if arr.size == 0:
        raise ValueError(f"{who}: {name} must not be empty")
    return arr


class Normalize(TensorOperation):
    """(img - mean) / std per channel -> float32; mean/std in the input's scale (e.g. 0-255).

    Computed as img * (1/std) - mean/std into a channel-major buffer: a multiply over
    a length-3 last axis is 5x slower in numpy, and the channel-major memory makes a
    following HWC2CHW free. The result is still shaped like the input (HWC or CHW).
    """

    def __init__(self, mean, std, is_hwc=True):
        self.mean = _channel_vector(mean, "Normalize", "mean")
        self.std = _channel_vector(std, "Normalize", "std")
        if self.mean.size != self.std.size:
            raise ValueError(f"Normalize: mean and std lengths differ ({self.mean.size} vs {self.std.size})")
        if np.any(self.std <= 0):
            raise ValueError(f"Normalize: std must be positive, got {self.std}")
        self.is_hwc = bool(is_hwc)
        self._scale = (1.0 / self.std).astype(np.float32)
        self._shift = (-self.mean / self.std).astype(np.float32)

    def _execute(self, img):
        img = check_image(img, "Normalize")
        chw = img[None] if img.ndim == 2 else (img.transpose(2, 0, 1) if self.is_hwc else img)
        if self.mean.size not in (1, chw.shape[0]):
            raise ValueError(f"Normalize: {self.mean.size} mean values for an image with "
                             f"{chw.shape[0]} channels (shape {img.shape}, is_hwc={self.is_hwc})")
        out = np.empty(chw.shape, dtype=np.float32)
        np.multiply(chw, self._scale[:, None, None], out=out)
        out += self._shift[:, None, None]
        if img.ndim == 2:
            return out[0]
        return out.transpose(1, 2, 0) if self.is_hwc else out


class HWC2CHW(TensorOperation):
    """(H, W, C) -> (C, H, W), contiguous; an (H, W) image is returned unchanged."""

    def _execute(self, img):
        img = check_image(img, "HWC2CHW")
        return img if img.ndim == 2 else np.ascontiguousarray(img.transpose(2, 0, 1))


class Rescale(TensorOperation):
    """img * rescale + shift -> float32."""

    def __init__(self, rescale, shift):
        self.rescale = float(rescale)
        self.shift = float(shift)

    def _execute(self, img):
        out = np.multiply(check_image(img, "Rescale", ndims=range(33)), np.float32(self.rescale),
                          dtype=np.float32)
        out += np.float32(self.shift)
        return out


class ToTensor(TensorOperation):
    """PIL or HWC image -> CHW array of `output_type`, divided by 255."""

    def __init__(self, output_type=np.float32):
        self.output_type = output_type
        self._dtype = to_np_dtype(output_type)

    def _execute(self, img):
        img = check_image(img, "ToTensor")
        chw = img[None] if img.ndim == 2 else img.transpose(2, 0, 1)
        out = np.empty(chw.shape, dtype=np.float32)
        np.divide(chw, np.float32(255.0), out=out)
        return out.astype(self._dtype, copy=False)


class ToPIL(TensorOperation):
    """HWC uint8 numpy image -> PIL image."""

    def _execute(self, img):
        if is_pil(img):
            return img
        img = check_image(img, "ToPIL")
        return Image.fromarray(img[..., 0] if img.ndim == 3 and img.shape[2] == 1 else img)


class ToNumpy(TensorOperation):
    """PIL image -> numpy array."""

    def _execute(self, img):
        return np.asarray(img) if is_pil(img) else check_image(img, "ToNumpy")


def parse_padding(padding, who):
    """int | (lr, tb) | (l, t, r, b) -> (left, top, right, bottom)."""
    if isinstance(padding, (int, np.integer)):
        padding = (int(padding),) * 4
    padding = tuple(int(p) for p in padding)
    if len(padding) == 2:
        padding = (padding[0], padding[1], padding[0], padding[1])
    if len(padding) != 4 or min(padding) < 0:
        raise ValueError(f"{who}: padding must be non-negative int, (lr, tb) or (l, t, r, b); got {padding}")
    return padding


def pad_image(img: np.ndarray, padding, fill_value=0, mode=Border.CONSTANT) -> np.ndarray:
    """Pad an HW/HWC numpy image by (left, top, right, bottom)."""
    left, top, right, bottom = padding
    mode = Border(mode)
    if mode != Border.CONSTANT:
        widths = ((top, bottom), (left, right)) + ((0, 0),) * (img.ndim - 2)
        return np.pad(img, widths, mode=mode.value)
    h, w = img.shape[:2]
    out = np.empty((h + top + bottom, w + left + right) + img.shape[2:], dtype=img.dtype)
    fill = np.asarray(fill_value, dtype=img.dtype)
    out[...] = fill if img.ndim == 3 or fill.ndim == 0 else fill.reshape(-1)[0]
    out[top:top + h, left:left + w] = img
    return out


class Pad(TensorOperation):
    """Pad the borders by `padding` using `padding_mode` (constant `fill_value`, edge, reflect...)."""

    def __init__(self, padding, fill_value=0, padding_mode=Border.CONSTANT):
        self.padding = parse_padding(padding, "Pad")
        self.fill_value = fill_value
        self.padding_mode = Border(padding_mode)

    def _execute(self, img):
        out = pad_image(check_image(img, "Pad"), self.padding, self.fill_value, self.padding_mode)
        return Image.fromarray(out) if is_pil(img) else out


class Grayscale(TensorOperation):
    """RGB -> luma (ITU-R 601-2, pillow's 'L'); `num_output_channels` 1 or 3."""

    def __init__(self, num_output_channels=1):
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels must be 1 or 3, got {num_output_channels}")
        self.num_output_channels = num_output_channels

    def _execute(self, img):
        if is_pil(img):
            gray = img.convert("L")
            return gray if self.num_output_channels == 1 else gray.convert("RGB")
        img = check_image(img, "Grayscale", ndims=(3,))
        if img.dtype == np.uint8 and img.shape[2] == 3:
            gray = np.asarray(Image.fromarray(img).convert("L"))
        else:
            gray = (img[..., :3].astype(np.float32) @ np.float32([0.299, 0.587, 0.114])).astype(img.dtype)
        return gray if self.num_output_channels == 1 else np.repeat(gray[..., None], 3, axis=2)


class HorizontalFlip(TensorOperation):
    """Mirror left-right."""

    def _execute(self, img):
        return flip(img, horizontal=True)


class VerticalFlip(TensorOperation):
    """Mirror top-bottom."""

    def _execute(self, img):
        return flip(img, horizontal=False)


def flip(img, horizontal: bool):
    if is_pil(img):
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT if horizontal else Image.Transpose.FLIP_TOP_BOTTOM)
    img = check_image(img, "Flip")
    return np.ascontiguousarray(img[:, ::-1] if horizontal else img[::-1])
