"""The dashboard's JSON API over urllib on an ephemeral port (shapes, downsampling bound, 404s,
traversal), the graph layout, the CLI's errors, and the TensorBoard option."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import numpy as np
import pytest

import mindlite as ms
from mindlite import insight, nn
from mindlite.insight.graph_view import graph_json, layout
from mindlite.insight.server import serve_in_thread


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    rng = np.random.default_rng(0)
    values = rng.normal(size=5000)
    values[1234], values[4321] = 50.0, -50.0
    with ms.SummaryRecord(str(root / "run_a")) as rec:
        for step, v in enumerate(values):
            rec.add_value("scalar", "loss", ms.Tensor(np.float32(v)))
            if step % 1000 == 0:
                rec.add_value("histogram", "w", ms.Tensor(rng.normal(size=64).astype(np.float32)))
                rec.add_value("image", "img", ms.Tensor(rng.random((1, 3, 4, 4)).astype(np.float32)))
            rec.record(step)
        rec.add_value("train_lineage", "t", {"hyper_parameters": {"learning_rate": 0.1}})
        rec.record(5000)
    with ms.SummaryRecord(str(root / "run_b")) as rec:
        rec.add_value("scalar", "loss", ms.Tensor(np.float32(1.0)))
        rec.add_value("train_lineage", "t", {"hyper_parameters": {"learning_rate": 0.01}})
        rec.record(1)
    (root / "not_a_run").mkdir()
    return root, values


@pytest.fixture(scope="module")
def server(base):
    httpd, url = serve_in_thread(str(base[0]))
    yield url
    httpd.shutdown()
    httpd.server_close()


def test_runs_and_page(server):
    code, ctype, body = _get(server + "/api/runs")
    assert code == 200 and ctype == "application/json"
    runs = {r["name"]: r for r in json.loads(body)}
    assert sorted(runs) == ["run_a", "run_b"]
    assert runs["run_a"]["tags"]["scalar"] == ["loss"] and runs["run_a"]["tags"]["histogram"] == ["w"]
    assert runs["run_a"]["last_step"] == 5000
    code, ctype, body = _get(server + "/")
    assert code == 200 and ctype.startswith("text/html") and b"/static/app.js" in body
    assert _get(server + "/static/app.js")[0] == 200


def test_scalars_are_downsampled(server, base):
    code, _, body = _get(server + "/api/scalars?run=run_a&tag=loss")
    data = json.loads(body)
    assert code == 200 and data["total"] == 5000 and data["downsampled"]
    assert len(data["steps"]) <= 1000 and data["steps"] == sorted(data["steps"])
    values = base[1].astype(np.float32)
    assert max(data["values"]) == pytest.approx(50.0) and min(data["values"]) == pytest.approx(-50.0)
    assert all(values[s] == pytest.approx(v) for s, v in zip(data["steps"], data["values"]))
    small = json.loads(_get(server + "/api/scalars?run=run_b&tag=loss")[2])
    assert small == {"run": "run_b", "tag": "loss", "total": 1, "downsampled": False, "steps": [1], "values": [1.0]}


def test_other_endpoints(server):
    hist = json.loads(_get(server + "/api/histograms?run=run_a&tag=w")[2])
    assert [s["step"] for s in hist["samples"]] == [0, 1000, 2000, 3000, 4000]
    assert all(sum(s["counts"]) == 64 for s in hist["samples"])
    imgs = json.loads(_get(server + "/api/images?run=run_a&tag=img")[2])
    assert imgs["samples"][-1]["width"] == 4 and imgs["samples"][-1]["format"] == "png"
    lineage = json.loads(_get(server + "/api/lineage")[2])
    assert {r["run"]: r["learning_rate"] for r in lineage["rows"]} == {"run_a": 0.1, "run_b": 0.01}
    assert "learning_rate" in lineage["columns"]
    assert json.loads(_get(server + "/api/watchpoints?run=run_a")[2]) == {"run": "run_a", "hits": []}


@pytest.mark.parametrize("path", ["/api/scalars?run=nope&tag=loss", "/api/scalars?run=..%2Frun_a&tag=loss",
                                  "/api/scalars?run=%2Fetc&tag=loss", "/api/scalars?run=run_a&tag=missing",
                                  "/api/graph?run=run_a&tag=g", "/api/nothing", "/static/..%2F__init__.py",
                                  "/static/../format.py", "/etc/passwd"])
def test_404_is_json(server, path):
    code, ctype, body = _get(server + path)
    assert code == 404 and ctype == "application/json" and "error" in json.loads(body)


def test_missing_parameter_is_400(server):
    assert _get(server + "/api/scalars?tag=loss")[0] == 400


class Deep(nn.Cell):
    def __init__(self, n):
        super().__init__()
        self.layers = nn.SequentialCell([nn.Dense(4, 4) for _ in range(n)])

    def construct(self, x):
        return self.layers(x)


def test_layout_layers_and_collapsing():
    net = Deep(30)
    step = nn.TrainOneStepCell(nn.WithLossCell(net, nn.MSELoss()), nn.SGD(net.trainable_params(), 0.1))
    g = insight.capture_graph(step, (ms.Tensor(np.ones((2, 4), np.float32)), ms.Tensor(np.ones((2, 4), np.float32))))
    doc = graph_json(g)
    assert len(doc["nodes"]) > 300
    out = layout(doc)
    assert len(out["nodes"]) <= 300 and out["total"] == len(doc["nodes"])
    pos = {n["id"]: n for n in out["nodes"]}
    assert all(pos[a]["layer"] < pos[b]["layer"] for a, b in out["edges"] if pos[a]["kind"] != "scope"
               and pos[b]["kind"] != "scope")
    scope = next(n for n in out["nodes"] if n["kind"] == "scope")
    more = layout(doc, set(out["expanded"]) | {scope["scope"]})
    assert len(more["nodes"]) > len(out["nodes"])
    full = layout(doc, {p for n in doc["nodes"] for p in _prefixes(n["scope"])})
    assert len(full["nodes"]) == len(doc["nodes"])
    layers = {n["id"]: n["layer"] for n in full["nodes"]}
    by_id = {n["id"]: n for n in doc["nodes"]}
    for n in doc["nodes"]:  # longest path: one more than the deepest input
        want = max((layers[i] + 1 for i in n["inputs"]), default=0)
        assert layers[n["id"]] == want, n["id"]
    assert by_id


def _prefixes(scope):
    parts = scope.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "mindlite.insight", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))


@pytest.mark.timeout(120)
def test_cli_errors(tmp_path):
    res = _cli("start", "--summary-base-dir", str(tmp_path / "missing"), "--port", "0")
    assert res.returncode == 2 and "is not a directory" in res.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        res = _cli("start", "--summary-base-dir", str(tmp_path), "--port", str(port))
        assert res.returncode == 2 and f"port {port}" in res.stderr and "in use" in res.stderr
        res = _cli("start", "--summary-base-dir", str(tmp_path), "--port", str(port), "--host", "0.0.0.0")
        assert res.returncode == 2 and "warning: listening on 0.0.0.0" in res.stderr


def test_tensorboard_option(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    rng = np.random.default_rng(0)
    ws = [rng.normal(size=100).astype(np.float32) for _ in range(3)]
    with ms.SummaryRecord(str(tmp_path / "run"), tensorboard=True) as rec:
        for step, w in enumerate(ws, 1):
            rec.add_value("scalar", "loss", ms.Tensor(np.float32(1.0 / step)))
            rec.add_value("histogram", "w", ms.Tensor(w))
            rec.record(step)
        rec.add_value("train_lineage", "t", {"hyper_parameters": {"learning_rate": 0.1, "optimizer": "SGD"}})
        rec.record(3)
    assert insight.export_tensorboard(str(tmp_path), str(tmp_path / "tb")) == ["run"]
    for logdir in (tmp_path / "run" / "tensorboard", tmp_path / "tb" / "run"):
        acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0})
        acc.Reload()
        assert [(s.step, s.value) for s in acc.Scalars("loss")] == [(k, pytest.approx(1.0 / k)) for k in (1, 2, 3)]
        hists = acc.Histograms("w")
        for h, w in zip(hists, ws):
            counts, edges = np.histogram(w.astype(np.float64), bins=30, range=(w.min(), w.max()))
            assert list(h.histogram_value.bucket) == counts.tolist()
            assert np.allclose(h.histogram_value.bucket_limit, edges[1:])
            assert h.histogram_value.num == 100
        assert "_hparams_/session_start_info" in acc.summary_metadata
