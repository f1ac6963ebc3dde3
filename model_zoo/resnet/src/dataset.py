"""Data pipelines of the ResNet recipe (MindSpore's official/cv/ResNet/src/dataset.py, for mindlite).

* ``create_dataset_imagenet``: an ImageNet-layout folder (``root/<class>/<image>.JPEG``) read by
  ``ImageFolderDataset``. Train: RandomCropDecodeResize(224, scale (0.08, 1), ratio (3/4, 4/3)) ->
  RandomHorizontalFlip -> Normalize(ImageNet mean/std x 255) -> HWC2CHW. Eval: Decode -> Resize(256)
  -> CenterCrop(224) -> Normalize -> HWC2CHW. Labels are cast to int32.
* ``create_dataset_cifar10``: the CIFAR-10 *binary* version (``data_batch_{1..5}.bin``,
  ``test_batch.bin``) read by ``Cifar10Dataset``. Train: RandomCrop(32, padding 4) ->
  RandomHorizontalFlip -> Normalize -> HWC2CHW; eval: Normalize -> HWC2CHW.
* ``create_dataset_synthetic`` (the built-in ``"synthetic"``/``"tiny"`` data): a generated,
  *learnable* 10-class image task rendered with numpy, so the recipe runs with no download.
  Each class is one of 5 shapes (disk, ring, square, cross, triangle) in one of 2 colour
  families (warm or cool hues), drawn at a random position, size and shade on a random dark
  background with Gaussian pixel noise. Image ``i`` of a split depends only on
  ``(seed, split, i)``, so every run, worker count and shard sees the same data.

All three accept ``distribute`` (shard by the communication rank and group size) or explicit
``num_shards``/``shard_id`` for data parallelism, ``num_parallel_workers``, and
``drop_remainder`` (True for training, as the recipe batches).
"""
from __future__ import annotations

import os

import numpy as np

import mindlite.dataset as ds
from mindlite import dtype as mstype
from mindlite.dataset import transforms as T
from mindlite.dataset import vision as V

__all__ = ["CIFAR_MEAN", "CIFAR_STD", "IMAGENET_MEAN", "IMAGENET_STD", "SYNTHETIC_CLASSES", "SyntheticImages",
           "create_dataset", "create_dataset_cifar10", "create_dataset_imagenet", "create_dataset_synthetic",
           "render_synthetic"]

IMAGENET_MEAN = [0.485 * 255, 0.456 * 255, 0.406 * 255]
IMAGENET_STD = [0.229 * 255, 0.224 * 255, 0.225 * 255]
SHAPES = ("disk", "ring", "square", "cross", "triangle")
SYNTHETIC_CLASSES = [f"{c}_{s}" for c in ("warm", "cool") for s in SHAPES]  # label = 5 * colour + shape


def _shards(distribute: bool, num_shards: int | None, shard_id: int | None) -> tuple:
    """(num_shards, shard_id): explicit values win; `distribute` asks the communication group."""
    if num_shards is not None:
        if shard_id is None or not 0 <= shard_id < num_shards:
            raise ValueError(f"create_dataset: shard_id must be in [0, {num_shards}), got {shard_id}")
        return num_shards, shard_id
    if distribute:
        size, rank = _rank_and_size()
        return (size, rank) if size > 1 else (None, None)
    return None, None


def _rank_and_size() -> tuple:
    """(group size, rank) from mindlite.communication when the framework has it (not yet at the
    time of writing), else from the auto-parallel context / RANK_SIZE and RANK_ID variables."""
    try:
        from mindlite.communication import get_group_size, get_rank  # type: ignore[import-not-found]
        return get_group_size(), get_rank()
    except ImportError:
        from mindlite.parallel_context import get_auto_parallel_context
        size = int(os.environ.get("RANK_SIZE", get_auto_parallel_context("device_num") or 1))
        rank = int(os.environ.get("RANK_ID", get_auto_parallel_context("global_rank") or 0))
        return size, rank


def _finish(data, image_ops, batch_size: int, drop_remainder: bool, workers: int):
    data = data.map(operations=image_ops, input_columns="image", num_parallel_workers=workers)
    data = data.map(operations=T.TypeCast(mstype.int32), input_columns="label", num_parallel_workers=workers)
    return data.batch(batch_size, drop_remainder=drop_remainder)


