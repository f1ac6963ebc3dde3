"""A compiled training step captured once as a CUDA graph and replayed: one host call
per step (GPU_NOTES.md section 3, verified by the probe in benchmarks/RESULTS.md).

The first call
  1. allocates static input buffers from a private memory pool (the graph bakes in every
     address, so nothing else may ever allocate from that pool), the state inputs (the
     parameters and optimizer moments updated in place) as views of one flat buffer per
     dtype, and copies the arguments in;
  2. runs the step once eagerly on a side stream (a real step: it also compiles every
     kernel, builds cuBLAS/cuDNN plans and multi-tensor tables, so nothing during capture
     needs the host);
  3. captures the same call into a CUDA graph. If capture fails (an op that synchronises
     with the host or calls a library that refuses capture), the step runs eagerly from
     then on and the reason is recorded (runtime.paths()).
Each later call copies the arguments whose arrays are not the static ones (a new batch,
the random-number key) into them, orders the side stream after the caller's stream,
launches the graph, and orders the caller's stream after it. State outputs are returned
as the static arrays (the caller rebinds its parameters to them, so from the second step
on parameters need no copy); other outputs are copied, since the next replay overwrites
the static ones.
"""
from __future__ import annotations

import os
import threading
from typing import Any, Sequence

import numpy as np

from .runtime import record_path

ALIGN = 256  # bytes: every state view starts on a 256-byte boundary of its flat buffer


def capture_enabled() -> bool:
    return os.environ.get("MINDLITE_CUDA_GRAPH", "1") != "0"


def flat_layout(shapes: Sequence[tuple], dtypes: Sequence[Any], align: int = ALIGN) -> tuple[dict, dict]:
    """Byte offsets of arrays packed into one flat buffer per dtype: ({k: (dtype name,
    offset)}, {dtype name: total bytes}), in order, each start aligned."""
    offsets: dict[int, tuple] = {}
    totals: dict[str, int] = {}
    for k, (shape, dt) in enumerate(zip(shapes, dtypes)):
        name = np.dtype(dt).name
        start = -(-totals.get(name, 0) // align) * align
        offsets[k] = (name, start)
        totals[name] = start + int(np.prod(shape, dtype=np.int64)) * np.dtype(dt).itemsize
    return offsets, totals


def _ptr(a: Any) -> int:
    data = getattr(a, "data", None)
    if hasattr(data, "ptr"):
        return int(data.ptr)
    return int(a.ctypes.data) if isinstance(a, np.ndarray) else -1


def _same(a: Any, s: Any) -> bool:
    return a is s or (_ptr(a) == _ptr(s) and tuple(a.shape) == tuple(s.shape) and tuple(a.strides) == tuple(s.strides)
                      and a.dtype == s.dtype)


class CudaGraphStep:
    """`compiled(*arrays) -> outputs` run as a captured CUDA graph (see the module docstring).

    state_outs: {output index: input index} of state updated by the step (its new value
    replaces the input's at the caller)."""

    def __init__(self, compiled: Any, xp: Any, state_outs: dict | None, name: str = "step") -> None:
        self.compiled, self.xp, self.name = compiled, xp, name
        self.state_outs = dict(state_outs or {})
        self.mode = "new"   # new -> graph | eager
        self.reason = ""
        self.replays = 0
        self._lock = threading.Lock()
        self.pool = self.stream = self.graph = None
        self.static_in: list = []
        self.static_out: list = []

    @property
    def graph_module(self) -> Any:
        return getattr(self.compiled, "graph", None)

    def __call__(self, *args: Any) -> list:
        if self.mode == "eager":
            return self.compiled(*args)
        if self.mode == "new":
            with self._lock:
                if self.mode == "new":
                    return self._first(args)
        if self.mode == "eager":
            return self.compiled(*args)
        return self._replay(args)

    # ---- first call: static buffers, warm-up, capture ------------------------------------------------
    def _static_inputs(self, args: Sequence[Any]) -> list:
        xp = self.xp
        state = sorted(set(self.state_outs.values()))
        offsets, totals = flat_layout([args[k].shape for k in state], [args[k].dtype for k in state])
        flats = {name: xp.empty(max(total, 1), np.uint8) for name, total in totals.items()}
        static = [None] * len(args)
        for j, k in enumerate(state):
            name, off = offsets[j]
            a = args[k]
            nbytes = int(np.prod(a.shape, dtype=np.int64)) * np.dtype(a.dtype).itemsize
            static[k] = flats[name][off:off + nbytes].view(a.dtype).reshape(a.shape)
        for k, a in enumerate(args):
            if static[k] is None:
                static[k] = xp.empty(a.shape, a.dtype)
        for a, s in zip(args, static):
            s[...] = a if not isinstance(a, np.ndarray) else xp.asarray(a)
        self._flats = flats
        return static

    def _first(self, args: Sequence[Any]) -> list:
        xp = self.xp
        user = xp.cuda.get_current_stream()
        self.pool = xp.cuda.MemoryPool()
        self.stream = xp.cuda.Stream(non_blocking=True)
        with xp.cuda.using_allocator(self.pool.malloc):
            self.static_in = self._static_inputs(args)
            self.stream.wait_event(user.record())
            with self.stream:
                outs = list(self.compiled(*self.static_in))  # warm-up: a real step
                try:
                    self.stream.begin_capture()
                    try:
                        captured = list(self.compiled(*self.static_in))
                    finally:
                        graph = self.stream.end_capture()
                    graph.upload(self.stream)
                except Exception as e:  # noqa: BLE001 - capture refused: run eagerly, say why
                    self.mode, self.reason = "eager", f"{type(e).__name__}: {e}"
                    record_path("training step", "eager (no CUDA graph)", self.reason)
                    captured, graph = None, None
        user.wait_event(self.stream.record())
        if graph is not None:
            self.graph, self.static_out, self.mode = graph, captured, "graph"
            record_path("training step", "one CUDA graph", self.name)
        return self._results(outs)

    def _results(self, outs: list) -> list:
        """State outputs as they are (static arrays); others copied on the caller's stream,
        from the default pool (the graph's pool must never hand out memory again)."""
        return [o if k in self.state_outs or not hasattr(o, "copy") else o.copy() for k, o in enumerate(outs)]

    # ---- later calls: copy changed inputs, replay -------------------------------------------------------
    def _replay(self, args: Sequence[Any]) -> list:
        xp = self.xp
        user = xp.cuda.get_current_stream()
        self.stream.wait_event(user.record())
        with self.stream:
            for a, s in zip(args, self.static_in):
                if not _same(a, s):
                    s[...] = a if not isinstance(a, np.ndarray) else xp.asarray(a)
            self.graph.launch(self.stream)
        user.wait_event(self.stream.record())
        self.replays += 1
        return self._results(self.static_out)
