"""The dashboard's HTTP server: the static page and a read-only JSON API over the runs.

    GET /                       the page (static/index.html, app.js, style.css: package data)
    GET /api/runs               [{name, last_step, tags, hits, bad_records}]
    GET /api/scalars?run&tag    {steps, values, total, downsampled}   (at most 1000 points)
    GET /api/histograms?run&tag {samples: [{step, edges, counts, ...}]}
    GET /api/images?run&tag     {samples: [{step, width, height, data (base64 PNG)}]}
    GET /api/graph?run&tag[&expand=scope,...|all][&kind=dataset]   laid-out graph
    GET /api/lineage            {columns, rows}: one row per run
    GET /api/watchpoints?run    {hits: [...]}
An unknown run, tag or path answers 404 with {"error": ...}; nothing is ever written.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from .graph_view import layout
from .runs import Run, RunStore, downsample

_log = logging.getLogger("mindlite.insight")
STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "application/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8", ".png": "image/png", ".svg": "image/svg+xml"}
MAX_IMAGES = 20


class NotFound(Exception):
    """A run, tag or file the dashboard does not have (answered with 404)."""


class BadRequest(Exception):
    """A request missing a parameter or naming a bad one (answered with 400)."""


def _json_safe(v: Any) -> Any:
    """NaN/Inf as strings, which JSON lacks."""
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")
    return v


class Api:
    """The JSON answers, independent of HTTP (tested directly too)."""

    def __init__(self, store: RunStore) -> None:
        self.store = store

    def _run(self, q: dict) -> Run:
        name = q.get("run")
        if not name:
            raise BadRequest("missing parameter: run")
        run = self.store.get(name)  # a lookup among the runs found: no path is ever built from it
        if run is None:
            raise NotFound(f"no run named {name!r}")
        return run

    @staticmethod
    def _tag(q: dict, table: dict) -> str:
        tag = q.get("tag")
        if not tag:
            raise BadRequest("missing parameter: tag")
        if tag not in table:
            raise NotFound(f"no tag {tag!r}")
        return tag

    def runs(self, q: dict) -> Any:
        self.store.poll()
        return [{"name": r.name, "last_step": r.last_step, "updated": r.updated, "tags": r.tags(),
                 "hits": len(r.hits), "bad_records": r.bad_records} for r in self.store.runs.values()]

    def scalars(self, q: dict) -> Any:
        run = self._run(q)
        tag = self._tag(q, run.scalars)
        steps, values, _ = run.scalars[tag].arrays()
        s, v = downsample(steps, values)
        return {"run": run.name, "tag": tag, "total": int(len(steps)), "downsampled": len(s) < len(steps),
                "steps": s.tolist(), "values": [_json_safe(x) for x in v.tolist()]}

    def histograms(self, q: dict) -> Any:
        run = self._run(q)
        tag = self._tag(q, run.samples["histogram"])
        return {"run": run.name, "tag": tag,
                "samples": [{"step": s["step"], **s["value"]} for s in run.samples["histogram"][tag]]}

    def images(self, q: dict) -> Any:
        run = self._run(q)
        tag = self._tag(q, run.samples["image"])
        return {"run": run.name, "tag": tag,
                "samples": [{"step": s["step"], **s["value"]} for s in run.samples["image"][tag][-MAX_IMAGES:]]}

    def graph(self, q: dict) -> Any:
        run = self._run(q)
        if q.get("kind") == "dataset":
            tag = self._tag(q, run.dataset_graphs)
            doc = dataset_doc(run.dataset_graphs[tag])
        else:
            tag = self._tag(q, run.graphs)
            doc = run.graphs[tag]
        expand = q.get("expand")
        if expand is None:
            out = layout(doc)
        elif expand == "all":
            out = layout(doc, {p for n in doc["nodes"] for p in _prefixes(n["scope"])})
        else:
            out = layout(doc, {e for e in expand.split(",") if e})
        hit_nodes = sorted({h["node"] for h in run.hits})
        return {"run": run.name, "tag": tag, **out, "hit_nodes": hit_nodes}

    def lineage(self, q: dict) -> Any:
        self.store.poll()
        rows = [r.lineage_row() for r in self.store.runs.values() if r.lineage]
        columns: list[str] = []
        for row in rows:
            columns += [k for k in row if k not in columns]
        return {"columns": columns, "rows": [{k: _json_safe(v) for k, v in row.items()} for row in rows]}

    def watchpoints(self, q: dict) -> Any:
        run = self._run(q)
        return {"run": run.name, "hits": run.hits}


def _prefixes(scope: str) -> list[str]:
    parts = scope.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def dataset_doc(dg: dict) -> dict:
    """A dataset graph in the computational graph's form (sources first, data flowing down)."""
    nodes = []
    for n in reversed(dg["nodes"]):
        nodes.append({"id": f"{n['op_type']}-{n['id']}", "op": n["op_type"], "scope": "Dataset",
                      "inputs": [f"{dg['nodes'][c]['op_type']}-{c}" for c in n["children"]],
                      "shape": [], "dtype": "", "loc": "", "attrs": n.get("params", {})})
    return {"name": "dataset", "nodes": nodes}


class Handler(BaseHTTPRequestHandler):
    api: Api  # set on the subclass made by make_server
    server_version = "mindlite-insight"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        _log.debug("insight http: " + format, *args)

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        url = urlparse(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path.startswith("/api/"):
            fn = getattr(self.api, path[len("/api/"):], None) if path[5:] in _ENDPOINTS else None
            try:
                if fn is None:
                    raise NotFound(f"no endpoint {path}")
                self._send(200, json.dumps(fn(q), allow_nan=False).encode(), "application/json")
            except NotFound as e:
                self._send(404, json.dumps({"error": str(e)}).encode(), "application/json")
            except BadRequest as e:
                self._send(400, json.dumps({"error": str(e)}).encode(), "application/json")
            return
        if path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
            return
        name = "index.html" if path in ("/", "/index.html") else path[len("/static/"):] \
            if path.startswith("/static/") else None
        if name is None or "/" in name or ".." in name or not os.path.isfile(os.path.join(STATIC, name)):
            self._send(404, json.dumps({"error": f"not found: {path}"}).encode(), "application/json")
            return
        with open(os.path.join(STATIC, name), "rb") as f:
            body = f.read()
        self._send(200, body, _TYPES.get(os.path.splitext(name)[1], "application/octet-stream"))

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


_ENDPOINTS = {"runs", "scalars", "histograms", "images", "graph", "lineage", "watchpoints"}


def make_server(base_dir: str, host: str = "127.0.0.1", port: int = 8080) -> ThreadingHTTPServer:
    """A server for the runs under `base_dir` (port 0: any free port; see `server.server_address`)."""
    store = RunStore(base_dir)
    store.poll(force=True)
    handler = type("InsightHandler", (Handler,), {"api": Api(store)})
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
    return httpd


def serve_in_thread(base_dir: str, host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Start a server in a daemon thread; returns it and its base URL (stop with `.shutdown()`)."""
    httpd = make_server(base_dir, host, port)
    threading.Thread(target=httpd.serve_forever, name="mindlite-insight", daemon=True).start()
    h, p = httpd.server_address[:2]
    return httpd, f"http://{h}:{p}"
