"""Iterators: run a pipeline in a background thread, ahead of the consumer.

``create_tuple_iterator`` starts one producer thread that walks the pipeline
epoch after epoch and puts rows into a queue of ``config.get_prefetch_size()``
entries, so the pipeline runs ahead by at most that many rows (worker pools
add their own bounded in-flight windows). The consumer takes rows from the
queue; an epoch-end marker ends a ``for`` loop, and the next ``for`` loop over
the same iterator reads the next epoch (``num_epochs`` of them, -1 = no limit).

Shutdown: exhausting the iterator, ``close()``/``stop()``, garbage collection,
Ctrl-C while waiting, or an error sets the run's stop event; the producer
notices it within ~50 ms, closes the pipeline generators, and the ``Runtime``
terminates worker processes and unlinks shared memory. An exception anywhere
in the pipeline is put in the queue and re-raised by ``__next__``.
"""
from __future__ import annotations

import contextlib
import queue
import threading

from . import config
from .datasets import EpochContext
from .workers import PipelineStopped, Runtime

_EPOCH_END = object()
_END = object()
_JOIN_TIMEOUT_S = 5.0


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc


def _put(q: queue.Queue, item, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            q.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False


def _produce(root, runtime: Runtime, q: queue.Queue, num_epochs: int, first_epoch: int) -> None:
    """Body of the producer thread. It must not reference the iterator (so the iterator can be collected)."""
    stop = runtime.stop
    try:
        epoch = 0
        while num_epochs == -1 or epoch < num_epochs:
            with contextlib.closing(root._iter_epoch(EpochContext(runtime, first_epoch + epoch))) as rows:
                for row in rows:
                    if not _put(q, row, stop):
                        return
            if not _put(q, _EPOCH_END, stop):
                return
            epoch += 1
        _put(q, _END, stop)
    except PipelineStopped:
        pass
    except BaseException as exc:  # noqa: BLE001 - handed to the consumer
        _put(q, _Failure(exc), stop)
    finally:
        runtime.close()


class TupleIterator:
    """Yields each row as a list of ``mindlite.Tensor`` (numpy arrays with ``output_numpy=True``)."""

    def __init__(self, dataset, columns=None, num_epochs=-1, output_numpy=False, _private=False):
        self._closed = True
        self._dataset, self._private = dataset, _private
        self._idx = dataset._col_index(columns, "iterator columns") if columns else None
        self._columns = list(columns) if columns else dataset.get_col_names()
        self._output_numpy = bool(output_numpy)
        self._num_epochs = -1 if num_epochs is None or num_epochs < 0 else int(num_epochs)
        self._first_epoch = 0 if _private else dataset._epochs_started
        self._epoch, self._epoch_open = 0, False
        runtime = Runtime(config.get_seed())
        try:
            dataset._prepare(runtime)  # forks worker processes here, in the caller's thread
        except BaseException:
            runtime.close()
            raise
        self._runtime = runtime
        self._queue: queue.Queue = queue.Queue(maxsize=config.get_prefetch_size())
        self._thread = threading.Thread(target=_produce, daemon=True, name="mindlite-ds-pipeline",
                                        args=(dataset, runtime, self._queue, self._num_epochs, self._first_epoch))
        self._closed = False
        self._thread.start()

    def __iter__(self):
        return self

    def _get(self):
        while True:
            try:
                return self._queue.get(timeout=0.1)
            except queue.Empty:
                if not self._thread.is_alive() and self._queue.empty():
                    raise RuntimeError("[mindlite.dataset] the pipeline thread ended without a result") from None

    def _begin_epoch(self) -> None:
        self._epoch_open = True
        if not self._private:  # the next fresh iterator continues with a new shuffle order
            started = self._first_epoch + self._epoch + 1
            self._dataset._epochs_started = max(self._dataset._epochs_started, started)

    def __next__(self):
        if self._closed:
            raise StopIteration
        if not self._epoch_open:
            self._begin_epoch()
        try:
            item = self._get()
        except BaseException:  # Ctrl-C (or a dead producer): stop everything before propagating
            self.close()
            raise
        if item is _EPOCH_END:
            self._epoch, self._epoch_open = self._epoch + 1, False
            if self._num_epochs != -1 and self._epoch >= self._num_epochs:
                self.close()
            raise StopIteration
        if item is _END:
            self.close()
            raise StopIteration
        if isinstance(item, _Failure):
            self.close()
            exc, item = item.exc, None
            raise exc
        return self._convert(item)

    def _values(self, row: tuple) -> list:
        if self._idx is not None:
            row = tuple(row[i] for i in self._idx)
        if self._output_numpy:
            return list(row)
        # NOTE: a local import keeps the engine free of mindlite.core
        from mindlite.core.tensor import Tensor
        return [a if a.dtype.kind in "USOV" else Tensor(a) for a in row]

    def _convert(self, row: tuple):
        return self._values(row)

    def close(self) -> None:
        """Stop the pipeline: end the producer thread and worker processes, free shared memory."""
        if self._closed:
            return
        self._closed = True
        self._runtime.stop.set()
        self._drain()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=_JOIN_TIMEOUT_S)
        self._runtime.close()
        self._drain()

    stop = close

    def _drain(self) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()

    def __del__(self):
        with contextlib.suppress(Exception):
            self.close()

    def get_col_names(self) -> list[str]:
        return list(self._columns)


class DictIterator(TupleIterator):
    """Yields each row as ``{column name: value}``."""

    def _convert(self, row: tuple):
        return dict(zip(self._columns, self._values(row)))


def count_rows(dataset) -> int:
    it = TupleIterator(dataset, num_epochs=1, output_numpy=True, _private=True)
    try:
        return sum(1 for _ in it)
    finally:
        it.close()


def first_row(dataset) -> tuple:
    it = TupleIterator(dataset, num_epochs=1, output_numpy=True, _private=True)
    try:
        return tuple(next(it))
    except StopIteration:
        raise RuntimeError("the dataset is empty: cannot infer output shapes/types") from None
    finally:
        it.close()
