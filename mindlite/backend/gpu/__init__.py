"""GPU execution: generated kernels, cuBLAS and cuDNN, the step as one CUDA graph.

With `device_target="GPU"` a jit-compiled step (GRAPH_MODE, `ms.jit`) is lowered
(lower.py) so that
  * every fused elementwise region, elementwise + reduction epilogue (softmax, LayerNorm,
    bias-add + GELU, dropout masks drawn on the device) and the optimizer update (one
    multi-tensor kernel) is one kernel generated from the primitives' scalar expressions
    by backend/codegen_cuda.py and compiled once by NVRTC (regions.py, rows.py);
  * matrix products call cuBLAS directly (cublas.py) and convolutions cuDNN, or im2col +
    cuBLAS without it (conv.py), saying which path ran (`paths()`);
  * the whole step is captured once as a CUDA graph and replayed (capture.py).
PYNATIVE mode keeps one cupy call per op. Everything here is importable without cupy;
the kernels' sources compile and run on the CPU in the tests (NVRTC, and a host build).
"""
from __future__ import annotations

from .cublas import set_tf32, tf32_enabled
from .runtime import paths, record_path, reset_paths, runner_for, set_runner

__all__ = ["paths", "record_path", "reset_paths", "runner_for", "set_runner", "set_tf32", "tf32_enabled"]
