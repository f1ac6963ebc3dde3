"""The package imports downward only (DESIGN 2, "Layers"). Every import statement, at module
level or inside a function, is an edge; an edge from a lower layer to a higher one fails.

Layers, bottom first:
  0 prim      core.prim, core.dims, core.dtype, ir  (no Tensor: Aval, Primitive, bind, Trace; symbolic sizes;
              IR records)
  1 frontend  core, ops, common, parser, context, communication  (Tensor, traces, autodiff, jit entry, the op
              table, collective primitives)
  2 passes    passes
  3 backend   backend, te, parallel (sharding planner), the export format and its kernels
              (lite.mindir/kernels/capture/graph_json)
  4 nn        nn, amp
  5 train     train, lite, experimental, and the package root `mindlite`
The data pipeline (dataset, mindrecord) may use layers 0-3 and never nn, train or the root.
"""
from __future__ import annotations

import ast
import os

import pytest

PKG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "mindlite")

RANKS = [  # (module prefix, rank); the longest matching prefix wins
    ("mindlite.core.prim", 0), ("mindlite.core.dims", 0), ("mindlite.core.dtype", 0), ("mindlite.ir", 0), ("mindlite._api_names", 0),
    ("mindlite._version", 0),
    ("mindlite.core", 1), ("mindlite.ops", 1), ("mindlite.common", 1), ("mindlite.parser", 1),
    ("mindlite.context", 1), ("mindlite.dtype", 1), ("mindlite.parallel_context", 1),
    ("mindlite._checkparam", 1), ("mindlite.numpy", 1), ("mindlite.log", 1), ("mindlite.communication", 1),
    ("mindlite.passes", 2), ("mindlite.backend", 3),
    ("mindlite.te", 3), ("mindlite.lite.mindir", 3), ("mindlite.lite.kernels", 3), ("mindlite.lite.capture", 3),
    ("mindlite.lite.graph_json", 3), ("mindlite.lite.qkernels", 3), ("mindlite.parallel", 3),
    ("mindlite.nn", 4), ("mindlite.amp", 4),
    ("mindlite.train", 5), ("mindlite", 5),
]
DATA = ("mindlite.dataset", "mindlite.mindrecord")


def rank(module: str) -> int | None:
    best = None
    for prefix, r in RANKS:
        if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, r)
    return None if best is None else best[1]


def _module_name(path: str) -> str:
    rel = os.path.relpath(path, os.path.dirname(PKG))[:-3].replace(os.sep, ".")
    return rel[:-len(".__init__")] if rel.endswith(".__init__") else rel


def _imports(path: str, mod: str | None = None) -> list[tuple[str, int]]:
    """(imported module, line) for every import in the file (as module `mod`), relative ones
    resolved."""
    mod = mod or _module_name(path)
    package = mod if path.endswith("__init__.py") else mod.rpartition(".")[0]
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from pkg import sub` imports pkg.sub when sub is a module
            for a in node.names:
                sub = f"{target}.{a.name}"
                is_mod = os.path.exists(os.path.join(os.path.dirname(PKG), *sub.split("."))) or \
                    os.path.exists(os.path.join(os.path.dirname(PKG), *sub.split(".")) + ".py")
                out.append((sub if is_mod else target, node.lineno))
    return sorted({(m, line) for m, line in out if m == "mindlite" or m.startswith("mindlite.")})


def _files() -> list[str]:
    found = []
    for root, _, files in os.walk(PKG):
        found += [os.path.join(root, f) for f in files if f.endswith(".py")]
    return sorted(found)


def violations(files: list | None = None) -> list[str]:
    """Edges against the order, for `files` ((path, module) pairs; default: the package)."""
    bad = []
    for path, mod in files or [(p, _module_name(p)) for p in _files()]:
        for target, line in _imports(path, mod):
            where = f"{mod}:{line}"
            if mod.startswith(DATA):
                if target.startswith(DATA):
                    continue
                if target == "mindlite" or (rank(target) or 0) >= 4:
                    bad.append(f"{where}: {mod} imports {target} (the data pipeline must not use nn/train/root)")
                continue
            r_from, r_to = rank(mod), rank(target)
            if r_from is None or r_to is None or target.startswith(DATA):
                continue
            if target == "mindlite" and mod != "mindlite":
                r_to = 99
            if r_to > r_from:
                bad.append(f"{where}: {mod} (layer {r_from}) imports {target} (layer {r_to})")
    return bad


def test_imports_go_downward_only():
    bad = violations()
    assert not bad, "imports against the layer order:\n" + "\n".join(bad)


@pytest.mark.parametrize("module", ["mindlite.core.prim", "mindlite.core.dims", "mindlite.ir.graph"])
def test_bottom_modules_know_no_tensor(module):
    path = os.path.join(os.path.dirname(PKG), *module.split(".")) + ".py"
    targets = [t for t, _ in _imports(path)]
    assert not [t for t in targets if rank(t) != 0], targets


def test_the_checker_sees_function_level_and_relative_imports(tmp_path):
    # the walker itself, on a probe file standing for a module of ops
    path = tmp_path / "probe.py"
    path.write_text("import numpy\n\ndef f():\n    from ..backend.executor import compile_graph\n", encoding="utf-8")
    found = violations([(str(path), "mindlite.ops.probe")])
    assert found == ["mindlite.ops.probe:4: mindlite.ops.probe (layer 1) imports mindlite.backend.executor (layer 3)"]
