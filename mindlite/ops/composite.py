"""`mindlite.ops.composite` (legacy `C`): GradOperation and the grad instances the paper uses."""
from ..core.autograd import (GradOperation, grad_all, grad_all_with_sens, grad_by_list,  # noqa: F401
                             grad_by_list_with_sens, grad_op as grad, grad_with_sens)
from .nn import clip_by_global_norm  # noqa: F401
from .multitype import HyperMap, Map, MultitypeFuncGraph, partial  # noqa: F401
