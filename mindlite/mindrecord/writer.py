"""FileWriter (MindSpore's `mindspore.mindrecord.FileWriter` API) for the format in format.py."""
from __future__ import annotations

import json
import os
import zlib

import numpy as np

from .format import END_MAGIC, MAGIC, TRAILER, VERSION, MindRecordError, check_schema, encode_row, shard_file_names

__all__ = ["FileWriter"]


class _ShardOut:
    """One shard being written: records go straight to disk (unbuffered, so a failed write can
    be cut back exactly), offsets/CRCs stay in memory."""

    def __init__(self, path: str):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self.offsets = [0]
        self.crcs = []
        self._write_all(MAGIC)
        self.offsets = [len(MAGIC)]

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]  # os.write may write less than asked

    def write(self, record: bytes) -> None:
        self._write_all(record)
        self.offsets.append(self.offsets[-1] + len(record))
        self.crcs.append(zlib.crc32(record))

    def mark(self) -> int:
        return len(self.crcs)

    def rollback(self, mark: int) -> None:
        """Forget the rows written since `mark` (a failed write_raw_data call), on disk too."""
        del self.offsets[mark + 1:], self.crcs[mark:]
        os.ftruncate(self.fd, self.offsets[-1])  # shrinking works on a full disk
        os.lseek(self.fd, self.offsets[-1], os.SEEK_SET)

    def commit(self, meta: dict) -> None:
        meta = dict(meta, num_rows=len(self.crcs))
        meta_bytes = json.dumps(meta, ensure_ascii=False).encode("utf-8")
        tables = np.asarray(self.offsets, "<u8").tobytes() + np.asarray(self.crcs, "<u4").tobytes()
        meta_off = self.offsets[-1]
        crc = zlib.crc32(meta_bytes + tables)
        self._write_all(meta_bytes + tables + TRAILER.pack(meta_off, len(meta_bytes), meta_off + len(meta_bytes),
                                                           len(self.crcs), crc, END_MAGIC))
        self.close()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class FileWriter:
    """Write rows (dicts) into `shard_num` record files named like MindSpore's.

    `FileWriter("data.mindrecord")` writes one file; `shard_num=4` writes
    data.mindrecord0 ... data.mindrecord3. Call `add_schema` (and optionally
    `add_index`) first, then `write_raw_data` any number of times, then `commit`.
    Files are only valid after `commit`. Format: see `mindlite.mindrecord.format`.
    """

    def __init__(self, file_name, shard_num=1, overwrite=False):
        if not isinstance(shard_num, int) or not 1 <= shard_num <= 1000:
            raise MindRecordError(f"shard_num must be an int in [1, 1000], got {shard_num!r}")
        self.file_name = os.fspath(file_name)
        self.shard_num = shard_num
        self.paths = shard_file_names(self.file_name, shard_num)
        existing = [p for p in self.paths if os.path.exists(p)]
        if existing and not overwrite:
            raise MindRecordError(f"{existing[0]} already exists; pass overwrite=True to replace it")
        for p in existing:
            os.remove(p)
        self._schema, self._desc, self._index = None, "", []
        self._shards = None
        self._rows = 0
        self._committed = False

    def add_schema(self, content, desc=None):
        """Set the schema {field: {"type": int32|int64|float32|float64|bytes|string, "shape": [...]}}."""
        if self._shards is not None:
            raise MindRecordError("add_schema must be called before write_raw_data")
        self._schema = check_schema(content)
        self._desc = "" if desc is None else str(desc)
        return 0  # MindSpore returns the schema id

    def add_index(self, index_fields):
        """Declare index fields (scalar numeric or string fields); recorded in the metadata."""
        if self._schema is None:
            raise MindRecordError("add_schema must be called before add_index")
        fields = [index_fields] if isinstance(index_fields, str) else list(index_fields)
        for name in fields:
            spec = self._schema.get(name)
            if spec is None or spec["type"] == "bytes" or "shape" in spec:
                raise MindRecordError(f"index field {name!r} must be a scalar numeric or string schema field")
        self._index = fields
        return 0

    def set_header_size(self, header_size):
        return 0  # MindSpore tuning knob; our header size is fixed

    def set_page_size(self, page_size):
        return 0  # MindSpore tuning knob; we have no pages

    def write_raw_data(self, raw_data, parallel_writer=False):
        """Append rows (a list of dicts) dealt round-robin to the shards.

        All or nothing: every row is checked against the schema (type and range of each
        field; an int field refuses 1.7, np.float32(2.9) and True) before any is written, and
        a write that fails (a full disk) takes the call's rows back out, so a corrected
        retry does not duplicate rows. Errors name the row and the field."""
        if self._committed:
            raise MindRecordError("write_raw_data after commit")
        if self._schema is None:
            raise MindRecordError("add_schema must be called before write_raw_data")
        if isinstance(raw_data, dict):
            raw_data = [raw_data]
        if not isinstance(raw_data, (list, tuple)):
            raise MindRecordError(f"raw_data must be a list of dicts, got {type(raw_data).__name__}")
        records = []
        for i, row in enumerate(raw_data):
            try:
                records.append(encode_row(self._schema, row))
            except MindRecordError as exc:
                raise MindRecordError(f"write_raw_data: row {i} of this call: {exc}; nothing of this call was "
                                      "written") from None
        if self._shards is None:
            self._shards = [_ShardOut(p) for p in self.paths]
        marks, rows = [s.mark() for s in self._shards], self._rows
        shard = None
        try:
            for record in records:
                shard = self._shards[self._rows % self.shard_num]
                shard.write(record)
                self._rows += 1
        except BaseException as exc:
            self._rows = rows
            for s, m in zip(self._shards, marks):
                s.rollback(m)
            if isinstance(exc, OSError):
                raise OSError(exc.errno, f"write_raw_data: cannot write record file '{shard.path}' (nothing of "
                                         f"this call was kept): {exc.strerror or exc}") from exc
            raise
        return 0

    def commit(self):
        """Write footers (metadata, row index, checksums) and close every shard."""
        if self._committed:
            return 0
        if self._schema is None:
            raise MindRecordError("add_schema must be called before commit")
        if self._shards is None:
            self._shards = [_ShardOut(p) for p in self.paths]
        names = [os.path.basename(p) for p in self.paths]
        for i, shard in enumerate(self._shards):
            try:
                shard.commit({"version": VERSION, "schema": self._schema, "desc": self._desc,
                              "index_fields": self._index, "shard_id": i, "shard_num": self.shard_num,
                              "shard_files": names, "total_rows": self._rows})
            except OSError as exc:  # the file stays without its footer: readers refuse it
                raise OSError(exc.errno, f"commit: cannot write the footer of record file '{shard.path}' "
                                         f"(the file is unusable): {exc.strerror or exc}") from exc
        self._committed = True
        return 0

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.commit()
        elif self._shards is not None:
            for shard in self._shards:
                shard.close()

