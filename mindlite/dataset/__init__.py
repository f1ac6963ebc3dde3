"""``mindlite.dataset`` (``import mindlite.dataset as ds``): MindSpore 2.x's data pipeline on numpy.

    >>> import numpy as np, mindlite.dataset as ds
    >>> data = ds.NumpySlicesDataset({"x": np.arange(6.0), "y": np.arange(6) % 2}, shuffle=False)
    >>> data = data.map(lambda x: x * 2, input_columns="x").batch(3)
    >>> [b["x"].tolist() for b in data.create_dict_iterator(output_numpy=True)]
    [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]

The engine (``engine/``) works on numpy only; iterators convert to ``mindlite.Tensor``
unless ``output_numpy=True``. Random transforms draw from ``engine.random_state()``.
"""
from . import config, engine  # noqa: F401
from .engine.datasets import Dataset, zip  # noqa: F401,A004
from .engine.iterators import DictIterator, TupleIterator  # noqa: F401
from .engine.ops import BatchInfo  # noqa: F401
from .engine.samplers import (BuiltinSampler, DistributedSampler, RandomSampler, Sampler,  # noqa: F401
                              SequentialSampler, Shuffle, SubsetRandomSampler, SubsetSampler,
                              WeightedRandomSampler)
from .engine.sources import GeneratorDataset, MappableDataset, NumpySlicesDataset, SourceDataset  # noqa: F401
from .engine.workers import random_state  # noqa: F401
from . import transforms, vision, text  # noqa: F401,E402
