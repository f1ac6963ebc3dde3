"""Image Cells of MindSpore's nn: SSIM and PSNR (image quality per sample), CentralCrop,
PixelShuffle and Unfold (patch extraction), written with mindlite ops (both modes,
differentiable where the maths is)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import _checkparam as validator
from ... import ops
from ...core import dtype as mstype
from ...core.tensor import Tensor
from ...ops import conv as C
from ..cell import Cell


def _check_images(owner: str, img1: Any, img2: Any) -> None:
    for name, t in (("img1", img1), ("img2", img2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"For '{owner}', '{name}' must be a Tensor, got {type(t).__name__}")
    if img1.ndim != 4 or img1.shape != img2.shape:
        raise ValueError(f"For '{owner}', the images must be 4-d (N, C, H, W) with one shape, got "
                         f"{list(img1.shape)} and {list(img2.shape)}")
    if img1.dtype != img2.dtype:
        raise TypeError(f"For '{owner}', the images must have one dtype, got {img1.dtype} and {img2.dtype}")


def _float(x: Tensor) -> Tensor:
    return x if x.dtype.is_floating_point else ops.cast(x, mstype.float32)


class SSIM(Cell):
    """`nn.SSIM(max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03)`: structural
    similarity of two NCHW image batches with a Gaussian window ('valid' filtering), averaged over
    channels and positions -> (N,)."""

    def __init__(self, max_val: float = 1.0, filter_size: int = 11, filter_sigma: float = 1.5, k1: float = 0.01,
                 k2: float = 0.03) -> None:
        super().__init__()
        self.max_val = validator.check_positive_float(max_val, "max_val", "SSIM")
        self.filter_size = validator.check_int(filter_size, 1, validator.GE, "filter_size", "SSIM")
        self.filter_sigma = validator.check_positive_float(filter_sigma, "filter_sigma", "SSIM")
        self.k1 = validator.check_is_float(k1, "k1", "SSIM")
        self.k2 = validator.check_is_float(k2, "k2", "SSIM")
        coords = np.arange(self.filter_size, dtype=np.float64) - (self.filter_size - 1) / 2.0
        g = np.exp(-coords ** 2 / (2 * self.filter_sigma ** 2))
        self._window = np.outer(g, g) / np.outer(g, g).sum()

    def _filter(self, x: Tensor) -> Tensor:
        c = x.shape[1]
        w = Tensor(np.broadcast_to(self._window, (c, 1) + self._window.shape).astype(x.dtype.np))
        return C.conv2d_p(x, w, stride=(1, 1), pads=(0, 0, 0, 0), dilation=(1, 1), groups=c)

    def construct(self, img1: Tensor, img2: Tensor) -> Tensor:
        _check_images("SSIM", img1, img2)
        if min(img1.shape[2:]) < self.filter_size:
            raise ValueError(f"For 'SSIM', the images {list(img1.shape)} are smaller than filter_size "
                             f"{self.filter_size}")
        x, y = _float(img1), _float(img2)
        c1, c2 = (self.k1 * self.max_val) ** 2, (self.k2 * self.max_val) ** 2
        mu_x, mu_y = self._filter(x), self._filter(y)
        sxx = self._filter(x * x) - mu_x * mu_x
        syy = self._filter(y * y) - mu_y * mu_y
        sxy = self._filter(x * y) - mu_x * mu_y
        ssim = ((2 * mu_x * mu_y + c1) * (2 * sxy + c2)) / ((mu_x * mu_x + mu_y * mu_y + c1) * (sxx + syy + c2))
        return ops.mean(ssim, (1, 2, 3))


class PSNR(Cell):
    """`nn.PSNR(max_val=1.0)`: 10 * log10(max_val^2 / MSE) per image of two NCHW batches -> (N,)."""

    def __init__(self, max_val: float = 1.0) -> None:
        super().__init__()
        self.max_val = validator.check_positive_float(max_val, "max_val", "PSNR")

    def construct(self, img1: Tensor, img2: Tensor) -> Tensor:
        _check_images("PSNR", img1, img2)
        x, y = _float(img1), _float(img2)
        mse = ops.mean(ops.square(x - y), (1, 2, 3))
        return 10.0 * ops.log(self.max_val ** 2 / mse) / math.log(10.0)


class CentralCrop(Cell):
    """`nn.CentralCrop(central_fraction)`: the central part of (C, H, W) or (N, C, H, W) images,
    keeping `central_fraction` of the height and width (rounded as MindSpore)."""

    def __init__(self, central_fraction: float) -> None:
        super().__init__()
        self.central_fraction = validator.check_float_range(central_fraction, 0.0, 1.0, validator.INC_RIGHT,
                                                            "central_fraction", "CentralCrop")

    def construct(self, image: Tensor) -> Tensor:
        if not isinstance(image, Tensor) or image.ndim not in (3, 4):
            raise ValueError(f"For 'CentralCrop', the image must be 3-d or 4-d, got "
                             f"{list(image.shape) if isinstance(image, Tensor) else type(image).__name__}")
        if self.central_fraction == 1.0:
            return image
        h, w = image.shape[-2:]
        top, left = int(h * (1 - self.central_fraction) / 2), int(w * (1 - self.central_fraction) / 2)
        return image[..., top:h - top, left:w - left]


class PixelShuffle(Cell):
    """`nn.PixelShuffle(upscale_factor)`: (..., C*r*r, H, W) -> (..., C, H*r, W*r), channel
    c*r*r + i*r + j going to pixel (i, j) of each r x r block."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = validator.check_positive_int(upscale_factor, "upscale_factor", "PixelShuffle")

    def construct(self, input: Tensor) -> Tensor:  # noqa: A002
        r = self.upscale_factor
        if input.ndim < 3 or input.shape[-3] % (r * r):
            raise ValueError(f"For 'PixelShuffle', the input must be at least 3-d with channels divisible by "
                             f"{r * r}, got {list(input.shape)}")
        lead, (c, h, w) = input.shape[:-3], input.shape[-3:]
        n = int(np.prod(lead)) if lead else 1
        x = ops.reshape(input, (n, c // (r * r), r, r, h, w))
        x = ops.transpose(x, (0, 1, 4, 2, 5, 3))
        return ops.reshape(x, lead + (c // (r * r), h * r, w * r))


class Unfold(Cell):
    """`nn.Unfold(ksizes, strides, rates, padding='valid')`: image patches of an NCHW input,
    (N, kh*kw*C, out_h, out_w) with patch element (i, j) of channel c at depth (i*kw + j)*C + c.
    ksizes/strides/rates are [1, row, col, 1]."""

    def __init__(self, ksizes: Any, strides: Any, rates: Any, padding: str = "valid") -> None:
        super().__init__()
        owner = "Unfold"
        self.ksizes, self.strides, self.rates = (self._four(v, n) for v, n in
                                                 ((ksizes, "ksizes"), (strides, "strides"), (rates, "rates")))
        self.padding = validator.check_string(str(padding).lower(), ["valid", "same"], "padding", owner)

    @staticmethod
    def _four(v: Any, name: str) -> tuple:
        if not isinstance(v, (tuple, list)) or len(v) != 4 or v[0] != 1 or v[3] != 1:
            raise ValueError(f"For 'Unfold', '{name}' must be [1, row, col, 1], got {v!r}")
        return int(v[1]), int(v[2])

    def construct(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim != 4:
            raise ValueError(f"For 'Unfold', x must be 4-d (N, C, H, W), got "
                             f"{list(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
        (kh, kw), (sh, sw), (rh, rw) = self.ksizes, self.strides, self.rates
        pads = C.conv_pads(x.shape[2:], (kh, kw), (sh, sw), (rh, rw), self.padding, 0, "Unfold")
        n, c = x.shape[:2]
        xp = ops.pad_nd(x, ((0, 0), (0, 0), (pads[0], pads[1]), (pads[2], pads[3])))
        oh = (xp.shape[2] - rh * (kh - 1) - 1) // sh + 1
        ow = (xp.shape[3] - rw * (kw - 1) - 1) // sw + 1
        patches = []
        for i in range(kh):
            for j in range(kw):
                patches.append(xp[:, :, i * rh:i * rh + sh * (oh - 1) + 1:sh, j * rw:j * rw + sw * (ow - 1) + 1:sw])
        return ops.reshape(ops.stack(patches, 1), (n, kh * kw * c, oh, ow))
