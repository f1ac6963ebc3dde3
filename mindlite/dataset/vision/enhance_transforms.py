"""Photometric and augmentation-policy transforms of MindSpore's vision module (the AutoAugment /
RandAugment building blocks): AutoContrast, Equalize, Invert, RandomGrayscale, RandomSharpness,
RandomColor, RandomPosterize, RandomSolarize, RandomAffine, RandomErasing,
RandomSelectSubpolicy and NormalizePad. Pixel operations are pillow's (ImageOps/ImageEnhance),
as MindSpore's Python implementations; random draws use the pipeline's per-row generator."""
from __future__ import annotations

import math
import numbers

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from ..transforms import _rng
from ..transforms._base import TensorOperation, to_np_dtype
from .utils import Inter, check_image, is_pil, pil_filter

__all__ = ["AutoContrast", "Equalize", "Invert", "NormalizePad", "RandomAffine", "RandomColor", "RandomErasing",
           "RandomGrayscale", "RandomPosterize", "RandomSelectSubpolicy", "RandomSharpness", "RandomSolarize"]


def _to_pil(img, who):
    """(PIL image, was_pil, single_channel) for a uint8 HW/HWC(1/3) numpy image or a PIL image."""
    if is_pil(img):
        return img, True, False
    arr = check_image(img, who)
    if arr.dtype != np.uint8:
        raise TypeError(f"{who}: expected a uint8 image, got {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 1:
        return Image.fromarray(arr[..., 0], "L"), False, True
    if arr.ndim == 3 and arr.shape[2] != 3:
        raise ValueError(f"{who}: expected 1 or 3 channels, got {arr.shape[2]}")
    return Image.fromarray(arr, "L" if arr.ndim == 2 else "RGB"), False, False


def _back(im, was_pil, single):
    if was_pil:
        return im
    out = np.asarray(im)
    return out[..., None] if single else out


def _pixelwise(img, who, fn):
    im, was_pil, single = _to_pil(img, who)
    return _back(fn(im), was_pil, single)


class AutoContrast(TensorOperation):
    """Stretch each channel's histogram to the full range, dropping `cutoff` percent of the
    lightest and darkest pixels; `ignore` pixel values are left out of the histogram."""

    def __init__(self, cutoff=0.0, ignore=None):
        if isinstance(cutoff, bool) or not isinstance(cutoff, numbers.Real) or not 0 <= cutoff < 50:
            raise ValueError(f"AutoContrast: cutoff must be a number in [0, 50), got {cutoff!r}")
        if ignore is not None:
            values = [ignore] if isinstance(ignore, int) else list(ignore)
            if not all(isinstance(v, int) and 0 <= v <= 255 for v in values):
                raise ValueError(f"AutoContrast: ignore must be pixel values in [0, 255], got {ignore!r}")
        self.cutoff, self.ignore = float(cutoff), ignore

    def _execute(self, img):
        return _pixelwise(img, "AutoContrast", lambda im: ImageOps.autocontrast(im, self.cutoff, self.ignore))


class Equalize(TensorOperation):
    """Histogram equalisation of each channel."""

    def _execute(self, img):
        return _pixelwise(img, "Equalize", ImageOps.equalize)


class Invert(TensorOperation):
    """255 - pixel."""

    def _execute(self, img):
        return _pixelwise(img, "Invert", ImageOps.invert)


def _degree_range(degrees, who, name="degrees"):
    if isinstance(degrees, numbers.Real) and not isinstance(degrees, bool):
        if degrees < 0:
            raise ValueError(f"{who}: {name} must be non-negative, got {degrees}")
        return float(degrees), float(degrees)
    lo, hi = (float(v) for v in degrees)
    if lo < 0 or lo > hi:
        raise ValueError(f"{who}: {name} must be (min, max) with 0 <= min <= max, got {degrees}")
    return lo, hi


class RandomSharpness(TensorOperation):
    """Sharpness adjusted by a factor drawn from `degrees` (0 blurred, 1 original, 2 sharpened)."""

    random = True

    def __init__(self, degrees=(0.1, 1.9)):
        self.degrees = _degree_range(degrees, "RandomSharpness")

    def _execute(self, img):
        f = float(_rng.get_rng().uniform(*self.degrees))
        return _pixelwise(img, "RandomSharpness", lambda im: ImageEnhance.Sharpness(im).enhance(f))


class RandomColor(TensorOperation):
    """Colour saturation adjusted by a factor drawn from `degrees` (0 grey, 1 original), RGB images."""

    random = True

    def __init__(self, degrees=(0.1, 1.9)):
        self.degrees = _degree_range(degrees, "RandomColor")

    def _execute(self, img):
        f = float(_rng.get_rng().uniform(*self.degrees))
        return _pixelwise(img, "RandomColor", lambda im: ImageEnhance.Color(im).enhance(f))


class RandomGrayscale(TensorOperation):
    """With probability `prob`, a grey image with as many channels as the input."""

    random = True

    def __init__(self, prob=0.1):
        if isinstance(prob, bool) or not isinstance(prob, numbers.Real) or not 0 <= prob <= 1:
            raise ValueError(f"RandomGrayscale: prob must be in [0, 1], got {prob!r}")
        self.prob = float(prob)

    def _execute(self, img):
        if _rng.get_rng().random() >= self.prob:
            return img
        im, was_pil, single = _to_pil(img, "RandomGrayscale")
        grey = im.convert("L")
        if im.mode == "RGB":
            grey = grey.convert("RGB")
        return _back(grey, was_pil, single)


class RandomPosterize(TensorOperation):
    """Keep the top `bits` bits of each pixel, `bits` drawn from the integer range (1..8)."""

    random = True

    def __init__(self, bits=(8, 8)):
        lo, hi = (bits, bits) if isinstance(bits, int) and not isinstance(bits, bool) else tuple(bits)
        if not (isinstance(lo, int) and isinstance(hi, int) and 1 <= lo <= hi <= 8):
            raise ValueError(f"RandomPosterize: bits must be an int or (min, max) in [1, 8], got {bits!r}")
        self.bits = (lo, hi)

    def _execute(self, img):
        b = int(_rng.get_rng().integers(self.bits[0], self.bits[1] + 1))
        return _pixelwise(img, "RandomPosterize", lambda im: ImageOps.posterize(im, b))


class RandomSolarize(TensorOperation):
    """Invert the pixels inside a random sub-range [t1, t2] of `threshold` (both drawn from it)."""

    random = True

    def __init__(self, threshold=(0, 255)):
        lo, hi = tuple(threshold)
        if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi <= 255):
            raise ValueError(f"RandomSolarize: threshold must be (min, max) in [0, 255], got {threshold!r}")
        self.threshold = (lo, hi)

    def _execute(self, img):
        rng = _rng.get_rng()
        t1, t2 = sorted(int(v) for v in rng.integers(self.threshold[0], self.threshold[1] + 1, size=2))
        was_pil = is_pil(img)
        arr = np.asarray(img) if was_pil else check_image(img, "RandomSolarize")
        if arr.dtype != np.uint8:
            raise TypeError(f"RandomSolarize: expected a uint8 image, got {arr.dtype}")
        out = np.where((arr >= t1) & (arr <= t2), 255 - arr, arr).astype(np.uint8)
        return Image.fromarray(out, img.mode) if was_pil else out


