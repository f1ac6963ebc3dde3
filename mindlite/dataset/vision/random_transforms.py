"""Random vision transforms and the MixUp/CutMix batch ops (MindSpore 2.x signatures).

Every random number comes from `transforms._rng.get_rng()`: the engine's per-row
generator inside a pipeline (results independent of the worker count), a global
generator seeded by `ds.config.set_seed` otherwise.
"""
from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageEnhance

from ..transforms import _rng
from ..transforms._base import TensorOperation, as_array
from ._decode import decode_crop_resize
from .transforms import _crop, flip, pad_image, parse_padding
from ._resize import resize_array
from .utils import Border, ImageBatchFormat, Inter, apply_pil, check_image, is_pil, parse_size, pil_filter

__all__ = [
    "CutMixBatch",
    "CutOut",
    "MixUpBatch",
    "RandomColorAdjust",
    "RandomCrop",
    "RandomCropDecodeResize",
    "RandomHorizontalFlip",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomVerticalFlip",
    "random_resized_crop_box",
]


def _range(value, who, name, center=None, lo_bound=0.0):
    """A float f -> [max(lo, c - f), c + f] (c = `center`, or [-f, f]); a pair is taken as is."""
    if isinstance(value, (int, float, np.integer, np.floating)):
        value = float(value)
        if value < 0:
            raise ValueError(f"{who}: {name} must be non-negative, got {value}")
        return (max(lo_bound, center - value), center + value) if center is not None else (-value, value)
    lo, hi = (float(v) for v in value)
    if lo > hi:
        raise ValueError(f"{who}: {name} range must be (min, max), got {value}")
    return lo, hi


def _size_hw(img):
    if is_pil(img):
        return img.size[1], img.size[0]
    return check_image(img, "vision").shape[:2]


def random_resized_crop_box(rng, width, height, scale, ratio, max_attempts):
    """(left, top, crop_w, crop_h) as MindSpore's RandomResizedCrop draws it.

    Area fraction uniform in `scale`, aspect ratio log-uniform in `ratio`; after
    `max_attempts` misses, the largest centred crop whose aspect fits `ratio`.
    """
    area = width * height
    log_lo, log_hi = math.log(ratio[0]), math.log(ratio[1])
    for _ in range(max_attempts):
        target = area * rng.uniform(scale[0], scale[1])
        aspect = math.exp(rng.uniform(log_lo, log_hi))
        cw = max(round(math.sqrt(target * aspect)), 1)
        ch = max(round(cw / aspect), 1)
        if cw <= width and ch <= height:
            return int(rng.integers(0, width - cw + 1)), int(rng.integers(0, height - ch + 1)), cw, ch
    img_aspect = width / height
    if img_aspect < ratio[0]:
        cw, ch = width, max(round(width / ratio[0]), 1)
    elif img_aspect > ratio[1]:
        cw, ch = max(round(height * ratio[1]), 1), height
    else:
        cw, ch = width, height
    return (width - cw + 1) // 2, (height - ch + 1) // 2, cw, ch  # half rounds up, as C++ std::round


class _ResizedCropBase(TensorOperation):
    random = True

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3. / 4., 4. / 3.), interpolation=Inter.BILINEAR,
                 max_attempts=10):
        who = type(self).__name__
        self.size = parse_size(size, who)
        if len(scale) != 2 or min(scale) < 0 or scale[0] > scale[1]:
            raise ValueError(f"{who}: scale must be non-negative (min, max), got {scale}")
        if len(ratio) != 2 or min(ratio) <= 0 or ratio[0] > ratio[1]:
            raise ValueError(f"{who}: ratio must be positive (min, max), got {ratio}")
        if int(max_attempts) <= 0:
            raise ValueError(f"{who}: max_attempts must be positive, got {max_attempts}")
        self.scale, self.ratio = tuple(scale), tuple(ratio)
        self.interpolation = Inter(interpolation)
        self.max_attempts = int(max_attempts)
        self._filter = pil_filter(interpolation)

    def _box(self, width, height):
        x, y, cw, ch = random_resized_crop_box(_rng.get_rng(), width, height, self.scale, self.ratio,
                                               self.max_attempts)
        return x, y, x + cw, y + ch


