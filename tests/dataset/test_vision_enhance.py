"""Photometric / AutoAugment transforms against pillow's ImageOps and ImageEnhance, and their
randomness (seeded, drawn from the documented ranges)."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from mindlite.dataset import config, vision

RNG = np.random.default_rng(7)
IMG = RNG.integers(0, 256, (12, 10, 3), dtype=np.uint8)


@pytest.fixture(autouse=True)
def _seed():
    seed = config.get_seed()
    config.set_seed(1234)
    yield
    config.set_seed(seed)


def _pil(a):
    return Image.fromarray(a)


def test_autocontrast_equalize_invert_match_pillow():
    np.testing.assert_array_equal(vision.AutoContrast()(IMG), np.asarray(ImageOps.autocontrast(_pil(IMG))))
    np.testing.assert_array_equal(vision.AutoContrast(5.0, ignore=[0, 255])(IMG),
                                  np.asarray(ImageOps.autocontrast(_pil(IMG), 5.0, [0, 255])))
    np.testing.assert_array_equal(vision.Equalize()(IMG), np.asarray(ImageOps.equalize(_pil(IMG))))
    np.testing.assert_array_equal(vision.Invert()(IMG), 255 - IMG)
    gray = IMG[..., :1]
    assert vision.Invert()(gray).shape == (12, 10, 1)
    out = vision.Equalize()(_pil(IMG))
    assert isinstance(out, Image.Image)             # PIL in, PIL out
    with pytest.raises(TypeError, match="uint8"):
        vision.Invert()(IMG.astype(np.float32))


def test_enhancements_with_fixed_factors():
    np.testing.assert_array_equal(vision.RandomSharpness((0.3, 0.3))(IMG),
                                  np.asarray(ImageEnhance.Sharpness(_pil(IMG)).enhance(0.3)))
    np.testing.assert_array_equal(vision.RandomColor((1.7, 1.7))(IMG),
                                  np.asarray(ImageEnhance.Color(_pil(IMG)).enhance(1.7)))
    np.testing.assert_array_equal(vision.RandomPosterize(3)(IMG), np.asarray(ImageOps.posterize(_pil(IMG), 3)))
    np.testing.assert_array_equal(vision.RandomPosterize((2, 2))(IMG), IMG & 0b11000000)
    np.testing.assert_array_equal(vision.RandomSolarize((100, 100))(IMG), np.where(IMG == 100, 155, IMG))
    np.testing.assert_array_equal(vision.RandomGrayscale(1.0)(IMG),
                                  np.asarray(_pil(IMG).convert("L").convert("RGB")))
    np.testing.assert_array_equal(vision.RandomGrayscale(0.0)(IMG), IMG)


def test_random_factors_stay_in_range_and_repeat_under_seed():
    config.set_seed(5)
    a = [vision.RandomSharpness((0.1, 1.9))(IMG) for _ in range(4)]
    config.set_seed(5)
    b = [vision.RandomSharpness((0.1, 1.9))(IMG) for _ in range(4)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert any(not np.array_equal(a[0], x) for x in a[1:])
    for _ in range(20):    # a solarized pixel was inverted inside [t1, t2], a kept one lies outside
        out = vision.RandomSolarize((50, 200))(IMG)
        changed = out != IMG
        assert (IMG[changed] >= 50).all() and (IMG[changed] <= 200).all()
    bits = {int(np.unpackbits(vision.RandomPosterize((2, 5))(np.full((1, 1, 3), 255, np.uint8))[0, 0, :1]).sum())
            for _ in range(60)}
    assert bits == {2, 3, 4, 5}


def test_random_affine():
    square = RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    np.testing.assert_array_equal(vision.RandomAffine(0)(square), square)
    np.testing.assert_array_equal(vision.RandomAffine((90, 90))(square), np.rot90(square, -1))   # clockwise
    shifted = vision.RandomAffine(0, translate=(0.25, 0.25, 0.0, 0.0), fill_value=7)(square)
    np.testing.assert_array_equal(shifted[:, 2:], square[:, :-2])                              # 2 px right
    assert (shifted[:, :2] == 7).all()
    scaled = vision.RandomAffine(0, scale=(2.0, 2.0))(square)
    np.testing.assert_array_equal(scaled[2:6:2, 2:6:2], square[3:5, 3:5])                       # zoom about the centre
    out = vision.RandomAffine(30, translate=(0.1, 0.1), scale=(0.8, 1.2), shear=10)(IMG)
    assert out.shape == IMG.shape and out.dtype == np.uint8
    with pytest.raises(ValueError, match="translate"):
        vision.RandomAffine(10, translate=(2.0, 0.0))


def test_random_erasing():
    img = np.ones((3, 20, 16), np.float32)
    out = vision.RandomErasing(prob=1.0, value=0.5)(img)
    mask = (out == 0.5).all(0)
    rows, cols = np.where(mask)
    assert mask.any() and mask[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()   # one rectangle
    assert 0.02 * 320 * 0.5 <= mask.sum() <= 0.33 * 320 * 1.5
    np.testing.assert_array_equal(out[:, ~mask], 1.0)
    assert img.min() == 1.0                                                                    # not in place
    np.testing.assert_array_equal(vision.RandomErasing(prob=0.0)(img), img)
    noisy = vision.RandomErasing(prob=1.0, value="random")(img)
    assert (noisy != 1.0).any()


def test_random_select_subpolicy():
    policy = [[(vision.Invert(), 1.0), (vision.RandomPosterize(1), 0.0)],
              [(vision.RandomSolarize((0, 0)), 1.0)]]
    seen = set()
    for _ in range(30):
        out = vision.RandomSelectSubpolicy(policy)(IMG)
        if np.array_equal(out, 255 - IMG):
            seen.add("invert")
        elif np.array_equal(out, np.where(IMG == 0, 255, IMG)):
            seen.add("solarize")
        else:
            raise AssertionError("the output is neither sub-policy's")
    assert seen == {"invert", "solarize"}
    with pytest.raises(TypeError, match="prob in"):
        vision.RandomSelectSubpolicy([[(vision.Invert(), 2.0)]])


def test_normalize_pad():
    mean, std = [121.0, 115.0, 100.0], [70.0, 68.0, 71.0]
    out = vision.NormalizePad(mean, std)(IMG)
    assert out.shape == (12, 10, 4) and out.dtype == np.float32
    np.testing.assert_allclose(out[..., :3], (IMG - np.array(mean)) / np.array(std), rtol=1e-6)
    assert not out[..., 3].any()
    chw = vision.NormalizePad(mean, std, "float16", is_hwc=False)(IMG.transpose(2, 0, 1))
    assert chw.shape == (4, 12, 10) and chw.dtype == np.float16
