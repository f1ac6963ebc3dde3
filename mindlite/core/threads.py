"""Our own CPU thread pool: large kernels split their work here instead of relying on BLAS threads.

Why: OpenBLAS's own threads spin while they wait for each other. On a machine whose cores
are shared (laptops, CI runners, shared servers) one descheduled BLAS thread stalls every
GEMM: a ResNet-50 step went from 3 s to 50 s with other processes busy. So the process
keeps BLAS at one thread (threadpoolctl, set when the pool starts) and the kernels split
large GEMMs, convolutions and elementwise work into chunks run by a small persistent pool:

* workers sleep on a condition variable between jobs (no spinning);
* chunks are claimed one at a time from a shared counter, by the workers *and* the calling
  thread, so a worker that the OS deschedules simply takes fewer chunks (graceful under load);
* one parallel region runs at a time; a kernel called while the pool is busy (another thread,
  or a nested call from a worker) runs its chunks serially in the calling thread.

Size: `set_context(runtime_num_threads=n)`; 0 (the default) means the CPUs this process may
run on (`os.sched_getaffinity`). With one thread everything runs inline in the caller.

Determinism: `parallel_for` only decides *who* runs a chunk, never what a chunk computes, and
callers choose chunk boundaries from the shapes alone (never from the thread count), so every
result is bitwise the same for any number of threads. Partial results that must be combined
(sums over chunks) are combined by the caller in chunk order.

The pool is rebuilt lazily in a forked child (threads do not survive fork) and stopped at
interpreter exit.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

_log = logging.getLogger("mindlite")

_requested = 0          # runtime_num_threads (0: automatic)
_cpus: "int | None" = None
_pool: "_Pool | None" = None
_pool_lock = threading.Lock()
_blas_libs: list = []     # threadpoolctl's controllers of the BLAS libraries, pinned to one thread
_blas_pinned = False      # pin_blas has run
_blas_checked = 0.0       # when the pin was last checked
_local = threading.local()  # .in_worker: this thread is one of the pool's workers


def available_cpus() -> int:
    """CPUs this process may run on (affinity mask, read once per process), at least 1."""
    global _cpus
    if _cpus is None:
        try:
            _cpus = max(1, len(os.sched_getaffinity(0)))
        except (AttributeError, OSError):  # platforms without sched_getaffinity
            _cpus = max(1, os.cpu_count() or 1)
    return _cpus


def num_threads() -> int:
    """Threads a parallel kernel uses: runtime_num_threads, or the available CPUs if it is 0."""
    return _requested or available_cpus()


def set_num_threads(n: int) -> None:
    """Set the pool size (`set_context(runtime_num_threads=n)`); 0 restores the automatic size."""
    global _requested, _pool
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"runtime_num_threads must be a non-negative int (0: one per available CPU), got {n!r}")
    with _pool_lock:
        _requested = n
        old, _pool = _pool, None
    if old is not None:
        old.shutdown()


def pin_blas() -> bool:
    """Keep BLAS at one thread (our pool parallelises instead); True if BLAS is pinned. With
    threadpoolctl absent BLAS keeps its own threads and kernels do not split GEMMs. A limit
    changed since (a `threadpool_limits` block ending, say) is put back, checked at most every
    50 ms (~1 us per check)."""
    global _blas_pinned, _blas_checked
    if _blas_pinned:
        now = time.monotonic()
        if _blas_libs and now - _blas_checked > 0.05:
            _blas_checked = now
            for lib in _blas_libs:
                if lib.get_num_threads() != 1:
                    lib.set_num_threads(1)
        return bool(_blas_libs)
    _blas_pinned = True
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        _log.warning("threadpoolctl is not installed: BLAS keeps its own threads, which stall on a busy machine "
                     "(pip install threadpoolctl)")
        return False
    _blas_libs[:] = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    for lib in _blas_libs:
        lib.set_num_threads(1)
    _blas_checked = time.monotonic()
    return bool(_blas_libs)


def blas_pinned() -> bool:
    """True while BLAS runs one thread per caller (GEMMs may then be split over the pool)."""
    return pin_blas()


class _Job:
    __slots__ = ("fn", "n", "next", "left", "error", "done", "lock")

    def __init__(self, fn: Callable[[int], Any], n: int) -> None:
        self.fn, self.n = fn, n
        self.next = 0          # next chunk to claim
        self.left = n          # chunks not finished
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.lock = threading.Lock()

    def work(self) -> None:
        """Claim and run chunks until none are left."""
        while True:
            with self.lock:
                i = self.next
                if i >= self.n:
                    return
                self.next = i + 1
                failed = self.error is not None
            if not failed:
                try:
                    self.fn(i)
                except BaseException as e:  # noqa: BLE001 - re-raised in the caller
                    with self.lock:
                        if self.error is None:
                            self.error = e
            with self.lock:
                self.left -= 1
                if self.left == 0:
                    self.done.set()


class _Pool:
    """`size - 1` sleeping workers; the caller of `run` is the last thread."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.cond = threading.Condition()
        self.job: _Job | None = None
        self.serial = 0        # job number: a worker runs each job at most once
        self.stopping = False
        self.busy = threading.Lock()  # one parallel region at a time
        self.workers = [threading.Thread(target=self._loop, name=f"mindlite-worker-{k}", daemon=True)
                        for k in range(size - 1)]
        for t in self.workers:
            t.start()

    def _loop(self) -> None:
        _local.in_worker = True
        seen = 0
        while True:
            with self.cond:
                while not self.stopping and (self.job is None or self.serial == seen):
                    self.cond.wait()
                if self.stopping:
                    return
                job, seen = self.job, self.serial
            job.work()

    def run(self, fn: Callable[[int], Any], n: int) -> None:
        if not self.busy.acquire(blocking=False):  # another region is running: do ours inline
            _serial(fn, n)
            return
        try:
            job = _Job(fn, n)
            with self.cond:
                self.job, self.serial = job, self.serial + 1
                self.cond.notify_all()
            job.work()
            job.done.wait()
            with self.cond:
                self.job = None
            if job.error is not None:
                raise job.error
        finally:
            self.busy.release()

    def shutdown(self, timeout: float = 1.0) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        for t in self.workers:
            if t is not threading.current_thread():
                t.join(timeout)


