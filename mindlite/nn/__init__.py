"""`mindlite.nn`: Cells, layers, losses, optimizers and training wrappers."""
from .cell import Cell, CellList, SequentialCell  # noqa: F401
