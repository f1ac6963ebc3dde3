"""Where random transforms (RandomCrop, RandomApply, ...) get their random numbers.

Two sources, chosen per call by `get_rng()`:

* Inside a pipeline the engine gives every row its own generator, derived from the
  dataset seed, the epoch and the row index. A random crop then yields the same
  pixels whatever the number of workers and whichever worker runs the row.
* Outside a pipeline (eager calls such as `RandomCrop(8)(img)`) one process-wide
  generator is used. It is seeded from `mindlite.dataset.config.get_seed()` and
  re-created whenever that seed changes, so `ds.config.set_seed(s)` makes eager
  calls reproducible too.

The engine hook is looked up lazily and by several names: this package is written
alongside the engine and must keep working (standalone) if the hook is absent.
"""
from __future__ import annotations

import importlib
import threading

import numpy as np

__all__ = ["get_rng", "reset_global_rng"]

_lock = threading.Lock()
_global = {"seed": None, "rng": None}
_hook = {"looked_up": False, "fn": None, "config": None}
_HOOK_NAMES = ("random_state", "current_rng", "row_rng", "get_row_rng")


def _lookup_hooks() -> None:
    """Find the engine's per-row generator function and the dataset config module once."""
    _hook["looked_up"] = True
    for mod_name in ("mindlite.dataset.engine.workers", "mindlite.dataset.engine"):
        try:
            mod = importlib.import_module(mod_name)
        except Exception:  # noqa: BLE001 - engine not written yet or broken: stay standalone
            continue
        for name in _HOOK_NAMES:
            fn = getattr(mod, name, None)
            if callable(fn):
                _hook["fn"] = fn
                break
        if _hook["fn"] is not None:
            break
    for mod_name in ("mindlite.dataset.engine.config", "mindlite.dataset.config"):
        try:
            _hook["config"] = importlib.import_module(mod_name)
            break
        except Exception:  # noqa: BLE001
            continue


def _config_seed():
    cfg = _hook["config"]
    if cfg is None or not hasattr(cfg, "get_seed"):
        return None
    try:
        return cfg.get_seed()
    except Exception:  # noqa: BLE001
        return None


def get_rng() -> np.random.Generator:
    """The generator a random transform must draw from right now (see module doc)."""
    if not _hook["looked_up"]:
        _lookup_hooks()
    fn = _hook["fn"]
    if fn is not None:
        rng = fn()
        if rng is not None:
            return rng
    cfg = _hook["config"]
    if cfg is not None and callable(getattr(cfg, "global_rng", None)):
        return cfg.global_rng()  # the engine's eager generator, re-created by set_seed
    seed = _config_seed()
    with _lock:
        if _global["rng"] is None or seed != _global["seed"]:
            _global["seed"] = seed
            _global["rng"] = np.random.default_rng(seed)
        return _global["rng"]


def reset_global_rng(seed=None) -> None:
    """Restart the eager (out-of-pipeline) stream; `config.set_seed` may call this."""
    with _lock:
        _global["seed"] = seed if seed is not None else _config_seed()
        _global["rng"] = np.random.default_rng(_global["seed"])
