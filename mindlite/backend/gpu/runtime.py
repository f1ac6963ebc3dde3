"""Kernel runners: where generated kernels are compiled and launched, and which path ran.

A runner owns an array module and knows how to compile a `RawKernel` (codegen_cuda.py) and
launch it; GEMMs and convolutions go through it too:
  * `CupyRunner`: NVRTC through `cupy.RawModule`, each module compiled once per process and
    cached by (source hash, entry, arch) - the source holds the region's structure, its
    shapes, strides and dtypes, so that key is the region hash plus dtypes plus arch - and on
    disk by cupy (`CUPY_CACHE_DIR`); launches on cupy's current stream; GEMMs through cuBLAS
    called directly (cublas.py), convolutions through cuDNN where its frontend is installed.
  * numpy has no runner: the gpu primitives run their numpy reference there. Tests install a
    host runner (the same C built for the CPU) with `set_runner` to check launchers end to end.

`record_path(op, path, reason)` notes which implementation an op took (cuDNN or im2col +
cuBLAS, a generated kernel or the cupy op); `paths()` reports the counts and first reasons,
and the first use of each (op, path) is logged at INFO.
"""
from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections import Counter
from typing import Any

import numpy as np

from ..codegen_cuda import RawKernel

log = logging.getLogger("mindlite.gpu")

_RUNNERS: dict[int, Any] = {}
_LOCK = threading.Lock()


def runner_for(xp: Any) -> Any:
    """The runner of array module `xp` (made on first use for cupy), or None."""
    r = _RUNNERS.get(id(xp))
    if r is None and getattr(xp, "__name__", "") == "cupy":
        with _LOCK:
            r = _RUNNERS.get(id(xp))
            if r is None:
                r = _RUNNERS[id(xp)] = CupyRunner(xp)
    return r


def set_runner(xp: Any, runner: Any) -> Any:
    """Install `runner` for `xp` (None removes it); returns the previous one."""
    with _LOCK:
        prev = _RUNNERS.pop(id(xp), None)
        if runner is not None:
            _RUNNERS[id(xp)] = runner
    return prev


def kernel_key(kernel: RawKernel, arch: str) -> tuple:
    """Cache key of a compiled kernel: its source's hash, entry name and target arch."""
    return hashlib.sha1(kernel.source.encode()).hexdigest(), kernel.name, arch


class KernelCache:
    """Compiled kernels by `kernel_key`; `compiles` counts the compilations (each kernel once)."""

    def __init__(self, compile_fn: Any, arch: str) -> None:
        self._compile, self.arch = compile_fn, arch
        self._fns: dict[tuple, Any] = {}
        self.compiles = 0
        self._lock = threading.Lock()

    def get(self, kernel: RawKernel) -> Any:
        key = kernel_key(kernel, self.arch)
        fn = self._fns.get(key)
        if fn is None:
            with self._lock:
                fn = self._fns.get(key)
                if fn is None:
                    fn = self._fns[key] = self._compile(kernel)
                    self.compiles += 1
        return fn

    def __len__(self) -> int:
        return len(self._fns)


def geometry(kernel: RawKernel, lanes: int, sm_count: int) -> tuple[int, int]:
    """(blocks, threads per block) for a grid-stride kernel covering `kernel.work` items;
    row kernels (kernel.rows) spend `lanes` threads per row. Enough blocks to fill the
    device a few times over; the loops cover the rest."""
    block = kernel.per_block
    threads = kernel.work * (lanes if kernel.rows else 1)
    blocks = max(1, min(math.ceil(threads / block), sm_count * 32))
    return blocks, block


_SCALAR = {"int": np.int32, "long long": np.int64, "unsigned long long": np.uint64, "float": np.float32,
           "double": np.float64, "unsigned int": np.uint32, "bool": np.bool_, "signed char": np.int8,
           "short": np.int16, "unsigned char": np.uint8, "unsigned short": np.uint16}


def scalar_arg(ctype_text: str, value: Any) -> Any:
    """A by-value kernel argument converted to its parameter's C type (cupy and ctypes both
    take numpy scalars of the exact width)."""
    base = ctype_text.replace("const ", "").strip()
    if base not in _SCALAR:
        raise TypeError(f"kernel parameter of C type {ctype_text!r} is not a supported scalar")
    return _SCALAR[base](value)


class CupyRunner:
    """Compiles with NVRTC (cupy.RawModule) and launches on cupy's current stream."""

    lanes = 32  # TE_LANES on the device: a row kernel's warp

    def __init__(self, cp: Any) -> None:
        self.xp = cp
        dev = cp.cuda.Device()
        self.arch = f"sm_{dev.compute_capability}"
        self.sm_count = int(dev.attributes["MultiProcessorCount"])
        self.cache = KernelCache(self._compile, self.arch)
        self._blas: Any = None
        self._conv: Any = None

    def _compile(self, kernel: RawKernel) -> Any:
        mod = self.xp.RawModule(code=kernel.source, backend="nvrtc")  # cupy 14 compiles as C++17
        return mod.get_function(kernel.name)

    def prebuild(self, kernels: list) -> None:
        """Compile many kernels as one module (one NVRTC run) and seed the cache with them."""
        from ..codegen_cuda import translation_unit
        todo = [k for k in kernels if kernel_key(k, self.arch) not in self.cache._fns]
        if not todo:
            return
        mod = self.xp.RawModule(code=translation_unit(todo), backend="nvrtc")
        for k in todo:
            self.cache._fns[kernel_key(k, self.arch)] = mod.get_function(k.name)
        self.cache.compiles += 1

    def launch(self, kernel: RawKernel, args: list, blocks: int | None = None) -> None:
        fn = self.cache.get(kernel)
        grid, block = geometry(kernel, self.lanes, self.sm_count)
        if blocks is not None:
            grid = max(1, min(blocks, self.sm_count * 32))
        fn((grid,), (block,), tuple(a if hasattr(a, "data") and hasattr(a, "shape") else scalar_arg(t, a)
                                    for (t, _), a in zip(kernel.params, args)))

    def pointer(self, a: Any) -> int:
        return int(a.data.ptr)

    def to_device(self, host: np.ndarray) -> Any:
        return self.xp.asarray(host)

    @property
    def blas(self) -> Any:
        if self._blas is None:
            from .cublas import Cublas
            self._blas = Cublas(self.xp)
        return self._blas

    def gemm(self, plan: Any, a: Any, b: Any, c: Any) -> None:
        self.blas.run(plan, a, b, c)

    @property
    def conv(self) -> Any:
        if self._conv is None:
            from .conv import CudnnConvs
            self._conv = CudnnConvs(self.xp)
        return self._conv


# ---- which path ran -------------------------------------------------------------------------------
_PATHS: Counter = Counter()
_REASONS: dict[tuple, str] = {}


def record_path(op: str, path: str, reason: str = "") -> None:
    """Note that `op` ran (or was planned) through `path`; the first time, log why."""
    key = (op, path)
    if key not in _PATHS:
        _REASONS[key] = reason
        log.info("%s: %s%s", op, path, f" ({reason})" if reason else "")
    _PATHS[key] += 1


def paths() -> dict:
    """{(op, path): (count, first reason)} since the last `reset_paths()`."""
    return {k: (n, _REASONS.get(k, "")) for k, n in _PATHS.items()}


def reset_paths() -> None:
    _PATHS.clear()
    _REASONS.clear()
