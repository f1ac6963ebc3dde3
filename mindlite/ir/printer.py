"""Readable text form of a Graph (`str(graph)`), one node per line with its source location:

    graph f(%0:f32[4,8], %1:f32[8]) {
      %2:f32[4,8] = add %0 %1                  # model.py:12
      return %2 }
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .graph import Graph, Lit, Var

_SHORT = {"float16": "f16", "float32": "f32", "float64": "f64", "int8": "i8", "int16": "i16", "int32": "i32",
          "int64": "i64", "uint8": "u8", "uint64": "u64", "bool": "bool"}


def _type(v: Var) -> str:
    return f"{_SHORT.get(v.dtype.name, v.dtype.name)}[{','.join(map(str, v.shape))}]"


class _Names:
    def __init__(self) -> None:
        self.ids: dict[int, int] = {}

    def __call__(self, v: Var) -> str:
        if id(v) not in self.ids:
            self.ids[id(v)] = len(self.ids)
        return f"%{self.ids[id(v)]}"


def _atom(a: Any, names: _Names) -> str:
    if isinstance(a, Var):
        return names(a)
    if isinstance(a, Lit):
        v = a.value
        if a.is_array:
            arr = np.asarray(v) if not hasattr(v, "get") else v.get()
            return f"const{{{_SHORT.get(arr.dtype.name, arr.dtype.name)}[{','.join(map(str, arr.shape))}]}}" \
                if arr.size > 4 else repr(arr.tolist())
        return repr(v)
    return repr(a)


def _param(v: Any) -> str:
    if isinstance(v, Graph):
        return f"<graph {v.name}>"
    if isinstance(v, tuple) and any(isinstance(i, Graph) for i in v):
        return "(" + ", ".join(_param(i) for i in v) + ")"
    if hasattr(v, "name") and type(v).__name__ == "Type":
        return v.name
    return repr(v)


def format_graph(g: Graph, indent: str = "", names: _Names | None = None) -> str:
    names = names or _Names()
    args = ", ".join(f"{names(v)}:{_type(v)}" for v in g.inputs)
    lines = [f"{indent}graph {g.name}({args}) {{"]
    for n in g.nodes:
        lhs = ", ".join(f"{names(o)}:{_type(o)}" for o in n.outs)
        rhs = " ".join(_atom(a, names) for a in n.inputs)
        attrs = " ".join(f"{k}={_param(v)}" for k, v in n.params.items())
        text = f"{indent}  {lhs} = {n.prim.name} {rhs}{(' {' + attrs + '}') if attrs else ''}"
        if n.loc:
            text = f"{text:<72}  # {n.loc}"
        lines.append(text)
        for sg in n.subgraphs():
            lines.append(format_graph(sg, indent + "    ", names))
    outs = ", ".join(_atom(a, names) for a in g.outputs)
    lines.append(f"{indent}  return {outs} }}")
    return "\n".join(lines)
