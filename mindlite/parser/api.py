"""`convert(fn)`: get a function's source, transform it, compile it back; `show(fn)`.

The converted source is compiled inside a factory

    def __ml_factory__(__ml_ctrl__, __ml_undefined__, <the function's free variables>):
        def fn(...): <converted body>
        return fn

only to obtain the inner code object. The converted function is then built from that code
with the original function's globals, defaults and *its own closure cells* (plus two fresh
cells for the runtime helpers): closures stay live, nothing is injected into the user's
module, and the compiled code is shared by every function object with the same code.
"""
from __future__ import annotations

import ast
import builtins
import copy
import functools
import inspect
import logging
import textwrap
import types
import weakref
from dataclasses import dataclass
from typing import Any

from . import runtime
from .analysis import is_range_for, walk_stmts
from .build import CTRL, UNDEF, Namer
from .lowering import fold_returns, lower_jumps, lower_range_for, prepare
from .transformer import convert_function

_log = logging.getLogger("mindlite.parser")

_RUNTIME_CELLS = {CTRL: types.CellType(runtime), UNDEF: types.CellType(runtime.UNDEFINED)}


@dataclass(frozen=True)
class _Result:
    code: types.CodeType | None  # None: use the function unchanged
    source: str | None           # converted (or, if unchanged, original) source; None if unavailable
    reason: str                  # why it was left unchanged


_CACHE: weakref.WeakKeyDictionary[types.CodeType, _Result] = weakref.WeakKeyDictionary()
_MEMO = "__ml_convert_memo__"  # fn.__dict__ key: (converted, code, defaults, kwdefaults) it was made from


def convert(fn: Any) -> Any:
    """The function with its `if` / `while` / `for ... in range(...)` statements rewritten into
    `mindlite.ops.control.cond` / `while_loop` calls (see mindlite.parser).

    Bound methods (a Cell's `construct`) and functools.partial objects are converted through
    their function. Lambdas, functions without source and functions without such statements are
    returned unchanged (the reason is logged at DEBUG on the "mindlite.parser" logger).

    Example:
        >>> def f(x):
        ...     if x.sum() > 0:
        ...         x = x * 2
        ...     return x
        >>> g = mindlite.parser.convert(f)   # g(x) == f(x) in eager mode; captures a cond in a graph
    """
    if isinstance(fn, types.MethodType):
        func = convert(fn.__func__)
        return fn if func is fn.__func__ else types.MethodType(func, fn.__self__)
    if isinstance(fn, functools.partial):
        func = convert(fn.func)
        return fn if func is fn.func else functools.partial(func, *fn.args, **fn.keywords)
    if not isinstance(fn, types.FunctionType) or getattr(fn, "__ml_converted__", False):
        return fn
    memo = fn.__dict__.get(_MEMO)  # Cell calls convert on every traced call: keep it O(1)
    if memo is not None and memo[1] is fn.__code__ and memo[2] is fn.__defaults__ and memo[3] is fn.__kwdefaults__:
        return memo[0]
    res = _translate(fn)
    if res.code is None:
        _log.debug("convert: %s left unchanged: %s", getattr(fn, "__qualname__", fn), res.reason)
        new = fn
    else:
        new = _instantiate(res.code, fn)
    fn.__dict__[_MEMO] = (new, fn.__code__, fn.__defaults__, fn.__kwdefaults__)
    return new


def show(fn: Any) -> str:
    """The source that `convert(fn)` runs, for debugging (the original source if nothing changes).

    Defaults and annotations are shown as written; the compiled function reuses the original
    function's default values rather than evaluating them again.

    Raises:
        ValueError: the function's source is not available (lambda, exec, builtin).
    """
    if isinstance(fn, (types.MethodType, functools.partial)):
        return show(fn.__func__ if isinstance(fn, types.MethodType) else fn.func)
    if not isinstance(fn, types.FunctionType):
        raise TypeError(f"show: {fn!r} is not a Python function")
    res = _translate(getattr(fn, "__wrapped__", fn) if getattr(fn, "__ml_converted__", False) else fn)
    if res.source is None:
        raise ValueError(f"show: no source for {fn.__qualname__}: {res.reason}")
    return res.source


def _translate(fn: types.FunctionType) -> _Result:
    code = fn.__code__
    res = _CACHE.get(code)
    if res is None:
        res = _CACHE[code] = _transform(fn)
    return res