def _serial(fn: Callable[[int], Any], n: int) -> None:
    for i in range(n):
        fn(i)


def _get_pool() -> "_Pool | None":
    global _pool
    pin_blas()
    size = num_threads()
    if size <= 1:
        return None
    pool = _pool
    if pool is None:
        with _pool_lock:
            if _pool is None:
                _pool = _Pool(size)
            pool = _pool
    return pool


def parallel_for(n: int, fn: Callable[[int], Any]) -> None:
    """Run `fn(0) ... fn(n-1)` (any order, any thread; each exactly once) and return when all
    are done; the first exception raised by a chunk is re-raised here (chunks not yet started
    are skipped). Chunks must write disjoint outputs."""
    if n <= 0:
        return
    pool = _get_pool()
    if pool is None or n == 1 or getattr(_local, "in_worker", False):
        _serial(fn, n)
    else:
        pool.run(fn, n)


def chunks(total: int, grain: int, max_chunks: int = 64) -> list[tuple[int, int]]:
    """Split range(total) into nearly equal (start, stop) pieces of at least `grain` items
    (at most `max_chunks` pieces). Depends only on its arguments, never on the thread count,
    so results combined per chunk are the same for any pool size."""
    if total <= 0:
        return []
    parts = max(1, min(max_chunks, total // max(grain, 1)))
    base, extra = divmod(total, parts)
    out, start = [], 0
    for k in range(parts):
        stop = start + base + (k < extra)
        out.append((start, stop))
        start = stop
    return out


def map_chunks(bounds: Sequence[tuple[int, int]], fn: Callable[[int, int], Any]) -> None:
    """`parallel_for` over (start, stop) pieces: `fn(start, stop)` for each."""
    parallel_for(len(bounds), lambda k: fn(*bounds[k]))


def _after_fork_in_child() -> None:
    """Threads do not survive fork: forget the parent's pool (a new one starts on first use)."""
    global _pool, _pool_lock, _cpus
    _pool = None
    _pool_lock = threading.Lock()
    _cpus = None
    _local.__dict__.clear()


def _shutdown_at_exit() -> None:
    global _pool
    pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(timeout=0.5)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_shutdown_at_exit)
