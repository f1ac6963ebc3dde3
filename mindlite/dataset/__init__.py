"""``mindlite.dataset`` (``import mindlite.dataset as ds``): MindSpore 2.x's data pipeline on numpy.

    >>> import numpy as np, mindlite.dataset as ds
    >>> data = ds.NumpySlicesDataset({"x": np.arange(6.0), "y": np.arange(6) % 2}, shuffle=False)
    >>> data = data.map(lambda x: x * 2, input_columns="x").batch(3)
    >>> [b["x"].tolist() for b in data.create_dict_iterator(output_numpy=True)]
    [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]

The engine (``engine/``) works on numpy only; iterators convert to ``mindlite.Tensor``
unless ``output_numpy=True``. Random transforms draw from ``engine.random_state()``.
"""
from . import config, engine
from .engine.datasets import Dataset, zip
from .engine.iterators import DictIterator, TupleIterator
from .engine.ops import BatchInfo
from .engine.samplers import (BuiltinSampler, DistributedSampler, RandomSampler, Sampler, SequentialSampler,
                              Shuffle, SubsetRandomSampler, SubsetSampler, WeightedRandomSampler)
from .engine.sources import GeneratorDataset, MappableDataset, NumpySlicesDataset, SourceDataset
from .engine.workers import random_state
from . import text, transforms, vision  # noqa: I001 - after the engine, which they build on
from .readers import Cifar10Dataset, Cifar100Dataset, ImageFolderDataset, MnistDataset, TextFileDataset
from .mindrecord_dataset import MindDataset
from .tfrecord import Schema, TFRecordDataset
from .engine.ops import BatchDataset, RepeatDataset  # noqa: F401  (public node classes, as MindSpore's)
from .padded import PaddedDataset

__all__ = ["BatchInfo", "BuiltinSampler", "Cifar100Dataset", "Cifar10Dataset", "Dataset", "DictIterator",
           "DistributedSampler", "GeneratorDataset", "ImageFolderDataset", "MappableDataset", "MindDataset",
           "MnistDataset", "NumpySlicesDataset", "PaddedDataset", "Schema", "TFRecordDataset", "RandomSampler",
           "Sampler", "SequentialSampler", "Shuffle",
           "SourceDataset", "SubsetRandomSampler", "SubsetSampler", "TextFileDataset", "TupleIterator",
           "WeightedRandomSampler", "config", "engine", "random_state", "text", "transforms", "vision", "zip"]


def __getattr__(name: str):  # noqa: ANN202 - a MindSpore name mindlite lacks gets an error saying so
    from .._api_names import missing_attribute
    raise missing_attribute(__name__, name, "dataset")
