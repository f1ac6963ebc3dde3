"""`SummaryRecord`: write summary events (scalars, histograms, images, tensors, the graph,
lineage) to crash-safe summary files (format.py, events.py).

Values come from `add_value` and from the summary operators in `construct`
(`ops.ScalarSummary` ...), whose values the sink below keeps until the next `record(step)`.
Lineage (train/eval lineage, custom lineage data, the dataset graph) goes to a file of its
own, `<prefix>.summary.<ts>.<host>_lineage`, as in MindSpore.
"""
from __future__ import annotations

import logging
import threading
import time
import warnings
from typing import Any, Callable

import numpy as np

from ..common.tensor import Tensor
from ..ops.summary import set_summary_sink
from . import events as ev
from .writer import EventFileWriter

_log = logging.getLogger("mindlite.insight")

TENSOR_PLUGINS = ("scalar", "image", "histogram", "tensor")
LINEAGE_PLUGINS = ("train_lineage", "eval_lineage", "custom_lineage_data", "dataset_graph")
PLUGINS = TENSOR_PLUGINS + ("graph",) + LINEAGE_PLUGINS
INTERNAL_PLUGINS = ("watchpoint_hit",)
MAX_TAG = 256


# ---- values from the summary operators -------------------------------------------------------------------
class _OpValues:
    """What summary operators produced since the last `record`, while a SummaryRecord is open."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[tuple[str, str], np.ndarray] = {}
        self.open_records = 0

    def put(self, plugin: str, tag: str, value: np.ndarray) -> None:
        if not self.open_records:
            return  # nobody records: drop, as MindSpore does
        with self.lock:
            if (plugin, tag) in self.values:
                warnings.warn(f"summary: the tag {tag!r} ({plugin}) was recorded twice in one step; the last value "
                              "is kept", stacklevel=2)
            self.values[(plugin, tag)] = value

    def take(self) -> dict:
        with self.lock:
            out, self.values = self.values, {}
        return out


OP_VALUES = _OpValues()
set_summary_sink(OP_VALUES.put)


def check_tag(tag: Any) -> str:
    if not isinstance(tag, str) or not tag or len(tag) > MAX_TAG or any(ord(ch) < 32 for ch in tag):
        raise ValueError(f"summary: a tag must be a non-empty str of at most {MAX_TAG} printable characters, "
                         f"got {tag!r}")
    return tag


def _host_array(plugin: str, value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return np.array(value.asnumpy(), copy=True)
    if isinstance(value, (np.ndarray, np.generic)):
        return np.array(value, copy=True)
    raise TypeError(f"summary: a {plugin} value must be a Tensor, got {type(value).__name__}")


def encode_value(plugin: str, value: Any) -> Any:
    """The JSON form of a checked value (see events.py)."""
    if plugin == "scalar":
        return ev.scalar_value(value.reshape(-1)[0])
    if plugin == "histogram":
        return ev.histogram_value(value)
    if plugin == "image":
        return ev.image_value(value)
    if plugin == "tensor":
        return ev.tensor_value(value)
    return value


def _check_value(plugin: str, value: Any) -> Any:
    """The value add_value keeps: a host array for tensor plugins, JSON-ready data otherwise."""
    if plugin in TENSOR_PLUGINS:
        arr = _host_array(plugin, value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"summary: a {plugin} value must be numeric, got dtype {arr.dtype}")
        if plugin == "scalar" and arr.size != 1:
            raise ValueError(f"summary: a scalar value must have one element, got shape {list(arr.shape)}")
        if plugin == "image" and (arr.ndim != 4 or arr.shape[1] not in (1, 3, 4)):
            raise ValueError(f"summary: an image value must be NCHW with 1, 3 or 4 channels, got shape "
                             f"{list(arr.shape)}")
        return arr
    if plugin == "graph":
        from ..ir.graph import Graph
        from .graph_view import graph_json
        if isinstance(value, Graph):
            return graph_json(value)
        if isinstance(value, dict) and isinstance(value.get("nodes"), list):
            return value
        raise TypeError(f"summary: a graph value must be an ir.Graph or a graph dict, got {type(value).__name__}")
    if plugin == "dataset_graph":
        from .lineage import dataset_graph
        return value if isinstance(value, dict) else dataset_graph(value)
    from .lineage import check_lineage
    return check_lineage(plugin, value)


class SummaryRecord:
    """Writes summaries for MindInsight-style viewing (`python -m mindlite.insight start`).

    Args:
        log_dir: the directory of the summary files (created if missing).
        file_prefix, file_suffix: file names are `<prefix>.summary.<ts>.<host><suffix>`.
        num_process: accepted for MindSpore compatibility (values are encoded in this process).
        network: a Cell whose graph is recorded with the first `record`.
        max_file_size: bytes per summary file; a new file is started past it (None: no limit).
        raise_exception: raise on write errors instead of logging them.
        export_options: None, or {"tensor_format": "npy"} to also save each tensor value as .npy.
        tensorboard: also write TensorBoard event files to `<log_dir>/tensorboard` (extra
            `mindlite[tensorboard]`).

    Example:
        >>> with SummaryRecord("./summary") as rec:
        ...     rec.add_value("scalar", "loss", ms.Tensor(0.5))
        ...     rec.record(1)
    """

    def __init__(self, log_dir: str, file_prefix: str = "events", file_suffix: str = "_MS", num_process: int = 32,
                 network: Any = None, max_file_size: int | None = None, raise_exception: bool = False,
                 export_options: dict | None = None, *, tensorboard: bool = False) -> None:
        if not isinstance(log_dir, str) or not log_dir:
            raise ValueError(f"SummaryRecord: log_dir must be a non-empty str, got {log_dir!r}")
        for what, v in (("file_prefix", file_prefix), ("file_suffix", file_suffix)):
            if not isinstance(v, str) or "/" in v or "\\" in v:
                raise ValueError(f"SummaryRecord: {what} must be a str without path separators, got {v!r}")
        if max_file_size is not None and (not isinstance(max_file_size, int) or max_file_size <= 0):
            raise ValueError(f"SummaryRecord: max_file_size must be a positive int or None, got {max_file_size!r}")
        if not isinstance(num_process, int) or num_process <= 0:
            raise ValueError(f"SummaryRecord: num_process must be a positive int, got {num_process!r}")
        self._export = _export_dir(log_dir, export_options)
        self.log_dir = log_dir
        self.raise_exception = bool(raise_exception)
        self._mode = "train"
        self._closed = False
        self._pending: dict[tuple[str, str], Any] = {}
        self._network = network
        self._graph_done = False
        self._lock = threading.RLock()
        stamp = int(time.time())
        self._writer = EventFileWriter(log_dir, file_prefix, file_suffix, max_file_size, stamp)
        self._lineage = EventFileWriter(log_dir, file_prefix, "_lineage", max_file_size, stamp)
        self._tb = None
        if tensorboard:
            from .tensorboard import TensorBoardWriter
            self._tb = TensorBoardWriter(f"{log_dir}/tensorboard")
        OP_VALUES.open_records += 1

    # ---- MindSpore API ------------------------------------------------------------------------------------
    def __enter__(self) -> "SummaryRecord":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def log_dir_files(self) -> list[str]:
        return self._writer.paths + self._lineage.paths

    def set_mode(self, mode: str) -> None:
        """'train' or 'eval'; in 'eval' the summary operators' values are not recorded."""
        if mode not in ("train", "eval"):
            raise ValueError(f"SummaryRecord.set_mode: mode must be 'train' or 'eval', got {mode!r}")
        self._mode = mode

    def add_value(self, plugin: str, name: str, value: Any) -> None:
        """Queue a value for the next `record`. plugin: scalar, image, histogram, tensor, graph,
        train_lineage, eval_lineage, custom_lineage_data or dataset_graph."""
        if not isinstance(plugin, str) or plugin not in PLUGINS:
            raise ValueError(f"SummaryRecord.add_value: unknown plugin {plugin!r}; expected one of {list(PLUGINS)}")
        check_tag(name)
        kept = _check_value(plugin, value)
        with self._lock:
            if (plugin, name) in self._pending:
                warnings.warn(f"SummaryRecord.add_value: {plugin} {name!r} was added twice before record(); "
                              "the last value is kept", stacklevel=2)
            self._pending[(plugin, name)] = kept

    def record(self, step: int, train_network: Any = None, plugin_filter: Callable[[str], bool] | None = None) -> bool:
        """Write the queued values (and the summary operators' values) as `step`. Returns
        False (and logs) after `close`."""
        if self._closed:
            _log.warning("SummaryRecord.record(%s) after close(): nothing is written", step)
            return False
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
            raise ValueError(f"SummaryRecord.record: step must be an int >= 0, got {step!r}")
        if plugin_filter is not None and not callable(plugin_filter):
            raise TypeError("SummaryRecord.record: plugin_filter must be callable(plugin) -> bool")
        step = int(step)
        ops = OP_VALUES.take()
        with self._lock:
            values, self._pending = self._pending, {}
        if self._mode == "eval":
            ops = {}
        net = train_network if train_network is not None else self._network
        if net is not None and not self._graph_done:
            self._graph_done = True
            from .collect import network_graph
            g = network_graph(net)
            if g is not None:
                values.setdefault(("graph", "train_network"), g)
        try:
            for (plugin, tag), v in list(ops.items()) + list(values.items()):
                if plugin_filter is None or plugin_filter(plugin):
                    self._write(step, plugin, tag, v)
        except OSError as e:
            if self.raise_exception:
                raise
            _log.error("SummaryRecord: writing step %d to %s failed: %s", step, self.log_dir, e)
            return False
        return True

    def flush(self) -> None:
        if self._closed:
            return
        self._writer.flush()
        self._lineage.flush()
        if self._tb is not None:
            self._tb.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        OP_VALUES.open_records -= 1
        self._writer.close()
        self._lineage.close()
        if self._tb is not None:
            self._tb.close()

    # ---- writing -----------------------------------------------------------------------------------------
    def _write(self, step: int, plugin: str, tag: str, value: Any) -> None:
        data = encode_value(plugin, value)
        payload = ev.encode_event(step, time.time(), plugin, tag, data)
        (self._lineage if plugin in LINEAGE_PLUGINS else self._writer).write(payload)
        if self._tb is not None:
            self._tb.write(step, plugin, tag, value, data)
        if self._export is not None and plugin == "tensor":
            import os
            np.save(os.path.join(self._export, f"{tag.replace('/', '_')}_{step}.npy"), value)

    def write_now(self, step: int, plugin: str, tag: str, value: Any, flush: bool = True) -> None:
        """Write one event at once (watchpoint hits: they must survive a halt)."""
        if self._closed:
            return
        if plugin not in PLUGINS + INTERNAL_PLUGINS:
            raise ValueError(f"summary: unknown plugin {plugin!r}")
        self._write(step, plugin, tag, value)
        if flush:
            self._writer.flush()


def _export_dir(log_dir: str, export_options: Any) -> str | None:
    if export_options is None:
        return None
    if not isinstance(export_options, dict) or set(export_options) - {"tensor_format"} or \
            export_options.get("tensor_format") not in ("npy", None):
        raise ValueError(f"SummaryRecord: export_options supports only {{'tensor_format': 'npy'}}, got "
                         f"{export_options!r}")
    if export_options.get("tensor_format") is None:
        return None
    import os
    path = os.path.join(log_dir, f"export_{int(time.time())}", "tensor")
    os.makedirs(path, exist_ok=True)
    return path
