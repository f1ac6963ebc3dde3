"""Wire format of MindSpore's `.ckpt` checkpoint files: a small, defensive protobuf codec.

MindSpore (mindspore/ccsrc/utils/checkpoint.proto, proto2) defines::

    message Checkpoint {
        message Value {
            required string tag = 1;
            required TensorProto tensor = 2;     // newer versions: oneof with
        }                                       //   MapTensorProto maptensor = 3
        repeated Value value = 1;
    }
    message TensorProto {
        repeated int64 dims = 1;                 // proto2: written unpacked
        required string tensor_type = 2;         // "Float32", "Int64", "Bool", "str", ...
        required bytes tensor_content = 3;       // raw little-endian C-order bytes
    }

MindSpore's `save_checkpoint` serializes one `Checkpoint` holding one `Value` per parameter
(or per 512 MiB chunk of a parameter) and concatenates them; concatenated protobuf messages
parse as one message whose repeated field collects every Value. With `crc_check=True` it
appends the 17-byte trailer `b"crc_num" + crc32(all protobuf bytes).to_bytes(10, "big")`.

mindlite's writer always appends that trailer and starts the file with one extra field of
`Checkpoint`, `MARK` (field 19788, unknown to MindSpore, whose protobuf parser skips it). The
mark says "this file ends with a crc trailer", so a file cut at a parameter boundary, which
is otherwise a shorter valid message, is recognised as truncated.

No protobuf dependency: the file may come from anywhere, so the decoder treats it as hostile
input. Every varint and length is checked against the bytes that remain *before* anything is
sliced, field numbers and wire types are validated, unknown fields are skipped by wire type
(groups with a bounded depth), and tensor contents stay zero-copy `memoryview` slices.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WireError", "RawValue", "encode_varint", "value_prefix", "decode_checkpoint", "group_chunks",
           "merge_chunks", "decode_str", "CRC_MAGIC", "MARK", "crc_trailer", "split_crc_trailer", "has_mark"]

CRC_MAGIC = b"crc_num"
_CRC_BYTES = 10                 # MindSpore writes the crc32 as 10 big-endian bytes
_MAX_FIELD = (1 << 29) - 1      # largest legal protobuf field number
_MAX_GROUP_DEPTH = 100          # protobuf's default recursion limit
MAX_RANK = 64                   # numpy's maximum number of dimensions
_VARINT, _FIXED64, _LEN, _START_GROUP, _END_GROUP, _FIXED32 = 0, 1, 2, 3, 4, 5


class WireError(ValueError):
    """The bytes are not a valid checkpoint. `param` is the Value's tag when known."""

    def __init__(self, msg: str, offset: int | None = None, param: str | None = None) -> None:
        super().__init__(msg)
        self.offset = offset
        self.param = param


@dataclass
class RawValue:
    """One decoded `Checkpoint.Value`; `content` is a slice of the input buffer (no copy)."""

    tag: str
    dims: tuple
    tensor_type: str
    content: memoryview
    offset: int


# ---- encoding ---------------------------------------------------------------------------------
def encode_varint(n: int) -> bytes:
    """Base-128 varint; negative numbers as 64-bit two's complement (protobuf int64)."""
    if n < 0:
        n += 1 << 64
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _len_key(field: int, length: int) -> bytes:
    return encode_varint((field << 3) | _LEN) + encode_varint(length)


def value_prefix(tag: str, dims, tensor_type: str, content_len: int) -> bytes:
    """Bytes of a serialized `Checkpoint{value: [Value{tag, tensor}]}` up to the tensor content.

    Writing these bytes followed by the `content_len` content bytes gives exactly what
    MindSpore's `Checkpoint.SerializeToString()` produces (fields in number order, dims
    unpacked), so the content can be streamed to the file without building the message.
    """
    tag_b, type_b = tag.encode("utf-8"), tensor_type.encode("utf-8")
    tensor_head = b"".join(b"\x08" + encode_varint(int(d)) for d in dims)
    tensor_head += _len_key(2, len(type_b)) + type_b + _len_key(3, content_len)
    tensor_len = len(tensor_head) + content_len
    value_head = _len_key(1, len(tag_b)) + tag_b + _len_key(2, tensor_len)
    return _len_key(1, len(value_head) + tensor_len) + value_head + tensor_head


MARK_FIELD = 0x4D4C             # "ML"; MindSpore's Checkpoint message has field 1 only
_MARK_TEXT = b"mindlite checkpoint; crc32 trailer"
MARK = _len_key(MARK_FIELD, len(_MARK_TEXT)) + _MARK_TEXT