# ---- ImageNet -----------------------------------------------------------------------------------------
def create_dataset_imagenet(dataset_path: str, do_train: bool, batch_size: int = 256, train_image_size: int = 224,
                            eval_image_size: int = 224, num_parallel_workers: int = 8, distribute: bool = False,
                            num_shards: int | None = None, shard_id: int | None = None,
                            drop_remainder: bool | None = None, num_samples: int | None = None):
    """ImageFolder-layout ImageNet2012 (the recipe's ``create_dataset2``): batches of
    (float32 [N, 3, size, size], int32 [N])."""
    num_shards, shard_id = _shards(distribute, num_shards, shard_id)
    data = ds.ImageFolderDataset(dataset_path, num_parallel_workers=num_parallel_workers, shuffle=do_train,
                                 num_shards=num_shards, shard_id=shard_id, num_samples=num_samples)
    if do_train:
        ops = [V.RandomCropDecodeResize(train_image_size, scale=(0.08, 1.0), ratio=(0.75, 1.333)),
               V.RandomHorizontalFlip(prob=0.5)]
    else:
        ops = [V.Decode(), V.Resize(round(eval_image_size * 256 / 224)), V.CenterCrop(eval_image_size)]
    ops += [V.Normalize(mean=IMAGENET_MEAN, std=IMAGENET_STD), V.HWC2CHW()]
    return _finish(data, ops, batch_size, do_train if drop_remainder is None else drop_remainder,
                   num_parallel_workers)


# ---- CIFAR-10 -------------------------------------------------------------------------------------------
CIFAR_MEAN = [0.4914 * 255, 0.4822 * 255, 0.4465 * 255]
CIFAR_STD = [0.247 * 255, 0.2435 * 255, 0.2616 * 255]


def create_dataset_cifar10(dataset_path: str, do_train: bool, batch_size: int = 32, train_image_size: int = 32,
                           eval_image_size: int = 32, num_parallel_workers: int = 8, distribute: bool = False,
                           num_shards: int | None = None, shard_id: int | None = None,
                           drop_remainder: bool | None = None, num_samples: int | None = None):
    """CIFAR-10 binary batches (the recipe's ``create_dataset1``); `dataset_path` is the folder
    holding ``data_batch_*.bin`` / ``test_batch.bin`` (``cifar-10-batches-bin``)."""
    num_shards, shard_id = _shards(distribute, num_shards, shard_id)
    data = ds.Cifar10Dataset(dataset_path, usage="train" if do_train else "test",
                             num_parallel_workers=num_parallel_workers, shuffle=do_train, num_shards=num_shards,
                             shard_id=shard_id, num_samples=num_samples)
    ops = []
    if do_train:
        ops += [V.RandomCrop((32, 32), padding=(4, 4, 4, 4)), V.RandomHorizontalFlip(prob=0.5)]
    size = train_image_size if do_train else eval_image_size
    if size != 32:
        ops.append(V.Resize((size, size)))
    ops += [V.Normalize(mean=CIFAR_MEAN, std=CIFAR_STD), V.HWC2CHW()]
    return _finish(data, ops, batch_size, do_train if drop_remainder is None else drop_remainder,
                   num_parallel_workers)


# ---- the built-in generated task ----------------------------------------------------------------------
_WARM_HUES = (0.0, 0.05, 0.1, 0.15)   # red .. yellow (HSV hue in [0, 1))
_COOL_HUES = (0.45, 0.55, 0.62, 0.7)  # cyan .. blue


