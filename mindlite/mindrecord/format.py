"""The mindlite record file format: schema rules, row encoding and a validating shard reader.

This is mindlite's own format. It plays MindSpore's MindRecord role (sharded files,
a schema, an index, random access) but is NOT binary-compatible with MindSpore's
.mindrecord/.db files.

Layout of one shard file (all integers little-endian)::

    MAGIC            8 bytes   b"MLREC\\x00v1"
    RECORD * N       row i = for each schema field in order: u64 length + that many bytes
    META             UTF-8 JSON: version, schema, desc, index_fields, shard_id, shard_num,
                     shard_files (base names of all shards, in shard order), num_rows
    OFFSETS          (N + 1) x u64: row i occupies [OFFSETS[i], OFFSETS[i+1])
    CRCS             N x u32: zlib.crc32 of each row's bytes
    TRAILER          40 bytes: u64 meta_offset, u64 meta_len, u64 offsets_offset,
                     u64 num_rows, u32 crc32(META + OFFSETS + CRCS), b"MLRE"

Rows are dealt round-robin to shards (global row g -> shard g % shard_num, local
row g // shard_num), so reading all shards interleaved gives back the write order.
A file without a valid trailer was never committed (or is truncated): the reader
refuses it. Field values are stored as raw little-endian array bytes (numeric
types), UTF-8 (string) or as given (bytes).
"""
from __future__ import annotations

import json
import os
import struct
import threading
import zlib

import numpy as np

MAGIC = b"MLREC\x00v1"
END_MAGIC = b"MLRE"
TRAILER = struct.Struct("<QQQQI4s")
VERSION = 1
NUMERIC_TYPES = {"int32": np.int32, "int64": np.int64, "float32": np.float32, "float64": np.float64}
FIELD_TYPES = set(NUMERIC_TYPES) | {"bytes", "string"}

__all__ = ["MindRecordError", "ShardFile", "check_schema", "decode_row", "encode_row", "shard_file_names"]


class MindRecordError(RuntimeError):
    """Invalid schema, bad raw data, or an unreadable/corrupt record file."""


def shard_file_names(file_name: str, shard_num: int) -> list:
    """MindSpore's naming: one shard keeps the name, several get suffixes 0..n-1."""
    return [file_name] if shard_num == 1 else [f"{file_name}{i}" for i in range(shard_num)]


def check_schema(schema: dict) -> dict:
    """Validate {field: {"type": t, "shape": [...]}}; returns a normalized copy."""
    if not isinstance(schema, dict) or not schema:
        raise MindRecordError("schema must be a non-empty dict {field: {'type': ..., 'shape': ...}}")
    out = {}
    for name, spec in schema.items():
        if not isinstance(name, str) or not name:
            raise MindRecordError(f"schema field names must be non-empty strings, got {name!r}")
        if not isinstance(spec, dict) or spec.get("type") not in FIELD_TYPES:
            raise MindRecordError(f"schema field {name!r}: type must be one of {sorted(FIELD_TYPES)}, got {spec!r}")
        entry = {"type": spec["type"]}
        if "shape" in spec:
            shape = [int(d) for d in spec["shape"]]
            if spec["type"] not in NUMERIC_TYPES:
                raise MindRecordError(f"schema field {name!r}: only numeric fields take a shape")
            if sum(d == -1 for d in shape) > 1 or any(d == 0 or d < -1 for d in shape):
                raise MindRecordError(f"schema field {name!r}: bad shape {shape} (positive dims, at most one -1)")
            entry["shape"] = shape
        out[name] = entry
    return out


_INT_KINDS, _FLOAT_KINDS = "iu", "iuf"  # numpy kinds each numeric field accepts (never bool "b")


def _holds_bool(seq) -> bool:
    """True if a nested list/tuple holds a bool, which numpy would silently turn into 0/1."""
    return any(isinstance(v, (bool, np.bool_)) or (isinstance(v, (list, tuple)) and _holds_bool(v)) for v in seq)