def has_mark(payload: memoryview) -> bool:
    """True for a file mindlite wrote (it then must end with a crc trailer)."""
    return bytes(payload[:len(MARK)]) == MARK


def crc_trailer(crc: int) -> bytes:
    return CRC_MAGIC + crc.to_bytes(_CRC_BYTES, "big")


def split_crc_trailer(buf: bytes) -> tuple[memoryview, int | None]:
    """(protobuf payload, stored crc or None). Like MindSpore, a trailer is recognised by the
    magic 17 bytes from the end (protobuf bytes cannot end like that: 'c' opens a group)."""
    mv = memoryview(buf)
    n = len(CRC_MAGIC) + _CRC_BYTES
    if len(mv) >= n and mv[-n:-_CRC_BYTES] == CRC_MAGIC:
        return mv[:-n], int.from_bytes(mv[-_CRC_BYTES:], "big")
    return mv, None


# ---- decoding ---------------------------------------------------------------------------------
def _read_varint(buf: memoryview, pos: int, end: int) -> tuple[int, int]:
    result, shift, start = 0, 0, pos
    while True:
        if pos >= end:
            raise WireError("truncated varint", start)
        b = buf[pos]
        pos += 1
        if shift == 63 and b > 1:  # the 10th byte may only hold bit 63
            raise WireError("varint longer than 64 bits", start)
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _next_field(buf: memoryview, pos: int, end: int, depth: int = 0) -> tuple[int, int, object, int]:
    """Read one field at `pos`: (field number, wire type, value, position after it).

    value: the int of a varint, (start, stop) of a length-delimited payload, None for fixed
    fields, groups (skipped whole) and end-group markers (which the caller must expect).
    """
    start = pos
    key, pos = _read_varint(buf, pos, end)
    field, wtype = key >> 3, key & 7
    if field == 0 or field > _MAX_FIELD:
        raise WireError(f"invalid field number {field}", start)
    if wtype == _VARINT:
        value, pos = _read_varint(buf, pos, end)
        return field, wtype, value, pos
    if wtype == _LEN:
        length, pos = _read_varint(buf, pos, end)
        if length > end - pos:  # checked before anything is sliced or allocated
            raise WireError(f"field {field} declares {length} bytes but only {end - pos} remain", start)
        return field, wtype, (pos, pos + length), pos + length
    if wtype in (_FIXED64, _FIXED32):
        size = 8 if wtype == _FIXED64 else 4
        if size > end - pos:
            raise WireError(f"truncated fixed-size field {field}", start)
        return field, wtype, None, pos + size
    if wtype == _START_GROUP:
        return field, wtype, None, _skip_group(buf, pos, end, field, depth + 1)
    if wtype == _END_GROUP:
        return field, wtype, None, pos
    raise WireError(f"invalid wire type {wtype} for field {field}", start)


def _skip_group(buf: memoryview, pos: int, end: int, field: int, depth: int) -> int:
    if depth > _MAX_GROUP_DEPTH:
        raise WireError("groups nested too deeply", pos)
    while pos < end:
        f, wtype, _, pos = _next_field(buf, pos, end, depth)
        if wtype == _END_GROUP:
            if f != field:
                raise WireError(f"group {field} closed by end-group {f}", pos)
            return pos
    raise WireError(f"truncated group {field}", pos)


def _fields(buf: memoryview, start: int, stop: int):
    """Iterate the fields of one message; a stray end-group marker is an error."""
    pos = start
    while pos < stop:
        field, wtype, value, nxt = _next_field(buf, pos, stop)
        if wtype == _END_GROUP:
            raise WireError(f"unexpected end-group {field}", pos)
        yield field, wtype, value, pos
        pos = nxt


def _expect_len(wtype: int, what: str, pos: int, param: str | None = None) -> None:
    if wtype != _LEN:
        raise WireError(f"{what} has wire type {wtype}, expected length-delimited", pos, param)


def _text(buf: memoryview, span: tuple, what: str, pos: int, param: str | None = None) -> str:
    try:
        return bytes(buf[span[0]:span[1]]).decode("utf-8")
    except UnicodeDecodeError:
        raise WireError(f"{what} is not valid UTF-8", pos, param) from None


def decode_checkpoint(buf) -> list[RawValue]:
    """Decode a whole `Checkpoint` message into its Values, in file order."""
    mv = memoryview(buf).cast("B") if not isinstance(buf, memoryview) else buf
    values = []
    for field, wtype, span, pos in _fields(mv, 0, len(mv)):
        if field == 1:  # `repeated Value value = 1`; other fields are unknown: skipped
            _expect_len(wtype, "Checkpoint.value", pos)
            values.append(_decode_value(mv, span, pos))
    return values


