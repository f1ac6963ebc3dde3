"""The random-number state: a global seed plus a counter (counter-based RNG).

Every random op takes a key `[seed, offset]` as an input tensor and the state advances the
offset once per call, so masks differ call to call, repeat under `set_seed`, and a graph
can take the key as an input. Op-level seeds (`seed=` arguments) get their own counters.
"""
from __future__ import annotations

from typing import Any

import threading

import numpy as np

from .prim import STATE

_DEFAULT_SEED = 0x5EED


class _RngState:
    def __init__(self) -> None:
        self.seed: int | None = None
        self.offsets: dict[int, int] = {}


_STATE = _RngState()
_LOCK = threading.Lock()


def set_seed(seed: int) -> None:
    """`mindlite.set_seed(seed)`: seeds mindlite's random ops, the initializers and numpy."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"set_seed: seed must be a non-negative int, got {seed!r}")
    _STATE.seed = int(seed)
    _STATE.offsets.clear()
    np.random.seed(int(seed) % 2**32)
    root = getattr(STATE.trace, "root", None)
    if root is not None and hasattr(root, "seed_events"):  # inside a function being compiled:
        root.seed_events.append((len(root.rng_inputs), int(seed)))  # replayed on every call


def snapshot() -> tuple:
    """Everything `set_seed` changes (mindlite's state and numpy's global generator)."""
    return _STATE.seed, dict(_STATE.offsets), np.random.get_state()


def restore(snap: tuple) -> None:
    _STATE.seed, offsets, np_state = snap
    _STATE.offsets = dict(offsets)
    np.random.set_state(np_state)


def draw_keys(seeds: list, seed_events: list) -> list:
    """Keys for a compiled graph's random ops (op seeds in trace order), replaying the
    `set_seed` calls the traced function made between them, so each call reseeds where
    PYNATIVE would and draws the same numbers."""
    keys, j = [], 0
    for k, seed in enumerate(seeds):
        while j < len(seed_events) and seed_events[j][0] <= k:
            set_seed(seed_events[j][1])
            j += 1
        keys.append(next_key(seed))
    for _, s in seed_events[j:]:
        set_seed(s)
    return keys


def get_seed() -> int | None:
    return _STATE.seed


def get_state() -> dict:
    """The random-number state (seed and per-seed counters), JSON-serialisable."""
    return {"seed": _STATE.seed, "offsets": {str(k): v for k, v in _STATE.offsets.items()}}


def set_state(state: dict) -> None:
    """Restore a state from `get_state` (used to resume training on the same trajectory)."""
    _STATE.seed = state.get("seed")
    _STATE.offsets = {int(k): int(v) for k, v in state.get("offsets", {}).items()}


def stream_seed(seed: Any = None) -> int:
    """The seed word of the stream an op draws from: the global seed, or it mixed with an
    op-level `seed`."""
    base = _STATE.seed if _STATE.seed is not None else _DEFAULT_SEED
    return base if seed is None else (base * 1_000_003 + int(seed)) % 2**63


def next_key(seed: Any = None) -> np.ndarray:
    """The key for the next random op: `[seed, offset]` as uint64."""
    s = stream_seed(seed)
    with _LOCK:  # threads drawing at once each get their own offset
        off = _STATE.offsets.get(s, 0)
        _STATE.offsets[s] = off + 1
    return np.array([s, off], dtype=np.uint64)


def generator(key: Any) -> np.random.Generator:
    """A numpy Philox generator for a key (host side; results move to the device)."""
    k = np.asarray(key.get() if hasattr(key, "get") else key, dtype=np.uint64)
    return np.random.Generator(np.random.Philox(key=int(k[0]), counter=int(k[1])))
