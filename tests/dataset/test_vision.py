"""mindlite.dataset.vision and .transforms: each op against a numpy/pillow reference."""
import io

import numpy as np
import pytest
from PIL import Image, ImageEnhance

import mindlite.dataset as ds
from mindlite.dataset import transforms as T
from mindlite.dataset import vision as V
from mindlite.dataset.engine import config
from mindlite.dataset.vision.random_transforms import random_resized_crop_box

pytestmark = pytest.mark.timeout(60)  # one test starts worker processes


@pytest.fixture
def img():
    return np.random.default_rng(1).integers(0, 256, (30, 40, 3), dtype=np.uint8)


def encode(arr, fmt="PNG", **kw):
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, fmt, **kw)
    return np.frombuffer(buf.getvalue(), dtype=np.uint8)


def smooth_image(h, w, seed=0):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ph = np.random.default_rng(seed).uniform(0, 6, 3)
    return np.stack([127 + 100 * np.sin(0.02 * xx + 0.03 * yy + p) for p in ph], -1).astype(np.uint8)


# ------------------------------------------------------------------ decode / resize / crops
def test_decode_png_exact_and_to_pil(img):
    data = encode(img)
    assert np.array_equal(V.Decode()(data), img)
    assert isinstance(V.Decode(to_pil=True)(data), Image.Image)
    gray = V.Decode()(encode(img[..., 0]))
    assert gray.shape == (30, 40, 3) and np.array_equal(gray[..., 1], img[..., 0])


def test_decode_jpeg_matches_pillow(img):
    data = encode(img, "JPEG", quality=90)
    ref = np.asarray(Image.open(io.BytesIO(data.tobytes())).convert("RGB"))
    assert np.array_equal(V.Decode()(data), ref)


def test_decode_rejects_corrupt_and_decoded_input(img):
    with pytest.raises(RuntimeError, match="Decode"):
        V.Decode()(np.frombuffer(b"not an image at all", np.uint8))
    truncated = encode(img, "JPEG")[:200]
    with pytest.raises(RuntimeError, match="Decode"):
        V.Decode()(truncated)
    with pytest.raises(TypeError, match="already decoded"):
        V.Decode()(img)


def test_resize_of_pil_images_matches_pillow(img):
    """PIL images are resized with pillow's filters (numpy images: see test_resize_modes.py)."""
    out = V.Resize(20)(Image.fromarray(img))  # shorter side (30) -> 20, width 40 -> 26
    ref = Image.fromarray(img).resize((26, 20), Image.Resampling.BILINEAR)
    assert isinstance(out, Image.Image) and np.array_equal(np.asarray(out), np.asarray(ref))
    out = V.Resize((12, 17), V.Inter.NEAREST)(Image.fromarray(img))
    assert np.array_equal(np.asarray(out), np.asarray(Image.fromarray(img).resize((17, 12), Image.Resampling.NEAREST)))
    f = Image.fromarray(img[..., 1].astype(np.float32), "F")
    assert np.allclose(np.asarray(V.Resize((10, 10))(f)), np.asarray(f.resize((10, 10), Image.Resampling.BILINEAR)))
    assert V.Resize(20)(img).shape == (20, 26, 3) and V.Resize(15)(img[..., 0]).shape == (15, 20)
    assert V.Inter.LINEAR is V.Inter.BILINEAR and V.Inter.CUBIC is V.Inter.BICUBIC


def test_center_crop_and_zero_pad(img):
    assert np.array_equal(V.CenterCrop((10, 20))(img), img[10:20, 10:30])
    big = V.CenterCrop(50)(img)
    assert big.shape == (50, 50, 3)
    assert np.array_equal(big[10:40, 5:45], img) and big[:10].sum() == 0
    assert V.CenterCrop(8)(Image.fromarray(img)).size == (8, 8)
    assert np.array_equal(V.Crop((3, 4), (5, 6))(img), img[3:8, 4:10])


def test_random_crop_is_a_window_of_the_padded_image(img):
    src = img[:32, :32]
    padded = np.pad(src, ((4, 4), (4, 4), (0, 0)))
    for _ in range(5):
        out = V.RandomCrop(32, padding=4)(src)
        hits = [(y, x) for y in range(9) for x in range(9) if np.array_equal(padded[y:y + 32, x:x + 32], out)]
        assert hits
    assert V.RandomCrop((40, 50), pad_if_needed=True)(img).shape == (40, 50, 3)
    with pytest.raises(ValueError, match="pad_if_needed"):
        V.RandomCrop(64)(img)


