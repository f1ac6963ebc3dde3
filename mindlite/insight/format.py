"""The record framing of summary files, and a tailing reader that survives partial files.

A summary file is a sequence of append-only records, each

    u64 length | u32 crc32(length bytes) | payload (length bytes) | u32 crc32(payload)

little-endian, as MindInsight's `ms_data_loader.py` reads them (with the stdlib's
`zlib.crc32` as the checksum). A writer only ever appends whole records, so a file cut at
any byte holds a readable prefix of complete records and at most one partial record.

`RecordReader` reads a file from where it stopped last time. At a partial record or a
checksum that does not match it stops, keeps its offset and tries again at the next poll:
the record may still be being written. It never raises on a partial file.
"""
from __future__ import annotations

import logging
import os
import struct
import zlib

_log = logging.getLogger("mindlite.insight")

_LEN = struct.Struct("<Q")
_CRC = struct.Struct("<I")
HEADER_SIZE = _LEN.size + _CRC.size  # 12
FOOTER_SIZE = _CRC.size              # 4
MAX_RECORD = 1 << 31                 # a larger length can only come from a damaged header


def encode_record(payload: bytes) -> bytes:
    """One framed record holding `payload`."""
    n = _LEN.pack(len(payload))
    return b"".join((n, _CRC.pack(zlib.crc32(n)), payload, _CRC.pack(zlib.crc32(payload))))


class RecordReader:
    """Reads the complete records of one file, a poll at a time.

    Attributes:
        offset: where the next unread record starts.
        bad_offset: the offset of a record whose checksum did not match (None if none):
            the reader stops there; it is reported once.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = 0
        self.bad_offset: int | None = None

    def read(self, limit: int | None = None) -> list[bytes]:
        """The payloads of the complete records after `offset` (at most `limit`)."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError as e:
            _log.warning("insight: cannot read %s: %s", self.path, e)
            return []
        out: list[bytes] = []
        pos, end = 0, len(data)
        while end - pos >= HEADER_SIZE and (limit is None or len(out) < limit):
            n_bytes = data[pos:pos + _LEN.size]
            (n,) = _LEN.unpack(n_bytes)
            (crc,) = _CRC.unpack_from(data, pos + _LEN.size)
            if crc != zlib.crc32(n_bytes) or n > MAX_RECORD:
                self._bad(self.offset + pos, "header")
                break
            stop = pos + HEADER_SIZE + n
            if stop + FOOTER_SIZE > end:
                break  # partial record: it may still be being written
            payload = data[pos + HEADER_SIZE:stop]
            (crc,) = _CRC.unpack_from(data, stop)
            if crc != zlib.crc32(payload):
                self._bad(self.offset + pos, "payload")
                break
            out.append(payload)
            pos = stop + FOOTER_SIZE
        if self.bad_offset is not None and self.bad_offset < self.offset + pos:
            self.bad_offset = None  # a record that was only half written then is whole now
        self.offset += pos
        return out

    def _bad(self, at: int, part: str) -> None:
        if self.bad_offset != at:
            self.bad_offset = at
            _log.warning("insight: %s: the %s checksum of the record at byte %d does not match; reading stops "
                         "there (the records before it are kept)", self.path, part, at)


def read_records(path: str) -> list[bytes]:
    """Every complete record of a file, from the start."""
    return RecordReader(path).read()


def file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
