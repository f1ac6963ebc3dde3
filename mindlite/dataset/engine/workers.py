"""Worker pools of the data pipeline, and the per-row random state.

Random transforms: use the per-row random state
-----------------------------------------------
A random transform (``RandomCrop``, ``RandomHorizontalFlip``, ...) must draw its
random numbers like this::

    from mindlite.dataset.engine import random_state
    rng = random_state()            # a numpy.random.Generator
    if rng.random() < self.prob:
        img = img[:, ::-1]

Inside a pipeline, ``random_state()`` returns a Generator seeded from
``(ds.config seed, epoch, op id, row index)`` of the row the calling thread or
process is transforming. All calls while that row is processed return the same
Generator (the transforms of one ``map`` share one stream), and the next row
gets a fresh one. The seed depends only on where the row is in the pipeline,
never on which worker runs it, so results are identical with 1 thread, N
threads or N processes. Outside a pipeline (a transform called by hand) it
returns a global Generator that ``ds.config.set_seed`` re-seeds.
Do not use ``np.random.*`` or ``random.*`` in transforms: they are shared by
all threads and make results depend on scheduling (worker processes re-seed
them per row, so there they are at least deterministic).

Pools
-----
``make_pool(fn, num_workers, processes, ...)`` returns a pool whose
``imap(items)`` takes ``(payload, RowContext)`` pairs and yields ``fn(payload)``
in input order, with at most ``window`` items in flight:

* ``InlinePool``  - one worker: runs in the pipeline thread.
* ``ThreadPool``  - threads (pillow and numpy release the GIL).
* ``ProcessPool`` - forked processes. Arrays travel through shared-memory slots
  (``shm.py``), one per in-flight item; only a small structure is pickled.
  Results are reordered by sequence number. A dead worker, or an exception in
  ``fn``, is raised in the pipeline thread (with the row index and the worker's
  traceback); ``close()`` terminates the processes and unlinks every slot.
  Each worker runs a heartbeat thread; a worker whose heartbeat stops for
  ``config.get_multiprocessing_timeout_interval()`` seconds while the pipeline
  waits (stopped by SIGSTOP, frozen, stuck holding the GIL) is reported as a
  RuntimeError naming it and its row instead of hanging the pipeline.

A ``Runtime`` (one per iterator) owns the pools of a pipeline run and its stop
event; closing it (iterator exhausted, closed, garbage-collected, Ctrl-C, or
interpreter exit) shuts every pool down.
"""
from __future__ import annotations

import atexit
import collections
import concurrent.futures as cf
import contextlib
import logging
import multiprocessing as mp
import os
import pickle
import queue
import random
import signal
import threading
import time
import traceback
import weakref
from typing import NamedTuple

import numpy as np

from . import config
from . import shm as _shm

_tls = threading.local()
_DONE = object()
_POLL_S = 0.05
_MAX_BEAT_S = 1.0   # heartbeat period of worker processes (shorter for short timeouts)
_log = logging.getLogger("mindlite")


class RowContext(NamedTuple):
    """Identifies the row being processed: seeds ``random_state()`` and names the row in errors."""
    seed: int
    epoch: int
    op_id: int
    row: int


class PipelineStopped(Exception):
    """Raised inside the pipeline thread when its iterator was closed."""


def random_state() -> np.random.Generator:
    """The Generator a random transform must use (see the module docstring)."""
    ctx = getattr(_tls, "ctx", None)
    if ctx is None:
        return config.global_rng()
    rng = _tls.rng
    if rng is None:
        rng = _tls.rng = np.random.default_rng(np.random.SeedSequence([ctx.seed, ctx.epoch, ctx.op_id, ctx.row]))
    return rng


worker_rng = random_state


def current_row() -> RowContext | None:
    """The RowContext of the row being processed by this thread, or None outside a pipeline."""
    return getattr(_tls, "ctx", None)


@contextlib.contextmanager
def row_scope(ctx: RowContext):
    prev = getattr(_tls, "ctx", None), getattr(_tls, "rng", None)
    _tls.ctx, _tls.rng = ctx, None
    try:
        yield
    finally:
        _tls.ctx, _tls.rng = prev


def annotate(exc: BaseException, note: str) -> None:
    """Attach ``note`` to ``exc`` (shown under the exception in tracebacks)."""
    if hasattr(exc, "add_note"):
        exc.add_note(note)
    else:  # Python 3.10: keep the note where 3.11 would put it
        exc.__dict__.setdefault("__notes__", []).append(note)


