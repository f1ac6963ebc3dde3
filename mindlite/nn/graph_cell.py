"""`nn.GraphCell`: run a graph loaded with `mindlite.load` as a Cell, in either mode.

The graph's nodes are applied one by one with `bind`, so in PYNATIVE_MODE they run eagerly
(and can be differentiated) and in GRAPH_MODE they are captured into the enclosing compiled
graph like any construct. The exported weights become the cell's Parameters, named as in
the exporting network.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core.tensor import Parameter, Tensor
from ..core.trace import STATE, bind
from ..ir.graph import Var
from .cell import Cell


class GraphCell(Cell):
    """MindSpore `nn.GraphCell(graph, params_init=None)`.

    Args:
        graph: what `mindlite.load` returned.
        params_init: optional {parameter name: Tensor or Parameter} replacing exported weights
            (same shape and dtype). A name the graph does not have raises ValueError.

    Example:
        >>> graph = ms.load("net.mindir")
        >>> out = nn.GraphCell(graph)(ms.Tensor(x))
    """

    def __init__(self, graph: Any, params_init: dict | None = None) -> None:
        super().__init__()
        from ..lite.mindir import MindIRGraph
        if not isinstance(graph, MindIRGraph):
            raise TypeError(f"GraphCell: graph must be what mindlite.load returns, got {type(graph).__name__}")
        object.__setattr__(self, "graph", graph)
        params_init = dict(params_init or {})
        unknown = sorted(set(params_init) - set(graph.weights))
        if unknown:
            raise ValueError(f"GraphCell: params_init names parameters the graph does not have: {unknown}; "
                             f"the graph's parameters are {sorted(graph.weights)}")
        for name, arr in graph.weights.items():
            value = params_init.get(name)
            if value is not None:
                got = np.asarray(value.asnumpy() if isinstance(value, Tensor) else value)
                if got.shape != arr.shape or got.dtype != arr.dtype:
                    raise ValueError(f"GraphCell: params_init[{name!r}] is {got.dtype}{list(got.shape)}, the graph "
                                     f"needs {arr.dtype}{list(arr.shape)}")
                arr = got
            self.insert_param_to_cell(name, Parameter(Tensor(arr), name=name), check_name_contain_dot=False)

    def _batch(self, inputs: tuple) -> int | None:
        """Check the inputs against the signature; returns the batch size (None if static)."""
        from ..lite.mindir import check_inputs
        for i, x in enumerate(inputs):
            if not isinstance(x, Tensor):
                raise ValueError(f"GraphCell: input {i} must be a Tensor, got {type(x).__name__}")
        return check_inputs(self.graph.input_signature, [(x.shape, x._data.dtype) for x in inputs], "GraphCell")

    def construct(self, *inputs: Any) -> Any:
        spec = self.graph.specialize(self._batch(inputs))
        return _interpret(spec, inputs, self._params, self.graph.doc.get("out_struct", "single"))


def _interpret(spec: Any, inputs: tuple, params: dict, out_struct: str) -> Any:
    """Apply the graph's nodes with `bind` (eager ops, or nodes of the enclosing trace)."""
    from ..ops.random import _key
    env: dict[int, Any] = {}
    for v, (kind, ref) in zip(spec.graph.inputs, spec.sources):
        env[id(v)] = inputs[ref] if kind == "input" else params[ref] if kind == "param" else _key(ref)
    on_host = STATE.xp is np

    def operand(a: Any) -> Any:
        if isinstance(a, Var):
            return env[id(a)]
        v = a.value
        return v if on_host or not isinstance(v, np.ndarray) else STATE.xp.asarray(v)

    for n in spec.graph.nodes:
        res = bind(n.prim, *[operand(a) for a in n.inputs], **n.params)
        for o, r in zip(n.outs, res if n.prim.multiple_results else (res,)):
            env[id(o)] = r
    outs = [env[id(a)] if isinstance(a, Var) else Tensor(a.value) for a in spec.graph.outputs]
    return outs[0] if out_struct == "single" else (list(outs) if out_struct == "list" else tuple(outs))
