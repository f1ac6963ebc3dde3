"""Reading record files: `RecordSet` (random access over shards) and MindSpore's `FileReader`."""
from __future__ import annotations

import os

import numpy as np

from .format import MindRecordError, ShardFile

__all__ = ["FileReader", "RecordSet", "resolve_files"]


def resolve_files(dataset_files) -> list:
    """MindSpore's rule: a str names one shard and brings in all its siblings; a list is taken as is."""
    if isinstance(dataset_files, (str, os.PathLike)):
        first = ShardFile(os.fspath(dataset_files))
        folder = os.path.dirname(os.fspath(dataset_files))
        names = first.meta.get("shard_files") or []
        if len(names) <= 1 or os.path.basename(first.path) not in names:
            return [first.path]  # a single-shard (or renamed) file stands alone
        paths = [os.path.join(folder, n) for n in names]
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            raise MindRecordError(f"{dataset_files} belongs to {len(paths)} shards; missing {missing}")
        return paths
    paths = [os.fspath(p) for p in dataset_files]
    if not paths:
        raise MindRecordError("dataset_files is empty")
    return paths


class RecordSet:
    """Rows of several shard files addressed by one global index.

    When the files are exactly one writer's complete shard set, global row g is
    shard g % n, local row g // n: the order the rows were written in. Otherwise
    the files' rows are concatenated in the given order.
    """

    def __init__(self, dataset_files):
        self.paths = resolve_files(dataset_files)
        self.shards = [ShardFile(p) for p in self.paths]
        schemas = {str(sorted(s.schema.items())) for s in self.shards}
        if len(schemas) != 1:
            raise MindRecordError(f"record files have different schemas: {self.paths}")
        self.schema = self.shards[0].schema
        counts = np.array([s.num_rows for s in self.shards], dtype=np.int64)
        self.num_rows = int(counts.sum())
        self.file_starts = np.concatenate([[0], np.cumsum(counts)])
        self._interleaved = self._is_complete_set()

    def _is_complete_set(self) -> bool:
        metas = [s.meta for s in self.shards]
        n = len(metas)
        return n > 1 and all(m.get("shard_num") == n and m.get("shard_id") == i for i, m in enumerate(metas)) \
            and len({m.get("shard_files", [None])[0] for m in metas}) == 1

    def locate(self, g: int) -> tuple:
        """Global row -> (shard index, local row)."""
        if not 0 <= g < self.num_rows:
            raise IndexError(f"row {g} out of range [0, {self.num_rows})")
        if self._interleaved:
            return g % len(self.shards), g // len(self.shards)
        k = int(np.searchsorted(self.file_starts, g, side="right")) - 1
        return k, g - int(self.file_starts[k])

    def file_rows(self, k: int) -> np.ndarray:
        """The global rows stored in file k (used by file-level shuffles)."""
        local = np.arange(self.shards[k].num_rows, dtype=np.int64)
        if self._interleaved:
            return local * len(self.shards) + k
        return local + int(self.file_starts[k])

    def read(self, g: int, columns=None) -> dict:
        k, i = self.locate(int(g))
        return self.shards[k].read_row(i, columns)

    def close(self) -> None:
        for s in self.shards:
            s.close()


class FileReader:
    """MindSpore's FileReader: iterate rows of a record dataset as dicts.

    `file_name` is one shard (its siblings are found) or a list of files;
    `columns` limits the fields read. `num_consumer` and `operator` are accepted
    for compatibility; reading is sequential here.
    """

    def __init__(self, file_name, num_consumer=4, columns=None, operator=None):
        self._set = RecordSet(file_name)
        self._columns = None if columns is None else list(columns)
        if self._columns is not None:
            unknown = [c for c in self._columns if c not in self._set.schema]
            if unknown:
                raise MindRecordError(f"FileReader: unknown columns {unknown}; schema has {list(self._set.schema)}")

    def get_next(self):
        """Yield each row as {field: numpy value}, in write order."""
        for g in range(self._set.num_rows):
            yield self._set.read(g, self._columns)

    def schema(self) -> dict:
        return dict(self._set.schema)

    def len(self) -> int:
        return self._set.num_rows

    def close(self) -> None:
        self._set.close()
