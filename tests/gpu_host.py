"""The generated CUDA kernels built for the CPU: a host runner for tests on machines
without a GPU.

Each `RawKernel`'s exact source is compiled with the system C++ compiler behind a small
shim (`__global__` and friends as no-ops, `blockIdx`/`threadIdx` as globals, the CUDA
intrinsics the generator uses written out) and launched by running every thread of
every block one after another. That is faithful for the generated kernels, whose
threads never talk to each other - the row kernels' warp reductions become one-lane
reductions (`TE_LANES` is 1 off the device), the only code not exercised here. The
half-precision conversions run their integer form (`#else` branch), not the device PTX.

`HostRunner` has the runner interface of mindlite/backend/gpu/runtime.py over numpy, so the
gpu primitives' launchers (argument marshalling, strides, in-place outputs, multi-tensor
tables, GEMM plans) run end to end on the CPU.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from typing import Any

import numpy as np

from mindlite.backend.gpu import runtime

CXX = shutil.which("g++") or shutil.which("c++")

SHIM = r"""
#include <cmath>
#include <cstring>
#include <cstdint>
using namespace std;
#define __global__
#define __device__
#define __forceinline__ inline
struct te_dim3 { unsigned int x, y, z; };
static te_dim3 blockIdx, blockDim, threadIdx, gridDim;
static inline float __uint_as_float(unsigned int u) { float f; memcpy(&f, &u, 4); return f; }
static inline unsigned int __float_as_uint(float f) { unsigned int u; memcpy(&u, &f, 4); return u; }
static inline float __int_as_float(int u) { float f; memcpy(&f, &u, 4); return f; }
static inline double __longlong_as_double(long long u) { double f; memcpy(&f, &u, 8); return f; }
static inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
  return (unsigned long long)(((unsigned __int128)a * b) >> 64); }
static inline float rsqrt(float x) { return 1.0f / sqrtf(x); }
static inline double rsqrt(double x) { return 1.0 / sqrt(x); }
"""

_CT = {"int": ctypes.c_int32, "long long": ctypes.c_int64, "unsigned long long": ctypes.c_uint64,
       "float": ctypes.c_float, "double": ctypes.c_double, "unsigned int": ctypes.c_uint32, "bool": ctypes.c_bool}


def available() -> bool:
    return CXX is not None


def _plain(t: str) -> str:
    return t.replace("__restrict__", "").strip()


class HostKernel:
    def __init__(self, kernel: Any, lib: Any, symbol: str = "te_host_launch") -> None:
        self.kernel, self.fn = kernel, getattr(lib, symbol)
        self.fn.argtypes = [ctypes.c_uint, ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p)]
        self.fn.restype = None

    def __call__(self, grid: int, block: int, args: list) -> None:
        vals = []
        for (t, name), a in zip(self.kernel.params, args):
            if "*" in t:
                addr = a if isinstance(a, int) else a.ctypes.data
                vals.append(ctypes.c_void_p(addr))
            else:
                vals.append(_CT[_plain(t).replace("const ", "").strip()](a))
        argv = (ctypes.c_void_p * len(vals))(*[ctypes.addressof(v) for v in vals])
        self.fn(grid, block, argv)


_BUILD_DIR = tempfile.mkdtemp(prefix="mindlite_host_kernels_")


def build(kernel: Any) -> HostKernel:
    """Compile one kernel's source for the CPU (cached by source hash)."""
    casts = ", ".join(f"*({_plain(t)}*)a[{k}]" for k, (t, _) in enumerate(kernel.params))
    src = (SHIM + kernel.source + "\n"
           f'extern "C" void te_host_launch(unsigned grid, unsigned block, void** a) {{\n'
           f"  gridDim.x = grid; blockDim.x = block; gridDim.y = gridDim.z = blockDim.y = blockDim.z = 1;\n"
           f"  for (unsigned b = 0; b < grid; ++b) for (unsigned t = 0; t < block; ++t) {{\n"
           f"    blockIdx.x = b; threadIdx.x = t; {kernel.name}({casts});\n  }}\n}}\n")
    h = hashlib.sha1(src.encode()).hexdigest()[:20]
    so = os.path.join(_BUILD_DIR, f"k{h}.so")
    if not os.path.exists(so):
        cpp = os.path.join(_BUILD_DIR, f"k{h}.cpp")
        with open(cpp, "w") as f:
            f.write(src)
        r = subprocess.run([CXX, "-O1", "-std=c++17", "-shared", "-fPIC", "-w", "-o", so, cpp],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"host build of {kernel.name} failed:\n{r.stderr[:4000]}\n--- source ---\n{src}")
    return HostKernel(kernel, ctypes.CDLL(so))


