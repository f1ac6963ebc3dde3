"""The JSON form of an IR graph (the `graph.json` of a MINDIR file) and back.

A graph is `{"name", "inputs": [value], "nodes": [node], "outputs": [operand]}`;
a value is `{"id", "shape", "dtype"}`; a node is `{"op", "inputs": [operand], "attrs",
"outputs": [value], "scope", "loc"}`; an operand is `{"v": id}` (a value) or
`{"lit": attr}` (a constant). Attributes are JSON with tagged objects for what JSON lacks:
    {"tuple": [...]}, {"dict": [[k, v], ...]}, {"float": "nan"|"inf"|"-inf"},
    {"dtype": "float32"}, {"mstype": "Float32"}, {"scalar": v, "dtype": d},
    {"slice": [start, stop, step]}, {"ellipsis": 1}, {"graph": graph} (if/while bodies),
    {"array": [flat values], "shape", "dtype"} (small constants inline),
    {"const": k, "shape", "dtype"} (constant k of the file's constant table),
    {"fill": value, "shape", "dtype"} (a uniform constant whose shape follows the batch),
    {"$N": [a, b]}  (an int equal to a*N + b for batch size N: dynamic batch).
Any other JSON object is not a valid attribute. Nothing is ever pickled.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core import dtype as mstype
from ..ir.graph import Graph, Lit, Node, Var

INLINE_MAX = 16  # constants up to this many elements are written inline


class EncodeError(ValueError):
    """A value of the graph that has no JSON form."""


def dtype_name(dt: Any) -> str:
    return np.dtype(dt).name


def dtype_from_name(name: str) -> np.dtype:
    if name == "bfloat16":
        t = mstype.bfloat16
        if t.np is None:
            raise ValueError("the graph uses bfloat16: install ml_dtypes to load it")
        return t.np
    try:
        return np.dtype(name)
    except TypeError:
        raise ValueError(f"unknown dtype {name!r}") from None


# ---- encoding ------------------------------------------------------------------------------------
class Encoder:
    """Turns graphs into JSON; large array constants go to `consts` (written as .npy)."""

    def __init__(self, scopes: dict | None = None) -> None:
        self.ids: dict[int, int] = {}
        self.keep: list = []  # Vars whose ids are keys of self.ids stay alive
        self.consts: list[np.ndarray] = []
        self.scopes = scopes or {}

    def value(self, v: Var) -> dict:
        k = self.ids.get(id(v))
        if k is None:
            k = self.ids[id(v)] = len(self.ids)
            self.keep.append(v)
        return {"id": k, "shape": list(v.shape), "dtype": dtype_name(v.dtype)}

    def operand(self, a: Any, where: str) -> dict:
        if isinstance(a, Var):
            if id(a) not in self.ids:
                raise EncodeError(f"{where}: uses a value defined nowhere in the graph")
            return {"v": self.ids[id(a)]}
        return {"lit": self.attr(a.value if isinstance(a, Lit) else a, where)}

    def graph(self, g: Graph) -> dict:
        inputs = [self.value(v) for v in g.inputs]
        nodes = []
        for n in g.nodes:
            where = f"op {n.prim.name} (scope {self.scopes.get(id(n), '?') or 'root'}, {n.loc or '?'})"
            nodes.append({
                "op": n.prim.name,
                "inputs": [self.operand(a, where) for a in n.inputs],
                "attrs": {k: self.attr(v, f"{where}, attribute {k!r}") for k, v in n.params.items()},
                "outputs": [self.value(o) for o in n.outs],
                "scope": self.scopes.get(id(n), "?"),
                "loc": n.loc,
            })
        outputs = [self.operand(a, f"graph {g.name} output") for a in g.outputs]
        return {"name": g.name, "inputs": inputs, "nodes": nodes, "outputs": outputs}

    def array(self, x: Any) -> dict:
        x = np.asarray(x.get() if hasattr(x, "get") and not isinstance(x, np.ndarray) else x)
        if x.dtype == object or x.dtype.kind == "V" and x.dtype.name != "bfloat16":
            raise EncodeError(f"an array of dtype {x.dtype}")
        head = {"shape": list(x.shape), "dtype": dtype_name(x.dtype)}
        finite = x.dtype.kind not in "fc" or bool(np.isfinite(x).all())
        if x.size <= INLINE_MAX and finite and x.dtype.kind in "biuf" and x.dtype.name != "bfloat16":
            return {"array": x.reshape(-1).tolist(), **head}
        self.consts.append(np.ascontiguousarray(x))
        return {"const": len(self.consts) - 1, **head}

    def attr(self, x: Any, where: str) -> Any:  # noqa: C901 - one branch per JSON form
        if x is None or isinstance(x, (bool, str)):
            return x
        if isinstance(x, int):
            return int(x)
        if isinstance(x, float):
            return x if math.isfinite(x) else {"float": repr(x)}
        if isinstance(x, np.ndarray) or type(x).__module__.startswith("cupy"):
            try:
                return self.array(x)
            except EncodeError as e:
                raise EncodeError(f"{where}: {e} cannot be serialised") from None
        if isinstance(x, np.generic):
            return {"scalar": self.attr(x.item(), where), "dtype": dtype_name(x.dtype)}
        if isinstance(x, np.dtype):
            return {"dtype": dtype_name(x)}
        if isinstance(x, mstype.Type):
            return {"mstype": x.name}
        if isinstance(x, tuple):
            return {"tuple": [self.attr(i, where) for i in x]}
        if isinstance(x, list):
            return [self.attr(i, where) for i in x]
        if isinstance(x, dict):
            return {"dict": [[self.attr(k, where), self.attr(v, where)] for k, v in x.items()]}
        if isinstance(x, slice):
            return {"slice": [self.attr(x.start, where), self.attr(x.stop, where), self.attr(x.step, where)]}
        if x is Ellipsis:
            return {"ellipsis": 1}
        if isinstance(x, Graph):
            return {"graph": self.graph(x)}
        if isinstance(x, type) and issubclass(x, np.generic):
            return {"dtype": dtype_name(x)}
        raise EncodeError(f"{where}: a value of type {type(x).__name__} ({x!r:.60}) cannot be serialised")


# ---- dynamic batch: unify the encodings of traces at batch B, B+1, B+2 -----------------------------
class BatchMismatch(ValueError):
    """The traces at different batch sizes differ in more than affine integers."""


def unify(docs: list, consts: list, batch: int, path: str = "") -> Any:
    """One JSON tree for three traces at batch B, B+1, B+2: integers that change become
    {"$N": [a, b]} (checked affine on all three), uniform constants whose shape changes
    become {"fill": ...}; anything else that differs raises BatchMismatch naming the path."""
    a = docs[0]
    if any(type(d) is not type(a) for d in docs):
        raise BatchMismatch(f"{path}: differs between batch sizes")
    if isinstance(a, dict):
        if any(d.keys() != a.keys() for d in docs):
            raise BatchMismatch(f"{path}: differs between batch sizes")
        if ("const" in a or "array" in a) and "shape" in a and "dtype" in a and not path.endswith(".attrs"):
            return _unify_array(docs, consts, batch, path)
        return {k: unify([d[k] for d in docs], consts, batch, f"{path}.{k}") for k in a}
    if isinstance(a, list):
        if any(len(d) != len(a) for d in docs):
            raise BatchMismatch(f"{path}: length differs between batch sizes")
        return [unify([d[i] for d in docs], consts, batch, f"{path}[{i}]") for i in range(len(a))]
    if isinstance(a, int) and not isinstance(a, bool):
        if docs[1] == a and docs[2] == a:
            return a
        slope = docs[1] - a
        off = a - slope * batch
        if docs[2] != slope * (batch + 2) + off:
            raise BatchMismatch(f"{path}: {docs} is not affine in the batch size")
        return {"$N": [slope, off]}
    if any(d != a for d in docs):
        raise BatchMismatch(f"{path}: {docs} differs between batch sizes")
    return a


def _array_of(d: dict, consts: np.ndarray | list) -> np.ndarray:
    if "const" in d:
        return consts[d["const"]]
    return np.asarray(d["array"], dtype=dtype_from_name(d["dtype"])).reshape(d["shape"])


def _unify_array(docs: list, consts: list, batch: int, path: str) -> dict:
    arrays = [_array_of(d, c) for d, c in zip(docs, consts)]
    a = arrays[0]
    if all(x.shape == a.shape and np.array_equal(x, a, equal_nan=x.dtype.kind in "fc") for x in arrays):
        return docs[0]
    if all(x.size for x in arrays) and all((x == x.reshape(-1)[0]).all() for x in arrays):
        first = a.reshape(-1)[0]
        if all(x.reshape(-1)[0] == first for x in arrays):
            shape = unify([list(x.shape) for x in arrays], consts, batch, path + ".shape")
            return {"fill": Encoder().attr(first.item(), path), "shape": shape, "dtype": docs[0]["dtype"]}
    raise BatchMismatch(f"{path}: a constant whose values depend on the batch size")


# ---- decoding ------------------------------------------------------------------------------------
class Decoder:
    """JSON back to graphs, for batch size `batch` (used by {"$N": ...} entries)."""

    def __init__(self, consts: list, batch: int | None, registry: dict) -> None:
        self.consts, self.batch, self.registry = consts, batch, registry
        self.vars: dict[int, Var] = {}
        self.scopes: dict[int, str] = {}

    def dim(self, x: Any) -> int:
        v = self.attr(x)
        if not isinstance(v, int) or v < 0:
            raise ValueError(f"invalid dimension {x!r}")
        return v

    def value(self, d: dict) -> Var:
        v = Var(tuple(self.dim(x) for x in d["shape"]), dtype_from_name(d["dtype"]))
        if d["id"] in self.vars:
            raise ValueError(f"value {d['id']} is defined twice")
        self.vars[d["id"]] = v
        return v

    def operand(self, d: dict) -> Any:
        if "v" in d:
            v = self.vars.get(d["v"])
            if v is None:
                raise ValueError(f"value {d['v']} is used before it is defined")
            return v
        return Lit(self.attr(d["lit"]))

    def graph(self, d: dict) -> Graph:
        inputs = [self.value(v) for v in d["inputs"]]
        nodes = []
        for nd in d["nodes"]:
            prim = self.registry.get(nd["op"])
            if prim is None:
                raise ValueError(f"unknown op {nd['op']!r} (scope {nd.get('scope', '?')}): this mindlite "
                                 "does not define it")
            ins = tuple(self.operand(a) for a in nd["inputs"])
            params = {k: self.attr(v) for k, v in nd["attrs"].items()}
            outs = tuple(self.value(v) for v in nd["outputs"])
            node = Node(prim, ins, params, outs, nd.get("loc", ""))
            self.scopes[id(node)] = nd.get("scope", "?")
            nodes.append(node)
        outputs = [self.operand(a) for a in d["outputs"]]
        return Graph(d["name"], inputs, nodes, outputs)

    def attr(self, x: Any) -> Any:  # noqa: C901 - one branch per JSON form
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        if isinstance(x, list):
            return [self.attr(i) for i in x]
        if not isinstance(x, dict) or len(x) == 0:
            raise ValueError(f"invalid attribute {x!r:.80}")
        if "$N" in x:
            if self.batch is None:
                raise ValueError("a batch-dependent value in a graph without a batch size")
            a, b = x["$N"]
            return int(a) * self.batch + int(b)
        if "tuple" in x:
            return tuple(self.attr(i) for i in x["tuple"])
        if "dict" in x:
            return {self.attr(k): self.attr(v) for k, v in x["dict"]}
        if "float" in x:
            return float(x["float"])
        if "dtype" in x and len(x) == 1:
            return dtype_from_name(x["dtype"])
        if "mstype" in x:
            t = mstype._NAMES.get(x["mstype"])
            if t is None:
                raise ValueError(f"unknown mindlite dtype {x['mstype']!r}")
            return t
        if "scalar" in x:
            return dtype_from_name(x["dtype"]).type(self.attr(x["scalar"]))
        if "slice" in x:
            return slice(*[self.attr(i) for i in x["slice"]])
        if "ellipsis" in x:
            return Ellipsis
        if "graph" in x:
            return self.graph(x["graph"])
        if "array" in x or "const" in x or "fill" in x:
            return self.array(x)
        raise ValueError(f"invalid attribute {x!r:.80}")

    def array(self, x: dict) -> np.ndarray:
        dt = dtype_from_name(x["dtype"])
        shape = tuple(self.dim(s) for s in x["shape"])
        if "fill" in x:
            return np.full(shape, self.attr(x["fill"]), dtype=dt)
        if "array" in x:
            arr = np.asarray(x["array"], dtype=dt)
            if arr.size != math.prod(shape):
                raise ValueError(f"inline constant of shape {list(shape)} holds {arr.size} values")
            return arr.reshape(shape)
        k = x["const"]
        if not isinstance(k, int) or not 0 <= k < len(self.consts):
            raise ValueError(f"constant {k!r} is not in the file")
        arr = self.consts[k]
        if arr.shape != shape or arr.dtype != dt:
            raise ValueError(f"constant {k} is {arr.dtype}{list(arr.shape)}, the graph says {dt}{list(shape)}")
        return arr
