"""`mindlite.dataset.transforms`: general (non-image) transforms, MindSpore 2.x names.

Legacy 1.x import paths `transforms.c_transforms` and `transforms.py_transforms`
alias the same classes. The package depends on numpy only (never on mindlite.core).
"""
from ._base import PyTensorOperation, TensorOperation
from .transforms import (
                         Compose,
                         Concatenate,
                         Duplicate,
                         Fill,
                         Mask,
                         OneHot,
                         PadEnd,
                         RandomApply,
                         RandomChoice,
                         RandomOrder,
                         Relational,
                         Slice,
                         TypeCast,
                         Unique,
)

__all__ = [
                         "Compose",
                         "Concatenate",
                         "Duplicate",
                         "Fill",
                         "Mask",
                         "OneHot",
                         "PadEnd",
                         "PyTensorOperation",
                         "RandomApply",
                         "RandomChoice",
                         "RandomOrder",
                         "Relational",
                         "Slice",
                         "TensorOperation",
                         "TypeCast",
                         "Unique",
]

from . import c_transforms, py_transforms  # noqa: E402,F401  (the 1.x module names, as attributes too)


def __getattr__(name: str):  # noqa: ANN202 - a MindSpore name mindlite lacks gets an error saying so
    from ..._api_names import missing_attribute
    raise missing_attribute(__name__, name, "dataset.transforms")
