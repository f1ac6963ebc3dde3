"""`mindlite.dtype` module (`ms.dtype.float32`)."""
from .core.dtype import *  # noqa: F401,F403
from .core.dtype import Type, dtype_to_nptype, dtype_to_pytype, pytype_to_dtype  # noqa: F401