def test_random_resized_crop_matches_reference(img):
    ds.config.set_seed(3)
    out = V.RandomResizedCrop((16, 12), scale=(0.2, 0.9))(img)
    ds.config.set_seed(3)
    x, y, w, h = random_resized_crop_box(config.global_rng(), 40, 30, (0.2, 0.9), (3 / 4, 4 / 3), 10)
    assert np.array_equal(out, V.Resize((16, 12))(img[y:y + h, x:x + w]))  # numpy: crop, then Resize's rules
    ds.config.set_seed(3)
    pil = V.RandomResizedCrop((16, 12), scale=(0.2, 0.9))(Image.fromarray(img))
    ref = Image.fromarray(img).resize((12, 16), Image.Resampling.BILINEAR, box=(x, y, x + w, y + h))
    assert np.array_equal(np.asarray(pil), np.asarray(ref))
    whole = V.RandomResizedCrop(20, scale=(1, 1), ratio=(4 / 3, 4 / 3))(Image.fromarray(img))
    assert np.array_equal(np.asarray(whole),
                          np.asarray(Image.fromarray(img).resize((20, 20), Image.Resampling.BILINEAR)))


def test_random_resized_crop_box_properties():
    rng = np.random.default_rng(0)
    for _ in range(200):
        x, y, w, h = random_resized_crop_box(rng, 400, 300, (0.08, 1.0), (3 / 4, 4 / 3), 10)
        assert 0 <= x and 0 <= y and x + w <= 400 and y + h <= 300 and w > 0 and h > 0
    # impossible aspect -> centred fallback clamped to the ratio
    assert random_resized_crop_box(rng, 100, 10, (0.9, 1.0), (1.0, 1.0), 3) == (45, 0, 10, 10)


def test_random_crop_decode_resize_equals_decode_then_crop(img):
    data = encode(img, "JPEG", quality=95)
    ds.config.set_seed(11)
    fused = V.RandomCropDecodeResize(24)(data)
    ds.config.set_seed(11)
    ref = V.RandomResizedCrop(24)(V.Decode(to_pil=True)(data))  # the fused op resizes with pillow's filter
    assert fused.shape == (24, 24, 3) and np.array_equal(fused, np.asarray(ref))


def test_random_crop_decode_resize_draft_mode_is_close():
    """A big JPEG and big crops: decoded at reduced scale (draft), result close to the full path."""
    big = smooth_image(1200, 1600)
    data = encode(big, "JPEG", quality=95)
    op = V.RandomCropDecodeResize(200, scale=(0.6, 1.0))
    ds.config.set_seed(5)
    fast = op(data).astype(np.float32)
    ds.config.set_seed(5)
    full = np.asarray(V.RandomResizedCrop(200, scale=(0.6, 1.0))(V.Decode(to_pil=True)(data))).astype(np.float32)
    assert np.abs(fast - full).mean() < 2.0


def test_flips(img):
    assert np.array_equal(V.RandomHorizontalFlip(1.0)(img), img[:, ::-1])
    assert np.array_equal(V.RandomVerticalFlip(1.0)(img), img[::-1])
    assert V.RandomHorizontalFlip(0.0)(img) is img
    pil = V.RandomHorizontalFlip(1.0)(Image.fromarray(img))
    assert isinstance(pil, Image.Image) and np.array_equal(np.asarray(pil), img[:, ::-1])


def test_random_rotation(img):
    sq = img[:30, :30]
    assert np.array_equal(V.RandomRotation((90, 90))(sq), np.rot90(sq))
    ds.config.set_seed(2)
    out = V.RandomRotation(30, V.Inter.BILINEAR, fill_value=(1, 2, 3))(img)
    ds.config.set_seed(2)
    angle = config.global_rng().uniform(-30, 30)
    ref = Image.fromarray(img).rotate(angle, Image.Resampling.BILINEAR, fillcolor=(1, 2, 3))
    assert np.array_equal(out, np.asarray(ref))
    assert V.RandomRotation((45, 45), expand=True)(img).shape[0] > 30


def test_random_color_adjust(img):
    assert np.array_equal(V.RandomColorAdjust()(img), img)
    out = V.RandomColorAdjust(brightness=(0.5, 0.5))(img)
    assert np.array_equal(out, np.asarray(ImageEnhance.Brightness(Image.fromarray(img)).enhance(0.5)))
    out = V.RandomColorAdjust(saturation=(0.0, 0.0))(img)
    assert np.abs(out.astype(int) - out[..., :1].astype(int)).max() <= 1  # gray
    assert V.RandomColorAdjust(0.4, 0.4, 0.4, 0.1)(img).shape == img.shape
    with pytest.raises(ValueError):
        V.RandomColorAdjust(hue=0.7)


