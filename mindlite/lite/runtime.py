"""The lite converter and inference runtime, after MindSpore Lite's Python API.

    lite.Converter().convert("net.mindir", "net.ms", optimize="O2")      # -> the pass report
    model = lite.Model()
    model.build_from_file("net.ms")
    outputs = model.predict([x])                                           # lite.Tensor list

A converted file is a MINDIR container (mindir.py) whose graph has its weights frozen into
constants and the O2 passes applied (optimize.py); `quant_config` adds int8 post-training
quantisation (quant.py). The runtime compiles one schedule per batch size with the executor
(numpy), with buffers reused by liveness.
"""
from __future__ import annotations

import enum
import os
from typing import Any

import numpy as np

from ..core import rng
from ..core.tensor import Tensor as _MsTensor
from ..ir.graph import Graph
from . import mindir
from .optimize import freeze_weights, run_o2

OPTIMIZE_LEVELS = ("O0", "O2")


class ModelType(enum.Enum):
    """Model file types (MindSpore Lite's `ModelType`): both are mindlite MINDIR containers."""
    MINDIR = 0
    MINDIR_LITE = 4


class Tensor:
    """A lite tensor (MindSpore Lite's `Tensor`): a numpy array with a name."""

    def __init__(self, tensor: Any = None, name: str = "") -> None:
        self.name = name
        self._data = None if tensor is None else np.asarray(tensor)

    @property
    def shape(self) -> list:
        return [] if self._data is None else list(self._data.shape)

    @property
    def dtype(self) -> Any:
        return None if self._data is None else self._data.dtype

    def get_data_to_numpy(self) -> np.ndarray:
        if self._data is None:
            raise ValueError(f"lite.Tensor {self.name!r} holds no data")
        return self._data

    def set_data_from_numpy(self, numpy_obj: np.ndarray) -> None:
        if not isinstance(numpy_obj, np.ndarray):
            raise TypeError(f"set_data_from_numpy: expected a numpy array, got {type(numpy_obj).__name__}")
        self._data = numpy_obj

    def __repr__(self) -> str:
        return f"lite.Tensor(name={self.name!r}, shape={self.shape}, dtype={self.dtype})"


# ---- conversion ------------------------------------------------------------------------------------------
def optimize_graph(mg: mindir.MindIRGraph, optimize: str = "O2") -> tuple[mindir.MindIRGraph, list]:
    """Freeze the weights of `mg` and apply the passes of `optimize`; returns (graph, report)."""
    if optimize not in OPTIMIZE_LEVELS:
        raise ValueError(f"optimize must be one of {OPTIMIZE_LEVELS}, got {optimize!r}")

    def passes(g: Graph, sources: list) -> tuple:
        before = g.node_count()
        g, sources = freeze_weights(g, sources, mg.weights)
        report = [{"pass": "freeze_weights", "nodes_before": before, "nodes_after": g.node_count()}]
        if optimize == "O2":
            g, more = run_o2(g)
            report += more
        return g, sources, report

    out, report = mindir.transform(mg, passes, f"convert {optimize}")
    out.doc["optimize"] = optimize
    out.doc["passes"] = report
    return out, report


class Converter:
    """MindSpore Lite's model converter, for mindlite MINDIR files.

    `convert(src, dst, optimize="O2", quant_config=None)` reads the MINDIR `src`, freezes
    the weights, applies the passes of `optimize` ("O0": none, "O2": optimize.py) and, with
    `quant_config` (the keyword arguments of `lite.quantize`, `calib_data` included),
    int8-quantises it; writes `dst` (".ms" appended if missing) and returns the pass report
    (also kept as `self.report`): one entry per pass with its name and node counts.
    """

    def __init__(self) -> None:
        self.report: list = []
        self.output_file = ""

    def convert(self, src: str, dst: str, optimize: str = "O2", quant_config: dict | None = None) -> list:
        mg = mindir.load(src)
        out, report = optimize_graph(mg, optimize)
        if quant_config is not None:
            if not isinstance(quant_config, dict):
                raise TypeError(f"quant_config must be a dict of lite.quantize arguments, got "
                                f"{type(quant_config).__name__}")
            from .quant import quantize
            before = out.node_count()
            out = quantize(out, **quant_config)
            report = report + [{"pass": "quantize_int8", "nodes_before": before, "nodes_after": out.node_count(),
                                **out.doc.get("quantization", {}).get("summary", {})}]
            out.doc["passes"] = report
        dst = os.fspath(dst)
        self.output_file = dst if dst.endswith(".ms") else dst + ".ms"
        mindir.save(out, self.output_file)
        self.report = report
        return report


