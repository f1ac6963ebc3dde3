"""Source datasets: ``GeneratorDataset``, ``NumpySlicesDataset`` and the base for file readers.

Writing a file reader (ImageFolderDataset, MnistDataset, ...)
-------------------------------------------------------------
Give ``MappableDataset`` a *random-access source*: any object with ``__len__``
and ``__getitem__(index) -> row``, where a row is a tuple (or list) of
numpy-convertible values, one per column (a single value means one column)::

    class _MnistSource:
        def __init__(self, images, labels):
            self.images, self.labels = images, labels
        def __len__(self):
            return len(self.labels)
        def __getitem__(self, i):
            return self.images[i], self.labels[i]

    class MnistDataset(MappableDataset):
        def __init__(self, dataset_dir, usage=None, num_samples=None, num_parallel_workers=None,
                     shuffle=None, sampler=None, num_shards=None, shard_id=None, cache=None):
            images, labels = _read_idx_files(dataset_dir, usage)
            super().__init__(_MnistSource(images, labels), ["image", "label"], num_samples=num_samples,
                             num_parallel_workers=num_parallel_workers, shuffle=shuffle, sampler=sampler,
                             num_shards=num_shards, shard_id=shard_id)

The base class then provides everything else: the sampler built from
``num_samples / shuffle / sampler / num_shards / shard_id`` (global shuffle by
default, a new permutation every epoch; sharding with MindSpore's
``DistributedSampler`` rules), parallel reading of rows by ``num_parallel_workers``
threads (``python_multiprocessing=True`` for forked processes), ``split``,
all pipeline operations, and errors that name the failing index: an exception
raised by ``__getitem__`` reaches the user with a note
"<Reader> source failed on row <index>", so a message naming the file is
enough. ``num_parallel_workers=None`` means ``ds.config.get_num_parallel_workers()``.
Subclassing ``GeneratorDataset`` works the same way (same keywords, plus
``column_types`` and ``python_multiprocessing``, which defaults to True there).
``get_class_indexing()`` and the like are for the subclass to add.

Other keywords a reader may pass through: ``column_types`` (numpy dtypes or
mindlite dtypes; each column is cast). Random transforms inside ``__getitem__``
may use ``mindlite.dataset.engine.random_state()``.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from . import config
from .datasets import Dataset, EpochContext, as_list, split_sizes
from .samplers import SubsetRandomSampler, SubsetSampler, select_sampler
from .workers import RowContext, annotate

_SCALARS = (int, float, complex, str, bytes, bool, np.generic)


def to_np_dtype(dtype):
    """numpy dtype of a numpy dtype, a Python type or a mindlite dtype (``ms.float32``)."""
    np_dtype = getattr(dtype, "np", None)
    return np.dtype(np_dtype if np_dtype is not None else dtype)


def to_array(value) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "asnumpy"):  # a mindlite/MindSpore Tensor
        return value.asnumpy()
    return np.asarray(value)


def to_row(item) -> tuple:
    """A source item as a tuple of numpy arrays (tuple/list = columns; anything else = one column)."""
    if isinstance(item, dict):
        raise TypeError("a source must return a tuple of numpy-convertible values, got a dict")
    if isinstance(item, (tuple, list)):
        return tuple(to_array(v) for v in item)
    return (to_array(item),)


def is_random_access(source) -> bool:
    return hasattr(source, "__getitem__") and hasattr(source, "__len__")


class SourceDataset(Dataset):
    """A leaf of the pipeline with fixed column names."""

    def __init__(self, column_names, num_parallel_workers=None, column_types=None):
        super().__init__((), num_parallel_workers)
        columns = as_list(column_names, "column_names")
        if not columns:
            raise ValueError(f"{type(self).__name__}: column_names is required")
        if len(set(columns)) != len(columns):
            raise ValueError(f"{type(self).__name__}: duplicate column names {columns}")
        self._cols = columns
        self._types = None if column_types is None else [to_np_dtype(t) for t in column_types]

    def _make_row(self, item) -> tuple:
        row = to_row(item)
        if len(row) != len(self._cols):
            raise ValueError(f"{type(self).__name__}: the source returned {len(row)} column(s) but column_names "
                             f"has {len(self._cols)}: {self._cols}")
        if self._types is not None:
            row = tuple(a.astype(t, copy=False) for a, t in zip(row, self._types))
        return row

    def _workers(self) -> int:
        n = self.num_parallel_workers
        return config.get_num_parallel_workers() if n is None else int(n)


class MappableDataset(SourceDataset):
    """A random-access source read through a sampler (see the module docstring)."""

    def __init__(self, source, column_names, num_samples=None, num_parallel_workers=None, shuffle=None,
                 sampler=None, num_shards=None, shard_id=None, python_multiprocessing=False, column_types=None):
        super().__init__(column_names, num_parallel_workers, column_types)
        if not is_random_access(source):
            raise TypeError(f"{type(self).__name__}: the source needs __getitem__ and __len__")
        self.source = source
        self.sampler = select_sampler(num_samples, sampler, shuffle, num_shards, shard_id)
        self.num_shards, self.shard_id = num_shards, shard_id
        self.python_multiprocessing = bool(python_multiprocessing)

    def _source_len(self) -> int:
        return len(self.source)

    def _rows_per_epoch(self):
        return self.sampler.get_num_samples(self._source_len())

    def _fetch(self, index: int) -> tuple:
        return self._make_row(self.source[index])

    def _prepare(self, runtime):
        super()._prepare(runtime)
        label = f"{type(self).__name__} source ({type(self.source).__name__}.__getitem__)"
        runtime.add_pool(self, self._fetch, label, self._workers(), self.python_multiprocessing)

    def _iter_epoch(self, ctx: EpochContext):
        indices = self.sampler.get_indices(self._source_len(), ctx.epoch, ctx.seed)
        op_id, seed = ctx.runtime.node_id(self), ctx.seed
        items = ((int(i), RowContext(seed, ctx.epoch, op_id, int(i))) for i in indices)
        yield from ctx.runtime.pool(self).imap(items)

    def use_sampler(self, new_sampler) -> None:
        """Replace the sampler (MindSpore ``use_sampler``)."""
        self.sampler = select_sampler(sampler=new_sampler)

    def add_sampler(self, new_sampler) -> None:
        """Sample from what the current sampler yields (``new_sampler`` gets it as child)."""
        new_sampler = select_sampler(sampler=new_sampler)
        new_sampler.add_child(self.sampler)
        self.sampler = new_sampler

    def _subset(self, indices: np.ndarray, randomize: bool) -> MappableDataset:
        child = object.__new__(type(self))
        child.__dict__.update(self.__dict__)
        child._epochs_started, child._size_cache, child._shape_type_cache = 0, None, None
        child.sampler = SubsetRandomSampler(indices) if randomize else SubsetSampler(indices)
        return child

    def split(self, sizes, randomize: bool = True):
        """Split the source's rows; with ``randomize`` a seeded permutation decides which rows go where."""
        if self.num_shards is not None:
            raise RuntimeError("split() cannot be used on a sharded dataset; shard the splits instead")
        total = self.get_dataset_size()
        sizes = split_sizes(sizes, total)
        order = self.sampler.get_indices(self._source_len(), 0, config.get_seed())
        if randomize:
            order = np.random.default_rng(config.get_seed()).permutation(order)
        else:
            order = np.sort(order)
        bounds = np.cumsum([0] + sizes)
        return tuple(self._subset(order[a:b], randomize) for a, b in itertools.pairwise(bounds))


