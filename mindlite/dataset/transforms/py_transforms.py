"""Legacy 1.x path `mindspore.dataset.transforms.py_transforms`: the same classes as `transforms`."""
from .transforms import Compose, OneHot, RandomApply, RandomChoice, RandomOrder  # noqa: F401
