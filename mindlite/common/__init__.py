"""`mindlite.common`: dtype, Tensor, Parameter, initializer, set_seed."""
from ..core import dtype  # noqa: F401
from ..core.rng import get_seed, set_seed  # noqa: F401
from ..core.tensor import Parameter, ParameterTuple, Tensor  # noqa: F401
from . import initializer  # noqa: F401
