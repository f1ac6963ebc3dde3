"""Checkpoints: MindSpore .ckpt wire format, safety against hostile files, crc trailers, atomic and
durable writes (disk-full by injected OSError), asynchronous saves."""
from __future__ import annotations

import errno
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zlib

import numpy as np
import pytest

import mindlite as ms
from mindlite.nn import Cell, SequentialCell
from mindlite.train import load_checkpoint, load_param_into_net, save_checkpoint
from mindlite.train import serialization as ser
from mindlite.train.serialization import CheckpointError, ParameterMismatchError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---- an independent protobuf writer (does not use mindlite's encoder) -------------------------
def varint(n: int) -> bytes:
    n &= (1 << 64) - 1
    out = b""
    while True:
        low, n = n & 0x7F, n >> 7
        out += struct.pack("B", low | (0x80 if n else 0))
        if not n:
            return out


def ld(field: int, payload: bytes) -> bytes:
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def tensor_proto(dims, ttype: str, content: bytes, packed: bool = False, extra: bytes = b"") -> bytes:
    if packed:
        d = ld(1, b"".join(varint(x) for x in dims)) if dims else b""
    else:
        d = b"".join(varint(1 << 3 | 0) + varint(x) for x in dims)
    return d + ld(2, ttype.encode()) + ld(3, content) + extra


def value_msg(tag: str, tensor: bytes, extra: bytes = b"") -> bytes:
    """One serialized `Checkpoint{value: [Value{tag, tensor}]}`, as MindSpore writes per parameter."""
    return ld(1, ld(1, tag.encode()) + ld(2, tensor) + extra)


# every file mindlite writes: a marker field MindSpore's parser skips (field 19788, "ML"), the
# protobuf messages, then MindSpore's crc trailer over both
MARK = ld(0x4D4C, b"mindlite checkpoint; crc32 trailer")


def mindlite_file(messages: bytes) -> bytes:
    body = MARK + messages
    return body + b"crc_num" + zlib.crc32(body).to_bytes(10, "big")


def read(path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def write(path, data: bytes) -> str:
    with open(path, "wb") as f:
        f.write(data)
    return str(path)


# ---- helpers -------------------------------------------------------------------------------------
class Block(Cell):
    def __init__(self, n: int) -> None:
        super().__init__()
        self.weight = ms.Parameter(ms.Tensor(np.random.randn(n, n).astype(np.float32)))
        self.bias = ms.Parameter(ms.Tensor(np.zeros(n, np.float32)))
        self.moving_mean = ms.Parameter(ms.Tensor(np.random.randn(n).astype(np.float32)), requires_grad=False)


class Net(Cell):
    def __init__(self) -> None:
        super().__init__()
        self.layer1 = SequentialCell(Block(3), Block(3))
        self.fc = Block(2)


def params_of(net) -> dict:
    return {n: p.asnumpy() for n, p in net.parameters_and_names()}


def no_temp_files(directory) -> bool:
    return not [f for f in os.listdir(directory) if f.endswith(".tmp")]


# ---- wire format ----------------------------------------------------------------------------------
W = np.arange(6, dtype=np.float32).reshape(2, 3)


def test_golden_bytes_decode_and_encode(tmp_path):
    content = struct.pack("<6f", *W.ravel())
    golden = (b"\x0a\x2c"                  # Checkpoint.value (field 1, length-delimited), 44 bytes
              b"\x0a\x01w"                 # Value.tag = "w"
              b"\x12\x27"                  # Value.tensor, 39 bytes
              b"\x08\x02\x08\x03"          # TensorProto.dims 2, 3 (proto2: unpacked varints)
              b"\x12\x07Float32"           # TensorProto.tensor_type
              b"\x1a\x18" + content)       # TensorProto.tensor_content, 24 bytes
    assert golden == value_msg("w", tensor_proto([2, 3], "Float32", content))  # the test's own helpers agree
    d = load_checkpoint(write(tmp_path / "g.ckpt", golden))
    assert list(d) == ["w"] and d["w"].dtype == ms.float32 and d["w"].requires_grad
    np.testing.assert_array_equal(d["w"].asnumpy(), W)
    save_checkpoint({"w": ms.Tensor(W)}, str(tmp_path / "mine"))
    assert (tmp_path / "mine.ckpt").read_bytes() == mindlite_file(golden)


def test_golden_append_dict_layout(tmp_path):
    """Scalars are 0-d tensors (no dims), strings dims [0] + "str" + UCS-4 bytes, as MindSpore."""
    save_checkpoint([], str(tmp_path / "a.ckpt"), append_dict={"epoch_num": 5, "lr": 0.5, "ok": True, "s": "hé"})
    expected = (value_msg("epoch_num", tensor_proto([], "Int64", struct.pack("<q", 5)))
                + value_msg("lr", tensor_proto([], "Float32", struct.pack("<f", 0.5)))
                + value_msg("ok", tensor_proto([], "Bool", b"\x01"))
                + value_msg("s", tensor_proto([0], "str", "hé".encode("utf-32-le"))))
    assert (tmp_path / "a.ckpt").read_bytes() == mindlite_file(expected)


def test_packed_dims_chunks_unknown_fields_and_scalar_dims0(tmp_path):
    unknown = varint(9 << 3 | 0) + varint(7) + varint(10 << 3 | 5) + b"abcd" + varint(11 << 3 | 3) + \
        varint(1 << 3 | 0) + b"\x01" + varint(11 << 3 | 4)  # varint, fixed32 and a group, all skipped
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    raw = a.tobytes()
    data = (value_msg("packed", tensor_proto([3, 4], "Int32", raw, packed=True, extra=unknown), extra=unknown)
            + unknown
            + value_msg("split", tensor_proto([3, 4], "Int32", raw[:20]))   # MindSpore's 512 MiB chunks:
            + value_msg("split", tensor_proto([3, 4], "Int32", raw[20:]))   # consecutive, same tag
            + value_msg("scalar", tensor_proto([0], "Float64", struct.pack("<d", 2.5))))
    d = load_checkpoint(write(tmp_path / "p.ckpt", data))
    np.testing.assert_array_equal(d["packed"].asnumpy(), a)
    np.testing.assert_array_equal(d["split"].asnumpy(), a)
    assert d["scalar"].shape == () and d["scalar"].asnumpy() == 2.5


DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int16, np.int32, np.int64, np.uint8,
          np.uint16, np.uint32, np.uint64, np.bool_, np.complex64, np.complex128]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda t: np.dtype(t).name)
