"""Operation nodes of the pipeline (``map``, ``batch``, ``shuffle``, ``repeat``, ...).

Rows are tuples of numpy arrays in column order. Nodes that run user code
(``MapDataset``, ``BatchDataset``, ``FilterDataset``) hand it to a worker pool
(``workers.make_pool``) with a ``RowContext`` per row; the pool keeps the order,
so the output does not depend on the number of workers.
"""
from __future__ import annotations

import collections
import contextlib
import math

import numpy as np

from . import config
from .datasets import Dataset, EpochContext, as_list
from .sources import to_array
from .workers import RowContext


def _name(fn) -> str:
    return getattr(fn, "__name__", None) or type(fn).__name__


def _check_count(value, what: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be an int, got {type(value).__name__}")
    if value < minimum and value != -1:
        raise ValueError(f"{what} must be -1 or >= {minimum}, got {value}")
    return int(value)


def output_layout(columns: list[str], in_cols: list[str], out_cols: list[str]):
    """New column names, and for each new column where it comes from: (0, old index) or (1, output index).

    MindSpore's rule: as many outputs as inputs -> outputs replace the inputs in place;
    otherwise the outputs come first, followed by the untouched columns.
    """
    if len(in_cols) == len(out_cols):
        names = [out_cols[in_cols.index(c)] if c in in_cols else c for c in columns]
        layout = [(1, in_cols.index(c)) if c in in_cols else (0, i) for i, c in enumerate(columns)]
    else:
        rest = [(i, c) for i, c in enumerate(columns) if c not in in_cols]
        names = list(out_cols) + [c for _, c in rest]
        layout = [(1, j) for j in range(len(out_cols))] + [(0, i) for i, _ in rest]
    if len(set(names)) != len(names):
        raise ValueError(f"output columns {out_cols} would duplicate a column name: {names}")
    return names, layout


def _assemble(layout, row: tuple, outputs: tuple) -> tuple:
    return tuple(outputs[i] if src else row[i] for src, i in layout)


def _default_workers(n):
    return config.get_num_parallel_workers() if n is None else int(n)


class MapDataset(Dataset):
    def __init__(self, child, operations, input_columns, output_columns, num_parallel_workers,
                 python_multiprocessing):
        super().__init__((child,), num_parallel_workers)
        ops = list(operations) if isinstance(operations, (list, tuple)) else [operations]
        if not ops or not all(callable(op) for op in ops):
            raise TypeError(f"map operations must be callables, got {operations!r}")
        self.operations = ops
        self.input_columns = as_list(input_columns, "input_columns") or child._cols[:1]
        self.in_idx = child._col_index(self.input_columns, "map input_columns")
        self.output_columns = as_list(output_columns, "output_columns") or list(self.input_columns)
        self._cols, self._layout = output_layout(child._cols, self.input_columns, self.output_columns)
        self.python_multiprocessing = bool(python_multiprocessing)

    def _apply(self, args: tuple) -> tuple:
        for op in self.operations:
            out = op(*args)
            args = out if isinstance(out, tuple) else (out,)
        if len(args) != len(self.output_columns):
            raise ValueError(f"the operations returned {len(args)} value(s) for output columns "
                             f"{self.output_columns}")
        return tuple(to_array(a) for a in args)

    def _prepare(self, runtime):
        super()._prepare(runtime)
        label = f"map operation [{', '.join(_name(op) for op in self.operations)}] on {self.input_columns}"
        runtime.add_pool(self, self._apply, label, _default_workers(self.num_parallel_workers),
                         self.python_multiprocessing)

    def _iter_epoch(self, ctx: EpochContext):
        pending: collections.deque = collections.deque()
        op_id, seed = ctx.runtime.node_id(self), ctx.seed

        def items():
            for k, row in enumerate(self.children[0]._iter_epoch(ctx)):
                pending.append(row)
                yield tuple(row[i] for i in self.in_idx), RowContext(seed, ctx.epoch, op_id, k)

        with contextlib.closing(ctx.runtime.pool(self).imap(items())) as results:
            for out in results:
                yield _assemble(self._layout, pending.popleft(), out)


class BatchInfo:
    """What a ``per_batch_map`` or a callable ``batch_size`` learns about the batch."""

    def __init__(self, batch_num: int = 0, epoch_num: int = 0):
        self._batch_num, self._epoch_num = batch_num, epoch_num

    def get_batch_num(self) -> int:
        """Index of the batch within the current epoch, from 0."""
        return self._batch_num

    def get_epoch_num(self) -> int:
        """Index of the current epoch, from 0."""
        return self._epoch_num


def pad_stack(values, shape, pad_value) -> np.ndarray:
    """Stack arrays after padding each to ``shape`` (None entries: the largest in the batch)."""
    arrays = [to_array(v) for v in values]
    if len({a.ndim for a in arrays}) > 1:
        raise ValueError(f"cannot pad arrays of different ranks {[a.shape for a in arrays]}")
    biggest = np.max([a.shape for a in arrays], axis=0) if arrays[0].ndim else ()
    shape = biggest if shape is None else [m if s is None else s for s, m in zip(shape, biggest)]
    if pad_value is None:
        pad_value = "" if arrays[0].dtype.kind in "US" else 0
    out = np.full((len(arrays), *shape), pad_value, dtype=arrays[0].dtype)
    for i, a in enumerate(arrays):
        if any(d > s for d, s in zip(a.shape, shape)):
            raise ValueError(f"row of shape {a.shape} is larger than the pad shape {list(shape)}")
        out[(i, *(slice(0, d) for d in a.shape))] = a
    return out


class BatchDataset(Dataset):
    def __init__(self, child, batch_size, drop_remainder, num_parallel_workers, per_batch_map, input_columns,
                 output_columns, python_multiprocessing, pad_info):
        super().__init__((child,), num_parallel_workers)
        if not callable(batch_size):
            batch_size = _check_count(batch_size, "batch_size", 1)
            if batch_size == -1:
                raise ValueError("batch_size must be >= 1")
        self.batch_size, self.drop_remainder = batch_size, bool(drop_remainder)
        self.per_batch_map, self.python_multiprocessing = per_batch_map, bool(python_multiprocessing)
        self.input_columns = as_list(input_columns, "input_columns") or list(child._cols)
        self.in_idx = child._col_index(self.input_columns, "batch input_columns")
        if per_batch_map is not None:
            self.output_columns = as_list(output_columns, "output_columns") or list(self.input_columns)
            self._cols, self._layout = output_layout(child._cols, self.input_columns, self.output_columns)
        else:
            self._layout = [(0, i) for i in range(len(child._cols))]
        self.pad_info = None if pad_info is None else dict(pad_info)
        if self.pad_info:
            child._col_index(list(self.pad_info), "pad_info")

    def _rows_per_epoch(self):
        n = self.children[0]._rows_per_epoch()
        if n is None or n == math.inf:
            return n
        if callable(self.batch_size):
            return None
        return n // self.batch_size if self.drop_remainder else math.ceil(n / self.batch_size)

    def _stack(self, name: str, values) -> np.ndarray:
        if isinstance(values, np.ndarray):
            return values
        if self.pad_info is not None:
            shape, value = self.pad_info.get(name, (None, None))
            return pad_stack(values, shape, value)
        arrays = [to_array(v) for v in values]
        try:
            return np.stack(arrays)
        except ValueError:
            shapes = sorted({a.shape for a in arrays})
            raise ValueError(f"batch: column '{name}' has rows of different shapes {shapes}; use padded_batch, "
                             "or a map that makes them equal") from None

    def _make_batch(self, payload) -> tuple:
        rows, batch_num, epoch = payload
        columns = list(zip(*rows))
        if self.per_batch_map is not None:
            args = [list(columns[i]) for i in self.in_idx]
            out = self.per_batch_map(*args, BatchInfo(batch_num, epoch))
            out = out if isinstance(out, tuple) else (out,)
            if len(out) != len(self.output_columns):
                raise ValueError(f"per_batch_map returned {len(out)} column(s) for output columns "
                                 f"{self.output_columns}")
            columns = _assemble(self._layout, tuple(columns), out)
        return tuple(self._stack(name, col) for name, col in zip(self._cols, columns))

    def _prepare(self, runtime):
        super()._prepare(runtime)
        label = f"batch{' per_batch_map ' + _name(self.per_batch_map) if self.per_batch_map else ''}"
        runtime.add_pool(self, self._make_batch, label, _default_workers(self.num_parallel_workers or 1),
                         self.python_multiprocessing)

    def _groups(self, ctx: EpochContext):
        op_id, size, group, batch_num = ctx.runtime.node_id(self), None, [], 0
        for row in self.children[0]._iter_epoch(ctx):
            if size is None:
                size = self.batch_size(BatchInfo(batch_num, ctx.epoch)) if callable(self.batch_size) \
                    else self.batch_size
            group.append(row)
            if len(group) >= size:
                yield (group, batch_num, ctx.epoch), RowContext(ctx.seed, ctx.epoch, op_id, batch_num)
                group, size, batch_num = [], None, batch_num + 1
        if group and not self.drop_remainder:
            yield (group, batch_num, ctx.epoch), RowContext(ctx.seed, ctx.epoch, op_id, batch_num)

    def _iter_epoch(self, ctx: EpochContext):
        with contextlib.closing(ctx.runtime.pool(self).imap(self._groups(ctx))) as batches:
            yield from batches


def buffer_shuffle(rows, buffer_size: int, ctx: EpochContext, op_id: int):
    """MindSpore's shuffle buffer: emit a random buffered row, replace it by the next input row."""
    rng = np.random.default_rng(np.random.SeedSequence([ctx.seed, ctx.epoch, 0x5F, op_id]))
    buf: list = []
    with contextlib.closing(rows):
        for row in rows:
            if len(buf) < buffer_size:
                buf.append(row)
                continue
            j = int(rng.integers(buffer_size))
            yield buf[j]
            buf[j] = row
    for j in rng.permutation(len(buf)):
        yield buf[j]


class ShuffleDataset(Dataset):
    def __init__(self, child, buffer_size: int):
        super().__init__((child,))
        self.buffer_size = _check_count(buffer_size, "buffer_size", 2)
        if self.buffer_size < 2:
            raise ValueError("buffer_size must be greater than 1")

    def _iter_epoch(self, ctx):
        yield from buffer_shuffle(self.children[0]._iter_epoch(ctx), self.buffer_size, ctx,
                                  ctx.runtime.node_id(self))


class RepeatDataset(Dataset):
    def __init__(self, child, count):
        super().__init__((child,))
        self.count = -1 if count is None else _check_count(count, "count", 1)

    def _rows_per_epoch(self):
        n = self.children[0]._rows_per_epoch()
        if self.count == -1:
            return 0 if n == 0 else math.inf
        return None if n is None else n * self.count

    def _iter_epoch(self, ctx):
        r = 0
        while self.count == -1 or r < self.count:
            # each pass is a new child epoch: a new shuffle order, new random transforms
            sub = ctx.at(r if self.count == -1 else ctx.epoch * self.count + r)
            n = 0
            for row in self.children[0]._iter_epoch(sub):
                n += 1
                yield row
            if n == 0:
                return  # an empty child would otherwise spin forever
            r += 1


class ProjectDataset(Dataset):
    def __init__(self, child, columns):
        super().__init__((child,))
        columns = as_list(columns)
        if not columns or len(set(columns)) != len(columns):
            raise ValueError(f"project needs distinct column names, got {columns}")
        self.idx = child._col_index(columns, "project")
        self._cols = columns

    def _iter_epoch(self, ctx):
        for row in self.children[0]._iter_epoch(ctx):
            yield tuple(row[i] for i in self.idx)


class RenameDataset(Dataset):
    def __init__(self, child, input_columns, output_columns):
        super().__init__((child,))
        ins, outs = as_list(input_columns), as_list(output_columns)
        if not ins or len(ins) != len(outs):
            raise ValueError(f"rename needs equally long column lists, got {ins} -> {outs}")
        child._col_index(ins, "rename")
        mapping = dict(zip(ins, outs))
        self._cols = [mapping.get(c, c) for c in child._cols]
        if len(set(self._cols)) != len(self._cols):
            raise ValueError(f"rename would duplicate a column name: {self._cols}")

    def _iter_epoch(self, ctx):
        return self.children[0]._iter_epoch(ctx)


class TakeDataset(Dataset):
    def __init__(self, child, count):
        super().__init__((child,))
        self.count = _check_count(count, "count", 1)

    def _rows_per_epoch(self):
        n = self.children[0]._rows_per_epoch()
        return n if self.count == -1 else (self.count if n is None else min(n, self.count))

    def _iter_epoch(self, ctx):
        if self.count == -1:
            yield from self.children[0]._iter_epoch(ctx)
            return
        if self.count == 0:
            return
        with contextlib.closing(self.children[0]._iter_epoch(ctx)) as rows:
            for k, row in enumerate(rows, 1):
                yield row
                if k >= self.count:
                    return


class SkipDataset(Dataset):
    def __init__(self, child, count):
        super().__init__((child,))
        self.count = _check_count(count, "count", 0)

    def _rows_per_epoch(self):
        n = self.children[0]._rows_per_epoch()
        return None if n is None else max(0, n - self.count)

    def _iter_epoch(self, ctx):
        for k, row in enumerate(self.children[0]._iter_epoch(ctx)):
            if k >= self.count:
                yield row


class ZipDataset(Dataset):
    def __init__(self, children):
        children = list(children)
        if not all(isinstance(c, Dataset) for c in children):
            raise TypeError("zip takes datasets")
        super().__init__(children)
        self._cols = [c for child in children for c in child._cols]
        if len(set(self._cols)) != len(self._cols):
            raise ValueError(f"zip: duplicate column names {self._cols}; rename them first")

    def _rows_per_epoch(self):
        sizes = [c._rows_per_epoch() for c in self.children]
        return None if None in sizes else min(sizes)

    def _iter_epoch(self, ctx):
        gens = [c._iter_epoch(ctx) for c in self.children]
        try:
            while True:
                row = ()
                for gen in gens:
                    part = next(gen, None)
                    if part is None:
                        return
                    row += part
                yield row
        finally:
            for gen in gens:
                gen.close()


class ConcatDataset(Dataset):
    def __init__(self, children):
        children = list(children)
        if not all(isinstance(c, Dataset) for c in children):
            raise TypeError("concat takes datasets")
        super().__init__(children)
        for c in children[1:]:
            if c._cols != self._cols:
                raise ValueError(f"concat: column names differ: {self._cols} vs {c._cols}")

    def _rows_per_epoch(self):
        sizes = [c._rows_per_epoch() for c in self.children]
        return None if None in sizes else sum(sizes)

    def _iter_epoch(self, ctx):
        for child in self.children:
            yield from child._iter_epoch(ctx)


class FilterDataset(Dataset):
    def __init__(self, child, predicate, input_columns, num_parallel_workers):
        super().__init__((child,), num_parallel_workers)
        if not callable(predicate):
            raise TypeError("filter predicate must be callable")
        self.predicate = predicate
        self.in_idx = child._col_index(as_list(input_columns) or list(child._cols), "filter input_columns")

    def _rows_per_epoch(self):
        return None

    def _keep(self, args) -> bool:
        return bool(np.all(self.predicate(*args)))

    def _prepare(self, runtime):
        super()._prepare(runtime)
        runtime.add_pool(self, self._keep, f"filter predicate {_name(self.predicate)}",
                         _default_workers(self.num_parallel_workers or 1), False)

    def _iter_epoch(self, ctx):
        pending: collections.deque = collections.deque()
        op_id = ctx.runtime.node_id(self)

        def items():
            for k, row in enumerate(self.children[0]._iter_epoch(ctx)):
                pending.append(row)
                yield tuple(row[i] for i in self.in_idx), RowContext(ctx.seed, ctx.epoch, op_id, k)

        with contextlib.closing(ctx.runtime.pool(self).imap(items())) as keeps:
            for keep in keeps:
                row = pending.popleft()
                if keep:
                    yield row
