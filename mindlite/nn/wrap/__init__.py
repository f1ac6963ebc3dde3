"""Training wrappers: loss cells, one-step training cells, loss scaling."""
from .cell_wrapper import TrainOneStepCell, WithEvalCell, WithGradCell, WithLossCell  # noqa: F401
from .loss_scale import (DynamicLossScaleUpdateCell, FixedLossScaleUpdateCell,  # noqa: F401
                         TrainOneStepWithLossScaleCell)
from .grad_reducer import DistributedGradReducer  # noqa: F401
