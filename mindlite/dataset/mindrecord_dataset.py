"""MindDataset: random-access reading of record files written by `mindlite.mindrecord.FileWriter`.

mindlite's record format is its own (see mindlite/mindrecord/format.py); it is not
binary-compatible with MindSpore's .mindrecord files.
"""
from __future__ import annotations

import numpy as np

from ..mindrecord.format import MindRecordError
from ..mindrecord.reader import RecordSet
from .engine.samplers import Shuffle
from .engine.sources import MappableDataset
from .readers import file_level_kwargs

__all__ = ["MindDataset"]


class _RecordSource:
    """Rows of a RecordSet as tuples in `columns` order, then `num_padded` copies of the padded sample."""

    def __init__(self, records: RecordSet, columns, padded, num_padded):
        self.records, self.columns = records, columns
        self.padded, self.num_padded = padded, num_padded

    def __len__(self):
        return self.records.num_rows + self.num_padded

    def __getitem__(self, i):
        if i >= self.records.num_rows:
            return self.padded
        row = self.records.read(i, self.columns)
        return tuple(row[c] for c in self.columns)


def _padded_row(padded_sample, num_padded, columns, num_shards):
    if (padded_sample is None) != (num_padded is None or num_padded == 0):
        raise ValueError("MindDataset: padded_sample and num_padded must be given together")
    if padded_sample is None:
        return None, 0
    if num_shards is None:
        raise ValueError("MindDataset: padded_sample is only used with num_shards/shard_id")
    missing = [c for c in columns if c not in padded_sample]
    if missing:
        raise ValueError(f"MindDataset: padded_sample lacks column(s) {missing}")
    row = tuple(np.frombuffer(padded_sample[c], np.uint8) if isinstance(padded_sample[c], bytes)
                else np.asarray(padded_sample[c]) for c in columns)
    return row, int(num_padded)


class MindDataset(MappableDataset):
    """Read record files; `dataset_files` is one shard (siblings found) or a list of files.

    shuffle: None/True/Shuffle.GLOBAL permutes all rows each epoch, Shuffle.FILES
    permutes the file order, Shuffle.INFILE permutes rows inside each file, False keeps
    the write order. A corrupt or uncommitted file raises an error naming it.
    """

    def __init__(self, dataset_files, columns_list=None, num_parallel_workers=None, shuffle=None,
                 num_shards=None, shard_id=None, sampler=None, padded_sample=None, num_padded=None,
                 num_samples=None, cache=None):
        records = RecordSet(dataset_files)
        columns = list(columns_list) if columns_list is not None else list(records.schema)
        unknown = [c for c in columns if c not in records.schema]
        if unknown:
            raise MindRecordError(f"MindDataset: unknown columns {unknown}; the files have {list(records.schema)}")
        padded, n_pad = _padded_row(padded_sample, num_padded, columns, num_shards)
        if n_pad and (records.num_rows + n_pad) % num_shards:
            raise ValueError(f"MindDataset: rows {records.num_rows} + num_padded {n_pad} must be divisible "
                             f"by num_shards {num_shards}")
        self.records = records
        source = _RecordSource(records, columns, padded, n_pad)
        if sampler is not None:
            kwargs = {"sampler": sampler, "num_samples": num_samples, "shuffle": shuffle,
                      "num_shards": num_shards, "shard_id": shard_id}
        else:
            groups = [records.file_rows(k) for k in range(len(records.shards))]
            if n_pad:  # padded rows come last, as one more "file"
                groups.append(np.arange(records.num_rows, records.num_rows + n_pad))
            kwargs = file_level_kwargs(groups, shuffle, num_samples, num_shards, shard_id, "MindDataset",
                                       (Shuffle.GLOBAL, Shuffle.FILES, Shuffle.INFILE))
        super().__init__(source, columns, num_parallel_workers=num_parallel_workers, **kwargs)
        self.num_shards, self.shard_id = num_shards, shard_id
