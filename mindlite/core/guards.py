"""Guards: the Python values a compiled graph baked in as constants.

While a function is traced, reads of plain Python values - attributes of the Cells being
compiled (`self.k`), and globals or closure variables the traced code names - are
recorded. A compiled graph is reused only while every recorded value is unchanged; a
change recompiles (as torch.compile's guards do). Reading Cell attributes is recorded by
giving each Cell of the tree, for the duration of the trace only, a subclass whose
`__getattribute__` notes simple values: eager calls pay nothing.
"""
from __future__ import annotations

import types
from typing import Any, Iterable

from .prim import STATE

_SIMPLE = (bool, int, float, complex, str, bytes, type(None))
_MISSING = object()


def _simple(v: Any) -> bool:
    if isinstance(v, tuple):
        return all(_simple(x) for x in v)
    return type(v) in _SIMPLE


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b or (a != a and b != b)  # NaN equals itself here


class Guard:
    """One recorded value: `where` names it for messages."""

    __slots__ = ("kind", "obj", "name", "value", "where")

    def __init__(self, kind: str, obj: Any, name: str, value: Any, where: str) -> None:
        self.kind, self.obj, self.name, self.value, self.where = kind, obj, name, value, where

    def current(self) -> Any:
        if self.kind == "attr":
            return self.obj.__dict__.get(self.name, _MISSING)
        if self.kind == "global":
            return self.obj.get(self.name, _MISSING)
        try:  # closure cell
            return self.obj.cell_contents
        except ValueError:
            return _MISSING

    def holds(self) -> bool:
        return _same(self.current(), self.value)


class GuardSet:
    def __init__(self) -> None:
        self.guards: dict[tuple, Guard] = {}

    def add(self, kind: str, obj: Any, name: str, value: Any, where: str) -> None:
        key = (kind, id(obj), name)
        if key not in self.guards:
            self.guards[key] = Guard(kind, obj, name, value, where)

    def holds(self) -> bool:
        for g in self.guards.values():
            if not g.holds():
                return False
        return True

    def first_broken(self) -> Guard | None:
        for g in self.guards.values():
            if not g.holds():
                return g
        return None

    def __len__(self) -> int:
        return len(self.guards)

    # ---- what the traced code names ---------------------------------------------------------
    def add_code_constants(self, fn: Any) -> None:
        """Globals and closure variables with simple values that `fn`'s code names."""
        fn = getattr(fn, "__func__", fn)
        if not isinstance(fn, types.FunctionType):
            return
        code, glb = fn.__code__, fn.__globals__
        for name in code.co_names:
            v = glb.get(name, _MISSING)
            if v is not _MISSING and _simple(v):
                self.add("global", glb, name, v, f"global {name!r} of {fn.__module__}")
        for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
            try:
                v = cell.cell_contents
            except ValueError:
                continue
            if _simple(v):
                self.add("closure", cell, name, v, f"closure variable {name!r} of {fn.__qualname__}")


_RECORDING: dict[type, type] = {}


def _recording_class(cls: type) -> type:
    sub = _RECORDING.get(cls)
    if sub is None:
        def __getattribute__(self: Any, name: str) -> Any:
            v = super(sub, self).__getattribute__(name)  # type: ignore[misc]
            g = STATE.guards
            if g is not None and not name.startswith("__") and _simple(v):
                d = super(sub, self).__getattribute__("__dict__")  # type: ignore[misc]
                if name in d and d[name] is v:
                    g.add("attr", self, name, v, f"attribute {type(self).__name__}.{name}")
            return v
        sub = types.new_class(cls.__name__, (cls,), {}, lambda ns: ns.update(
            __getattribute__=__getattribute__, __module__=cls.__module__, __qualname__=cls.__qualname__,
            _guard_recording=True))
        _RECORDING[cls] = sub
    return sub


class recording:
    """Context manager: record the guards of one trace into `self.guards`.

    `objects` are the Cells whose attribute reads are recorded."""

    def __init__(self, objects: Iterable[Any], functions: Iterable[Any]) -> None:
        self.objects = list(objects)
        self.functions = list(functions)
        self.guards = GuardSet()
        self._swapped: list = []

    def __enter__(self) -> GuardSet:
        self._prev = STATE.guards
        STATE.guards = self.guards
        for obj in self.objects:
            cls = type(obj)
            if getattr(cls, "_guard_recording", False):
                continue
            try:
                obj.__class__ = _recording_class(cls)
            except TypeError:  # a layout that cannot take a subclass: its reads go unguarded
                continue
            self._swapped.append((obj, cls))
        for fn in self.functions:
            self.guards.add_code_constants(fn)
        return self.guards

    def __exit__(self, *exc: Any) -> None:
        STATE.guards = self._prev
        for obj, cls in self._swapped:
            obj.__class__ = cls
