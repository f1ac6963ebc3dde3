"""`convert(fn)`, `show(fn)` and `converted(f)`, the converted call of generated code.

A converted function is built from the converted code (translate.py) with the original
function's globals, defaults and *its own closure cells* (plus two fresh cells for the
runtime helpers): closures stay live, nothing is injected into the user's module, and the
compiled code is shared by every function object with the same code.
"""
from __future__ import annotations

import functools
import logging
import os
import random
import sys
import site
import sysconfig
import types
from typing import Any

import numpy as np

from ..ops import control
from ..core.prim import STATE
from . import runtime
from .build import CTRL, UNDEF
from .translate import translate

_log = logging.getLogger("mindlite.parser")

_STATE = control.STATE  # `.trace` is set while a graph (or autocast) trace runs
_MEMO = {True: "__ml_convert_memo__", False: "__ml_convert_memo_flat__"}  # fn.__dict__ keys


def convert(fn: Any, recursive: bool = True) -> Any:
    """The function with its tensor-dependent control flow rewritten for graph capture.

    `if` / `elif` / `else`, `while`, `for ... in range(...)` and `a if c else b` become
    `mindlite.ops.control.cond` / `while_loop` calls (see mindlite.parser). With
    `recursive=True` every call `f(...)` in it becomes a converted call: while a graph is
    traced, `f` runs converted too (plain functions, lambdas, methods, partials, nested
    functions, recursively), except mindlite's own functions, the standard library and
    installed packages, builtins, classes and Cells. Outside a trace the converted function
    computes exactly what the original does.

    Bound methods (a Cell's `construct`), functools.partial and staticmethod / classmethod
    objects are converted through their function. Generators, async functions, functions
    without source and functions with nothing to convert are returned unchanged (the reason
    is logged at DEBUG on the "mindlite.parser" logger).

    Example:
        >>> def f(x):
        ...     if x.sum() > 0:
        ...         x = helper(x)        # converted too while traced
        ...     return x
        >>> g = mindlite.parser.convert(f)   # g(x) == f(x) in eager mode; captures a cond in a graph
    """
    if isinstance(fn, types.FunctionType):
        return _convert_function(fn, recursive)
    if isinstance(fn, types.MethodType):
        func = convert(fn.__func__, recursive)
        return fn if func is fn.__func__ else types.MethodType(func, fn.__self__)
    if isinstance(fn, functools.partial):
        func = convert(fn.func, recursive)
        return fn if func is fn.func else functools.partial(func, *fn.args, **fn.keywords)
    if isinstance(fn, (staticmethod, classmethod)):
        func = convert(fn.__func__, recursive)
        return fn if func is fn.__func__ else type(fn)(func)
    return fn


def show(fn: Any, recursive: bool = True) -> str:
    """The source that `convert(fn, recursive)` runs, for debugging (the original source if
    nothing changes).

    Defaults and annotations are shown as written; the compiled function reuses the original
    function's default values rather than evaluating them again.

    Raises:
        ValueError: the function's source is not available (exec, builtin).
    """
    if isinstance(fn, (types.MethodType, staticmethod, classmethod)):
        return show(fn.__func__, recursive)
    if isinstance(fn, functools.partial):
        return show(fn.func, recursive)
    if not isinstance(fn, types.FunctionType):
        raise TypeError(f"show: {fn!r} is not a Python function")
    res = translate(getattr(fn, "__wrapped__", fn) if fn.__dict__.get("__ml_converted__") else fn, recursive)
    if res.source is None:
        raise ValueError(f"show: no source for {fn.__qualname__}: {res.reason}")
    return res.source


def _convert_function(fn: types.FunctionType, recursive: bool) -> types.FunctionType:
    d = fn.__dict__
    memo = d.get(_MEMO[recursive])  # called for every traced call: keep it O(1)
    if memo is not None and memo[1] is fn.__code__ and memo[2] is fn.__defaults__ and memo[3] is fn.__kwdefaults__:
        return memo[0]
    if d.get("__ml_converted__"):
        return fn
    res = translate(fn, recursive)
    if res.code is None:
        _log.debug("convert: %s left unchanged: %s", fn.__qualname__, res.reason)
        new = fn
    else:
        new = _instantiate(res.code, fn)
    d[_MEMO[recursive]] = (new, fn.__code__, fn.__defaults__, fn.__kwdefaults__)
    return new


