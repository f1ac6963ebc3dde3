"""The public surface against MindSpore 2.x's: every name MindSpore documents in `mindspore`,
`ops`, `nn`, `dataset` (+ vision/transforms/text), `train` and `amp` either exists in mindlite or
raises an AttributeError saying mindlite does not implement it; the names mindlite implements
have MindSpore's parameters, order and defaults (tests/data/api_signatures.txt).

Run as a script to list, per module, how many documented names mindlite has and which it lacks:

    python tests/test_api_surface.py
"""
from __future__ import annotations

import ast
import importlib
import inspect
import os
import sys
from typing import Any

import pytest

import mindlite
from mindlite import _api_names

DATA = os.path.join(os.path.dirname(__file__), "data", "api_signatures.txt")


def _lines() -> list:
    with open(DATA, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def _entries() -> list:
    """pytest params: an entry ending in `!! reason` is a known difference (strict xfail)."""
    out = []
    for line in _lines():
        entry, _, reason = line.partition(" !! ")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        out.append(pytest.param(entry, marks=marks, id=entry.split("(", 1)[0]))
    return out


def _resolve(path: str) -> Any:
    """The object at a dotted `mindlite....` path: the longest importable module, then attributes."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise LookupError(path)


def _namespace() -> dict:
    """Names the default expressions of the table may use."""
    import mindlite.dataset as ds
    return {"mstype": mindlite.common.dtype, "Inter": ds.vision.Inter, "Border": ds.vision.Border,
            "NormalizeForm": ds.text.NormalizeForm}


def _documented(entry: str) -> tuple:
    """(path, positional params, vararg, keyword-only params, {param: default expression})."""
    path, params = entry.split("(", 1)
    fn = ast.parse(f"def _({params[:-1]}): pass").body[0].args
    positional = [a.arg for a in fn.posonlyargs + fn.args]
    defaults = dict(zip(positional[len(positional) - len(fn.defaults):], fn.defaults))
    defaults.update({a.arg: d for a, d in zip(fn.kwonlyargs, fn.kw_defaults) if d is not None})
    return path, positional, fn.vararg, [a.arg for a in fn.kwonlyargs], defaults


def _signature(obj: Any) -> inspect.Signature:
    return inspect.signature(obj.__init__ if isinstance(obj, type) and "__init__" in vars(obj) else obj)


@pytest.mark.parametrize("entry", _entries())
def test_documented_signature(entry: str) -> None:
    path, positional, vararg, kwonly, defaults = _documented(entry)
    obj = _resolve(path)
    sig = _signature(obj)
    params = [p for p in sig.parameters.values() if not (isinstance(obj, type) and p.name == "self")]
    named = {p.name: p for p in params}
    positional_ok = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    for i, name in enumerate(positional):
        assert i < len(params) and params[i].name == name and params[i].kind in positional_ok, (
            f"{path}: MindSpore's positional parameter {i} is {name!r}, mindlite has "
            f"{[p.name for p in params]}")
    if vararg is not None:
        assert any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in params), f"{path}: no *{vararg.arg}"
    for name in kwonly:
        assert name in named or any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params), (
            f"{path}: no keyword parameter {name!r} (has {list(named)})")
    ns = _namespace()
    for name, expr in defaults.items():
        if name not in named:
            assert any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params), f"{path}: no parameter {name!r}"
            continue
        expect = eval(compile(ast.Expression(expr), path, "eval"), ns)  # noqa: S307 - our own data file
        got = named[name].default
        assert got is not inspect.Parameter.empty, f"{path}: {name} has no default, MindSpore's is {expect!r}"
        if isinstance(expect, mindlite.common.dtype.Type) and not isinstance(got, mindlite.common.dtype.Type):
            got = mindlite.core.dtype.to_type(got, name)  # numpy spelling of the same dtype (dataset code)
        assert type(got) is type(expect) or (isinstance(got, (int, float)) and isinstance(expect, (int, float))), (
            f"{path}: default of {name} is {got!r}, MindSpore's is {expect!r}")
        assert got == expect, f"{path}: default of {name} is {got!r}, MindSpore's is {expect!r}"


def test_signature_table_is_well_formed() -> None:
    entries = _lines()
    paths = [e.split("(", 1)[0] for e in entries]
    assert len(paths) == len(set(paths)), "an entry is listed twice"
    assert len(entries) >= 200


MODULE_KEYS = [k for k in _api_names.MODULES]


@pytest.mark.parametrize("key", MODULE_KEYS)
def test_every_documented_name_exists_or_says_it_is_not_implemented(key: str) -> None:
    module = importlib.import_module(_api_names.MODULES[key])
    for name in sorted(_api_names.mindspore_names(key)):
        try:
            getattr(module, name)
        except AttributeError as e:
            assert "not implemented in mindlite (MindSpore API name)" in str(e), f"{key}.{name}: {e}"
            assert f"{_api_names.MODULES[key]} has no {name!r}" in str(e)


@pytest.mark.parametrize("key", ["mindlite", "ops", "nn", "dataset", "amp", "train"])
def test_missing_mindspore_name_message(key: str) -> None:
    missing = _api_names.unimplemented(key)
    if not missing:
        pytest.skip(f"mindlite implements every MindSpore name of {key}")
    module, name = _api_names.MODULES[key], missing[0]
    mod = importlib.import_module(module)
    with pytest.raises(AttributeError, match=rf"{module} has no '{name}': not implemented in mindlite \(MindSpore "
                                             rf"API name\)"):
        getattr(mod, name)
    assert not hasattr(mod, name)


def test_primitive_namespace_names_missing_classes() -> None:
    missing = [n for n in _api_names.unimplemented("ops") if n[:1].isupper()]
    from mindlite.ops import operations as P
    with pytest.raises(AttributeError, match=rf"mindlite.ops.operations has no '{missing[0]}': not implemented"):
        getattr(P, missing[0])


@pytest.mark.parametrize("module", ["mindlite", "mindlite.ops", "mindlite.nn", "mindlite.train", "mindlite.dataset"])
def test_unknown_name_gets_the_plain_error(module: str) -> None:
    mod = importlib.import_module(module)
    with pytest.raises(AttributeError, match=rf"module '{module}' has no attribute 'no_such_thing'"):
        mod.no_such_thing  # noqa: B018


def test_implemented_names_keep_growing() -> None:
    """Floors of the implemented counts, so a refactor that drops public names fails here."""
    floors = {"ops": 430, "nn": 90, "mindlite": 75, "dataset.vision": 30, "train": 35, "amp": 8}
    for key, floor in floors.items():
        have = len(_api_names.mindspore_names(key)) - len(_api_names.unimplemented(key))
        assert have >= floor, f"{key}: {have} MindSpore names implemented, expected at least {floor}"


def report(out: Any = sys.stdout) -> None:
    for key in list(_api_names.MODULES) + ["Tensor"]:
        names = _api_names.mindspore_names(key)
        missing = _api_names.unimplemented(key)
        print(f"{key}: {len(names) - len(missing)} of {len(names)} implemented; missing ({len(missing)}):", file=out)
        print("    " + " ".join(missing), file=out)


if __name__ == "__main__":
    report()