# ------------------------------------------------------------------ pixel ops
def test_normalize_hwc_and_chw(img):
    mean, std = [10.0, 20.0, 30.0], [2.0, 4.0, 8.0]
    out = V.Normalize(mean, std)(img)
    assert out.dtype == np.float32 and out.shape == img.shape
    assert np.allclose(out, (img - np.float32(mean)) / np.float32(std), atol=1e-5)
    chw = img.transpose(2, 0, 1)
    out = V.Normalize(mean, std, is_hwc=False)(chw)
    assert np.allclose(out, (chw - np.float32(mean)[:, None, None]) / np.float32(std)[:, None, None], atol=1e-5)
    with pytest.raises(ValueError, match="channels"):
        V.Normalize([1, 2], [1, 1])(img)


def test_hwc2chw_rescale_totensor(img):
    chw = V.HWC2CHW()(img)
    assert np.array_equal(chw, img.transpose(2, 0, 1)) and chw.flags.c_contiguous
    assert np.array_equal(V.HWC2CHW()(V.Normalize([0, 0, 0], [1, 1, 1])(img)), chw.astype(np.float32))
    assert np.allclose(V.Rescale(1 / 255, -0.5)(img), img / 255 - 0.5, atol=1e-6)
    t = V.ToTensor()(Image.fromarray(img))
    assert t.dtype == np.float32 and np.allclose(t, img.transpose(2, 0, 1) / 255)


def test_pad_modes(img):
    out = V.Pad((1, 2, 3, 4), fill_value=(7, 8, 9))(img)
    assert out.shape == (36, 44, 3) and np.array_equal(out[2:32, 1:41], img)
    assert (out[0, 0] == [7, 8, 9]).all() and (out[-1, -1] == [7, 8, 9]).all()
    for mode, np_mode in ((V.Border.EDGE, "edge"), (V.Border.REFLECT, "reflect"), (V.Border.SYMMETRIC, "symmetric")):
        assert np.array_equal(V.Pad(2, padding_mode=mode)(img), np.pad(img, ((2, 2), (2, 2), (0, 0)), np_mode))
    assert np.array_equal(V.Pad((1, 2))(img), np.pad(img, ((2, 2), (1, 1), (0, 0))))


def test_grayscale(img):
    ref = np.asarray(Image.fromarray(img).convert("L"))
    assert np.array_equal(V.Grayscale()(img), ref)
    assert np.array_equal(V.Grayscale(3)(img), np.repeat(ref[..., None], 3, 2))
    assert V.Grayscale()(Image.fromarray(img)).mode == "L"


def test_cutout(img):
    before = img.copy()
    out = V.CutOut(10, num_patches=1)(img)
    assert np.array_equal(img, before)  # input untouched
    changed = (out != img).any(axis=2)
    ys, xs = np.nonzero(changed)
    assert ys.max() - ys.min() < 10 and xs.max() - xs.min() < 10
    assert (out[changed] == 0).all()
    assert (V.CutOut(100)(img) == 0).all()
    assert (V.CutOut(50, is_hwc=False)(img.transpose(2, 0, 1)) == 0).all()


def test_mixup_batch():
    images = np.random.default_rng(0).uniform(0, 1, (4, 5, 5, 3)).astype(np.float32)
    labels = np.eye(4, dtype=np.int32)
    out, mixed = V.MixUpBatch(0.5)(images, labels)
    assert mixed.dtype == np.float32 and np.allclose(mixed.sum(1), 1)
    # with one-hot identity labels, row i of `mixed` holds the weights of the images mixed into i
    assert np.allclose(out, np.einsum("ij,jhwc->ihwc", mixed, images), atol=1e-5)
    out8, _ = V.MixUpBatch()((images * 255).astype(np.uint8), labels)
    assert out8.dtype == np.uint8


def test_cutmix_batch_nhwc_and_nchw():
    images = np.stack([np.full((8, 8, 3), k, np.uint8) for k in range(4)])
    labels = np.eye(4, dtype=np.float32)
    out, mixed = V.CutMixBatch(V.ImageBatchFormat.NHWC, 1.0, 1.0)(images, labels)
    for i in range(4):
        frac_other = (out[i, ..., 0] != i).mean()
        assert np.isclose(mixed[i, i], 1 - frac_other) or frac_other == 0
        assert np.isclose(mixed[i].sum(), 1)
    out, _ = V.CutMixBatch(V.ImageBatchFormat.NCHW, prob=0.0)(images.transpose(0, 3, 1, 2), labels)
    assert np.array_equal(out, images.transpose(0, 3, 1, 2))
    with pytest.raises(ValueError, match="OneHot"):
        V.CutMixBatch(V.ImageBatchFormat.NHWC)(images, np.arange(4))