def _decode_value(buf: memoryview, span: tuple, offset: int) -> RawValue:
    tag = tensor = None
    has_map = False
    for field, wtype, value, pos in _fields(buf, *span):
        if field in (1, 2, 3):
            _expect_len(wtype, f"Value field {field}", pos, tag)
        if field == 1:
            if tag is not None:
                raise WireError("Value has two tags", pos, tag)
            tag = _text(buf, value, "Value.tag", pos)
        elif field == 2:
            if tensor is not None:
                raise WireError("Value has two tensors", pos, tag)
            tensor = (value, pos)
        elif field == 3:
            has_map = True
    if tag is None:
        raise WireError("Value without a tag (parameter name)", offset)
    if tensor is None:
        what = "is a MapParameter (maptensor), which mindlite does not support" if has_map else "has no tensor"
        raise WireError(f"Value {what}", offset, tag)
    dims, ttype, content = _decode_tensor(buf, tensor[0], tensor[1], tag)
    return RawValue(tag, dims, ttype, content, offset)


def _decode_tensor(buf: memoryview, span: tuple, offset: int, tag: str) -> tuple:
    dims: list[int] = []
    ttype = content = None
    for field, wtype, value, pos in _fields(buf, *span):
        if field == 1 and wtype == _VARINT:
            _add_dim(dims, value, pos, tag)
        elif field == 1 and wtype == _LEN:  # packed dims: a run of varints
            p, stop = value
            while p < stop:
                d, p = _read_varint(buf, p, stop)
                _add_dim(dims, d, pos, tag)
        elif field == 1:
            raise WireError(f"TensorProto.dims has wire type {wtype}", pos, tag)
        elif field in (2, 3):
            _expect_len(wtype, f"TensorProto field {field}", pos, tag)
            if (ttype if field == 2 else content) is not None:
                raise WireError(f"TensorProto field {field} appears twice", pos, tag)
            if field == 2:
                ttype = _text(buf, value, "TensorProto.tensor_type", pos, tag)
            else:
                content = buf[value[0]:value[1]]
    if ttype is None or content is None:
        missing = "tensor_type" if ttype is None else "tensor_content"
        raise WireError(f"TensorProto has no {missing}", offset, tag)
    return tuple(dims), ttype, content


def _add_dim(dims: list, raw: int, pos: int, tag: str) -> None:
    d = raw - (1 << 64) if raw >= 1 << 63 else raw  # int64 from its two's complement varint
    if d < 0:
        raise WireError(f"negative dimension {d}", pos, tag)
    if len(dims) >= MAX_RANK:
        raise WireError(f"more than {MAX_RANK} dimensions", pos, tag)
    dims.append(d)


# ---- conventions of MindSpore's writer ---------------------------------------------------------
def group_chunks(values: list) -> "list[list[RawValue]]":
    """Runs of consecutive Values sharing a tag: MindSpore splits a tensor over 512 MiB into
    such runs (same tag, dims and type, consecutive content slices)."""
    groups: list = []
    for v in values:
        if groups and groups[-1][0].tag == v.tag:
            groups[-1].append(v)
        else:
            groups.append([v])
    return groups


def merge_chunks(group: list) -> RawValue:
    """One RawValue holding the whole content of a run from `group_chunks`."""
    first = group[0]
    if len(group) == 1:
        return first
    for v in group[1:]:
        if (v.dims, v.tensor_type) != (first.dims, first.tensor_type):
            raise WireError(f"its chunks disagree: {list(first.dims)} {first.tensor_type} vs "
                            f"{list(v.dims)} {v.tensor_type}", v.offset, first.tag)
    content = memoryview(b"".join(v.content for v in group))
    return RawValue(first.tag, first.dims, first.tensor_type, content, first.offset)


def decode_str(value: RawValue) -> str:
    """A "str" entry: numpy's UCS-4 (UTF-32-LE) bytes of `np.array(s)`, NUL-padded."""
    if len(value.content) % 4:
        raise WireError(f"a str entry must hold UCS-4 bytes, got {len(value.content)} bytes",
                        value.offset, value.tag)
    try:
        return bytes(value.content).decode("utf-32-le").rstrip("\x00")  # numpy strips trailing NULs
    except UnicodeDecodeError as e:
        raise WireError(f"invalid str content: {e}", value.offset, value.tag) from None
