"""Debugging Primitive classes (`mindspore.ops.operations.debug_ops`)."""
from __future__ import annotations

from typing import Any

from .. import functional as F
from ..primitive import PrimitiveOp


class Print(PrimitiveOp):
    """`ops.Print()(*inputs)`: prints the inputs (tensors as their values), as `ops.print_`."""

    def __call__(self, *inputs: Any) -> None:
        return F.print_(*inputs)


__all__ = ["Print"]
