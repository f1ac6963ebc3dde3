"""`set_context` / `get_context`: the run mode, the device and the debug flags.

Every debug flag of the project is declared here once (no scattered os.getenv).
"""
from __future__ import annotations

import logging
import os
from typing import Any

GRAPH_MODE = 0
PYNATIVE_MODE = 1

_log = logging.getLogger("mindlite")

# keys we implement, with their defaults
_DEFAULTS: dict[str, Any] = {
    "mode": PYNATIVE_MODE,
    "device_target": "CPU",
    "device_id": 0,
    "save_graphs": False,
    "save_graphs_path": ".",
    "max_call_depth": 1000,
    "jit_syntax_level": 2,
    "deterministic": "OFF",
    # CPU threads of mindlite's own pool (core/threads.py); 0: one per CPU this process may use
    "runtime_num_threads": 0,
    # True keeps convolutions and pooling in NCHW on CPU; False lets them compute channels-last
    # (NHWC memory behind the same NCHW-shaped tensors, ops/conv_cl.py)
    "disable_format_transform": False,
}
# keys MindSpore accepts that change nothing here: accepted, logged once
_IGNORED = {
    "max_device_memory", "variable_memory_max_size", "mempool_block_size", "enable_graph_kernel",
    "graph_kernel_flags", "ascend_config", "jit_config", "enable_compile_cache", "compile_cache_path",
    "inter_op_parallel_num", "pynative_synchronize", "memory_optimize_level",
    "enable_reduce_precision", "check_bprop", "print_file_path", "env_config_path", "precompile_only",
    "enable_profiling", "profiling_options", "auto_tune_mode", "op_timeout",
    "gpu_config", "aoe_tune_mode", "aoe_config", "save_dump_path", "enable_task_sink", "enable_loop_sink",
    "enable_mem_reuse", "enable_auto_mixed_precision", "save_ms_model", "save_ms_model_path", "enable_dump",
    "reserve_class_name_in_scope", "enable_ge", "enable_sparse", "device_num", "memory_offload",
}
_context: dict[str, Any] = dict(_DEFAULTS)

# Debug flags (environment), declared once.
CHECK = os.environ.get("MINDLITE_CHECK", "0") not in ("", "0")  # verify IR after every pass
PROGRESS = os.environ.get("MINDLITE_PROGRESS", "auto")  # "0": no progress bars, "1": always, "auto": on a terminal


def set_context(**kwargs: Any) -> None:
    """`mindlite.set_context(mode=GRAPH_MODE | PYNATIVE_MODE, device_target="CPU" | "GPU", ...)`.

    Unknown keys raise ValueError (as MindSpore does); keys MindSpore has that do not apply
    here are accepted and logged once.
    """
    for key, value in kwargs.items():
        if key == "mode":
            if value not in (GRAPH_MODE, PYNATIVE_MODE):
                raise ValueError(f"set_context: mode must be GRAPH_MODE (0) or PYNATIVE_MODE (1), got {value!r}")
        elif key == "device_target":
            if not isinstance(value, str) or value.upper() not in ("CPU", "GPU", "ASCEND"):
                raise ValueError(f"set_context: device_target must be 'CPU', 'GPU' or 'Ascend', got {value!r}")
            value = value.upper() if value.upper() != "ASCEND" else "Ascend"
            if value == "Ascend":
                _log.warning("device_target='Ascend' is not available in mindlite; using CPU")
                value = "CPU"
            from .device import set_device
            set_device(value, int(kwargs.get("device_id", _context["device_id"])))
        elif key == "device_id":
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"set_context: device_id must be a non-negative int, got {value!r}")
        elif key == "runtime_num_threads":
            from .threads import set_num_threads
            set_num_threads(value)  # validates: a non-negative int
        elif key == "disable_format_transform":
            if not isinstance(value, bool):
                raise ValueError(f"set_context: disable_format_transform must be a bool, got {value!r}")
        elif key in _IGNORED:
            _log.info("set_context(%s=...) has no effect in mindlite", key)
        elif key not in _DEFAULTS:
            raise ValueError(f"set_context: unknown key {key!r}")
        _context[key] = value


def get_context(attr_key: str) -> Any:
    if attr_key not in _context:
        if attr_key in _IGNORED:
            return None
        raise ValueError(f"get_context: unknown key {attr_key!r}")
    return _context[attr_key]


def set_device(device_target: str, device_id: int | None = None) -> None:
    """`mindlite.set_device(device_target, device_id=None)` (MindSpore 2.5+ spelling)."""
    kw: dict[str, Any] = {"device_target": device_target}
    if device_id is not None:
        kw["device_id"] = device_id
    set_context(**kw)
