"""File readers (ImageFolder, MNIST, CIFAR, TextFile) and mindrecord, on small files in the real formats."""
import io
import os

import numpy as np
import pytest
from PIL import Image

import mindlite.dataset as ds
from mindlite.dataset import vision
from mindlite.dataset.mindrecord_dataset import MindDataset
from mindlite.dataset.readers import Cifar10Dataset, Cifar100Dataset, ImageFolderDataset, MnistDataset, TextFileDataset
from mindlite.mindrecord import FileReader, FileWriter, MindRecordError, convert_image_folder


def rows(data, columns=None):
    return list(data.create_tuple_iterator(columns=columns, output_numpy=True, num_epochs=1))


def column(data, k=0):
    return [r[k] for r in rows(data)]


# ------------------------------------------------------------------ ImageFolder
@pytest.fixture
def image_folder(tmp_path):
    rng = np.random.default_rng(0)
    images = {}
    for cls, n in (("dog", 3), ("cat", 2), ("eel", 1)):
        os.makedirs(tmp_path / cls)
        for i in range(n):
            arr = rng.integers(0, 256, (6 + i, 8, 3), dtype=np.uint8)
            path = tmp_path / cls / f"{i}.png"
            Image.fromarray(arr).save(path)
            images[str(path)] = arr
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    return tmp_path, images


def test_image_folder_bytes_labels_and_order(image_folder):
    root, images = image_folder
    data = ImageFolderDataset(str(root), shuffle=False, extensions=[".png"])
    assert data.get_class_indexing() == {"cat": 0, "dog": 1, "eel": 2}
    assert data.get_dataset_size() == 6 and data.get_col_names() == ["image", "label"]
    out = rows(data)
    assert [int(r[1]) for r in out] == [0, 0, 1, 1, 1, 2] and out[0][1].dtype == np.int32
    first = min(p for p in images if "cat" in p)
    with open(first, "rb") as f:
        assert out[0][0].dtype == np.uint8 and out[0][0].tobytes() == f.read()
    assert np.array_equal(vision.Decode()(out[0][0]), images[first])


def test_image_folder_decode_class_indexing_and_shards(image_folder):
    root, images = image_folder
    data = ImageFolderDataset(str(root), decode=True, shuffle=False, extensions=[".png"],
                              class_indexing={"dog": 7, "eel": 3})
    out = rows(data)
    assert [int(r[1]) for r in out] == [7, 7, 7, 3]
    assert out[0][0].shape == (6, 8, 3)
    shards = [{r[0].tobytes() for r in rows(ImageFolderDataset(str(root), extensions=[".png"], num_shards=2,
                                                                shard_id=k))} for k in range(2)]
    everything = set()
    for p in images:
        with open(p, "rb") as f:
            everything.add(f.read())
    assert len(shards[0]) == len(shards[1]) == 3 and shards[0] | shards[1] == everything


def test_image_folder_corrupt_file_names_the_file(image_folder):
    root, _ = image_folder
    bad = root / "cat" / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    data = ImageFolderDataset(str(root), decode=True, shuffle=False, extensions=[".png"])
    with pytest.raises(Exception, match="broken.png"):
        rows(data)


# ------------------------------------------------------------------ MNIST / CIFAR
def write_idx(path, arr, magic):
    with open(path, "wb") as f:
        f.write(magic.to_bytes(4, "big"))
        f.writelines(int(d).to_bytes(4, "big") for d in arr.shape)
        f.write(arr.astype(np.uint8).tobytes())


def test_mnist_idx_files(tmp_path):
    rng = np.random.default_rng(1)
    sets = {"train": 5, "t10k": 3}
    for prefix, n in sets.items():
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)), 2051)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte", np.arange(n) % 10, 2049)
    train = MnistDataset(str(tmp_path), usage="train", shuffle=False)
    img, lab = rows(train)[2]
    assert img.shape == (28, 28, 1) and img.dtype == np.uint8 and lab.dtype == np.uint32 and int(lab) == 2
    assert MnistDataset(str(tmp_path), usage="test").get_dataset_size() == 3
    assert MnistDataset(str(tmp_path)).get_dataset_size() == 8
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.arange(3), 1234)
    with pytest.raises(RuntimeError, match="t10k-labels-idx1-ubyte"):
        MnistDataset(str(tmp_path), usage="test")


