"""`mindlite.ops.function.debug_func`: MindSpore's debugging that mindlite implements."""
from ._family import export, missing

__all__ = export(globals(), """
    print_
""")


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    raise missing(__name__, name)
