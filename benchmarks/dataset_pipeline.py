"""ImageNet-style input pipeline: mindlite.dataset vs PyTorch DataLoader, same pillow work.

    python benchmarks/dataset_pipeline.py [--images 512] [--epochs 3] [--repeats 3] [--workers 1 2]

Writes ~400x300 JPEGs (a few hundred) to a temp dir, then runs for each worker count:
  decode JPEG -> RandomResizedCrop 224 (scale 0.08-1, ratio 3/4-4/3, bilinear) ->
  horizontal flip (p=0.5) -> normalize (ImageNet mean/std) -> HWC2CHW -> batch 32
* mindlite: ImageFolderDataset + map([RandomCropDecodeResize, RandomHorizontalFlip,
  Normalize, HWC2CHW]) + batch, `num_parallel_workers` = W (threads).
* PyTorch: a Dataset doing the same steps as torchvision would (pillow decode,
  crop then resize, flip, ToTensor + Normalize written with torch ops; torchvision is
  not installed), DataLoader(num_workers=W, persistent_workers=True).
A block = build the pipeline, one warm-up epoch, `--epochs` timed consecutive epochs, shut
down. Blocks alternate between the two pipelines `--repeats` times (machine noise hits both
alike); the median images/s over blocks is reported with the range. The CPU time per
image (all threads and worker processes, whole block) is also reported: unlike images/s
it hardly moves when other jobs load the machine.
"""
from __future__ import annotations

import argparse
import math
import os
import random
import resource
import sys
import tempfile
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
SCALE, RATIO, SIZE, BATCH = (0.08, 1.0), (3 / 4, 4 / 3), 224, 32


