"""NVRTC through ctypes: compile generated CUDA C++ to a cubin (or PTX) with no GPU and no
driver, so every generated kernel can be compile-checked on a developer machine. The
library comes from the `codegen` extra (NVIDIA's NVRTC wheel) or a system CUDA."""
from __future__ import annotations

import ctypes
import glob
import os
from typing import Any

_NVRTC: Any = None
NVRTC_HINT = "pip install 'mindlite[codegen]'  (the NVRTC wheel: cuda-toolkit[nvrtc]==13.*)"


def _load_nvrtc() -> Any:
    global _NVRTC
    if _NVRTC is not None:
        return _NVRTC
    import importlib.util
    candidates: list[str] = []
    spec = importlib.util.find_spec("nvidia")
    for root in (spec.submodule_search_locations or []) if spec else []:
        candidates += sorted(glob.glob(os.path.join(root, "*", "lib", "libnvrtc.so*")), reverse=True)
    import ctypes.util
    found = ctypes.util.find_library("nvrtc")
    candidates += [found] if found else []
    for path in candidates:
        if "builtins" in os.path.basename(path):
            continue
        try:
            _NVRTC = ctypes.CDLL(path)
            return _NVRTC
        except OSError:
            continue
    raise ImportError(f"NVRTC (libnvrtc) is not installed: {NVRTC_HINT}")


def nvrtc_available() -> bool:
    try:
        _load_nvrtc()
        return True
    except ImportError:
        return False


def nvrtc_check(src: str, arch: str = "sm_90", name: str = "kernel.cu", ptx: bool = False) -> bytes:
    """Compile CUDA C++ source with NVRTC and return the cubin (or PTX with `ptx=True`).

    Needs no GPU and no driver. Raises ImportError (with the install hint) without NVRTC,
    and RuntimeError carrying the compiler log when the source does not compile."""
    lib = _load_nvrtc()
    prog = ctypes.c_void_p()
    _nvrtc_call(lib, "nvrtcCreateProgram", ctypes.byref(prog), src.encode(), name.encode(), 0, None, None)
    try:
        target = f"--gpu-architecture={arch.replace('sm_', 'compute_') if ptx else arch}"
        opts = [target.encode(), b"--std=c++17"]
        arr = (ctypes.c_char_p * len(opts))(*opts)
        rc = lib.nvrtcCompileProgram(prog, len(opts), arr)
        if rc != 0:
            raise RuntimeError(f"NVRTC could not compile {name} ({_nvrtc_error(lib, rc)}):\n{_nvrtc_log(lib, prog)}")
        size = ctypes.c_size_t()
        kind = "PTX" if ptx else "CUBIN"
        _nvrtc_call(lib, f"nvrtcGet{kind}Size", prog, ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value)
        _nvrtc_call(lib, f"nvrtcGet{kind}", prog, buf)
        return buf.raw
    finally:
        lib.nvrtcDestroyProgram(ctypes.byref(prog))


def _nvrtc_call(lib: Any, fn: str, *args: Any) -> None:
    rc = getattr(lib, fn)(*args)
    if rc != 0:
        raise RuntimeError(f"NVRTC {fn} failed: {_nvrtc_error(lib, rc)}")


def _nvrtc_error(lib: Any, rc: int) -> str:
    lib.nvrtcGetErrorString.restype = ctypes.c_char_p
    return lib.nvrtcGetErrorString(rc).decode()


def _nvrtc_log(lib: Any, prog: Any) -> str:
    size = ctypes.c_size_t()
    lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    buf = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetProgramLog(prog, buf)
    return buf.value.decode(errors="replace")
