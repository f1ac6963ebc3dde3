"""Training callbacks (`mindlite.train.callback`, also importable from `mindlite.train`)."""
from ._callback import Callback, CallbackList, CallbackParam, RunContext  # noqa: F401
from ._checkpoint import CheckpointConfig, ModelCheckpoint  # noqa: F401
from ._monitors import History, LambdaCallback, LossMonitor, TimeMonitor  # noqa: F401
from ._plateau import EarlyStopping, LearningRateScheduler, OnRequestExit, ReduceLROnPlateau  # noqa: F401
