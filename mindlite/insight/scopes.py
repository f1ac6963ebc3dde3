"""Cell scopes of operations: `Default/network-WithLossCell/_backbone-Net/fc1-Dense`.

The IR records where a node came from in the user's source (`Node.loc`), not which Cell
instance made it. Insight recovers the Cell path from the Python stack at the moment an
operation is applied: each Cell invocation has one `Cell._call` frame, so the chain of
those frames is the scope. Operations replayed or differentiated by graph autodiff (their
`_replay` and `backward` frames hold the original node) inherit the original's scope;
gradient operations get the prefix `Gradients/`, as in MindSpore.

Eager operations are named while they run (debugger.py). Graph nodes are named while a
graph is captured: `recording_scopes()` installs a profile hook that notes, at each return
of `GraphTrace.emit`, the scope of the values it made (held weakly, keyed by the IR Var).
Nothing is hooked outside `recording_scopes()`.
"""
from __future__ import annotations

import sys
import threading
import weakref
from contextlib import contextmanager
from typing import Any, Iterator

from ..core import ad, ad_graph
from ..core.graph_trace import GraphTrace
from ..ir.graph import Node
from ..nn.cell import Cell

_EMIT = GraphTrace.emit.__code__
_CALL = Cell._call.__code__
_REPLAY = ad_graph._replay.__code__
_BACKWARD = ad.backward.__code__

SCOPES: "weakref.WeakKeyDictionary[Any, str]" = weakref.WeakKeyDictionary()  # IR Var -> scope
_LOCK = threading.Lock()
ROOT = "Default"
GRADIENTS = "Gradients"


def _child_name(parent: Any, child: Any) -> str:
    cells = getattr(parent, "_cells", None) or {}
    for name, c in cells.items():
        if c is child:
            return f"{name}-{type(child).__name__}"
    return type(child).__name__


def cell_path(cells: list) -> str:
    """The scope of a chain of Cells, outermost first."""
    parts = [ROOT]
    for parent, child in zip(cells, cells[1:]):
        parts.append(_child_name(parent, child))
    return "/".join(parts)


def scope_at(frame: Any, entry_scope: Any = None) -> str:
    """The scope of an operation applied in `frame` (walking outwards).

    `entry_scope(e)` gives the scope of an eager tape entry (for the eager backward walk)."""
    cells: list = []  # innermost first
    f = frame
    while f is not None:
        code = f.f_code
        if code is _CALL:
            cell = f.f_locals.get("self")
            if cell is not None and (not cells or cells[-1] is not cell):
                cells.append(cell)
        elif code is _REPLAY or code is _BACKWARD:
            base = _original_scope(f.f_locals.get("n" if code is _REPLAY else "e"), entry_scope)
            if base is not None:
                if code is _BACKWARD and not base.startswith(GRADIENTS):
                    base = f"{GRADIENTS}/{base}"
                # cells called from inside a bprop (rare) nest under the original's scope
                inner = [type(cells[-1]).__name__] + [_child_name(p, c) for p, c in zip(cells[::-1], cells[-2::-1])] \
                    if cells else []
                return "/".join([base] + inner)
        f = f.f_back
    return cell_path(cells[::-1]) if cells else ROOT


def _original_scope(node: Any, entry_scope: Any) -> str | None:
    if isinstance(node, Node):
        return graph_scope(node.outs[0]) if node.outs else None
    return entry_scope(node) if entry_scope is not None and node is not None else None


def _profile(frame: Any, event: str, arg: Any) -> None:
    if event == "return" and frame.f_code is _EMIT and isinstance(arg, tuple) and arg:
        scope = scope_at(frame.f_back)
        with _LOCK:
            for v in arg:
                SCOPES[v] = scope


@contextmanager
def recording_scopes() -> Iterator[None]:
    """Note the scope of every graph node captured in this thread meanwhile."""
    prev = sys.getprofile()
    if prev is _profile or getattr(prev, "_insight_scopes", False):
        yield  # already recording
        return
    if prev is None:
        hook: Any = _profile
    else:
        def hook(frame: Any, event: str, arg: Any) -> Any:  # keep a profiler that was there
            _profile(frame, event, arg)
            return prev(frame, event, arg)
        hook._insight_scopes = True
    sys.setprofile(hook)
    try:
        yield
    finally:
        sys.setprofile(prev)


def graph_scope(var: Any) -> str | None:
    try:
        return SCOPES.get(var)
    except TypeError:
        return None
