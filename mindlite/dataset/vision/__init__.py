"""`mindlite.dataset.vision`: image transforms on numpy HWC arrays and PIL images (pillow + numpy).

MindSpore 2.x names, signatures and defaults. The 1.x module paths
`vision.c_transforms` and `vision.py_transforms` alias the same classes.
"""
from .random_transforms import (CutMixBatch, CutOut, MixUpBatch, RandomColorAdjust, RandomCrop,
                                RandomCropDecodeResize, RandomHorizontalFlip, RandomResizedCrop,
                                RandomRotation, RandomVerticalFlip)
from .transforms import (HWC2CHW, CenterCrop, Crop, Decode, Grayscale, HorizontalFlip, Normalize, Pad,
                         Rescale, Resize, ToNumpy, ToPIL, ToTensor, VerticalFlip)
from .utils import Border, ImageBatchFormat, Inter, get_image_num_channels, get_image_size

__all__ = ["Decode", "Resize", "CenterCrop", "Crop", "Normalize", "HWC2CHW", "Rescale", "ToTensor",
           "Pad", "Grayscale", "ToPIL", "ToNumpy", "HorizontalFlip", "VerticalFlip",
           "RandomCrop", "RandomResizedCrop", "RandomCropDecodeResize", "RandomHorizontalFlip",
           "RandomVerticalFlip", "RandomRotation", "RandomColorAdjust", "CutOut", "MixUpBatch",
           "CutMixBatch", "Inter", "Border", "ImageBatchFormat", "get_image_num_channels", "get_image_size"]
