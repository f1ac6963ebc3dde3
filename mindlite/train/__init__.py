"""`mindlite.train`: Model, callbacks, checkpoints (serialization), metrics and loss-scale managers."""
from .serialization import load_checkpoint, load_param_into_net, save_checkpoint  # noqa: F401
from . import serialization  # noqa: F401
from ..nn import metrics  # noqa: F401
from ..nn.metrics import (F1, MAE, MSE, Accuracy, Fbeta, Loss, Metric, Precision, Recall,  # noqa: F401
                          Top1CategoricalAccuracy, Top5CategoricalAccuracy, TopKCategoricalAccuracy)
from ..amp import DynamicLossScaleManager, FixedLossScaleManager, LossScaleManager  # noqa: F401
from .callback import (Callback, CheckpointConfig, EarlyStopping, History, LambdaCallback,  # noqa: F401
                       LearningRateScheduler, LossMonitor, ModelCheckpoint, OnRequestExit, ReduceLROnPlateau,
                       RunContext, TimeMonitor)
from . import callback  # noqa: F401
from .model import Model  # noqa: F401