class GeneratorDataset(MappableDataset):
    """MindSpore's GeneratorDataset over a random-access, iterable or generator-function source.

    Random-access sources (``__getitem__`` + ``__len__``) are globally shuffled by
    default and can be sharded; iterables and generator functions are read in
    order (``shuffle=True`` adds a shuffle buffer of ``ITERABLE_SHUFFLE_BUFFER`` rows;
    samplers and sharding need random access).
    """

    ITERABLE_SHUFFLE_BUFFER = 10000

    def __init__(self, source, column_names=None, column_types=None, schema=None, num_samples=None,
                 num_parallel_workers=1, shuffle=None, sampler=None, num_shards=None, shard_id=None,
                 python_multiprocessing=True, max_rowsize=None):
        if column_names is None and schema is not None:
            column_names = _schema_columns(schema)
        if is_random_access(source):
            super().__init__(source, column_names, num_samples, num_parallel_workers, shuffle, sampler,
                             num_shards, shard_id, python_multiprocessing, column_types)
            self._iterable = False
            return
        if sampler is not None or num_shards is not None or shard_id is not None:
            raise ValueError("GeneratorDataset: sampler and num_shards/shard_id need a random-access source "
                             "(one with __getitem__ and __len__)")
        SourceDataset.__init__(self, column_names, num_parallel_workers, column_types)
        self.source, self.sampler, self.num_shards, self.shard_id = source, None, None, None
        self.python_multiprocessing = bool(python_multiprocessing)
        self.num_samples = int(num_samples) if num_samples else None
        self._shuffle = bool(shuffle)
        self._iterable = True

    def _rows_per_epoch(self):
        if not self._iterable:
            return super()._rows_per_epoch()
        try:
            n = len(self.source)
        except TypeError:
            return None  # counted by iterating once (get_dataset_size)
        return n if self.num_samples is None else min(n, self.num_samples)

    def _prepare(self, runtime):
        if not self._iterable:
            return super()._prepare(runtime)
        Dataset._prepare(self, runtime)

    def _open(self):
        if hasattr(self.source, "__iter__"):
            return iter(self.source)
        if callable(self.source):
            return iter(self.source())
        raise TypeError(f"GeneratorDataset: source {type(self.source).__name__} is not random-access, "
                        "iterable or callable")

    def _iter_rows(self, ctx: EpochContext):
        it = self._open()
        row, limit = 0, self.num_samples or math.inf
        while row < limit:
            try:
                item = next(it)
                out = self._make_row(item)
            except StopIteration:
                return
            except Exception as exc:
                annotate(exc, f"[mindlite.dataset] {type(self).__name__} source failed on row {row} "
                              f"(epoch {ctx.epoch})")
                raise
            yield out
            row += 1

    def _iter_epoch(self, ctx: EpochContext):
        if not self._iterable:
            yield from super()._iter_epoch(ctx)
            return
        rows = self._iter_rows(ctx)
        if self._shuffle:
            from .ops import buffer_shuffle
            rows = buffer_shuffle(rows, self.ITERABLE_SHUFFLE_BUFFER, ctx, ctx.runtime.node_id(self))
        yield from rows

    def split(self, sizes, randomize: bool = True):
        if self._iterable:
            return Dataset.split(self, sizes, randomize)
        return super().split(sizes, randomize)


