"""The pipeline engine of ``mindlite.dataset`` (numpy only; never imports mindlite.core/ops/nn).

Modules: ``datasets`` (the ``Dataset`` base and its operations), ``ops`` (operation nodes),
``sources`` (GeneratorDataset, NumpySlicesDataset, MappableDataset for file readers),
``samplers``, ``iterators``, ``workers`` (thread/process pools, ``random_state``),
``shm`` (shared-memory transport), ``config``.
"""
from . import config  # noqa: F401
from .datasets import Dataset, zip  # noqa: F401,A004
from .samplers import (BuiltinSampler, DistributedSampler, RandomSampler, Sampler, SequentialSampler,  # noqa: F401
                       Shuffle, SubsetRandomSampler, SubsetSampler, WeightedRandomSampler)
from .sources import GeneratorDataset, MappableDataset, NumpySlicesDataset, SourceDataset  # noqa: F401
from .workers import RowContext, current_row, random_state, worker_rng  # noqa: F401
