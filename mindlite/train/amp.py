"""`mindlite.train.amp` (legacy home of mixed precision): re-exports `mindlite.amp`."""
from ..amp import (DynamicLossScaleManager, DynamicLossScaler, FixedLossScaleManager, LossScaleManager,  # noqa: F401
                   StaticLossScaler, all_finite, auto_mixed_precision, build_train_network)
