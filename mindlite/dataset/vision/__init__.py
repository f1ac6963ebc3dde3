"""`mindlite.dataset.vision`: image transforms on numpy HWC arrays and PIL images (pillow + numpy).

MindSpore 2.x names, signatures and defaults. The 1.x module paths
`vision.c_transforms` and `vision.py_transforms` alias the same classes.
"""
from .random_transforms import (
                                CutMixBatch,
                                CutOut,
                                MixUpBatch,
                                RandomColorAdjust,
                                RandomCrop,
                                RandomCropDecodeResize,
                                RandomHorizontalFlip,
                                RandomResizedCrop,
                                RandomRotation,
                                RandomVerticalFlip,
)
from .transforms import (
                                HWC2CHW,
                                CenterCrop,
                                Crop,
                                Decode,
                                Grayscale,
                                HorizontalFlip,
                                Normalize,
                                Pad,
                                Rescale,
                                Resize,
                                ToNumpy,
                                ToPIL,
                                ToTensor,
                                VerticalFlip,
)
from .utils import Border, ImageBatchFormat, Inter, get_image_num_channels, get_image_size

__all__ = [
                                "HWC2CHW",
                                "Border",
                                "CenterCrop",
                                "Crop",
                                "CutMixBatch",
                                "CutOut",
                                "Decode",
                                "Grayscale",
                                "HorizontalFlip",
                                "ImageBatchFormat",
                                "Inter",
                                "MixUpBatch",
                                "Normalize",
                                "Pad",
                                "RandomColorAdjust",
                                "RandomCrop",
                                "RandomCropDecodeResize",
                                "RandomHorizontalFlip",
                                "RandomResizedCrop",
                                "RandomRotation",
                                "RandomVerticalFlip",
                                "Rescale",
                                "Resize",
                                "ToNumpy",
                                "ToPIL",
                                "ToTensor",
                                "VerticalFlip",
                                "get_image_num_channels",
                                "get_image_size",
]

from .enhance_transforms import (AutoContrast, Equalize, Invert, NormalizePad, RandomAffine,  # noqa: E402
                                 RandomColor, RandomErasing, RandomGrayscale, RandomPosterize,
                                 RandomSelectSubpolicy, RandomSharpness, RandomSolarize)
from . import enhance_transforms as _enhance  # noqa: E402

__all__ += _enhance.__all__
from . import c_transforms, py_transforms  # noqa: E402,F401  (the 1.x module names, as attributes too)


def __getattr__(name: str):  # noqa: ANN202 - a MindSpore name mindlite lacks gets an error saying so
    from ..._api_names import missing_attribute
    raise missing_attribute(__name__, name, "dataset.vision")
