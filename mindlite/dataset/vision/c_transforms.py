"""Legacy 1.x path `mindspore.dataset.vision.c_transforms`: the same classes as `vision`."""
from . import *
from . import __all__  # noqa: F401
