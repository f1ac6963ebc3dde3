"""TFRecordDataset and Schema against files written here with an independent encoder (protobuf
wire format + masked CRC-32C framing), PaddedDataset, and DatasetHelper."""
from __future__ import annotations

import json
import struct
import zlib

import numpy as np
import pytest

import mindlite as ms
import mindlite.dataset as ds

pytestmark = pytest.mark.timeout(60)


def _crc32c(data: bytes) -> int:  # bitwise, independent of the reader's table
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 * (crc & 1))
    return crc ^ 0xFFFFFFFF


def _masked(data: bytes) -> int:
    c = _crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(v: int) -> bytes:
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _field(num: int, payload: bytes) -> bytes:          # length-delimited field
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def _feature(value) -> bytes:
    if isinstance(value, (bytes, str)) or (isinstance(value, list) and value and isinstance(value[0], bytes)):
        vals = value if isinstance(value, list) else [value.encode() if isinstance(value, str) else value]
        return _field(1, b"".join(_field(1, v) for v in vals))
    arr = np.asarray(value).reshape(-1)
    if arr.dtype.kind == "f":
        return _field(2, _field(1, arr.astype("<f4").tobytes()))                  # packed floats
    return _field(3, _field(1, b"".join(_varint(int(v)) for v in arr)))          # packed int64


def _example(features: dict) -> bytes:
    entries = b"".join(_field(1, _field(1, k.encode()) + _field(2, _feature(v))) for k, v in features.items())
    return _field(1, entries)


def write_tfrecord(path, examples):
    with open(path, "wb") as f:
        for ex in examples:
            payload = _example(ex)
            length = struct.pack("<Q", len(payload))
            f.write(length + struct.pack("<I", _masked(length)) + payload + struct.pack("<I", _masked(payload)))


@pytest.fixture
def records(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for k in range(2):
        exs = [{"label": [int(rng.integers(0, 10))], "ids": rng.integers(-5, 1000, 4).tolist(),
                "score": rng.uniform(-1, 1, 3).astype(np.float32), "image": bytes(rng.integers(0, 256, 6, np.uint8)),
                "name": f"row{k}-{i}"} for i in range(5)]
        p = tmp_path / f"part{k}.tfrecord"
        write_tfrecord(p, exs)
        paths.append((str(p), exs))
    return paths


def test_reads_every_feature_without_schema(records):
    data = ds.TFRecordDataset([p for p, _ in records], shuffle=False)
    assert data.get_col_names() == ["ids", "image", "label", "name", "score"]
    rows = list(data.create_dict_iterator(output_numpy=True))
    expected = [e for _, exs in records for e in exs]
    assert len(rows) == 10 == data.get_dataset_size()
    for r, e in zip(rows, expected):
        np.testing.assert_array_equal(r["ids"], e["ids"])
        assert r["ids"].dtype == np.int64 and r["score"].dtype == np.float32
        np.testing.assert_array_equal(r["score"], e["score"])
        np.testing.assert_array_equal(r["image"], np.frombuffer(e["image"], np.uint8))   # bytes -> uint8
        np.testing.assert_array_equal(r["label"], e["label"])


def test_schema_types_shapes_and_columns_list(records, tmp_path):
    schema = ds.Schema()
    schema.add_column("ids", ms.int32, [2, 2])
    schema.add_column("name", "string")
    schema.add_column("label", "int32", [1])
    data = ds.TFRecordDataset(records[0][0], schema=schema, shuffle=False)
    rows = list(data.create_dict_iterator(output_numpy=True))
    assert [str(r["name"]) for r in rows] == [e["name"] for e in records[0][1]]
    assert rows[0]["ids"].shape == (2, 2) and rows[0]["ids"].dtype == np.int32
    np.testing.assert_array_equal(rows[1]["ids"].reshape(-1), records[0][1][1]["ids"])
    js = tmp_path / "schema.json"
    js.write_text(schema.to_json())
    loaded = ds.Schema(str(js))
    assert loaded.column_names == ["ids", "name", "label"] and json.loads(loaded.to_json())["columns"]["ids"]["shape"] \
        == [2, 2]
    only = ds.TFRecordDataset(records[0][0], columns_list=["score", "label"], shuffle=False)
    assert only.get_col_names() == ["score", "label"]
    limited = ds.TFRecordDataset([p for p, _ in records], num_samples=3, shuffle=False)
    assert limited.get_dataset_size() == 3


def test_sharding_and_shuffle(records):
    files = [p for p, _ in records]
    shards = [[int(r["label"][0]) for r in ds.TFRecordDataset(files, num_shards=2, shard_id=s, shuffle=False)
               .create_dict_iterator(output_numpy=True)] for s in range(2)]
    assert sorted(shards[0] + shards[1]) == sorted(int(e["label"][0]) for _, exs in records for e in exs)
    seed = ds.config.get_seed()
    ds.config.set_seed(3)
    try:
        order = [bytes(r["name"]).decode() for r in ds.TFRecordDataset(files).create_dict_iterator(output_numpy=True)]
    finally:
        ds.config.set_seed(seed)
    assert sorted(order) == sorted(e["name"] for _, exs in records for e in exs)   # schema-less bytes: uint8


def test_corrupt_and_missing_files(records, tmp_path):
    bad = tmp_path / "bad.tfrecord"
    raw = bytearray(open(records[0][0], "rb").read())
    raw[3] ^= 0xFF                                   # corrupt the first record's length
    bad.write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match="bad.tfrecord: corrupted record length at byte 0"):
        ds.TFRecordDataset(str(bad))
    cut = tmp_path / "cut.tfrecord"
    cut.write_bytes(open(records[0][0], "rb").read()[:-7])
    with pytest.raises(RuntimeError, match="cut.tfrecord is cut inside the record"):
        ds.TFRecordDataset(str(cut))
    with pytest.raises(ValueError, match="not found"):
        ds.TFRecordDataset(str(tmp_path / "none.tfrecord"))
    with pytest.raises(ValueError, match="compressed"):
        ds.TFRecordDataset(records[0][0], compression_type="GZIP")