def run_task(fn, payload, ctx: RowContext, label: str):
    with row_scope(ctx):
        try:
            return fn(payload)
        except Exception as exc:
            annotate(exc, f"[mindlite.dataset] {label} failed on row {ctx.row} (epoch {ctx.epoch})")
            raise


class InlinePool:
    """Runs ``fn`` in the calling thread."""

    def __init__(self, fn, label: str):
        self.fn, self.label = fn, label

    def imap(self, items):
        for payload, ctx in items:
            yield run_task(self.fn, payload, ctx, self.label)

    def close(self) -> None:
        """Nothing to stop: the work ran in the caller's thread (same interface as the pools)."""


class ThreadPool(InlinePool):
    def __init__(self, fn, label: str, num_workers: int, stop: threading.Event, window: int):
        super().__init__(fn, label)
        self.stop, self.window = stop, window
        self._executor = cf.ThreadPoolExecutor(num_workers, thread_name_prefix="mindlite-ds")

    def _result(self, fut: cf.Future):
        while not cf.wait([fut], timeout=_POLL_S).done:
            if self.stop.is_set():
                raise PipelineStopped()
        return fut.result()

    def imap(self, items):
        pending: collections.deque = collections.deque()
        items = iter(items)
        try:
            while True:
                while len(pending) < self.window:
                    item = next(items, _DONE)
                    if item is _DONE:
                        break
                    pending.append(self._executor.submit(run_task, self.fn, item[0], item[1], self.label))
                if not pending:
                    return
                yield self._result(pending.popleft())
        finally:
            for fut in pending:
                fut.cancel()

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _pack_error(exc: BaseException) -> tuple:
    try:
        exc_bytes = pickle.dumps(exc)
        pickle.loads(exc_bytes)
    except Exception:  # noqa: BLE001 - any pickling failure: send the text only
        exc_bytes = None
    return exc_bytes, traceback.format_exc(), type(exc).__name__, str(exc), os.getpid()


def _rebuild_error(body: tuple) -> BaseException:
    exc_bytes, tb_text, type_name, message, pid = body
    exc = pickle.loads(exc_bytes) if exc_bytes is not None else RuntimeError(f"{type_name}: {message}")
    annotate(exc, f"[mindlite.dataset] traceback in worker process {pid}:\n{tb_text.rstrip()}")
    return exc


def _encode_output(out, shm) -> tuple:
    arrays: list = []
    structure = _shm.flatten(out, arrays)
    need = _shm.nbytes_needed(arrays)
    if need <= shm.size:
        return structure, _shm.write_arrays(arrays, shm.buf), None, need
    return structure, None, arrays, need  # too big for the slot: pickle it this once


def _seed_legacy_rngs(ctx: RowContext) -> None:
    """Seed ``np.random`` and ``random`` per row in worker processes.

    Forked workers would otherwise share one inherited stream (duplicate augmentations);
    per-row seeds also make legacy transforms deterministic in process mode.
    """
    seed = int(np.random.SeedSequence([ctx.seed, ctx.epoch, ctx.op_id, ctx.row]).generate_state(1)[0])
    np.random.seed(seed)
    random.seed(seed)


def _worker_step(fn, label, attached, raw: bytes, status) -> bytes:
    gen, seq, slot_index, slot_name, structure, metas, ctx = pickle.loads(raw)
    status.row = ctx.row
    try:
        shm = attached.get(slot_index, slot_name)
        payload = _shm.unflatten(structure, _shm.read_arrays(metas, shm.buf))
        _seed_legacy_rngs(ctx)
        out = run_task(fn, payload, ctx, label)
    except Exception as exc:  # noqa: BLE001 - every failure goes back to the pipeline
        return pickle.dumps((gen, seq, "err", _pack_error(exc)))
    try:
        return pickle.dumps((gen, seq, "ok", _encode_output(out, shm)))
    except Exception as exc:  # noqa: BLE001
        annotate(exc, f"[mindlite.dataset] {label}: the result of row {ctx.row} (epoch {ctx.epoch}) cannot be "
                      "sent to the main process; return numpy arrays")
        return pickle.dumps((gen, seq, "err", _pack_error(exc)))


class _WorkerStatus:
    """What a worker process shows the main process: a heartbeat counter and its current row
    (shared memory written by the worker, read by the pool)."""

    def __init__(self, beats, rows, index: int) -> None:
        self._beats, self._rows, self.index = beats, rows, index

    def beat(self) -> None:
        self._beats[self.index] += 1

    @property
    def beats(self) -> int:
        return self._beats[self.index]

    @property
    def row(self) -> int:
        return self._rows[self.index]

    @row.setter
    def row(self, value: int) -> None:
        self._rows[self.index] = value


