"""`mindlite.ops.function.parameter_func`: MindSpore's Parameter updates that mindlite implements."""
from ._family import export, missing

__all__ = export(globals(), """
    assign assign_add assign_sub index_add scatter_add scatter_update
""")


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    raise missing(__name__, name)
