"""File-format source datasets: ImageFolderDataset, MnistDataset, Cifar10/100Dataset, TextFileDataset.

Each is a `MappableDataset` (engine/sources.py) over a random-access source, so the
engine supplies global shuffle, sharding, parallel reading and all pipeline ops.
Constructor signatures are MindSpore 2.x's. Files are indexed (not decoded) when the
dataset is built; rows are read when iterated. Every read error names its file.
"""
from __future__ import annotations

import glob
import math
import os

import numpy as np

from .engine.samplers import Sampler, Shuffle
from .engine.sources import MappableDataset
from .vision._decode import DecodeError, decode_rgb

__all__ = [
    "Cifar10Dataset",
    "Cifar100Dataset",
    "FileGroupSampler",
    "ImageFolderDataset",
    "MnistDataset",
    "TextFileDataset",
    "resolve_shuffle",
    "scan_image_folder",
]


def scan_image_folder(dataset_dir, extensions=None, class_indexing=None):
    """-> (paths, labels, class_indexing) for root/<class>/<file> (classes sorted by name)."""
    if not os.path.isdir(dataset_dir):
        raise ValueError(f"ImageFolderDataset: dataset_dir {dataset_dir!r} is not a directory")
    folders = sorted(d for d in os.listdir(dataset_dir)
                     if not d.startswith(".") and os.path.isdir(os.path.join(dataset_dir, d)))
    if class_indexing is None:
        class_indexing = {name: i for i, name in enumerate(folders)}
    else:
        folders = [d for d in folders if d in class_indexing]  # only the named classes are read
    exts = None if extensions is None else tuple(extensions)
    paths, labels = [], []
    for folder in folders:
        root = os.path.join(dataset_dir, folder)
        for name in sorted(os.listdir(root)):
            path = os.path.join(root, name)
            if name.startswith(".") or not os.path.isfile(path):
                continue
            if exts is not None and not name.endswith(exts):
                continue
            paths.append(path)
            labels.append(int(class_indexing[folder]))
    return paths, np.asarray(labels, dtype=np.int32), dict(class_indexing)


class _ImageFolderSource:
    def __init__(self, paths, labels, decode, decrypt):
        self.paths, self.labels, self.decode, self.decrypt = paths, labels, decode, decrypt

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        path = self.paths[i]
        try:
            if self.decrypt is not None:
                data = self.decrypt(path)
            else:
                with open(path, "rb") as f:
                    data = f.read()
        except OSError as exc:
            raise RuntimeError(f"ImageFolderDataset: cannot read {path}: {exc}") from exc
        if not self.decode:
            return np.frombuffer(data, dtype=np.uint8), self.labels[i]
        try:
            return np.asarray(decode_rgb(data, "ImageFolderDataset")), self.labels[i]
        except DecodeError as exc:
            raise RuntimeError(f"ImageFolderDataset: cannot decode image file {path}: {exc}") from exc


class ImageFolderDataset(MappableDataset):
    """Images under dataset_dir/<class>/...; columns image (encoded bytes, or HWC RGB if decode) and label."""

    def __init__(self, dataset_dir, num_samples=None, num_parallel_workers=None, shuffle=None, sampler=None,
                 extensions=None, class_indexing=None, decode=False, num_shards=None, shard_id=None, cache=None,
                 decrypt=None):
        paths, labels, self._class_indexing = scan_image_folder(dataset_dir, extensions, class_indexing)
        self.dataset_dir = dataset_dir
        super().__init__(_ImageFolderSource(paths, labels, bool(decode), decrypt), ["image", "label"],
                         num_samples=num_samples, num_parallel_workers=num_parallel_workers, shuffle=shuffle,
                         sampler=sampler, num_shards=num_shards, shard_id=shard_id)

    def get_class_indexing(self):
        return dict(self._class_indexing)

    def num_classes(self):
        return len(set(self._class_indexing.values()))


def _read_idx(path, expect_magic, expect_dims):
    """An idx-ubyte file -> uint8 array; checks magic number and length."""
    try:
        raw = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise RuntimeError(f"MnistDataset: cannot read {path}: {exc}") from exc
    header = 4 + 4 * expect_dims
    if raw.size < header:
        raise RuntimeError(f"MnistDataset: {path} is too short for an idx file ({raw.size} bytes)")
    magic = int.from_bytes(raw[:4].tobytes(), "big")
    dims = [int.from_bytes(raw[4 + 4 * k:8 + 4 * k].tobytes(), "big") for k in range(expect_dims)]
    if magic != expect_magic:
        raise RuntimeError(f"MnistDataset: {path} has magic number {magic}, expected {expect_magic}")
    if raw.size - header != int(np.prod(dims)):
        raise RuntimeError(f"MnistDataset: {path} holds {raw.size - header} bytes of data, header says {dims}")
    return raw[header:].reshape(dims)