def _hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    i = int(h * 6.0) % 6
    f = h * 6.0 - int(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    return np.array([(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i], np.float32)


def _shape_mask(shape: str, size: int, cx: float, cy: float, r: float) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    dx, dy = xx - cx, yy - cy
    if shape == "disk":
        return dx * dx + dy * dy <= r * r
    if shape == "ring":
        d2 = dx * dx + dy * dy
        return (d2 <= r * r) & (d2 >= (0.55 * r) ** 2)
    if shape == "square":
        return np.maximum(np.abs(dx), np.abs(dy)) <= 0.8 * r
    if shape == "cross":
        arm = max(0.3 * r, 1.0)
        return ((np.abs(dx) <= arm) & (np.abs(dy) <= r)) | ((np.abs(dy) <= arm) & (np.abs(dx) <= r))
    if shape == "triangle":  # apex up: |dx| grows with dy from the top
        return (dy >= -r) & (dy <= 0.8 * r) & (np.abs(dx) <= (dy + r) * 0.6)
    raise ValueError(f"unknown shape {shape!r}")


def render_synthetic(label: int, size: int, rng: np.random.Generator, noise: float = 20.0) -> np.ndarray:
    """One HWC uint8 image of class `label` (see SYNTHETIC_CLASSES)."""
    colour, shape = divmod(int(label), len(SHAPES))
    hues = _WARM_HUES if colour == 0 else _COOL_HUES
    fg = _hsv_to_rgb(hues[rng.integers(len(hues))] + rng.uniform(-0.02, 0.02) % 1.0, rng.uniform(0.6, 1.0),
                     rng.uniform(0.65, 1.0)) * 255
    bg = rng.uniform(0, 70, 3).astype(np.float32)  # dark, random tint: the colour lies in the shape
    r = rng.uniform(0.24, 0.34) * size
    cx, cy = rng.uniform(r, size - r, 2)
    img = np.empty((size, size, 3), np.float32)
    img[:] = bg
    img[_shape_mask(SHAPES[shape], size, cx, cy, r)] = fg
    img += rng.normal(0.0, noise, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


class SyntheticImages:
    """Random-access source of (image HWC uint8, label int32); row i depends on (seed, i) only."""

    def __init__(self, num_samples: int, image_size: int = 32, seed: int = 0, num_classes: int = 10,
                 noise: float = 20.0) -> None:
        if not 1 <= num_classes <= len(SYNTHETIC_CLASSES):
            raise ValueError(f"SyntheticImages: num_classes must be in [1, {len(SYNTHETIC_CLASSES)}]")
        self.num_samples, self.image_size, self.seed = int(num_samples), int(image_size), int(seed)
        self.num_classes, self.noise = int(num_classes), float(noise)

    def __len__(self) -> int:
        return self.num_samples

    def label(self, i: int) -> int:
        return i % self.num_classes  # balanced classes; the pipeline shuffles

    def __getitem__(self, i: int) -> tuple:
        rng = np.random.default_rng((self.seed, int(i)))
        label = self.label(int(i))
        return render_synthetic(label, self.image_size, rng, self.noise), np.int32(label)


def create_dataset_synthetic(dataset_path: str | None = None, do_train: bool = True, batch_size: int = 32,
                             train_image_size: int = 32, eval_image_size: int = 32, num_parallel_workers: int = 1,
                             distribute: bool = False, num_shards: int | None = None, shard_id: int | None = None,
                             drop_remainder: bool | None = None, num_samples: int | None = None,
                             num_classes: int = 10, seed: int = 0):
    """The built-in generated task: `num_samples` images (default 2,048 train / 512 eval; the two
    splits are disjoint draws). `dataset_path` is ignored. Train adds RandomHorizontalFlip."""
    num_shards, shard_id = _shards(distribute, num_shards, shard_id)
    size = train_image_size if do_train else eval_image_size
    n = num_samples or (2048 if do_train else 512)
    source = SyntheticImages(n, size, seed=2 * seed + (0 if do_train else 1), num_classes=num_classes)
    data = ds.GeneratorDataset(source, ["image", "label"], shuffle=do_train, num_shards=num_shards,
                               shard_id=shard_id, num_parallel_workers=num_parallel_workers)
    ops = [V.RandomHorizontalFlip(prob=0.5)] if do_train else []
    ops += [V.Normalize(mean=[127.5] * 3, std=[127.5] * 3), V.HWC2CHW()]
    return _finish(data, ops, batch_size, do_train if drop_remainder is None else drop_remainder,
                   num_parallel_workers)


_CREATORS = {"imagenet": create_dataset_imagenet, "imagenet2012": create_dataset_imagenet,
             "cifar10": create_dataset_cifar10, "synthetic": create_dataset_synthetic,
             "tiny": create_dataset_synthetic}


def create_dataset(name: str, dataset_path: str | None, do_train: bool, **kwargs):
    """Dispatch by dataset name: imagenet | cifar10 | synthetic (alias tiny)."""
    try:
        fn = _CREATORS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; choose from {sorted(_CREATORS)}") from None
    if fn is not create_dataset_synthetic:
        if not dataset_path:
            raise ValueError(f"dataset {name!r} needs --data_path")
        if not os.path.isdir(dataset_path):
            raise ValueError(f"--data_path {dataset_path!r} is not a directory")
    return fn(dataset_path, do_train, **kwargs)
