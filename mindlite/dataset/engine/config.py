"""Global settings of the data pipeline (``mindlite.dataset.config``).

Values are read when an iterator is created, so call ``set_seed`` and friends
before iterating. MindSpore names and defaults: seed 5489 (``std::mt19937``'s
default), 8 parallel workers, prefetch size 16.
"""
from __future__ import annotations

import random
import threading

import numpy as np

_DEFAULT_SEED = 5489
_lock = threading.Lock()
_state = {
    "seed": _DEFAULT_SEED,
    "num_parallel_workers": 8,
    "prefetch_size": 16,
    "enable_shared_mem": True,
    "debug_mode": False,
    "multiprocessing_timeout_interval": 300,
    "auto_num_workers": False,
    "sending_batches": 0,
    "numa_enable": False,
    "enable_watchdog": True,
    "callback_timeout": 0,
    "monitor_sampling_interval": 1000,
}
_global_rng = np.random.default_rng(_DEFAULT_SEED)


def _check_int(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _set(key: str, value) -> None:
    with _lock:
        _state[key] = value


def set_seed(seed: int) -> None:
    """Seed the pipeline; like MindSpore it also seeds ``random`` and ``numpy.random``."""
    global _global_rng
    seed = _check_int("seed", seed, 0)
    _set("seed", seed)
    random.seed(seed)
    np.random.seed(seed % 2 ** 32)
    _global_rng = np.random.default_rng(seed)


def get_seed() -> int:
    return _state["seed"]


def global_rng() -> np.random.Generator:
    """The Generator random transforms use outside a pipeline (re-seeded by ``set_seed``)."""
    return _global_rng


def set_num_parallel_workers(num: int) -> None:
    _set("num_parallel_workers", _check_int("num_parallel_workers", num, 1))


def get_num_parallel_workers() -> int:
    return _state["num_parallel_workers"]


def set_prefetch_size(size: int) -> None:
    """Rows (or batches) each pipeline may hold ahead of the consumer."""
    _set("prefetch_size", _check_int("prefetch_size", size, 1))


def get_prefetch_size() -> int:
    return _state["prefetch_size"]


def set_enable_shared_mem(enable: bool) -> None:
    _set("enable_shared_mem", bool(enable))


def get_enable_shared_mem() -> bool:
    return _state["enable_shared_mem"]


def set_debug_mode(debug_mode_flag: bool, debug_hook_list=None) -> None:
    """Accepted for compatibility: errors are always raised eagerly with the row index."""
    _set("debug_mode", bool(debug_mode_flag))


def get_debug_mode() -> bool:
    return _state["debug_mode"]


def _make_accessors(key: str):
    def setter(value):
        _set(key, value)

    def getter():
        return _state[key]
    return setter, getter


_INT32_MAX = 2 ** 31 - 1


def set_multiprocessing_timeout_interval(interval: int) -> None:
    """Seconds (MindSpore's default 300) that govern waits on worker processes.

    As in MindSpore, a warning is logged every `interval` seconds while the pipeline waits
    for a row from worker processes that are alive and busy. In addition, a worker process
    that shows no sign of life (its heartbeat stops: stopped by SIGSTOP, frozen, or stuck
    in a call holding the GIL) for `interval` seconds makes the pipeline raise a
    RuntimeError naming the worker and its row, instead of waiting forever.
    Raises TypeError unless an int, ValueError unless 0 < interval <= 2**31 - 1.
    """
    if isinstance(interval, bool) or not isinstance(interval, (int, np.integer)):
        raise TypeError(f"set_multiprocessing_timeout_interval: interval must be an int, got "
                        f"{type(interval).__name__}")
    if not 0 < interval <= _INT32_MAX:
        raise ValueError(f"set_multiprocessing_timeout_interval: interval must be in (0, {_INT32_MAX}], got {interval}")
    _set("multiprocessing_timeout_interval", int(interval))


def get_multiprocessing_timeout_interval() -> int:
    """The interval set by `set_multiprocessing_timeout_interval` (default 300 seconds)."""
    return _state["multiprocessing_timeout_interval"]


# Accepted and stored for compatibility; the engine does not need them.
set_auto_num_workers, get_auto_num_workers = _make_accessors("auto_num_workers")
set_sending_batches, get_sending_batches = _make_accessors("sending_batches")
set_numa_enable, get_numa_enable = _make_accessors("numa_enable")
set_enable_watchdog, get_enable_watchdog = _make_accessors("enable_watchdog")
set_callback_timeout, get_callback_timeout = _make_accessors("callback_timeout")
set_monitor_sampling_interval, get_monitor_sampling_interval = _make_accessors("monitor_sampling_interval")


def load(file) -> None:
    """Load settings from a JSON file with MindSpore's keys (``seed``, ``numParallelWorkers``...)."""
    import json
    with open(file) as f:
        cfg = json.load(f)
    keys = {"seed": set_seed, "numParallelWorkers": set_num_parallel_workers,
            "num_parallel_workers": set_num_parallel_workers, "prefetchSize": set_prefetch_size,
            "prefetch_size": set_prefetch_size}
    for key, value in cfg.items():
        if key in keys:
            keys[key](value)


__all__ = [name for name in dir() if name.startswith(("set_", "get_"))] + ["load"]
