"""`mindlite.train.loss_scale_manager` (legacy home of the loss-scale managers)."""
from ..amp import DynamicLossScaleManager, FixedLossScaleManager, LossScaleManager  # noqa: F401

__all__ = ["DynamicLossScaleManager", "FixedLossScaleManager", "LossScaleManager"]
