"""From a function's code object to its converted code object (cached per code object).

The source of a `def` comes from `inspect.getsource`; the source of a lambda is found in
its file's syntax tree by line and by the columns its instructions cover. The converted
source is compiled inside a factory

    def __ml_factory__(__ml_ctrl__, __ml_undefined__, <the function's free variables>):
        def fn(...): <converted body>        # or: return lambda ...: <converted body>
        return fn

only to obtain the inner code object; api.py builds the function from it with the original
function's globals, defaults and closure cells.
"""
from __future__ import annotations

import ast
import builtins
import copy
import inspect
import logging
import textwrap
import types
import weakref
from dataclasses import dataclass
from typing import Any

from . import calls
from .analysis import is_range_for, walk_stmts
from .build import CTRL, UNDEF, Namer
from .lowering import fold_returns, lower_jumps, lower_range_for, prepare
from .transformer import convert_function

_log = logging.getLogger("mindlite.parser")

_LAZY_FLAGS = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE


@dataclass(frozen=True)
class Result:
    code: types.CodeType | None  # None: use the function unchanged
    source: str | None           # converted (or, if unchanged, original) source; None if unavailable
    reason: str                  # why it was left unchanged


_CACHE: dict[bool, weakref.WeakKeyDictionary[types.CodeType, Result]] = {
    True: weakref.WeakKeyDictionary(), False: weakref.WeakKeyDictionary()}


def translate(fn: types.FunctionType, recursive: bool) -> Result:
    """The converted code of `fn` (see mindlite.parser.convert), computed once per code object."""
    cache = _CACHE[recursive]
    code = fn.__code__
    res = cache.get(code)
    if res is None:
        res = cache[code] = _transform(fn, recursive)
    return res


def _transform(fn: types.FunctionType, recursive: bool) -> Result:
    code = fn.__code__
    if CTRL in code.co_freevars:
        return Result(None, None, "already converted (made by the parser)")
    node = _parse_lambda(code) if code.co_name == "<lambda>" else _parse_def(code)
    if isinstance(node, str):
        return Result(None, None, node)
    if code.co_flags & _LAZY_FLAGS:
        return Result(None, ast.unparse(node), "generator or async function (its body runs later, outside the trace)")
    direct = calls.builtin_calls(node, code, fn.__globals__)
    has_statements = isinstance(node, ast.FunctionDef) and any(
        isinstance(n, (ast.If, ast.While)) or is_range_for(n) for n in ast.walk(node))
    if not has_statements and not calls.needs_rewrite(node, recursive, direct):
        what = "calls, conditional expressions" if recursive else "conditional expressions"
        return Result(None, ast.unparse(node), f"no if / while / for-range statement, {what} to convert")
    prepare(node, _class_of(code.co_qualname if hasattr(code, "co_qualname") else fn.__qualname__),
            "__class__" in code.co_freevars)
    if isinstance(node, ast.FunctionDef):
        node.name = code.co_name  # a private method keeps its own name (prepare mangled it)
        # a user rebinding `range` gets a plain Python loop
        _convert_all(node, range_ok=fn.__globals__.get("range", builtins.range) is builtins.range)
    calls.rewrite(node, recursive, direct)
    source = ast.unparse(node)
    try:
        new_code = _compile(node, code)
    except (SyntaxError, ValueError, TypeError) as e:  # a bug here must not break the user's program
        _log.warning("convert: %s left unchanged, its converted source does not compile: %s", fn.__qualname__, e)
        return Result(None, source, f"compile error: {e}")
    return Result(new_code, source, "")


# ---- source ----------------------------------------------------------------------------------

def _parse_def(code: types.CodeType) -> ast.FunctionDef | ast.AsyncFunctionDef | str:
    """The function's `def`, with line numbers of its file and without decorators; or why not."""
    try:
        src = inspect.getsource(code)  # the code object: getsource(fn) would follow __wrapped__
    except Exception as e:  # noqa: BLE001 - OSError, TypeError, tokenize errors: no usable source
        return f"no source ({e})"
    try:
        tree = ast.parse(textwrap.dedent(src))
    except SyntaxError as e:
        return f"source does not parse on its own ({e.msg})"
    fdef = tree.body[0] if tree.body else None
    if not isinstance(fdef, (ast.FunctionDef, ast.AsyncFunctionDef)) or fdef.name != code.co_name:
        return "source is not a plain `def` of this function"
    ast.increment_lineno(tree, code.co_firstlineno - 1)
    fdef.decorator_list = []  # decorators already ran on the original; never re-run them
    return fdef


