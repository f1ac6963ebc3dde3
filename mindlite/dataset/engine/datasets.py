"""The ``Dataset`` base class: pipeline operations, iterators and introspection.

A pipeline is a tree of ``Dataset`` nodes (source -> map -> shuffle -> batch ->
repeat ...). Every operation returns a new node; nothing runs until an iterator
is created. A node implements four hooks:

* ``_cols``                   - its column names (fixed when the node is built);
* ``_rows_per_epoch()``       - rows in one pass (``math.inf`` for endless, None if unknown);
* ``_prepare(runtime)``       - create its worker pools (called once per iterator, in the caller's thread);
* ``_iter_epoch(ctx)``        - a generator of rows (tuples of numpy arrays) for epoch ``ctx.epoch``.
"""
from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np

from .workers import Runtime


class EpochContext(NamedTuple):
    runtime: Runtime
    epoch: int

    @property
    def seed(self) -> int:
        return self.runtime.seed

    def at(self, epoch: int) -> EpochContext:
        return EpochContext(self.runtime, epoch)


def as_list(columns, what: str = "columns") -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, str):
        return [columns]
    columns = list(columns)
    if not all(isinstance(c, str) for c in columns):
        raise TypeError(f"{what} must be a str or a list of str, got {columns!r}")
    return columns


class Dataset:
    """Base of every dataset node; see the module docstring for the hooks."""

    def __init__(self, children=(), num_parallel_workers: int | None = None):
        self.children: list[Dataset] = list(children)
        self.num_parallel_workers = num_parallel_workers
        self._cols: list[str] = list(self.children[0]._cols) if self.children else []
        self._epochs_started = 0
        self._shape_type_cache = None
        self._size_cache = None

    # ----------------------------------------------------------------- node hooks
    def _rows_per_epoch(self):
        return self.children[0]._rows_per_epoch()

    def _prepare(self, runtime: Runtime) -> None:
        for child in self.children:
            child._prepare(runtime)
        # NOTE: ids are numbered children first, so adding operations on top of a pipeline does not
        # change the ids (and so the random streams) of the nodes below
        runtime.node_id(self)

    def _iter_epoch(self, ctx: EpochContext):
        raise TypeError(f"{type(self).__name__} must define _iter_epoch()")

    def _col_index(self, columns: list[str], what: str) -> list[int]:
        missing = [c for c in columns if c not in self._cols]
        if missing:
            raise ValueError(f"{what}: column(s) {missing} not found; the dataset has columns {self._cols}")
        return [self._cols.index(c) for c in columns]

    # ----------------------------------------------------------------- operations
    def map(self, operations, input_columns=None, output_columns=None, column_order=None,
            num_parallel_workers=None, python_multiprocessing=False, cache=None, callbacks=None,
            max_rowsize=None, offload=None):
        """Apply ``operations`` (a callable or a list, applied in sequence) to ``input_columns``."""
        from .ops import MapDataset
        out = MapDataset(self, operations, input_columns, output_columns, num_parallel_workers,
                         python_multiprocessing)
        if column_order is not None:
            warnings.warn("map(column_order=...) was removed in MindSpore 2.0; use .project(columns)",
                          DeprecationWarning, stacklevel=2)
            out = out.project(column_order)
        return out

    def batch(self, batch_size, drop_remainder=False, num_parallel_workers=None, per_batch_map=None,
              input_columns=None, output_columns=None, python_multiprocessing=False, max_rowsize=None, **kwargs):
        """Stack ``batch_size`` consecutive rows per column (``batch_size`` may be a callable(BatchInfo))."""
        from .ops import BatchDataset
        column_order = kwargs.pop("column_order", None)
        pad_info = kwargs.pop("pad_info", None)
        if kwargs:
            raise TypeError(f"batch() got unexpected keyword arguments {sorted(kwargs)}")
        out = BatchDataset(self, batch_size, drop_remainder, num_parallel_workers, per_batch_map,
                           input_columns, output_columns, python_multiprocessing, pad_info)
        return out.project(column_order) if column_order is not None else out

    def padded_batch(self, batch_size, drop_remainder=False, num_parallel_workers=None, pad_info=None):
        """Batch rows of different shapes: ``pad_info = {column: (shape or None, pad_value)}``."""
        from .ops import BatchDataset
        return BatchDataset(self, batch_size, drop_remainder, num_parallel_workers, None, None, None,
                            False, pad_info if pad_info is not None else {})

    def shuffle(self, buffer_size: int):
        from .ops import ShuffleDataset
        return ShuffleDataset(self, buffer_size)

    def repeat(self, count: int | None = None):
        from .ops import RepeatDataset
        return RepeatDataset(self, count)

    def project(self, columns):
        from .ops import ProjectDataset
        return ProjectDataset(self, columns)

    def rename(self, input_columns, output_columns):
        from .ops import RenameDataset
        return RenameDataset(self, input_columns, output_columns)

    def take(self, count: int = -1):
        from .ops import TakeDataset
        return TakeDataset(self, count)

    def skip(self, count: int):
        from .ops import SkipDataset
        return SkipDataset(self, count)

    def filter(self, predicate, input_columns=None, num_parallel_workers=None):
        from .ops import FilterDataset
        return FilterDataset(self, predicate, input_columns, num_parallel_workers)

    def zip(self, datasets):
        from .ops import ZipDataset
        if isinstance(datasets, Dataset):
            datasets = (datasets,)
        return ZipDataset((self, *datasets))

    def concat(self, datasets):
        from .ops import ConcatDataset
        if isinstance(datasets, Dataset):
            datasets = (datasets,)
        return ConcatDataset((self, *datasets))

    def __add__(self, other):
        return self.concat(other)

    def split(self, sizes, randomize: bool = True):
        """Split into non-overlapping datasets of the given sizes (ints, or fractions summing to 1)."""
        if randomize:
            raise RuntimeError("split(randomize=True) needs a random-access source dataset (e.g. GeneratorDataset "
                               "over an object with __getitem__); call split before other operations")
        sizes = split_sizes(sizes, self.get_dataset_size())
        parts, start = [], 0
        for size in sizes:
            parts.append(self.skip(start).take(size))
            start += size
        return tuple(parts)

    # ----------------------------------------------------------------- iteration
    def create_tuple_iterator(self, columns=None, num_epochs=-1, output_numpy=False, do_copy=True):
        from .iterators import TupleIterator
        return TupleIterator(self, as_list(columns), num_epochs, output_numpy)

    def create_dict_iterator(self, num_epochs=-1, output_numpy=False, do_copy=True):
        from .iterators import DictIterator
        return DictIterator(self, None, num_epochs, output_numpy)

    def __iter__(self):
        return self.create_tuple_iterator(num_epochs=1)

    def reset(self) -> None:
        """Start the epoch count (and so the shuffle orders) again from epoch 0."""
        self._epochs_started = 0

    # ----------------------------------------------------------------- introspection
    def get_col_names(self) -> list[str]:
        return list(self._cols)

    def get_dataset_size(self) -> int:
        """Rows (batches after ``batch``) in one epoch; -1 for an endless ``repeat()``."""
        size = self._rows_per_epoch()
        if size is None:
            if self._size_cache is None:
                from .iterators import count_rows
                self._size_cache = count_rows(self)
            size = self._size_cache
        return -1 if size == math.inf else int(size)

    def _first_row_meta(self):
        if self._shape_type_cache is None:
            from .iterators import first_row
            row = first_row(self)
            self._shape_type_cache = ([list(a.shape) for a in row], [a.dtype for a in row])
        return self._shape_type_cache

    def output_shapes(self, estimate: bool = False) -> list[list[int]]:
        return [list(s) for s in self._first_row_meta()[0]]

    def output_types(self) -> list[np.dtype]:
        return list(self._first_row_meta()[1])

    def _find(self, cls):
        node = self
        while node is not None:
            if isinstance(node, cls):
                return node
            node = node.children[0] if node.children else None
        return None

    def get_batch_size(self):
        from .ops import BatchDataset
        node = self._find(BatchDataset)
        return 1 if node is None else node.batch_size

    def get_repeat_count(self) -> int:
        from .ops import RepeatDataset
        node = self._find(RepeatDataset)
        return 1 if node is None else node.count

    def num_classes(self):
        return None

    def device_que(self, send_epoch_end=True, create_data_info_queue=False, queue_name=""):
        """Accepted for compatibility: mindlite feeds devices from the ordinary iterator."""
        return self

    to_device = device_que

    def __repr__(self):
        return f"{type(self).__name__}(columns={self._cols})"


