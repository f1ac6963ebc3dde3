"""Legacy home of the context API (`mindspore.context.set_context`, `context.GRAPH_MODE`)."""
from .core.context import GRAPH_MODE, PYNATIVE_MODE, get_context, set_context  # noqa: F401
from .parallel_context import (ParallelMode, get_auto_parallel_context, reset_auto_parallel_context,  # noqa: F401
                               set_auto_parallel_context)