def _transform(fn: types.FunctionType) -> _Result:
    code = fn.__code__
    if code.co_name == "<lambda>":
        return _Result(None, None, "lambda (no statements to convert)")
    if code.co_flags & (inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        return _Result(None, None, "async function")
    fdef = _parse(fn)
    if isinstance(fdef, str):
        return _Result(None, None, fdef)
    if not any(isinstance(n, (ast.If, ast.While)) or is_range_for(n) for n in ast.walk(fdef)):
        return _Result(None, ast.unparse(fdef), "no if / while / for-range statement")
    class_name = _class_of(getattr(code, "co_qualname", fn.__qualname__))
    prepare(fdef, class_name, "__class__" in code.co_freevars)
    # a user rebinding `range` gets a plain Python loop
    _convert_all(fdef, range_ok=fn.__globals__.get("range", builtins.range) is builtins.range)
    source = ast.unparse(fdef)
    try:
        new_code = _compile(fdef, code)
    except (SyntaxError, ValueError, TypeError) as e:  # a bug here must not break the user's program
        _log.warning("convert: %s left unchanged, its converted source does not compile: %s", fn.__qualname__, e)
        return _Result(None, source, f"compile error: {e}")
    return _Result(new_code, source, "")


def _parse(fn: types.FunctionType) -> ast.FunctionDef | str:
    """The function's `def`, with line numbers of its file and without decorators; or why not."""
    code = fn.__code__
    try:
        src = inspect.getsource(code)  # the code object: getsource(fn) would follow __wrapped__
    except (OSError, TypeError) as e:
        return f"no source ({e})"
    try:
        tree = ast.parse(textwrap.dedent(src))
    except SyntaxError as e:
        return f"source does not parse on its own ({e.msg})"
    fdef = tree.body[0] if tree.body else None
    if not isinstance(fdef, ast.FunctionDef) or fdef.name != code.co_name:
        return "source is not a plain `def` of this function"
    ast.increment_lineno(tree, code.co_firstlineno - 1)
    fdef.decorator_list = []  # decorators already ran on the original; never re-run them
    return fdef


def _class_of(qualname: str) -> str | None:
    """The class a function is defined in (for private-name mangling), from its qualname."""
    parts = qualname.split(".")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] != "<locals>" and parts[i + 1] != "<locals>":
            return parts[i]
    return None


def _convert_all(fdef: ast.FunctionDef, range_ok: bool) -> None:
    """Lower and convert the function and every plain `def` nested in it, innermost first."""
    namer = Namer()
    for d in reversed(_defs(fdef)):
        if range_ok:
            lower_range_for(d, namer)
        lower_jumps(d, namer)
        fold_returns(d)
        convert_function(d, namer)


def _defs(fdef: ast.FunctionDef) -> list[ast.FunctionDef]:
    """`fdef` and the plain `def`s nested in it (not those in classes or lambdas), outer first."""
    out = [fdef]
    for n in walk_stmts(fdef.body):
        if isinstance(n, ast.FunctionDef):
            out += _defs(n)
    return out


def _compile(fdef: ast.FunctionDef, orig: types.CodeType) -> types.CodeType:
    fdef = copy.deepcopy(fdef)
    a = fdef.args
    a.defaults, a.kw_defaults = [], [None] * len(a.kwonlyargs)  # the originals' values are reused
    for p in a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]:
        p.annotation = None
    fdef.returns = None
    params = [CTRL, UNDEF] + [v for v in orig.co_freevars if v not in (CTRL, UNDEF)]
    factory = ast.parse(f"def __ml_factory__({', '.join(params)}):\n    return {fdef.name}").body[0]
    assert isinstance(factory, ast.FunctionDef)
    for n in ast.walk(factory):  # the factory's own lines take the def's location
        if "lineno" in n._attributes:
            ast.copy_location(n, fdef)
    factory.body.insert(0, fdef)
    module = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(module)
    namespace: dict[str, Any] = {}
    exec(compile(module, orig.co_filename, "exec"), namespace)  # noqa: S102 - defines the factory only
    inner = namespace["__ml_factory__"](*[None] * len(params))
    return inner.__code__


def _instantiate(code: types.CodeType, fn: types.FunctionType) -> types.FunctionType:
    cells = dict(_RUNTIME_CELLS)
    cells.update(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
    closure = tuple(cells[name] for name in code.co_freevars)
    new = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, closure)
    new.__kwdefaults__ = dict(fn.__kwdefaults__) if fn.__kwdefaults__ else None
    for attr in ("__qualname__", "__module__", "__doc__", "__annotations__"):
        setattr(new, attr, getattr(fn, attr))
    new.__dict__.update((k, v) for k, v in fn.__dict__.items() if k != _MEMO)
    new.__wrapped__ = fn  # type: ignore[attr-defined]  # inspect.signature follows it
    new.__ml_converted__ = True  # type: ignore[attr-defined]
    return new