def test_cifar10_and_cifar100_binary(tmp_path):
    rng = np.random.default_rng(2)
    chw = {}
    for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        imgs = rng.integers(0, 256, (2, 3, 32, 32), dtype=np.uint8)
        labels = rng.integers(0, 10, (2, 1), dtype=np.uint8)
        (tmp_path / name).write_bytes(np.concatenate([labels, imgs.reshape(2, -1)], 1).tobytes())
        chw[name] = (imgs, labels)
    train = rows(Cifar10Dataset(str(tmp_path), usage="train", shuffle=False))
    assert len(train) == 10
    imgs, labels = chw["data_batch_1.bin"]
    assert np.array_equal(train[1][0], imgs[1].transpose(1, 2, 0)) and train[1][1] == labels[1, 0]
    assert train[1][1].dtype == np.uint32
    assert Cifar10Dataset(str(tmp_path), usage="test").get_dataset_size() == 2
    (tmp_path / "test_batch.bin").write_bytes(b"x" * 100)
    with pytest.raises(RuntimeError, match="test_batch.bin"):
        Cifar10Dataset(str(tmp_path), usage="test")
    rec = np.concatenate([np.array([[3, 42]], np.uint8), rng.integers(0, 256, (1, 3072), dtype=np.uint8)], 1)
    (tmp_path / "train.bin").write_bytes(rec.tobytes())
    (tmp_path / "test.bin").write_bytes(rec.tobytes())
    data = Cifar100Dataset(str(tmp_path), usage="train")
    assert data.get_col_names() == ["image", "coarse_label", "fine_label"]
    (img, coarse, fine), = rows(data)
    assert img.shape == (32, 32, 3) and int(coarse) == 3 and int(fine) == 42


