"""Lineage: what a run was (hyper-parameters, dataset, network) and what it achieved (metrics),
so runs can be compared in one table; and the data-pipeline graph.

Lineage values are JSON objects. `train_lineage` has {"hyper_parameters": {...},
"dataset": {...}, "model": {...}, "metrics": {...}}; `eval_lineage` has {"metrics": {...},
"dataset": {...}}; `custom_lineage_data` is a flat {name: int | float | str}.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

_SIMPLE = (bool, int, float, str)


def _plain(v: Any, where: str) -> Any:
    """JSON-ready copy of nested dicts/lists of simple values (numpy scalars and 1-element tensors become numbers)."""
    if isinstance(v, (np.generic,)):
        v = v.item()
    if hasattr(v, "asnumpy") and getattr(v, "size", 2) == 1:
        v = np.asarray(v.asnumpy()).reshape(-1)[0].item()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if v is None or isinstance(v, _SIMPLE):
        return v
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if not isinstance(k, str):
                raise TypeError(f"summary: {where} keys must be str, got {k!r}")
            out[k] = _plain(x, f"{where}[{k!r}]")
        return out
    if isinstance(v, (list, tuple)):
        return [_plain(x, where) for x in v]
    raise TypeError(f"summary: {where} must hold numbers, strings, lists and dicts, got {type(v).__name__}")


def check_lineage(plugin: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"summary: a {plugin} value must be a dict, got {type(value).__name__}")
    if plugin == "custom_lineage_data":
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"summary: custom_lineage_data keys must be str, got {k!r}")
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                raise TypeError(f"summary: custom_lineage_data[{k!r}] must be an int, float or str, got "
                                f"{type(v).__name__}")
    return _plain(value, plugin)


# ---- the data-pipeline graph --------------------------------------------------------------------------------
_SKIP = {"children", "source", "sampler", "operations", "per_batch_map", "predicate"}


def _op_name(op: Any) -> str:
    return getattr(op, "__name__", None) or type(op).__name__


def _params(node: Any) -> dict:
    out: dict[str, Any] = {}
    for k, v in vars(node).items():
        if k.startswith("_") or k in _SKIP:
            continue
        if isinstance(v, _SIMPLE) or v is None:
            out[k] = v
        elif isinstance(v, (list, tuple)) and len(v) <= 16 and all(isinstance(x, _SIMPLE) for x in v):
            out[k] = list(v)
    if getattr(node, "operations", None):
        out["operations"] = [_op_name(op) for op in node.operations]
    sampler = getattr(node, "sampler", None)
    if sampler is not None:
        out["sampler"] = type(sampler).__name__
    cols = getattr(node, "_cols", None)
    if cols:
        out["columns"] = list(cols)
    return out


def dataset_graph(dataset: Any) -> dict:
    """The pipeline below `dataset` as {"nodes": [{"id", "op_type", "params", "children"}]}, the last
    operation first (as MindSpore's DatasetGraph)."""
    if not hasattr(dataset, "children"):
        raise TypeError(f"summary: a dataset_graph value must be a dataset or a dict, got {type(dataset).__name__}")
    nodes: list[dict] = []
    ids: dict[int, int] = {}

    def visit(node: Any) -> int:
        if id(node) in ids:
            return ids[id(node)]
        k = ids[id(node)] = len(nodes)
        entry = {"id": k, "op_type": type(node).__name__, "params": _params(node), "children": []}
        nodes.append(entry)
        entry["children"] = [visit(c) for c in node.children]
        return k
    visit(dataset)
    return {"nodes": nodes}


def dataset_info(dataset: Any) -> dict:
    """Size, batch size and source of a pipeline, for the lineage table."""
    info: dict[str, Any] = {}
    try:
        info["size"] = int(dataset.get_dataset_size())
    except Exception:  # noqa: BLE001 - an endless or failing source has no size
        info["size"] = None
    node = dataset
    while node is not None:
        if "batch_size" not in info and isinstance(getattr(node, "batch_size", None), int):
            info["batch_size"] = node.batch_size
        for attr in ("dataset_dir", "dataset_file", "dataset_files"):
            if isinstance(getattr(node, attr, None), (str, list)):
                info["path"] = getattr(node, attr)
        children = getattr(node, "children", [])
        if not children:
            info["source"] = type(node).__name__
        node = children[0] if children else None
    return info
