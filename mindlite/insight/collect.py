"""`SummaryCollector`: a training callback that records loss, learning rate, parameter
histograms, the computational graph, the dataset graph and lineage, plus the values of the
summary operators, every `collect_freq` steps (and the first step).
"""
from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np

from ..core.graph_trace import GraphTrace, run_traced
from ..core.pytree import flatten
from ..core.tensor import Tensor
from ..core.trace import wrap
from ..train.callback import Callback
from .lineage import check_lineage, dataset_graph, dataset_info
from .scopes import recording_scopes
from .summary_record import OP_VALUES, SummaryRecord

_log = logging.getLogger("mindlite.insight")

DEFAULT_DATA = {"collect_metric": True, "collect_graph": True, "collect_train_lineage": True,
                "collect_eval_lineage": True, "collect_input_data": True, "collect_dataset_graph": True,
                "histogram_regular": None}
DEFAULT_HISTOGRAMS = 5  # histogram_regular=None: the first five parameters, as MindSpore


# ---- the graph of a network ------------------------------------------------------------------------------
def network_graph(net: Any, args: tuple | None = None) -> Any:
    """The graph `net` was compiled to (GRAPH_MODE, most recent signature), or, given `args`,
    the graph captured from one call on them without running it (PYNATIVE). None if neither works."""
    jf = getattr(net, "__dict__", {}).get("_jit_fn")
    if jf is not None and jf.cache:
        entries = next(reversed(jf.cache.values()))
        if entries:
            return entries[0].captured
    if args is None:
        return None
    try:
        return capture_graph(net, args)
    except Exception as e:  # noqa: BLE001 - a network graph mode cannot capture still trains eagerly
        _log.warning("insight: the graph of %s could not be captured for display: %s", type(net).__name__, e)
        return None


def capture_graph(fn: Any, args: tuple) -> Any:
    """Trace `fn(*args)` into a graph without compiling or running it; parameters it changes
    (optimizer updates) are restored and appear as extra outputs."""
    t = GraphTrace(type(fn).__name__ if hasattr(fn, "construct") else getattr(fn, "__name__", "graph"))
    sym = [t.symbolic(a.shape, a._data.dtype, f"arg{i}") if isinstance(a, Tensor) else a for i, a in enumerate(args)]
    with recording_scopes():
        try:
            out = run_traced(t, fn, tuple(sym))
            leaves: list = []
            flatten(out, leaves)
            state = [p for p, _ in t.mutated.values()]
            return t.graph([x for x in leaves if isinstance(x, Tensor)] + [wrap(p._data) for p in state])
        finally:
            for p, original in t.mutated.values():
                p._data, p._node, p._idx = original, None, 0


