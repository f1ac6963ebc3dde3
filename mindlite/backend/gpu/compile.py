"""The GPU compile path of a whole step: the optimisation passes with fusion down to single
elements, the GPU lowering (lower.py), the executor, and the CUDA-graph wrapper.

Switches (environment): MINDLITE_GPU_KERNELS=0 keeps one cupy call per node (the plain
executor); MINDLITE_CUDA_GRAPH=0 runs the lowered step eagerly instead of as a graph;
MINDLITE_TF32=1 lets float32 GEMMs/convolutions use TF32 (cublas.set_tf32).
"""
from __future__ import annotations

import os
from typing import Any

from ...ir.graph import Graph
from ...passes.cse import cse
from ...passes.dce import dce
from ...passes.fold import fold_constants
from ...passes.fuse import fuse_elementwise
from ...passes.memory import plan_memory
from ...passes.pipeline import optimize
from ...passes.simplify import simplify
from .capture import CudaGraphStep, capture_enabled
from .lower import lower_for_gpu
from .runtime import log, record_path


def gpu_lowering_enabled() -> bool:
    return os.environ.get("MINDLITE_GPU_KERNELS", "1") != "0"


def gpu_passes(state_outs: dict | None = None, memory: bool = True) -> list:
    """The GPU pipeline: the default passes with every elementwise tree fused (a launch
    costs more than any tree's allocations), then the lowering; the memory plan last."""
    def fuse_all(g: Graph) -> Graph:
        return fuse_elementwise(g, min_elems=1)

    def lower(g: Graph) -> Graph:
        return lower_for_gpu(g, state_outs)
    passes = [simplify, fold_constants, cse, dce, fuse_all, lower]
    return passes + ([plan_memory] if memory else [])


def lower_graph(graph: Graph, state_outs: dict | None = None, memory: bool = True) -> Graph:
    """`graph` through the GPU pipeline (runs on any backend: every GPU primitive has a
    numpy reference)."""
    return optimize(graph, gpu_passes(state_outs, memory), state_outs=state_outs)


def compile_gpu_step(graph: Graph, state_outs: dict | None, xp: Any) -> tuple[Graph, Any]:
    """(lowered graph, callable) for a jit-compiled step on the GPU."""
    from ..executor import compile_graph
    try:
        g = lower_graph(graph, state_outs)
    except Exception as e:  # noqa: BLE001 - a graph the lowering cannot take still runs, per node
        log.warning("GPU lowering of %s failed (%s: %s); running one cupy call per node", graph.name,
                    type(e).__name__, e)
        record_path("graph compile", "one cupy call per node", f"{type(e).__name__}: {e}")
        g = optimize(graph, state_outs=state_outs)
        return g, compile_graph(g, xp)
    compiled = compile_graph(g, xp)
    from .prebuild import prebuild_graph
    from .runtime import runner_for
    runner = runner_for(xp)
    if runner is not None:  # the predictable kernels in one NVRTC run, not one run each
        prebuild_graph(g, runner)
    if capture_enabled():
        return g, CudaGraphStep(compiled, xp, state_outs, graph.name)
    return g, compiled


__all__ = ["compile_gpu_step", "lower_graph", "gpu_passes", "gpu_lowering_enabled"]
