"""`mindlite.common.parameter` (MindSpore's home of `Parameter`, `ParameterTuple`)."""
from ..core.tensor import Parameter, ParameterTuple  # noqa: F401

__all__ = ["Parameter", "ParameterTuple"]