def _inverse_affine(center, angle, translate, scale, shear):
    """The output->input matrix of rotate(angle) . shear . scale about `center`, then translate
    (torchvision's / MindSpore's convention, angles in degrees)."""
    cx, cy = center
    tx, ty = translate
    rot, sx, sy = math.radians(angle), math.radians(shear[0]), math.radians(shear[1])
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


class RandomAffine(TensorOperation):
    """Random rotation (`degrees`), translation (`translate` fractions of width/height), scaling
    (`scale` range) and shear (`shear`: s -> x in (-s, s); (a, b) -> x in (a, b); (a, b, c, d) ->
    x in (a, b) and y in (c, d)), resampled with `resample`, uncovered pixels set to `fill_value`."""

    random = True

    def __init__(self, degrees, translate=None, scale=None, shear=None, resample=Inter.NEAREST, fill_value=0):
        who = "RandomAffine"
        if isinstance(degrees, numbers.Real) and not isinstance(degrees, bool):
            if degrees < 0:
                raise ValueError(f"{who}: degrees must be non-negative, got {degrees}")
            degrees = (-float(degrees), float(degrees))
        self.degrees = tuple(float(d) for d in degrees)
        if translate is not None:
            translate = tuple(float(t) for t in translate)
            if len(translate) not in (2, 4) or not all(-1 <= t <= 1 for t in translate):
                raise ValueError(f"{who}: translate must be 2 or 4 fractions in [-1, 1], got {translate}")
        if scale is not None:
            scale = tuple(float(s) for s in scale)
            if len(scale) != 2 or not 0 < scale[0] <= scale[1]:
                raise ValueError(f"{who}: scale must be (min, max) with 0 < min <= max, got {scale}")
        if shear is not None:
            if isinstance(shear, numbers.Real) and not isinstance(shear, bool):
                shear = (-float(shear), float(shear), 0.0, 0.0)
            shear = tuple(float(s) for s in shear)
            if len(shear) == 2:
                shear = shear + (0.0, 0.0)
            if len(shear) != 4:
                raise ValueError(f"{who}: shear must be a number or 2 or 4 numbers, got {shear}")
        self.translate, self.scale, self.shear = translate, scale, shear
        self.resample, self.fill_value = resample, fill_value
        pil_filter(resample)

    def _params(self, rng, width, height):
        angle = float(rng.uniform(*self.degrees))
        if self.translate is None:
            tx = ty = 0
        else:
            t = self.translate if len(self.translate) == 4 else (-self.translate[0], self.translate[0],
                                                                   -self.translate[1], self.translate[1])
            tx = round(float(rng.uniform(t[0], t[1])) * width)
            ty = round(float(rng.uniform(t[2], t[3])) * height)
        sc = 1.0 if self.scale is None else float(rng.uniform(*self.scale))
        sh = (0.0, 0.0) if self.shear is None else (float(rng.uniform(self.shear[0], self.shear[1])),
                                                   float(rng.uniform(self.shear[2], self.shear[3])))
        return angle, (tx, ty), sc, sh

    def _execute(self, img):
        im, was_pil, single = _to_pil(img, "RandomAffine")
        w, h = im.size
        angle, trans, sc, sh = self._params(_rng.get_rng(), w, h)
        matrix = _inverse_affine((w * 0.5, h * 0.5), angle, trans, sc, sh)
        fill = self.fill_value
        if im.mode == "RGB" and isinstance(fill, numbers.Real):
            fill = (int(fill),) * 3
        out = im.transform((w, h), Image.Transform.AFFINE, matrix, pil_filter(self.resample), fillcolor=fill)
        return _back(out, was_pil, single)