def _heartbeat(status: _WorkerStatus, period: float) -> None:
    # a thread: it stops only when the whole process does (SIGSTOP, a frozen machine) or
    # when a call holds the GIL for the entire interval
    while True:
        status.beat()
        time.sleep(period)


def _worker_main(fn, label: str, task_q, result_q, parent_pid: int, status: _WorkerStatus, beat_s: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the main process
    threading.Thread(target=_heartbeat, args=(status, beat_s), daemon=True, name="mindlite-ds-heartbeat").start()
    result_q.cancel_join_thread()
    attached = _shm.Attachments()
    try:
        while True:
            try:
                raw = task_q.get(timeout=0.5)
            except queue.Empty:
                if os.getppid() != parent_pid:  # orphaned: the main process died
                    return
                continue
            if raw is None:
                return
            try:
                result = _worker_step(fn, label, attached, raw, status)
            finally:
                status.row = -1
            result_q.put(result)
    finally:
        attached.close()


class ProcessPool:
    """Forked worker processes exchanging arrays through shared-memory slots."""

    def __init__(self, fn, label: str, num_workers: int, stop: threading.Event, window: int,
                 slot_bytes: int = 64 << 10):
        self.label, self.stop, self.window = label, stop, window
        # NOTE: slots are created before forking so the resource tracker (which unlinks segments
        # left behind by a crashed main process) is running and shared with the workers.
        self.slots = [_shm.Slot(slot_bytes) for _ in range(window)]
        ctx = mp.get_context("fork")
        self.task_q, self.result_q = ctx.Queue(), ctx.Queue()
        self.timeout = config.get_multiprocessing_timeout_interval()
        beats, rows = ctx.RawArray("Q", num_workers), ctx.RawArray("q", [-1] * num_workers)
        self.status = [_WorkerStatus(beats, rows, i) for i in range(num_workers)]
        beat_s = min(_MAX_BEAT_S, self.timeout / 4)
        self.procs = [ctx.Process(target=_worker_main, daemon=True, name=f"mindlite-ds-{i}",
                                  args=(fn, label, self.task_q, self.result_q, os.getpid(), self.status[i], beat_s))
                      for i in range(num_workers)]
        for p in self.procs:
            p.start()
        self._seen = [-1] * num_workers        # last heartbeat count read from each worker
        self._silent = [0.0] * num_workers     # seconds of waiting without a heartbeat from it
        self._last_poll = time.monotonic()
        self._gen, self._outstanding, self._active, self._closed = 0, 0, False, False

    def _send(self, gen: int, seq: int, payload, ctx: RowContext) -> None:
        arrays: list = []
        structure = _shm.flatten(payload, arrays)
        slot = self.slots[seq % self.window]
        if slot.ensure(_shm.nbytes_needed(arrays)):
            metas = _shm.write_arrays(arrays, slot.shm.buf)
        else:  # no room in /dev/shm: this row travels pickled
            structure, metas = payload, []
        raw = pickle.dumps((gen, seq, seq % self.window, slot.name, structure, metas, ctx))
        self.task_q.put(raw)
        self._outstanding += 1

    def _doing(self, i: int, waiting_row: int | None) -> str:
        row = self.status[i].row
        doing = f"while processing row {row}" if row >= 0 else "while idle (between rows)"
        return doing + (f"; the pipeline is waiting for row {waiting_row}" if waiting_row is not None else "")

    def _check_workers(self, waiting_row: int | None) -> None:
        """Raise (after closing the pool) if a worker died or its heartbeat stopped."""
        now = time.monotonic()
        # a pause of this process itself (suspended, descheduled) counts at most a second
        elapsed, self._last_poll = min(now - self._last_poll, 1.0), now
        for i, p in enumerate(self.procs):
            if p.exitcode is not None:
                msg = (f"worker process {p.pid} ({p.name}) exited unexpectedly {self._doing(i, waiting_row)} "
                       f"(exit code {p.exitcode}; a negative code is the signal that killed it)")
            else:
                beat = self.status[i].beats
                if beat != self._seen[i]:
                    self._seen[i], self._silent[i] = beat, 0.0
                    continue
                self._silent[i] += elapsed
                if self._silent[i] < self.timeout:
                    continue
                msg = (f"worker process {p.pid} ({p.name}) has shown no sign of life for {self._silent[i]:.0f} s "
                       f"{self._doing(i, waiting_row)}: it is stopped (SIGSTOP?), frozen, or stuck in a call that "
                       "holds the GIL (ds.config.set_multiprocessing_timeout_interval sets this limit, now "
                       f"{self.timeout} s)")
            self.close()
            raise RuntimeError(f"[mindlite.dataset] {self.label}: {msg}")

    def _recv(self, waiting_row: int | None = None) -> tuple:
        """The next result message ``(gen, seq, status, body)`` of any imap call."""
        started = time.monotonic()
        warn_at = started + self.timeout
        while True:
            try:
                raw = self.result_q.get(timeout=_POLL_S)
            except queue.Empty:
                if self.stop.is_set():
                    raise PipelineStopped() from None
                self._check_workers(waiting_row)
                if time.monotonic() >= warn_at:  # MindSpore's periodic warning: slow but alive workers
                    _log.warning("[mindlite.dataset] %s: waited %.0f s for row %s from worker processes that are "
                                 "alive; a slow transform?", self.label, time.monotonic() - started, waiting_row)
                    warn_at += self.timeout
                continue
            self._outstanding -= 1
            return pickle.loads(raw)

    def _decode(self, seq: int, status: str, body: tuple):
        if status == "err":
            raise _rebuild_error(body)
        structure, metas, inline, need = body
        slot = self.slots[seq % self.window]
        arrays = _shm.read_arrays(metas, slot.shm.buf) if metas is not None else inline
        slot.ensure(need)  # the slot is free again: grow it now if this row did not fit
        return _shm.unflatten(structure, arrays)

    def imap(self, items):
        if self._active:
            raise RuntimeError(f"{self.label}: the same dataset node is iterated twice at once (e.g. zip(a, a)) "
                               "with python_multiprocessing=True; build two nodes instead")
        self._active, self._gen = True, self._gen + 1
        gen, items, sent, done, ready = self._gen, iter(items), 0, 0, {}
        rows: dict = {}  # seq -> row index, to name the row the pipeline waits for
        try:
            while True:
                while sent - done < self.window:
                    item = next(items, _DONE)
                    if item is _DONE:
                        break
                    self._send(gen, sent, *item)
                    rows[sent] = item[1].row
                    sent += 1
                if done == sent:
                    return
                while done not in ready:
                    msg_gen, seq, status, body = self._recv(rows[done])
                    if msg_gen == gen:  # NOTE: _drain makes stale results impossible; this is a guard
                        ready[seq] = (status, body)
                rows.pop(done, None)
                yield self._decode(done, *ready.pop(done))
                done += 1
        finally:
            self._active = False
            self._drain()

    def _drain(self) -> None:
        """Wait for in-flight items so their slots are free before the next imap."""
        try:
            while self._outstanding > 0 and not self._closed and not self.stop.is_set():
                self._recv()
        except (PipelineStopped, RuntimeError):
            self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for p in self.procs:
            if p.is_alive():
                p.terminate()
                with contextlib.suppress(OSError):  # a stopped worker acts on SIGTERM only once continued
                    os.kill(p.pid, signal.SIGCONT)
        for p in self.procs:
            p.join(timeout=2.0)
            if p.is_alive():
                p.kill()
                p.join()
        for q in (self.task_q, self.result_q):
            q.cancel_join_thread()
            q.close()
        for slot in self.slots:
            slot.destroy()


def make_pool(fn, label: str, num_workers: int, processes: bool, stop: threading.Event, window: int | None = None):
    """The right pool for ``num_workers`` (inline for 1, threads, or processes)."""
    num_workers = max(1, int(num_workers or 1))
    window = window or max(4, 2 * num_workers)
    if num_workers == 1:
        return InlinePool(fn, label)
    if processes:
        return ProcessPool(fn, label, num_workers, stop, window)
    return ThreadPool(fn, label, num_workers, stop, window)


_live_runtimes: weakref.WeakSet[Runtime] = weakref.WeakSet()


class Runtime:
    """State of one pipeline run (one iterator): seed, stop event, node ids and pools."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self.stop = threading.Event()
        self.node_ids: dict[int, int] = {}
        self._pools: dict[int, object] = {}
        self._lock = threading.Lock()
        self._closed = False
        _live_runtimes.add(self)

    def node_id(self, node) -> int:
        return self.node_ids.setdefault(id(node), len(self.node_ids))

    def add_pool(self, node, fn, label: str, num_workers: int, processes: bool, window: int | None = None):
        with self._lock:
            if self._closed:
                raise PipelineStopped()
            if id(node) not in self._pools:
                self._pools[id(node)] = make_pool(fn, label, num_workers, processes, self.stop, window)
            return self._pools[id(node)]

    def pool(self, node):
        return self._pools[id(node)]

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self.stop.set()
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()


@atexit.register
def _close_all_runtimes() -> None:
    for runtime in list(_live_runtimes):
        runtime.close()