class RandomResizedCrop(_ResizedCropBase):
    """Crop a random area/aspect box and resize it to `size` (decoded input)."""

    def _execute(self, img):
        h, w = _size_hw(img)
        box = self._box(w, h)
        if is_pil(img):
            return img.resize((self.size[1], self.size[0]), self._filter, box=box)
        x0, y0, x1, y1 = box  # numpy: crop, then resize by OpenCV's rules as MindSpore's C++ op
        crop = check_image(img, "RandomResizedCrop")[y0:y1, x0:x1]
        return resize_array(crop, self.size[0], self.size[1], self.interpolation, "RandomResizedCrop")


class RandomCropDecodeResize(_ResizedCropBase):
    """Decode + RandomResizedCrop in one op on encoded bytes.

    The crop box is drawn from the header size before decoding, and a JPEG is
    decoded at 1/2, 1/4 or 1/8 scale when the crop is at least that much larger
    than `size` (pillow draft mode), which is where this op saves time.
    """

    def _execute(self, data):
        im = decode_crop_resize(data, self._box, self.size, self._filter, "RandomCropDecodeResize")
        return np.asarray(im)


class RandomCrop(TensorOperation):
    """Pad by `padding` (optionally up to `size`), then crop `size` at a random position."""

    random = True

    def __init__(self, size, padding=None, pad_if_needed=False, fill_value=0, padding_mode=Border.CONSTANT):
        self.size = parse_size(size, "RandomCrop")
        self.padding = None if padding is None else parse_padding(padding, "RandomCrop")
        self.pad_if_needed = bool(pad_if_needed)
        self.fill_value = fill_value
        self.padding_mode = Border(padding_mode)

    def _execute(self, img):
        was_pil = is_pil(img)
        arr = check_image(img, "RandomCrop")
        if self.padding is not None:
            arr = pad_image(arr, self.padding, self.fill_value, self.padding_mode)
        ch, cw = self.size
        h, w = arr.shape[:2]
        if self.pad_if_needed and (h < ch or w < cw):  # pads both sides by the shortfall (as MindSpore)
            dh, dw = max(ch - h, 0), max(cw - w, 0)
            arr = pad_image(arr, (dw, dh, dw, dh), self.fill_value, self.padding_mode)
            h, w = arr.shape[:2]
        if h < ch or w < cw:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the (padded) image {h}x{w}; "
                             f"set pad_if_needed=True or a larger padding")
        rng = _rng.get_rng()
        top, left = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        out = _crop(arr, top, left, ch, cw)
        return Image.fromarray(out) if was_pil else out


