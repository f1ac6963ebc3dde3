"""`mindlite.ops`: functional ops, primitive classes and the autodiff entry points.

    >>> from mindlite import ops
    >>> ops.relu(x); ops.ReLU()(x); ops.GradOperation(get_all=True)(fn)(x, y)

The layout mirrors MindSpore's: `ops.function` (the 2.x functional namespace, re-exported
here), `ops.operations` (Primitive classes, legacy `P`), `ops.functional` (legacy `F`),
`ops.composite` (legacy `C`) and `ops.primitive`. A MindSpore name mindlite does not
implement raises an AttributeError saying so.
"""
from .function import *  # noqa: F401,F403
from .operations import *  # noqa: F401,F403
from .optimizer_ops import ApplyMomentum  # noqa: F401
from .constants import Ones, ScalarCast, ScalarToArray, ScalarToTensor, TupleToArray, Zeros  # noqa: F401
from .detection import (IOU, BoundingBoxDecode, BoundingBoxEncode, CheckValid, NMSWithMask,  # noqa: F401
                        RandomChoiceWithMask, ROIAlign)
from .float_status import FloatStatus, NPUAllocFloatStatus, NPUClearFloatStatus, NPUGetFloatStatus  # noqa: F401
from .image import CropAndResize, DepthToSpace, ResizeBilinear, ResizeNearestNeighbor, SpaceToDepth  # noqa: F401
from .multitype import HyperMap, Map, MultitypeFuncGraph  # noqa: F401
from .conv3d import AvgPool3D, Conv3D, Conv3DTranspose, MaxPool3D  # noqa: F401
from .scatter import (IndexAdd, InplaceAdd, ScatterAdd, ScatterNdAdd, ScatterNdSub, ScatterNdUpdate,  # noqa: F401
                      ScatterSub, ScatterUpdate)
from .norms import L2Normalize, LpNorm, LRN  # noqa: F401
from .tensor_algebra import CumProd, DiagPart, Einsum, MatrixInverse  # noqa: F401
from .sequence import ReverseSequence  # noqa: F401
from .categorical import DropoutDoMask, DropoutGenMask, RandomCategorical  # noqa: F401
from .ctc import CTCLoss  # noqa: F401
from .summary import HistogramSummary, ImageSummary, ScalarSummary, TensorSummary  # noqa: F401
from .conv3d import MaxPoolWithArgmax  # noqa: F401
from .rnn_ops import DynamicGRUV2, DynamicRNN  # noqa: F401
from .optimizer_updates import Adam, AdamWeightDecay, FusedWeightScaleApplyMomentum  # noqa: F401
from .primitive import (Primitive, PrimitiveOp, PrimitiveWithCheck, PrimitiveWithInfer, constexpr,  # noqa: F401
                        prim_attr_register)
from . import composite, function, functional, operations, primitive  # noqa: F401
from ..core.autograd import GradOperation, grad, value_and_grad  # noqa: F401
from .composite import grad_all  # noqa: F401
from .registry import REGISTRY  # noqa: F401

functional_names = list(function.__all__)


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    # (`ops.Custom` is set by the package root: te builds on ops, so ops never imports te)
    from .._api_names import missing_attribute
    raise missing_attribute(__name__, name, "ops")
