"""Summary files: round trip of every plugin (checked by an independent reader, pillow and
numpy.histogram), truncation at every byte, flipped bytes, tailing, kill -9 of a writer,
rollover, and the bad-input rules of SummaryRecord."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import mindlite as ms
from mindlite import insight
from mindlite.insight import writer as writer_mod
from mindlite.insight.format import RecordReader, encode_record

from . import reference as ref

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _summary_file(d: str, suffix: str = "_MS") -> str:
    names = [n for n in os.listdir(d) if ".summary." in n and n.endswith(suffix)]
    assert len(names) == 1, names
    return os.path.join(d, names[0])


def test_round_trip_every_plugin(tmp_path):
    rng = np.random.default_rng(0)
    hist = rng.normal(size=(50, 7)).astype(np.float32)
    hist[0, 0], hist[1, 1] = np.nan, np.inf
    img = rng.random((2, 3, 5, 4)).astype(np.float32)
    tensor = rng.integers(-5, 5, size=(3, 4)).astype(np.int32)
    with ms.SummaryRecord(str(tmp_path), network=None) as rec:
        rec.add_value("scalar", "loss", ms.Tensor(np.float32(0.25)))
        rec.add_value("histogram", "w", ms.Tensor(hist))
        rec.add_value("image", "img", ms.Tensor(img))
        rec.add_value("tensor", "t", ms.Tensor(tensor))
        rec.add_value("graph", "g", {"nodes": [{"id": "a", "op": "add", "scope": "Default", "inputs": []}]})
        rec.add_value("train_lineage", "train", {"hyper_parameters": {"learning_rate": 0.1}})
        rec.add_value("eval_lineage", "eval", {"metrics": {"accuracy": 0.5}})
        rec.add_value("custom_lineage_data", "custom", {"note": "x", "k": 3})
        rec.add_value("dataset_graph", "ds", ms.dataset.NumpySlicesDataset(np.zeros((8, 2), np.float32),
                                                                          ["x"], shuffle=False).batch(4))
        assert rec.record(7)
    evs = {e["tag"]: e for e in ref.events(_summary_file(str(tmp_path)))}
    lin = {e["tag"]: e for e in ref.events(_summary_file(str(tmp_path), "_lineage"))}
    assert set(evs) == {"loss", "w", "img", "t", "g"} and set(lin) == {"train", "eval", "custom", "ds"}
    assert all(e["step"] == 7 for e in list(evs.values()) + list(lin.values()))
    assert evs["loss"]["value"] == 0.25 and evs["loss"]["plugin"] == "scalar"
    h = evs["w"]["value"]
    finite = hist[np.isfinite(hist)].astype(np.float64)
    counts, edges = np.histogram(finite, bins=len(h["counts"]), range=(finite.min(), finite.max()))
    assert h["counts"] == counts.tolist() and np.allclose(h["edges"], edges)
    assert (h["nan"], h["pos_inf"], h["count"]) == (1, 1, hist.size)
    pixels = ref.png_pixels(evs["img"]["value"])  # two 5x4 RGB images side by side, 2 pixels apart
    expect = np.clip(np.rint(img.transpose(0, 2, 3, 1).astype(np.float64) * 255), 0, 255).astype(np.uint8)
    assert pixels.shape == (5, 10, 3)
    assert np.array_equal(pixels[:, :4], expect[0]) and np.array_equal(pixels[:, 6:], expect[1])
    assert not pixels[:, 4:6].any()
    t = evs["t"]["value"]
    got = np.frombuffer(__import__("base64").b64decode(t["data"]), np.dtype(t["dtype"]).newbyteorder("<"))
    assert np.array_equal(got.reshape(t["shape"]), tensor)
    assert lin["train"]["value"] == {"hyper_parameters": {"learning_rate": 0.1}}
    assert lin["custom"]["value"] == {"note": "x", "k": 3}
    ops = [n["op_type"] for n in lin["ds"]["value"]["nodes"]]
    assert ops == ["BatchDataset", "NumpySlicesDataset"]


def _file_of(tmp_path, n: int) -> tuple[bytes, list[bytes]]:
    payloads = [f'{{"i": {i}, "pad": "{"x" * i}"}}'.encode() for i in range(n)]
    return b"".join(encode_record(p) for p in payloads), payloads


def test_truncated_at_every_byte_of_the_last_record(tmp_path):
    data, payloads = _file_of(tmp_path, 4)
    last_start = len(data) - len(encode_record(payloads[-1]))
    path = tmp_path / "cut.summary.1.h_MS"
    for cut in range(last_start, len(data) + 1):
        path.write_bytes(data[:cut])
        want = payloads if cut == len(data) else payloads[:-1]
        assert RecordReader(str(path)).read() == want, cut
        assert ref.records(str(path)) == want


def test_reader_resumes_after_a_partial_tail(tmp_path):
    data, payloads = _file_of(tmp_path, 3)
    path = tmp_path / "tail.summary.1.h_MS"
    path.write_bytes(data[:-5])
    reader = RecordReader(str(path))
    assert reader.read() == payloads[:2]
    offset = reader.offset
    assert reader.read() == [] and reader.offset == offset
    with open(path, "ab") as f:
        f.write(data[-5:])
    assert reader.read() == payloads[2:]


@pytest.mark.parametrize("where", ["length", "header_crc", "payload", "payload_crc"])
def test_a_flipped_byte_stops_the_reader_at_its_record(tmp_path, where):
    data, payloads = _file_of(tmp_path, 4)
    start = len(encode_record(payloads[0])) + len(encode_record(payloads[1]))  # record 2
    offset = {"length": 0, "header_crc": 9, "payload": 14, "payload_crc": 12 + len(payloads[2]) + 1}[where]
    bad = bytearray(data)
    bad[start + offset] ^= 0x41
    path = tmp_path / "flip.summary.1.h_MS"
    path.write_bytes(bytes(bad))
    reader = RecordReader(str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert reader.read() == payloads[:2]
    assert reader.bad_offset == start and reader.offset == start
    assert ref.records(str(path)) == payloads[:2]


_WRITER = textwrap.dedent("""
    import sys, numpy as np
    sys.path.insert(0, {root!r})
    import mindlite as ms
    rec = ms.SummaryRecord(sys.argv[1])
    step = 0
    while True:
        for _ in range(37):
            step += 1
            rec.add_value("scalar", "x", ms.Tensor(np.float32(step)))
            rec.record(step)
        rec.flush()
        print(step, flush=True)