def test_roundtrip_every_dtype_exact(tmp_path, dtype):
    rng = np.random.default_rng(1)
    if np.dtype(dtype).kind == "b":
        make = lambda shape: rng.random(shape) > 0.5  # noqa: E731
    elif np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        make = lambda shape: rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)  # noqa: E731
    else:
        make = lambda shape: (rng.standard_normal(shape) * 1e3).astype(dtype)  # noqa: E731
    arrays = {"scalar": make(()), "empty": make((0, 3)), "empty1d": make((0,)), "vec": make((7,)),
              "nd": make((2, 3, 4)), "large": make((300, 1000))}
    if np.dtype(dtype).kind == "f":
        arrays["special"] = np.array([np.nan, np.inf, -np.inf, -0.0, np.finfo(dtype).tiny], dtype)
    save_checkpoint({k: ms.Tensor(v) for k, v in arrays.items()}, str(tmp_path / "t.ckpt"))
    d = load_checkpoint(str(tmp_path / "t.ckpt"))
    assert list(d) == list(arrays)
    for k, v in arrays.items():
        got = d[k].asnumpy()
        assert got.dtype == v.dtype and got.shape == v.shape, k
        assert got.tobytes() == v.tobytes(), k  # bit-exact, NaN payloads and -0.0 included


def test_bfloat16(tmp_path):
    bits = np.array([0x3F80, 0xC000, 0x7F80], "<u2")  # 1.0, -2.0, inf
    path = write(tmp_path / "b.ckpt", value_msg("x", tensor_proto([3], "BFloat16", bits.tobytes())))
    x = load_checkpoint(path)["x"]
    if ms.bfloat16.np is None:  # no ml_dtypes: widened to float32
        np.testing.assert_array_equal(x.asnumpy(), [1.0, -2.0, np.inf])
    else:
        assert x.dtype == ms.bfloat16
        save_checkpoint({"x": x}, str(tmp_path / "b2.ckpt"))
        assert (tmp_path / "b2.ckpt").read_bytes() == mindlite_file((tmp_path / "b.ckpt").read_bytes())


def test_bool_bytes_other_than_0_1_normalised(tmp_path):
    x = load_checkpoint(write(tmp_path / "b.ckpt", value_msg("m", tensor_proto([3], "Bool", b"\x00\x02\x01"))))["m"]
    assert x.asnumpy().tolist() == [False, True, True]


# ---- save_obj forms, filters, append_dict -----------------------------------------------------------
def test_cell_save_then_load_into_fresh_cell(tmp_path):
    net = Net()
    save_checkpoint(net, str(tmp_path / "net"))  # suffix appended
    assert (tmp_path / "net.ckpt").exists()
    fresh = Net()
    d = load_checkpoint(str(tmp_path / "net.ckpt"), net=fresh)
    assert list(d) == [n for n, _ in net.parameters_and_names()]
    assert "layer1.0.weight" in d and "fc.moving_mean" in d  # dotted paths, non-trainable too
    for (n, a), (_, b) in zip(params_of(net).items(), params_of(fresh).items()):
        np.testing.assert_array_equal(a, b, err_msg=n)


