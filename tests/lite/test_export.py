"""ms.export / ms.load / nn.GraphCell: MINDIR round trips, the file format, and bad input."""
import hashlib
import io
import json
import os
import zipfile

import numpy as np
import pytest

import mindlite as ms
from mindlite import nn, ops

from .nets import CNN, MLP, randomize_bn


def _x(*shape, seed=0):
    return ms.Tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


@pytest.mark.parametrize("make, shape", [(MLP, (4, 64)), (CNN, (4, 1, 8, 8))])
def test_round_trip_is_bit_exact(make, shape, mode, tmp_file):
    net = randomize_bn(make())
    net.set_train(False)
    path = ms.export(net, _x(*shape), file_name=tmp_file("net"))
    assert path.endswith(".mindir") and os.path.isfile(path)
    cell = nn.GraphCell(ms.load(path))
    for batch in (shape[0], 1, 7):  # the export batch and other batch sizes (dynamic batch)
        x = _x(batch, *shape[1:], seed=batch)
        np.testing.assert_array_equal(cell(x).asnumpy(), net(x).asnumpy())


def test_signature_marks_the_dynamic_batch(tmp_file):
    net = CNN()
    graph = ms.load(ms.export(net, _x(2, 1, 8, 8), file_name=tmp_file("cnn")))
    assert graph.dynamic_batch
    assert graph.input_signature == [((-1, 1, 8, 8), np.dtype(np.float32))]
    static = ms.load(ms.export(net, _x(2, 1, 8, 8), file_name=tmp_file("static"), dynamic_batch=False))
    assert static.input_signature == [((2, 1, 8, 8), np.dtype(np.float32))]
    with pytest.raises(ValueError, match=r"input 0 expected shape \[2, 1, 8, 8\], got \[3, 1, 8, 8\]"):
        nn.GraphCell(static)(_x(3, 1, 8, 8))


def test_export_from_an_input_declaration(tmp_file):
    """`ms.export(net, Tensor(shape=[None, ...], dtype=...))`: a None batch exports a dynamic
    batch; a None elsewhere is refused by name."""
    net = MLP()
    net.set_train(False)
    decl = ms.Tensor(shape=[None, 64], dtype=ms.float32)
    graph = ms.load(ms.export(net, decl, file_name=tmp_file("decl")))
    assert graph.dynamic_batch and graph.input_signature == [((-1, 64), np.dtype(np.float32))]
    cell = nn.GraphCell(graph)
    for batch in (1, 3, 6):
        x = _x(batch, 64, seed=batch)
        np.testing.assert_array_equal(cell(x).asnumpy(), net(x).asnumpy())
    with pytest.raises(ValueError, match=r"input 0 is declared \[2, None\]; only dimension 0"):
        ms.export(net, ms.Tensor(shape=[2, None], dtype=ms.float32), file_name=tmp_file("bad"))
    with pytest.raises(ValueError, match="needs dynamic_batch=True"):
        ms.export(net, decl, file_name=tmp_file("bad2"), dynamic_batch=False)


def test_export_restores_the_training_flags(tmp_file):
    net = CNN()
    net.set_train(True)
    ms.export(net, _x(2, 1, 8, 8), file_name=tmp_file("cnn"))
    assert all(c.training for _, c in net.cells_and_names())


def test_file_layout_hashes_and_weights(tmp_file):
    net = randomize_bn(CNN())
    path = ms.export(net, _x(2, 1, 8, 8), file_name=tmp_file("cnn.mindir"))
    assert path == tmp_file("cnn.mindir")  # the suffix is not doubled
    with zipfile.ZipFile(path) as z:
        meta = json.loads(z.read("meta.json"))
        assert set(meta["entries"]) == set(z.namelist()) - {"meta.json"}
        for name, digest in meta["entries"].items():
            assert hashlib.sha256(z.read(name)).hexdigest() == digest
        doc = json.loads(z.read("graph.json"))
        params = {p["name"]: np.load(io.BytesIO(z.read(p["file"])), allow_pickle=False) for p in doc["params"]}
    for name, p in net.parameters_and_names():
        np.testing.assert_array_equal(params[name], p.asnumpy())
    ops_by_scope = {(n["op"], n["scope"]) for n in doc["graph"]["nodes"]}
    assert ("conv2d", "conv1") in ops_by_scope and ("batch_norm", "bn2") in ops_by_scope
    assert ("max_pool2d", "pool") in ops_by_scope