class RandomHorizontalFlip(TensorOperation):
    """Mirror left-right with probability `prob`."""

    random = True

    def __init__(self, prob=0.5):
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: prob must be in [0, 1], got {prob}")
        self.prob = prob

    def _execute(self, img):
        return flip(img, horizontal=True) if _rng.get_rng().random() < self.prob else img


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability `prob`."""

    def _execute(self, img):
        return flip(img, horizontal=False) if _rng.get_rng().random() < self.prob else img


_ROTATE_FILTERS = {Inter.NEAREST: Image.Resampling.NEAREST, Inter.BILINEAR: Image.Resampling.BILINEAR,
                   Inter.BICUBIC: Image.Resampling.BICUBIC, Inter.PILCUBIC: Image.Resampling.BICUBIC}


def _fill_for(im, fill):
    """Pillow wants an int fill for one-band images and a tuple for RGB."""
    if isinstance(fill, (tuple, list)):
        return fill[0] if len(im.getbands()) == 1 else tuple(fill)
    return fill


class RandomRotation(TensorOperation):
    """Rotate counter-clockwise by an angle uniform in `degrees` ((-d, d) for a number)."""

    random = True

    def __init__(self, degrees, resample=Inter.NEAREST, expand=False, center=None, fill_value=0):
        self.degrees = _range(degrees, "RandomRotation", "degrees")
        self.resample = Inter(resample)
        self.expand = bool(expand)
        self.center = None if center is None else tuple(center)
        self.fill_value = tuple(fill_value) if isinstance(fill_value, (tuple, list)) else fill_value
        # pillow rotates with nearest/bilinear/bicubic only; area/antialias fall back to bilinear
        self._filter = _ROTATE_FILTERS.get(self.resample, Image.Resampling.BILINEAR)

    def _execute(self, img):
        angle = float(_rng.get_rng().uniform(*self.degrees))

        def rotate(im, fill):
            return im.rotate(angle, self._filter, expand=self.expand, center=self.center,
                             fillcolor=_fill_for(im, fill))
        return apply_pil(img, rotate, "RandomRotation", fill=self.fill_value)


def _adjust_hue(im: Image.Image, factor: float) -> Image.Image:
    """Shift hue by `factor` turns in HSV space (uint8 wraparound), as torchvision's PIL path."""
    h, s, v = im.convert("HSV").split()
    hue = np.array(h, dtype=np.uint8)
    hue += np.uint8(round(factor * 255) % 256)
    return Image.merge("HSV", (Image.fromarray(hue, "L"), s, v)).convert("RGB")


class RandomColorAdjust(TensorOperation):
    """Random brightness, contrast, saturation and hue, applied in a random order (RGB uint8)."""

    random = True

    def __init__(self, brightness=(1, 1), contrast=(1, 1), saturation=(1, 1), hue=(0, 0)):
        who = "RandomColorAdjust"
        self.brightness = _range(brightness, who, "brightness", center=1.0)
        self.contrast = _range(contrast, who, "contrast", center=1.0)
        self.saturation = _range(saturation, who, "saturation", center=1.0)
        self.hue = _range(hue, who, "hue")
        if not -0.5 <= self.hue[0] <= self.hue[1] <= 0.5:
            raise ValueError(f"{who}: hue must lie in [-0.5, 0.5], got {hue}")

    def _adjusters(self, rng):
        ops = []
        for (lo, hi), enh in ((self.brightness, ImageEnhance.Brightness), (self.contrast, ImageEnhance.Contrast),
                              (self.saturation, ImageEnhance.Color)):
            if (lo, hi) != (1.0, 1.0):
                f = float(rng.uniform(lo, hi))
                ops.append(lambda im, f=f, enh=enh: enh(im).enhance(f))
        if self.hue != (0.0, 0.0):
            f = float(rng.uniform(*self.hue))
            ops.append(lambda im, f=f: _adjust_hue(im, f))
        return [ops[i] for i in rng.permutation(len(ops))]

    def _execute(self, img):
        rng = _rng.get_rng()
        ops = self._adjusters(rng)
        was_pil = is_pil(img)
        im = img if was_pil else Image.fromarray(check_image(img, "RandomColorAdjust", ndims=(3,)), "RGB")
        for op in ops:
            im = op(im)
        return im if was_pil else np.asarray(im)


class CutOut(TensorOperation):
    """Zero `num_patches` random `length` x `length` squares (HWC, or CHW when is_hwc=False)."""

    random = True

    def __init__(self, length, num_patches=1, is_hwc=True):
        if int(length) <= 0 or int(num_patches) <= 0:
            raise ValueError(f"CutOut: length and num_patches must be positive, got {length}, {num_patches}")
        self.length, self.num_patches, self.is_hwc = int(length), int(num_patches), bool(is_hwc)

    def _execute(self, img):
        out = np.array(check_image(img, "CutOut", ndims=(3,)))  # copy: never write into the input
        view = out if self.is_hwc else out.transpose(1, 2, 0)
        h, w = view.shape[:2]
        rng = _rng.get_rng()
        for _ in range(self.num_patches):
            top = int(rng.integers(0, max(h - self.length, 0) + 1))
            left = int(rng.integers(0, max(w - self.length, 0) + 1))
            view[top:top + self.length, left:left + self.length] = 0
        return out


