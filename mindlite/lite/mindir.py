"""MINDIR: mindlite's own export format (not binary-compatible with MindSpore's protobuf).

A MINDIR file is a zip archive holding
  * `graph.json` - the captured graph (graph_json.py), its input signature (-1 marks a
    dynamic batch dimension), its parameters (name, shape, dtype, file) and outputs;
  * `weights/<k>.npy` - one per parameter; `consts/<k>.npy` - large constants of the graph;
  * `meta.json` - format name and version, and the sha256 of every other entry.
Arrays are read with `np.load(allow_pickle=False)`; nothing is ever pickled. A file that is
not a zip, is truncated, has an entry whose hash differs, an unexpected entry, a newer
format version or an op this mindlite lacks is refused with a ValueError.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import zipfile
from typing import Any

import numpy as np

from ..core.tensor import Tensor
from ..ir.graph import Var
from .capture import capture
from .graph_json import BatchMismatch, Decoder, Encoder, dtype_from_name, unify

FORMAT = "mindlite-mindir"
VERSION = 1
_log = logging.getLogger("mindlite")


def registry() -> dict:
    """Every primitive a graph file may name (the control-flow and lite kernels included)."""
    from ..ops import control  # noqa: F401  (defines cond / while)
    from ..ops.registry import REGISTRY
    from . import kernels  # noqa: F401  (fused and int8 kernels of converted models)
    return REGISTRY


class Specialized:
    """The graph of a MindIRGraph for one batch size, ready to run."""

    def __init__(self, graph: Any, sources: list, scopes: dict) -> None:
        self.graph, self.sources, self.scopes = graph, sources, scopes


class MindIRGraph:
    """An exported graph with its weights: what `ms.load` returns and `nn.GraphCell` runs.

    `doc` is the graph.json document, `weights` maps parameter names to arrays and `consts`
    is the constant table. `specialize(batch)` gives the IR graph for a batch size.
    """

    CACHE_SIZE = 16

    def __init__(self, doc: dict, weights: dict, consts: list) -> None:
        self.doc, self.weights, self.consts = doc, dict(weights), list(consts)
        self._cache: dict = {}

    # ---- facts --------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.doc["name"]

    @property
    def dynamic_batch(self) -> bool:
        return bool(self.doc.get("dynamic_batch"))

    @property
    def input_signature(self) -> list:
        """[(shape with -1 for a dynamic batch, numpy dtype)] per input."""
        return [(tuple(d["shape"]), dtype_from_name(d["dtype"])) for d in self.doc["inputs"]]

    @property
    def param_names(self) -> list:
        return [p["name"] for p in self.doc["params"]]

    def node_count(self) -> int:
        return self.specialize(self.doc["reference_batch"]).graph.node_count()

    def __repr__(self) -> str:
        sig = ", ".join(f"{dt.name}{list(s)}" for s, dt in self.input_signature)
        return f"MindIRGraph({self.name}({sig}), {len(self.weights)} weights)"

    # ---- graphs ---------------------------------------------------------------------------------
    def specialize(self, batch: int | None = None) -> Specialized:
        """The IR graph for `batch` (the export batch when None or when not dynamic)."""
        if not self.dynamic_batch or batch is None:
            batch = self.doc["reference_batch"]
        hit = self._cache.get(batch)
        if hit is None:
            from ..ir.verify import IRError, verify
            dec = Decoder(self.consts, batch, registry())
            g = dec.graph(self.doc["graph"])
            try:
                verify(g)
            except IRError as e:
                raise ValueError(f"graph {self.name} at batch {batch} is inconsistent: {e}") from None
            sources = []
            for s in self.doc["sources"]:
                if s["kind"] == "rng":
                    sources.append(("rng", dec.attr(s["seed"])))
                elif s["kind"] == "param":
                    sources.append(("param", s["name"]))
                else:
                    sources.append(("input", int(s["index"])))
            if len(self._cache) >= self.CACHE_SIZE:  # bounded: one entry per batch size seen
                self._cache.pop(next(iter(self._cache)))
            hit = self._cache[batch] = Specialized(g, sources, dec.scopes)
        return hit

    def with_graph(self, doc_graph: dict, consts: list, weights: dict, sources: list, **extra: Any) -> "MindIRGraph":
        """A new MindIRGraph of the same signature with another graph body (used by passes)."""
        doc = dict(self.doc, graph=doc_graph, sources=sources, **extra)
        doc["params"] = [{"name": n, "shape": list(np.shape(a)), "dtype": np.asarray(a).dtype.name}
                         for n, a in weights.items()]
        return MindIRGraph(doc, weights, consts)


def check_inputs(signature: list, inputs: list, who: str) -> int | None:
    """Check (shape, dtype) pairs against a signature; returns the dynamic batch size or None.

    Raises ValueError naming the input index, what was expected and what was given."""
    if len(inputs) != len(signature):
        raise ValueError(f"{who}: the graph takes {len(signature)} input(s), got {len(inputs)}")
    batch = None
    for i, ((got_shape, got_dt), (shape, dtype)) in enumerate(zip(inputs, signature)):
        got_shape, got_dt = tuple(got_shape), np.dtype(got_dt)
        if got_dt != dtype:
            raise ValueError(f"{who}: input {i} expected dtype {dtype.name}, got {got_dt.name}")
        if len(got_shape) != len(shape):
            raise ValueError(f"{who}: input {i} expected rank {len(shape)} (shape {list(shape)}), got rank "
                             f"{len(got_shape)} (shape {list(got_shape)})")
        if any(e != -1 and e != g for e, g in zip(shape, got_shape)):
            raise ValueError(f"{who}: input {i} expected shape {list(shape)}, got {list(got_shape)}")
        if shape and shape[0] == -1:
            if batch is not None and got_shape[0] != batch:
                raise ValueError(f"{who}: input {i} has batch {got_shape[0]}, input 0 has {batch}")
            if got_shape[0] < 1:
                raise ValueError(f"{who}: input {i} has an empty batch (shape {list(got_shape)})")
            batch = int(got_shape[0])
    return batch


# ---- building from a network --------------------------------------------------------------------------
def _encode(cap: Any) -> tuple:
    enc = Encoder(cap.scopes)
    body = enc.graph(cap.graph)
    weights: dict = {}
    sources = []
    for src in cap.sources:
        if src[0] == "input":
            sources.append({"kind": "input", "index": src[1]})
        elif src[0] == "rng":
            sources.append({"kind": "rng", "seed": enc.attr(src[1], "a random op's seed")})
        else:
            name, base, k = src[1], src[1], 1
            while name in weights:  # two parameters with one name: keep both, distinctly named
                name, k = f"{base}#{k}", k + 1
            weights[name] = np.array(src[2].get() if hasattr(src[2], "get") else src[2])
            sources.append({"kind": "param", "name": name})
    return body, sources, enc.consts, weights


def _restore_flags(net: Any, flags: dict) -> None:
    for _, cell in net.cells_and_names():
        if id(cell) in flags:
            object.__setattr__(cell, "training", flags[id(cell)])


def _probe(shape: tuple, dtype: Any, batch: int) -> Tensor:
    return Tensor(np.zeros((batch,) + tuple(shape[1:]), dtype))


def _example(a: Tensor, i: int, dynamic_batch: bool) -> Tensor:
    """An example tensor for an input declaration (`Tensor(shape=[None, 3], dtype=...)`): a
    None batch becomes an example batch of 2 with the batch dynamic; the exported format has
    no other dynamic dimension."""
    if not isinstance(a._data, Var):
        return a
    shape = tuple(a._data.shape)
    shown = [None if d < 0 else d for d in shape]
    if any(d < 0 for d in shape[1:]):
        raise ValueError(f"export: input {i} is declared {shown}; only dimension 0 (the batch) may be None "
                         f"in an exported graph")
    if shape and shape[0] < 0 and not dynamic_batch:
        raise ValueError(f"export: input {i} is declared {shown} with a None batch, which needs dynamic_batch=True")
    return Tensor(np.zeros(((2,) + shape[1:]) if shape and shape[0] < 0 else shape, a._data.dtype))


def from_network(net: Any, inputs: tuple, dynamic_batch: bool = True) -> MindIRGraph:
    """Capture `net` in eval mode on `inputs` (example Tensors, or declarations with a None
    batch) into a MindIRGraph.

    With `dynamic_batch`, the network is also traced at batch B+1 and B+2 (B = the examples'
    batch); integers that follow the batch become symbolic and the signature gets -1 for
    dimension 0. A network whose graph changes otherwise with the batch is exported with
    a static signature, and a warning says why.
    """
    if not inputs:
        raise ValueError("export: give at least one example input tensor")
    for i, a in enumerate(inputs):
        if not isinstance(a, Tensor):
            raise TypeError(f"export: input {i} must be a Tensor, got {type(a).__name__}")
    inputs = tuple(_example(a, i, dynamic_batch) for i, a in enumerate(inputs))
    flags = {id(c): c.training for _, c in net.cells_and_names()}
    name = type(net).__name__
    net.set_train(False)
    try:
        cap = capture(net, tuple(inputs), name)
        body, sources, consts, weights = _encode(cap)
        batch = int(inputs[0].shape[0]) if inputs[0].ndim else 1
        dynamic = dynamic_batch and all(a.ndim >= 1 and a.shape[0] == batch for a in inputs)
        if dynamic:
            try:
                probes = [_encode(capture(net, tuple(_probe(a.shape, a._data.dtype, batch + k) for a in inputs), name))
                          for k in (1, 2)]
                if any(p[1] != sources for p in probes):
                    raise BatchMismatch("the graph's parameters or random ops change with the batch size")
                docs = [body] + [p[0] for p in probes]
                body = unify(docs, [consts] + [p[2] for p in probes], batch, "graph")
            except (BatchMismatch, ValueError, TypeError) as e:
                _log.warning("export: %s is exported with a static batch of %d: %s", name, batch, e)
                dynamic = False
    finally:
        _restore_flags(net, flags)
    in_defs = {s["index"]: v for s, v in zip(sources, body["inputs"]) if s["kind"] == "input"}
    signature = [{"shape": [-1 if isinstance(d, dict) else d for d in in_defs[i]["shape"]],
                  "dtype": in_defs[i]["dtype"]} for i in range(len(inputs))]
    outs = [{"shape": list(o.shape), "dtype": o.dtype.name} if hasattr(o, "shape") else {}
            for o in cap.graph.outputs]
    doc = {"format": FORMAT, "version": VERSION, "name": name, "inputs": signature, "outputs": outs,
           "out_struct": cap.out_struct, "dynamic_batch": dynamic, "reference_batch": batch,
           "sources": sources, "graph": body,
           "params": [{"name": n, "shape": list(a.shape), "dtype": a.dtype.name} for n, a in weights.items()]}
    return MindIRGraph(doc, weights, consts)


def transform(mg: MindIRGraph, fn: Any, what: str) -> tuple[MindIRGraph, Any]:
    """Apply `fn(graph, sources) -> (graph, sources, info)` to the graph of `mg` and encode the
    result; returns (new MindIRGraph without parameters, info at the export batch).

    sources name the inputs of the returned graph: ("input", i) or ("rng", seed) (parameters
    must have been frozen by fn). A dynamic batch is kept when the results at batch B, B+1,
    B+2 unify (graph_json.unify); otherwise the result has a static batch, with a warning."""
    ref = mg.doc["reference_batch"]

    def encoded(batch: int) -> tuple:
        spec = mg.specialize(batch)
        g, sources, info = fn(spec.graph, list(spec.sources))
        by_loc = {n.loc: spec.scopes.get(id(n), "?") for n in spec.graph.nodes}
        enc = Encoder({id(n): spec.scopes.get(id(n), by_loc.get(n.loc, "?")) for n in g.nodes})
        body = enc.graph(g)
        srcs = []
        for s in sources:
            if s[0] == "param":
                raise ValueError(f"{what}: parameter {s[1]} was not frozen")
            srcs.append({"kind": "input", "index": s[1]} if s[0] == "input" else
                        {"kind": "rng", "seed": enc.attr(s[1], "a random op's seed")})
        return body, srcs, enc.consts, info

    body, sources, consts, info = encoded(ref)
    dynamic = mg.dynamic_batch
    if dynamic:
        try:
            probes = [encoded(ref + k) for k in (1, 2)]
            if any(p[1] != sources for p in probes):
                raise BatchMismatch("the graph's inputs change with the batch size")
            body = unify([body] + [p[0] for p in probes], [consts] + [p[2] for p in probes], ref, "graph")
        except BatchMismatch as e:
            _log.warning("%s: %s keeps a static batch of %d: %s", what, mg.name, ref, e)
            dynamic = False
    out = mg.with_graph(body, consts, {}, sources, dynamic_batch=dynamic)
    if not dynamic:
        out.doc["inputs"] = [dict(d, shape=[ref if s == -1 else s for s in d["shape"]]) for d in mg.doc["inputs"]]
    return out, info


# ---- the zip container ------------------------------------------------------------------------------
def _npy(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(a), allow_pickle=False)
    return buf.getvalue()


def save(graph: MindIRGraph, path: str) -> str:
    """Write `graph` as a MINDIR zip at `path`; returns the path."""
    doc = dict(graph.doc)
    doc["params"] = [dict(p, file=f"weights/{k}.npy") for k, p in enumerate(doc["params"])]
    entries = {"graph.json": json.dumps(doc, allow_nan=False, separators=(",", ":")).encode()}
    for k, p in enumerate(doc["params"]):
        entries[p["file"]] = _npy(graph.weights[p["name"]])
    for k, c in enumerate(graph.consts):
        entries[f"consts/{k}.npy"] = _npy(c)
    from .._version import __version__
    meta = {"format": FORMAT, "version": VERSION, "producer": f"mindlite {__version__}",
            "entries": {name: hashlib.sha256(data).hexdigest() for name, data in entries.items()}}
    tmp = f"{path}.tmp"
    with zipfile.ZipFile(tmp, "w") as z:
        z.writestr("meta.json", json.dumps(meta, indent=1), compress_type=zipfile.ZIP_DEFLATED)
        for name, data in entries.items():
            z.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED if name.endswith(".json") else zipfile.ZIP_STORED)
    os.replace(tmp, path)
    return path


def _invalid(path: str, why: str) -> ValueError:
    return ValueError(f"not a valid mindlite MINDIR file: {path}: {why}")


def _read_entries(path: str) -> tuple[dict, dict]:
    if not zipfile.is_zipfile(path):
        raise _invalid(path, "not a zip archive")
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if "meta.json" not in names or "graph.json" not in names:
                raise _invalid(path, "meta.json or graph.json is missing")
            meta = json.loads(z.read("meta.json"))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise _invalid(path, f"format {meta.get('format') if isinstance(meta, dict) else meta!r} is not "
                                     f"{FORMAT!r}")
            if not isinstance(meta.get("version"), int) or meta["version"] > VERSION:
                raise ValueError(f"{path}: MINDIR format version {meta.get('version')!r} is newer than this "
                                 f"mindlite reads (version {VERSION}); upgrade mindlite")
            listed = meta.get("entries")
            if not isinstance(listed, dict) or set(listed) != set(names) - {"meta.json"}:
                extra = sorted(set(names) - {"meta.json"} - set(listed or {}))
                missing = sorted(set(listed or {}) - set(names))
                raise _invalid(path, f"entries do not match meta.json (unexpected {extra}, missing {missing})")
            data = {}
            for name in listed:
                blob = z.read(name)
                if hashlib.sha256(blob).hexdigest() != listed[name]:
                    raise _invalid(path, f"entry {name} does not match its sha256 in meta.json")
                data[name] = blob
    except (zipfile.BadZipFile, EOFError, OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise _invalid(path, f"{type(e).__name__}: {e}") from None
    return meta, data


def _array(path: str, data: dict, name: str) -> np.ndarray:
    blob = data.get(name)
    if blob is None:
        raise _invalid(path, f"entry {name} is missing")
    try:
        return np.load(io.BytesIO(blob), allow_pickle=False)
    except ValueError as e:
        raise _invalid(path, f"entry {name} is not a plain .npy array ({e})") from None


def load(path: str) -> MindIRGraph:
    """Read a MINDIR file written by `save`; every entry is checked (see the module doc)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load: no such MINDIR file: {path}")
    _, data = _read_entries(path)
    try:
        doc = json.loads(data["graph.json"])
        params = doc["params"]
        weights = {}
        for p in params:
            a = _array(path, data, p["file"])
            if list(a.shape) != list(p["shape"]) or a.dtype != dtype_from_name(p["dtype"]):
                raise _invalid(path, f"weight {p['name']} is {a.dtype}{list(a.shape)}, graph.json says "
                                     f"{p['dtype']}{p['shape']}")
            weights[p["name"]] = a
        n_consts = sum(1 for k in data if k.startswith("consts/"))
        consts = [_array(path, data, f"consts/{k}.npy") for k in range(n_consts)]
        doc["params"] = [{k: v for k, v in p.items() if k != "file"} for p in params]
        g = MindIRGraph(doc, weights, consts)
        g.specialize()  # decode and verify now: an unknown op or a broken graph fails here
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as e:
        raise _invalid(path, f"graph.json is malformed ({type(e).__name__}: {e})") from None
    except ValueError as e:
        if str(e).startswith("not a valid"):
            raise
        raise ValueError(f"{path}: {e}") from None
    return g