# ------------------------------------------------------------------ TextFile
def test_text_file_dataset(tmp_path):
    (tmp_path / "a.txt").write_text("one\ntwo\n\nthree\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("four\nfive\n", encoding="utf-8")
    files = [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    ordered = [str(t) for t in column(TextFileDataset(files, shuffle=False))]
    assert ordered == ["one", "two", "three", "four", "five"]
    assert sorted(str(t) for t in column(TextFileDataset(str(tmp_path / "*.txt")))) == sorted(ordered)
    for _ in range(3):  # FILES keeps each file's lines together and in order
        got = [str(t) for t in column(TextFileDataset(files, shuffle=ds.Shuffle.FILES))]
        assert got in (ordered, ordered[3:] + ordered[:3])
    parts = [column(TextFileDataset(files, num_shards=2, shard_id=k, shuffle=False)) for k in range(2)]
    assert len(parts[0]) == len(parts[1]) == 3
    with pytest.raises(ValueError, match="no file"):
        TextFileDataset(str(tmp_path / "missing*.txt"))


# ------------------------------------------------------------------ mindrecord
SCHEMA = {"id": {"type": "int64"}, "name": {"type": "string"}, "score": {"type": "float64"},
          "vec": {"type": "float32", "shape": [-1, 2]}, "fixed": {"type": "int32", "shape": [3]},
          "blob": {"type": "bytes"}}


def sample(i):
    return {"id": i, "name": f"row {i} é", "score": i / 3, "vec": np.arange(2 * (i % 3 + 1), dtype=np.float32),
            "fixed": [i, i + 1, i + 2], "blob": bytes(range(i % 7))}


def write_records(path, n=10, shard_num=1):
    writer = FileWriter(str(path), shard_num=shard_num)
    writer.add_schema(SCHEMA, "test data")
    writer.add_index(["id", "name"])
    writer.write_raw_data([sample(i) for i in range(n // 2)])
    writer.write_raw_data([sample(i) for i in range(n // 2, n)])
    writer.commit()
    return writer.paths


def test_mindrecord_round_trip_all_types(tmp_path):
    paths = write_records(tmp_path / "d.mindrecord", n=7, shard_num=3)
    assert [os.path.basename(p) for p in paths] == ["d.mindrecord0", "d.mindrecord1", "d.mindrecord2"]
    got = list(FileReader(paths[1]).get_next())
    assert [int(r["id"]) for r in got] == list(range(7))
    r = got[5]
    assert str(r["name"]) == "row 5 é" and np.isclose(r["score"], 5 / 3) and r["vec"].shape == (3, 2)
    assert r["fixed"].dtype == np.int32 and r["fixed"].tolist() == [5, 6, 7] and r["blob"].tolist() == [0, 1, 2, 3, 4]
    data = MindDataset(paths[0], shuffle=False, columns_list=["id", "blob"])
    assert data.get_col_names() == ["id", "blob"] and [int(v) for v in column(data)] == list(range(7))


def test_mind_dataset_shuffles_and_shards(tmp_path):
    paths = write_records(tmp_path / "s.mr", n=12, shard_num=2)
    ids = [int(v) for v in column(MindDataset(paths, columns_list=["id"]))]
    assert sorted(ids) == list(range(12))
    infile = [int(v) for v in column(MindDataset(paths, columns_list=["id"], shuffle=ds.Shuffle.INFILE))]
    assert sorted(infile[:6]) == [0, 2, 4, 6, 8, 10] and sorted(infile[6:]) == [1, 3, 5, 7, 9, 11]
    shards = [{int(v) for v in column(MindDataset(paths, columns_list=["id"], num_shards=3, shard_id=k))}
              for k in range(3)]
    assert set().union(*shards) == set(range(12)) and sum(map(len, shards)) == 12
    padded = MindDataset(paths, columns_list=["id"], num_shards=5, shard_id=4, shuffle=False,
                         padded_sample={"id": np.int64(-1)}, num_padded=3)
    assert [int(v) for v in column(padded)] == [4, 9, -1]


def test_mindrecord_corruption_is_reported_with_the_file(tmp_path):
    (path,) = write_records(tmp_path / "c.mr", n=4)
    with open(path, "rb") as f:
        raw = bytearray(f.read())
    raw[20] ^= 0xFF  # inside row 0
    bad = tmp_path / "bad.mr"
    bad.write_bytes(bytes(raw))
    with pytest.raises(Exception, match="bad.mr"):
        column(MindDataset(str(bad), shuffle=False))
    trunc = tmp_path / "trunc.mr"
    trunc.write_bytes(bytes(raw[:-10]))
    with pytest.raises(MindRecordError, match="trunc.mr"):
        MindDataset(str(trunc))
    junk = tmp_path / "junk.mr"
    junk.write_bytes(b"hello world" * 10)
    with pytest.raises(MindRecordError, match="junk.mr.*magic"):
        FileReader(str(junk))
    writer = FileWriter(str(tmp_path / "open.mr"))
    writer.add_schema({"x": {"type": "int32"}})
    writer.write_raw_data([{"x": 1}])  # never committed (rows go to disk unbuffered)
    with pytest.raises(MindRecordError, match="never committed"):
        FileReader(str(tmp_path / "open.mr"))


def test_mindrecord_writer_validation(tmp_path):
    write_records(tmp_path / "v.mr", n=2)
    with pytest.raises(MindRecordError, match="exists"):
        FileWriter(str(tmp_path / "v.mr"))
    writer = FileWriter(str(tmp_path / "v.mr"), overwrite=True)
    with pytest.raises(MindRecordError, match="type"):
        writer.add_schema({"x": {"type": "complex"}})
    writer.add_schema({"x": {"type": "int32", "shape": [2]}, "s": {"type": "string"}})
    with pytest.raises(MindRecordError, match="shape"):
        writer.write_raw_data([{"x": [1, 2, 3], "s": "a"}])
    with pytest.raises(MindRecordError, match="lacks"):
        writer.write_raw_data([{"x": [1, 2]}])
    with pytest.raises(MindRecordError, match="index field"):
        writer.add_index(["x"])


@pytest.mark.parametrize("field, value", [
    ("i64", 1.7), ("i64", np.float32(2.9)), ("i64", True), ("i64", np.bool_(False)), ("i64", 2.0),
    ("i64", 2 ** 63), ("i64", 2 ** 70), ("i64", None), ("i64", "3"),
    ("i32", 2 ** 31), ("i32", np.int64(-2 ** 31 - 1)), ("v32", [1, 2.5, 3]), ("v32", [1, True, 3]),
    ("v32", np.array([1.0, 2.0, 3.0])), ("f32", True), ("f32", 1e300), ("f64", "1.5"), ("f64", [1.5, 2.5]),
])
def test_mindrecord_writer_type_errors_name_the_field(tmp_path, field, value):
    writer = FileWriter(str(tmp_path / "t.mr"))
    writer.add_schema({"i64": {"type": "int64"}, "i32": {"type": "int32"}, "v32": {"type": "int32", "shape": [3]},
                       "f32": {"type": "float32"}, "f64": {"type": "float64"}})
    good = {"i64": 1, "i32": np.int32(2), "v32": [1, 2, 3], "f32": 0.5, "f64": 7}
    with pytest.raises(MindRecordError, match=f"row 1 of this call: field '{field}'"):
        writer.write_raw_data([good, dict(good, **{field: value})])


def test_mindrecord_writer_accepts_exact_conversions(tmp_path):
    path = str(tmp_path / "ok.mr")
    writer = FileWriter(path)
    writer.add_schema({"i64": {"type": "int64"}, "i32": {"type": "int32", "shape": [2]},
                       "f32": {"type": "float32"}, "f64": {"type": "float64", "shape": [-1]}})
    rows = [{"i64": np.uint8(7), "i32": np.array([-2 ** 31, 2 ** 31 - 1], np.int64), "f32": 3, "f64": [1, 2.5]},
            {"i64": -2 ** 63, "i32": (5, 6), "f32": np.float64(0.1), "f64": np.arange(3, dtype=np.int16)}]
    writer.write_raw_data(rows)
    writer.commit()
    got = list(FileReader(path).get_next())
    assert int(got[0]["i64"]) == 7 and got[0]["i32"].tolist() == [-2 ** 31, 2 ** 31 - 1]
    assert got[0]["f32"] == np.float32(3) and got[0]["f64"].tolist() == [1.0, 2.5]
    assert int(got[1]["i64"]) == -2 ** 63 and got[1]["i32"].tolist() == [5, 6]
    assert got[1]["f32"] == np.float32(0.1) and got[1]["f64"].tolist() == [0.0, 1.0, 2.0]


def test_mindrecord_write_raw_data_is_all_or_nothing(tmp_path, monkeypatch):
    import errno

    from mindlite.mindrecord import writer as writer_mod
    path = str(tmp_path / "a.mr")
    writer = FileWriter(path, shard_num=1)
    writer.add_schema({"x": {"type": "int64"}})
    writer.write_raw_data([{"x": 0}])
    with pytest.raises(MindRecordError, match="row 2 of this call: field 'x'"):
        writer.write_raw_data([{"x": 1}, {"x": 2}, {"x": 3.5}, {"x": 4}])
    writer.write_raw_data([{"x": 1}, {"x": 2}, {"x": 3}, {"x": 4}])  # the corrected retry
    real_write, calls = os.write, []

    def disk_full(fd, data):  # an injected full disk: the second record of the call fails
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)
    monkeypatch.setattr(writer_mod.os, "write", disk_full)
    with pytest.raises(OSError, match="No space left") as info:
        writer.write_raw_data([{"x": 5}, {"x": 6}, {"x": 7}])
    assert "a.mr" in str(info.value) and info.value.errno == errno.ENOSPC
    monkeypatch.undo()
    writer.write_raw_data([{"x": 5}, {"x": 6}])
    writer.commit()
    assert [int(r["x"]) for r in FileReader(path).get_next()] == [0, 1, 2, 3, 4, 5, 6]  # no duplicates


def test_mindrecord_metadata_disagreeing_with_row_bytes_is_a_clear_error(tmp_path):
    import json
    import struct
    import zlib

    from mindlite.mindrecord.format import TRAILER
    writer = FileWriter(str(tmp_path / "m.mr"))
    writer.add_schema({"v": {"type": "float32", "shape": [2]}, "s": {"type": "int32"}})
    writer.write_raw_data([{"v": [1.0, 2.0], "s": 3}])
    writer.commit()
    raw = (tmp_path / "m.mr").read_bytes()
    meta_off, meta_len, offs_off, n, _, end = TRAILER.unpack(raw[-TRAILER.size:])

    def with_schema(schema, name):  # a consistent footer (valid checksum) around changed metadata
        meta = json.loads(raw[meta_off:meta_off + meta_len])
        meta["schema"] = schema
        meta_b = json.dumps(meta).encode()
        tables = raw[offs_off:-TRAILER.size]
        footer = meta_b + tables
        data = raw[:meta_off] + footer + struct.pack("<QQQQI4s", meta_off, len(meta_b), meta_off + len(meta_b), n,
                                                     zlib.crc32(footer), end)
        (tmp_path / name).write_bytes(data)
        return str(tmp_path / name)

    cases = [({"v": {"type": "float32", "shape": [3]}, "s": {"type": "int32"}}, "'v' holds 8 bytes.*shape \\[3\\]"),
             ({"v": {"type": "float64", "shape": [-1, 2]}, "s": {"type": "int32"}}, "'v' holds 8 bytes"),
             ({"v": {"type": "float32"}, "s": {"type": "int32"}}, "'v' holds 8 bytes, which is not 1 value"),
             ({"v": {"type": "float32", "shape": [2]}, "s": {"type": "int64"}}, "'s' holds 4 bytes")]
    for i, (schema, match) in enumerate(cases):
        path = with_schema(schema, f"bad{i}.mr")
        with pytest.raises(MindRecordError, match=match) as info:
            list(FileReader(path).get_next())
        assert f"bad{i}.mr row 0" in str(info.value) and "metadata disagrees" in str(info.value)


def test_convert_image_folder_then_read(image_folder, tmp_path):
    root, images = image_folder
    files = convert_image_folder(str(root), str(tmp_path / "imgs.mr"), shard_num=2, extensions=[".png"],
                                 show_progress=False)
    assert len(files) == 2
    data = MindDataset(files[0], columns_list=["data", "label", "file_name"], shuffle=False)
    data = data.map(vision.Decode(), input_columns="data")
    out = rows(data)
    assert [int(r[1]) for r in out] == [0, 0, 1, 1, 1, 2]
    for img, _, name in out:
        assert np.array_equal(img, images[os.path.join(str(root), str(name))])


def test_image_folder_jpeg_pipeline(tmp_path):
    os.makedirs(tmp_path / "a")
    for i in range(4):
        buf = io.BytesIO()
        Image.fromarray(np.full((40, 50, 3), 40 * i, np.uint8)).save(buf, "JPEG")
        (tmp_path / "a" / f"{i}.jpg").write_bytes(buf.getvalue())
    data = ImageFolderDataset(str(tmp_path), num_parallel_workers=2)
    data = data.map([vision.RandomCropDecodeResize(16), vision.RandomHorizontalFlip(),
                     vision.Normalize([0, 0, 0], [255, 255, 255]), vision.HWC2CHW()], input_columns="image")
    (batch, labels), = rows(data.batch(4))
    assert batch.shape == (4, 3, 16, 16) and batch.dtype == np.float32 and labels.tolist() == [0] * 4
