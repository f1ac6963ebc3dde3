"""Overflow status: `ops.FloatStatus` and the Ascend status-register ops `NPUAllocFloatStatus`,
`NPUClearFloatStatus`, `NPUGetFloatStatus`, given the behaviour a CPU/GPU user expects.

On Ascend the hardware keeps a floating-point status register: `NPUClearFloatStatus` zeroes
it, every later computation that produces inf/nan sets it, and `NPUGetFloatStatus(status)`
copies it into the `status` tensor (in place) and returns zeros. Loss-scaling code reads
`status` afterwards:

    status = alloc(); clear(status); grads = grad_fn(...); get(status)
    overflow = ops.sum(status) > 0

Here the register is emulated: `NPUClearFloatStatus` installs an `OverflowWatch` over the
current trace; it checks the floating-point result of every primitive applied after it
(forward and backward) until `NPUGetFloatStatus` reads and removes it. In GRAPH_MODE the
checks are graph nodes (an `isfinite` reduction per result), so the status is computed by
the compiled step. Ops inside a tensor-dependent `if`/`while` body are not watched.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..core import dtype as mstype
from ..core.tensor import Tensor
from ..core.trace import STATE, bind
from .primitive import PrimitiveOp
from .registry import Aval, Primitive

STATUS_SIZE = 8  # Ascend's status tensor: 8 float32 flags


# ---- FloatStatus: does this tensor hold inf or nan? ------------------------------------------
def _float_status_impl(xp: Any, x: Any) -> Any:
    bad = not bool(xp.isfinite(x).all()) if x.dtype.kind in "fc" else False
    return xp.asarray([1.0 if bad else 0.0], dtype=np.float32)


def _float_status_infer(x: Aval) -> Aval:
    return Aval((1,), np.dtype(np.float32))


# No bprop: MindSpore defines FloatStatus's gradient as zero.
float_status_p = Primitive("float_status", _float_status_impl, _float_status_infer)


def float_status(input_x: Tensor) -> Tensor:
    """Shape (1,) float32: 1.0 when `input_x` holds an inf or nan, else 0.0."""
    if not isinstance(input_x, Tensor):
        raise TypeError(f"FloatStatus: input_x must be a Tensor, got {type(input_x).__name__}")
    if not input_x.dtype.is_floating_point:
        raise TypeError(f"FloatStatus: input_x must be float16, float32 or float64, got {input_x.dtype}")
    return float_status_p(input_x)


class FloatStatus(PrimitiveOp):
    """`ops.FloatStatus()(input_x)`: Tensor of shape (1,), 1.0 if `input_x` has inf/nan."""

    def __call__(self, input_x: Tensor) -> Tensor:
        return float_status(input_x)


# ---- the emulated status register ------------------------------------------------------------------
def _is_symbolic(t: Tensor) -> bool:
    return bool(getattr(t._data, "is_symbolic", False))


class OverflowWatch:
    """A trace layered over the current one (as `AutocastTrace` is) that records whether any
    floating-point primitive result is non-finite. Eager: a Python flag. Graph: a bool graph
    value updated by nodes emitted after each watched primitive."""

    def __init__(self, parent: Any) -> None:
        self.parent = parent
        self.overflow = False        # eager flag
        self.flag: Any = None        # graph flag: a symbolic bool Tensor, or None

    def __getattr__(self, name: str) -> Any:
        if self.parent is None:  # eager: no graph hooks
            raise AttributeError(name)
        return getattr(self.parent, name)

    def clear(self) -> None:
        self.overflow = False
        self.flag = None

    def bind(self, prim: Any, args: tuple, params: dict) -> Any:
        STATE.trace = self.parent
        try:
            res = bind(prim, *args, **params)
            for out in (res if isinstance(res, tuple) else (res,)):
                if isinstance(out, Tensor) and out._data.dtype.kind in "fc":
                    self._observe(out)
        finally:
            STATE.trace = self
        return res

    def _observe(self, out: Tensor) -> None:
        from . import math as m, reduce as r
        if not _is_symbolic(out):
            if not self.overflow and not bool(STATE.xp.isfinite(out._data).all()):
                self.overflow = True
            return
        finite = bind(r.reduce_all_p, bind(m.isfinite_p, out), axis=tuple(range(out.ndim)), keepdims=False)
        bad = bind(m.logical_not_p, finite)
        self.flag = bad if self.flag is None else bind(m.logical_or_p, self.flag, bad)

    def status(self) -> Tensor:
        """The register as a (STATUS_SIZE,) float32 tensor (flag 0 set on overflow)."""
        from . import creation, functional as F
        if self.flag is None or self.overflow:
            first = creation.fill(mstype.float32, (1,), 1.0 if self.overflow else 0.0)
        else:
            first = F.reshape(F.cast(self.flag, mstype.float32), (1,))
        return F.concat([first, creation.fill(mstype.float32, (STATUS_SIZE - 1,), 0.0)])


def _current_watch() -> OverflowWatch | None:
    return STATE.trace if isinstance(STATE.trace, OverflowWatch) else None


def _check_status_tensor(op: str, x: Any) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: x must be the Tensor made by NPUAllocFloatStatus, got {type(x).__name__}")
    if x.shape != (STATUS_SIZE,) or x.dtype != mstype.float32:
        raise ValueError(f"{op}: x must be a float32 tensor of shape ({STATUS_SIZE},) as NPUAllocFloatStatus makes, "
                         f"got {x.dtype}{list(x.shape)}")


def npu_alloc_float_status() -> Tensor:
    from .creation import fill
    return fill(mstype.float32, (STATUS_SIZE,), 0.0)


def npu_clear_float_status(x: Tensor) -> Tensor:
    """Zero the status register (and `x`) and start watching; returns zeros."""
    _check_status_tensor("NPUClearFloatStatus", x)
    zeros, result = npu_alloc_float_status(), npu_alloc_float_status()
    watch = _current_watch()
    if watch is None:
        STATE.trace = watch = OverflowWatch(STATE.trace)
    watch.clear()
    x._rebind(zeros)
    return result


def npu_get_float_status(x: Tensor) -> Tensor:
    """Copy the status register into `x` (in place) and stop watching; returns zeros."""
    _check_status_tensor("NPUGetFloatStatus", x)
    watch = _current_watch()
    if watch is not None:
        STATE.trace = watch.parent
        status = watch.status()
    else:  # nothing was cleared, or the watch ended with an earlier get: the register is still clear
        status = npu_alloc_float_status()
    x._rebind(status)
    return npu_alloc_float_status()


class NPUAllocFloatStatus(PrimitiveOp):
    """`ops.NPUAllocFloatStatus()()`: a float32 status tensor of shape (8,), all zeros."""

    def __call__(self) -> Tensor:
        return npu_alloc_float_status()


class NPUClearFloatStatus(PrimitiveOp):
    """`ops.NPUClearFloatStatus()(x)`: clear the overflow status; returns zeros like `x`."""

    def __call__(self, x: Tensor) -> Tensor:
        return npu_clear_float_status(x)


class NPUGetFloatStatus(PrimitiveOp):
    """`ops.NPUGetFloatStatus()(x)`: write the overflow status into `x` (sum(x) > 0 means an inf/nan
    was produced since the last clear); returns zeros like `x`."""

    def __call__(self, x: Tensor) -> Tensor:
        return npu_get_float_status(x)
