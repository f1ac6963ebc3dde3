"""The `sim` backend: N virtual ranks in one process, one Python thread per rank.

For planner tests and for users without MPI. `spawn(fn, world_size)` runs `fn(*args)` in
`world_size` threads; in each thread `communication.init()` / `get_rank()` see that rank, so
an SPMD training script runs unchanged (trace state is per thread, so every rank may
compile its own graph). Collectives exchange arrays through shared slots: every member
deposits its input, waits for the others, reduces in group order (so every rank gets
bit-identical results), and waits again before the slots are reused. Members that call
different collectives, or shapes that disagree, raise an error naming both ranks; a rank
that fails breaks the barriers, so the others stop instead of hanging.
"""
from __future__ import annotations

import threading
from typing import Any, Callable

import numpy as np

from ._base import Communicator, Group, reduce_arrays


class SimWorld:
    """State shared by the ranks of one `spawn`: a barrier and slots per group."""

    def __init__(self, size: int, timeout: float | None) -> None:
        self.size = size
        self.timeout = timeout
        self._lock = threading.Lock()
        self._groups: dict = {}
        self._barriers: list = []

    def state(self, ranks: tuple) -> tuple:
        with self._lock:
            st = self._groups.get(ranks)
            if st is None:
                b = threading.Barrier(len(ranks), timeout=self.timeout)
                self._barriers.append(b)
                st = self._groups[ranks] = (b, [None] * len(ranks))
            return st

    def abort(self) -> None:
        with self._lock:
            for b in self._barriers:
                b.abort()


class SimCommunicator(Communicator):
    backend = "sim"

    def __init__(self, world: SimWorld, rank: int) -> None:
        super().__init__(rank, world.size)
        self.world = world

    def _exchange(self, op: str, x: Any, g: Group, extra: Any = None) -> list:
        """Deposit (op, x) and return every member's deposit, in group order."""
        barrier, slots = self.world.state(g.ranks)
        slots[g.rank] = (op, x, extra)
        _wait(barrier, op, self.world_rank)
        got = list(slots)
        _wait(barrier, op, self.world_rank)  # nobody reuses the slots before all have read them
        for k, (other_op, y, other_extra) in enumerate(got):
            if other_op != op or other_extra != extra:
                raise RuntimeError(f"sim backend: rank {self.world_rank} called {op}{_args(extra)} but rank "
                                   f"{g.ranks[k]} called {other_op}{_args(other_extra)} in group {list(g.ranks)}")
            if y is not None and (y.shape != x.shape or y.dtype != x.dtype):
                raise RuntimeError(f"sim backend: {op} in group {list(g.ranks)}: rank {self.world_rank} gave "
                                   f"{x.dtype}{list(x.shape)} but rank {g.ranks[k]} gave {y.dtype}{list(y.shape)}")
        return [y for _, y, _ in got]

    def _all_reduce(self, x: Any, op: str, g: Group) -> Any:
        return reduce_arrays(self._exchange("all_reduce", x, g, op), op)

    def _all_gather(self, x: Any, g: Group) -> Any:
        return np.stack(self._exchange("all_gather", x, g))

    def _reduce_scatter(self, stacked: Any, op: str, g: Group) -> Any:
        parts = self._exchange("reduce_scatter", stacked, g, op)
        return reduce_arrays([p[g.rank] for p in parts], op)

    def _all_to_all(self, stacked: Any, g: Group) -> Any:
        parts = self._exchange("all_to_all", stacked, g)
        return np.stack([p[g.rank] for p in parts])

    def _broadcast(self, x: Any, root_index: int, g: Group) -> Any:
        parts = self._exchange("broadcast", x, g, root_index)
        return parts[root_index].copy()

    def _barrier(self, g: Group) -> None:
        self._exchange("barrier", np.zeros(0, np.uint8), g)


def _args(extra: Any) -> str:
    return "" if extra is None else f"({extra})"


def _wait(barrier: threading.Barrier, op: str, rank: int) -> None:
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        raise RuntimeError(f"sim backend: rank {rank} stopped waiting in {op}: another rank failed or did not "
                           f"reach the same collective in time") from None


def spawn(fn: Callable[..., Any], world_size: int, *args: Any, timeout: float | None = 120.0) -> list:
    """Run `fn(*args)` on `world_size` virtual ranks (threads); return the results by rank.

    Inside `fn`, `mindlite.communication.init()` (any backend name, or "sim") binds that
    rank. If a rank raises, the others are stopped and the first error is raised here with
    its rank. `timeout` bounds each wait in a collective (seconds, None for no bound).
    """
    from . import management
    if isinstance(world_size, bool) or not isinstance(world_size, int) or world_size < 1:
        raise ValueError(f"sim.spawn: world_size must be a positive int, got {world_size!r}")
    world = SimWorld(world_size, timeout)
    results: list = [None] * world_size
    errors: list = [None] * world_size

    def run(rank: int) -> None:
        management._bind_thread(SimCommunicator(world, rank))
        try:
            results[rank] = fn(*args)
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller with the rank
            errors[rank] = e
            world.abort()
        finally:
            management._bind_thread(None)

    threads = [threading.Thread(target=run, args=(r,), name=f"sim-rank-{r}", daemon=True)
               for r in range(world_size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # report a rank's own error before the "another rank failed" errors it caused
    first = next((r for r, e in enumerate(errors) if e is not None and not _is_abort(e)), None)
    if first is None:
        first = next((r for r, e in enumerate(errors) if e is not None), None)
    if first is not None:
        raise RuntimeError(f"sim rank {first} of {world_size} failed: {type(errors[first]).__name__}: "
                           f"{errors[first]}") from errors[first]
    return results


def _is_abort(e: BaseException) -> bool:
    return isinstance(e, RuntimeError) and "stopped waiting" in str(e)
