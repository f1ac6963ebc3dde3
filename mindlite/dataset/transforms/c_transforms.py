"""Legacy 1.x path `mindspore.dataset.transforms.c_transforms`: the same classes as `transforms`."""
from .transforms import (  # noqa: F401
                         Compose,
                         Concatenate,
                         Duplicate,
                         Fill,
                         Mask,
                         OneHot,
                         PadEnd,
                         RandomApply,
                         RandomChoice,
                         Relational,
                         Slice,
                         TypeCast,
                         Unique,
)