def _numeric_array(name: str, kind: str, value) -> np.ndarray:
    """`value` as an array of the field's type, refusing any conversion that changes a value:
    an int field takes only integers (not 1.7, np.float32(2.9) or True), a float field
    takes integers and floats (not bools), and nothing may overflow the field's type."""
    target = np.dtype(NUMERIC_TYPES[kind])
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, (list, tuple)) and _holds_bool(value)):
        raise MindRecordError(f"field {name!r} is {kind}, got a bool ({value!r}); bools are not numbers here")
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise MindRecordError(f"field {name!r} is {kind}: {exc}") from None
    accepted = _INT_KINDS if target.kind == "i" else _FLOAT_KINDS
    if arr.dtype.kind not in accepted:
        what = f"{type(value).__name__} {value!r}" if arr.ndim == 0 else f"an array of {arr.dtype}"
        if isinstance(value, int):
            what = f"the int {value}, outside the range of any 64-bit integer"
        elif arr.dtype.kind == "O" and arr.ndim:
            what = f"a {type(value).__name__} holding non-numbers (or ints beyond 64 bits)"
        raise MindRecordError(f"field {name!r} is {kind}, got {what}"
                              + ("; round it explicitly" if target.kind == "i" and arr.dtype.kind == "f" else ""))
    if arr.dtype.kind in "iu" and arr.size:
        info = np.iinfo(target) if target.kind == "i" else None
        if info is not None and (int(arr.min()) < info.min or int(arr.max()) > info.max):
            raise MindRecordError(f"field {name!r} is {kind}, got values in [{int(arr.min())}, {int(arr.max())}] "
                                  f"outside its range [{info.min}, {info.max}]")
    with np.errstate(over="ignore"):
        out = arr.astype(target.newbyteorder("<"))
    if target.kind == "f" and arr.size and not np.array_equal(np.isfinite(out), np.isfinite(arr)):
        raise MindRecordError(f"field {name!r} is {kind}, got values too large for it (they would become inf)")
    return out


def _encode_value(name, spec, value) -> bytes:
    kind = spec["type"]
    if kind == "bytes":
        if isinstance(value, np.ndarray):
            return value.tobytes()
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise MindRecordError(f"field {name!r} is bytes, got {type(value).__name__}")
        return bytes(value)
    if kind == "string":
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(()).item()
        if not isinstance(value, str):
            raise MindRecordError(f"field {name!r} is string, got {type(value).__name__}")
        return value.encode("utf-8")
    arr = _numeric_array(name, kind, value)
    shape = spec.get("shape")
    if shape is None:
        if arr.size != 1:
            raise MindRecordError(f"field {name!r} is a scalar {kind} (no shape in schema), got shape {arr.shape}")
    elif -1 not in shape and arr.size != int(np.prod(shape)):
        raise MindRecordError(f"field {name!r} needs shape {shape}, got {arr.shape}")
    elif -1 in shape and arr.size % max(int(-np.prod(shape)), 1):
        raise MindRecordError(f"field {name!r}: {arr.size} values do not fit shape {shape}")
    return arr.tobytes()


def encode_row(schema: dict, row: dict) -> bytes:
    """One row dict -> its record bytes (fields in schema order)."""
    if not isinstance(row, dict):
        raise MindRecordError(f"each raw data item must be a dict, got {type(row).__name__}")
    missing = [k for k in schema if k not in row]
    if missing:
        raise MindRecordError(f"raw data row lacks field(s) {missing}; schema has {list(schema)}")
    parts = []
    for name, spec in schema.items():
        data = _encode_value(name, spec, row[name])
        parts.append(struct.pack("<Q", len(data)))
        parts.append(data)
    return b"".join(parts)


