"""Summary operators (`ops.ScalarSummary`, `ImageSummary`, `TensorSummary`, `HistogramSummary`).

Each call is one application of the side-effect primitive `summary`: its impl hands a host
copy of the value to the summary sink and returns an int32 token nobody uses. Because the
primitive is impure, the passes keep it (dce, cse and folding leave impure nodes alone), so
in GRAPH_MODE the node runs inside the compiled step, exactly where `construct` put it, and
the value leaves the graph through the sink without becoming a graph output. PYNATIVE runs
the same impl at once.

The sink is installed by `mindlite.insight` (which sits above the core); without it the
values are dropped, as MindSpore drops them when no SummaryRecord is open.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core.tensor import Tensor
from .primitive import PrimitiveOp
from .registry import Aval, Primitive


def _drop(plugin: str, tag: str, value: np.ndarray) -> None:
    return None


_SINK: list[Callable[[str, str, np.ndarray], None]] = [_drop]


def set_summary_sink(fn: Callable[[str, str, np.ndarray], None]) -> None:
    """Install `fn(plugin, tag, host_array)`, called each time a summary operator runs."""
    _SINK[0] = fn


def _host_copy(x: Any) -> np.ndarray:
    # NOTE: a copy, because a compiled graph may reuse this buffer for a later value
    if hasattr(x, "get") and not isinstance(x, np.ndarray):  # cupy
        return x.get()
    return np.array(x, copy=True)


def _summary_impl(xp: Any, x: Any, *, plugin: str, tag: str) -> Any:
    _SINK[0](plugin, tag, _host_copy(x))
    return xp.zeros((), np.int32)


def _summary_infer(x: Any, *, plugin: str, tag: str) -> Aval:
    return Aval((), np.dtype(np.int32))


summary_p = Primitive("summary", _summary_impl, _summary_infer, is_pure=False)


class _SummaryOp(PrimitiveOp):
    """`op(name, value)`: record `value` under the tag `name` for the open SummaryRecord."""

    plugin = ""

    def __call__(self, name: Any, value: Any) -> None:
        op = type(self).__name__
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{op}: name must be a non-empty str, got {name!r}")
        if not isinstance(value, Tensor):
            raise TypeError(f"{op}: value must be a Tensor, got {type(value).__name__}")
        self._check(op, value)
        summary_p(value, plugin=self.plugin, tag=name)

    def _check(self, op: str, value: Tensor) -> None:
        return None


class ScalarSummary(_SummaryOp):
    """`ops.ScalarSummary()(name, value)`: a scalar (a tensor of rank 0, or rank 1 with one element)."""

    plugin = "scalar"

    def _check(self, op: str, value: Tensor) -> None:
        if value.ndim > 1 or (value.ndim == 1 and value.shape[0] != 1):
            raise ValueError(f"{op}: value must be a scalar (rank 0, or shape [1]), got shape {list(value.shape)}")
        if not _is_numeric(value):
            raise TypeError(f"{op}: value must be numeric, got {value.dtype}")


class ImageSummary(_SummaryOp):
    """`ops.ImageSummary()(name, value)`: images as an NCHW tensor (C = 1, 3 or 4)."""

    plugin = "image"

    def _check(self, op: str, value: Tensor) -> None:
        if value.ndim != 4:
            raise ValueError(f"{op}: value must be a 4-D NCHW tensor, got shape {list(value.shape)}")
        if value.shape[1] not in (1, 3, 4):
            raise ValueError(f"{op}: value must have 1, 3 or 4 channels (NCHW), got shape {list(value.shape)}")
        if not _is_numeric(value):
            raise TypeError(f"{op}: value must be numeric, got {value.dtype}")


class TensorSummary(_SummaryOp):
    """`ops.TensorSummary()(name, value)`: the whole tensor."""

    plugin = "tensor"


class HistogramSummary(_SummaryOp):
    """`ops.HistogramSummary()(name, value)`: the distribution of a tensor's values (rank >= 1)."""

    plugin = "histogram"

    def _check(self, op: str, value: Tensor) -> None:
        if value.ndim < 1:
            raise ValueError(f"{op}: value must have rank >= 1, got a scalar")
        if not _is_numeric(value):
            raise TypeError(f"{op}: value must be numeric, got {value.dtype}")


def _is_numeric(value: Tensor) -> bool:
    return np.dtype(value._data.dtype).kind in "biuf"


__all__ = ["ScalarSummary", "ImageSummary", "TensorSummary", "HistogramSummary", "summary_p", "set_summary_sink"]
