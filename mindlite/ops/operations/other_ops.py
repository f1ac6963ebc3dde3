"""Parameter updates and graph-ordering Primitive classes (`mindspore.ops.operations.other_ops`):
Assign, AssignAdd, AssignSub, Depend, StopGradient."""
from __future__ import annotations

from .. import functional as F
from ..primitive import simple_op

Assign = simple_op("Assign", F.assign)
AssignAdd = simple_op("AssignAdd", F.assign_add)
AssignSub = simple_op("AssignSub", F.assign_sub)
Depend = simple_op("Depend", F.depend)
StopGradient = simple_op("StopGradient", F.stop_gradient)

__all__ = ["Assign", "AssignAdd", "AssignSub", "Depend", "StopGradient"]
