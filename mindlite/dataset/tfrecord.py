"""TFRecordDataset and Schema (MindSpore 2.x signatures).

A TFRecord file is a sequence of records: uint64 length, uint32 masked CRC-32C of the length,
the payload, uint32 masked CRC-32C of the payload. Each payload is a `tf.train.Example`
protobuf (features: map<string, Feature>; Feature: bytes_list | float_list | int64_list), parsed
here from the wire format without TensorFlow or protobuf. Files are indexed when the dataset is
built (each length CRC is verified, so a cut or misaligned file is reported by name and offset);
records are parsed when read.

Columns: with a Schema, its columns in its order, cast to its types and reshaped to its shapes;
without one, every feature of the first record (int64 -> int64, float -> float32, bytes ->
uint8 bytes, as MindSpore). `columns_list` selects columns.
"""
from __future__ import annotations

import glob
import json
import os
import struct

import numpy as np

from .engine.samplers import Shuffle
from .engine.sources import MappableDataset
from .readers import file_level_kwargs
from .transforms._base import to_np_dtype

__all__ = ["Schema", "TFRecordDataset", "masked_crc32c"]


# ---- CRC-32C (Castagnoli), as TFRecord framing uses it ------------------------------------------
def _crc_table() -> list:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ---- protobuf wire format (just what tf.train.Example needs) -------------------------------------------
def _varint(buf: bytes, pos: int) -> tuple:
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes):
    """(field number, wire type, value) of a message: value is an int (varint / fixed) or bytes."""
    pos, n = 0, len(buf)
    while pos < n:
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, wire, value


def _int64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _parse_feature(buf: bytes) -> tuple:
    """-> (kind, values) with kind 'bytes' | 'float' | 'int64'."""
    for field, _, lst in _fields(buf):
        if field == 1:
            return "bytes", [bytes(v) for f, _, v in _fields(lst) if f == 1]
        if field == 2:
            vals: list = []
            for f, wire, v in _fields(lst):
                if f == 1:
                    vals.extend(np.frombuffer(v, "<f4").tolist() if wire == 2 else [struct.unpack("<f", v)[0]])
            return "float", vals
        if field == 3:
            vals = []
            for f, wire, v in _fields(lst):
                if f != 1:
                    continue
                if wire == 2:
                    pos = 0
                    while pos < len(v):
                        x, pos = _varint(v, pos)
                        vals.append(_int64(x))
                else:
                    vals.append(_int64(v))
            return "int64", vals
    return "bytes", []


def parse_example(payload: bytes) -> dict:
    """A tf.train.Example payload -> {feature name: (kind, values)}."""
    out = {}
    for field, _, features in _fields(payload):
        if field != 1:
            continue
        for f, _, entry in _fields(features):
            if f != 1:
                continue
            key, value = None, b""
            for ef, _, ev in _fields(entry):
                if ef == 1:
                    key = bytes(ev).decode("utf-8")
                elif ef == 2:
                    value = bytes(ev)
            out[key] = _parse_feature(value)
    return out


# ---- Schema ----------------------------------------------------------------------------------------------
_TYPE_NAMES = ("bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16",
               "float32", "float64", "string", "bytes")


def _type_name(de_type) -> str:
    if isinstance(de_type, str):
        name = de_type.rsplit(".", 1)[-1].lower()
    else:
        name = np.dtype(to_np_dtype(de_type)).name
        name = {"str": "string", "bytes": "bytes"}.get(name, name)
    if name in ("str", "str_"):
        name = "string"
    if name not in _TYPE_NAMES:
        raise TypeError(f"Schema: unsupported column type {de_type!r}; use one of {list(_TYPE_NAMES)}")
    return name


