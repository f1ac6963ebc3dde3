"""`mindlite.export` / `mindlite.load`: a trained network as a file, and back as a graph.

    ms.export(net, ms.Tensor(x), file_name="net", file_format="MINDIR")   # -> "net.mindir"
    graph = ms.load("net.mindir")
    out = nn.GraphCell(graph)(ms.Tensor(x))

The network is captured into the GRAPH_MODE IR in eval mode (`set_train(False)`; its own
flags are restored afterwards). MINDIR is mindlite's own format (mindlite/lite/mindir.py,
not binary-compatible with MindSpore's); ONNX needs the `mindlite[onnx]` extra.
"""
from __future__ import annotations

import os
from typing import Any

FORMATS = {"MINDIR": ".mindir", "ONNX": ".onnx"}


def _with_suffix(file_name: str, suffix: str) -> str:
    file_name = os.fspath(file_name)
    return file_name if file_name.lower().endswith(suffix) else file_name + suffix


def export(net: Any, *inputs: Any, file_name: str, file_format: str = "MINDIR", dynamic_batch: bool = True,
           **kwargs: Any) -> str:
    """Export `net` traced on the example `inputs` (Tensors); returns the written path.

    Args:
        net: the Cell to export (captured in eval mode).
        inputs: example Tensors; dimension 0 is the batch.
        file_name: output path; ".mindir" / ".onnx" is appended when missing.
        file_format: "MINDIR" or "ONNX" (opset 17; needs `pip install mindlite[onnx]`).
        dynamic_batch: mark dimension 0 of the inputs as dynamic (-1) when the graph allows it.
    """
    if kwargs:
        raise TypeError(f"export: unsupported keyword argument(s) {sorted(kwargs)} (encryption and dataset "
                        "preprocessing are not supported)")
    fmt = file_format.upper() if isinstance(file_format, str) else file_format
    if fmt not in FORMATS:
        raise ValueError(f"export: file_format must be one of {sorted(FORMATS)}, got {file_format!r}"
                         + (" (AIR is an Ascend-only format)" if fmt == "AIR" else ""))
    from ..lite import mindir
    if fmt == "ONNX":
        from ..lite.onnx_export import require_onnx
        require_onnx()
    path = _with_suffix(file_name, FORMATS[fmt])
    graph = mindir.from_network(net, inputs, dynamic_batch=dynamic_batch)
    if fmt == "MINDIR":
        return mindir.save(graph, path)
    from ..lite.onnx_export import save_onnx
    return save_onnx(graph, path)


def load(file_name: str, **kwargs: Any) -> Any:
    """Read a MINDIR file written by `export`; returns the graph `nn.GraphCell` runs."""
    if kwargs:
        raise TypeError(f"load: unsupported keyword argument(s) {sorted(kwargs)} (encrypted files are not "
                        "supported)")
    from ..lite import mindir
    return mindir.load(file_name)