# ---- the collector ----------------------------------------------------------------------------------------------
def _check_bool(name: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise TypeError(f"SummaryCollector: collect_specified_data[{name!r}] must be a bool, got {v!r}")
    return v


def _check_positive(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
        raise ValueError(f"SummaryCollector: {name} must be an int > 0, got {v!r}")
    return v


def _first_output(out: Any) -> Any:
    while isinstance(out, (tuple, list)) and out:
        out = out[0]
    return out


class SummaryCollector(Callback):
    """Collects common training information into `summary_dir` (MindSpore's SummaryCollector).

    Args:
        summary_dir: where the summary files go (created if missing).
        collect_freq: collect every this many steps (and at the first step).
        num_process: accepted for compatibility.
        collect_specified_data: {key: value} over collect_metric, collect_graph,
            collect_train_lineage, collect_eval_lineage, collect_input_data,
            collect_dataset_graph (bools) and histogram_regular (a regex over parameter names,
            None: the first five parameters, "": none).
        keep_default_action: with collect_specified_data, whether unnamed keys keep their
            default (True) or are turned off (False).
        custom_lineage_data: {name: int | float | str} added to the lineage.
        collect_tensor_freq: TensorSummary values are kept every this many steps (default: collect_freq).
        max_file_size, export_options: as for SummaryRecord.
        watchpoints: (mindlite) a list of `insight.Watchpoint`s checked while training.
    """

    def __init__(self, summary_dir: str, collect_freq: int = 10, num_process: int = 32,
                 collect_specified_data: dict | None = None, keep_default_action: bool = True,
                 custom_lineage_data: dict | None = None, collect_tensor_freq: int | None = None,
                 max_file_size: int | None = None, export_options: dict | None = None,
                 watchpoints: list | None = None) -> None:
        if not isinstance(summary_dir, str) or not summary_dir:
            raise ValueError(f"SummaryCollector: summary_dir must be a non-empty str, got {summary_dir!r}")
        self.collect_freq = _check_positive("collect_freq", collect_freq)
        _check_positive("num_process", num_process)
        self.tensor_freq = collect_freq if collect_tensor_freq is None else \
            _check_positive("collect_tensor_freq", collect_tensor_freq)
        if not isinstance(keep_default_action, bool):
            raise TypeError(f"SummaryCollector: keep_default_action must be a bool, got {keep_default_action!r}")
        self.collect = self._specified(collect_specified_data, keep_default_action)
        if (collect_specified_data or {}).get("collect_input_data"):
            # NOTE: Model hands callbacks no batch; say so instead of recording nothing quietly
            _log.warning("SummaryCollector: collect_input_data is not supported (callbacks do not see the batch); "
                         "record inputs with ops.ImageSummary in construct instead")
        self.custom_lineage = check_lineage("custom_lineage_data", custom_lineage_data) \
            if custom_lineage_data is not None else {}
        self.summary_dir = summary_dir
        self._record_args = {"max_file_size": max_file_size, "export_options": export_options}
        self._record: SummaryRecord | None = None
        self._graph_done = False
        self._last_loss: float | None = None
        self._hist_params: list | None = None
        self._scopes: Any = None
        self.debugger: Any = None
        if watchpoints:
            from .debugger import Debugger
            self.debugger = Debugger(watchpoints)

    @staticmethod
    def _specified(data: Any, keep_default: bool) -> dict:
        if data is None:
            return dict(DEFAULT_DATA)
        if not isinstance(data, dict):
            raise TypeError("SummaryCollector: collect_specified_data must be a dict or None, got "
                            f"{type(data).__name__}")
        unknown = set(data) - set(DEFAULT_DATA)
        if unknown:
            raise ValueError(f"SummaryCollector: unknown collect_specified_data keys {sorted(unknown)}; expected "
                             f"{sorted(DEFAULT_DATA)}")
        out = dict(DEFAULT_DATA) if keep_default else {k: (None if k == "histogram_regular" else False)
                                                       for k in DEFAULT_DATA}
        for k, v in data.items():
            if k == "histogram_regular":
                if v is not None and not isinstance(v, str):
                    raise TypeError(f"SummaryCollector: histogram_regular must be a str or None, got {v!r}")
                if v:
                    re.compile(v)
                out[k] = v
            else:
                out[k] = _check_bool(k, v)
        if not keep_default and "histogram_regular" not in data:
            out["histogram_regular"] = ""
        return out

    # ---- hooks ------------------------------------------------------------------------------------------
    def _open(self) -> SummaryRecord:
        if self._record is None:
            self._record = SummaryRecord(self.summary_dir, **self._record_args)
            if self.debugger is not None:
                self.debugger.summary_record = self._record
        return self._record

    def on_train_begin(self, run_context: Any) -> None:
        cb = run_context.original_args()
        rec = self._open()
        rec.set_mode("train")
        if self.collect["collect_dataset_graph"] and cb.get("train_dataset") is not None:
            rec.add_value("dataset_graph", "train_dataset", dataset_graph(cb.train_dataset))
        self._scopes = recording_scopes()  # names graph nodes compiled by the first step
        self._scopes.__enter__()
        if self.debugger is not None:
            self.debugger.watch_network(cb.get("train_network"))
            self.debugger.start()

    def on_train_step_begin(self, run_context: Any) -> None:
        cb = run_context.original_args()
        if self.debugger is not None:
            self.debugger.set_step(cb.cur_step_num + 1)

    def on_train_step_end(self, run_context: Any) -> None:
        cb = run_context.original_args()
        step = int(cb.cur_step_num)
        if self._scopes is not None:
            self._scopes.__exit__(None, None, None)
            self._scopes = None
        if self.debugger is not None:
            self.debugger.end_step(step)
        loss = _first_output(cb.get("net_outputs"))
        if isinstance(loss, Tensor):
            self._last_loss = float(np.mean(loss.asnumpy()))
        if step != 1 and step % self.collect_freq:
            OP_VALUES.take()  # summary operators' values of a step that is not collected
            return
        rec = self._open()
        if self.collect["collect_metric"] and self._last_loss is not None:
            rec.add_value("scalar", "loss/auto", np.float32(self._last_loss))
        lr = self._learning_rate(_optimizer(cb)) if self.collect["collect_metric"] else None
        if lr is not None:
            rec.add_value("scalar", "learning_rate/auto", np.float32(lr))
        for name, p in self._histogram_params(cb.get("train_network")):
            rec.add_value("histogram", f"{name}/auto", p.asnumpy())
        if self.collect["collect_graph"] and not self._graph_done:
            self._graph_done = True
            g = network_graph(cb.train_network, self._graph_args(cb))
            if g is not None:
                rec.add_value("graph", "train_network", g)
        tensor_step = step == 1 or step % self.tensor_freq == 0
        rec.record(step, plugin_filter=None if tensor_step else (lambda plugin: plugin != "tensor"))

    @staticmethod
    def _graph_args(cb: Any) -> tuple | None:
        """Zero tensors shaped like a batch: capturing a graph needs shapes and dtypes only."""
        ds = cb.get("train_dataset")
        if ds is None or not hasattr(ds, "output_shapes"):
            return None
        try:
            return tuple(Tensor(np.zeros(s, t)) for s, t in zip(ds.output_shapes(), ds.output_types()))
        except Exception as e:  # noqa: BLE001 - a pipeline whose first row cannot be read: no graph
            _log.warning("insight: no input shapes for the graph: %s", e)
            return None

    def on_train_end(self, run_context: Any) -> None:
        if self._scopes is not None:
            self._scopes.__exit__(None, None, None)
            self._scopes = None
        if self.debugger is not None:
            self.debugger.stop()
        cb = run_context.original_args()
        rec = self._open()
        if self.collect["collect_train_lineage"]:
            rec.add_value("train_lineage", "train", self._train_lineage(cb))
        if self.custom_lineage:
            rec.add_value("custom_lineage_data", "custom", self.custom_lineage)
        rec.record(int(cb.cur_step_num))
        rec.close()
        self._record = None

    def on_eval_end(self, run_context: Any) -> None:
        cb = run_context.original_args()
        if not self.collect["collect_eval_lineage"]:
            return
        rec = self._open()
        metrics = {k: _number(v) for k, v in (cb.get("metrics") or {}).items()}
        ds = cb.get("valid_dataset")
        rec.add_value("eval_lineage", "eval", {"metrics": metrics,
                                               "dataset": dataset_info(ds) if ds is not None else {}})
        rec.record(int(cb.get("cur_step_num", 0)))
        rec.close()
        self._record = None

    # ---- what is collected ----------------------------------------------------------------------------
    @staticmethod
    def _learning_rate(opt: Any) -> float | None:
        if opt is None or not hasattr(opt, "get_lr"):
            return None
        try:
            lr = opt.get_lr()
        except Exception as e:  # noqa: BLE001 - a custom optimizer without a readable lr
            _log.debug("insight: no learning rate from %s: %s", type(opt).__name__, e)
            return None
        if isinstance(lr, (tuple, list)):
            lr = lr[0] if lr else None
        return None if lr is None else float(np.asarray(lr.asnumpy() if isinstance(lr, Tensor) else lr).reshape(-1)[0])

    @staticmethod
    def _model_params(net: Any) -> list:
        """(name, parameter) of the trainable parameters, without the optimizer's own state."""
        opt = _optimizer_of(net)
        own = {id(p) for p in opt.get_parameters()} - {id(p) for p in opt.parameters} if opt is not None else set()
        return [(p.name, p) for p in net.trainable_params() if id(p) not in own]

    def _histogram_params(self, net: Any) -> list:
        if self._hist_params is None:
            regular = self.collect["histogram_regular"]
            params = self._model_params(net) if net is not None else []
            if regular is None:
                params = params[:DEFAULT_HISTOGRAMS]
            elif regular == "":
                params = []
            else:
                params = [(n, p) for n, p in params if re.search(regular, n)]
            self._hist_params = params
        return self._hist_params

    def _train_lineage(self, cb: Any) -> dict:
        net = cb.get("train_network")
        opt = _optimizer(cb)
        loss_fn = None
        if net is not None:
            for _, c in net.cells_and_names():
                if getattr(c, "_loss_fn", None) is not None:
                    loss_fn = c._loss_fn
                    break
        backbone = cb.get("network")
        ds = cb.get("train_dataset")
        hyper = {"learning_rate": self._learning_rate(opt), "optimizer": type(opt).__name__ if opt else None,
                 "loss_function": type(loss_fn).__name__ if loss_fn is not None else None,
                 "epoch": int(cb.get("epoch_num", 0)), "parallel_mode": cb.get("parallel_mode"),
                 "batch_size": dataset_info(ds).get("batch_size") if ds is not None else None}
        n_params = sum(int(np.prod(p.shape)) for _, p in self._model_params(backbone)) if backbone is not None else None
        return {"hyper_parameters": hyper, "dataset": dataset_info(ds) if ds is not None else {},
                "model": {"network": type(backbone).__name__ if backbone is not None else None,
                          "parameters": n_params, "steps": int(cb.get("cur_step_num", 0))},
                "metrics": {"loss": self._last_loss} if self._last_loss is not None else {}}


def _optimizer_of(net: Any) -> Any:
    from ..nn.optim.optimizer import Optimizer
    if net is None:
        return None
    for _, c in net.cells_and_names():
        if isinstance(c, Optimizer):
            return c
    return None


def _optimizer(cb: Any) -> Any:
    """The optimizer Model was given, or the one inside the training network."""
    return cb.get("optimizer") or _optimizer_of(cb.get("train_network"))


def _number(v: Any) -> Any:
    try:
        return float(np.asarray(v.asnumpy() if isinstance(v, Tensor) else v).reshape(-1)[0])
    except (TypeError, ValueError):
        return str(v)
