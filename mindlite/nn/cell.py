"""`nn.Cell`: the building block of networks.

A Cell registers Parameters and sub-Cells assigned as attributes (names become dotted
paths such as `layer1.0.conv1.weight`), switches train/eval, and calls `construct`.
A Cell that defines `bprop(self, *inputs, out, dout)` overrides its gradient.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Iterator

from ..core import dtype as mstype
from ..core import jit as _jit
from ..core.autograd import call_with_custom_bprop
from ..core.prim import STATE
from ..core.trace import run_autocast
from ..core.tensor import Parameter, ParameterTuple, Tensor


_VERSION = [0]  # bumped whenever any cell tree, parameter set or train flag changes


def _touch() -> None:
    _VERSION[0] += 1


class Cell:
    """Base class of all network cells (MindSpore `nn.Cell(auto_prefix=True, flags=None)`)."""

    def __init__(self, auto_prefix: bool = True, flags: Any = None) -> None:
        object.__setattr__(self, "_params", OrderedDict())
        object.__setattr__(self, "_cells", OrderedDict())
        object.__setattr__(self, "training", False)
        object.__setattr__(self, "_auto_prefix", auto_prefix)
        object.__setattr__(self, "_param_prefix", "")
        object.__setattr__(self, "requires_grad", False)
        object.__setattr__(self, "_mixed_precision_type", None)

    # ---- registration ------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_params" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        params, cells = self.__dict__["_params"], self.__dict__["_cells"]
        if isinstance(value, (Parameter, Cell, ParameterTuple)) or name in params or name in cells:
            _touch()
        if isinstance(value, Parameter):
            if value.name.startswith("Parameter") or not value.name:
                value.name = name
            params[name] = value
            cells.pop(name, None)
            self.__dict__.pop(name, None)
        elif isinstance(value, Cell):
            cells[name] = value
            params.pop(name, None)
            self.__dict__.pop(name, None)
            if self.__dict__["_auto_prefix"]:
                value._prefix_names(name)
        elif isinstance(value, ParameterTuple):
            # each Parameter of a tuple (optimizer moments) is registered under its own name
            for p in value:
                params[p.name] = p
            object.__setattr__(self, name, value)
        elif name in params and isinstance(value, Tensor):
            params[name].set_data(value)  # assigning a Tensor to a Parameter attribute sets its data
        elif name in params and value is None:
            params[name] = None
        else:
            params.pop(name, None) if name in params else None
            cells.pop(name, None) if name in cells else None
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        if "_params" in d and name in d["_params"]:
            return d["_params"][name]
        if "_cells" in d and name in d["_cells"]:
            return d["_cells"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        if name in self._params:
            del self._params[name]
        elif name in self._cells:
            del self._cells[name]
        else:
            object.__delattr__(self, name)

    def insert_child_to_cell(self, child_name: str, child_cell: "Cell") -> None:
        if not isinstance(child_cell, Cell) and child_cell is not None:
            raise TypeError(f"insert_child_to_cell: child must be a Cell, got {type(child_cell).__name__}")
        if "." in child_name or not child_name:
            raise KeyError(f"insert_child_to_cell: invalid child name {child_name!r}")
        self._cells[child_name] = child_cell
        _touch()
        if child_cell is not None and self._auto_prefix:
            child_cell._prefix_names(child_name)

    def _prefix_names(self, prefix: str) -> None:
        """Name every parameter by its attribute path under `prefix` (MindSpore's auto_prefix),
        so checkpoint keys read `layer1.0.conv1.weight`."""
        for path, p in self.parameters_and_names():
            p.name = f"{prefix}.{path}"

    def insert_param_to_cell(self, param_name: str, param: Parameter, check_name_contain_dot: bool = True) -> None:
        if check_name_contain_dot and "." in param_name:
            raise KeyError(f"insert_param_to_cell: parameter name {param_name!r} must not contain '.'")
        if not isinstance(param, Parameter):
            raise TypeError(f"insert_param_to_cell: expected a Parameter, got {type(param).__name__}")
        if param.name.startswith("Parameter"):
            param.name = param_name
        self._params[param_name] = param

    # ---- traversal ---------------------------------------------------------------------------
    def cells_and_names(self, cells: Any = None, name_prefix: str = "") -> Iterator[tuple[str, "Cell"]]:
        """Depth-first (self first) over the cell tree, each cell once, as MindSpore orders it."""
        seen: set[int] = cells if cells is not None else set()
        if id(self) in seen:
            return
        seen.add(id(self))
        yield name_prefix, self
        for child_name, child in self._cells.items():
            if child is not None:
                yield from child.cells_and_names(seen, f"{name_prefix}.{child_name}" if name_prefix else child_name)

    def name_cells(self) -> "OrderedDict[str, Cell]":
        return OrderedDict((k, v) for k, v in self._cells.items() if v is not None)

    def cells(self) -> Any:
        return self.name_cells().values()

    def parameters_and_names(self, name_prefix: str = "", expand: bool = True) -> Iterator[tuple[str, Parameter]]:
        seen: set[int] = set()
        cells = self.cells_and_names(name_prefix=name_prefix) if expand else [(name_prefix, self)]
        for cell_name, cell in cells:
            for pname, p in cell._params.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{cell_name}.{pname}" if cell_name else pname), p

    def get_parameters(self, expand: bool = True) -> Iterator[Parameter]:
        for _, p in self.parameters_and_names(expand=expand):
            yield p

    def trainable_params(self, recurse: bool = True) -> list[Parameter]:
        return [p for p in self.get_parameters(expand=recurse) if p.requires_grad]

    def untrainable_params(self, recurse: bool = True) -> list[Parameter]:
        return [p for p in self.get_parameters(expand=recurse) if not p.requires_grad]

    def parameters_dict(self, recurse: bool = True) -> "OrderedDict[str, Parameter]":
        return OrderedDict((p.name, p) for p in self.get_parameters(expand=recurse))

    def update_parameters_name(self, prefix: str = "", recurse: bool = True) -> None:
        for name, p in self.parameters_and_names(expand=recurse):
            p.name = f"{prefix}{name}"

    # ---- modes -------------------------------------------------------------------------------
    def set_train(self, mode: bool = True) -> "Cell":
        _touch()
        for _, cell in self.cells_and_names():
            object.__setattr__(cell, "training", bool(mode))
        return self

    def set_grad(self, requires_grad: bool = True) -> "Cell":
        object.__setattr__(self, "requires_grad", requires_grad)
        return self

    @property
    def cls_name(self) -> str:
        return type(self).__name__

    # ---- call ----------------------------------------------------------------------------------
    def construct(self, *inputs: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{type(self).__name__} must define construct()")

    def to_float(self, dst_type: Any) -> "Cell":
        """Run this cell (and its children, unless they set their own type) with every floating
        input of every op cast to `dst_type` (float16/bfloat16/float32); Parameters stay in
        their own dtype as master copies. Returns self."""
        t = mstype.to_type(dst_type, "dst_type")
        if not t.is_floating_point:
            raise ValueError(f"to_float: dst_type must be a float type, got {t}")
        object.__setattr__(self, "_mixed_precision_type", t)
        return self

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs and _jit.compiles(self):  # GRAPH_MODE: the one jit entry
            return _jit.cell_function(self)(*args)
        signature = self.__dict__.get("_input_signature")
        if signature is not None and STATE.trace is None:  # declared inputs hold in both modes
            _jit.check_signature(type(self).__name__, signature, args)
        return self._traced_call(*args, **kwargs)

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        construct = self.construct
        if STATE.trace is not None:  # capturing: tensor-dependent if/while become graph nodes
            from ..parser import convert
            construct = convert(construct)
        bprop = getattr(type(self), "bprop", None)
        if bprop is not None and not kwargs:
            return call_with_custom_bprop(construct, self.bprop, args, type(self).__name__)
        return construct(*args, **kwargs)

    def _traced_call(self, *args: Any, **kwargs: Any) -> Any:
        if self._mixed_precision_type is not None:
            return run_autocast(self._mixed_precision_type, self._call, *args, **kwargs)
        return self._call(*args, **kwargs)

    def shard(self, in_strategy: Any, out_strategy: Any = None, parameter_plan: Any = None, device: str = "Ascend",
              level: int = 0) -> "Cell":
        """Fix the layouts of this cell's tensor inputs under SEMI_AUTO/AUTO_PARALLEL (one tuple of
        splits, or a `Layout` result, per input); its ops follow by sharding propagation."""
        from .wrap.parallel_cell import enable_cell_shard
        return enable_cell_shard(self, in_strategy, out_strategy, parameter_plan)

    def set_inputs(self, *inputs: Any) -> None:
        """Declare the inputs (MindSpore `Cell.set_inputs`): `Tensor(shape=[None, 3], dtype=...)`
        per input, None for a dimension of any size. Calls must match the declaration (dtype,
        rank, fixed sizes); each size met compiles its own graph."""
        object.__setattr__(self, "_input_signature", _jit.declared_inputs("set_inputs", inputs))

    def get_inputs(self) -> Any:
        return self.__dict__.get("_input_signature")

    def compile(self, *args: Any) -> None:
        """Compile the graph for these inputs without running it."""
        _jit.cell_function(self).executable(args)

    def _graph_key(self) -> tuple:
        """Training flags and parameter set: part of the compile cache key (memoised per version)."""
        memo = self.__dict__.get("_graph_key_memo")
        if memo is None or memo[0] != _VERSION[0]:
            flags = tuple(c.training for _, c in self.cells_and_names())
            memo = (_VERSION[0], (flags, tuple(id(p) for p in self.get_parameters())))
            object.__setattr__(self, "_graph_key_memo", memo)
        return memo[1]

    # ---- printing ------------------------------------------------------------------------------
    def extend_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}<{self.extend_repr()}>"]
        children = self.name_cells()
        if not children:
            return lines[0]
        lines[0] = lines[0] + " ("
        for name, child in children.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(")")
        return "\n".join(lines)


class SequentialCell(Cell):
    """Cells applied in order; child names are "0", "1", ..."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = tuple(args[0])
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for k, v in args[0].items():
                self.insert_child_to_cell(k, v)
        else:
            for i, c in enumerate(args):
                self.insert_child_to_cell(str(i), c)

    def __getitem__(self, index: Any) -> Any:
        items = list(self._cells.values())
        if isinstance(index, slice):
            return SequentialCell(items[index])
        return items[index]

    def __len__(self) -> int:
        return len(self._cells)

    def append(self, cell: Cell) -> None:
        self.insert_child_to_cell(str(len(self._cells)), cell)

    def construct(self, x: Any) -> Any:
        for cell in self._cells.values():
            x = cell(x)
        return x


