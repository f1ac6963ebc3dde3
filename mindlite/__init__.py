"""mindlite: a dual-mode deep learning framework with MindSpore's Python API.

    >>> import mindlite as ms
    >>> ms.grad(lambda x, y: x * (x + y), grad_position=(0, 1))(ms.Tensor(2.0), ms.Tensor(1.0))
"""
from .core.dtype import *  # noqa: F401,F403
from .core.dtype import dtype_to_nptype, dtype_to_pytype, pytype_to_dtype  # noqa: F401
from .core.tensor import Parameter, ParameterTuple, Tensor  # noqa: F401
from .core.context import GRAPH_MODE, PYNATIVE_MODE, get_context, set_context, set_device  # noqa: F401
from .core.rng import get_seed, set_seed  # noqa: F401
from .core.autograd import grad, value_and_grad  # noqa: F401
from .core.jit import jit, ms_function  # noqa: F401
from .parallel_context import (ParallelMode, get_auto_parallel_context, reset_auto_parallel_context,  # noqa: F401
                               set_auto_parallel_context)
from . import ops, backend, nn, common, context, dtype, amp, train  # noqa: F401
from .core import ad_graph as _ad_graph  # noqa: F401  (installs the control-flow differentiation rules)
from .train.serialization import load_checkpoint, load_param_into_net, save_checkpoint  # noqa: F401
from .train.export import export, load  # noqa: F401
from .amp import DynamicLossScaleManager, FixedLossScaleManager  # noqa: F401
from .train import (CheckpointConfig, LossMonitor, Model, ModelCheckpoint, TimeMonitor)  # noqa: F401
from .ops.functional import stop_gradient  # noqa: F401
from .common.api import jit_class, ms_class  # noqa: F401
from .common.mutable import mutable  # noqa: F401
from .common.tensor import from_numpy, is_tensor, tensor  # noqa: F401
from .amp import LossScaleManager, build_train_network  # noqa: F401
from .train import (Callback, EarlyStopping, History, LambdaCallback, LearningRateScheduler,  # noqa: F401
                    ReduceLROnPlateau, RunContext)
from .ops.primitive import constexpr  # noqa: F401
from . import log  # noqa: F401
from .log import get_level, get_log_config  # noqa: F401
from .train.dataset_helper import DatasetHelper, connect_network_with_dataset  # noqa: F401

from ._version import __version__  # noqa: F401,E402
from .te.custom import Custom as _Custom  # noqa: E402
ops.Custom = _Custom  # te sits above ops (it builds primitives on the table): the root joins them
from . import communication, parallel  # noqa: E402
from . import insight  # noqa: E402  (summaries and the debugger; installs the summary sink and the watch hook)
from .insight import SummaryCollector, SummaryRecord  # noqa: E402,F401
for _name in ("AllReduce", "AllGather", "ReduceScatter", "AlltoAll", "Broadcast", "ReduceOp"):
    setattr(ops, _name, getattr(communication, _name))  # collectives live beside ops: the root joins them
del _name


def __getattr__(name: str):  # `ms.dataset` without importing pillow-based code at start-up
    if name in ("dataset", "mindrecord", "experimental", "numpy"):
        import importlib
        return importlib.import_module(f"{__name__}.{name}")
    from ._api_names import missing_attribute
    raise missing_attribute(__name__, name, "mindlite")
