"""Device = one array module (`xp`): numpy on CPU, cupy on an NVIDIA GPU.

This is the only backend seam: primitives receive `xp` as their first argument and never
ask which backend they run on. The device is chosen once, through
`set_context(device_target=...)`.
"""
from __future__ import annotations

from typing import Any

import numpy as np


class Device:
    """A compute device. `xp` is its array module; `target` is "CPU" or "GPU"."""

    def __init__(self, target: str = "CPU", device_id: int = 0) -> None:
        target = target.upper()
        if target == "CPU":
            self.xp: Any = np
        elif target == "GPU":
            try:
                import cupy
            except ImportError as e:  # pragma: no cover - needs the gpu extra
                raise RuntimeError("device_target='GPU' needs cupy: pip install 'mindlite[gpu]'") from e
            cupy.cuda.Device(device_id).use()
            self.xp = cupy
        else:
            raise ValueError(f"device_target must be 'CPU' or 'GPU', got {target!r}")
        self.target = target
        self.device_id = device_id

    def asarray(self, data: Any, dtype: Any = None, copy: bool = False) -> Any:
        """Move host data (or another device's array) onto this device."""
        if self.xp is np:
            if copy:
                return np.array(_host(data), dtype=dtype, copy=True)
            return np.asarray(_host(data), dtype=dtype)
        return self.xp.array(data, dtype=dtype, copy=copy) if copy else self.xp.asarray(data, dtype=dtype)

    def __repr__(self) -> str:
        return f"Device({self.target!r}, {self.device_id})"


def _host(data: Any) -> Any:
    """A numpy-compatible view of `data` (cupy arrays are brought to the host)."""
    get = getattr(data, "get", None)
    if get is not None and type(data).__module__.startswith("cupy"):
        return get()
    return data


def to_numpy(arr: Any) -> np.ndarray:
    """A host numpy copy of a device array."""
    return np.array(_host(arr), copy=True)


_current = Device("CPU")


def current_device() -> Device:
    return _current


def set_device(target: str, device_id: int = 0) -> Device:
    """Select the device used from now on (called by `set_context(device_target=...)`)."""
    global _current
    if _current.target != target.upper() or _current.device_id != device_id:
        _current = Device(target, device_id)
        from .prim import set_array_module
        set_array_module(_current.xp)
    return _current