def _decode_value(name: str, spec: dict, data: bytes, where: str):
    kind = spec["type"]
    if kind == "bytes":
        return np.frombuffer(data, dtype=np.uint8)
    if kind == "string":
        try:
            return np.array(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise MindRecordError(f"{where}: field {name!r} is not valid UTF-8 ({exc}; corrupt file)") from None
    dtype = np.dtype(NUMERIC_TYPES[kind]).newbyteorder("<")
    shape = spec.get("shape")
    count, extra = divmod(len(data), dtype.itemsize)
    fixed = 1 if shape is None else int(np.prod([d for d in shape if d != -1]))
    fits = (count == 1 if shape is None else count == fixed if -1 not in shape else count % fixed == 0)
    if extra or not fits:
        want = "1 value" if shape is None else f"shape {shape}"
        raise MindRecordError(f"{where}: field {name!r} holds {len(data)} bytes, which is not {want} of {kind} "
                              "(the file's metadata disagrees with its row bytes; corrupt file?)")
    arr = np.frombuffer(data, dtype=dtype).astype(NUMERIC_TYPES[kind], copy=False)
    return arr.reshape(()) if shape is None else arr.reshape(shape)


def decode_row(schema: dict, data: bytes, columns, where: str) -> dict:
    """Record bytes -> {field: numpy value} for `columns` (all fields when None)."""
    out, pos = {}, 0
    for name, spec in schema.items():
        if pos + 8 > len(data):
            raise MindRecordError(f"{where}: record ends inside field {name!r} (corrupt file)")
        (n,) = struct.unpack_from("<Q", data, pos)
        pos += 8
        if pos + n > len(data):
            raise MindRecordError(f"{where}: field {name!r} claims {n} bytes past the record end (corrupt file)")
        if columns is None or name in columns:
            out[name] = _decode_value(name, spec, data[pos:pos + n], where)
        pos += n
    if pos != len(data):
        raise MindRecordError(f"{where}: {len(data) - pos} stray bytes after the last field (corrupt file)")
    return out


class ShardFile:
    """Random access to one committed shard; validates the trailer, metadata and offsets on open.

    Reads use os.pread (no shared file position), so threads may share one object;
    a forked worker process reopens the file on first use.
    """

    def __init__(self, path: str):
        self.path = path
        self._lock = threading.Lock()
        self._fd, self._pid = None, None
        try:
            size = os.path.getsize(path)
        except OSError as exc:
            raise MindRecordError(f"cannot open record file {path}: {exc}") from exc
        self._load_footer(size)

    def _bad(self, why: str) -> MindRecordError:
        return MindRecordError(f"{self.path}: not a valid mindlite record file ({why})")

    def _fdesc(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            with self._lock:
                if self._fd is None or self._pid != os.getpid():
                    self._fd, self._pid = os.open(self.path, os.O_RDONLY), os.getpid()
        return self._fd

    def _read(self, offset: int, n: int) -> bytes:
        data = os.pread(self._fdesc(), n, offset)
        if len(data) != n:
            raise self._bad(f"short read of {n} bytes at {offset}; file truncated?")
        return data

    def _load_footer(self, size: int) -> None:
        if size < len(MAGIC) + TRAILER.size:
            raise self._bad(f"only {size} bytes: the writer never committed, or the file is truncated")
        if self._read(0, len(MAGIC)) != MAGIC:
            raise self._bad("wrong magic bytes at the start")
        meta_off, meta_len, offs_off, n, crc, end = TRAILER.unpack(self._read(size - TRAILER.size, TRAILER.size))
        if end != END_MAGIC:
            raise self._bad("no trailer: the writer never committed, or the file is truncated")
        tables = (n + 1) * 8 + n * 4
        if meta_off + meta_len != offs_off or offs_off + tables != size - TRAILER.size:
            raise self._bad("inconsistent footer lengths")
        footer = self._read(meta_off, meta_len + tables)
        if zlib.crc32(footer) != crc:
            raise self._bad("footer checksum mismatch")
        try:
            self.meta = json.loads(footer[:meta_len].decode("utf-8"))
            self.schema = check_schema(self.meta["schema"])
        except (ValueError, KeyError, MindRecordError) as exc:
            raise self._bad(f"unreadable metadata: {exc}") from exc
        self.offsets = np.frombuffer(footer, dtype="<u8", count=n + 1, offset=meta_len).astype(np.int64)
        self.crcs = np.frombuffer(footer, dtype="<u4", count=n, offset=meta_len + (n + 1) * 8)
        if n and (self.offsets[0] != len(MAGIC) or self.offsets[-1] != meta_off
                  or np.any(np.diff(self.offsets) < 0)):
            raise self._bad("row offsets out of order or outside the data area")
        self.num_rows = int(n)

    def read_raw(self, i: int) -> bytes:
        if not 0 <= i < self.num_rows:
            raise IndexError(f"{self.path}: row {i} out of range [0, {self.num_rows})")
        start, end = int(self.offsets[i]), int(self.offsets[i + 1])
        data = self._read(start, end - start)
        if zlib.crc32(data) != int(self.crcs[i]):
            raise MindRecordError(f"{self.path}: row {i} checksum mismatch (corrupt file)")
        return data

    def read_row(self, i: int, columns=None) -> dict:
        return decode_row(self.schema, self.read_raw(i), columns, f"{self.path} row {i}")

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None

    def __getstate__(self):  # picklable for worker processes: reopen there
        state = dict(self.__dict__)
        state["_fd"], state["_pid"], state["_lock"] = None, None, None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass
