"""`mindlite.train`: Model, callbacks, checkpoints (serialization), metrics and loss-scale managers."""
from .serialization import load_checkpoint, load_param_into_net, save_checkpoint  # noqa: F401
from . import serialization  # noqa: F401
from . import amp, metrics, loss_scale_manager  # noqa: F401
from ..nn.metrics import (F1, MAE, MSE, Accuracy, Fbeta, Loss, Metric, Precision, Recall,  # noqa: F401
                          Top1CategoricalAccuracy, Top5CategoricalAccuracy, TopKCategoricalAccuracy)
from ..amp import DynamicLossScaleManager, FixedLossScaleManager, LossScaleManager  # noqa: F401
from .callback import (Callback, CheckpointConfig, EarlyStopping, History, LambdaCallback,  # noqa: F401
                       LearningRateScheduler, LossMonitor, ModelCheckpoint, OnRequestExit, ReduceLROnPlateau,
                       RunContext, TimeMonitor)
from . import callback  # noqa: F401
from .model import Model  # noqa: F401
from .dataset_helper import DatasetHelper, connect_network_with_dataset  # noqa: F401
from ..parallel_context import ParallelMode  # noqa: F401


def __getattr__(name: str):  # noqa: ANN202 - a MindSpore name mindlite lacks gets an error saying so
    if name in ("SummaryRecord", "SummaryCollector"):  # insight sits beside train; imported on use
        from .. import insight
        return getattr(insight, name)
    from .._api_names import missing_attribute
    raise missing_attribute(__name__, name, "train")