_MNIST_PREFIX = {"train": ["train"], "test": ["t10k"], "all": ["train", "t10k"]}


def _usage(usage, who):
    usage = "all" if usage is None else usage
    if usage not in ("train", "test", "all"):
        raise ValueError(f"{who}: usage must be 'train', 'test' or 'all', got {usage!r}")
    return usage


class _ArraySource:
    def __init__(self, *arrays):
        self.arrays = arrays

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, i):
        return tuple(a[i] for a in self.arrays)


class MnistDataset(MappableDataset):
    """MNIST idx files ({train,t10k}-{images-idx3,labels-idx1}-ubyte): image (28, 28, 1) uint8, label uint32."""

    def __init__(self, dataset_dir, usage=None, num_samples=None, num_parallel_workers=None, shuffle=None,
                 sampler=None, num_shards=None, shard_id=None, cache=None):
        images, labels = [], []
        for prefix in _MNIST_PREFIX[_usage(usage, "MnistDataset")]:
            img_path = os.path.join(dataset_dir, f"{prefix}-images-idx3-ubyte")
            lab_path = os.path.join(dataset_dir, f"{prefix}-labels-idx1-ubyte")
            imgs, labs = _read_idx(img_path, 2051, 3), _read_idx(lab_path, 2049, 1)
            if len(imgs) != len(labs):
                raise RuntimeError(f"MnistDataset: {img_path} has {len(imgs)} images but {lab_path} "
                                   f"has {len(labs)} labels")
            images.append(imgs[..., None])
            labels.append(labs.astype(np.uint32))
        super().__init__(_ArraySource(np.concatenate(images), np.concatenate(labels)), ["image", "label"],
                         num_samples=num_samples, num_parallel_workers=num_parallel_workers, shuffle=shuffle,
                         sampler=sampler, num_shards=num_shards, shard_id=shard_id)


