"""`mindlite.train.Model`: train / eval / predict / fit with callbacks, a progress bar, data
sinking and resumable training (MindSpore 2.x API).

In GRAPH_MODE the training step compiles once. With `dataset_sink_mode=True` (GRAPH_MODE) a
whole sink of `sink_size` steps runs as one compiled program: the batches are stacked into
one device array and a loop inside the graph runs the training step on each; loss and
callbacks are reported once per sink. In PYNATIVE the flag is accepted and steps run one by one.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any

import numpy as np

from .. import amp as _amp
from ..core import context as _context
from ..core.tensor import Tensor
from ..nn.cell import Cell
from ..nn.metrics import Metric, get_metric_fn
from ..parallel_context import ParallelMode  # noqa: F401  (legacy `from mindspore.train.model import ParallelMode`)
from .callback import Callback, CallbackList, CallbackParam, RunContext
from .callback._monitors import loss_value
from ._progress import Progress

_log = logging.getLogger("mindlite")


def _metrics(metrics: Any) -> dict:
    if metrics is None:
        return {}
    if isinstance(metrics, dict):
        items = metrics.items()
    elif isinstance(metrics, (set, list, tuple)):
        items = ((m, m) for m in metrics)
    else:
        raise TypeError(f"metrics must be a set/list of names or a dict name -> Metric, got {type(metrics).__name__}")
    out = {}
    for name, m in items:
        out[name] = get_metric_fn(m) if isinstance(m, str) else m
        if not isinstance(out[name], Metric):
            raise TypeError(f"metric {name!r} is not a Metric")
    return out


class Model:
    """High-level training and evaluation of a network.

    Args:
        network: the network (or a network with its loss when `loss_fn` is None).
        loss_fn: loss Cell; `optimizer`: optimizer Cell; `metrics`: names ({'accuracy'}) or
            a dict name -> Metric used by `eval`.
        eval_network / eval_indexes: a custom evaluation network and the positions of
            (loss, outputs, label) in its outputs.
        amp_level: 'O0' | 'O1' | 'O2' | 'O3'; `loss_scale_manager`: Fixed/DynamicLossScaleManager.
    """

    def __init__(self, network: Cell, loss_fn: Cell | None = None, optimizer: Cell | None = None, metrics: Any = None,
                 eval_network: Cell | None = None, eval_indexes: list | None = None, amp_level: str = "O0",
                 boost_level: str = "O0", loss_scale_manager: Any = None, **kwargs: Any) -> None:
        if boost_level != "O0":
            _log.warning("Model: boost_level=%s is accepted and ignored", boost_level)
        if eval_indexes is not None and len(eval_indexes) != 3:
            raise ValueError(f"Model: eval_indexes must have 3 entries (loss, outputs, label), got {eval_indexes}")
        self._network, self._loss_fn, self._optimizer = network, loss_fn, optimizer
        self._metrics = _metrics(metrics)
        self._amp_level, self._loss_scale_manager = amp_level, loss_scale_manager
        if optimizer is not None:
            self._train_network = self._build_train_network()
        elif loss_fn is None:
            self._train_network = network  # a complete training cell (MindSpore's BERT recipe passes one)
        else:
            self._train_network = None
        self._eval_network, self._eval_indexes = self._build_eval_network(eval_network, eval_indexes)
        self._predict_network = network
        self._resume: dict | None = None
        self._sink_fns: dict = {}

    # ---- networks --------------------------------------------------------------------------------
    def _build_train_network(self) -> Cell:
        kwargs = {"loss_scale_manager": self._loss_scale_manager} if self._loss_scale_manager else {}
        return _amp.build_train_network(self._network, self._optimizer, self._loss_fn, level=self._amp_level,
                                        **kwargs)

    def _build_eval_network(self, eval_network: Cell | None, eval_indexes: list | None) -> tuple:
        from ..nn.wrap import WithEvalCell
        if eval_network is not None:
            return eval_network, eval_indexes
        if self._loss_fn is None:
            return None, None
        return WithEvalCell(self._network, self._loss_fn, self._amp_level in ("O2", "O3")), [0, 1, 2]

    @property
    def train_network(self) -> Cell | None:
        return self._train_network

    @property
    def predict_network(self) -> Cell:
        return self._predict_network

    @property
    def eval_network(self) -> Cell | None:
        return self._eval_network

    # ---- train -----------------------------------------------------------------------------------------
    def train(self, epoch: int, train_dataset: Any, callbacks: Any = None, dataset_sink_mode: bool = False,
              sink_size: int = -1, initial_epoch: int = 0) -> None:
        """Train for `epoch` epochs (counting from `initial_epoch`)."""
        if self._train_network is None:
            raise RuntimeError("Model.train needs an optimizer (or, with no loss_fn and no optimizer, a network that "
                               "is a complete training cell)")
        if not isinstance(epoch, int) or epoch <= 0 or not 0 <= initial_epoch < epoch:
            raise ValueError(f"Model.train: need epoch > initial_epoch >= 0, got epoch={epoch}, "
                             f"initial_epoch={initial_epoch}")
        size = train_dataset.get_dataset_size()
        if size <= 0:
            raise ValueError(f"Model.train: the dataset has no known size ({size}); use take() on endless data")
        sink = dataset_sink_mode and _context.get_context("mode") == _context.GRAPH_MODE
        steps = size if not dataset_sink_mode or sink_size in (-1, None) else min(int(sink_size), size)
        cb = self._cb_params("train", epoch, steps, train_dataset, callbacks)
        cb.train_network, cb.optimizer = self._train_network, self._optimizer
        self._train_network.set_train(True)
        self._run_train(cb, train_dataset, initial_epoch, steps, sink)

    def _cb_params(self, mode: str, epoch: int, steps: int, dataset: Any, callbacks: Any) -> CallbackParam:
        cb = CallbackParam()
        cb.mode, cb.epoch_num, cb.batch_num, cb.cur_epoch_num, cb.cur_step_num = mode, epoch, steps, 0, 0
        cb.net_outputs, cb.network, cb.list_callback = None, self._network, CallbackList(callbacks)
        cb.train_dataset = dataset if mode == "train" else None
        cb.valid_dataset = dataset if mode == "eval" else None
        cb.parallel_mode = "stand_alone"
        cb.metrics = {}
        return cb

    def _iterator(self, dataset: Any, epochs: int, first_epoch: int) -> Any:
        if hasattr(dataset, "_epochs_started"):
            dataset._epochs_started = first_epoch  # continue the shuffle sequence where it was
        return dataset.create_tuple_iterator(num_epochs=epochs)

    def _run_train(self, cb: CallbackParam, dataset: Any, initial_epoch: int, steps: int, sink: bool) -> None:
        callbacks: Any = cb.list_callback
        run_context = RunContext(cb)
        resume = self._resume or {}
        self._resume = None
        skip = resume.get("step_in_epoch", 0) if resume.get("epoch") == initial_epoch else 0
        cb.cur_step_num = initial_epoch * steps + skip
        it = self._iterator(dataset, cb.epoch_num - initial_epoch, initial_epoch)
        bar = Progress(cb.epoch_num, steps, "train")
        callbacks.on_train_begin(run_context)
        try:
            for ep in range(initial_epoch, cb.epoch_num):
                cb.cur_epoch_num = ep + 1
                cb.metrics = {}  # evaluation results belong to the epoch that computed them
                callbacks.on_train_epoch_begin(run_context)
                batches = iter(it)
                for _ in range(skip):  # resumed mid-epoch: the same batches were already trained on
                    next(batches)
                done = skip
                skip = 0
                while done < steps:
                    n = min(steps - done, steps) if sink else 1
                    data = self._next_batches(batches, n)
                    if data is None:
                        break
                    callbacks.on_train_step_begin(run_context)
                    start = time.perf_counter()
                    cb.net_outputs = self._sink_step(data, n) if sink else self._train_network(*data[0])
                    done += len(data)
                    cb.cur_step_num += len(data)
                    bar.update(ep + 1, done, loss_value(cb.net_outputs), _batch_rows(data),
                               time.perf_counter() - start)
                    callbacks.on_train_step_end(run_context)
                    if run_context.get_stop_requested():
                        break
                for _ in batches:  # drain the epoch if the step count was cut short
                    pass
                callbacks.on_train_epoch_end(run_context)
                if run_context.get_stop_requested():
                    break
        finally:
            bar.close()
            callbacks.on_train_end(run_context)
        # a background checkpoint save that failed must not let training end as if all were kept
        from .serialization import wait_async_save
        wait_async_save()

    @staticmethod
    def _next_batches(batches: Any, n: int) -> list | None:
        out = []
        for _ in range(n):
            try:
                out.append(tuple(_as_tensor(c) for c in next(batches)))
            except StopIteration:
                break
        return out or None

    def _sink_step(self, data: list, n: int) -> Any:
        """Run len(data) training steps inside one compiled program."""
        from ..core.jit import JitFunction
        from ..ops import functional as F
        from ..ops.control import fori_loop
        net = self._train_network
        stacked = tuple(Tensor(np.stack([d[k].asnumpy() for d in data])) for k in range(len(data[0])))
        fn = self._sink_fns.get(id(net))
        if fn is None:
            def sink(*cols: Any) -> Any:
                def body(i: Any, last: Any) -> tuple:
                    out = net(*[F.gather(c, i, 0) for c in cols])
                    loss = out[0] if isinstance(out, (tuple, list)) else out
                    return (F.cast(loss, last.dtype),)
                return fori_loop(F.zeros((), _i64()), cols[0].shape[0], body, (Tensor(np.float32(0)),))[0]
            fn = self._sink_fns[id(net)] = JitFunction(sink, name="sink")
        return fn(*stacked)

    # ---- eval / predict / fit ------------------------------------------------------------------------
    def eval(self, valid_dataset: Any, callbacks: Any = None, dataset_sink_mode: bool = False) -> dict:
        """Evaluate the metrics over one pass of `valid_dataset`; returns {name: value}."""
        if self._eval_network is None:
            raise RuntimeError("Model.eval needs a loss_fn or an eval_network")
        if not self._metrics:
            raise ValueError("Model.eval needs metrics, e.g. Model(..., metrics={'accuracy'})")
        for m in self._metrics.values():
            m.clear()
        steps = valid_dataset.get_dataset_size()
        cb = self._cb_params("eval", 1, steps, valid_dataset, callbacks)
        run_context = RunContext(cb)
        self._eval_network.set_train(False)
        bar = Progress(1, steps, "eval")
        cb.list_callback.on_eval_begin(run_context)
        cb.list_callback.on_eval_epoch_begin(run_context)
        for row in valid_dataset.create_tuple_iterator(num_epochs=1):
            cb.list_callback.on_eval_step_begin(run_context)
            outputs = self._eval_network(*[_as_tensor(c) for c in row])
            cb.net_outputs = outputs
            self._update_metrics(outputs)
            cb.cur_step_num += 1
            bar.update(1, cb.cur_step_num, None, _rows(row), 0.0)
            cb.list_callback.on_eval_step_end(run_context)
        bar.close()
        cb.metrics = {name: m.eval() for name, m in self._metrics.items()}
        cb.list_callback.on_eval_epoch_end(run_context)
        cb.list_callback.on_eval_end(run_context)
        return dict(cb.metrics)

    def _update_metrics(self, outputs: Any) -> None:
        outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
        loss_i, out_i, label_i = self._eval_indexes or (0, 1, 2)
        for m in self._metrics.values():
            if type(m).__name__ == "Loss":
                m.update(outputs[loss_i])
            else:
                m.update(outputs[out_i], outputs[label_i])

    def predict(self, *predict_data: Any) -> Any:
        self._predict_network.set_train(False)
        return self._predict_network(*predict_data)

    def fit(self, epoch: int, train_dataset: Any, valid_dataset: Any = None, valid_frequency: int = 1,
            callbacks: Any = None, dataset_sink_mode: bool = False, valid_dataset_sink_mode: bool = False,
            sink_size: int = -1, initial_epoch: int = 0) -> None:
        """Train, evaluating on `valid_dataset` every `valid_frequency` epochs (metrics reach the
        callbacks as cb_params.metrics, e.g. for EarlyStopping)."""
        if valid_dataset is None:
            return self.train(epoch, train_dataset, callbacks, dataset_sink_mode, sink_size, initial_epoch)
        model = self

        class _Evaluate(Callback):
            def on_train_epoch_end(self, run_context: RunContext) -> None:
                cb = run_context.original_args()
                if cb.cur_epoch_num % valid_frequency == 0 or cb.cur_epoch_num == cb.epoch_num:
                    cb.metrics = model.eval(valid_dataset)
                    model._train_network.set_train(True)
                    print(f"Eval result: epoch {cb.cur_epoch_num}, metrics: {cb.metrics}", flush=True)
        cbs = [_Evaluate()] + list(CallbackList(callbacks).callbacks)
        self.train(epoch, train_dataset, cbs, dataset_sink_mode, sink_size, initial_epoch)

    # ---- resume ---------------------------------------------------------------------------------------
    def resume(self, ckpt_file_name: str) -> int:
        """Load a ModelCheckpoint file into the training network (parameters, optimizer and
        loss-scale state) and restore the position and random state it recorded. Returns the
        epoch to pass as `initial_epoch`; the next `train` skips the steps of that epoch that
        were already trained. (A mindlite extension; MindSpore resumes whole epochs only.)

        The load is strict: the file must carry a valid crc32 trailer (ModelCheckpoint always
        writes one), every parameter of the training network must be in it under its own
        name, with its shape and dtype; otherwise it raises and changes nothing."""
        from ..core import rng
        from .serialization import load_checkpoint, load_param_into_net
        if self._train_network is None:
            raise RuntimeError("Model.resume needs a training network (an optimizer, or a complete training cell)")
        params = load_checkpoint(ckpt_file_name, crc_check=True)
        info = params.pop("mindlite_resume", None)
        load_param_into_net(self._train_network, {k: v for k, v in params.items() if not isinstance(v, str)},
                            strict_load=True)
        if info is None:
            epoch = int(np.asarray(params["epoch_num"].asnumpy())) if "epoch_num" in params else 0
            self._resume = {"epoch": epoch, "step_in_epoch": 0}
            return epoch
        state = json.loads(info)
        rng.set_state(state["rng"])
        self._resume = state
        return state["epoch"]


def _i64() -> Any:
    from ..core import dtype as mstype
    return mstype.int64


def _as_tensor(x: Any) -> Any:
    return x if isinstance(x, Tensor) else Tensor(x)


def _rows(row: Any) -> int:
    first = row[0]
    return int(first.shape[0]) if getattr(first, "ndim", 0) else 1


def _batch_rows(data: list) -> int:
    return sum(_rows(d) for d in data)


__all__ = ["Model"]
