"""Legacy 1.x path `mindspore.dataset.vision.py_transforms`: the same classes as `vision`.

1.x py_transforms worked on PIL images (`Decode()` returned PIL); here every op
accepts PIL and numpy alike, so `py_transforms.Decode()` returns PIL as it did.
"""
from ..transforms.transforms import Compose  # noqa: F401 - 1.x py_transforms exported Compose
from ..transforms.transforms import TypeCast as ToType  # noqa: F401 - 1.x name of a numpy cast
from . import *
from . import __all__  # noqa: F401
from . import transforms as _t


class Decode(_t.Decode):
    """1.x py_transforms.Decode: bytes -> PIL image."""

    def __init__(self, to_pil=True):
        super().__init__(to_pil=to_pil)