def test_list_and_dict_save_obj_and_choice_func(tmp_path):
    net = Net()
    plist = [p for _, p in net.parameters_and_names()]
    save_checkpoint(plist, str(tmp_path / "l.ckpt"))
    assert list(load_checkpoint(str(tmp_path / "l.ckpt"))) == [p.name for p in plist]
    items = [{"name": "a", "data": ms.Tensor([1.0, 2.0])}, {"name": "b", "data": np.arange(3)}]
    save_checkpoint(items, str(tmp_path / "d.ckpt"), choice_func=lambda n: n != "b")
    assert list(load_checkpoint(str(tmp_path / "d.ckpt"))) == ["a"]
    d = load_checkpoint(str(tmp_path / "d.ckpt"))
    save_checkpoint(d, str(tmp_path / "again.ckpt"))  # a loaded dict saves back identically
    assert (tmp_path / "again.ckpt").read_bytes() == (tmp_path / "d.ckpt").read_bytes()


def test_append_dict_roundtrip(tmp_path):
    save_checkpoint({"w": ms.Tensor(W)}, str(tmp_path / "a.ckpt"),
                    append_dict={"epoch_num": 5, "step_num": 100, "lr": 0.25, "flag": False, "name": "resnet",
                                 "empty": "", "t": ms.Tensor(np.array([1, 2], np.int32))})
    d = load_checkpoint(str(tmp_path / "a.ckpt"))
    assert d["name"] == "resnet" and d["empty"] == ""
    assert isinstance(d["epoch_num"], ms.Parameter) and d["epoch_num"].shape == ()
    assert d["epoch_num"].dtype == ms.int64 and int(d["epoch_num"]) == 5 and int(d["step_num"]) == 100
    assert d["lr"].dtype == ms.float32 and float(d["lr"]) == 0.25
    assert d["flag"].dtype == ms.bool_ and not bool(d["flag"])
    assert d["t"].dtype == ms.int32 and d["t"].asnumpy().tolist() == [1, 2]
    with pytest.raises(TypeError):
        save_checkpoint([], str(tmp_path / "x.ckpt"), append_dict={"bad": [1, 2]})


def test_filter_specify_prefix_and_choice_func(tmp_path):
    save_checkpoint(Net(), str(tmp_path / "n.ckpt"), append_dict={"epoch_num": 1})
    path = str(tmp_path / "n.ckpt")
    assert not any(k.startswith("fc.") for k in load_checkpoint(path, filter_prefix="fc."))
    assert set(load_checkpoint(path, specify_prefix=["fc.", "epoch"])) == \
        {"fc.weight", "fc.bias", "fc.moving_mean", "epoch_num"}
    assert list(load_checkpoint(path, specify_prefix="layer1.0", filter_prefix="layer1.0.bias")) == \
        ["layer1.0.weight", "layer1.0.moving_mean"]
    assert list(load_checkpoint(path, choice_func=lambda n: n.endswith("bias"))) == \
        ["layer1.0.bias", "layer1.1.bias", "fc.bias"]
    with pytest.raises(ValueError, match="rejected every name"):
        load_checkpoint(path, specify_prefix="nothing")
    with pytest.raises(ValueError):
        load_checkpoint(path, filter_prefix=[""])


def test_encryption_and_other_formats_rejected(tmp_path):
    with pytest.raises(ValueError, match="encryption"):
        save_checkpoint({"w": ms.Tensor(W)}, str(tmp_path / "e.ckpt"), enc_key=b"0" * 16)
    save_checkpoint({"w": ms.Tensor(W)}, str(tmp_path / "e.ckpt"))
    with pytest.raises(ValueError, match="decryption"):
        load_checkpoint(str(tmp_path / "e.ckpt"), dec_key=b"0" * 16)
    with pytest.raises(ValueError):
        save_checkpoint({"w": ms.Tensor(W)}, str(tmp_path / "e.ckpt"), format="safetensors")
    with pytest.raises(ValueError, match="does not exist"):
        load_checkpoint(str(tmp_path / "missing.ckpt"))


