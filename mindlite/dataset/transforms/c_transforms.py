"""Legacy 1.x path `mindspore.dataset.transforms.c_transforms`: the same classes as `transforms`."""
from .transforms import (Compose, Concatenate, Duplicate, Fill, Mask, OneHot, PadEnd, RandomApply,  # noqa: F401
                         RandomChoice, Relational, Slice, TypeCast, Unique)