def _schema_columns(schema):
    columns = getattr(schema, "columns", None) or getattr(schema, "column_names", None)
    if columns is None:
        raise ValueError("GeneratorDataset: give column_names (schema files are not supported)")
    return [c["name"] if isinstance(c, dict) else c for c in columns]


class _SliceSource:
    def __init__(self, arrays):
        self.arrays = arrays

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


class NumpySlicesDataset(GeneratorDataset):
    """Rows are slices along axis 0 of ``data`` (list: one column; tuple: one column per item; dict: by key)."""

    def __init__(self, data, column_names=None, num_samples=None, num_parallel_workers=1, shuffle=None,
                 sampler=None, num_shards=None, shard_id=None):
        if isinstance(data, dict):
            names, columns = list(data.keys()), [np.asarray(v) for v in data.values()]
        elif isinstance(data, tuple):
            names, columns = None, [np.asarray(v) for v in data]
        else:
            names, columns = None, [np.asarray(data)]
        if any(c.ndim == 0 for c in columns):
            raise ValueError("NumpySlicesDataset: data must have at least one dimension to slice")
        if len({len(c) for c in columns}) > 1:
            raise ValueError(f"NumpySlicesDataset: columns have different lengths {[len(c) for c in columns]}")
        column_names = as_list(column_names) or names or [f"column_{i}" for i in range(len(columns))]
        super().__init__(_SliceSource(columns), column_names, num_samples=num_samples,
                         num_parallel_workers=num_parallel_workers, shuffle=shuffle, sampler=sampler,
                         num_shards=num_shards, shard_id=shard_id, python_multiprocessing=False)


__all__ = ["GeneratorDataset", "MappableDataset", "NumpySlicesDataset", "SourceDataset"]
