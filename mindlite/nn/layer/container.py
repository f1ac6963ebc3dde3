"""`mindlite.nn.layer.container` (MindSpore's home of the Cell containers): re-exports."""
from ..cell import CellDict, CellList, SequentialCell  # noqa: F401

__all__ = ["CellDict", "CellList", "SequentialCell"]