def _read_cifar(paths, label_bytes, who):
    """CIFAR binary batches -> (images HWC uint8, labels (N, label_bytes) uint32)."""
    record = label_bytes + 3072
    images, labels = [], []
    for path in paths:
        try:
            raw = np.fromfile(path, dtype=np.uint8)
        except OSError as exc:
            raise RuntimeError(f"{who}: cannot read {path}: {exc}") from exc
        if raw.size == 0 or raw.size % record:
            raise RuntimeError(f"{who}: {path} has {raw.size} bytes, not a multiple of the "
                               f"{record}-byte CIFAR record")
        rows = raw.reshape(-1, record)
        labels.append(rows[:, :label_bytes].astype(np.uint32))
        images.append(rows[:, label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return np.ascontiguousarray(np.concatenate(images)), np.concatenate(labels)


def _cifar_files(dataset_dir, usage, train, test, who):
    names = {"train": train, "test": test, "all": train + test}[_usage(usage, who)]
    paths = [os.path.join(dataset_dir, n) for n in names]
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        raise RuntimeError(f"{who}: missing file(s) {missing}")
    return paths


class Cifar10Dataset(MappableDataset):
    """CIFAR-10 binary batches: image (32, 32, 3) uint8 HWC, label uint32."""

    def __init__(self, dataset_dir, usage=None, num_samples=None, num_parallel_workers=None, shuffle=None,
                 sampler=None, num_shards=None, shard_id=None, cache=None):
        train = [f"data_batch_{i}.bin" for i in range(1, 6)]
        paths = _cifar_files(dataset_dir, usage, train, ["test_batch.bin"], "Cifar10Dataset")
        images, labels = _read_cifar(paths, 1, "Cifar10Dataset")
        super().__init__(_ArraySource(images, labels[:, 0]), ["image", "label"], num_samples=num_samples,
                         num_parallel_workers=num_parallel_workers, shuffle=shuffle, sampler=sampler,
                         num_shards=num_shards, shard_id=shard_id)


class Cifar100Dataset(MappableDataset):
    """CIFAR-100 binary (train.bin, test.bin): image (32, 32, 3) uint8, coarse_label and fine_label uint32."""

    def __init__(self, dataset_dir, usage=None, num_samples=None, num_parallel_workers=None, shuffle=None,
                 sampler=None, num_shards=None, shard_id=None, cache=None):
        paths = _cifar_files(dataset_dir, usage, ["train.bin"], ["test.bin"], "Cifar100Dataset")
        images, labels = _read_cifar(paths, 2, "Cifar100Dataset")
        super().__init__(_ArraySource(images, labels[:, 0], labels[:, 1]), ["image", "coarse_label", "fine_label"],
                         num_samples=num_samples, num_parallel_workers=num_parallel_workers, shuffle=shuffle,
                         sampler=sampler, num_shards=num_shards, shard_id=shard_id)


class FileGroupSampler(Sampler):
    """Shuffle.FILES (file order shuffled, rows in order) or Shuffle.INFILE (rows shuffled in each file).

    `groups` are the row indices of each file. With `num_shards`, shard r takes
    positions r, r + num_shards, ... of the epoch order (wrapping), as DistributedSampler.
    """

    def __init__(self, groups, mode, num_shards=None, shard_id=None, num_samples=None):
        super().__init__(num_samples)
        self.groups = [np.asarray(g, dtype=np.int64) for g in groups]
        self.mode = Shuffle(mode)
        self.num_shards, self.shard_id = num_shards, shard_id

    def _indices(self, n, rng):
        if self.mode == Shuffle.FILES:
            order = np.concatenate([self.groups[k] for k in rng.permutation(len(self.groups))] or [[]])
        else:
            order = np.concatenate([rng.permutation(g) for g in self.groups] or [[]])
        order = order.astype(np.int64)
        if self.num_shards is None or not len(order):
            return order
        per_shard = math.ceil(len(order) / self.num_shards)
        return order[(self.shard_id + self.num_shards * np.arange(per_shard)) % len(order)]

    def _count(self, n):
        total = sum(len(g) for g in self.groups)
        return total if self.num_shards is None else math.ceil(total / self.num_shards)


def resolve_shuffle(shuffle, who, allowed=(Shuffle.GLOBAL, Shuffle.FILES, Shuffle.INFILE)):
    """bool/None/Shuffle -> (engine shuffle flag, file-level mode or None)."""
    if shuffle is None or shuffle is True:
        return True, None
    if shuffle is False:
        return False, None
    mode = Shuffle(shuffle)
    if mode not in allowed:
        raise ValueError(f"{who}: shuffle={mode} is not supported (use one of {[m.name for m in allowed]})")
    return (True, None) if mode == Shuffle.GLOBAL else (None, mode)


def file_level_kwargs(groups, shuffle, num_samples, num_shards, shard_id, who, allowed):
    """Source keywords for MappableDataset, swapping in a FileGroupSampler for FILES/INFILE."""
    flag, mode = resolve_shuffle(shuffle, who, allowed)
    if mode is None:
        return {"shuffle": flag, "num_samples": num_samples, "num_shards": num_shards, "shard_id": shard_id}
    if (num_shards is None) != (shard_id is None):
        raise RuntimeError(f"{who}: num_shards and shard_id must be given together")
    return {"sampler": FileGroupSampler(groups, mode, num_shards, shard_id), "num_samples": num_samples}


class _LineSource:
    def __init__(self, lines):
        self.lines = lines

    def __len__(self):
        return len(self.lines)

    def __getitem__(self, i):
        return (np.array(self.lines[i]),)


def _text_files(dataset_files):
    patterns = [dataset_files] if isinstance(dataset_files, (str, os.PathLike)) else list(dataset_files)
    files = []
    for p in patterns:
        matches = sorted(glob.glob(os.fspath(p)))
        if not matches:
            raise ValueError(f"TextFileDataset: no file matches {os.fspath(p)!r}")
        files.extend(matches)
    return files


class TextFileDataset(MappableDataset):
    """Lines of text files (empty lines skipped) in one column `text`; shuffle GLOBAL by default."""

    def __init__(self, dataset_files, num_samples=None, num_parallel_workers=None, shuffle=Shuffle.GLOBAL,
                 num_shards=None, shard_id=None, cache=None):
        self.dataset_files = _text_files(dataset_files)
        lines, groups = [], []
        for path in self.dataset_files:
            start = len(lines)
            try:
                with open(path, encoding="utf-8") as f:
                    lines.extend(line.rstrip("\r\n") for line in f if line.rstrip("\r\n"))
            except (OSError, UnicodeDecodeError) as exc:
                raise RuntimeError(f"TextFileDataset: cannot read {path}: {exc}") from exc
            groups.append(np.arange(start, len(lines)))
        kwargs = file_level_kwargs(groups, shuffle, num_samples, num_shards, shard_id, "TextFileDataset",
                                   (Shuffle.GLOBAL, Shuffle.FILES))
        super().__init__(_LineSource(lines), ["text"], num_parallel_workers=num_parallel_workers, **kwargs)
        if "sampler" in kwargs:
            self.num_shards, self.shard_id = num_shards, shard_id