class Schema:
    """`ds.Schema(schema_file=None)`: column names, types and shapes of a dataset (TFRecord files).
    The JSON form is MindSpore's: {"datasetType": "TF", "numRows": n, "columns": {name: {"type": t,
    "rank": r, "shape": [...]}}}."""

    def __init__(self, schema_file=None):
        self.columns: list = []
        self.num_rows = 0
        self.dataset_type = "TF"
        if schema_file is not None:
            if not os.path.isfile(schema_file):
                raise ValueError(f"Schema: schema_file {schema_file!r} is not a file")
            with open(schema_file, encoding="utf-8") as f:
                try:
                    self.from_json(json.load(f))
                except json.JSONDecodeError as exc:
                    raise RuntimeError(f"Schema: {schema_file} is not valid JSON: {exc}") from exc

    def add_column(self, name, de_type, shape=None):
        if not isinstance(name, str) or not name:
            raise TypeError(f"Schema.add_column: name must be a non-empty str, got {name!r}")
        col = {"name": name, "type": _type_name(de_type)}
        if shape is not None:
            if not all(isinstance(s, int) and (s > 0 or s == -1) for s in shape):
                raise ValueError(f"Schema.add_column: shape must hold positive ints (or -1), got {shape!r}")
            col["shape"] = list(shape)
        self.columns.append(col)

    def parse_columns(self, columns):
        """Columns from a dict {name: {"type": ..., "shape": ...}} or a list of such dicts with "name"."""
        self.columns = []
        items = columns.items() if isinstance(columns, dict) else ((c["name"], c) for c in columns)
        for name, spec in items:
            if "type" not in spec:
                raise RuntimeError(f"Schema: column {name!r} has no type")
            self.add_column(name, spec["type"], spec.get("shape"))

    def from_json(self, json_obj):
        if "columns" not in json_obj:
            raise RuntimeError("Schema: the JSON needs a 'columns' entry")
        self.dataset_type = json_obj.get("datasetType", "TF")
        self.num_rows = int(json_obj.get("numRows", 0))
        self.parse_columns(json_obj["columns"])

    def to_json(self):
        cols = {}
        for c in self.columns:
            spec = {"type": c["type"], "rank": len(c.get("shape", [])) if "shape" in c else 1}
            if "shape" in c:
                spec["shape"] = c["shape"]
            cols[c["name"]] = spec
        return json.dumps({"datasetType": self.dataset_type, "numRows": self.num_rows, "columns": cols}, indent=2)

    @property
    def column_names(self):
        return [c["name"] for c in self.columns]

    def __repr__(self):
        return self.to_json()


# ---- the dataset ----------------------------------------------------------------------------------------
def _tf_files(dataset_files) -> list:
    files = [dataset_files] if isinstance(dataset_files, str) else list(dataset_files)
    out = []
    for pattern in files:
        matched = sorted(glob.glob(pattern)) if any(ch in pattern for ch in "*?[") else [pattern]
        out.extend(matched)
    missing = [f for f in out if not os.path.isfile(f)]
    if not out or missing:
        raise ValueError(f"TFRecordDataset: dataset_files not found: {missing or files}")
    return out


def index_records(path: str) -> list:
    """(offset, length) of every record's payload; the framing and the length CRCs are checked."""
    records, size = [], os.path.getsize(path)
    with open(path, "rb") as f:
        pos = 0
        while pos < size:
            header = f.read(12)
            if len(header) < 12:
                raise RuntimeError(f"TFRecordDataset: {path} is cut inside the record header at byte {pos}")
            length, crc = struct.unpack("<QI", header)
            if masked_crc32c(header[:8]) != crc:
                raise RuntimeError(f"TFRecordDataset: {path}: corrupted record length at byte {pos} (CRC mismatch)")
            if pos + 16 + length > size:
                raise RuntimeError(f"TFRecordDataset: {path} is cut inside the record at byte {pos}")
            records.append((pos + 12, length))
            pos += 16 + length
            f.seek(pos)
    return records