def test_eager_random_ops_follow_ds_seed(img):
    ops = T.Compose([V.RandomResizedCrop(12), V.RandomHorizontalFlip(), V.RandomRotation(20)])
    ds.config.set_seed(42)
    a = ops(img)
    ds.config.set_seed(42)
    assert np.array_equal(a, ops(img))


def test_legacy_modules():
    from mindlite.dataset.transforms import c_transforms as C2
    from mindlite.dataset.vision import c_transforms as C
    from mindlite.dataset.vision import py_transforms as P
    assert C.RandomCrop is V.RandomCrop and C.Inter is V.Inter and C2.TypeCast is T.TypeCast
    assert isinstance(P.Decode()(encode(np.zeros((4, 4, 3), np.uint8))), Image.Image)


def test_pipeline_results_independent_of_workers(img):
    images = np.stack([np.roll(img, k, axis=1) for k in range(12)])

    def run(workers, processes):
        ds.config.set_seed(9)
        data = ds.NumpySlicesDataset({"image": images}, shuffle=False)
        data = data.map([V.RandomResizedCrop(16), V.RandomHorizontalFlip(), V.CutOut(4)], input_columns="image",
                        num_parallel_workers=workers, python_multiprocessing=processes)
        return [r[0] for r in data.create_tuple_iterator(output_numpy=True, num_epochs=1)]
    base = run(1, False)
    for workers, processes in ((3, False), (2, True)):
        assert all(np.array_equal(a, b) for a, b in zip(base, run(workers, processes)))


# ------------------------------------------------------------------ general transforms
def test_typecast_onehot():
    import mindlite as ms
    x = np.arange(4)
    assert T.TypeCast(ms.float16)(x).dtype == np.float16
    assert T.TypeCast("int32")(x).dtype == np.int32 and T.TypeCast(np.uint8)(x).dtype == np.uint8
    assert np.array_equal(T.OneHot(4)(np.int32(2)), [0, 0, 1, 0])
    smooth = T.OneHot(4, smoothing_rate=0.2)(np.array([1, 3]))
    assert smooth.dtype == np.float32 and np.allclose(smooth[0], [0.05, 0.85, 0.05, 0.05])
    with pytest.raises(ValueError, match="range"):
        T.OneHot(3)(np.array([3]))


def test_array_transforms():
    x = np.arange(5)
    assert np.array_equal(T.Concatenate(0, [9], [7])(x, x[:2]), [9, 0, 1, 2, 3, 4, 0, 1, 7])
    a, b = T.Duplicate()(x)
    assert np.array_equal(a, b) and a is not b
    assert np.array_equal(T.Fill(3)(x), [3] * 5)
    m = np.arange(12).reshape(3, 4)
    assert np.array_equal(T.Slice(slice(0, 2), [1, 3])(m), m[:2][:, [1, 3]])
    assert np.array_equal(T.Slice(Ellipsis, 0)(m), m[:, :1])
    assert np.array_equal(T.Mask(T.Relational.GE, 2)(x), x >= 2)
    assert np.array_equal(T.PadEnd([7], -1)(x), [0, 1, 2, 3, 4, -1, -1])
    assert np.array_equal(T.PadEnd([2, 2])(m), m[:2, :2])
    vals, idx, cnt = T.Unique()(np.array([5, 3, 5, 1, 3]))
    assert vals.tolist() == [5, 3, 1] and idx.tolist() == [0, 1, 0, 2, 1] and cnt.tolist() == [2, 2, 1]


def test_random_apply_choice_compose():
    inc, dbl = (lambda v: v + 1), (lambda v: v * 2)
    x = np.array([1])
    assert T.RandomApply([inc, dbl], prob=1.0)(x)[0] == 4
    assert T.RandomApply([inc], prob=0.0)(x)[0] == 1
    seen = {int(T.RandomChoice([inc, dbl])(np.array([3]))[0]) for _ in range(30)}
    assert seen == {4, 6}
    assert T.Compose([T.Duplicate(), T.Concatenate()])(x).tolist() == [1, 1]
    with pytest.raises(ValueError):
        T.Compose([])