def test_padded_dataset():
    base = ds.NumpySlicesDataset({"x": np.arange(5, dtype=np.int32)}, shuffle=False)
    pad = ds.PaddedDataset([{"x": np.array(-1, np.int32)}, {"x": np.array(-2, np.int32)}])
    assert pad.get_dataset_size() == 2 and pad.get_col_names() == ["x"]
    assert [int(r["x"]) for r in (base + pad).create_dict_iterator(output_numpy=True)] == [0, 1, 2, 3, 4, -1, -2]
    shard = ds.PaddedDataset([{"x": np.array(k, np.int32)} for k in range(4)])
    shard.use_sampler(ds.DistributedSampler(num_shards=2, shard_id=1, shuffle=False))
    assert [int(r["x"]) for r in shard.create_dict_iterator(output_numpy=True)] == [1, 3]
    with pytest.raises(ValueError, match="sample 1 has columns"):
        ds.PaddedDataset([{"a": 1}, {"b": 2}])


def test_dataset_helper_feeds_a_training_loop():
    data = ds.NumpySlicesDataset({"x": np.arange(8, dtype=np.float32).reshape(4, 2),
                                  "y": np.arange(4, dtype=np.float32)}, shuffle=False).batch(2)
    net = ms.nn.Dense(2, 1)
    helper = ms.DatasetHelper(data, dataset_sink_mode=False, epoch_num=2)
    net = ms.connect_network_with_dataset(net, helper)
    seen = []
    for _ in range(2):
        for x, y in helper:
            assert isinstance(x, ms.Tensor) and net(x).shape == (2, 1)
            seen.append(float(y[0]))
    assert seen == [0.0, 2.0, 0.0, 2.0] and len(helper) == 2
    sink = ms.DatasetHelper(data, dataset_sink_mode=True, sink_size=3, epoch_num=3)
    assert [[float(y[0]) for _, y in sink] for _ in range(2)] == [[0.0, 2.0, 0.0], [2.0, 0.0, 2.0]]
    types, shapes = sink.types_shapes()
    assert shapes == [[2, 2], [2]]