# ---- hostile and damaged files ------------------------------------------------------------------------
def small_file(tmp_path) -> tuple[str, bytes, dict]:
    values = {"a": ms.Tensor(np.array([1.5, -2.0], np.float32)), "b.c": ms.Tensor(np.array(7, np.int64))}
    path = str(tmp_path / "small.ckpt")
    save_checkpoint(values, path, append_dict={"s": "xy"})
    return path, read(path), values


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        b = data[pos]
        value |= (b & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if b < 0x80:
            return value, pos


def message_ends(data: bytes) -> set:
    """Offsets where a top-level field ends (the marker, each per-parameter message)."""
    ends, pos = set(), 0
    while pos < len(data) - 17:
        _, pos = read_varint(data, pos)          # field key
        length, pos = read_varint(data, pos)     # every top-level field is length-delimited
        pos += length
        ends.add(pos)
    return ends


def test_truncated_at_every_position_is_an_error(tmp_path):
    path, data, values = small_file(tmp_path)
    boundaries = message_ends(data)
    assert len(boundaries) == 4  # marker, "a", "b.c", "s": cuts there used to load a shorter dict
    cut_path = str(tmp_path / "cut.ckpt")
    for cut in range(len(data)):
        write(cut_path, data[:cut])
        with pytest.raises(CheckpointError) as info:  # never a partial dict
            load_checkpoint(cut_path)
        assert "cut.ckpt" in str(info.value), cut
        if cut in boundaries:
            assert "trailer is missing" in str(info.value) and "truncated" in str(info.value)


def test_mindspore_file_without_trailer_loads_and_crc_check_requires_one(tmp_path):
    content = struct.pack("<6f", *W.ravel())
    path = write(tmp_path / "ms.ckpt", value_msg("w", tensor_proto([2, 3], "Float32", content)))
    np.testing.assert_array_equal(load_checkpoint(path)["w"].asnumpy(), W)
    with pytest.raises(CheckpointError, match="crc_check=True but the file has no crc32 trailer") as info:
        load_checkpoint(path, crc_check=True)
    assert "ms.ckpt" in str(info.value)


def test_flipped_bit_in_tensor_data_is_an_error_without_crc_check(tmp_path):
    save_checkpoint({"w": ms.Tensor(np.full(4, 0.2495, np.float32))}, str(tmp_path / "f.ckpt"))
    data = bytearray(read(tmp_path / "f.ckpt"))
    data[-17 - 2] ^= 0x7E  # the exponent byte of the last float: 0.2495 -> ~8.5e37 if it loaded
    write(tmp_path / "f.ckpt", bytes(data))
    for crc_check in (False, True):
        with pytest.raises(CheckpointError, match="crc32 check failed"):
            load_checkpoint(str(tmp_path / "f.ckpt"), crc_check=crc_check)


def test_random_byte_flips_never_crash_and_never_load(tmp_path):
    _, data, _ = small_file(tmp_path)
    bare = data[len(MARK):-17]  # the same messages as MindSpore writes them: no marker, no trailer
    rng = np.random.default_rng(0)
    path = str(tmp_path / "flip.ckpt")
    loaded_bare = 0
    for i in range(400):
        source = data if i % 2 else bare
        buf = bytearray(source)
        for _ in range(rng.integers(1, 4)):
            buf[rng.integers(len(buf))] ^= int(rng.integers(1, 256))
        write(path, bytes(buf))
        try:
            load_checkpoint(path)
        except ValueError:
            continue  # anything else (IndexError, MemoryError, UnicodeError...) fails the test
        assert source is bare, "a damaged mindlite file loaded"
        loaded_bare += 1
    assert loaded_bare > 0  # flips inside tensor bytes of a trailer-less file cannot be noticed


def test_huge_declared_lengths_allocate_nothing(tmp_path):
    huge = varint(1 << 3 | 2) + varint(1 << 62) + b"\x0a\x01w"
    cases = [(huge, "declares"),
             # dims whose product is astronomically large, with 4 bytes of content
             (value_msg("w", tensor_proto([1 << 40, 1 << 40], "Float32", b"\0" * 4)), "'w'.*too large"),
             # zero elements, but more than numpy can index: used to be a bare numpy ValueError
             (value_msg("w", tensor_proto([1 << 62, 0], "Float32", b"")), "'w'.*too large"),
             (value_msg("w", tensor_proto([1 << 40, 3], "Float32", b"\0" * 4)), "'w'.*needs .* bytes")]
    tracemalloc.start()
    try:
        for i, (data, match) in enumerate(cases):
            path = write(tmp_path / f"d{i}.ckpt", data)
            with pytest.raises(CheckpointError, match=match) as info:
                load_checkpoint(path)
            assert path in str(info.value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # nothing sized by the declared lengths was allocated


@pytest.mark.parametrize("data, match", [
    (value_msg("w", tensor_proto([2], "Float33", b"\0" * 8)), "unknown tensor_type 'Float33'"),
    (value_msg("w", tensor_proto([2, 3], "Float32", b"\0" * 20)), r"shape \[2, 3\] of Float32 needs 24 bytes"),
    (value_msg("w", tensor_proto([-1, 3], "Float32", b"")), "negative dimension"),
    (value_msg("w", tensor_proto([1] * 65, "Float32", b"\0" * 4)), "more than 64 dimensions"),
    (value_msg("w", tensor_proto([3], "str", b"abc")), "UCS-4"),
    (value_msg("w", ld(2, b"Float32")), "no tensor_content"),
    (ld(1, ld(1, b"w") + ld(3, b"")), "MapParameter"),
    (ld(1, ld(2, tensor_proto([], "Float32", b"\0" * 4))), "without a tag"),
    (ld(1, ld(1, b"\xff\xfe") + ld(2, tensor_proto([], "Float32", b"\0" * 4))), "UTF-8"),
    (b"\x0a" + b"\xff" * 11, "varint"),
    (b"\x0f\x00", "wire type 7"),
    (b"\x02\x00", "field number 0"),
    (varint(5 << 3 | 3) * 5000, "nested too deeply"),
    (varint(1 << 3 | 0) + b"\x01", "Checkpoint.value has wire type 0"),
    (b"", "holds no parameters"),
])
def test_malformed_files_raise_clear_errors(tmp_path, data, match):
    path = write(tmp_path / "bad.ckpt", data)
    with pytest.raises(CheckpointError, match=match) as info:
        load_checkpoint(path)
    assert path in str(info.value)
    if b"\x01w" in data:  # the Value's tag was readable: the message names the parameter
        assert "parameter 'w'" in str(info.value)


class _Evil:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickle_renamed_ckpt_is_never_unpickled(tmp_path):
    marker = str(tmp_path / "pwned")
    path = write(tmp_path / "evil.ckpt", pickle.dumps({"w": _Evil(marker)}))
    with pytest.raises(CheckpointError, match="evil.ckpt"):
        load_checkpoint(path)
    assert not os.path.exists(marker)


# ---- crc ----------------------------------------------------------------------------------------
def test_crc_trailer_always_written_and_compatible(tmp_path):
    for crc_check in (False, True):  # the trailer does not depend on crc_check
        path = str(tmp_path / f"c{crc_check}.ckpt")
        save_checkpoint({"w": ms.Tensor(W)}, path, crc_check=crc_check)
        data = read(path)
        payload, trailer = data[:-17], data[-17:]
        assert trailer == b"crc_num" + zlib.crc32(payload).to_bytes(10, "big")  # MindSpore's layout
        assert payload.startswith(MARK)
        np.testing.assert_array_equal(load_checkpoint(path, crc_check=True)["w"].asnumpy(), W)
        np.testing.assert_array_equal(load_checkpoint(path)["w"].asnumpy(), W)
    flipped = bytearray(data)
    flipped[len(payload) - 3] ^= 0x40  # inside the tensor content: still parses
    write(path, bytes(flipped))
    for crc_check in (False, True):
        with pytest.raises(CheckpointError, match="crc32 check failed") as info:
            load_checkpoint(path, crc_check=crc_check)
        assert "cTrue.ckpt" in str(info.value)


# ---- atomic writes ----------------------------------------------------------------------------------
def test_crash_mid_write_keeps_old_checkpoint(tmp_path, monkeypatch):
    path = str(tmp_path / "m.ckpt")
    save_checkpoint({"w": ms.Tensor(W)}, path)
    old = read(path)
    real = ser._write_entries

    def half_then_die(f, entries):
        class Half:
            def __init__(self):
                self.parts = []

            def write(self, b):
                self.parts.append(bytes(b))
        buf = Half()
        real(buf, entries)
        blob = b"".join(buf.parts)
        f.write(blob[:len(blob) // 2])
        f.flush()
        raise KeyboardInterrupt("simulated crash")

    monkeypatch.setattr(ser, "_write_entries", half_then_die)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint({"w": ms.Tensor(W + 1), "v": ms.Tensor(np.ones(1000))}, path)
    assert read(path) == old and no_temp_files(tmp_path)
    with pytest.raises(KeyboardInterrupt):  # no previous file: none appears
        save_checkpoint({"w": ms.Tensor(W)}, str(tmp_path / "new.ckpt"))
    assert not (tmp_path / "new.ckpt").exists() and no_temp_files(tmp_path)


def test_failed_replace_keeps_old_checkpoint(tmp_path, monkeypatch):
    path = str(tmp_path / "r.ckpt")
    save_checkpoint({"w": ms.Tensor(W)}, path)

    def fail(*args):
        raise OSError("disk gone")

    monkeypatch.setattr(ser.os, "replace", fail)
    with pytest.raises(OSError, match="disk gone"):
        save_checkpoint({"w": ms.Tensor(W * 0)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(load_checkpoint(path)["w"].asnumpy(), W)
    assert no_temp_files(tmp_path)


class DiskFull:
    """Patches `os.fdopen` in serialization: files it opens take `room` bytes, then raise ENOSPC."""

    def __init__(self, monkeypatch, room: int) -> None:
        self.room, self.writes = room, 0
        real_fdopen = os.fdopen
        outer = self

        class Limited:
            def __init__(self, f):
                self.f = f

            def write(self, b):
                outer.writes += 1
                if len(b) > outer.room:
                    raise OSError(errno.ENOSPC, "No space left on device")
                outer.room -= len(b)
                return self.f.write(b)

            def __getattr__(self, name):
                return getattr(self.f, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

        monkeypatch.setattr(ser.os, "fdopen", lambda fd, *a, **k: Limited(real_fdopen(fd, *a, **k)))


def test_disk_full_names_the_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    path = str(tmp_path / "full.ckpt")
    save_checkpoint({"w": ms.Tensor(W)}, path)
    old = read(path)
    disk = DiskFull(monkeypatch, room=100)
    with pytest.raises(OSError) as info:
        save_checkpoint({"w": ms.Tensor(np.zeros((50, 50), np.float32))}, path)
    assert disk.writes > 0 and info.value.errno == errno.ENOSPC
    assert path in str(info.value) and "No space left" in str(info.value)
    assert read(path) == old and no_temp_files(tmp_path)


def test_stale_temp_files_of_killed_saves_are_removed(tmp_path):
    hour_ago = time.time() - 3600
    names = {".a.ckpt.x1y2z3_4.tmp": False,        # ours, older than this process: removed
             ".b.ckpt.abcdefgh.tmp": False,
             ".a.ckpt.fresh123.tmp": True,          # ours but newer: another process may be saving
             ".a.ckpt.ABCDEFGH.tmp": True,          # not mkstemp's alphabet
             ".a.ckpt.tmp": True, "notes.tmp": True, "a.ckpt": True, ".a.ckpt.1234567.tmp": True}
    for name, _ in names.items():
        write(tmp_path / name, b"x")
        if name != ".a.ckpt.fresh123.tmp":
            os.utime(tmp_path / name, (hour_ago, hour_ago))
    save_checkpoint({"w": ms.Tensor(W)}, str(tmp_path / "c.ckpt"))
    left = set(os.listdir(tmp_path))
    assert left == {n for n, kept in names.items() if kept} | {"c.ckpt"}


SAVER = textwrap.dedent("""
    import os, sys, numpy as np
    import mindlite as ms
    from mindlite.train import save_checkpoint
    path = sys.argv[1]
    for _ in sys.stdin:  # one line per run: fork a saver (importing mindlite once keeps this fast under load)
        pid = os.fork()
        if pid == 0:
            i = 0
            while True:
                i += 1
                save_checkpoint({"a": ms.Tensor(np.full(300_000, i, np.int32)),
                                 "b": ms.Tensor(np.full(1000, i, np.int32))}, path, append_dict={"step": i})
                if i == 1:
                    print("saved", os.getpid(), flush=True)
        os.waitpid(pid, 0)
        print("reaped", flush=True)
""")


@pytest.mark.timeout(300)
def test_sigkill_while_saving_leaves_loadable_file(tmp_path):
    path = str(tmp_path / "k.ckpt")
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with subprocess.Popen([sys.executable, "-c", SAVER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          env=env) as forker:
        try:
            for delay in (0.02, 0.1, 0.2, 0.35, 0.5):
                forker.stdin.write(b"go\n")
                forker.stdin.flush()
                word, pid = forker.stdout.readline().split()
                assert word == b"saved"
                time.sleep(delay)  # then kill it wherever it is: mid-write, mid-fsync, mid-rename
                os.kill(int(pid), signal.SIGKILL)
                assert forker.stdout.readline().strip() == b"reaped"
                d = load_checkpoint(path)  # never missing, never half written
                step = int(d["step"])
                assert step >= 1 and (d["a"].asnumpy() == step).all() and (d["b"].asnumpy() == step).all()
        finally:
            forker.stdin.close()
            forker.kill()
            forker.wait()


def fail_writes(monkeypatch):
    def full(f, entries):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(ser, "_write_entries", full)


def test_async_save(tmp_path, monkeypatch):
    path = str(tmp_path / "as.ckpt")
    arr = np.arange(10, dtype=np.float32)
    save_checkpoint([{"name": "x", "data": arr}], path, async_save=True)
    arr[:] = -1  # the save snapshotted the data
    ser.wait_async_save()
    assert not ser.async_ckpt_thread_status()
    np.testing.assert_array_equal(load_checkpoint(path)["x"].asnumpy(), np.arange(10))
    fail_writes(monkeypatch)
    save_checkpoint({"x": ms.Tensor(arr)}, path, async_save=True)
    with pytest.raises(OSError, match="No space left") as info:
        ser.wait_async_save()
    assert path in str(info.value)
    ser.wait_async_save()  # raised once: not again
    np.testing.assert_array_equal(load_checkpoint(path)["x"].asnumpy(), np.arange(10))


def test_failed_async_save_raises_at_the_next_save(tmp_path, monkeypatch):
    first = str(tmp_path / "first.ckpt")
    with monkeypatch.context() as m:
        fail_writes(m)
        save_checkpoint({"x": ms.Tensor(W)}, first, async_save=True)
        ser._join_async()
    with pytest.raises(OSError, match="first.ckpt"):  # the next save, even a synchronous one
        save_checkpoint({"x": ms.Tensor(W)}, str(tmp_path / "second.ckpt"))
    assert not os.path.exists(tmp_path / "second.ckpt")  # it saved nothing before raising
    save_checkpoint({"x": ms.Tensor(W)}, str(tmp_path / "second.ckpt"))
    assert os.listdir(tmp_path) == ["second.ckpt"]


# ---- load_param_into_net -------------------------------------------------------------------------------
def test_load_param_into_net_return_values_and_hints(tmp_path, caplog):
    net = Net()
    d = {n: ms.Parameter(ms.Tensor(p.asnumpy() + 1), name=n) for n, p in net.parameters_and_names()}
    d["fc.weigth"] = d.pop("fc.weight")  # a typo
    d["epoch_num"] = ms.Parameter(ms.Tensor(3))
    with caplog.at_level(logging.INFO, logger="mindlite"):
        param_not_load, ckpt_not_load = load_param_into_net(net, d)
    assert param_not_load == ["fc.weight"] and ckpt_not_load == ["fc.weigth", "epoch_num"]
    assert "'fc.weight' (closest: 'fc.weigth')" in caplog.text
    assert "'fc.weigth' (closest: 'fc.weight')" in caplog.text
    np.testing.assert_array_equal(net.fc.bias.asnumpy(), d["fc.bias"].asnumpy())
    with pytest.raises(ValueError, match="strict_load.*'fc.weight' \\(closest: 'fc.weigth'\\)"):
        load_param_into_net(net, d, strict_load=True)


def test_shape_mismatch_names_parameter_and_file_and_changes_nothing(tmp_path):
    src, dst = Net(), Net()
    before = params_of(dst)
    path = str(tmp_path / "s.ckpt")
    bad = {n: p for n, p in src.parameters_and_names()}
    bad["fc.bias"] = ms.Tensor(np.zeros(5, np.float32))
    bad["layer1.0.weight"] = ms.Tensor(np.zeros((3, 4), np.float32))
    save_checkpoint(bad, path)
    with pytest.raises(ParameterMismatchError) as info:
        load_checkpoint(path, net=dst)
    msg = str(info.value)  # every misfit is listed, one line each
    assert "parameter 'fc.bias': shape (2,) in the net, (5,) in the checkpoint" in msg and "s.ckpt" in msg
    assert "parameter 'layer1.0.weight': shape (3, 3) in the net, (3, 4) in the checkpoint" in msg
    assert isinstance(info.value, ValueError) and isinstance(info.value, RuntimeError)
    for n, a in params_of(dst).items():  # all checks ran before any parameter changed
        np.testing.assert_array_equal(a, before[n])


def test_dtype_conversion_rules(tmp_path):
    net = Block(2)
    net.weight = ms.Parameter(ms.Tensor(np.zeros((2, 2), np.float16)), name="weight")
    d = {n: ms.Parameter(ms.Tensor(np.ones(p.shape, np.float32))) for n, p in net.parameters_and_names()}
    assert load_param_into_net(net, d) == ([], [])
    assert net.weight.dtype == ms.float16 and (net.weight.asnumpy() == 1).all()
    with pytest.raises(ParameterMismatchError, match="dtype"):
        load_param_into_net(net, d, strict_load=True)
    d["bias"] = ms.Parameter(ms.Tensor(np.ones(2, np.int32)))
    with pytest.raises(ParameterMismatchError, match="int<->int"):
        load_param_into_net(net, d)


def test_prefix_fallback_trailing_ones_and_optimizer_like(tmp_path):
    net = Block(2)
    d = {"network." + n: ms.Parameter(ms.Tensor(np.full(p.shape, 4, np.float32)))
         for n, p in net.parameters_and_names()}
    d["network.bias"] = ms.Parameter(ms.Tensor(np.full((2, 1, 1), 4, np.float32)))  # GE-style trailing 1s
    assert load_param_into_net(net, d) == ([], [])
    assert (net.weight.asnumpy() == 4).all() and net.bias.shape == (2,)

    class Optim:  # anything with parameters_and_names(), e.g. an optimizer holding moments
        def __init__(self):
            self.moments = [ms.Parameter(ms.Tensor(np.zeros(3, np.float32)), name="moments.w")]
            self.global_step = ms.Parameter(ms.Tensor(np.array([0], np.int32)), name="global_step")

        def parameters_and_names(self):
            return [(p.name, p) for p in self.moments + [self.global_step]]

    opt = Optim()
    path = str(tmp_path / "o.ckpt")
    save_checkpoint({"moments.w": ms.Tensor(np.ones(3, np.float32)), "global_step": ms.Tensor(np.array([7], np.int64))},
                    path)
    load_checkpoint(path, net=opt)
    assert (opt.moments[0].asnumpy() == 1).all() and opt.global_step.asnumpy().tolist() == [7]
    assert opt.global_step.dtype == ms.int32


# ---- optional: byte-for-byte agreement with the protobuf library itself ----------------------------------
def _protobuf_checkpoint_class(packed: bool):
    descriptor_pb2 = pytest.importorskip("google.protobuf.descriptor_pb2")
    from google.protobuf import descriptor_pool, message_factory
    F = descriptor_pb2.FieldDescriptorProto
    pkg = f"ckpt_test_{int(packed)}"
    fdp = descriptor_pb2.FileDescriptorProto(name=f"{pkg}.proto", package=pkg, syntax="proto2")
    tp = fdp.message_type.add(name="TensorProto")
    dims = tp.field.add(name="dims", number=1, type=F.TYPE_INT64, label=F.LABEL_REPEATED)
    dims.options.packed = packed
    tp.field.add(name="tensor_type", number=2, type=F.TYPE_STRING, label=F.LABEL_REQUIRED)
    tp.field.add(name="tensor_content", number=3, type=F.TYPE_BYTES, label=F.LABEL_REQUIRED)
    ck = fdp.message_type.add(name="Checkpoint")
    v = ck.nested_type.add(name="Value")
    v.field.add(name="tag", number=1, type=F.TYPE_STRING, label=F.LABEL_REQUIRED)
    v.field.add(name="tensor", number=2, type=F.TYPE_MESSAGE, label=F.LABEL_REQUIRED, type_name=f".{pkg}.TensorProto")
    ck.field.add(name="value", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                 type_name=f".{pkg}.Checkpoint.Value")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{pkg}.Checkpoint"))


@pytest.mark.parametrize("packed", [False, True])
def test_matches_protobuf_library(tmp_path, packed):
    Checkpoint = _protobuf_checkpoint_class(packed)
    arrays = {"w": W, "i": np.array(3, np.int64), "h": np.ones((3, 0, 2), np.float16), "m": np.arange(300) % 3 == 0}
    out = b""
    for name, a in arrays.items():  # MindSpore's writer: one Checkpoint message per parameter
        c = Checkpoint()
        t = c.value.add(tag=name).tensor
        t.dims.extend(a.shape)
        t.tensor_type, t.tensor_content = ms.Tensor(a).dtype.name, a.tobytes()
        out += c.SerializeToString()
    messages = out
    out += b"crc_num" + zlib.crc32(out).to_bytes(10, "big")
    d = load_checkpoint(write(tmp_path / "pb.ckpt", out), crc_check=True)
    for name, a in arrays.items():
        assert d[name].asnumpy().tobytes() == a.tobytes() and d[name].shape == a.shape
    save_checkpoint({k: ms.Tensor(a) for k, a in arrays.items()}, str(tmp_path / "ml.ckpt"), crc_check=True)
    mine = (tmp_path / "ml.ckpt").read_bytes()
    if not packed:
        assert mine == mindlite_file(messages)
    # MindSpore's loader: strip the trailer, ParseFromString; the marker is an unknown field it skips
    parsed = Checkpoint()
    parsed.ParseFromString(mine[:-17])
    assert [v.tag for v in parsed.value] == list(arrays)
    for v, a in zip(parsed.value, arrays.values()):
        assert v.tensor.tensor_content == a.tobytes() and tuple(v.tensor.dims) == a.shape