def _column_value(kind, values, ctype, shape, name):
    if ctype is None:  # schema-less: the feature's own type
        ctype = {"bytes": "uint8", "float": "float32", "int64": "int64"}[kind]
    if kind == "bytes":
        if ctype in ("string", "bytes"):
            texts = [v.decode("utf-8", "replace") for v in values]
            arr = np.array(texts) if len(texts) != 1 or shape else np.array(texts[0])  # one string: a 0-d array
            return arr.reshape(shape) if shape else arr
        if len(values) != 1:
            raise RuntimeError(f"TFRecordDataset: column {name!r} holds {len(values)} byte strings; declare it "
                               f"'string' in the schema to read them as text")
        arr = np.frombuffer(values[0], dtype=to_np_dtype(ctype)).copy()
    else:
        arr = np.asarray(values, dtype=to_np_dtype(ctype))
    return arr.reshape(shape) if shape else arr


class _RecordSource:
    def __init__(self, files, index, columns):
        self.files, self.index, self.columns = files, index, columns

    def __len__(self):
        return len(self.index)

    def __getitem__(self, i):
        file_no, offset, length = self.index[i]
        path = self.files[file_no]
        with open(path, "rb") as f:
            f.seek(offset)
            payload = f.read(length)
        example = parse_example(payload)
        row = []
        for name, ctype, shape in self.columns:
            if name not in example:
                raise RuntimeError(f"TFRecordDataset: record {i} of {path} has no feature {name!r}")
            kind, values = example[name]
            row.append(_column_value(kind, values, ctype, shape, name))
        return tuple(row)


class TFRecordDataset(MappableDataset):
    """`ds.TFRecordDataset(dataset_files, schema=None, columns_list=None, num_samples=None,
    num_parallel_workers=None, shuffle=Shuffle.GLOBAL, num_shards=None, shard_id=None,
    shard_equal_rows=False, cache=None, compression_type=None)`."""

    def __init__(self, dataset_files, schema=None, columns_list=None, num_samples=None, num_parallel_workers=None,
                 shuffle=Shuffle.GLOBAL, num_shards=None, shard_id=None, shard_equal_rows=False, cache=None,
                 compression_type=None):
        who = "TFRecordDataset"
        if compression_type not in (None, "", "NONE"):
            raise ValueError(f"{who}: compressed files ({compression_type!r}) are not supported; decompress them")
        if cache is not None:
            raise ValueError(f"{who}: dataset caches (DatasetCache) are not supported; pass cache=None")
        self.dataset_files = _tf_files(dataset_files)
        index, groups = [], []
        for k, path in enumerate(self.dataset_files):
            start = len(index)
            index.extend((k, off, length) for off, length in index_records(path))
            groups.append(np.arange(start, len(index)))
        if isinstance(schema, str):
            schema = Schema(schema)
        if schema is not None and not isinstance(schema, Schema):
            raise TypeError(f"{who}: schema must be a Schema or a schema file path, got {type(schema).__name__}")
        columns = self._columns(schema, index)
        if columns_list is not None:
            by_name = {c[0]: c for c in columns}
            missing = [c for c in columns_list if c not in by_name and schema is not None]
            if missing:
                raise ValueError(f"{who}: columns_list names columns the schema lacks: {missing}")
            columns = [by_name.get(c, (c, None, None)) for c in columns_list]
        if schema is not None and schema.num_rows and num_samples is None:
            num_samples = min(schema.num_rows, len(index))
        kwargs = file_level_kwargs(groups, shuffle, num_samples, num_shards, shard_id, who,
                                   (Shuffle.GLOBAL, Shuffle.FILES, Shuffle.INFILE))
        self.schema, self.shard_equal_rows = schema, bool(shard_equal_rows)
        super().__init__(_RecordSource(self.dataset_files, index, columns), [c[0] for c in columns],
                         num_parallel_workers=num_parallel_workers, **kwargs)
        if "sampler" in kwargs:
            self.num_shards, self.shard_id = num_shards, shard_id

    def _columns(self, schema, index) -> list:
        if schema is not None and schema.columns:
            return [(c["name"], c["type"], c.get("shape")) for c in schema.columns]
        if not index:
            return []
        file_no, offset, length = index[0]
        with open(self.dataset_files[file_no], "rb") as f:
            f.seek(offset)
            example = parse_example(f.read(length))
        return [(name, None, None) for name in sorted(example)]