def _instantiate(code: types.CodeType, fn: types.FunctionType) -> types.FunctionType:
    cells = dict(_RUNTIME_CELLS)
    cells.update(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    closure = tuple(cells[name] for name in code.co_freevars)
    new = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = dict(fn.__kwdefaults__) if fn.__kwdefaults__ else None
    for attr in ("__qualname__", "__module__", "__doc__", "__annotations__"):
        setattr(new, attr, getattr(fn, attr))
    new.__dict__.update((k, v) for k, v in fn.__dict__.items() if k not in _MEMO.values())
    new.__wrapped__ = fn  # type: ignore[attr-defined]  # inspect.signature follows it
    new.__ml_converted__ = True  # type: ignore[attr-defined]
    return new


# ---- converted calls -------------------------------------------------------------------------

def converted(f: Any) -> Any:
    """What a converted call `f(...)` calls: while a graph is traced, the converted `f` if `f`
    is user code (function, lambda, method, partial, callable object with a Python
    `__call__`); otherwise `f` itself. Generated code calls it as `converted(f)(*args)`, so
    the call itself runs in the caller's frame."""
    if _STATE.trace is None:
        return f
    kind = type(f)
    if kind is types.FunctionType:
        return _callee(f)
    if isinstance(getattr(f, "__self__", None), _HOST_RANDOM):
        _warn_host_random(f)
        return f
    if kind is types.MethodType:
        func = f.__func__
        new = converted(func)
        return f if new is func else types.MethodType(new, f.__self__)
    if kind in _OPAQUE or isinstance(f, type):
        return f  # builtins, C functions, classes (constructors)
    if isinstance(f, functools.partial):
        func = converted(f.func)
        return f if func is f.func else functools.partial(func, *f.args, **f.keywords)
    if isinstance(f, staticmethod):
        return converted(f.__func__)
    call_fn = getattr(kind, "__call__", None)  # noqa: B004 - the type's, as a call looks it up
    if type(call_fn) is types.FunctionType:  # Cells, Primitives: their __call__ is mindlite's own
        new = _callee(call_fn)
        return f if new is call_fn else types.MethodType(new, f)
    return f


def call(f: Any, *args: Any, **kwargs: Any) -> Any:
    """`f(*args, **kwargs)` as a converted call (see `converted`)."""
    return converted(f)(*args, **kwargs)


# host random generators: numpy's (np.random.rand is a RandomState method) and Python's
# (random.random is a Random method)
_HOST_RANDOM = (np.random.RandomState, np.random.Generator, random.Random)
_WARNED: set = set()


def _warn_host_random(f: Any) -> None:
    """A host random draw while compiling runs once: its value is a constant of the graph,
    where PYNATIVE draws anew on every call. Said once per place in the user's code."""
    frame = sys._getframe(2)  # the converted call's frame: the user's code
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
    name = getattr(f, "__qualname__", getattr(f, "__name__", repr(f)))
    if (where, name) in _WARNED:
        return
    _WARNED.add((where, name))
    _log.warning("mindlite: %s: %s draws on the host while the graph is compiled, once: the compiled graph "
                 "reuses that value on every call (PYNATIVE draws anew). Use mindlite's random ops "
                 "(ops.standard_normal, ops.uniform, ...) to draw on every call.", where, name)


_OPAQUE = frozenset({types.BuiltinFunctionType, types.MethodWrapperType, types.WrapperDescriptorType,
                     types.MethodDescriptorType, types.ClassMethodDescriptorType, type})


def _callee(fn: types.FunctionType) -> types.FunctionType:
    filename = fn.__code__.co_filename
    library = _LIBRARY_FILES.get(filename)
    if library is None:
        library = _LIBRARY_FILES[filename] = _is_library_file(filename)
    if library:
        return fn
    guards = STATE.guards
    if guards is not None:  # a user helper's named globals are baked in too: guard them
        guards.add_code_constants(fn)
    return _convert_function(fn, True)


_LIBRARY_FILES: dict[str, bool] = {}


def _library_dirs() -> tuple[str, ...]:
    """mindlite itself, the standard library and the directories installed packages live in."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dirs = {here}
    paths = sysconfig.get_paths()
    dirs.update(paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths)
    dirs.update(getattr(site, "getsitepackages", list)())
    if site.ENABLE_USER_SITE and site.USER_SITE:
        dirs.add(site.USER_SITE)
    return tuple(sorted({os.path.join(os.path.realpath(d), "") for d in dirs if d}))


_LIBRARY_DIRS = _library_dirs()


def _is_library_file(filename: str) -> bool:
    """Code of mindlite, the standard library or an installed package: never converted."""
    if filename.startswith("<frozen "):
        return True
    path = os.path.realpath(filename)
    return path.startswith(_LIBRARY_DIRS)


# what generated code sees as `__ml_ctrl__`
CTRL_NAMESPACE = types.SimpleNamespace(
    converted=converted, ifexp=runtime.ifexp, cond=runtime.cond, while_loop=runtime.while_loop,
    and_=runtime.and_, or_=runtime.or_, not_=runtime.not_, compare=runtime.compare,
    concrete=runtime.concrete, range_args=runtime.range_args, range_test=runtime.range_test)
_RUNTIME_CELLS = {CTRL: types.CellType(CTRL_NAMESPACE), UNDEF: types.CellType(runtime.UNDEFINED)}