def _check_batch(images, labels, who):
    images, labels = as_array(images), as_array(labels)
    if images.ndim != 4:
        raise ValueError(f"{who}: images must be a batch of rank 4, got shape {images.shape}")
    if labels.ndim not in (2, 3) or labels.shape[0] != images.shape[0]:
        raise ValueError(f"{who}: labels must be one-hot (N, num_classes) or (N, 1, num_classes) matching "
                         f"{images.shape[0]} images, got shape {labels.shape}; apply OneHot before batch")
    return images, labels


def _cast_like(mixed, images):
    if images.dtype.kind in "iu":
        info = np.iinfo(images.dtype)
        return np.clip(np.rint(mixed), info.min, info.max).astype(images.dtype)
    return mixed.astype(images.dtype, copy=False)


class MixUpBatch(TensorOperation):
    """lam*x + (1-lam)*x[perm] on a batch of images and one-hot labels; lam ~ Beta(alpha, alpha)."""

    random = True

    def __init__(self, alpha=1.0):
        if alpha <= 0:
            raise ValueError(f"MixUpBatch: alpha must be positive, got {alpha}")
        self.alpha = float(alpha)

    def _execute(self, images, labels):
        images, labels = _check_batch(images, labels, "MixUpBatch")
        rng = _rng.get_rng()
        lam = float(rng.beta(self.alpha, self.alpha))
        perm = rng.permutation(images.shape[0])
        mixed = lam * images.astype(np.float32) + (1 - lam) * images[perm].astype(np.float32)
        mixed_labels = lam * labels.astype(np.float32) + (1 - lam) * labels[perm].astype(np.float32)
        return _cast_like(mixed, images), mixed_labels


class CutMixBatch(TensorOperation):
    """Paste a random box from another image of the batch; labels mixed by the pasted area."""

    random = True

    def __init__(self, image_batch_format, alpha=1.0, prob=1.0):
        if alpha <= 0 or not 0.0 <= prob <= 1.0:
            raise ValueError(f"CutMixBatch: need alpha > 0 and prob in [0, 1], got {alpha}, {prob}")
        self.image_batch_format = ImageBatchFormat(image_batch_format)
        self.alpha, self.prob = float(alpha), float(prob)

    def _execute(self, images, labels):
        images, labels = _check_batch(images, labels, "CutMixBatch")
        out = images.copy()
        out_labels = labels.astype(np.float32)
        view = out if self.image_batch_format == ImageBatchFormat.NHWC else out.transpose(0, 2, 3, 1)
        src = images if self.image_batch_format == ImageBatchFormat.NHWC else images.transpose(0, 2, 3, 1)
        n, h, w = view.shape[:3]
        rng = _rng.get_rng()
        for i in range(n):
            if rng.random() >= self.prob:
                continue
            j = int(rng.integers(n))
            cut = math.sqrt(1.0 - rng.beta(self.alpha, self.alpha))
            ch, cw = int(h * cut), int(w * cut)
            cy, cx = int(rng.integers(h)), int(rng.integers(w))
            y0, y1 = max(cy - ch // 2, 0), min(cy + ch // 2, h)
            x0, x1 = max(cx - cw // 2, 0), min(cx + cw // 2, w)
            view[i, y0:y1, x0:x1] = src[j, y0:y1, x0:x1]
            lam = 1.0 - (y1 - y0) * (x1 - x0) / float(h * w)
            out_labels[i] = lam * labels[i] + (1.0 - lam) * labels[j]
        return out, out_labels
