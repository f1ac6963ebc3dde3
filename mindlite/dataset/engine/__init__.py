"""The pipeline engine of ``mindlite.dataset`` (numpy only; never imports mindlite.core/ops/nn).

Modules: ``datasets`` (the ``Dataset`` base and its operations), ``ops`` (operation nodes),
``sources`` (GeneratorDataset, NumpySlicesDataset, MappableDataset for file readers),
``samplers``, ``iterators``, ``workers`` (thread/process pools, ``random_state``),
``shm`` (shared-memory transport), ``config``.
"""
from . import config
from .datasets import Dataset, zip
from .samplers import (BuiltinSampler, DistributedSampler, RandomSampler, Sampler, SequentialSampler, Shuffle,
                       SubsetRandomSampler, SubsetSampler, WeightedRandomSampler)
from .sources import GeneratorDataset, MappableDataset, NumpySlicesDataset, SourceDataset
from .workers import RowContext, current_row, random_state, worker_rng

__all__ = ["BuiltinSampler", "Dataset", "DistributedSampler", "GeneratorDataset", "MappableDataset",
           "NumpySlicesDataset", "RandomSampler", "RowContext", "Sampler", "SequentialSampler", "Shuffle",
           "SourceDataset", "SubsetRandomSampler", "SubsetSampler", "WeightedRandomSampler", "config",
           "current_row", "random_state", "worker_rng", "zip"]
