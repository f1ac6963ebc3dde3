"""`mindlite.ops.operations` (legacy `from mindspore.ops import operations as P`): the Primitive
classes, grouped as in MindSpore (`array_ops`, `math_ops`, `nn_ops`, `random_ops`, `other_ops`,
`debug_ops`).

    >>> P.MatMul(transpose_b=True)(a, b); P.Conv2D(8, 3, pad_mode="same")(x, w)

Each class's constructor takes MindSpore's attributes; its call runs the functional op that
defines the math, so a class, its `ops.xxx` twin and the Tensor method share one definition.
Classes defined beside other op families (image, constants, communication, ...) are found
through `mindlite.ops`, so `P.<Name>` reaches every Primitive class mindlite has.
"""
from ..primitive import (Primitive, PrimitiveOp, PrimitiveWithCheck, PrimitiveWithInfer,  # noqa: F401
                         constexpr, prim_attr_register)
from .array_ops import *  # noqa: F401,F403
from .math_ops import *  # noqa: F401,F403
from .nn_ops import *  # noqa: F401,F403
from .random_ops import *  # noqa: F401,F403
from .other_ops import *  # noqa: F401,F403
from .debug_ops import *  # noqa: F401,F403
from . import array_ops, debug_ops, math_ops, nn_ops, other_ops, random_ops  # noqa: F401


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    import importlib
    ops = importlib.import_module("mindlite.ops")
    value = ops.__dict__.get(name)
    if isinstance(value, type) and issubclass(value, PrimitiveOp):
        return value
    from ..._api_names import missing_attribute
    raise missing_attribute(__name__, name, "ops")
