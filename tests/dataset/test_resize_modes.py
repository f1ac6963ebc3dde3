"""vision.Resize on numpy images follows MindSpore's C++ op (OpenCV's resize rules) for every
interpolation mode; PIL images keep pillow's filters. References: pillow where its result is
the same operation (2x2 block means, box averages, upscaling bilinear, pillow's own bicubic and
Lanczos), closed forms written here otherwise."""
import math

import numpy as np
import pytest
from PIL import Image

import mindlite.dataset.vision as V

RNG = np.random.default_rng(7)
U8 = RNG.integers(0, 256, (24, 18, 3)).astype(np.uint8)
F32 = RNG.uniform(0, 255, (24, 18)).astype(np.float32)


def _pil_f(a, size_wh, resample):
    return np.asarray(Image.fromarray(a, "F").resize(size_wh, resample))


@pytest.mark.parametrize("inter", [V.Inter.LINEAR, V.Inter.AREA])
def test_halving_gives_2x2_block_means(inter):
    out = V.Resize((12, 9), inter)(U8)
    np.testing.assert_array_equal(out, np.asarray(Image.fromarray(U8).reduce(2)))  # round half up, as OpenCV
    ref = F32.reshape(12, 2, 9, 2).mean((1, 3))
    np.testing.assert_allclose(V.Resize((12, 9), inter)(F32), ref, rtol=1e-6)


def test_area_integer_factor_is_the_box_mean():
    np.testing.assert_allclose(V.Resize((8, 6), V.Inter.AREA)(F32), _pil_f(F32, (6, 8), Image.Resampling.BOX),
                               rtol=1e-5)


def test_area_fractional_factor_weighs_partial_pixels():
    """24 -> 7 and 18 -> 5: each output is the exact area average of its footprint, the mean of
    the image upsampled by (7, 5) (nearest) and reduced by (24, 18)."""
    out = V.Resize((7, 5), V.Inter.AREA)(F32)
    fine = Image.fromarray(F32, "F").resize((18 * 5, 24 * 7), Image.Resampling.NEAREST)
    ref = np.asarray(fine).reshape(7, 24, 5, 18).mean((1, 3))
    np.testing.assert_allclose(out, ref, rtol=1e-5)


@pytest.mark.parametrize("size", [(48, 36), (61, 23), (30, 40)])
def test_bilinear_upscaling_matches_pillow(size):
    out = V.Resize(size, V.Inter.BILINEAR)(F32)
    np.testing.assert_allclose(out, _pil_f(F32, size[::-1], Image.Resampling.BILINEAR), rtol=1e-5, atol=1e-4)


def _linear_ref(a, oh, ow):
    """OpenCV's bilinear: centre-aligned source position, clamped at the borders, 2 taps per axis."""
    def axis(n_in, n_out):
        rows = []
        for i in range(n_out):
            x = (i + 0.5) * n_in / n_out - 0.5
            x0 = math.floor(x)
            f = x - x0
            if x0 < 0:
                x0, f = 0, 0.0
            if x0 >= n_in - 1:
                x0, f = n_in - 1, 0.0
            row = np.zeros(n_in)
            row[x0] += 1 - f
            row[min(x0 + 1, n_in - 1)] += f
            rows.append(row)
        return np.array(rows)
    return axis(a.shape[0], oh) @ a.astype(np.float64) @ axis(a.shape[1], ow).T


def test_bilinear_downscaling_samples_two_taps():
    np.testing.assert_allclose(V.Resize((10, 7), V.Inter.LINEAR)(F32), _linear_ref(F32, 10, 7), rtol=1e-5)
    out = V.Resize((10, 7), V.Inter.LINEAR)(U8)
    for c in range(3):
        np.testing.assert_allclose(out[..., c], np.rint(_linear_ref(U8[..., c], 10, 7)), atol=1)


def test_nearest_takes_floor_of_scaled_index():
    oh, ow = 10, 7
    rows = np.floor(np.arange(oh) * 24 / oh).astype(int)
    cols = np.floor(np.arange(ow) * 18 / ow).astype(int)
    np.testing.assert_array_equal(V.Resize((oh, ow), V.Inter.NEAREST)(U8), U8[rows][:, cols])
    up = V.Resize((50, 40), V.Inter.NEAREST)(U8)
    np.testing.assert_array_equal(up, U8[(np.arange(50) * 24 // 50)][:, (np.arange(40) * 18 // 40)])


def _cubic_ref(a, oh, ow, A=-0.75):
    def kernel(t):
        t = abs(t)
        if t <= 1:
            return (A + 2) * t ** 3 - (A + 3) * t ** 2 + 1
        if t < 2:
            return A * t ** 3 - 5 * A * t ** 2 + 8 * A * t - 4 * A
        return 0.0

    def axis(n_in, n_out):
        m = np.zeros((n_out, n_in))
        for i in range(n_out):
            x = (i + 0.5) * n_in / n_out - 0.5
            x0 = math.floor(x)
            for k in range(x0 - 1, x0 + 3):
                m[i, min(max(k, 0), n_in - 1)] += kernel(x - k)
        return m
    return axis(a.shape[0], oh) @ a.astype(np.float64) @ axis(a.shape[1], ow).T


@pytest.mark.parametrize("size", [(10, 7), (40, 33)])
def test_bicubic_uses_the_a_minus_075_kernel(size):
    np.testing.assert_allclose(V.Resize(size, V.Inter.BICUBIC)(F32), _cubic_ref(F32, *size), rtol=1e-5, atol=1e-3)
    out = V.Resize(size, V.Inter.BICUBIC)(U8)
    ref = np.clip(np.rint(_cubic_ref(U8[..., 0], *size)), 0, 255)
    np.testing.assert_allclose(out[..., 0], ref, atol=1)


@pytest.mark.parametrize("inter, resample", [(V.Inter.PILCUBIC, Image.Resampling.BICUBIC),
                                             (V.Inter.ANTIALIAS, Image.Resampling.LANCZOS)])
def test_pillow_filters_on_numpy_images(inter, resample):
    out = V.Resize((10, 7), inter)(U8)
    np.testing.assert_array_equal(out, np.asarray(Image.fromarray(U8).resize((7, 10), resample)))


@pytest.mark.parametrize("inter, resample", [(V.Inter.NEAREST, Image.Resampling.NEAREST),
                                             (V.Inter.BILINEAR, Image.Resampling.BILINEAR),
                                             (V.Inter.BICUBIC, Image.Resampling.BICUBIC),
                                             (V.Inter.AREA, Image.Resampling.BOX),
                                             (V.Inter.ANTIALIAS, Image.Resampling.LANCZOS)])
def test_pil_images_use_pillow(inter, resample):
    im = Image.fromarray(U8)
    out = V.Resize((10, 7), inter)(im)
    assert isinstance(out, Image.Image)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(im.resize((7, 10), resample)))


def test_dtypes_shapes_and_identity():
    assert V.Resize((12, 9))(U8).dtype == np.uint8
    assert V.Resize((12, 9))(F32).dtype == np.float32
    assert V.Resize(12)(U8[..., :1]).shape == (16, 12, 1)  # shorter side 18 -> 12
    np.testing.assert_array_equal(V.Resize((24, 18))(U8), U8)
    i16 = (RNG.integers(-1000, 1000, (8, 8))).astype(np.int16)
    np.testing.assert_array_equal(V.Resize((4, 4))(i16), np.floor(i16.reshape(4, 2, 4, 2).mean((1, 3)) + 0.5))