def make_images(root: str, count: int, classes: int = 4, seed: int = 0) -> None:
    """Photo-like 400x300 JPEGs: smooth colour fields, shapes and sensor noise (quality 90)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:300, 0:400].astype(np.float32)
    for c in range(classes):
        os.makedirs(os.path.join(root, f"class_{c}"), exist_ok=True)
    for i in range(count):
        f = rng.uniform(0.005, 0.03, size=(3, 2))
        ph = rng.uniform(0, 6.3, size=3)
        img = np.stack([127 + 100 * np.sin(f[k, 0] * xx + f[k, 1] * yy + ph[k]) for k in range(3)], axis=-1)
        for _ in range(4):  # a few solid rectangles give edges for the encoder
            y0, x0 = rng.integers(0, 250), rng.integers(0, 350)
            img[y0:y0 + rng.integers(20, 120), x0:x0 + rng.integers(20, 150)] = rng.uniform(0, 255, 3)
        img += rng.normal(0, 8, img.shape)
        out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
        out.save(os.path.join(root, f"class_{i % classes}", f"img_{i:05d}.jpg"), quality=90)


def rrc_box(width, height):
    """torchvision's RandomResizedCrop.get_params with Python's `random` (per-worker state)."""
    area = width * height
    log_ratio = (math.log(RATIO[0]), math.log(RATIO[1]))
    for _ in range(10):
        target = area * random.uniform(*SCALE)
        aspect = math.exp(random.uniform(*log_ratio))
        w, h = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            x, y = random.randint(0, width - w), random.randint(0, height - h)
            return x, y, x + w, y + h
    in_ratio = width / height  # fallback: centre crop clamped to the ratio range
    w, h = (width, round(width / RATIO[0])) if in_ratio < RATIO[0] else \
        (round(height * RATIO[1]), height) if in_ratio > RATIO[1] else (width, height)
    x, y = (width - w) // 2, (height - h) // 2
    return x, y, x + w, y + h


def torch_block(root: str, workers: int, epochs: int) -> tuple:
    """(images/s over `epochs` epochs after a warm-up epoch, CPU ms per image over the whole block)."""
    import torch
    from torch.utils.data import DataLoader, Dataset

    mean = torch.tensor(MEAN).view(3, 1, 1)
    std = torch.tensor(STD).view(3, 1, 1)

    class Folder(Dataset):
        def __init__(self):
            classes = sorted(os.listdir(root))
            self.items = [(os.path.join(root, c, f), k) for k, c in enumerate(classes)
                          for f in sorted(os.listdir(os.path.join(root, c)))]

        def __len__(self):
            return len(self.items)

        def __getitem__(self, i):
            path, label = self.items[i]
            with open(path, "rb") as fh:
                img = Image.open(fh).convert("RGB")
            img = img.crop(rrc_box(*img.size)).resize((SIZE, SIZE), Image.Resampling.BILINEAR)
            if random.random() < 0.5:
                img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            # torchvision's ToTensor + Normalize
            t = torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1).contiguous().float().div(255)
            return t.sub_(mean).div_(std), label

    cpu0 = _cpu_seconds()
    loader = DataLoader(Folder(), batch_size=BATCH, shuffle=True, num_workers=workers, drop_last=True,
                        persistent_workers=True)
    try:
        rate, images = _timed(lambda: iter(loader), epochs)
    finally:
        if getattr(loader, "_iterator", None) is not None:
            loader._iterator._shutdown_workers()  # joins the workers: their CPU time is now counted
    return rate, (_cpu_seconds() - cpu0) * 1e3 / images


def mindlite_block(root: str, workers: int, epochs: int) -> tuple:
    """(images/s over `epochs` epochs after a warm-up epoch, CPU ms per image over the whole block)."""
    import mindlite.dataset as ds
    from mindlite.dataset import vision
    from mindlite.dataset.readers import ImageFolderDataset

    cpu0 = _cpu_seconds()
    ds.config.set_seed(0)
    data = ImageFolderDataset(root, num_parallel_workers=workers, shuffle=True)
    ops = [vision.RandomCropDecodeResize(SIZE, scale=SCALE, ratio=RATIO),
           vision.RandomHorizontalFlip(0.5),
           vision.Normalize([m * 255 for m in MEAN], [s * 255 for s in STD]),
           vision.HWC2CHW()]
    data = data.map(ops, input_columns="image", num_parallel_workers=workers)
    data = data.batch(BATCH, drop_remainder=True)
    it = data.create_tuple_iterator(num_epochs=epochs + 1)  # yields mindlite Tensors, as training does
    try:
        rate, images = _timed(lambda: it, epochs)  # each pass over `it` ends at an epoch end
    finally:
        it.close()
    return rate, (_cpu_seconds() - cpu0) * 1e3 / images


def _cpu_seconds() -> float:
    """CPU time of this process (all threads) plus its joined child processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(epoch_iter, epochs: int) -> tuple:
    """(images/s of `epochs` timed epochs, images of all epochs including the warm-up one)."""
    warm = sum(batch[0].shape[0] for batch in epoch_iter())  # warm-up: starts workers, fills caches
    start, images = time.perf_counter(), 0
    for _ in range(epochs):
        for batch in epoch_iter():
            images += batch[0].shape[0]
    return images / (time.perf_counter() - start), warm + images


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per block")
    parser.add_argument("--repeats", type=int, default=3, help="blocks per pipeline (median reported)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        make_images(root, args.images)
        sizes = [os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(root) for f in fs]
        print(f"{args.images} JPEGs of 400x300 (mean {np.mean(sizes) / 1024:.0f} KiB), batch {BATCH}, "
              f"{os.cpu_count()} CPUs; images/s = median over {args.repeats} blocks of {args.epochs} epochs "
              f"(after a warm-up epoch), blocks alternating between the pipelines")
        print(f"{'workers':>8} {'mindlite img/s':>20} {'torch img/s':>20} {'ratio':>6}   CPU ms/img mindlite torch")
        for w in args.workers:
            ml, th = [], []
            for _ in range(args.repeats):  # alternate so machine noise hits both alike
                ml.append(mindlite_block(root, w, args.epochs))
                th.append(torch_block(root, w, args.epochs))
            (ml_rate, ml_cpu), (th_rate, th_cpu) = np.median(ml, axis=0), np.median(th, axis=0)
            ml_lo, ml_hi = min(r for r, _ in ml), max(r for r, _ in ml)
            th_lo, th_hi = min(r for r, _ in th), max(r for r, _ in th)
            print(f"{w:>8} {ml_rate:>8.0f} ({ml_lo:.0f}-{ml_hi:.0f}) {th_rate:>8.0f} ({th_lo:.0f}-{th_hi:.0f})"
                  f" {ml_rate / th_rate:>6.2f}   {ml_cpu:>19.2f} {th_cpu:>5.2f}", flush=True)


if __name__ == "__main__":
    main()