class CellList(Cell):
    """A list of Cells (not callable itself)."""

    def __init__(self, args: Any = None) -> None:
        super().__init__()
        for c in args or []:
            self.append(c)

    def append(self, cell: Cell) -> None:
        self.insert_child_to_cell(str(len(self._cells)), cell)

    def extend(self, cells: Any) -> "CellList":
        for c in cells:
            self.append(c)
        return self

    def __getitem__(self, index: Any) -> Any:
        items = list(self._cells.values())
        return CellList(items[index]) if isinstance(index, slice) else items[index]

    def __len__(self) -> int:
        return len(self._cells)

    def __iter__(self) -> Iterator[Cell]:
        return iter(self._cells.values())


class CellDict(Cell):
    """An ordered dict of Cells (not callable itself)."""

    def __init__(self, args: Any = None) -> None:
        super().__init__()
        if args is not None:
            self.update(args)

    def __getitem__(self, key: str) -> Cell:
        return self._cells[key]

    def __setitem__(self, key: str, cell: Cell) -> None:
        self.insert_child_to_cell(key, cell)

    def __delitem__(self, key: str) -> None:
        del self._cells[key]

    def __contains__(self, key: str) -> bool:
        return key in self._cells

    def __len__(self) -> int:
        return len(self._cells)

    def __iter__(self) -> Iterator[str]:
        return iter(self._cells)

    def keys(self) -> Any:
        return self._cells.keys()

    def values(self) -> Any:
        return self._cells.values()

    def items(self) -> Any:
        return self._cells.items()

    def pop(self, key: str) -> Cell:
        return self._cells.pop(key)

    def clear(self) -> None:
        self._cells.clear()

    def update(self, cells: Any) -> None:
        items = cells.items() if hasattr(cells, "items") else cells
        for key, cell in items:
            self[key] = cell


__all__ = ["Cell", "SequentialCell", "CellList", "CellDict", "ParameterTuple"]
