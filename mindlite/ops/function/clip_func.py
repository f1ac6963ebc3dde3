"""`mindlite.ops.function.clip_func`: MindSpore's gradient clipping that mindlite implements."""
from ._family import export, missing

__all__ = export(globals(), """
    clip_by_global_norm clip_by_value clip_by_norm
""")


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    raise missing(__name__, name)