""")


@pytest.mark.timeout(90)
def test_kill_9_of_a_writer_keeps_every_flushed_record(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(_WRITER.format(root=ROOT))
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path / "run")], stdout=subprocess.PIPE, text=True)
    try:
        flushed = 0
        while flushed < 37 * 5:
            line = proc.stdout.readline()
            assert line, "the writer stopped early"
            flushed = int(line)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    evs = ref.run_events(str(tmp_path / "run"), "_MS")
    steps = [e["step"] for e in evs]
    assert len(steps) >= flushed and steps == list(range(1, len(steps) + 1))
    assert all(e["value"] == float(e["step"]) for e in evs)
    assert insight.load_run(str(tmp_path / "run")).scalars["x"].steps == steps


def test_rollover_at_max_file_size(tmp_path):
    with ms.SummaryRecord(str(tmp_path), max_file_size=600) as rec:
        for step in range(40):
            rec.add_value("scalar", "x", ms.Tensor(np.float32(step)))
            rec.record(step)
    files = sorted(n for n in os.listdir(tmp_path) if n.endswith("_MS"))
    assert len(files) > 3
    assert all(os.path.getsize(tmp_path / n) <= 600 for n in files)
    steps = [e["step"] for n in files for e in ref.events(str(tmp_path / n))]
    assert sorted(steps) == list(range(40))


def test_flushes_every_100_records(tmp_path, monkeypatch):
    monkeypatch.setattr(writer_mod, "FLUSH_SECONDS", 3600.0)
    rec = ms.SummaryRecord(str(tmp_path))
    path = _summary_file(str(tmp_path))
    for step in range(99):
        rec.add_value("scalar", "x", ms.Tensor(np.float32(step)))
        rec.record(step)
    assert ref.records(path) == []
    rec.add_value("scalar", "x", ms.Tensor(np.float32(99)))
    rec.record(99)
    assert len(ref.records(path)) == 100
    rec.close()


def test_bad_input(tmp_path, caplog):
    rec = ms.SummaryRecord(str(tmp_path))
    with pytest.raises(ValueError, match="unknown plugin 'scalars'"):
        rec.add_value("scalars", "x", ms.Tensor(1.0))
    for tag in ("", "a\nb", 3, "x" * 300):
        with pytest.raises(ValueError, match="tag"):
            rec.add_value("scalar", tag, ms.Tensor(1.0))
    with pytest.raises(TypeError, match="must be a Tensor"):
        rec.add_value("scalar", "x", 1.0)
    with pytest.raises(ValueError, match="one element"):
        rec.add_value("scalar", "x", ms.Tensor(np.zeros(3, np.float32)))
    with pytest.raises(ValueError, match="NCHW"):
        rec.add_value("image", "x", ms.Tensor(np.zeros((3, 4), np.float32)))
    with pytest.raises(TypeError, match="custom_lineage_data"):
        rec.add_value("custom_lineage_data", "c", {"k": [1, 2]})
    with pytest.warns(UserWarning, match="added twice"):
        rec.add_value("scalar", "x", ms.Tensor(np.float32(1)))
        rec.add_value("scalar", "x", ms.Tensor(np.float32(2)))
    with pytest.raises(ValueError, match="step"):
        rec.record(-1)
    assert rec.record(3)
    rec.close()
    assert [e["value"] for e in ref.events(_summary_file(str(tmp_path)))] == [2.0]  # the last value won
    with caplog.at_level("WARNING"):
        assert rec.record(4) is False
    assert "after close" in caplog.text
    with pytest.raises(ValueError, match="collect_freq"):
        ms.SummaryCollector(str(tmp_path), collect_freq=0)
    with pytest.raises(ValueError, match="unknown collect_specified_data"):
        ms.SummaryCollector(str(tmp_path), collect_specified_data={"collect_nothing": True})