def split_sizes(sizes, total: int) -> list[int]:
    """MindSpore's rules: ints must sum to ``total``; fractions are rounded, the error fixed on one split."""
    sizes = list(sizes)
    if not sizes:
        raise ValueError("sizes must not be empty")
    if all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in sizes):
        if any(s <= 0 for s in sizes) or sum(sizes) != total:
            raise RuntimeError(f"split sizes {sizes} must be positive and sum to the dataset size {total}")
        return [int(s) for s in sizes]
    if not all(isinstance(s, float) and 0 < s <= 1 for s in sizes) or abs(sum(sizes) - 1) > 1e-6:
        raise ValueError(f"split fractions {sizes} must be floats in (0, 1] summing to 1")
    out = [round(s * total) for s in sizes]
    if any(s == 0 for s in out):
        raise RuntimeError(f"split fractions {sizes} give an empty split of {total} rows")
    diff = total - sum(out)
    if diff > 0:
        out[0] += diff
    elif diff < 0:
        for i, s in enumerate(out):
            if s + diff >= 1:
                out[i] += diff
                break
    return out


def zip(datasets):
    """``ds.zip((a, b))``: rows side by side, columns concatenated, as long as the shortest."""
    datasets = tuple(datasets)
    if not datasets:
        raise ValueError("zip needs at least one dataset")
    return datasets[0].zip(datasets[1:]) if len(datasets) > 1 else datasets[0]
