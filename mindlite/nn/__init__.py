"""`mindlite.nn`: Cells, layers, losses, optimizers, training wrappers and metrics."""
from .cell import Cell, CellDict, CellList, SequentialCell  # noqa: F401
from .graph_cell import GraphCell  # noqa: F401
from .layer import *  # noqa: F401,F403
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, KLDivLoss, L1Loss, LossBase, MAELoss,  # noqa: F401
                   MSELoss, NLLLoss, SmoothL1Loss, SoftmaxCrossEntropyWithLogits)
from .wrap import (DynamicLossScaleUpdateCell, FixedLossScaleUpdateCell, TrainOneStepCell,  # noqa: F401
                   TrainOneStepWithLossScaleCell, WithEvalCell, WithGradCell, WithLossCell)
from .metrics import (F1, MAE, MSE, Accuracy, Fbeta, Loss, Metric, Precision, Recall,  # noqa: F401
                      Top1CategoricalAccuracy, Top5CategoricalAccuracy, TopKCategoricalAccuracy)
from .optim import (SGD, Adagrad, Adam, AdamWeightDecay, Lamb, Momentum, Optimizer, RMSProp)  # noqa: F401
from .learning_rate_schedule import (CosineDecayLR, ExponentialDecayLR, InverseDecayLR,  # noqa: F401
                                     LearningRateSchedule, NaturalExpDecayLR, PolynomialDecayLR, WarmUpLR)
from .dynamic_lr import (cosine_decay_lr, exponential_decay_lr, inverse_decay_lr, natural_exp_decay_lr,  # noqa: F401
                         piecewise_constant_lr, polynomial_decay_lr, warmup_lr)
from . import optim, learning_rate_schedule, dynamic_lr  # noqa: F401
from .extra_losses import CosineEmbeddingLoss, DiceLoss, RMSELoss, SoftMarginLoss  # noqa: F401
from .roc import ROC, auc, rearrange_inputs  # noqa: F401
from .wrap.forward_grad import ForwardValueAndGrad, ParameterUpdate  # noqa: F401
from .wrap.grad_reducer import DistributedGradReducer  # noqa: F401
from ..core.tensor import ParameterTuple  # noqa: F401


def __getattr__(name: str):  # noqa: ANN202 - a MindSpore name mindlite lacks gets an error saying so
    from .._api_names import missing_attribute
    raise missing_attribute(__name__, name, "nn")
