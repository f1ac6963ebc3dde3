"""`mindlite.ops`: functional ops, primitive classes and the autodiff entry points.

    >>> from mindlite import ops
    >>> ops.relu(x); ops.ReLU()(x); ops.GradOperation(get_all=True)(fn)(x, y)
"""
from .functional import *  # noqa: F401,F403
from .functional import __dict__ as _fdict
from .operations import *  # noqa: F401,F403
from .operations import PrimitiveOp as Primitive  # noqa: F401
from . import functional, operations, composite  # noqa: F401
from ..core.autograd import GradOperation, grad, value_and_grad  # noqa: F401
from .composite import grad_all  # noqa: F401
from .registry import REGISTRY  # noqa: F401

functional_names = sorted(k for k, v in _fdict.items() if callable(v) and not k.startswith("_"))


def constexpr(fn=None, *, get_instance=True, reuse_result=True, check=True):  # noqa: ANN001,ANN201
    """Marks a function evaluated on Python values at compile time; eager mode just calls it."""
    if fn is None:
        return lambda f: f
    return fn