class RandomErasing(TensorOperation):
    """With probability `prob`, erase a random rectangle of a CHW float image: area fraction from
    `scale`, aspect ratio (log-uniform) from `ratio`, filled with `value` (a number, one per
    channel, or 'random' for normal noise); up to `max_attempts` tries to fit it."""

    random = True

    def __init__(self, prob=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False, max_attempts=10):
        who = "RandomErasing"
        if not 0 <= prob <= 1:
            raise ValueError(f"{who}: prob must be in [0, 1], got {prob}")
        if not 0 <= scale[0] <= scale[1] or not 0 < ratio[0] <= ratio[1]:
            raise ValueError(f"{who}: scale and ratio must be increasing ranges (ratio positive), got {scale}, {ratio}")
        if not (isinstance(value, numbers.Real) or value == "random" or isinstance(value, (tuple, list))):
            raise TypeError(f"{who}: value must be a number, a tuple of numbers or 'random', got {value!r}")
        self.prob, self.scale, self.ratio, self.value = float(prob), tuple(scale), tuple(ratio), value
        self.inplace, self.max_attempts = bool(inplace), int(max_attempts)

    def _execute(self, img):
        arr = np.asarray(img.asnumpy() if hasattr(img, "asnumpy") else img)
        if arr.ndim != 3:
            raise ValueError(f"RandomErasing: expected a CHW image, got shape {arr.shape}")
        rng = _rng.get_rng()
        if rng.random() >= self.prob:
            return arr
        c, h, w = arr.shape
        out = arr if self.inplace else arr.copy()
        log_lo, log_hi = math.log(self.ratio[0]), math.log(self.ratio[1])
        for _ in range(self.max_attempts):
            area = h * w * rng.uniform(*self.scale)
            aspect = math.exp(rng.uniform(log_lo, log_hi))
            eh, ew = int(round(math.sqrt(area * aspect))), int(round(math.sqrt(area / aspect)))
            if eh < h and ew < w:
                top, left = int(rng.integers(0, h - eh + 1)), int(rng.integers(0, w - ew + 1))
                if self.value == "random":
                    patch = rng.standard_normal((c, eh, ew))
                else:
                    patch = np.broadcast_to(np.asarray(self.value, dtype=np.float64).reshape(-1, 1, 1), (c, eh, ew))
                out[:, top:top + eh, left:left + ew] = patch.astype(out.dtype)
                return out
        return out


