"""`mindlite.ops.primitive`: the base of the Primitive classes users instantiate (`ops.ReLU()`,
`P.Conv2D(out_channel, kernel_size)`), the `prim_attr_register` decorator and `constexpr`.

A Primitive class is a thin callable: its constructor takes MindSpore's attributes, `__call__`
the tensor inputs, and the call runs the one functional op that defines the math (ops/functional
and the primitive table). So `ops.Abs()(x)`, `ops.abs(x)` and `x.abs()` share one definition
and work alike in PYNATIVE and GRAPH mode.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import sys
import threading
from typing import Any, Callable, Iterator


class PrimitiveOp:
    """MindSpore's `ops.Primitive`: `Primitive(name)`; subclasses define `__call__`.

    Attributes given to the constructor are kept in `attrs` and as instance attributes.
    """

    def __init__(self, name: str | None = None, **attrs: Any) -> None:
        self.name = name if name is not None else type(self).__name__
        self.attrs: dict = {}
        self.in_strategy: Any = None
        self.out_strategy: Any = None
        self.instance_name = ""
        for k, v in attrs.items():
            self.add_prim_attr(k, v)

    def add_prim_attr(self, name: str, value: Any) -> "PrimitiveOp":
        self.attrs[name] = value
        setattr(self, name, value)
        return self

    def del_prim_attr(self, name: str) -> "PrimitiveOp":
        self.attrs.pop(name, None)
        self.__dict__.pop(name, None)
        return self

    def set_prim_instance_name(self, instance_name: str) -> "PrimitiveOp":
        self.instance_name = instance_name
        return self

    def init_prim_io_names(self, inputs: Any, outputs: Any) -> None:
        """Record input/output names (MindSpore uses them for graph dumps)."""
        self.add_prim_attr("input_names", list(inputs))
        self.add_prim_attr("output_names", list(outputs))

    def shard(self, in_strategy: Any = None, out_strategy: Any = None) -> "PrimitiveOp":
        """Set a per-input shard strategy, e.g. `MatMul().shard(((2, 1), (1, 1)))` (one tuple of
        splits per tensor input, or `Layout` objects), read by SEMI_AUTO/AUTO_PARALLEL."""
        if in_strategy is not None and not (isinstance(in_strategy, tuple) and all(
                _is_layout_spec(s) or (isinstance(s, tuple) and all(isinstance(d, int) and not isinstance(d, bool)
                                                                     and d > 0 for d in s)) for s in in_strategy)):
            raise ValueError(f"{type(self).__name__}.shard: in_strategy must be a tuple of tuples of positive ints "
                             f"(or of Layout(...) results), got {in_strategy!r}")
        if out_strategy is not None:
            raise ValueError(f"{type(self).__name__}.shard: out_strategy is not supported: mindlite chooses how a "
                             f"partial output is reduced (all-reduce or reduce-scatter) from its consumer's layout")
        self.in_strategy, self.out_strategy = in_strategy, out_strategy
        if in_strategy is not None and not isinstance(self, _ShardRecorded):
            self.__class__ = _recorded_class(type(self))
        return self

    def set_device(self, device_target: str) -> "PrimitiveOp":
        self.attrs["primitive_target"] = device_target
        return self

    def recompute(self, mode: bool = True) -> "PrimitiveOp":
        """Accepted for compatibility: mindlite keeps or recomputes activations by its own plan."""
        self.attrs["recompute"] = mode
        return self

    def __call__(self, *args: Any) -> Any:
        raise TypeError(f"{type(self).__name__} defines no __call__: a Primitive subclass must say what it computes")

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.attrs.items())
        return f"Prim[{self.name}]<{args}>"


_SHARD_CALLS = threading.local()  # the sharding planner's record of sharded-op calls while it captures


@contextlib.contextmanager
def shard_recording(calls: list) -> Iterator[list]:
    """While active (in this thread), each call of an op with a shard strategy appends
    (op, args, first node, end node) of the graph trace it emits into."""
    prev = getattr(_SHARD_CALLS, "calls", None)
    _SHARD_CALLS.calls = calls
    try:
        yield calls
    finally:
        _SHARD_CALLS.calls = prev


class _ShardRecorded:
    """Mixin of an op instance given a strategy: its calls are recorded during planning."""

    def __call__(self, *args: Any) -> Any:
        calls = getattr(_SHARD_CALLS, "calls", None)
        from ..core.prim import STATE
        trace = STATE.trace
        if calls is None or trace is None or not hasattr(trace, "nodes"):
            return super().__call__(*args)
        start = len(trace.nodes)
        out = super().__call__(*args)
        calls.append((self, args, start, len(trace.nodes)))
        return out


_RECORDED: dict = {}


def _recorded_class(cls: type) -> type:
    sub = _RECORDED.get(cls)
    if sub is None:
        sub = _RECORDED[cls] = type(cls.__name__, (_ShardRecorded, cls), {"__module__": cls.__module__,
                                                                           "__doc__": cls.__doc__})
    return sub


def _is_layout_spec(s: Any) -> bool:
    return type(s).__name__ == "TensorLayoutSpec"


class PrimitiveWithInfer(PrimitiveOp):
    """MindSpore's `PrimitiveWithInfer`: `infer_shape`/`infer_dtype`/`infer_value` hooks.

    mindlite infers shapes from the primitive table, so the hooks are only called when a
    subclass's own `__call__` asks for them.
    """

    def infer_shape(self, *args: Any) -> Any:
        return None

    def infer_dtype(self, *args: Any) -> Any:
        return None

    def infer_value(self, *args: Any) -> Any:
        return None


class PrimitiveWithCheck(PrimitiveOp):
    """MindSpore's `PrimitiveWithCheck`: `check_shape`/`check_dtype` hooks for subclasses."""

    def check_shape(self, *args: Any) -> None:
        return None

    def check_dtype(self, *args: Any) -> None:
        return None


def prim_attr_register(fn: Callable[..., None]) -> Callable[..., None]:
    """Decorator for a Primitive subclass `__init__`: records every argument as an attribute."""
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(self: PrimitiveOp, *args: Any, **kwargs: Any) -> None:
        bound = sig.bind(self, *args, **kwargs)
        bound.apply_defaults()
        PrimitiveOp.__init__(self, type(self).__name__)
        for k, v in list(bound.arguments.items())[1:]:
            self.add_prim_attr(k, v)
        fn(self, *args, **kwargs)
    return wrapper


def constexpr(fn: Callable | None = None, *, get_instance: bool = True, reuse_result: bool = True,
              check: bool = True) -> Any:
    """Marks a function evaluated on Python values while tracing. mindlite traces by running
    Python, so the function is simply called (in both modes)."""
    if fn is None:
        return lambda f: f
    return fn


def simple_op(name: str, fn: Callable[..., Any], doc: str = "") -> type:
    """A Primitive class with no attributes whose call is `fn(*inputs)` (the one definition)."""
    def __call__(self: Any, *args: Any) -> Any:
        return fn(*args)
    fn_name = getattr(fn, "__name__", "the functional op")
    module = sys._getframe(1).f_globals.get("__name__", __name__)  # the family module defining the class
    return type(name, (PrimitiveOp,), {"__call__": __call__, "__module__": module,
                                       "__doc__": doc or f"`ops.{name}()(...)`: calls `{fn_name}`."})


Primitive = PrimitiveOp
