"""Shared-memory transport for worker processes.

Rows travel to and from worker processes as a small pickled *structure* (tuples
and lists with ``_Ref`` placeholders) plus the array bytes, which are copied
into a ``multiprocessing.shared_memory`` slot owned by the main process. Only
the main process creates and unlinks segments; their names start with
``SHM_PREFIX`` so leaks are easy to spot in ``/dev/shm``.
"""
from __future__ import annotations

import itertools
import os
from multiprocessing import shared_memory

import numpy as np

SHM_PREFIX = "mlds_"
_ALIGN = 64
_SHM_RESERVE = 64 << 20  # leave this much of /dev/shm to others
_counter = itertools.count()


def shm_free_bytes() -> int:
    """Free bytes in /dev/shm (Docker's default is only 64 MiB)."""
    try:
        st = os.statvfs("/dev/shm")
    except OSError:
        return 1 << 62  # no /dev/shm to measure: let the allocation itself decide
    return st.f_bavail * st.f_frsize


class _Ref:
    """Placeholder for the i-th array of a flattened structure."""
    __slots__ = ("i",)

    def __init__(self, i: int):
        self.i = i

    def __reduce__(self):
        return (_Ref, (self.i,))


def _shm_able(a) -> bool:
    return isinstance(a, np.ndarray) and a.dtype.kind not in "OV" and not a.dtype.hasobject


def flatten(obj, arrays: list):
    """Replace each numpy array in nested tuples/lists by a ``_Ref`` and collect it."""
    if _shm_able(obj):
        arrays.append(obj)
        return _Ref(len(arrays) - 1)
    if isinstance(obj, tuple):
        return tuple(flatten(o, arrays) for o in obj)
    if isinstance(obj, list):
        return [flatten(o, arrays) for o in obj]
    return obj


def unflatten(structure, arrays: list):
    if isinstance(structure, _Ref):
        return arrays[structure.i]
    if isinstance(structure, tuple):
        return tuple(unflatten(s, arrays) for s in structure)
    if isinstance(structure, list):
        return [unflatten(s, arrays) for s in structure]
    return structure


def _aligned(n: int) -> int:
    return (n + _ALIGN - 1) // _ALIGN * _ALIGN


def nbytes_needed(arrays: list) -> int:
    return sum(_aligned(a.nbytes) for a in arrays)


def write_arrays(arrays: list, buf) -> list:
    """Copy arrays into ``buf``; returns their (dtype, shape, offset) metadata."""
    metas, offset = [], 0
    for a in arrays:
        view = np.ndarray(a.shape, dtype=a.dtype, buffer=buf, offset=offset)
        view[...] = a
        del view
        metas.append((a.dtype.str, a.shape, offset))
        offset += _aligned(a.nbytes)
    return metas


def read_arrays(metas: list, buf) -> list:
    """Copies of the arrays described by ``metas`` (no view into ``buf`` survives)."""
    out = []
    for dtype, shape, offset in metas:
        view = np.ndarray(shape, dtype=np.dtype(dtype), buffer=buf, offset=offset)
        out.append(view.copy())
        del view
    return out


class Slot:
    """One shared-memory buffer, regrown (under a new name) when a row needs more room."""

    def __init__(self, size: int):
        self.shm = self._create(size)

    @staticmethod
    def _create(size: int) -> shared_memory.SharedMemory:
        name = f"{SHM_PREFIX}{os.getpid()}_{next(_counter)}"
        return shared_memory.SharedMemory(name=name, create=True, size=max(int(size), _ALIGN))

    @property
    def name(self) -> str:
        return self.shm.name

    @property
    def size(self) -> int:
        return self.shm.size

    def ensure(self, size: int) -> bool:
        """Make room for ``size`` bytes; False (slot unchanged) if /dev/shm lacks the space."""
        if size <= self.shm.size:
            return True
        new_size = size + size // 2
        if new_size - self.shm.size > shm_free_bytes() - _SHM_RESERVE:
            return False  # NOTE: writing past a full tmpfs is a SIGBUS; the caller pickles instead
        self.destroy()
        self.shm = self._create(new_size)
        return True

    def destroy(self) -> None:
        if self.shm is None:
            return
        shm, self.shm = self.shm, None
        try:
            shm.close()
        except BufferError:  # NOTE: a live view would keep the mapping; the unlink still frees the name
            pass
        try:
            shm.unlink()
        except FileNotFoundError:
            pass


class Attachments:
    """A worker's cache of attached slots, keyed by slot index."""

    def __init__(self):
        self._by_index: dict[int, shared_memory.SharedMemory] = {}

    def get(self, index: int, name: str) -> shared_memory.SharedMemory:
        shm = self._by_index.get(index)
        if shm is None or shm.name != name:
            if shm is not None:
                shm.close()
            shm = self._by_index[index] = shared_memory.SharedMemory(name=name)
        return shm

    def close(self) -> None:
        for shm in self._by_index.values():
            try:
                shm.close()
            except BufferError:
                pass
        self._by_index.clear()