class RandomSelectSubpolicy(TensorOperation):
    """One sub-policy drawn uniformly from `policy`, a list of sub-policies; each sub-policy is a
    list of (transform, probability) pairs applied in order, each with its probability."""

    random = True

    def __init__(self, policy):
        if not isinstance(policy, (list, tuple)) or not policy:
            raise TypeError("RandomSelectSubpolicy: policy must be a non-empty list of sub-policies")
        for sub in policy:
            if not isinstance(sub, (list, tuple)) or not sub:
                raise TypeError("RandomSelectSubpolicy: each sub-policy must be a non-empty list of (op, prob)")
            for item in sub:
                if not (isinstance(item, (list, tuple)) and len(item) == 2 and callable(item[0])
                        and isinstance(item[1], numbers.Real) and 0 <= item[1] <= 1):
                    raise TypeError(f"RandomSelectSubpolicy: entries must be (callable op, prob in [0, 1]), got "
                                    f"{item!r}")
        self.policy = [list(sub) for sub in policy]

    def _execute(self, *inputs):
        rng = _rng.get_rng()
        sub = self.policy[int(rng.integers(0, len(self.policy)))]
        out = inputs
        for op, prob in sub:
            if rng.random() < prob:
                res = op(*out)
                out = res if isinstance(res, tuple) else (res,)
        return out if len(out) > 1 else out[0]


class NormalizePad(TensorOperation):
    """(image - mean) / std per channel of an HWC image, then a zero fourth channel (the padded
    layout some accelerators want); `dtype` 'float32' or 'float16'. With is_hwc=False the image is
    CHW and the padding is a fourth leading channel."""

    def __init__(self, mean, std, dtype="float32", is_hwc=True):
        who = "NormalizePad"
        self.mean = np.asarray(mean, np.float64).reshape(-1)
        self.std = np.asarray(std, np.float64).reshape(-1)
        if self.mean.size != self.std.size or self.mean.size not in (1, 3) or (self.std <= 0).any():
            raise ValueError(f"{who}: mean and std must each have 1 or 3 values, std positive, got {mean}, {std}")
        self.dtype = to_np_dtype(dtype)
        if self.dtype not in (np.float32, np.float16):
            raise ValueError(f"{who}: dtype must be 'float32' or 'float16', got {dtype!r}")
        self.is_hwc = bool(is_hwc)

    def _execute(self, img):
        arr = np.asarray(img, np.float64) if is_pil(img) else check_image(img, "NormalizePad", ndims=(3,)).astype(
            np.float64)
        axis = 2 if self.is_hwc else 0
        shape = [1, 1, 1]
        shape[axis] = -1
        out = (arr - self.mean.reshape(shape)) / self.std.reshape(shape)
        pad = [(0, 0)] * 3
        pad[axis] = (0, 1)
        return np.pad(out, pad).astype(self.dtype)