def translation_unit(kernels: list) -> str:
    from mindlite.backend import codegen_cuda as cg
    return cg.translation_unit(kernels)


def build_many(kernels: list) -> dict:
    """Host builds of many kernels from one compiler run: {kernel name: HostKernel}."""
    kernels = list({k.name: k for k in kernels}.values())
    wrappers = []
    for k in kernels:
        casts = ", ".join(f"*({_plain(t)}*)a[{j}]" for j, (t, _) in enumerate(k.params))
        wrappers.append(f'extern "C" void te_host_launch_{k.name}(unsigned grid, unsigned block, void** a) {{\n'
                        f"  gridDim.x = grid; blockDim.x = block; gridDim.y = gridDim.z = blockDim.y = blockDim.z = 1;\n"
                        f"  for (unsigned b = 0; b < grid; ++b) for (unsigned t = 0; t < block; ++t) {{\n"
                        f"    blockIdx.x = b; threadIdx.x = t; {k.name}({casts});\n  }}\n}}\n")
    src = SHIM + translation_unit(kernels) + "\n" + "".join(wrappers)
    h = hashlib.sha1(src.encode()).hexdigest()[:20]
    so = os.path.join(_BUILD_DIR, f"m{h}.so")
    if not os.path.exists(so):
        cpp = os.path.join(_BUILD_DIR, f"m{h}.cpp")
        with open(cpp, "w") as f:
            f.write(src)
        r = subprocess.run([CXX, "-O1", "-std=c++17", "-shared", "-fPIC", "-w", "-o", so, cpp],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"host build failed:\n{r.stderr[:4000]}")
    lib = ctypes.CDLL(so)
    return {k.name: HostKernel(k, lib, f"te_host_launch_{k.name}") for k in kernels}


class HostRunner:
    """The runner interface over numpy, launching host builds of the generated kernels."""

    lanes = 1
    arch = "host"
    sm_count = 1

    def __init__(self, grid: int = 3, block: int = 5) -> None:
        self.xp = np
        self.grid, self.block = grid, block  # odd sizes exercise the grid-stride loops
        self.cache = runtime.KernelCache(build, self.arch)
        self.launches: list[str] = []
        self._keep: list = []

    def prebuild(self, kernels: list) -> None:
        """Compile many kernels in one compiler run and seed the cache with them."""
        built = build_many(kernels)
        for k in kernels:
            self.cache._fns[runtime.kernel_key(k, self.arch)] = built[k.name]

    def launch(self, kernel: Any, args: list, blocks: int | None = None) -> None:
        self.launches.append(kernel.name)
        # numpy reductions return scalars where cupy returns 0-d arrays
        args = [np.asarray(a) if isinstance(a, np.generic) else a for a in args]
        args = [a.view(np.uint16) if isinstance(a, np.ndarray) and a.dtype.name == "bfloat16" else a for a in args]
        self.cache.get(kernel)(self.grid, self.block, args)

    def pointer(self, a: np.ndarray) -> int:
        return int(a.ctypes.data)

    def to_device(self, host: np.ndarray) -> np.ndarray:
        arr = np.ascontiguousarray(host)
        self._keep.append(arr)
        return arr

    def gemm(self, plan: Any, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
        from mindlite.backend.gpu.cublas import run_plan_on_host
        run_plan_on_host(plan, a, b, c)

    @property
    def conv(self) -> Any:
        return None  # no cuDNN on the host: convolutions take the im2col + GEMM path