def test_params_init_replaces_weights(tmp_file):
    net = MLP()
    net.set_train(False)
    graph = ms.load(ms.export(net, _x(3, 64), file_name=tmp_file("mlp")))
    bias = np.arange(10, dtype=np.float32)
    cell = nn.GraphCell(graph, params_init={"fc2.bias": ms.Tensor(bias)})
    x = _x(3, 64)
    expected = net(x).asnumpy() - net.fc2.bias.asnumpy() + bias
    np.testing.assert_allclose(cell(x).asnumpy(), expected, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="does not have.*nope"):
        nn.GraphCell(graph, params_init={"nope": ms.Tensor(bias)})
    with pytest.raises(ValueError, match="fc2.bias"):
        nn.GraphCell(graph, params_init={"fc2.bias": ms.Tensor(np.zeros(3, np.float32))})


class Branchy(nn.Cell):
    """Tensor-dependent if and while: exported as cond / while nodes holding subgraphs."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Dense(4, 4)

    def construct(self, x):
        y = self.fc(x)
        if ops.reduce_sum(y) > 0:
            y = y * 2.0
        else:
            y = y - 1.0
        while ops.reduce_sum(ops.abs(y)) < 50.0:
            y = y * 1.5 + 0.25
        return y


def test_control_flow_subgraphs_round_trip(mode, tmp_file):
    net = Branchy()
    path = ms.export(net, _x(2, 4), file_name=tmp_file("branchy"))
    with zipfile.ZipFile(path) as z:
        ops_used = {n["op"] for n in json.loads(z.read("graph.json"))["graph"]["nodes"]}
    assert {"cond", "while"} <= ops_used
    cell = nn.GraphCell(ms.load(path))
    for seed in range(3):
        x = _x(2, 4, seed=seed) * 0.1
        np.testing.assert_array_equal(cell(x).asnumpy(), net(x).asnumpy())


class Counter(nn.Cell):
    def __init__(self):
        super().__init__()
        self.count = ms.Parameter(ms.Tensor(np.zeros(1, np.float32)), name="count", requires_grad=False)

    def construct(self, x):
        ops.assign(self.count, self.count + 1)
        return x * 2


def test_state_updates_cannot_be_exported(tmp_file):
    with pytest.raises(ValueError, match="changes parameters.*count"):
        ms.export(Counter(), _x(2, 2), file_name=tmp_file("counter"))


def test_unknown_file_format(tmp_file):
    with pytest.raises(ValueError, match=r"file_format must be one of \['MINDIR', 'ONNX'\]"):
        ms.export(MLP(), _x(2, 64), file_name=tmp_file("x"), file_format="TFLITE")
    with pytest.raises(ValueError, match="AIR is an Ascend-only format"):
        ms.export(MLP(), _x(2, 64), file_name=tmp_file("x"), file_format="AIR")


def test_graph_cell_input_errors(tmp_file):
    cell = nn.GraphCell(ms.load(ms.export(CNN(), _x(2, 1, 8, 8), file_name=tmp_file("cnn"))))
    with pytest.raises(ValueError, match=r"takes 1 input\(s\), got 2"):
        cell(_x(2, 1, 8, 8), _x(2, 1, 8, 8))
    with pytest.raises(ValueError, match="input 0 expected dtype float32, got float64"):
        cell(ms.Tensor(np.zeros((2, 1, 8, 8))))
    with pytest.raises(ValueError, match=r"input 0 expected rank 4 \(shape \[-1, 1, 8, 8\]\), got rank 3"):
        cell(_x(2, 8, 8))
    with pytest.raises(ValueError, match=r"input 0 expected shape \[-1, 1, 8, 8\], got \[2, 3, 8, 8\]"):
        cell(_x(2, 3, 8, 8))
    with pytest.raises(ValueError, match="input 0 must be a Tensor"):
        cell(np.zeros((2, 1, 8, 8), np.float32))


# ---- files that must be refused ----------------------------------------------------------------------
def _rewrite(src, dst, change):
    """Copy the MINDIR zip `src` to `dst` with change(entries) applied, meta.json re-hashed."""
    with zipfile.ZipFile(src) as z:
        entries = {n: z.read(n) for n in z.namelist() if n != "meta.json"}
        meta = json.loads(z.read("meta.json"))
    rehash = change(entries, meta)
    if rehash:
        meta["entries"] = {n: hashlib.sha256(d).hexdigest() for n, d in entries.items()}
    with zipfile.ZipFile(dst, "w") as z:
        z.writestr("meta.json", json.dumps(meta))
        for n, d in entries.items():
            z.writestr(n, d)
    return dst


@pytest.fixture
def mlp_file(tmp_file):
    return ms.export(MLP(), _x(2, 64), file_name=tmp_file("mlp"))


def test_pickle_payload_is_refused(mlp_file, tmp_file):
    def evil(entries, meta):
        buf = io.BytesIO()
        np.save(buf, np.array([{"payload": 1}], dtype=object), allow_pickle=True)
        entries["weights/0.npy"] = buf.getvalue()
        return True
    bad = _rewrite(mlp_file, tmp_file("evil.mindir"), evil)
    with pytest.raises(ValueError, match="not a valid mindlite MINDIR.*weights/0.npy"):
        ms.load(bad)


def test_non_zip_truncated_and_tampered_files(mlp_file, tmp_file):
    with open(tmp_file("text.mindir"), "w") as f:
        f.write("hello")
    with pytest.raises(ValueError, match="not a valid mindlite MINDIR.*not a zip"):
        ms.load(tmp_file("text.mindir"))
    data = open(mlp_file, "rb").read()
    with open(tmp_file("cut.mindir"), "wb") as f:
        f.write(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a valid mindlite MINDIR"):
        ms.load(tmp_file("cut.mindir"))

    def tamper(entries, meta):
        entries["weights/0.npy"] = entries["weights/0.npy"][:-4] + b"\0\0\0\1"
        return False
    with pytest.raises(ValueError, match="not a valid mindlite MINDIR.*sha256"):
        ms.load(_rewrite(mlp_file, tmp_file("tampered.mindir"), tamper))

    def extra(entries, meta):
        entries["notes.txt"] = b"hi"
        return False
    with pytest.raises(ValueError, match="not a valid mindlite MINDIR.*unexpected"):
        ms.load(_rewrite(mlp_file, tmp_file("extra.mindir"), extra))
    with pytest.raises(FileNotFoundError):
        ms.load(tmp_file("missing.mindir"))


def test_newer_version_and_unknown_op(mlp_file, tmp_file):
    def newer(entries, meta):
        meta["version"] = 99
        return True
    with pytest.raises(ValueError, match="version 99 is newer"):
        ms.load(_rewrite(mlp_file, tmp_file("newer.mindir"), newer))

    def unknown_op(entries, meta):
        doc = json.loads(entries["graph.json"])
        doc["graph"]["nodes"][0]["op"] = "frobnicate"
        entries["graph.json"] = json.dumps(doc).encode()
        return True
    with pytest.raises(ValueError, match="unknown op 'frobnicate'"):
        ms.load(_rewrite(mlp_file, tmp_file("unknown.mindir"), unknown_op))
