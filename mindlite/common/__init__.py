"""`mindlite.common`: dtype (as `mstype`), Tensor, Parameter, initializer, seeds and jit, in
MindSpore's submodules (`common.dtype`, `common.tensor`, `common.parameter`, `common.api`,
`common.initializer`, `common.seed`), each re-exporting the one definition."""
from ..core.rng import get_seed, set_seed  # noqa: F401
from ..core.tensor import Parameter, ParameterTuple, Tensor  # noqa: F401
from . import api, dtype, initializer, mutable as _mutable_module, parameter, seed, tensor  # noqa: F401
from .api import jit, jit_class, ms_class, ms_function  # noqa: F401
from .mutable import mutable  # noqa: F401