# ---- inference ----------------------------------------------------------------------------------------
class Model:
    """MindSpore Lite's `Model`: build from a converted (.ms) or exported (.mindir) file, predict."""

    def __init__(self) -> None:
        self.graph: mindir.MindIRGraph | None = None
        self.model_path = ""
        self._compiled: dict = {}

    def build_from_file(self, model_path: str, model_type: Any = None, context: Any = None, config_path: str = "",
                        config_dict: dict | None = None) -> None:
        """Load and prepare `model_path`; `context`/config files are not supported (CPU, numpy)."""
        if context is not None or config_path or config_dict:
            raise ValueError("build_from_file: context, config_path and config_dict are not supported "
                             "(the runtime runs on the CPU with numpy)")
        if model_type is not None and not isinstance(model_type, ModelType):
            raise TypeError(f"build_from_file: model_type must be a lite.ModelType, got {model_type!r}")
        self.graph = mindir.load(model_path)
        self.model_path = os.fspath(model_path)
        self._compiled = {}

    def build_from_graph(self, graph: mindir.MindIRGraph) -> "Model":
        """Prepare an in-memory graph (from `mindir.from_network`, `optimize_graph` or `quantize`)."""
        self.graph, self._compiled = graph, {}
        return self

    def _require(self) -> mindir.MindIRGraph:
        if self.graph is None:
            raise RuntimeError("lite.Model: call build_from_file() first")
        return self.graph

    def get_inputs(self) -> list:
        """One lite.Tensor per input, shaped by the signature (the export batch for -1)."""
        g = self._require()
        ref = g.doc["reference_batch"]
        return [Tensor(np.zeros([ref if d == -1 else d for d in shape], dt), name=f"input{i}")
                for i, (shape, dt) in enumerate(g.input_signature)]

    def _schedule(self, batch: int | None) -> tuple:
        key = batch
        hit = self._compiled.get(key)
        if hit is None:
            from ..backend.executor import compile_graph
            from ..passes.memory import plan_memory
            g = self._require()
            spec = g.specialize(batch)
            graph = plan_memory(spec.graph) if g.doc.get("optimize") == "O2" else spec.graph
            if len(self._compiled) >= mindir.MindIRGraph.CACHE_SIZE:
                self._compiled.pop(next(iter(self._compiled)))
            hit = self._compiled[key] = (compile_graph(graph, np), spec.sources)
        return hit

    def predict(self, inputs: list, outputs: Any = None) -> list:
        """Run the model on `inputs` (lite.Tensors, numpy arrays or mindlite Tensors); returns
        a list of lite.Tensors. Inputs are checked against the signature (ValueError)."""
        if outputs is not None:
            raise ValueError("predict: preallocated outputs are not supported; pass outputs=None")
        g = self._require()
        if not isinstance(inputs, (list, tuple)):
            raise TypeError(f"predict: inputs must be a list, got {type(inputs).__name__}")
        arrays = [_as_array(x, i) for i, x in enumerate(inputs)]
        batch = mindir.check_inputs(g.input_signature, [(a.shape, a.dtype) for a in arrays], "lite.Model.predict")
        fn, sources = self._schedule(batch)
        feed = []
        for kind, ref in sources:
            if kind == "input":
                feed.append(arrays[ref])
            elif kind == "param":
                feed.append(g.weights[ref])
            else:
                feed.append(rng.next_key(ref))
        return [Tensor(np.asarray(o), name=f"output{k}") for k, o in enumerate(fn(*feed))]


def _as_array(x: Any, i: int) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.get_data_to_numpy()
    if isinstance(x, _MsTensor):
        return x.asnumpy()
    if isinstance(x, np.ndarray):
        return x
    raise TypeError(f"predict: input {i} must be a lite.Tensor, numpy array or mindlite Tensor, got "
                    f"{type(x).__name__}")