_FILE_TREES: dict[str, tuple[list[str], ast.Module | str]] = {}  # the files lambdas came from, newest last
_MAX_FILE_TREES = 16


def _parse_lambda(code: types.CodeType) -> ast.Lambda | str:
    """The lambda's node in its file's syntax tree (a copy), or why it cannot be found."""
    try:
        lines, _ = inspect.findsource(code)
    except Exception as e:  # noqa: BLE001 - as in _parse_def
        return f"no source ({e})"
    entry = _FILE_TREES.get(code.co_filename)
    if entry is None or entry[0] is not lines:  # linecache reloaded the file
        try:
            tree: ast.Module | str = ast.parse("".join(lines))
        except SyntaxError as e:
            tree = f"its file does not parse ({e.msg})"
        _FILE_TREES.pop(code.co_filename, None)
        while len(_FILE_TREES) >= _MAX_FILE_TREES:
            del _FILE_TREES[next(iter(_FILE_TREES))]
        entry = _FILE_TREES[code.co_filename] = (lines, tree)
    tree = entry[1]
    if isinstance(tree, str):
        return tree
    params = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno
             and tuple(a.arg for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs) == params]
    spans = _covered_spans(code)
    if spans is not None:
        found = [n for n in found if all(_inside(s, n.body) for s in spans)]
        found.sort(key=lambda n: (n.body.end_lineno - n.body.lineno, n.body.end_col_offset - n.body.col_offset))
        found = found[:1]  # the innermost lambda whose body covers every instruction
    if len(found) != 1:
        return f"cannot tell which lambda on line {code.co_firstlineno} this is"
    return copy.deepcopy(found[0])


def _covered_spans(code: types.CodeType) -> list[tuple[int, int, int, int]] | None:
    """(line, end line, column, end column) of the code's instructions (Python 3.11+)."""
    if not hasattr(code, "co_positions"):
        return None
    return [p for p in code.co_positions()
            if None not in p and (p[1] > p[0] or p[3] > p[2])]  # type: ignore[operator]


def _inside(span: tuple[int, int, int, int], node: ast.expr) -> bool:
    line, end_line, col, end_col = span
    return ((line, col) >= (node.lineno, node.col_offset)
            and (end_line, end_col) <= (node.end_lineno, node.end_col_offset))  # type: ignore[operator]


def _class_of(qualname: str) -> str | None:
    """The class a function is defined in (for private-name mangling), from its qualname."""
    parts = qualname.split(".")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] != "<locals>" and parts[i + 1] != "<locals>":
            return parts[i]
    return None


# ---- statements ------------------------------------------------------------------------------

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


# ---- compilation ----------------------------------------------------------------------------

def _compile(node: ast.FunctionDef | ast.Lambda, orig: types.CodeType) -> types.CodeType:
    node = copy.deepcopy(node)
    a = node.args
    a.defaults, a.kw_defaults = [], [None] * len(a.kwonlyargs)  # the originals' values are reused
    params = [CTRL, UNDEF] + [v for v in orig.co_freevars if v not in (CTRL, UNDEF)]
    lines = [f"def __ml_factory__({', '.join(params)}):", "    return __ml_fn__"]
    if isinstance(node, ast.FunctionDef) and node.name not in params:
        # the factory must not bind the name: a recursive call reads the module's global
        lines.insert(1, f"    global {node.name}")
    factory = ast.parse("\n".join(lines)).body[0]
    assert isinstance(factory, ast.FunctionDef)
    for n in ast.walk(factory):  # the factory's own lines take the function's location
        if "lineno" in n._attributes:
            ast.copy_location(n, node)
    ret = factory.body[-1]
    assert isinstance(ret, ast.Return)
    if isinstance(node, ast.Lambda):
        ret.value = node
    else:
        for p in a.posonlyargs + a.args + a.kwonlyargs + [x for x in (a.vararg, a.kwarg) if x]:
            p.annotation = None
        node.returns = None
        ret.value = ast.copy_location(ast.Name(id=node.name, ctx=ast.Load()), node)
        factory.body.insert(len(factory.body) - 1, node)  # after a `global`, before the `return`
    module = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(module)
    namespace: dict[str, Any] = {}
    exec(compile(module, orig.co_filename, "exec"), namespace)  # noqa: S102 - defines the factory only
    inner = namespace["__ml_factory__"](*[None] * len(params))
    return inner.__code__

